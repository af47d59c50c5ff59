//! The client against gantry-test-support's fake GitHub (real git behind
//! it): reads, createCommitOnBranch and its compare-and-swap, pull
//! requests, retries and error mapping.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use gantry_github::{
    CommitOnBranch, CommitOutcome, Config, GitHub, MergeMethod, NewPull, Repository, RetryPolicy,
};
use gantry_test_support::fault_server::Fault;
use gantry_test_support::git_daemon::{bare_repo, git};
use gantry_test_support::github::{FakeGitHub, github_error, secondary_rate_limit};

const TOKEN: &str = "ghs_FakeToken0123456789";

fn setup(files: &[(&str, &str)]) -> (tempfile::TempDir, FakeGitHub, GitHub, Repository) {
    let base = tempfile::tempdir().unwrap();
    let bare = bare_repo(base.path(), "deploy", files).unwrap();
    let fake = FakeGitHub::start(&bare, "acme/deploy", TOKEN).unwrap();
    let github = client(&fake, TOKEN);
    (
        base,
        fake,
        github,
        Repository::parse("acme/deploy").unwrap(),
    )
}

fn client(fake: &FakeGitHub, token: &str) -> GitHub {
    let mut config = Config::new(&fake.url(), token);
    config.retry = RetryPolicy {
        attempts: 3,
        base: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
        max_wait: Duration::from_secs(5),
    };
    GitHub::new(&config).unwrap()
}

#[test]
fn reads_and_commits_through_the_api() {
    let text = "\u{feff}image: nginx:1.0\r\nno-final-newline: true";
    let (_base, fake, github, repo) = setup(&[("envs/a.yaml", text), ("README.md", "hi\n")]);
    let head = github.branch_head(&repo, "main").unwrap().unwrap();
    assert_eq!(github.branch_head(&repo, "nope").unwrap(), None);
    let commit = github.commit(&repo, &head).unwrap();
    assert_eq!(commit.message, "Initial commit\n");
    let tree = github.tree(&repo, &commit.tree, true).unwrap();
    let paths: Vec<&str> = tree.tree.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["README.md", "envs", "envs/a.yaml"]);
    let blob = tree.tree.iter().find(|e| e.path == "envs/a.yaml").unwrap();
    let bytes = github
        .blobs(&repo, std::slice::from_ref(&blob.sha))
        .unwrap();
    assert_eq!(bytes, vec![text.as_bytes().to_vec()]);
    assert_eq!(
        github
            .file(&repo, "envs/a.yaml", "main")
            .unwrap()
            .as_deref(),
        Some(text.as_bytes())
    );
    assert_eq!(github.file(&repo, "nope.yaml", "main").unwrap(), None);

    let new_text = text.replace("1.0", "1.1");
    let mut write = CommitOnBranch {
        repository: repo.clone(),
        branch: "main".into(),
        expected_head: head.clone(),
        message: "deploy: nginx 1.0 → 1.1\n\nGantry-Operation: update\n".into(),
        additions: vec![("envs/a.yaml".into(), new_text.clone().into_bytes())],
        deletions: vec![],
    };
    let CommitOutcome::Created { oid, .. } = github.create_commit_on_branch(&write).unwrap() else {
        panic!("not created");
    };
    assert!(fake.is_verified(&oid));
    let bare = fake.bare();
    assert_eq!(git(bare, &["show", "main:envs/a.yaml"]).unwrap(), new_text);
    assert_eq!(
        git(bare, &["log", "-1", "--format=%B", "main"]).unwrap(),
        "deploy: nginx 1.0 → 1.1\n\nGantry-Operation: update\n\n"
    );
    assert_eq!(
        git(bare, &["log", "-1", "--format=%P", "main"])
            .unwrap()
            .trim(),
        head
    );
    // The same expected head again: the branch moved, nothing written.
    write.message = "again\n".into();
    let stale = github.create_commit_on_branch(&write).unwrap();
    assert!(
        matches!(&stale, CommitOutcome::Stale { message } if message.contains("Expected branch to point to")),
        "{stale:?}"
    );
    assert_eq!(github.branch_head(&repo, "main").unwrap(), Some(oid));
    // Another writer between read and write.
    let head = github.branch_head(&repo, "main").unwrap().unwrap();
    fake.other_writer(1, &[("other.txt", "x\n")]);
    write.expected_head = head;
    assert!(matches!(
        github.create_commit_on_branch(&write).unwrap(),
        CommitOutcome::Stale { .. }
    ));
    assert_eq!(fake.other_commits().len(), 1);
    // Every request carried the token in Authorization, none in the URL.
    let seen = fake.requests();
    assert!(seen.iter().all(|r| r.authorized && !r.path.contains(TOKEN)));
    assert_eq!(
        seen.iter()
            .filter(|r| r.graphql.as_deref() == Some("createCommitOnBranch"))
            .count(),
        3
    );
}

