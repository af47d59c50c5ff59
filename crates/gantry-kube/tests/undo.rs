//! `undo` against the fake's deployment controller and its ReplicaSets.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{NS, SETTLE, cluster, create_settled, deployment, history, images, web, writes};
use gantry_kube::{CHANGE_CAUSE, Client, KubeError, UndoError, UndoTarget, set_image, undo};
use gantry_test_support::kube::FakeKube;
use serde_json::json;

const V1: &str = "ghcr.io/org/web:1.0";
const V2: &str = "ghcr.io/org/web:1.1";
const V3: &str = "ghcr.io/org/web:sha-abc1234";

/// `web` with revisions 1, 2 and 3 running V1, V2 and V3.
async fn three_revisions() -> (FakeKube, Client) {
    let (fake, client) = cluster().await;
    create_settled(&fake, deployment("web", V1, 2));
    for image in [V2, V3] {
        set_image(
            &client,
            &web(),
            &[("web".to_owned(), image.to_owned())],
            Some(&format!("deploy {image}")),
        )
        .await
        .unwrap();
        assert!(fake.settle(SETTLE));
    }
    assert_eq!(
        history(&fake, "web"),
        [(1, V1.to_owned()), (2, V2.to_owned()), (3, V3.to_owned())]
    );
    (fake, client)
}

fn writes_to_web(fake: &FakeKube) -> Vec<String> {
    writes(fake)
        .into_iter()
        .filter(|w| w.contains("/deployments/web"))
        .collect()
}

#[tokio::test]
async fn undo_goes_to_the_previous_revision() {
    let (fake, client) = three_revisions().await;
    let before = writes_to_web(&fake).len();
    let outcome = undo(&client, &web(), &UndoTarget::Previous).await.unwrap();
    assert_eq!((outcome.revision, outcome.changed), (2, true));
    assert_eq!(outcome.summary, "rolled back to revision 2");
    assert_eq!(images(&fake, "web"), [V2]);
    let stored = fake.get("Deployment", NS, "web").unwrap();
    let labels = &stored["spec"]["template"]["metadata"]["labels"];
    assert_eq!(
        labels,
        &json!({"app": "web"}),
        "the pod-template-hash label is not copied back"
    );
    assert_eq!(
        stored["metadata"]["annotations"][CHANGE_CAUSE],
        format!("deploy {V2}")
    );
    assert_eq!(writes_to_web(&fake).len(), before + 1);
    // The controller reuses revision 2's ReplicaSet as revision 4.
    assert!(fake.settle(SETTLE));
    assert_eq!(
        history(&fake, "web"),
        [(1, V1.to_owned()), (3, V3.to_owned()), (4, V2.to_owned())]
    );
    assert_eq!(
        stored["metadata"]["annotations"][gantry_kube::UNDONE_REVISION],
        "3",
        "the revision undone is marked"
    );
    // Undoing again does not toggle back to the bad revision 3 (kubectl
    // would): a rollback repeated is a no-op.
    let before = writes_to_web(&fake).len();
    let again = undo(&client, &web(), &UndoTarget::Previous).await.unwrap();
    assert_eq!((again.revision, again.changed), (4, false), "{again:?}");
    assert!(
        again.summary.contains("revision 3 was already undone"),
        "{again:?}"
    );
    assert_eq!(images(&fake, "web"), [V2]);
    assert_eq!(writes_to_web(&fake).len(), before);
    // Going further back takes a revision number.
    let further = undo(&client, &web(), &UndoTarget::Revision(1))
        .await
        .unwrap();
    assert_eq!((further.revision, further.changed), (1, true));
    assert_eq!(images(&fake, "web"), [V1]);
}

