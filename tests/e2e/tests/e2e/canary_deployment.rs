//! `gantry-canary --deployment-environment`: the analysis shows on the
//! repository's environment as GitHub Deployment statuses (against the
//! fake GitHub): in progress, then success, failure or error with the
//! decision's reason; a GitHub outage never changes the decision.

use std::time::Duration;

use gantry_test_support::canary_app::{CanaryApp, CanaryConfig};
use gantry_test_support::cli::{RunResult, gantry};
use gantry_test_support::fault_server::Fault;
use gantry_test_support::git_daemon::{bare_repo, git};
use gantry_test_support::github::FakeGitHub;

const TOKEN: &str = "ghs_CanaryDeploymentToken0123456789";

/// The run, and the directory of its Actions files (outputs, summary).
fn run(
    github: &FakeGitHub,
    sha: &str,
    extra: &[&str],
    probe: &str,
) -> (RunResult, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let api = github.url();
    let mut args = vec![
        "--probe",
        probe,
        "--interval",
        "100ms",
        "--count",
        "2",
        "--deployment-environment",
        "production",
        "--environment-url",
        "https://web.example.com",
        "--github-api-url",
        &api,
    ];
    args.extend_from_slice(extra);
    let result = gantry("gantry-canary")
        .unwrap()
        .args(&args)
        .github_actions(dir.path())
        .unwrap()
        .env("GANTRY_TOKEN", TOKEN)
        .env("GITHUB_REPOSITORY", "acme/web")
        .env("GITHUB_SHA", sha)
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_RUN_ID", "4242")
        .timeout(Duration::from_secs(60))
        .run()
        .unwrap();
    (result, dir)
}

#[test]
fn the_decision_shows_on_the_environment() {
    let base = tempfile::tempdir().unwrap();
    let bare = bare_repo(base.path(), "web", &[("README", "web\n")]).unwrap();
    let sha = git(&bare, &["rev-parse", "main"]).unwrap();
    let sha = sha.trim();
    let github = FakeGitHub::start(&bare, "acme/web", TOKEN).unwrap();
    let app = CanaryApp::start(CanaryConfig::new("abc123")).unwrap();
    let health = app.url_for("/health");

    let (promoted, _promoted_dir) = run(&github, sha, &[], &health);
    assert_eq!(promoted.code, Some(0), "{promoted}");
    let deployments = github.deployments();
    assert_eq!(deployments.len(), 1, "{deployments:?}");
    let first = &deployments[0];
    assert_eq!(
        (first.sha.as_str(), first.environment.as_str()),
        (sha, "production")
    );
    let states: Vec<&str> = first.statuses.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(states, ["in_progress", "success"]);
    assert!(first.statuses[1].1.starts_with("promote: "), "{first:?}");
    assert_eq!(
        first.statuses[1].2.as_deref(),
        Some("https://github.com/acme/web/actions/runs/4242")
    );
    assert!(promoted.outputs().unwrap()["deployment-id"] == "1");

    // A rollback is a failure; the earlier success stays (it is still live).
    app.crash();
    let (rolled_back, _rolled_back_dir) = run(&github, sha, &[], &health);
    assert_eq!(rolled_back.code, Some(1), "{rolled_back}");
    let deployments = github.deployments();
    let second = &deployments[1];
    let states: Vec<&str> = second.statuses.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(states, ["in_progress", "failure"]);
    assert!(second.statuses[1].1.starts_with("rollback: "), "{second:?}");
    assert!(second.statuses[1].1.chars().count() <= 140);
    assert_eq!(deployments[0].statuses.last().unwrap().0, "success");

    // Reporting on an existing deployment creates none.
    app.restart().unwrap();
    let (existing, _existing_dir) = run(&github, sha, &["--deployment-id", "2"], &health);
    assert_eq!(existing.code, Some(0), "{existing}");
    assert_eq!(github.deployments().len(), 2);
    let states: Vec<String> = github.deployments()[1]
        .statuses
        .iter()
        .map(|s| s.0.clone())
        .collect();
    assert_eq!(states, ["in_progress", "failure", "in_progress", "success"]);
    // …and that success made the first deployment inactive.
    assert_eq!(
        github.deployments()[0].statuses.last().unwrap().0,
        "inactive"
    );

    // GitHub down: warnings, the same decision, the token never printed.
    github.inject("POST", "/deployments", 100, Fault::status(503));
    let (outage, _outage_dir) = run(&github, sha, &[], &health);
    assert_eq!(outage.code, Some(0), "{outage}");
    assert!(
        outage
            .stderr
            .contains("could not create the GitHub deployment"),
        "{outage}"
    );
    // Masked as soon as read: handed to the runner (which never shows that
    // line), and nowhere else.
    let both = format!("{}\n{}", outage.stdout, outage.stderr);
    assert!(both.contains(&format!("::add-mask::{TOKEN}")), "{outage}");
    assert!(
        both.lines()
            .filter(|l| !l.starts_with("::add-mask::"))
            .all(|l| !l.contains(TOKEN)),
        "{outage}"
    );
}

#[test]
fn deployment_settings_are_checked_first() {
    let dir = tempfile::tempdir().unwrap();
    let no_token = gantry("gantry-canary")
        .unwrap()
        .args([
            "--probe",
            "http://127.0.0.1:9/",
            "--deployment-environment",
            "production",
        ])
        .env("GITHUB_REPOSITORY", "acme/web")
        .env("GITHUB_SHA", "abc")
        .current_dir(dir.path())
        .run()
        .unwrap();
    assert_eq!(no_token.code, Some(2), "{no_token}");
    assert!(
        no_token.stderr.contains("need a token: set GANTRY_TOKEN"),
        "{no_token}"
    );
    let no_repo = gantry("gantry-canary")
        .unwrap()
        .args([
            "--probe",
            "http://127.0.0.1:9/",
            "--deployment-environment",
            "production",
        ])
        .env("GANTRY_TOKEN", TOKEN)
        .run()
        .unwrap();
    assert_eq!(no_repo.code, Some(2), "{no_repo}");
    assert!(no_repo.stderr.contains("--github-repository"), "{no_repo}");
}
