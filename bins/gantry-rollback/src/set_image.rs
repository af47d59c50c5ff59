//! `gantry-rollback set-image deployment/web app=ghcr.io/acme/web:1.2.3`:
//! `kubectl set image` and `rollout status` in one step, for teams without
//! GitOps; with `--undo-on-failure`, a rollout that fails is undone and
//! waited for again.

use gantry_cli::{CliError, ExitStatus, env_vars, parse_duration};
use gantry_kube::{RolloutOutcome, UndoTarget, WorkloadKind, WorkloadRef};
use gantry_runner::Printer;
use serde_json::json;

use crate::kube_args::{KubeArgs, block_on, check_workload, kube_error};
use crate::status::{self, POLL};

#[derive(Debug, clap::Args)]
pub(crate) struct SetImageArgs {
    /// The workload: `deployment/NAME` (or a StatefulSet or DaemonSet).
    #[arg(value_name = "WORKLOAD")]
    workload: String,

    /// `CONTAINER=IMAGE` (repeatable; `*=IMAGE` for every container).
    #[arg(value_name = "CONTAINER=IMAGE", required = true)]
    images: Vec<String>,

    /// The change cause recorded in `kubernetes.io/change-cause` (default:
    /// the images set, and the workflow run under GitHub Actions).
    #[arg(long, value_name = "TEXT", env = env_vars::GANTRY_REASON)]
    record: Option<String>,

    /// How long to wait for the rollout.
    #[arg(long, value_name = "DURATION", default_value = "5m", env = env_vars::GANTRY_ROLLOUT_TIMEOUT, allow_hyphen_values = true)]
    timeout: String,

    /// When the rollout fails or times out, undo it and wait again.
    #[arg(long, env = "GANTRY_UNDO_ON_FAILURE", action = clap::ArgAction::SetTrue, value_parser = clap::builder::FalseyValueParser::new())]
    undo_on_failure: bool,
}

pub(crate) fn run(
    args: &SetImageArgs,
    kube: &KubeArgs,
    printer: &mut Printer,
) -> Result<ExitStatus, CliError> {
    let timeout = parse_duration("--timeout", &args.timeout, false)?;
    let cluster = kube.check()?;
    let kind = check_workload(&args.workload)?;
    if args.undo_on_failure && kind != WorkloadKind::Deployment {
        return Err(CliError::usage(anyhow::anyhow!(
            "--undo-on-failure needs a Deployment: `{}` is a {}, which keeps no ReplicaSet history to undo to",
            args.workload,
            kind.as_str()
        )));
    }
    let images: Vec<(String, String)> = args
        .images
        .iter()
        .map(|pair| gantry_kube::parse_image_change(pair).map_err(kube_error))
        .collect::<Result<_, _>>()?;
    let cause = args.record.clone().unwrap_or_else(|| {
        let set: Vec<String> = images.iter().map(|(c, i)| format!("{c}={i}")).collect();
        let run = match (
            printer.env().var("GITHUB_SERVER_URL"),
            printer.env().var("GITHUB_REPOSITORY"),
            printer.env().var("GITHUB_RUN_ID"),
        ) {
            (Some(server), Some(repo), Some(id)) => format!(" ({server}/{repo}/actions/runs/{id})"),
            _ => String::new(),
        };
        format!("gantry-rollback set-image {}{run}", set.join(" "))
    });
    let done = block_on(async {
        let (client, namespace) = cluster.connect(printer).await?;
        let workload = WorkloadRef::parse(&args.workload, &namespace).map_err(kube_error)?;
        let outcome = gantry_kube::set_image(&client, &workload, &images, Some(&cause))
            .await
            .map_err(kube_error)?;
        let report = gantry_kube::wait_for_rollout(&client, &workload, timeout, POLL)
            .await
            .map_err(kube_error)?;
        let undone = if report.outcome != RolloutOutcome::Done && args.undo_on_failure {
            let undo = gantry_kube::undo(&client, &workload, &UndoTarget::Previous)
                .await
                .map_err(kube_error)?;
            let after = gantry_kube::wait_for_rollout(&client, &workload, timeout, POLL)
                .await
                .map_err(kube_error)?;
            Some((undo, after))
        } else {
            None
        };
        Ok((outcome, report, undone))
    });
    kube.mask(printer)?;
    let (outcome, report, undone) = done?;
    printer.info(&outcome.to_string())?;
    status::print_report(&report, printer)?;
    printer.info(&report.message)?;
    let mut json = json!({
        "workload": outcome.workload.to_string(),
        "changed": outcome.changed(),
        "changes": outcome.changes.iter().map(|c| json!({
            "container": c.container, "init": c.init, "from": c.from, "to": c.to,
        })).collect::<Vec<_>>(),
        "rollout": status::report_json(&report),
    });
    let mut text = report.message.clone();
    if let Some((undo, after)) = &undone {
        printer.info(&format!("{}: {}", undo.deployment, undo.summary))?;
        status::print_report(after, printer)?;
        json["undo"] = json!({
            "revision": undo.revision,
            "changed": undo.changed,
            "summary": undo.summary,
            "rollout": status::report_json(after),
        });
        text = format!(
            "the rollout failed ({}); {}: {}",
            report.message, undo.summary, after.message
        );
    }
    printer.set_output("changed", if outcome.changed() { "true" } else { "false" })?;
    printer.set_output("outcome", status::outcome_word(report.outcome))?;
    printer.set_output("undone", if undone.is_some() { "true" } else { "false" })?;
    printer.result(&text, &json)?;
    // A failed rollout is a failure even when it was undone: the new
    // image is not running.
    Ok(status::exit_status(report.outcome))
}
