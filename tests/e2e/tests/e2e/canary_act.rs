//! `actions/canary` in a workflow run by `act`, offline, on this machine,
//! with the `gantry-canary` of this build, against the canary test app:
//! a healthy canary is promoted, a failing one rolled back with the step
//! failed, and with `fail-on: none` the decision is only an output. In the
//! same run, a spec committed in the repository drives an analysis through
//! traffic steps (`steps` + `on-step`) that breaks at 50%: traffic goes
//! back to 0, the `on-rollback` hooks (one per line) and the spec's own
//! hook run, and the decision shows on a GitHub Deployment (the fake
//! GitHub), its id an output.
//!
//! Also here, without act: every YAML example of docs/canary-spec.md (the
//! full one is docs/examples/analysis.yaml) is a spec gantry-canary
//! accepts.

use std::time::Duration;

use gantry_test_support::act::{Act, ActWorkspace};
use gantry_test_support::canary_app::{CanaryApp, CanaryConfig};
use gantry_test_support::cli::gantry;
use gantry_test_support::git_daemon::bare_repo;
use gantry_test_support::github::FakeGitHub;
use gantry_test_support::{ports, tools};

const TOKEN: &str = "ghs_CanaryActDeploymentToken0123456789";

/// The spec the stepped canary runs with, as a repository would hold it.
/// `${CANARY_URL}` comes from the step's environment when the spec is
/// read; the hook's command is left to the shell (gantry would refuse the
/// unset `${GANTRY_HOOK_NAME}` anywhere else).
const SPEC: &str = r#"canary:
  name: web
  version: abc123
interval: 200ms
count: 2
failure-limit: 2
deadline: 60s
checks:
  - type: http
    name: health
    url: ${CANARY_URL}/health
    expect-status: [200]
  - type: http
    name: version
    url: ${CANARY_URL}/version?format=json
    expect-json: {pointer: /version, equals: "{{version}}"}
hooks:
  - name: notify
    phase: rollback
    command: echo "spec ${GANTRY_HOOK_NAME} $GANTRY_PHASE" >> "${RIG_OUT}/hooks"
"#;

