//! The ReplicaSet controller: as many pods as `spec.replicas`, the
//! unready and newest deleted first, and the status counts.

use serde_json::{Map, Value, json};

use super::cluster::Cluster;
use super::pods::{controlled, create_pod, delete_pod, is_ready, write_status};
use super::util::{at, int_at, now_unix, parse_rfc3339, random_suffix, str_at};

/// Whether `pod` has been Ready for `min_ready` seconds.
fn is_available(pod: &Value, min_ready: i64) -> bool {
    if !is_ready(pod) {
        return false;
    }
    if min_ready <= 0 {
        return true;
    }
    pod["status"]["conditions"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["type"] == "Ready"))
        .and_then(|c| parse_rfc3339(c["lastTransitionTime"].as_str().unwrap_or_default()))
        .is_some_and(|since| now_unix() - since >= min_ready)
}

/// One pass over every ReplicaSet.
pub(crate) fn pass(cluster: &mut Cluster) {
    let all: Vec<Value> = cluster
        .store
        .list("ReplicaSet", None)
        .into_iter()
        .cloned()
        .collect();
    for rs in all {
        reconcile(cluster, &rs);
    }
}

fn reconcile(cluster: &mut Cluster, rs: &Value) {
    let uid = str_at(rs, "metadata.uid").to_owned();
    let ns = str_at(rs, "metadata.namespace").to_owned();
    let name = str_at(rs, "metadata.name").to_owned();
    let desired = int_at(rs, "spec.replicas").unwrap_or(1).max(0) as usize;
    let min_ready = int_at(rs, "spec.minReadySeconds").unwrap_or(0);
    let template = at(rs, "spec.template").cloned().unwrap_or(Value::Null);

    let mut pods = controlled(cluster, "Pod", &ns, &uid);
    if pods.len() < desired {
        for _ in pods.len()..desired {
            let mut pod_name = format!("{name}-{}", random_suffix(5));
            while cluster.store.get("Pod", &ns, &pod_name).is_some() {
                pod_name = format!("{name}-{}", random_suffix(5));
            }
            create_pod(cluster, rs, "ReplicaSet", &template, &pod_name, &[]);
        }
    } else if pods.len() > desired {
        // Unready pods go first, then the newest (`controller.ActivePods`
        // order, simplified).
        pods.sort_by_key(|p| {
            (
                is_ready(p),
                std::cmp::Reverse(parse_rfc3339(str_at(p, "metadata.creationTimestamp"))),
            )
        });
        for pod in &pods[..pods.len() - desired] {
            delete_pod(cluster, &ns, str_at(pod, "metadata.name"));
        }
    }

    let pods = controlled(cluster, "Pod", &ns, &uid);
    let ready = pods.iter().filter(|p| is_ready(p)).count();
    let available = pods.iter().filter(|p| is_available(p, min_ready)).count();
    let mut status = Map::new();
    status.insert("replicas".into(), json!(pods.len()));
    for (key, value) in [
        ("fullyLabeledReplicas", pods.len()),
        ("readyReplicas", ready),
        ("availableReplicas", available),
    ] {
        if value != 0 {
            status.insert(key.into(), json!(value));
        }
    }
    status.insert(
        "observedGeneration".into(),
        json!(int_at(rs, "metadata.generation").unwrap_or(1)),
    );
    write_status(cluster, "ReplicaSet", rs, Value::Object(status));
}
