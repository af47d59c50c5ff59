//! `gantry-rollback` through the binary against the fake Kubernetes API
//! (real HTTP, a simulated deployment controller and kubelet): rollout
//! status with kubectl's messages and the crash-looping pods by name,
//! set-image with undo on failure, undo (previous, by revision, by image,
//! nothing to undo), traffic shifts, and bad input that changes nothing.

use std::path::Path;
use std::time::Duration;

use gantry_test_support::cli::{RunResult, gantry};
use gantry_test_support::kube::FakeKube;
use serde_json::{Value, json};

pub(crate) fn deployment(name: &str, image: &str, replicas: u32) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default", "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "progressDeadlineSeconds": 2,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": image}]},
            },
        },
    })
}

pub(crate) fn rollback(kube: &FakeKube, args: &[&str]) -> RunResult {
    gantry("gantry-rollback")
        .and_then(|cmd| {
            cmd.args(args)
                .env("KUBECONFIG", kube.kubeconfig())
                .timeout(Duration::from_secs(60))
                .run()
        })
        .unwrap_or_else(|error| panic!("gantry-rollback {args:?}: {error}"))
}

pub(crate) fn image_of(kube: &FakeKube, name: &str) -> String {
    kube.get("Deployment", "default", name).unwrap()["spec"]["template"]["spec"]["containers"][0]
        ["image"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn writes(kube: &FakeKube) -> usize {
    kube.requests()
        .iter()
        .filter(|r| matches!(r.method.as_str(), "PUT" | "PATCH" | "POST" | "DELETE"))
        .count()
}

#[test]
fn status_waits_and_names_the_crash_looping_pods() {
    let kube = FakeKube::start().unwrap();
    kube.create(deployment("web", "ghcr.io/acme/web:1.0", 2))
        .unwrap();
    let run = rollback(&kube, &["status", "deployment/web", "--timeout", "20s"]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(
        run.stdout
            .contains("deployment \"web\" successfully rolled out"),
        "{run}"
    );

    let run = rollback(
        &kube,
        &[
            "set-image",
            "deployment/web",
            "app=ghcr.io/acme/web:2.0-crash",
            "--timeout",
            "20s",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, Some(1), "{run}");
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["rollout"]["outcome"], "failed", "{json}");
    assert!(
        json["rollout"]["message"]
            .as_str()
            .unwrap()
            .contains("exceeded its progress deadline"),
        "{json}"
    );
    let pods = json["rollout"]["unhealthy_pods"].as_array().unwrap();
    assert!(!pods.is_empty(), "{json}");
    assert!(
        pods.iter()
            .all(|p| p.as_str().unwrap().contains("CrashLoopBackOff")),
        "{json}"
    );
    // The pods named are real pods of the new ReplicaSet.
    let live: Vec<String> = kube
        .list("Pod", "default")
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_owned())
        .collect();
    let named = pods[0].as_str().unwrap();
    assert!(
        live.iter().any(|p| named.contains(p.as_str())),
        "{named} in {live:?}"
    );
    // Recorded as kubectl records a change cause.
    let web = kube.get("Deployment", "default", "web").unwrap();
    assert!(
        web["metadata"]["annotations"]["kubernetes.io/change-cause"]
            .as_str()
            .unwrap()
            .contains("app=ghcr.io/acme/web:2.0-crash")
    );
}

#[test]
fn set_image_undoes_a_failed_rollout_when_asked() {
    let kube = FakeKube::start().unwrap();
    kube.create(deployment("web", "ghcr.io/acme/web:1.0", 2))
        .unwrap();
    assert!(kube.settle(Duration::from_secs(10)));
    let run = rollback(
        &kube,
        &[
            "set-image",
            "deployment/web",
            "app=ghcr.io/acme/web:2.0-crash",
            "--undo-on-failure",
            "--timeout",
            "20s",
        ],
    );
    assert_eq!(
        run.code,
        Some(1),
        "a failed rollout fails even when undone: {run}"
    );
    assert!(run.stdout.contains("rolled back to revision 1"), "{run}");
    assert_eq!(image_of(&kube, "web"), "ghcr.io/acme/web:1.0");
    assert_eq!(
        run.outputs().ok(),
        None,
        "not under Actions: no outputs file"
    );

    // A good image rolls out; the same image again is a no-op.
    let run = rollback(
        &kube,
        &[
            "set-image",
            "web",
            "app=ghcr.io/acme/web:1.1",
            "--timeout",
            "20s",
        ],
    );
    assert_eq!(run.code, Some(0), "{run}");
    let before = writes(&kube);
    let run = rollback(
        &kube,
        &[
            "set-image",
            "web",
            "app=ghcr.io/acme/web:1.1",
            "--timeout",
            "20s",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, Some(0), "{run}");
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["changed"], false, "{json}");
    assert_eq!(writes(&kube), before, "nothing written when already there");
}

#[test]
fn undo_goes_back_by_previous_revision_number_and_image() {
    let kube = FakeKube::start().unwrap();
    kube.create(deployment("web", "ghcr.io/acme/web:1.0", 1))
        .unwrap();
    // Revision 1 exists once the controller has seen the Deployment.
    assert!(kube.settle(Duration::from_secs(10)));
    for tag in ["1.1", "1.2"] {
        let run = rollback(
            &kube,
            &[
                "set-image",
                "web",
                &format!("app=ghcr.io/acme/web:{tag}"),
                "--timeout",
                "20s",
            ],
        );
        assert_eq!(run.code, Some(0), "{run}");
    }
    let run = rollback(&kube, &["undo", "deployment/web", "--timeout", "20s"]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("rolled back to revision 2"), "{run}");
    assert_eq!(image_of(&kube, "web"), "ghcr.io/acme/web:1.1");

    let run = rollback(
        &kube,
        &["undo", "web", "--to-revision", "1", "--timeout", "20s"],
    );
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(image_of(&kube, "web"), "ghcr.io/acme/web:1.0");

    let run = rollback(
        &kube,
        &["undo", "web", "--to-image", "1.2", "--timeout", "20s"],
    );
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(image_of(&kube, "web"), "ghcr.io/acme/web:1.2");

    // Already there: said so, nothing written.
    let before = writes(&kube);
    let run = rollback(
        &kube,
        &["undo", "web", "--to-image", "1.2", "--timeout", "20s"],
    );
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("skipped rollback"), "{run}");
    assert_eq!(writes(&kube), before);
    // The pod template hash label never leaks into the Deployment.
    let web = kube.get("Deployment", "default", "web").unwrap();
    assert!(web["spec"]["template"]["metadata"]["labels"]["pod-template-hash"].is_null());
}

#[test]
fn bad_input_is_exit_2_and_changes_nothing() {
    let kube = FakeKube::start().unwrap();
    kube.create(deployment("web", "ghcr.io/acme/web:1.0", 1))
        .unwrap();
    assert!(kube.settle(Duration::from_secs(10)));
    kube.clear_requests();
    let dir = tempfile::tempdir().unwrap();
    let unreadable = dir.path().join("missing-kubeconfig");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["undo", "deployment/api"],
            "deployment default/api not found",
        ),
        (vec!["undo", "web", "-n", "prod"], "not found"),
        (vec!["undo", "web"], "no rollout history to undo to"),
        (vec!["undo", "web", "--to-revision", "7"], "revision 7"),
        (vec!["set-image", "web", "nginx=nginx:1"], "app"),
        (vec!["set-image", "web", "app"], "expected CONTAINER=IMAGE"),
        (vec!["status", "deploymnet/web"], "invalid workload"),
        (
            vec!["status", "web", "--timeout", "-1s"],
            "invalid --timeout",
        ),
        (
            vec![
                "status",
                "web",
                "--kubeconfig",
                unreadable.to_str().unwrap(),
            ],
            "cannot use the kubeconfig",
        ),
    ];
    for (args, words) in &cases {
        let run = rollback(&kube, args);
        assert_eq!(run.code, Some(2), "{args:?}\n{run}");
        assert!(
            run.stderr.to_lowercase().contains(&words.to_lowercase()),
            "{args:?}: wanted {words:?}\n{run}"
        );
    }
    assert_eq!(
        writes(&kube),
        0,
        "bad input writes nothing: {:?}",
        kube.requests()
    );
    assert_eq!(image_of(&kube, "web"), "ghcr.io/acme/web:1.0");
    // An unreachable API server is an outside failure.
    let config = std::fs::read_to_string(kube.kubeconfig()).unwrap();
    let dead = dir.path().join("dead-kubeconfig");
    std::fs::write(&dead, config.replace(kube.host_port(), "127.0.0.1:9")).unwrap();
    let run = rollback(
        &kube,
        &["status", "web", "--kubeconfig", dead.to_str().unwrap()],
    );
    assert_eq!(run.code, Some(3), "{run}");
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn shift_sets_httproute_weights_and_replica_ratios() {
    let kube = FakeKube::start().unwrap();
    kube.create(json!({
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"rules": [{"backendRefs": [
            {"name": "web-stable", "port": 80, "weight": 100},
            {"name": "web-canary", "port": 80, "weight": 0},
        ]}]},
    }))
    .unwrap();
    kube.create(deployment("web-stable", "ghcr.io/acme/web:1.0", 4))
        .unwrap();
    kube.create(deployment("web-canary", "ghcr.io/acme/web:2.0", 0))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let route = write(
        dir.path(),
        "route.yaml",
        "traffic: {http-route: {name: web, stable: web-stable, canary: web-canary}}\n",
    );
    let replicas = write(
        dir.path(),
        "replicas.yaml",
        "traffic: {replicas: {stable: web-stable, canary: web-canary}}\n",
    );
    let weights = |kube: &FakeKube| -> Vec<i64> {
        kube.get("HTTPRoute", "default", "web").unwrap()["spec"]["rules"][0]["backendRefs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["weight"].as_i64().unwrap())
            .collect()
    };
    let run = rollback(&kube, &["shift", "--target", &route, "--weight", "25"]);
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(weights(&kube), [75, 25]);
    let run = gantry("gantry-rollback")
        .unwrap()
        .args(["shift", "--target", &route])
        .env("KUBECONFIG", kube.kubeconfig())
        .env("GANTRY_CANARY_WEIGHT", "50")
        .run()
        .unwrap();
    assert_eq!(
        run.code,
        Some(0),
        "the weight from gantry-canary's variable: {run}"
    );
    assert_eq!(weights(&kube), [50, 50]);

    let replicas_of = |kube: &FakeKube, name: &str| {
        kube.get("Deployment", "default", name).unwrap()["spec"]["replicas"]
            .as_i64()
            .unwrap()
    };
    let run = rollback(&kube, &["shift", "--target", &replicas, "--weight", "25"]);
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(
        (
            replicas_of(&kube, "web-stable"),
            replicas_of(&kube, "web-canary")
        ),
        (3, 1)
    );
    let run = rollback(&kube, &["shift", "--target", &replicas, "--weight", "0"]);
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(
        (
            replicas_of(&kube, "web-stable"),
            replicas_of(&kube, "web-canary")
        ),
        (4, 0)
    );

    for (args, words) in [
        (
            vec!["shift", "--target", &route, "--weight", "101"],
            "invalid --weight",
        ),
        (vec!["shift", "--target", &route], "no weight"),
    ] {
        let run = rollback(&kube, &args);
        assert_eq!(run.code, Some(2), "{run}");
        assert!(run.stderr.contains(words), "{run}");
    }
    let missing = write(
        dir.path(),
        "missing.yaml",
        "traffic: {http-route: {name: nope, stable: web-stable, canary: web-canary}}\n",
    );
    let run = rollback(&kube, &["shift", "--target", &missing, "--weight", "10"]);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(run.stderr.contains("not found"), "{run}");
}

