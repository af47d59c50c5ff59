//! Pipeline 3 (examples/flux-canary) under `act`, end to end, with the
//! reusable workflows and the binaries of this build, against the real
//! registry and Docker Engine, a bare GitOps repository holding Flux
//! HelmReleases, the fake Kubernetes API (the production HTTPRoute) and the
//! canary app as the two critical services.
//!
//! The example's hosts are pointed at the local services and its canary
//! runs at 200 ms intervals instead of 10 s; nothing else of the example
//! changes (see gantry_test_support::act_workflows for what act needs).

use std::time::Duration;

use gantry_test_support::act::{Act, ActWorkspace};
use gantry_test_support::canary_app::{CanaryApp, CanaryConfig};
use gantry_test_support::git_daemon::{bare_repo, git};
use gantry_test_support::github::FakeGitHub;
use gantry_test_support::kube::FakeKube;
use gantry_test_support::registry::Registry;
use gantry_test_support::tools;
use serde_json::json;

const SERVICES: [&str; 2] = ["api-server", "coordinator-service"];

fn helm_release(registry: &str, service: &str, tag: &str) -> String {
    format!(
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: {service}\n  namespace: acme\nspec:\n  interval: 5m\n  chart:\n    spec:\n      chart: ./charts/{service}\n  values:\n    # bumped by the delivery workflow\n    image:\n      repository: {registry}/acme/{service}\n      tag: \"{tag}\"\n"
    )
}

const ENVIRONMENTS: &str = "environments:\n  staging:\n    branch: staging\n    paths: [clusters/staging]\n  production:\n    branch: main\n    paths: [clusters/production]\n";

/// The GitOps repository: main (production) and staging branches.
fn gitops(base: &std::path::Path, registry: &str) -> std::path::PathBuf {
    let mut files = vec![(
        ".gantry/environments.yaml".to_owned(),
        ENVIRONMENTS.to_owned(),
    )];
    for env in ["staging", "production"] {
        for service in SERVICES {
            files.push((
                format!("clusters/{env}/{service}.yaml"),
                helm_release(registry, service, "sha-0000000"),
            ));
        }
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    let bare = bare_repo(base, "gitops", &refs).unwrap();
    git(&bare, &["branch", "staging", "main"]).unwrap();
    bare
}

fn cluster() -> FakeKube {
    let kube = FakeKube::start().unwrap();
    kube.create(json!({
        "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "production"}
    }))
    .ok();
    kube.create(json!({
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "acme", "namespace": "production"},
        "spec": {"rules": [{"backendRefs": [
            {"name": "acme-stable", "port": 80, "weight": 100},
            {"name": "acme-canary", "port": 80, "weight": 0},
        ]}]},
    }))
    .unwrap();
    kube
}

