//! `gantry-canary` through the binary, against the canary test app and a
//! real Prometheus scraping it: each scenario of the issue with the
//! decision it must reach, and bad input.

use std::time::{Duration, Instant};

use gantry_test_support::canary_app::{CanaryApp, CanaryConfig, Hang, Noise};
use gantry_test_support::cli::{RunResult, gantry};
use gantry_test_support::load::Load;
use gantry_test_support::prometheus::{self, Prometheus};
use serde_json::Value;

const ERROR_RATIO: &str = "sum(rate(http_requests_total{code=~\"5..\",path=~\"/api.*\",version=\"{{version}}\"}[5s])) / sum(rate(http_requests_total{path=~\"/api.*\",version=\"{{version}}\"}[5s]))";

fn canary(args: &[&str]) -> RunResult {
    gantry("gantry-canary")
        .and_then(|cmd| cmd.args(args).timeout(Duration::from_secs(120)).run())
        .unwrap_or_else(|error| panic!("gantry-canary {args:?}: {error}"))
}

fn report(run: &RunResult) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}\n{run}"))
}

#[test]
fn healthy_probes_promote_and_every_interval_is_explained() {
    let app = CanaryApp::start(CanaryConfig::new("abc123").with_noise(Noise::normal())).unwrap();
    let health = app.url_for("/version?format=json&probe=1");
    let version = app.url_for("/version?format=json");
    let dir = tempfile::tempdir().unwrap();
    let run = gantry("gantry-canary")
        .unwrap()
        .args([
            "--probe",
            &health,
            "--probe",
            &version,
            "--expect-json",
            "/version=abc123",
            "--interval",
            "200ms",
            "--count",
            "5",
            "--failure-limit",
            "2",
            "--latency-limit",
            "500ms",
            "--format",
            "json",
            "--report",
            &dir.path().join("report.json").display().to_string(),
        ])
        .github_actions(dir.path())
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(run.code, Some(0), "{run}");
    let json = report(&run);
    assert_eq!(json["decision"], "promote");
    assert_eq!(json["tally"]["passed"], 5);
    assert!(
        json["reason"]
            .as_str()
            .unwrap()
            .contains("5 interval(s) passed ≥ 5 required"),
        "{json}"
    );
    // One line per check per interval: value, threshold, verdict.
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.trim_start().starts_with('['))
        .collect();
    assert_eq!(lines.len(), 10, "{run}");
    assert!(lines.iter().all(|l| l.contains(") pass: ")), "{run}");
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    assert_eq!(written, json);
    let outputs = run.outputs().unwrap();
    assert_eq!(outputs["decision"], "promote");
    assert_eq!(
        serde_json::from_str::<Value>(&outputs["report"]).unwrap()["decision"],
        "promote"
    );
    let summary = run.step_summary().unwrap();
    assert!(summary.contains("### gantry-canary: promote"), "{summary}");
    assert!(summary.contains("```mermaid"), "{summary}");
}

