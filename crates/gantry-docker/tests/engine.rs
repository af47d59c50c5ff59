//! `tag_and_push` against the machine's real Docker daemon and a real
//! registry (CNCF distribution) on 127.0.0.1, with tiny `FROM scratch`
//! images built for each test. Without a daemon these tests fail, saying so.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod support;

use gantry_docker::{Anonymous, DockerError, PushProgress, format_progress, tag_and_push};
use gantry_image::ImageRef;
use gantry_test_support::registry::Registry;
use sha2::{Digest as _, Sha256};

use support::{TestImage, engine, exists, unique_name};

const MANIFEST_ACCEPT: &str = "application/vnd.docker.distribution.manifest.v2+json, \
     application/vnd.docker.distribution.manifest.list.v2+json, \
     application/vnd.oci.image.manifest.v1+json, \
     application/vnd.oci.image.index.v1+json";

fn image_ref(s: &str) -> ImageRef {
    ImageRef::parse(s).unwrap_or_else(|err| panic!("{s}: {err}"))
}

/// The manifest of `repo:tag` in `registry`: its digest header and the
/// sha256 of its bytes.
fn manifest(registry: &Registry, repo: &str, tag: &str) -> (u16, Option<String>, String, String) {
    let resp = registry
        .request("GET", &format!("/v2/{repo}/manifests/{tag}"))
        .header("Accept", MANIFEST_ACCEPT)
        .send()
        .unwrap_or_else(|err| panic!("GET manifest {repo}:{tag}: {err}"));
    let sha = format!("sha256:{:x}", Sha256::digest(&resp.body));
    (
        resp.status,
        resp.header("docker-content-digest").map(str::to_owned),
        sha,
        resp.header("content-type").unwrap_or_default().to_owned(),
    )
}

fn catalog(registry: &Registry) -> serde_json::Value {
    registry
        .request("GET", "/v2/_catalog")
        .send()
        .and_then(|resp| resp.json())
        .unwrap_or_else(|err| panic!("GET /v2/_catalog: {err}"))
}

#[tokio::test]
async fn pushes_a_local_image_to_two_tags_with_one_digest() {
    let engine = engine().await;
    let registry = Registry::start().expect("registry");
    let image = TestImage::build(&engine, 4096).await;

    let repo = format!("gantry-test/app-{}", unique_name());
    let targets = [
        image_ref(&format!("{}/{repo}:1.0", registry.host_port())),
        image_ref(&format!("{}/{repo}:sha-0123abc", registry.host_port())),
    ];
    let mut seen: Vec<PushProgress> = Vec::new();
    let pushed = tag_and_push(&engine, &image.name, &targets, &Anonymous, &mut |p| {
        seen.push(p);
    })
    .await
    .unwrap_or_else(|err| panic!("tag_and_push: {err}"));

    assert_eq!(pushed.len(), 2);
    assert_eq!(pushed[0].target, targets[0]);
    assert_eq!(pushed[1].target, targets[1]);
    assert_eq!(
        pushed[0].digest, pushed[1].digest,
        "both tags are one image"
    );
    assert!(
        pushed[0].digest.starts_with("sha256:"),
        "{}",
        pushed[0].digest
    );

    // The registry has both tags, with exactly the reported digest.
    for tag in ["1.0", "sha-0123abc"] {
        let (status, header, sha, content_type) = manifest(&registry, &repo, tag);
        assert_eq!(status, 200, "manifest {repo}:{tag}");
        assert_eq!(header.as_deref(), Some(pushed[0].digest.as_str()), "{tag}");
        assert_eq!(sha, pushed[0].digest, "{tag}: bytes hash to the digest");
        assert!(content_type.contains("manifest"), "{tag}: {content_type}");
    }

    // Progress streamed per target and per layer, with byte counts.
    let first = targets[0].to_string();
    assert!(seen.iter().any(|p| p.target == first), "{seen:#?}");
    assert!(seen.iter().any(|p| p.target == targets[1].to_string()));
    assert!(
        seen.iter()
            .any(|p| p.layer.is_some() && p.status == "Pushed"),
        "a layer was pushed: {seen:#?}"
    );
    let lines: Vec<String> = seen.iter().map(format_progress).collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("The push refers to repository [")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("layer ") && l.ends_with(": Pushed")),
        "{lines:#?}"
    );
    // The daemon's own status line agrees with the reported digest.
    let digest_line = format!("1.0: digest: {} size: ", pushed[0].digest);
    assert!(
        lines.iter().any(|l| l.starts_with(&digest_line)),
        "{lines:#?}"
    );
    // The second tag finds the layers already there.
    assert!(
        seen.iter()
            .any(|p| p.target == targets[1].to_string() && p.status == "Layer already exists"),
        "{lines:#?}"
    );

    // A re-run pushes nothing new and reports the same digest.
    let again = tag_and_push(&engine, &image.id, &targets[..1], &Anonymous, &mut |_| {})
        .await
        .unwrap_or_else(|err| panic!("second tag_and_push: {err}"));
    assert_eq!(again[0].digest, pushed[0].digest);

    // Cleanup removes the image and every tag it got.
    let id = image.id.clone();
    drop(image);
    assert!(!exists(&engine, &id).await, "image {id} removed");
    assert!(!exists(&engine, &first).await, "tag {first} removed");
}

