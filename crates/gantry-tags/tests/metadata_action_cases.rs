//! The case table, data-driven: `tests/data/metadata_action_cases.json`
//! holds each case's context, `images`, `tags`, `flavor` and options, and
//! the expected version and tags in order (or the error). Cases named
//! `push01`, `tag13`, … reproduce docker/metadata-action's own
//! `__tests__/meta.test.ts` cases (same names, same fixture values: SHAs,
//! refs, the frozen 2020-01-10T00:30:00Z clock); `source: gantry` cases
//! cover other events and the fixes in `Options`. The binary's tests can
//! run the same file.

// Helpers outside #[test] functions unwrap known-good fixture values.
#![allow(clippy::unwrap_used)]

use gantry_tags::{
    Context, Options, compute, parse_annotations, parse_flavor, parse_images, parse_labels,
    parse_tag_rules,
};
use serde::Deserialize;

const CASES: &str = include_str!("data/metadata_action_cases.json");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[allow(dead_code)]
    description: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[allow(dead_code)]
    source: String,
    #[allow(dead_code)]
    #[serde(default)]
    note: Option<String>,
    context: Ctx,
    images: String,
    tags: String,
    flavor: String,
    #[serde(default)]
    options: Opts,
    expect: Expect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Ctx {
    event: String,
    #[serde(rename = "ref")]
    git_ref: String,
    sha: String,
    base_ref: Option<String>,
    default_branch: Option<String>,
    pr_number: Option<u64>,
    commit_time: Option<String>,
    now: String,
    repository: Option<String>,
    repo_name: Option<String>,
    repo_description: Option<String>,
    html_url: Option<String>,
    license: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Opts {
    short_sha_length: Option<usize>,
    #[serde(default)]
    shorten_long_tags: bool,
    #[serde(default)]
    fix_first_character: bool,
    #[serde(default)]
    allow_empty: bool,
    #[serde(default)]
    skip_major_zero: bool,
    existing_tags: Option<Vec<String>>,
    tag_prefix: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, untagged)]
enum Expect {
    Tags { version: String, tags: Vec<String> },
    Error { error: String },
    ErrorContains { error_contains: String },
}

fn context(c: &Ctx) -> Context {
    let mut ctx = Context::new(&c.event, &c.git_ref, &c.sha, c.now.parse().unwrap());
    ctx.base_ref.clone_from(&c.base_ref);
    ctx.default_branch.clone_from(&c.default_branch);
    ctx.pr_number = c.pr_number;
    ctx.commit_time = c.commit_time.as_ref().map(|t| t.parse().unwrap());
    ctx.repository.clone_from(&c.repository);
    ctx.repo_name.clone_from(&c.repo_name);
    ctx.repo_description.clone_from(&c.repo_description);
    ctx.html_url.clone_from(&c.html_url);
    ctx.license.clone_from(&c.license);
    ctx
}

fn options(o: &Opts) -> Options {
    Options {
        short_sha_length: o.short_sha_length.unwrap_or(7),
        shorten_long_tags: o.shorten_long_tags,
        fix_first_character: o.fix_first_character,
        allow_empty: o.allow_empty,
        skip_major_zero: o.skip_major_zero,
        existing_tags: o.existing_tags.clone(),
        tag_prefix: o.tag_prefix.clone(),
        ..Options::default()
    }
}

fn run(case: &Case) -> Result<(String, Vec<String>), String> {
    let images = parse_images(&case.images).map_err(|e| e.to_string())?;
    let rules = parse_tag_rules(&case.tags).map_err(|e| e.to_string())?;
    let flavor = parse_flavor(&case.flavor).map_err(|e| e.to_string())?;
    let meta = compute(
        &context(&case.context),
        &images,
        &rules,
        &flavor,
        &options(&case.options),
    )
    .map_err(|e| e.to_string())?;
    Ok((meta.version, meta.tags))
}

