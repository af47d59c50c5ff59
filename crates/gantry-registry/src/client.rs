//! The HTTP client: endpoints, authentication, retries.

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use reqwest::Method;
use reqwest::header::{self, HeaderMap};
use serde::Deserialize;

use crate::auth::{Challenge, TokenCache, parse_challenges};
use crate::credentials::{CredentialStore, Credentials};
use crate::error::{Error, Failure, Location, Result};
use crate::retry::{RetryPolicy, parse_retry_after};

/// Largest manifest read: the distribution spec has registries accept
/// manifests of at least 4 MiB, and gantry copies manifests, never layers,
/// through this path. Error bodies are read within the same cap.
pub(crate) const MANIFEST_CAP: usize = 4 * 1024 * 1024;
/// Largest token endpoint answer: a JSON object holding a token or two.
pub(crate) const TOKEN_CAP: usize = 1024 * 1024;
/// Largest page of a tag list: room for a registry that ignores `n=` and
/// sends 100 000 long tags at once.
pub(crate) const TAG_LIST_CAP: usize = 16 * 1024 * 1024;
/// Largest blob copied through memory, the fallback when a registry
/// refuses a cross-repository mount.
pub(crate) const BLOB_CAP: usize = 512 * 1024 * 1024;

/// How to build a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Where credentials come from.
    pub credentials: CredentialStore,
    /// Retries on 429, 5xx, connection errors and timeouts.
    pub retry: RetryPolicy,
    /// `User-Agent` header.
    pub user_agent: String,
    /// Registries (`host[:port]`, as in image references) spoken to over
    /// plain `http://`. `localhost`, `127.0.0.0/8` and `::1` always are.
    pub insecure: Vec<String>,
    /// Deadline of one request (connect, send, whole response). A request
    /// that timed out is retried once at most, whatever `retry` allows: a
    /// registry that let one request time out is unlikely to answer the
    /// third, and a never-answering one then ends the run after about two
    /// deadlines.
    pub timeout: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            credentials: CredentialStore::anonymous(),
            retry: RetryPolicy::default(),
            user_agent: concat!("gantry/", env!("CARGO_PKG_VERSION")).to_owned(),
            insecure: Vec::new(),
            timeout: Duration::from_secs(20),
        }
    }
}

/// An OCI Distribution API client for any number of registries. Cheap to
/// share by reference; caches credentials and tokens.
pub struct Client {
    pub(crate) http: reqwest::Client,
    credentials: CredentialStore,
    pub(crate) retry: RetryPolicy,
    insecure: Vec<String>,
    timeout: Duration,
    state: Mutex<AuthState>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("credentials", &self.credentials)
            .field("retry", &self.retry)
            .field("insecure", &self.insecure)
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct AuthState {
    challenges: HashMap<String, Challenge>,
    tokens: TokenCache,
    credentials: HashMap<String, Option<Credentials>>,
}

/// One request to a registry, replayable for retries.
pub(crate) struct Req {
    pub(crate) method: Method,
    pub(crate) registry: String,
    pub(crate) url: String,
    pub(crate) headers: Vec<(header::HeaderName, String)>,
    pub(crate) body: Option<Vec<u8>>,
    /// Token scope(s), space-separated: `repository:a/b:pull,push`.
    pub(crate) scope: String,
    pub(crate) location: Location,
    /// The most bytes of the answer read (`*_CAP`).
    pub(crate) cap: usize,
}

impl Req {
    pub(crate) fn cap(mut self, cap: usize) -> Self {
        self.cap = cap;
        self
    }

