//! `gantry-patch` through the binary, on real trees on disk: what changes
//! (to the byte), what is left alone (.gitignore'd, other images, other
//! files), re-runs, `--dry-run`, `--check`, JSON and Actions outputs, and
//! bad input that must leave every file as it was.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use gantry_test_support::cli::{RunResult, gantry};
use serde_json::Value;

const DEPLOY: &str = "\
# The API. Image bumped by CI; everything else by hand.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  annotations:
    note: \"ghcr.io/acme/api:1.0.0 is mentioned here and stays\"
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: \"ghcr.io/acme/api:1.0.0\"   # same image, quoted
      containers:
        - name: api
          image: ghcr.io/acme/api:1.0.0
          env:
            - name: VERSION
              value: '1.0.0' # gantry: tag=ghcr.io/acme/api
        - name: worker
          image: ghcr.io/acme/api-worker:1.0.0
---
apiVersion: v1
kind: ConfigMap
data:
  script: |
    docker run ghcr.io/acme/api:1.0.0
";

const DEPLOY_AFTER: &str = "\
# The API. Image bumped by CI; everything else by hand.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  annotations:
    note: \"ghcr.io/acme/api:1.0.0 is mentioned here and stays\"
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: \"ghcr.io/acme/api:1.10\"   # same image, quoted
      containers:
        - name: api
          image: ghcr.io/acme/api:1.10
          env:
            - name: VERSION
              value: '1.10' # gantry: tag=ghcr.io/acme/api
        - name: worker
          image: ghcr.io/acme/api-worker:1.0.0
---
apiVersion: v1
kind: ConfigMap
data:
  script: |
    docker run ghcr.io/acme/api:1.0.0
";

const KUSTOMIZATION: &str = "resources:\r\n  - deploy.yaml\r\nimages:\r\n  - name: ghcr.io/acme/api\r\n    newTag: \"1.0.0\"\r\n    digest: sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
const KUSTOMIZATION_AFTER: &str = "resources:\r\n  - deploy.yaml\r\nimages:\r\n  - name: ghcr.io/acme/api\r\n    newTag: \"1.10\"\r\n";

const VALUES: &str = "\u{feff}image:\n  repository: ghcr.io/acme/api\n  tag: 1.0.0\n  pullPolicy: IfNotPresent\nworker:\n  image: {repository: ghcr.io/acme/api-worker, tag: 1.0.0}";
const VALUES_AFTER: &str = "\u{feff}image:\n  repository: ghcr.io/acme/api\n  tag: \"1.10\"\n  pullPolicy: IfNotPresent\nworker:\n  image: {repository: ghcr.io/acme/api-worker, tag: 1.0.0}";

const RELEASE: &str = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: api\nspec:\n  values:\n    image:\n      repository: ghcr.io/acme/api\n      tag: 1.0.0\n";
const APP: &str = "{\"apiVersion\": \"argoproj.io/v1alpha1\", \"kind\": \"Application\", \"spec\": {\"source\": {\"helm\": {\"parameters\": [{\"name\": \"image.tag\", \"value\": \"1.0.0\", \"forceString\": true}, {\"name\": \"image.repository\", \"value\": \"ghcr.io/acme/api\"}]}}}}\n";

const SET: &str = "ghcr.io/acme/api=ghcr.io/acme/api:1.10";

/// A GitOps tree with every format, files that must not be read, and a
/// .gitignore'd copy.
fn tree(root: &Path) {
    let files: &[(&str, &str)] = &[
        ("apps/api/deploy.yaml", DEPLOY),
        ("apps/api/kustomization.yaml", KUSTOMIZATION),
        ("charts/api/values.yaml", VALUES),
        (
            "charts/api/templates/deployment.yaml",
            "image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n",
        ),
        ("clusters/prod/api.yaml", RELEASE),
        ("argocd/api.json", APP),
        ("README.md", "image: ghcr.io/acme/api:1.0.0\n"),
        ("build/rendered.yaml", "image: ghcr.io/acme/api:1.0.0\n"),
        (".gitignore", "build/\n"),
        (".hidden/x.yaml", "image: ghcr.io/acme/api:1.0.0\n"),
    ];
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    std::fs::write(
        root.join("charts/api/logo.png"),
        b"\x89PNG\r\n\x1a\n\0\0\0image",
    )
    .unwrap();
}

/// Every file under `root`: bytes and modification time.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, (Vec<u8>, SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file() {
                out.insert(
                    path.clone(),
                    (std::fs::read(&path).unwrap(), meta.modified().unwrap()),
                );
            }
        }
    }
    out
}

