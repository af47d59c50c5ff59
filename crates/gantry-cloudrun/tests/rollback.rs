//! Rolling a service back against the fake Admin API: where it goes, when
//! it does nothing, when it refuses, and that it waits for the operation.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use gantry_cloudrun::{Error, TrafficTarget};
use gantry_test_support::cloud_run::FakeTraffic;

#[tokio::test]
async fn rolls_back_to_the_previous_ready_revision_skipping_a_failed_one() {
    let fake = fake_with(&[
        ("web-00001-aaa", true),
        ("web-00002-bbb", true),
        ("web-00003-ccc", false),
        ("web-00004-ddd", true),
    ]);
    assert_eq!(fake.serving(SERVICE), serving(&[("web-00004-ddd", 100)]));
    let etag_before = fake.etag(SERVICE);
    let cloud_run = client(&fake);

    let outcome = cloud_run.rollback_to_previous().await.unwrap();

    assert_eq!(outcome.revision, "web-00002-bbb");
    assert!(outcome.changed());
    assert_eq!(outcome.change.before, vec![TrafficTarget::latest(100)]);
    assert_eq!(
        outcome.change.after,
        vec![TrafficTarget::revision("web-00002-bbb", 100)]
    );
    assert_eq!(
        outcome.detail(),
        format!("rolled {SERVICE} back to web-00002-bbb: 100% (was latest 100)")
    );
    // The fake's own state, not just what the client says.
    assert_eq!(
        fake.traffic(SERVICE),
        vec![FakeTraffic::to("web-00002-bbb", 100)]
    );
    assert_eq!(fake.serving(SERVICE), serving(&[("web-00002-bbb", 100)]));
    assert_ne!(fake.etag(SERVICE), etag_before);

    let patch = fake.requests_matching("PATCH", "/services/web");
    assert_eq!(patch.len(), 1);
    assert!(
        patch[0].path.ends_with("?updateMask=traffic"),
        "{}",
        patch[0].path
    );
    let body: serde_json::Value = serde_json::from_str(&patch[0].body).unwrap();
    assert_eq!(body["etag"], serde_json::json!(etag_before));
    assert_eq!(body["name"], serde_json::json!(SERVICE));
    // The operation was polled until done: once not done, then done.
    let polls = fake.requests_matching("GET", "/operations/");
    assert_eq!(polls.len(), 2, "{polls:?}");
    assert_eq!(
        outcome.change.operation.as_deref(),
        polls[0].path.strip_prefix("/v2/")
    );
    assert!(fake.requests().iter().all(|r| r.authorized));
}

#[tokio::test]
async fn a_second_rollback_changes_nothing_and_sends_no_patch() {
    let fake = fake_with(&[("web-00001-aaa", true), ("web-00002-bbb", true)]);
    let cloud_run = client(&fake);
    let first = cloud_run.rollback_to_previous().await.unwrap();
    assert_eq!(
        (first.revision.as_str(), first.changed()),
        ("web-00001-aaa", true)
    );
    fake.clear_requests();

    let again = cloud_run.rollback_to_previous().await.unwrap();

    assert_eq!(again.revision, "web-00001-aaa");
    assert!(!again.changed());
    assert_eq!(again.change.operation, None);
    assert_eq!(
        again.detail(),
        format!("{SERVICE} already sends 100% to web-00001-aaa; nothing to roll back")
    );
    assert_eq!(patches(&fake), 0);
    assert_eq!(fake.serving(SERVICE), serving(&[("web-00001-aaa", 100)]));
}

#[tokio::test]
async fn already_on_the_previous_revision_through_latest_is_a_no_op() {
    // The newest revision failed, so "latest ready" is still the previous
    // one and it already has everything.
    let fake = fake_with(&[("web-00001-aaa", true), ("web-00002-bbb", false)]);
    assert_eq!(fake.serving(SERVICE), serving(&[("web-00001-aaa", 100)]));
    let outcome = client(&fake).rollback_to_previous().await.unwrap();
    assert_eq!(
        (outcome.revision.as_str(), outcome.changed()),
        ("web-00001-aaa", false)
    );
    assert_eq!(patches(&fake), 0);
}

#[tokio::test]
async fn a_canary_split_rolls_back_to_stable() {
    let fake = fake_with(&[
        ("web-00001-aaa", true),
        ("web-00002-bbb", true),
        ("web-00003-ccc", true),
    ]);
    fake.set_traffic(
        SERVICE,
        &[
            FakeTraffic::to("web-00002-bbb", 90),
            FakeTraffic::to("web-00003-ccc", 10).tagged("canary"),
        ],
    );
    let outcome = client(&fake).rollback_to_previous().await.unwrap();
    assert_eq!(outcome.revision, "web-00002-bbb");
    // The canary's tag survives at 0%, so its URL keeps answering.
    assert_eq!(
        fake.traffic(SERVICE),
        vec![
            FakeTraffic::to("web-00002-bbb", 100),
            FakeTraffic::to("web-00003-ccc", 0).tagged("canary"),
        ]
    );
}

