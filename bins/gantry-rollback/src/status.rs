//! `gantry-rollback status deployment/web`: wait for a rollout like
//! `kubectl rollout status`, naming the pods that keep it from finishing.

use std::time::Duration;

use gantry_cli::{CliError, ExitStatus, env_vars, parse_duration};
use gantry_kube::{RolloutOutcome, RolloutReport, WorkloadRef};
use gantry_runner::Printer;
use serde_json::json;

use crate::kube_args::{KubeArgs, block_on, check_workload, kube_error};

/// How often a rollout is read while waiting.
pub(crate) const POLL: Duration = Duration::from_millis(500);

#[derive(Debug, clap::Args)]
pub(crate) struct StatusArgs {
    /// The workload: `deployment/NAME`, `statefulset/NAME`, `daemonset/NAME`
    /// (or a bare NAME for a Deployment).
    #[arg(value_name = "WORKLOAD")]
    pub(crate) workload: String,

    /// How long to wait for the rollout.
    #[arg(long, value_name = "DURATION", default_value = "5m", env = env_vars::GANTRY_ROLLOUT_TIMEOUT, allow_hyphen_values = true)]
    pub(crate) timeout: String,
}

pub(crate) fn run(
    args: &StatusArgs,
    kube: &KubeArgs,
    printer: &mut Printer,
) -> Result<ExitStatus, CliError> {
    let timeout = parse_duration("--timeout", &args.timeout, false)?;
    let cluster = kube.check()?;
    check_workload(&args.workload)?;
    let report = block_on(async {
        let (client, namespace) = cluster.connect(printer).await?;
        let workload = WorkloadRef::parse(&args.workload, &namespace).map_err(kube_error)?;
        gantry_kube::wait_for_rollout(&client, &workload, timeout, POLL)
            .await
            .map_err(kube_error)
    });
    kube.mask(printer)?;
    let report = report?;
    print_report(&report, printer)?;
    printer.result(&report.message, &report_json(&report))?;
    printer.set_output("outcome", outcome_word(report.outcome))?;
    Ok(exit_status(report.outcome))
}

pub(crate) fn outcome_word(outcome: RolloutOutcome) -> &'static str {
    match outcome {
        RolloutOutcome::Done => "done",
        RolloutOutcome::Failed => "failed",
        RolloutOutcome::TimedOut => "timed-out",
    }
}

/// Done is 0; a failed or timed-out rollout is 1 (the workload is not
/// healthy), as `kubectl rollout status` exits non-zero.
pub(crate) fn exit_status(outcome: RolloutOutcome) -> ExitStatus {
    match outcome {
        RolloutOutcome::Done => ExitStatus::Success,
        RolloutOutcome::Failed | RolloutOutcome::TimedOut => ExitStatus::Failure,
    }
}

/// The unhealthy pods, one line each.
pub(crate) fn print_report(report: &RolloutReport, printer: &mut Printer) -> Result<(), CliError> {
    for pod in &report.unhealthy_pods {
        printer.info(&format!("  pod {}", pod))?;
    }
    if report.outcome == RolloutOutcome::TimedOut {
        printer.info(&format!(
            "{}: still not rolled out after {:.1} s: {}",
            report.workload,
            report.elapsed.as_secs_f64(),
            report.message
        ))?;
    }
    Ok(())
}

pub(crate) fn report_json(report: &RolloutReport) -> serde_json::Value {
    json!({
        "workload": report.workload.to_string(),
        "outcome": outcome_word(report.outcome),
        "message": report.message,
        "elapsed_seconds": report.elapsed.as_secs_f64(),
        "unhealthy_pods": report.unhealthy_pods.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
    })
}
