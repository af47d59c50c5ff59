//! Fault paths: a proxy of ours in front of the real registry injects 429,
//! 5xx, registry errors and hangs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::{client, count, fast_retry, image, lines, tags};
use gantry_registry::{Client, ClientConfig, CredentialStore, Error, RetryPolicy, TagStatus};
use gantry_test_support::fault_server::{Fault, FaultProxy};
use gantry_test_support::oci_image::{ImageSpec, PushedImage, Uploader};
use gantry_test_support::registry::Registry;

fn setup() -> (Registry, FaultProxy, PushedImage) {
    let registry = Registry::start().unwrap();
    let proxy = FaultProxy::start(Some(&registry.url())).unwrap();
    let pushed = Uploader::for_registry(&registry)
        .push_image("acme/api", "build-1", &ImageSpec::new("amd64"))
        .unwrap();
    (registry, proxy, pushed)
}

#[tokio::test]
async fn waits_for_retry_after_on_429_then_succeeds() {
    let (_registry, proxy, pushed) = setup();
    proxy.inject(
        "HEAD",
        "/manifests/build-1",
        1,
        Fault::status(429).header("Retry-After", "1"),
    );
    let client = client(CredentialStore::anonymous());
    let started = Instant::now();
    let resolved = client
        .resolve(&image(&format!("{}/acme/api:build-1", proxy.host_port())))
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(resolved.digest.as_str(), pushed.digest);
    assert!(
        elapsed >= Duration::from_millis(950),
        "honoured Retry-After: {elapsed:?}"
    );
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    let seen = proxy.requests();
    assert_eq!(
        count(&seen, "HEAD", "/manifests/build-1"),
        2,
        "{:#?}",
        lines(&seen)
    );
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured_and_capped() {
    let (_registry, proxy, pushed) = setup();
    // A date far in the future: the policy's max_delay (300 ms here) caps it.
    proxy.inject(
        "HEAD",
        "/manifests/build-1",
        1,
        Fault::status(503).header("Retry-After", "Fri, 31 Dec 2100 23:59:59 GMT"),
    );
    let client = Client::new(ClientConfig {
        retry: RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(300),
        },
        ..ClientConfig::default()
    })
    .unwrap();
    let started = Instant::now();
    let resolved = client
        .resolve(&image(&format!("{}/acme/api:build-1", proxy.host_port())))
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(resolved.digest.as_str(), pushed.digest);
    assert!(
        elapsed >= Duration::from_millis(290) && elapsed < Duration::from_secs(2),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn retries_a_500_then_succeeds() {
    let (registry, proxy, pushed) = setup();
    proxy.inject(
        "GET",
        "/manifests/build-1",
        1,
        Fault::status(500).body("boom"),
    );
    proxy.inject("PUT", "/manifests/1.0", 1, Fault::status(502));
    let client = client(CredentialStore::anonymous());
    let outcomes = client
        .retag(
            &image(&format!("{}/acme/api:build-1", proxy.host_port())),
            &tags(&["1.0"]),
        )
        .await
        .unwrap();
    assert_eq!(outcomes[0].status, TagStatus::Created);
    let seen = proxy.requests();
    assert_eq!(
        count(&seen, "GET", "/manifests/build-1"),
        2,
        "{:#?}",
        lines(&seen)
    );
    assert_eq!(
        count(&seen, "PUT", "/manifests/1.0"),
        2,
        "{:#?}",
        lines(&seen)
    );
    let check = registry
        .request("HEAD", "/v2/acme/api/manifests/1.0")
        .header("Accept", gantry_registry::OCI_MANIFEST)
        .send()
        .unwrap();
    assert_eq!(
        check.header("docker-content-digest"),
        Some(pushed.digest.as_str())
    );
}

#[tokio::test]
async fn gives_up_on_a_persistent_503_as_an_outside_failure() {
    let (_registry, proxy, _) = setup();
    proxy.inject(
        "*",
        "/manifests/",
        100,
        Fault::registry_error(503, "UNAVAILABLE", "maintenance"),
    );
    let client = client(CredentialStore::anonymous());
    let err = client
        .resolve(&image(&format!("{}/acme/api:build-1", proxy.host_port())))
        .await
        .unwrap_err();
    assert!(!err.is_input_error(), "{err}");
    assert!(
        matches!(err, Error::Unavailable { attempts: 3, .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("503") && msg.contains("acme/api") && msg.contains("build-1"),
        "{msg}"
    );
    assert_eq!(proxy.requests().len(), 3);
}

/// A request that timed out is tried twice at most, whatever the policy
/// allows: a never-answering registry ends the run after two deadlines.
#[tokio::test]
async fn a_hanging_registry_times_out_after_two_attempts() {
    let proxy = FaultProxy::start(None).unwrap();
    proxy.inject("*", "/", 100, Fault::Hang);
    let client = Client::new(ClientConfig {
        retry: RetryPolicy {
            max_attempts: 5,
            ..fast_retry()
        },
        timeout: Duration::from_millis(300),
        ..ClientConfig::default()
    })
    .unwrap();
    let started = Instant::now();
    let err = client
        .resolve(&image(&format!("{}/acme/api:1.0", proxy.host_port())))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(
            err,
            Error::Unreachable {
                attempts: 2,
                timed_out: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.is_input_error());
    assert!(err.to_string().contains("timed out"), "{err}");
    assert!(
        elapsed >= Duration::from_millis(600) && elapsed < Duration::from_secs(2),
        "{elapsed:?}"
    );
    assert_eq!(proxy.requests().len(), 2);
}

/// A body that never ends stops at the read limit, at once and without a
/// retry; so does a manifest that is not one.
#[tokio::test]
async fn endless_and_wrong_shaped_manifests_are_refused() {
    use gantry_test_support::hostile::{Behaviour, HostileServer};
    let endless = HostileServer::start(Behaviour::EndlessBody {
        content_type: gantry_registry::OCI_MANIFEST.to_owned(),
    })
    .unwrap();
    let client = client(CredentialStore::anonymous());
    let started = Instant::now();
    let err = client
        .resolve(&image(&format!("{}/acme/api:1.0", endless.addr())))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");
    assert!(
        err.to_string().contains("exceeds 4 MiB (read limit)"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(endless.bytes_sent() < 256 * 1024 * 1024);

    let proxy = FaultProxy::start(None).unwrap();
    proxy.inject(
        "*",
        "/manifests/",
        10,
        Fault::status(200)
            .header("Content-Type", "application/json")
            .body(r#"{"hello":"world"}"#),
    );
    let err = client
        .resolve(&image(&format!("{}/acme/api:1.0", proxy.host_port())))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");
    assert!(!err.is_input_error());
    let msg = err.to_string();
    assert!(
        msg.contains("not an image manifest or index: unknown media type `application/json`")
            && msg.contains("acme/api:1.0"),
        "{msg}"
    );
}

#[tokio::test]
async fn an_unreachable_registry_is_an_outside_failure() {
    let port = gantry_test_support::ports::free_port().unwrap();
    let client = client(CredentialStore::anonymous());
    let err = client
        .resolve(&image(&format!("127.0.0.1:{port}/acme/api:1.0")))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Unreachable { attempts: 3, .. }),
        "{err:?}"
    );
    assert!(!err.is_input_error());
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}

#[tokio::test]
async fn an_immutable_tag_is_a_clear_input_error_without_retry() {
    let (_registry, proxy, _) = setup();
    proxy.inject(
        "PUT",
        "/manifests/1.0",
        10,
        Fault::registry_error(
            400,
            "TAG_INVALID",
            "The image tag '1.0' already exists and cannot be overwritten",
        ),
    );
    let client = client(CredentialStore::anonymous());
    let err = client
        .retag(
            &image(&format!("{}/acme/api:build-1", proxy.host_port())),
            &tags(&["1.0"]),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ImmutableTag { .. }), "{err:?}");
    assert!(err.is_input_error());
    let msg = err.to_string();
    assert!(
        msg.starts_with("tag `1.0` of `acme/api` is immutable in this registry"),
        "{msg}"
    );
    assert!(msg.contains("TAG_INVALID"), "{msg}");
    assert_eq!(count(&proxy.requests(), "PUT", ""), 1, "no retry");
}

#[tokio::test]
async fn manifest_invalid_and_forbidden_are_not_retried() {
    let (_registry, proxy, _) = setup();
    proxy.inject(
        "PUT",
        "/manifests/bad",
        10,
        Fault::registry_error(400, "MANIFEST_INVALID", "manifest invalid"),
    );
    proxy.inject(
        "PUT",
        "/manifests/locked",
        10,
        Fault::registry_error(403, "DENIED", "requested access to the resource is denied"),
    );
    let client = client(CredentialStore::anonymous());
    let source = image(&format!("{}/acme/api:build-1", proxy.host_port()));
    let err = client.retag(&source, &tags(&["bad"])).await.unwrap_err();
    assert!(matches!(err, Error::Rejected { .. }), "{err:?}");
    assert!(err.is_input_error());
    assert!(err.to_string().contains("MANIFEST_INVALID"), "{err}");
    let err = client.retag(&source, &tags(&["locked"])).await.unwrap_err();
    assert!(matches!(err, Error::Denied { .. }), "{err:?}");
    assert!(err.is_input_error());
    let seen = proxy.requests();
    assert_eq!(
        count(&seen, "PUT", "/manifests/bad"),
        1,
        "{:#?}",
        lines(&seen)
    );
    assert_eq!(
        count(&seen, "PUT", "/manifests/locked"),
        1,
        "{:#?}",
        lines(&seen)
    );
}

#[tokio::test]
async fn a_registry_that_converts_the_manifest_is_caught() {
    let (_registry, proxy, _) = setup();
    proxy.inject(
        "PUT",
        "/manifests/1.0",
        1,
        Fault::status(201).header(
            "Docker-Content-Digest",
            "sha256:0000000000000000000000000000000000000000000000000000000000000000",
        ),
    );
    let client = client(CredentialStore::anonymous());
    let err = client
        .retag(
            &image(&format!("{}/acme/api:build-1", proxy.host_port())),
            &tags(&["1.0"]),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");
    assert!(err.to_string().contains("converted"), "{err}");
}

#[tokio::test]
async fn resolve_falls_back_to_get_and_hashes_the_bytes() {
    let (_registry, proxy, pushed) = setup();
    // HEAD refused, then HEAD without a digest header: both fall back to GET.
    proxy.inject("HEAD", "/manifests/build-1", 1, Fault::status(405));
    proxy.inject(
        "HEAD",
        "/manifests/build-1",
        1,
        Fault::status(200).header("Content-Type", gantry_registry::OCI_MANIFEST),
    );
    let client = client(CredentialStore::anonymous());
    let source = image(&format!("{}/acme/api:build-1", proxy.host_port()));
    for _ in 0..2 {
        let resolved = client.resolve(&source).await.unwrap();
        assert_eq!(resolved.digest.as_str(), pushed.digest);
        assert_eq!(resolved.size, pushed.manifest.len() as u64);
    }
    let seen = proxy.requests();
    assert_eq!(
        count(&seen, "GET", "/manifests/build-1"),
        2,
        "{:#?}",
        lines(&seen)
    );
}

#[tokio::test]
async fn a_manifest_that_does_not_match_its_digest_is_rejected() {
    let (_registry, proxy, pushed) = setup();
    // Bytes that are not what the digest says.
    proxy.inject(
        "GET",
        "/manifests/",
        10,
        Fault::status(200)
            .header("Content-Type", gantry_registry::OCI_MANIFEST)
            .header("Docker-Content-Digest", &pushed.digest)
            .body(r#"{"schemaVersion":2}"#),
    );
    let client = client(CredentialStore::anonymous());
    let by_tag = image(&format!("{}/acme/api:build-1", proxy.host_port()));
    let err = client.retag(&by_tag, &tags(&["1.0"])).await.unwrap_err();
    assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");
    assert!(!err.is_input_error());
    assert!(err.to_string().contains("does not match"), "{err}");
    let by_digest = image(&format!("{}/acme/api@{}", proxy.host_port(), pushed.digest));
    let err = client.manifest(&by_digest).await.unwrap_err();
    assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");
    assert_eq!(count(&proxy.requests(), "PUT", ""), 0, "nothing written");
}