#[tokio::test]
async fn undo_to_a_revision_number_and_by_image() {
    let (fake, client) = three_revisions().await;
    let outcome = undo(&client, &web(), &UndoTarget::Revision(1))
        .await
        .unwrap();
    assert_eq!((outcome.revision, outcome.changed), (1, true));
    assert_eq!(images(&fake, "web"), [V1]);
    assert!(fake.settle(SETTLE));

    let outcome = undo(&client, &web(), &UndoTarget::Image("abc1234".to_owned()))
        .await
        .unwrap();
    assert_eq!((outcome.revision, outcome.changed), (3, true));
    assert_eq!(images(&fake, "web"), [V3]);
    assert!(fake.settle(SETTLE));

    let outcome = undo(&client, &web(), &UndoTarget::Image(V2.to_owned()))
        .await
        .unwrap();
    assert_eq!((outcome.revision, outcome.changed), (2, true));
    assert_eq!(images(&fake, "web"), [V2]);
}

#[tokio::test]
async fn undo_to_the_current_template_writes_nothing() {
    let (fake, client) = three_revisions().await;
    let before = writes_to_web(&fake);
    let outcome = undo(&client, &web(), &UndoTarget::Revision(3))
        .await
        .unwrap();
    assert!(!outcome.changed);
    assert_eq!(
        outcome.summary,
        "skipped rollback (current template already matches revision 3)"
    );
    let outcome = undo(&client, &web(), &UndoTarget::Image("1.1".to_owned())).await;
    assert!(
        outcome.unwrap().changed,
        "1.1 is revision 2, not the current one"
    );
    assert_eq!(writes_to_web(&fake).len(), before.len() + 1);
}

#[tokio::test]
async fn refusals_write_nothing() {
    let (fake, client) = three_revisions().await;
    let before = writes_to_web(&fake);

    let err = undo(&client, &web(), &UndoTarget::Revision(7))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "deployment prod/web: unable to find specified revision 7 in history (revisions: 1, 2, 3)"
    );
    assert!(err.is_input_error());

    let err = undo(&client, &web(), &UndoTarget::Image("9.9".to_owned()))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("no revision runs an image matching \"9.9\""),
        "{err}"
    );
    assert!(err.is_input_error());

    let missing = gantry_kube::WorkloadRef::deployment(NS, "api");
    let err = undo(&client, &missing, &UndoTarget::Previous)
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "deployment prod/api not found");

    assert_eq!(writes_to_web(&fake), before);
}

#[tokio::test]
async fn a_paused_deployment_is_refused() {
    let (fake, client) = three_revisions().await;
    // Pause it as `kubectl rollout pause` does: a patch through the API.
    let api: kube::Api<k8s_openapi::api::apps::v1::Deployment> =
        kube::Api::namespaced(client.clone(), NS);
    let patch = kube::api::Patch::Merge(json!({"spec": {"paused": true}}));
    api.patch("web", &kube::api::PatchParams::default(), &patch)
        .await
        .unwrap();
    let before = writes_to_web(&fake);
    let err = undo(&client, &web(), &UndoTarget::Previous)
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            KubeError::Undo {
                reason: UndoError::Paused { .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "deployment prod/web: you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume deployment/web' and try again"
    );
    assert!(err.is_input_error());
    assert_eq!(writes_to_web(&fake), before);
    assert_eq!(images(&fake, "web"), [V3]);
}

#[tokio::test]
async fn one_revision_is_nothing_to_undo() {
    let (fake, client) = cluster().await;
    create_settled(&fake, deployment("web", V1, 1));
    let err = undo(&client, &web(), &UndoTarget::Previous)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "deployment prod/web: no rollout history to undo to: it has only revision 1 (nothing to undo)"
    );
    assert!(err.is_input_error());
    assert!(writes_to_web(&fake).is_empty(), "{:?}", writes(&fake));
}

#[tokio::test]
async fn an_undo_that_conflicts_reads_again() {
    let (fake, client) = three_revisions().await;
    fake.conflict_next_writes(2);
    let outcome = undo(&client, &web(), &UndoTarget::Previous).await.unwrap();
    assert_eq!(outcome.revision, 2);
    assert_eq!(images(&fake, "web"), [V2]);
}
