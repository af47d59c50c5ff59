//! The test rig itself: every real service starts, answers, and goes away.

use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use gantry_test_support::cli::gantry;
use gantry_test_support::git_daemon::{self, GitDaemon, git};
use gantry_test_support::http_files::StaticServer;
use gantry_test_support::ports::{HttpRequest, HttpResponse};
use gantry_test_support::prometheus::{self, Prometheus};
use gantry_test_support::registry::Registry;
use sha2::{Digest as _, Sha256};

fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(bytes))
}

type TestResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Monolithic blob upload: `POST …/blobs/uploads/` then `PUT <location>&digest=…`.
fn push_blob(registry: &Registry, repo: &str, blob: &[u8]) -> TestResult<String> {
    let digest = sha256_digest(blob);
    let start = registry
        .request("POST", &format!("/v2/{repo}/blobs/uploads/"))
        .send()?;
    assert_eq!(start.status, 202, "{start:?}");
    let location = start.header("location").ok_or("no upload Location")?;
    let location = if location.starts_with("http://") {
        location.to_owned()
    } else {
        format!("{}{location}", registry.url())
    };
    let separator = if location.contains('?') { '&' } else { '?' };
    let done = HttpRequest::put(&format!("{location}{separator}digest={digest}"))
        .header("Content-Type", "application/octet-stream")
        .body(blob.to_vec())
        .send()?;
    assert_eq!(done.status, 201, "{done:?}");
    assert_eq!(done.header("docker-content-digest"), Some(digest.as_str()));
    Ok(digest)
}

fn get(registry: &Registry, path: &str, accept: &str) -> TestResult<HttpResponse> {
    Ok(registry
        .request("GET", path)
        .header("Accept", accept)
        .send()?)
}

#[test]
fn registry_stores_and_serves_blobs_and_manifests() {
    let registry = Registry::start().unwrap();
    let repo = "rig/hello";
    let config =
        br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#;
    let layer = b"not really a tarball, the registry does not care";
    let config_digest = push_blob(&registry, repo, config).unwrap();
    let layer_digest = push_blob(&registry, repo, layer).unwrap();

    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": config_digest,
            "size": config.len(),
        },
        "layers": [{
            "mediaType": "application/vnd.oci.image.layer.v1.tar",
            "digest": layer_digest,
            "size": layer.len(),
        }],
    }))
    .unwrap();
    let manifest_digest = sha256_digest(&manifest);
    let media_type = "application/vnd.oci.image.manifest.v1+json";
    let put = registry
        .request("PUT", &format!("/v2/{repo}/manifests/v1"))
        .header("Content-Type", media_type)
        .body(manifest.clone())
        .send()
        .unwrap();
    assert_eq!(put.status, 201, "{put:?}");
    assert_eq!(
        put.header("docker-content-digest"),
        Some(manifest_digest.as_str())
    );

    // By tag and by digest: the same bytes, the same digest.
    for reference in ["v1", manifest_digest.as_str()] {
        let got = get(
            &registry,
            &format!("/v2/{repo}/manifests/{reference}"),
            media_type,
        )
        .unwrap();
        assert_eq!(got.status, 200, "{got:?}");
        assert_eq!(
            got.header("docker-content-digest"),
            Some(manifest_digest.as_str())
        );
        assert_eq!(got.body, manifest);
    }
    let got = get(
        &registry,
        &format!("/v2/{repo}/blobs/{layer_digest}"),
        "*/*",
    )
    .unwrap();
    assert_eq!(got.status, 200, "{got:?}");
    assert_eq!(sha256_digest(&got.body), layer_digest);
    let tags = get(
        &registry,
        &format!("/v2/{repo}/tags/list"),
        "application/json",
    )
    .unwrap();
    assert_eq!(tags.json().unwrap()["tags"], serde_json::json!(["v1"]));
}

#[test]
fn registry_with_auth_demands_basic_credentials() {
    let registry = Registry::start_with_auth("rig-user", "s3cret pass").unwrap();
    assert_eq!(registry.credentials(), Some(("rig-user", "s3cret pass")));

    let anonymous = HttpRequest::get(&format!("{}/v2/", registry.url()))
        .send()
        .unwrap();
    assert_eq!(anonymous.status, 401, "{anonymous:?}");
    let challenge = anonymous.header("www-authenticate").unwrap_or_default();
    assert!(challenge.starts_with("Basic "), "{challenge:?}");

    let authed = registry.request("GET", "/v2/").send().unwrap();
    assert_eq!(authed.status, 200, "{authed:?}");

    let wrong = HttpRequest::get(&format!("{}/v2/", registry.url()))
        .basic_auth("rig-user", "wrong")
        .send()
        .unwrap();
    assert_eq!(wrong.status, 401, "{wrong:?}");

    let config = registry.docker_config_json();
    assert!(
        config["auths"][registry.host_port()]["auth"].is_string(),
        "{config}"
    );
}

