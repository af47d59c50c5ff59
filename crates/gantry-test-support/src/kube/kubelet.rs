//! The kubelet of the one fake node: every pod's containers go through
//! the states their image's [`PodBehaviour`] says, and the pod status
//! (phase, conditions, container statuses) follows as the kubelet writes
//! it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::PodBehaviour;
use super::cluster::Cluster;
use super::pods::write_status;
use super::util::{now_rfc3339, str_at};

/// From a pod's creation to its containers starting.
const START: Duration = Duration::from_millis(20);
/// From `ErrImagePull` to `ImagePullBackOff`.
const PULL_BACKOFF: Duration = Duration::from_millis(100);
/// Between restarts of a crash-looping container (the kubelet backs off
/// from 10 s to 5 min; tests want to see the count grow).
const RESTART_EVERY: Duration = Duration::from_secs(1);
/// How long `Ready` takes by default.
pub(crate) const DEFAULT_READY: Duration = Duration::from_millis(50);

/// The behaviour for `image`: the first rule whose substring it
/// contains, else `crash` → CrashLoop, `pull-error` → ImagePullBackOff,
/// else Ready after 50 ms.
pub(crate) fn behaviour_for(image: &str, rules: &[(String, PodBehaviour)]) -> PodBehaviour {
    if let Some((_, b)) = rules
        .iter()
        .find(|(needle, _)| image.contains(needle.as_str()))
    {
        return b.clone();
    }
    if image.contains("crash") {
        PodBehaviour::CrashLoop
    } else if image.contains("pull-error") {
        PodBehaviour::ImagePullBackOff
    } else {
        PodBehaviour::Ready {
            after: DEFAULT_READY,
        }
    }
}

/// A container's state at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Creating,
    Running { ready: bool },
    Crashing { restarts: u32 },
    ErrImagePull,
    ImagePullBackOff,
}

/// The state `elapsed` after the pod appeared, and when the next change
/// that matters is due (crash-loop restarts do not count: they never end).
pub(crate) fn state_at(behaviour: &PodBehaviour, elapsed: Duration) -> (State, Option<Duration>) {
    match behaviour {
        PodBehaviour::Ready { after } if elapsed < *after => (State::Creating, Some(*after)),
        PodBehaviour::Ready { .. } => (State::Running { ready: true }, None),
        _ if elapsed < START => (State::Creating, Some(START)),
        PodBehaviour::NeverReady => (State::Running { ready: false }, None),
        PodBehaviour::CrashLoop => {
            let restarts = 1 + ((elapsed - START).as_millis() / RESTART_EVERY.as_millis()) as u32;
            (State::Crashing { restarts }, None)
        }
        PodBehaviour::ImagePullBackOff if elapsed < START + PULL_BACKOFF => {
            (State::ErrImagePull, Some(START + PULL_BACKOFF))
        }
        PodBehaviour::ImagePullBackOff => (State::ImagePullBackOff, None),
    }
}

#[derive(Debug)]
struct Sim {
    seen: Instant,
    states: Vec<State>,
    ip: String,
    started: String,
}

/// The kubelet's memory between passes, by pod uid.
#[derive(Debug, Default)]
pub(crate) struct Kubelet {
    pods: HashMap<String, Sim>,
}