#[tokio::test]
async fn a_missing_local_image_is_an_input_error_and_nothing_is_pushed() {
    let engine = engine().await;
    let registry = Registry::start().expect("registry");
    let targets = [image_ref(&format!(
        "{}/gantry-test/missing:1.0",
        registry.host_port()
    ))];
    let local = format!("gantry-test/not-built-{}:nope", unique_name());
    let mut seen = 0;
    let err = tag_and_push(&engine, &local, &targets, &Anonymous, &mut |_| seen += 1)
        .await
        .expect_err("no such image");
    assert!(matches!(err, DockerError::ImageNotFound { .. }), "{err:?}");
    assert!(err.is_input_error());
    assert_eq!(
        err.to_string(),
        format!("image `{local}` is not in the local Docker daemon")
    );
    assert_eq!(seen, 0);
    assert_eq!(
        catalog(&registry),
        serde_json::json!({ "repositories": [] })
    );

    // Names that cannot be an image are refused the same way, before any
    // request (they would otherwise end up in the URL).
    for bad in ["", "a b", "x?tag=1", "x#y"] {
        let err = tag_and_push(&engine, bad, &targets, &Anonymous, &mut |_| {})
            .await
            .expect_err(bad);
        assert!(
            matches!(err, DockerError::ImageNotFound { .. }),
            "{bad}: {err:?}"
        );
    }
}

#[tokio::test]
async fn bad_targets_are_input_errors_before_anything_is_tagged() {
    let engine = engine().await;
    let image = TestImage::build(&engine, 64).await;
    let digest = format!("sha256:{}", "a".repeat(64));
    let target = image_ref(&format!("127.0.0.1:1/gantry-test/x@{digest}"));
    let err = tag_and_push(
        &engine,
        &image.id,
        std::slice::from_ref(&target),
        &Anonymous,
        &mut |_| {},
    )
    .await
    .expect_err("digest target");
    assert!(matches!(err, DockerError::InvalidTarget { .. }), "{err:?}");
    assert!(err.is_input_error());
    assert!(err.to_string().contains(&target.to_string()), "{err}");

    let err = tag_and_push(&engine, &image.id, &[], &Anonymous, &mut |_| {})
        .await
        .expect_err("no targets");
    assert!(matches!(err, DockerError::NoTargets { .. }), "{err:?}");
    assert!(err.is_input_error());
    // Nothing was tagged: the image still has only its build tag.
    let inspect = engine
        .docker()
        .inspect_image(&image.id)
        .await
        .expect("inspect");
    assert_eq!(inspect.repo_tags, Some(vec![image.name.clone()]));
}

#[tokio::test]
async fn registry_errors_name_the_target_and_credentials_are_sent() {
    let engine = engine().await;
    let registry = Registry::start_with_auth("gantry", "s3cret-pw").expect("registry with auth");
    let image = TestImage::build(&engine, 256).await;
    let repo = format!("gantry-test/auth-{}", unique_name());
    let target = image_ref(&format!("{}/{repo}:1.0", registry.host_port()));

    // Anonymous: the registry says 401 and the daemon's errorDetail comes back.
    let err = tag_and_push(
        &engine,
        &image.id,
        std::slice::from_ref(&target),
        &Anonymous,
        &mut |_| {},
    )
    .await
    .expect_err("anonymous push to an auth registry");
    assert!(matches!(err, DockerError::Push { .. }), "{err:?}");
    assert!(!err.is_input_error());
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("push of `{target}` failed: ")),
        "{message}"
    );
    assert!(message.contains("auth"), "{message}");

    // Wrong password: an error too, and the secret never shows.
    let wrong = |_: &str| Some(("gantry".to_owned(), "wrong-pw-123".to_owned()));
    let err = tag_and_push(
        &engine,
        &image.id,
        std::slice::from_ref(&target),
        &wrong,
        &mut |_| {},
    )
    .await
    .expect_err("wrong password");
    assert!(matches!(err, DockerError::Push { .. }), "{err:?}");
    assert!(!err.to_string().contains("wrong-pw-123"), "{err}");

    // A registry that is not there: the daemon's error, naming the target.
    let port = gantry_test_support::ports::free_port().expect("free port");
    let nowhere = image_ref(&format!("127.0.0.1:{port}/{repo}:1.0"));
    let err = tag_and_push(
        &engine,
        &image.id,
        std::slice::from_ref(&nowhere),
        &Anonymous,
        &mut |_| {},
    )
    .await
    .expect_err("no registry there");
    assert!(matches!(err, DockerError::Push { .. }), "{err:?}");
    assert!(!err.is_input_error());
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("push of `{nowhere}` failed: ")),
        "{message}"
    );
    assert!(message.contains("connection refused"), "{message}");

    // The right credentials, looked up by the target's registry host.
    let host = registry.host_port();
    let lookup =
        |registry: &str| (registry == host).then(|| ("gantry".to_owned(), "s3cret-pw".to_owned()));
    let pushed = tag_and_push(
        &engine,
        &image.id,
        std::slice::from_ref(&target),
        &lookup,
        &mut |_| {},
    )
    .await
    .unwrap_or_else(|err| panic!("push with credentials: {err}"));
    let (status, header, _, _) = manifest(&registry, &repo, "1.0");
    assert_eq!(status, 200);
    assert_eq!(header.as_deref(), Some(pushed[0].digest.as_str()));
}

