//! `gantry-tag compute` reads from the GitHub API what the event payload
//! lacks, as metadata-action does: the commit's date for
//! `{{commit_date}}` (pull_request, workflow_dispatch, schedule payloads
//! carry none), and the repository (default branch for `type=edge`,
//! description and licence for the labels) on a `schedule` event, whose
//! payload has no repository. Against the fake GitHub API, with the
//! no-token, API-error and hanging-API paths. Plus JavaScript regex syntax
//! in `type=match` through the binary.

use std::path::Path;
use std::time::{Duration, Instant};

use gantry_test_support::cli::{GantryCommand, RunResult, gantry};
use gantry_test_support::fault_server::Fault;
use gantry_test_support::git_daemon::git_command;
use gantry_test_support::github::FakeGitHub;
use gantry_test_support::hostile::{Behaviour, HostileServer};
use serde_json::{Value, json};

const TOKEN: &str = "ghs_tagTestToken0000000000000000000000";
const NOW: &str = "2026-11-22T06:00:00Z";
/// The committer date of the fake repository's commit.
const COMMIT_DATE: &str = "2021-03-04T05:06:07Z";

/// A bare repository `acme/api` with one commit made at [`COMMIT_DATE`],
/// behind the fake GitHub API; returns the fake, the commit and the dir
/// holding them.
fn fake_github() -> (FakeGitHub, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let git = |cwd: &Path, args: &[&str]| {
        let output = git_command()
            .unwrap()
            .current_dir(cwd)
            .args(args)
            .env("GIT_COMMITTER_DATE", COMMIT_DATE)
            .env("GIT_AUTHOR_DATE", "2020-01-01T00:00:00Z")
            .output()
            .unwrap();
        assert!(output.status.success(), "git {args:?}: {output:?}");
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    };
    git(&work, &["init", "-q", "-b", "main"]);
    std::fs::write(work.join("README"), "hello\n").unwrap();
    git(&work, &["add", "README"]);
    git(&work, &["commit", "-q", "-m", "first"]);
    let sha = git(&work, &["rev-parse", "HEAD"]);
    git(dir.path(), &["clone", "-q", "--bare", "work", "api.git"]);
    let fake = FakeGitHub::start(&dir.path().join("api.git"), "acme/api", TOKEN).unwrap();
    fake.set_description_and_license(Some("The API"), Some("Apache-2.0"));
    (fake, sha, dir)
}

/// `gantry-tag compute` as GitHub Actions runs it for `event`, with the
/// event payload `payload`.
fn compute(dir: &Path, event: &str, git_ref: &str, sha: &str, payload: &Value) -> GantryCommand {
    let payload_path = dir.join(format!("{event}.json"));
    std::fs::write(&payload_path, payload.to_string()).unwrap();
    gantry("gantry-tag")
        .unwrap()
        .args(["compute", "--format=json", "--images=ghcr.io/acme/api"])
        .arg(format!("--now={NOW}"))
        .env("GITHUB_EVENT_NAME", event)
        .env("GITHUB_REF", git_ref)
        .env("GITHUB_SHA", sha)
        .env("GITHUB_REPOSITORY", "acme/api")
        .env("GITHUB_EVENT_PATH", &payload_path)
}

fn json_of(run: &RunResult) -> Value {
    assert_eq!(run.code, Some(0), "{run}");
    serde_json::from_str(&run.stdout).unwrap()
}

fn pull_request_payload(sha: &str) -> Value {
    json!({
        "number": 7,
        "pull_request": {"number": 7, "head": {"sha": sha, "ref": "feature"}, "base": {"ref": "main"}},
        "repository": {"name": "api", "full_name": "acme/api", "default_branch": "main",
                       "html_url": "https://github.com/acme/api", "description": null, "license": null}
    })
}

const COMMIT_DATE_RULE: &str = "--tags=type=raw,value=c{{commit_date 'YYYYMMDD-HHmmss'}}";