fn patch(dir: &Path, args: &[&str]) -> RunResult {
    gantry("gantry-patch")
        .and_then(|cmd| cmd.args(args).current_dir(dir).run())
        .unwrap_or_else(|error| panic!("gantry-patch {args:?}: {error}"))
}

fn read(root: &Path, path: &str) -> String {
    std::fs::read_to_string(root.join(path)).unwrap()
}

#[test]
fn updates_every_format_and_not_one_other_byte() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    tree(root);
    std::fs::set_permissions(
        root.join("apps/api/deploy.yaml"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    let before = snapshot(root);

    let run = patch(root, &["--set", SET, "--format", "json", "."]);
    assert_eq!(run.code, Some(0), "{run}");
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["changed"], true, "{run}");
    assert_eq!(json["files_changed"], 5, "{run}");

    assert_eq!(read(root, "apps/api/deploy.yaml"), DEPLOY_AFTER);
    assert_eq!(
        read(root, "apps/api/kustomization.yaml"),
        KUSTOMIZATION_AFTER
    );
    assert_eq!(read(root, "charts/api/values.yaml"), VALUES_AFTER);
    assert_eq!(
        read(root, "clusters/prod/api.yaml"),
        RELEASE.replace("tag: 1.0.0", "tag: \"1.10\"")
    );
    assert_eq!(
        read(root, "argocd/api.json"),
        APP.replace("\"1.0.0\"", "\"1.10\"")
    );
    let mode = std::fs::metadata(root.join("apps/api/deploy.yaml"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640, "the file mode is kept");

    // Files that are not manifests, ignored or hidden are not touched.
    let after = snapshot(root);
    let changed: Vec<String> = after
        .iter()
        .filter(|(path, (bytes, _))| before.get(*path).map(|b| &b.0) != Some(bytes))
        .map(|(path, _)| path.strip_prefix(root).unwrap().display().to_string())
        .collect();
    assert_eq!(
        changed,
        [
            "apps/api/deploy.yaml",
            "apps/api/kustomization.yaml",
            "argocd/api.json",
            "charts/api/values.yaml",
            "clusters/prod/api.yaml",
        ]
    );
    assert_eq!(after.len(), before.len(), "no temporary file left behind");

    // Every change is listed with its place, old and new value.
    let changes = json["changes"].as_array().unwrap();
    let rows: Vec<(String, u64, String, String, String)> = changes
        .iter()
        .map(|c| {
            (
                c["file"].as_str().unwrap().to_owned(),
                c["line"].as_u64().unwrap(),
                c["path"].as_str().unwrap().to_owned(),
                c["old"].as_str().unwrap().to_owned(),
                c["new"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let row = |f: &str, l: u64, p: &str, o: &str, n: &str| {
        (f.to_owned(), l, p.to_owned(), o.to_owned(), n.to_owned())
    };
    assert_eq!(
        rows,
        [
            row(
                "apps/api/deploy.yaml",
                13,
                "spec.template.spec.initContainers[0].image",
                "ghcr.io/acme/api:1.0.0",
                "ghcr.io/acme/api:1.10"
            ),
            row(
                "apps/api/deploy.yaml",
                16,
                "spec.template.spec.containers[0].image",
                "ghcr.io/acme/api:1.0.0",
                "ghcr.io/acme/api:1.10"
            ),
            row(
                "apps/api/deploy.yaml",
                19,
                "spec.template.spec.containers[0].env[0].value",
                "1.0.0",
                "1.10"
            ),
            row(
                "apps/api/kustomization.yaml",
                5,
                "images[0].newTag",
                "1.0.0",
                "1.10"
            ),
            row(
                "apps/api/kustomization.yaml",
                6,
                "images[0].digest",
                "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                ""
            ),
            row(
                "argocd/api.json",
                1,
                "spec.source.helm.parameters[0].value",
                "1.0.0",
                "1.10"
            ),
            row("charts/api/values.yaml", 3, "image.tag", "1.0.0", "1.10"),
            row(
                "clusters/prod/api.yaml",
                9,
                "spec.values.image.tag",
                "1.0.0",
                "1.10"
            ),
        ]
    );

    // The same run again: nothing to do, and it says so.
    let settled = snapshot(root);
    let again = patch(root, &["--set", SET, "."]);
    assert_eq!(again.code, Some(0), "{again}");
    assert_eq!(again.stdout, "", "{again}");
    assert!(
        again.stderr.contains("already up to date: 7 reference(s)"),
        "{again}"
    );
    assert_eq!(
        snapshot(root),
        settled,
        "a re-run writes nothing, not even the same bytes"
    );
}

#[test]
fn dry_run_prints_a_diff_and_check_exits_1_writing_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    tree(root);
    let before = snapshot(root);

    let dry = patch(root, &["--dry-run", "--set", SET, "charts"]);
    assert_eq!(dry.code, Some(0), "{dry}");
    assert_eq!(
        dry.stdout,
        "--- a/charts/api/values.yaml\n+++ b/charts/api/values.yaml\n@@ -1,6 +1,6 @@\n \u{feff}image:\n   repository: ghcr.io/acme/api\n-  tag: 1.0.0\n+  tag: \"1.10\"\n   pullPolicy: IfNotPresent\n worker:\n   image: {repository: ghcr.io/acme/api-worker, tag: 1.0.0}\n\\ No newline at end of file\n",
        "{dry}"
    );
    assert!(
        dry.stderr.contains("would change 1 value(s) in 1 file(s)"),
        "{dry}"
    );

    let check = patch(root, &["--check", "--set", SET, "."]);
    assert_eq!(check.code, Some(1), "{check}");
    assert!(
        check
            .stdout
            .contains("charts/api/values.yaml:3:8: image.tag: 1.0.0 -> 1.10"),
        "{check}"
    );
    assert_eq!(
        snapshot(root),
        before,
        "--dry-run and --check write nothing"
    );

    let up_to_date = patch(
        root,
        &["--check", "--set", "ghcr.io/acme/api:1.0.0", "charts"],
    );
    assert_eq!(up_to_date.code, Some(0), "{up_to_date}");
}

#[test]
fn outputs_under_github_actions() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    std::fs::create_dir_all(&root).unwrap();
    tree(&root);
    let run = gantry("gantry-patch")
        .unwrap()
        .env("GANTRY_SET", SET)
        .env("GANTRY_PATHS", "charts\nclusters")
        .current_dir(&root)
        .github_actions(dir.path())
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(run.code, Some(0), "{run}");
    let outputs = run.outputs().unwrap();
    assert_eq!(outputs["changed"], "true");
    assert_eq!(
        outputs["files"],
        "charts/api/values.yaml\nclusters/prod/api.yaml"
    );
    let changes: Value = serde_json::from_str(&outputs["changes"]).unwrap();
    assert_eq!(changes.as_array().map(Vec::len), Some(2), "{changes}");
    assert!(
        outputs["diff"].starts_with("--- a/charts/api/values.yaml\n"),
        "{}",
        outputs["diff"]
    );
    let summary = run.step_summary().unwrap();
    assert!(
        summary.contains("| `image.tag` | `1.0.0` | `1.10` |"),
        "{summary}"
    );
}

#[test]
fn bad_input_is_exit_2_and_leaves_every_file_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    tree(root);
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.yaml"),
        "image: ghcr.io/acme/api:1.0.0\n",
    )
    .unwrap();

    // Each case: a broken file to add (or none), the arguments, and what
    // stderr must say.
    type Case<'a> = (&'a str, Option<(&'a str, &'a [u8])>, Vec<String>, &'a str);
    let link = root.join("apps/api/leak.yaml");
    let cases: Vec<Case<'_>> = vec![
        (
            "invalid NEWREF",
            None,
            vec![
                "--set".into(),
                "ghcr.io/acme/api=ghcr.io/acme/API:1".into(),
                ".".into(),
            ],
            "invalid image reference `ghcr.io/acme/API:1`",
        ),
        (
            "NEWREF without a version",
            None,
            vec!["--set".into(), "ghcr.io/acme/api".into(), ".".into()],
            "no tag and no digest",
        ),
        (
            "digest required",
            None,
            vec![
                "--require-digest".into(),
                "--set".into(),
                SET.into(),
                ".".into(),
            ],
            "has no digest",
        ),
        (
            "unreadable path",
            None,
            vec!["--set".into(), SET.into(), "no/such/dir".into()],
            "cannot read `no/such/dir`",
        ),
        (
            "no path",
            None,
            vec!["--set".into(), SET.into()],
            "no PATH given",
        ),
        (
            "bad target path",
            None,
            vec![
                "--target".into(),
                "a..b".into(),
                "--set".into(),
                SET.into(),
                ".".into(),
            ],
            "invalid --target `a..b`",
        ),
        (
            "YAML syntax error",
            Some((
                "apps/api/broken.yaml",
                b"image: ghcr.io/acme/api:1.0.0\n  bad: [\n",
            )),
            vec!["--set".into(), SET.into(), ".".into()],
            "apps/api/broken.yaml:",
        ),
        (
            "template mentioning the image",
            Some((
                "charts/api/templates/job.yaml",
                b"image: ghcr.io/acme/api:{{ .Values.tag }}\n",
            )),
            vec!["--set".into(), SET.into(), ".".into()],
            "charts/api/templates/job.yaml:1:25: the file contains a template marker",
        ),
        (
            "binary file named",
            Some(("apps/api/blob.bin", b"\x00\x01image")),
            vec!["--set".into(), SET.into(), "apps/api/blob.bin".into()],
            "`apps/api/blob.bin` is a binary file",
        ),
        (
            "binary file with a YAML name",
            Some(("apps/api/blob.yaml", b"ghcr.io/acme/api\x00\x01")),
            vec!["--set".into(), SET.into(), ".".into()],
            "`apps/api/blob.yaml` is a binary file",
        ),
        (
            "not UTF-8",
            Some((
                "apps/api/latin1.yaml",
                b"# caf\xe9\nimage: ghcr.io/acme/api:1.0.0\n",
            )),
            vec!["--set".into(), SET.into(), ".".into()],
            "not valid UTF-8",
        ),
    ];
    for (name, broken, args, want) in cases {
        if let Some((path, bytes)) = broken {
            std::fs::write(root.join(path), bytes).unwrap();
        }
        let before = snapshot(root);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = patch(root, &args);
        assert_eq!(run.code, Some(2), "{name}: {run}");
        assert!(
            run.stderr.contains(want),
            "{name}: wanted {want:?} in\n{run}"
        );
        assert!(!run.stderr.contains("panicked"), "{name}: {run}");
        assert_eq!(snapshot(root), before, "{name}: a file was touched");
        if let Some((path, _)) = broken {
            std::fs::remove_file(root.join(path)).unwrap();
        }
    }

    // A symlink out of the tree.
    std::os::unix::fs::symlink(outside.path().join("secret.yaml"), &link).unwrap();
    let before = snapshot(root);
    let run = patch(root, &["--set", SET, "."]);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(
        run.stderr.contains("is a symlink to") && run.stderr.contains("outside `.`"),
        "{run}"
    );
    assert_eq!(snapshot(root), before);
    assert_eq!(
        std::fs::read_to_string(outside.path().join("secret.yaml")).unwrap(),
        "image: ghcr.io/acme/api:1.0.0\n"
    );
}

