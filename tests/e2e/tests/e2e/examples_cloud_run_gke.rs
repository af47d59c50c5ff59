//! Pipeline 1 (examples/cloud-run-gke) under `act`: a push to develop builds
//! both images in parallel, tags them with the commit SHA (no `latest`:
//! that is main's), pushes them and rolls the GPU workers of development
//! out; a pull request builds and tests but pushes and deploys nothing.
//! Against the real registry and Docker Engine and the fake Kubernetes API.
//! The Cloud Run step has no service configured here and says so.

use std::time::Duration;

use gantry_test_support::act::{Act, ActWorkspace};
use gantry_test_support::kube::FakeKube;
use gantry_test_support::registry::Registry;
use gantry_test_support::tools;
use serde_json::json;

const OLD: &str = "europe-docker.pkg.dev/acme/apps/gpu-worker:old";

fn cluster() -> FakeKube {
    let kube = FakeKube::start().unwrap();
    kube.create(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "workers"}}))
        .ok();
    kube.create(json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "gpu-worker", "namespace": "workers", "labels": {"app": "gpu-worker"}},
        "spec": {
            "replicas": 2,
            "progressDeadlineSeconds": 5,
            "selector": {"matchLabels": {"app": "gpu-worker"}},
            "template": {
                "metadata": {"labels": {"app": "gpu-worker"}},
                "spec": {"containers": [{"name": "worker", "image": OLD}]},
            },
        },
    }))
    .unwrap();
    assert!(kube.settle(Duration::from_secs(10)));
    kube
}

fn worker_image(kube: &FakeKube) -> String {
    kube.get("Deployment", "workers", "gpu-worker").unwrap()["spec"]["template"]["spec"]
        ["containers"][0]["image"]
        .as_str()
        .unwrap()
        .to_owned()
}

struct Rig {
    registry: Registry,
    kube: FakeKube,
    workspace: ActWorkspace,
    sha: String,
}

fn rig(branch: &str) -> Rig {
    let bin = tools::target_bin_dir().unwrap();
    for name in ["gantry-tag", "gantry-rollback"] {
        tools::gantry_bin(name).unwrap();
    }
    let registry = Registry::start().unwrap();
    let kube = cluster();
    let workspace = ActWorkspace::new().unwrap();
    workspace.add_reusable_workflows().unwrap();
    let prefix = format!("{}/acme/apps", registry.host_port());
    workspace
        .add_example(
            "cloud-run-gke",
            &bin,
            &[("europe-docker.pkg.dev/acme/apps", &prefix)],
        )
        .unwrap();
    let sha = workspace.commit().unwrap();
    gantry_test_support::git_daemon::git(workspace.path(), &["branch", "-M", branch]).unwrap();
    Rig {
        registry,
        kube,
        workspace,
        sha,
    }
}

fn tags(registry: &Registry, image: &str) -> Option<Vec<String>> {
    let response = registry
        .request("GET", &format!("/v2/acme/apps/{image}/tags/list"))
        .send()
        .unwrap();
    if response.status == 404 {
        return None;
    }
    let json = response.json().unwrap();
    let mut tags: Vec<String> = json["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_owned())
        .collect();
    tags.sort();
    Some(tags)
}

#[test]
fn push_to_develop_builds_both_images_and_deploys_development() {
    let rig = rig("develop");
    let push = rig
        .workspace
        .push_event("refs/heads/develop", &rig.sha)
        .unwrap();
    let run = Act::file(".github/workflows/delivery.yml")
        .arg("-e")
        .arg(push.to_str().unwrap())
        .with_stand_ins()
        .unwrap()
        .secret(
            "GKE_KUBECONFIG",
            &std::fs::read_to_string(rig.kube.kubeconfig()).unwrap(),
        )
        .timeout(Duration::from_secs(300))
        .run(&rig.workspace)
        .unwrap();
    assert!(run.success(), "{run}");
    for image in ["api", "gpu-worker"] {
        assert_eq!(
            tags(&rig.registry, image),
            Some(vec![rig.sha.clone()]),
            "{image}: the SHA only, no latest off main\n{run}"
        );
    }
    assert_eq!(
        worker_image(&rig.kube),
        format!(
            "{}/acme/apps/gpu-worker:{}",
            rig.registry.host_port(),
            rig.sha
        )
    );
    assert!(
        run.output
            .stdout
            .contains("no CLOUD_RUN_SERVICE variable: the API is not deployed"),
        "{run}"
    );
}

#[test]
fn a_pull_request_builds_and_tests_but_pushes_and_deploys_nothing() {
    let rig = rig("feature");
    let event = rig.workspace.scratch().join("pull_request.json");
    std::fs::write(
        &event,
        json!({
            "number": 7,
            "pull_request": {
                "number": 7,
                "head": {"ref": "feature", "sha": rig.sha},
                "base": {"ref": "main"},
            },
            "repository": gantry_test_support::act_workflows::repository_payload(),
        })
        .to_string(),
    )
    .unwrap();
    let run = Act::file(".github/workflows/delivery.yml")
        .event("pull_request")
        .arg("-e")
        .arg(event.to_str().unwrap())
        .with_stand_ins()
        .unwrap()
        .timeout(Duration::from_secs(300))
        .run(&rig.workspace)
        .unwrap();
    assert!(run.success(), "{run}");
    for image in ["api", "gpu-worker"] {
        assert_eq!(
            tags(&rig.registry, image),
            None,
            "{image} was pushed\n{run}"
        );
    }
    assert_eq!(worker_image(&rig.kube), OLD);
    let writes: Vec<_> = rig
        .kube
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .collect();
    assert!(writes.is_empty(), "{writes:?}");
    assert!(run.output.stdout.contains("lint: ok"), "{run}");
}
