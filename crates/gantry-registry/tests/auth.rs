//! Authentication against real registries: htpasswd basic auth, and bearer
//! tokens from a token server of ours that the real registry validates
//! (RS256 JWTs against its `rootcertbundle`). Credentials from a Docker
//! config file and from a credential helper.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use common::{client, count, image, lines, tags};
use gantry_registry::{CredentialStore, Credentials, Error, TagStatus};
use gantry_test_support::fault_server::{Fault, FaultProxy};
use gantry_test_support::oci_image::{ImageSpec, Uploader};
use gantry_test_support::registry::Registry;
use gantry_test_support::token_server::{SERVICE, TokenRegistry};

const USER: &str = "alice";
const PASSWORD: &str = "pw-Sup3rSecret";

fn write_config(dir: &Path, json: &serde_json::Value) -> std::path::PathBuf {
    let path = dir.join("config.json");
    std::fs::write(&path, serde_json::to_vec_pretty(json).unwrap()).unwrap();
    path
}

#[tokio::test]
async fn basic_auth_from_the_docker_config_file() {
    let registry = Registry::start_with_auth(USER, PASSWORD).unwrap();
    let pushed = Uploader::for_registry(&registry)
        .push_image("acme/api", "build-1", &ImageSpec::new("amd64"))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &registry.docker_config_json());
    let store = CredentialStore::from_docker_config(Some(&config)).unwrap();
    let client = client(store);
    let source = image(&format!("{}/acme/api:build-1", registry.host_port()));
    let outcomes = client
        .retag(&source, &tags(&["1.0", "latest"]))
        .await
        .unwrap();
    assert!(outcomes.iter().all(|o| o.status == TagStatus::Created));
    assert_eq!(
        client.resolve(&source).await.unwrap().digest.as_str(),
        pushed.digest
    );
    let again = client
        .retag(&source, &tags(&["1.0", "latest"]))
        .await
        .unwrap();
    assert!(again.iter().all(|o| o.status == TagStatus::AlreadyTagged));
}

#[tokio::test]
async fn basic_auth_sends_credentials_only_after_the_challenge() {
    let registry = Registry::start_with_auth(USER, PASSWORD).unwrap();
    Uploader::for_registry(&registry)
        .push_image("acme/api", "build-1", &ImageSpec::new("amd64"))
        .unwrap();
    let proxy = FaultProxy::start(Some(&registry.url())).unwrap();
    let client = client(
        CredentialStore::anonymous()
            .with_credentials(&proxy.host_port(), Credentials::new(USER, PASSWORD)),
    );
    let source = image(&format!("{}/acme/api:build-1", proxy.host_port()));
    client.retag(&source, &tags(&["1.0"])).await.unwrap();
    let seen = proxy.requests();
    // One anonymous request gets the challenge; every later one carries auth.
    assert!(
        !seen[0].authorized && seen[0].status == 401,
        "{:#?}",
        lines(&seen)
    );
    assert!(
        seen[1..].iter().all(|s| s.authorized && s.status != 401),
        "{:#?}",
        lines(&seen)
    );
    assert_eq!(seen.len(), 4, "401, GET, HEAD, PUT: {:#?}", lines(&seen));
}

#[tokio::test]
async fn wrong_or_missing_basic_credentials_are_input_errors_without_secrets() {
    let registry = Registry::start_with_auth(USER, PASSWORD).unwrap();
    let source = image(&format!("{}/acme/api:build-1", registry.host_port()));
    let wrong = client(CredentialStore::anonymous().with_credentials(
        &registry.host_port(),
        Credentials::new(USER, "wrong-pass-XYZ"),
    ));
    let err = wrong.resolve(&source).await.unwrap_err();
    assert!(matches!(err, Error::Denied { .. }), "{err:?}");
    assert!(err.is_input_error());
    let msg = err.to_string();
    assert!(
        msg.contains("401") && msg.contains(&registry.host_port()) && msg.contains("acme/api"),
        "{msg}"
    );
    assert!(!msg.contains("wrong-pass-XYZ") && !format!("{err:?}").contains("wrong-pass-XYZ"));
    let anonymous = client(CredentialStore::anonymous());
    let err = anonymous.resolve(&source).await.unwrap_err();
    assert!(matches!(err, Error::Denied { .. }), "{err:?}");
}

