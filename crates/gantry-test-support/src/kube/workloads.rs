//! The StatefulSet and DaemonSet controllers, simpler than the real
//! ones: ordinal pods created in order and updated from the highest
//! ordinal down once all are ready (StatefulSet), and one pod on the one
//! node, replaced when its template changes (DaemonSet). Their status
//! carries what `kubectl rollout status` reads.

use serde_json::{Map, Value, json};

use super::cluster::Cluster;
use super::deployment::HASH_LABEL;
use super::pods::{controlled, create_pod, delete_pod, is_ready, write_status};
use super::util::{at, canonical, int_at, random_suffix, str_at, template_hash};

const REVISION_LABEL: &str = "controller-revision-hash";

fn revision_hash(object: &Value) -> String {
    let mut template = at(object, "spec.template").cloned().unwrap_or(Value::Null);
    if let Some(labels) = template
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        labels.shift_remove(HASH_LABEL);
    }

    template_hash(&serde_json::from_str(&canonical(&template)).unwrap_or(Value::Null))
}

fn label<'a>(pod: &'a Value, key: &str) -> &'a str {
    pod["metadata"]["labels"][key].as_str().unwrap_or_default()
}

fn insert_nonzero(status: &mut Map<String, Value>, key: &str, value: i64) {
    if value != 0 {
        status.insert(key.into(), json!(value));
    }
}

/// One pass over every StatefulSet.
pub(crate) fn statefulsets(cluster: &mut Cluster) {
    let all: Vec<Value> = cluster
        .store
        .list("StatefulSet", None)
        .into_iter()
        .cloned()
        .collect();
    for sts in all {
        statefulset(cluster, &sts);
    }
}

fn statefulset(cluster: &mut Cluster, sts: &Value) {
    let uid = str_at(sts, "metadata.uid").to_owned();
    let ns = str_at(sts, "metadata.namespace").to_owned();
    let name = str_at(sts, "metadata.name").to_owned();
    let replicas = int_at(sts, "spec.replicas").unwrap_or(1).max(0) as usize;
    let update_revision = format!("{name}-{}", revision_hash(sts));
    let partition = int_at(sts, "spec.updateStrategy.rollingUpdate.partition")
        .unwrap_or(0)
        .max(0) as usize;
    let on_delete = str_at(sts, "spec.updateStrategy.type") == "OnDelete";
    let parallel = str_at(sts, "spec.podManagementPolicy") == "Parallel";
    let template = at(sts, "spec.template").cloned().unwrap_or(Value::Null);
    let ordinal = |pod: &Value| {
        str_at(pod, "metadata.name")
            .strip_prefix(&format!("{name}-"))
            .and_then(|n| n.parse::<usize>().ok())
    };

    let pods = controlled(cluster, "Pod", &ns, &uid);
    // Scale down from the highest ordinal, one at a time.
    if let Some(extra) = pods
        .iter()
        .filter(|p| ordinal(p).is_none_or(|o| o >= replicas))
        .max_by_key(|p| ordinal(p))
    {
        delete_pod(cluster, &ns, str_at(extra, "metadata.name"));
    } else {
        let by_ordinal: Vec<Option<&Value>> = (0..replicas)
            .map(|i| pods.iter().find(|p| ordinal(p) == Some(i)))
            .collect();
        for i in 0..replicas {
            if by_ordinal[i].is_some() {
                continue;
            }
            let predecessors_ready = by_ordinal[..i].iter().all(|p| p.is_some_and(is_ready));
            if parallel || predecessors_ready {
                let pod_name = format!("{name}-{i}");
                create_pod(
                    cluster,
                    sts,
                    "StatefulSet",
                    &template,
                    &pod_name,
                    &[
                        (REVISION_LABEL, update_revision.clone()),
                        ("statefulset.kubernetes.io/pod-name", pod_name.clone()),
                        ("apps.kubernetes.io/pod-index", i.to_string()),
                    ],
                );
            }
            if !parallel {
                break;
            }
        }
        let all_ready = by_ordinal.iter().all(|p| p.is_some_and(is_ready));
        if all_ready
            && !on_delete
            && let Some(stale) = by_ordinal
                .iter()
                .enumerate()
                .rev()
                .filter(|(i, _)| *i >= partition)
                .find_map(|(_, p)| p.filter(|p| label(p, REVISION_LABEL) != update_revision))
        {
            delete_pod(cluster, &ns, str_at(stale, "metadata.name"));
        }
    }

    let pods = controlled(cluster, "Pod", &ns, &uid);
    let count = |f: &dyn Fn(&Value) -> bool| pods.iter().filter(|p| f(p)).count() as i64;
    let ready = count(&is_ready);
    let updated = count(&|p| label(p, REVISION_LABEL) == update_revision);
    let mut current_revision = sts["status"]["currentRevision"]
        .as_str()
        .unwrap_or(&update_revision)
        .to_owned();
    let mut current = count(&|p| label(p, REVISION_LABEL) == current_revision);
    if updated == replicas as i64 && ready == replicas as i64 {
        current_revision = update_revision.clone();
        current = updated;
    }
    let mut status = Map::new();
    status.insert(
        "observedGeneration".into(),
        json!(int_at(sts, "metadata.generation").unwrap_or(1)),
    );
    status.insert("replicas".into(), json!(pods.len()));
    insert_nonzero(&mut status, "readyReplicas", ready);
    insert_nonzero(&mut status, "currentReplicas", current);
    insert_nonzero(&mut status, "updatedReplicas", updated);
    status.insert("currentRevision".into(), json!(current_revision));
    status.insert("updateRevision".into(), json!(update_revision));
    status.insert("collisionCount".into(), json!(0));
    status.insert("availableReplicas".into(), json!(ready));
    write_status(cluster, "StatefulSet", sts, Value::Object(status));
}

