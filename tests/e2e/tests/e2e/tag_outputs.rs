//! `gantry-tag compute` through the binary, where its outputs must be
//! metadata-action v6's to the byte: the `json` output's keys, the three
//! separators, the order of labels, and moment's date tokens. The expected
//! values were computed by metadata-action's own code (moment 2.30.1 and
//! node's `localeCompare`), not by gantry.

use std::path::Path;

use gantry_test_support::cli::{GantryCommand, RunResult, gantry};
use serde_json::Value;

const SHA: &str = "860c1904a1ce19322e91ac35af1ab07466440c37";

/// `gantry-tag compute` on a release tag push, under GitHub Actions.
fn compute(dir: &Path, now: &str) -> GantryCommand {
    gantry("gantry-tag")
        .unwrap()
        .args([
            "compute",
            "--context=flags",
            "--event=push",
            "--git-ref=refs/tags/v2.1.0",
        ])
        .arg(format!("--sha={SHA}"))
        .arg(format!("--now={now}"))
        .github_actions(dir)
        .unwrap()
}

fn ok(run: &RunResult) {
    assert_eq!(run.code, Some(0), "{run}");
}

#[test]
fn the_json_output_has_exactly_metadata_action_v6_keys_and_stdout_adds_version() {
    let dir = tempfile::tempdir().unwrap();
    let run = compute(dir.path(), "2026-11-22T06:00:00Z")
        .args([
            "--format=json",
            "--images=ghcr.io/acme/api",
            "--tags=type=semver,pattern={{version}}\ntype=sha",
        ])
        .run()
        .unwrap();
    ok(&run);
    let outputs = run.outputs().unwrap();
    let json: Value = serde_json::from_str(&outputs["json"]).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["tags", "tag-names", "labels", "annotations"],
        "{run}"
    );
    assert_eq!(
        json["tag-names"],
        serde_json::json!(["2.1.0", "sha-860c190", "latest"])
    );
    // The version stays an output of its own.
    assert_eq!(outputs["version"], "2.1.0");
    // stdout: the same object, then `version`.
    let stdout: Value = serde_json::from_str(&run.stdout).unwrap();
    let keys: Vec<&str> = stdout
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["tags", "tag-names", "labels", "annotations", "version"]
    );
    assert_eq!(stdout["version"], "2.1.0");
    let mut without_version = stdout.clone();
    without_version.as_object_mut().unwrap().remove("version");
    assert_eq!(without_version, json);
}

#[test]
fn each_list_output_has_its_own_separator_as_in_metadata_action() {
    let dir = tempfile::tempdir().unwrap();
    let rules = [
        "--images=ghcr.io/acme/api",
        "--tags=type=semver,pattern={{version}}\ntype=sha",
        "--labels=com.example.team=tools",
        "--annotations=com.example.team=tools",
    ];
    // By default every list is one item per line.
    let run = compute(dir.path(), "2026-11-22T06:00:00Z")
        .args(rules)
        .run()
        .unwrap();
    ok(&run);
    let outputs = run.outputs().unwrap();
    assert_eq!(outputs["tags"].lines().count(), 3, "{run}");
    assert_eq!(outputs["labels"].lines().count(), 9, "{run}");
    assert_eq!(outputs["annotations"].lines().count(), 9, "{run}");

    // Flags: sep-tags joins tags and tag-names only.
    let dir = tempfile::tempdir().unwrap();
    let run = compute(dir.path(), "2026-11-22T06:00:00Z")
        .args(rules)
        .args(["--sep-tags=,", "--sep-labels=;", "--sep-annotations= | "])
        .run()
        .unwrap();
    ok(&run);
    let outputs = run.outputs().unwrap();
    assert_eq!(
        outputs["tags"],
        "ghcr.io/acme/api:2.1.0,ghcr.io/acme/api:sha-860c190,ghcr.io/acme/api:latest"
    );
    assert_eq!(outputs["tag-names"], "2.1.0,sha-860c190,latest");
    assert!(
        outputs["labels"].starts_with(
            "com.example.team=tools;org.opencontainers.image.created=2026-11-22T06:00:00.000Z;"
        ),
        "{run}"
    );
    assert!(!outputs["labels"].contains('\n'), "{run}");
    assert!(
        outputs["annotations"].starts_with(
            "manifest:com.example.team=tools | manifest:org.opencontainers.image.created="
        ),
        "{run}"
    );
    assert_eq!(outputs["annotations"].matches(" | ").count(), 8, "{run}");
    // The json output is not joined.
    let json: Value = serde_json::from_str(&outputs["json"]).unwrap();
    assert_eq!(json["annotations"].as_array().unwrap().len(), 9);

    // The variables the action sets, for labels and annotations.
    let dir = tempfile::tempdir().unwrap();
    let run = compute(dir.path(), "2026-11-22T06:00:00Z")
        .args(rules)
        .env("GANTRY_SEP_LABELS", ",")
        .env("GANTRY_SEP_ANNOTATIONS", "\t")
        .run()
        .unwrap();
    ok(&run);
    let outputs = run.outputs().unwrap();
    assert_eq!(outputs["tags"].lines().count(), 3, "{run}");
    assert_eq!(outputs["labels"].split(',').count(), 9, "{run}");
    assert_eq!(outputs["annotations"].split('\t').count(), 9, "{run}");
}

