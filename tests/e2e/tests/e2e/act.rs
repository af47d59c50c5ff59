//! gantry's composite actions, run by `act` in a real workflow, offline, on
//! this machine (`-P ubuntu-latest=-self-hosted`), with the binaries of this
//! build.

use gantry_test_support::act::{Act, ActWorkspace};
use gantry_test_support::tools;

/// The rig's own mechanics, independent of gantry's actions: a local
/// composite action's outputs reach a later step, and that step can leave a
/// file for the test in `$RIG_OUT`.
#[test]
fn act_runs_a_local_composite_action_offline() {
    let workspace = ActWorkspace::new().unwrap();
    workspace
        .write(
            "actions/hello/action.yml",
            r#"name: hello
description: says hello
inputs:
  who:
    description: whom to greet
    required: true
outputs:
  greeting:
    description: the greeting
    value: ${{ steps.greet.outputs.greeting }}
runs:
  using: composite
  steps:
    - id: greet
      shell: bash
      env:
        WHO: ${{ inputs.who }}
      run: |
        {
          echo 'greeting<<EOF'
          echo "hello $WHO"
          echo 'EOF'
        } >> "$GITHUB_OUTPUT"
"#,
        )
        .unwrap();
    let workflow = r#"name: rig
on: push
jobs:
  hello:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: hello
        uses: ./actions/hello
        with:
          who: rig
      - name: Record outputs
        shell: bash
        env:
          GREETING: ${{ steps.hello.outputs.greeting }}
          FROM_ACT_ENV: ${{ env.RIG_EXTRA }}
        run: |
          {
            echo "greeting=$GREETING"
            echo "extra=$FROM_ACT_ENV"
            echo "ci=${CI:-}"
            echo "github_actions=${GITHUB_ACTIONS:-}"
          } > "$RIG_OUT/outputs"
"#;
    let run = Act::new(workflow)
        .env("RIG_EXTRA", "passed with --env")
        .run(&workspace)
        .unwrap();
    assert!(run.success(), "{run}");
    let outputs = run.read_out_vars("outputs").unwrap();
    assert_eq!(outputs["greeting"], "hello rig", "{run}");
    assert_eq!(outputs["extra"], "passed with --env");
    assert_eq!(outputs["github_actions"], "true");
}

/// A failing step fails the act run (so a broken action cannot pass).
#[test]
fn act_reports_a_failing_step() {
    let workspace = ActWorkspace::new().unwrap();
    let workflow = r#"name: rig
on: push
jobs:
  fail:
    runs-on: ubuntu-latest
    steps:
      - shell: bash
        run: echo "about to fail"; exit 3
"#;
    let run = Act::new(workflow).run(&workspace).unwrap();
    assert!(!run.success(), "{run}");
    assert!(run.output.stdout.contains("about to fail"), "{run}");
}

/// `actions/tag` with `operation: inspect` parses references like
/// `gantry-tag inspect` and exposes every part as a step output.
#[test]
fn tag_action_inspect_sets_outputs() {
    let bin_dir = tools::target_bin_dir().unwrap();
    tools::gantry_bin("gantry-tag").unwrap();
    let root = tools::workspace_root().unwrap();
    assert!(
        root.join("actions/tag/action.yml").is_file(),
        "actions/tag/action.yml is missing from {}",
        root.display()
    );
    let workspace = ActWorkspace::new().unwrap();
    workspace
        .copy_from_repo(&["actions", "install", "manifests"])
        .unwrap();
    if root.join("action.yml").exists() {
        workspace.copy_from_repo(&["action.yml"]).unwrap();
    }

    let step = |id: &str, reference: &str| {
        format!(
            r#"      - id: {id}
        uses: ./actions/tag
        with:
          operation: inspect
          ref: {reference}
          gantry-source: path
          gantry-path: {bin_dir}
      - name: Record {id}
        shell: bash
        env:
          NAME: ${{{{ steps.{id}.outputs.name }}}}
          REGISTRY: ${{{{ steps.{id}.outputs.registry }}}}
          REPOSITORY: ${{{{ steps.{id}.outputs.repository }}}}
          TAG: ${{{{ steps.{id}.outputs.tag }}}}
          DIGEST: ${{{{ steps.{id}.outputs.digest }}}}
          REFERENCE: ${{{{ steps.{id}.outputs.reference }}}}
          FAMILIAR: ${{{{ steps.{id}.outputs.familiar }}}}
        run: |
          {{
            echo "name=$NAME"
            echo "registry=$REGISTRY"
            echo "repository=$REPOSITORY"
            echo "tag=$TAG"
            echo "digest=$DIGEST"
            echo "reference=$REFERENCE"
            echo "familiar=$FAMILIAR"
          }} > "$RIG_OUT/{id}"
"#,
            bin_dir = bin_dir.display()
        )
    };
    let workflow = format!(
        "name: tag-inspect\non: push\njobs:\n  inspect:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n{}{}",
        step("ghcr", "ghcr.io/acme/api:1.2.3"),
        step("hub", "nginx"),
    );

    let run = Act::new(workflow).run(&workspace).unwrap();
    assert!(run.success(), "{run}");

    let ghcr = run.read_out_vars("ghcr").unwrap();
    assert_eq!(ghcr["registry"], "ghcr.io", "{run}");
    assert_eq!(ghcr["repository"], "acme/api");
    assert_eq!(ghcr["tag"], "1.2.3");
    assert_eq!(ghcr["digest"], "");
    assert_eq!(ghcr["name"], "ghcr.io/acme/api");
    assert_eq!(ghcr["reference"], "ghcr.io/acme/api:1.2.3");
    assert_eq!(ghcr["familiar"], "ghcr.io/acme/api:1.2.3");

    let hub = run.read_out_vars("hub").unwrap();
    assert_eq!(hub["registry"], "docker.io", "{run}");
    assert_eq!(hub["repository"], "library/nginx");
}

