//! Prometheus queries against a real Prometheus scraping the rig's canary
//! app (and a fake one for the answers a real one only gives when
//! broken): thresholds pass and fail, an idle service and NaN are no data,
//! and anything wrong on Prometheus's side is a provider error.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

use std::time::{Duration, Instant, SystemTime};

use gantry_analysis::CheckOutcome;
use gantry_checks::{
    Check, CheckError, Measurement, Prometheus as Endpoint, PrometheusQuery, Templating, client,
    preflight_prometheus, query_samples,
};
use gantry_test_support::canary_app::{CanaryApp, CanaryConfig, Noise};
use gantry_test_support::fault_server::{Fault, FaultProxy};
use gantry_test_support::load::Load;
use gantry_test_support::prometheus::{APP_JOB, Prometheus};
use url::Url;

/// Prometheus scrapes first ~5 s after it starts.
const FIRST_SCRAPE: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(250);

/// The canary's 5xx ratio over `{{interval}}`.
const ERROR_RATIO: &str = r#"sum(rate(http_requests_total{version="{{version}}",code=~"5.."}[{{interval}}])) / sum(rate(http_requests_total{version="{{version}}"}[{{interval}}]))"#;

fn templating(version: &str) -> Templating {
    Templating {
        name: "app".to_owned(),
        namespace: "default".to_owned(),
        version: version.to_owned(),
        interval: Duration::from_secs(5),
    }
}

fn query(base: &str, expr: &str) -> PrometheusQuery {
    PrometheusQuery {
        timeout: Duration::from_secs(2),
        ..PrometheusQuery::new(Url::parse(base).unwrap(), expr)
    }
}

async fn measure(q: &PrometheusQuery, version: &str) -> Measurement {
    let check = Check::Prometheus(q.clone());
    check.validate().unwrap();
    let m = check
        .measure(&client().unwrap(), &templating(version))
        .await;
    eprintln!(
        "{}: {:?} {} [{}]",
        m.check, m.outcome, m.detail, m.threshold
    );
    m
}

/// Measure every [`POLL`] until `accept`; the time that took.
async fn until(
    q: &PrometheusQuery,
    version: &str,
    timeout: Duration,
    accept: impl Fn(&Measurement) -> bool,
) -> (Duration, Measurement) {
    let started = Instant::now();
    loop {
        let m = measure(q, version).await;
        if accept(&m) {
            return (started.elapsed(), m);
        }
        assert!(
            started.elapsed() < timeout,
            "not as expected after {timeout:?}: {m:?}"
        );
        tokio::time::sleep(POLL).await;
    }
}

