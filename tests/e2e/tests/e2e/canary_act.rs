//! `actions/canary` in a workflow run by `act`, offline, on this machine,
//! with the `gantry-canary` of this build, against the canary test app:
//! a healthy canary is promoted, a failing one rolled back with the step
//! failed, and with `fail-on: none` the decision is only an output.

use gantry_test_support::act::{Act, ActWorkspace};
use gantry_test_support::canary_app::{CanaryApp, CanaryConfig};
use gantry_test_support::tools;

#[test]
fn canary_action_sets_the_decision_and_fails_on_rollback() {
    let bin = tools::target_bin_dir().unwrap();
    tools::gantry_bin("gantry-canary").unwrap();
    let good = CanaryApp::start(CanaryConfig::new("abc123")).unwrap();
    let bad = CanaryApp::start(CanaryConfig::new("abc123")).unwrap();
    bad.set_health_status(503).unwrap();
    let workspace = ActWorkspace::new().unwrap();
    workspace
        .copy_from_repo(&["action.yml", "actions", "install", "manifests"])
        .unwrap();
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
        bin = bin.display()
    );
    let run = Act::new(workflow).run(&workspace).unwrap();
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
}
