//! Traffic steps, hooks and the abort webhook through `gantry-canary`:
//! the shifter sees every weight in order, a fault at step 2 rolls back
//! and puts traffic back on stable, hooks run at their phase with the
//! decision in their environment, a pre-analysis failure rolls back
//! before any traffic moves, an abort webhook answering 2xx rolls back at
//! once, and every mistake in the settings is exit 2 before anything runs.

use std::path::Path;
use std::time::{Duration, Instant};

use gantry_test_support::canary_app::{CanaryApp, CanaryConfig};
use gantry_test_support::cli::{RunResult, gantry};
use gantry_test_support::fault_server::{Fault, FaultProxy};
use serde_json::Value;

fn canary(dir: &Path, args: &[&str]) -> RunResult {
    gantry("gantry-canary")
        .and_then(|cmd| {
            cmd.args(args)
                .current_dir(dir)
                .timeout(Duration::from_secs(90))
                .run()
        })
        .unwrap_or_else(|error| panic!("gantry-canary {args:?}: {error}"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// `weights.log`, one weight per line as the shifter saw them.
fn weights(dir: &Path) -> Vec<String> {
    read(&dir.join("weights.log"))
        .lines()
        .map(str::to_owned)
        .collect()
}

const SHIFT: &str = "echo \"$GANTRY_CANARY_WEIGHT\" >> weights.log";
const HOOK_ENV: &str =
    "echo \"$GANTRY_HOOK_NAME $GANTRY_PHASE $GANTRY_DECISION $GANTRY_CANARY_VERSION\" >> hooks.log";

#[test]
fn steps_move_traffic_in_order_and_promote_at_full_weight() {
    let app = CanaryApp::start(CanaryConfig::new("abc123")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = canary(
        dir.path(),
        &[
            "--probe",
            &app.url_for("/health"),
            "--interval",
            "100ms",
            "--count",
            "2",
            "--steps",
            "10,50,100",
            "--on-step",
            SHIFT,
            "--pre-analysis",
            HOOK_ENV,
            "--on-promote",
            HOOK_ENV,
            "--on-rollback",
            "touch rolled-back",
            "--canary-version",
            "abc123",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(weights(dir.path()), ["10", "50", "100", "100"], "{run}");
    assert_eq!(
        read(&dir.path().join("hooks.log")),
        "pre-analysis pre-analysis  abc123\non-promote promote promote abc123\n"
    );
    assert!(!dir.path().join("rolled-back").exists());
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        json["tally"]["passed"], 6,
        "two intervals at each of 3 steps: {json}"
    );
    assert_eq!(json["steps"], serde_json::json!([10, 50, 100]));
    let weights_seen: Vec<Value> = json["intervals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["canary_weight"].clone())
        .collect();
    assert_eq!(
        weights_seen,
        serde_json::json!([10, 10, 50, 50, 100, 100])
            .as_array()
            .unwrap()
            .clone()
    );
    let events = json["events"].as_array().unwrap();
    assert_eq!(events.len(), 6, "{json}");
    assert!(events.iter().all(|e| e["success"] == true), "{json}");
}

#[test]
fn a_fault_at_step_2_rolls_back_and_puts_traffic_back_on_stable() {
    let app = CanaryApp::start(CanaryConfig::new("abc123")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The fault starts when the canary gets 50%: a thread crashes the
    // app as soon as the shifter has written that weight.
    let app = std::sync::Arc::new(app);
    let crasher = {
        let (app, log) = (app.clone(), dir.path().join("weights.log"));
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                if read(&log).lines().any(|l| l == "50") {
                    app.crash();
                    return;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let run = canary(
        dir.path(),
        &[
            "--probe",
            &app.url_for("/health"),
            "--interval",
            "100ms",
            "--count",
            "3",
            "--failure-limit",
            "2",
            "--steps",
            "10,50,100",
            "--on-step",
            SHIFT,
            "--on-rollback",
            HOOK_ENV,
            "--canary-version",
            "abc123",
            "--format",
            "json",
        ],
    );
    crasher.join().unwrap();
    assert_eq!(run.code, Some(1), "{run}");
    assert_eq!(weights(dir.path()), ["10", "50", "0"], "{run}");
    assert_eq!(
        read(&dir.path().join("hooks.log")),
        "on-rollback rollback rollback abc123\n"
    );
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let at_fifty: Vec<&Value> = json["intervals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["canary_weight"] == 50)
        .collect();
    assert_eq!(
        at_fifty.len(),
        2,
        "rolled back at the second failure at 50%: {json}"
    );
}

#[test]
fn hook_and_shift_failures_roll_back() {
    let app = CanaryApp::start(CanaryConfig::new("abc123")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let probe = app.url_for("/health");
    let base = [
        "--probe",
        &probe,
        "--interval",
        "100ms",
        "--count",
        "2",
        "--format",
        "json",
    ];

    let mut args = base.to_vec();
    args.extend(["--pre-analysis", "echo smoke test failed >&2; exit 3"]);
    let run = canary(dir.path(), &args);
    assert_eq!(run.code, Some(1), "{run}");
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        json["reason"]
            .as_str()
            .unwrap()
            .contains("the pre-analysis hook `pre-analysis` failed (exit 3"),
        "{json}"
    );
    assert_eq!(json["tally"]["intervals"], 0, "nothing measured: {json}");
    assert!(run.stderr.contains("smoke test failed"), "{run}");

    let mut args = base.to_vec();
    let failing_shift =
        "echo \"$GANTRY_CANARY_WEIGHT\" >> weights.log; [ \"$GANTRY_CANARY_WEIGHT\" != 50 ]";
    args.extend(["--steps", "10,50", "--on-step", failing_shift]);
    let run = canary(dir.path(), &args);
    assert_eq!(run.code, Some(1), "{run}");
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        json["reason"]
            .as_str()
            .unwrap()
            .contains("moving traffic to canary 50%"),
        "{json}"
    );
    assert_eq!(weights(dir.path()), ["10", "50", "0"], "{run}");

    // A hook that hangs is killed at its timeout and fails.
    let mut args = base.to_vec();
    args.extend(["--pre-analysis", "sleep 30", "--hook-timeout", "300ms"]);
    let started = Instant::now();
    let run = canary(dir.path(), &args);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("timed out"), "{run}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn an_abort_webhook_answering_2xx_rolls_back_at_once() {
    let app = CanaryApp::start(CanaryConfig::new("abc123")).unwrap();
    let abort = FaultProxy::start(None).unwrap(); // 404 (carry on) until told otherwise
    let dir = tempfile::tempdir().unwrap();
    let url = abort.url();
    let injector = {
        let abort_rules = std::sync::Arc::new(abort);
        let handle = abort_rules.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(700));
            handle.inject(
                "POST",
                "/",
                100,
                Fault::status(200).body("halt: error budget burnt"),
            );
        });
        (abort_rules, t)
    };
    let run = canary(
        dir.path(),
        &[
            "--probe",
            &app.url_for("/health"),
            "--abort-webhook",
            &url,
            "--interval",
            "100ms",
            "--count",
            "1000",
            "--failure-limit",
            "50",
            "--format",
            "json",
        ],
    );
    injector.1.join().unwrap();
    assert_eq!(run.code, Some(1), "{run}");
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let reason = json["reason"].as_str().unwrap();
    assert!(reason.contains("halt: error budget burnt"), "{reason}");
    assert!(reason.contains("aborted after"), "{reason}");
    assert!(json["tally"]["failed"].as_u64().unwrap() <= 1, "{json}");
    let polls = injector.0.requests().len();
    assert!(polls >= 3, "polled every interval: {polls}");
}

#[test]
fn bad_step_and_hook_settings_are_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let probe = ["--probe", "http://127.0.0.1:9/health"];
    let cases: &[(&[&str], &str)] = &[
        (
            &["--steps", "10,5", "--on-step", "true"],
            "step 2 \"5\" is not more than the step before it (10)",
        ),
        (&["--steps", "10,150", "--on-step", "true"], "out of range"),
        (
            &["--steps", "10,50"],
            "traffic steps need a way to move traffic",
        ),
        (&["--on-step", "true"], "no steps are given"),
        (
            &["--steps", "10", "--step-webhook", "ftp://x/"],
            "invalid --step-webhook",
        ),
        (&["--abort-webhook", "not a url"], "abort webhook"),
        (
            &["--pre-analysis", "true", "--hook-timeout", "0s"],
            "invalid --hook-timeout",
        ),
    ];
    for (extra, words) in cases {
        let mut args = probe.to_vec();
        args.extend_from_slice(extra);
        let run = canary(dir.path(), &args);
        assert_eq!(run.code, Some(2), "{extra:?}\n{run}");
        assert!(
            run.stderr.contains(words),
            "{extra:?}: wanted {words:?}\n{run}"
        );
    }
    std::fs::write(
        dir.path().join("analysis.yaml"),
        "checks: [{type: http, url: 'http://127.0.0.1:9/'}]\nhooks: [{name: both, phase: step, command: 'true', webhook: {url: 'http://127.0.0.1:9/'}}]\n",
    )
    .unwrap();
    let run = canary(dir.path(), &["--spec", "analysis.yaml"]);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(
        run.stderr
            .contains("hooks[0]: give exactly one of `command` or `webhook`"),
        "{run}"
    );
}
