//! `wait_for_rollout` against the fake's deployment controller.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{NS, cluster, create_settled, deployment, web, writes};
use gantry_kube::{KubeError, RolloutOutcome, WorkloadRef, wait_for_rollout};
use serde_json::json;

const POLL: Duration = Duration::from_millis(200);

#[tokio::test]
async fn a_good_image_rolls_out() {
    let (fake, client) = cluster().await;
    fake.create(deployment("web", "ghcr.io/org/web:1.0", 3))
        .unwrap();
    let report = wait_for_rollout(&client, &web(), Duration::from_secs(30), POLL)
        .await
        .unwrap();
    assert_eq!(report.outcome, RolloutOutcome::Done, "{report:?}");
    assert_eq!(report.message, "deployment \"web\" successfully rolled out");
    assert!(report.unhealthy_pods.is_empty());
    assert_eq!(report.workload, web());
    assert!(
        writes(&fake)
            .iter()
            .all(|w| !w.contains("/apis/apps/v1/namespaces/prod/deployments")),
        "{:?}",
        writes(&fake)
    );
}

#[tokio::test]
async fn a_crash_looping_image_exceeds_its_progress_deadline() {
    let (fake, client) = cluster().await;
    let mut bad = deployment("web", "ghcr.io/org/web:crash", 2);
    bad["spec"]["progressDeadlineSeconds"] = json!(1);
    fake.create(bad).unwrap();
    let report = wait_for_rollout(&client, &web(), Duration::from_secs(30), POLL)
        .await
        .unwrap();
    assert_eq!(report.outcome, RolloutOutcome::Failed, "{report:?}");
    assert_eq!(
        report.message,
        "deployment \"web\" exceeded its progress deadline"
    );
    let pods: Vec<String> = fake
        .list("Pod", NS)
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(report.unhealthy_pods.len(), 2, "{report:?}");
    for problem in &report.unhealthy_pods {
        assert!(
            pods.contains(&problem.pod),
            "{} not in {pods:?}",
            problem.pod
        );
        assert!(problem.pod.starts_with("web-"), "{problem}");
        assert_eq!(problem.reason, "CrashLoopBackOff", "{problem}");
        assert_eq!(problem.container.as_deref(), Some("web"));
        assert!(
            problem
                .to_string()
                .contains("CrashLoopBackOff (container web"),
            "{problem}"
        );
    }
}

#[tokio::test]
async fn only_the_new_revisions_pods_are_blamed() {
    let (fake, client) = cluster().await;
    create_settled(&fake, deployment("web", "ghcr.io/org/web:1.0", 2));
    gantry_kube::set_image(
        &client,
        &web(),
        &[("web".to_owned(), "ghcr.io/org/web:pull-error".to_owned())],
        None,
    )
    .await
    .unwrap();
    let report = wait_for_rollout(&client, &web(), Duration::from_secs(3), POLL)
        .await
        .unwrap();
    assert_ne!(report.outcome, RolloutOutcome::Done, "{report:?}");
    assert!(!report.unhealthy_pods.is_empty(), "{report:?}");
    let old_pods: Vec<String> = fake
        .list("Pod", NS)
        .iter()
        .filter(|p| p["spec"]["containers"][0]["image"] == "ghcr.io/org/web:1.0")
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_owned())
        .collect();
    for problem in &report.unhealthy_pods {
        assert!(!old_pods.contains(&problem.pod), "{problem} is an old pod");
        assert!(
            ["ImagePullBackOff", "ErrImagePull"].contains(&problem.reason.as_str()),
            "{problem}"
        );
    }
}

#[tokio::test]
async fn a_rollout_that_never_gets_ready_times_out() {
    let (fake, client) = cluster().await;
    fake.image_behaviour("never", gantry_test_support::kube::PodBehaviour::NeverReady);
    fake.create(deployment("web", "ghcr.io/org/web:never", 1))
        .unwrap();
    let report = wait_for_rollout(&client, &web(), Duration::from_millis(800), POLL)
        .await
        .unwrap();
    assert_eq!(report.outcome, RolloutOutcome::TimedOut, "{report:?}");
    assert!(
        report
            .message
            .starts_with("Waiting for deployment \"web\" rollout to finish"),
        "{report:?}"
    );
    assert_eq!(report.unhealthy_pods.len(), 1, "{report:?}");
    assert_eq!(report.unhealthy_pods[0].reason, "NotReady");
}

#[tokio::test]
async fn a_missing_deployment_is_an_input_error() {
    let (fake, client) = cluster().await;
    let err = wait_for_rollout(&client, &web(), Duration::from_secs(1), POLL)
        .await
        .unwrap_err();
    assert!(matches!(err, KubeError::NotFound { .. }), "{err:?}");
    assert_eq!(err.to_string(), "deployment prod/web not found");
    assert!(err.is_input_error());
    // A namespace that does not exist reads the same way.
    let elsewhere = WorkloadRef::deployment("staging", "web");
    let err = wait_for_rollout(&client, &elsewhere, Duration::from_secs(1), POLL)
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "deployment staging/web not found");
    assert!(writes(&fake).iter().all(|w| !w.contains("deployments")));
}

#[tokio::test]
async fn on_delete_stateful_sets_are_not_followed() {
    let (fake, client) = cluster().await;
    fake.create(json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": NS},
        "spec": {"replicas": 1, "serviceName": "db", "updateStrategy": {"type": "OnDelete"},
            "selector": {"matchLabels": {"app": "db"}},
            "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db", "image": "postgres:16"}]}}},
    }))
    .unwrap();
    let db = WorkloadRef::parse("sts/db", NS).unwrap();
    let err = wait_for_rollout(&client, &db, Duration::from_secs(1), POLL)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "statefulset prod/db: rollout status is only available for RollingUpdate strategy type"
    );
    assert!(err.is_input_error());
}

#[tokio::test]
async fn stateful_sets_and_daemon_sets_roll_out() {
    let (fake, client) = cluster().await;
    let template = |app: &str| json!({"metadata": {"labels": {"app": app}}, "spec": {"containers": [{"name": app, "image": format!("ghcr.io/org/{app}:1")}]}});
    fake.create(json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": NS},
        "spec": {"replicas": 2, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}}, "template": template("db")},
    }))
    .unwrap();
    fake.create(json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "agent", "namespace": NS},
        "spec": {"selector": {"matchLabels": {"app": "agent"}}, "template": template("agent")},
    }))
    .unwrap();
    let db = WorkloadRef::parse("statefulset/db", NS).unwrap();
    let report = wait_for_rollout(&client, &db, Duration::from_secs(30), POLL)
        .await
        .unwrap();
    assert_eq!(report.outcome, RolloutOutcome::Done, "{report:?}");
    assert!(
        report.message == "partitioned roll out complete: 2 new pods have been updated..."
            || report
                .message
                .starts_with("statefulset rolling update complete 2 pods at revision "),
        "{report:?}"
    );
    let agent = WorkloadRef::parse("ds/agent", NS).unwrap();
    let report = wait_for_rollout(&client, &agent, Duration::from_secs(30), POLL)
        .await
        .unwrap();
    assert_eq!(report.outcome, RolloutOutcome::Done, "{report:?}");
    assert_eq!(
        report.message,
        "daemon set \"agent\" successfully rolled out"
    );
}
