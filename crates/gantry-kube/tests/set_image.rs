//! `set_image` against the fake.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{NS, cluster, create_settled, deployment, images, web, writes};
use gantry_kube::{CHANGE_CAUSE, KubeError, WorkloadRef, set_image};
use serde_json::json;

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(c, i)| ((*c).to_owned(), (*i).to_owned()))
        .collect()
}

#[tokio::test]
async fn a_new_image_is_written_with_its_change_cause() {
    let (fake, client) = cluster().await;
    create_settled(&fake, deployment("web", "ghcr.io/org/web:1.0", 2));
    let outcome = set_image(
        &client,
        &web(),
        &pairs(&[("web", "ghcr.io/org/web:1.1")]),
        Some("deploy 1.1 (run 42)"),
    )
    .await
    .unwrap();
    assert!(outcome.changed());
    assert_eq!(
        outcome.to_string(),
        "deployment prod/web: web ghcr.io/org/web:1.0 -> ghcr.io/org/web:1.1"
    );
    assert_eq!(images(&fake, "web"), ["ghcr.io/org/web:1.1"]);
    let stored = fake.get("Deployment", NS, "web").unwrap();
    assert_eq!(
        stored["metadata"]["annotations"][CHANGE_CAUSE],
        "deploy 1.1 (run 42)"
    );
    // The rest of the object is as it was.
    assert_eq!(stored["spec"]["replicas"], 2);
    assert_eq!(
        stored["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"],
        8080
    );
    assert_eq!(
        writes(&fake)
            .iter()
            .filter(|w| w.contains("/deployments/web"))
            .count(),
        1,
        "{:?}",
        writes(&fake)
    );
    assert!(fake.settle(common::SETTLE));
    assert_eq!(
        common::history(&fake, "web").last().unwrap(),
        &(2, "ghcr.io/org/web:1.1".to_owned())
    );
}

#[tokio::test]
async fn the_same_image_writes_nothing() {
    let (fake, client) = cluster().await;
    create_settled(&fake, deployment("web", "ghcr.io/org/web:1.0", 1));
    let before = fake.get("Deployment", NS, "web").unwrap();
    let outcome = set_image(
        &client,
        &web(),
        &pairs(&[("*", "ghcr.io/org/web:1.0")]),
        Some("again"),
    )
    .await
    .unwrap();
    assert!(!outcome.changed());
    assert_eq!(
        outcome.to_string(),
        "deployment prod/web: images already set, nothing to change"
    );
    assert!(
        writes(&fake).iter().all(|w| !w.contains("/deployments/")),
        "{:?}",
        writes(&fake)
    );
    let after = fake.get("Deployment", NS, "web").unwrap();
    assert_eq!(
        after["metadata"]["resourceVersion"],
        before["metadata"]["resourceVersion"]
    );
    assert!(after["metadata"]["annotations"].get(CHANGE_CAUSE).is_none());
}

#[tokio::test]
async fn init_containers_and_star() {
    let (fake, client) = cluster().await;
    let mut d = deployment("web", "ghcr.io/org/web:1.0", 1);
    d["spec"]["template"]["spec"]["initContainers"] =
        json!([{"name": "migrate", "image": "ghcr.io/org/web:1.0"}]);
    create_settled(&fake, d);
    set_image(
        &client,
        &web(),
        &pairs(&[("*", "ghcr.io/org/web:2.0")]),
        None,
    )
    .await
    .unwrap();
    let stored = fake.get("Deployment", NS, "web").unwrap();
    assert_eq!(
        stored["spec"]["template"]["spec"]["initContainers"][0]["image"],
        "ghcr.io/org/web:2.0"
    );
    assert_eq!(
        stored["spec"]["template"]["spec"]["containers"][0]["image"],
        "ghcr.io/org/web:2.0"
    );
}

#[tokio::test]
async fn an_unknown_container_is_an_input_error_and_writes_nothing() {
    let (fake, client) = cluster().await;
    create_settled(&fake, deployment("web", "ghcr.io/org/web:1.0", 1));
    let err = set_image(
        &client,
        &web(),
        &pairs(&[("app", "ghcr.io/org/web:1.1")]),
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "deployment prod/web has no container named \"app\" (containers: web)"
    );
    assert!(err.is_input_error());
    let missing = WorkloadRef::deployment(NS, "api");
    let err = set_image(&client, &missing, &pairs(&[("web", "x:1")]), None)
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "deployment prod/api not found");
    assert!(err.is_input_error());
    assert!(
        writes(&fake).iter().all(|w| !w.contains("/deployments/")),
        "{:?}",
        writes(&fake)
    );
    assert_eq!(images(&fake, "web"), ["ghcr.io/org/web:1.0"]);
}

#[tokio::test]
async fn conflicts_are_read_again_and_converge() {
    let (fake, client) = cluster().await;
    create_settled(&fake, deployment("web", "ghcr.io/org/web:1.0", 1));
    fake.conflict_next_writes(2);
    let outcome = set_image(
        &client,
        &web(),
        &pairs(&[("web", "ghcr.io/org/web:1.1")]),
        Some("c"),
    )
    .await
    .unwrap();
    assert!(outcome.changed());
    assert_eq!(images(&fake, "web"), ["ghcr.io/org/web:1.1"]);
    let statuses: Vec<u16> = fake
        .requests()
        .iter()
        .filter(|r| r.method == "PUT" && r.path.ends_with("/deployments/web"))
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [409, 409, 200]);
}

#[tokio::test]
async fn throttled_and_failing_writes_are_retried() {
    let (fake, client) = cluster().await;
    create_settled(&fake, deployment("web", "ghcr.io/org/web:1.0", 1));
    fake.inject(
        "PUT",
        "/deployments/web",
        1,
        gantry_test_support::kube::too_many_requests(1),
    );
    fake.inject(
        "PUT",
        "/deployments/web",
        1,
        gantry_test_support::kube::service_unavailable(),
    );
    set_image(
        &client,
        &web(),
        &pairs(&[("web", "ghcr.io/org/web:1.1")]),
        None,
    )
    .await
    .unwrap();
    assert_eq!(images(&fake, "web"), ["ghcr.io/org/web:1.1"]);
    let statuses: Vec<u16> = fake
        .requests()
        .iter()
        .filter(|r| r.method == "PUT")
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [429, 503, 200]);

    // Past the retries, a 5xx is an outside failure, and names the object.
    fake.inject(
        "PUT",
        "/deployments/web",
        10,
        gantry_test_support::kube::internal_error("etcd is down"),
    );
    let err = set_image(
        &client,
        &web(),
        &pairs(&[("web", "ghcr.io/org/web:1.2")]),
        None,
    )
    .await
    .unwrap_err();
    assert!(!err.is_input_error());
    assert_eq!(
        err.to_string(),
        "deployment prod/web: the API server answered HTTP 500: Internal error occurred: etcd is down"
    );
    assert_eq!(images(&fake, "web"), ["ghcr.io/org/web:1.1"]);
}

#[tokio::test]
async fn conflicts_without_end_give_up() {
    let (fake, client) = cluster().await;
    create_settled(&fake, deployment("web", "ghcr.io/org/web:1.0", 1));
    fake.conflict_next_writes(100);
    let err = set_image(
        &client,
        &web(),
        &pairs(&[("web", "ghcr.io/org/web:1.1")]),
        None,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, KubeError::Conflict { attempts: 5, .. }),
        "{err:?}"
    );
    assert!(!err.is_input_error());
}
