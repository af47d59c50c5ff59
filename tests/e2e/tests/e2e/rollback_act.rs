//! `actions/canary` then `actions/rollback` in one workflow run by `act`,
//! offline, on this machine, with the binaries of this build, against the
//! fake Kubernetes API, a real bare GitOps repository and the canary test
//! app: the canary moves an HTTPRoute's weights in steps through
//! `gantry-rollback shift`, the app crashes once the route sends it 50%,
//! the canary decides rollback (only an output, `fail-on: none`), and the
//! rollback action, guarded by that decision, runs the whole way back. The
//! final state is checked object by object; a second run of the action
//! changes nothing, and a `status` step drops the input it does not take.
//!
//! Also here, without act: every YAML example of docs/rollback-target.md
//! (the full one is docs/examples/rollback.yaml) and the target of
//! docs/actions/rollback.md's workflow are specs gantry-rollback accepts.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use gantry_test_support::act::{Act, ActWorkspace};
use gantry_test_support::canary_app::{CanaryApp, CanaryConfig};
use gantry_test_support::cli::gantry;
use gantry_test_support::git_daemon::git;
use gantry_test_support::tools;
use serde_json::Value;

use crate::rollback::image_of;
use crate::rollback_e2e::{STABLE, cluster, gitops_repo, manifest, replicas_of, route_weights};

/// Given to the rollback action's token input: masked, never in the log.
const TOKEN: &str = "ghs_RollbackActGitopsToken0123456789";

