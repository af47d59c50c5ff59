//! Google credentials, found in the order Google's own tools look:
//!
//! 1. a token given explicitly (a flag, or google-github-actions/auth's
//!    `access_token` output passed through the environment);
//! 2. `GOOGLE_OAUTH_ACCESS_TOKEN`;
//! 3. Application Default Credentials: the file named by
//!    `GOOGLE_APPLICATION_CREDENTIALS`, else gcloud's
//!    `application_default_credentials.json`. Only `authorized_user`
//!    files (`gcloud auth application-default login`) are used, through
//!    the refresh-token grant; `external_account` (workload identity
//!    federation) and `service_account` keys are refused with a way out,
//!    since they need token exchange or RS256 signing;
//! 4. the metadata server (`GCE_METADATA_HOST`, else
//!    `metadata.google.internal`), as on Cloud Build, GCE or GKE.
//!
//! Tokens, refresh tokens and client secrets never appear in an error, a
//! `Debug` print or a log line.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use reqwest::header::HeaderValue;
use serde::Deserialize;

use crate::error::Error;
use crate::retry::{Decision, RetryPolicy, decide, unit_random};

/// An access token in the environment (gcloud's and Terraform's name).
pub const ACCESS_TOKEN_ENV: &str = "GOOGLE_OAUTH_ACCESS_TOKEN";
/// The ADC file.
pub const CREDENTIALS_ENV: &str = "GOOGLE_APPLICATION_CREDENTIALS";
/// Where the metadata server is (`host[:port]`), as Google's libraries read it.
pub const METADATA_HOST_ENV: &str = "GCE_METADATA_HOST";
/// The metadata server.
pub const DEFAULT_METADATA_HOST: &str = "metadata.google.internal";
/// Google's OAuth token endpoint, for ADC files that do not name one.
pub const DEFAULT_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";
/// The metadata server's path for the default service account's token.
pub const METADATA_TOKEN_PATH: &str = "/computeMetadata/v1/instance/service-accounts/default/token";

const WAY_OUT: &str = "use google-github-actions/auth with token_format: access_token and pass its access_token output as the token";
/// A token is refreshed this long before it expires.
const EARLY: Duration = Duration::from_secs(60);
const METADATA_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest ADC file read.
const MAX_ADC_FILE: u64 = 64 * 1024;
/// The most a token answer may hold: a token and its expiry are a few
/// hundred bytes.
const MAX_TOKEN_ANSWER: usize = 64 * 1024;

/// A secret string; `Debug` shows `***`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Secret {
    /// `Bearer …`, marked sensitive (hidden from reqwest's own `Debug`).
    pub(crate) fn bearer(&self) -> Result<HeaderValue, Error> {
        let mut value = HeaderValue::from_str(&format!("Bearer {}", self.0)).map_err(|_| {
            Error::NoCredentials(
                "the access token holds characters an HTTP header cannot".to_owned(),
            )
        })?;
        value.set_sensitive(true);
        Ok(value)
    }
}

enum Source {
    Token {
        token: Secret,
        origin: String,
    },
    AuthorizedUser {
        path: String,
        client_id: String,
        client_secret: Secret,
        refresh_token: Secret,
        token_uri: String,
    },
    Metadata {
        base: String,
        /// What else was looked at, for the error when it is not there.
        looked: String,
    },
}

struct Cached {
    token: Secret,
    until: Option<Instant>,
}

/// Where access tokens come from; caches the current one.
pub struct Credentials {
    source: Source,
    cache: Mutex<Option<Cached>>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("source", &self.describe())
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct AdcFile {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
    #[serde(default)]
    refresh_token: String,
    #[serde(default)]
    token_uri: Option<String>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(Deserialize, Default)]
struct OAuthError {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl Credentials {
    fn with(source: Source) -> Credentials {
        Credentials {
            source,
            cache: Mutex::new(None),
        }
    }

    /// An access token given explicitly (`ya29.…`).
    pub fn token(token: &str) -> Result<Credentials, Error> {
        Credentials::token_from(token, "the given token")
    }

