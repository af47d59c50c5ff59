//! The canary test rig: the test app (health, version, work, metrics and
//! runtime faults), the load generator, and what a real Prometheus scraping
//! them sees, with the time each switch takes to show.

use std::collections::BTreeMap;
use std::io;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use gantry_test_support::canary_app::{CanaryApp, CanaryConfig, Hang, Noise};
use gantry_test_support::load::{Load, Outcome};
use gantry_test_support::ports::{HttpRequest, HttpResponse};
use gantry_test_support::prometheus::{self, Prometheus};

/// Prometheus's first scrape comes ~5 s after start.
const FIRST_SCRAPE: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(200);

/// `GET url` as a prober with a 1 s timeout would.
fn get(url: &str) -> io::Result<HttpResponse> {
    HttpRequest::get(url).timeout(Duration::from_secs(1)).send()
}

fn post_control(url: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    let resp = HttpRequest::post(url)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .timeout(Duration::from_secs(2))
        .send()
        .unwrap();
    (resp.status, resp.json().unwrap())
}

/// The single value of `expr`, `None` for an empty answer.
fn value(prom: &Prometheus, expr: &str) -> Option<f64> {
    let values = prom.query_values(expr).unwrap();
    assert!(values.len() <= 1, "{expr}: {values:?}");
    values.first().copied()
}

/// Poll `expr` until `accept` holds for its value; the time that took.
fn time_until(
    prom: &Prometheus,
    expr: &str,
    timeout: Duration,
    accept: impl Fn(f64) -> bool,
) -> Duration {
    time_until_steady(prom, expr, timeout, 1, accept)
}

/// Poll `expr` until `accept` holds for `polls` answers in a row; the time
/// until the first of them.
fn time_until_steady(
    prom: &Prometheus,
    expr: &str,
    timeout: Duration,
    polls: usize,
    accept: impl Fn(f64) -> bool,
) -> Duration {
    let started = Instant::now();
    let mut streak: Option<Duration> = None;
    let mut held = 0;
    let mut last = None;
    while started.elapsed() < timeout {
        let at = started.elapsed();
        last = value(prom, expr);
        if last.is_some_and(&accept) {
            held += 1;
            let first = *streak.get_or_insert(at);
            if held >= polls {
                return first;
            }
        } else {
            held = 0;
            streak = None;
        }
        std::thread::sleep(POLL);
    }
    panic!("{expr} not as expected after {timeout:?}; last value {last:?}");
}

/// Wait until Prometheus holds `window` of samples since the first scrape
/// (at `first_scrape`), so a switch is measured against a full
/// `rate(…[window])` of normal behaviour, as in a canary that has run a
/// while.
fn wait_for_full_window(first_scrape: Instant, window: Duration) {
    let full = first_scrape + window + Duration::from_millis(500);
    std::thread::sleep(full.saturating_duration_since(Instant::now()));
}

fn error_ratio(version: &str) -> String {
    format!(
        r#"sum(rate(http_requests_total{{version="{version}",code=~"5.."}}[5s])) / sum(rate(http_requests_total{{version="{version}"}}[5s]))"#
    )
}