#[tokio::test]
async fn credential_helper_from_cred_helpers_and_creds_store() {
    let registry = Registry::start_with_auth(USER, PASSWORD).unwrap();
    Uploader::for_registry(&registry)
        .push_image("acme/api", "build-1", &ImageSpec::new("amd64"))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let helper = bin.join("docker-credential-test");
    let log = dir.path().join("helper.log");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\nserver=$(cat)\necho \"$1 $server\" >> '{log}'\nif [ \"$server\" = '{host}' ]; then\n  printf '{{\"ServerURL\":\"%s\",\"Username\":\"{USER}\",\"Secret\":\"{PASSWORD}\"}}' \"$server\"\nelse\n  echo 'credentials not found in native keychain'\n  exit 1\nfi\n",
            log = log.display(),
            host = registry.host_port(),
        ),
    )
    .unwrap();
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let search = format!("{}:/usr/bin:/bin", bin.display());
    let source = image(&format!("{}/acme/api:build-1", registry.host_port()));

    // credHelpers.<host>
    let config = write_config(
        dir.path(),
        &serde_json::json!({"credHelpers": {registry.host_port(): "test"}}),
    );
    let store = CredentialStore::from_docker_config(Some(&config))
        .unwrap()
        .with_helper_path(&search);
    let c = client(store);
    c.retag(&source, &tags(&["1.0"])).await.unwrap();
    c.retag(&source, &tags(&["1.1"])).await.unwrap();
    let calls = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        calls.lines().collect::<Vec<_>>(),
        [format!("get {}", registry.host_port())],
        "asked once per client"
    );
    // The helper's answer is handed over for masking, once.
    assert_eq!(
        c.revealed().take(),
        [gantry_registry::Secret::Basic {
            username: USER.to_owned(),
            password: PASSWORD.to_owned()
        }]
    );
    assert!(c.revealed().take().is_empty());

    // credsStore, and a registry the helper does not know (anonymous).
    let config = write_config(
        dir.path(),
        &serde_json::json!({"credsStore": "test", "auths": {}}),
    );
    let store = CredentialStore::from_docker_config(Some(&config))
        .unwrap()
        .with_helper_path(&search);
    assert_eq!(
        store.get(&registry.host_port()).await.unwrap(),
        Some(Credentials::new(USER, PASSWORD))
    );
    assert_eq!(store.get("other.example").await.unwrap(), None);
    let c = client(store);
    let outcomes = c.retag(&source, &tags(&["1.0", "2.0"])).await.unwrap();
    assert_eq!(outcomes[0].status, TagStatus::AlreadyTagged);
    assert_eq!(outcomes[1].status, TagStatus::Created);

    // A helper that is not installed is a credentials (input) error.
    let config = write_config(dir.path(), &serde_json::json!({"credsStore": "missing"}));
    let store = CredentialStore::from_docker_config(Some(&config))
        .unwrap()
        .with_helper_path(&search);
    let err = client(store).resolve(&source).await.unwrap_err();
    assert!(matches!(err, Error::Credentials(_)), "{err:?}");
    assert!(err.is_input_error());
    assert!(
        err.to_string().contains("docker-credential-missing"),
        "{err}"
    );
}

#[tokio::test]
async fn docker_hub_keys_and_malformed_configs() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &serde_json::json!({"auths": {"https://index.docker.io/v1/": {"auth": "dTpwYXNz"}}}),
    );
    let store = CredentialStore::from_docker_config(Some(&config)).unwrap();
    assert_eq!(
        store.get("docker.io").await.unwrap(),
        Some(Credentials::new("u", "pass"))
    );
    assert_eq!(
        store.get("index.docker.io").await.unwrap(),
        Some(Credentials::new("u", "pass"))
    );
    // A missing file is no credentials; a malformed one names the file.
    let missing = CredentialStore::from_docker_config(Some(&dir.path().join("nope.json"))).unwrap();
    assert_eq!(missing.get("docker.io").await.unwrap(), None);
    std::fs::write(dir.path().join("bad.json"), "{ not json").unwrap();
    let err = CredentialStore::from_docker_config(Some(&dir.path().join("bad.json"))).unwrap_err();
    assert!(err.is_input_error());
    assert!(err.to_string().contains("bad.json"), "{err}");
}