    fn token_from(token: &str, origin: &str) -> Result<Credentials, Error> {
        let token = token.trim();
        if token.is_empty() {
            return Err(Error::NoCredentials(format!("{origin} is empty")));
        }
        Ok(Credentials::with(Source::Token {
            token: Secret(token.to_owned()),
            origin: origin.to_owned(),
        }))
    }

    /// The metadata server at `host[:port]` (or `http://host[:port]`).
    pub fn metadata(host: &str) -> Credentials {
        Credentials::with(Source::Metadata {
            base: metadata_base(host),
            looked: String::new(),
        })
    }

    /// The credentials of an ADC file's JSON `text` (`path` for messages).
    pub fn from_adc_json(path: &str, text: &str) -> Result<Credentials, Error> {
        let refuse = |reason: String| Error::Credentials {
            path: path.to_owned(),
            reason,
        };
        let file: AdcFile = serde_json::from_str(text)
            .map_err(|e| refuse(format!("not an ADC JSON file ({e})")))?;
        match file.kind.as_str() {
            "authorized_user" => {
                for (field, value) in [
                    ("client_id", &file.client_id),
                    ("client_secret", &file.client_secret),
                    ("refresh_token", &file.refresh_token),
                ] {
                    if value.trim().is_empty() {
                        return Err(refuse(format!("an authorized_user file needs {field}")));
                    }
                }
                Ok(Credentials::with(Source::AuthorizedUser {
                    path: path.to_owned(),
                    client_id: file.client_id,
                    client_secret: Secret(file.client_secret),
                    refresh_token: Secret(file.refresh_token),
                    token_uri: non_empty(file.token_uri)
                        .unwrap_or_else(|| DEFAULT_TOKEN_URI.to_owned()),
                }))
            }
            "external_account" => Err(refuse(format!(
                "external_account credentials (workload identity federation) are not supported yet; {WAY_OUT}"
            ))),
            "service_account" => Err(refuse(format!(
                "service account keys are not supported (they need RS256 signing); {WAY_OUT}, or use an authorized_user file"
            ))),
            "" => Err(refuse("it has no \"type\"".to_owned())),
            other => Err(refuse(format!(
                "credentials of type {other:?} are not supported; {WAY_OUT}"
            ))),
        }
    }

