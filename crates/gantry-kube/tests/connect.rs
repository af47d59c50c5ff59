//! `connect`: kubeconfig files, contexts, `$KUBECONFIG`, and what an
//! unreachable API server looks like.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::time::Duration;

use gantry_kube::{KubeError, WorkloadRef, connect, wait_for_rollout};
use gantry_test_support::kube::FakeKube;

fn kubeconfig(server: &str, token: &str, namespace: &str) -> String {
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: {server}
users:
- name: u
  user:
    token: {token}
contexts:
- name: one
  context: {{cluster: c, user: u, namespace: {namespace}}}
- name: two
  context: {{cluster: c, user: u}}
current-context: one
"
    )
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test]
async fn an_unreadable_kubeconfig_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.yaml");
    let err = connect(Some(&missing), None).await.err().unwrap();
    assert!(matches!(err, KubeError::Kubeconfig { .. }), "{err:?}");
    assert!(err.is_input_error());
    assert!(err.to_string().contains("nope.yaml"), "{err}");

    let broken = write(
        dir.path(),
        "broken.yaml",
        "clusters: [\n  token: s3cr3t-t0ken\n",
    );
    let err = connect(Some(&broken), None).await.err().unwrap();
    assert!(err.is_input_error(), "{err}");
    assert!(err.to_string().contains("broken.yaml"), "{err}");
    assert!(
        !err.to_string().contains("s3cr3t-t0ken"),
        "the token leaked: {err}"
    );

    let no_server = write(
        dir.path(),
        "no-server.yaml",
        "clusters: [{name: c, cluster: {}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n",
    );
    let err = connect(Some(&no_server), None).await.err().unwrap();
    assert!(err.is_input_error(), "{err}");
    assert!(err.to_string().contains("no server URL"), "{err}");
}

#[tokio::test]
async fn contexts_and_their_namespaces() {
    let fake = FakeKube::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "config",
        &kubeconfig(&fake.url(), fake.token(), "prod"),
    );

    let client = connect(Some(&path), None).await.unwrap();
    assert_eq!(client.default_namespace(), "prod");
    let client = connect(Some(&path), Some("two")).await.unwrap();
    assert_eq!(client.default_namespace(), "default");

    let err = connect(Some(&path), Some("three")).await.err().unwrap();
    assert!(err.is_input_error());
    assert!(
        err.to_string()
            .contains("has no context \"three\" (it has: one, two)"),
        "{err}"
    );

    // The fake's own kubeconfig works as is.
    let client = connect(Some(fake.kubeconfig()), Some("fake"))
        .await
        .unwrap();
    assert_eq!(client.default_namespace(), "default");
    let err = wait_for_rollout(
        &client,
        &WorkloadRef::deployment("default", "web"),
        Duration::ZERO,
        Duration::ZERO,
    )
    .await
    .unwrap_err();
    assert_eq!(err.to_string(), "deployment default/web not found");
}

#[tokio::test]
async fn tls_with_a_certificate_authority_file() {
    let fake = FakeKube::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ca.pem", fake.ca_pem());
    let text = kubeconfig(&fake.https_url(), fake.token(), "default").replace(
        "    server:",
        "    certificate-authority: ca.pem\n    server:",
    );
    let path = write(dir.path(), "config", &text);
    let client = connect(Some(&path), None).await.unwrap();
    let err = wait_for_rollout(
        &client,
        &WorkloadRef::deployment("default", "web"),
        Duration::ZERO,
        Duration::ZERO,
    )
    .await
    .unwrap_err();
    assert_eq!(err.to_string(), "deployment default/web not found");
    let requests = fake.requests();
    assert!(
        !requests.is_empty() && requests.iter().all(|r| r.authorized),
        "{requests:?}"
    );
}

/// Runs in a child process that has `KUBECONFIG` set (tests cannot set
/// environment variables of their own process safely).
#[tokio::test]
async fn kubeconfig_from_the_environment() {
    if let Some(expected) = std::env::var_os("GANTRY_KUBE_TEST_EXPECT_NAMESPACE") {
        let client = connect(None, None).await.unwrap();
        assert_eq!(client.default_namespace(), expected.to_str().unwrap());
        let err = connect(None, Some("nope")).await.err().unwrap();
        assert!(
            err.to_string()
                .contains("$KUBECONFIG has no context \"nope\""),
            "{err}"
        );
        return;
    }
    let fake = FakeKube::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "config",
        &kubeconfig(&fake.url(), fake.token(), "staging"),
    );
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "kubeconfig_from_the_environment", "--nocapture"])
        .env("KUBECONFIG", &path)
        .env("GANTRY_KUBE_TEST_EXPECT_NAMESPACE", "staging")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("1 passed"), "{text}");

    // A $KUBECONFIG naming a file that does not exist is an input error.
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_missing_kubeconfig_from_the_environment",
            "--nocapture",
        ])
        .env("KUBECONFIG", dir.path().join("missing"))
        .env("GANTRY_KUBE_TEST_CHILD", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && text.contains("1 passed"),
        "{text}"
    );
}

#[tokio::test]
async fn a_missing_kubeconfig_from_the_environment() {
    if std::env::var_os("GANTRY_KUBE_TEST_CHILD").is_none() {
        return;
    }
    let err = connect(None, None).await.err().unwrap();
    assert!(err.is_input_error(), "{err}");
    assert!(
        err.to_string()
            .starts_with("cannot use the kubeconfig $KUBECONFIG"),
        "{err}"
    );
}

#[tokio::test]
async fn an_unreachable_api_server_is_an_outside_failure() {
    // Bind and drop, so the port is closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "config",
        &kubeconfig(&format!("http://127.0.0.1:{port}"), "t", "prod"),
    );
    let client = connect(Some(&path), None).await.unwrap();
    let err = wait_for_rollout(
        &client,
        &WorkloadRef::deployment("prod", "web"),
        Duration::ZERO,
        Duration::ZERO,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, KubeError::Unreachable { .. }), "{err:?}");
    assert!(!err.is_input_error());
    assert!(
        err.to_string()
            .starts_with("deployment prod/web: cannot reach the Kubernetes API"),
        "{err}"
    );
}
