//! The arithmetic of a RollingUpdate, as the deployment controller does
//! it (`NewRSNewReplicas`, `reconcileOldReplicaSets`,
//! `cleanupUnhealthyReplicas`, `scaleDownOldReplicaSetsForRollingUpdate`):
//! pure functions of replica counts.

use serde_json::Value;

use super::util::at;

/// A ReplicaSet's desired and available replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rs {
    pub spec: i64,
    pub available: i64,
}

/// An int-or-percent (`1`, `"25%"`) scaled against `total`.
pub(crate) fn scaled(value: Option<&Value>, total: i64, round_up: bool, default: i64) -> i64 {
    match value {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(default),
        Some(Value::String(s)) => match s
            .strip_suffix('%')
            .and_then(|p| p.trim().parse::<i64>().ok())
        {
            Some(percent) => {
                let scaled = percent * total;
                if round_up {
                    (scaled + 99).div_euclid(100)
                } else {
                    scaled.div_euclid(100)
                }
            }
            None => s.parse::<i64>().unwrap_or(default),
        },
        _ => default,
    }
}

/// `(maxSurge, maxUnavailable)` of a RollingUpdate deployment; both zero
/// is read as one unavailable, as the controller does.
pub(crate) fn surge_and_unavailable(deployment: &Value, replicas: i64) -> (i64, i64) {
    let rolling = at(deployment, "spec.strategy.rollingUpdate");
    let pct25 = Value::String("25%".to_owned());
    let surge_value = rolling.and_then(|r| r.get("maxSurge")).unwrap_or(&pct25);
    let unavailable_value = rolling
        .and_then(|r| r.get("maxUnavailable"))
        .unwrap_or(&pct25);
    let surge = scaled(Some(surge_value), replicas, true, 0).max(0);
    let unavailable = scaled(Some(unavailable_value), replicas, false, 0).max(0);
    if surge == 0 && unavailable == 0 {
        (0, 1)
    } else {
        (surge, unavailable)
    }
}

/// `MaxUnavailable(deployment)` as the Available condition uses it.
pub(crate) fn max_unavailable(deployment: &Value, replicas: i64) -> i64 {
    let rolling = at(deployment, "spec.strategy.type").and_then(Value::as_str) != Some("Recreate");
    if !rolling || replicas == 0 {
        return 0;
    }
    surge_and_unavailable(deployment, replicas).1.min(replicas)
}

/// The new ReplicaSet's next size.
pub(crate) fn new_replicas(replicas: i64, surge: i64, new: Rs, olds: &[Rs]) -> i64 {
    if new.spec >= replicas {
        return replicas;
    }
    let current: i64 = new.spec + olds.iter().map(|o| o.spec).sum::<i64>();
    let max_total = replicas + surge;
    if current >= max_total {
        return new.spec;
    }
    new.spec + (max_total - current).min(replicas - new.spec)
}

/// The old ReplicaSets' next sizes (oldest first, as given).
pub(crate) fn old_replicas(replicas: i64, unavailable: i64, new: Rs, olds: &[Rs]) -> Vec<i64> {
    let mut targets: Vec<i64> = olds.iter().map(|o| o.spec).collect();
    let old_pods: i64 = targets.iter().sum();
    if old_pods == 0 {
        return targets;
    }
    let all_pods = old_pods + new.spec;
    let min_available = replicas - unavailable;
    let new_unavailable = new.spec - new.available;
    let max_scaled_down = all_pods - min_available - new_unavailable;
    if max_scaled_down <= 0 {
        return targets;
    }
    // Unhealthy old replicas go first: they cost no availability.
    let mut cleaned = 0;
    for (target, old) in targets.iter_mut().zip(olds) {
        if cleaned >= max_scaled_down {
            break;
        }
        let unhealthy = *target - old.available;
        if unhealthy <= 0 {
            continue;
        }
        let down = unhealthy.min(max_scaled_down - cleaned);
        *target -= down;
        cleaned += down;
    }
    // Then healthy ones, as far as availability allows.
    let available: i64 = new.available + olds.iter().map(|o| o.available).sum::<i64>();
    let mut allowed = available - min_available;
    for target in targets.iter_mut() {
        if allowed <= 0 {
            break;
        }
        let down = (*target).min(allowed);
        *target -= down;
        allowed -= down;
    }
    targets
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scales_int_or_percent() {
        for (value, total, up, want) in [
            (json!("25%"), 3, true, 1),
            (json!("25%"), 3, false, 0),
            (json!("50%"), 4, false, 2),
            (json!(2), 10, true, 2),
            (json!("3"), 10, true, 3),
        ] {
            assert_eq!(
                scaled(Some(&value), total, up, 0),
                want,
                "{value} of {total}"
            );
        }
        let d = json!({"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}}}});
        assert_eq!(surge_and_unavailable(&d, 3), (0, 1));
        assert_eq!(surge_and_unavailable(&json!({}), 3), (1, 0));
        assert_eq!(
            max_unavailable(&json!({"spec": {"strategy": {"type": "Recreate"}}}), 3),
            0
        );
    }

    #[test]
    fn rolls_three_replicas_one_at_a_time() {
        let (surge, unavailable) = (1, 0);
        // A fresh deployment scales straight up.
        assert_eq!(
            new_replicas(
                3,
                surge,
                Rs {
                    spec: 0,
                    available: 0
                },
                &[]
            ),
            3
        );
        // A rollout surges one new pod while the three old ones stay.
        let old = [Rs {
            spec: 3,
            available: 3,
        }];
        assert_eq!(
            new_replicas(
                3,
                surge,
                Rs {
                    spec: 0,
                    available: 0
                },
                &old
            ),
            1
        );
        assert_eq!(
            old_replicas(
                3,
                unavailable,
                Rs {
                    spec: 1,
                    available: 0
                },
                &old
            ),
            [3]
        );
        // Once it is available, one old pod goes.
        assert_eq!(
            old_replicas(
                3,
                unavailable,
                Rs {
                    spec: 1,
                    available: 1
                },
                &old
            ),
            [2]
        );
        assert_eq!(
            new_replicas(
                3,
                surge,
                Rs {
                    spec: 1,
                    available: 1
                },
                &[Rs {
                    spec: 2,
                    available: 2
                }]
            ),
            2
        );
        // Scaling down past the goal.
        assert_eq!(
            new_replicas(
                2,
                surge,
                Rs {
                    spec: 3,
                    available: 3
                },
                &[]
            ),
            2
        );
    }

    #[test]
    fn unhealthy_old_replicas_go_first() {
        // Old RS 3 pods of which 1 available, new RS 1 available: one of
        // the unhealthy old pods may go (4 pods, 3 must stay available).
        let olds = [Rs {
            spec: 3,
            available: 1,
        }];
        assert_eq!(
            old_replicas(
                3,
                0,
                Rs {
                    spec: 1,
                    available: 1
                },
                &olds
            ),
            [2]
        );
        // A crash-looping new RS keeps every old pod.
        let olds = [Rs {
            spec: 3,
            available: 3,
        }];
        assert_eq!(
            old_replicas(
                3,
                0,
                Rs {
                    spec: 1,
                    available: 0
                },
                &olds
            ),
            [3]
        );
        // Two old generations: the oldest is drained first.
        let olds = [
            Rs {
                spec: 1,
                available: 1,
            },
            Rs {
                spec: 2,
                available: 2,
            },
        ];
        assert_eq!(
            old_replicas(
                3,
                1,
                Rs {
                    spec: 1,
                    available: 1
                },
                &olds
            ),
            [0, 1]
        );
    }
}
