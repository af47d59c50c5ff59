//! The HTTP side: base URLs, headers, the token, retries, JSON.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::Method;
use reqwest::header::{self, HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{Error, GraphQlError};
use crate::retry::{Decision, Hints, RetryPolicy, decide, unit_random};

/// GitHub.com's REST API.
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// The most of one answer read. GitHub's answers stay under it (a
/// recursive tree is cut at 7 MB; blobs read here are manifests); more is
/// a broken or hostile server, stopped there instead of filling the memory.
pub(crate) const MAX_REPLY: usize = 16 * 1024 * 1024;

/// How to build a [`GitHub`].
#[derive(Clone)]
pub struct Config {
    /// The REST API root (`https://api.github.com`, GitHub Enterprise
    /// Server's `https://HOST/api/v3`, a test server).
    pub api_url: String,
    /// The GraphQL endpoint; default [`graphql_url_for`] the API root.
    pub graphql_url: Option<String>,
    /// The token (a GitHub token, PAT or App installation token).
    pub token: String,
    /// Retries.
    pub retry: RetryPolicy,
    /// Timeout of one request.
    pub timeout: Duration,
    /// `User-Agent` (GitHub requires one).
    pub user_agent: String,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("api_url", &self.api_url)
            .field("graphql_url", &self.graphql_url)
            .field("token", &"***")
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Config {
    /// A configuration for `api_url` with `token` and the defaults.
    pub fn new(api_url: &str, token: &str) -> Config {
        Config {
            api_url: api_url.to_owned(),
            graphql_url: None,
            token: token.to_owned(),
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(60),
            user_agent: concat!("gantry/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

/// The GraphQL endpoint that goes with a REST root: `{root}/graphql`, and
/// GitHub Enterprise Server's `https://HOST/api/graphql` for
/// `https://HOST/api/v3`.
pub fn graphql_url_for(api_url: &str) -> String {
    let root = api_url.trim_end_matches('/');
    match root.strip_suffix("/api/v3") {
        Some(host) => format!("{host}/api/graphql"),
        None => format!("{root}/graphql"),
    }
}

/// A GitHub client. Cheap to clone (shared inside).
#[derive(Clone)]
pub struct GitHub {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
    api: Url,
    graphql: Url,
    auth: HeaderValue,
    retry: RetryPolicy,
}

impl fmt::Debug for GitHub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitHub")
            .field("api", &self.inner.api.as_str())
            .field("graphql", &self.inner.graphql.as_str())
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

fn parse_base(text: &str) -> Result<Url, Error> {
    let bad = |reason: &str| Error::BadUrl {
        url: text.to_owned(),
        reason: reason.to_owned(),
    };
    let url = Url::parse(text.trim()).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(bad("expected an http:// or https:// URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        // Such a URL would be printed in errors: the token goes in GANTRY_TOKEN.
        return Err(Error::BadUrl {
            url: gantry_shown(&url),
            reason: "it holds credentials; give the token through GANTRY_TOKEN instead".to_owned(),
        });
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("expected no query or fragment"));
    }
    Ok(url)
}

fn gantry_shown(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_password(None);
    let _ = shown.set_username("");
    shown.to_string()
}

/// A whole response.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    pub(crate) endpoint: String,
    pub(crate) attempts: u32,
}

impl Reply {
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| Error::Decode {
            endpoint: self.endpoint.clone(),
            reason: e.to_string(),
        })
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The error this non-success reply is.
    pub(crate) fn error(&self) -> Error {
        let (message, details) = error_body(&self.body);
        Error::Status {
            endpoint: self.endpoint.clone(),
            status: self.status,
            message,
            details,
            attempts: self.attempts,
        }
    }
}

/// GitHub's error body: `{"message": …, "errors": [ {…, "message"?: …} | "text" ]}`.
pub(crate) fn error_body(body: &[u8]) -> (String, Vec<String>) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        let cut: String = text.chars().take(200).collect();
        return (cut, Vec::new());
    };
    let message = value
        .get("message")
        .and_then(|m| m.as_str())
        .unwrap_or_default()
        .to_owned();
    let details = value
        .get("errors")
        .and_then(|e| e.as_array())
        .map(|errors| {
            errors
                .iter()
                .map(|e| match e {
                    serde_json::Value::String(s) => s.clone(),
                    other => match other.get("message").and_then(|m| m.as_str()) {
                        Some(m) => m.to_owned(),
                        None => {
                            let field = |k: &str| {
                                other
                                    .get(k)
                                    .and_then(|v| v.as_str())
                                    .unwrap_or_default()
                                    .to_owned()
                            };
                            format!("{} {} {}", field("resource"), field("field"), field("code"))
                                .trim()
                                .to_owned()
                        }
                    },
                })
                .collect()
        })
        .unwrap_or_default();
    (message, details)
}

/// A GraphQL response.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct GraphQlReply {
    #[serde(default)]
    pub(crate) data: Option<serde_json::Value>,
    #[serde(default)]
    pub(crate) errors: Vec<GraphQlError>,
}

impl GitHub {
    /// A client for `config`.
    pub fn new(config: &Config) -> Result<GitHub, Error> {
        let api = parse_base(&config.api_url)?;
        let graphql_text = config
            .graphql_url
            .clone()
            .unwrap_or_else(|| graphql_url_for(api.as_str()));
        let graphql = parse_base(&graphql_text)?;
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {}", config.token.trim())).map_err(|_| {
                Error::Setup("the token holds characters an HTTP header cannot".to_owned())
            })?;
        auth.set_sensitive(true);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Setup(e.to_string()))?;
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/vnd.github+json"),
        );
        headers.insert(
            "x-github-api-version",
            HeaderValue::from_static("2022-11-28"),
        );
        let http = {
            let _guard = runtime.enter();
            reqwest::Client::builder()
                .user_agent(config.user_agent.clone())
                .default_headers(headers)
                .timeout(config.timeout)
                .connect_timeout(Duration::from_secs(15))
                // A redirect to another host must not carry the token.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| Error::Setup(e.to_string()))?
        };
        Ok(GitHub {
            inner: Arc::new(Inner {
                http,
                runtime,
                api,
                graphql,
                auth,
                retry: config.retry,
            }),
        })
    }

    /// The REST API root.
    pub fn api_url(&self) -> &str {
        self.inner.api.as_str()
    }

    pub(crate) fn block<F: Future>(&self, future: F) -> F::Output {
        self.inner.runtime.block_on(future)
    }

    /// `{api}/{segments…}?{query}`; each segment is percent-encoded, so a
    /// `/` inside one stays part of it.
    pub(crate) fn rest_url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.inner.api.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            path.extend(segments);
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// Send with retries; any status comes back as a [`Reply`] except
    /// when retries ran out on a retryable one, which is an error.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
    ) -> Result<Reply, Error> {
        let endpoint = format!("{method} {url}");
        let policy = self.inner.retry;
        let attempts = policy.attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut request = self
                .inner
                .http
                .request(method.clone(), url.clone())
                .header(header::AUTHORIZATION, self.inner.auth.clone());
            if let Some(body) = body {
                request = request.json(body);
            }
            let started = std::time::Instant::now();
            let outcome = match request.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let headers = response.headers().clone();
                    match gantry_http::read_capped(response, MAX_REPLY).await {
                        Ok(body) => Ok((status, headers, body)),
                        Err(gantry_http::BodyError::Transport(e)) => Err(e),
                        // A flood is not retried: it would flood again.
                        Err(too_large) => {
                            return Err(Error::Transport {
                                endpoint,
                                reason: too_large.to_string(),
                                attempts: attempt,
                            });
                        }
                    }
                }
                Err(e) => Err(e),
            };
            let (status, headers, bytes) = match outcome {
                Ok(parts) => parts,
                Err(e) => {
                    let reason = transport_reason(&e);
                    if attempt >= attempts {
                        return Err(Error::Transport {
                            endpoint,
                            reason,
                            attempts: attempt,
                        });
                    }
                    let wait = policy.backoff(attempt, unit_random());
                    tracing::info!(%endpoint, attempt, ?wait, %reason, "no response; retrying");
                    tokio::time::sleep(wait).await;
                    continue;
                }
            };
            tracing::debug!(%endpoint, status, elapsed = ?started.elapsed(), "answered");
            let reply = Reply {
                status,
                headers,
                body: bytes,
                endpoint: endpoint.clone(),
                attempts: attempt,
            };
            if (200..300).contains(&status) {
                return Ok(reply);
            }
            let hints = Hints {
                retry_after: reply.header("retry-after"),
                remaining: reply.header("x-ratelimit-remaining"),
                reset: reply.header("x-ratelimit-reset"),
            };
            let text = String::from_utf8_lossy(&reply.body);
            match decide(
                status,
                hints,
                &text,
                attempt,
                &policy,
                SystemTime::now(),
                unit_random(),
            ) {
                Decision::Fail => return Ok(reply),
                Decision::TooLong(wait) => {
                    return Err(Error::RateLimited {
                        endpoint,
                        wait,
                        max_wait: policy.max_wait,
                    });
                }
                Decision::Retry(_) if attempt >= attempts => return Err(reply.error()),
                Decision::Retry(wait) => {
                    tracing::info!(%endpoint, status, attempt, ?wait, "GitHub asked to retry");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// A REST call that must succeed; its JSON.
    pub(crate) async fn rest<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
    ) -> Result<T, Error> {
        let reply = self.send(method, url, body).await?;
        if !(200..300).contains(&reply.status) {
            return Err(reply.error());
        }
        reply.json()
    }

    /// A GraphQL call: `data` and `errors`, retried on `RATE_LIMITED`.
    pub(crate) async fn graphql(
        &self,
        operation: &str,
        query: &str,
        variables: serde_json::Value,
    ) -> Result<GraphQlReply, Error> {
        let body = serde_json::json!({ "query": query, "variables": variables });
        let policy = self.inner.retry;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let reply = self
                .send(Method::POST, self.inner.graphql.clone(), Some(&body))
                .await?;
            if !(200..300).contains(&reply.status) {
                return Err(reply.error());
            }
            let parsed: GraphQlReply = reply.json()?;
            let limited = parsed
                .errors
                .iter()
                .any(|e| e.kind.as_deref() == Some("RATE_LIMITED"));
            if limited && attempt < policy.attempts.max(1) {
                let wait = policy.backoff(attempt, unit_random());
                tracing::info!(operation, attempt, ?wait, "GraphQL rate limited; retrying");
                tokio::time::sleep(wait).await;
                continue;
            }
            return Ok(parsed);
        }
    }
}