#[test]
fn refusals_are_annotated_with_file_and_line_under_actions() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(
        root.join("values.yaml"),
        "image: &img ghcr.io/acme/api:1.0.0\nsidecarImage: *img\n",
    )
    .unwrap();
    let run = gantry("gantry-patch")
        .unwrap()
        .args(["--set", SET, "values.yaml"])
        .current_dir(&root)
        .github_actions(dir.path())
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(run.code, Some(2), "{run}");
    assert!(
        run.stderr.contains(
            "::error title=gantry-patch,file=values.yaml,line=1,col=13::refusing to edit `image`"
        ),
        "{run}"
    );
    // With the flag the anchored value, and so the alias, changes.
    let run = patch(
        &root,
        &["--allow-shared-anchor", "--set", SET, "values.yaml"],
    );
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(
        read(&root, "values.yaml"),
        "image: &img ghcr.io/acme/api:1.10\nsidecarImage: *img\n"
    );
}

#[test]
fn explicit_kustomization_gets_a_new_entry() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("kustomization.yaml"),
        "resources:\n- deploy.yaml\n",
    )
    .unwrap();
    // Found by walking: left alone (the image may not be its to set), and
    // an image found nowhere is an error unless --allow-missing.
    let walked = patch(root, &["--set", SET, "."]);
    assert_eq!(walked.code, Some(2), "{walked}");
    assert!(
        walked
            .stderr
            .contains("no reference to `ghcr.io/acme/api` found in 1 file(s); nothing was written"),
        "{walked}"
    );
    let allowed = patch(root, &["--allow-missing", "--set", SET, "."]);
    assert_eq!(allowed.code, Some(0), "{allowed}");
    assert!(
        allowed
            .stderr
            .contains("no reference to `ghcr.io/acme/api` found"),
        "{allowed}"
    );
    assert_eq!(
        read(root, "kustomization.yaml"),
        "resources:\n- deploy.yaml\n"
    );
    // Named: like `kustomize edit set image`.
    let named = patch(root, &["--set", SET, "kustomization.yaml"]);
    assert_eq!(named.code, Some(0), "{named}");
    assert_eq!(
        read(root, "kustomization.yaml"),
        "resources:\n- deploy.yaml\nimages:\n- name: ghcr.io/acme/api\n  newTag: \"1.10\"\n"
    );
}