#[test]
fn canary_action_sets_the_decision_and_fails_on_rollback() {
    let bin = tools::target_bin_dir().unwrap();
    tools::gantry_bin("gantry-canary").unwrap();
    let good = CanaryApp::start(CanaryConfig::new("abc123")).unwrap();
    let bad = CanaryApp::start(CanaryConfig::new("abc123")).unwrap();
    bad.set_health_status(503).unwrap();
    let stepped = CanaryApp::start(CanaryConfig::new("abc123")).unwrap();
    let base = tempfile::tempdir().unwrap();
    let bare = bare_repo(base.path(), "web", &[("README", "web\n")]).unwrap();
    let github = FakeGitHub::start(&bare, "acme/web", TOKEN).unwrap();
    let workspace = ActWorkspace::new().unwrap();
    workspace
        .copy_from_repo(&["action.yml", "actions", "install", "manifests"])
        .unwrap();
    workspace.write("deploy/analysis.yaml", SPEC).unwrap();
    let workflow = format!(
        r#"name: canary
on: push
jobs:
  canary:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: good
        uses: ./actions/canary
        with:
          probes: |
            {good_health}
            {good_version}
          expect-status: "200"
          interval: 200ms
          count: "3"
          failure-limit: "2"
          gantry-source: path
          gantry-path: {bin}
      - id: bad
        uses: ./actions/canary
        with:
          probes: {bad_health}
          interval: 200ms
          count: "5"
          failure-limit: "2"
          fail-on: none
          gantry-source: path
          gantry-path: {bin}
      - name: Record the outputs
        shell: bash
        env:
          GOOD: ${{{{ steps.good.outputs.decision }}}}
          GOOD_REPORT: ${{{{ steps.good.outputs.report }}}}
          BAD: ${{{{ steps.bad.outputs.decision }}}}
          BAD_REASON: ${{{{ steps.bad.outputs.reason }}}}
        run: |
          {{
            echo "good=$GOOD"
            echo "bad=$BAD"
            echo "bad_reason=$BAD_REASON"
          }} > "$RIG_OUT/outputs"
          printf '%s' "$GOOD_REPORT" > "$RIG_OUT/good.json"
      - id: stepped
        uses: ./actions/canary
        env:
          CANARY_URL: {stepped_url}
          CANARY_CONTROL: {stepped_control}
          GANTRY_GITHUB_API_URL: {github_api}
          GANTRY_GITHUB_REPOSITORY: acme/web
        with:
          spec: deploy/analysis.yaml
          steps: 10,50,100
          on-step: |
            echo "$GANTRY_CANARY_WEIGHT" >> "$RIG_OUT/weights"
            if [ "$GANTRY_CANARY_WEIGHT" = 50 ]; then
              curl -fsS -o /dev/null -H 'Content-Type: application/json' -d '{{"health_status": 503}}' "$CANARY_CONTROL"
            fi
          on-rollback: |
            echo "$GANTRY_HOOK_NAME $GANTRY_PHASE $GANTRY_DECISION $GANTRY_CANARY_VERSION" >> "$RIG_OUT/hooks"
            echo "second $GANTRY_HOOK_NAME" >> "$RIG_OUT/hooks"
          deployment-environment: staging
          deployment-ref: main
          environment-url: https://web.example.com
          fail-on: none
          gantry-source: path
          gantry-path: {bin}
      - name: Record the stepped outputs
        shell: bash
        env:
          DECISION: ${{{{ steps.stepped.outputs.decision }}}}
          DEPLOYMENT: ${{{{ steps.stepped.outputs.deployment-id }}}}
          REPORT: ${{{{ steps.stepped.outputs.report }}}}
        run: |
          {{
            echo "decision=$DECISION"
            echo "deployment=$DEPLOYMENT"
          }} > "$RIG_OUT/stepped"
          printf '%s' "$REPORT" > "$RIG_OUT/stepped.json"
      - id: failing
        uses: ./actions/canary
        with:
          probes: {bad_health}
          interval: 200ms
          count: "5"
          failure-limit: "1"
          gantry-source: path
          gantry-path: {bin}
      - if: failure()
        shell: bash
        env:
          DECISION: ${{{{ steps.failing.outputs.decision }}}}
          OUTCOME: ${{{{ steps.failing.outcome }}}}
        run: echo "failing=$DECISION $OUTCOME" > "$RIG_OUT/failing"
"#,
        good_health = good.url_for("/health"),
        good_version = good.url_for("/version"),
        bad_health = bad.url_for("/health"),
        stepped_url = stepped.url(),
        stepped_control = stepped.control_url(),
        github_api = github.url(),
        bin = bin.display()
    );
    let run = Act::new(workflow)
        .arg("-s")
        .arg(&format!("GITHUB_TOKEN={TOKEN}"))
        .run(&workspace)
        .unwrap();
    assert!(!run.success(), "the rolled-back step fails the job:\n{run}");
    let outputs = run.read_out_vars("outputs").unwrap();
    assert_eq!(outputs["good"], "promote", "{run}");
    assert_eq!(outputs["bad"], "rollback", "{run}");
    assert!(
        outputs["bad_reason"].starts_with("rollback: 2 failed interval(s) ≥ failure limit 2"),
        "{run}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&run.read_out("good.json").unwrap()).unwrap();
    assert_eq!(report["tally"]["passed"], 3, "{report}");
    assert_eq!(
        run.read_out("failing").unwrap().trim(),
        "failing=rollback failure"
    );
    let log = format!("{run}");
    assert!(
        log.contains("### gantry-canary: promote"),
        "the step summary:\n{run}"
    );
    assert!(
        log.contains("```mermaid"),
        "the chart in the summary:\n{run}"
    );

    // The stepped canary: healthy at 10%, broken by the shift to 50%.
    let stepped_out = run.read_out_vars("stepped").unwrap();
    assert_eq!(stepped_out["decision"], "rollback", "{run}");
    assert_eq!(
        run.read_out("weights").unwrap(),
        "10\n50\n0\n",
        "each step's weight, then back to stable:\n{run}"
    );
    assert_eq!(
        run.read_out("hooks").unwrap(),
        "spec notify rollback\non-rollback rollback rollback abc123\nsecond on-rollback\n",
        "the spec's hook, then each line of on-rollback:\n{run}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&run.read_out("stepped.json").unwrap()).unwrap();
    assert_eq!(
        report["steps"],
        serde_json::json!([10, 50, 100]),
        "{report}"
    );
    let weights: Vec<Option<u64>> = report["intervals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["canary_weight"].as_u64())
        .collect();
    assert_eq!(
        weights,
        [Some(10), Some(10), Some(50), Some(50)],
        "two intervals at 10%, then two failures at 50%: {report}"
    );
    let events: Vec<(String, String)> = report["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e["phase"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let events: Vec<(&str, &str)> = events
        .iter()
        .map(|(k, p)| (k.as_str(), p.as_str()))
        .collect();
    assert_eq!(
        events,
        [
            ("traffic", "10%"),
            ("traffic", "50%"),
            ("traffic", "0%"),
            ("hook", "rollback"),
            ("hook", "rollback"),
            ("hook", "rollback"),
        ],
        "{report}"
    );
    let deployments = github.deployments();
    assert_eq!(deployments.len(), 1, "{deployments:?}\n{run}");
    let deployment = &deployments[0];
    assert_eq!(deployment.environment, "staging");
    assert_eq!(deployment.git_ref, "main");
    let states: Vec<&str> = deployment.statuses.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(states, ["in_progress", "failure"], "{deployment:?}");
    assert!(
        deployment.statuses[1].1.starts_with("rollback: "),
        "{deployment:?}"
    );
    assert_eq!(
        stepped_out["deployment"],
        deployment.id.to_string(),
        "{run}"
    );
    assert!(
        !run.output.stdout.contains(TOKEN),
        "the token is not in the job's log:\n{run}"
    );
}

/// The variables docs/canary-spec.md's examples take from the environment.
pub(crate) const EXAMPLE_ENV: &[(&str, &str)] = &[
    ("CANARY_VERSION", "abc123"),
    ("STABLE_VERSION", "def456"),
    ("PROMETHEUS_TOKEN", "prometheus-example-token"),
    ("PROBE_TOKEN", "probe-example-token"),
    ("CHATOPS_TOKEN", "chatops-example-token"),
    ("GATE_TOKEN", "gate-example-token"),
];

/// The ```yaml blocks of a Markdown text.
pub(crate) fn yaml_blocks(doc: &str) -> Vec<&str> {
    let mut blocks = Vec::new();
    let mut rest = doc;
    while let Some(start) = rest.find("```yaml\n") {
        let body = &rest[start + "```yaml\n".len()..];
        let end = body.find("```").unwrap();
        blocks.push(&body[..end]);
        rest = &body[end + 3..];
    }
    blocks
}

/// Every ```yaml block of docs/canary-spec.md, and the spec of
/// docs/actions/canary.md's workflow, is a spec gantry-canary reads and
/// checks in full: each run stops at exit 3, Prometheus unreachable, which
/// comes after every field is checked (exit 2) and before anything is
/// measured or any hook runs. A `--prometheus --query` flag check makes
/// sure each run has a Prometheus to fail on. The full example is
/// docs/examples/analysis.yaml, word for word.
#[test]
fn the_documented_spec_examples_are_accepted() {
    let root = tools::workspace_root().unwrap();
    let doc = std::fs::read_to_string(root.join("docs/canary-spec.md")).unwrap();
    let example = std::fs::read_to_string(root.join("docs/examples/analysis.yaml")).unwrap();
    assert!(
        doc.contains(&format!("```yaml\n{example}```")),
        "docs/canary-spec.md holds docs/examples/analysis.yaml as it is"
    );
    let mut blocks = yaml_blocks(&doc);
    assert!(blocks.len() >= 5, "{} yaml blocks", blocks.len());
    let action_doc = std::fs::read_to_string(root.join("docs/actions/canary.md")).unwrap();
    let in_action_doc: Vec<&str> = yaml_blocks(&action_doc)
        .into_iter()
        .filter(|b| b.starts_with("# deploy/analysis.yaml\n"))
        .collect();
    assert_eq!(
        in_action_doc.len(),
        1,
        "the workflow's spec in docs/actions/canary.md"
    );
    blocks.extend(in_action_doc);

    let prometheus = format!("http://127.0.0.1:{}", ports::free_port().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let mut files = vec![root.join("docs/examples/analysis.yaml")];
    for (index, block) in blocks.iter().enumerate() {
        let file = dir.path().join(format!("block-{index}.yaml"));
        std::fs::write(&file, block).unwrap();
        files.push(file);
    }
    for file in &files {
        let mut cmd = gantry("gantry-canary")
            .unwrap()
            .arg("--spec")
            .arg(file)
            .args(["--prometheus", &prometheus, "--query", "up", "--max", "1"])
            .env("PROMETHEUS_URL", &prometheus)
            .timeout(Duration::from_secs(30));
        for (key, value) in EXAMPLE_ENV {
            cmd = cmd.env(key, value);
        }
        let run = cmd.run().unwrap();
        let text = std::fs::read_to_string(file).unwrap();
        assert_eq!(run.code, Some(3), "{}:\n{text}\n{run}", file.display());
        assert!(
            run.stderr.contains("cannot reach Prometheus"),
            "{}:\n{run}",
            file.display()
        );
    }

    // The example takes its versions from the environment: without one,
    // exit 2 naming the field, as the doc says.
    let run = gantry("gantry-canary")
        .unwrap()
        .arg("--spec")
        .arg(&files[0])
        .env("PROMETHEUS_URL", &prometheus)
        .env("CANARY_VERSION", "abc123")
        .timeout(Duration::from_secs(30))
        .run()
        .unwrap();
    assert_eq!(run.code, Some(2), "{run}");
    assert!(
        run.stderr.contains(
            "analysis.yaml: canary.baseline-version: the variable STABLE_VERSION is not set"
        ),
        "{run}"
    );
}
