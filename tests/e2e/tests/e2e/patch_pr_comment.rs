//! `gantry-patch --dry-run --pr-comment` through the binary against the
//! fake GitHub: ONE comment on the pull request, created by the first run,
//! updated (same id) by a later one, left alone when nothing changed, one
//! per key; a fork's read-only token is a notice and GitHub failing a
//! warning, both exit 0 with the summary written; bad settings exit 2
//! before any request.

use std::path::Path;

use gantry_test_support::cli::{RunResult, gantry};
use gantry_test_support::fault_server::Fault;
use gantry_test_support::git_daemon::bare_repo;
use gantry_test_support::github::{FakeGitHub, github_error};

const TOKEN: &str = "ghs_PrCommentToken0123456789abcdef";
const SET: &str = "ghcr.io/acme/api=ghcr.io/acme/api:2.0.0";
const APP: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:1.0.0   # bumped by CI
        - name: proxy
          image: nginx:1.25
";
const VALUES: &str = "image:\n  repository: ghcr.io/acme/api\n  tag: 1.0.0\n";
const BOT: &str = "github-actions[bot]";

struct Rig {
    _base: tempfile::TempDir,
    tree: tempfile::TempDir,
    github: FakeGitHub,
    pr: u64,
    payload: std::path::PathBuf,
}

fn rig() -> Rig {
    let base = tempfile::tempdir().unwrap();
    let bare = bare_repo(base.path(), "web", &[("README", "web\n")]).unwrap();
    let github = FakeGitHub::start(&bare, "acme/web", TOKEN).unwrap();
    let pr = github.open_pull("contributor:feature", "main");
    let tree = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tree.path().join("deploy")).unwrap();
    std::fs::write(tree.path().join("deploy/app.yaml"), APP).unwrap();
    std::fs::write(tree.path().join("deploy/values.yaml"), VALUES).unwrap();
    let payload = base.path().join("event.json");
    std::fs::write(
        &payload,
        serde_json::json!({
            "action": "synchronize",
            "number": pr,
            "pull_request": {"number": pr, "head": {"ref": "feature"}, "base": {"ref": "main"}},
        })
        .to_string(),
    )
    .unwrap();
    Rig {
        _base: base,
        tree,
        github,
        pr,
        payload,
    }
}

/// `gantry-patch --dry-run --pr-comment ARGS deploy` as a pull_request
/// job named `pr-check`; `env` on top.
fn run(rig: &Rig, args: &[&str], env: &[(&str, &str)]) -> (RunResult, tempfile::TempDir) {
    let actions = tempfile::tempdir().unwrap();
    let mut all = vec!["--dry-run", "--pr-comment"];
    all.extend_from_slice(args);
    all.push("deploy");
    let mut command = gantry("gantry-patch")
        .unwrap()
        .args(&all)
        .current_dir(rig.tree.path())
        .github_actions(actions.path())
        .unwrap()
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_REPOSITORY", "acme/web")
        .env("GITHUB_API_URL", rig.github.url())
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &rig.payload)
        .env("GITHUB_JOB", "pr-check");
    for (name, value) in env {
        command = command.env(name, value);
    }
    (command.run().unwrap(), actions)
}

