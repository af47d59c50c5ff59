//! Whether a rollout is done, with the exact semantics and messages of
//! `kubectl rollout status` (kubectl's `polymorphichelpers` status
//! viewers), so what gantry prints matches what users know.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};

/// A workload as read from the API server.
#[derive(Debug, Clone, PartialEq)]
pub enum Workload {
    /// A Deployment.
    Deployment(Deployment),
    /// A StatefulSet.
    StatefulSet(StatefulSet),
    /// A DaemonSet.
    DaemonSet(DaemonSet),
}

/// Where a rollout stands, with kubectl's message (without its trailing
/// newline).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RolloutProgress {
    /// Rolled out (`deployment "web" successfully rolled out`).
    Done(String),
    /// Still going (`Waiting for deployment "web" rollout to finish: 1 out
    /// of 3 new replicas have been updated...`).
    Waiting(String),
    /// Will not finish by itself (`deployment "web" exceeded its progress
    /// deadline`).
    Failed(String),
    /// kubectl cannot follow this workload's rollout (an `OnDelete`
    /// update strategy).
    Unsupported(String),
}

impl RolloutProgress {
    /// kubectl's message.
    pub fn message(&self) -> &str {
        match self {
            RolloutProgress::Done(m)
            | RolloutProgress::Waiting(m)
            | RolloutProgress::Failed(m)
            | RolloutProgress::Unsupported(m) => m,
        }
    }
}

/// kubectl's reason on the `Progressing` condition once
/// `progressDeadlineSeconds` passed without progress.
pub const PROGRESS_DEADLINE_EXCEEDED: &str = "ProgressDeadlineExceeded";

const UNSUPPORTED: &str = "rollout status is only available for RollingUpdate strategy type";

/// Where `workload`'s rollout stands.
pub fn evaluate(workload: &Workload) -> RolloutProgress {
    match workload {
        Workload::Deployment(d) => deployment(d),
        Workload::StatefulSet(s) => stateful_set(s),
        Workload::DaemonSet(d) => daemon_set(d),
    }
}

fn deployment(d: &Deployment) -> RolloutProgress {
    let name = d.metadata.name.as_deref().unwrap_or_default();
    let status = d.status.clone().unwrap_or_default();
    let generation = d.metadata.generation.unwrap_or(0);
    if generation > status.observed_generation.unwrap_or(0) {
        return RolloutProgress::Waiting(
            "Waiting for deployment spec update to be observed...".to_owned(),
        );
    }
    let timed_out = status.conditions.iter().flatten().any(|c| {
        c.type_ == "Progressing" && c.reason.as_deref() == Some(PROGRESS_DEADLINE_EXCEEDED)
    });
    if timed_out {
        return RolloutProgress::Failed(format!(
            "deployment {name:?} exceeded its progress deadline"
        ));
    }
    let updated = status.updated_replicas.unwrap_or(0);
    let replicas = status.replicas.unwrap_or(0);
    let available = status.available_replicas.unwrap_or(0);
    let wanted = d.spec.as_ref().and_then(|s| s.replicas);
    let waiting = |what: String| {
        RolloutProgress::Waiting(format!(
            "Waiting for deployment {name:?} rollout to finish: {what}..."
        ))
    };
    if let Some(wanted) = wanted
        && updated < wanted
    {
        return waiting(format!(
            "{updated} out of {wanted} new replicas have been updated"
        ));
    }
    if replicas > updated {
        return waiting(format!(
            "{} old replicas are pending termination",
            replicas - updated
        ));
    }
    if available < updated {
        return waiting(format!(
            "{available} of {updated} updated replicas are available"
        ));
    }
    RolloutProgress::Done(format!("deployment {name:?} successfully rolled out"))
}

fn daemon_set(d: &DaemonSet) -> RolloutProgress {
    let name = d.metadata.name.as_deref().unwrap_or_default();
    // The API server defaults the strategy to RollingUpdate.
    let strategy = d
        .spec
        .as_ref()
        .and_then(|s| s.update_strategy.as_ref())
        .and_then(|s| s.type_.as_deref())
        .unwrap_or("RollingUpdate");
    if strategy != "RollingUpdate" {
        return RolloutProgress::Unsupported(UNSUPPORTED.to_owned());
    }
    let status = d.status.clone().unwrap_or_default();
    if d.metadata.generation.unwrap_or(0) > status.observed_generation.unwrap_or(0) {
        return RolloutProgress::Waiting(
            "Waiting for daemon set spec update to be observed...".to_owned(),
        );
    }
    let desired = status.desired_number_scheduled;
    let updated = status.updated_number_scheduled.unwrap_or(0);
    let available = status.number_available.unwrap_or(0);
    if updated < desired {
        return RolloutProgress::Waiting(format!(
            "Waiting for daemon set {name:?} rollout to finish: {updated} out of {desired} new pods have been updated..."
        ));
    }
    if available < desired {
        return RolloutProgress::Waiting(format!(
            "Waiting for daemon set {name:?} rollout to finish: {available} of {desired} updated pods are available..."
        ));
    }
    RolloutProgress::Done(format!("daemon set {name:?} successfully rolled out"))
}

