//! Retag, resolve and copy against the real registry (Debian's CNCF
//! distribution 2.8), with a counting proxy of ours in front of it to prove
//! what went over the wire.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{client, count, image, lines, tags};
use gantry_registry::{CredentialStore, OCI_INDEX, OCI_MANIFEST, TagStatus, Target};
use gantry_test_support::fault_server::{Fault, FaultProxy};
use gantry_test_support::oci_image::{ImageSpec, Uploader, sha256_digest};
use gantry_test_support::registry::Registry;

/// GET a manifest straight from the registry: (Docker-Content-Digest, sha256 of the bytes, content type, bytes).
fn fresh_get(
    registry: &Registry,
    repo: &str,
    reference: &str,
) -> (String, String, String, Vec<u8>) {
    let resp = registry
        .request("GET", &format!("/v2/{repo}/manifests/{reference}"))
        .header("Accept", gantry_registry::MANIFEST_ACCEPT)
        .send()
        .unwrap();
    assert_eq!(resp.status, 200, "{resp:?}");
    (
        resp.header("docker-content-digest")
            .unwrap_or_default()
            .to_owned(),
        sha256_digest(&resp.body),
        resp.header("content-type").unwrap_or_default().to_owned(),
        resp.body,
    )
}

#[tokio::test]
async fn retags_a_single_image_with_manifest_puts_only() {
    let registry = Registry::start().unwrap();
    let proxy = FaultProxy::start(Some(&registry.url())).unwrap();
    let pushed = Uploader::for_registry(&registry)
        .push_image("acme/api", "build-1", &ImageSpec::new("amd64"))
        .unwrap();
    let client = client(CredentialStore::anonymous());
    let source = image(&format!("{}/acme/api:build-1", proxy.host_port()));

    let resolved = client.resolve(&source).await.unwrap();
    assert_eq!(resolved.digest.as_str(), pushed.digest);
    assert_eq!(resolved.media_type, OCI_MANIFEST);
    assert_eq!(resolved.size, pushed.manifest.len() as u64);
    proxy.clear_requests();

    let outcomes = client
        .retag(&source, &tags(&["1.0.0", "1.0", "latest"]))
        .await
        .unwrap();
    assert_eq!(outcomes.len(), 3);
    for outcome in &outcomes {
        assert_eq!(outcome.status, TagStatus::Created, "{outcome:?}");
        assert_eq!(outcome.digest.as_str(), pushed.digest);
        assert_eq!(outcome.mounted_blobs + outcome.copied_blobs, 0);
    }
    assert_eq!(
        outcomes[1].target.to_string(),
        format!("{}/acme/api:1.0", proxy.host_port())
    );
    let seen = proxy.requests();
    let shown = lines(&seen);
    assert_eq!(count(&seen, "GET", "/manifests/build-1"), 1, "{shown:#?}");
    assert_eq!(count(&seen, "HEAD", "/manifests/"), 3, "{shown:#?}");
    assert_eq!(count(&seen, "PUT", "/manifests/"), 3, "{shown:#?}");
    assert_eq!(seen.len(), 7, "{shown:#?}");
    assert!(
        seen.iter().all(|s| !s.path.contains("/blobs/")),
        "{shown:#?}"
    );
    let uploaded: usize = seen.iter().map(|s| s.request_bytes).sum();
    assert_eq!(
        uploaded,
        3 * pushed.manifest.len(),
        "only manifest bytes go up"
    );

    for tag in ["1.0.0", "1.0", "latest"] {
        let (header, hashed, content_type, bytes) = fresh_get(&registry, "acme/api", tag);
        assert_eq!(header, pushed.digest);
        assert_eq!(hashed, pushed.digest);
        assert_eq!(content_type, OCI_MANIFEST);
        assert_eq!(bytes, pushed.manifest);
    }

    // A re-run writes nothing.
    proxy.clear_requests();
    let again = client
        .retag(&source, &tags(&["1.0.0", "1.0", "latest"]))
        .await
        .unwrap();
    assert!(
        again.iter().all(|o| o.status == TagStatus::AlreadyTagged),
        "{again:?}"
    );
    let seen = proxy.requests();
    assert_eq!(count(&seen, "PUT", ""), 0, "{:#?}", lines(&seen));
    assert_eq!(seen.len(), 4, "1 GET + 3 HEAD: {:#?}", lines(&seen));
}

