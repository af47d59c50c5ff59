//! The traffic shifters against objects in the fake, read back field by
//! field.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{NS, SETTLE, cluster, deployment, writes};
use gantry_kube::traffic::{
    CANARY_ANNOTATION, CANARY_WEIGHT_ANNOTATION, HttpRouteShifter, IstioDestination,
    NginxCanaryShifter, ReplicaShifter, VirtualServiceShifter,
};
use gantry_test_support::fault_server::Fault;
use gantry_test_support::kube::FakeKube;
use gantry_traffic::{TrafficShifter, Weight};
use serde_json::{Value, json};

fn w(percent: u8) -> Weight {
    Weight::new(percent).unwrap()
}

fn writes_to(fake: &FakeKube, path: &str) -> usize {
    writes(fake).iter().filter(|w| w.contains(path)).count()
}

fn http_route() -> Value {
    json!({
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
        "metadata": {"name": "web", "namespace": NS},
        "spec": {
            "parentRefs": [{"name": "gateway"}],
            "hostnames": ["web.example.com"],
            "rules": [
                {"matches": [{"path": {"type": "PathPrefix", "value": "/admin"}}],
                 "backendRefs": [{"name": "admin", "port": 80}]},
                {"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                 "backendRefs": [{"name": "web-stable", "port": 80, "weight": 100},
                                 {"name": "web-canary", "port": 80, "weight": 0}]},
            ],
        },
    })
}

fn route_weights(fake: &FakeKube) -> (Value, Value) {
    let route = fake.get("HTTPRoute", NS, "web").unwrap();
    let refs = &route["spec"]["rules"][1]["backendRefs"];
    assert_eq!(refs[0]["name"], "web-stable");
    assert_eq!(refs[1]["name"], "web-canary");
    assert_eq!(
        route["spec"]["rules"][0]["backendRefs"],
        json!([{"name": "admin", "port": 80}])
    );
    assert_eq!(route["spec"]["hostnames"], json!(["web.example.com"]));
    (refs[0]["weight"].clone(), refs[1]["weight"].clone())
}

#[tokio::test]
async fn http_route_weights() {
    let (fake, client) = cluster().await;
    fake.create(http_route()).unwrap();
    let shifter = HttpRouteShifter::new(client, NS, "web", "web-stable", "web-canary");
    assert_eq!(shifter.describe(), "HTTPRoute prod/web");

    let shifted = shifter.set_canary_weight(w(25)).await.unwrap();
    assert!(shifted.changed);
    assert_eq!(
        shifted.detail,
        "HTTPRoute prod/web: web-canary 25, web-stable 75 (was 0/100)"
    );
    assert_eq!(route_weights(&fake), (json!(75), json!(25)));

    let again = shifter.set_canary_weight(w(25)).await.unwrap();
    assert!(!again.changed);
    assert_eq!(
        again.detail,
        "HTTPRoute prod/web: already web-canary 25, web-stable 75"
    );
    assert_eq!(writes_to(&fake, "/httproutes/web"), 1);

    shifter.set_canary_weight(Weight::FULL).await.unwrap();
    assert_eq!(route_weights(&fake), (json!(0), json!(100)));
    shifter.set_canary_weight(Weight::ZERO).await.unwrap();
    assert_eq!(route_weights(&fake), (json!(100), json!(0)));
}

#[tokio::test]
async fn http_route_errors_are_input_and_write_nothing() {
    let (fake, client) = cluster().await;
    fake.create(http_route()).unwrap();
    let wrong = HttpRouteShifter::new(client.clone(), NS, "web", "web-stable", "web-preview");
    let err = wrong.set_canary_weight(w(10)).await.unwrap_err();
    assert!(err.is_input_error(), "{err}");
    assert!(err.to_string().starts_with("HTTPRoute prod/web: "), "{err}");
    assert!(
        err.to_string().contains("no backendRef to web-preview"),
        "{err}"
    );

    let missing = HttpRouteShifter::new(client, NS, "api", "web-stable", "web-canary");
    let err = missing.set_canary_weight(w(10)).await.unwrap_err();
    assert!(err.is_input_error(), "{err}");
    assert!(err.to_string().contains("not found"), "{err}");
    assert_eq!(writes_to(&fake, "/httproutes/"), 0, "{:?}", writes(&fake));
    assert_eq!(route_weights(&fake), (json!(100), json!(0)));
}