#[tokio::test]
async fn bearer_tokens_from_our_token_server_on_the_real_registry() {
    let registry = TokenRegistry::start(Some((USER, PASSWORD))).unwrap();
    let fixture_token = registry
        .tokens()
        .issue(&["repository:acme/api:pull,push"])
        .unwrap();
    let index = Uploader::new(&registry.url(), Some(format!("Bearer {fixture_token}")))
        .push_index(
            "acme/api",
            "build-1",
            &[ImageSpec::new("amd64"), ImageSpec::new("arm64")],
        )
        .unwrap();
    let proxy = FaultProxy::start(Some(&registry.url())).unwrap();
    let c = client(
        CredentialStore::anonymous()
            .with_credentials(&proxy.host_port(), Credentials::new(USER, PASSWORD)),
    );
    let source = image(&format!("{}/acme/api:build-1", proxy.host_port()));
    let outcomes = c.retag(&source, &tags(&["1.0", "latest"])).await.unwrap();
    assert!(
        outcomes.iter().all(|o| o.status == TagStatus::Created),
        "{outcomes:?}"
    );
    assert!(outcomes.iter().all(|o| o.digest.as_str() == index.digest));
    let requests = registry.tokens().requests();
    assert_eq!(
        requests.len(),
        1,
        "one token, cached for the whole retag: {requests:?}"
    );
    assert_eq!(requests[0].service.as_deref(), Some(SERVICE));
    assert_eq!(requests[0].scopes, ["repository:acme/api:pull,push"]);
    assert_eq!(requests[0].user.as_deref(), Some(USER));
    let seen = proxy.requests();
    assert_eq!(
        seen.iter().filter(|s| s.status == 401).count(),
        1,
        "{:#?}",
        lines(&seen)
    );

    // Another repository: a token with both scopes, blobs mounted.
    let web = image(&format!("{}/acme/web:1.0", proxy.host_port()));
    let copied = c.retag(&source, &[web.into()]).await.unwrap();
    assert_eq!(copied[0].mounted_blobs, 6);
    let requests = registry.tokens().requests();
    assert_eq!(
        requests.last().unwrap().scopes,
        ["repository:acme/web:pull,push", "repository:acme/api:pull"]
    );

    // A 401 after using a token: exactly one re-authentication, then success.
    let realm = registry.tokens().realm();
    let challenge = format!(
        "Bearer realm=\"{realm}\",service=\"{SERVICE}\",scope=\"repository:acme/api:pull,push\""
    );
    proxy.clear_requests();
    proxy.inject(
        "PUT",
        "/manifests/2.0",
        1,
        Fault::registry_error(401, "UNAUTHORIZED", "token expired")
            .header("WWW-Authenticate", &challenge),
    );
    let before = registry.tokens().requests().len();
    let outcomes = c.retag(&source, &tags(&["2.0"])).await.unwrap();
    assert_eq!(outcomes[0].status, TagStatus::Created);
    assert_eq!(
        registry.tokens().requests().len(),
        before + 1,
        "re-authenticated once"
    );
    assert_eq!(count(&proxy.requests(), "PUT", "/manifests/2.0"), 2);

    // Still 401 after the re-authentication: denied, no loop.
    proxy.clear_requests();
    proxy.inject(
        "PUT",
        "/manifests/3.0",
        10,
        Fault::registry_error(401, "UNAUTHORIZED", "nope").header("WWW-Authenticate", &challenge),
    );
    let before = registry.tokens().requests().len();
    let err = c.retag(&source, &tags(&["3.0"])).await.unwrap_err();
    assert!(matches!(err, Error::Denied { .. }), "{err:?}");
    assert!(err.is_input_error());
    assert_eq!(registry.tokens().requests().len(), before + 1);
    assert_eq!(
        count(&proxy.requests(), "PUT", "/manifests/3.0"),
        2,
        "{:#?}",
        lines(&proxy.requests())
    );
}

#[tokio::test]
async fn bearer_token_refused_for_wrong_credentials() {
    let registry = TokenRegistry::start(Some((USER, PASSWORD))).unwrap();
    let c = client(CredentialStore::anonymous().with_credentials(
        &registry.host_port(),
        Credentials::new(USER, "bad-secret-QQ"),
    ));
    let err = c
        .resolve(&image(&format!("{}/acme/api:1.0", registry.host_port())))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Token { denied: true, .. }), "{err:?}");
    assert!(err.is_input_error());
    let msg = err.to_string();
    assert!(
        msg.contains(&registry.host_port()) && msg.contains("401"),
        "{msg}"
    );
    assert!(!msg.contains("bad-secret-QQ") && !format!("{err:?}").contains("bad-secret-QQ"));
}

