//! The deployment controller: ReplicaSets per pod template, revisions,
//! RollingUpdate and Recreate, pause, history cleanup, and the status
//! and conditions `kubectl rollout status` reads.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use super::api::Scope;
use super::cluster::Cluster;
use super::pods::{controlled, controller_ref, write_object, write_status};
use super::resources::by_kind;
use super::rollout::{Rs, max_unavailable, new_replicas, old_replicas, surge_and_unavailable};
use super::util::{
    at, canonical, int_at, now_rfc3339, now_unix, parse_rfc3339, str_at, template_hash,
};
use super::write::{self, WriteOptions};

/// The label that ties a ReplicaSet and its pods to one template.
pub(crate) const HASH_LABEL: &str = "pod-template-hash";
const REVISION: &str = "deployment.kubernetes.io/revision";
const HISTORY: &str = "deployment.kubernetes.io/revision-history";
const DESIRED: &str = "deployment.kubernetes.io/desired-replicas";
const MAX: &str = "deployment.kubernetes.io/max-replicas";
/// Annotations not copied from a Deployment to its ReplicaSets.
const SKIP: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    HISTORY,
    DESIRED,
    MAX,
    "deprecated.deployment.rollback.to",
];

const NEW_RS_AVAILABLE: &str = "NewReplicaSetAvailable";
const TIMED_OUT: &str = "ProgressDeadlineExceeded";
const PAUSED: &str = "DeploymentPaused";

/// The controller's memory between passes.
#[derive(Debug, Default)]
pub(crate) struct Deployments {
    /// When each deployment (by uid) last made progress: the deadline
    /// runs from here, to the millisecond (the condition's
    /// `lastUpdateTime` has whole seconds only).
    progress: HashMap<String, Instant>,
}

/// A template without `pod-template-hash` and without empty values, so
/// that a template read back through a typed client (which drops or
/// nulls them) still equals the one stored.
fn normalised(template: Option<&Value>) -> String {
    fn prune(v: &Value) -> Option<Value> {
        match v {
            Value::Null => None,
            Value::Object(m) => {
                let out: Map<String, Value> = m
                    .iter()
                    .filter_map(|(k, v)| prune(v).map(|v| (k.clone(), v)))
                    .collect();
                (!out.is_empty()).then_some(Value::Object(out))
            }
            Value::Array(a) if a.is_empty() => None,
            Value::Array(a) => Some(Value::Array(
                a.iter().map(|v| prune(v).unwrap_or(Value::Null)).collect(),
            )),
            other => Some(other.clone()),
        }
    }
    let mut t = template.cloned().unwrap_or(Value::Null);
    if let Some(labels) = t
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        labels.shift_remove(HASH_LABEL);
    }
    canonical(&prune(&t).unwrap_or(Value::Null))
}

/// A ReplicaSet's revision number (0 when it has none).
fn revision(rs: &Value) -> i64 {
    annotation(rs, REVISION).parse().unwrap_or(0)
}

/// An annotation (keys hold dots, so not through `str_at`).
fn annotation<'a>(object: &'a Value, key: &str) -> &'a str {
    object["metadata"]["annotations"][key]
        .as_str()
        .unwrap_or_default()
}

fn counts(rs: &Value) -> Rs {
    Rs {
        spec: int_at(rs, "spec.replicas").unwrap_or(1),
        available: int_at(rs, "status.availableReplicas").unwrap_or(0),
    }
}