#[test]
fn push_sets_the_same_outputs_with_the_same_separators() {
    let dir = tempfile::tempdir().unwrap();
    let run = gantry("gantry-tag")
        .unwrap()
        .args([
            "push",
            "--dry-run",
            "--source=ghcr.io/acme/api@sha256:0000000000000000000000000000000000000000000000000000000000000000",
            "--context=flags",
            "--event=push",
            "--git-ref=refs/tags/v2.1.0",
            "--now=2026-11-22T06:00:00Z",
            "--images=ghcr.io/acme/api",
            "--tags=type=semver,pattern={{version}}",
            "--sep-tags=,",
            "--sep-labels=;",
            "--sep-annotations=;",
        ])
        .arg(format!("--sha={SHA}"))
        .github_actions(dir.path())
        .unwrap()
        .run()
        .unwrap();
    ok(&run);
    let outputs = run.outputs().unwrap();
    assert_eq!(
        outputs["tags"],
        "ghcr.io/acme/api:2.1.0,ghcr.io/acme/api:latest"
    );
    assert_eq!(outputs["labels"].split(';').count(), 8, "{run}");
    assert_eq!(outputs["annotations"].split(';').count(), 8, "{run}");
    let json: Value = serde_json::from_str(&outputs["json"]).unwrap();
    assert!(json.get("tag-names").is_some() && json.get("version").is_none());
}

