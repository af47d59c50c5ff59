//! Pipeline 2 (examples/serverless) under `act`: a push to main builds the
//! backend, deploys it to dev through the GitOps repository (Cloud Run
//! service manifests), checks three health endpoints, promotes the exact
//! reference to staging and production; then a manual rollback of
//! production to a named version. Against the real registry and Docker
//! Engine, a bare GitOps repository and the canary app as the backend.

use std::path::{Path, PathBuf};
use std::time::Duration;

use gantry_test_support::act::{Act, ActWorkspace};
use gantry_test_support::canary_app::{CanaryApp, CanaryConfig};
use gantry_test_support::git_daemon::{bare_repo, git};
use gantry_test_support::registry::Registry;
use gantry_test_support::tools;

const ENVS: [&str; 3] = ["dev", "staging", "production"];

fn service(image: &str) -> String {
    format!(
        "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: backend\nspec:\n  template:\n    spec:\n      containers:\n        - image: {image} # deployed by CI\n          ports:\n            - containerPort: 8080\n"
    )
}

fn gitops(base: &Path, first: &str) -> PathBuf {
    let mut files = vec![(
        ".gantry/environments.yaml".to_owned(),
        "environments:\n  dev:\n    branch: main\n    paths: [dev]\n  staging:\n    branch: main\n    paths: [staging]\n  production:\n    branch: main\n    paths: [production]\n".to_owned(),
    )];
    for env in ENVS {
        files.push((format!("{env}/service.yaml"), service(first)));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    bare_repo(base, "backend-deploy", &refs).unwrap()
}

fn image_in(bare: &Path, env: &str) -> String {
    let file = git(bare, &["show", &format!("main:{env}/service.yaml")]).unwrap();
    file.lines()
        .find_map(|l| l.trim().strip_prefix("- image: "))
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_owned()
}

#[test]
fn push_to_main_deploys_dev_checks_health_promotes_and_a_named_rollback() {
    let bin = tools::target_bin_dir().unwrap();
    for name in ["gantry-tag", "gantry-gitops", "gantry-canary"] {
        tools::gantry_bin(name).unwrap();
    }
    let registry = Registry::start().unwrap();
    let prefix = format!("{}/acme", registry.host_port());
    let first = format!("{prefix}/backend:1.4.2");
    let base = tempfile::tempdir().unwrap();
    let bare = gitops(base.path(), &first);
    let app = CanaryApp::start(CanaryConfig::new("backend")).unwrap();
    let health = app.url_for("/health");
    let workspace = ActWorkspace::new().unwrap();
    workspace.add_reusable_workflows().unwrap();
    let url = format!("file://{}", bare.display());
    workspace
        .add_example(
            "serverless",
            &bin,
            &[
                ("ghcr.io/acme", &prefix),
                ("https://github.com/acme/backend-deploy.git", &url),
                ("https://dev.backend.acme.example.com/ml/health", &health),
                (
                    "https://dev.backend.acme.example.com/health/database",
                    &health,
                ),
                ("https://dev.backend.acme.example.com/health", &health),
            ],
        )
        .unwrap();
    let sha = workspace.commit().unwrap();
    let push = workspace.push_event("refs/heads/main", &sha).unwrap();

    let run = Act::file(".github/workflows/delivery.yml")
        .arg("-e")
        .arg(push.to_str().unwrap())
        .with_stand_ins()
        .unwrap()
        .timeout(Duration::from_secs(300))
        .run(&workspace)
        .unwrap();
    assert!(run.success(), "{run}");
    let deployed = image_in(&bare, "dev");
    assert!(
        deployed.starts_with(&format!("{prefix}/backend@sha256:")),
        "dev runs the image by digest: {deployed}"
    );
    for env in ["staging", "production"] {
        assert_eq!(
            image_in(&bare, env),
            deployed,
            "{env} got the exact reference"
        );
    }
    assert!(run.output.stdout.contains("/health"), "{run}");

    let rollback = Act::file(".github/workflows/rollback.yml")
        .event("workflow_dispatch")
        .arg("--input")
        .arg("environment=production")
        .arg("--input")
        .arg("version=1.4.2")
        .with_stand_ins()
        .unwrap()
        .run(&workspace)
        .unwrap();
    assert!(rollback.success(), "{rollback}");
    assert_eq!(image_in(&bare, "production"), first);
    assert_eq!(image_in(&bare, "staging"), deployed);
    let production = git(&bare, &["show", "main:production/service.yaml"]).unwrap();
    assert_eq!(
        production,
        service(&first),
        "only the image's bytes changed, twice"
    );
}

/// The job token act hands the workflow (the fake GitHub's).
const TOKEN: &str = "ghs_ExampleServerlessJobToken012345678";

/// A pull request: the quality gates and pr-check run, one comment shows
/// the manifest diff a deploy would make; a second push to the pull
/// request updates that comment instead of adding one. Nothing is built,
/// pushed or deployed. From a fork (a read-only token), the comment is
/// skipped and the run still passes.
#[test]
fn a_pull_request_gets_one_comment_that_later_pushes_update() {
    let bin = tools::target_bin_dir().unwrap();
    tools::gantry_bin("gantry-patch").unwrap();
    let github_repo = tempfile::tempdir().unwrap();
    let github_bare =
        bare_repo(github_repo.path(), "backend", &[("README.md", "backend\n")]).unwrap();
    let github =
        gantry_test_support::github::FakeGitHub::start(&github_bare, "acme/backend", TOKEN)
            .unwrap();
    let number = github.open_pull("feature", "main");
    let workspace = ActWorkspace::new().unwrap();
    workspace.add_reusable_workflows().unwrap();
    workspace.add_example("serverless", &bin, &[]).unwrap();
    let event = workspace.scratch().join("pull_request.json");
    let pull_request = |number: u64, sha: &str| {
        std::fs::write(
            &event,
            serde_json::json!({
                "number": number,
                "pull_request": {"number": number, "head": {"ref": "feature", "sha": sha}, "base": {"ref": "main"}},
                "repository": gantry_test_support::act_workflows::repository_payload(),
            })
            .to_string(),
        )
        .unwrap();
        Act::file(".github/workflows/pull-request.yml")
            .event("pull_request")
            .arg("-e")
            .arg(event.to_str().unwrap())
            .with_stand_ins()
            .unwrap()
            .secret("GITHUB_TOKEN", TOKEN)
            .env("GANTRY_GITHUB_API_URL", &github.url())
            .env("GANTRY_GITHUB_REPOSITORY", "acme/backend")
            .timeout(Duration::from_secs(300))
            .run(&workspace)
            .unwrap()
    };

    let sha = workspace.commit().unwrap();
    let first = pull_request(number, &sha);
    assert!(first.success(), "{first}");
    let comments = github.comments();
    assert_eq!(comments.len(), 1, "{comments:?}\n{first}");
    let id = comments[0].id;
    assert!(
        comments[0]
            .body
            .contains("-        - image: ghcr.io/acme/backend:1.4.2")
            && comments[0].body.contains(&format!(
                "+        - image: ghcr.io/acme/backend:pr-{number}"
            )),
        "{}",
        comments[0].body
    );

    // A second push: the pull request now also changes the manifest.
    let manifest = workspace.path().join("deploy/service.yaml");
    let text = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace("1.4.2", "1.5.0");
    std::fs::write(&manifest, text).unwrap();
    let sha = workspace.commit().unwrap();
    let second = pull_request(number, &sha);
    assert!(second.success(), "{second}");
    let comments = github.comments();
    assert_eq!(comments.len(), 1, "one comment, updated: {comments:?}");
    assert_eq!(comments[0].id, id);
    assert_eq!(comments[0].edits, 1);
    assert!(
        comments[0]
            .body
            .contains("-        - image: ghcr.io/acme/backend:1.5.0"),
        "{}",
        comments[0].body
    );
    assert!(!second.output.stdout.contains(TOKEN), "the token is masked");

    // From a fork: a new pull request whose token cannot write; the check
    // still passes, and its comment is skipped with a notice.
    let from_fork = github.open_pull("contributor:feature", "main");
    github.set_read_only(true);
    let fork = pull_request(from_fork, &sha);
    assert!(fork.success(), "{fork}");
    assert!(
        fork.output
            .stdout
            .contains("the pull request comment was skipped"),
        "{fork}"
    );
    assert_eq!(github.comments().len(), 1);
    // Nothing was deployed: the fake GitHub saw no deployment either.
    assert!(github.deployments().is_empty());
}