#[test]
fn canary_then_rollback_action_restores_every_object() {
    let bin = tools::target_bin_dir().unwrap();
    for name in ["gantry-canary", "gantry-rollback", "gantry-gitops"] {
        tools::gantry_bin(name).unwrap();
    }
    let kube = Arc::new(cluster(2));
    let base = tempfile::tempdir().unwrap();
    let bare = gitops_repo(base.path());
    let head_before = git(&bare, &["rev-parse", "main"]).unwrap();
    let app = Arc::new(CanaryApp::start(CanaryConfig::new("2.0")).unwrap());

    // Step 2's weight crashes the canary: gantry-canary, through
    // `gantry-rollback shift`, has just set the route to 50. The watch
    // ends with the act run, whether or not the route got there.
    let act_done = Arc::new(AtomicBool::new(false));
    let fault = {
        let (kube, app, act_done) = (kube.clone(), app.clone(), act_done.clone());
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(300);
            while Instant::now() < deadline && !act_done.load(Ordering::SeqCst) {
                let at_50 = kube
                    .get("HTTPRoute", "default", "web")
                    .is_some_and(|r| r["spec"]["rules"][0]["backendRefs"][1]["weight"] == 50);
                if at_50 {
                    app.crash();
                    return true;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            false
        })
    };

    let workspace = ActWorkspace::new().unwrap();
    workspace
        .copy_from_repo(&["action.yml", "actions", "install", "manifests"])
        .unwrap();
    workspace
        .write(
            "rollback.yaml",
            format!(
                "traffic:\n  http-route: {{name: web, stable: web-stable, canary: web-canary}}\nscale-down: [deployment/web-canary]\nundo:\n  - workload: deployment/web-canary\ntimeout: 20s\ngitops:\n  repo: file://{}\n  branch: main\n  image: ghcr.io/acme/web\n",
                bare.display()
            ),
        )
        .unwrap();
    let workflow = format!(
        r#"name: canary-and-rollback
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: canary
        uses: ./actions/canary
        env:
          KUBECONFIG: ${{{{ env.RIG_KUBECONFIG }}}}
        with:
          probes: {health}
          interval: 200ms
          count: "3"
          failure-limit: "2"
          steps: 10,50,100
          on-step: gantry-rollback shift --target rollback.yaml
          fail-on: none
          gantry-source: path
          gantry-path: {bin}
      - id: rollback
        if: steps.canary.outputs.decision == 'rollback'
        uses: ./actions/rollback
        with:
          operation: run
          target: rollback.yaml
          reason: ${{{{ steps.canary.outputs.reason }}}}
          kubeconfig: ${{{{ env.RIG_KUBECONFIG }}}}
          token: {TOKEN}
          gantry-source: path
          gantry-path: {bin}
      - id: again
        if: steps.canary.outputs.decision == 'rollback'
        uses: ./actions/rollback
        with:
          target: rollback.yaml
          kubeconfig: ${{{{ env.RIG_KUBECONFIG }}}}
          gantry-source: path
          gantry-path: {bin}
      - id: status
        uses: ./actions/rollback
        with:
          operation: status
          workload: deployment/web-canary
          timeout: 20s
          weight: "5"
          kubeconfig: ${{{{ env.RIG_KUBECONFIG }}}}
          gantry-source: path
          gantry-path: {bin}
      - name: Record the outputs
        shell: bash
        env:
          DECISION: ${{{{ steps.canary.outputs.decision }}}}
          REASON: ${{{{ steps.canary.outputs.reason }}}}
          ROLLBACK: ${{{{ steps.rollback.outcome }}}}
          SUCCEEDED: ${{{{ steps.rollback.outputs.succeeded }}}}
          CHANGED: ${{{{ steps.rollback.outputs.changed }}}}
          REPORT: ${{{{ steps.rollback.outputs.report }}}}
          AGAIN_SUCCEEDED: ${{{{ steps.again.outputs.succeeded }}}}
          AGAIN_CHANGED: ${{{{ steps.again.outputs.changed }}}}
          STATUS: ${{{{ steps.status.outputs.outcome }}}}
        run: |
          {{
            echo "decision=$DECISION"
            echo "rollback=$ROLLBACK"
            echo "succeeded=$SUCCEEDED"
            echo "changed=$CHANGED"
            echo "again_succeeded=$AGAIN_SUCCEEDED"
            echo "again_changed=$AGAIN_CHANGED"
            echo "status=$STATUS"
          }} > "$RIG_OUT/outputs"
          printf '%s' "$REASON" > "$RIG_OUT/reason"
          printf '%s' "$REPORT" > "$RIG_OUT/report.json"
"#,
        health = app.url_for("/health"),
        bin = bin.display(),
    );
    let run = Act::new(workflow)
        .env("RIG_KUBECONFIG", &kube.kubeconfig().display().to_string())
        .timeout(Duration::from_secs(240))
        .run(&workspace)
        .unwrap();
    act_done.store(true, Ordering::SeqCst);
    assert!(fault.join().unwrap(), "the route reached 50%:\n{run}");
    assert!(run.success(), "every step succeeds:\n{run}");

    // The outputs of both actions.
    let outputs = run.read_out_vars("outputs").unwrap();
    assert_eq!(outputs["decision"], "rollback", "{run}");
    assert_eq!(
        outputs["rollback"], "success",
        "the guarded step ran:\n{run}"
    );
    assert_eq!(outputs["succeeded"], "true", "{run}");
    assert_eq!(outputs["changed"], "true", "{run}");
    let reason = run.read_out("reason").unwrap();
    assert!(reason.starts_with("rollback: "), "{reason}\n{run}");
    let report: Value = serde_json::from_str(&run.read_out("report.json").unwrap()).unwrap();
    let steps: Vec<(&str, &str)> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["kind"].as_str().unwrap(), s["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            // gantry-canary already sent the traffic back to stable.
            ("traffic", "already-there"),
            ("scale-down", "changed"),
            ("undo", "changed"),
            ("gitops", "changed"),
        ],
        "{report}"
    );
    assert_eq!(outputs["again_succeeded"], "true", "{run}");
    assert_eq!(
        outputs["again_changed"], "false",
        "a second run changes nothing:\n{run}"
    );
    assert_eq!(outputs["status"], "done", "{run}");
    let log = format!("{run}");
    assert!(
        log.contains("the weight input is ignored by operation status"),
        "{run}"
    );
    assert!(
        log.contains("### gantry-rollback"),
        "the step summary:\n{run}"
    );
    assert!(
        !run.output.stdout.contains(TOKEN),
        "the token is masked:\n{run}"
    );

    // The cluster, object by object.
    assert_eq!(route_weights(&kube), [100, 0], "all traffic on stable");
    assert_eq!(replicas_of(&kube, "web-canary"), 0, "canary scaled down");
    assert_eq!(
        image_of(&kube, "web-canary"),
        STABLE,
        "canary undone to 1.0"
    );
    let canary = kube.get("Deployment", "default", "web-canary").unwrap();
    assert_eq!(
        canary["metadata"]["annotations"]["gantry.dev/undone-revision"], "2",
        "the undo marks the revision it left: {canary}"
    );
    assert_eq!(
        replicas_of(&kube, "web-stable"),
        4,
        "stable keeps its replicas"
    );
    assert_eq!(image_of(&kube, "web-stable"), STABLE, "stable untouched");

    // The GitOps repository: one revert commit on top of the deploy.
    let work = base.path().join("check");
    git(
        base.path(),
        &[
            "clone",
            "-q",
            &format!("file://{}", bare.display()),
            "check",
        ],
    )
    .unwrap();
    let file = std::fs::read_to_string(work.join("web/deployment.yaml")).unwrap();
    assert_eq!(
        file,
        manifest(STABLE),
        "the GitOps repository says 1.0 again"
    );
    let parent = git(&work, &["rev-parse", "HEAD~1"]).unwrap();
    assert_eq!(parent, head_before, "one commit, on the deploy: {run}");
    let message = git(&work, &["log", "-1", "--format=%B"]).unwrap();
    assert!(message.contains("Gantry-Operation: revert"), "{message}");
    assert!(message.contains("Gantry-Reverts: "), "{message}");
    assert!(
        message.contains(reason.trim()),
        "the canary's reason is in the revert's message:\n{message}"
    );
}

