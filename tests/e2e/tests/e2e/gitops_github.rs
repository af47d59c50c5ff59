//! `gantry-gitops --mode pr` and `--mode api` against the fake GitHub of
//! gantry-test-support, backed by the same bare repository pr mode pushes
//! to over `file://`: pull requests opened once and updated after, labels,
//! reviewers, auto-merge, no diff → the pull request is left as it is;
//! verified commits through `createCommitOnBranch` with the right
//! `expectedHeadOid`, byte-exact contents, retries after a moved head, a
//! secondary rate limit and a 502, giving up on persistent 5xx, 401 with
//! the token never printed, concurrent writers that all land.

use std::path::{Path, PathBuf};
use std::time::Duration;

use gantry_test_support::cli::{RunResult, gantry};
use gantry_test_support::fault_server::Fault;
use gantry_test_support::git_daemon::{bare_repo, git};
use gantry_test_support::github::{FakeGitHub, LOGIN, github_error, secondary_rate_limit};
use gantry_test_support::ports::base64;
use serde_json::Value;

const TOKEN: &str = "ghs_GitopsGithubTestToken0123456789";

fn deploy(image: &str) -> String {
    format!(
        "# deployed by CI\napiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: {image} # keep this comment\n"
    )
}

struct Rig {
    _base: tempfile::TempDir,
    bare: PathBuf,
    github: FakeGitHub,
}

fn rig(files: &[(&str, &str)]) -> Rig {
    let base = tempfile::tempdir().unwrap();
    let bare = bare_repo(base.path(), "deploy", files).unwrap();
    git(&bare, &["config", "core.logAllRefUpdates", "always"]).unwrap();
    let github = FakeGitHub::start(&bare, "acme/deploy", TOKEN).unwrap();
    Rig {
        _base: base,
        bare,
        github,
    }
}

impl Rig {
    fn url(&self) -> String {
        format!("file://{}", self.bare.display())
    }

    /// `gantry-gitops <command> --mode MODE …` under GitHub Actions, with
    /// the token in GANTRY_TOKEN; the outputs' directory comes back too.
    fn run(&self, command: &str, mode: &str, args: &[&str]) -> (RunResult, tempfile::TempDir) {
        self.run_with(command, mode, args, &[])
    }

