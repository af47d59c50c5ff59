//! Whole files as teams write them: edit one value, assert the exact bytes.

#![allow(clippy::panic)]

use gantry_yaml::{apply, parse, set_scalar};

const DEPLOY: &str = r#"# Deployment for app
--- # first
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  labels: {app: app, tier: "web"}
  annotations:
    config.kubernetes.io/origin: |
      path: base/app.yaml
      image: not-this:1
spec:
  replicas: 3
  template:
    spec:
      initContainers:
      - name: init
        image: busybox:1.36   # init
        command: ["sh", "-c", "echo hi"]
      containers:
        - name: app
          image: "registry.example.com/app:1.0"
          args:
            - --flag=1
            - |
              multi
              line
          env:
            - name: A
              value: "x"
            - name: EMPTY
              value:
        - name: sidecar
          image: 'envoy:1.29'
---
---
apiVersion: v1
kind: ConfigMap
data:
  key: >-
    folded
    text
  other: plain value here
...
"#;

fn edit(src: &str, doc: usize, path: &str, value: &str) -> String {
    set_scalar(src, doc, path, value)
        .and_then(|e| apply(src, &[e]))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn deployment_parses_into_three_documents() {
    let stream = parse(DEPLOY).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stream.documents.len(), 3);
}

#[test]
fn deployment_edits() {
    let out = edit(
        DEPLOY,
        0,
        "spec.template.spec.containers[name=app].image",
        "registry.example.com/app:1.10",
    );
    assert_eq!(
        out,
        DEPLOY.replace(
            "\"registry.example.com/app:1.0\"",
            "\"registry.example.com/app:1.10\""
        )
    );
    let out = edit(
        DEPLOY,
        0,
        "spec.template.spec.initContainers[0].image",
        "busybox:1.37",
    );
    assert_eq!(
        out,
        DEPLOY.replace("busybox:1.36   # init", "busybox:1.37   # init")
    );
    let out = edit(
        DEPLOY,
        0,
        "spec.template.spec.containers[name=sidecar].image",
        "envoy:1.30",
    );
    assert_eq!(out, DEPLOY.replace("'envoy:1.29'", "'envoy:1.30'"));
    let out = edit(DEPLOY, 0, "metadata.labels.tier", "api");
    assert_eq!(out, DEPLOY.replace("tier: \"web\"", "tier: \"api\""));
    let out = edit(
        DEPLOY,
        0,
        "spec.template.spec.containers[0].env[name=EMPTY].value",
        "1.0",
    );
    assert_eq!(
        out,
        DEPLOY.replace("              value:\n", "              value: \"1.0\"\n")
    );
    let out = edit(
        DEPLOY,
        0,
        "spec.template.spec.initContainers[0].command[2]",
        "echo bye",
    );
    assert_eq!(out, DEPLOY.replace("\"echo hi\"", "\"echo bye\""));
    let out = edit(DEPLOY, 2, "data.other", "new");
    assert_eq!(out, DEPLOY.replace("other: plain value here", "other: new"));
    let out = edit(DEPLOY, 0, "spec.replicas", "4");
    assert_eq!(out, DEPLOY.replace("replicas: 3", "replicas: \"4\""));
}

#[test]
fn deployment_refusals() {
    use gantry_yaml::{Error, RefuseReason::BlockScalar};
    let refused = |doc, path| match set_scalar(DEPLOY, doc, path, "x") {
        Err(Error::Refused { reason, line, .. }) => Some((reason, line)),
        _ => None,
    };
    assert_eq!(
        refused(0, "metadata.annotations[\"config.kubernetes.io/origin\"]"),
        Some((BlockScalar, 9))
    );
    assert_eq!(
        refused(0, "spec.template.spec.containers[0].args[1]"),
        Some((BlockScalar, 25))
    );
    assert_eq!(refused(2, "data.key"), Some((BlockScalar, 40)));
    assert!(matches!(
        set_scalar(DEPLOY, 1, "a", "x"),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        set_scalar(DEPLOY, 3, "a", "x"),
        Err(Error::NoSuchDocument { doc: 3, count: 3 })
    ));
}

const VALUES: &str = "image:\n    repository: bitnami/nginx\n    tag: 1.25.3-debian-12-r0\n    digest: \"\"\nglobal:\n  imageRegistry: \"\"\n\nworker:\n  image: ghcr.io/x/worker:2024.01 # {\"$imagepolicy\": \"flux-system:worker\"}\n";

#[test]
fn helm_values_edits() {
    let out = edit(VALUES, 0, "image.tag", "1.25.4-debian-12-r0");
    assert_eq!(
        out,
        VALUES.replace("1.25.3-debian-12-r0", "1.25.4-debian-12-r0")
    );
    let out = edit(VALUES, 0, "image.digest", "sha256:abc");
    assert_eq!(
        out,
        VALUES.replace("digest: \"\"", "digest: \"sha256:abc\"")
    );
    let out = edit(VALUES, 0, "worker.image", "ghcr.io/x/worker:2024.02");
    assert_eq!(out, VALUES.replace("worker:2024.01", "worker:2024.02"));
}
