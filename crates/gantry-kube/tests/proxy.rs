//! API servers behind an HTTP proxy (the kubeconfig's `proxy-url`; the
//! environment's `HTTPS_PROXY` is the binaries' e2e tests'): the client
//! tunnels with CONNECT and speaks TLS inside, sends the URL's credentials
//! as `Proxy-Authorization` and records them for masking, and a proxy that
//! refuses, hangs or wants other credentials is an outside failure naming
//! the proxy (without its password) and the API server. The deadline and
//! the read cap hold through the tunnel.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use gantry_kube::{
    ConnectOptions, Credential, KubeError, SecretSink, WorkloadRef, connect_with, read_workload,
};
use gantry_test_support::connect_proxy::{ConnectProxy, ProxyOptions};
use gantry_test_support::hostile::{Behaviour, HostileServer, refused_addr};
use gantry_test_support::kube::FakeKube;
use serde_json::json;

const PASSWORD: &str = "pr0xy-pa55-e1c4";

/// The fake's kubeconfig with `proxy-url: {proxy}` (and `server` replaced
/// when given).
fn via(fake: &FakeKube, dir: &Path, proxy: &str, server: Option<&str>) -> PathBuf {
    let text = std::fs::read_to_string(fake.kubeconfig()).unwrap();
    let line = format!("    server: {}\n", fake.https_url());
    assert!(text.contains(&line), "{text}");
    let server = server.map_or_else(|| fake.https_url(), str::to_owned);
    let text = text.replace(
        &line,
        &format!("    server: {server}\n    proxy-url: {proxy}\n"),
    );
    let path = dir.join("kubeconfig");
    std::fs::write(&path, text).unwrap();
    path
}

async fn read_web(path: &Path, timeout: Duration) -> (Result<(), KubeError>, SecretSink) {
    let secrets = SecretSink::default();
    let client = connect_with(&ConnectOptions {
        kubeconfig: Some(path.to_path_buf()),
        request_timeout: timeout,
        secrets: secrets.clone(),
        ..ConnectOptions::default()
    })
    .await
    .unwrap();
    let read = read_workload(&client, &WorkloadRef::deployment("default", "web"))
        .await
        .map(|_| ());
    (read, secrets)
}

fn web(fake: &FakeKube) {
    fake.create(json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
            },
        },
    }))
    .unwrap();
}

#[tokio::test]
async fn the_kubeconfigs_proxy_tunnels_to_the_api_server_with_credentials() {
    let fake = FakeKube::start().unwrap();
    web(&fake);
    let proxy =
        ConnectProxy::start_with(ProxyOptions::default().credentials("corp", PASSWORD)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://corp:{PASSWORD}@{}", proxy.addr());
    let path = via(&fake, dir.path(), &url, None);

    let (read, secrets) = read_web(&path, Duration::from_secs(10)).await;
    read.unwrap();
    // A loopback server too: the kubeconfig's proxy is for every request.
    assert_eq!(proxy.tunnels(), [fake.host_port().to_owned()]);
    let seen = proxy.requests();
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some("Basic Y29ycDpwcjB4eS1wYTU1LWUxYzQ="),
        "base64 of corp:{PASSWORD}"
    );
    // TLS inside the tunnel: the fake saw the request, with its token.
    assert!(
        fake.requests()
            .iter()
            .any(|r| r.path.ends_with("/deployments/web")),
        "{:?}",
        fake.requests()
    );
    let recorded = secrets.take();
    assert!(
        recorded.contains(&Credential::BasicAuth {
            user: "corp".into(),
            password: PASSWORD.into(),
        }),
        "{recorded:?}"
    );
    assert!(recorded.contains(&Credential::Secret(PASSWORD.into())));
}

#[tokio::test]
async fn a_proxy_that_wants_other_credentials_is_an_outside_failure_naming_it() {
    let fake = FakeKube::start().unwrap();
    let proxy =
        ConnectProxy::start_with(ProxyOptions::default().credentials("corp", "other")).unwrap();
    let dir = tempfile::tempdir().unwrap();

    let path = via(
        &fake,
        dir.path(),
        &format!("http://corp:{PASSWORD}@{}", proxy.addr()),
        None,
    );
    let err = read_web(&path, Duration::from_secs(5)).await.0.unwrap_err();
    assert!(matches!(err, KubeError::Unreachable { .. }), "{err:?}");
    assert!(!err.is_input_error());
    assert_eq!(
        err.to_string(),
        format!(
            "deployment default/web: cannot reach the Kubernetes API server at {} through the proxy http://***@{} (the kubeconfig's proxy-url): the proxy refused its credentials (407 Proxy Authentication Required)",
            fake.https_url(),
            proxy.addr()
        )
    );

    let path = via(&fake, dir.path(), &proxy.url(), None);
    let err = read_web(&path, Duration::from_secs(5)).await.0.unwrap_err();
    assert!(
        err.to_string()
            .contains("the proxy asks for credentials (407 Proxy Authentication Required)"),
        "{err}"
    );
    assert!(proxy.tunnels().is_empty());
}

