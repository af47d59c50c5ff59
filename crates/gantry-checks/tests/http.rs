//! HTTP probes against the rig's canary app (and a few raw sockets for the
//! faults it cannot make): every way a service can be unhealthy fails the
//! probe, with a detail that says which.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

use std::io::Read as _;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use gantry_analysis::CheckOutcome;
use gantry_checks::{Check, HttpProbe, Measurement, Templating, client, parse_json_pointer_check};
use gantry_test_support::canary_app::{CanaryApp, CanaryConfig, Hang};
use gantry_test_support::fault_server::{Fault, FaultProxy};
use regex::Regex;
use url::Url;

fn templating(version: &str) -> Templating {
    Templating {
        name: "api".to_owned(),
        namespace: "default".to_owned(),
        version: version.to_owned(),
        interval: Duration::from_secs(2),
    }
}

fn probe(url: &str) -> HttpProbe {
    HttpProbe {
        timeout: Duration::from_secs(2),
        ..HttpProbe::new(Url::parse(url).unwrap())
    }
}

async fn measure(probe: &HttpProbe, version: &str) -> Measurement {
    let check = Check::Http(probe.clone());
    check.validate().unwrap();
    let m = check
        .measure(&client().unwrap(), &templating(version))
        .await;
    assert_eq!(m.check, check.name());
    eprintln!(
        "{}: {:?} {} [{}]",
        m.check, m.outcome, m.detail, m.threshold
    );
    m
}

#[tokio::test]
async fn healthy_endpoint_passes() {
    let app = CanaryApp::start(CanaryConfig::new("abc123")).unwrap();
    let url = app.url_for("/health");
    let mut p = probe(&url);
    p.expected_status = vec![200];
    p.latency_limit = Some(Duration::from_millis(500));
    let m = measure(&p, "abc123").await;
    assert_eq!(m.outcome, CheckOutcome::Pass, "{m:?}");
    assert_eq!(m.check, format!("GET {url}"));
    assert_eq!(m.threshold, "status 200, ≤ 500 ms");
    assert!(
        m.detail.starts_with("200 in ") && m.detail.ends_with(" ms"),
        "{m:?}"
    );
    let latency = m.value.unwrap();
    assert!(latency > 0.0 && latency < 0.5, "{latency}");
}

#[tokio::test]
async fn unexpected_status_fails() {
    let app = CanaryApp::start(CanaryConfig::new("v1")).unwrap();
    app.set_health_status(500).unwrap();
    let mut p = probe(&app.url_for("/health"));
    let m = measure(&p, "v1").await;
    assert_eq!(m.outcome, CheckOutcome::Fail);
    assert!(
        m.detail.starts_with("500 in ") && m.detail.ends_with("; status not in 200–299"),
        "{m:?}"
    );
    // Latency is still measured.
    assert!(m.value.is_some());

    // An expected set is honoured both ways.
    app.set_health_status(503).unwrap();
    p.expected_status = vec![200, 503];
    assert_eq!(measure(&p, "v1").await.outcome, CheckOutcome::Pass);
    app.set_health_status(200).unwrap();
    p.expected_status = vec![503];
    let m = measure(&p, "v1").await;
    assert_eq!(m.outcome, CheckOutcome::Fail);
    assert!(m.detail.ends_with("; status not 503"), "{m:?}");
}

#[tokio::test]
async fn hanging_endpoint_fails_by_timeout() {
    let app = CanaryApp::start(CanaryConfig::new("v1")).unwrap();
    app.set_hang(Hang::Health);
    let mut p = probe(&app.url_for("/health"));
    p.timeout = Duration::from_millis(300);
    let started = Instant::now();
    let m = measure(&p, "v1").await;
    let took = started.elapsed();
    assert_eq!(m.outcome, CheckOutcome::Fail, "a hang is never a pass");
    assert_eq!(m.detail, "timed out after 300 ms");
    assert_eq!(m.value, None);
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(1),
        "{took:?}"
    );
    // Switched back, the same probe passes.
    app.set_hang(Hang::None);
    assert_eq!(measure(&p, "v1").await.outcome, CheckOutcome::Pass);
}

#[tokio::test]
async fn crashed_service_fails_with_connection_refused() {
    let app = CanaryApp::start(CanaryConfig::new("v1")).unwrap();
    let p = probe(&app.url_for("/health"));
    assert_eq!(measure(&p, "v1").await.outcome, CheckOutcome::Pass);
    app.crash();
    let m = measure(&p, "v1").await;
    assert_eq!(m.outcome, CheckOutcome::Fail);
    assert_eq!(m.detail, "connection refused");
    assert_eq!(m.value, None);
    app.restart().unwrap();
    assert_eq!(measure(&p, "v1").await.outcome, CheckOutcome::Pass);
}