/// The ```yaml blocks of a Markdown text.
fn yaml_blocks(doc: &str) -> Vec<&str> {
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

/// The step kinds a target's top-level sections make, in the order
/// gantry-rollback runs them.
fn sections(block: &str) -> Vec<&'static str> {
    ["traffic", "scale-down", "undo", "gitops", "cloud-run"]
        .into_iter()
        .filter(|key| block.lines().any(|l| l.starts_with(&format!("{key}:"))))
        .collect()
}

/// The variables the documented targets take from the environment.
const EXAMPLE_ENV: &[(&str, &str)] = &[("NAMESPACE", "shop")];

/// Every ```yaml block of docs/rollback-target.md, and the target in
/// docs/actions/rollback.md, is a spec gantry-rollback reads and checks in
/// full: `run` turns it into its steps (exit 2 for any bad field comes
/// before that), then the first step fails on a service that is not there
/// (exit 3): a kubeconfig pointing at 127.0.0.1:9, git allowed only the
/// file protocol (so gantry-gitops has accepted its flags when git refuses
/// the remote), the Cloud Run API at 127.0.0.1:9. The steps reported are
/// exactly the sections of the block. The full example is
/// docs/examples/rollback.yaml, word for word.
#[test]
fn the_documented_targets_are_accepted() {
    let root = tools::workspace_root().unwrap();
    let doc = std::fs::read_to_string(root.join("docs/rollback-target.md")).unwrap();
    let example = std::fs::read_to_string(root.join("docs/examples/rollback.yaml")).unwrap();
    assert!(
        doc.contains(&format!("```yaml\n{example}```")),
        "docs/rollback-target.md holds docs/examples/rollback.yaml as it is"
    );
    let mut blocks = yaml_blocks(&doc);
    assert!(blocks.len() >= 7, "{} yaml blocks", blocks.len());
    let action_doc = std::fs::read_to_string(root.join("docs/actions/rollback.md")).unwrap();
    let in_action_doc: Vec<&str> = yaml_blocks(&action_doc)
        .into_iter()
        .filter(|b| b.starts_with("# deploy/rollback.yaml\n"))
        .collect();
    assert_eq!(
        in_action_doc.len(),
        1,
        "the target in docs/actions/rollback.md"
    );
    blocks.extend(in_action_doc);

    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: nowhere\n  cluster:\n    server: http://127.0.0.1:9\nusers:\n- name: nobody\n  user: {}\ncontexts:\n- name: nowhere\n  context: {cluster: nowhere, user: nobody, namespace: default}\ncurrent-context: nowhere\n",
    )
    .unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for (index, block) in blocks.iter().enumerate() {
        let file = dir.path().join(format!("block-{index}.yaml"));
        std::fs::write(&file, block).unwrap();
        let mut cmd = gantry("gantry-rollback")
            .unwrap()
            .arg("run")
            .arg("--target")
            .arg(&file)
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .args(["--context", "nowhere", "--format", "json"])
            // git gets a scrubbed environment but keeps the proxy
            // settings: a proxy where nothing listens keeps git (curl reads
            // all_proxy) off the network, whether or not this machine has
            // one.
            .env("all_proxy", "http://127.0.0.1:9")
            .env("GOOGLE_OAUTH_ACCESS_TOKEN", "ya29.example-token")
            .env("GANTRY_CLOUD_RUN_API_URL", "http://127.0.0.1:9")
            .env("GANTRY_TOKEN", "ghs_example")
            .timeout(Duration::from_secs(60));
        for (key, value) in EXAMPLE_ENV {
            cmd = cmd.env(key, value);
        }
        let run = cmd.run().unwrap();
        // Past the spec: the first step fails on the service, unreachable
        // (3), the GitOps repository behind its proxy included.
        let expected = 3;
        assert_eq!(run.code, Some(expected), "block {index}:\n{block}\n{run}");
        let sections_here = sections(block);
        if sections_here
            .iter()
            .any(|k| *k == "scale-down" || *k == "undo")
        {
            // The workloads are looked up before any step runs: the
            // unreachable cluster stops it there, with nothing changed.
            assert!(run.stdout.is_empty(), "block {index}: {run}");
            assert!(
                run.stderr.contains("cannot reach the Kubernetes API"),
                "block {index}: {run}"
            );
            seen.extend(sections_here.iter().map(|k| (*k).to_owned()));
            if let Some(kind) = block
                .lines()
                .filter_map(|l| l.trim().split(':').next())
                .find(|k| TRAFFIC_KINDS.contains(k))
            {
                seen.insert(kind.to_owned());
            }
            continue;
        }
        let report: Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("block {index}: {e}\n{run}"));
        let steps = report["steps"].as_array().unwrap();
        let mut kinds: Vec<&str> = steps.iter().map(|s| s["kind"].as_str().unwrap()).collect();
        kinds.dedup();
        assert_eq!(kinds, sections(block), "block {index}:\n{block}\n{report}");
        let first = &steps[0];
        assert_eq!(first["outcome"], "failed", "block {index}: {report}");
        let detail = first["detail"].as_str().unwrap();
        let unreachable = match kinds[0] {
            "gitops" => detail.contains("git clone") && detail.contains("127.0.0.1 port 9"),
            "cloud-run" => detail.contains("127.0.0.1:9"),
            _ => detail.contains("cannot reach the Kubernetes API"),
        };
        assert!(
            unreachable,
            "block {index}: failed on the service only: {report}"
        );
        assert!(
            steps[1..].iter().all(|s| s["outcome"] == "not-run"),
            "block {index}: {report}"
        );
        seen.extend(kinds.iter().map(|k| (*k).to_owned()));
        if let Some(kind) = block
            .lines()
            .filter_map(|l| l.trim().split(':').next())
            .find(|k| TRAFFIC_KINDS.contains(k))
        {
            seen.insert(kind.to_owned());
        }
    }
    for kind in
        TRAFFIC_KINDS
            .iter()
            .chain(&["traffic", "scale-down", "undo", "gitops", "cloud-run"])
    {
        assert!(
            seen.contains(*kind),
            "no documented example of {kind}: {seen:?}"
        );
    }
}

/// The four kinds of `traffic:`.
const TRAFFIC_KINDS: &[&str] = &["http-route", "nginx", "istio", "replicas"];