#[tokio::test]
async fn no_previous_ready_revision_is_an_input_error_and_writes_nothing() {
    let fake = fake_with(&[("web-00001-aaa", false), ("web-00002-bbb", true)]);
    let err = client(&fake).rollback_to_previous().await.unwrap_err();
    assert!(err.is_input_error(), "{err}");
    assert!(matches!(err, Error::NoPreviousRevision { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "cannot roll back {SERVICE}: no Ready revision is older than web-00002-bbb (revisions, newest first: web-00002-bbb, web-00001-aaa (not ready))"
        )
    );
    assert_eq!(patches(&fake), 0);

    let lonely = fake_with(&[("web-00001-aaa", true)]);
    let err = client(&lonely).rollback_to_previous().await.unwrap_err();
    assert!(matches!(err, Error::NoPreviousRevision { .. }), "{err:?}");
    assert_eq!(patches(&lonely), 0);
}

#[tokio::test]
async fn rolls_back_to_a_named_revision() {
    let fake = fake_with(&[
        ("web-00001-aaa", true),
        ("web-00002-bbb", false),
        ("web-00003-ccc", true),
    ]);
    let cloud_run = client(&fake);
    let full = format!("{SERVICE}/revisions/web-00001-aaa");
    let outcome = cloud_run.rollback_to(&full).await.unwrap();
    assert_eq!(
        (outcome.revision.as_str(), outcome.changed()),
        ("web-00001-aaa", true)
    );
    assert_eq!(fake.serving(SERVICE), serving(&[("web-00001-aaa", 100)]));
    assert_eq!(patches(&fake), 1);

    let unknown = cloud_run.rollback_to("web-00009-zzz").await.unwrap_err();
    assert!(unknown.is_input_error());
    assert_eq!(
        unknown.to_string(),
        format!(
            "{SERVICE} has no revision \"web-00009-zzz\" (it has: web-00003-ccc, web-00002-bbb (not ready), web-00001-aaa)"
        )
    );
    let failed = cloud_run.rollback_to("web-00002-bbb").await.unwrap_err();
    assert!(failed.is_input_error());
    assert!(
        failed.to_string().contains(
            "revision web-00002-bbb is not Ready (The user-provided container failed to start"
        ),
        "{failed}"
    );
    let other = cloud_run
        .rollback_to("projects/acme-prod/locations/europe-west1/services/api/revisions/api-1")
        .await
        .unwrap_err();
    assert!(matches!(other, Error::BadName { .. }), "{other:?}");
    assert_eq!(patches(&fake), 1);
}

#[tokio::test]
async fn a_failed_operation_is_an_outside_error() {
    let fake = fake_with(&[("web-00001-aaa", true), ("web-00002-bbb", true)]);
    fake.fail_operations(1, "Revision 'web-00001-aaa' failed to receive traffic.");
    let err = client(&fake).rollback_to_previous().await.unwrap_err();
    assert!(!err.is_input_error());
    assert!(matches!(err, Error::OperationFailed { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.starts_with(&format!("{SERVICE}: the traffic change failed (projects/acme-prod/locations/europe-west1/operations/")), "{message}");
    assert!(
        message
            .ends_with("Revision 'web-00001-aaa' failed to receive traffic. (FAILED_PRECONDITION)"),
        "{message}"
    );
    assert_eq!(fake.serving(SERVICE), serving(&[("web-00002-bbb", 100)]));
}

#[tokio::test]
async fn a_missing_service_is_an_input_error() {
    let fake = fake_with(&[]);
    let name = gantry_cloudrun::ServiceName::new(PROJECT, REGION, "nope").unwrap();
    let cloud_run = gantry_cloudrun::CloudRun::new(
        name,
        gantry_cloudrun::Credentials::token(TOKEN).unwrap(),
        config(&fake),
    )
    .unwrap();
    let err = cloud_run.rollback_to_previous().await.unwrap_err();
    assert!(err.is_input_error(), "{err}");
    assert_eq!(err.status(), Some(404));
    assert!(
        err.to_string().ends_with("HTTP 404 NOT_FOUND: Resource 'nope' of kind 'SERVICE' in region 'europe-west1' in project 'acme-prod' does not exist."),
        "{err}"
    );
}