#[tokio::test]
async fn retags_a_multi_arch_index_keeping_its_digest() {
    let registry = Registry::start().unwrap();
    let proxy = FaultProxy::start(Some(&registry.url())).unwrap();
    let index = Uploader::for_registry(&registry)
        .push_index(
            "acme/api",
            "sha-abc1234",
            &[
                ImageSpec::new("amd64"),
                ImageSpec::new("arm64").layers(&[512]),
            ],
        )
        .unwrap();
    let client = client(CredentialStore::anonymous());
    let source = image(&format!("{}/acme/api:sha-abc1234", proxy.host_port()));

    let resolved = client.resolve(&source).await.unwrap();
    assert_eq!(resolved.digest.as_str(), index.digest);
    assert_eq!(resolved.media_type, OCI_INDEX);

    proxy.clear_requests();
    let logged_before = common::wait_for_access_log(&registry, 1).len();
    let outcomes = client
        .retag(&source, &tags(&["v2.3.4", "2.3", "2", "latest", "stable"]))
        .await
        .unwrap();
    assert!(outcomes.iter().all(|o| o.status == TagStatus::Created));
    let seen = proxy.requests();
    let shown = lines(&seen);
    assert!(
        seen.iter().all(|s| !s.path.contains("/blobs/")),
        "no blob request: {shown:#?}"
    );
    assert_eq!(count(&seen, "PUT", "/manifests/"), 5, "{shown:#?}");
    assert_eq!(count(&seen, "POST", ""), 0, "{shown:#?}");
    assert_eq!(count(&seen, "PATCH", ""), 0, "{shown:#?}");
    let uploaded: usize = seen.iter().map(|s| s.request_bytes).sum();
    assert_eq!(uploaded, 5 * index.bytes.len());
    let downloaded: usize = seen.iter().map(|s| s.response_bytes).sum();
    eprintln!(
        "multi-arch retag, 5 tags: {} requests ({:?}), {uploaded} bytes up, {downloaded} bytes down; image blobs {} bytes",
        seen.len(),
        lines(&seen),
        index.images.iter().map(|i| i.blob_bytes).sum::<usize>()
    );
    // The registry's own access log agrees: gantry sent manifest requests only.
    let logged = common::wait_for_access_log(&registry, logged_before + seen.len());
    let logged = &logged[logged_before..];
    assert_eq!(logged.len(), seen.len(), "{logged:#?}");
    assert!(
        logged
            .iter()
            .all(|(method, uri)| uri.contains("/manifests/")
                && method != "POST"
                && method != "PATCH"),
        "{logged:#?}"
    );
    assert_eq!(logged.iter().filter(|(m, _)| m == "PUT").count(), 5);

    for tag in ["v2.3.4", "latest", "stable"] {
        let (header, hashed, content_type, bytes) = fresh_get(&registry, "acme/api", tag);
        assert_eq!(header, index.digest, "Docker-Content-Digest of {tag}");
        assert_eq!(hashed, index.digest, "sha256 of the bytes of {tag}");
        assert_eq!(content_type, OCI_INDEX, "still an index");
        assert_eq!(bytes, index.bytes);
    }
    // By digest too, and the resolve of a new tag.
    let by_tag = client
        .resolve(&image(&format!("{}/acme/api:stable", proxy.host_port())))
        .await
        .unwrap();
    assert_eq!(by_tag.digest.as_str(), index.digest);
    let by_digest = client
        .manifest(&image(&format!(
            "{}/acme/api@{}",
            proxy.host_port(),
            index.digest
        )))
        .await
        .unwrap();
    assert_eq!(by_digest.bytes, index.bytes);

    proxy.clear_requests();
    let again = client
        .retag(&source, &tags(&["v2.3.4", "2.3", "2", "latest", "stable"]))
        .await
        .unwrap();
    assert!(again.iter().all(|o| o.status == TagStatus::AlreadyTagged));
    let seen = proxy.requests();
    assert_eq!(count(&seen, "PUT", ""), 0, "{:#?}", lines(&seen));
    assert_eq!(seen.iter().map(|s| s.request_bytes).sum::<usize>(), 0);
}

#[tokio::test]
async fn retags_by_digest_and_moves_an_existing_tag() {
    let registry = Registry::start().unwrap();
    let up = Uploader::for_registry(&registry);
    let old = up
        .push_image("acme/api", "latest", &ImageSpec::new("amd64"))
        .unwrap();
    let new = up
        .push_image("acme/api", "build-2", &ImageSpec::new("amd64"))
        .unwrap();
    let client = client(CredentialStore::anonymous());
    let source = image(&format!("{}/acme/api@{}", registry.host_port(), new.digest));
    let outcomes = client.retag(&source, &tags(&["latest"])).await.unwrap();
    assert_eq!(outcomes[0].status, TagStatus::Created);
    let (header, ..) = fresh_get(&registry, "acme/api", "latest");
    assert_eq!(header, new.digest);
    assert_ne!(header, old.digest);
}

