//! One-command rollback: "go back to the last good state" for one service,
//! in the order that keeps users safe and keeps the state from coming back:
//!
//! 1. [`Step::Traffic`]: the canary's weight to 0 (users stop reaching it);
//! 2. [`Step::ScaleDown`]: the canary workloads to 0 replicas;
//! 3. [`Step::Undo`]: Deployments back to a previous revision, then waited
//!    for (`kubectl rollout undo` + `rollout status`);
//! 4. [`Step::Gitops`]: the deploy commit reverted, so a GitOps controller
//!    does not re-apply the bad version on its next sync;
//! 5. [`Step::CloudRun`]: Cloud Run traffic back to a previous revision.
//!
//! [`restore`] runs the steps one after the other and reports each:
//! changed, already there, or failed. It stops at the first failure (a
//! later step may depend on it: scaling a canary down while the route
//! still sends it traffic turns slow errors into refused connections) and
//! says which steps did not run. Every step is idempotent, so a rollback
//! that stopped can be run again from the top.

mod step;

pub use step::{GitopsFailure, GitopsRevert, Restore, Step, StepOutcome, StepReport, restore};
