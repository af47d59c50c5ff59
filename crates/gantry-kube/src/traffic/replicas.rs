//! Replica ratio, for plain Deployments: a stable and a canary Deployment
//! behind one Service get traffic in proportion to their ready pods, so
//! the weight is set by splitting a fixed total of replicas between them.

use futures_util::future::BoxFuture;
use gantry_traffic::{ShiftError, Shifted, TrafficShifter, Weight};
use kube::Client;
use serde_json::{Value, json};

use super::{WeightChange, shifted};
use crate::api::{Edit, dynamic, get, update};
use crate::{KubeError, WorkloadKind};

/// `(stable, canary)` replicas for `weight` of `total`: the canary gets
/// `total × w / 100` rounded half up, at least 1 when `w > 0` (a canary
/// weight must reach a pod) and 0 at 0; stable gets the rest.
pub fn replica_split(total: i32, weight: Weight) -> (i32, i32) {
    let total = total.max(0);
    let w = i32::from(weight.canary());
    if w == 0 || total == 0 {
        return (total, 0);
    }
    let canary = ((total * w + 50) / 100).clamp(1, total);
    (total - canary, canary)
}

/// Shifts by scaling a stable and a canary Deployment.
#[derive(Clone)]
pub struct ReplicaShifter {
    client: Client,
    namespace: String,
    stable: String,
    canary: String,
    total: Option<i32>,
}

impl ReplicaShifter {
    /// The Deployments `stable` and `canary` in `namespace`. The total is
    /// what they have together when a shift starts, unless
    /// [`with_total`](Self::with_total) fixes it.
    pub fn new(client: Client, namespace: &str, stable: &str, canary: &str) -> Self {
        ReplicaShifter {
            client,
            namespace: namespace.to_owned(),
            stable: stable.to_owned(),
            canary: canary.to_owned(),
            total: None,
        }
    }

    /// Split exactly `total` replicas.
    pub fn with_total(mut self, total: i32) -> Self {
        self.total = Some(total);
        self
    }

    async fn shift(&self, weight: Weight) -> Result<Shifted, KubeError> {
        let target = self.describe();
        let api = dynamic(
            &self.client,
            &WorkloadKind::Deployment.api_resource(),
            &self.namespace,
        );
        let object = |name: &str| format!("deployment {}/{name}", self.namespace);
        let stable_now = replicas(&get(&api, &self.stable, &object(&self.stable)).await?);
        let canary_now = replicas(&get(&api, &self.canary, &object(&self.canary)).await?);
        let total = self.total.unwrap_or(stable_now + canary_now);
        if total <= 0 {
            return Err(KubeError::Invalid {
                object: target,
                message: "the two Deployments have no replicas to split (scale stable up, or set a total)"
                    .to_owned(),
            });
        }
        let (stable, canary) = replica_split(total, weight);
        // Keep capacity while moving: grow one side before shrinking the other.
        let order = if canary > canary_now {
            [(&self.canary, canary), (&self.stable, stable)]
        } else {
            [(&self.stable, stable), (&self.canary, canary)]
        };
        let mut written = false;
        for (name, want) in order {
            let (_, wrote) = update(&api, name, &object(name), |value| {
                Ok(if replicas(value) == want {
                    Edit::Unchanged(())
                } else {
                    value["spec"]["replicas"] = json!(want);
                    Edit::Changed(())
                })
            })
            .await?;
            written |= wrote;
        }
        let change = WeightChange {
            now: format!(
                "{} {canary}, {} {stable} of {total} replicas",
                self.canary, self.stable
            ),
            before: format!("{canary_now}/{stable_now}"),
            changed: written,
        };
        Ok(shifted(&target, &change, written))
    }
}

/// A Deployment's `spec.replicas` (1, the API's default, when unset).
fn replicas(deployment: &Value) -> i32 {
    deployment
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .and_then(|r| i32::try_from(r).ok())
        .unwrap_or(1)
}

impl TrafficShifter for ReplicaShifter {
    fn describe(&self) -> String {
        format!(
            "Deployments {ns}/{} + {ns}/{}",
            self.stable,
            self.canary,
            ns = self.namespace
        )
    }

    fn set_canary_weight(&self, weight: Weight) -> BoxFuture<'_, Result<Shifted, ShiftError>> {
        Box::pin(async move {
            self.shift(weight)
                .await
                .map_err(|err| err.into_shift_error(self.describe()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits() {
        let cases = [
            (4, 0, (4, 0)),
            (4, 1, (3, 1)),
            (4, 10, (3, 1)),
            (4, 25, (3, 1)),
            (4, 50, (2, 2)),
            (4, 62, (2, 2)),
            (4, 63, (1, 3)),
            (4, 100, (0, 4)),
            (3, 50, (1, 2)),
            (10, 5, (9, 1)),
            (10, 14, (9, 1)),
            (10, 15, (8, 2)),
            (1, 1, (0, 1)),
            (1, 0, (1, 0)),
            (0, 50, (0, 0)),
            (-2, 50, (0, 0)),
        ];
        for (total, w, want) in cases {
            assert_eq!(
                replica_split(total, Weight::new(w).unwrap()),
                want,
                "{total} at {w}%"
            );
        }
        for total in 0..50 {
            for w in 0..=100 {
                let (stable, canary) = replica_split(total, Weight::new(w).unwrap());
                assert_eq!(stable + canary, total, "{total} at {w}%");
                assert!(stable >= 0 && canary >= 0);
                assert_eq!(canary == 0, w == 0 || total == 0, "{total} at {w}%");
            }
        }
    }

    #[test]
    fn replicas_default_to_one() {
        assert_eq!(replicas(&json!({"spec": {}})), 1);
        assert_eq!(replicas(&json!({"spec": {"replicas": 0}})), 0);
    }
}