/// Copy the deployment's annotations and bump the revision, as
/// `SetNewReplicaSetAnnotations` does. Returns whether anything changed.
fn sync_annotations(deployment: &Value, rs: &mut Value, new_revision: i64) -> bool {
    let mut changed = false;
    if !rs["metadata"]["annotations"].is_object() {
        rs["metadata"]["annotations"] = json!({});
    }
    let wanted: Vec<(String, Value)> = deployment["metadata"]["annotations"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| !SKIP.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    let annotations = &mut rs["metadata"]["annotations"];
    for (k, v) in wanted {
        if annotations.get(&k) != Some(&v) {
            annotations[k] = v;
            changed = true;
        }
    }
    let old = annotations[REVISION]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let old_number: i64 = old.parse().unwrap_or(0);
    if old_number < new_revision {
        annotations[REVISION] = json!(new_revision.to_string());
        changed = true;
        if !old.is_empty() {
            let history = annotations[HISTORY].as_str().unwrap_or_default();
            let history = if history.is_empty() {
                old
            } else {
                format!("{history},{old}")
            };
            annotations[HISTORY] = json!(history);
        }
    }
    changed
}

/// Set condition `kind` as `SetDeploymentCondition` does: nothing when
/// status and reason are unchanged; the transition time kept while the
/// status is. Returns whether it was written (with a fresh update time).
fn set_condition(
    conditions: &mut Vec<Value>,
    kind: &str,
    status: &str,
    reason: &str,
    message: &str,
) -> bool {
    let current = conditions.iter().find(|c| c["type"] == kind).cloned();
    if let Some(c) = &current
        && c["status"] == status
        && c["reason"] == reason
    {
        return false;
    }
    let now = now_rfc3339();
    let transition = match &current {
        Some(c) if c["status"] == status => c["lastTransitionTime"].clone(),
        _ => json!(now),
    };
    conditions.retain(|c| c["type"] != kind);
    conditions.push(json!({
        "type": kind,
        "status": status,
        "lastUpdateTime": now,
        "lastTransitionTime": transition,
        "reason": reason,
        "message": message,
    }));
    true
}

fn condition<'a>(conditions: &'a [Value], kind: &str) -> Option<&'a Value> {
    conditions.iter().find(|c| c["type"] == kind)
}

/// A deployment's status numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Numbers {
    replicas: i64,
    updated: i64,
    ready: i64,
    available: i64,
    unavailable: i64,
}

impl Numbers {
    fn of_status(status: &Value) -> Self {
        let n = |k: &str| status[k].as_i64().unwrap_or(0);
        Numbers {
            replicas: n("replicas"),
            updated: n("updatedReplicas"),
            ready: n("readyReplicas"),
            available: n("availableReplicas"),
            unavailable: n("unavailableReplicas"),
        }
    }

    /// `DeploymentProgressing`: more updated, fewer old, more ready or
    /// more available than before.
    fn progressed_since(&self, old: &Numbers) -> bool {
        self.updated > old.updated
            || (self.replicas - self.updated) < (old.replicas - old.updated)
            || self.ready > old.ready
            || self.available > old.available
    }
}

impl Deployments {
    /// One pass over every deployment. Returns the earliest progress
    /// deadline still to come, if any.
    pub(crate) fn pass(&mut self, cluster: &mut Cluster) -> Option<Instant> {
        let all: Vec<Value> = cluster
            .store
            .list("Deployment", None)
            .into_iter()
            .cloned()
            .collect();
        let uids: HashSet<String> = all
            .iter()
            .map(|d| str_at(d, "metadata.uid").to_owned())
            .collect();
        self.progress.retain(|uid, _| uids.contains(uid));
        let mut due: Option<Instant> = None;
        for deployment in all {
            if let Some(at) = self.reconcile(cluster, deployment) {
                due = Some(due.map_or(at, |d| d.min(at)));
            }
        }
        due
    }

    fn mark_progress(&mut self, uid: &str) {
        self.progress.insert(uid.to_owned(), Instant::now());
    }

    /// When the rollout times out if it makes no progress.
    fn deadline(
        &self,
        uid: &str,
        deployment: &Value,
        progressing: Option<&Value>,
    ) -> Option<Instant> {
        let seconds = int_at(deployment, "spec.progressDeadlineSeconds")
            .unwrap_or(600)
            .max(0);
        let since = self.progress.get(uid).copied().unwrap_or_else(|| {
            let updated = progressing
                .and_then(|c| parse_rfc3339(c["lastUpdateTime"].as_str().unwrap_or_default()))
                .unwrap_or_else(now_unix);
            let ago = Duration::from_secs((now_unix() - updated).max(0) as u64);
            Instant::now().checked_sub(ago).unwrap_or_else(Instant::now)
        });
        since.checked_add(Duration::from_secs(seconds as u64))
    }

