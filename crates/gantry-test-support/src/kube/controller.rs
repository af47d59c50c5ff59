//! The controller loop: every tick, the garbage collector, the kubelet,
//! the ReplicaSet, Deployment, StatefulSet and DaemonSet controllers,
//! one after another under the cluster lock, so one pass sees a
//! consistent cluster and a rollout advances a step per tick.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use serde_json::Value;

use super::cluster::Cluster;
use super::deployment::Deployments;
use super::kubelet::Kubelet;
use super::resources::by_kind;
use super::shared::{Shared, lock};
use super::util::str_at;
use super::{replicaset, workloads};

/// Time between passes.
pub(crate) const TICK: Duration = Duration::from_millis(10);

/// Run passes until `stop`.
pub(crate) fn run(shared: &Arc<Shared>, stop: &AtomicBool) {
    let mut kubelet = Kubelet::default();
    let mut deployments = Deployments::default();
    while !stop.load(Ordering::SeqCst) {
        let rules = lock(&shared.behaviours).clone();
        let (changed, due) = {
            let mut cluster = lock(&shared.cluster);
            let before = cluster.store.rv();
            collect_garbage(&mut cluster);
            let pods_due = kubelet.pass(&mut cluster, &rules);
            replicaset::pass(&mut cluster);
            let deadline_due = deployments.pass(&mut cluster);
            workloads::statefulsets(&mut cluster);
            workloads::daemonsets(&mut cluster);
            let due = match (pods_due, deadline_due) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            (cluster.store.rv() != before, due)
        };
        if changed {
            shared.changed.notify_all();
        }
        {
            let mut progress = lock(&shared.progress);
            progress.passes += 1;
            progress.changed = changed;
            progress.due = due;
        }
        shared.progressed.notify_all();
        thread::sleep(TICK);
    }
}

/// Delete every object whose owners are all gone (what background
/// cascading deletion leaves to the garbage collector).
fn collect_garbage(cluster: &mut Cluster) {
    loop {
        let uids: HashSet<String> = cluster
            .store
            .all()
            .map(|o| str_at(o, "metadata.uid").to_owned())
            .collect();
        let orphans: Vec<(String, String, String)> = cluster
            .store
            .all()
            .filter(|o| {
                o["metadata"]["ownerReferences"]
                    .as_array()
                    .is_some_and(|refs| {
                        !refs.is_empty()
                            && refs
                                .iter()
                                .all(|r| !uids.contains(r["uid"].as_str().unwrap_or_default()))
                    })
            })
            .map(|o: &Value| {
                (
                    str_at(o, "kind").to_owned(),
                    str_at(o, "metadata.namespace").to_owned(),
                    str_at(o, "metadata.name").to_owned(),
                )
            })
            .collect();
        if orphans.is_empty() {
            return;
        }
        for (kind, ns, name) in orphans {
            if let Some(resource) = by_kind(&kind) {
                cluster.store.remove(resource, &ns, &name);
            }
        }
    }
}