/// Under load, a healthy canary's error ratio is 0 (pass with max 0.01);
/// switched to 30% errors it fails within seconds, with the arithmetic.
#[tokio::test]
async fn error_ratio_passes_when_healthy_and_fails_at_30_percent() {
    let app = CanaryApp::start(CanaryConfig::new("canary-1").with_noise(Noise::normal())).unwrap();
    let prom = Prometheus::start(&[app.host_port()]).unwrap();
    let load = Load::start(
        &[app.url_for("/api/work")],
        100.0,
        Duration::from_secs(40),
        2,
    )
    .unwrap();
    let client = client().unwrap();
    preflight_prometheus(
        &client,
        &Url::parse(&prom.url()).unwrap(),
        Duration::from_secs(2),
    )
    .await
    .unwrap();
    prom.wait_for_scrape(APP_JOB, FIRST_SCRAPE).unwrap();

    let mut q = query(&prom.url(), ERROR_RATIO);
    q.name = Some("error_rate".to_owned());
    q.max = Some(0.01);
    let (healthy_after, m) = until(&q, "canary-1", Duration::from_secs(10), |m| {
        m.outcome == CheckOutcome::Pass
    })
    .await;
    assert_eq!(m.check, "prometheus: error_rate");
    assert_eq!(m.threshold, "≤ 0.01");
    assert_eq!(m.value, Some(0.0));
    assert_eq!(m.detail, "0 ≤ 0.01");
    // Another version has no series: no data, not a pass (the template
    // put the version in).
    let other = measure(&q, "canary-2").await;
    assert_eq!(
        (other.outcome, other.detail.as_str()),
        (CheckOutcome::NoData, "empty result")
    );
    // Let the 5 s window fill with healthy traffic, as in a canary that
    // has run a while.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(measure(&q, "canary-1").await.outcome, CheckOutcome::Pass);

    app.set_error_rate(0.3);
    let (failed_after, m) = until(&q, "canary-1", Duration::from_secs(10), |m| {
        m.outcome != CheckOutcome::Pass
    })
    .await;
    assert_eq!(m.outcome, CheckOutcome::Fail, "{m:?}");
    let value = m.value.unwrap();
    assert!(value > 0.01, "{m:?}");
    assert!(m.detail.ends_with(" > 0.01"), "{m:?}");
    let (settled_after, m) = until(&q, "canary-1", Duration::from_secs(15), |m| {
        m.value.is_some_and(|v| (0.27..=0.33).contains(&v))
    })
    .await;
    assert_eq!(m.outcome, CheckOutcome::Fail);

    // The same ratio over the last 5 s as a range query, for the judge.
    let rendered = templating("canary-1").render(ERROR_RATIO).unwrap();
    let end = SystemTime::now();
    let samples = query_samples(
        &client,
        &Url::parse(&prom.url()).unwrap(),
        &rendered,
        end - Duration::from_secs(5),
        end,
        Duration::from_secs(1),
    )
    .await
    .unwrap();
    assert!((5..=6).contains(&samples.len()), "{samples:?}");
    assert!(
        samples.iter().all(|v| (0.0..=0.5).contains(v)),
        "{samples:?}"
    );
    drop(load);
    eprintln!(
        "error ratio: pass {:.1}s after the first scrape; 0 -> 30% errors: fail after {:.1}s (value {value:.4}), within 0.3±0.03 after {:.1}s more",
        healthy_after.as_secs_f64(),
        failed_after.as_secs_f64(),
        settled_after.as_secs_f64(),
    );
}