#[test]
fn commit_date_comes_from_the_api_when_the_payload_has_none() {
    let (fake, sha, dir) = fake_github();
    let run = compute(
        dir.path(),
        "pull_request",
        "refs/pull/7/merge",
        &sha,
        &pull_request_payload(&sha),
    )
    .arg(COMMIT_DATE_RULE)
    .env("GITHUB_TOKEN", TOKEN)
    .env("GITHUB_API_URL", fake.url())
    .run()
    .unwrap();
    let json = json_of(&run);
    assert_eq!(
        json["tags"],
        json!(["ghcr.io/acme/api:c20210304-050607"]),
        "{run}"
    );
    assert!(!run.stderr.contains("warning"), "{run}");
    let asked: Vec<String> = fake.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(asked, [format!("/repos/acme/api/commits/{sha}?per_page=1")]);
    assert!(fake.requests().iter().all(|r| r.authorized));

    // Rules that do not use {{commit_date}} ask nothing.
    fake.clear_requests();
    let run = compute(
        dir.path(),
        "pull_request",
        "refs/pull/7/merge",
        &sha,
        &pull_request_payload(&sha),
    )
    .arg("--tags=type=ref,event=pr")
    .env("GITHUB_TOKEN", TOKEN)
    .env("GITHUB_API_URL", fake.url())
    .run()
    .unwrap();
    assert_eq!(json_of(&run)["tags"], json!(["ghcr.io/acme/api:pr-7"]));
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
}

#[test]
fn without_a_token_the_current_time_is_used_and_said() {
    let (fake, sha, dir) = fake_github();
    let dir_gh = tempfile::tempdir().unwrap();
    let run = compute(
        dir.path(),
        "workflow_dispatch",
        "refs/heads/main",
        &sha,
        &json!({"inputs": {}, "repository": {"name": "api", "full_name": "acme/api", "default_branch": "main"}}),
    )
    .arg(COMMIT_DATE_RULE)
    .env("GITHUB_API_URL", fake.url())
    .github_actions(dir_gh.path())
    .unwrap()
    .run()
    .unwrap();
    let json = json_of(&run);
    assert_eq!(
        json["tags"],
        json!(["ghcr.io/acme/api:c20261122-060000"]),
        "{run}"
    );
    assert!(
        run.stderr.contains("::warning::`{{commit_date}}`: the event payload has no date for commit")
            && run.stderr.contains("without GITHUB_TOKEN gantry cannot ask the GitHub API: using the current time (2026-11-22T06:00:00Z) instead"),
        "{run}"
    );
    assert!(fake.requests().is_empty());
}

#[test]
fn an_api_error_falls_back_to_the_current_time_with_a_warning() {
    let (fake, sha, dir) = fake_github();
    fake.inject(
        "GET",
        "/commits/",
        1,
        Fault::status(502).body("bad gateway"),
    );
    let run = compute(
        dir.path(),
        "pull_request",
        "refs/pull/7/merge",
        &sha,
        &pull_request_payload(&sha),
    )
    .arg(COMMIT_DATE_RULE)
    .env("GITHUB_TOKEN", TOKEN)
    .env("GITHUB_API_URL", fake.url())
    .run()
    .unwrap();
    assert_eq!(
        json_of(&run)["tags"],
        json!(["ghcr.io/acme/api:c20261122-060000"]),
        "{run}"
    );
    assert!(
        run.stderr.contains("the GitHub API did not give it")
            && run
                .stderr
                .contains(&format!("{}/repos/acme/api/commits/{sha}", fake.url()))
            && run.stderr.contains("HTTP 502"),
        "{run}"
    );
    assert!(!run.stderr.contains(TOKEN), "{run}");
}

fn schedule_payload() -> Value {
    json!({"schedule": "0 3 * * *", "workflow": ".github/workflows/nightly.yml"})
}

#[test]
fn edge_and_labels_on_a_schedule_come_from_the_api() {
    let (fake, sha, dir) = fake_github();
    let run = compute(
        dir.path(),
        "schedule",
        "refs/heads/main",
        &sha,
        &schedule_payload(),
    )
    .args(["--tags=type=edge\ntype=raw,value=c{{commit_date 'YYYY'}}"])
    .env("GITHUB_TOKEN", TOKEN)
    .env("GITHUB_API_URL", fake.url())
    .run()
    .unwrap();
    let json = json_of(&run);
    assert_eq!(
        json["tags"],
        json!(["ghcr.io/acme/api:edge", "ghcr.io/acme/api:c2021"]),
        "{run}"
    );
    let labels = &json["labels"];
    assert_eq!(labels["org.opencontainers.image.description"], "The API");
    assert_eq!(labels["org.opencontainers.image.licenses"], "Apache-2.0");
    assert_eq!(labels["org.opencontainers.image.title"], "api");
    assert_eq!(
        labels["org.opencontainers.image.source"],
        format!("{}/acme/api", fake.url())
    );
}