    pub(crate) fn header(mut self, name: header::HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub(crate) fn body(mut self, body: Vec<u8>) -> Self {
        self.body = Some(body);
        self
    }
}

/// A whole response.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    pub(crate) attempts: u32,
}

impl Reply {
    pub(crate) fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub(crate) fn header_str(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub(crate) fn failure(&self) -> Failure {
        failure_of(self.status, &self.body)
    }

    /// This reply as an error about `location`.
    pub(crate) fn into_error(self, location: Location) -> Error {
        let failure = self.failure();
        Error::from_failure(location, failure, self.attempts)
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errors: Vec<ErrorEntry>,
}

#[derive(Deserialize)]
struct ErrorEntry {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

fn failure_of(status: u16, body: &[u8]) -> Failure {
    let first = serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .and_then(|b| b.errors.into_iter().next());
    let (code, message) = match first {
        Some(entry) => (entry.code, entry.message),
        None => (None, None),
    };
    // The registry's own message; cut so a huge HTML page stays readable.
    let message = message.map(|m| m.chars().take(300).collect());
    Failure {
        status,
        code,
        message,
    }
}

#[derive(Deserialize)]
struct TokenBody {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

fn retryable_status(status: u16) -> bool {
    status == 429 || (500..=599).contains(&status) && status != 501 && status != 505
}

impl Client {
    /// Build a client.
    pub fn new(config: ClientConfig) -> Result<Self> {
        let http = reqwest::Client::builder()
            .user_agent(config.user_agent)
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .build()
            .map_err(|err| Error::Client(err.to_string()))?;
        Ok(Self {
            http,
            credentials: config.credentials,
            retry: RetryPolicy {
                max_attempts: config.retry.max_attempts.max(1),
                ..config.retry
            },
            insecure: config
                .insecure
                .iter()
                .map(|r| r.to_ascii_lowercase())
                .collect(),
            timeout: config.timeout,
            state: Mutex::new(AuthState::default()),
        })
    }

    /// Every secret read so far: credentials and bearer tokens. Mask them
    /// ([`Revealed::take`](crate::Revealed::take)) after each call, before
    /// printing anything.
    pub fn revealed(&self) -> &crate::Revealed {
        self.credentials.revealed()
    }

    /// `https://host` or `http://host` for a registry as written in an
    /// image reference; `docker.io` is served by `registry-1.docker.io`.
    pub fn endpoint(&self, registry: &str) -> String {
        let registry = registry.to_ascii_lowercase();
        let host = match registry.as_str() {
            "docker.io" | "index.docker.io" => "registry-1.docker.io",
            other => other,
        };
        let scheme = if self.insecure.contains(&registry) || is_loopback(host) {
            "http"
        } else {
            "https"
        };
        format!("{scheme}://{host}")
    }

    pub(crate) fn request(
        &self,
        method: Method,
        registry: &str,
        path: &str,
        scope: String,
        location: Location,
    ) -> Req {
        Req {
            method,
            registry: registry.to_owned(),
            url: format!("{}{path}", self.endpoint(registry)),
            headers: Vec::new(),
            body: None,
            scope,
            location,
            cap: MANIFEST_CAP,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, AuthState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn credentials_for(&self, registry: &str) -> Result<Option<Credentials>> {
        if let Some(found) = self.lock().credentials.get(registry) {
            return Ok(found.clone());
        }
        let found = self.credentials.get(registry).await?;
        self.lock()
            .credentials
            .insert(registry.to_owned(), found.clone());
        Ok(found)
    }

    /// The `Authorization` value for a request, from what the registry
    /// asked for before (nothing until it sends a challenge).
    async fn authorization(&self, req: &Req) -> Result<Option<String>> {
        let challenge = self.lock().challenges.get(&req.registry).cloned();
        match challenge {
            None => Ok(None),
            Some(Challenge::Basic) => Ok(self
                .credentials_for(&req.registry)
                .await?
                .map(|c| c.basic_header())),
            Some(Challenge::Bearer { realm, service }) => {
                if let Some(token) = self.lock().tokens.get(&req.registry, &req.scope) {
                    return Ok(Some(format!("Bearer {token}")));
                }
                let (token, ttl) = self
                    .fetch_token(&req.registry, &realm, service.as_deref(), &req.scope)
                    .await?;
                self.lock()
                    .tokens
                    .insert(&req.registry, &req.scope, token.clone(), ttl);
                Ok(Some(format!("Bearer {token}")))
            }
        }
    }

    async fn fetch_token(
        &self,
        registry: &str,
        realm: &str,
        service: Option<&str>,
        scope: &str,
    ) -> Result<(String, Duration)> {
        let realm_shown = realm.split('?').next().unwrap_or(realm).to_owned();
        let token_error = |message: String, denied: bool| Error::Token {
            registry: registry.to_owned(),
            realm: realm_shown.clone(),
            message,
            denied,
        };
        let mut url = url::Url::parse(realm)
            .map_err(|err| token_error(format!("invalid realm URL: {err}"), false))?;
        if url.scheme() != "https" && url.scheme() != "http" {
            return Err(token_error("realm is not an http(s) URL".to_owned(), false));
        }
        let credentials = self.credentials_for(registry).await?;
        let location = Location::new(registry, "", "");
        let mut req = Req {
            method: Method::GET,
            registry: registry.to_owned(),
            url: String::new(),
            headers: Vec::new(),
            body: None,
            scope: String::new(),
            location,
            cap: TOKEN_CAP,
        };
        match &credentials {
            Some(creds) if creds.is_identity_token() => {
                // OAuth2 refresh-token grant, as Docker does with `identitytoken`.
                let mut form = url::form_urlencoded::Serializer::new(String::new());
                form.append_pair("grant_type", "refresh_token");
                form.append_pair("refresh_token", &creds.password);
                form.append_pair("client_id", "gantry");
                if let Some(service) = service {
                    form.append_pair("service", service);
                }
                for s in scope.split(' ').filter(|s| !s.is_empty()) {
                    form.append_pair("scope", s);
                }
                req.method = Method::POST;
                req.headers.push((
                    header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded".to_owned(),
                ));
                req.body = Some(form.finish().into_bytes());
            }
            other => {
                {
                    let mut query = url.query_pairs_mut();
                    if let Some(service) = service {
                        query.append_pair("service", service);
                    }
                    for s in scope.split(' ').filter(|s| !s.is_empty()) {
                        query.append_pair("scope", s);
                    }
                }
                if let Some(creds) = other {
                    req.headers
                        .push((header::AUTHORIZATION, creds.basic_header()));
                }
            }
        }
        req.url = url.to_string();
        let reply = match self.execute(&req, None).await {
            Ok(reply) => reply,
            Err(Error::Unreachable { message, .. }) => return Err(token_error(message, false)),
            Err(Error::Unavailable { failure, .. }) => {
                return Err(token_error(failure.to_string(), false));
            }
            Err(other) => return Err(other),
        };
        if !reply.is_success() {
            let denied = matches!(reply.status, 400 | 401 | 403);
            return Err(token_error(reply.failure().to_string(), denied));
        }
        // Where, not serde's words: they may quote a token.
        let body: TokenBody = serde_json::from_slice(&reply.body).map_err(|err| {
            token_error(
                format!(
                    "invalid token response (not the expected JSON at line {} column {})",
                    err.line(),
                    err.column()
                ),
                false,
            )
        })?;
        for token in [&body.token, &body.access_token].into_iter().flatten() {
            self.credentials
                .revealed()
                .record(crate::credentials::Secret::Value(token.clone()));
        }
        let token = body
            .token
            .filter(|t| !t.is_empty())
            .or(body.access_token.filter(|t| !t.is_empty()))
            .ok_or_else(|| token_error("the response has no token".to_owned(), false))?;
        let ttl = Duration::from_secs(body.expires_in.unwrap_or(60).max(60));
        Ok((token, ttl))
    }

    /// Send `req` with authentication: on a 401 learn the challenge and
    /// authenticate; after a 401 with a token, re-authenticate exactly once.
    pub(crate) async fn send(&self, req: &Req) -> Result<Reply> {
        let mut answered_challenge = false;
        let mut reauthenticated = false;
        loop {
            let auth = self.authorization(req).await?;
            let reply = self.execute(req, auth.as_deref()).await?;
            if reply.status != 401 {
                return Ok(reply);
            }
            let challenge = parse_challenges(
                reply
                    .headers
                    .get_all(header::WWW_AUTHENTICATE)
                    .iter()
                    .filter_map(|v| v.to_str().ok()),
            );
            let retry = match (&auth, &challenge) {
                (_, None) => false,
                (None, Some(Challenge::Basic)) => {
                    !answered_challenge && self.credentials_for(&req.registry).await?.is_some()
                }
                (None, Some(Challenge::Bearer { .. })) => !answered_challenge,
                (Some(_), Some(Challenge::Bearer { .. })) => !reauthenticated,
                (Some(_), Some(Challenge::Basic)) => false,
            };
            if !retry {
                return Err(reply.into_error(req.location.clone()));
            }
            if auth.is_some() {
                reauthenticated = true;
                tracing::debug!(registry = %req.registry, "401 with a token: authenticating again");
            } else {
                answered_challenge = true;
            }
            {
                let mut state = self.lock();
                if auth.is_some() {
                    state.tokens.remove(&req.registry, &req.scope);
                }
                if let Some(challenge) = challenge {
                    state.challenges.insert(req.registry.clone(), challenge);
                }
            }
        }
    }

    /// Send `req` with `auth`, retrying 429, 5xx, connection errors and
    /// timeouts (a timeout once at most); the whole body is read inside the
    /// retry loop, within `req.cap`.
    async fn execute(&self, req: &Req, auth: Option<&str>) -> Result<Reply> {
        let mut attempts = 0u32;
        let mut timeouts = 0u32;
        loop {
            attempts += 1;
            let mut builder = self.http.request(req.method.clone(), &req.url);
            for (name, value) in &req.headers {
                builder = builder.header(name, value);
            }
            if let Some(auth) = auth {
                builder = builder.header(header::AUTHORIZATION, auth);
            }
            if let Some(body) = &req.body {
                builder = builder.body(body.clone());
            } else if req.method == Method::POST || req.method == Method::PUT {
                builder = builder.header(header::CONTENT_LENGTH, "0");
            }
            let outcome = match builder.send().await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    match gantry_http::read_capped(resp, req.cap).await {
                        Ok(body) => Ok(Reply {
                            status,
                            headers,
                            body,
                            attempts,
                        }),
                        Err(gantry_http::BodyError::Transport(err)) => Err(err),
                        Err(too_large) => {
                            // A flooding or broken server: more of the same
                            // will not help.
                            return Err(Error::InvalidResponse {
                                location: req.location.clone(),
                                message: too_large.to_string(),
                            });
                        }
                    }
                }
                Err(err) => Err(err),
            };
            match outcome {
                Ok(reply) if retryable_status(reply.status) => {
                    tracing::debug!(method = %req.method, url = %req.url, status = reply.status, attempts, "registry busy or failing");
                    if attempts >= self.retry.max_attempts {
                        return Err(reply.into_error(req.location.clone()));
                    }
                    let retry_after = reply
                        .header(header::RETRY_AFTER)
                        .and_then(|v| parse_retry_after(v, SystemTime::now()));
                    tokio::time::sleep(self.retry.delay(attempts, retry_after)).await;
                }
                Ok(reply) => {
                    tracing::debug!(method = %req.method, url = %req.url, status = reply.status, "registry answered");
                    return Ok(reply);
                }
                Err(err) => {
                    // Without the URL: it is in the location already.
                    let timed_out = err.is_timeout();
                    if timed_out {
                        timeouts += 1;
                    }
                    let message = if timed_out {
                        format!("timed out: no answer within {:?}", self.timeout)
                    } else {
                        describe(&err)
                    };
                    tracing::debug!(method = %req.method, url = %req.url, error = %message, attempts, "request failed");
                    if attempts >= self.retry.max_attempts
                        || err.is_builder()
                        || timeouts >= MAX_TIMEOUTS
                    {
                        return Err(Error::Unreachable {
                            location: req.location.clone(),
                            message,
                            attempts,
                            timed_out,
                        });
                    }
                    tokio::time::sleep(self.retry.delay(attempts, None)).await;
                }
            }
        }
    }
}

/// Timed-out attempts of one request before it is given up (see
/// [`ClientConfig::timeout`]).
const MAX_TIMEOUTS: u32 = 2;

/// A reqwest error as text with its causes, without the URL.
fn describe(err: &reqwest::Error) -> String {
    let mut text = if err.is_timeout() {
        "timed out".to_owned()
    } else if err.is_connect() {
        "connection failed".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = std::error::Error::source(err);
    let mut seen = 0;
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
        seen += 1;
        if seen > 5 {
            break;
        }
    }
    text
}

/// `localhost`, `127.0.0.0/8`, `::1` (with or without a port).
fn is_loopback(host_port: &str) -> bool {
    let host = if let Some(rest) = host_port.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
            _ => host_port,
        }
    };
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.is_loopback(),
        Ok(IpAddr::V6(v6)) => v6 == Ipv6Addr::LOCALHOST,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        let client = Client::new(ClientConfig {
            insecure: vec!["Reg.internal:5000".into()],
            ..ClientConfig::default()
        })
        .unwrap();
        assert_eq!(client.endpoint("docker.io"), "https://registry-1.docker.io");
        assert_eq!(client.endpoint("ghcr.io"), "https://ghcr.io");
        assert_eq!(client.endpoint("localhost:5000"), "http://localhost:5000");
        assert_eq!(client.endpoint("127.0.0.1:5000"), "http://127.0.0.1:5000");
        assert_eq!(client.endpoint("127.1.2.3"), "http://127.1.2.3");
        assert_eq!(client.endpoint("[::1]:5000"), "http://[::1]:5000");
        assert_eq!(
            client.endpoint("reg.internal:5000"),
            "http://reg.internal:5000"
        );
        assert_eq!(client.endpoint("10.0.0.1:5000"), "https://10.0.0.1:5000");
    }

    #[test]
    fn failures_from_bodies() {
        let f = failure_of(
            400,
            br#"{"errors":[{"code":"TAG_INVALID","message":"immutable","detail":null}]}"#,
        );
        assert_eq!(f.code.as_deref(), Some("TAG_INVALID"));
        assert_eq!(f.to_string(), "HTTP 400, TAG_INVALID: immutable");
        assert_eq!(failure_of(502, b"<html>").to_string(), "HTTP 502");
    }
}
