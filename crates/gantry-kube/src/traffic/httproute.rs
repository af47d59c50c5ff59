//! Gateway API `HTTPRoute` (`gateway.networking.k8s.io/v1`): the rules
//! whose backendRefs are the stable and the canary Service get weights
//! `100 - w` and `w`.

use futures_util::future::BoxFuture;
use gantry_traffic::{ShiftError, Shifted, TrafficShifter, Weight};
use kube::Client;
use kube::api::ApiResource;
use kube::core::GroupVersionKind;
use serde_json::{Value, json};

use super::{WeightChange, shift};

/// The `HTTPRoute` resource.
pub fn http_route_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("gateway.networking.k8s.io", "v1", "HTTPRoute"),
        "httproutes",
    )
}

/// Shifts an `HTTPRoute`'s weights.
#[derive(Clone)]
pub struct HttpRouteShifter {
    client: Client,
    namespace: String,
    route: String,
    stable: String,
    canary: String,
}

impl HttpRouteShifter {
    /// The route `namespace/route` splitting between the Services `stable`
    /// and `canary` (in the route's namespace).
    pub fn new(client: Client, namespace: &str, route: &str, stable: &str, canary: &str) -> Self {
        HttpRouteShifter {
            client,
            namespace: namespace.to_owned(),
            route: route.to_owned(),
            stable: stable.to_owned(),
            canary: canary.to_owned(),
        }
    }
}

impl TrafficShifter for HttpRouteShifter {
    fn describe(&self) -> String {
        format!("HTTPRoute {}/{}", self.namespace, self.route)
    }

    fn set_canary_weight(&self, weight: Weight) -> BoxFuture<'_, Result<Shifted, ShiftError>> {
        Box::pin(async move {
            let target = self.describe();
            shift(
                &self.client,
                &http_route_resource(),
                &self.namespace,
                &self.route,
                &target,
                |route| set_route_weights(route, &self.stable, &self.canary, weight),
            )
            .await
            .map_err(|err| err.into_shift_error(target.clone()))
        })
    }
}

/// Set the weights in every rule of `route` whose backendRefs include both
/// the `stable` and the `canary` Service; an error says what is missing,
/// and leaves `route` as it was. Such a rule may have no other backends:
/// their share would change with ours.
pub fn set_route_weights(
    route: &mut Value,
    stable: &str,
    canary: &str,
    weight: Weight,
) -> Result<WeightChange, String> {
    let mut work = route.clone();
    let change = set_weights(&mut work, stable, canary, weight)?;
    *route = work;
    Ok(change)
}

fn set_weights(
    route: &mut Value,
    stable: &str,
    canary: &str,
    weight: Weight,
) -> Result<WeightChange, String> {
    let namespace = route
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let Some(rules) = route
        .pointer_mut("/spec/rules")
        .and_then(Value::as_array_mut)
    else {
        return Err("it has no rules".to_owned());
    };
    let is = |backend: &Value, service: &str| {
        let field = |key: &str| backend.get(key).and_then(Value::as_str);
        field("name") == Some(service)
            && field("group").unwrap_or_default().is_empty()
            && field("kind").unwrap_or("Service") == "Service"
            && field("namespace").is_none_or(|ns| ns == namespace)
    };
    let names = |rule: &Value| -> Vec<String> {
        refs(rule)
            .iter()
            .map(|b| {
                b.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_owned()
            })
            .collect()
    };
    let mut before = None;
    let mut changed = false;
    let mut matched = 0;
    for (index, rule) in rules.iter_mut().enumerate() {
        let here = refs(rule);
        let has = |service: &str| here.iter().any(|b| is(b, service));
        if !(has(stable) && has(canary)) {
            continue;
        }
        let others: Vec<String> = names(rule)
            .into_iter()
            .filter(|n| n != stable && n != canary)
            .collect();
        if !others.is_empty() {
            return Err(format!(
                "rule {index} also sends traffic to {}; gantry shifts between exactly {} and {}",
                others.join(", "),
                stable,
                canary
            ));
        }
        matched += 1;
        let Some(refs) = rule.get_mut("backendRefs").and_then(Value::as_array_mut) else {
            continue;
        };
        let mut old = (0, 0);
        for backend in refs.iter_mut() {
            // The Gateway API's default weight is 1.
            let current = backend.get("weight").and_then(Value::as_i64);
            let (want, slot) = if is(backend, canary) {
                (i64::from(weight.canary()), &mut old.0)
            } else {
                (i64::from(weight.stable()), &mut old.1)
            };
            *slot += current.unwrap_or(1);
            if current != Some(want) {
                backend["weight"] = json!(want);
                changed = true;
            }
        }
        before.get_or_insert(old);
    }
    if matched == 0 {
        let all: Vec<String> = rules.iter().map(|r| names(r).join(", ")).collect();
        let missing: Vec<&str> = [stable, canary]
            .into_iter()
            .filter(|s| !rules.iter().any(|r| refs(r).iter().any(|b| is(b, s))))
            .collect();
        let why = if missing.is_empty() {
            "no rule has both".to_owned()
        } else {
            format!("no backendRef to {}", missing.join(" or "))
        };
        return Err(format!(
            "no rule sends traffic to both Services {} and {} ({why}; rules' backendRefs: {})",
            stable,
            canary,
            if all.is_empty() {
                "none".to_owned()
            } else {
                all.join("; ")
            }
        ));
    }
    let (canary_before, stable_before) = before.unwrap_or_default();
    Ok(WeightChange {
        now: format!(
            "{} {}, {} {}",
            canary,
            weight.canary(),
            stable,
            weight.stable()
        ),
        before: format!("{canary_before}/{stable_before}"),
        changed,
    })
}

