//! What the HTTP workers, the controller loop and the handle share.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use super::cluster::Cluster;
use super::{KubeRequest, PodBehaviour};
use crate::fault_server::Fault;

/// A canned answer for the next `remaining` matching requests.
#[derive(Debug)]
pub(crate) struct Rule {
    pub method: String,
    pub path_contains: String,
    pub remaining: usize,
    pub fault: Fault,
}

/// How far the controller loop has got.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    /// Passes finished.
    pub passes: u64,
    /// Whether the last pass changed anything.
    pub changed: bool,
    /// When the next scheduled change is due (a container changing state,
    /// a progress deadline), as of the last pass.
    pub due: Option<Instant>,
}

/// State shared by every thread of one fake.
#[derive(Debug)]
pub(crate) struct Shared {
    pub token: String,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    pub cluster: Mutex<Cluster>,
    /// Notified after every change to the cluster (watches wait on it).
    pub changed: Condvar,
    pub rules: Mutex<Vec<Rule>>,
    pub seen: Mutex<Vec<KubeRequest>>,
    /// `(image substring, behaviour)`, first match wins.
    pub behaviours: Mutex<Vec<(String, PodBehaviour)>>,
    pub progress: Mutex<Progress>,
    /// Notified after every controller pass.
    pub progressed: Condvar,
}

/// Lock, ignoring poisoning (a panicking test thread must not wedge the
/// fake for the others).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn new(token: String, addr: String) -> Self {
        Shared {
            token,
            addr,
            cluster: Mutex::new(Cluster::default()),
            changed: Condvar::new(),
            rules: Mutex::new(Vec::new()),
            seen: Mutex::new(Vec::new()),
            behaviours: Mutex::new(Vec::new()),
            progress: Mutex::new(Progress::default()),
            progressed: Condvar::new(),
        }
    }

    /// Run `f` on the cluster under the lock; wake the watches if it
    /// changed anything.
    pub(crate) fn with_cluster<T>(&self, f: impl FnOnce(&mut Cluster) -> T) -> T {
        let mut cluster = lock(&self.cluster);
        let before = cluster.store.rv();
        let out = f(&mut cluster);
        let changed = cluster.store.rv() != before;
        drop(cluster);
        if changed {
            self.changed.notify_all();
        }
        out
    }

    /// Take the fault of the first rule matching this request, if any.
    pub(crate) fn take_fault(&self, method: &str, target: &str) -> Option<Fault> {
        let mut rules = lock(&self.rules);
        rules
            .iter_mut()
            .find(|r| {
                r.remaining > 0
                    && (r.method == "*" || r.method.eq_ignore_ascii_case(method))
                    && target.contains(&r.path_contains)
            })
            .map(|r| {
                r.remaining -= 1;
                r.fault.clone()
            })
    }
}
