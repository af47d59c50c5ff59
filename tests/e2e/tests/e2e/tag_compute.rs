//! `gantry-tag compute` through the binary: every case of the library's
//! metadata-action table (`crates/gantry-tags/tests/data/`), given to the
//! binary the way GitHub Actions gives it (GITHUB_* variables and an event
//! payload file), plus `--context git` on a real checkout and
//! `--latest-from-registry` against the real registry.

use std::path::Path;

use gantry_test_support::cli::{RunResult, gantry};
use gantry_test_support::git_daemon::git_command;
use gantry_test_support::oci_image::{ImageSpec, Uploader};
use gantry_test_support::registry::Registry;
use serde_json::{Value, json};

const CASES: &str =
    include_str!("../../../../crates/gantry-tags/tests/data/metadata_action_cases.json");

fn str_field<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// The event payload GitHub would write for this context.
fn payload(context: &Value) -> Value {
    let sha = str_field(context, "sha").unwrap_or_default();
    let mut payload = json!({
        "repository": {
            "full_name": context.get("repository"),
            "name": context.get("repo_name"),
            "description": context.get("repo_description"),
            "html_url": context.get("html_url"),
            "default_branch": context.get("default_branch"),
            "license": { "spdx_id": context.get("license") },
        },
    });
    if let Some(time) = str_field(context, "commit_time") {
        payload["head_commit"] = json!({ "id": sha, "timestamp": time });
    }
    if let Some(number) = context.get("pr_number").and_then(Value::as_u64) {
        payload["number"] = json!(number);
        payload["pull_request"] = json!({
            "number": number,
            "base": { "ref": context.get("base_ref") },
        });
    }
    if str_field(context, "ref").is_some_and(|r| r.starts_with("refs/tags/")) {
        payload["base_ref"] = context.get("base_ref").cloned().unwrap_or(Value::Null);
    }
    payload
}

fn run_case(case: &Value, dir: &Path) -> RunResult {
    let context = &case["context"];
    let payload_path = dir.join("event.json");
    std::fs::write(&payload_path, payload(context).to_string()).unwrap();
    let mut args: Vec<String> = vec![
        "compute".into(),
        "--format".into(),
        "json".into(),
        "--context".into(),
        "github".into(),
        "--now".into(),
        str_field(context, "now").unwrap().into(),
    ];
    let options = case.get("options").cloned().unwrap_or(json!({}));
    for flag in [
        "shorten_long_tags",
        "fix_first_character",
        "allow_empty",
        "skip_major_zero",
    ] {
        if options.get(flag).and_then(Value::as_bool) == Some(true) {
            args.push(format!("--{}", flag.replace('_', "-")));
        }
    }
    if let Some(length) = options.get("short_sha_length").and_then(Value::as_u64) {
        args.push(format!("--short-sha-length={length}"));
    }
    if let Some(prefix) = str_field(&options, "tag_prefix") {
        args.push(format!("--tag-prefix={prefix}"));
    }
    let mut cmd = gantry("gantry-tag")
        .unwrap()
        .args(&args)
        .env("GITHUB_EVENT_NAME", str_field(context, "event").unwrap())
        .env("GITHUB_REF", str_field(context, "ref").unwrap())
        .env("GITHUB_SHA", str_field(context, "sha").unwrap())
        .env("GITHUB_EVENT_PATH", &payload_path)
        .env("GANTRY_IMAGES", str_field(case, "images").unwrap())
        .env("GANTRY_TAGS", str_field(case, "tags").unwrap())
        .env("GANTRY_FLAVOR", str_field(case, "flavor").unwrap());
    if let Some(repository) = str_field(context, "repository") {
        cmd = cmd.env("GITHUB_REPOSITORY", repository);
    }
    cmd.run().unwrap()
}

