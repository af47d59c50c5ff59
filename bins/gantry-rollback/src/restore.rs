//! `gantry-rollback run --target rollback.yaml`: the whole way back, in
//! order (traffic to stable, canary scaled down, Deployments undone and
//! waited for, the GitOps deploy reverted, Cloud Run traffic back), each
//! step reported; idempotent, so running it again changes nothing.

use std::path::PathBuf;

use gantry_cli::{CliError, ExitStatus, env_vars, parse_duration};
use gantry_restore::{Restore, Step, StepOutcome};
use gantry_runner::{Printer, Summary};
use serde_json::json;

use crate::kube_args::{KubeArgs, block_on};
use crate::target;

#[derive(Debug, clap::Args)]
pub(crate) struct RunArgs {
    /// The target spec (YAML or JSON; schema in docs/schemas/rollback-target.schema.json).
    #[arg(long, value_name = "FILE", env = env_vars::GANTRY_TARGET)]
    target: PathBuf,

    /// Why, for the GitOps revert's commit message (e.g. the canary's reason).
    #[arg(long, value_name = "TEXT", env = env_vars::GANTRY_REASON)]
    reason: Option<String>,

    /// The deadline of each request to the Cloud Run Admin API, its answer
    /// included; a request that runs into it is tried once more.
    #[arg(long, value_name = "DURATION", default_value = "10s", env = env_vars::GANTRY_CLOUD_RUN_TIMEOUT, allow_hyphen_values = true)]
    cloud_run_timeout: String,
}

pub(crate) fn run(
    args: &RunArgs,
    kube: &KubeArgs,
    printer: &mut Printer,
) -> Result<ExitStatus, CliError> {
    // Every flag and every field of the file first: nothing is contacted
    // before all of it is known to be usable.
    let cloud_run_timeout = parse_duration("--cloud-run-timeout", &args.cloud_run_timeout, false)?;
    kube.check()?;
    let spec = target::load(&args.target)?;
    let kube = target::kube_args(kube, &spec);
    let cluster = kube.check()?;
    let reason = args
        .reason
        .clone()
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| "rollback by gantry-rollback".to_owned());
    if let Some(gitops) = &spec.gitops {
        // gantry-gitops gets the token; the repository URL may carry one.
        if let Some(token) = printer.env().var(env_vars::GANTRY_TOKEN).map(str::to_owned)
            && !token.trim().is_empty()
        {
            printer.mask(&token)?;
        }
        for secret in crate::gitops::repo_credentials(&gitops.repo) {
            printer.mask(&secret)?;
        }
    }
    let outside = target::outside_steps(&spec, &args.target, &reason, cloud_run_timeout)?;
    mask_cloud_run(&outside, printer)?;
    let restore = block_on(async {
        let mut steps = Vec::new();
        let mut client = None;
        if target::needs_kube(&spec) {
            let (connected, namespace) = cluster.connect(printer).await?;
            steps = target::kube_steps(&spec, &connected, &namespace, &args.target)?;
            preflight(&connected, &steps).await?;
            client = Some(connected);
        }
        steps.extend(outside);
        let restore = gantry_restore::restore(client.as_ref(), &steps).await;
        Ok((restore, steps))
    });
    kube.mask(printer)?;
    let (restore, steps) = restore?;
    mask_cloud_run(&steps, printer)?;
    for step in &restore.steps {
        printer.info(&format!(
            "{:<10} {}: {} ({:.1} s): {}",
            step.kind,
            step.target,
            step.outcome.as_str(),
            step.elapsed.as_secs_f64(),
            step.detail
        ))?;
    }
    let json = json!({
        "succeeded": restore.succeeded(),
        "changed": restore.changed(),
        "steps": restore.steps.iter().map(|s| json!({
            "kind": s.kind,
            "target": s.target,
            "outcome": s.outcome.as_str(),
            "detail": s.detail,
            "elapsed_seconds": s.elapsed.as_secs_f64(),
        })).collect::<Vec<_>>(),
    });
    let text = summary_line(&restore);
    printer.set_output("changed", if restore.changed() { "true" } else { "false" })?;
    printer.set_output(
        "succeeded",
        if restore.succeeded() { "true" } else { "false" },
    )?;
    // Outputs are written as given: redacted here, as the rest is.
    let report = printer.redact(&json.to_string()).into_owned();
    printer.set_output("report", &report)?;
    printer.summary(&summary(&restore, &text))?;
    printer.result(&text, &json)?;
    Ok(match restore.failure() {
        None => ExitStatus::Success,
        Some(step) if step.input_error => ExitStatus::Usage,
        Some(step) if step.rollout_unfinished => ExitStatus::Failure,
        Some(_) => ExitStatus::External,
    })
}

/// Mask the Cloud Run credentials of `steps` (the token given, the ADC
/// file's secrets, an access token fetched since).
fn mask_cloud_run(steps: &[Step], printer: &mut Printer) -> Result<(), CliError> {
    for step in steps {
        if let Step::CloudRun { service, .. } = step {
            for secret in service.credentials().secrets() {
                printer.mask(&secret)?;
            }
        }
    }
    Ok(())
}

/// Every workload the steps scale or undo exists, before the first step
/// changes anything: a typo in the last step must not leave the traffic
/// moved and the rest undone.
async fn preflight(client: &gantry_kube::Client, steps: &[Step]) -> Result<(), CliError> {
    for step in steps {
        if let Step::ScaleDown(workload) | Step::Undo { workload, .. } = step {
            gantry_kube::read_workload(client, workload)
                .await
                .map_err(crate::kube_args::kube_error)?;
        }
    }
    Ok(())
}

fn summary_line(restore: &Restore) -> String {
    let count = |o: StepOutcome| restore.steps.iter().filter(|s| s.outcome == o).count();
    match restore.failure() {
        None if restore.changed() => format!(
            "rolled back: {} step(s) changed, {} already there",
            count(StepOutcome::Changed),
            count(StepOutcome::AlreadyThere)
        ),
        None => format!(
            "already rolled back: all {} step(s) were already there",
            restore.steps.len()
        ),
        Some(step) => format!(
            "rollback stopped at {} {}: {} ({} step(s) not run)",
            step.kind,
            step.target,
            step.detail,
            count(StepOutcome::NotRun)
        ),
    }
}

fn summary(restore: &Restore, text: &str) -> Summary {
    let mut s = Summary::new();
    s.heading(3, "gantry-rollback");
    s.paragraph(text);
    let rows: Vec<Vec<String>> = restore
        .steps
        .iter()
        .map(|step| {
            vec![
                step.kind.to_owned(),
                format!("`{}`", step.target),
                step.outcome.as_str().to_owned(),
                format!("{:.1} s", step.elapsed.as_secs_f64()),
                step.detail.clone(),
            ]
        })
        .collect();
    s.table(&["step", "target", "outcome", "took", "detail"], &rows);
    s
}
