//! What hook and traffic-shift commands receive from gantry-canary: its
//! own documented variables, never its credentials nor the outer run's
//! `GANTRY_*` settings, unless passed by name (`--hook-env`) or set in the
//! spec (`env:`).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use gantry_test_support::canary_app::{CanaryApp, CanaryConfig};
use gantry_test_support::cli::gantry;
use gantry_test_support::tools;
use serde_json::Value;

/// `NAME=value` lines of an `env` dump.
fn read_env(path: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// The case: the action passes its inputs as `GANTRY_*`
/// variables, and a pre-analysis hook runs gantry-canary itself (a smoke
/// check of its own). The inner run must not see the outer run's
/// `GANTRY_PRE_ANALYSIS` (it would run the same hook again, and again,
/// until the outer hook timed out) nor its probes: it does exactly what
/// its own flags say and the outer analysis goes on.
#[test]
fn gantry_canary_in_a_pre_analysis_hook_runs_only_its_own_analysis() {
    let app = CanaryApp::start(CanaryConfig::new("abc123")).unwrap();
    let health = app.url_for("/health");
    let inner_report = tempfile::tempdir().unwrap();
    let inner = tools::gantry_bin("gantry-canary").unwrap();
    let hook = format!(
        "'{}' --probe '{}?inner=1' --count 1 --interval 100ms --format json > '{}/inner.json'",
        inner.display(),
        health,
        inner_report.path().display()
    );
    let started = Instant::now();
    let run = gantry("gantry-canary")
        .unwrap()
        .args(["--format", "json"])
        .env("GANTRY_PROBES", &health)
        .env("GANTRY_COUNT", "1")
        .env("GANTRY_INTERVAL", "100ms")
        .env("GANTRY_PRE_ANALYSIS", &hook)
        .env("GANTRY_HOOK_TIMEOUT", "20s")
        .env("GANTRY_TOKEN", "outer-gantry-t0ken")
        .timeout(Duration::from_secs(60))
        .run()
        .unwrap();
    let took = started.elapsed();
    assert_eq!(run.code, Some(0), "{run}");
    assert!(took < Duration::from_secs(15), "{took:?}\n{run}");
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let events = report["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{report}");
    assert_eq!(events[0]["phase"], "pre-analysis", "{report}");
    assert_eq!(events[0]["success"], true, "{report}");
    // The inner run: its own probe only, no hook of its own.
    let inner: Value = serde_json::from_str(
        &std::fs::read_to_string(inner_report.path().join("inner.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(inner["decision"], "promote", "{inner}");
    assert_eq!(inner["checks"].as_array().unwrap().len(), 1, "{inner}");
    assert!(
        inner["checks"][0].as_str().unwrap().contains("inner=1"),
        "{inner}"
    );
    assert_eq!(inner["events"], Value::Array(Vec::new()), "{inner}");
}

/// Every kind of command, with credentials and `GANTRY_*` settings in
/// gantry's environment: a flag hook, a spec hook with `env:`, and the
/// traffic command, each dumping its environment.
#[test]
fn commands_get_their_variables_and_no_credentials() {
    let app = CanaryApp::start(CanaryConfig::new("abc123")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let spec = format!(
        "canary: {{name: web, namespace: prod, version: abc123}}
checks:
  - type: http
    url: {}
hooks:
  - name: spec-hook
    phase: pre-analysis
    command: env > '{d}/spec-hook.env'
    env:
      DEPLOY_TOKEN: ${{DEPLOY_TOKEN}}
      REGION: eu
steps: [50]
traffic:
  command: env > \"{d}/shift-$GANTRY_CANARY_WEIGHT.env\"
",
        app.url_for("/health")
    );
    std::fs::write(dir.path().join("analysis.yaml"), spec).unwrap();
    let secrets = [
        ("GANTRY_TOKEN", "gantry-t0ken-1"),
        ("GANTRY_REGISTRY_PASSWORD", "registry-pa55"),
        ("GITHUB_TOKEN", "ghs_github-t0ken"),
        ("GH_TOKEN", "gh-cli-t0ken"),
        ("ACTIONS_RUNTIME_TOKEN", "runtime-t0ken"),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "oidc-t0ken"),
        ("GOOGLE_OAUTH_ACCESS_TOKEN", "ya29.google-t0ken"),
    ];
    let mut cmd = gantry("gantry-canary")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "--spec",
            "analysis.yaml",
            "--count",
            "1",
            "--interval",
            "100ms",
            "--hook-env",
            "GH_TOKEN",
            "--on-promote",
        ])
        .arg(format!("env > '{d}/flag-hook.env'"))
        .env("GANTRY_EXTRA_SETTING", "outer")
        .env("DEPLOY_TOKEN", "spec-deploy-t0ken")
        .env("PLAIN_VARIABLE", "kept");
    for (name, value) in secrets {
        cmd = cmd.env(name, value);
    }
    let run = cmd.timeout(Duration::from_secs(60)).run().unwrap();
    assert_eq!(run.code, Some(0), "{run}");

    let spec_hook = read_env(&dir.path().join("spec-hook.env"));
    let flag_hook = read_env(&dir.path().join("flag-hook.env"));
    let shift = read_env(&dir.path().join("shift-50.env"));
    let shift_end = read_env(&dir.path().join("shift-100.env"));
    for (label, env) in [
        ("spec hook", &spec_hook),
        ("flag hook", &flag_hook),
        ("shift", &shift),
        ("final shift", &shift_end),
    ] {
        for (name, _) in secrets.iter().filter(|(n, _)| *n != "GH_TOKEN") {
            assert!(!env.contains_key(*name), "{label} got {name}: {env:?}");
        }
        // Passed by name.
        assert_eq!(
            env.get("GH_TOKEN").map(String::as_str),
            Some("gh-cli-t0ken"),
            "{label}"
        );
        assert!(
            !env.contains_key("GANTRY_EXTRA_SETTING"),
            "{label}: {env:?}"
        );
        assert_eq!(
            env.get("PLAIN_VARIABLE").map(String::as_str),
            Some("kept"),
            "{label}"
        );
    }
    // The hooks' own variables, and the spec's `env:`.
    assert_eq!(spec_hook["GANTRY_PHASE"], "pre-analysis");
    assert_eq!(spec_hook["GANTRY_CANARY_NAME"], "web");
    assert_eq!(spec_hook["GANTRY_HOOK_NAME"], "spec-hook");
    assert_eq!(spec_hook["GANTRY_CANARY_VERSION"], "abc123");
    assert_eq!(spec_hook["DEPLOY_TOKEN"], "spec-deploy-t0ken");
    assert_eq!(spec_hook["REGION"], "eu");
    assert_eq!(flag_hook["GANTRY_PHASE"], "promote");
    assert_eq!(flag_hook["GANTRY_DECISION"], "promote");
    assert_eq!(shift["GANTRY_CANARY_WEIGHT"], "50");
    assert_eq!(shift["GANTRY_STABLE_WEIGHT"], "50");
    assert_eq!(shift_end["GANTRY_CANARY_WEIGHT"], "100");
    // The spec's token is masked wherever gantry prints.
    assert!(!run.stdout.contains("spec-deploy-t0ken") && !run.stderr.contains("spec-deploy-t0ken"));
}