/// One pass over every DaemonSet (one node: one pod each).
pub(crate) fn daemonsets(cluster: &mut Cluster) {
    let all: Vec<Value> = cluster
        .store
        .list("DaemonSet", None)
        .into_iter()
        .cloned()
        .collect();
    for ds in all {
        daemonset(cluster, &ds);
    }
}

fn daemonset(cluster: &mut Cluster, ds: &Value) {
    let uid = str_at(ds, "metadata.uid").to_owned();
    let ns = str_at(ds, "metadata.namespace").to_owned();
    let name = str_at(ds, "metadata.name").to_owned();
    let hash = revision_hash(ds);
    let generation = int_at(ds, "metadata.generation").unwrap_or(1);
    let on_delete = str_at(ds, "spec.updateStrategy.type") == "OnDelete";
    let template = at(ds, "spec.template").cloned().unwrap_or(Value::Null);

    let pods = controlled(cluster, "Pod", &ns, &uid);
    match pods.as_slice() {
        [] => {
            create_pod(
                cluster,
                ds,
                "DaemonSet",
                &template,
                &format!("{name}-{}", random_suffix(5)),
                &[
                    (REVISION_LABEL, hash.clone()),
                    ("pod-template-generation", generation.to_string()),
                ],
            );
        }
        [pod] if !on_delete && label(pod, REVISION_LABEL) != hash => {
            delete_pod(cluster, &ns, str_at(pod, "metadata.name"));
        }
        [_] => {}
        [_, extra @ ..] => {
            for pod in extra {
                delete_pod(cluster, &ns, str_at(pod, "metadata.name"));
            }
        }
    }

    let pods = controlled(cluster, "Pod", &ns, &uid);
    let ready = pods.iter().filter(|p| is_ready(p)).count() as i64;
    let updated = pods
        .iter()
        .filter(|p| label(p, REVISION_LABEL) == hash)
        .count() as i64;
    let mut status = Map::new();
    status.insert("currentNumberScheduled".into(), json!(pods.len()));
    status.insert("numberMisscheduled".into(), json!(0));
    status.insert("desiredNumberScheduled".into(), json!(1));
    status.insert("numberReady".into(), json!(ready));
    status.insert("observedGeneration".into(), json!(generation));
    insert_nonzero(&mut status, "updatedNumberScheduled", updated);
    insert_nonzero(&mut status, "numberAvailable", ready);
    insert_nonzero(&mut status, "numberUnavailable", 1 - ready.min(1));
    write_status(cluster, "DaemonSet", ds, Value::Object(status));
}