#[test]
fn list_and_audit() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: nginx\n  - image: redis:latest\n  - image: ghcr.io/acme/api:1.0.0\n  - image: ghcr.io/acme/api@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
    )
    .unwrap();
    let list = patch(root, &["list", "."]);
    assert_eq!(list.code, Some(0), "{list}");
    assert_eq!(
        list.stdout,
        "pod.yaml:5:12: nginx (kubernetes, spec.containers[0].image)\n\
         pod.yaml:6:12: redis:latest (kubernetes, spec.containers[1].image)\n\
         pod.yaml:7:12: ghcr.io/acme/api:1.0.0 (kubernetes, spec.containers[2].image)\n\
         pod.yaml:8:12: ghcr.io/acme/api@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa (kubernetes, spec.containers[3].image)\n"
    );
    let json = patch(root, &["list", "--format", "json", "pod.yaml"]);
    let json: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(json["images"][0]["normalized"], "docker.io/library/nginx");

    let audit = patch(root, &["audit", "."]);
    assert_eq!(audit.code, Some(1), "{audit}");
    assert!(
        audit
            .stderr
            .contains("error: pod.yaml:5:12: `nginx`: no tag and no digest"),
        "{audit}"
    );
    assert!(
        audit
            .stderr
            .contains("error: pod.yaml:6:12: `redis:latest`: the tag `latest` moves"),
        "{audit}"
    );
    assert!(
        audit
            .stderr
            .contains("warning: pod.yaml:7:12: `ghcr.io/acme/api:1.0.0`"),
        "{audit}"
    );
    assert_eq!(
        audit.stdout,
        "4 reference(s) checked, 2 error(s), 1 warning(s)\n"
    );
    let strict = patch(
        root,
        &["audit", "--require-digest", "--format", "json", "."],
    );
    let strict: Value = serde_json::from_str(&strict.stdout).unwrap();
    assert_eq!(strict["errors"], 3, "{strict}");
}

