//! The whole way back, end to end: gantry-canary moves a canary's traffic
//! in steps through `gantry-rollback shift` (HTTPRoute weights, or replica
//! ratios), a fault starts at step 2, the canary decides rollback, and its
//! rollback hook runs `gantry-rollback run`: traffic back on stable, the
//! canary scaled down and undone, the GitOps deploy reverted in a real
//! bare repository. The final state is checked object by object, and a
//! second rollback changes nothing.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gantry_test_support::canary_app::{CanaryApp, CanaryConfig};
use gantry_test_support::cli::{RunResult, gantry};
use gantry_test_support::git_daemon::{bare_repo, git};
use gantry_test_support::kube::FakeKube;
use gantry_test_support::tools::gantry_bin;
use serde_json::{Value, json};

use crate::rollback::{deployment, image_of};

pub(crate) const STABLE: &str = "ghcr.io/acme/web:1.0";
pub(crate) const CANARY: &str = "ghcr.io/acme/web:2.0";

pub(crate) fn manifest(image: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: {image}\n"
    )
}

struct Rig {
    kube: Arc<FakeKube>,
    app: Arc<CanaryApp>,
    dir: tempfile::TempDir,
    bare: PathBuf,
}

pub(crate) fn replicas_of(kube: &FakeKube, name: &str) -> i64 {
    kube.get("Deployment", "default", name).unwrap()["spec"]["replicas"]
        .as_i64()
        .unwrap()
}

pub(crate) fn route_weights(kube: &FakeKube) -> Vec<i64> {
    kube.get("HTTPRoute", "default", "web").unwrap()["spec"]["rules"][0]["backendRefs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["weight"].as_i64().unwrap())
        .collect()
}

/// Stable (1.0, 4 replicas) and canary (`canary_replicas`; revision 1 ran
/// 1.0, revision 2 runs 2.0) Deployments behind an HTTPRoute that sends
/// the canary nothing yet.
pub(crate) fn cluster(canary_replicas: u32) -> FakeKube {
    let kube = FakeKube::start().unwrap();
    kube.create(deployment("web-stable", STABLE, 4)).unwrap();
    kube.create(deployment("web-canary", STABLE, canary_replicas))
        .unwrap();
    assert!(kube.settle(Duration::from_secs(10)));
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
    let set = gantry("gantry-rollback")
        .unwrap()
        .args([
            "set-image",
            "web-canary",
            &format!("app={CANARY}"),
            "--timeout",
            "20s",
        ])
        .env("KUBECONFIG", kube.kubeconfig())
        .run()
        .unwrap();
    assert_eq!(set.code, Some(0), "{set}");
    kube
}

/// A GitOps repository in `base` whose last gantry deploy set 2.0.
pub(crate) fn gitops_repo(base: &Path) -> PathBuf {
    let bare = bare_repo(
        base,
        "deploy",
        &[("web/deployment.yaml", &manifest(STABLE))],
    )
    .unwrap();
    let update = gantry("gantry-gitops")
        .unwrap()
        .args([
            "update",
            "--repo",
            &format!("file://{}", bare.display()),
            "--branch",
            "main",
            "--set",
            &format!("ghcr.io/acme/web={CANARY}"),
        ])
        .run()
        .unwrap();
    assert_eq!(update.code, Some(0), "{update}");
    bare
}

/// The cluster, the GitOps repository and the canary app.
fn rig(canary_replicas: u32) -> Rig {
    let kube = cluster(canary_replicas);
    let dir = tempfile::tempdir().unwrap();
    let bare = gitops_repo(dir.path());
    let app = Arc::new(CanaryApp::start(CanaryConfig::new("2.0")).unwrap());
    Rig {
        kube: Arc::new(kube),
        app,
        dir,
        bare,
    }
}

impl Rig {
    fn target(&self, traffic: &str) -> PathBuf {
        let path = self.dir.path().join("rollback.yaml");
        std::fs::write(
            &path,
            format!(
                "traffic: {traffic}\nscale-down: [deployment/web-canary]\nundo: [{{workload: deployment/web-canary}}]\ntimeout: 20s\ngitops: {{repo: 'file://{}', branch: main, image: ghcr.io/acme/web}}\n",
                self.bare.display()
            ),
        )
        .unwrap();
        path
    }

    /// Crash the canary app once `fault_at(kube)` holds (step 2's weight).
    fn fault_when(
        &self,
        fault_at: impl Fn(&FakeKube) -> bool + Send + 'static,
    ) -> std::thread::JoinHandle<bool> {
        let app = self.app.clone();
        let kube = self.kube.clone();
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                if fault_at(&kube) {
                    app.crash();
                    return true;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            false
        })
    }

    fn canary(&self, target: &Path) -> RunResult {
        let rollback = gantry_bin("gantry-rollback").unwrap();
        let shift = format!(
            "'{}' shift --target '{}'",
            rollback.display(),
            target.display()
        );
        let restore = format!(
            "'{}' run --target '{}' --reason \"$GANTRY_REASON\"",
            rollback.display(),
            target.display()
        );
        gantry("gantry-canary")
            .unwrap()
            .args([
                "--probe",
                &self.app.url_for("/health"),
                "--interval",
                "100ms",
                "--count",
                "3",
                "--failure-limit",
                "2",
                "--steps",
                "10,50,100",
                "--on-step",
                &shift,
                "--on-rollback",
                &restore,
                "--hook-timeout",
                "60s",
                "--format",
                "json",
            ])
            .env("KUBECONFIG", self.kube.kubeconfig())
            .timeout(Duration::from_secs(120))
            .run()
            .unwrap()
    }

    fn assert_rolled_back(&self) {
        let kube = &self.kube;
        assert_eq!(replicas_of(kube, "web-canary"), 0, "canary scaled down");
        assert_eq!(
            image_of(kube, "web-canary"),
            STABLE,
            "canary undone to revision 1's image"
        );
        assert_eq!(
            replicas_of(kube, "web-stable"),
            4,
            "stable keeps its replicas"
        );
        assert_eq!(image_of(kube, "web-stable"), STABLE, "stable untouched");
        let canary_pods = kube
            .list("Pod", "default")
            .iter()
            .filter(|p| p["metadata"]["labels"]["app"] == "web-canary")
            .count();
        assert_eq!(canary_pods, 0, "no canary pod left");
        let work = self.dir.path().join("check");
        let _ = std::fs::remove_dir_all(&work);
        git(
            self.dir.path(),
            &[
                "clone",
                "-q",
                &format!("file://{}", self.bare.display()),
                "check",
            ],
        )
        .unwrap();
        let file = std::fs::read_to_string(work.join("web/deployment.yaml")).unwrap();
        assert_eq!(
            file,
            manifest(STABLE),
            "the GitOps repository says 1.0 again"
        );
        let message = git(&work, &["log", "-1", "--format=%B"]).unwrap();
        assert!(message.contains("Gantry-Operation: revert"), "{message}");
        assert!(message.contains("Gantry-Reverts: "), "{message}");
    }
}