fn transport_reason(e: &reqwest::Error) -> String {
    // reqwest's Display includes the URL (no secrets in ours) and the
    // cause chain is where the useful part is.
    let mut reason = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "cannot connect".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        reason.push_str(": ");
        reason.push_str(&cause.to_string());
        source = cause.source();
    }
    reason
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn urls_and_error_bodies() {
        assert_eq!(
            graphql_url_for("https://api.github.com"),
            "https://api.github.com/graphql"
        );
        assert_eq!(
            graphql_url_for("https://ghe.example.com/api/v3/"),
            "https://ghe.example.com/api/graphql"
        );
        assert_eq!(
            graphql_url_for("http://127.0.0.1:9/"),
            "http://127.0.0.1:9/graphql"
        );
        let leaked = parse_base("https://x:ghs_secret@api.github.com").err();
        let text = leaked.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            text.contains("holds credentials") && !text.contains("ghs_secret"),
            "{text}"
        );
        assert!(parse_base("ftp://x").is_err());
        assert!(parse_base("not a url").is_err());

        let (message, details) = error_body(
            br#"{"message":"Validation Failed","errors":[{"resource":"PullRequest","code":"custom","message":"A pull request already exists for acme:x."},{"resource":"PullRequest","field":"head","code":"invalid"},"plain"],"documentation_url":"https://docs.github.com/rest","status":"422"}"#,
        );
        assert_eq!(message, "Validation Failed");
        assert_eq!(
            details,
            vec![
                "A pull request already exists for acme:x.".to_owned(),
                "PullRequest head invalid".to_owned(),
                "plain".to_owned()
            ]
        );
        let (message, details) = error_body(b"<html>502 Bad Gateway</html>");
        assert_eq!(message, "<html>502 Bad Gateway</html>");
        assert!(details.is_empty());
    }

    #[test]
    fn rest_urls_encode_each_segment() {
        let github = GitHub::new(&Config::new("http://127.0.0.1:9/api/v3", "t")).unwrap();
        let url = github.rest_url(
            &[
                "repos", "acme", "deploy", "git", "ref", "heads", "gantry", "a b",
            ],
            &[("head", "acme:gantry/x"), ("state", "open")],
        );
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9/api/v3/repos/acme/deploy/git/ref/heads/gantry/a%20b?head=acme%3Agantry%2Fx&state=open"
        );
        assert!(!format!("{github:?}").contains("Bearer"));
    }
}
