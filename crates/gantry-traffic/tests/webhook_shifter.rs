//! The webhook shifter against a real HTTP server on 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::time::Duration;

use gantry_test_support::fault_server::{Fault, FaultProxy};
use gantry_test_support::ports::free_port;
use gantry_traffic::{ShiftError, TrafficShifter, WebhookShifter, Weight};

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

fn headers() -> BTreeMap<String, String> {
    BTreeMap::from([("Authorization".to_owned(), "Bearer s3cr3t".to_owned())])
}

fn failed(err: ShiftError) -> (String, String) {
    match err {
        ShiftError::Failed { target, message } => (target, message),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_2xx_answer_is_a_shift_and_the_payload_has_both_weights() {
    let server = FaultProxy::start(None).unwrap();
    server.inject("POST", "/shift", 2, Fault::status(204));
    let url = format!("{}/shift?token=t0k", server.url());
    let shifter = WebhookShifter::new(client(), &url, &headers(), Duration::from_secs(10))
        .unwrap()
        .with_field("name", "web")
        .with_field("canaryWeight", 99);
    for percent in [25, 100] {
        let shifted = shifter
            .set_canary_weight(Weight::new(percent).unwrap())
            .await
            .unwrap();
        assert!(shifted.changed);
        let want = format!(
            "webhook {}/shift?token=***: canary {percent}%, stable {}% (HTTP 204 in ",
            server.url(),
            100 - percent
        );
        assert!(shifted.detail.starts_with(&want), "{}", shifted.detail);
        assert!(!shifted.detail.contains("t0k"));
    }
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    let bodies: Vec<serde_json::Value> = seen
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(
        bodies,
        [
            serde_json::json!({"canaryWeight": 25, "stableWeight": 75, "name": "web"}),
            serde_json::json!({"canaryWeight": 100, "stableWeight": 0, "name": "web"}),
        ]
    );
    assert!(seen.iter().all(|r| r.method == "POST"
        && r.path == "/shift?token=t0k"
        && r.authorization.as_deref() == Some("Bearer s3cr3t")));
}

#[tokio::test]
async fn error_statuses_timeouts_and_refusals_are_failed_shifts() {
    let server = FaultProxy::start(None).unwrap();
    server.inject(
        "POST",
        "/shift",
        1,
        Fault::status(503).body("route controller unavailable\nretry later"),
    );
    server.inject("POST", "/shift", 1, Fault::Hang);
    let url = format!("{}/shift", server.url());
    let shifter =
        WebhookShifter::new(client(), &url, &headers(), Duration::from_millis(500)).unwrap();

    let (target, message) = failed(shifter.set_canary_weight(Weight::FULL).await.unwrap_err());
    assert_eq!(target, format!("webhook {url}"));
    assert!(message.starts_with("HTTP 503 in "), "{message}");
    assert!(
        message.ends_with(": route controller unavailable"),
        "{message}"
    );

    let (_, message) = failed(shifter.set_canary_weight(Weight::FULL).await.unwrap_err());
    assert_eq!(message, "timed out after 500 ms");

    // No rule left: the fake answers 404, which is not a shift either.
    let (_, message) = failed(shifter.set_canary_weight(Weight::FULL).await.unwrap_err());
    assert!(message.starts_with("HTTP 404 in "), "{message}");

    let nobody = format!("http://127.0.0.1:{}/shift", free_port().unwrap());
    let shifter =
        WebhookShifter::new(client(), &nobody, &headers(), Duration::from_secs(5)).unwrap();
    let (_, message) = failed(shifter.set_canary_weight(Weight::ZERO).await.unwrap_err());
    assert!(
        message.starts_with("connection refused after "),
        "{message}"
    );
    for text in [&message, &format!("{shifter:?}")] {
        assert!(!text.contains("s3cr3t"), "{text}");
    }
}

#[test]
fn bad_webhooks_are_input_errors() {
    for url in ["ftp://example.com/", "not a url", "http://"] {
        let err = WebhookShifter::new(client(), url, &BTreeMap::new(), Duration::from_secs(1))
            .unwrap_err();
        assert!(err.is_input_error(), "{url}");
        assert!(
            err.to_string().starts_with("traffic webhook: invalid URL"),
            "{err}"
        );
    }
    let err =
        WebhookShifter::new(client(), "http://h/", &BTreeMap::new(), Duration::ZERO).unwrap_err();
    assert_eq!(
        err.to_string(),
        "traffic webhook: invalid timeout for http://h/: it must be more than 0"
    );
}

/// A webhook that floods, hangs or answers garbage is a failed shift
/// within its time limit, and the flood stops at the read cap.
#[tokio::test]
async fn hostile_webhooks_fail_within_bounds() {
    use gantry_test_support::hostile::{Behaviour, HostileServer};
    let endless = HostileServer::start(Behaviour::EndlessBody {
        content_type: "application/json".into(),
    })
    .unwrap();
    let hang = HostileServer::start(Behaviour::Hang).unwrap();
    let garbage = HostileServer::start(Behaviour::Garbage).unwrap();
    for (server, timeout, want) in [
        (
            &endless,
            Duration::from_secs(10),
            "the response body exceeds 64 KiB (read limit)",
        ),
        (&hang, Duration::from_millis(300), "timed out after 300 ms"),
        (&garbage, Duration::from_secs(10), "request failed"),
    ] {
        let started = std::time::Instant::now();
        let shifter =
            WebhookShifter::new(client(), &server.url(), &BTreeMap::new(), timeout).unwrap();
        let (_, message) = failed(shifter.set_canary_weight(Weight::ZERO).await.unwrap_err());
        assert!(message.contains(want), "{message}");
        assert!(started.elapsed() < timeout + Duration::from_secs(1));
    }
    assert!(
        endless.bytes_sent() < 16 * 1024 * 1024,
        "{}",
        endless.bytes_sent()
    );
}