    fn run_with(
        &self,
        command: &str,
        mode: &str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> (RunResult, tempfile::TempDir) {
        let mut all = vec!["--github-repository", "acme/deploy"];
        all.extend(args);
        self.run_raw(command, mode, &all, env)
    }

    /// As `run_with`, without `--github-repository`.
    fn run_raw(
        &self,
        command: &str,
        mode: &str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> (RunResult, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = gantry("gantry-gitops")
            .unwrap()
            .args([
                command,
                "--repo",
                &self.url(),
                "--github-api-url",
                &self.github.url(),
                "--mode",
                mode,
            ])
            .args(args)
            .env("GANTRY_TOKEN", TOKEN)
            .timeout(Duration::from_secs(120));
        for (k, v) in env {
            cmd = cmd.env(k, v);
        }
        let run = cmd.github_actions(dir.path()).unwrap().run().unwrap();
        (run, dir)
    }

    fn show(&self, rev: &str, path: &str) -> String {
        git(&self.bare, &["show", &format!("{rev}:{path}")]).unwrap()
    }

    fn tip(&self, branch: &str) -> String {
        git(&self.bare, &["rev-parse", &format!("refs/heads/{branch}")])
            .unwrap()
            .trim()
            .to_owned()
    }

    fn history(&self, branch: &str) -> Vec<String> {
        git(&self.bare, &["rev-list", branch])
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// The token went only in `Authorization`, on every request.
    fn assert_token_only_in_headers(&self) {
        for r in self.github.requests() {
            assert!(!r.path.contains(TOKEN), "token in a URL: {r:?}");
            assert!(!r.body.contains(TOKEN), "token in a body: {r:?}");
            if !r.injected {
                assert!(r.authorized, "{r:?}");
                assert_eq!(
                    r.authorization.as_deref(),
                    Some(format!("Bearer {TOKEN}").as_str())
                );
            }
        }
    }

    fn graphql_inputs(&self, operation: &str) -> Vec<Value> {
        self.github
            .requests()
            .iter()
            .filter(|r| r.graphql.as_deref() == Some(operation))
            .map(|r| serde_json::from_str::<Value>(&r.body).unwrap()["variables"]["input"].clone())
            .collect()
    }
}

/// The reflog of `branch`: only fast-forwards.
fn assert_only_fast_forwards(bare: &Path, branch: &str) {
    let log = std::fs::read_to_string(bare.join(format!("logs/refs/heads/{branch}"))).unwrap();
    for line in log.lines() {
        let mut parts = line.split(' ');
        let (old, new) = (parts.next().unwrap(), parts.next().unwrap());
        if old.chars().all(|c| c == '0') {
            continue;
        }
        assert!(
            git(bare, &["merge-base", "--is-ancestor", old, new]).is_ok(),
            "not a fast-forward on {branch}: {line}"
        );
    }
}

#[test]
fn pr_mode_opens_one_pull_request_updates_it_and_leaves_it_when_nothing_changes() {
    let staging = deploy("ghcr.io/acme/api:1.0.0");
    let rig = rig(&[
        ("envs/staging/api.yaml", &staging),
        ("envs/prod/api.yaml", &staging),
    ]);
    let main_before = rig.tip("main");
    let env = "--environment=staging=main:envs/staging";
    let decorations = [
        "--labels",
        "deploy,gitops",
        "--reviewers",
        "alice,acme/platform",
        "--auto-merge",
        "squash",
    ];
    let mut args = vec![env, "--env", "staging", "--set", "ghcr.io/acme/api:1.1.0"];
    args.extend(decorations);
    let (opened, _dir) = rig.run("update", "pr", &args);
    assert_eq!(opened.code, Some(0), "{opened}");
    let outputs = opened.outputs().unwrap();
    let branch = "gantry/staging/ghcr.io-acme-api";
    assert_eq!(outputs["operation"], "pr-opened");
    assert_eq!(outputs["changed"], "true");
    assert_eq!(outputs["pr-number"], "1");
    assert_eq!(
        outputs["pr-url"],
        format!("{}/acme/deploy/pull/1", rig.github.url())
    );
    assert_eq!(outputs["commit"], rig.tip(branch));
    assert!(
        opened.stderr.contains(&format!(
            "update: opened pull request #1 from `{branch}` into `main`"
        )),
        "{opened}"
    );
    // The target branch is untouched; gantry's branch is one commit on it.
    assert_eq!(rig.tip("main"), main_before);
    assert_eq!(
        git(&rig.bare, &["rev-parse", &format!("{branch}^")])
            .unwrap()
            .trim(),
        main_before
    );
    assert_eq!(
        rig.show(branch, "envs/staging/api.yaml"),
        staging.replace("api:1.0.0 #", "api:1.1.0 #")
    );
    assert_eq!(rig.show(branch, "envs/prod/api.yaml"), staging);
    let message = git(&rig.bare, &["log", "-1", "--format=%B", branch]).unwrap();
    assert!(
        message.starts_with("deploy(staging): ghcr.io/acme/api 1.0.0 → 1.1.0\n\nGantry-Operation: update\nGantry-Environment: staging\n"),
        "{message}"
    );

    let pulls = rig.github.pulls();
    assert_eq!(pulls.len(), 1);
    let pull = &pulls[0];
    assert_eq!(
        (pull.head.as_str(), pull.base.as_str(), pull.state.as_str()),
        (branch, "main", "open")
    );
    assert_eq!(
        pull.title,
        "deploy(staging): ghcr.io/acme/api 1.0.0 → 1.1.0"
    );
    assert!(
        pull.body.contains(
            "- `ghcr.io/acme/api`: `ghcr.io/acme/api:1.0.0` → `ghcr.io/acme/api:1.1.0`\n"
        ),
        "{}",
        pull.body
    );
    assert!(
        pull.body
            .contains("```diff\n--- a/envs/staging/api.yaml\n+++ b/envs/staging/api.yaml\n@@ "),
        "{}",
        pull.body
    );
    assert!(pull.body.contains("\n-        image: ghcr.io/acme/api:1.0.0 # keep this comment\n+        image: ghcr.io/acme/api:1.1.0 # keep this comment\n"));
    assert_eq!(pull.labels, ["deploy", "gitops"]);
    assert_eq!(pull.reviewers, ["alice"]);
    assert_eq!(pull.team_reviewers, ["platform"]);
    assert_eq!(pull.auto_merge.as_deref(), Some("SQUASH"));
    let auto = rig.graphql_inputs("enablePullRequestAutoMerge");
    assert_eq!(auto.len(), 1);
    assert_eq!(auto[0]["pullRequestId"], pull.node_id.as_str());
    assert_eq!(auto[0]["mergeMethod"], "SQUASH");
    rig.assert_token_only_in_headers();

    // A new tag: the same pull request gets a new commit, no duplicate.
    rig.github.clear_requests();
    let mut args = vec![env, "--env", "staging", "--set", "ghcr.io/acme/api:1.2.0"];
    args.extend(decorations);
    let (updated, _dir) = rig.run("update", "pr", &args);
    assert_eq!(updated.code, Some(0), "{updated}");
    let outputs = updated.outputs().unwrap();
    assert_eq!(outputs["operation"], "pr-updated");
    assert_eq!(outputs["pr-number"], "1");
    assert_eq!(outputs["changed"], "true");
    assert_eq!(outputs["commit"], rig.tip(branch));
    assert_eq!(rig.github.pulls().len(), 1);
    let pull = &rig.github.pulls()[0];
    assert_eq!(
        pull.title,
        "deploy(staging): ghcr.io/acme/api 1.0.0 → 1.2.0"
    );
    assert!(
        pull.body
            .contains("`ghcr.io/acme/api:1.0.0` → `ghcr.io/acme/api:1.2.0`")
    );
    assert!(!pull.body.contains("1.1.0"), "{}", pull.body);
    assert_eq!(
        git(&rig.bare, &["rev-parse", &format!("{branch}^")])
            .unwrap()
            .trim(),
        main_before,
        "rebuilt on the target's tip, not stacked"
    );
    assert_eq!(
        rig.show(branch, "envs/staging/api.yaml"),
        staging.replace("api:1.0.0 #", "api:1.2.0 #")
    );
    let seen = rig.github.requests();
    assert!(
        !seen
            .iter()
            .any(|r| r.method == "POST" && r.path.ends_with("/pulls")),
        "no second pull request"
    );
    assert!(
        seen.iter()
            .any(|r| r.method == "PATCH" && r.path.ends_with("/pulls/1"))
    );
    assert!(
        !seen.iter().any(|r| r.path.contains("/labels")),
        "labels already there"
    );
    assert!(
        rig.graphql_inputs("enablePullRequestAutoMerge").is_empty(),
        "already on"
    );

    // The same again: nothing to push, the pull request already proposes it.
    let pr_tip = rig.tip(branch);
    let (again, _dir) = rig.run("update", "pr", &args);
    assert_eq!(again.code, Some(0), "{again}");
    let outputs = again.outputs().unwrap();
    assert_eq!(outputs["operation"], "up-to-date");
    assert_eq!(outputs["changed"], "false");
    assert_eq!(outputs["pr-number"], "1");
    assert_eq!(rig.tip(branch), pr_tip, "not pushed again");
    assert!(
        again
            .stderr
            .contains("pull request #1 already proposes these values"),
        "{again}"
    );

    // main gets the value another way: nothing to change, and the open
    // pull request is left as it is (not closed, not touched), and said so.
    let work = tempfile::tempdir().unwrap();
    git(work.path(), &["clone", "-q", &rig.url(), "w"]).unwrap();
    let w = work.path().join("w");
    std::fs::write(
        w.join("envs/staging/api.yaml"),
        staging.replace("api:1.0.0 #", "api:1.2.0 #"),
    )
    .unwrap();
    git(&w, &["commit", "-qam", "by hand"]).unwrap();
    git(&w, &["push", "-q", "origin", "main"]).unwrap();
    rig.github.clear_requests();
    let (nothing, _dir) = rig.run("update", "pr", &args);
    assert_eq!(nothing.code, Some(0), "{nothing}");
    let outputs = nothing.outputs().unwrap();
    assert_eq!(outputs["operation"], "up-to-date");
    assert_eq!(outputs["changed"], "false");
    assert_eq!(outputs["pr-number"], "1");
    assert!(
        nothing.stderr.contains("nothing to change: `main` already has these values; pull request #1 from `gantry/staging/ghcr.io-acme-api` stays open, left as it is"),
        "{nothing}"
    );
    assert_eq!(rig.tip(branch), pr_tip);
    assert_eq!(rig.github.pulls()[0].state, "open");
    assert!(
        rig.github.requests().iter().all(|r| r.method == "GET"),
        "only looked: {:#?}",
        rig.github.requests()
    );
    assert_only_fast_forwards(&rig.bare, "main");
    rig.assert_token_only_in_headers();
}

#[test]
fn pr_mode_under_a_create_race_and_refusals_still_one_pull_request() {
    let rig = rig(&[("api.yaml", &deploy("ghcr.io/acme/api:1.0.0"))]);
    // A reviewer GitHub refuses (the author) and auto-merge not allowed:
    // the pull request is opened all the same, with warnings.
    rig.github.set_allow_auto_merge(false);
    let (first, _dir) = rig.run(
        "update",
        "pr",
        &[
            "--set",
            "ghcr.io/acme/api:2.0.0",
            "--reviewers",
            LOGIN,
            "--auto-merge",
            "merge",
        ],
    );
    assert_eq!(first.code, Some(0), "{first}");
    assert_eq!(first.outputs().unwrap()["operation"], "pr-opened");
    assert!(
        first
            .stderr
            .contains("::warning::could not request review from gantry-bot on pull request #1")
            && first
                .stderr
                .contains("Review cannot be requested from pull request author"),
        "{first}"
    );
    assert!(
        first
            .stderr
            .contains("::warning::could not turn on auto-merge for pull request #1")
            && first.stderr.contains("Auto merge is not allowed"),
        "{first}"
    );
    // Another run's pull request appears between our look and our create:
    // GitHub answers 422 "already exists", and we update that one.
    rig.github.inject(
        "GET",
        "/pulls?state=open",
        1,
        Fault::status(200)
            .header("Content-Type", "application/json")
            .body("[]"),
    );
    let (second, _dir) = rig.run("update", "pr", &["--set", "ghcr.io/acme/api:3.0.0"]);
    assert_eq!(second.code, Some(0), "{second}");
    let outputs = second.outputs().unwrap();
    assert_eq!(outputs["operation"], "pr-updated");
    assert_eq!(outputs["pr-number"], "1");
    let creates: Vec<u16> = rig
        .github
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/pulls"))
        .map(|r| r.status)
        .collect();
    assert_eq!(creates, [201, 422]);
    assert_eq!(rig.github.pulls().len(), 1);
    assert!(rig.github.pulls()[0].title.ends_with("1.0.0 → 3.0.0"));
    // A person closed it: the next run opens a new one.
    rig.github.close_pull(1);
    let (third, _dir) = rig.run("update", "pr", &["--set", "ghcr.io/acme/api:4.0.0"]);
    assert_eq!(third.code, Some(0), "{third}");
    assert_eq!(third.outputs().unwrap()["pr-number"], "2");
    assert_eq!(third.outputs().unwrap()["operation"], "pr-opened");
    assert_eq!(rig.history("main").len(), 1, "main never written");
}

#[test]
fn api_mode_commits_verified_exact_bytes_and_retries_a_moved_head_a_rate_limit_and_a_502() {
    // BOM, CRLF, no final newline: only the tag's bytes may change.
    let api = "\u{feff}apiVersion: apps/v1\r\nkind: Deployment\r\nspec:\r\n  template:\r\n    spec:\r\n      containers:\r\n      - name: api\r\n        image: \"ghcr.io/acme/api:1.0.0\"   # pinned by CI\r\n";
    let api = api.trim_end_matches("\r\n");
    let rig = rig(&[
        ("envs/staging/api.yaml", api),
        ("envs/staging/config.yaml", "log: debug\n"),
        (
            "envs/staging/README.md",
            "ghcr.io/acme/api is deployed here\n",
        ),
        ("envs/prod/api.yaml", api),
    ]);
    let initial = rig.tip("main");
    // No clone: a `git` on PATH that records being called and fails.
    let bin = tempfile::tempdir().unwrap();
    let called = bin.path().join("git-called");
    let fake_git = bin.path().join("git");
    std::fs::write(
        &fake_git,
        format!("#!/bin/sh\ntouch '{}'\nexit 1\n", called.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&fake_git, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );

    rig.github
        .inject("GET", "/git/ref/heads/main", 1, secondary_rate_limit(1));
    rig.github.inject_graphql(
        "createCommitOnBranch",
        1,
        Fault::status(502).body("Bad Gateway"),
    );
    rig.github
        .other_writer(1, &[("envs/staging/notes.txt", "another deploy\n")]);
    let (run, _dir) = rig.run_with(
        "update",
        "api",
        &[
            "--path",
            "envs/staging",
            "--set",
            "ghcr.io/acme/api:1.1.0",
            "--format",
            "json",
        ],
        &[
            ("PATH", &path),
            ("GITHUB_REPOSITORY", "acme/api"),
            ("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"),
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_RUN_ID", "42"),
            ("GITHUB_ACTOR", "octocat"),
        ],
    );
    assert_eq!(run.code, Some(0), "{run}");
    assert!(!called.exists(), "api mode ran git");
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["changed"], true);
    assert_eq!(json["mode"], "api");
    assert_eq!(json["attempts"], 2);
    assert_eq!(json["changes"][0]["file"], "envs/staging/api.yaml");
    let commit = rig.tip("main");
    assert_eq!(json["commit"], commit.as_str());
    assert!(rig.github.is_verified(&commit), "signed by GitHub");
    assert!(
        run.stderr
            .contains("through the GitHub API, signed by GitHub (2 attempt(s))"),
        "{run}"
    );

    // Exactly the tag's bytes changed; the other writer's commit stayed.
    let want = api.replace("api:1.0.0\"", "api:1.1.0\"");
    let got = git(
        &rig.bare,
        &[
            "cat-file",
            "blob",
            &format!("{commit}:envs/staging/api.yaml"),
        ],
    )
    .unwrap();
    assert_eq!(got.as_bytes(), want.as_bytes());
    assert_eq!(
        rig.show("main", "envs/staging/notes.txt"),
        "another deploy\n"
    );
    assert_eq!(rig.show("main", "envs/prod/api.yaml"), api);
    let other = rig.github.other_commits();
    assert_eq!(other.len(), 1);
    assert_eq!(
        rig.history("main"),
        [commit.clone(), other[0].clone(), initial.clone()]
    );
    // The message is push mode's, trailers and all.
    let message = git(&rig.bare, &["log", "-1", "--format=%B", "main"]).unwrap();
    assert_eq!(
        message,
        "deploy: ghcr.io/acme/api 1.0.0 → 1.1.0\n\nGantry-Operation: update\nGantry-Image: ghcr.io/acme/api ghcr.io/acme/api:1.0.0 -> ghcr.io/acme/api:1.1.0\nGantry-Source-Repository: acme/api\nGantry-Source-Commit: 0123456789abcdef0123456789abcdef01234567\nGantry-Run: https://github.com/acme/api/actions/runs/42\nGantry-Actor: octocat\n\n"
    );

    // What was asked of GitHub: the 403 and the 502 retried, the stale
    // head re-read and re-applied, each blob read once.
    let seen = rig.github.requests();
    let refs: Vec<u16> = seen
        .iter()
        .filter(|r| r.path.contains("/git/ref/heads/main"))
        .map(|r| r.status)
        .collect();
    assert_eq!(refs, [403, 200, 200]);
    let inputs = rig.graphql_inputs("createCommitOnBranch");
    assert_eq!(inputs.len(), 3, "502, stale, committed");
    assert_eq!(inputs[0]["expectedHeadOid"], initial.as_str());
    assert_eq!(inputs[1]["expectedHeadOid"], initial.as_str());
    assert_eq!(inputs[2]["expectedHeadOid"], other[0].as_str());
    assert_eq!(
        inputs[2]["branch"],
        serde_json::json!({"repositoryNameWithOwner": "acme/deploy", "branchName": "main"})
    );
    assert_eq!(
        inputs[2]["message"]["headline"],
        "deploy: ghcr.io/acme/api 1.0.0 → 1.1.0"
    );
    let additions = inputs[2]["fileChanges"]["additions"].as_array().unwrap();
    assert_eq!(additions.len(), 1);
    assert_eq!(additions[0]["path"], "envs/staging/api.yaml");
    assert_eq!(additions[0]["contents"], base64(want.as_bytes()).as_str());
    let blobs: Vec<&str> = seen
        .iter()
        .filter(|r| r.path.contains("/git/blobs/"))
        .map(|r| r.path.as_str())
        .collect();
    assert_eq!(
        blobs.len(),
        2,
        "api.yaml and config.yaml, once each: {blobs:?}"
    );
    rig.assert_token_only_in_headers();

    // Again: already up to date, nothing written.
    rig.github.clear_requests();
    let (again, _dir) = rig.run(
        "update",
        "api",
        &["--path", "envs/staging", "--set", "ghcr.io/acme/api:1.1.0"],
    );
    assert_eq!(again.code, Some(0), "{again}");
    assert_eq!(again.outputs().unwrap()["changed"], "false");
    assert!(again.stderr.contains("already up to date"), "{again}");
    assert!(rig.graphql_inputs("createCommitOnBranch").is_empty());
    assert_eq!(rig.tip("main"), commit);
    assert_only_fast_forwards(&rig.bare, "main");
}

#[test]
fn api_mode_another_writer_setting_the_same_value_is_already_up_to_date() {
    let rig = rig(&[("api.yaml", &deploy("ghcr.io/acme/api:1.0.0"))]);
    rig.github
        .other_writer(1, &[("api.yaml", &deploy("ghcr.io/acme/api:2.0.0"))]);
    let (run, _dir) = rig.run("update", "api", &["--set", "ghcr.io/acme/api:2.0.0"]);
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(run.outputs().unwrap()["changed"], "false");
    assert!(
        run.stderr
            .contains("already up to date: another writer set the same values on `main` meanwhile"),
        "{run}"
    );
    assert_eq!(
        rig.history("main").len(),
        2,
        "only the other writer's commit"
    );
}

#[test]
fn api_mode_treats_a_409_conflict_as_a_moved_head() {
    let rig = rig(&[("api.yaml", &deploy("ghcr.io/acme/api:1.0.0"))]);
    rig.github.inject_graphql(
        "createCommitOnBranch",
        1,
        github_error(409, "Conflict", &[]),
    );
    let (run, _dir) = rig.run("update", "api", &["--set", "ghcr.io/acme/api:2.0.0"]);
    assert_eq!(run.code, Some(0), "{run}");
    let outputs = run.outputs().unwrap();
    assert_eq!(
        (outputs["changed"].as_str(), outputs["attempts"].as_str()),
        ("true", "2")
    );
    assert_eq!(rig.graphql_inputs("createCommitOnBranch").len(), 2);
    assert_eq!(
        rig.show("main", "api.yaml"),
        deploy("ghcr.io/acme/api:2.0.0")
    );
}

#[test]
fn api_mode_failures_are_clear_and_never_show_the_token() {
    let rig = rig(&[("envs/api.yaml", &deploy("ghcr.io/acme/api:1.0.0"))]);
    let before = rig.history("main");

    // Persistent 5xx: bounded attempts, exit 3, the endpoint named.
    rig.github.inject(
        "GET",
        "/git/ref/heads/main",
        100,
        Fault::status(502).body("Bad Gateway"),
    );
    let (down, _dir) = rig.run(
        "update",
        "api",
        &["--api-attempts", "3", "--set", "ghcr.io/acme/api:2"],
    );
    assert_eq!(down.code, Some(3), "{down}");
    assert!(
        down.stderr
            .contains("/repos/acme/deploy/git/ref/heads/main: 502")
            && down.stderr.contains("after 3 attempts"),
        "{down}"
    );
    assert_eq!(
        rig.github
            .requests()
            .iter()
            .filter(|r| r.status == 502)
            .count(),
        3
    );
    let fresh = self::rig(&[("envs/api.yaml", &deploy("ghcr.io/acme/api:1.0.0"))]);

    // A bad token: 401, exit 3, the token masked and nowhere else.
    let secret = "ghs_RefusedToken0987654321abcdef";
    let dir = tempfile::tempdir().unwrap();
    let bad = gantry("gantry-gitops")
        .unwrap()
        .args([
            "update",
            "--repo",
            &fresh.url(),
            "--github-repository",
            "acme/deploy",
            "--github-api-url",
            &fresh.github.url(),
            "--mode",
            "api",
            "--set",
            "ghcr.io/acme/api:2",
        ])
        .env("GANTRY_TOKEN", secret)
        .github_actions(dir.path())
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(bad.code, Some(3), "{bad}");
    assert!(bad.stderr.contains("401 Bad credentials"), "{bad}");
    assert!(
        bad.stderr.contains(&format!("::add-mask::{secret}")),
        "{bad}"
    );
    assert!(
        !bad.stdout.contains(secret)
            && !bad
                .stderr
                .replace(&format!("::add-mask::{secret}"), "")
                .contains(secret),
        "the token leaked:\n{bad}"
    );
    let seen = fresh.github.requests();
    assert_eq!(seen.len(), 1, "401 is not retried: {seen:#?}");
    assert!(!seen[0].path.contains(secret));
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some(format!("Bearer {secret}").as_str())
    );

    // Bad input: exit 2, before anything is written.
    let ours = ["--github-repository", "acme/deploy"];
    let cases: [(&str, &str, Vec<&str>, i32, &str); 5] = [
        (
            "no such branch",
            "api",
            [&ours[..], &["--branch", "nope"]].concat(),
            2,
            "branch `nope` does not exist in GitHub repository acme/deploy",
        ),
        (
            "no such path",
            "api",
            [&ours[..], &["--path", "nowhere"]].concat(),
            2,
            "path `nowhere` does not exist on branch `main`",
        ),
        (
            "labels without pr",
            "api",
            [&ours[..], &["--labels", "x"]].concat(),
            2,
            "--labels is for pull requests: it needs --mode pr",
        ),
        (
            "unknown repository",
            "api",
            vec!["--github-repository", "acme/other"],
            3,
            "GitHub repository `acme/other` not found",
        ),
        (
            "bad repository",
            "pr",
            vec!["--github-repository", "acme"],
            2,
            "invalid GitHub repository `acme`",
        ),
    ];
    for (name, mode, extra, code, want) in cases {
        let mut args = extra.clone();
        args.extend(["--set", "ghcr.io/acme/api:2"]);
        let (run, _dir) = fresh.run_raw("update", mode, &args, &[]);
        assert_eq!(run.code, Some(code), "{name}: {run}");
        assert!(run.stderr.contains(want), "{name}: wanted {want:?}\n{run}");
    }
    // Without --github-repository a file:// URL says nothing about GitHub;
    // without a token the API cannot be used.
    let run = gantry("gantry-gitops")
        .unwrap()
        .args([
            "update",
            "--repo",
            &fresh.url(),
            "--mode",
            "pr",
            "--set",
            "ghcr.io/acme/api:2",
        ])
        .env("GANTRY_TOKEN", TOKEN)
        .run()
        .unwrap();
    assert_eq!(run.code, Some(2), "{run}");
    assert!(
        run.stderr.contains("give --github-repository OWNER/NAME"),
        "{run}"
    );
    let run = gantry("gantry-gitops")
        .unwrap()
        .args([
            "update",
            "--repo",
            "https://github.com/acme/deploy",
            "--mode",
            "api",
            "--set",
            "ghcr.io/acme/api:2",
        ])
        .run()
        .unwrap();
    assert_eq!(run.code, Some(2), "{run}");
    assert!(
        run.stderr
            .contains("--mode api writes through the GitHub API and needs a token"),
        "{run}"
    );
    assert_eq!(rig.history("main"), before);
    assert_eq!(fresh.history("main").len(), 1);
}

#[test]
fn concurrent_api_writers_all_land_verified_and_linear() {
    let services: Vec<(String, String)> = (0..5)
        .map(|i| {
            (
                format!("apps/svc-{i}/deploy.yaml"),
                deploy(&format!("ghcr.io/acme/svc-{i}:1.0.0")),
            )
        })
        .collect();
    let files: Vec<(&str, &str)> = services
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let rig = std::sync::Arc::new(rig(&files));
    let writers: Vec<_> = (0..6)
        .map(|i| {
            let rig = std::sync::Arc::clone(&rig);
            std::thread::spawn(move || {
                // Writer 5 sets the same value as writer 0.
                let set = format!("ghcr.io/acme/svc-{}:2.0.0", i % 5);
                rig.run("update", "api", &["--set", &set, "--format", "json"])
                    .0
            })
        })
        .collect();
    let runs: Vec<RunResult> = writers.into_iter().map(|w| w.join().unwrap()).collect();
    for run in &runs {
        assert_eq!(run.code, Some(0), "{run}");
    }
    let committed = runs
        .iter()
        .filter(|r| serde_json::from_str::<Value>(&r.stdout).unwrap()["changed"] == true)
        .count();
    assert_eq!(committed, 5);
    for i in 0..5 {
        assert_eq!(
            rig.show("main", &format!("apps/svc-{i}/deploy.yaml")),
            deploy(&format!("ghcr.io/acme/svc-{i}:2.0.0")),
            "svc-{i} lost its update"
        );
    }
    let history = rig.history("main");
    assert_eq!(history.len(), 6, "initial + 5");
    for sha in &history[..5] {
        assert!(rig.github.is_verified(sha), "{sha}");
    }
    assert_eq!(
        git(&rig.bare, &["rev-list", "--merges", "main"]).unwrap(),
        ""
    );
    assert_only_fast_forwards(&rig.bare, "main");
    let commits = rig.graphql_inputs("createCommitOnBranch").len();
    assert!(commits >= 5, "{commits}");
}

#[test]
fn api_mode_promote_and_revert_through_environments_and_a_truncated_tree() {
    let envs = "environments:\n  staging:\n    branch: main\n    paths: [envs/staging]\n  production:\n    branch: production\n    paths: [envs/production]\n";
    let rig = rig(&[
        (".gantry/environments.yaml", envs),
        ("envs/staging/api.yaml", &deploy("ghcr.io/acme/api:1.0.0")),
        (
            "envs/production/api.yaml",
            &deploy("ghcr.io/acme/api:1.0.0"),
        ),
        ("envs/production/other.yaml", "x: 1\n"),
        ("docs/a.md", "a\n"),
        ("docs/b.md", "b\n"),
    ]);
    git(&rig.bare, &["branch", "production", "main"]).unwrap();
    // GitHub truncates big recursive listings: only the paths' subtrees
    // are listed then.
    rig.github.set_max_tree_entries(Some(3));
    let pinned = format!("ghcr.io/acme/api:1.2.0@sha256:{}", "1".repeat(64));
    for set in ["ghcr.io/acme/api:1.1.0", pinned.as_str()] {
        let (run, _dir) = rig.run("update", "api", &["--env", "staging", "--set", set]);
        assert_eq!(run.code, Some(0), "{run}");
        assert_eq!(run.outputs().unwrap()["changed"], "true");
    }
    assert_eq!(rig.show("main", "envs/staging/api.yaml"), deploy(&pinned));
    assert!(
        rig.github
            .requests()
            .iter()
            .any(|r| r.path.contains("/contents/.gantry/environments.yaml")),
        "the environments file was read through the API"
    );
    let (promote, _dir) = rig.run(
        "promote",
        "api",
        &["--from", "staging", "--to", "production"],
    );
    assert_eq!(promote.code, Some(0), "{promote}");
    assert_eq!(
        git(&rig.bare, &["show", "production:envs/production/api.yaml"]).unwrap(),
        deploy(&pinned)
    );
    assert!(rig.github.is_verified(&rig.tip("production")));
    let (revert, _dir) = rig.run(
        "revert",
        "api",
        &[
            "--env",
            "staging",
            "--image",
            "ghcr.io/acme/api",
            "--reason",
            "canary failed",
        ],
    );
    assert_eq!(revert.code, Some(0), "{revert}");
    assert_eq!(
        rig.show("main", "envs/staging/api.yaml"),
        deploy("ghcr.io/acme/api:1.1.0")
    );
    let message = git(&rig.bare, &["log", "-1", "--format=%B", "main"]).unwrap();
    assert!(
        message.starts_with("revert(staging): ghcr.io/acme/api 1.2.0@sha256:"),
        "{message}"
    );
    assert!(
        message.contains("\n\ncanary failed\n\n") && message.contains("Gantry-Reverts: "),
        "{message}"
    );
    assert!(rig.github.is_verified(&rig.tip("main")));
    // A whole-branch update cannot be listed from a truncated tree.
    let (whole, _dir) = rig.run("update", "api", &["--set", "ghcr.io/acme/api:9"]);
    assert_eq!(whole.code, Some(2), "{whole}");
    assert!(
        whole.stderr.contains("too large for GitHub's tree API"),
        "{whole}"
    );
}
