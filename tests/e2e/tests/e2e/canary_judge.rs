//! The judge (`type: judge` in `--spec`) through the `gantry-canary`
//! binary, against one real Prometheus (1 s scrape) scraping a baseline
//! and canaries under load, all with 1% background errors: a healthy canary
//! promotes with the score in the report; a slow p99 (p50 unchanged) rolls
//! back on that metric alone, and a plain p99 threshold catches it too; a
//! canary without traffic is no data under the minimum-sample guard, never
//! a pass; a deadline shorter than the count ends inconclusive with its
//! arithmetic. And flapping against the failure limit (in all) and the
//! consecutive limit (in a row).

use std::path::Path;
use std::time::{Duration, Instant};

use gantry_test_support::canary_app::{CanaryApp, CanaryConfig, Noise};
use gantry_test_support::cli::{RunResult, gantry};
use gantry_test_support::load::Load;
use gantry_test_support::prometheus::{self, Prometheus};
use serde_json::Value;

const BASELINE: &str = "base-1";

/// Error ratio of `{{version}}` on the work paths over 5 s.
const ERROR_RATIO: &str = r#"sum(rate(http_requests_total{code=~"5..",path=~"/api.*",version="{{version}}"}[5s])) / sum(rate(http_requests_total{path=~"/api.*",version="{{version}}"}[5s]))"#;

/// The `quantile` latency of `{{version}}` on the work paths over 5 s.
fn latency(quantile: &str) -> String {
    format!(
        r#"histogram_quantile({quantile}, sum by (le) (rate(http_request_duration_seconds_bucket{{path=~"/api.*",version="{{{{version}}}}"}}[5s])))"#
    )
}

/// One judge metric of the spec: an absolute `floor` of slack, because
/// two healthy apps never differ by that much and the faults do by far.
fn metric(name: &str, query: &str, floor: f64) -> String {
    format!("      - {{name: {name}, query: '{query}', floor: {floor}}}\n")
}

/// A spec judging `canary` against the baseline over the last 10 s every
/// second (11 points a side; `min-samples` left at its default, 10), with
/// `settings` (top-level keys) added.
fn judge_spec(prometheus: &str, canary: &str, settings: &str, metrics: &[String]) -> String {
    format!(
        "prometheus: {{url: '{prometheus}'}}
canary: {{version: {canary}, baseline-version: {BASELINE}}}
interval: 1s
{settings}
checks:
  - type: judge
    name: judge
    window: 10s
    step: 1s
    metrics:
{}",
        metrics.concat()
    )
}

fn canary_in(dir: &Path, args: &[&str]) -> RunResult {
    gantry("gantry-canary")
        .and_then(|cmd| {
            cmd.args(args)
                .current_dir(dir)
                .timeout(Duration::from_secs(60))
                .run()
        })
        .unwrap_or_else(|error| panic!("gantry-canary {args:?}: {error}"))
}

/// Run `gantry-canary --spec NAME.yaml --format json` on `spec`.
fn run_spec(dir: &Path, name: &str, spec: &str) -> RunResult {
    let file = format!("{name}.yaml");
    std::fs::write(dir.join(&file), spec).unwrap();
    canary_in(dir, &["--spec", &file, "--format", "json"])
}

fn report(run: &RunResult) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}\n{run}"))
}

fn reason(json: &Value) -> &str {
    json["reason"].as_str().unwrap()
}

fn tally(json: &Value, field: &str) -> u64 {
    json["tally"][field].as_u64().unwrap()
}

