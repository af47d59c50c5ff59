//! Which pods of a rollout are unhealthy and why, for the report: the
//! name, kubelet's reason (`CrashLoopBackOff`, `ImagePullBackOff`,
//! `ErrImagePull`, …) and the restart count, so a failed rollout says
//! what to look at without a `kubectl describe`.

use std::fmt;

use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

/// One unhealthy pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodProblem {
    /// The pod's name.
    pub pod: String,
    /// The container at fault, when one is.
    pub container: Option<String>,
    /// The reason: a container's waiting or termination reason
    /// (`CrashLoopBackOff`, `ImagePullBackOff`, `ErrImagePull`,
    /// `OOMKilled`, `Error`), `Unschedulable`, `Pending` or `NotReady`.
    pub reason: String,
    /// The message that came with the reason, when there was one.
    pub message: Option<String>,
    /// Restarts of the container at fault (of all containers when none is).
    pub restarts: i32,
}

impl fmt::Display for PodProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pod, self.reason)?;
        let mut details = Vec::new();
        if let Some(container) = &self.container {
            details.push(format!("container {container}"));
        }
        if self.restarts > 0 {
            let s = if self.restarts == 1 { "" } else { "s" };
            details.push(format!("{} restart{s}", self.restarts));
        }
        if !details.is_empty() {
            write!(f, " ({})", details.join(", "))?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        Ok(())
    }
}

/// Waiting reasons of a container that is on its way up, not stuck.
const STARTING: [&str; 2] = ["ContainerCreating", "PodInitializing"];

/// The longest message kept from kubelet (they can be whole stack traces).
const MAX_MESSAGE: usize = 200;

/// The unhealthy pods among `pods`, in the order given. Pods that are
/// terminating or finished are not part of the rollout and are skipped;
/// a Ready pod is healthy whatever its restart count.
pub fn unhealthy_pods(pods: &[Pod]) -> Vec<PodProblem> {
    pods.iter().filter_map(problem).collect()
}

/// What is wrong with one pod, or `None` when it is healthy or leaving.
pub(crate) fn problem(pod: &Pod) -> Option<PodProblem> {
    if pod.metadata.deletion_timestamp.is_some() {
        return None;
    }
    let name = pod.metadata.name.clone().unwrap_or_default();
    let status = pod.status.clone().unwrap_or_default();
    let phase = status.phase.as_deref().unwrap_or("Pending");
    if phase == "Succeeded" {
        return None;
    }
    let ready = status
        .conditions
        .iter()
        .flatten()
        .any(|c| c.type_ == "Ready" && c.status == "True");
    let init = status.init_container_statuses.iter().flatten();
    let main = status.container_statuses.iter().flatten();
    let all: Vec<&ContainerStatus> = init.chain(main).collect();
    if ready && phase == "Running" {
        return None;
    }
    let total_restarts = all.iter().map(|c| c.restart_count).sum();
    for c in &all {
        let state = c.state.clone().unwrap_or_default();
        if let Some(waiting) = &state.waiting
            && let Some(reason) = waiting.reason.as_deref()
            && !STARTING.contains(&reason)
        {
            return Some(PodProblem {
                pod: name,
                container: Some(c.name.clone()),
                reason: reason.to_owned(),
                message: waiting.message.as_deref().map(shorten),
                restarts: c.restart_count,
            });
        }
        if let Some(terminated) = &state.terminated
            && terminated.exit_code != 0
        {
            return Some(PodProblem {
                pod: name,
                container: Some(c.name.clone()),
                reason: terminated
                    .reason
                    .clone()
                    .unwrap_or_else(|| format!("exit code {}", terminated.exit_code)),
                message: terminated.message.as_deref().map(shorten),
                restarts: c.restart_count,
            });
        }
    }
    let unschedulable = status.conditions.iter().flatten().find(|c| {
        c.type_ == "PodScheduled"
            && c.status == "False"
            && c.reason.as_deref() == Some("Unschedulable")
    });
    if let Some(condition) = unschedulable {
        return Some(PodProblem {
            pod: name,
            container: None,
            reason: "Unschedulable".to_owned(),
            message: condition.message.as_deref().map(shorten),
            restarts: total_restarts,
        });
    }
    if phase == "Failed" {
        return Some(PodProblem {
            pod: name,
            container: None,
            reason: status.reason.clone().unwrap_or_else(|| "Failed".to_owned()),
            message: status.message.as_deref().map(shorten),
            restarts: total_restarts,
        });
    }
    // A running container that has not passed its readiness probe: name
    // it, so the report points at the right one.
    let not_ready = all.iter().find(|c| !c.ready);
    Some(PodProblem {
        pod: name,
        container: not_ready.map(|c| c.name.clone()),
        reason: if phase == "Pending" && all.is_empty() {
            "Pending".to_owned()
        } else {
            "NotReady".to_owned()
        },
        message: None,
        restarts: not_ready.map_or(total_restarts, |c| c.restart_count),
    })
}

fn shorten(message: &str) -> String {
    let line = message.lines().next().unwrap_or_default().trim();
    if line.chars().count() <= MAX_MESSAGE {
        return line.to_owned();
    }
    let mut short: String = line.chars().take(MAX_MESSAGE).collect();
    short.push('…');
    short
}

