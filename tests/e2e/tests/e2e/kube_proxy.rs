//! gantry-rollback and gantry-canary reach the Kubernetes API server
//! behind an HTTP proxy as kubectl does: the kubeconfig's `proxy-url`,
//! else `HTTPS_PROXY` unless `NO_PROXY` names the server or it is a
//! loopback address; through our CONNECT proxy to the fake API server
//! (TLS inside the tunnel). A proxy that refuses, hangs or wants other
//! credentials is exit 3 naming it and the API server; a proxy gantry
//! cannot use is exit 2; the proxy's credentials never reach the output.
//!
//! The API server is `https://kube.gantry.test:PORT`, a name only the
//! proxy resolves (to the fake on 127.0.0.1), as a corporate proxy
//! resolves internal names: kubectl never sends `localhost` or a loopback
//! address to a proxy from the environment, and neither does gantry.

use std::path::{Path, PathBuf};
use std::time::Duration;

use gantry_test_support::cli::{RunResult, gantry};
use gantry_test_support::connect_proxy::{ConnectProxy, ProxyOptions};
use gantry_test_support::corpus::{Case, case, run_table};
use gantry_test_support::hostile::refused_addr;
use gantry_test_support::kube::FakeKube;

use crate::rollback::deployment;

/// The API server's name, known only to the proxy.
const HOST: &str = "kube.gantry.test";
const USER: &str = "corp-ci";
const PASSWORD: &str = "corpus-pr0xy-pa55-6c1d";

/// A fake cluster with a rolled-out `deployment/web`.
fn cluster() -> FakeKube {
    let fake = FakeKube::start().unwrap();
    fake.create(deployment("web", "ghcr.io/acme/web:1.0", 1))
        .unwrap();
    assert!(fake.settle(Duration::from_secs(20)));
    fake
}

/// An open proxy that resolves [`HOST`].
fn proxy(options: ProxyOptions) -> ConnectProxy {
    ConnectProxy::start_with(options.host(HOST, "127.0.0.1")).unwrap()
}

/// `https://kube.gantry.test:PORT`.
fn server(fake: &FakeKube) -> String {
    let port = fake.host_port().rsplit_once(':').unwrap().1;
    format!("https://{HOST}:{port}")
}

/// The fake's kubeconfig with its cluster's `server` named as [`server`]
/// says (`tls-server-name: localhost`, which the certificate has) unless
/// `loopback`, and `extra` lines in the cluster.
fn kubeconfig_text(fake: &FakeKube, loopback: bool, extra: &str) -> String {
    let text = std::fs::read_to_string(fake.kubeconfig()).unwrap();
    let line = format!("    server: {}\n", fake.https_url());
    assert!(text.contains(&line), "{text}");
    let server = if loopback {
        line.clone()
    } else {
        format!(
            "    server: {}\n    tls-server-name: localhost\n",
            server(fake)
        )
    };
    text.replace(&line, &format!("{server}{extra}"))
}

fn write_kubeconfig(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("kubeconfig");
    std::fs::write(&path, text).unwrap();
    path
}

fn status(kubeconfig: &Path, env: &[(&str, &str)], timeout: &str) -> RunResult {
    let mut cmd = gantry("gantry-rollback").unwrap().args([
        "status",
        "deployment/web",
        "--timeout",
        "20s",
        "--kube-timeout",
        timeout,
        "--kubeconfig",
        kubeconfig.to_str().unwrap(),
    ]);
    // Whatever the machine running the tests has.
    for name in [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        cmd = cmd.env_remove(name);
    }
    for (name, value) in env {
        cmd = cmd.env(name, value);
    }
    cmd.timeout(Duration::from_secs(60)).run().unwrap()
}

