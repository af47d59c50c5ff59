//! Credentials `gantry-tag` reads are masked as soon as they are read, in
//! every form they travel in: a registry that echoes the credentials it
//! was sent (the Docker config's password, the base64 `user:password` of
//! Basic auth, a bearer token from its token service) in its error
//! message prints `***`, and under Actions each is registered with
//! `::add-mask::` before anything else is printed.

use gantry_test_support::cli::gantry;
use gantry_test_support::fault_server::{Fault, FaultProxy};
use gantry_test_support::ports::base64;

const USER: &str = "robot";
const PASSWORD: &str = "cfg-pass-9f3e1b";
const TOKEN: &str = "bearer-token-5c2a77";

/// A Docker config directory with `auth` for `registry`.
fn docker_config(registry: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let auth = base64(format!("{USER}:{PASSWORD}").as_bytes());
    std::fs::write(
        dir.path().join("config.json"),
        format!(r#"{{"auths":{{"{registry}":{{"auth":"{auth}"}}}}}}"#),
    )
    .unwrap();
    dir
}

#[test]
fn a_registry_echoing_basic_credentials_prints_them_masked() {
    let proxy = FaultProxy::start(None).unwrap();
    let basic = base64(format!("{USER}:{PASSWORD}").as_bytes());
    proxy.inject(
        "HEAD",
        "/manifests/1.0",
        1,
        Fault::status(401).header("WWW-Authenticate", "Basic realm=\"registry\""),
    );
    // HEAD and then GET (a HEAD answer has no body to read).
    proxy.inject(
        "*",
        "/manifests/1.0",
        2,
        Fault::registry_error(
            400,
            "UNSUPPORTED",
            &format!("cannot use Authorization: Basic {basic} (password {PASSWORD})"),
        ),
    );
    let config = docker_config(&proxy.host_port());
    let gh = tempfile::tempdir().unwrap();
    let run = gantry("gantry-tag")
        .unwrap()
        .args(["resolve", &format!("{}/acme/api:1.0", proxy.host_port())])
        .env("DOCKER_CONFIG", config.path())
        .github_actions(gh.path())
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(run.code, Some(2), "{run}");
    assert!(
        run.stderr
            .contains("cannot use Authorization: Basic *** (password ***)"),
        "{run}"
    );
    let shown: Vec<&str> = run
        .stderr
        .lines()
        .filter(|line| !line.starts_with("::add-mask::"))
        .collect();
    for secret in [PASSWORD, &basic] {
        assert!(!shown.join("\n").contains(secret), "{secret}: {run}");
        assert!(
            run.stderr.contains(&format!("::add-mask::{secret}")),
            "{secret} not registered: {run}"
        );
    }
    // Registered before the first line that is not a mask.
    let first_other = run
        .stderr
        .lines()
        .position(|line| !line.starts_with("::add-mask::"))
        .unwrap();
    let lines: Vec<&str> = run.stderr.lines().collect();
    let last_mask = lines
        .iter()
        .rposition(|line| line.starts_with("::add-mask::"))
        .unwrap();
    assert!(last_mask < first_other, "{run}");
}

#[test]
fn a_registry_echoing_its_bearer_token_prints_it_masked() {
    let proxy = FaultProxy::start(None).unwrap();
    let realm = format!("{}/token", proxy.url());
    proxy.inject(
        "HEAD",
        "/manifests/1.0",
        1,
        Fault::status(401).header(
            "WWW-Authenticate",
            &format!("Bearer realm=\"{realm}\",service=\"fake\""),
        ),
    );
    proxy.inject(
        "GET",
        "/token",
        1,
        Fault::status(200)
            .header("Content-Type", "application/json")
            .body(format!(r#"{{"token":"{TOKEN}","expires_in":300}}"#)),
    );
    proxy.inject(
        "*",
        "/manifests/1.0",
        2,
        Fault::registry_error(403, "DENIED", &format!("token {TOKEN} has no pull scope")),
    );
    let config = docker_config(&proxy.host_port());
    let run = gantry("gantry-tag")
        .unwrap()
        .args(["resolve", &format!("{}/acme/api:1.0", proxy.host_port())])
        .env("DOCKER_CONFIG", config.path())
        .run()
        .unwrap();
    assert_eq!(run.code, Some(2), "{run}");
    assert!(run.stderr.contains("token *** has no pull scope"), "{run}");
    assert!(!run.stderr.contains(TOKEN), "{run}");
    // The token service got the config's credentials, as Basic auth.
    let token_request = proxy
        .requests()
        .into_iter()
        .find(|r| r.path.starts_with("/token"))
        .unwrap();
    assert_eq!(
        token_request.authorization.as_deref(),
        Some(format!("Basic {}", base64(format!("{USER}:{PASSWORD}").as_bytes())).as_str())
    );
}