#[test]
fn a_hanging_health_endpoint_fails_and_rolls_back() {
    let app = CanaryApp::start(CanaryConfig::new("abc123")).unwrap();
    app.set_hang(Hang::Health);
    let started = Instant::now();
    let run = canary(&[
        "--probe",
        &app.url_for("/health"),
        "--probe-timeout",
        "300ms",
        "--interval",
        "200ms",
        "--count",
        "10",
        "--failure-limit",
        "3",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, Some(1), "{run}");
    let json = report(&run);
    assert_eq!(json["decision"], "rollback");
    assert_eq!(json["tally"]["failed"], 3, "{json}");
    assert!(
        run.stderr.contains("timed out"),
        "a hang is a failure, said as such:\n{run}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

/// The issue's case: an endpoint answering 503, a failure limit above
/// the count. Failed intervals never count toward promotion (Flagger's
/// rule): the failure limit rolls back, or the deadline ends it
/// inconclusive; it is never promoted.
#[test]
fn every_interval_failing_never_promotes() {
    let app = CanaryApp::start(CanaryConfig::new("abc123")).unwrap();
    app.update(|c| c.health_status = 503).unwrap();
    let health = app.url_for("/health");
    let run = canary(&[
        "--probe",
        &health,
        "--count",
        "3",
        "--failure-limit",
        "5",
        "--interval",
        "100ms",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, Some(1), "{run}");
    let json = report(&run);
    assert_eq!(json["decision"], "rollback", "{json}");
    assert_eq!(
        json["reason"], "rollback: 5 failed interval(s) ≥ failure limit 5 (0 passed of 3 required)",
        "{json}"
    );
    assert_eq!(json["tally"]["failed"], 5, "{json}");
    assert_eq!(json["progress"]["passed"], 0, "{json}");
    assert_eq!(json["progress"]["required"], 3, "{json}");

    // A failure limit the deadline comes before: inconclusive, saying how
    // many passed intervals were missing.
    let run = canary(&[
        "--probe",
        &health,
        "--count",
        "3",
        "--failure-limit",
        "1000",
        "--interval",
        "100ms",
        "--deadline",
        "1s",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, Some(4), "{run}");
    let json = report(&run);
    assert_eq!(json["decision"], "inconclusive", "{json}");
    let reason = json["reason"].as_str().unwrap();
    assert!(
        reason.contains(": 0 passed of 3 required, 3 more needed ("),
        "{json}"
    );
    assert!(json["tally"]["failed"].as_u64().unwrap() >= 3, "{json}");
    assert_eq!(json["tally"]["passed"], 0, "{json}");
}

#[test]
fn a_wrong_version_rolls_back() {
    let app = CanaryApp::start(CanaryConfig::new("abc123")).unwrap();
    app.set_version("old456").unwrap();
    let run = canary(&[
        "--probe",
        &app.url_for("/version"),
        "--expect-body",
        "^abc123$",
        "--interval",
        "100ms",
        "--count",
        "5",
        "--failure-limit",
        "2",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, Some(1), "{run}");
    assert_eq!(report(&run)["decision"], "rollback");
}

#[test]
fn a_crashed_service_fails_the_probe() {
    let app = CanaryApp::start(CanaryConfig::new("abc123")).unwrap();
    app.crash();
    let run = canary(&[
        "--probe",
        &app.url_for("/health"),
        "--interval",
        "100ms",
        "--count",
        "5",
        "--failure-limit",
        "2",
    ]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stdout.starts_with("rollback: 2 failed interval(s)"),
        "{run}"
    );
}

/// Error spike mid-run, Prometheus down mid-run, and an idle service,
/// against one real Prometheus.
#[test]
fn prometheus_scenarios_reach_their_decisions() {
    let app = CanaryApp::start(CanaryConfig::new("v2").with_noise(Noise::normal())).unwrap();
    let idle = CanaryApp::start(CanaryConfig::new("idle")).unwrap();
    let mut prom = Some(Prometheus::start(&[app.host_port(), idle.host_port()]).unwrap());
    let p = prom.as_ref().unwrap();
    p.wait_for_scrape(prometheus::APP_JOB, Duration::from_secs(30))
        .unwrap();
    let load = Load::start(
        &[app.url_for("/api/work")],
        50.0,
        Duration::from_secs(90),
        4,
    )
    .unwrap();
    // A full rate window of healthy traffic first.
    std::thread::sleep(Duration::from_secs(6));
    let url = p.url();

    // Healthy with normal noise: promote.
    let run = canary(&[
        "--prometheus",
        &url,
        "--query",
        ERROR_RATIO,
        "--max",
        "0.05",
        "--canary-version",
        "v2",
        "--interval",
        "1s",
        "--count",
        "3",
        "--failure-limit",
        "2",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, Some(0), "{run}");

    // Error spike: 0 → 30% while the analysis runs; rolled back.
    let app2 = &app;
    let spike = std::thread::scope(|s| {
        let handle = s.spawn(|| {
            canary(&[
                "--prometheus",
                &url,
                "--query",
                ERROR_RATIO,
                "--max",
                "0.05",
                "--canary-version",
                "v2",
                "--interval",
                "1s",
                "--count",
                "30",
                "--failure-limit",
                "2",
                "--format",
                "json",
            ])
        });
        std::thread::sleep(Duration::from_secs(2));
        app2.set_error_rate(0.3);
        handle.join().unwrap()
    });
    assert_eq!(spike.code, Some(1), "{spike}");
    let json = report(&spike);
    assert_eq!(json["decision"], "rollback");
    assert!(
        json["tally"]["intervals"].as_u64().unwrap() < 15,
        "decided within the budget: {json}"
    );
    app.set_error_rate(0.0);
    let healed = Instant::now();

    // Idle service: the query has no data; never a silent pass.
    let run = canary(&[
        "--prometheus",
        &url,
        "--query",
        &ERROR_RATIO.replace("{{version}}", "idle"),
        "--max",
        "0.05",
        "--interval",
        "300ms",
        "--count",
        "3",
        "--deadline",
        "3s",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, Some(4), "{run}");
    let json = report(&run);
    assert_eq!(json["decision"], "inconclusive");
    assert!(
        json["reason"]
            .as_str()
            .unwrap()
            .contains("deadline reached"),
        "{json}"
    );
    assert!(json["tally"]["no_data"].as_u64().unwrap() >= 3, "{json}");
    let run = canary(&[
        "--prometheus",
        &url,
        "--query",
        &ERROR_RATIO.replace("{{version}}", "idle"),
        "--max",
        "0.05",
        "--interval",
        "300ms",
        "--count",
        "3",
        "--no-data",
        "fail",
        "--failure-limit",
        "2",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, Some(1), "no data as a failure, by policy: {run}");

    // Prometheus stopped mid-run: provider errors, not a rollback. (First
    // let the 5 s rate window forget the spike.)
    std::thread::sleep(Duration::from_secs(7).saturating_sub(healed.elapsed()));
    let stopped = std::thread::scope(|s| {
        let handle = s.spawn(|| {
            canary(&[
                "--prometheus",
                &url,
                "--query",
                ERROR_RATIO,
                "--max",
                "0.05",
                "--canary-version",
                "v2",
                "--interval",
                "500ms",
                "--count",
                "40",
                "--failure-limit",
                "2",
                "--provider-error-budget",
                "3",
                "--format",
                "json",
            ])
        });
        std::thread::sleep(Duration::from_secs(2));
        prom.take();
        handle.join().unwrap()
    });
    assert_eq!(stopped.code, Some(4), "{stopped}");
    let json = report(&stopped);
    assert_eq!(json["decision"], "inconclusive", "{json}");
    assert_eq!(json["tally"]["failed"], 0, "{json}");
    assert!(
        json["reason"]
            .as_str()
            .unwrap()
            .contains("provider errors > budget 3"),
        "{json}"
    );
    drop(load);
}

/// The issue's case: a report path in a directory that does not exist,
/// with hooks. Exit 2 naming the path, before any hook runs or anything is
/// probed; a FIFO as the spec is refused at once; a malformed header is
/// refused without its value.
#[test]
fn input_is_checked_before_any_hook_or_probe() {
    let app = CanaryApp::start(CanaryConfig::new("abc123")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("hook-ran");
    let hook = format!("touch '{}'", marker.display());
    let run = canary(&[
        "--probe",
        &app.url_for("/health"),
        "--count",
        "1",
        "--report",
        "/nonexistent/dir/r.json",
        "--pre-analysis",
        &hook,
        "--on-rollback",
        &hook,
        "--on-promote",
        &hook,
    ]);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(
        run.stderr.contains(
            "--report `/nonexistent/dir/r.json`: the directory `/nonexistent/dir` does not exist"
        ),
        "{run}"
    );
    assert!(!marker.exists(), "a hook ran");
    assert_eq!(app.status_counts(""), Default::default(), "probed");

    let fifo = dir.path().join("analysis.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let started = Instant::now();
    let run = canary(&["--spec", &fifo.display().to_string()]);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(
        run.stderr.contains("is a FIFO, not a regular file"),
        "{run}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));

    let run = canary(&[
        "--probe",
        &app.url_for("/health"),
        "--header",
        "X-Trace: 1",
        "--header",
        "Bearer hdr-s3cr3t-value",
    ]);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(run.stderr.contains("invalid --header (the 2nd)"), "{run}");
    assert!(!run.stderr.contains("hdr-s3cr3t-value"), "{run}");
    assert!(!run.stdout.contains("hdr-s3cr3t-value"), "{run}");
}

#[test]
fn bad_input_is_exit_2_and_an_unreachable_prometheus_exit_3() {
    let cases: [(&[&str], i32, &str); 9] = [
        (
            &["--probe", "http://127.0.0.1:1/health", "--interval", "-10s"],
            2,
            "invalid --interval `-10s`: must not be negative",
        ),
        (
            &["--probe", "http://127.0.0.1:1/health", "--interval", "ten"],
            2,
            "invalid --interval `ten`",
        ),
        (
            &["--probe", "ftp://x/health"],
            2,
            "invalid --probe `ftp://x/health`",
        ),
        (
            &["--probe", "http://127.0.0.1:1/health", "--no-data", "maybe"],
            2,
            "'maybe'",
        ),
        (
            &["--max", "0.01"],
            2,
            "--min and --max are thresholds of a --query",
        ),
        (
            &["--prometheus", "http://127.0.0.1:1"],
            2,
            "--prometheus needs a --query",
        ),
        (
            &["--prometheus", "http://127.0.0.1:1", "--query", "up"],
            2,
            "needs a threshold",
        ),
        (&[], 2, "nothing to watch"),
        (
            &[
                "--prometheus",
                "http://127.0.0.1:1",
                "--query",
                "up",
                "--min",
                "1",
            ],
            3,
            "127.0.0.1:1",
        ),
    ];
    for (args, code, want) in cases {
        let run = canary(args);
        assert_eq!(run.code, Some(code), "{args:?}: {run}");
        assert!(
            run.stderr.contains(want),
            "{args:?}: wanted {want:?}\n{run}"
        );
        assert!(!run.stderr.contains("panicked"), "{run}");
    }
    // A header's value is a secret: masked in everything printed.
    let run = canary(&[
        "--probe",
        "http://127.0.0.1:1/health",
        "--header",
        "Authorization: Bearer s3cr3t-token",
        "--interval",
        "100ms",
        "--count",
        "2",
        "--failure-limit",
        "1",
    ]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        !run.stdout.contains("s3cr3t-token") && !run.stderr.contains("s3cr3t-token"),
        "{run}"
    );
}