#[tokio::test]
async fn proxies_that_refuse_or_hang_are_outside_failures_naming_them() {
    let fake = FakeKube::start().unwrap();
    let dir = tempfile::tempdir().unwrap();

    let refused = refused_addr().unwrap();
    let path = via(&fake, dir.path(), &format!("http://{refused}"), None);
    let err = read_web(&path, Duration::from_secs(5)).await.0.unwrap_err();
    assert!(matches!(err, KubeError::Unreachable { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(&format!(
            "cannot reach the Kubernetes API server at {} through the proxy http://{refused} (the kubeconfig's proxy-url): cannot connect to the proxy:",
            fake.https_url()
        )),
        "{text}"
    );

    let refusing = ConnectProxy::start_with(ProxyOptions::default().refuse_tunnels()).unwrap();
    let path = via(&fake, dir.path(), &refusing.url(), None);
    let err = read_web(&path, Duration::from_secs(5)).await.0.unwrap_err();
    assert!(
        err.to_string().ends_with(
            "the proxy refused to open a tunnel to the API server (it answered CONNECT with an error)"
        ),
        "{err}"
    );

    // Accepts, never answers CONNECT: the request's deadline, once more.
    let hang = HostileServer::start(Behaviour::Hang).unwrap();
    let path = via(&fake, dir.path(), &hang.url(), None);
    let started = Instant::now();
    let err = read_web(&path, Duration::from_millis(500))
        .await
        .0
        .unwrap_err();
    assert!(matches!(err, KubeError::Timeout { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "deployment default/web: the Kubernetes API server at {} through the proxy {} (the kubeconfig's proxy-url) did not answer within 0.5 s",
            fake.https_url(),
            hang.url()
        )
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_read_cap_holds_through_the_tunnel() {
    // An http:// server whose body never ends, behind the proxy.
    let endless = HostileServer::start(Behaviour::EndlessBody {
        content_type: "application/json".into(),
    })
    .unwrap();
    let fake = FakeKube::start().unwrap();
    let proxy = ConnectProxy::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = via(&fake, dir.path(), &proxy.url(), Some(&endless.url()));
    let err = read_web(&path, Duration::from_secs(20))
        .await
        .0
        .unwrap_err();
    assert!(matches!(err, KubeError::TooLarge { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&format!(
            "the answer of the Kubernetes API server at {} through the proxy {}",
            endless.url(),
            proxy.url()
        )),
        "{err}"
    );
    assert_eq!(proxy.tunnels(), [endless.addr().to_owned()]);
    assert!(endless.bytes_sent() < 64 * 1024 * 1024);
}

#[tokio::test]
async fn proxies_gantry_cannot_use_are_bad_input_without_their_password() {
    let fake = FakeKube::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (proxy, words) in [
        (
            format!("socks5://corp:{PASSWORD}@127.0.0.1:1080"),
            "its cluster's proxy-url \"socks5://***@127.0.0.1:1080\" is a SOCKS proxy, which gantry does not support",
        ),
        (
            "https://127.0.0.1:3129".to_owned(),
            "its cluster's proxy-url \"https://127.0.0.1:3129\" is an https:// proxy",
        ),
    ] {
        let path = via(&fake, dir.path(), &proxy, None);
        let secrets = SecretSink::default();
        let err = connect_with(&ConnectOptions {
            kubeconfig: Some(path.clone()),
            secrets: secrets.clone(),
            ..ConnectOptions::default()
        })
        .await
        .err()
        .unwrap();
        assert!(err.is_input_error(), "{err}");
        let text = err.to_string();
        assert!(text.contains(words), "{text}");
        assert!(text.contains(&path.display().to_string()), "{text}");
        assert!(!text.contains(PASSWORD), "{text}");
    }
    assert!(fake.requests().is_empty());
}