    /// `DeploymentTimedOut`.
    fn timed_out(&self, uid: &str, deployment: &Value, progressing: Option<&Value>) -> bool {
        let Some(c) = progressing else {
            return false;
        };
        match c["reason"].as_str() {
            Some(NEW_RS_AVAILABLE) => false,
            Some(TIMED_OUT) => true,
            _ => self
                .deadline(uid, deployment, progressing)
                .is_some_and(|due| Instant::now() > due),
        }
    }

    fn reconcile(&mut self, cluster: &mut Cluster, mut d: Value) -> Option<Instant> {
        let uid = str_at(&d, "metadata.uid").to_owned();
        let ns = str_at(&d, "metadata.namespace").to_owned();
        let name = str_at(&d, "metadata.name").to_owned();
        let replicas = int_at(&d, "spec.replicas").unwrap_or(1);
        let paused = at(&d, "spec.paused") == Some(&json!(true));
        let recreate = str_at(&d, "spec.strategy.type") == "Recreate";
        let (surge, unavailable) = if recreate {
            (0, 0)
        } else {
            surge_and_unavailable(&d, replicas)
        };
        let template = normalised(at(&d, "spec.template"));
        let mut conditions: Vec<Value> = d["status"]["conditions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let old_numbers = Numbers::of_status(&d["status"]);

        let mut rss = controlled(cluster, "ReplicaSet", &ns, &uid);
        let new_pos = rss
            .iter()
            .position(|rs| normalised(at(rs, "spec.template")) == template);
        let max_old = rss
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != new_pos)
            .map(|(_, rs)| revision(rs))
            .max()
            .unwrap_or(0);
        let new_revision = max_old + 1;

        // Progress timers follow the Progressing condition: paused and
        // resumed first, as `checkPausedConditions` runs before a sync.
        let progressing_reason = condition(&conditions, "Progressing")
            .and_then(|c| c["reason"].as_str())
            .map(str::to_owned);
        if paused && progressing_reason.as_deref() != Some(PAUSED) {
            set_condition(
                &mut conditions,
                "Progressing",
                "Unknown",
                PAUSED,
                "Deployment is paused",
            );
        } else if !paused && progressing_reason.as_deref() == Some(PAUSED) {
            set_condition(
                &mut conditions,
                "Progressing",
                "Unknown",
                "DeploymentResumed",
                "Deployment is resumed",
            );
            self.mark_progress(&uid);
        }

        let mut new_rs = match new_pos {
            Some(i) => {
                let mut rs = rss.remove(i);
                if sync_annotations(&d, &mut rs, new_revision) {
                    write_object(cluster, "ReplicaSet", rs.clone());
                    rs = cluster
                        .object("ReplicaSet", &ns, str_at(&rs, "metadata.name"))
                        .unwrap_or(rs);
                }
                if condition(&conditions, "Progressing").is_none() {
                    let msg = format!("Found new replica set \"{}\"", str_at(&rs, "metadata.name"));
                    set_condition(
                        &mut conditions,
                        "Progressing",
                        "True",
                        "FoundNewReplicaSet",
                        &msg,
                    );
                    self.mark_progress(&uid);
                }
                Some(rs)
            }
            None if !paused => {
                let olds: Vec<Rs> = rss.iter().map(counts).collect();
                let old_pods = olds.iter().any(|o| o.spec > 0)
                    || rss
                        .iter()
                        .any(|rs| int_at(rs, "status.replicas").unwrap_or(0) > 0);
                let initial = match (recreate, old_pods) {
                    (true, true) => 0,
                    (true, false) => replicas,
                    (false, _) => new_replicas(
                        replicas,
                        surge,
                        Rs {
                            spec: 0,
                            available: 0,
                        },
                        &olds,
                    ),
                };
                let created =
                    create_replica_set(cluster, &d, new_revision, initial, replicas + surge);
                if let Some(rs) = &created {
                    let msg = format!(
                        "Created new replica set \"{}\"",
                        str_at(rs, "metadata.name")
                    );
                    set_condition(
                        &mut conditions,
                        "Progressing",
                        "True",
                        "NewReplicaSetCreated",
                        &msg,
                    );
                    self.mark_progress(&uid);
                }
                created
            }
            None => None,
        };

        if let Some(rs) = &new_rs {
            let rev = annotation(rs, REVISION).to_owned();
            if !rev.is_empty() && annotation(&d, REVISION) != rev {
                d["metadata"]["annotations"] = match d["metadata"]["annotations"].take() {
                    Value::Object(m) => Value::Object(m),
                    _ => json!({}),
                };
                d["metadata"]["annotations"][REVISION] = json!(rev);
                write_object(cluster, "Deployment", d.clone());
                d = cluster.object("Deployment", &ns, &name).unwrap_or(d);
            }
        }

        let scale = |cluster: &mut Cluster, rs: &Value, to: i64| {
            if int_at(rs, "spec.replicas").unwrap_or(1) == to {
                return;
            }
            let mut rs = rs.clone();
            rs["spec"]["replicas"] = json!(to);
            rs["metadata"]["annotations"][DESIRED] = json!(replicas.to_string());
            rs["metadata"]["annotations"][MAX] = json!((replicas + surge).to_string());
            write_object(cluster, "ReplicaSet", rs);
        };
        let olds = rss;
        if paused {
            // Paused: no rollout, only scaling of what runs.
            let active: Vec<&Value> = new_rs
                .iter()
                .chain(&olds)
                .filter(|rs| counts(rs).spec > 0)
                .collect();
            match (active.as_slice(), &new_rs) {
                ([only], _) => scale(cluster, only, replicas),
                ([], Some(rs)) => scale(cluster, rs, replicas),
                _ => {}
            }
        } else if let Some(rs) = &new_rs {
            if recreate {
                let old_running = olds
                    .iter()
                    .any(|o| int_at(o, "status.replicas").unwrap_or(0) > 0);
                if olds.iter().any(|o| counts(o).spec > 0) {
                    for o in &olds {
                        scale(cluster, o, 0);
                    }
                } else if !old_running {
                    scale(cluster, rs, replicas);
                }
            } else {
                let new_counts = counts(rs);
                let old_counts: Vec<Rs> = olds.iter().map(counts).collect();
                let target = new_replicas(replicas, surge, new_counts, &old_counts);
                if target != new_counts.spec {
                    scale(cluster, rs, target);
                } else {
                    let targets = old_replicas(replicas, unavailable, new_counts, &old_counts);
                    for (o, t) in olds.iter().zip(targets) {
                        scale(cluster, o, t);
                    }
                }
            }
        }

        // Status, from the ReplicaSets as they are now.
        let all = controlled(cluster, "ReplicaSet", &ns, &uid);
        let new_name = new_rs
            .as_ref()
            .map(|rs| str_at(rs, "metadata.name").to_owned());
        new_rs = new_name.as_ref().and_then(|n| {
            all.iter()
                .find(|rs| str_at(rs, "metadata.name") == n)
                .cloned()
        });
        let sum = |path: &str| {
            all.iter()
                .map(|rs| int_at(rs, path).unwrap_or(0))
                .sum::<i64>()
        };
        let spec_total: i64 = all.iter().map(|rs| counts(rs).spec).sum();
        let numbers = Numbers {
            replicas: sum("status.replicas"),
            updated: new_rs
                .as_ref()
                .map_or(0, |rs| int_at(rs, "status.replicas").unwrap_or(0)),
            ready: sum("status.readyReplicas"),
            available: sum("status.availableReplicas"),
            unavailable: (spec_total - sum("status.availableReplicas")).max(0),
        };
        if numbers.available >= replicas - max_unavailable(&d, replicas) {
            set_condition(
                &mut conditions,
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
            );
        } else {
            set_condition(
                &mut conditions,
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
            );
        }
        let generation = int_at(&d, "metadata.generation").unwrap_or(1);
        let complete = numbers.updated == replicas
            && numbers.replicas == replicas
            && numbers.available == replicas;
        let subject = match &new_name {
            Some(rs) => format!("ReplicaSet \"{rs}\""),
            None => format!("Deployment \"{name}\""),
        };
        let mut due = None;
        if !paused {
            let current = condition(&conditions, "Progressing").cloned();
            let reason = current
                .as_ref()
                .and_then(|c| c["reason"].as_str())
                .unwrap_or_default()
                .to_owned();
            let already_complete =
                numbers.replicas == numbers.updated && reason == NEW_RS_AVAILABLE;
            if !already_complete {
                if complete {
                    set_condition(
                        &mut conditions,
                        "Progressing",
                        "True",
                        NEW_RS_AVAILABLE,
                        &format!("{subject} has successfully progressed."),
                    );
                } else if numbers.progressed_since(&old_numbers) {
                    let transition = current
                        .as_ref()
                        .filter(|c| c["status"] == "True")
                        .map(|c| c["lastTransitionTime"].clone());
                    conditions.retain(|c| c["type"] != "Progressing");
                    set_condition(
                        &mut conditions,
                        "Progressing",
                        "True",
                        "ReplicaSetUpdated",
                        &format!("{subject} is progressing."),
                    );
                    if let (Some(t), Some(c)) = (
                        transition,
                        conditions.iter_mut().find(|c| c["type"] == "Progressing"),
                    ) {
                        c["lastTransitionTime"] = t;
                    }
                    self.mark_progress(&uid);
                    due = self.deadline(&uid, &d, current.as_ref());
                } else if self.timed_out(&uid, &d, current.as_ref()) {
                    set_condition(
                        &mut conditions,
                        "Progressing",
                        "False",
                        TIMED_OUT,
                        &format!("{subject} has timed out progressing."),
                    );
                } else {
                    due = self.deadline(&uid, &d, current.as_ref());
                }
            }
            if complete {
                cleanup(cluster, &d, &all, new_name.as_deref());
            }
        }

        let mut status = Map::new();
        status.insert("observedGeneration".into(), json!(generation));
        for (key, value) in [
            ("replicas", numbers.replicas),
            ("updatedReplicas", numbers.updated),
            ("readyReplicas", numbers.ready),
            ("availableReplicas", numbers.available),
            ("unavailableReplicas", numbers.unavailable),
        ] {
            if value != 0 {
                status.insert(key.into(), json!(value));
            }
        }
        status.insert("conditions".into(), Value::Array(conditions));
        if let Some(collisions) = d["status"].get("collisionCount") {
            status.insert("collisionCount".into(), collisions.clone());
        }
        write_status(cluster, "Deployment", &d, Value::Object(status));
        due
    }
}

