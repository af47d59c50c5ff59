//! Where the access token comes from, in order, against the fake's token
//! endpoint and metadata server; and that secrets stay out of messages.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use common::*;
use gantry_cloudrun::{
    ACCESS_TOKEN_ENV, CREDENTIALS_ENV, Credentials, Error, METADATA_HOST_ENV, METADATA_TOKEN_PATH,
};
use gantry_test_support::cloud_run::FakeCloudRun;

const CLIENT_ID: &str = "764086051850-6qr4p6gpi6hn506pt8ejuq83di341hur.apps.googleusercontent.com";
const CLIENT_SECRET: &str = "d-FL95Q19q7MQmFpd7hHD0Ty";
const REFRESH: &str = "1//0gRefreshTokenForTests";

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

fn bearers(fake: &FakeCloudRun) -> Vec<String> {
    fake.requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/v2/"))
        .filter_map(|r| r.authorization)
        .collect()
}

fn adc_file(dir: &tempfile::TempDir, json: &serde_json::Value) -> String {
    let path = dir.path().join("adc.json");
    std::fs::write(&path, json.to_string()).unwrap();
    path.display().to_string()
}

#[tokio::test]
async fn an_explicit_token_comes_before_the_environment() {
    let fake = fake_with(&[("web-00001-aaa", true)]);
    let credentials = Credentials::discover(
        Some(TOKEN),
        &env(&[
            (ACCESS_TOKEN_ENV, "ya29.from-env"),
            (CREDENTIALS_ENV, "/nonexistent/adc.json"),
            (METADATA_HOST_ENV, &fake.host_port()),
        ]),
    )
    .unwrap();
    assert_eq!(credentials.describe(), "the given token");
    client_with(&fake, credentials).service().await.unwrap();
    assert_eq!(bearers(&fake), [format!("Bearer {TOKEN}")]);
}

#[tokio::test]
async fn the_environment_token_comes_before_adc_and_metadata() {
    let fake = fake_with(&[("web-00001-aaa", true)]);
    fake.set_metadata_token("ya29.from-metadata");
    // The ADC file named does not exist: it is not even read.
    let credentials = Credentials::discover(
        None,
        &env(&[
            (ACCESS_TOKEN_ENV, TOKEN),
            (CREDENTIALS_ENV, "/nonexistent/adc.json"),
            (METADATA_HOST_ENV, &fake.host_port()),
        ]),
    )
    .unwrap();
    assert_eq!(credentials.describe(), ACCESS_TOKEN_ENV);
    client_with(&fake, credentials).service().await.unwrap();
    assert_eq!(bearers(&fake), [format!("Bearer {TOKEN}")]);
    assert!(
        fake.requests_matching("GET", METADATA_TOKEN_PATH)
            .is_empty()
    );
}

#[tokio::test]
async fn an_authorized_user_file_is_refreshed_once_at_its_token_uri() {
    let fake = fake_with(&[("web-00001-aaa", true), ("web-00002-bbb", true)]);
    fake.add_refresh_grant(CLIENT_ID, CLIENT_SECRET, REFRESH, "ya29.from-refresh");
    fake.set_metadata_token("ya29.from-metadata");
    let dir = tempfile::tempdir().unwrap();
    let path = adc_file(
        &dir,
        &serde_json::json!({
            "type": "authorized_user",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "refresh_token": REFRESH,
            "token_uri": fake.token_url(),
            "quota_project_id": "acme-prod",
            "universe_domain": "googleapis.com"
        }),
    );
    let credentials = Credentials::discover(
        None,
        &env(&[
            (CREDENTIALS_ENV, &path),
            (METADATA_HOST_ENV, &fake.host_port()),
        ]),
    )
    .unwrap();
    assert_eq!(
        credentials.describe(),
        format!("authorized_user credentials in {path}")
    );
    let shown = format!("{credentials:?}");
    assert!(
        !shown.contains(REFRESH) && !shown.contains(CLIENT_SECRET),
        "{shown}"
    );

    let cloud_run = client_with(&fake, credentials);
    let outcome = cloud_run.rollback_to_previous().await.unwrap();
    assert_eq!(outcome.revision, "web-00001-aaa");

    let grants = fake.requests_matching("POST", "/token");
    assert_eq!(grants.len(), 1, "the token is cached: {grants:?}");
    let form: BTreeMap<String, String> = url::form_urlencoded::parse(grants[0].body.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(form["grant_type"], "refresh_token");
    assert_eq!(form["client_id"], CLIENT_ID);
    assert_eq!(form["client_secret"], CLIENT_SECRET);
    assert_eq!(form["refresh_token"], REFRESH);
    let used = bearers(&fake);
    assert!(used.len() >= 4, "{used:?}");
    assert!(
        used.iter().all(|b| b == "Bearer ya29.from-refresh"),
        "{used:?}"
    );
    assert!(
        fake.requests_matching("GET", METADATA_TOKEN_PATH)
            .is_empty()
    );
}

#[tokio::test]
async fn a_refused_refresh_token_is_an_input_error_without_the_secrets() {
    let fake = fake_with(&[("web-00001-aaa", true)]);
    fake.add_refresh_grant(CLIENT_ID, CLIENT_SECRET, "1//0gAnotherOne", "ya29.x");
    let dir = tempfile::tempdir().unwrap();
    let path = adc_file(
        &dir,
        &serde_json::json!({
            "type": "authorized_user",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "refresh_token": REFRESH,
            "token_uri": fake.token_url(),
        }),
    );
    let credentials = Credentials::discover(None, &env(&[(CREDENTIALS_ENV, &path)])).unwrap();
    let err = client_with(&fake, credentials).service().await.unwrap_err();
    assert!(err.is_input_error(), "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "cannot use the Google credentials in {path}: {} refused its refresh token: HTTP 400 invalid_grant: Bad Request",
            fake.token_url()
        )
    );
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(
            !shown.contains(REFRESH) && !shown.contains(CLIENT_SECRET),
            "{shown}"
        );
    }
    assert_eq!(
        fake.requests_matching("POST", "/token").len(),
        1,
        "a 400 is not retried"
    );
    assert!(bearers(&fake).is_empty(), "no API call without a token");
}