/// Each interval's outcome word (`passed`, `failed`, `no data (…)`).
fn outcomes(json: &Value) -> Vec<&str> {
    json["intervals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["outcome"].as_str().unwrap())
        .collect()
}

/// The first check's measurement of every interval.
fn measurements(json: &Value) -> Vec<&Value> {
    json["intervals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["checks"][0])
        .collect()
}

/// Wait until every query has a point every second over the last 10 s (a
/// full judge window), so the runs below start with data on both sides.
fn wait_for_full_windows(prom: &Prometheus, queries: &[String]) {
    let started = Instant::now();
    for query in queries {
        let full = format!("count_over_time(({query})[10s:1s]) >= 10");
        loop {
            if !prom.query_values(&full).unwrap().is_empty() {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "no full window of {query} after 60 s"
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

/// Everything against one Prometheus, the runs side by side once every
/// window is full.
#[test]
fn judge_scenarios_reach_their_decisions() {
    let noise = Noise::with_background_errors();
    let baseline = CanaryApp::start(CanaryConfig::new(BASELINE).with_noise(noise)).unwrap();
    let good =
        CanaryApp::start(CanaryConfig::new("good-1").with_noise(noise).with_seed(7)).unwrap();
    let slow =
        CanaryApp::start(CanaryConfig::new("slow-1").with_noise(noise).with_seed(11)).unwrap();
    // 2% of slow-1's requests take 400 ms more: its p99 moves, its p50 not.
    slow.set_tail_latency(Duration::from_millis(400));
    // Scraped, but no request ever reaches it.
    let idle = CanaryApp::start(CanaryConfig::new("idle-1").with_noise(noise)).unwrap();
    let prom = Prometheus::start(&[
        baseline.host_port(),
        good.host_port(),
        slow.host_port(),
        idle.host_port(),
    ])
    .unwrap();
    // 50 requests a second to each loaded app.
    let load = Load::start(
        &[&baseline, &good, &slow].map(|a| a.url_for("/api/work")),
        150.0,
        Duration::from_secs(60),
        6,
    )
    .unwrap();
    prom.wait_for_scrape(prometheus::APP_JOB, Duration::from_secs(30))
        .unwrap();
    let (p99, p50) = (latency("0.99"), latency("0.5"));
    let versions = [BASELINE, "good-1", "slow-1"];
    wait_for_full_windows(
        &prom,
        &versions
            .iter()
            .flat_map(|v| [ERROR_RATIO, &p99, &p50].map(|q| q.replace("{{version}}", v)))
            .collect::<Vec<_>>(),
    );

    let url = prom.url();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let errors_and_p99 = [
        metric("error_ratio", ERROR_RATIO, 0.02),
        metric("latency_p99", &p99, 0.025),
    ];
    let p99_and_p50 = [
        metric("latency_p99", &p99, 0.025),
        metric("latency_p50", &p50, 0.025),
    ];
    let healthy_spec = judge_spec(
        &url,
        "good-1",
        "count: 3\nfailure-limit: 1",
        &errors_and_p99,
    );
    let slow_spec = judge_spec(&url, "slow-1", "count: 10\nfailure-limit: 2", &p99_and_p50);
    let idle_spec = judge_spec(
        &url,
        "idle-1",
        "count: 3\nno-data: inconclusive\ndeadline: 3s",
        &errors_and_p99,
    );
    let deadline_spec = judge_spec(&url, "good-1", "count: 10\ndeadline: 3s", &errors_and_p99);
    let [healthy, slowed, threshold, idle_run, deadline] = std::thread::scope(|s| {
        let runs = [
            s.spawn(|| run_spec(dir, "healthy", &healthy_spec)),
            s.spawn(|| run_spec(dir, "slow", &slow_spec)),
            s.spawn(|| {
                canary_in(
                    dir,
                    &[
                        "--prometheus",
                        &url,
                        "--query",
                        &p99,
                        "--max",
                        "0.1",
                        "--canary-version",
                        "slow-1",
                        "--interval",
                        "1s",
                        "--count",
                        "10",
                        "--failure-limit",
                        "2",
                        "--format",
                        "json",
                    ],
                )
            }),
            s.spawn(|| run_spec(dir, "idle", &idle_spec)),
            s.spawn(|| run_spec(dir, "deadline", &deadline_spec)),
        ];
        runs.map(|r| r.join().unwrap())
    });

    // Healthy, 1% errors on both sides: promote, each interval's value the
    // judge's score.
    assert_eq!(healthy.code, Some(0), "{healthy}");
    let json = report(&healthy);
    assert_eq!(json["decision"], "promote", "{json}");
    assert_eq!(
        (tally(&json, "passed"), tally(&json, "failed")),
        (3, 0),
        "{json}"
    );
    assert_eq!(json["checks"][0], "canary vs baseline: judge", "{json}");
    for m in measurements(&json) {
        assert_eq!(m["check"], "canary vs baseline: judge", "{json}");
        assert_eq!(m["value"], 100.0, "{json}");
        assert_eq!(m["threshold"], "score ≥ 95 (marginal 75)", "{json}");
        assert_eq!(m["verdict"], "pass", "{json}");
        assert_eq!(
            m["detail"], "error_ratio pass; latency_p99 pass; score 100 ≥ 95",
            "{json}"
        );
    }

    // A slow p99 alone: the judge fails on latency_p99, latency_p50
    // passes, score 50 of 100; two such intervals roll back.
    assert_eq!(slowed.code, Some(1), "{slowed}");
    let json = report(&slowed);
    assert_eq!(json["decision"], "rollback", "{json}");
    assert_eq!(
        reason(&json),
        "rollback: 2 failed interval(s) ≥ failure limit 2 (0 passed of 10 required)",
        "{json}"
    );
    for m in measurements(&json) {
        assert_eq!((&m["verdict"], &m["value"]), (&"FAIL".into(), &50.0.into()));
        let detail = m["detail"].as_str().unwrap();
        assert!(
            detail.starts_with("latency_p99 high (canary median 0.")
                && detail.ends_with("; latency_p50 pass; score 50 < 75"),
            "{json}"
        );
    }
    assert!(
        slowed.stderr.contains("latency_p99 high") && slowed.stderr.contains("latency_p50 pass"),
        "{slowed}"
    );

    // The same fault against a plain p99 threshold: caught too.
    assert_eq!(threshold.code, Some(1), "{threshold}");
    let json = report(&threshold);
    assert_eq!(json["decision"], "rollback", "{json}");
    for m in measurements(&json) {
        assert_eq!(m["verdict"], "FAIL", "{json}");
        assert!(m["value"].as_f64().unwrap() > 0.25, "{json}");
    }

    // No traffic on the canary: under the minimum-sample guard (10) every
    // interval is no data, never a pass, and the deadline ends it.
    assert_eq!(idle_run.code, Some(4), "{idle_run}");
    let json = report(&idle_run);
    assert_eq!(json["decision"], "inconclusive", "{json}");
    let intervals = tally(&json, "intervals");
    assert!(intervals >= 1, "{json}");
    assert_eq!(
        reason(&json),
        format!(
            "inconclusive: deadline reached after {intervals} interval(s): 0 passed of 3 required, 3 more needed (0 failed < failure limit 1; {intervals} without data, 0 with provider errors)"
        ),
        "{json}"
    );
    for m in measurements(&json) {
        assert_eq!(
            (&m["verdict"], &m["value"]),
            (&"no data".into(), &Value::Null)
        );
        let detail = m["detail"].as_str().unwrap();
        assert!(
            detail.starts_with("error_ratio no data (0 canary and ")
                && detail.contains(" baseline sample(s), fewer than the 10 needed)")
                && detail.ends_with("; no metric had enough samples"),
            "{json}"
        );
    }

    // A deadline (3 s) shorter than count × interval (10 s): the healthy
    // canary runs out of time, inconclusive with the counts.
    assert_eq!(deadline.code, Some(4), "{deadline}");
    let json = report(&deadline);
    assert_eq!(json["decision"], "inconclusive", "{json}");
    assert_eq!(json["policy"]["deadline_seconds"], 3.0, "{json}");
    let (intervals, passed) = (tally(&json, "intervals"), tally(&json, "passed"));
    assert!((1..10).contains(&passed), "{json}");
    assert_eq!(
        reason(&json),
        format!(
            "inconclusive: deadline reached after {intervals} interval(s): {passed} passed of 10 required, {} more needed (0 failed < failure limit 1; 0 without data, 0 with provider errors)",
            10 - passed
        ),
        "{json}"
    );
    drop(load);
}

/// The guard cannot be set beyond what the window holds: a `min-samples`
/// no window could ever meet would make the judge no data for ever.
#[test]
fn a_min_samples_the_window_cannot_hold_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = judge_spec(
        "http://127.0.0.1:1",
        "good-1",
        "count: 3",
        &[metric("error_ratio", ERROR_RATIO, 0.02)],
    );
    spec = spec.replace("floor: 0.02}", "floor: 0.02, min-samples: 12}");
    let run = run_spec(dir.path(), "analysis", &spec);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(
        run.stderr.contains(
            "min-samples 12 is more than the 11 point(s) of a series in window 10 s every step 1 s"
        ),
        "{run}"
    );
}

/// A canary whose every second request fails (the app's errors are
/// counted out exactly: at 50% they alternate, never two in a row), one
/// probe request an interval: failed intervals alternate with passed ones.
fn flapping_app() -> CanaryApp {
    CanaryApp::start(CanaryConfig::new("flap-1").with_error_rate(0.5)).unwrap()
}

fn probe(app: &CanaryApp, policy: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let work = app.url_for("/api/work");
    let mut args = vec!["--probe", &work, "--interval", "100ms", "--format", "json"];
    args.extend_from_slice(policy);
    let run = canary_in(dir.path(), &args);
    let json = report(&run);
    let code = match json["decision"].as_str().unwrap() {
        "promote" => 0,
        "rollback" => 1,
        _ => 4,
    };
    assert_eq!(run.code, Some(code), "{run}");
    json
}

/// The failure limit counts failed intervals in all, the consecutive limit
/// in a row: flapping reaches the first and never the second.
#[test]
fn flapping_reaches_the_failure_limit_but_not_the_consecutive_limit() {
    // In all: the third failure rolls back though none followed another.
    let json = probe(&flapping_app(), &["--count", "100", "--failure-limit", "3"]);
    assert_eq!(
        outcomes(&json),
        ["passed", "failed", "passed", "failed", "passed", "failed"],
        "{json}"
    );
    assert_eq!(
        reason(&json),
        "rollback: 3 failed interval(s) ≥ failure limit 3 (3 passed of 100 required)",
        "{json}"
    );

    // In a row only: never two in a row, so the count of passed intervals
    // decides, the failures in between counting for nothing (the failure
    // limit, 1000, is not reached): 8 passes take 15 intervals.
    let json = probe(
        &flapping_app(),
        &[
            "--count",
            "8",
            "--consecutive-limit",
            "3",
            "--failure-limit",
            "1000",
        ],
    );
    let mut want = ["passed", "failed"].repeat(7);
    want.push("passed");
    assert_eq!(outcomes(&json), want, "{json}");
    assert_eq!(json["policy"]["consecutive_limit"], 3, "{json}");
    assert_eq!(
        reason(&json),
        "promote: 8 interval(s) passed ≥ 8 required, 7 failed < failure limit 1000 (0 provider error(s), budget 3; 0 without data)",
        "{json}"
    );
    // The same policy with a deadline before the count: inconclusive,
    // with the failures counted and still no rollback.
    let json = probe(
        &flapping_app(),
        &[
            "--count",
            "1000",
            "--consecutive-limit",
            "3",
            "--failure-limit",
            "1000",
            "--deadline",
            "1s",
        ],
    );
    let (intervals, passed, failed) = (
        tally(&json, "intervals"),
        tally(&json, "passed"),
        tally(&json, "failed"),
    );
    assert!(intervals >= 3 && passed + failed == intervals, "{json}");
    assert_eq!(passed, intervals.div_ceil(2), "{json}");
    assert_eq!(
        reason(&json),
        format!(
            "inconclusive: deadline reached after {intervals} interval(s): {passed} passed of 1000 required, {} more needed ({failed} failed < failure limit 1000; 0 without data, 0 with provider errors)",
            1000 - passed
        ),
        "{json}"
    );

    // And the consecutive limit does bite when failures do follow each
    // other.
    let app = flapping_app();
    app.set_error_rate(1.0);
    let json = probe(
        &app,
        &[
            "--count",
            "8",
            "--consecutive-limit",
            "3",
            "--failure-limit",
            "1000",
        ],
    );
    assert_eq!(
        reason(&json),
        "rollback: 3 failed interval(s) in a row ≥ consecutive limit 3 (3 failed in all, 0 passed of 8 required)",
        "{json}"
    );
}
