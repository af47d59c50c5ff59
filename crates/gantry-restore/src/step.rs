use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use gantry_cloudrun::CloudRun;
use gantry_kube::{Client, RolloutOutcome, UndoTarget, WorkloadRef};
use gantry_traffic::{TrafficShifter, Weight};

/// How often a rollout is read while waiting.
const POLL: Duration = Duration::from_millis(500);

/// In an undo step's detail when its rollout did not finish.
const ROLLOUT_UNFINISHED: &str = "the rollout did not finish";

/// Reverting the GitOps deploy, done by whoever can (gantry-rollback runs
/// gantry-gitops): returns whether a commit was made, and one line.
pub trait GitopsRevert: Send + Sync {
    /// What is reverted, e.g. `ghcr.io/acme/web in https://github.com/acme/deploy (main)`.
    fn describe(&self) -> String;
    /// Revert; `Ok((changed, detail))` or why it failed.
    fn revert(&self) -> BoxFuture<'_, Result<(bool, String), GitopsFailure>>;
}

/// Why a GitOps revert failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitopsFailure {
    /// One line.
    pub message: String,
    /// Whether it is the input's fault (nothing to revert, an unknown
    /// environment): exit 2 rather than 3.
    pub input: bool,
}

/// One step of a rollback.
pub enum Step {
    /// Set the canary's traffic weight to 0.
    Traffic(Box<dyn TrafficShifter>),
    /// Scale a workload to 0 replicas.
    ScaleDown(WorkloadRef),
    /// Undo a Deployment and wait for it.
    Undo {
        /// The Deployment.
        workload: WorkloadRef,
        /// To which revision.
        target: UndoTarget,
        /// How long to wait for its rollout.
        timeout: Duration,
    },
    /// Revert the GitOps deploy.
    Gitops(Box<dyn GitopsRevert>),
    /// Cloud Run traffic to a revision (the previous ready one by default).
    CloudRun {
        /// The service.
        service: CloudRun,
        /// The revision, or the previous ready one.
        to: Option<String>,
    },
}

impl Step {
    /// `traffic`, `scale-down`, `undo`, `gitops` or `cloud-run`.
    pub fn kind(&self) -> &'static str {
        match self {
            Step::Traffic(_) => "traffic",
            Step::ScaleDown(_) => "scale-down",
            Step::Undo { .. } => "undo",
            Step::Gitops(_) => "gitops",
            Step::CloudRun { .. } => "cloud-run",
        }
    }

    /// What the step acts on.
    pub fn target(&self) -> String {
        match self {
            Step::Traffic(shifter) => shifter.describe(),
            Step::ScaleDown(workload) | Step::Undo { workload, .. } => workload.to_string(),
            Step::Gitops(revert) => revert.describe(),
            Step::CloudRun { service, .. } => {
                format!("Cloud Run service {}", service.service_name())
            }
        }
    }
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepOutcome {
    /// It changed something.
    Changed,
    /// Nothing to do: already in the last good state.
    AlreadyThere,
    /// It failed; the rollback stopped here.
    Failed,
    /// Not run, because an earlier step failed.
    NotRun,
}

impl StepOutcome {
    /// `changed`, `already-there`, `failed`, `not-run`.
    pub fn as_str(self) -> &'static str {
        match self {
            StepOutcome::Changed => "changed",
            StepOutcome::AlreadyThere => "already-there",
            StepOutcome::Failed => "failed",
            StepOutcome::NotRun => "not-run",
        }
    }
}

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepReport {
    /// [`Step::kind`].
    pub kind: &'static str,
    /// [`Step::target`].
    pub target: String,
    /// How it ended.
    pub outcome: StepOutcome,
    /// One line: what changed, or why it failed.
    pub detail: String,
    /// How long it took.
    pub elapsed: Duration,
    /// Whether the failure is the input's (a missing object, nothing to
    /// undo): exit 2 rather than 3.
    pub input_error: bool,
    /// Whether it failed because a rollout did not finish (the undo was
    /// applied, the pods did not come up): exit 1, like `rollout status`.
    pub rollout_unfinished: bool,
}

/// What a rollback did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restore {
    /// Every step, in order, the ones not run included.
    pub steps: Vec<StepReport>,
}