    /// Find credentials, in the order of the module documentation, with
    /// `env` for the environment (so tests need not touch the process's).
    /// Reads the ADC file; does not ask the metadata server yet.
    pub fn discover(
        explicit: Option<&str>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Credentials, Error> {
        if let Some(token) = explicit.map(str::trim).filter(|t| !t.is_empty()) {
            return Credentials::token(token);
        }
        if let Some(token) = non_empty(env(ACCESS_TOKEN_ENV)) {
            return Credentials::token_from(&token, ACCESS_TOKEN_ENV);
        }
        if let Some(path) = non_empty(env(CREDENTIALS_ENV)) {
            // A FIFO or a device would block the read forever, a huge file
            // exhaust memory: an ADC file is a few hundred bytes.
            match std::fs::metadata(&path) {
                Ok(meta) if !meta.is_file() || meta.len() > MAX_ADC_FILE => {
                    return Err(Error::Credentials {
                        path: path.clone(),
                        reason: format!(
                            "it is not a regular file of at most 64 KiB; {CREDENTIALS_ENV} names it"
                        ),
                    });
                }
                _ => {}
            }
            let text = std::fs::read_to_string(&path).map_err(|e| Error::Credentials {
                path: path.clone(),
                reason: format!("cannot read it ({e}); {CREDENTIALS_ENV} names it"),
            })?;
            return Credentials::from_adc_json(&path, &text);
        }
        let well_known = gcloud_adc_file(env);
        if let Some(path) = well_known
            .as_deref()
            .filter(|p| p.is_file() && p.metadata().is_ok_and(|m| m.len() <= MAX_ADC_FILE))
        {
            let shown = path.display().to_string();
            let text = std::fs::read_to_string(path).map_err(|e| Error::Credentials {
                path: shown.clone(),
                reason: format!("cannot read it ({e})"),
            })?;
            return Credentials::from_adc_json(&shown, &text);
        }
        let host = non_empty(env(METADATA_HOST_ENV));
        let mut looked =
            format!("no token was given, {ACCESS_TOKEN_ENV} and {CREDENTIALS_ENV} are not set");
        if let Some(path) = &well_known {
            looked.push_str(&format!(", there is no {}", path.display()));
        }
        Ok(Credentials::with(Source::Metadata {
            base: metadata_base(host.as_deref().unwrap_or(DEFAULT_METADATA_HOST)),
            looked,
        }))
    }

    /// [`Credentials::discover`] with the process's environment.
    pub fn from_environment(explicit: Option<&str>) -> Result<Credentials, Error> {
        Credentials::discover(explicit, &|name| std::env::var(name).ok())
    }

    /// Every secret these credentials hold or fetched so far (a token, a
    /// refresh token, a client secret, the access token in the cache), for
    /// masking: ask again after requests, a fetched token is new.
    pub fn secrets(&self) -> Vec<String> {
        let mut secrets = match &self.source {
            Source::Token { token, .. } => vec![token.0.clone()],
            Source::AuthorizedUser {
                client_secret,
                refresh_token,
                ..
            } => vec![client_secret.0.clone(), refresh_token.0.clone()],
            Source::Metadata { .. } => Vec::new(),
        };
        if let Some(cached) = self
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
        {
            secrets.push(cached.token.0.clone());
        }
        secrets
    }

    /// Where tokens come from, for logs: `the given token`,
    /// `GOOGLE_OAUTH_ACCESS_TOKEN`, `authorized_user credentials in PATH`,
    /// `the metadata server at URL`.
    pub fn describe(&self) -> String {
        match &self.source {
            Source::Token { origin, .. } => origin.clone(),
            Source::AuthorizedUser { path, .. } => {
                format!("authorized_user credentials in {path}")
            }
            Source::Metadata { base, .. } => format!("the metadata server at {base}"),
        }
    }

    /// The current access token, fetched or refreshed when needed; the
    /// metadata server is asked through `local` (no proxy).
    pub(crate) async fn access_token(
        &self,
        http: &reqwest::Client,
        local: &reqwest::Client,
        policy: &RetryPolicy,
        timeout: Duration,
    ) -> Result<Secret, Error> {
        if let Source::Token { token, .. } = &self.source {
            return Ok(token.clone());
        }
        {
            let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(cached) = cache.as_ref()
                && cached.until.is_none_or(|until| Instant::now() < until)
            {
                return Ok(cached.token.clone());
            }
        }
        let answer = match &self.source {
            Source::Token { token, .. } => return Ok(token.clone()),
            Source::AuthorizedUser {
                path,
                client_id,
                client_secret,
                refresh_token,
                token_uri,
            } => {
                let body = url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("grant_type", "refresh_token")
                    .append_pair("client_id", client_id)
                    .append_pair("client_secret", &client_secret.0)
                    .append_pair("refresh_token", &refresh_token.0)
                    .finish();
                let request = http
                    .post(token_uri)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body);
                fetch(request, token_uri, policy, timeout, |status, text| {
                    let err: OAuthError = serde_json::from_str(text).unwrap_or_default();
                    let reason = oauth_reason(status, &err, text);
                    if matches!(status, 400 | 401 | 403) {
                        // The file's refresh token or client is refused:
                        // the credentials are the problem, not Google.
                        Error::Credentials {
                            path: path.clone(),
                            reason: format!("{token_uri} refused its refresh token: {reason}"),
                        }
                    } else {
                        Error::Token {
                            endpoint: token_uri.clone(),
                            reason,
                        }
                    }
                })
                .await?
            }
            Source::Metadata { base, looked } => {
                let url = format!("{base}{METADATA_TOKEN_PATH}");
                let request = local
                    .get(&url)
                    .header("Metadata-Flavor", "Google")
                    .timeout(METADATA_TIMEOUT);
                match fetch(request, &url, policy, METADATA_TIMEOUT, |status, text| {
                    Error::Token {
                        endpoint: url.clone(),
                        reason: format!("HTTP {status}: {}", short(text)),
                    }
                })
                .await
                {
                    Err(Error::Transport { reason, .. }) => {
                        return Err(Error::NoCredentials(format!(
                            "{looked}{}and the metadata server at {base} did not answer ({reason}); give a token (e.g. google-github-actions/auth's access_token output) or set {ACCESS_TOKEN_ENV}",
                            if looked.is_empty() { "" } else { ", " }
                        )));
                    }
                    other => other?,
                }
            }
        };
        let token = Secret(answer.access_token);
        let until = answer
            .expires_in
            .map(|secs| Instant::now() + Duration::from_secs(secs).saturating_sub(EARLY));
        *self.cache.lock().unwrap_or_else(PoisonError::into_inner) = Some(Cached {
            token: token.clone(),
            until,
        });
        tracing::debug!(source = %self.describe(), "got an access token");
        Ok(token)
    }
}

/// gcloud's ADC file: `$CLOUDSDK_CONFIG/application_default_credentials.json`,
/// else under `~/.config/gcloud` (`%APPDATA%\gcloud` on Windows).
fn gcloud_adc_file(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    const FILE: &str = "application_default_credentials.json";
    if let Some(dir) = non_empty(env("CLOUDSDK_CONFIG")) {
        return Some(Path::new(&dir).join(FILE));
    }
    if cfg!(windows) {
        return non_empty(env("APPDATA")).map(|d| Path::new(&d).join("gcloud").join(FILE));
    }
    non_empty(env("HOME")).map(|home| Path::new(&home).join(".config/gcloud").join(FILE))
}

fn metadata_base(host: &str) -> String {
    let host = host.trim().trim_end_matches('/');
    if host.starts_with("http://") || host.starts_with("https://") {
        host.to_owned()
    } else {
        format!("http://{host}")
    }
}

fn oauth_reason(status: u16, err: &OAuthError, text: &str) -> String {
    match (err.error.as_str(), err.error_description.as_str()) {
        ("", _) => format!("HTTP {status}: {}", short(text)),
        (code, "") => format!("HTTP {status} {code}"),
        (code, description) => format!("HTTP {status} {code}: {description}"),
    }
}

/// The first line of a body, cut at 200 characters.
fn short(text: &str) -> String {
    let line = text.trim().lines().next().unwrap_or_default();
    line.chars().take(200).collect()
}

/// Send a token request with retries on 5xx and no answer; a 2xx answer's
/// token, or `refused(status, body)`.
async fn fetch(
    request: reqwest::RequestBuilder,
    endpoint: &str,
    policy: &RetryPolicy,
    timeout: Duration,
    refused: impl Fn(u16, &str) -> Error,
) -> Result<TokenAnswer, Error> {
    let mut attempt = 0;
    let mut timeouts = 0;
    loop {
        attempt += 1;
        let Some(this) = request.try_clone() else {
            return Err(Error::Setup(
                "a token request cannot be repeated".to_owned(),
            ));
        };
        let outcome = match this.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                match gantry_http::read_capped(response, MAX_TOKEN_ANSWER).await {
                    Ok(body) => Ok((status, String::from_utf8_lossy(&body).into_owned())),
                    Err(gantry_http::BodyError::TooLarge { cap }) => {
                        return Err(Error::TooLarge {
                            endpoint: endpoint.to_owned(),
                            cap,
                        });
                    }
                    Err(gantry_http::BodyError::Transport(e)) => Err(e),
                }
            }
            Err(e) => Err(e),
        };
        let (status, text) = match outcome {
            Ok(answer) => answer,
            Err(e) => {
                if e.is_timeout() {
                    timeouts += 1;
                }
                if attempt >= policy.attempts.max(1) || timeouts >= policy.timeout_attempts.max(1) {
                    return Err(Error::Transport {
                        endpoint: endpoint.to_owned(),
                        reason: crate::client::transport_reason(&e, timeout),
                        attempts: attempt,
                    });
                }
                tokio::time::sleep(policy.backoff(attempt, unit_random())).await;
                continue;
            }
        };
        if (200..300).contains(&status) {
            return serde_json::from_str::<TokenAnswer>(&text)
                .ok()
                .filter(|a| !a.access_token.is_empty())
                .ok_or_else(|| Error::Token {
                    endpoint: endpoint.to_owned(),
                    reason: "the answer holds no access_token".to_owned(),
                });
        }
        let transient = status >= 500 || status == 429;
        match decide(
            if transient { 503 } else { status },
            None,
            attempt,
            policy,
            unit_random(),
        ) {
            Decision::Retry(wait) => tokio::time::sleep(wait).await,
            Decision::Fail => return Err(refused(status, &text)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn discovery_order() {
        type Env = &'static [(&'static str, &'static str)];
        let table: [(Option<&str>, Env, &str); 6] = [
            (
                Some("ya29.flag"),
                &[(ACCESS_TOKEN_ENV, "ya29.env")],
                "the given token",
            ),
            (
                Some("  "),
                &[(ACCESS_TOKEN_ENV, "ya29.env")],
                ACCESS_TOKEN_ENV,
            ),
            (
                None,
                &[(ACCESS_TOKEN_ENV, " ")],
                "the metadata server at http://metadata.google.internal",
            ),
            (
                None,
                &[(METADATA_HOST_ENV, "127.0.0.1:8080")],
                "the metadata server at http://127.0.0.1:8080",
            ),
            (
                None,
                &[(METADATA_HOST_ENV, "http://169.254.169.254/")],
                "the metadata server at http://169.254.169.254",
            ),
            (
                None,
                &[("CLOUDSDK_CONFIG", "/nonexistent-gantry-test")],
                "the metadata server at http://metadata.google.internal",
            ),
        ];
        for (explicit, env, want) in table {
            let credentials = Credentials::discover(explicit, &env_of(env)).unwrap();
            assert_eq!(credentials.describe(), want, "{explicit:?} {env:?}");
            assert!(!format!("{credentials:?}").contains("ya29"));
        }
    }

    #[test]
    fn adc_files() {
        let user = r#"{"type":"authorized_user","client_id":"id.apps.googleusercontent.com","client_secret":"d-FL95Q19q7MQmFpd7hHD0Ty","refresh_token":"1//0refresh"}"#;
        let ok = Credentials::from_adc_json("/adc.json", user).unwrap();
        assert_eq!(ok.describe(), "authorized_user credentials in /adc.json");
        let shown = format!("{ok:?}");
        assert!(
            !shown.contains("1//0refresh") && !shown.contains("d-FL95"),
            "{shown}"
        );
        match &ok.source {
            Source::AuthorizedUser { token_uri, .. } => assert_eq!(token_uri, DEFAULT_TOKEN_URI),
            _ => unreachable!("authorized_user"),
        }
        let table = [
            (
                r#"{"type":"external_account","audience":"//iam.googleapis.com/x"}"#,
                "external_account credentials (workload identity federation) are not supported yet; use google-github-actions/auth",
            ),
            (
                r#"{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\nMII"}"#,
                "service account keys are not supported",
            ),
            (
                r#"{"type":"impersonated_service_account"}"#,
                "\"impersonated_service_account\" are not supported",
            ),
            (
                r#"{"type":"authorized_user","client_id":"x"}"#,
                "needs client_secret",
            ),
            (r#"{}"#, "no \"type\""),
            ("not json", "not an ADC JSON file"),
        ];
        for (text, want) in table {
            let err = Credentials::from_adc_json("/adc.json", text).unwrap_err();
            assert!(err.is_input_error());
            let message = err.to_string();
            assert!(message.starts_with("cannot use the Google credentials in /adc.json: "));
            assert!(message.contains(want), "{message}");
            assert!(!message.contains("PRIVATE KEY"), "{message}");
        }
        assert!(Credentials::token(" ").is_err());
        assert_eq!(format!("{:?}", Secret("ya29.x".to_owned())), "***");
    }
}