#[test]
fn metadata_action_cases() {
    let file: File = serde_json::from_str(CASES).unwrap();
    assert!(file.cases.len() >= 60, "only {} cases", file.cases.len());
    let mut names = std::collections::HashSet::new();
    let mut failures = Vec::new();
    for case in &file.cases {
        assert!(
            names.insert(case.name.as_str()),
            "duplicate case name {}",
            case.name
        );
        let result = run(case);
        let ok = match (&case.expect, &result) {
            (Expect::Tags { version, tags }, Ok((got_version, got_tags))) => {
                got_version == version && got_tags == tags
            }
            (Expect::Error { error }, Err(got)) => got == error,
            (Expect::ErrorContains { error_contains }, Err(got)) => {
                got.contains(error_contains.as_str())
            }
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "{}:\n  expected {:?}\n  got      {result:?}",
                case.name, case.expect
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        file.cases.len(),
        failures.join("\n")
    );
}

/// Every event the issue names is covered, and most cases come from
/// metadata-action's own suite.
#[test]
fn coverage_of_events() {
    let file: File = serde_json::from_str(CASES).unwrap();
    for event in [
        "push",
        "pull_request",
        "pull_request_target",
        "schedule",
        "release",
        "workflow_dispatch",
    ] {
        assert!(
            file.cases.iter().any(|c| c.context.event == event),
            "no case for {event}"
        );
    }
    assert!(
        file.cases
            .iter()
            .any(|c| c.context.git_ref.starts_with("refs/tags/") && c.context.event == "push")
    );
    let upstream = file
        .cases
        .iter()
        .filter(|c| c.source.contains("meta.test.ts"))
        .count();
    assert!(upstream >= 60, "{upstream} upstream cases");
}

fn fixture(event: &str, git_ref: &str) -> Context {
    let mut c = Context::new(
        event,
        git_ref,
        "860c1904a1ce19322e91ac35af1ab07466440c37",
        "2020-01-10T00:30:00Z".parse().unwrap(),
    );
    c.default_branch = Some("master".to_owned());
    c.repository = Some("octocat/Hello-World".to_owned());
    c.repo_name = Some("Hello-World".to_owned());
    c.repo_description = Some("This your first repo!".to_owned());
    c.html_url = Some("https://github.com/octocat/Hello-World".to_owned());
    c.license = Some("MIT".to_owned());
    c
}

fn push_dev() -> Context {
    fixture("push", "refs/heads/dev")
}

fn tag_v111() -> Context {
    let mut c = fixture("push", "refs/tags/v1.1.1");
    c.base_ref = Some("refs/heads/master".to_owned());
    c
}

#[test]
fn json_output_matches_metadata_action_shape() {
    let images = parse_images("user/app").unwrap();
    let rules =
        parse_tag_rules("type=ref,event=branch\ntype=raw,my\ntype=raw,custom\ntype=raw,tags")
            .unwrap();
    let options = Options {
        // metadata-action's test also has a line `invalid`, which it
        // ignores and gantry refuses (`rules::tests`).
        labels: parse_labels("foo=").unwrap(),
        ..Options::default()
    };
    let meta = compute(
        &push_dev(),
        &images,
        &rules,
        &parse_flavor("").unwrap(),
        &options,
    )
    .unwrap();
    let json = serde_json::to_value(&meta).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "tags": ["user/app:dev", "user/app:my", "user/app:custom", "user/app:tags"],
            "tag-names": ["dev", "my", "custom", "tags"],
            "labels": {
                "foo": "",
                "org.opencontainers.image.created": "2020-01-10T00:30:00.000Z",
                "org.opencontainers.image.description": "This your first repo!",
                "org.opencontainers.image.licenses": "MIT",
                "org.opencontainers.image.revision": "860c1904a1ce19322e91ac35af1ab07466440c37",
                "org.opencontainers.image.source": "https://github.com/octocat/Hello-World",
                "org.opencontainers.image.title": "Hello-World",
                "org.opencontainers.image.url": "https://github.com/octocat/Hello-World",
                "org.opencontainers.image.version": "dev"
            },
            "annotations": [
                "manifest:org.opencontainers.image.created=2020-01-10T00:30:00.000Z",
                "manifest:org.opencontainers.image.description=This your first repo!",
                "manifest:org.opencontainers.image.licenses=MIT",
                "manifest:org.opencontainers.image.revision=860c1904a1ce19322e91ac35af1ab07466440c37",
                "manifest:org.opencontainers.image.source=https://github.com/octocat/Hello-World",
                "manifest:org.opencontainers.image.title=Hello-World",
                "manifest:org.opencontainers.image.url=https://github.com/octocat/Hello-World",
                "manifest:org.opencontainers.image.version=dev"
            ]
        })
    );
    // Exactly metadata-action v6's keys, in its order (`version` is an
    // output of its own).
    let text = serde_json::to_string(&meta).unwrap();
    assert!(text.starts_with(r#"{"tags":["#), "{text}");
    let keys: Vec<&str> = text
        .match_indices(r#"],"tag-names":["#)
        .chain(text.match_indices(r#"],"labels":{"#))
        .chain(text.match_indices(r#"},"annotations":["#))
        .map(|(_, k)| k)
        .collect();
    assert_eq!(keys.len(), 3, "{text}");
    assert!(!text.contains(r#""version":"#), "{text}");
    assert_eq!(meta.tag_names, ["dev", "my", "custom", "tags"]);
}

/// meta.test.ts `latest09`: custom labels and annotations override the
/// generated ones; annotations at several levels.
#[test]
fn custom_labels_override_and_annotation_levels() {
    let options = Options {
        labels: parse_labels("maintainer=CrazyMax\norg.opencontainers.image.title=MyCustomTitle\norg.opencontainers.image.vendor=MyCompany\nbuild.sha={{sha}}").unwrap(),
        annotations: parse_annotations("org.opencontainers.image.title=MyNotTitle").unwrap(),
        annotation_levels: vec!["manifest".to_owned(), "index".to_owned()],
        short_sha_length: 9,
        ..Options::default()
    };
    let meta = compute(
        &tag_v111(),
        &parse_images("org/app").unwrap(),
        &parse_tag_rules("type=ref,event=tag").unwrap(),
        &parse_flavor("latest=false").unwrap(),
        &options,
    )
    .unwrap();
    let labels: Vec<String> = meta
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    assert_eq!(
        labels,
        [
            "build.sha=860c1904a",
            "maintainer=CrazyMax",
            "org.opencontainers.image.created=2020-01-10T00:30:00.000Z",
            "org.opencontainers.image.description=This your first repo!",
            "org.opencontainers.image.licenses=MIT",
            "org.opencontainers.image.revision=860c1904a1ce19322e91ac35af1ab07466440c37",
            "org.opencontainers.image.source=https://github.com/octocat/Hello-World",
            "org.opencontainers.image.title=MyCustomTitle",
            "org.opencontainers.image.url=https://github.com/octocat/Hello-World",
            "org.opencontainers.image.vendor=MyCompany",
            "org.opencontainers.image.version=v1.1.1",
        ]
    );
    assert_eq!(meta.annotations.len(), 16);
    assert!(meta.annotations.contains(&(
        "index:org.opencontainers.image.title".to_owned(),
        "MyNotTitle".to_owned()
    )));
    assert_eq!(
        meta.annotations[0].0,
        "manifest:org.opencontainers.image.created"
    );
}

/// From the runner's environment and event payload to tags, as the binary
/// does it on GitHub: a pull_request_target run (ref rewritten to the PR),
/// and a tag push whose payload carries the commit time.
#[test]
fn github_environment_to_tags() {
    let now = "2024-05-01T12:00:00Z".parse().unwrap();
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    };
    let pr_vars = env(&[
        ("GITHUB_EVENT_NAME", "pull_request_target"),
        ("GITHUB_REF", "refs/heads/main"),
        ("GITHUB_SHA", "266574110acf203503badf966df2ea24b5d732d7"),
        ("GITHUB_REPOSITORY", "acme/shop"),
        ("GITHUB_SERVER_URL", "https://github.com"),
    ]);
    let pr_payload = serde_json::json!({
        "action": "synchronize",
        "number": 42,
        "pull_request": {"number": 42, "base": {"ref": "main"}, "head": {"ref": "feat/cart", "sha": "3370e228f2209994d57af4427fe64e71bb79ac96"}},
        "repository": {"name": "shop", "full_name": "acme/shop", "default_branch": "main", "html_url": "https://github.com/acme/shop",
                       "description": "The shop", "license": {"spdx_id": "Apache-2.0"}}
    });
    let ctx = Context::from_github_env(&pr_vars, Some(pr_payload), now).unwrap();
    let meta = compute(
        &ctx,
        &parse_images("ghcr.io/acme/shop").unwrap(),
        &parse_tag_rules("type=ref,event=pr\ntype=sha\ntype=raw,value=for-{{base_ref}}").unwrap(),
        &parse_flavor("").unwrap(),
        &Options::default(),
    )
    .unwrap();
    assert_eq!(
        meta.tags,
        [
            "ghcr.io/acme/shop:pr-42",
            "ghcr.io/acme/shop:for-main",
            "ghcr.io/acme/shop:sha-2665741"
        ]
    );
    assert!(
        meta.label_lines()
            .contains(&"org.opencontainers.image.licenses=Apache-2.0".to_owned())
    );
    assert!(
        meta.label_lines()
            .contains(&"org.opencontainers.image.source=https://github.com/acme/shop".to_owned())
    );

    let tag_vars = env(&[
        ("GITHUB_EVENT_NAME", "push"),
        ("GITHUB_REF", "refs/tags/v2.3.4"),
        ("GITHUB_SHA", "90dd6032fac8bda1b6c4436a2e65de27961ed071"),
        ("GITHUB_REPOSITORY", "acme/shop"),
    ]);
    let tag_payload = serde_json::json!({
        "ref": "refs/tags/v2.3.4", "base_ref": "refs/heads/main", "commits": [],
        "head_commit": {"id": "90dd6032fac8bda1b6c4436a2e65de27961ed071", "timestamp": "2024-04-30T22:15:00+02:00"},
        "repository": {"name": "shop", "default_branch": "main"}
    });
    let ctx = Context::from_github_env(&tag_vars, Some(tag_payload), now).unwrap();
    let meta = compute(
        &ctx,
        &parse_images("acme/shop").unwrap(),
        &parse_tag_rules("type=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}\ntype=raw,value=built-{{commit_date 'YYYYMMDD-HHmm'}}\ntype=raw,value=from-{{base_ref}}").unwrap(),
        &parse_flavor("").unwrap(),
        &Options::default(),
    )
    .unwrap();
    assert_eq!(meta.version, "2.3.4");
    assert_eq!(
        meta.tags,
        [
            "acme/shop:2.3.4",
            "acme/shop:2.3",
            "acme/shop:built-20240430-2015",
            "acme/shop:from-main",
            "acme/shop:latest"
        ]
    );
    assert!(
        meta.label_lines()
            .contains(&"org.opencontainers.image.source=https://github.com/acme/shop".to_owned())
    );
}