#[tokio::test]
async fn copies_an_index_to_another_repository_by_blob_mount() {
    let registry = Registry::start().unwrap();
    let proxy = FaultProxy::start(Some(&registry.url())).unwrap();
    let index = Uploader::for_registry(&registry)
        .push_index(
            "acme/api",
            "1.0",
            &[ImageSpec::new("amd64"), ImageSpec::new("arm64")],
        )
        .unwrap();
    let client = client(CredentialStore::anonymous());
    let source = image(&format!("{}/acme/api:1.0", proxy.host_port()));
    let target = image(&format!("{}/acme/web:1.0", proxy.host_port()));

    let outcomes = client
        .retag(&source, &[Target::Image(target.clone())])
        .await
        .unwrap();
    let outcome = &outcomes[0];
    assert_eq!(outcome.status, TagStatus::Created);
    assert_eq!(outcome.mounted_blobs, 6, "2 images x (config + 2 layers)");
    assert_eq!(outcome.copied_blobs, 0);
    assert_eq!(outcome.copied_manifests, 2);
    let seen = proxy.requests();
    let shown = lines(&seen);
    let mounts: Vec<_> = seen
        .iter()
        .filter(|s| {
            s.method == "POST" && s.path.contains("mount=") && s.path.contains("from=acme%2Fapi")
        })
        .collect();
    assert_eq!(mounts.len(), 6, "{shown:#?}");
    assert!(mounts.iter().all(|s| s.status == 201), "{shown:#?}");
    assert_eq!(count(&seen, "PATCH", ""), 0, "{shown:#?}");
    assert_eq!(count(&seen, "PUT", "/blobs/"), 0, "{shown:#?}");
    assert_eq!(count(&seen, "GET", "/blobs/"), 0, "{shown:#?}");
    assert_eq!(
        count(&seen, "PUT", "/acme/web/manifests/sha256:"),
        2,
        "{shown:#?}"
    );
    assert_eq!(
        count(&seen, "PUT", "/acme/web/manifests/1.0"),
        1,
        "{shown:#?}"
    );
    let blob_bytes: usize = index.images.iter().map(|i| i.blob_bytes).sum();
    let uploaded: usize = seen.iter().map(|s| s.request_bytes).sum();
    let manifests: usize =
        index.bytes.len() + index.images.iter().map(|i| i.manifest.len()).sum::<usize>();
    assert_eq!(
        uploaded, manifests,
        "only manifests uploaded, not the {blob_bytes} blob bytes"
    );
    eprintln!(
        "cross-repo copy of a 2-image index: {} requests, {uploaded} bytes up, {} bytes down, {blob_bytes} blob bytes mounted",
        seen.len(),
        seen.iter().map(|s| s.response_bytes).sum::<usize>()
    );

    let (header, hashed, content_type, _) = fresh_get(&registry, "acme/web", "1.0");
    assert_eq!(
        (header.as_str(), hashed.as_str()),
        (index.digest.as_str(), index.digest.as_str())
    );
    assert_eq!(content_type, OCI_INDEX);
    for img in &index.images {
        for blob in img.layers.iter().chain([&img.config]) {
            let head = registry
                .request("HEAD", &format!("/v2/acme/web/blobs/{blob}"))
                .send()
                .unwrap();
            assert_eq!(head.status, 200, "blob {blob} in acme/web");
        }
    }

    proxy.clear_requests();
    let again = client
        .retag(&source, &[Target::Image(target)])
        .await
        .unwrap();
    assert_eq!(again[0].status, TagStatus::AlreadyTagged);
    assert_eq!(count(&proxy.requests(), "POST", ""), 0);
}