#[test]
fn every_library_case_gives_the_same_answer_through_the_binary() {
    let file: Value = serde_json::from_str(CASES).unwrap();
    let cases = file["cases"].as_array().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut ran = 0;
    for case in cases {
        let name = str_field(case, "name").unwrap();
        // Cases with tags "already in the registry" run against a real
        // registry in `latest_follows_the_highest_semver_in_the_registry`.
        if case["options"].get("existing_tags").is_some() {
            continue;
        }
        // GitHub always sets GITHUB_EVENT_NAME; the library's case for an
        // empty context has no equivalent run.
        if str_field(&case["context"], "event") == Some("") {
            continue;
        }
        let run = run_case(case, dir.path());
        let expect = &case["expect"];
        if let Some(tags) = expect.get("tags") {
            assert_eq!(run.code, Some(0), "{name}: {run}");
            let json: Value = serde_json::from_str(&run.stdout).unwrap();
            assert_eq!(&json["tags"], tags, "{name}: {run}");
            assert_eq!(json["version"], expect["version"], "{name}: {run}");
        } else {
            let message = str_field(expect, "error")
                .or_else(|| str_field(expect, "error_contains"))
                .unwrap();
            assert!(matches!(run.code, Some(1 | 2)), "{name}: {run}");
            assert!(
                run.stderr.contains(message),
                "{name}: want `{message}` in {run}"
            );
            assert_eq!(run.stdout, "", "{name}: {run}");
        }
        ran += 1;
    }
    assert!(ran >= 60, "only {ran} cases ran");
}

#[test]
fn outputs_under_actions_use_metadata_action_names() {
    let dir = tempfile::tempdir().unwrap();
    let run = gantry("gantry-tag")
        .unwrap()
        .args([
            "compute",
            "--context=flags",
            "--event=push",
            "--git-ref=refs/tags/v2.1.0",
            "--sha=860c1904a1ce19322e91ac35af1ab07466440c37",
            "--now=2026-11-22T06:00:00Z",
            "--images=ghcr.io/acme/api\nghcr.io/acme/api-mirror",
            "--tags=type=semver,pattern={{version}}\ntype=sha",
        ])
        .github_actions(dir.path())
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(run.code, Some(0), "{run}");
    let outputs = run.outputs().unwrap();
    assert_eq!(outputs["version"], "2.1.0");
    assert_eq!(
        outputs["tags"],
        "ghcr.io/acme/api:2.1.0\nghcr.io/acme/api:sha-860c190\nghcr.io/acme/api:latest\n\
         ghcr.io/acme/api-mirror:2.1.0\nghcr.io/acme/api-mirror:sha-860c190\nghcr.io/acme/api-mirror:latest",
        "{run}"
    );
    assert!(outputs["labels"].contains("org.opencontainers.image.version=2.1.0"));
    assert!(outputs["annotations"].contains(
        "manifest:org.opencontainers.image.revision=860c1904a1ce19322e91ac35af1ab07466440c37"
    ));
    let json: Value = serde_json::from_str(&outputs["json"]).unwrap();
    assert_eq!(json["tag-names"][0], "2.1.0");
    assert!(
        run.step_summary()
            .unwrap()
            .contains("`ghcr.io/acme/api:2.1.0`")
    );
}

#[test]
fn bad_input_exits_2_naming_it() {
    let table: [(&[&str], &str); 5] = [
        (&["--tags=type=nope"], "unknown rule type `nope`"),
        (&["--tags=type=semver,pattern={{bogus}}"], "`{{bogus}}`"),
        (&["--images=Foo Bar"], "Foo Bar"),
        (&["--flavor=latest=maybe"], "latest=maybe"),
        (&["--now=yesterday"], "invalid --now `yesterday`"),
    ];
    for (args, message) in table {
        let run = gantry("gantry-tag")
            .unwrap()
            .args([
                "compute",
                "--context=flags",
                "--event=push",
                "--git-ref=refs/heads/main",
                "--sha=860c1904a1ce19322e91ac35af1ab07466440c37",
            ])
            .args(args)
            .run()
            .unwrap();
        assert_eq!(run.code, Some(2), "{args:?}: {run}");
        assert!(
            run.stderr.contains(message),
            "{args:?}: want `{message}` in {run}"
        );
        assert_eq!(run.stdout, "", "{run}");
    }
}

#[test]
fn no_tags_fails_loudly_unless_allowed() {
    let base = [
        "compute",
        "--context=flags",
        "--event=push",
        "--git-ref=refs/heads/main",
        "--sha=860c1904a1ce19322e91ac35af1ab07466440c37",
        "--images=ghcr.io/acme/api",
        "--tags=type=semver,pattern={{version}}",
    ];
    let run = gantry("gantry-tag").unwrap().args(base).run().unwrap();
    assert_eq!(run.code, Some(1), "{run}");
    let allowed = gantry("gantry-tag")
        .unwrap()
        .args(base)
        .arg("--allow-empty")
        .run()
        .unwrap();
    assert_eq!(allowed.code, Some(0), "{allowed}");
    assert_eq!(allowed.stdout, "", "{allowed}");
}