/// The requests that wrote (anything but GET).
fn writes(github: &FakeGitHub) -> Vec<String> {
    github
        .requests()
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

fn assert_files_untouched(rig: &Rig) {
    let read = |p: &str| std::fs::read_to_string(rig.tree.path().join(p)).unwrap();
    assert_eq!(read("deploy/app.yaml"), APP);
    assert_eq!(read("deploy/values.yaml"), VALUES);
}

/// The token appears only in the `::add-mask::` line that hands it to the
/// runner.
fn assert_token_hidden(result: &RunResult) {
    let both = format!("{}\n{}", result.stdout, result.stderr);
    assert!(both.contains(&format!("::add-mask::{TOKEN}")), "{result}");
    assert!(
        both.lines()
            .filter(|l| !l.starts_with("::add-mask::"))
            .all(|l| !l.contains(TOKEN)),
        "{result}"
    );
}

/// Temporary paths and the fake's port out of text pinned by a snapshot.
fn filtered(text: &str, rig: &Rig) -> String {
    text.replace(&rig.tree.path().display().to_string(), "[TREE]")
        .replace(&rig.github.url(), "[GITHUB]")
}

#[test]
fn one_comment_created_then_updated_never_duplicated() {
    let rig = rig();
    let github = &rig.github;
    let chatter = github.add_comment(rig.pr, "octocat", "Looks good, ship it @acme/ops");

    // First run: the comment is created, the dry run is as without it.
    let (first, _dir) = run(&rig, &["--set", SET], &[]);
    assert_eq!(first.code, Some(0), "{first}");
    assert!(
        first
            .stdout
            .contains("+          image: ghcr.io/acme/api:2.0.0"),
        "{first}"
    );
    assert_files_untouched(&rig);
    let comments = github.comments();
    assert_eq!(comments.len(), 2, "{comments:?}");
    let ours = comments[1].clone();
    assert_eq!((ours.issue, ours.user.as_str()), (rig.pr, BOT));
    assert!(
        ours.body
            .starts_with("<!-- gantry-patch:pr-comment key=pr-check -->\n"),
        "{}",
        ours.body
    );
    assert_eq!(
        first.outputs().unwrap()["pr-comment-url"],
        format!(
            "{}/acme/web/pull/{}#issuecomment-{}",
            github.url(),
            rig.pr,
            ours.id
        )
    );
    assert!(first.stderr.contains("comment created"), "{first}");
    insta::assert_snapshot!("pr-comment-body", filtered(&ours.body, &rig));
    assert_token_hidden(&first);
    // The job's summary holds the diff too.
    let summary = first.step_summary().unwrap();
    assert!(
        summary.contains("```diff\n--- a/deploy/app.yaml"),
        "{summary}"
    );

    // The same run again: nothing is sent.
    github.clear_requests();
    let (again, _dir) = run(&rig, &["--set", SET], &[]);
    assert_eq!(again.code, Some(0), "{again}");
    assert_eq!(writes(github), Vec::<String>::new());
    assert!(again.stderr.contains("comment unchanged"), "{again}");
    assert_eq!(github.comments()[1].edits, 0);

    // Another --set: the same comment, a new body.
    github.clear_requests();
    let (second, _dir) = run(&rig, &["--set", "ghcr.io/acme/api:3.0.0"], &[]);
    assert_eq!(second.code, Some(0), "{second}");
    assert_eq!(
        writes(github),
        [format!("PATCH /repos/acme/web/issues/comments/{}", ours.id)]
    );
    let comments = github.comments();
    assert_eq!(comments.len(), 2);
    assert_eq!((comments[1].id, comments[1].edits), (ours.id, 1));
    assert!(
        comments[1].body.contains("`ghcr.io/acme/api:3.0.0`"),
        "{}",
        comments[1].body
    );
    assert!(!comments[1].body.contains("2.0.0"), "{}", comments[1].body);
    assert!(second.stderr.contains("comment updated"), "{second}");
    // Other people's comments are never touched.
    assert_eq!(comments[0].id, chatter);
    assert_eq!(comments[0].edits, 0);

    // Another key (another job): its own comment; the first stays.
    let (other_key, _dir) = run(
        &rig,
        &["--set", SET, "--pr-comment-key", "pr-check-prod"],
        &[],
    );
    assert_eq!(other_key.code, Some(0), "{other_key}");
    let comments = github.comments();
    assert_eq!(comments.len(), 3);
    assert!(
        comments[2]
            .body
            .starts_with("<!-- gantry-patch:pr-comment key=pr-check-prod -->\n")
    );
    assert_eq!(comments[1].edits, 1);
    // …and the job name is the default key.
    let (other_job, _dir) = run(&rig, &["--set", SET], &[("GITHUB_JOB", "pr-check-prod")]);
    assert_eq!(other_job.code, Some(0), "{other_job}");
    assert!(
        other_job.stderr.contains("comment unchanged"),
        "{other_job}"
    );
    assert_eq!(github.comments().len(), 3);
}

#[test]
fn the_comment_is_found_past_the_first_page_and_by_pr_number() {
    let rig = rig();
    let github = &rig.github;
    // The comment of an earlier run, then 150 others: two pages of 100.
    let (first, _dir) = run(&rig, &["--set", SET], &[]);
    assert_eq!(first.code, Some(0), "{first}");
    let ours = github.comments()[0].id;
    for i in 0..150 {
        github.add_comment(rig.pr, "octocat", &format!("comment {i}"));
    }
    // Another pull request, named by --pr on a push: not the event's.
    let other = github.open_pull("contributor:other", "main");
    let (elsewhere, _dir) = run(
        &rig,
        &["--set", SET, "--pr", &other.to_string()],
        &[("GITHUB_EVENT_NAME", "push")],
    );
    assert_eq!(elsewhere.code, Some(0), "{elsewhere}");
    let on_other: Vec<_> = github
        .comments()
        .into_iter()
        .filter(|c| c.issue == other)
        .collect();
    assert_eq!(on_other.len(), 1, "{on_other:?}");

    github.clear_requests();
    let (later, _dir) = run(&rig, &["--set", "ghcr.io/acme/api:2.1.0"], &[]);
    assert_eq!(later.code, Some(0), "{later}");
    assert_eq!(
        writes(github),
        [format!("PATCH /repos/acme/web/issues/comments/{ours}")]
    );
    let listed: Vec<String> = github
        .requests()
        .iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(
        listed,
        [
            format!(
                "/repos/acme/web/issues/{}/comments?per_page=100&page=1",
                rig.pr
            ),
            format!(
                "/repos/acme/web/issues/{}/comments?per_page=100&page=2",
                rig.pr
            ),
        ]
    );
}

#[test]
fn a_read_only_token_is_a_notice_and_the_summary_is_still_written() {
    let rig = rig();
    rig.github.set_read_only(true);
    let (result, _dir) = run(&rig, &["--set", SET], &[]);
    assert_eq!(result.code, Some(0), "{result}");
    assert!(
        result.stderr.contains(
            "::notice::the pull request comment was skipped: the token cannot write to pull requests (a fork's pull request?)"
        ),
        "{result}"
    );
    assert!(
        result
            .stderr
            .contains("403 Resource not accessible by integration"),
        "{result}"
    );
    assert!(rig.github.comments().is_empty());
    let summary = result.step_summary().unwrap();
    assert!(
        summary.contains("would change 2 value(s) in 2 file(s)"),
        "{summary}"
    );
    assert!(summary.contains("```diff\n"), "{summary}");
    let outputs = result.outputs().unwrap();
    assert_eq!(outputs["changed"], "true");
    assert!(outputs["diff"].contains("+  tag: 2.0.0"), "{outputs:?}");
    assert!(!outputs.contains_key("pr-comment-url"));
    assert_files_untouched(&rig);
    assert_token_hidden(&result);

    // A private repository's comments the token cannot see: 404, the same.
    rig.github.set_read_only(false);
    rig.github
        .inject("GET", "/comments", 1, github_error(404, "Not Found", &[]));
    let (hidden, _dir) = run(&rig, &["--set", SET], &[]);
    assert_eq!(hidden.code, Some(0), "{hidden}");
    assert!(
        hidden
            .stderr
            .contains("::notice::the pull request comment was skipped"),
        "{hidden}"
    );
    assert!(rig.github.comments().is_empty());
}

#[test]
fn github_failing_is_a_warning_and_never_the_exit_code() {
    let rig = rig();
    // Down for as long as the run tries (three times).
    rig.github.inject("*", "/comments", 3, Fault::status(503));
    let (result, _dir) = run(&rig, &["--set", SET], &[]);
    assert_eq!(result.code, Some(0), "{result}");
    assert!(
        result.stderr.contains(
            "::warning::the pull request comment was not posted (the dry run's result stands): GitHub API GET"
        ),
        "{result}"
    );
    assert!(result.stderr.contains("503"), "{result}");
    // Retried, briefly.
    let tries = rig.github.requests().len();
    assert_eq!(tries, 3, "{:?}", rig.github.requests());
    assert!(result.step_summary().unwrap().contains("```diff\n"));
    assert!(rig.github.comments().is_empty());

    // The token refused: a warning too (not a fork: nothing to skip).
    let (refused, _dir) = run(&rig, &["--set", SET], &[("GITHUB_TOKEN", "ghs_wrong")]);
    assert_eq!(refused.code, Some(0), "{refused}");
    assert!(
        refused
            .stderr
            .contains("::warning::the pull request comment was not posted"),
        "{refused}"
    );
    assert!(refused.stderr.contains("401 Bad credentials"), "{refused}");
}

#[test]
fn bad_settings_exit_2_before_any_request() {
    let rig = rig();
    let tree = rig.tree.path();
    std::fs::write(tree.join("push.json"), r#"{"ref": "refs/heads/main"}"#).unwrap();
    std::fs::write(tree.join("garbage.json"), "{not json").unwrap();
    let push_payload = tree.join("push.json").display().to_string();
    let garbage_payload = tree.join("garbage.json").display().to_string();
    #[allow(clippy::type_complexity)]
    let table: Vec<(&str, Vec<&str>, Vec<(&str, &str)>, Vec<&str>, &str)> = vec![
        (
            "without --dry-run",
            vec!["--pr-comment", "--set", SET, "deploy"],
            vec![],
            vec![],
            "--pr-comment goes with --dry-run",
        ),
        (
            "with --check",
            vec!["--pr-comment", "--check", "--set", SET, "deploy"],
            vec![],
            vec![],
            "--pr-comment goes with --dry-run",
        ),
        (
            "--pr without --pr-comment",
            vec!["--dry-run", "--pr", "3", "--set", SET, "deploy"],
            vec![],
            vec![],
            "--pr goes with --pr-comment",
        ),
        (
            "--pr-comment-key without --pr-comment",
            vec!["--dry-run", "--pr-comment-key", "x", "--set", SET, "deploy"],
            vec![],
            vec![],
            "--pr-comment-key goes with --pr-comment",
        ),
        (
            "a push event",
            vec![],
            vec![("GITHUB_EVENT_NAME", "push")],
            vec![],
            "this run's event (GITHUB_EVENT_NAME) is `push`, which has none; pass --pr N",
        ),
        (
            "no event payload",
            vec![],
            vec![],
            vec!["GITHUB_EVENT_PATH"],
            "GITHUB_EVENT_PATH is not set",
        ),
        (
            "a payload without a pull request",
            vec![],
            vec![("GITHUB_EVENT_PATH", &push_payload)],
            vec![],
            "has no pull_request.number",
        ),
        (
            "a payload that is not JSON",
            vec![],
            vec![("GITHUB_EVENT_PATH", &garbage_payload)],
            vec![],
            "not JSON",
        ),
        (
            "a payload that is a directory",
            vec![],
            vec![("GITHUB_EVENT_PATH", "deploy")],
            vec![],
            "not a regular file",
        ),
        (
            "--pr not a number",
            vec!["--pr", "12a"],
            vec![],
            vec![],
            "invalid --pr `12a`",
        ),
        (
            "--pr zero",
            vec!["--pr", "0"],
            vec![],
            vec![],
            "invalid --pr `0`",
        ),
        (
            "no repository",
            vec![],
            vec![],
            vec!["GITHUB_REPOSITORY"],
            "--pr-comment needs the repository: set GITHUB_REPOSITORY",
        ),
        (
            "a repository that is not OWNER/NAME",
            vec![],
            vec![("GITHUB_REPOSITORY", "acme")],
            vec![],
            "invalid GITHUB_REPOSITORY",
        ),
        (
            "no token",
            vec![],
            vec![],
            vec!["GITHUB_TOKEN"],
            "--pr-comment needs a token: set GITHUB_TOKEN",
        ),
        (
            "a blank token",
            vec![],
            vec![("GITHUB_TOKEN", "  ")],
            vec![],
            "--pr-comment needs a token",
        ),
        (
            "a key the marker cannot hold",
            vec!["--pr-comment-key", "a -->"],
            vec![],
            vec![],
            "invalid --pr-comment-key `a -->`",
        ),
        (
            "a job name the marker cannot hold",
            vec![],
            vec![("GITHUB_JOB", "job name")],
            vec![],
            "invalid GITHUB_JOB `job name`",
        ),
        (
            "an API URL with credentials",
            vec![],
            vec![("GITHUB_API_URL", "https://user:secret@api.github.com")],
            vec![],
            "invalid GITHUB_API_URL",
        ),
        (
            "an API URL that is not one",
            vec![],
            vec![("GITHUB_API_URL", "ftp://api.github.com")],
            vec![],
            "invalid GITHUB_API_URL",
        ),
        (
            "a bad --github-timeout",
            vec!["--github-timeout", "-1s"],
            vec![],
            vec![],
            "invalid --github-timeout `-1s`",
        ),
    ];
    for (name, args, env, remove, message) in table {
        let actions = tempfile::tempdir().unwrap();
        // Rows naming `deploy` are whole command lines; the others add
        // their flags to a valid --dry-run --pr-comment.
        let full: Vec<&str> = if args.contains(&"deploy") {
            args.clone()
        } else {
            let mut all = vec!["--dry-run", "--pr-comment", "--set", SET];
            all.extend(args.iter().copied());
            all.push("deploy");
            all
        };
        let mut command = gantry("gantry-patch")
            .unwrap()
            .args(&full)
            .current_dir(tree)
            .github_actions(actions.path())
            .unwrap()
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_REPOSITORY", "acme/web")
            .env("GITHUB_API_URL", rig.github.url())
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", &rig.payload)
            .env("GITHUB_JOB", "pr-check");
        for (k, v) in &env {
            command = command.env(k, v);
        }
        for k in &remove {
            command = command.env_remove(k);
        }
        let result = command.run().unwrap();
        assert_eq!(result.code, Some(2), "{name}: {result}");
        assert!(result.stderr.contains(message), "{name}: {result}");
        assert!(!result.stderr.contains("secret"), "{name}: {result}");
        assert_eq!(rig.github.requests(), Vec::new(), "{name}");
    }
    assert_files_untouched(&rig);
    assert!(Path::new(&rig.payload).is_file());
}

#[test]
fn pull_request_target_events_name_their_pull_request() {
    let rig = rig();
    let (result, _dir) = run(
        &rig,
        &["--set", SET],
        &[("GITHUB_EVENT_NAME", "pull_request_target")],
    );
    assert_eq!(result.code, Some(0), "{result}");
    assert_eq!(rig.github.comments().len(), 1);
    assert_eq!(rig.github.comments()[0].issue, rig.pr);
}

#[test]
fn findings_are_in_the_comment() {
    let rig = rig();
    let digest = format!("sha256:{}", "d".repeat(64));
    let set = format!("ghcr.io/acme/api:2.0.0@{digest}");
    let (result, _dir) = run(
        &rig,
        &[
            "--set",
            &set,
            "--set",
            "ghcr.io/acme/gone:1.0",
            "--allow-missing",
            "--pr-comment-key",
            "findings",
        ],
        &[],
    );
    assert_eq!(result.code, Some(0), "{result}");
    let comments = rig.github.comments();
    assert_eq!(comments.len(), 1, "{comments:?}");
    let body = &comments[0].body;
    assert!(body.contains("**Findings**"), "{body}");
    insta::assert_snapshot!("pr-comment-findings", filtered(body, &rig));
}