#[tokio::test]
async fn an_unreachable_daemon_is_an_outside_service_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("no-docker.sock");
    let host = format!("unix://{}", socket.display());
    let err = gantry_docker::connect(Some(&host))
        .await
        .expect_err("no daemon there");
    assert!(matches!(err, DockerError::Unreachable { .. }), "{err:?}");
    assert!(!err.is_input_error());
    assert!(
        err.to_string()
            .starts_with(&format!("cannot reach the Docker Engine at `{host}`")),
        "{err}"
    );

    let port = gantry_test_support::ports::free_port().expect("free port");
    let host = format!("tcp://127.0.0.1:{port}");
    let err = gantry_docker::connect(Some(&host))
        .await
        .expect_err("nothing listening");
    assert!(matches!(err, DockerError::Unreachable { .. }), "{err:?}");
    assert!(err.to_string().contains(&host), "{err}");

    let err = gantry_docker::connect(Some("ssh://me@host"))
        .await
        .expect_err("ssh");
    assert!(matches!(err, DockerError::InvalidHost { .. }), "{err:?}");
    assert!(err.is_input_error());
}

/// `DOCKER_HOST` is read by `connect(None)`: run the child test below in a
/// separate process with `DOCKER_HOST` pointing at a socket that does not
/// exist (the environment cannot be changed safely inside this process).
#[test]
fn docker_host_is_honoured() {
    let exe = std::env::current_exe().expect("test binary");
    let out = std::process::Command::new(exe)
        .args([
            "--exact",
            "child_connect_with_docker_host_env",
            "--ignored",
            "--nocapture",
        ])
        .env("DOCKER_HOST", "unix:///nonexistent/gantry-test/docker.sock")
        .env("GANTRY_DOCKER_TEST_CHILD", "1")
        .output()
        .expect("run the child test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("1 passed"),
        "child did not run:\n{stdout}\n{stderr}"
    );
}

#[tokio::test]
#[ignore = "run by docker_host_is_honoured in a child process"]
async fn child_connect_with_docker_host_env() {
    if std::env::var_os("GANTRY_DOCKER_TEST_CHILD").is_none() {
        return;
    }
    let err = gantry_docker::connect(None)
        .await
        .expect_err("DOCKER_HOST has no daemon");
    assert!(
        err.to_string()
            .contains("`unix:///nonexistent/gantry-test/docker.sock`"),
        "{err}"
    );
    assert!(!err.is_input_error());
}

/// The `tcp://` endpoint end to end (a TCP proxy to the daemon), and a
/// daemon that goes away after `connect` (a unix-socket proxy, stopped).
#[tokio::test]
async fn pushes_over_tcp_and_reports_a_daemon_that_went_away() {
    let real = engine().await;
    let registry = Registry::start().expect("registry");
    let image = TestImage::build(&real, 128).await;
    let repo = format!("gantry-test/tcp-{}", unique_name());
    let target = image_ref(&format!("{}/{repo}:1.0", registry.host_port()));

    let (host, proxy) = support::daemon_proxy(&real, support::Listen::Tcp).await;
    let engine = gantry_docker::connect(Some(&host))
        .await
        .unwrap_or_else(|err| panic!("connect over {host}: {err}"));
    assert_eq!(engine.host(), host);
    assert_eq!(engine.api_version(), real.api_version());
    let mut layers = 0;
    let pushed = tag_and_push(
        &engine,
        &image.name,
        std::slice::from_ref(&target),
        &Anonymous,
        &mut |p| {
            layers += usize::from(p.layer.is_some());
        },
    )
    .await
    .unwrap_or_else(|err| panic!("push over {host}: {err}"));
    assert!(layers > 0);
    let (status, header, _, _) = manifest(&registry, &repo, "1.0");
    assert_eq!(status, 200);
    assert_eq!(header.as_deref(), Some(pushed[0].digest.as_str()));
    proxy.abort();

    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("docker.sock");
    let (host, proxy) = support::daemon_proxy(&real, support::Listen::Unix(socket)).await;
    let engine = gantry_docker::connect(Some(&host))
        .await
        .unwrap_or_else(|err| panic!("connect over {host}: {err}"));
    proxy.abort();
    let _ = proxy.await;
    let err = tag_and_push(
        &engine,
        &image.id,
        std::slice::from_ref(&target),
        &Anonymous,
        &mut |_| {},
    )
    .await
    .expect_err("the daemon went away");
    assert!(matches!(err, DockerError::Unreachable { .. }), "{err:?}");
    assert!(!err.is_input_error());
    assert!(err.to_string().contains(&host), "{err}");
}
