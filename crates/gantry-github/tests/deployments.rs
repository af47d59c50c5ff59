//! Listing deployments and their statuses against gantry-test-support's
//! fake GitHub: GitHub's filters, newest first, pages announced in the
//! `Link` header.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use gantry_github::{
    Config, DeploymentFilter, DeploymentState, GitHub, NewDeployment, NewDeploymentStatus,
    Repository, RetryPolicy,
};
use gantry_test_support::git_daemon::{bare_repo, git};
use gantry_test_support::github::FakeGitHub;

const TOKEN: &str = "ghs_FakeToken0123456789";

#[test]
fn deployments_are_listed_by_environment_and_commit_page_by_page() {
    let base = tempfile::tempdir().unwrap();
    let bare = bare_repo(base.path(), "web", &[("README", "web\n")]).unwrap();
    let sha = git(&bare, &["rev-parse", "main"])
        .unwrap()
        .trim()
        .to_owned();
    let fake = FakeGitHub::start(&bare, "acme/web", TOKEN).unwrap();
    let mut config = Config::new(&fake.url(), TOKEN);
    config.retry = RetryPolicy {
        attempts: 1,
        base: Duration::from_millis(10),
        max_delay: Duration::from_millis(10),
        max_wait: Duration::from_secs(1),
    };
    let github = GitHub::new(&config).unwrap();
    let repo = Repository::parse("acme/web").unwrap();

    // Five of production at the commit (two by the environment, three by
    // a tool), one of staging, one of production at another commit.
    let created = github
        .create_deployment(
            &repo,
            &NewDeployment {
                git_ref: "main".to_owned(),
                environment: "production".to_owned(),
                description: "by a tool".to_owned(),
                transient: false,
                production: true,
            },
        )
        .unwrap();
    assert_eq!(created.git_ref, "main");
    assert_eq!(created.description.as_deref(), Some("by a tool"));
    let env_a = fake.environment_deployment("production", &sha, "main", 11);
    let other_env = fake.environment_deployment("staging", &sha, "main", 11);
    let other_sha = fake.environment_deployment("production", &"f".repeat(40), "main", 12);
    let env_b = fake.environment_deployment("production", &sha, "refs/pull/3/merge", 13);
    for _ in 0..2 {
        github
            .create_deployment(
                &repo,
                &NewDeployment {
                    git_ref: sha.clone(),
                    environment: "production".to_owned(),
                    description: String::new(),
                    transient: false,
                    production: true,
                },
            )
            .unwrap();
    }

    let filter = DeploymentFilter {
        environment: Some("production".to_owned()),
        sha: Some(sha.clone()),
        git_ref: None,
    };
    let mut ids = Vec::new();
    let mut page = 1;
    let mut pages = 0;
    loop {
        let listed = github.list_deployments(&repo, &filter, page, 2).unwrap();
        pages += 1;
        assert!(listed.items.len() <= 2);
        ids.extend(listed.items.iter().map(|d| d.id));
        match listed.next {
            Some(next) => page = next,
            None => break,
        }
    }
    assert_eq!(pages, 3);
    // Newest first; the others filtered out.
    assert_eq!(ids, [7, 6, env_b, env_a, created.id]);
    assert!(!ids.contains(&other_env) && !ids.contains(&other_sha));

    let by_ref = DeploymentFilter {
        git_ref: Some("refs/pull/3/merge".to_owned()),
        ..DeploymentFilter::default()
    };
    let listed = github.list_deployments(&repo, &by_ref, 1, 100).unwrap();
    assert_eq!(
        listed.items.iter().map(|d| d.id).collect::<Vec<_>>(),
        [env_b]
    );
    assert_eq!(listed.next, None);
    assert_eq!(listed.items[0].description, None);

    // The environment's statuses link to the job in its run; gantry's
    // come after them (newest first).
    github
        .create_deployment_status(
            &repo,
            env_a,
            &NewDeploymentStatus {
                state: DeploymentState::InProgress,
                description: "canary".to_owned(),
                log_url: None,
                environment_url: None,
            },
        )
        .unwrap();
    let statuses = github.list_deployment_statuses(&repo, env_a, 1, 2).unwrap();
    let states: Vec<&str> = statuses.items.iter().map(|s| s.state.as_str()).collect();
    assert_eq!(states, ["in_progress", "in_progress"]);
    assert_eq!(statuses.next, Some(2));
    let rest = github.list_deployment_statuses(&repo, env_a, 2, 2).unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].state, "queued");
    assert_eq!(rest.next, None);
    let log_url = rest.items[0].log_url.as_deref().unwrap();
    assert!(
        log_url.starts_with("https://github.com/acme/web/actions/runs/11/job/"),
        "{log_url}"
    );
    assert!(gantry_github::links_to_run(log_url, "11"));

    // What was sent: GitHub's query parameters.
    let paths: Vec<String> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.path)
        .collect();
    assert!(
        paths.contains(&format!(
            "/repos/acme/web/deployments?environment=production&sha={sha}&per_page=2&page=2"
        )),
        "{paths:?}"
    );
}