#[test]
fn status_goes_through_https_proxy_unless_no_proxy_names_the_server() {
    let fake = cluster();
    let proxy = proxy(ProxyOptions::default());
    let dir = tempfile::tempdir().unwrap();
    let path = write_kubeconfig(dir.path(), &kubeconfig_text(&fake, false, ""));
    let port = fake.host_port().rsplit_once(':').unwrap().1;
    let target = format!("{HOST}:{port}");

    let run = status(&path, &[("HTTPS_PROXY", &proxy.url())], "15s");
    assert_eq!(run.code, Some(0), "{run}");
    assert!(
        run.stdout
            .contains("deployment \"web\" successfully rolled out"),
        "{run}"
    );
    assert_eq!(
        proxy.tunnels(),
        vec![target.clone()],
        "{:?}",
        proxy.requests()
    );

    // The lower-case spelling, and a NO_PROXY entry for another port.
    let run = status(
        &path,
        &[
            ("https_proxy", &proxy.url()),
            ("NO_PROXY", &format!("{HOST}:1,10.0.0.0/8")),
        ],
        "15s",
    );
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(proxy.tunnels().len(), 2);

    // NO_PROXY names the server: straight to kube.gantry.test, which
    // nothing but the proxy resolves.
    for no_proxy in [".gantry.test", "gantry.test", &target, "*"] {
        let run = status(
            &path,
            &[("HTTPS_PROXY", &proxy.url()), ("no_proxy", no_proxy)],
            "2s",
        );
        assert_eq!(run.code, Some(3), "NO_PROXY={no_proxy}: {run}");
        assert!(
            run.stderr.contains(&format!(
                "cannot reach the Kubernetes API server at {}:",
                server(&fake)
            )),
            "NO_PROXY={no_proxy}: {run}"
        );
        assert!(!run.stderr.contains("proxy"), "NO_PROXY={no_proxy}: {run}");
    }
    assert_eq!(proxy.tunnels().len(), 2, "{:?}", proxy.requests());
}

#[test]
fn loopback_servers_never_use_the_environments_proxy() {
    // As kubectl: a kind cluster on a runner behind a corporate proxy.
    let fake = cluster();
    let dir = tempfile::tempdir().unwrap();
    let path = write_kubeconfig(dir.path(), &kubeconfig_text(&fake, true, ""));
    let nowhere = format!("http://{}", refused_addr().unwrap());
    for env in [
        vec![("HTTPS_PROXY", nowhere.as_str())],
        vec![("HTTPS_PROXY", nowhere.as_str()), ("NO_PROXY", "127.0.0.1")],
        // Not even one gantry cannot use.
        vec![("HTTPS_PROXY", "socks5://127.0.0.1:1080")],
    ] {
        let run = status(&path, &env, "15s");
        assert_eq!(run.code, Some(0), "{env:?}: {run}");
    }
}

#[test]
fn the_kubeconfigs_proxy_url_wins_over_the_environment() {
    let fake = cluster();
    let chosen = proxy(ProxyOptions::default());
    let other = proxy(ProxyOptions::default());
    let dir = tempfile::tempdir().unwrap();
    // A loopback server: the kubeconfig's proxy is for every request.
    let path = write_kubeconfig(
        dir.path(),
        &kubeconfig_text(&fake, true, &format!("    proxy-url: {}\n", chosen.url())),
    );
    let run = status(
        &path,
        &[("HTTPS_PROXY", &other.url()), ("NO_PROXY", "*")],
        "15s",
    );
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(chosen.tunnels(), [fake.host_port().to_owned()]);
    assert!(other.requests().is_empty(), "{:?}", other.requests());
}

