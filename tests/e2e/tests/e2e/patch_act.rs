//! `actions/patch` in a workflow run by `act`, offline, on this machine
//! (`-P ubuntu-latest=-self-hosted`), with the `gantry-patch` of this build
//! (`gantry-source: path`): the inputs reach the binary, its step outputs
//! reach later steps, the files on disk change by exactly the bytes of the
//! values, and a refusal fails the step with a `file=…,line=…` annotation
//! and writes nothing.

use std::path::PathBuf;

use gantry_test_support::act::{Act, ActRun, ActWorkspace};
use gantry_test_support::tools;

/// The digest every test deploys (sha256 of `x`).
const DIGEST: &str = "sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881";

const DEPLOYMENT: &str = r#"# The API. gantry only touches the image values below.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  labels: {app: api, tier: "backend"}
spec:
  replicas: 2
  template:
    spec:
      initContainers:
        - name: migrate
          image: "ghcr.io/acme/api:1.2.2"   # same image, double-quoted
      containers:
        - name: api
          image: ghcr.io/acme/api:1.2.2
          args: ["--port", "8080"]
        - name: worker
          image: ghcr.io/acme/api-worker:1.2.2   # another image: not matched
        - name: proxy
          image: nginx:1.25
"#;

const KUSTOMIZATION: &str = "apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
images:
  - name: ghcr.io/acme/api
    newTag: 1.2.2
  - name: nginx
    newTag: '1.25'
";

/// CRLF line ends and no final newline: both must survive.
const VALUES: &str = "replicaCount: 2\r\nimage:\r\n  repository: ghcr.io/acme/api   # the API\r\n  tag: \"1.2.2\"\r\n  pullPolicy: IfNotPresent\r\nworker:\r\n  image:\r\n    repository: ghcr.io/acme/api-worker\r\n    tag: \"1.2.2\"";

/// The binaries of this build and a workspace holding the actions and
/// their installer.
fn setup() -> (PathBuf, ActWorkspace) {
    let bin_dir = tools::target_bin_dir().unwrap();
    tools::gantry_bin("gantry-patch").unwrap();
    let workspace = ActWorkspace::new().unwrap();
    workspace
        .copy_from_repo(&["action.yml", "actions", "install", "manifests"])
        .unwrap();
    (bin_dir, workspace)
}

fn write_tree(workspace: &ActWorkspace) {
    workspace
        .write("deploy/deployment.yaml", DEPLOYMENT)
        .unwrap();
    workspace
        .write("deploy/kustomization.yaml", KUSTOMIZATION)
        .unwrap();
    workspace.write("chart/values.yaml", VALUES).unwrap();
}

fn out_bytes(run: &ActRun, name: &str) -> Vec<u8> {
    let path = run.out_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}\n{run}", path.display()))
}