#[test]
fn labels_are_sorted_as_metadata_action_sorts_them() {
    let dir = tempfile::tempdir().unwrap();
    let keys = [
        "com.example_team",
        "com.example-a",
        "com.Example.b",
        "com.example.b",
        "com.example.B",
        "10",
        "9",
        "01",
        "a.B",
        "a.b",
        "a1",
        "a_1",
        "org.opencontainers.image.vendor",
        "Z",
        "z",
    ];
    let labels: Vec<String> = keys.iter().map(|k| format!("{k}=x")).collect();
    let run = compute(dir.path(), "2026-11-22T06:00:00Z")
        .arg(format!("--labels={}", labels.join("\n")))
        .arg(format!("--annotations={}", labels.join("\n")))
        .arg("--tags=type=semver,pattern={{version}}")
        .run()
        .unwrap();
    ok(&run);
    let outputs = run.outputs().unwrap();
    // `keys.sort((a, b) => a.localeCompare(b))` under node, the base labels included.
    let sorted = [
        "01",
        "10",
        "9",
        "a_1",
        "a.b",
        "a.B",
        "a1",
        "com.example_team",
        "com.example-a",
        "com.example.b",
        "com.example.B",
        "com.Example.b",
        "org.opencontainers.image.created",
        "org.opencontainers.image.description",
        "org.opencontainers.image.licenses",
        "org.opencontainers.image.revision",
        "org.opencontainers.image.source",
        "org.opencontainers.image.title",
        "org.opencontainers.image.url",
        "org.opencontainers.image.vendor",
        "org.opencontainers.image.version",
        "z",
        "Z",
    ];
    let key_of = |line: &str| line.split_once('=').unwrap().0.to_owned();
    let got: Vec<String> = outputs["labels"].lines().map(key_of).collect();
    assert_eq!(got, sorted, "{run}");
    let got: Vec<String> = outputs["annotations"]
        .lines()
        .map(|line| key_of(line.strip_prefix("manifest:").unwrap()))
        .collect();
    assert_eq!(got, sorted, "{run}");
    // The json output's labels object: integer-like keys first, as
    // JavaScript lists an object's keys.
    let json: Value = serde_json::from_str(&outputs["json"]).unwrap();
    let object: Vec<&str> = json["labels"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(object[..4], ["9", "10", "01", "a_1"], "{run}");
    assert_eq!(object[4..], sorted[4..]);
}

#[test]
fn date_tokens_render_as_moment_does() {
    let dir = tempfile::tempdir().unwrap();
    // Sunday 3 January 2027: week 2 of 2027 for the `en` locale, ISO week
    // 53 of 2026.
    let labels = [
        "week=w{{date 'w'}} ww{{date 'ww'}} wo{{date 'wo'}} W{{date 'W'}} WW{{date 'WW'}} Wo{{date 'Wo'}}",
        "weekyear={{date 'gggg'}} {{date 'GGGG'}} {{date 'gg'}} {{date 'GG'}} {{date 'ggggg'}}",
        "long={{date 'L'}} {{date 'LT'}} {{date 'LTS'}} {{date 'l'}} {{date 'll'}}",
        "other={{date 'Do [of] MMMM dddd'}} {{date 'N'}} {{date 'Qo'}} {{date 'yo'}}",
        "tokyo={{date 'LLLL' tz='Asia/Tokyo'}}",
        "escaped={{date '\\YYYY [w] w|'}}",
        "empty={{date ''}}",
    ];
    let run = compute(dir.path(), "2027-01-03T15:04:05.678Z")
        .arg(format!("--labels={}", labels.join("\n")))
        .arg("--tags=type=raw,value={{date 'gggg.ww'}}")
        .run()
        .unwrap();
    ok(&run);
    let outputs = run.outputs().unwrap();
    let labels: Value = serde_json::from_str::<Value>(&outputs["json"]).unwrap()["labels"].clone();
    // moment(new Date('2027-01-03T15:04:05.678Z')).tz(tz).format(…), moment 2.30.1.
    let expected = [
        ("week", "w2 ww02 wo2nd W53 WW53 Wo53rd"),
        ("weekyear", "2027 2026 27 26 02027"),
        ("long", "01/03/2027 3:04 PM 3:04:05 PM 1/3/2027 Jan 3, 2027"),
        ("other", "3rd of January Sunday AD 1st 2027th"),
        ("tokyo", "Monday, January 4, 2027 12:04 AM"),
        ("escaped", "YYYY w w|"),
        ("empty", "2027-01-03T15:04:05Z"),
    ];
    for (key, value) in expected {
        assert_eq!(labels[key], value, "{key}: {run}");
    }
    assert_eq!(outputs["version"], "2027.02", "{run}");
}

/// `actions/tag` in a workflow run by act: the three separator inputs reach
/// the binary, each for its own output, as in metadata-action.
#[test]
fn the_action_passes_each_separator_input() {
    use gantry_test_support::act::{Act, ActWorkspace};
    use gantry_test_support::tools;

    let bin_dir = tools::target_bin_dir().unwrap();
    tools::gantry_bin("gantry-tag").unwrap();
    let workflow = format!(
        r#"name: tag-separators
on: push
jobs:
  compute:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: meta
        uses: ./actions/tag
        with:
          images: ghcr.io/acme/api
          tags: |
            type=ref,event=branch
            type=sha
          labels: com.example.team=tools
          sep-tags: ","
          sep-labels: ";"
          sep-annotations: "|"
          gantry-source: path
          gantry-path: {bin_dir}
      - name: Record
        shell: bash
        env:
          TAGS: ${{{{ steps.meta.outputs.tags }}}}
          LABELS: ${{{{ steps.meta.outputs.labels }}}}
          ANNOTATIONS: ${{{{ steps.meta.outputs.annotations }}}}
          JSON: ${{{{ steps.meta.outputs.json }}}}
        run: |
          printf '%s' "$TAGS" > "$RIG_OUT/tags"
          printf '%s' "$LABELS" > "$RIG_OUT/labels"
          printf '%s' "$ANNOTATIONS" > "$RIG_OUT/annotations"
          printf '%s' "$JSON" > "$RIG_OUT/json"
"#,
        bin_dir = bin_dir.display()
    );
    let workspace = ActWorkspace::new().unwrap();
    workspace
        .copy_from_repo(&["action.yml", "actions", "install", "manifests"])
        .unwrap();
    let payload = serde_json::json!({
        "ref": "refs/heads/main",
        "repository": {"default_branch": "main", "name": "api", "full_name": "acme/api"}
    });
    let event_file = workspace.write("event.json", payload.to_string()).unwrap();
    let run = Act::new(workflow.as_str())
        .event("push")
        .arg("-e")
        .arg(event_file.to_str().unwrap())
        .run(&workspace)
        .unwrap();
    assert!(run.success(), "{run}");
    let tags = run.read_out("tags").unwrap();
    assert!(
        tags.starts_with("ghcr.io/acme/api:main,ghcr.io/acme/api:sha-"),
        "{tags}"
    );
    let labels = run.read_out("labels").unwrap();
    assert!(
        labels.starts_with("com.example.team=tools;org.opencontainers.image.created="),
        "{labels}"
    );
    assert!(!labels.contains('\n'), "{labels}");
    let annotations = run.read_out("annotations").unwrap();
    assert_eq!(annotations.split('|').count(), 8, "{annotations}");
    assert!(!annotations.contains('\n'), "{annotations}");
    let json: Value = serde_json::from_str(&run.read_out("json").unwrap()).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["tags", "tag-names", "labels", "annotations"]);
}