#[test]
fn git_context_reads_a_real_checkout() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    let git = |args: &[&str]| {
        let output = git_command()
            .unwrap()
            .current_dir(repo)
            .args(args)
            .output()
            .unwrap();
        assert!(output.status.success(), "git {args:?}: {output:?}");
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    };
    git(&["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("README"), "hello\n").unwrap();
    git(&["add", "README"]);
    git(&["commit", "-q", "-m", "first"]);
    let sha = git(&["rev-parse", "HEAD"]);

    let compute = |extra: &[&str]| {
        gantry("gantry-tag")
            .unwrap()
            .args(["compute", "--context=git", "--format=json", "--images=ghcr.io/acme/api"])
            .arg(format!("--git-dir={}", repo.display()))
            .args(["--tags=type=ref,event=branch\ntype=semver,pattern={{version}}\ntype=sha,format=long"])
            .args(extra)
            .run()
            .unwrap()
    };
    let on_branch = compute(&[]);
    assert_eq!(on_branch.code, Some(0), "{on_branch}");
    let json: Value = serde_json::from_str(&on_branch.stdout).unwrap();
    assert_eq!(
        json["tags"],
        json!([
            "ghcr.io/acme/api:main",
            format!("ghcr.io/acme/api:sha-{sha}")
        ])
    );

    // Detached at a release tag, as a tag build checks out.
    git(&["tag", "v3.4.5"]);
    git(&["checkout", "-q", "--detach", "v3.4.5"]);
    let on_tag = compute(&[]);
    assert_eq!(on_tag.code, Some(0), "{on_tag}");
    let json: Value = serde_json::from_str(&on_tag.stdout).unwrap();
    assert_eq!(json["version"], "3.4.5", "{on_tag}");
    assert_eq!(json["tags"][0], "ghcr.io/acme/api:3.4.5");
    assert!(
        json["tags"]
            .as_array()
            .unwrap()
            .contains(&json!("ghcr.io/acme/api:latest"))
    );

    let not_a_repo = gantry("gantry-tag")
        .unwrap()
        .args(["compute", "--context=git", "--images=ghcr.io/acme/api"])
        .arg(format!(
            "--git-dir={}",
            dir.path().join("missing").display()
        ))
        .run()
        .unwrap();
    assert_eq!(not_a_repo.code, Some(2), "{not_a_repo}");
    assert!(not_a_repo.stderr.contains("missing"), "{not_a_repo}");
}

#[test]
fn latest_follows_the_highest_semver_in_the_registry() {
    let registry = Registry::start().unwrap();
    let uploader = Uploader::for_registry(&registry);
    for tag in ["v1.2.8", "v1.3.0", "latest"] {
        uploader
            .push_image("acme/api", tag, &ImageSpec::new("amd64"))
            .unwrap();
    }
    let image = format!("{}/acme/api", registry.host_port());
    let compute = |git_tag: &str| {
        let run = gantry("gantry-tag")
            .unwrap()
            .args([
                "compute",
                "--context=flags",
                "--event=push",
                "--sha=860c1904a1ce19322e91ac35af1ab07466440c37",
                "--format=json",
                "--latest-from-registry",
                "--tags=type=semver,pattern=v{{version}}",
            ])
            .arg(format!("--git-ref=refs/tags/{git_tag}"))
            .arg(format!("--images={image}"))
            .run()
            .unwrap();
        assert_eq!(run.code, Some(0), "{run}");
        let json: Value = serde_json::from_str(&run.stdout).unwrap();
        json["tags"].clone()
    };
    // A backport after 1.3.0 does not move `latest`…
    assert_eq!(compute("v1.2.9"), json!([format!("{image}:v1.2.9")]));
    // …a newer release does.
    assert_eq!(
        compute("v1.4.0"),
        json!([format!("{image}:v1.4.0"), format!("{image}:latest")])
    );
}