fn restore_twice_is_a_no_op(rig: &Rig, target: &Path) {
    let writes = |kube: &FakeKube| {
        kube.requests()
            .iter()
            .filter(|r| matches!(r.method.as_str(), "PUT" | "PATCH" | "POST" | "DELETE"))
            .count()
    };
    let before = writes(&rig.kube);
    let head = git(&rig.bare, &["rev-parse", "main"]).unwrap();
    let again = gantry("gantry-rollback")
        .unwrap()
        .args([
            "run",
            "--target",
            &target.display().to_string(),
            "--format",
            "json",
        ])
        .env("KUBECONFIG", rig.kube.kubeconfig())
        .timeout(Duration::from_secs(60))
        .run()
        .unwrap();
    assert_eq!(again.code, Some(0), "{again}");
    let json: Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(json["changed"], false, "{json}");
    assert!(
        json["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["outcome"] == "already-there"),
        "{json}"
    );
    assert_eq!(
        writes(&rig.kube),
        before,
        "a second rollback writes nothing to the cluster"
    );
    assert_eq!(
        git(&rig.bare, &["rev-parse", "main"]).unwrap(),
        head,
        "nor to git"
    );
}

#[test]
fn a_fault_at_step_2_rolls_back_through_the_httproute() {
    // The canary runs 2 replicas behind the route; the rollback scales
    // them down after the route sends them nothing.
    let rig = rig(2);
    let target = rig.target("{http-route: {name: web, stable: web-stable, canary: web-canary}}");
    let fault = rig.fault_when(|kube| {
        kube.get("HTTPRoute", "default", "web")
            .is_some_and(|r| r["spec"]["rules"][0]["backendRefs"][1]["weight"] == 50)
    });
    let run = rig.canary(&target);
    assert!(fault.join().unwrap(), "step 2 was reached");
    assert_eq!(run.code, Some(1), "{run}");
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["decision"], "rollback", "{report}");
    let shifts: Vec<&str> = report["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "traffic")
        .map(|e| e["phase"].as_str().unwrap())
        .collect();
    assert_eq!(shifts, ["10%", "50%", "0%"], "{report}");
    let hook = report["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["phase"] == "rollback")
        .unwrap();
    assert_eq!(hook["success"], true, "{report}");
    assert_eq!(route_weights(&rig.kube), [100, 0]);
    rig.assert_rolled_back();
    restore_twice_is_a_no_op(&rig, &target);
}

#[test]
fn a_fault_at_step_2_rolls_back_through_replica_ratios() {
    let rig = rig(0);
    let target = rig.target("{replicas: {stable: web-stable, canary: web-canary}}");
    // Replica ratio 50% of 4: two canary replicas.
    let fault = rig.fault_when(|kube| {
        kube.get("Deployment", "default", "web-canary")
            .is_some_and(|d| d["spec"]["replicas"] == 2)
    });
    let run = rig.canary(&target);
    assert!(fault.join().unwrap(), "step 2 was reached");
    assert_eq!(run.code, Some(1), "{run}");
    rig.assert_rolled_back();
    assert_eq!(
        route_weights(&rig.kube),
        [100, 0],
        "the route was never touched"
    );
    restore_twice_is_a_no_op(&rig, &target);
}