#[tokio::test]
async fn wrong_version_fails_by_json_pointer_and_by_body_regex() {
    let app = CanaryApp::start(CanaryConfig::new("abc123")).unwrap();
    let mut json = probe(&app.url_for("/version?format=json"));
    json.json_pointer = Some(parse_json_pointer_check("/version={{version}}").unwrap());
    let mut text = probe(&app.url_for("/version"));
    text.body_regex = Some(Regex::new("^abc123$").unwrap());

    let m = measure(&json, "abc123").await;
    assert_eq!(m.outcome, CheckOutcome::Pass, "{m:?}");
    // The threshold shows the expected value after templating.
    assert_eq!(m.threshold, "status 200–299, /version = abc123");
    assert_eq!(measure(&text, "abc123").await.outcome, CheckOutcome::Pass);

    app.set_version("def456").unwrap();
    let m = measure(&json, "abc123").await;
    assert_eq!(m.outcome, CheckOutcome::Fail);
    assert!(
        m.detail
            .ends_with(r#"; /version is "def456", expected "abc123""#),
        "{m:?}"
    );
    let m = measure(&text, "abc123").await;
    assert_eq!(m.outcome, CheckOutcome::Fail);
    assert!(
        m.detail
            .ends_with(r#"; body does not match /^abc123$/ (got "def456")"#),
        "{m:?}"
    );

    // The text endpoint is not JSON.
    let mut not_json = probe(&app.url_for("/version"));
    not_json.json_pointer = json.json_pointer.clone();
    let m = measure(&not_json, "def456").await;
    assert_eq!(m.outcome, CheckOutcome::Fail);
    assert!(
        m.detail.ends_with(r#"; body is not JSON (got "def456")"#),
        "{m:?}"
    );
    // The templated version now matches.
    assert_eq!(measure(&json, "def456").await.outcome, CheckOutcome::Pass);
}

#[tokio::test]
async fn latency_over_the_limit_fails() {
    let app =
        CanaryApp::start(CanaryConfig::new("v1").with_latency(Duration::from_millis(150))).unwrap();
    let mut p = probe(&app.url_for("/api/work"));
    p.latency_limit = Some(Duration::from_millis(50));
    let m = measure(&p, "v1").await;
    assert_eq!(m.outcome, CheckOutcome::Fail);
    assert!(m.detail.starts_with("200 in "), "{m:?}");
    assert!(m.detail.ends_with("; latency over 50 ms"), "{m:?}");
    assert!(m.value.unwrap() >= 0.15, "{m:?}");
    p.latency_limit = Some(Duration::from_secs(1));
    assert_eq!(measure(&p, "v1").await.outcome, CheckOutcome::Pass);
}

#[tokio::test]
async fn dns_failure_of_the_probe_host_fails() {
    let p = probe("http://gantry-no-such-host.invalid/health");
    let m = measure(&p, "v1").await;
    assert_eq!(m.outcome, CheckOutcome::Fail);
    assert!(
        m.detail
            .starts_with("DNS lookup of gantry-no-such-host.invalid failed: "),
        "{m:?}"
    );
}

#[tokio::test]
async fn connection_closed_without_an_answer_fails() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/health", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        // Read the request, then close without answering.
        let (mut conn, _) = listener.accept().unwrap();
        let mut buf = [0u8; 1024];
        let _ = conn.read(&mut buf);
        drop(conn);
    });
    let m = measure(&probe(&url), "v1").await;
    server.join().unwrap();
    assert_eq!(m.outcome, CheckOutcome::Fail);
    assert_eq!(m.detail, "connection closed before an answer");
}

#[tokio::test]
async fn redirect_loops_fail() {
    let fake = FaultProxy::start(None).unwrap();
    fake.inject(
        "GET",
        "/loop",
        100,
        Fault::status(302).header("Location", "/loop"),
    );
    let m = measure(&probe(&format!("{}/loop", fake.url())), "v1").await;
    assert_eq!(m.outcome, CheckOutcome::Fail);
    assert_eq!(m.detail, "too many redirects (more than 5)");
    assert_eq!(fake.requests().len(), 6);
}

#[tokio::test]
async fn secrets_are_sent_but_never_shown() {
    let fake = FaultProxy::start(None).unwrap();
    // The service echoes the token back: even then it is masked.
    fake.inject(
        "GET",
        "/health",
        1,
        Fault::status(200).body("token s3cr3t-token here"),
    );
    let url = format!(
        "http://bot:url-pass@{}/health?token=query-secret&x=1",
        fake.host_port()
    );
    let mut p = probe(&url);
    p.headers = vec![
        ("Authorization".to_owned(), "Bearer s3cr3t-token".to_owned()),
        ("X-Api-Key".to_owned(), "api-key-value".to_owned()),
    ];
    p.body_regex = Some(Regex::new("^ok$").unwrap());
    let check = Check::Http(p.clone());
    let m = measure(&p, "v1").await;
    assert_eq!(m.outcome, CheckOutcome::Fail);
    assert!(
        m.detail
            .ends_with(r#"; body does not match /^ok$/ (got "token *** here")"#),
        "{m:?}"
    );
    // The header went out (the URL's password is superseded by it).
    let seen = fake.requests();
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some("Bearer s3cr3t-token")
    );
    assert_eq!(seen[0].path, "/health?token=query-secret&x=1");

    // Nowhere else either: name, threshold, detail, Debug, and a failure.
    drop(fake);
    let refused = measure(&p, "v1").await;
    assert_eq!(refused.detail, "connection refused");
    let secrets = check.secrets();
    assert_eq!(
        secrets,
        [
            "Bearer s3cr3t-token",
            "api-key-value",
            "query-secret",
            "s3cr3t-token",
            "url-pass"
        ]
    );
    let shown = format!("{m:?} {refused:?} {check:?} {}", check.name());
    for secret in &secrets {
        assert!(!shown.contains(secret.as_str()), "{secret} in {shown}");
    }
    assert!(
        check.name().contains("//***@") && check.name().contains("token=***&x=1"),
        "{}",
        check.name()
    );
}
