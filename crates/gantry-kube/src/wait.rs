//! `kubectl rollout status`, polling: read the workload, [`evaluate`] it,
//! and when it is not done say which pods are unhealthy and why.

use std::time::Duration;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kube::Client;
use kube::api::ApiResource;
use tokio::time::Instant;

use crate::api::{dynamic, get, list, typed};
use crate::pods::{PodProblem, selector_query, unhealthy_pods};
use crate::rollout::{RolloutProgress, Workload, evaluate};
use crate::undo::{REVISION_ANNOTATION, controlled_by, revision_of, templates_equal};
use crate::{KubeError, WorkloadKind, WorkloadRef};

/// The first pause of a wait.
const FIRST_POLL: Duration = Duration::from_millis(25);

/// How a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RolloutOutcome {
    /// Rolled out.
    Done,
    /// Will not finish by itself (the progress deadline passed).
    Failed,
    /// Still not done when the time ran out.
    TimedOut,
}

/// What a wait saw last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloutReport {
    /// The workload.
    pub workload: WorkloadRef,
    /// How it ended.
    pub outcome: RolloutOutcome,
    /// kubectl's last message (`deployment "web" exceeded its progress
    /// deadline`).
    pub message: String,
    /// The new revision's unhealthy pods (empty when done).
    pub unhealthy_pods: Vec<PodProblem>,
    /// How long the wait took.
    pub elapsed: Duration,
}

/// Wait until `workload` is rolled out, its rollout failed, or `timeout`
/// passed, reading it every `poll`. A failed or timed-out rollout is a
/// report, not an error; errors are the API's (or an `OnDelete` workload
/// kubectl cannot follow either).
pub async fn wait_for_rollout(
    client: &Client,
    workload: &WorkloadRef,
    timeout: Duration,
    poll: Duration,
) -> Result<RolloutReport, KubeError> {
    let start = Instant::now();
    let mut backoff = FIRST_POLL;
    loop {
        let current = read_workload(client, workload).await?;
        let progress = evaluate(&current);
        let (outcome, message) = match progress {
            RolloutProgress::Done(message) => (RolloutOutcome::Done, message),
            RolloutProgress::Failed(message) => (RolloutOutcome::Failed, message),
            RolloutProgress::Unsupported(message) => {
                return Err(KubeError::Unsupported {
                    object: workload.to_string(),
                    message,
                });
            }
            RolloutProgress::Waiting(message) => {
                if start.elapsed() < timeout {
                    tracing::debug!(%workload, %message, "waiting");
                    // From 25 ms, doubling up to `poll`: a rollout that is
                    // done a moment after a write is seen at once, a long
                    // one is not read more often than `poll`.
                    let pause = backoff
                        .min(poll)
                        .min(timeout.saturating_sub(start.elapsed()));
                    backoff = backoff.saturating_mul(2);
                    tokio::time::sleep(pause).await;
                    continue;
                }
                (RolloutOutcome::TimedOut, message)
            }
        };
        let unhealthy_pods = if outcome == RolloutOutcome::Done {
            Vec::new()
        } else {
            unhealthy_pods(&rollout_pods(client, workload, &current).await?)
        };
        return Ok(RolloutReport {
            workload: workload.clone(),
            outcome,
            message,
            unhealthy_pods,
            elapsed: start.elapsed(),
        });
    }
}

/// Read a workload, typed.
pub async fn read_workload(client: &Client, workload: &WorkloadRef) -> Result<Workload, KubeError> {
    let object = workload.to_string();
    let api = dynamic(client, &workload.kind.api_resource(), &workload.namespace);
    let value = get(&api, &workload.name, &object).await?;
    Ok(match workload.kind {
        WorkloadKind::Deployment => Workload::Deployment(typed(&value, &object)?),
        WorkloadKind::StatefulSet => Workload::StatefulSet(typed(&value, &object)?),
        WorkloadKind::DaemonSet => Workload::DaemonSet(typed(&value, &object)?),
    })
}

/// The pods of the rollout in progress: for a Deployment, those of its
/// current ReplicaSet (by its selector, which has the
/// `pod-template-hash`), so old pods being replaced are not blamed; for
/// the others, the workload's.
pub async fn rollout_pods(
    client: &Client,
    workload: &WorkloadRef,
    current: &Workload,
) -> Result<Vec<Pod>, KubeError> {
    let selector = match current {
        Workload::Deployment(d) => match current_replica_set(client, workload, d).await? {
            Some(rs) => rs.spec.map(|s| s.selector),
            None => return Ok(Vec::new()),
        },
        Workload::StatefulSet(s) => s.spec.clone().map(|s| s.selector),
        Workload::DaemonSet(d) => d.spec.clone().map(|s| s.selector),
    };
    let Some(selector) = selector.filter(has_terms) else {
        return Ok(Vec::new());
    };
    let object = format!("pods of {workload}");
    let api = dynamic(client, &ApiResource::erase::<Pod>(&()), &workload.namespace);
    list(&api, &selector_query(&selector), &object)
        .await?
        .iter()
        .map(|v| typed(v, &object))
        .collect()
}

/// The ReplicaSet of a Deployment's current template: the one with the
/// Deployment's revision, or else the one whose template matches.
async fn current_replica_set(
    client: &Client,
    workload: &WorkloadRef,
    deployment: &Deployment,
) -> Result<Option<ReplicaSet>, KubeError> {
    let replica_sets = owned_replica_sets(client, workload, deployment).await?;
    let revision = deployment
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(REVISION_ANNOTATION))
        .and_then(|r| r.parse::<i64>().ok());
    let template = deployment.spec.clone().unwrap_or_default().template;
    let by_template = |rs: &ReplicaSet| {
        rs.spec
            .as_ref()
            .and_then(|s| s.template.as_ref())
            .is_some_and(|t| templates_equal(t, &template))
    };
    Ok(replica_sets
        .iter()
        .find(|rs| revision.is_some() && revision_of(rs) == revision && by_template(rs))
        .or_else(|| replica_sets.iter().find(|rs| by_template(rs)))
        .cloned())
}

/// The ReplicaSets a Deployment controls.
pub(crate) async fn owned_replica_sets(
    client: &Client,
    workload: &WorkloadRef,
    deployment: &Deployment,
) -> Result<Vec<ReplicaSet>, KubeError> {
    Ok(owned_replica_set_values(client, workload, deployment)
        .await?
        .into_iter()
        .map(|(rs, _)| rs)
        .collect())
}

/// The ReplicaSets a Deployment controls, typed and as read.
pub(crate) async fn owned_replica_set_values(
    client: &Client,
    workload: &WorkloadRef,
    deployment: &Deployment,
) -> Result<Vec<(ReplicaSet, serde_json::Value)>, KubeError> {
    let object = format!("replica sets of {workload}");
    let selector = deployment
        .spec
        .as_ref()
        .map(|s| selector_query(&s.selector))
        .unwrap_or_default();
    let api = dynamic(
        client,
        &ApiResource::erase::<ReplicaSet>(&()),
        &workload.namespace,
    );
    let mut owned = Vec::new();
    for value in list(&api, &selector, &object).await? {
        let rs: ReplicaSet = typed(&value, &object)?;
        if controlled_by(&rs, deployment) {
            owned.push((rs, value));
        }
    }
    Ok(owned)
}

/// An empty selector selects everything; no rollout has that.
fn has_terms(selector: &LabelSelector) -> bool {
    selector
        .match_labels
        .as_ref()
        .is_some_and(|m| !m.is_empty())
        || selector
            .match_expressions
            .as_ref()
            .is_some_and(|m| !m.is_empty())
}