#[test]
fn pull_requests_labels_reviewers_auto_merge() {
    let (_base, fake, github, repo) = setup(&[("a.yaml", "image: nginx:1.0\n")]);
    let bare = fake.bare();
    // A branch one commit ahead, as pr mode pushes it.
    let work = tempfile::tempdir().unwrap();
    let url = format!("file://{}", bare.display());
    git(work.path(), &["clone", "-q", &url, "w"]).unwrap();
    let w = work.path().join("w");
    std::fs::write(w.join("a.yaml"), "image: nginx:1.1\n").unwrap();
    git(&w, &["commit", "-qam", "bump"]).unwrap();
    git(
        &w,
        &["push", "-q", "origin", "HEAD:refs/heads/gantry/main/nginx"],
    )
    .unwrap();

    assert_eq!(
        github
            .find_open_pull(&repo, "acme", "gantry/main/nginx", "main")
            .unwrap(),
        None
    );
    let new = NewPull {
        title: "deploy: nginx 1.0 → 1.1".into(),
        body: "body".into(),
        head: "gantry/main/nginx".into(),
        base: "main".into(),
    };
    let pull = github.create_pull(&repo, &new).unwrap();
    assert_eq!((pull.number, pull.state.as_str()), (1, "open"));
    assert!(pull.html_url.ends_with("/acme/deploy/pull/1"));
    let again = github.create_pull(&repo, &new).unwrap_err();
    assert!(again.already_exists(), "{again}");
    let found = github
        .find_open_pull(&repo, "acme", "gantry/main/nginx", "main")
        .unwrap()
        .unwrap();
    assert_eq!(found.node_id, pull.node_id);
    let updated = github
        .update_pull(&repo, 1, "new title", "new body")
        .unwrap();
    assert_eq!(updated.body.as_deref(), Some("new body"));
    let labels = github
        .add_labels(&repo, 1, &["deploy".into(), "gitops".into()])
        .unwrap();
    assert_eq!(labels, ["deploy", "gitops"]);
    let reviewed = github
        .request_reviewers(&repo, 1, &["alice".into()], &["platform".into()])
        .unwrap();
    assert_eq!(reviewed.requested_reviewers[0].login, "alice");
    assert_eq!(reviewed.requested_teams[0].slug, "platform");
    github
        .enable_auto_merge(&pull.node_id, MergeMethod::Squash)
        .unwrap();
    let state = &fake.pulls()[0];
    assert_eq!(state.auto_merge.as_deref(), Some("SQUASH"));
    assert_eq!(state.title, "new title");
    fake.set_allow_auto_merge(false);
    let refused = github
        .enable_auto_merge(&pull.node_id, MergeMethod::Merge)
        .unwrap_err();
    assert!(refused.to_string().contains("not allowed"), "{refused}");
    assert!(refused.is_input());
}

#[test]
fn retries_rate_limits_and_server_errors_but_not_client_errors() {
    let (_base, fake, github, repo) = setup(&[("a.yaml", "x: 1\n")]);
    // 403 + retry-after (secondary rate limit), then 502: both retried.
    fake.inject("GET", "/git/ref/heads/main", 1, secondary_rate_limit(1));
    fake.inject("GET", "/git/ref/heads/main", 1, Fault::status(502));
    let started = Instant::now();
    assert!(github.branch_head(&repo, "main").unwrap().is_some());
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "retry-after honoured"
    );
    let ref_requests: Vec<u16> = fake
        .requests()
        .iter()
        .filter(|r| r.path.contains("/git/ref/"))
        .map(|r| r.status)
        .collect();
    assert_eq!(ref_requests, [403, 502, 200]);

    // Persistent 5xx: bounded attempts, then an error naming the endpoint.
    fake.clear_requests();
    fake.inject("GET", "/git/ref/heads/main", 3, Fault::status(503));
    let error = github.branch_head(&repo, "main").unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert!(
        error
            .to_string()
            .contains("/repos/acme/deploy/git/ref/heads/main")
    );
    assert!(error.to_string().contains("after 3 attempts"), "{error}");
    assert_eq!(fake.requests().len(), 3);
    fake.clear_requests();

    // A rate limit longer than we wait: one request, a clear error.
    fake.inject("GET", "/git/commits/", 1, secondary_rate_limit(3600));
    let error = github.commit(&repo, &"0".repeat(40)).unwrap_err();
    assert!(error.to_string().contains("wait 3600s"), "{error}");

    // 404, 422, 401: answered at once.
    fake.clear_requests();
    assert!(
        github
            .commit(&repo, &"0".repeat(40))
            .unwrap_err()
            .is_not_found()
    );
    fake.inject(
        "POST",
        "/pulls",
        1,
        github_error(
            422,
            "Validation Failed",
            &[serde_json::json!({"resource": "PullRequest", "field": "base", "code": "invalid"})],
        ),
    );
    let invalid = github
        .create_pull(
            &repo,
            &NewPull {
                title: "t".into(),
                body: String::new(),
                head: "x".into(),
                base: "y".into(),
            },
        )
        .unwrap_err();
    assert!(invalid.is_input() && invalid.to_string().contains("PullRequest base invalid"));
    assert_eq!(fake.requests().len(), 2);
    let secret = "ghs_WrongToken999";
    let bad = client(&fake, secret)
        .branch_head(&repo, "main")
        .unwrap_err();
    assert_eq!(bad.status(), Some(401));
    assert!(!bad.to_string().contains(secret) && !format!("{bad:?}").contains(secret));
    assert!(bad.to_string().contains("Bad credentials"), "{bad}");
    let last = fake.requests().pop().unwrap();
    assert_eq!(
        last.authorization.as_deref(),
        Some("Bearer ghs_WrongToken999")
    );
    assert!(!last.authorized);
}
