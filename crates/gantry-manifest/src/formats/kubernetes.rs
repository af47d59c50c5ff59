//! Kubernetes objects: every pod spec of Deployments, StatefulSets,
//! DaemonSets, Jobs, CronJobs' job templates, Pods, ReplicaSets and Argo
//! Rollouts (`containers`, `initContainers`, `ephemeralContainers`, image
//! volumes), and the `image` fields of other objects (operators' custom
//! resources, Knative services), found by walking the object.

use super::{Format, Found, walk_values};
use crate::walk::{Doc, entries, key_path, string_scalar};

pub(crate) struct Objects;

/// Objects whose contents are data, not workload specs: an `image:` in a
/// ConfigMap is some program's configuration, not something to deploy.
const DATA_KINDS: &[&str] = &["ConfigMap", "Secret", "CustomResourceDefinition"];

impl Format for Objects {
    fn claims(&self, doc: &Doc<'_>) -> bool {
        doc.kind().is_some() && doc.api_version().is_some()
    }

    fn find(&self, doc: &Doc<'_>, found: &mut Found) {
        if doc.kind().is_some_and(|k| DATA_KINDS.contains(&k)) {
            return;
        }
        for (key, value) in entries(doc.root) {
            match string_scalar(key) {
                // Metadata holds labels and annotations; status is written
                // by the cluster.
                Some("metadata" | "status" | "apiVersion" | "kind") | None => {}
                Some(k) => walk_values(doc, value, &key_path("", k), k, "kubernetes", found),
            }
        }
    }
}