#[test]
fn proxy_credentials_never_reach_the_output_and_failures_name_the_proxy() {
    let fake = cluster();
    let authed = proxy(ProxyOptions::default().credentials(USER, PASSWORD));
    let other = proxy(ProxyOptions::default().credentials(USER, "another-pa55"));
    let refusing = proxy(ProxyOptions::default().refuse_tunnels());
    let kubeconfig = kubeconfig_text(&fake, false, "");
    let with_password = |p: &ConnectProxy| format!("http://{USER}:{PASSWORD}@{}", p.addr());
    let masked = |p: &ConnectProxy| format!("http://***@{}", p.addr());
    let api = server(&fake);
    let rollback = |name: &str, proxy: &str| -> Case {
        case(
            name,
            "gantry-rollback",
            [
                "status",
                "deployment/web",
                "--kubeconfig",
                "{dir}/kubeconfig",
                "--kube-timeout",
                "2s",
            ],
        )
        .file("kubeconfig", kubeconfig.clone())
        .env("HTTPS_PROXY", proxy)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .secret(PASSWORD)
        .timeout(Duration::from_secs(40))
    };
    let canary = |name: &str, proxy: &str| -> Case {
        case(
            name,
            "gantry-canary",
            [
                "--workload",
                "deployment/web",
                "--kubeconfig",
                "{dir}/kubeconfig",
                "--kube-timeout",
                "5s",
                "--interval",
                "100ms",
                "--count",
                "2",
            ],
        )
        .file("kubeconfig", kubeconfig.clone())
        .env("HTTPS_PROXY", proxy)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .secret(PASSWORD)
        .timeout(Duration::from_secs(40))
    };
    let cases = vec![
        rollback("through-authenticated-proxy", &with_password(&authed))
            .exit(0)
            .names("successfully rolled out"),
        canary("canary-through-authenticated-proxy", &with_password(&authed))
            .exit(0)
            .names("successfully rolled out"),
        rollback("proxy-wants-other-credentials", &with_password(&other))
            .exit(3)
            .names(&format!(
                "cannot reach the Kubernetes API server at {api} through the proxy {} ($HTTPS_PROXY): the proxy refused its credentials (407 Proxy Authentication Required)",
                masked(&other)
            )),
        rollback("proxy-wants-credentials", &authed.url())
            .exit(3)
            .names(&api)
            .names(&authed.url())
            .names("the proxy asks for credentials (407"),
        canary("canary-proxy-wants-other-credentials", &with_password(&other))
            .exit(3)
            .names(&masked(&other))
            .names("407"),
        rollback(
            "proxy-refused",
            &format!("http://{USER}:{PASSWORD}@{{refused}}"),
        )
        .exit(3)
        .names(&api)
        .names("through the proxy http://***@{refused} ($HTTPS_PROXY): cannot connect to the proxy"),
        rollback("proxy-refuses-tunnels", &with_password(&refusing))
            .exit(3)
            .names(&masked(&refusing))
            .names("the proxy refused to open a tunnel"),
        rollback("proxy-hangs", "http://{hang}")
            .exit(3)
            .names(&api)
            .names("through the proxy http://{hang} ($HTTPS_PROXY) did not answer within 2 s"),
        rollback(
            "proxy-socks",
            &format!("socks5://{USER}:{PASSWORD}@127.0.0.1:1080"),
        )
        .exit(2)
        .names("cannot use the proxy in $HTTPS_PROXY: \"socks5://***@127.0.0.1:1080\" is a SOCKS proxy"),
        rollback(
            "proxy-https",
            &format!("https://{USER}:{PASSWORD}@127.0.0.1:3129"),
        )
        .exit(2)
        .names("$HTTPS_PROXY")
        .names("is an https:// proxy"),
        rollback("proxy-not-a-url", &format!("http://{USER}:{PASSWORD}@[::1"))
            .exit(2)
            .names("$HTTPS_PROXY")
            .names("is not a URL"),
        canary(
            "canary-proxy-socks",
            &format!("socks5h://{USER}:{PASSWORD}@127.0.0.1:1080"),
        )
        .exit(2)
        .names("SOCKS"),
        rollback("kubeconfig-proxy-url-socks", "")
            .file(
                "kubeconfig",
                kubeconfig_text(
                    &fake,
                    false,
                    &format!("    proxy-url: socks5://{USER}:{PASSWORD}@127.0.0.1:1080\n"),
                ),
            )
            .exit(2)
            .names("its cluster's proxy-url \"socks5://***@127.0.0.1:1080\" is a SOCKS proxy"),
        rollback("kubeconfig-proxy-url-wrong-credentials", "")
            .file(
                "kubeconfig",
                kubeconfig_text(
                    &fake,
                    false,
                    &format!("    proxy-url: {}\n", with_password(&other)),
                ),
            )
            .exit(3)
            .names(&format!(
                "through the proxy {} (the kubeconfig's proxy-url): the proxy refused its credentials",
                masked(&other)
            )),
    ];
    run_table(cases);
    // Every tunnel was opened with the credentials, to the API server.
    let seen = authed.requests();
    assert!(seen.iter().any(|r| r.status == 200), "{seen:?}");
    assert!(
        seen.iter()
            .filter(|r| r.status == 200)
            .all(|r| r.target == api.trim_start_matches("https://")),
        "{seen:?}"
    );
    assert!(refusing.tunnels().is_empty());
}
