//! gantry-canary's Kubernetes check (`--workload`, or `type: kubernetes`
//! in a spec) against the fake API server: a rolled-out canary passes, a
//! crash-looping one fails with the pod named, one still rolling out is
//! no data (never a pass), and a missing workload is exit 2 before any
//! interval.

use std::time::Duration;

use gantry_test_support::cli::{RunResult, gantry};
use gantry_test_support::kube::{FakeKube, PodBehaviour};
use serde_json::Value;

use crate::rollback::deployment;

fn canary(kube: &FakeKube, args: &[&str]) -> RunResult {
    gantry("gantry-canary")
        .and_then(|cmd| {
            cmd.args(args)
                .env("KUBECONFIG", kube.kubeconfig())
                .timeout(Duration::from_secs(60))
                .run()
        })
        .unwrap_or_else(|error| panic!("gantry-canary {args:?}: {error}"))
}

#[test]
fn the_canary_workload_is_checked_every_interval() {
    let kube = FakeKube::start().unwrap();
    kube.create(deployment("web-canary", "ghcr.io/acme/web:2.0", 2))
        .unwrap();
    kube.create(deployment("web-crash", "ghcr.io/acme/web:2.0-crash", 1))
        .unwrap();
    kube.image_behaviour("never", PodBehaviour::NeverReady);
    // Within its progress deadline: still rolling out, not failed.
    let mut slow = deployment("web-slow", "ghcr.io/acme/web:never", 1);
    slow["spec"]["progressDeadlineSeconds"] = 600.into();
    kube.create(slow).unwrap();
    assert!(kube.settle(Duration::from_secs(10)));
    let base = ["--interval", "100ms", "--count", "3", "--format", "json"];

    let mut args = vec!["--workload", "deployment/web-canary"];
    args.extend(base);
    let run = canary(&kube, &args);
    assert_eq!(run.code, Some(0), "{run}");
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["checks"][0], "kubernetes: deployment/web-canary");
    assert!(
        run.stderr.contains("successfully rolled out"),
        "kubectl's words in each line: {run}"
    );

    let mut args = vec!["--workload", "web-crash", "--failure-limit", "2"];
    args.extend(base);
    let run = canary(&kube, &args);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stderr.contains("CrashLoopBackOff"),
        "the pod and its reason: {run}"
    );
    let pods: Vec<String> = kube
        .list("Pod", "default")
        .iter()
        .filter(|p| p["metadata"]["labels"]["app"] == "web-crash")
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        pods.iter().any(|p| run.stderr.contains(p.as_str())),
        "{pods:?}\n{run}"
    );

    let mut args = vec!["--workload", "web-slow", "--deadline", "1s"];
    args.extend(base);
    let run = canary(&kube, &args);
    assert_eq!(
        run.code,
        Some(4),
        "still rolling out is no data, never a pass: {run}"
    );
    assert!(run.stderr.contains("still rolling out"), "{run}");

    // A spec's `type: kubernetes`, with the namespace from `canary:`.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("analysis.yaml"),
        "canary: {namespace: default}\ninterval: 100ms\ncount: 2\nchecks: [{type: kubernetes, name: canary pods, workload: deployment/web-canary}]\n",
    )
    .unwrap();
    let run = gantry("gantry-canary")
        .unwrap()
        .args(["--spec", "analysis.yaml"])
        .current_dir(dir.path())
        .env("KUBECONFIG", kube.kubeconfig())
        .run()
        .unwrap();
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stderr.contains("canary pods"), "{run}");
}

#[test]
fn a_missing_workload_is_bad_input_before_any_interval() {
    let kube = FakeKube::start().unwrap();
    let run = canary(
        &kube,
        &["--workload", "deployment/nope", "--interval", "100ms"],
    );
    assert_eq!(run.code, Some(2), "{run}");
    assert!(
        run.stderr.contains("deployment default/nope not found"),
        "{run}"
    );
    assert!(!run.stderr.contains("[1]"), "nothing measured: {run}");
    let run = canary(
        &kube,
        &["--workload", "deploymnet/web", "--interval", "100ms"],
    );
    assert_eq!(run.code, Some(2), "{run}");
    assert!(run.stderr.contains("invalid workload"), "{run}");
}