#[test]
fn a_schedule_without_a_token_says_edge_cannot_be_decided() {
    let (_fake, sha, dir) = fake_github();
    let run = compute(
        dir.path(),
        "schedule",
        "refs/heads/main",
        &sha,
        &schedule_payload(),
    )
    .args(["--tags=type=edge\ntype=schedule"])
    .run()
    .unwrap();
    // The schedule rule still tags; edge cannot, and the warning says why.
    assert_eq!(json_of(&run)["tags"], json!(["ghcr.io/acme/api:nightly"]));
    assert!(
        run.stderr.contains(
            "the `schedule` event payload has no repository, and without GITHUB_TOKEN and GITHUB_API_URL gantry cannot read it from the GitHub API: `type=edge` without `branch=` gives no tag"
        ),
        "{run}"
    );
}

#[test]
fn a_schedule_whose_repository_cannot_be_read_fails_as_metadata_action_does() {
    let (fake, sha, dir) = fake_github();
    fake.inject("GET", "/repos/acme/api", 1, Fault::status(503));
    let run = compute(
        dir.path(),
        "schedule",
        "refs/heads/main",
        &sha,
        &schedule_payload(),
    )
    .args(["--tags=type=edge"])
    .env("GITHUB_TOKEN", TOKEN)
    .env("GITHUB_API_URL", fake.url())
    .run()
    .unwrap();
    assert_eq!(run.code, Some(3), "{run}");
    assert!(
        run.stderr.contains(&format!(
            "the `schedule` event payload has no repository and reading it failed: the GitHub API at {}/repos/acme/api answered HTTP 503",
            fake.url()
        )),
        "{run}"
    );
    assert_eq!(run.stdout, "");

    // A token GitHub refuses is the user's to fix: exit 2.
    let run = compute(
        dir.path(),
        "schedule",
        "refs/heads/main",
        &sha,
        &schedule_payload(),
    )
    .args(["--tags=type=edge"])
    .env("GITHUB_TOKEN", "ghs_wrong")
    .env("GITHUB_API_URL", fake.url())
    .run()
    .unwrap();
    assert_eq!(run.code, Some(2), "{run}");
    assert!(run.stderr.contains("HTTP 401"), "{run}");
    assert!(!run.stderr.contains("ghs_wrong"), "{run}");
}

#[test]
fn a_hanging_github_api_ends_at_the_deadline() {
    let (_fake, sha, dir) = fake_github();
    let hang = HostileServer::start(Behaviour::Hang).unwrap();
    let started = Instant::now();
    let run = compute(
        dir.path(),
        "schedule",
        "refs/heads/main",
        &sha,
        &schedule_payload(),
    )
    .args(["--tags=type=edge", "--github-timeout=1s"])
    .env("GITHUB_TOKEN", TOKEN)
    .env("GITHUB_API_URL", hang.url())
    .run()
    .unwrap();
    assert_eq!(run.code, Some(3), "{run}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        run.stderr.contains(&format!(
            "cannot reach the GitHub API at {}/repos/acme/api: no answer within 1s",
            hang.url()
        )),
        "{run}"
    );
}

#[test]
fn match_patterns_are_javascript_regexes() {
    let dir = tempfile::tempdir().unwrap();
    let sha = "860c1904a1ce19322e91ac35af1ab07466440c37";
    let run = compute(
        dir.path(),
        "push",
        "refs/tags/api-v1.2.3",
        sha,
        &json!({"repository": {"name": "api", "default_branch": "main"}}),
    )
    .args([
        // Look-behind and look-ahead; a negative look-ahead in `match=`;
        // a back-reference that does not match (1.2.3 has no repeated
        // digit) and so adds no tag.
        "--tags=type=match,pattern=(?<=-v)\\d+\\.\\d+(?=\\.),group=0\n\
         type=semver,pattern={{version}},match=^(?!old-)\\w+-v(\\d+\\.\\d+\\.\\d+)$\n\
         type=match,pattern=(\\d)\\.\\1,group=0,priority=1",
    ])
    .run()
    .unwrap();
    let json = json_of(&run);
    assert_eq!(
        json["tags"],
        json!([
            "ghcr.io/acme/api:1.2.3",
            "ghcr.io/acme/api:1.2",
            "ghcr.io/acme/api:latest"
        ]),
        "{run}"
    );
}