/// A label selector as the `labelSelector` query parameter spells it
/// (`app=web,tier in (a,b),!legacy`).
pub fn selector_query(selector: &LabelSelector) -> String {
    let mut parts: Vec<String> = selector
        .match_labels
        .iter()
        .flatten()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    for expr in selector.match_expressions.iter().flatten() {
        let values = expr.values.clone().unwrap_or_default().join(",");
        let key = &expr.key;
        parts.push(match expr.operator.as_str() {
            "In" => format!("{key} in ({values})"),
            "NotIn" => format!("{key} notin ({values})"),
            "DoesNotExist" => format!("!{key}"),
            // "Exists", and anything newer: at least require the key.
            _ => key.clone(),
        });
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pod(status: serde_json::Value) -> Pod {
        serde_json::from_value(json!({"metadata": {"name": "web-abc-1"}, "status": status}))
            .unwrap()
    }

    fn waiting(name: &str, reason: &str, restarts: i32) -> serde_json::Value {
        json!({"name": name, "image": "x", "imageID": "", "ready": false, "restartCount": restarts,
            "state": {"waiting": {"reason": reason, "message": "back-off 10s restarting failed container\nmore"}}})
    }

    fn running(name: &str, ready: bool) -> serde_json::Value {
        json!({"name": name, "image": "x", "imageID": "", "ready": ready, "restartCount": 0,
            "state": {"running": {"startedAt": "2025-01-01T00:00:00Z"}}})
    }

    fn ready_condition(ready: bool) -> serde_json::Value {
        json!([{"type": "Ready", "status": if ready { "True" } else { "False" }}])
    }

    #[test]
    fn reasons() {
        let problem_of = |status| problem(&pod(status));
        type Want = Option<(&'static str, Option<&'static str>, i32)>;
        let cases: Vec<(serde_json::Value, Want)> = vec![
            (
                json!({"phase": "Running", "conditions": ready_condition(true), "containerStatuses": [running("web", true)]}),
                None,
            ),
            (json!({"phase": "Succeeded"}), None),
            (
                json!({"phase": "Running", "conditions": ready_condition(false),
                    "containerStatuses": [running("sidecar", true), waiting("web", "CrashLoopBackOff", 4)]}),
                Some(("CrashLoopBackOff", Some("web"), 4)),
            ),
            (
                json!({"phase": "Pending", "containerStatuses": [waiting("web", "ImagePullBackOff", 0)]}),
                Some(("ImagePullBackOff", Some("web"), 0)),
            ),
            (
                json!({"phase": "Pending", "containerStatuses": [waiting("web", "ErrImagePull", 0)]}),
                Some(("ErrImagePull", Some("web"), 0)),
            ),
            (
                // An init container that crashes keeps the pod pending.
                json!({"phase": "Pending", "initContainerStatuses": [waiting("migrate", "CrashLoopBackOff", 2)],
                    "containerStatuses": [waiting("web", "PodInitializing", 0)]}),
                Some(("CrashLoopBackOff", Some("migrate"), 2)),
            ),
            (
                json!({"phase": "Running", "containerStatuses": [{"name": "web", "image": "x", "imageID": "", "ready": false,
                    "restartCount": 1, "state": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}}]}),
                Some(("OOMKilled", Some("web"), 1)),
            ),
            (
                json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                    "message": "0/3 nodes are available: 3 Insufficient cpu."}]}),
                Some(("Unschedulable", None, 0)),
            ),
            (
                json!({"phase": "Pending", "containerStatuses": [waiting("web", "ContainerCreating", 0)]}),
                Some(("NotReady", Some("web"), 0)),
            ),
            (json!({"phase": "Pending"}), Some(("Pending", None, 0))),
            (
                json!({"phase": "Running", "conditions": ready_condition(false), "containerStatuses": [running("web", false)]}),
                Some(("NotReady", Some("web"), 0)),
            ),
            (
                json!({"phase": "Failed", "reason": "Evicted", "message": "The node was low on resource: memory."}),
                Some(("Evicted", None, 0)),
            ),
        ];
        for (i, (status, want)) in cases.into_iter().enumerate() {
            let got = problem_of(status);
            let got = got
                .as_ref()
                .map(|p| (p.reason.as_str(), p.container.as_deref(), p.restarts));
            assert_eq!(got, want, "case {i}");
        }
    }

    #[test]
    fn terminating_pods_are_skipped_and_problems_read_well() {
        let mut leaving = pod(
            json!({"phase": "Running", "containerStatuses": [waiting("web", "CrashLoopBackOff", 3)]}),
        );
        leaving.metadata.deletion_timestamp =
            Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                "2025-01-01T00:00:00Z".parse().unwrap(),
            ));
        let crashing = pod(
            json!({"phase": "Running", "containerStatuses": [waiting("web", "CrashLoopBackOff", 3)]}),
        );
        let problems = unhealthy_pods(&[leaving, crashing]);
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].to_string(),
            "web-abc-1: CrashLoopBackOff (container web, 3 restarts): back-off 10s restarting failed container"
        );
        let one = PodProblem {
            pod: "p".into(),
            container: None,
            reason: "Pending".into(),
            message: None,
            restarts: 1,
        };
        assert_eq!(one.to_string(), "p: Pending (1 restart)");
        assert_eq!(shorten(&"x".repeat(300)).chars().count(), MAX_MESSAGE + 1);
    }

    #[test]
    fn selectors() {
        let cases = [
            (
                json!({"matchLabels": {"app": "web", "pod-template-hash": "abc"}}),
                "app=web,pod-template-hash=abc",
            ),
            (
                json!({"matchLabels": {"app": "web"}, "matchExpressions": [
                    {"key": "tier", "operator": "In", "values": ["a", "b"]},
                    {"key": "env", "operator": "NotIn", "values": ["dev"]},
                    {"key": "legacy", "operator": "DoesNotExist"},
                    {"key": "team", "operator": "Exists"}]}),
                "app=web,tier in (a,b),env notin (dev),!legacy,team",
            ),
            (json!({}), ""),
        ];
        for (selector, want) in cases {
            let selector: LabelSelector = serde_json::from_value(selector).unwrap();
            assert_eq!(selector_query(&selector), want);
        }
    }
}
