//! Reading and setting splits against the fake Admin API: paging,
//! validation before any write, etag conflicts, retries and 401s.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use gantry_cloudrun::{Credentials, Error, TrafficTarget};
use gantry_test_support::cloud_run::{FakeTraffic, google_error};

fn four() -> gantry_test_support::cloud_run::FakeCloudRun {
    fake_with(&[
        ("web-00001-aaa", true),
        ("web-00002-bbb", true),
        ("web-00003-ccc", false),
        ("web-00004-ddd", true),
    ])
}

#[tokio::test]
async fn lists_every_page_newest_first() {
    let fake = fake_with(&[
        ("web-00001-aaa", true),
        ("web-00002-bbb", true),
        ("web-00003-ccc", false),
        ("web-00004-ddd", true),
        ("web-00005-eee", true),
    ]);
    let revisions = client(&fake).revisions().await.unwrap();
    let names: Vec<&str> = revisions.iter().map(|r| r.short_name()).collect();
    // The fake gives pairs of revisions the same second, the later one
    // with a fraction: sorting the text would put 2 before 1, 4 before 3.
    assert_eq!(
        names,
        [
            "web-00005-eee",
            "web-00004-ddd",
            "web-00003-ccc",
            "web-00002-bbb",
            "web-00001-aaa"
        ]
    );
    let ready: Vec<bool> = revisions.iter().map(|r| r.is_ready()).collect();
    assert_eq!(ready, [true, true, false, true, true]);
    assert_eq!(
        revisions[4].images(),
        ["europe-docker.pkg.dev/acme/web/app:v1"]
    );
    assert_eq!(
        revisions[0].name,
        format!("{SERVICE}/revisions/web-00005-eee")
    );
    let pages: Vec<String> = fake
        .requests_matching("GET", "/revisions")
        .into_iter()
        .map(|r| r.path)
        .collect();
    let list = format!("/v2/{SERVICE}/revisions?pageSize=100");
    assert_eq!(
        pages,
        [
            list.clone(),
            format!("{list}&pageToken=fake-page-2"),
            format!("{list}&pageToken=fake-page-4"),
        ]
    );
}

#[tokio::test]
async fn sets_a_split_keeps_tags_and_skips_a_split_already_there() {
    let fake = four();
    let cloud_run = client(&fake);
    let split = [
        TrafficTarget::revision("web-00002-bbb", 90),
        TrafficTarget::revision(&format!("{SERVICE}/revisions/web-00004-ddd"), 10).tagged("canary"),
    ];
    let change = cloud_run.set_traffic(&split).await.unwrap();
    assert!(change.changed);
    assert_eq!(
        change.detail(),
        format!("{SERVICE}: web-00002-bbb 90, web-00004-ddd 10 (was latest 100)")
    );
    assert_eq!(
        fake.traffic(SERVICE),
        vec![
            FakeTraffic::to("web-00002-bbb", 90),
            FakeTraffic::to("web-00004-ddd", 10).tagged("canary"),
        ]
    );
    assert_eq!(cloud_run.traffic().await.unwrap(), change.after);

    cloud_run
        .set_traffic(&[TrafficTarget::revision("web-00002-bbb", 100)])
        .await
        .unwrap();
    assert_eq!(
        fake.traffic(SERVICE),
        vec![
            FakeTraffic::to("web-00002-bbb", 100),
            FakeTraffic::to("web-00004-ddd", 0).tagged("canary"),
        ]
    );
    let before = patches(&fake);
    let again = cloud_run
        .set_traffic(&[TrafficTarget::revision("web-00002-bbb", 100)])
        .await
        .unwrap();
    assert!(!again.changed);
    assert_eq!(
        again.detail(),
        format!("{SERVICE}: already web-00002-bbb 100")
    );
    assert_eq!(patches(&fake), before);
}

#[tokio::test]
async fn a_bad_split_is_refused_before_any_write() {
    let fake = four();
    let cloud_run = client(&fake);
    let r = TrafficTarget::revision;
    let table: Vec<(Vec<TrafficTarget>, &str)> = vec![
        (
            vec![r("web-00002-bbb", 60), r("web-00004-ddd", 30)],
            "the percents add up to 90, not 100 (web-00002-bbb 60, web-00004-ddd 30)",
        ),
        (
            vec![r("web-00002-bbb", 100), r("web-00004-ddd", 10)],
            "the percents add up to 110, not 100",
        ),
        (vec![], "no traffic targets given"),
        (
            vec![r("web-00003-ccc", 50), r("web-00004-ddd", 50)],
            "revision web-00003-ccc is not Ready (The user-provided container failed to start and listen on the port defined provided by the PORT=8080 environment variable.), so it cannot take 50% of the traffic",
        ),
        (
            vec![r("web-00009-zzz", 100)],
            "has no revision \"web-00009-zzz\" (it has: web-00004-ddd, web-00003-ccc (not ready), web-00002-bbb, web-00001-aaa)",
        ),
        (
            vec![r("Web_1", 100)],
            "invalid Cloud Run revision \"Web_1\"",
        ),
        (
            vec![r("web-00002-bbb", 50), r("web-00002-bbb", 50)],
            "web-00002-bbb is listed twice",
        ),
    ];
    for (split, want) in table {
        let err = cloud_run.set_traffic(&split).await.unwrap_err();
        assert!(err.is_input_error(), "{err}");
        assert!(err.to_string().contains(want), "{split:?}: {err}");
    }
    assert_eq!(patches(&fake), 0);
    assert_eq!(fake.traffic(SERVICE), vec![FakeTraffic::latest(100)]);
}

