//! `gantry-rollback undo deployment/web`: `kubectl rollout undo` (to the
//! previous revision, `--to-revision N`, or the revision that ran
//! `--to-image TAG`), then `rollout status`.

use gantry_cli::{CliError, ExitStatus, env_vars, parse_duration};
use gantry_kube::{UndoTarget, WorkloadKind, WorkloadRef};
use gantry_runner::Printer;
use serde_json::json;

use crate::kube_args::{KubeArgs, block_on, check_workload, kube_error};
use crate::status::{self, POLL};

#[derive(Debug, clap::Args)]
pub(crate) struct UndoArgs {
    /// The Deployment: `deployment/NAME` or `NAME`.
    #[arg(value_name = "DEPLOYMENT")]
    workload: String,

    /// The revision to go back to (default: the previous one).
    #[arg(
        long,
        value_name = "N",
        env = "GANTRY_TO_REVISION",
        conflicts_with = "to_image"
    )]
    to_revision: Option<i64>,

    /// Go back to the newest revision that ran this image: a tag, a
    /// digest, a commit SHA or a full reference.
    #[arg(long, value_name = "IMAGE", env = "GANTRY_TO_IMAGE")]
    to_image: Option<String>,

    /// How long to wait for the rollout after the undo.
    #[arg(long, value_name = "DURATION", default_value = "5m", env = env_vars::GANTRY_ROLLOUT_TIMEOUT, allow_hyphen_values = true)]
    timeout: String,
}

pub(crate) fn run(
    args: &UndoArgs,
    kube: &KubeArgs,
    printer: &mut Printer,
) -> Result<ExitStatus, CliError> {
    let timeout = parse_duration("--timeout", &args.timeout, false)?;
    let cluster = kube.check()?;
    // An empty --to-image is an action input left empty: the previous revision.
    let to_image = args.to_image.as_deref().filter(|i| !i.trim().is_empty());
    let target = match (args.to_revision, to_image) {
        (Some(n), _) if n < 1 => {
            return Err(CliError::usage(anyhow::anyhow!(
                "invalid --to-revision {n}: revisions start at 1"
            )));
        }
        (Some(n), _) => UndoTarget::Revision(n),
        (None, Some(image)) => {
            gantry_kube::check_image_target(image)
                .map_err(|e| CliError::usage(anyhow::anyhow!("invalid --to-image: {e}")))?;
            UndoTarget::Image(image.trim().to_owned())
        }
        (None, None) => UndoTarget::Previous,
    };
    if check_workload(&args.workload)? != WorkloadKind::Deployment {
        return Err(CliError::usage(anyhow::anyhow!(
            "cannot undo `{}`: undo is for Deployments (StatefulSets and DaemonSets keep no ReplicaSet history to undo to)",
            args.workload
        )));
    }
    let done = block_on(async {
        let (client, namespace) = cluster.connect(printer).await?;
        let workload = WorkloadRef::parse(&args.workload, &namespace).map_err(kube_error)?;
        let undo = gantry_kube::undo(&client, &workload, &target)
            .await
            .map_err(kube_error)?;
        let report = gantry_kube::wait_for_rollout(&client, &workload, timeout, POLL)
            .await
            .map_err(kube_error)?;
        Ok((undo, report))
    });
    kube.mask(printer)?;
    let (undo, report) = done?;
    printer.info(&format!("{}: {}", undo.deployment, undo.summary))?;
    status::print_report(&report, printer)?;
    printer.set_output("changed", if undo.changed { "true" } else { "false" })?;
    printer.set_output("revision", &undo.revision.to_string())?;
    printer.set_output("outcome", status::outcome_word(report.outcome))?;
    printer.result(
        &format!("{}; {}", undo.summary, report.message),
        &json!({
            "deployment": undo.deployment.to_string(),
            "revision": undo.revision,
            "changed": undo.changed,
            "summary": undo.summary,
            "rollout": status::report_json(&report),
        }),
    )?;
    Ok(status::exit_status(report.outcome))
}