/// An idle service (scraped, but no traffic: no series) and NaN are no
/// data; a query that returns several series, a range vector or a syntax
/// error is a provider error; templates fill in the canary's name.
#[tokio::test]
async fn idle_nan_and_query_mistakes() {
    let app = CanaryApp::start(CanaryConfig::new("idle-1")).unwrap();
    let prom = Prometheus::start(&[app.host_port()]).unwrap();
    let base = prom.url();

    // Without any scrape needed.
    let m = measure(&query(&base, "0/0"), "idle-1").await;
    assert_eq!(
        (m.outcome, m.value, m.detail.as_str()),
        (CheckOutcome::NoData, None, "NaN, no data")
    );
    let m = measure(&query(&base, "vector(1)/0"), "idle-1").await;
    assert_eq!(
        (m.outcome, m.detail.as_str()),
        (CheckOutcome::NoData, "+Inf, no data")
    );
    let broken = query(&base, "sum(rate(x[1m]");
    let m = measure(&broken, "idle-1").await;
    assert_eq!(m.outcome, CheckOutcome::ProviderError);
    assert!(
        m.detail.starts_with("HTTP 400 from Prometheus: bad_data: "),
        "{m:?}"
    );
    // Found before the analysis, it is bad input.
    let client = client().unwrap();
    let err = broken
        .preflight(&client, &templating("idle-1"))
        .await
        .unwrap_err();
    assert!(err.is_input_error(), "{err}");
    assert!(
        err.to_string()
            .contains(r#"cannot run the query "sum(rate(x[1m]": bad_data: "#),
        "{err}"
    );
    query(&base, ERROR_RATIO)
        .preflight(&client, &templating("idle-1"))
        .await
        .unwrap();
    let mut scalar = query(&base, "scalar(vector(0.25))");
    scalar.min = Some(0.5);
    let m = measure(&scalar, "idle-1").await;
    assert_eq!(
        (m.outcome, m.value, m.detail.as_str()),
        (CheckOutcome::Fail, Some(0.25), "0.25 < 0.5")
    );

    prom.wait_for_scrape(APP_JOB, FIRST_SCRAPE).unwrap();
    let mut idle = query(&base, ERROR_RATIO);
    idle.max = Some(0.01);
    let m = measure(&idle, "idle-1").await;
    assert_eq!(
        (m.outcome, m.value, m.detail.as_str()),
        (CheckOutcome::NoData, None, "empty result"),
        "an idle service is no data, never a pass"
    );
    // Two series.
    let two = r#"vector(1) or label_replace(vector(2), "a", "b", "", "")"#;
    let m = measure(&query(&base, two), "idle-1").await;
    assert_eq!(
        (m.outcome, m.detail.as_str()),
        (
            CheckOutcome::ProviderError,
            "2 series; aggregate the query to one"
        )
    );
    let range = query(&base, r#"up{job="app"}[5s]"#);
    let m = measure(&range, "idle-1").await;
    assert_eq!(m.outcome, CheckOutcome::ProviderError);
    assert!(
        m.detail.starts_with("range vector (matrix) result; "),
        "{m:?}"
    );
    // The query alone makes it a range vector: bad input before the analysis.
    let err = range
        .preflight(&client, &templating("idle-1"))
        .await
        .unwrap_err();
    assert!(err.is_input_error(), "{err}");
    // {{name}} and {{interval}} are filled in.
    let mut up = query(&base, r#"max_over_time(up{job="{{name}}"}[{{interval}}])"#);
    up.min = Some(1.0);
    let m = measure(&up, "idle-1").await;
    assert_eq!(
        (m.outcome, m.value, m.detail.as_str()),
        (CheckOutcome::Pass, Some(1.0), "1 ≥ 1")
    );
    drop(app);
}

/// Prometheus stopped mid-run: provider errors (never failures), and the
/// preflight fails naming the URL.
#[tokio::test]
async fn stopped_prometheus_is_a_provider_error_and_fails_the_preflight() {
    let prom = Prometheus::start(&[]).unwrap();
    let base = Url::parse(&prom.url()).unwrap();
    let client = client().unwrap();
    preflight_prometheus(&client, &base, Duration::from_secs(2))
        .await
        .unwrap();
    let mut q = query(&prom.url(), "vector(1)");
    q.max = Some(2.0);
    assert_eq!(measure(&q, "v1").await.outcome, CheckOutcome::Pass);
    let end = SystemTime::now();
    let samples = query_samples(
        &client,
        &base,
        "vector(1)",
        end - Duration::from_secs(3),
        end,
        Duration::from_secs(1),
    )
    .await
    .unwrap();
    assert_eq!(samples, [1.0; 4]);

    drop(prom);
    let m = measure(&q, "v1").await;
    assert_eq!(
        (m.outcome, m.value, m.detail.as_str()),
        (
            CheckOutcome::ProviderError,
            None,
            "Prometheus unreachable: connection refused"
        )
    );
    let err = preflight_prometheus(&client, &base, Duration::from_secs(2))
        .await
        .unwrap_err();
    assert!(!err.is_input_error());
    assert_eq!(
        err.to_string(),
        format!("cannot reach Prometheus at {base}: connection refused")
    );
    let err = query_samples(
        &client,
        &base,
        "vector(1)",
        end - Duration::from_secs(3),
        end,
        Duration::from_secs(1),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, CheckError::PrometheusUnreachable { .. }),
        "{err}"
    );
}

const SCALAR_ONE: &str =
    r#"{"status":"success","data":{"resultType":"scalar","result":[1700000000,"1"]}}"#;

/// The answers of a broken Prometheus, from a fake one: each is a provider
/// error with a short detail, never a failure; the token is sent and never
/// shown; the preflight falls back to a query where buildinfo is missing.
#[tokio::test]
async fn broken_answers_are_provider_errors() {
    let fake = FaultProxy::start(None).unwrap();
    let client = client().unwrap();
    let mut q = query(&fake.url(), "up");
    q.max = Some(0.01);
    q.bearer_token = Some("prom-token-123".to_owned());
    q.timeout = Duration::from_millis(300);

    let cases: [(Fault, &str); 5] = [
        (
            Fault::status(503).body("unavailable"),
            "HTTP 503 from Prometheus",
        ),
        (
            Fault::status(422)
                .header("Content-Type", "application/json")
                .body(r#"{"status":"error","errorType":"execution","error":"boom\nline two"}"#),
            "HTTP 422 from Prometheus: execution: boom line two",
        ),
        (
            Fault::status(200).body(r#"{"status":"error","errorType":"internal","error":"odd"}"#),
            "Prometheus error: internal: odd",
        ),
        (
            Fault::status(200).body("<html>login</html>"),
            r#"bad answer from Prometheus: not JSON (HTTP 200, no content type, 18 bytes: "<html>login</html>"); is this Prometheus's URL?"#,
        ),
        (Fault::Hang, "Prometheus timed out after 300 ms"),
    ];
    for (fault, detail) in cases {
        fake.inject("GET", "/api/v1/query", 1, fault);
        let m = measure(&q, "v1").await;
        assert_eq!(
            (m.outcome, m.value, m.detail.as_str()),
            (CheckOutcome::ProviderError, None, detail)
        );
    }
    let seen = fake.requests();
    assert_eq!(seen.len(), 5);
    assert!(
        seen[0].path.starts_with("/api/v1/query?query=up&time="),
        "{:?}",
        seen[0]
    );
    assert!(seen[0].path.ends_with("&timeout=300ms"), "{:?}", seen[0]);
    assert!(
        seen.iter()
            .all(|s| s.authorization.as_deref() == Some("Bearer prom-token-123"))
    );
    assert_eq!(q.secrets(), ["prom-token-123"]);
    assert!(!format!("{q:?}").contains("prom-token-123"));

    // Preflight: buildinfo missing (a Prometheus-compatible API) → a query.
    let base = Url::parse(&fake.url()).unwrap();
    fake.inject(
        "GET",
        "/api/v1/query",
        1,
        Fault::status(200).body(SCALAR_ONE),
    );
    preflight_prometheus(&client, &base, Duration::from_secs(1))
        .await
        .unwrap();
    fake.inject("GET", "/api/v1/status/buildinfo", 1, Fault::status(401));
    let err = preflight_prometheus(&client, &base, Duration::from_secs(1))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        CheckError::PrometheusHttp {
            url: base.to_string(),
            status: 401,
            message: None
        }
    );
    // Nothing listens.
    let nothing = Url::parse(&format!(
        "http://127.0.0.1:{}",
        gantry_test_support::ports::free_port().unwrap()
    ))
    .unwrap();
    let err = preflight_prometheus(&client, &nothing, Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(err.to_string().contains(nothing.as_str()), "{err}");

    // A range query with two series is refused; with bad bounds it is bad
    // input.
    let two = r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"1"},"values":[[1,"1"]]},{"metric":{"a":"2"},"values":[[1,"2"]]}]}}"#;
    fake.inject(
        "GET",
        "/api/v1/query_range",
        1,
        Fault::status(200).body(two),
    );
    let now = SystemTime::now();
    let err = query_samples(
        &client,
        &base,
        "x",
        now - Duration::from_secs(60),
        now,
        Duration::from_secs(1),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"query "x" returned 2 series; aggregate the query to one (e.g. with sum(…) or max(…))"#
    );
    let err = query_samples(
        &client,
        &base,
        "x",
        now,
        now - Duration::from_secs(1),
        Duration::from_secs(1),
    )
    .await
    .unwrap_err();
    assert!(err.is_input_error(), "{err}");
    let endpoint = Endpoint::new(base.clone());
    let err = endpoint
        .range(
            &client,
            "x",
            now - Duration::from_secs(86_400),
            now,
            Duration::from_secs(1),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("at most 11000"), "{err}");
}