/// `set` with a tag and digest on a Deployment, a kustomization and a Helm
/// values file: the outputs, the exact bytes written, then a re-run with
/// `check: true` that finds nothing to do and `operation: list` on the
/// result.
#[test]
fn patch_action_updates_a_tree_and_sets_its_outputs() {
    let (bin_dir, workspace) = setup();
    write_tree(&workspace);
    let workflow = format!(
        r#"name: patch
on: push
jobs:
  patch:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: patch
        uses: ./actions/patch
        with:
          set: |
            ghcr.io/acme/api=ghcr.io/acme/api:1.2.3@{DIGEST}
            nginx=nginx:1.27
          paths: |
            deploy
            chart/values.yaml
          gantry-source: path
          gantry-path: {bin_dir}
      - name: Check and record the outputs and files
        shell: bash
        env:
          CHANGED: ${{{{ steps.patch.outputs.changed }}}}
          CHANGES: ${{{{ steps.patch.outputs.changes }}}}
          DIFF: ${{{{ steps.patch.outputs.diff }}}}
          FILES: ${{{{ steps.patch.outputs.files }}}}
        run: |
          set -eu
          test "$CHANGED" = true
          test -n "$DIFF"
          printf '%s' "$CHANGES" > "$RIG_OUT/changes.json"
          printf '%s' "$DIFF" > "$RIG_OUT/diff"
          printf '%s' "$FILES" > "$RIG_OUT/files"
          mkdir -p "$RIG_OUT/tree"
          cp -R deploy chart "$RIG_OUT/tree/"
      - id: again
        uses: ./actions/patch
        with:
          set: |
            ghcr.io/acme/api=ghcr.io/acme/api:1.2.3@{DIGEST}
            nginx=nginx:1.27
          paths: |
            deploy
            chart/values.yaml
          check: true
          gantry-source: path
          gantry-path: {bin_dir}
      - id: list
        uses: ./actions/patch
        with:
          operation: list
          paths: deploy
          gantry-source: path
          gantry-path: {bin_dir}
      - name: Record the re-run and the list
        shell: bash
        env:
          CHANGED: ${{{{ steps.again.outputs.changed }}}}
          CHANGES: ${{{{ steps.again.outputs.changes }}}}
          IMAGES: ${{{{ steps.list.outputs.images }}}}
        run: |
          printf '%s' "$CHANGED" > "$RIG_OUT/again-changed"
          printf '%s' "$CHANGES" > "$RIG_OUT/again-changes.json"
          printf '%s' "$IMAGES" > "$RIG_OUT/images.json"
"#,
        bin_dir = bin_dir.display()
    );

    let run = Act::new(workflow).run(&workspace).unwrap();
    assert!(run.success(), "{run}");

    // `changes`: every value changed, in file then line order.
    let changes: serde_json::Value =
        serde_json::from_str(&run.read_out("changes.json").unwrap()).unwrap();
    let got: Vec<(String, String, String, String)> = changes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or_default().to_owned();
            (s("file"), s("path"), s("new"), s("format"))
        })
        .collect();
    let api = format!("ghcr.io/acme/api:1.2.3@{DIGEST}");
    let want: Vec<(String, String, String, String)> = [
        ("chart/values.yaml", "image.tag", "1.2.3", "helm-values"),
        (
            "deploy/deployment.yaml",
            "spec.template.spec.initContainers[0].image",
            api.as_str(),
            "kubernetes",
        ),
        (
            "deploy/deployment.yaml",
            "spec.template.spec.containers[0].image",
            api.as_str(),
            "kubernetes",
        ),
        (
            "deploy/deployment.yaml",
            "spec.template.spec.containers[2].image",
            "nginx:1.27",
            "kubernetes",
        ),
        (
            "deploy/kustomization.yaml",
            "images[0].newTag",
            "1.2.3",
            "kustomize",
        ),
        (
            "deploy/kustomization.yaml",
            "images[0].digest",
            DIGEST,
            "kustomize",
        ),
        (
            "deploy/kustomization.yaml",
            "images[1].newTag",
            "1.27",
            "kustomize",
        ),
    ]
    .iter()
    .map(|(f, p, n, k)| (f.to_string(), p.to_string(), n.to_string(), k.to_string()))
    .collect();
    assert_eq!(got, want, "{run}");
    assert_eq!(changes[0]["line"], 4, "{changes}");
    assert_eq!(changes[0]["old"], "1.2.2", "{changes}");
    assert_eq!(
        changes[0]["set"],
        format!("ghcr.io/acme/api=ghcr.io/acme/api:1.2.3@{DIGEST}"),
        "{changes}"
    );

    assert_eq!(
        run.read_out("files").unwrap(),
        "chart/values.yaml\ndeploy/deployment.yaml\ndeploy/kustomization.yaml",
        "{run}"
    );
    let diff = run.read_out("diff").unwrap();
    assert!(
        diff.contains("--- a/deploy/deployment.yaml\n+++ b/deploy/deployment.yaml\n"),
        "{diff}"
    );
    assert!(
        diff.contains(&format!(
            "+          image: ghcr.io/acme/api:1.2.3@{DIGEST}\n"
        )),
        "{diff}"
    );
    assert!(
        diff.contains("-    newTag: '1.25'\n+    newTag: '1.27'\n"),
        "{diff}"
    );

    // The files: only the bytes of the values changed (quotes, comments,
    // flow mappings, CRLF and the missing final newline kept).
    let deployment = DEPLOYMENT
        .replace(
            "\"ghcr.io/acme/api:1.2.2\"",
            &format!("\"ghcr.io/acme/api:1.2.3@{DIGEST}\""),
        )
        .replace(
            "image: ghcr.io/acme/api:1.2.2\n",
            &format!("image: ghcr.io/acme/api:1.2.3@{DIGEST}\n"),
        )
        .replace("nginx:1.25", "nginx:1.27");
    assert_eq!(
        String::from_utf8(out_bytes(&run, "tree/deploy/deployment.yaml")).unwrap(),
        deployment
    );
    assert!(deployment.contains("image: ghcr.io/acme/api-worker:1.2.2   # another"));
    let kustomization = format!(
        "apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
images:
  - name: ghcr.io/acme/api
    newTag: 1.2.3
    digest: {DIGEST}
  - name: nginx
    newTag: '1.27'
"
    );
    assert_eq!(
        String::from_utf8(out_bytes(&run, "tree/deploy/kustomization.yaml")).unwrap(),
        kustomization
    );
    // The values file has no digest field: only the tag is written, and
    // the step says so.
    assert_eq!(
        out_bytes(&run, "tree/chart/values.yaml"),
        VALUES
            .replacen("tag: \"1.2.2\"", "tag: \"1.2.3\"", 1)
            .as_bytes()
    );
    assert!(
        run.output
            .stdout
            .contains("no digest field next to it, so only the tag of"),
        "{run}"
    );

    // A re-run with the same inputs is a no-op, and `check: true` passes.
    assert_eq!(run.read_out("again-changed").unwrap(), "false", "{run}");
    assert_eq!(run.read_out("again-changes.json").unwrap(), "[]", "{run}");
    assert!(
        run.output
            .stdout
            .contains("already up to date: 6 reference(s) hold the new value"),
        "{run}"
    );

    // `operation: list` on the result.
    let images: serde_json::Value =
        serde_json::from_str(&run.read_out("images.json").unwrap()).unwrap();
    let listed: Vec<(&str, &str, &str)> = images
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["file"].as_str().unwrap(),
                i["image"].as_str().unwrap(),
                i["format"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("deploy/deployment.yaml", api.as_str(), "kubernetes"),
            ("deploy/deployment.yaml", api.as_str(), "kubernetes"),
            (
                "deploy/deployment.yaml",
                "ghcr.io/acme/api-worker:1.2.2",
                "kubernetes"
            ),
            ("deploy/deployment.yaml", "nginx:1.27", "kubernetes"),
            ("deploy/kustomization.yaml", api.as_str(), "kustomize"),
            ("deploy/kustomization.yaml", "nginx:1.27", "kustomize"),
        ],
        "{images}"
    );
}

