//! The state behind one lock: the store and the few counters the API
//! server keeps next to it.

use serde_json::Value;

use super::store::Store;

/// Everything the API handlers and the controllers read and write.
#[derive(Debug, Default)]
pub(crate) struct Cluster {
    /// Objects and their change log.
    pub store: Store,
    /// How many of the next resourceVersion-carrying writes another
    /// writer should beat ([`FakeKube::conflict_next_writes`](super::FakeKube::conflict_next_writes)).
    pub other_writes: usize,
    /// The last pod IP handed out (10.244.x.y).
    pub last_pod_ip: u32,
    /// The last Service cluster IP handed out (10.96.x.y).
    pub last_service_ip: u32,
}

impl Cluster {
    /// The next pod IP.
    pub(crate) fn pod_ip(&mut self) -> String {
        self.last_pod_ip += 1;
        let n = self.last_pod_ip;
        format!("10.244.{}.{}", (n >> 8) & 0xff, n & 0xff)
    }

    /// The next Service cluster IP.
    pub(crate) fn service_ip(&mut self) -> String {
        self.last_service_ip += 1;
        let n = self.last_service_ip;
        format!("10.96.{}.{}", (n >> 8) & 0xff, n & 0xff)
    }

    /// Whether namespace `name` exists.
    pub(crate) fn has_namespace(&self, name: &str) -> bool {
        self.store.get("Namespace", "", name).is_some()
    }

    /// A copy of one object.
    pub(crate) fn object(&self, kind: &str, namespace: &str, name: &str) -> Option<Value> {
        self.store.get(kind, namespace, name).cloned()
    }
}