fn route_weights(kube: &FakeKube) -> Vec<i64> {
    let route = kube.get("HTTPRoute", "production", "acme").unwrap();
    route["spec"]["rules"][0]["backendRefs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["weight"].as_i64().unwrap())
        .collect()
}

/// Everything the example needs, started; and the workspace with the
/// example pointed at it.
struct Rig {
    registry: Registry,
    github: FakeGitHub,
    _github_repo: tempfile::TempDir,
    kube: FakeKube,
    app: CanaryApp,
    _base: tempfile::TempDir,
    bare: std::path::PathBuf,
    workspace: ActWorkspace,
}

fn rig() -> Rig {
    let bin = tools::target_bin_dir().unwrap();
    for name in [
        "gantry-tag",
        "gantry-gitops",
        "gantry-canary",
        "gantry-rollback",
    ] {
        tools::gantry_bin(name).unwrap();
    }
    let registry = Registry::start().unwrap();
    let kube = cluster();
    let app = CanaryApp::start(CanaryConfig::new("2.0")).unwrap();
    let base = tempfile::tempdir().unwrap();
    let bare = gitops(base.path(), &registry.host_port());
    let workspace = ActWorkspace::new().unwrap();
    workspace.add_reusable_workflows().unwrap();
    let registry_prefix = format!("{}/acme", registry.host_port());
    let gitops_url = format!("file://{}", bare.display());
    let health = app.url_for("/health");
    workspace
        .add_example(
            "flux-canary",
            &bin,
            &[
                ("ghcr.io/acme", &registry_prefix),
                ("https://github.com/acme/gitops.git", &gitops_url),
                ("https://canary.acme.example.com/api-server/health", &health),
                (
                    "https://canary.acme.example.com/coordinator-service/health",
                    &health,
                ),
                ("interval: 10s", "interval: 200ms"),
                ("count: 30", "count: 3"),
            ],
        )
        .unwrap();
    let github_repo = tempfile::tempdir().unwrap();
    let github_bare = bare_repo(github_repo.path(), "acme", &[("README.md", "acme\n")]).unwrap();
    let github = FakeGitHub::start(&github_bare, "acme/acme", TOKEN).unwrap();
    Rig {
        registry,
        github,
        _github_repo: github_repo,
        kube,
        app,
        _base: base,
        bare,
        workspace,
    }
}

/// The job token act hands the workflows (the fake GitHub's).
const TOKEN: &str = "ghs_ExampleFluxJobToken0123456789abcdef";

impl Rig {
    /// act running `workflow` of the example with the kubeconfig, the job
    /// token and the fake GitHub; the production environment's deployment
    /// created first, as GitHub creates it when the job starts (act's run
    /// id is 1).
    fn act(&self, workflow: &str, sha: &str) -> Act {
        self.github
            .environment_deployment("production", sha, "main", 1);
        Act::file(workflow)
            .with_stand_ins()
            .unwrap()
            .secret(
                "PRODUCTION_KUBECONFIG",
                &std::fs::read_to_string(self.kube.kubeconfig()).unwrap(),
            )
            .secret("GITHUB_TOKEN", TOKEN)
            .env("GANTRY_GITHUB_API_URL", &self.github.url())
            .env("GANTRY_GITHUB_REPOSITORY", "acme/acme")
            .timeout(Duration::from_secs(600))
    }

    /// The states of the production deployment's statuses.
    fn production_states(&self) -> Vec<String> {
        let deployments = self.github.deployments();
        let production: Vec<_> = deployments
            .iter()
            .filter(|d| d.environment == "production")
            .collect();
        assert_eq!(production.len(), 1, "{deployments:?}");
        production[0]
            .statuses
            .iter()
            .map(|(state, _, _)| state.clone())
            .collect()
    }
}

#[test]
fn push_to_main_builds_deploys_staging_and_promotes_the_production_canary() {
    let rig = rig();
    let sha = rig.workspace.commit().unwrap();
    let push = rig.workspace.push_event("refs/heads/main", &sha).unwrap();
    let run = rig
        .act(".github/workflows/delivery.yml", &sha)
        .arg("-e")
        .arg(push.to_str().unwrap())
        .run(&rig.workspace)
        .unwrap();
    assert!(run.success(), "{run}");
    let tag = format!("sha-{sha}");

    // The registry holds the base and both services under the commit's tag.
    for image in ["base", "api-server", "coordinator-service"] {
        let response = rig
            .registry
            .request("GET", &format!("/v2/acme/{image}/tags/list"))
            .send()
            .unwrap();
        let tags = response.json().unwrap();
        assert!(
            tags["tags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t == tag.as_str()),
            "{image}: {tags}"
        );
    }

    // Staging and production run the new images, one deploy commit each.
    for (branch, env) in [("staging", "staging"), ("main", "production")] {
        for service in SERVICES {
            let file = git(
                &rig.bare,
                &["show", &format!("{branch}:clusters/{env}/{service}.yaml")],
            )
            .unwrap();
            let prefix = format!("{}/acme/{service}", rig.registry.host_port());
            assert!(file.contains(&format!("repository: {prefix}")), "{file}");
            assert!(file.contains(&format!("tag: \"{tag}\"")), "{file}");
            assert!(
                file.contains("# bumped by the delivery workflow"),
                "comments kept: {file}"
            );
        }
        let log = git(&rig.bare, &["log", "--format=%s", branch]).unwrap();
        assert_eq!(log.lines().count(), 2, "{branch}: {log}");
    }

    // The canary was promoted: all traffic on the canary backend.
    assert_eq!(route_weights(&rig.kube), [0, 100]);
    // The step summaries (act prints each as `Summary - …`): the tags of
    // each image, the GitOps commit, the canary's decision and its chart.
    let summaries: Vec<&str> = run
        .output
        .stdout
        .lines()
        .filter_map(|l| l.split_once("⚙  Summary - ").map(|(_, s)| s))
        .collect();
    for expected in [
        "### Image tags",
        "### gantry-gitops update: pushed",
        "### gantry-canary: promote",
    ] {
        assert!(
            summaries.iter().any(|s| s.starts_with(expected)),
            "no summary starting {expected:?}: {summaries:?}"
        );
    }
    assert!(
        run.output.stdout.contains("```mermaid"),
        "the canary's chart"
    );
    assert_eq!(
        rig.production_states().last().map(String::as_str),
        Some("success")
    );
    assert!(!run.output.stdout.contains(TOKEN), "the token is masked");
}

/// A manual deploy whose canary fails: the critical services answer 503
/// once the canary gets its traffic; the canary rolls back: traffic back on
/// stable, both images reverted in the GitOps repository, the production
/// deployment marked failure, the job failed.
#[test]
fn a_manual_canary_that_fails_is_rolled_back() {
    let rig = rig();
    let sha = rig.workspace.commit().unwrap();
    rig.app.update(|c| c.health_status = 503).unwrap();
    let head_before = git(&rig.bare, &["rev-parse", "main"]).unwrap();
    let run = rig
        .act(".github/workflows/deploy-by-hand.yml", &sha)
        .event("workflow_dispatch")
        .arg("--input")
        .arg("environment=production")
        .arg("--input")
        .arg("canary=true")
        .arg("--input")
        .arg("canary_weight=30")
        .run(&rig.workspace)
        .unwrap();
    assert!(!run.success(), "the deploy fails: {run}");
    assert_eq!(route_weights(&rig.kube), [100, 0], "{run}");
    let states = rig.production_states();
    assert_eq!(
        states.last().map(String::as_str),
        Some("failure"),
        "{states:?}"
    );
    // Deploy commit, then one revert per image: the files are as before.
    let log = git(&rig.bare, &["log", "--format=%s", "main"]).unwrap();
    let subjects: Vec<&str> = log.lines().collect();
    assert_eq!(subjects.len(), 4, "{log}");
    assert!(subjects[0].starts_with("revert(production)"), "{log}");
    assert!(subjects[1].starts_with("revert(production)"), "{log}");
    for service in SERVICES {
        let path = format!("clusters/production/{service}.yaml");
        assert_eq!(
            git(&rig.bare, &["show", &format!("main:{path}")]).unwrap(),
            git(
                &rig.bare,
                &["show", &format!("{}:{path}", head_before.trim())]
            )
            .unwrap()
        );
    }
    // The report is kept as an artifact.
    let report = run
        .read_out("artifacts/canary-report-production-1/canary-report.json")
        .unwrap();
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["decision"], "rollback");
}

/// canary_weight 80 is refused before anything is deployed.
#[test]
fn a_manual_deploy_with_a_weight_over_50_is_refused() {
    let rig = rig();
    let sha = rig.workspace.commit().unwrap();
    let head_before = git(&rig.bare, &["rev-parse", "main"]).unwrap();
    let run = rig
        .act(".github/workflows/deploy-by-hand.yml", &sha)
        .event("workflow_dispatch")
        .arg("--input")
        .arg("environment=production")
        .arg("--input")
        .arg("canary_weight=80")
        .run(&rig.workspace)
        .unwrap();
    assert!(!run.success(), "{run}");
    assert!(
        run.output
            .stdout
            .contains("canary_weight must be a whole number from 1 to 50, got '80'"),
        "{run}"
    );
    assert_eq!(git(&rig.bare, &["rev-parse", "main"]).unwrap(), head_before);
    assert_eq!(route_weights(&rig.kube), [100, 0]);
    let states = rig.production_states();
    assert!(
        states.iter().all(|s| s == "queued" || s == "in_progress"),
        "{states:?}"
    );
}
