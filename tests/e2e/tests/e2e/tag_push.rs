//! `gantry-tag push` and `resolve` through the binary, against the real
//! registry (behind a counting proxy of ours, to see every request and byte)
//! and the real Docker daemon.

use std::process::Command;

use gantry_test_support::cli::{RunResult, gantry};
use gantry_test_support::fault_server::{Fault, FaultProxy};
use gantry_test_support::oci_image::{ImageSpec, Uploader, sha256_digest};
use gantry_test_support::registry::Registry;
use serde_json::Value;

fn push(args: &[&str]) -> RunResult {
    gantry("gantry-tag")
        .unwrap()
        .arg("push")
        .args(args)
        .run()
        .unwrap()
}

#[test]
fn retag_of_a_multi_arch_index_keeps_its_digest_and_uploads_no_blob() {
    let registry = Registry::start().unwrap();
    let index = Uploader::for_registry(&registry)
        .push_index(
            "acme/api",
            "build-1",
            &[ImageSpec::new("amd64"), ImageSpec::new("arm64")],
        )
        .unwrap();
    let proxy = FaultProxy::start(Some(&registry.url())).unwrap();
    let source = format!("{}/acme/api@{}", proxy.host_port(), index.digest);
    let targets = "1.2.3\n1.2\n1\nlatest\nsha-860c190";

    let first = push(&[
        "--source",
        &source,
        "--targets",
        targets,
        "--format",
        "json",
    ]);
    assert_eq!(first.code, Some(0), "{first}");
    let json: Value = serde_json::from_str(&first.stdout).unwrap();
    assert_eq!(json["digest"], index.digest.as_str());
    let statuses: Vec<&str> = json["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["tagged"; 5], "{first}");

    let seen = proxy.requests();
    assert!(
        seen.iter().all(|r| r.path.contains("/manifests/")),
        "a request other than a manifest: {seen:#?}"
    );
    let puts: Vec<_> = seen.iter().filter(|r| r.method == "PUT").collect();
    assert_eq!(puts.len(), 5, "{seen:#?}");
    assert!(puts.iter().all(|r| r.request_bytes == index.bytes.len()));

    // Every tag reads back as the same index, byte for byte.
    for tag in targets.lines() {
        let response = registry
            .request("GET", &format!("/v2/acme/api/manifests/{tag}"))
            .header("Accept", "application/vnd.oci.image.index.v1+json")
            .send()
            .unwrap();
        assert_eq!(response.status, 200, "{tag}");
        assert_eq!(sha256_digest(&response.body), index.digest, "{tag}");
    }

    // A re-run writes nothing and says so.
    proxy.clear_requests();
    let second = push(&["--source", &source, "--targets", targets]);
    assert_eq!(second.code, Some(0), "{second}");
    assert!(second.stderr.contains("already tagged"), "{second}");
    assert_eq!(
        second
            .stdout
            .lines()
            .filter(|l| l.starts_with("already tagged"))
            .count(),
        5
    );
    assert!(proxy.requests().iter().all(|r| r.method != "PUT"));
}

#[test]
fn push_with_computed_tags_sets_outputs() {
    let registry = Registry::start().unwrap();
    let image = Uploader::for_registry(&registry)
        .push_image("acme/api", "ci-42", &ImageSpec::new("amd64"))
        .unwrap();
    let repo = format!("{}/acme/api", registry.host_port());
    let dir = tempfile::tempdir().unwrap();
    let run = gantry("gantry-tag")
        .unwrap()
        .args([
            "push",
            "--context=flags",
            "--event=push",
            "--git-ref=refs/tags/v2.0.1",
            "--sha=860c1904a1ce19322e91ac35af1ab07466440c37",
            "--tags=type=semver,pattern={{version}}\ntype=semver,pattern={{major}}",
        ])
        .arg(format!("--source={repo}:ci-42"))
        .arg(format!("--images={repo}"))
        .github_actions(dir.path())
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(run.code, Some(0), "{run}");
    let outputs = run.outputs().unwrap();
    assert_eq!(outputs["digest"], image.digest);
    assert_eq!(outputs["version"], "2.0.1");
    assert_eq!(
        outputs["pushed-tags"],
        format!("{repo}:2.0.1\n{repo}:2\n{repo}:latest")
    );

    let resolved = gantry("gantry-tag")
        .unwrap()
        .args(["resolve", "--format=json"])
        .arg(format!("{repo}:2"))
        .run()
        .unwrap();
    assert_eq!(resolved.code, Some(0), "{resolved}");
    let json: Value = serde_json::from_str(&resolved.stdout).unwrap();
    assert_eq!(json["digest"], image.digest);
    assert_eq!(json["pinned"], format!("{repo}:2@{}", image.digest));
}

#[test]
fn credentials_come_from_the_docker_config_or_flags_and_stay_secret() {
    let registry = Registry::start_with_auth("alice", "s3cret-pw").unwrap();
    Uploader::for_registry(&registry)
        .push_image("acme/api", "build", &ImageSpec::new("amd64"))
        .unwrap();
    let source = format!("{}/acme/api:build", registry.host_port());

    let config = tempfile::tempdir().unwrap();
    std::fs::write(
        config.path().join("config.json"),
        registry.docker_config_json().to_string(),
    )
    .unwrap();
    let from_config = gantry("gantry-tag")
        .unwrap()
        .args(["push", "--source", &source, "--targets", "from-config"])
        .env("DOCKER_CONFIG", config.path())
        .run()
        .unwrap();
    assert_eq!(from_config.code, Some(0), "{from_config}");

    let dir = tempfile::tempdir().unwrap();
    let from_flags = gantry("gantry-tag")
        .unwrap()
        .args(["push", "--source", &source, "--targets", "from-flags"])
        .env("GANTRY_REGISTRY_USERNAME", "alice")
        .env("GANTRY_REGISTRY_PASSWORD", "s3cret-pw")
        .github_actions(dir.path())
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(from_flags.code, Some(0), "{from_flags}");
    assert!(
        from_flags.stderr.contains("::add-mask::s3cret-pw"),
        "{from_flags}"
    );

    let wrong = gantry("gantry-tag")
        .unwrap()
        .args(["push", "--source", &source, "--targets", "x"])
        .env("GANTRY_REGISTRY_USERNAME", "alice")
        .env("GANTRY_REGISTRY_PASSWORD", "wrong-pw")
        .run()
        .unwrap();
    assert_eq!(wrong.code, Some(2), "{wrong}");
    assert!(!wrong.stderr.contains("wrong-pw"), "{wrong}");
    assert!(wrong.stderr.contains("acme/api"), "{wrong}");
}

#[test]
fn bad_input_and_outside_failures_map_to_exit_codes() {
    let registry = Registry::start().unwrap();
    let repo = format!("{}/acme/api", registry.host_port());

    // Bad input: nothing is sent anywhere.
    let bad_source = push(&["--source", "ghcr.io/Acme/api:1", "--targets", "x"]);
    assert_eq!(bad_source.code, Some(2), "{bad_source}");
    assert!(
        bad_source.stderr.contains("`ghcr.io/Acme/api:1`"),
        "{bad_source}"
    );
    let bad_target = push(&["--source", &format!("{repo}:1"), "--targets=-bad"]);
    assert_eq!(bad_target.code, Some(2), "{bad_target}");
    assert!(bad_target.stderr.contains("`-bad`"), "{bad_target}");
    let neither = push(&["--targets", "x"]);
    assert_eq!(neither.code, Some(2), "{neither}");

    // The source does not exist: the user's input, no retry.
    let missing = push(&["--source", &format!("{repo}:nope"), "--targets", "x"]);
    assert_eq!(missing.code, Some(2), "{missing}");
    assert!(missing.stderr.contains("nope"), "{missing}");

    // The registry keeps failing: an outside service, after retries.
    let proxy = FaultProxy::start(Some(&registry.url())).unwrap();
    proxy.inject("*", "/manifests/", 100, Fault::status(503));
    let down = push(&[
        "--source",
        &format!("{}/acme/api:1", proxy.host_port()),
        "--targets",
        "x",
        "--registry-attempts=2",
    ]);
    assert_eq!(down.code, Some(3), "{down}");
    assert!(down.stderr.contains("503"), "{down}");

    // Nothing listens: an outside service.
    drop(registry);
    let gone = push(&[
        "--source",
        &format!("{repo}:1"),
        "--targets",
        "x",
        "--registry-attempts=1",
    ]);
    assert_eq!(gone.code, Some(3), "{gone}");
}

#[test]
fn dry_run_pushes_nothing() {
    let proxy = FaultProxy::start(None).unwrap();
    let run = push(&[
        "--source",
        &format!("{}/acme/api:1", proxy.host_port()),
        "--targets",
        "2\n3",
        "--dry-run",
    ]);
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(
        run.stdout,
        format!(
            "would tag {0}/acme/api:2\nwould tag {0}/acme/api:3\n",
            proxy.host_port()
        )
    );
    assert!(proxy.requests().is_empty());
}

/// `--local`: an image built in the real Docker daemon, tagged and pushed
/// through the Engine API to the real registry.
#[test]
fn local_image_is_pushed_through_the_docker_daemon() {
    let registry = Registry::start().unwrap();
    let context = tempfile::tempdir().unwrap();
    let marker = format!("{:?}", std::time::SystemTime::now());
    std::fs::write(context.path().join("hello"), &marker).unwrap();
    std::fs::write(
        context.path().join("Dockerfile"),
        "FROM scratch\nCOPY hello /hello\nLABEL gantry-test=1\n",
    )
    .unwrap();
    let local = format!("gantry-e2e-local:{}", std::process::id());
    let built = Command::new("docker")
        .args(["build", "-q", "-t", &local])
        .arg(context.path())
        .env("DOCKER_BUILDKIT", "0")
        .output()
        .expect("docker CLI");
    assert!(built.status.success(), "docker build: {built:?}");

    let repo = format!("{}/acme/local", registry.host_port());
    let run = push(&[
        "--local",
        &local,
        "--targets",
        &format!("{repo}:1.0\n{repo}:latest"),
        "--format=json",
    ]);
    let _ = Command::new("docker")
        .args([
            "image",
            "rm",
            "-f",
            &local,
            &format!("{repo}:1.0"),
            &format!("{repo}:latest"),
        ])
        .output();
    assert_eq!(run.code, Some(0), "{run}");
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let digest = json["tags"][0]["digest"].as_str().unwrap().to_owned();
    assert_eq!(json["tags"][1]["digest"], digest.as_str());
    let response = registry
        .request("GET", "/v2/acme/local/manifests/latest")
        .header(
            "Accept",
            "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json",
        )
        .send()
        .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(sha256_digest(&response.body), digest);

    let missing = push(&[
        "--local",
        "gantry-e2e-no-such-image:0",
        "--targets",
        &format!("{repo}:x"),
    ]);
    assert_eq!(missing.code, Some(2), "{missing}");
    assert!(
        missing.stderr.contains("gantry-e2e-no-such-image:0"),
        "{missing}"
    );
}
