//! Istio `VirtualService` (`networking.istio.io/v1`): the HTTP routes
//! whose destinations are the stable and the canary (a host, and a subset
//! when they share a host) get weights `100 - w` and `w`.

use futures_util::future::BoxFuture;
use gantry_traffic::{ShiftError, Shifted, TrafficShifter, Weight};
use kube::Client;
use kube::api::ApiResource;
use kube::core::GroupVersionKind;
use serde_json::{Value, json};

use super::{WeightChange, shift};

/// The `VirtualService` resource.
pub fn virtual_service_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("networking.istio.io", "v1", "VirtualService"),
        "virtualservices",
    )
}

/// A route destination: a host and, when stable and canary share the
/// host, a subset of its `DestinationRule`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IstioDestination {
    /// The host as the VirtualService names it (`web`, or
    /// `web.prod.svc.cluster.local`: short names are read in the
    /// VirtualService's namespace, as Istio reads them).
    pub host: String,
    /// The subset, if any.
    pub subset: Option<String>,
}

impl IstioDestination {
    /// A host without a subset.
    pub fn host(host: &str) -> Self {
        IstioDestination {
            host: host.to_owned(),
            subset: None,
        }
    }

    /// A subset of a host.
    pub fn subset(host: &str, subset: &str) -> Self {
        IstioDestination {
            host: host.to_owned(),
            subset: Some(subset.to_owned()),
        }
    }

    fn label(&self) -> String {
        match &self.subset {
            Some(subset) => format!("{}/{subset}", self.host),
            None => self.host.clone(),
        }
    }
}

/// Shifts a `VirtualService`'s weights.
#[derive(Clone)]
pub struct VirtualServiceShifter {
    client: Client,
    namespace: String,
    name: String,
    stable: IstioDestination,
    canary: IstioDestination,
}

impl VirtualServiceShifter {
    /// The VirtualService `namespace/name` splitting between `stable` and
    /// `canary`.
    pub fn new(
        client: Client,
        namespace: &str,
        name: &str,
        stable: IstioDestination,
        canary: IstioDestination,
    ) -> Self {
        VirtualServiceShifter {
            client,
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            stable,
            canary,
        }
    }
}

impl TrafficShifter for VirtualServiceShifter {
    fn describe(&self) -> String {
        format!("VirtualService {}/{}", self.namespace, self.name)
    }

    fn set_canary_weight(&self, weight: Weight) -> BoxFuture<'_, Result<Shifted, ShiftError>> {
        Box::pin(async move {
            let target = self.describe();
            let resource = virtual_service_resource();
            shift(
                &self.client,
                &resource,
                &self.namespace,
                &self.name,
                &target,
                |vs| set_virtual_service_weights(vs, &self.stable, &self.canary, weight),
            )
            .await
            .map_err(|err| err.into_shift_error(target.clone()))
        })
    }
}

/// A host as Istio resolves it from a VirtualService in `namespace`: a
/// short name (no dot) is a Service of that namespace.
pub fn canonical_host(host: &str, namespace: &str) -> String {
    if host.contains('.') || host.contains('*') {
        host.to_owned()
    } else {
        format!("{host}.{namespace}.svc.cluster.local")
    }
}