fn create_replica_set(
    cluster: &mut Cluster,
    d: &Value,
    revision: i64,
    replicas: i64,
    max: i64,
) -> Option<Value> {
    let ns = str_at(d, "metadata.namespace").to_owned();
    let base = str_at(d, "metadata.name");
    let mut template = at(d, "spec.template").cloned().unwrap_or_else(|| json!({}));
    let hash = template_hash(
        &serde_json::from_str::<Value>(&normalised(Some(&template))).unwrap_or(Value::Null),
    );
    if !template["metadata"].is_object() {
        template["metadata"] = json!({});
    }
    if !template["metadata"]["labels"].is_object() {
        template["metadata"]["labels"] = json!({});
    }
    template["metadata"]["labels"][HASH_LABEL] = json!(hash);
    let mut selector = at(d, "spec.selector").cloned().unwrap_or_else(|| json!({}));
    if !selector["matchLabels"].is_object() {
        selector["matchLabels"] = json!({});
    }
    selector["matchLabels"][HASH_LABEL] = json!(hash);
    let mut annotations: Map<String, Value> = d["metadata"]["annotations"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| !SKIP.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    annotations.insert(
        DESIRED.into(),
        json!(int_at(d, "spec.replicas").unwrap_or(1).to_string()),
    );
    annotations.insert(MAX.into(), json!(max.to_string()));
    annotations.insert(REVISION.into(), json!(revision.to_string()));
    let mut name = format!("{base}-{hash}");
    // A name taken by a ReplicaSet of another template (a hash
    // collision): the controller bumps collisionCount; a suffix will do.
    let mut n = 0;
    while cluster.store.get("ReplicaSet", &ns, &name).is_some() {
        n += 1;
        name = format!("{base}-{hash}{n}");
    }
    let mut spec = json!({"replicas": replicas, "selector": selector, "template": template});
    if let Some(min) = int_at(d, "spec.minReadySeconds").filter(|m| *m > 0) {
        spec["minReadySeconds"] = json!(min);
    }
    let rs = json!({
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": name,
            "namespace": ns,
            "labels": template["metadata"]["labels"],
            "annotations": annotations,
            "ownerReferences": [controller_ref(d, "apps/v1", "Deployment")],
        },
        "spec": spec,
    });
    let resource = by_kind("ReplicaSet")?;
    let scope = Scope {
        resource,
        version: "v1",
        namespace: Some(&ns),
    };
    write::create(cluster, &scope, rs, &WriteOptions::default()).ok()
}

