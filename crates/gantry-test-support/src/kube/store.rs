//! The object store: every object by kind, namespace and name, one global
//! increasing resourceVersion, and the change log watches read from.

use std::collections::{BTreeMap, VecDeque};

use serde_json::{Value, json};

use super::resources::{Resource, by_kind};
use super::util::{now_rfc3339, object_at, random_uid, str_at};

/// How many changes the log keeps before compacting (a watch from before
/// the oldest kept change gets 410 Expired, as after an etcd compaction).
const LOG_LIMIT: usize = 50_000;

/// `ADDED`, `MODIFIED`, `DELETED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    Added,
    Modified,
    Deleted,
}

/// One change, as watches see it.
#[derive(Debug, Clone)]
pub(crate) struct LogEntry {
    pub rv: u64,
    pub kind: &'static str,
    pub namespace: String,
    pub change: Change,
    /// The object after the change (for `DELETED`: as deleted, with the
    /// deletion's resourceVersion).
    pub object: Value,
    /// The object before (for `MODIFIED`), so a filtered watch can tell
    /// an object that stopped matching (`DELETED` to that watch).
    pub previous: Option<Value>,
}

type Key = (&'static str, String, String);

/// All objects and their history.
#[derive(Debug, Default)]
pub(crate) struct Store {
    objects: BTreeMap<Key, Value>,
    rv: u64,
    log: VecDeque<LogEntry>,
    /// Changes up to this resourceVersion are no longer in the log.
    compacted: u64,
}

impl Store {
    /// The current (latest) resourceVersion.
    pub(crate) fn rv(&self) -> u64 {
        self.rv
    }

    /// The oldest resourceVersion a watch can start from.
    pub(crate) fn compacted(&self) -> u64 {
        self.compacted
    }

    /// One object.
    pub(crate) fn get(&self, kind: &str, namespace: &str, name: &str) -> Option<&Value> {
        let kind = by_kind(kind)?.kind;
        self.objects
            .get(&(kind, namespace.to_owned(), name.to_owned()))
    }

    /// Every object of `kind` (in `namespace`, or everywhere for `None`),
    /// by namespace then name, as etcd keys sort.
    pub(crate) fn list(&self, kind: &str, namespace: Option<&str>) -> Vec<&Value> {
        self.objects
            .iter()
            .filter(|((k, ns, _), _)| *k == kind && namespace.is_none_or(|want| ns == want))
            .map(|(_, v)| v)
            .collect()
    }

    /// Every object in `namespace`, whatever its kind.
    pub(crate) fn in_namespace(&self, namespace: &str) -> Vec<Value> {
        self.objects
            .iter()
            .filter(|((_, ns, _), _)| ns == namespace)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Every object, whatever its kind.
    pub(crate) fn all(&self) -> impl Iterator<Item = &Value> {
        self.objects.values()
    }

    fn next_rv(&mut self) -> u64 {
        self.rv += 1;
        self.rv
    }

    fn record(&mut self, entry: LogEntry) {
        self.log.push_back(entry);
        while self.log.len() > LOG_LIMIT {
            if let Some(old) = self.log.pop_front() {
                self.compacted = old.rv;
            }
        }
    }

    /// Insert a new object: fills uid, creationTimestamp, generation and
    /// resourceVersion. The caller has checked it does not exist.
    pub(crate) fn insert(&mut self, resource: &Resource, mut object: Value) -> Value {
        let rv = self.next_rv();
        if let Some(meta) = object_at(&mut object, "metadata") {
            meta.insert("uid".into(), json!(random_uid()));
            meta.insert("resourceVersion".into(), json!(rv.to_string()));
            meta.insert("generation".into(), json!(1));
            meta.insert("creationTimestamp".into(), json!(now_rfc3339()));
        }
        let namespace = str_at(&object, "metadata.namespace").to_owned();
        let name = str_at(&object, "metadata.name").to_owned();
        self.objects
            .insert((resource.kind, namespace.clone(), name), object.clone());
        self.record(LogEntry {
            rv,
            kind: resource.kind,
            namespace,
            change: Change::Added,
            object: object.clone(),
            previous: None,
        });
        object
    }

    /// Replace an existing object. Server-owned metadata (uid,
    /// creationTimestamp) is kept; generation goes up when anything but
    /// metadata and status changed. A write that changes nothing is a
    /// no-op and keeps the resourceVersion, as on the API server, unless
    /// `force` (another writer's bump).
    pub(crate) fn update(&mut self, resource: &Resource, mut object: Value, force: bool) -> Value {
        let namespace = str_at(&object, "metadata.namespace").to_owned();
        let name = str_at(&object, "metadata.name").to_owned();
        let key = (resource.kind, namespace.clone(), name);
        let Some(old) = self.objects.get(&key).cloned() else {
            return self.insert(resource, object);
        };
        for field in ["uid", "creationTimestamp", "generation", "resourceVersion"] {
            let kept = old["metadata"].get(field).cloned().unwrap_or(Value::Null);
            if let Some(meta) = object_at(&mut object, "metadata") {
                meta.insert(field.into(), kept);
            }
        }
        if object == old && !force {
            return old;
        }
        if spec_of(&object) != spec_of(&old) {
            let generation = old["metadata"]["generation"].as_i64().unwrap_or(1) + 1;
            object["metadata"]["generation"] = json!(generation);
        }
        let rv = self.next_rv();
        object["metadata"]["resourceVersion"] = json!(rv.to_string());
        self.objects.insert(key, object.clone());
        self.record(LogEntry {
            rv,
            kind: resource.kind,
            namespace,
            change: Change::Modified,
            object: object.clone(),
            previous: Some(old),
        });
        object
    }

    /// Remove an object; returns it as deleted.
    pub(crate) fn remove(
        &mut self,
        resource: &Resource,
        namespace: &str,
        name: &str,
    ) -> Option<Value> {
        let key = (resource.kind, namespace.to_owned(), name.to_owned());
        let mut object = self.objects.remove(&key)?;
        let rv = self.next_rv();
        object["metadata"]["resourceVersion"] = json!(rv.to_string());
        self.record(LogEntry {
            rv,
            kind: resource.kind,
            namespace: namespace.to_owned(),
            change: Change::Deleted,
            object: object.clone(),
            previous: None,
        });
        Some(object)
    }

    /// The changes after resourceVersion `rv`, or `Err(compacted)` when
    /// some of them are no longer kept.
    pub(crate) fn changes_after(&self, rv: u64) -> Result<Vec<&LogEntry>, u64> {
        if rv < self.compacted {
            return Err(self.compacted);
        }
        let start = self.log.partition_point(|e| e.rv <= rv);
        Ok(self.log.range(start..).collect())
    }
}

/// What `generation` tracks: everything but metadata and status.
fn spec_of(object: &Value) -> Value {
    let mut rest = object.clone();
    if let Value::Object(map) = &mut rest {
        map.shift_remove("metadata");
        map.shift_remove("status");
    }
    rest
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::resources::by_kind;

    #[test]
    fn versions_generations_and_log() {
        let d = by_kind("Deployment").unwrap();
        let mut store = Store::default();
        let obj =
            json!({"metadata": {"name": "web", "namespace": "default"}, "spec": {"replicas": 1}});
        let created = store.insert(d, obj);
        assert_eq!(created["metadata"]["resourceVersion"], "1");
        assert_eq!(created["metadata"]["generation"], 1);
        let uid = created["metadata"]["uid"].clone();

        let same = store.update(d, created.clone(), false);
        assert_eq!(
            same["metadata"]["resourceVersion"], "1",
            "a no-op write keeps the version"
        );

        let mut status = created.clone();
        status["status"] = json!({"replicas": 1});
        let s = store.update(d, status, false);
        assert_eq!(
            (
                s["metadata"]["resourceVersion"].as_str(),
                s["metadata"]["generation"].as_i64()
            ),
            (Some("2"), Some(1))
        );

        let mut spec = s.clone();
        spec["spec"]["replicas"] = json!(3);
        spec["metadata"]["uid"] = json!("forged");
        let g = store.update(d, spec, false);
        assert_eq!(g["metadata"]["generation"], 2);
        assert_eq!(g["metadata"]["uid"], uid);

        let forced = store.update(d, g.clone(), true);
        assert_eq!(forced["metadata"]["resourceVersion"], "4");

        let gone = store.remove(d, "default", "web").unwrap();
        assert_eq!(gone["metadata"]["resourceVersion"], "5");
        assert!(store.get("Deployment", "default", "web").is_none());
        let changes: Vec<_> = store
            .changes_after(2)
            .unwrap()
            .iter()
            .map(|e| (e.rv, e.change))
            .collect();
        assert_eq!(
            changes,
            [
                (3, Change::Modified),
                (4, Change::Modified),
                (5, Change::Deleted)
            ]
        );
        assert_eq!(store.rv(), 5);
    }
}