#[tokio::test]
async fn conflicts_and_server_errors_are_retried() {
    let (fake, client) = cluster().await;
    fake.create(http_route()).unwrap();
    let shifter = HttpRouteShifter::new(client, NS, "web", "web-stable", "web-canary");
    fake.conflict_next_writes(2);
    fake.inject("GET", "/httproutes/web", 2, Fault::status(503));
    let shifted = shifter.set_canary_weight(w(50)).await.unwrap();
    assert!(shifted.changed);
    assert_eq!(route_weights(&fake), (json!(50), json!(50)));
    let puts: Vec<u16> = fake
        .requests()
        .iter()
        .filter(|r| r.method == "PUT" && r.path.ends_with("/httproutes/web"))
        .map(|r| r.status)
        .collect();
    assert_eq!(puts, [409, 409, 200]);

    // A server that keeps failing is an outside failure.
    fake.inject("GET", "/httproutes/web", 100, Fault::status(500));
    let err = shifter.set_canary_weight(w(60)).await.unwrap_err();
    assert!(!err.is_input_error(), "{err}");
    assert!(err.to_string().contains("HTTP 500"), "{err}");
    assert_eq!(route_weights(&fake), (json!(50), json!(50)));
}

#[tokio::test]
async fn nginx_canary_weight() {
    let (fake, client) = cluster().await;
    let ingress = |name: &str, annotations: Value| {
        json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": name, "namespace": NS, "annotations": annotations},
            "spec": {"ingressClassName": "nginx", "rules": [{"host": "web.example.com", "http": {"paths": [
                {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": name, "port": {"number": 80}}}}]}}]},
        })
    };
    fake.create(ingress("web", json!({}))).unwrap();
    fake.create(ingress(
        "web-canary",
        json!({CANARY_ANNOTATION: "true", "team": "a"}),
    ))
    .unwrap();

    let shifter = NginxCanaryShifter::new(client.clone(), NS, "web-canary");
    let shifted = shifter.set_canary_weight(w(10)).await.unwrap();
    assert!(shifted.changed);
    assert_eq!(
        shifted.detail,
        "Ingress prod/web-canary: canary-weight 10/90 (was 0/100)"
    );
    let stored = fake.get("Ingress", NS, "web-canary").unwrap();
    assert_eq!(
        stored["metadata"]["annotations"],
        json!({CANARY_ANNOTATION: "true", "team": "a", CANARY_WEIGHT_ANNOTATION: "10"})
    );
    assert_eq!(stored["spec"]["rules"][0]["host"], "web.example.com");
    assert!(!shifter.set_canary_weight(w(10)).await.unwrap().changed);
    shifter.set_canary_weight(Weight::ZERO).await.unwrap();
    let stored = fake.get("Ingress", NS, "web-canary").unwrap();
    assert_eq!(
        stored["metadata"]["annotations"][CANARY_WEIGHT_ANNOTATION],
        "0"
    );
    assert_eq!(writes_to(&fake, "/ingresses/web-canary"), 2);

    // The main Ingress is not a canary: refused, untouched.
    let main = NginxCanaryShifter::new(client, NS, "web");
    let err = main.set_canary_weight(w(10)).await.unwrap_err();
    assert!(err.is_input_error(), "{err}");
    assert!(
        err.to_string().contains("not an NGINX canary Ingress"),
        "{err}"
    );
    assert!(
        !writes(&fake).iter().any(|w| w.ends_with("/ingresses/web")),
        "{:?}",
        writes(&fake)
    );
    assert_eq!(
        fake.get("Ingress", NS, "web").unwrap()["metadata"]["annotations"],
        json!({})
    );
}

#[tokio::test]
async fn istio_virtual_service_weights() {
    let (fake, client) = cluster().await;
    fake.create(json!({
        "apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
        "metadata": {"name": "web", "namespace": NS},
        "spec": {"hosts": ["web"], "http": [{"name": "main", "route": [
            {"destination": {"host": "web", "subset": "stable"}, "weight": 100},
            {"destination": {"host": "web", "subset": "canary"}, "weight": 0}]}]},
    }))
    .unwrap();
    let shifter = VirtualServiceShifter::new(
        client.clone(),
        NS,
        "web",
        IstioDestination::subset("web", "stable"),
        IstioDestination::subset("web", "canary"),
    );
    let shifted = shifter.set_canary_weight(w(20)).await.unwrap();
    assert_eq!(
        shifted.detail,
        "VirtualService prod/web: web/canary 20, web/stable 80 (was 0/100)"
    );
    let stored = fake.get("VirtualService", NS, "web").unwrap();
    let route = &stored["spec"]["http"][0]["route"];
    assert_eq!(
        route[0],
        json!({"destination": {"host": "web", "subset": "stable"}, "weight": 80})
    );
    assert_eq!(
        route[1],
        json!({"destination": {"host": "web", "subset": "canary"}, "weight": 20})
    );
    assert_eq!(stored["spec"]["hosts"], json!(["web"]));
    assert!(!shifter.set_canary_weight(w(20)).await.unwrap().changed);
    assert_eq!(writes_to(&fake, "/virtualservices/web"), 1);

    let wrong = VirtualServiceShifter::new(
        client,
        NS,
        "web",
        IstioDestination::subset("web", "stable"),
        IstioDestination::subset("web", "preview"),
    );
    let err = wrong.set_canary_weight(w(20)).await.unwrap_err();
    assert!(err.is_input_error(), "{err}");
    assert_eq!(writes_to(&fake, "/virtualservices/web"), 1);
}

#[tokio::test]
async fn replica_ratio() {
    let (fake, client) = cluster().await;
    fake.create(deployment("web-stable", "ghcr.io/org/web:1.0", 4))
        .unwrap();
    fake.create(deployment("web-canary", "ghcr.io/org/web:1.1", 0))
        .unwrap();
    assert!(fake.settle(SETTLE));
    let replicas =
        |name: &str| fake.get("Deployment", NS, name).unwrap()["spec"]["replicas"].clone();
    let shifter = ReplicaShifter::new(client.clone(), NS, "web-stable", "web-canary");
    assert_eq!(
        shifter.describe(),
        "Deployments prod/web-stable + prod/web-canary"
    );

    let shifted = shifter.set_canary_weight(w(10)).await.unwrap();
    assert_eq!(
        shifted.detail,
        "Deployments prod/web-stable + prod/web-canary: web-canary 1, web-stable 3 of 4 replicas (was 0/4)"
    );
    assert_eq!(
        (replicas("web-stable"), replicas("web-canary")),
        (json!(3), json!(1))
    );
    assert!(!shifter.set_canary_weight(w(10)).await.unwrap().changed);
    shifter.set_canary_weight(w(50)).await.unwrap();
    assert_eq!(
        (replicas("web-stable"), replicas("web-canary")),
        (json!(2), json!(2))
    );
    shifter.set_canary_weight(Weight::ZERO).await.unwrap();
    assert_eq!(
        (replicas("web-stable"), replicas("web-canary")),
        (json!(4), json!(0))
    );
    // The images are untouched.
    assert_eq!(common::images(&fake, "web-canary"), ["ghcr.io/org/web:1.1"]);

    let missing = ReplicaShifter::new(client, NS, "web-stable", "api-canary");
    let before = writes(&fake).len();
    let err = missing.set_canary_weight(w(10)).await.unwrap_err();
    assert!(err.is_input_error(), "{err}");
    assert!(
        err.to_string()
            .contains("deployment prod/api-canary not found"),
        "{err}"
    );
    assert_eq!(writes(&fake).len(), before);
}