#[tokio::test]
async fn anonymous_bearer_tokens() {
    let registry = TokenRegistry::start(None).unwrap();
    let token = registry
        .tokens()
        .issue(&["repository:library/app:pull,push"])
        .unwrap();
    let pushed = Uploader::new(&registry.url(), Some(format!("Bearer {token}")))
        .push_image("library/app", "1.0", &ImageSpec::new("amd64"))
        .unwrap();
    let c = client(CredentialStore::anonymous());
    let resolved = c
        .resolve(&image(&format!("{}/library/app:1.0", registry.host_port())))
        .await
        .unwrap();
    assert_eq!(resolved.digest.as_str(), pushed.digest);
    let requests = registry.tokens().requests();
    assert_eq!(
        requests.last().unwrap().scopes,
        ["repository:library/app:pull"]
    );
    assert_eq!(requests.last().unwrap().user, None);
}

#[tokio::test]
async fn identity_tokens_use_the_oauth2_refresh_grant() {
    // A fake registry and token service in one: the real distribution does
    // not speak OAuth2, so this pins the wire format instead.
    let fake = FaultProxy::start(None).unwrap();
    let realm = format!("{}/oauth2/token", fake.url());
    let layer = r#"{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:0123456789012345678901234567890123456789012345678901234567890123","size":1}"#;
    let manifest = format!(r#"{{"schemaVersion":2,"config":{layer},"layers":[{layer}]}}"#);
    let digest = format!("sha256:{}", sha256_hex(manifest.as_bytes()));
    let digest = digest.as_str();
    fake.inject(
        "HEAD",
        "/manifests/1.0",
        1,
        Fault::status(401).header(
            "WWW-Authenticate",
            &format!("Bearer realm=\"{realm}\",service=\"fake\""),
        ),
    );
    fake.inject(
        "POST",
        "/oauth2/token",
        1,
        Fault::status(200)
            .header("Content-Type", "application/json")
            .body(r#"{"access_token":"access-123","expires_in":300}"#),
    );
    fake.inject(
        "HEAD",
        "/manifests/1.0",
        1,
        Fault::status(200)
            .header("Docker-Content-Digest", digest)
            .header("Content-Type", gantry_registry::OCI_MANIFEST)
            .header("Content-Length", "0"),
    );
    // The manifest itself, by digest, to check it is one.
    fake.inject(
        "GET",
        &format!("/manifests/{digest}"),
        1,
        Fault::status(200)
            .header("Docker-Content-Digest", digest)
            .header("Content-Type", gantry_registry::OCI_MANIFEST)
            .body(manifest.clone()),
    );
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &serde_json::json!({"auths": {fake.host_port(): {"identitytoken": "refresh-456"}}}),
    );
    let c = client(CredentialStore::from_docker_config(Some(&config)).unwrap());
    let resolved = c
        .resolve(&image(&format!("{}/acme/api:1.0", fake.host_port())))
        .await
        .unwrap();
    assert_eq!(resolved.digest.as_str(), digest);
    let seen = fake.requests();
    assert_eq!(seen.len(), 4, "{:#?}", lines(&seen));
    let form = String::from_utf8(seen[1].body.clone()).unwrap();
    assert!(form.contains("grant_type=refresh_token"), "{form}");
    assert!(form.contains("refresh_token=refresh-456"), "{form}");
    assert!(form.contains("service=fake"), "{form}");
    assert!(
        form.contains("scope=repository%3Aacme%2Fapi%3Apull"),
        "{form}"
    );
    assert_eq!(seen[2].authorization.as_deref(), Some("Bearer access-123"));
    assert_eq!(seen[3].authorization.as_deref(), Some("Bearer access-123"));
    // The identity token and the access token are handed over for masking.
    let revealed = c.revealed().take();
    for secret in ["refresh-456", "access-123"] {
        assert!(
            revealed.contains(&gantry_registry::Secret::Value(secret.to_owned())),
            "{secret} not revealed: {revealed:?}"
        );
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
