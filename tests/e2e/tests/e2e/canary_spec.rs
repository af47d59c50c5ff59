//! `gantry-canary --spec`: a spec file drives the analysis, flags override
//! it, and every mistake in it is exit 2 with the file and the field's path,
//! before anything is measured.

use std::path::Path;
use std::time::Duration;

use gantry_test_support::canary_app::{CanaryApp, CanaryConfig};
use gantry_test_support::cli::{RunResult, gantry};
use serde_json::Value;

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

#[test]
fn a_spec_runs_the_analysis_and_flags_override_it() {
    let app = CanaryApp::start(CanaryConfig::new("abc123")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("analysis.yaml"),
        format!(
            r#"
canary: {{name: web, version: abc123}}
interval: 100ms
count: 1000
failure-limit: 2
checks:
  - type: http
    name: version
    url: {version}
    expect-json: {{pointer: /version, equals: "{{{{version}}}}"}}
    headers: {{X-Probe-Token: "${{PROBE_TOKEN}}"}}
  - type: http
    url: {health}
    expect-status: [200]
    timeout: 2s
"#,
            version = app.url_for("/version?format=json"),
            health = app.url_for("/health"),
        ),
    )
    .unwrap();
    // --count overrides the spec's 1000; the spec's other settings hold.
    let run = gantry("gantry-canary")
        .unwrap()
        .args([
            "--spec",
            "analysis.yaml",
            "--count",
            "3",
            "--format",
            "json",
        ])
        .current_dir(dir.path())
        .env("PROBE_TOKEN", "pr0be-s3cret")
        .timeout(Duration::from_secs(60))
        .run()
        .unwrap();
    assert_eq!(run.code, Some(0), "{run}");
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["decision"], "promote", "{json}");
    assert_eq!(json["tally"]["passed"], 3, "{json}");
    assert!(
        run.stderr.contains("version"),
        "the check's name is shown:\n{run}"
    );
    assert!(
        !run.stdout.contains("pr0be-s3cret") && !run.stderr.contains("pr0be-s3cret"),
        "a header from the environment is never printed:\n{run}"
    );

    // The wrong version, from the spec's canary.version, fails.
    app.set_version("old999").unwrap();
    let run = gantry("gantry-canary")
        .unwrap()
        .args(["--spec", "analysis.yaml", "--count", "3"])
        .current_dir(dir.path())
        .env("PROBE_TOKEN", "pr0be-s3cret")
        .timeout(Duration::from_secs(60))
        .run()
        .unwrap();
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("old999"), "{run}");
}

#[test]
fn spec_mistakes_are_exit_2_with_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "checks: [{type: grpc, url: 'http://127.0.0.1:9/'}]",
            "checks[0]: unknown variant `grpc`, expected one of `http`, `prometheus`, `judge`, `kubernetes`",
        ),
        (
            "checks: [{type: prometheus, query: up, max: lots}]",
            "checks[0].max: invalid type: string \"lots\"",
        ),
        (
            "interval: -5s\nchecks: [{type: http, url: 'http://127.0.0.1:9/'}]",
            "invalid analysis.yaml interval `-5s`: must not be negative",
        ),
        (
            "checks: [{type: http, url: 'http://127.0.0.1:9/', timeout: soon}]",
            "invalid analysis.yaml checks[0].timeout `soon`",
        ),
        (
            "checks: [{type: http, url: 'ftp://example.com/'}]",
            "invalid analysis.yaml checks[0].url `ftp://example.com/`",
        ),
        (
            "checks: [{type: prometheus, query: up, max: 1}]",
            "checks[0].prometheus: no Prometheus for this check",
        ),
        (
            "checks: [{type: prometheus, query: up}]\nprometheus: {url: 'http://127.0.0.1:9'}",
            "checks[0].query `up` needs a threshold",
        ),
        (
            "failure-limit: 0\nchecks: [{type: http, url: 'http://127.0.0.1:9/'}]",
            "failure-limit: must be at least 1",
        ),
        (
            "checks: [{type: http, url: 'http://127.0.0.1:9/'",
            "is not valid YAML",
        ),
        ("interval: 1s", "nothing to watch"),
        (
            "checks: [{type: http, url: 'http://127.0.0.1:9/', headers: {X-Token: '${GANTRY_TEST_UNSET_VAR}'}}]",
            "checks[0].headers.X-Token: the variable GANTRY_TEST_UNSET_VAR is not set",
        ),
    ];
    for (text, words) in cases {
        std::fs::write(dir.path().join("analysis.yaml"), text).unwrap();
        let run = canary_in(dir.path(), &["--spec", "analysis.yaml"]);
        assert_eq!(run.code, Some(2), "{text}\n{run}");
        assert!(
            run.stderr.contains(words),
            "{text}: wanted {words:?}\n{run}"
        );
        assert!(
            !run.stderr.contains("watching"),
            "nothing is measured after bad input:\n{run}"
        );
    }
    let run = canary_in(dir.path(), &["--spec", "missing.yaml"]);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(
        run.stderr.contains("cannot read the spec missing.yaml"),
        "{run}"
    );
}

/// `--prometheus` is the spec's Prometheus too: one spec, written with its
/// own server, runs against the one the workflow names (flags win); a
/// check naming its own server keeps it.
#[test]
fn the_prometheus_flag_replaces_the_specs_server() {
    let prom = gantry_test_support::prometheus::Prometheus::start(&[]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("analysis.yaml"),
        "prometheus: {url: 'http://127.0.0.1:9'}\ninterval: 100ms\ncount: 2\nchecks:\n  - type: prometheus\n    name: zero\n    query: vector(0)\n    max: 1\n",
    )
    .unwrap();
    // The spec's own server does not answer: exit 3 before anything runs.
    let run = canary_in(dir.path(), &["--spec", "analysis.yaml"]);
    assert_eq!(run.code, Some(3), "{run}");
    assert!(run.stderr.contains("127.0.0.1:9"), "{run}");
    // The flag's server answers: the analysis runs and promotes.
    let run = canary_in(
        dir.path(),
        &["--spec", "analysis.yaml", "--prometheus", &prom.url()],
    );
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stderr.contains("promote"), "{run}");
}