fn refs(rule: &Value) -> Vec<Value> {
    rule.get("backendRefs")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(rules: Value) -> Value {
        json!({"metadata": {"name": "web", "namespace": "prod"}, "spec": {"rules": rules}})
    }

    fn two(stable: Option<i64>, canary: Option<i64>) -> Value {
        let mut s = json!({"name": "web-stable", "port": 80});
        let mut c = json!({"name": "web-canary", "port": 80, "kind": "Service", "group": ""});
        if let Some(w) = stable {
            s["weight"] = json!(w);
        }
        if let Some(w) = canary {
            c["weight"] = json!(w);
        }
        json!({"matches": [{"path": {"type": "PathPrefix", "value": "/"}}], "backendRefs": [s, c]})
    }

    #[test]
    fn weights() {
        let w = |p| Weight::new(p).unwrap();
        let cases = [
            (
                route(json!([two(Some(90), Some(10))])),
                w(25),
                true,
                "10/90",
                (75, 25),
            ),
            (
                route(json!([two(Some(75), Some(25))])),
                w(25),
                false,
                "25/75",
                (75, 25),
            ),
            (route(json!([two(None, None)])), w(0), true, "1/1", (100, 0)),
            (
                route(json!([two(Some(0), Some(100))])),
                w(100),
                false,
                "100/0",
                (0, 100),
            ),
        ];
        for (mut object, weight, changed, before, (stable, canary)) in cases {
            let change =
                set_route_weights(&mut object, "web-stable", "web-canary", weight).unwrap();
            assert_eq!(
                (change.changed, change.before.as_str()),
                (changed, before),
                "{weight}"
            );
            let refs = &object["spec"]["rules"][0]["backendRefs"];
            assert_eq!(
                (refs[0]["weight"].as_i64(), refs[1]["weight"].as_i64()),
                (Some(stable), Some(canary))
            );
            assert_eq!(
                change.now,
                format!("web-canary {canary}, web-stable {stable}")
            );
        }
    }

    #[test]
    fn only_rules_with_both_backends_change() {
        let other = json!({"matches": [{"path": {"type": "PathPrefix", "value": "/admin"}}],
            "backendRefs": [{"name": "admin", "port": 80, "weight": 1}]});
        let mut object = route(json!([
            other.clone(),
            two(Some(100), Some(0)),
            two(Some(100), Some(0))
        ]));
        let change = set_route_weights(
            &mut object,
            "web-stable",
            "web-canary",
            Weight::new(10).unwrap(),
        )
        .unwrap();
        assert!(change.changed);
        assert_eq!(object["spec"]["rules"][0], other);
        for rule in [1, 2] {
            let refs = &object["spec"]["rules"][rule]["backendRefs"];
            assert_eq!(
                (refs[0]["weight"].as_i64(), refs[1]["weight"].as_i64()),
                (Some(90), Some(10))
            );
        }
    }

    #[test]
    fn errors_say_what_is_missing() {
        let w = Weight::new(10).unwrap();
        let only_stable = json!({"backendRefs": [{"name": "web-stable", "port": 80}]});
        let only_canary = json!({"backendRefs": [{"name": "web-canary", "port": 80}]});
        let foreign_ns = json!({"backendRefs": [{"name": "web-stable"}, {"name": "web-canary", "namespace": "other"}]});
        let not_service = json!({"backendRefs": [{"name": "web-stable"}, {"name": "web-canary", "kind": "Backend", "group": "x.io"}]});
        let third = json!({"backendRefs": [{"name": "web-stable"}, {"name": "web-canary"}, {"name": "web-old"}]});
        let cases = [
            (
                route(json!([only_stable.clone()])),
                "no backendRef to web-canary",
            ),
            (route(json!([only_stable, only_canary])), "no rule has both"),
            (route(json!([foreign_ns])), "no backendRef to web-canary"),
            (route(json!([not_service])), "no backendRef to web-canary"),
            (
                route(json!([third])),
                "rule 0 also sends traffic to web-old",
            ),
            (route(json!([])), "rules' backendRefs: none"),
            (json!({"metadata": {}, "spec": {}}), "it has no rules"),
        ];
        for (mut object, words) in cases {
            let before = object.clone();
            let err = set_route_weights(&mut object, "web-stable", "web-canary", w).unwrap_err();
            assert!(err.contains(words), "{words}: {err}");
            assert_eq!(object, before);
        }
    }
}