/// A Helm template that mentions the image is refused: the step fails with
/// an `::error` annotation naming the file and line, and nothing is
/// written, not even the values file next to it that could be updated.
#[test]
fn patch_action_refuses_a_helm_template_with_an_annotation() {
    let (bin_dir, workspace) = setup();
    let template = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: \"ghcr.io/acme/api:{{ .Values.image.tag }}\"
";
    workspace
        .write("chart/templates/deployment.yaml", template)
        .unwrap();
    workspace.write("chart/values.yaml", VALUES).unwrap();
    let workflow = format!(
        r#"name: patch-template
on: push
jobs:
  patch:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: patch
        uses: ./actions/patch
        with:
          set: ghcr.io/acme/api:1.2.3
          paths: chart
          gantry-source: path
          gantry-path: {bin_dir}
      - name: Record what the failed step left
        if: failure()
        shell: bash
        env:
          OUTCOME: ${{{{ steps.patch.outcome }}}}
        run: |
          printf '%s' "$OUTCOME" > "$RIG_OUT/outcome"
          cp chart/values.yaml chart/templates/deployment.yaml "$RIG_OUT/"
"#,
        bin_dir = bin_dir.display()
    );

    let run = Act::new(workflow).run(&workspace).unwrap();
    assert!(!run.success(), "{run}");
    assert_eq!(run.read_out("outcome").unwrap(), "failure", "{run}");
    // act shows a workflow command it understood with its own marker.
    let log = &run.output.stdout;
    assert!(
        log.contains(
            "❗  ::error title=gantry-patch,file=chart/templates/deployment.yaml,line=10,col=36::the file contains a template marker `{{`; templated files are not edited"
        ),
        "{run}"
    );
    assert!(log.contains("exit status 2"), "{run}");
    assert_eq!(out_bytes(&run, "values.yaml"), VALUES.as_bytes(), "{run}");
    assert_eq!(out_bytes(&run, "deployment.yaml"), template.as_bytes());
}