#[test]
fn app_serves_health_version_work_and_metrics() {
    let app = CanaryApp::start(CanaryConfig::new("abc123")).unwrap();
    assert_eq!(app.host_port(), format!("127.0.0.1:{}", app.port()));

    let health = get(&app.url_for("/health")).unwrap();
    assert_eq!((health.status, health.text().as_str()), (200, "ok"));
    let version = get(&app.url_for("/version")).unwrap();
    assert_eq!((version.status, version.text().as_str()), (200, "abc123"));
    let json = get(&app.url_for("/version?format=json")).unwrap();
    assert_eq!(json.json().unwrap()["version"], "abc123");
    for _ in 0..3 {
        assert_eq!(get(&app.url_for("/api/items?id=1")).unwrap().status, 200);
    }

    let metrics = get(&app.url_for("/metrics")).unwrap();
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .header("content-type")
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = metrics.text();
    assert_eq!(text, app.metrics_text());
    for line in [
        "# TYPE http_requests_total counter",
        "# TYPE http_request_duration_seconds histogram",
        r#"http_requests_total{code="200",version="abc123",path="/api/items"} 3"#,
        // The error series exists from the first request on, at 0.
        r#"http_requests_total{code="500",version="abc123",path="/api/items"} 0"#,
        r#"http_requests_total{code="200",version="abc123",path="/health"} 1"#,
        r#"http_requests_total{code="200",version="abc123",path="/version"} 2"#,
        r#"http_request_duration_seconds_bucket{version="abc123",path="/api/items",le="+Inf"} 3"#,
        r#"http_request_duration_seconds_count{version="abc123",path="/api/items"} 3"#,
    ] {
        assert!(text.lines().any(|l| l == line), "no {line:?} in\n{text}");
    }
    // Buckets are cumulative and 1 ms to 5 s.
    let buckets: Vec<(String, u64)> = text
        .lines()
        .filter(|l| {
            l.starts_with(r#"http_request_duration_seconds_bucket{version="abc123",path="/health""#)
        })
        .map(|l| {
            let le = l.split("le=\"").nth(1).unwrap().split('"').next().unwrap();
            (
                le.to_owned(),
                l.rsplit(' ').next().unwrap().parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(buckets.first().unwrap().0, "0.001");
    assert_eq!(buckets[buckets.len() - 2].0, "5");
    assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1), "{buckets:?}");
    // /metrics itself is not counted.
    assert!(!text.contains(r#"path="/metrics""#));
}

#[test]
fn error_rate_is_exact_and_load_matches_what_the_app_served() {
    let app = CanaryApp::start(CanaryConfig::new("v1").with_error_rate(0.3)).unwrap();
    let urls = [app.url_for("/api/a"), app.url_for("/api/b")];
    let started = Instant::now();
    let report = Load::start(&urls, 200.0, Duration::from_millis(500), 4)
        .unwrap()
        .wait();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert_eq!(report.planned, 100);
    assert_eq!(report.sent(), 100, "{:?}", report.outcomes());
    assert_eq!(report.statuses(), BTreeMap::from([(200, 70), (500, 30)]));
    assert_eq!(app.status_counts("/api/"), report.statuses());
    assert_eq!(report.outcomes_for(0).values().sum::<u64>(), 50);

    // Normal noise: 2–8 ms of jitter, visible to the client and in the
    // histogram; 1% background errors on top of the error rate.
    app.update(|c| {
        c.error_rate = 0.0;
        c.noise = Some(Noise::with_background_errors());
    })
    .unwrap();
    let before = app.status_counts("/api/");
    let report = Load::start(&urls[..1], 200.0, Duration::from_secs(1), 6)
        .unwrap()
        .wait();
    assert_eq!(report.statuses(), BTreeMap::from([(200, 198), (500, 2)]));
    let p50 = report.latency_quantile(0.5).unwrap();
    assert!(p50 >= Duration::from_millis(4), "{p50:?}");
    assert!(report.latency_quantile(0.01).unwrap() >= Duration::from_millis(2));
    let after = app.status_counts("/api/");
    assert_eq!(after[&500] - before[&500], 2);
}

#[test]
fn control_endpoint_switches_from_another_process() {
    let app = CanaryApp::start(CanaryConfig::new("good")).unwrap();
    let (status, state) = post_control(
        &app.url_for("/control"),
        serde_json::json!({"version": "bad", "health_status": 503, "error_rate": 1.0}),
    );
    assert_eq!(status, 200, "{state}");
    assert_eq!(state["version"], "bad");
    assert_eq!(get(&app.url_for("/version")).unwrap().text(), "bad");
    assert_eq!(get(&app.url_for("/health")).unwrap().status, 503);
    assert_eq!(get(&app.url_for("/api/x")).unwrap().status, 500);
    assert_eq!(app.config().version, "bad");

    // Bad input changes nothing and names the field.
    let (status, answer) = post_control(&app.control_url(), serde_json::json!({"error_rate": 2}));
    assert_eq!(status, 400);
    assert!(
        answer["error"].as_str().unwrap().contains("error_rate"),
        "{answer}"
    );
    let (status, answer) = post_control(&app.control_url(), serde_json::json!({"colour": 1}));
    assert_eq!(status, 400);
    assert!(
        answer["error"].as_str().unwrap().contains("colour"),
        "{answer}"
    );
    assert_eq!(app.config().error_rate, 1.0);

    // Crash over HTTP, restart through the control port.
    let (status, _) = post_control(&app.url_for("/control"), serde_json::json!({"crash": true}));
    assert_eq!(status, 200);
    assert!(app.is_crashed());
    let err = get(&app.url_for("/health")).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");
    let (status, state) = post_control(
        &app.control_url(),
        serde_json::json!({"crash": false, "reset": true}),
    );
    assert_eq!(status, 200, "{state}");
    assert_eq!(state["crashed"], false);
    assert_eq!(get(&app.url_for("/version")).unwrap().text(), "good");
    let state = HttpRequest::get(&app.control_url())
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(state["error_rate"], 0.0);
    assert_eq!(state["hang"], "none");
}

#[test]
fn hang_makes_health_time_out_until_switched_back() {
    let app = CanaryApp::start(CanaryConfig::new("v1")).unwrap();
    app.set_hang(Hang::Health);
    let started = Instant::now();
    let err = get(&app.url_for("/health")).unwrap_err();
    assert!(
        matches!(
            err.kind(),
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
        ),
        "{err}"
    );
    assert!(started.elapsed() >= Duration::from_secs(1));
    // The connection was accepted: it is a hang, not a refusal.
    assert!(TcpStream::connect(app.host_port()).is_ok());
    assert_eq!(get(&app.url_for("/api/x")).unwrap().status, 200);
    assert_eq!(get(&app.url_for("/metrics")).unwrap().status, 200);

    // A request held by the hang is answered once it is switched back.
    let url = app.url_for("/health");
    let waiting = std::thread::spawn(move || {
        HttpRequest::get(&url)
            .timeout(Duration::from_secs(5))
            .send()
            .map(|r| r.status)
    });
    std::thread::sleep(Duration::from_millis(300));
    app.set_hang(Hang::None);
    assert_eq!(waiting.join().unwrap().unwrap(), 200);

    app.set_hang(Hang::All);
    for path in ["/metrics", "/version", "/api/x"] {
        let answer = HttpRequest::get(&app.url_for(path))
            .timeout(Duration::from_millis(300))
            .send();
        assert!(answer.is_err(), "{path} answered: {answer:?}");
    }
    // Not /control.
    assert_eq!(
        HttpRequest::get(&app.url_for("/control"))
            .send()
            .unwrap()
            .status,
        200
    );
    app.set_hang(Hang::None);
    assert_eq!(get(&app.url_for("/health")).unwrap().status, 200);
}

#[test]
fn crash_refuses_connections_and_drops_open_ones() {
    let app = CanaryApp::start(CanaryConfig::new("v1")).unwrap();
    assert_eq!(get(&app.url_for("/api/x")).unwrap().status, 200);
    // An open connection, held by a hang, is dropped by the crash.
    app.set_hang(Hang::All);
    let url = app.url_for("/health");
    let open = std::thread::spawn(move || {
        HttpRequest::get(&url)
            .timeout(Duration::from_secs(5))
            .send()
    });
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    app.crash();
    let crash_took = started.elapsed();
    let err = open.join().unwrap().unwrap_err();
    assert!(
        !matches!(
            err.kind(),
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
        ),
        "{err}"
    );
    let err = TcpStream::connect(app.host_port()).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
    let report = Load::start(
        &[app.url_for("/api/x")],
        50.0,
        Duration::from_millis(200),
        2,
    )
    .unwrap()
    .wait();
    assert_eq!(report.count(Outcome::Refused), report.sent());

    app.set_hang(Hang::None);
    app.restart().unwrap();
    assert!(!app.is_crashed());
    assert_eq!(get(&app.url_for("/api/x")).unwrap().status, 200);
    // A restarted process counts from zero.
    assert_eq!(app.status_counts(""), BTreeMap::from([(200, 1)]));
    eprintln!("crash() returned in {crash_took:?}");
}

#[test]
fn wrong_version_changes_version_and_the_version_label() {
    let app = CanaryApp::start(CanaryConfig::new("1111111")).unwrap();
    assert_eq!(get(&app.url_for("/api/x")).unwrap().status, 200);
    app.set_version("2222222").unwrap();
    assert_eq!(get(&app.url_for("/version")).unwrap().text(), "2222222");
    assert_eq!(get(&app.url_for("/api/x")).unwrap().status, 200);
    let text = app.metrics_text();
    assert!(text.contains(r#"http_requests_total{code="200",version="1111111",path="/api/x"} 1"#));
    assert!(text.contains(r#"http_requests_total{code="200",version="2222222",path="/api/x"} 1"#));
    assert!(app.set_version("").is_err());
}

/// Canary and baseline behind one Prometheus: an error rate switched on the
/// canary shows in its ratio within seconds, and the baseline's stays 0.
/// At the end, Prometheus's counters equal what the load generator got.
#[test]
fn prometheus_sees_the_canary_error_rate_rise() {
    let baseline =
        CanaryApp::start(CanaryConfig::new("baseline").with_noise(Noise::normal())).unwrap();
    let canary = CanaryApp::start(CanaryConfig::new("canary").with_noise(Noise::normal())).unwrap();
    let prom = Prometheus::start(&[baseline.host_port(), canary.host_port()]).unwrap();
    let urls = [canary.url_for("/api/work"), baseline.url_for("/api/work")];
    let load = Load::start(&urls, 100.0, Duration::from_secs(30), 4).unwrap();

    let started = Instant::now();
    prom.wait_for_scrape(prometheus::APP_JOB, FIRST_SCRAPE)
        .unwrap();
    let first_scrape = Instant::now();
    let ready = started.elapsed();
    let canary_ratio = error_ratio("canary");
    // Healthy: the ratio is 0 (not "no data": the 500 series exists at 0).
    time_until(&prom, &canary_ratio, Duration::from_secs(10), |v| v == 0.0);
    wait_for_full_window(first_scrape, Duration::from_secs(5));
    assert_eq!(value(&prom, &canary_ratio), Some(0.0));

    canary.set_error_rate(0.3);
    let switched = Instant::now();
    let first = time_until(&prom, &canary_ratio, Duration::from_secs(10), |v| v > 0.0);
    let detect = time_until(&prom, &canary_ratio, Duration::from_secs(10), |v| v >= 0.15);
    let settle = time_until_steady(&prom, &canary_ratio, Duration::from_secs(15), 3, |v| {
        (0.27..=0.33).contains(&v)
    });
    let first = first.as_secs_f64();
    let detect = first + detect.as_secs_f64();
    let settle = detect + settle.as_secs_f64();
    // Stays at about 0.3.
    std::thread::sleep(Duration::from_secs(1));
    let ratio = value(&prom, &canary_ratio).unwrap();
    assert!((0.25..=0.35).contains(&ratio), "{ratio}");
    assert_eq!(value(&prom, &error_ratio("baseline")), Some(0.0));
    let overall = value(
        &prom,
        r#"sum(rate(http_requests_total{code=~"5.."}[5s])) / sum(rate(http_requests_total[5s]))"#,
    )
    .unwrap();
    assert!((0.1..=0.2).contains(&overall), "{overall}");
    eprintln!(
        "error rate 0 -> 0.3 (5 s window full of healthy traffic first): first scrape {:.1}s after start; ratio > 0 after {first:.1}s, >= 0.15 after {detect:.1}s, within 0.3±0.03 after {settle:.1}s (switch to now {:.1}s)",
        ready.as_secs_f64(),
        switched.elapsed().as_secs_f64()
    );

    // What the load generator got is what Prometheus counted.
    let report = load.stop();
    let canary_got = report.outcomes_for(0);
    assert_eq!(canary_got.get(&Outcome::Timeout), None, "{canary_got:?}");
    let want = |code: u16| canary_got.get(&Outcome::Status(code)).copied().unwrap_or(0) as f64;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let ok = value(&prom, r#"http_requests_total{version="canary",code="200"}"#);
        let err = value(&prom, r#"http_requests_total{version="canary",code="500"}"#);
        if ok == Some(want(200)) && err == Some(want(500)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "prometheus has {ok:?}/{err:?}, the load got {canary_got:?}"
        );
        std::thread::sleep(POLL);
    }
    let served = canary.status_counts("/api/");
    assert_eq!(served.get(&200).copied().unwrap_or(0) as f64, want(200));
    assert_eq!(served.get(&500).copied().unwrap_or(0) as f64, want(500));
}

/// A slow tail (2% of requests +400 ms) moves p99 and leaves p50 and p95
/// alone.
#[test]
fn prometheus_sees_a_p99_latency_regression() {
    let app = CanaryApp::start(CanaryConfig::new("v1").with_noise(Noise::normal())).unwrap();
    let prom = Prometheus::start(&[app.host_port()]).unwrap();
    let url = app.url_for("/api/work");
    let load = Load::start(&[url], 100.0, Duration::from_secs(40), 4).unwrap();
    prom.wait_for_scrape(prometheus::APP_JOB, FIRST_SCRAPE)
        .unwrap();
    let first_scrape = Instant::now();
    let quantile = |q: f64| {
        format!(
            "histogram_quantile({q}, sum(rate(http_request_duration_seconds_bucket[10s])) by (le))"
        )
    };
    let p99 = quantile(0.99);
    // Jitter 2–8 ms: p99 in the (5 ms, 10 ms] bucket (or the next one,
    // when a busy machine oversleeps).
    time_until(&prom, &p99, Duration::from_secs(10), |v| {
        v > 0.0 && v <= 0.025
    });
    wait_for_full_window(first_scrape, Duration::from_secs(10));
    let before = value(&prom, &p99).unwrap();
    assert!(before <= 0.025, "p99 before the switch: {before}");

    app.set_tail_latency(Duration::from_millis(400));
    // p99 reaches the slow bucket (0.25, 0.5] once the slow 2% are over 1%
    // of the window, and stays there.
    let first = time_until(&prom, &p99, Duration::from_secs(15), |v| v >= 0.25);
    let steady = time_until_steady(&prom, &p99, Duration::from_secs(15), 5, |v| v >= 0.25);
    let high = value(&prom, &p99).unwrap();
    let p95 = value(&prom, &quantile(0.95)).unwrap();
    let p50 = value(&prom, &quantile(0.5)).unwrap();
    assert!(p50 <= 0.01, "p50 moved to {p50}");
    assert!(p95 <= 0.025, "p95 moved to {p95}");
    let report = load.stop();
    assert_eq!(report.timeouts(), 0);
    // The client saw the slow tail too: 2% of what was sent after the
    // switch, a share of the whole run.
    let slow = report
        .samples
        .iter()
        .filter(|s| s.latency >= Duration::from_millis(400))
        .count();
    assert!(
        slow > 0 && slow * 50 <= report.samples.len(),
        "{slow} slow of {}",
        report.sent()
    );
    eprintln!(
        "p99 +400 ms on 2% (10 s window full of normal traffic first): p99 {before:.4} -> >= 0.25 s first after {:.1}s, steadily after {:.1}s (then p99 {high:.3}, p95 {p95:.4}, p50 {p50:.4})",
        first.as_secs_f64(),
        (first + steady).as_secs_f64(),
    );
}

/// A crashed app is a target Prometheus cannot scrape (`up == 0`); so is a
/// fully hung one (the scrape times out); a restarted one is up again.
#[test]
fn prometheus_sees_a_crashed_target_down() {
    let app = CanaryApp::start(CanaryConfig::new("v1")).unwrap();
    let prom = Prometheus::start(&[app.host_port()]).unwrap();
    let up = r#"up{job="app"}"#;
    time_until(&prom, up, FIRST_SCRAPE, |v| v == 1.0);

    app.crash();
    let down = time_until(&prom, up, Duration::from_secs(10), |v| v == 0.0);
    let err = get(&app.url_for("/metrics")).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");
    app.restart().unwrap();
    let back = time_until(&prom, up, Duration::from_secs(10), |v| v == 1.0);

    app.set_hang(Hang::All);
    let hung = time_until(&prom, up, Duration::from_secs(10), |v| v == 0.0);
    app.set_hang(Hang::None);
    time_until(&prom, up, Duration::from_secs(10), |v| v == 1.0);
    eprintln!(
        "crash: up == 0 after {:.1}s; restart: up == 1 after {:.1}s; hang all: up == 0 after {:.1}s",
        down.as_secs_f64(),
        back.as_secs_f64(),
        hung.as_secs_f64()
    );
}