/// Delete the oldest scaled-down ReplicaSets beyond
/// `revisionHistoryLimit`.
fn cleanup(cluster: &mut Cluster, d: &Value, all: &[Value], new_name: Option<&str>) {
    let limit = int_at(d, "spec.revisionHistoryLimit").unwrap_or(10).max(0);
    let mut olds: Vec<&Value> = all
        .iter()
        .filter(|rs| Some(str_at(rs, "metadata.name")) != new_name)
        .collect();
    let excess = olds.len() as i64 - limit;
    if excess <= 0 {
        return;
    }
    olds.sort_by_key(|rs| revision(rs));
    let Some(resource) = by_kind("ReplicaSet") else {
        return;
    };
    for rs in olds.into_iter().take(excess as usize) {
        let idle = counts(rs).spec == 0 && int_at(rs, "status.replicas").unwrap_or(0) == 0;
        if idle {
            cluster.store.remove(
                resource,
                str_at(rs, "metadata.namespace"),
                str_at(rs, "metadata.name"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_compare_without_hash_and_empty_values() {
        let a = json!({"metadata": {"labels": {"app": "web", "pod-template-hash": "abc"}}, "spec": {"containers": [{"name": "a", "env": []}]}});
        let b = json!({"metadata": {"labels": {"app": "web"}, "creationTimestamp": null}, "spec": {"containers": [{"name": "a"}]}});
        assert_eq!(normalised(Some(&a)), normalised(Some(&b)));
        let c = json!({"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "b"}]}});
        assert_ne!(normalised(Some(&a)), normalised(Some(&c)));
    }

    #[test]
    fn revisions_and_history_follow_the_controller() {
        let d = json!({"metadata": {"annotations": {"kubernetes.io/change-cause": "v1", REVISION: "9"}}});
        let mut rs = json!({"metadata": {"annotations": {REVISION: "1"}}});
        assert!(sync_annotations(&d, &mut rs, 3));
        assert_eq!(annotation(&rs, REVISION), "3");
        assert_eq!(annotation(&rs, HISTORY), "1");
        assert_eq!(annotation(&rs, "kubernetes.io/change-cause"), "v1");
        assert!(sync_annotations(&d, &mut rs, 5));
        assert_eq!(annotation(&rs, HISTORY), "1,3");
        assert!(!sync_annotations(&d, &mut rs, 5), "nothing changes twice");
        assert_eq!(revision(&rs), 5);
    }

    #[test]
    fn conditions_keep_times_like_the_controller() {
        let mut cs = Vec::new();
        assert!(set_condition(&mut cs, "Progressing", "True", "A", "m"));
        assert!(!set_condition(
            &mut cs,
            "Progressing",
            "True",
            "A",
            "other message"
        ));
        assert!(set_condition(&mut cs, "Progressing", "True", "B", "m"));
        assert_eq!(cs.len(), 1);
        assert_eq!(cs[0]["reason"], "B");
        assert!(set_condition(&mut cs, "Available", "False", "C", "m"));
        assert_eq!(cs.len(), 2);
    }
}