/// `actions/tag` computing tags in a workflow run by act, for the events
/// teams tag on: a branch push, a release tag push and a pull request. The
/// event payload is what GitHub sends (trimmed); act derives GITHUB_REF,
/// GITHUB_BASE_REF and friends from it, as the runner does.
#[test]
fn tag_action_compute_for_branch_tag_and_pull_request_events() {
    let bin_dir = tools::target_bin_dir().unwrap();
    tools::gantry_bin("gantry-tag").unwrap();
    let workflow = format!(
        r#"name: tag-compute
on: [push, pull_request]
jobs:
  compute:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: meta
        uses: ./actions/tag
        with:
          images: |
            ghcr.io/acme/api
          tags: |
            type=ref,event=branch
            type=ref,event=pr
            type=semver,pattern={{{{version}}}}
            type=semver,pattern={{{{major}}}}.{{{{minor}}}}
            type=sha
          gantry-source: path
          gantry-path: {bin_dir}
      - name: Record
        shell: bash
        env:
          TAGS: ${{{{ steps.meta.outputs.tags }}}}
          VERSION: ${{{{ steps.meta.outputs.version }}}}
          JSON: ${{{{ steps.meta.outputs.json }}}}
        run: |
          printf '%s\n' "$TAGS" > "$RIG_OUT/tags"
          printf '%s\n' "$VERSION" > "$RIG_OUT/version"
          printf '%s\n' "$JSON" > "$RIG_OUT/json"
"#,
        bin_dir = bin_dir.display()
    );

    let cases: [(&str, serde_json::Value, &str, &[&str]); 3] = [
        (
            "push",
            serde_json::json!({
                "ref": "refs/heads/main",
                "repository": {"default_branch": "main", "name": "api", "full_name": "acme/api"}
            }),
            "main",
            &["ghcr.io/acme/api:main", "ghcr.io/acme/api:sha-{short}"],
        ),
        (
            "push",
            serde_json::json!({
                "ref": "refs/tags/v1.4.2",
                "repository": {"default_branch": "main", "name": "api", "full_name": "acme/api"}
            }),
            "1.4.2",
            &[
                "ghcr.io/acme/api:1.4.2",
                "ghcr.io/acme/api:1.4",
                "ghcr.io/acme/api:sha-{short}",
                "ghcr.io/acme/api:latest",
            ],
        ),
        (
            "pull_request",
            serde_json::json!({
                "number": 17,
                "pull_request": {
                    "number": 17,
                    "head": {"ref": "feature/login"},
                    "base": {"ref": "main"}
                },
                "repository": {"default_branch": "main", "name": "api", "full_name": "acme/api"}
            }),
            "pr-17",
            &["ghcr.io/acme/api:pr-17", "ghcr.io/acme/api:sha-{short}"],
        ),
    ];
    for (event, payload, version, expected) in cases {
        let workspace = ActWorkspace::new().unwrap();
        workspace
            .copy_from_repo(&["action.yml", "actions", "install", "manifests"])
            .unwrap();
        let event_file = workspace.write("event.json", payload.to_string()).unwrap();
        let run = Act::new(workflow.as_str())
            .event(event)
            .arg("-e")
            .arg(event_file.to_str().unwrap())
            .run(&workspace)
            .unwrap();
        assert!(run.success(), "{event} {payload}: {run}");

        let json: serde_json::Value = serde_json::from_str(&run.read_out("json").unwrap()).unwrap();
        let revision = json["labels"]["org.opencontainers.image.revision"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(revision.len(), 40, "{run}");
        let short = &revision[..7];
        let expected: Vec<String> = expected
            .iter()
            .map(|tag| tag.replace("{short}", short))
            .collect();
        let tags = run.read_out("tags").unwrap();
        assert_eq!(
            tags.trim_end().lines().collect::<Vec<_>>(),
            expected,
            "{event} {payload}: {run}"
        );
        assert_eq!(
            run.read_out("version").unwrap().trim_end(),
            version,
            "{run}"
        );
    }
}
