//! Every request has a deadline and a read cap: against servers that hang
//! or flood, a rollback ends quickly with an error naming the endpoint.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use gantry_cloudrun::{CloudRun, Config, Credentials, Error, MAX_BODY, ServiceName};
use gantry_test_support::hostile::{Behaviour, HostileServer};

const SERVICE: &str = "projects/acme-prod/locations/europe-west1/services/web";

fn client(server: &HostileServer, timeout: Duration) -> CloudRun {
    CloudRun::new(
        ServiceName::parse(SERVICE).unwrap(),
        Credentials::token("ya29.limits-test-token").unwrap(),
        Config {
            base_url: server.url(),
            timeout,
            ..Config::default()
        },
    )
    .unwrap()
}

#[tokio::test]
async fn a_server_that_never_answers_ends_within_two_deadlines() {
    let server = HostileServer::start(Behaviour::Hang).unwrap();
    let started = Instant::now();
    let err = client(&server, Duration::from_millis(500))
        .rollback_to_previous()
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(!err.is_input_error());
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("GET {}/v2/{SERVICE}", server.url()))
            && text.contains(": no answer from the Cloud Run API: no whole answer within 0.5 s"),
        "{text}"
    );
    assert!(text.ends_with("(after 2 attempts)"), "{text}");
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[tokio::test]
async fn an_endless_answer_stops_at_the_cap() {
    let server = HostileServer::start(Behaviour::EndlessBody {
        content_type: "application/json".into(),
    })
    .unwrap();
    let started = Instant::now();
    let err = client(&server, Duration::from_secs(20))
        .rollback_to_previous()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }), "{err:?}");
    assert!(!err.is_input_error());
    assert!(
        err.to_string().contains("exceeds 4 MiB (read limit)"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(server.bytes_sent() < 4 * MAX_BODY as u64);
}

#[tokio::test]
async fn a_metadata_server_that_hangs_ends_too() {
    let server = HostileServer::start(Behaviour::Hang).unwrap();
    let api = HostileServer::start(Behaviour::Recorder).unwrap();
    let cloud_run = CloudRun::new(
        ServiceName::parse(SERVICE).unwrap(),
        Credentials::metadata(server.addr()),
        Config {
            base_url: api.url(),
            ..Config::default()
        },
    )
    .unwrap();
    let started = Instant::now();
    let err = cloud_run.rollback_to_previous().await.unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("the metadata server at {}", server.url())),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert!(
        api.seen().is_empty(),
        "no token, no request: {:?}",
        api.seen()
    );
}