impl Restore {
    /// Whether every step ran and none failed.
    pub fn succeeded(&self) -> bool {
        self.steps
            .iter()
            .all(|s| matches!(s.outcome, StepOutcome::Changed | StepOutcome::AlreadyThere))
    }

    /// Whether anything was changed.
    pub fn changed(&self) -> bool {
        self.steps.iter().any(|s| s.outcome == StepOutcome::Changed)
    }

    /// The failed step, if one did.
    pub fn failure(&self) -> Option<&StepReport> {
        self.steps.iter().find(|s| s.outcome == StepOutcome::Failed)
    }
}

/// Run `steps` in order; `client` for the Kubernetes ones. Stops at the
/// first failure; the steps after it are reported as not run.
pub async fn restore(client: Option<&Client>, steps: &[Step]) -> Restore {
    let mut reports = Vec::new();
    let mut failed = false;
    for step in steps {
        let started = Instant::now();
        let (outcome, detail, input_error) = if failed {
            (
                StepOutcome::NotRun,
                "not run: an earlier step failed".to_owned(),
                false,
            )
        } else {
            run_step(client, step).await
        };
        let rollout_unfinished =
            outcome == StepOutcome::Failed && detail.contains(ROLLOUT_UNFINISHED);
        failed |= outcome == StepOutcome::Failed;
        reports.push(StepReport {
            kind: step.kind(),
            target: step.target(),
            outcome,
            detail,
            elapsed: started.elapsed(),
            input_error,
            rollout_unfinished,
        });
    }
    Restore { steps: reports }
}

fn changed(yes: bool) -> StepOutcome {
    if yes {
        StepOutcome::Changed
    } else {
        StepOutcome::AlreadyThere
    }
}

async fn run_step(client: Option<&Client>, step: &Step) -> (StepOutcome, String, bool) {
    let kube_failure =
        |e: gantry_kube::KubeError| (StepOutcome::Failed, e.to_string(), e.is_input_error());
    let no_client = || {
        (
            StepOutcome::Failed,
            "no Kubernetes client for a Kubernetes step".to_owned(),
            true,
        )
    };
    match step {
        Step::Traffic(shifter) => match shifter.set_canary_weight(Weight::ZERO).await {
            Ok(shifted) => (changed(shifted.changed), shifted.detail, false),
            Err(e) => (StepOutcome::Failed, e.to_string(), e.is_input_error()),
        },
        Step::ScaleDown(workload) => {
            let Some(client) = client else {
                return no_client();
            };
            match gantry_kube::scale(client, workload, 0).await {
                Ok(scaled) => (changed(scaled.changed), scaled.to_string(), false),
                Err(e) => kube_failure(e),
            }
        }
        Step::Undo {
            workload,
            target,
            timeout,
        } => {
            let Some(client) = client else {
                return no_client();
            };
            let undo = match gantry_kube::undo(client, workload, target).await {
                Ok(undo) => undo,
                Err(e) => return kube_failure(e),
            };
            match gantry_kube::wait_for_rollout(client, workload, *timeout, POLL).await {
                Ok(report) if report.outcome == RolloutOutcome::Done => (
                    changed(undo.changed),
                    format!("{}; {}", undo.summary, report.message),
                    false,
                ),
                Ok(report) => {
                    let pods: Vec<String> = report
                        .unhealthy_pods
                        .iter()
                        .map(ToString::to_string)
                        .collect();
                    (
                        StepOutcome::Failed,
                        format!(
                            "{}, but {ROLLOUT_UNFINISHED}: {}{}",
                            undo.summary,
                            report.message,
                            if pods.is_empty() {
                                String::new()
                            } else {
                                format!(" ({})", pods.join("; "))
                            }
                        ),
                        false,
                    )
                }
                Err(e) => kube_failure(e),
            }
        }
        Step::Gitops(revert) => match revert.revert().await {
            Ok((yes, detail)) => (changed(yes), detail, false),
            Err(failure) => (StepOutcome::Failed, failure.message, failure.input),
        },
        Step::CloudRun { service, to } => {
            let outcome = match to {
                Some(revision) => service.rollback_to(revision).await,
                None => service.rollback_to_previous().await,
            };
            match outcome {
                Ok(outcome) => (changed(outcome.changed()), outcome.detail(), false),
                Err(e) => (StepOutcome::Failed, e.to_string(), e.is_input_error()),
            }
        }
    }
}