/// kubectl's own kustomize is the oracle for what a patched kustomization
/// renders; skipped with a message where kubectl is not installed.
#[test]
fn kubectl_kustomize_renders_the_patched_image() {
    let Ok(kubectl) = gantry_test_support::tools::tool("kubectl") else {
        eprintln!("skipped: kubectl is not installed (the kustomize oracle check needs it)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("deploy.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n      - name: api\n        image: ghcr.io/acme/api:1.0.0\n      - name: proxy\n        image: nginx:1.25\n",
    )
    .unwrap();
    std::fs::write(
        root.join("kustomization.yaml"),
        "resources:\n- deploy.yaml\nimages:\n- name: ghcr.io/acme/api\n  newTag: 1.0.0\n  digest: sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
    )
    .unwrap();
    let render = || {
        let out = std::process::Command::new(&kubectl)
            .args(["kustomize", "."])
            .current_dir(root)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        text.lines()
            .filter_map(|l| l.trim().trim_start_matches("- ").strip_prefix("image: "))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let digest = format!("sha256:{}", "1".repeat(64));
    let cases: [(String, [String; 2]); 4] = [
        (
            "ghcr.io/acme/api:2.0.0".into(),
            ["ghcr.io/acme/api:2.0.0".into(), "nginx:1.25".into()],
        ),
        (
            format!("ghcr.io/acme/api@{digest}"),
            [format!("ghcr.io/acme/api@{digest}"), "nginx:1.25".into()],
        ),
        (
            format!("ghcr.io/acme/api:2.1.0@{digest}"),
            [
                format!("ghcr.io/acme/api:2.1.0@{digest}"),
                "nginx:1.25".into(),
            ],
        ),
        (
            "ghcr.io/acme/api=mirror.example.com/acme/api:3".into(),
            ["mirror.example.com/acme/api:3".into(), "nginx:1.25".into()],
        ),
    ];
    for (set, want) in cases {
        let run = patch(root, &["--set", &set, "kustomization.yaml"]);
        assert_eq!(run.code, Some(0), "{run}");
        assert_eq!(
            render(),
            want,
            "after --set {set}:\n{}",
            read(root, "kustomization.yaml")
        );
    }
    // nginx is not in `images:` yet: named explicitly, it is added.
    let run = patch(root, &["--set", "nginx:1.27", "kustomization.yaml"]);
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(render(), ["mirror.example.com/acme/api:3", "nginx:1.27"]);
}
