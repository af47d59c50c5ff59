//! Every request has a deadline and a read cap, and its failure names the
//! API server: against servers that hang, flood or answer garbage. The
//! credentials a client reads and sends are recorded for masking.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use gantry_kube::{
    ConnectOptions, Credential, KubeError, MAX_BODY, SecretSink, WorkloadRef, connect_with,
    wait_for_rollout,
};
use gantry_test_support::hostile::{Behaviour, HostileServer};
use gantry_test_support::kube::FakeKube;

fn kubeconfig(dir: &Path, server: &str, user: &str) -> PathBuf {
    let path = dir.join("config");
    std::fs::write(
        &path,
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
{user}
contexts:
- name: x
  context: {{cluster: c, user: u, namespace: prod}}
current-context: x
"
        ),
    )
    .unwrap();
    path
}

async fn status(path: &Path, timeout: Duration) -> (KubeError, Duration) {
    let client = connect_with(&ConnectOptions {
        kubeconfig: Some(path.to_path_buf()),
        request_timeout: timeout,
        ..ConnectOptions::default()
    })
    .await
    .unwrap();
    let started = Instant::now();
    let err = wait_for_rollout(
        &client,
        &WorkloadRef::deployment("prod", "web"),
        Duration::from_secs(60),
        Duration::from_millis(100),
    )
    .await
    .err()
    .unwrap();
    (err, started.elapsed())
}

#[tokio::test]
async fn a_server_that_never_answers_ends_within_two_deadlines() {
    let server = HostileServer::start(Behaviour::Hang).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = kubeconfig(dir.path(), &server.url(), "    token: t0ken-hang-1");
    let (err, took) = status(&path, Duration::from_millis(500)).await;
    assert!(matches!(err, KubeError::Timeout { .. }), "{err:?}");
    assert!(!err.is_input_error());
    assert_eq!(
        err.to_string(),
        format!(
            "deployment prod/web: the Kubernetes API server at {} did not answer within 0.5 s",
            server.url()
        )
    );
    assert!(
        took < Duration::from_millis(1900),
        "one retry of a timed-out request, no more: {took:?}"
    );
}

#[tokio::test]
async fn an_endless_answer_stops_at_the_cap() {
    let server = HostileServer::start(Behaviour::EndlessBody {
        content_type: "application/json".into(),
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = kubeconfig(dir.path(), &server.url(), "    token: t0ken-endless");
    let (err, took) = status(&path, Duration::from_secs(20)).await;
    assert!(matches!(err, KubeError::TooLarge { .. }), "{err:?}");
    assert!(
        err.to_string().contains("exceeds 16 MiB (read limit)")
            && err.to_string().contains(&server.url()),
        "{err}"
    );
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert!(
        server.bytes_sent() < 4 * MAX_BODY as u64,
        "read {} bytes",
        server.bytes_sent()
    );
}

#[tokio::test]
async fn garbage_and_refusals_name_the_server_once() {
    let server = HostileServer::start(Behaviour::Garbage).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = kubeconfig(dir.path(), &server.url(), "    token: t0ken-garbage");
    let (err, _) = status(&path, Duration::from_secs(5)).await;
    assert!(matches!(err, KubeError::Unreachable { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "deployment prod/web: cannot reach the Kubernetes API server at {}: ",
            server.url()
        )),
        "{text}"
    );
    assert!(!text.contains("client error ("), "{text}");
    assert_eq!(text.matches(&server.url()).count(), 1, "{text}");
}

#[tokio::test]
async fn credentials_read_and_sent_are_recorded() {
    let fake = FakeKube::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The token comes from a file, so the client only sees it when it
    // sends it.
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, fake.token()).unwrap();
    let path = kubeconfig(
        dir.path(),
        &fake.url(),
        &format!("    tokenFile: {}", token_file.display()),
    );
    let sink = SecretSink::default();
    let client = connect_with(&ConnectOptions {
        kubeconfig: Some(path),
        secrets: sink.clone(),
        ..ConnectOptions::default()
    })
    .await
    .unwrap();
    let _ = wait_for_rollout(
        &client,
        &WorkloadRef::deployment("prod", "web"),
        Duration::ZERO,
        Duration::ZERO,
    )
    .await;
    assert!(
        sink.take()
            .contains(&Credential::Secret(fake.token().to_owned())),
        "the token file's token was not recorded"
    );

    // A kubeconfig's token and password are recorded when it is read,
    // even when it cannot be used.
    let path = kubeconfig(
        dir.path(),
        "ftp://nowhere",
        "    username: admin\n    password: pw-s3cr3t\n    token: t0ken-read",
    );
    let sink = SecretSink::default();
    let err = connect_with(&ConnectOptions {
        kubeconfig: Some(path),
        secrets: sink.clone(),
        ..ConnectOptions::default()
    })
    .await
    .err()
    .unwrap();
    assert!(err.is_input_error(), "{err}");
    let recorded = sink.take();
    assert!(recorded.contains(&Credential::Secret("t0ken-read".into())));
    assert!(recorded.contains(&Credential::BasicAuth {
        user: "admin".into(),
        password: "pw-s3cr3t".into()
    }));
}

#[tokio::test]
async fn a_fifo_kubeconfig_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let started = Instant::now();
    let err = connect_with(&ConnectOptions {
        kubeconfig: Some(fifo),
        ..ConnectOptions::default()
    })
    .await
    .err()
    .unwrap();
    assert!(err.is_input_error(), "{err}");
    assert!(err.to_string().contains("not a regular file"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// The plugin runs on a blocking thread: the runtime is shut down in the
/// background, as the binaries do, instead of waiting for it.
#[test]
fn an_exec_plugin_that_hangs_ends_at_the_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let path = kubeconfig(
        dir.path(),
        "https://127.0.0.1:1",
        "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: sleep\n      args: [\"30\"]\n      interactiveMode: Never",
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let err = runtime
        .block_on(connect_with(&ConnectOptions {
            kubeconfig: Some(path),
            request_timeout: Duration::from_millis(500),
            ..ConnectOptions::default()
        }))
        .err()
        .unwrap();
    runtime.shutdown_background();
    assert!(matches!(err, KubeError::SetupTimeout { .. }), "{err:?}");
    assert!(!err.is_input_error());
    assert!(
        err.to_string().contains("did not finish within 0.5 s"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}
