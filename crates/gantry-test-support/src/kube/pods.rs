//! What the workload controllers share: their pods, made from a pod
//! template and owned by the workload.

use serde_json::{Value, json};

use super::api::Scope;
use super::cluster::Cluster;
use super::resources::{Resource, by_kind};
use super::util::{at, parse_rfc3339, str_at};
use super::write::{self, WriteOptions};

/// The only node of the fake cluster.
pub(crate) const NODE: &str = "fake-node";

/// An owner reference to `owner` (of `kind`), as a controller sets it.
pub(crate) fn controller_ref(owner: &Value, api_version: &str, kind: &str) -> Value {
    json!({
        "apiVersion": api_version,
        "kind": kind,
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

/// Whether `object`'s controller is `uid`.
pub(crate) fn controlled_by(object: &Value, uid: &str) -> bool {
    object["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|refs| {
            refs.iter()
                .any(|r| r["uid"] == uid && r["controller"] == true)
        })
}

/// The objects of `kind` in `namespace` controlled by `uid`, oldest first.
pub(crate) fn controlled(cluster: &Cluster, kind: &str, namespace: &str, uid: &str) -> Vec<Value> {
    let mut out: Vec<Value> = cluster
        .store
        .list(kind, Some(namespace))
        .into_iter()
        .filter(|o| controlled_by(o, uid))
        .cloned()
        .collect();
    out.sort_by_key(|o| {
        (
            parse_rfc3339(str_at(o, "metadata.creationTimestamp")),
            str_at(o, "metadata.name").to_owned(),
        )
    });
    out
}

/// Whether the pod's Ready condition is True.
pub(crate) fn is_ready(pod: &Value) -> bool {
    condition_true(pod, "Ready")
}

/// Whether condition `kind` of `object` is True.
pub(crate) fn condition_true(object: &Value, kind: &str) -> bool {
    object["status"]["conditions"].as_array().is_some_and(|cs| {
        cs.iter()
            .any(|c| c["type"] == kind && c["status"] == "True")
    })
}

/// Create pod `name` from `template`, controlled by `owner`.
pub(crate) fn create_pod(
    cluster: &mut Cluster,
    owner: &Value,
    owner_kind: &str,
    template: &Value,
    name: &str,
    extra_labels: &[(&str, String)],
) -> Option<Value> {
    let namespace = str_at(owner, "metadata.namespace").to_owned();
    let mut labels = at(template, "metadata.labels")
        .cloned()
        .unwrap_or_else(|| json!({}));
    for (k, v) in extra_labels {
        labels[*k] = json!(v);
    }
    let mut metadata = json!({
        "name": name,
        "namespace": namespace,
        "labels": labels,
        "ownerReferences": [controller_ref(owner, "apps/v1", owner_kind)],
    });
    if owner_kind != "StatefulSet" {
        metadata["generateName"] = json!(format!("{}-", str_at(owner, "metadata.name")));
    }
    if let Some(annotations) = at(template, "metadata.annotations") {
        metadata["annotations"] = annotations.clone();
    }
    let mut spec = at(template, "spec").cloned().unwrap_or_else(|| json!({}));
    spec["nodeName"] = json!(NODE);
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec});
    let resource: &Resource = by_kind("Pod")?;
    let scope = Scope {
        resource,
        version: "v1",
        namespace: Some(&namespace),
    };
    write::create(cluster, &scope, pod, &WriteOptions::default()).ok()
}

/// Delete pod `name` in `namespace` (at once: the fake has no grace
/// period).
pub(crate) fn delete_pod(cluster: &mut Cluster, namespace: &str, name: &str) {
    if let Some(pods) = by_kind("Pod") {
        cluster.store.remove(pods, namespace, name);
    }
}

/// Write `status` into the stored `object` of `kind` if it changed.
pub(crate) fn write_status(cluster: &mut Cluster, kind: &str, object: &Value, status: Value) {
    let Some(resource) = by_kind(kind) else {
        return;
    };
    let ns = str_at(object, "metadata.namespace");
    let name = str_at(object, "metadata.name");
    if let Some(mut current) = cluster.object(kind, ns, name)
        && current.get("status") != Some(&status)
    {
        current["status"] = status;
        cluster.store.update(resource, current, false);
    }
}

/// Store `object` (of `kind`) as it now is, if it changed.
pub(crate) fn write_object(cluster: &mut Cluster, kind: &str, object: Value) {
    if let Some(resource) = by_kind(kind) {
        cluster.store.update(resource, object, false);
    }
}
