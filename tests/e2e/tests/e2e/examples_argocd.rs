//! Pipeline 5 (examples/argocd-services) under `act`: a push to main finds
//! the services, tests and builds each in a matrix and deploys them all to
//! dev; two manual promotions move the exact references on to staging and
//! production; a manual rollback reverts one service in production. Against
//! the real registry and Docker Engine and a bare GitOps repository laid out
//! for Argo CD (Helm values per environment), with the reusable workflows
//! and the binaries of this build.

use std::path::{Path, PathBuf};
use std::time::Duration;

use gantry_test_support::act::{Act, ActWorkspace};
use gantry_test_support::git_daemon::{bare_repo, git};
use gantry_test_support::registry::Registry;
use gantry_test_support::tools;

const SERVICES: [&str; 2] = ["cart", "catalog"];
const ENVS: [&str; 3] = ["dev", "staging", "production"];

fn values(registry: &str, service: &str, tag: &str) -> String {
    format!(
        "# Helm values of {service}; Argo CD's Application points here.\nreplicaCount: 2\nimage:\n  repository: {registry}/acme/{service}\n  tag: {tag} # set by CI\n"
    )
}

fn gitops(base: &Path, registry: &str) -> PathBuf {
    let mut files = vec![(
        ".gantry/environments.yaml".to_owned(),
        "environments:\n  dev:\n    branch: main\n    paths: [envs/dev]\n  staging:\n    branch: main\n    paths: [envs/staging]\n  production:\n    branch: main\n    paths: [envs/production]\n".to_owned(),
    )];
    for env in ENVS {
        for service in SERVICES {
            files.push((
                format!("envs/{env}/{service}.yaml"),
                values(registry, service, "sha-0000000"),
            ));
        }
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    bare_repo(base, "gitops", &refs).unwrap()
}

fn tag_in(bare: &Path, env: &str, service: &str) -> String {
    let file = git(bare, &["show", &format!("main:envs/{env}/{service}.yaml")]).unwrap();
    file.lines()
        .find_map(|l| l.trim().strip_prefix("tag: "))
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_owned()
}

#[test]
fn services_build_deploy_to_dev_and_are_promoted_then_one_is_rolled_back() {
    let bin = tools::target_bin_dir().unwrap();
    for name in ["gantry-tag", "gantry-gitops"] {
        tools::gantry_bin(name).unwrap();
    }
    let registry = Registry::start().unwrap();
    let base = tempfile::tempdir().unwrap();
    let bare = gitops(base.path(), &registry.host_port());
    let workspace = ActWorkspace::new().unwrap();
    workspace.add_reusable_workflows().unwrap();
    let prefix = format!("{}/acme", registry.host_port());
    let url = format!("file://{}", bare.display());
    workspace
        .add_example(
            "argocd-services",
            &bin,
            &[
                ("ghcr.io/acme", &prefix),
                ("https://github.com/acme/gitops.git", &url),
            ],
        )
        .unwrap();
    let sha = workspace.commit().unwrap();
    let tag = format!("sha-{sha}");

    let push = workspace.push_event("refs/heads/main", &sha).unwrap();
    let ci = Act::file(".github/workflows/ci.yml")
        .arg("-e")
        .arg(push.to_str().unwrap())
        .with_stand_ins()
        .unwrap()
        .timeout(Duration::from_secs(300))
        .run(&workspace)
        .unwrap();
    assert!(ci.success(), "{ci}");
    for service in SERVICES {
        let tags = registry
            .request("GET", &format!("/v2/acme/{service}/tags/list"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        assert_eq!(tags["tags"], serde_json::json!([tag]), "{service}");
        assert_eq!(tag_in(&bare, "dev", service), tag);
        assert_eq!(tag_in(&bare, "staging", service), "sha-0000000");
    }

    for to in ["staging", "production"] {
        let run = Act::file(".github/workflows/promote.yml")
            .event("workflow_dispatch")
            .arg("--input")
            .arg(&format!("to={to}"))
            .with_stand_ins()
            .unwrap()
            .run(&workspace)
            .unwrap();
        assert!(run.success(), "{run}");
        for service in SERVICES {
            assert_eq!(tag_in(&bare, to, service), tag, "{to} {service}\n{run}");
        }
    }
    // Comments and layout survive every step.
    let production = git(&bare, &["show", "main:envs/production/cart.yaml"]).unwrap();
    assert_eq!(production, values(&registry.host_port(), "cart", &tag));

    let rollback = Act::file(".github/workflows/rollback.yml")
        .event("workflow_dispatch")
        .arg("--input")
        .arg("environment=production")
        .arg("--input")
        .arg("service=cart")
        .with_stand_ins()
        .unwrap()
        .run(&workspace)
        .unwrap();
    assert!(rollback.success(), "{rollback}");
    assert_eq!(tag_in(&bare, "production", "cart"), "sha-0000000");
    assert_eq!(tag_in(&bare, "production", "catalog"), tag);
    assert_eq!(tag_in(&bare, "staging", "cart"), tag);

    // One commit per step: dev, staging, production, the revert.
    let log = git(&bare, &["log", "--format=%s", "main"]).unwrap();
    assert_eq!(log.lines().count(), 5, "{log}");
    assert!(
        log.lines()
            .next()
            .unwrap()
            .starts_with("revert(production)"),
        "{log}"
    );
}