fn fnv64(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn hex64(seed: &str) -> String {
    (0..4)
        .map(|i| format!("{:016x}", fnv64(&format!("{seed}/{i}"))))
        .collect()
}

impl Kubelet {
    /// One pass over every pod. Returns when the next state change is
    /// due, if one is.
    pub(crate) fn pass(
        &mut self,
        cluster: &mut Cluster,
        rules: &[(String, PodBehaviour)],
    ) -> Option<Instant> {
        let pods: Vec<Value> = cluster
            .store
            .list("Pod", None)
            .into_iter()
            .cloned()
            .collect();
        self.pods
            .retain(|uid, _| pods.iter().any(|p| str_at(p, "metadata.uid") == uid));
        let mut due: Option<Instant> = None;
        for pod in pods {
            let uid = str_at(&pod, "metadata.uid").to_owned();
            if !self.pods.contains_key(&uid) {
                let ip = cluster.pod_ip();
                self.pods.insert(
                    uid.clone(),
                    Sim {
                        seen: Instant::now(),
                        states: Vec::new(),
                        ip,
                        started: now_rfc3339(),
                    },
                );
            }
            let Some(sim) = self.pods.get_mut(&uid) else {
                continue;
            };
            let elapsed = sim.seen.elapsed();
            let containers = pod["spec"]["containers"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let mut states = Vec::new();
            for c in &containers {
                let (state, next) = state_at(&behaviour_for(str_at(c, "image"), rules), elapsed);
                if let Some(next) = next {
                    let at = sim.seen + next;
                    due = Some(due.map_or(at, |d| d.min(at)));
                }
                states.push(state);
            }
            if states != sim.states {
                sim.states = states;
                let status = pod_status(&pod, sim, &containers);
                write_status(cluster, "Pod", &pod, status);
            }
        }
        due
    }
}

fn pod_status(pod: &Value, sim: &Sim, containers: &[Value]) -> Value {
    let now = now_rfc3339();
    let uid = str_at(pod, "metadata.uid");
    let pod_name = str_at(pod, "metadata.name");
    let ns = str_at(pod, "metadata.namespace");
    let mut statuses = Vec::new();
    let mut unready = Vec::new();
    for (c, state) in containers.iter().zip(&sim.states) {
        let name = str_at(c, "name");
        let image = str_at(c, "image");
        let id = format!("containerd://{}", hex64(&format!("{uid}/{name}")));
        let image_id = format!("{image}@sha256:{}", hex64(image));
        let (state_json, last, ready, started, restarts, ran) = match state {
            State::Creating => (
                json!({"waiting": {"reason": "ContainerCreating"}}),
                json!({}),
                false,
                false,
                0,
                false,
            ),
            State::Running { ready } => (
                json!({"running": {"startedAt": sim.started}}),
                json!({}),
                *ready,
                true,
                0,
                true,
            ),
            State::Crashing { restarts } => (
                json!({"waiting": {
                    "reason": "CrashLoopBackOff",
                    "message": format!("back-off 10s restarting failed container={name} pod={pod_name}_{ns}({uid})"),
                }}),
                json!({"terminated": {"exitCode": 1, "reason": "Error", "startedAt": now, "finishedAt": now, "containerID": id}}),
                false,
                false,
                *restarts,
                true,
            ),
            State::ErrImagePull => (
                json!({"waiting": {
                    "reason": "ErrImagePull",
                    "message": format!("failed to pull and unpack image \"{image}\": failed to resolve reference \"{image}\": {image}: not found"),
                }}),
                json!({}),
                false,
                false,
                0,
                false,
            ),
            State::ImagePullBackOff => (
                json!({"waiting": {"reason": "ImagePullBackOff", "message": format!("Back-off pulling image \"{image}\"")}}),
                json!({}),
                false,
                false,
                0,
                false,
            ),
        };
        if !ready {
            unready.push(name.to_owned());
        }
        let mut status = json!({
            "name": name,
            "state": state_json,
            "lastState": last,
            "ready": ready,
            "restartCount": restarts,
            "image": image,
            "imageID": if ran { image_id } else { String::new() },
            "started": started,
        });
        if ran {
            status["containerID"] = json!(id);
        }
        statuses.push(status);
    }
    let creating = sim.states.iter().all(|s| *s == State::Creating);
    let running = sim
        .states
        .iter()
        .all(|s| matches!(s, State::Running { .. } | State::Crashing { .. }));
    let all_ready = unready.is_empty();
    let old = |kind: &str, status: &str| {
        pod["status"]["conditions"]
            .as_array()
            .and_then(|cs| {
                cs.iter()
                    .find(|c| c["type"] == kind && c["status"] == status)
            })
            .map(|c| c["lastTransitionTime"].clone())
    };
    let cond = |kind: &str, ok: bool, reason: Option<(&str, String)>| {
        let status = if ok { "True" } else { "False" };
        let mut c = json!({
            "type": kind,
            "status": status,
            "lastProbeTime": null,
            "lastTransitionTime": old(kind, status).unwrap_or_else(|| json!(now)),
        });
        if let Some((reason, message)) = reason {
            c["reason"] = json!(reason);
            c["message"] = json!(message);
        }
        c
    };
    let not_ready = (!all_ready).then(|| {
        (
            "ContainersNotReady",
            format!("containers with unready status: [{}]", unready.join(" ")),
        )
    });
    let mut status = json!({
        "phase": if running { "Running" } else { "Pending" },
        "conditions": [
            cond("PodReadyToStartContainers", !creating, None),
            cond("Initialized", true, None),
            cond("Ready", all_ready, not_ready.clone()),
            cond("ContainersReady", all_ready, not_ready),
            cond("PodScheduled", true, None),
        ],
        "hostIP": "172.18.0.2",
        "hostIPs": [{"ip": "172.18.0.2"}],
        "startTime": sim.started,
        "containerStatuses": statuses,
        "qosClass": "BestEffort",
    });
    if !creating {
        status["podIP"] = json!(sim.ip);
        status["podIPs"] = json!([{"ip": sim.ip}]);
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_pick_behaviours() {
        let rules = vec![
            ("special".to_owned(), PodBehaviour::NeverReady),
            (
                "crash".to_owned(),
                PodBehaviour::Ready {
                    after: Duration::ZERO,
                },
            ),
        ];
        assert_eq!(
            behaviour_for("r/special:1", &rules),
            PodBehaviour::NeverReady
        );
        assert_eq!(
            behaviour_for("r/crash:1", &rules),
            PodBehaviour::Ready {
                after: Duration::ZERO
            }
        );
        assert_eq!(behaviour_for("r/crash:1", &[]), PodBehaviour::CrashLoop);
        assert_eq!(
            behaviour_for("r/pull-error:1", &[]),
            PodBehaviour::ImagePullBackOff
        );
        assert_eq!(
            behaviour_for("nginx", &[]),
            PodBehaviour::Ready {
                after: DEFAULT_READY
            }
        );
    }

    #[test]
    fn states_follow_the_clock() {
        let ms = Duration::from_millis;
        let ready = PodBehaviour::Ready { after: ms(50) };
        assert_eq!(state_at(&ready, ms(10)), (State::Creating, Some(ms(50))));
        assert_eq!(
            state_at(&ready, ms(60)),
            (State::Running { ready: true }, None)
        );
        assert_eq!(
            state_at(&PodBehaviour::CrashLoop, ms(30)).0,
            State::Crashing { restarts: 1 }
        );
        assert_eq!(
            state_at(&PodBehaviour::CrashLoop, ms(2100)).0,
            State::Crashing { restarts: 3 }
        );
        assert_eq!(
            state_at(&PodBehaviour::ImagePullBackOff, ms(30)).0,
            State::ErrImagePull
        );
        assert_eq!(
            state_at(&PodBehaviour::ImagePullBackOff, ms(200)),
            (State::ImagePullBackOff, None)
        );
        assert_eq!(
            state_at(&PodBehaviour::NeverReady, ms(30)),
            (State::Running { ready: false }, None)
        );
    }
}
