//! Command hooks against real processes: what they are told, how they
//! fail, and that a hook over its time limit dies with its children.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(unix)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use gantry_analysis::Verdict;
use gantry_hooks::{Action, Hook, HookContext, Phase, run_hook};
use gantry_traffic::Weight;

fn hook(phase: Phase, shell: &str, timeout: Duration) -> Hook {
    Hook {
        name: "smoke".into(),
        phase,
        action: Action::Command {
            shell: shell.into(),
            env: BTreeMap::new(),
            pass: Vec::new(),
        },
        timeout,
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// The hook variables a script wrote with `env` (other `GANTRY_*`
/// variables of the test's own environment are not the hook's).
fn gantry_env(text: &str) -> BTreeMap<String, String> {
    use gantry_hooks::context::*;
    let known = [
        PHASE_VAR,
        HOOK_NAME_VAR,
        NAME_VAR,
        NAMESPACE_VAR,
        VERSION_VAR,
        WEIGHT_VAR,
        STABLE_WEIGHT_VAR,
        STEP_VAR,
        DECISION_VAR,
        REASON_VAR,
        CHECKSUM_VAR,
    ];
    text.lines()
        .filter_map(|l| l.split_once('='))
        .filter(|(k, _)| known.contains(k))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> BTreeMap<String, String> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test]
async fn each_phase_tells_the_script_what_applies() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("env.txt");
    let shell = format!("env > '{}'; echo checked", out.display());
    let base = HookContext {
        name: "web".into(),
        namespace: "prod".into(),
        version: "abc123".into(),
        ..HookContext::default()
    };
    let step = HookContext {
        weight: Weight::new(25),
        step: Some(2),
        ..base.clone()
    };
    let promote = HookContext {
        weight: Some(Weight::FULL),
        decision: Some(Verdict::Promote),
        reason: Some("promote: 10 interval(s) passed ≥ 10 required".into()),
        ..base.clone()
    };
    let common = [
        ("GANTRY_HOOK_NAME", "smoke"),
        ("GANTRY_CANARY_NAME", "web"),
        ("GANTRY_CANARY_NAMESPACE", "prod"),
        ("GANTRY_CANARY_VERSION", "abc123"),
    ];
    for (phase, ctx, extra) in [
        (
            Phase::PreAnalysis,
            &base,
            vec![("GANTRY_PHASE", "pre-analysis")],
        ),
        (
            Phase::Step,
            &step,
            vec![
                ("GANTRY_PHASE", "step"),
                ("GANTRY_CANARY_WEIGHT", "25"),
                ("GANTRY_STABLE_WEIGHT", "75"),
                ("GANTRY_STEP", "2"),
            ],
        ),
        (
            Phase::Promote,
            &promote,
            vec![
                ("GANTRY_PHASE", "promote"),
                ("GANTRY_CANARY_WEIGHT", "100"),
                ("GANTRY_STABLE_WEIGHT", "0"),
                ("GANTRY_DECISION", "promote"),
                (
                    "GANTRY_REASON",
                    "promote: 10 interval(s) passed ≥ 10 required",
                ),
            ],
        ),
    ] {
        let outcome = run_hook(
            &client(),
            &hook(phase, &shell, Duration::from_secs(20)),
            ctx,
        )
        .await;
        assert!(outcome.success, "{phase}: {}", outcome.detail);
        assert!(
            outcome.detail.starts_with("exit 0 in "),
            "{}",
            outcome.detail
        );
        assert_eq!(outcome.output, "checked\n");
        let mut want = pairs(&common);
        want.extend(pairs(&extra));
        assert_eq!(
            gantry_env(&std::fs::read_to_string(&out).unwrap()),
            want,
            "{phase}"
        );
    }
}

#[tokio::test]
async fn a_failing_hook_reports_its_exit_and_output() {
    let outcome = run_hook(
        &client(),
        &hook(
            Phase::Step,
            "echo 'smoke test: GET /health -> 500' >&2; exit 3",
            Duration::from_secs(20),
        ),
        &HookContext::default(),
    )
    .await;
    assert!(!outcome.success);
    assert!(
        outcome.detail.starts_with("exit 3 in "),
        "{}",
        outcome.detail
    );
    assert_eq!(outcome.output, "smoke test: GET /health -> 500\n");

    let outcome = run_hook(
        &client(),
        &hook(Phase::Step, "./no-such-script.sh", Duration::from_secs(20)),
        &HookContext::default(),
    )
    .await;
    assert!(!outcome.success);
    assert!(
        outcome.detail.starts_with("exit 127 in "),
        "{}",
        outcome.detail
    );
    assert!(
        outcome.output.contains("no-such-script.sh"),
        "{}",
        outcome.output
    );
}

#[tokio::test]
async fn a_hook_that_cannot_run_fails_with_why() {
    for (h, want) in [
        (
            hook(Phase::PreAnalysis, "  ", Duration::from_secs(1)),
            "hook \"smoke\": the command is empty",
        ),
        (
            hook(Phase::PreAnalysis, "true", Duration::ZERO),
            "hook \"smoke\": the timeout must be more than 0",
        ),
    ] {
        let outcome = run_hook(&client(), &h, &HookContext::default()).await;
        assert!(!outcome.success);
        assert_eq!(outcome.detail, want);
    }
}

#[tokio::test]
async fn huge_output_keeps_its_tail_and_says_so() {
    let outcome = run_hook(
        &client(),
        &hook(
            Phase::Step,
            "i=0; while [ $i -lt 20000 ]; do echo \"noise $i\"; i=$((i+1)); done; echo 'the real error'",
            Duration::from_secs(60),
        ),
        &HookContext::default(),
    )
    .await;
    assert!(outcome.success, "{}", outcome.detail);
    assert!(
        outcome.output.starts_with("[… "),
        "{}",
        &outcome.output[..40]
    );
    assert!(outcome.output.ends_with("noise 19999\nthe real error\n"));
    assert!(outcome.output.len() < gantry_traffic::exec::MAX_OUTPUT + 100);
}

#[cfg(target_os = "linux")]
fn is_dead(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with(['Z', 'X'])),
    }
}

#[cfg(not(target_os = "linux"))]
fn is_dead(pid: u32) -> bool {
    !std::process::Command::new("kill")
        .args(["-0", &pid.to_string()])
        .status()
        .unwrap()
        .success()
}

#[tokio::test]
async fn a_hook_over_its_time_limit_is_killed_with_its_children() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("child.pid");
    let shell = format!(
        "sleep 60 & echo $! > '{}'; echo 'load test running'; wait",
        pid_file.display()
    );
    let outcome = run_hook(
        &client(),
        &hook(Phase::PreAnalysis, &shell, Duration::from_millis(1500)),
        &HookContext::default(),
    )
    .await;
    assert!(!outcome.success);
    assert_eq!(
        outcome.detail,
        "timed out after 1.5 s (process group killed)"
    );
    assert_eq!(outcome.output, "load test running\n");
    let pid: u32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // SIGKILL lands at once, but give the kernel a moment to tear down.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !is_dead(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let dead = is_dead(pid);
    if !dead {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
    assert!(dead, "the hook's child {pid} outlived its timeout");
}