#[tokio::test]
async fn an_etag_conflict_reads_again_and_converges() {
    let fake = four();
    fake.other_writer(1);
    let change = client(&fake)
        .set_traffic(&[
            TrafficTarget::revision("web-00001-aaa", 50),
            TrafficTarget::revision("web-00002-bbb", 50),
        ])
        .await
        .unwrap();
    assert!(change.changed);
    let sent = fake.requests_matching("PATCH", "/services/web");
    let statuses: Vec<u16> = sent.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [409, 200]);
    let etags: Vec<serde_json::Value> = sent
        .iter()
        .map(|r| serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["etag"].clone())
        .collect();
    assert_ne!(etags[0], etags[1], "the retry carries the etag read again");
    // Read, write (stale), read again, write.
    let reads = fake
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path == format!("/v2/{SERVICE}"))
        .count();
    assert_eq!(reads, 2);
    assert_eq!(
        fake.serving(SERVICE),
        serving(&[("web-00001-aaa", 50), ("web-00002-bbb", 50)])
    );
}

#[tokio::test]
async fn an_injected_aborted_conflict_is_retried_and_endless_ones_give_up() {
    let fake = four();
    fake.inject(
        "PATCH",
        "/services/web",
        1,
        google_error(
            409,
            "ABORTED",
            "Conflict for resource 'web': version mismatch.",
        ),
    );
    let cloud_run = client(&fake);
    let change = cloud_run.rollback_to_previous().await.unwrap();
    assert_eq!(
        (change.revision.as_str(), change.changed()),
        ("web-00002-bbb", true)
    );
    assert_eq!(patches(&fake), 2);

    let fake = four();
    fake.other_writer(100);
    let err = client(&fake).rollback_to_previous().await.unwrap_err();
    assert!(
        matches!(err, Error::Conflict { attempts: 3, .. }),
        "{err:?}"
    );
    assert!(!err.is_input_error());
    assert_eq!(patches(&fake), 3);
    assert_eq!(fake.serving(SERVICE), serving(&[("web-00004-ddd", 100)]));
}

#[tokio::test]
async fn resource_exhausted_and_unavailable_are_retried() {
    let fake = four();
    fake.inject(
        "GET",
        "/revisions",
        1,
        google_error(
            429,
            "RESOURCE_EXHAUSTED",
            "Quota exceeded for quota metric 'Read requests'.",
        ),
    );
    fake.inject(
        "GET",
        "/services/web",
        1,
        google_error(503, "UNAVAILABLE", "The service is currently unavailable."),
    );
    fake.inject(
        "PATCH",
        "/services/web",
        1,
        google_error(503, "UNAVAILABLE", "The service is currently unavailable."),
    );
    let outcome = client(&fake).rollback_to_previous().await.unwrap();
    assert_eq!(outcome.revision, "web-00002-bbb");
    let injected: Vec<(String, u16)> = fake
        .requests()
        .into_iter()
        .filter(|r| r.injected)
        .map(|r| (r.method, r.status))
        .collect();
    assert_eq!(
        injected,
        [
            ("GET".to_owned(), 429),
            ("GET".to_owned(), 503),
            ("PATCH".to_owned(), 503)
        ]
    );
    assert_eq!(patches(&fake), 2);
    assert_eq!(fake.serving(SERVICE), serving(&[("web-00002-bbb", 100)]));

    // Bounded: after the policy's 4 attempts, the last answer is the error.
    let fake = four();
    fake.inject(
        "GET",
        "/services/web",
        100,
        google_error(503, "UNAVAILABLE", "down"),
    );
    let err = client(&fake).traffic().await.unwrap_err();
    assert!(!err.is_input_error());
    assert_eq!(err.status(), Some(503));
    assert!(
        err.to_string()
            .ends_with("HTTP 503 UNAVAILABLE: down (after 4 attempts)"),
        "{err}"
    );
    assert_eq!(count(&fake, "GET", "/services/web"), 4);
}

#[tokio::test]
async fn unauthenticated_is_not_retried_and_the_token_stays_out_of_the_message() {
    let fake = four();
    let secret = "ya29.a0-not-the-right-token-XYZ";
    let cloud_run = client_with(&fake, Credentials::token(secret).unwrap());
    let err = cloud_run.rollback_to_previous().await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert!(!err.is_input_error());
    assert_eq!(fake.requests().len(), 1, "401 is not retried");
    assert_eq!(
        fake.requests()[0].authorization.as_deref(),
        Some(format!("Bearer {secret}").as_str())
    );
    for shown in [
        err.to_string(),
        format!("{err:?}"),
        format!("{cloud_run:?}"),
    ] {
        assert!(!shown.contains(secret), "{shown}");
        assert!(!shown.contains("XYZ"), "{shown}");
    }
    assert!(
        err.to_string()
            .contains("HTTP 401 UNAUTHENTICATED: Request had invalid authentication credentials."),
        "{err}"
    );

    fake.inject(
        "GET",
        "/revisions",
        1,
        google_error(
            403,
            "PERMISSION_DENIED",
            "Permission 'run.revisions.list' denied on resource",
        ),
    );
    let err = client(&fake).revisions().await.unwrap_err();
    assert_eq!(err.status(), Some(403));
    assert_eq!(
        count(&fake, "GET", "/revisions"),
        2,
        "one 401 above, one 403 here"
    );
}