#[test]
fn registries_get_their_own_ports_and_free_them_on_drop() {
    let first = Registry::start().unwrap();
    let second = Registry::start().unwrap();
    assert_ne!(first.port(), second.port());
    assert_eq!(first.host_port(), format!("127.0.0.1:{}", first.port()));

    let (port, pid) = (first.port(), first.pid());
    drop(first);
    assert_gone(pid, port);
    // The other one is unaffected.
    assert_eq!(second.request("GET", "/v2/").send().unwrap().status, 200);
}

#[test]
fn prometheus_scrapes_itself_and_a_target() {
    let metrics = tempfile::tempdir().unwrap();
    std::fs::write(
        metrics.path().join("metrics"),
        "# TYPE rig_test_value gauge\nrig_test_value 42\n",
    )
    .unwrap();
    let target = StaticServer::serve(metrics.path()).unwrap();
    let target_addr = target.addr().to_string();

    let prom = Prometheus::start(std::slice::from_ref(&target_addr)).unwrap();
    let ready = HttpRequest::get(&format!("{}/-/ready", prom.url()))
        .send()
        .unwrap();
    assert_eq!(ready.status, 200);

    // The first scrape comes ~5 s after start (discovery's fixed tick).
    let up = prom
        .wait_for_scrape(prometheus::SELF_JOB, Duration::from_secs(20))
        .unwrap();
    assert_eq!(up, vec![1.0]);
    let value = prom
        .wait_for_samples("rig_test_value", Duration::from_secs(10))
        .unwrap();
    assert_eq!(value, vec![42.0]);
    let app_up = prom
        .wait_for_scrape(prometheus::APP_JOB, Duration::from_secs(10))
        .unwrap();
    assert_eq!(app_up, vec![1.0]);
    assert!(
        target
            .requests()
            .iter()
            .any(|path| path.starts_with("/metrics"))
    );

    let answer = prom.query(r#"up{job="prometheus"}"#).unwrap();
    assert_eq!(answer["data"]["resultType"], "vector", "{answer}");
    let err = prom.query("up{").unwrap_err().to_string();
    assert!(err.contains("prometheus: query"), "{err}");

    let (port, pid) = (prom.port(), prom.pid());
    drop(prom);
    assert_gone(pid, port);
}

#[test]
fn git_daemon_serves_clone_and_push() {
    let base = tempfile::tempdir().unwrap();
    let daemon = GitDaemon::start(base.path()).unwrap();
    let bare = daemon
        .bare_repo(
            "app",
            &[
                ("README.md", "hello\n"),
                ("deploy/app.yaml", "replicas: 1\n"),
            ],
        )
        .unwrap();
    assert_eq!(
        daemon.url("app"),
        format!("git://127.0.0.1:{}/app.git", daemon.port())
    );

    let work = tempfile::tempdir().unwrap();
    git(work.path(), &["clone", "-q", &daemon.url("app"), "clone"]).unwrap();
    let clone = work.path().join("clone");
    assert_eq!(
        std::fs::read_to_string(clone.join("README.md")).unwrap(),
        "hello\n"
    );
    assert_eq!(
        git(&clone, &["branch", "--show-current"]).unwrap().trim(),
        "main"
    );

    std::fs::write(clone.join("deploy/app.yaml"), "replicas: 3\n").unwrap();
    git(&clone, &["commit", "-q", "-am", "Scale to 3"]).unwrap();
    git(&clone, &["push", "-q", "origin", "main"]).unwrap();

    let pushed = git(&clone, &["rev-parse", "HEAD"]).unwrap();
    let served = git(&bare, &["rev-parse", "main"]).unwrap();
    assert_eq!(pushed, served);
    let subject = git(&bare, &["log", "-1", "--format=%s%n%an", "main"]).unwrap();
    assert_eq!(
        subject,
        format!("Scale to 3\n{}\n", git_daemon::GIT_USER_NAME)
    );

    let (port, pid) = (daemon.port(), daemon.pid());
    drop(daemon);
    assert_gone(pid, port);
}

/// The process has been reaped and its port can be bound again.
fn assert_gone(pid: u32, port: u16) {
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "process {pid} still exists after drop"
    );
    assert!(
        TcpListener::bind(("127.0.0.1", port)).is_ok(),
        "port {port} still taken after drop"
    );
}

#[test]
fn cli_harness_runs_a_binary_as_an_actions_step() {
    let dir = tempfile::tempdir().unwrap();
    let run = gantry("gantry-tag")
        .unwrap()
        .args(["inspect"])
        .env("GANTRY_REF", "ghcr.io/acme/api:1.2.3")
        .github_actions(dir.path())
        .unwrap()
        .run()
        .unwrap();
    assert!(run.success(), "{run}");
    let outputs = run.outputs().unwrap();
    assert_eq!(
        outputs["registry"],
        "ghcr.io",
        "{}",
        run.outputs_raw().unwrap()
    );
    assert_eq!(outputs["repository"], "acme/api");
    assert_eq!(outputs["tag"], "1.2.3");

    let plain = gantry("gantry-tag")
        .unwrap()
        .args(["inspect"])
        .run()
        .unwrap();
    assert!(!plain.success(), "no GANTRY_REF, no argument: {plain}");
    assert!(plain.outputs().is_err(), "not an Actions run");
}