/// Set the weights in every HTTP route of `vs` whose destinations include
/// both `stable` and `canary`; an error says what is missing and leaves
/// `vs` as it was. Istio wants a route's weights to add up to 100, so
/// such a route may have no other destinations.
pub fn set_virtual_service_weights(
    vs: &mut Value,
    stable: &IstioDestination,
    canary: &IstioDestination,
    weight: Weight,
) -> Result<WeightChange, String> {
    let namespace = vs
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let same = |a: &IstioDestination, b: &IstioDestination| {
        canonical_host(&a.host, &namespace) == canonical_host(&b.host, &namespace)
            && a.subset == b.subset
    };
    if same(stable, canary) {
        return Err(format!(
            "the stable and canary destinations are the same ({}); give each a subset or its own host",
            stable.label()
        ));
    }
    let mut work = vs.clone();
    let Some(routes) = work.pointer_mut("/spec/http").and_then(Value::as_array_mut) else {
        return Err("it has no http routes".to_owned());
    };
    let destination = |d: &Value| IstioDestination {
        host: d
            .pointer("/destination/host")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        subset: d
            .pointer("/destination/subset")
            .and_then(Value::as_str)
            .map(str::to_owned),
    };
    let mut before = None;
    let mut changed = false;
    let mut listed = Vec::new();
    for (index, route) in routes.iter_mut().enumerate() {
        let Some(destinations) = route.get_mut("route").and_then(Value::as_array_mut) else {
            continue;
        };
        let here: Vec<IstioDestination> = destinations.iter().map(destination).collect();
        listed.push(
            here.iter()
                .map(IstioDestination::label)
                .collect::<Vec<_>>()
                .join(", "),
        );
        if !(here.iter().any(|d| same(d, stable)) && here.iter().any(|d| same(d, canary))) {
            continue;
        }
        let others: Vec<String> = here
            .iter()
            .filter(|d| !same(d, stable) && !same(d, canary))
            .map(IstioDestination::label)
            .collect();
        if !others.is_empty() {
            return Err(format!(
                "http route {index} also sends traffic to {}; gantry shifts between exactly {} and {}",
                others.join(", "),
                stable.label(),
                canary.label()
            ));
        }
        let mut old = (0, 0);
        for d in destinations.iter_mut() {
            let current = d.get("weight").and_then(Value::as_i64);
            let (want, slot) = if same(&destination(d), canary) {
                (i64::from(weight.canary()), &mut old.0)
            } else {
                (i64::from(weight.stable()), &mut old.1)
            };
            // An unset weight is 0 next to another destination.
            *slot += current.unwrap_or(0);
            if current != Some(want) {
                d["weight"] = json!(want);
                changed = true;
            }
        }
        before.get_or_insert(old);
    }
    let Some((canary_before, stable_before)) = before else {
        return Err(format!(
            "no http route sends traffic to both {} and {} (routes' destinations: {})",
            stable.label(),
            canary.label(),
            if listed.is_empty() {
                "none".to_owned()
            } else {
                listed.join("; ")
            }
        ));
    };
    *vs = work;
    Ok(WeightChange {
        now: format!(
            "{} {}, {} {}",
            canary.label(),
            weight.canary(),
            stable.label(),
            weight.stable()
        ),
        before: format!("{canary_before}/{stable_before}"),
        changed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vs(http: Value) -> Value {
        json!({"metadata": {"name": "web", "namespace": "prod"}, "spec": {"hosts": ["web"], "http": http}})
    }

    fn dest(host: &str, subset: Option<&str>, weight: Option<i64>) -> Value {
        let mut d = json!({"destination": {"host": host}});
        if let Some(subset) = subset {
            d["destination"]["subset"] = json!(subset);
        }
        if let Some(weight) = weight {
            d["weight"] = json!(weight);
        }
        d
    }

    #[test]
    fn subsets_of_one_host() {
        let stable = IstioDestination::subset("web", "stable");
        let canary = IstioDestination::subset("web.prod.svc.cluster.local", "canary");
        let w = |p| Weight::new(p).unwrap();
        let cases = [
            (Some(100), None, w(20), true, "0/100", (80, 20)),
            (Some(80), Some(20), w(20), false, "20/80", (80, 20)),
            (Some(50), Some(50), w(0), true, "50/50", (100, 0)),
            (Some(0), Some(100), w(100), false, "100/0", (0, 100)),
        ];
        for (s, c, weight, changed, before, (sw, cw)) in cases {
            let mut object = vs(json!([{"name": "main", "route": [
                dest("web", Some("stable"), s), dest("web", Some("canary"), c)]}]));
            let change =
                set_virtual_service_weights(&mut object, &stable, &canary, weight).unwrap();
            assert_eq!(
                (change.changed, change.before.as_str()),
                (changed, before),
                "{weight}"
            );
            let route = &object["spec"]["http"][0]["route"];
            assert_eq!(
                (route[0]["weight"].as_i64(), route[1]["weight"].as_i64()),
                (Some(sw), Some(cw))
            );
            assert_eq!(route[0]["destination"]["subset"], "stable");
        }
    }

    #[test]
    fn two_hosts_and_other_routes() {
        let stable = IstioDestination::host("web-stable");
        let canary = IstioDestination::host("web-canary");
        let admin = json!({"name": "admin", "match": [{"uri": {"prefix": "/admin"}}], "route": [dest("admin", None, None)]});
        let mut object = vs(
            json!([admin.clone(), {"route": [dest("web-stable", None, Some(100)), dest("web-canary", None, Some(0))]}]),
        );
        let change =
            set_virtual_service_weights(&mut object, &stable, &canary, Weight::new(30).unwrap())
                .unwrap();
        assert!(change.changed);
        assert_eq!(change.now, "web-canary 30, web-stable 70");
        assert_eq!(object["spec"]["http"][0], admin);
        assert_eq!(object["spec"]["http"][1]["route"][1]["weight"], 30);
    }

    #[test]
    fn errors() {
        let stable = IstioDestination::subset("web", "stable");
        let canary = IstioDestination::subset("web", "canary");
        let w = Weight::new(10).unwrap();
        let cases = [
            (
                vs(json!([{"route": [dest("web", Some("stable"), Some(100))]}])),
                "no http route sends traffic to both web/stable and web/canary (routes' destinations: web/stable)",
            ),
            (
                vs(
                    json!([{"route": [dest("web", Some("stable"), Some(90)), dest("web", Some("canary"), Some(5)), dest("web", Some("old"), Some(5))]}]),
                ),
                "also sends traffic to web/old",
            ),
            (
                vs(
                    json!([{"route": [dest("web.other.svc.cluster.local", Some("stable"), None), dest("web", Some("canary"), None)]}]),
                ),
                "no http route",
            ),
            (vs(json!([])), "destinations: none"),
            (
                json!({"metadata": {"namespace": "prod"}, "spec": {"tcp": []}}),
                "it has no http routes",
            ),
        ];
        for (mut object, words) in cases {
            let before = object.clone();
            let err = set_virtual_service_weights(&mut object, &stable, &canary, w).unwrap_err();
            assert!(err.contains(words), "{words}: {err}");
            assert_eq!(object, before);
        }
        let err = set_virtual_service_weights(
            &mut vs(json!([])),
            &stable,
            &IstioDestination::subset("web.prod.svc.cluster.local", "stable"),
            w,
        )
        .unwrap_err();
        assert!(err.contains("are the same"), "{err}");
        assert_eq!(canonical_host("web", "prod"), "web.prod.svc.cluster.local");
        assert_eq!(canonical_host("web.example.com", "prod"), "web.example.com");
    }
}