fn stateful_set(s: &StatefulSet) -> RolloutProgress {
    let spec = s.spec.clone().unwrap_or_default();
    let strategy = spec.update_strategy.clone().unwrap_or_default();
    if strategy.type_.as_deref().unwrap_or("RollingUpdate") != "RollingUpdate" {
        return RolloutProgress::Unsupported(UNSUPPORTED.to_owned());
    }
    let status = s.status.clone().unwrap_or_default();
    let observed = status.observed_generation.unwrap_or(0);
    if observed == 0 || s.metadata.generation.unwrap_or(0) > observed {
        return RolloutProgress::Waiting(
            "Waiting for statefulset spec update to be observed...".to_owned(),
        );
    }
    let ready = status.ready_replicas.unwrap_or(0);
    let updated = status.updated_replicas.unwrap_or(0);
    if let Some(replicas) = spec.replicas
        && ready < replicas
    {
        return RolloutProgress::Waiting(format!(
            "Waiting for {} pods to be ready...",
            replicas - ready
        ));
    }
    // kubectl reports a partitioned rollout whenever `rollingUpdate` is
    // set, which the API server always does (partition defaults to 0).
    if let Some(rolling) = &strategy.rolling_update {
        if let (Some(replicas), Some(partition)) = (spec.replicas, rolling.partition)
            && updated < replicas - partition
        {
            return RolloutProgress::Waiting(format!(
                "Waiting for partitioned roll out to finish: {updated} out of {} new pods have been updated...",
                replicas - partition
            ));
        }
        return RolloutProgress::Done(format!(
            "partitioned roll out complete: {updated} new pods have been updated..."
        ));
    }
    let update_revision = status.update_revision.unwrap_or_default();
    let current_revision = status.current_revision.unwrap_or_default();
    if update_revision != current_revision {
        return RolloutProgress::Waiting(format!(
            "waiting for statefulset rolling update to complete {updated} pods at revision {update_revision}..."
        ));
    }
    RolloutProgress::Done(format!(
        "statefulset rolling update complete {} pods at revision {current_revision}...",
        status.current_replicas.unwrap_or(0)
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn deploy(generation: i64, replicas: i32, status: serde_json::Value) -> Workload {
        Workload::Deployment(
            serde_json::from_value(json!({
                "metadata": {"name": "web", "generation": generation},
                "spec": {"replicas": replicas, "selector": {}, "template": {}},
                "status": status,
            }))
            .unwrap(),
        )
    }

    #[test]
    fn deployments_as_kubectl_sees_them() {
        let progressing =
            |reason: &str| json!([{"type": "Progressing", "status": "True", "reason": reason}]);
        let cases = [
            (
                deploy(2, 3, json!({"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 3})),
                RolloutProgress::Waiting("Waiting for deployment spec update to be observed...".into()),
            ),
            (
                deploy(1, 3, json!({})),
                RolloutProgress::Waiting("Waiting for deployment spec update to be observed...".into()),
            ),
            (
                deploy(2, 3, json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 1,
                    "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]})),
                RolloutProgress::Failed("deployment \"web\" exceeded its progress deadline".into()),
            ),
            (
                // A deadline on another condition type is not kubectl's signal.
                deploy(2, 3, json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 3,
                    "conditions": [{"type": "Available", "status": "False", "reason": "ProgressDeadlineExceeded"}]})),
                RolloutProgress::Done("deployment \"web\" successfully rolled out".into()),
            ),
            (
                deploy(2, 3, json!({"observedGeneration": 2, "replicas": 4, "updatedReplicas": 1, "availableReplicas": 3,
                    "conditions": progressing("ReplicaSetUpdated")})),
                RolloutProgress::Waiting("Waiting for deployment \"web\" rollout to finish: 1 out of 3 new replicas have been updated...".into()),
            ),
            (
                deploy(2, 3, json!({"observedGeneration": 3, "replicas": 5, "updatedReplicas": 3, "availableReplicas": 3})),
                RolloutProgress::Waiting("Waiting for deployment \"web\" rollout to finish: 2 old replicas are pending termination...".into()),
            ),
            (
                deploy(2, 3, json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 1})),
                RolloutProgress::Waiting("Waiting for deployment \"web\" rollout to finish: 1 of 3 updated replicas are available...".into()),
            ),
            (
                deploy(2, 3, json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 3,
                    "conditions": progressing("NewReplicaSetAvailable")})),
                RolloutProgress::Done("deployment \"web\" successfully rolled out".into()),
            ),
            (
                deploy(1, 0, json!({"observedGeneration": 1})),
                RolloutProgress::Done("deployment \"web\" successfully rolled out".into()),
            ),
        ];
        for (i, (workload, want)) in cases.into_iter().enumerate() {
            assert_eq!(evaluate(&workload), want, "case {i}");
        }
    }

    fn sts(spec: serde_json::Value, status: serde_json::Value) -> Workload {
        let mut object =
            json!({"metadata": {"name": "db", "generation": 3}, "spec": spec, "status": status});
        object["spec"]["selector"] = json!({});
        object["spec"]["template"] = json!({});
        object["spec"]["serviceName"] = json!("db");
        Workload::StatefulSet(serde_json::from_value(object).unwrap())
    }

    #[test]
    fn stateful_sets_as_kubectl_sees_them() {
        let on_delete = json!({"replicas": 3, "updateStrategy": {"type": "OnDelete"}});
        let rolling = json!({"replicas": 3, "updateStrategy": {"type": "RollingUpdate"}});
        let partition = |p: i32| json!({"replicas": 3, "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": p}}});
        let status = |observed: i64, ready: i32, updated: i32, update: &str, current: &str| {
            json!({"observedGeneration": observed, "replicas": 3, "readyReplicas": ready, "updatedReplicas": updated,
                "currentReplicas": 3, "updateRevision": update, "currentRevision": current})
        };
        let cases = [
            (on_delete, status(3, 3, 3, "a", "a"), RolloutProgress::Unsupported(UNSUPPORTED.into())),
            (rolling.clone(), json!({"replicas": 3}), RolloutProgress::Waiting("Waiting for statefulset spec update to be observed...".into())),
            (rolling.clone(), status(2, 3, 3, "a", "a"), RolloutProgress::Waiting("Waiting for statefulset spec update to be observed...".into())),
            (rolling.clone(), status(3, 1, 3, "a", "a"), RolloutProgress::Waiting("Waiting for 2 pods to be ready...".into())),
            (partition(1), status(3, 3, 1, "b", "a"), RolloutProgress::Waiting("Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...".into())),
            (partition(1), status(3, 3, 2, "b", "a"), RolloutProgress::Done("partitioned roll out complete: 2 new pods have been updated...".into())),
            (partition(0), status(3, 3, 3, "b", "b"), RolloutProgress::Done("partitioned roll out complete: 3 new pods have been updated...".into())),
            (rolling.clone(), status(3, 3, 1, "b", "a"), RolloutProgress::Waiting("waiting for statefulset rolling update to complete 1 pods at revision b...".into())),
            (rolling, status(3, 3, 3, "b", "b"), RolloutProgress::Done("statefulset rolling update complete 3 pods at revision b...".into())),
        ];
        for (i, (spec, status, want)) in cases.into_iter().enumerate() {
            assert_eq!(evaluate(&sts(spec, status)), want, "case {i}");
        }
    }

    #[test]
    fn daemon_sets_as_kubectl_sees_them() {
        let ds = |strategy: &str, observed: i64, desired: i32, updated: i32, available: i32| {
            Workload::DaemonSet(
                serde_json::from_value(json!({
                    "metadata": {"name": "agent", "generation": 2},
                    "spec": {"selector": {}, "template": {}, "updateStrategy": {"type": strategy}},
                    "status": {"observedGeneration": observed, "desiredNumberScheduled": desired,
                        "updatedNumberScheduled": updated, "numberAvailable": available,
                        "currentNumberScheduled": desired, "numberMisscheduled": 0, "numberReady": available},
                }))
                .unwrap(),
            )
        };
        let cases = [
            (ds("OnDelete", 2, 3, 3, 3), RolloutProgress::Unsupported(UNSUPPORTED.into())),
            (ds("RollingUpdate", 1, 3, 3, 3), RolloutProgress::Waiting("Waiting for daemon set spec update to be observed...".into())),
            (ds("RollingUpdate", 2, 3, 1, 3), RolloutProgress::Waiting("Waiting for daemon set \"agent\" rollout to finish: 1 out of 3 new pods have been updated...".into())),
            (ds("RollingUpdate", 2, 3, 3, 2), RolloutProgress::Waiting("Waiting for daemon set \"agent\" rollout to finish: 2 of 3 updated pods are available...".into())),
            (ds("RollingUpdate", 2, 3, 3, 3), RolloutProgress::Done("daemon set \"agent\" successfully rolled out".into())),
        ];
        for (i, (workload, want)) in cases.into_iter().enumerate() {
            assert_eq!(evaluate(&workload), want, "case {i}");
        }
        assert_eq!(RolloutProgress::Failed("x".into()).message(), "x");
    }
}