#[test]
fn a_rollback_target_naming_a_missing_workload_changes_nothing() {
    let kube = FakeKube::start().unwrap();
    kube.create(json!({
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"rules": [{"backendRefs": [
            {"name": "web-stable", "port": 80, "weight": 50},
            {"name": "web-canary", "port": 80, "weight": 50},
        ]}]},
    }))
    .unwrap();
    kube.create(deployment("web-canary", "ghcr.io/acme/web:2.0", 1))
        .unwrap();
    assert!(kube.settle(Duration::from_secs(10)));
    kube.clear_requests();
    let dir = tempfile::tempdir().unwrap();
    let target = write(
        dir.path(),
        "rollback.yaml",
        "traffic: {http-route: {name: web, stable: web-stable, canary: web-canary}}\nscale-down: [deployment/web-canary]\nundo: [{workload: deployment/web-canray}]\n",
    );
    let run = rollback(&kube, &["run", "--target", &target]);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(
        run.stderr
            .contains("deployment default/web-canray not found"),
        "{run}"
    );
    assert_eq!(writes(&kube), 0, "the route and the canary are untouched");
}

#[test]
fn a_rollback_whose_undo_does_not_roll_out_is_exit_1() {
    let kube = FakeKube::start().unwrap();
    // Revision 1 crash-loops, revision 2 runs: undoing to 1 cannot finish.
    kube.create(deployment("web", "ghcr.io/acme/web:1.0-crash", 1))
        .unwrap();
    assert!(kube.settle(Duration::from_secs(10)));
    let run = rollback(
        &kube,
        &[
            "set-image",
            "web",
            "app=ghcr.io/acme/web:2.0",
            "--timeout",
            "20s",
        ],
    );
    assert_eq!(run.code, Some(0), "{run}");
    let dir = tempfile::tempdir().unwrap();
    let target = write(
        dir.path(),
        "rollback.yaml",
        "undo: [{workload: deployment/web}]\ntimeout: 20s\n",
    );
    let run = rollback(&kube, &["run", "--target", &target, "--format", "json"]);
    assert_eq!(run.code, Some(1), "the rollout did not finish: {run}");
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let undo = &json["steps"][0];
    assert_eq!(undo["outcome"], "failed", "{json}");
    assert!(
        undo["detail"]
            .as_str()
            .unwrap()
            .contains("the rollout did not finish")
            && undo["detail"]
                .as_str()
                .unwrap()
                .contains("CrashLoopBackOff"),
        "{json}"
    );
}