#[tokio::test]
async fn the_metadata_server_comes_last() {
    let fake = fake_with(&[("web-00001-aaa", true)]);
    fake.set_metadata_token("ya29.from-metadata");
    let credentials =
        Credentials::discover(None, &env(&[(METADATA_HOST_ENV, &fake.host_port())])).unwrap();
    assert_eq!(
        credentials.describe(),
        format!("the metadata server at http://{}", fake.host_port())
    );
    let cloud_run = client_with(&fake, credentials);
    cloud_run.service().await.unwrap();
    cloud_run.revisions().await.unwrap();
    let asked = fake.requests_matching("GET", METADATA_TOKEN_PATH);
    assert_eq!(asked.len(), 1, "cached");
    assert_eq!(asked[0].metadata_flavor.as_deref(), Some("Google"));
    assert!(asked[0].authorization.is_none());
    assert_eq!(
        bearers(&fake),
        ["Bearer ya29.from-metadata", "Bearer ya29.from-metadata"]
    );
}

#[tokio::test]
async fn no_metadata_server_says_how_to_give_credentials() {
    let fake = fake_with(&[("web-00001-aaa", true)]);
    let closed = gantry_test_support::ports::free_port().unwrap();
    let credentials = Credentials::discover(
        None,
        &env(&[(METADATA_HOST_ENV, &format!("127.0.0.1:{closed}"))]),
    )
    .unwrap();
    let err = client_with(&fake, credentials).service().await.unwrap_err();
    assert!(err.is_input_error(), "{err}");
    assert!(matches!(err, Error::NoCredentials(_)), "{err:?}");
    let message = err.to_string();
    assert!(
        message.starts_with(&format!(
            "no Google credentials: no token was given, {ACCESS_TOKEN_ENV} and {CREDENTIALS_ENV} are not set, and the metadata server at http://127.0.0.1:{closed} did not answer (cannot connect"
        )),
        "{message}"
    );
    assert!(message.contains("google-github-actions/auth"), "{message}");
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn external_account_and_service_account_files_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let table = [
        (
            serde_json::json!({
                "type": "external_account",
                "audience": "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/github/providers/github",
                "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
                "token_url": "https://sts.googleapis.com/v1/token",
                "credential_source": {"url": "https://pipelines.actions.githubusercontent.com/x", "headers": {"Authorization": "Bearer ghs_secret"}}
            }),
            "external_account credentials (workload identity federation) are not supported yet; use google-github-actions/auth with token_format: access_token and pass its access_token output as the token",
        ),
        (
            serde_json::json!({
                "type": "service_account",
                "client_email": "deployer@acme-prod.iam.gserviceaccount.com",
                "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\n"
            }),
            "service account keys are not supported (they need RS256 signing)",
        ),
    ];
    for (json, want) in table {
        let path = adc_file(&dir, &json);
        let err = Credentials::discover(None, &env(&[(CREDENTIALS_ENV, &path)])).unwrap_err();
        assert!(err.is_input_error());
        let message = err.to_string();
        assert!(message.contains(want), "{message}");
        assert!(
            !message.contains("ghs_secret") && !message.contains("PRIVATE KEY"),
            "{message}"
        );
    }
    let err = Credentials::discover(None, &env(&[(CREDENTIALS_ENV, "/nonexistent/adc.json")]))
        .unwrap_err();
    assert!(err.is_input_error());
    assert!(
        err.to_string().starts_with(
            "cannot use the Google credentials in /nonexistent/adc.json: cannot read it"
        ),
        "{err}"
    );
}