#[tokio::test]
async fn lists_tags_across_pages() {
    let registry = Registry::start().unwrap();
    let up = Uploader::for_registry(&registry);
    let pushed = up
        .push_image("acme/api", "v1.0.0", &ImageSpec::new("amd64"))
        .unwrap();
    let client = client(CredentialStore::anonymous());
    let source = image(&format!(
        "{}/acme/api@{}",
        registry.host_port(),
        pushed.digest
    ));
    client
        .retag(&source, &tags(&["v1.2.9", "v1.3.0", "latest", "v0.9.0"]))
        .await
        .unwrap();
    let repo = image(&format!("{}/acme/api", registry.host_port()));
    let mut all = client.list_tags(&repo).await.unwrap();
    all.sort();
    assert_eq!(all, ["latest", "v0.9.0", "v1.0.0", "v1.2.9", "v1.3.0"]);

    // distribution 2.8 ignores `n` for tag lists: pagination against a fake
    // that answers like distribution 3 / Harbor, with `Link` headers.
    let fake = FaultProxy::start(None).unwrap();
    let page = |tags: &[&str]| serde_json::json!({"name": "acme/api", "tags": tags}).to_string();
    fake.inject(
        "GET",
        "last=b",
        1,
        Fault::status(200)
            .header("Content-Type", "application/json")
            .header("Link", "</v2/acme/api/tags/list?last=d&n=2>; rel=\"next\"")
            .body(page(&["c", "d"])),
    );
    fake.inject(
        "GET",
        "last=d",
        1,
        Fault::status(200)
            .header("Content-Type", "application/json")
            .body(page(&["e"])),
    );
    fake.inject(
        "GET",
        "/tags/list",
        1,
        Fault::status(200)
            .header("Content-Type", "application/json")
            .header("Link", "</v2/acme/api/tags/list?last=b&n=2>; rel=\"next\"")
            .body(page(&["a", "b"])),
    );
    let paged = client
        .list_tags_paged(&image(&format!("{}/acme/api", fake.host_port())), 2)
        .await
        .unwrap();
    assert_eq!(paged, ["a", "b", "c", "d", "e"]);
    assert_eq!(fake.requests().len(), 3, "{:#?}", lines(&fake.requests()));
}

#[tokio::test]
async fn missing_image_is_an_input_error_without_retry() {
    let registry = Registry::start().unwrap();
    let proxy = FaultProxy::start(Some(&registry.url())).unwrap();
    let client = client(CredentialStore::anonymous());
    let missing = image(&format!("{}/acme/nope:1.0", proxy.host_port()));
    let err = client.resolve(&missing).await.unwrap_err();
    assert!(err.is_input_error(), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains(&proxy.host_port()) && msg.contains("acme/nope") && msg.contains("1.0"),
        "{msg}"
    );
    assert!(msg.contains("404"), "{msg}");
    assert_eq!(proxy.requests().len(), 1, "no retry on 404");

    proxy.clear_requests();
    let err = client.retag(&missing, &tags(&["2.0"])).await.unwrap_err();
    assert!(err.is_input_error(), "{err}");
    assert!(err.to_string().contains("MANIFEST_UNKNOWN"), "{err}");
    assert_eq!(proxy.requests().len(), 1, "{:#?}", lines(&proxy.requests()));
}

#[tokio::test]
async fn copies_a_blob_when_the_registry_refuses_to_mount_it() {
    let registry = Registry::start().unwrap();
    let pushed = Uploader::for_registry(&registry)
        .push_image("acme/api", "1.0", &ImageSpec::new("amd64").layers(&[4096]))
        .unwrap();
    let proxy = FaultProxy::start(Some(&registry.url())).unwrap();
    // A real upload session in the target repository, offered instead of a
    // mount for the layer (as registries do when the source is not readable).
    let session = registry
        .request("POST", "/v2/acme/web/blobs/uploads/")
        .send()
        .unwrap();
    assert_eq!(session.status, 202);
    let location = session
        .header("location")
        .unwrap()
        .replace(&registry.url(), &proxy.url());
    proxy.inject(
        "POST",
        &format!("mount={}", pushed.layers[0].replace(':', "%3A")),
        1,
        Fault::status(202).header("Location", &location),
    );
    let client = client(CredentialStore::anonymous());
    let source = image(&format!("{}/acme/api:1.0", proxy.host_port()));
    let target = image(&format!("{}/acme/web:1.0", proxy.host_port()));
    let outcomes = client
        .retag(&source, &[Target::Image(target)])
        .await
        .unwrap();
    assert_eq!(outcomes[0].status, TagStatus::Created);
    assert_eq!(
        (outcomes[0].mounted_blobs, outcomes[0].copied_blobs),
        (1, 1)
    );
    let seen = proxy.requests();
    let shown = lines(&seen);
    assert_eq!(
        count(
            &seen,
            "GET",
            &format!("/v2/acme/api/blobs/{}", pushed.layers[0])
        ),
        1,
        "{shown:#?}"
    );
    let put = seen
        .iter()
        .find(|s| s.method == "PUT" && s.path.contains("/blobs/uploads/"))
        .unwrap();
    assert_eq!(put.request_bytes, 4096, "{shown:#?}");
    let (header, ..) = fresh_get(&registry, "acme/web", "1.0");
    assert_eq!(header, pushed.digest);
    let head = registry
        .request("HEAD", &format!("/v2/acme/web/blobs/{}", pushed.layers[0]))
        .send()
        .unwrap();
    assert_eq!(head.status, 200);
}
