//! `scale` against the fake: replicas written with the resourceVersion
//! read, a no-op when already there, refusals for what cannot be scaled.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{NS, cluster, create_settled, deployment, writes};
use gantry_kube::{KubeError, WorkloadKind, WorkloadRef, scale};

#[tokio::test]
async fn scale_down_and_again_is_a_no_op() {
    let (fake, client) = cluster().await;
    create_settled(&fake, deployment("web-canary", "ghcr.io/org/web:2.0", 3));
    let canary = WorkloadRef::deployment(NS, "web-canary");
    let outcome = scale(&client, &canary, 0).await.unwrap();
    assert_eq!((outcome.from, outcome.to, outcome.changed), (3, 0, true));
    assert_eq!(
        outcome.to_string(),
        "deployment prod/web-canary scaled from 3 to 0"
    );
    let stored = fake.get("Deployment", NS, "web-canary").unwrap();
    assert_eq!(stored["spec"]["replicas"], 0);
    let before = writes(&fake).len();
    let again = scale(&client, &canary, 0).await.unwrap();
    assert!(!again.changed);
    assert_eq!(
        again.to_string(),
        "deployment prod/web-canary already has 0 replica(s)"
    );
    assert_eq!(writes(&fake).len(), before, "nothing written");
    // A conflicting writer in between: read again, and it lands.
    fake.conflict_next_writes(2);
    let up = scale(&client, &canary, 2).await.unwrap();
    assert!(up.changed);
    assert_eq!(
        fake.get("Deployment", NS, "web-canary").unwrap()["spec"]["replicas"],
        2
    );
}

#[tokio::test]
async fn what_cannot_be_scaled_is_refused_before_writing() {
    let (fake, client) = cluster().await;
    let before = writes(&fake).len();
    let missing = scale(&client, &WorkloadRef::deployment(NS, "nope"), 0)
        .await
        .unwrap_err();
    assert!(matches!(missing, KubeError::NotFound { .. }), "{missing:?}");
    assert!(missing.is_input_error());
    let daemon = WorkloadRef {
        kind: WorkloadKind::DaemonSet,
        namespace: NS.to_owned(),
        name: "agent".to_owned(),
    };
    let refused = scale(&client, &daemon, 0).await.unwrap_err();
    assert!(
        refused.to_string().contains("no replica count"),
        "{refused}"
    );
    let negative = scale(&client, &WorkloadRef::deployment(NS, "web"), -1)
        .await
        .unwrap_err();
    assert!(negative.is_input_error(), "{negative}");
    assert_eq!(writes(&fake).len(), before);
}
