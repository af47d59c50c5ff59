//! What the integration tests share: a fake API server with a client on
//! it, and the objects they create.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use gantry_kube::{Client, WorkloadRef};
use gantry_test_support::kube::FakeKube;
use serde_json::{Value, json};

pub(crate) const NS: &str = "prod";
pub(crate) const SETTLE: Duration = Duration::from_secs(20);

/// A fake cluster with namespace `prod` and a client on it.
pub(crate) async fn cluster() -> (FakeKube, Client) {
    let fake = FakeKube::start().unwrap();
    // Created unless the fake starts with it.
    let _ = fake.create(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}));
    let client = gantry_kube::connect(Some(fake.kubeconfig()), None)
        .await
        .unwrap();
    (fake, client)
}

/// A Deployment `name` in `prod` running `image` in container `web`.
pub(crate) fn deployment(name: &str, image: &str, replicas: i32) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": NS, "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "web", "image": image, "ports": [{"containerPort": 8080}]}]},
            },
        },
    })
}

pub(crate) fn web() -> WorkloadRef {
    WorkloadRef::deployment(NS, "web")
}

/// Create `object` and let the fake's controllers catch up.
pub(crate) fn create_settled(fake: &FakeKube, object: Value) -> Value {
    let created = fake.create(object).unwrap();
    assert!(fake.settle(SETTLE), "the fake did not settle");
    created
}

/// The methods and paths of the writes the fake received.
pub(crate) fn writes(fake: &FakeKube) -> Vec<String> {
    fake.requests()
        .into_iter()
        .filter(|r| matches!(r.method.as_str(), "PUT" | "PATCH" | "POST" | "DELETE"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// The images of a stored Deployment's containers.
pub(crate) fn images(fake: &FakeKube, name: &str) -> Vec<String> {
    let d = fake.get("Deployment", NS, name).unwrap();
    d["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["image"].as_str().unwrap().to_owned())
        .collect()
}

/// The revisions of the ReplicaSets of Deployment `name`, with their
/// images, oldest first.
pub(crate) fn history(fake: &FakeKube, name: &str) -> Vec<(i64, String)> {
    let mut revisions: Vec<(i64, String)> = fake
        .list("ReplicaSet", NS)
        .into_iter()
        .filter(|rs| rs["metadata"]["ownerReferences"][0]["name"] == name)
        .map(|rs| {
            let revision = rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            let image = rs["spec"]["template"]["spec"]["containers"][0]["image"]
                .as_str()
                .unwrap()
                .to_owned();
            (revision, image)
        })
        .collect();
    revisions.sort();
    revisions
}
