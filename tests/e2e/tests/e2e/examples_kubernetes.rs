//! Pipeline 4 (examples/kubernetes) under `act`: a release tag, end to end,
//! with the reusable workflows and the binaries of this build, against the
//! real registry, Docker Engine and Prometheus, the fake Kubernetes API and
//! the canary app (which serves /health, /version and the metrics
//! Prometheus scrapes, as the deployed service would).
//!
//! Pointed at local services: the registry, the staging and production
//! URLs, Prometheus; the smoke test polls every 200 ms and the canary
//! watches for 3 intervals of 1 s instead of 10 of 30 s.

use std::time::Duration;

use gantry_test_support::act::{Act, ActWorkspace};
use gantry_test_support::canary_app::{CanaryApp, CanaryConfig};
use gantry_test_support::git_daemon::bare_repo;
use gantry_test_support::github::FakeGitHub;
use gantry_test_support::kube::FakeKube;
use gantry_test_support::load::Load;
use gantry_test_support::prometheus::{self, Prometheus};
use gantry_test_support::registry::Registry;
use gantry_test_support::tools;
use serde_json::{Value, json};

fn deployment(namespace: &str, name: &str, replicas: u32) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "progressDeadlineSeconds": 5,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "web", "image": "ghcr.io/acme/web:0.9.0"}]},
            },
        },
    })
}

fn cluster() -> FakeKube {
    let kube = FakeKube::start().unwrap();
    for namespace in ["staging", "production"] {
        kube.create(
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}),
        )
        .ok();
    }
    kube.create(deployment("staging", "web", 2)).unwrap();
    kube.create(deployment("production", "web", 10)).unwrap();
    kube.create(deployment("production", "web-canary", 0))
        .unwrap();
    assert!(kube.settle(Duration::from_secs(10)));
    kube
}

fn image(kube: &FakeKube, namespace: &str, name: &str) -> String {
    kube.get("Deployment", namespace, name).unwrap()["spec"]["template"]["spec"]["containers"][0]
        ["image"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn replicas(kube: &FakeKube, namespace: &str, name: &str) -> i64 {
    kube.get("Deployment", namespace, name).unwrap()["spec"]["replicas"]
        .as_i64()
        .unwrap()
}

#[test]
fn a_release_tag_builds_deploys_staging_canaries_and_rolls_out_production() {
    let bin = tools::target_bin_dir().unwrap();
    for name in ["gantry-tag", "gantry-canary", "gantry-rollback"] {
        tools::gantry_bin(name).unwrap();
    }
    let registry = Registry::start().unwrap();
    let kube = cluster();
    let workspace = ActWorkspace::new().unwrap();
    workspace.add_reusable_workflows().unwrap();
    let registry_prefix = format!("{}/acme", registry.host_port());

    // The service, as the smoke tests and Prometheus see it, must report the
    // commit act runs: the example is committed first to know it, then the
    // app is told its version.
    let app = CanaryApp::start(CanaryConfig::new("not-yet")).unwrap();
    let prom =
        Prometheus::start_with_labels(&[app.host_port()], &[("namespace", "production")]).unwrap();
    let _load = Load::start(
        &[app.url_for("/api/work")],
        20.0,
        Duration::from_secs(300),
        4,
    )
    .unwrap();
    workspace
        .add_example(
            "kubernetes",
            &bin,
            &[
                ("ghcr.io/acme", &registry_prefix),
                // The app answers JSON at /version?format=json.
                (
                    "https://staging.acme.example.com/version",
                    &app.url_for("/version?format=json"),
                ),
                (
                    "https://acme.example.com/version",
                    &app.url_for("/version?format=json"),
                ),
                ("https://staging.acme.example.com", &app.url()),
                ("https://acme.example.com", &app.url()),
                ("https://prometheus.acme.example.com", &prom.url()),
                ("interval: 10s", "interval: 200ms"),
                ("interval: 30s", "interval: 1s"),
                ("count: 10", "count: 3"),
            ],
        )
        .unwrap();
    let sha = workspace.commit().unwrap();
    app.update(|c| c.version = sha.clone()).unwrap();
    prom.wait_for_scrape(prometheus::APP_JOB, Duration::from_secs(30))
        .unwrap();

    // The production environment's deployment, as GitHub creates it when
    // the job starts (act creates none; its run id is 1).
    let github_repo = tempfile::tempdir().unwrap();
    let github_bare = bare_repo(github_repo.path(), "web", &[("README.md", "web\n")]).unwrap();
    let github = FakeGitHub::start(&github_bare, "acme/web", TOKEN).unwrap();
    let deployment = github.environment_deployment("production", &sha, "refs/tags/v1.2.0", 1);

    let event = workspace.push_event("refs/tags/v1.2.0", &sha).unwrap();
    let run = Act::file(".github/workflows/delivery.yml")
        .arg("-e")
        .arg(event.to_str().unwrap())
        .with_stand_ins()
        .unwrap()
        .secret(
            "KUBECONFIG",
            &std::fs::read_to_string(kube.kubeconfig()).unwrap(),
        )
        .secret("GITHUB_TOKEN", TOKEN)
        .env("GANTRY_GITHUB_API_URL", &github.url())
        .env("GANTRY_GITHUB_REPOSITORY", "acme/web")
        .timeout(Duration::from_secs(600))
        .run(&workspace)
        .unwrap();
    assert!(run.success(), "{run}");

    // The registry: the version, major.minor, latest (metadata-action's
    // flavor latest=auto gives it to a semver tag) and the commit's tag.
    let tags = registry
        .request("GET", "/v2/acme/web/tags/list")
        .send()
        .unwrap()
        .json()
        .unwrap();
    let mut tags: Vec<String> = tags["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_owned())
        .collect();
    tags.sort();
    assert_eq!(
        tags,
        ["1.2", "1.2.0", "latest", &format!("sha-{sha}")],
        "{run}"
    );

    // Staging and production run the image by digest; the canary's
    // replicas went back to web after the promotion.
    let staging = image(&kube, "staging", "web");
    assert!(
        staging.starts_with(&format!("{registry_prefix}/web@sha256:")),
        "{staging}"
    );
    assert_eq!(image(&kube, "production", "web"), staging);
    assert_eq!(image(&kube, "production", "web-canary"), staging);
    assert_eq!(replicas(&kube, "production", "web"), 10);
    assert_eq!(replicas(&kube, "production", "web-canary"), 0);

    // The analysis was reported on the environment's deployment.
    let deployments = github.deployments();
    assert_eq!(deployments.len(), 1, "{deployments:?}");
    assert_eq!(deployments[0].id, deployment);
    let states: Vec<&str> = deployments[0]
        .statuses
        .iter()
        .map(|(state, _, _)| state.as_str())
        .collect();
    assert_eq!(states.last(), Some(&"success"), "{states:?}\n{run}");
    assert!(!run.output.stdout.contains(TOKEN), "the token is masked");
}

/// The job token act hands the workflow (the fake GitHub's).
const TOKEN: &str = "ghs_ExampleKubernetesJobToken0123456789";
