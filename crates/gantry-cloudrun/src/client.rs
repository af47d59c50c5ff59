//! The HTTP side: the base URL, the token on every request, retries,
//! Google's JSON errors, paging and long-running operations.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::header::{self, HeaderMap};
use serde::de::DeserializeOwned;
use url::Url;

use crate::auth::Credentials;
use crate::error::Error;
use crate::model::{ErrorBody, Operation, Revision, RevisionPage, Service, grpc_code_name};
use crate::name::ServiceName;
use crate::plan::sort_newest_first;
use crate::retry::{Decision, RetryPolicy, decide, unit_random};

/// The Cloud Run Admin API.
pub const DEFAULT_BASE_URL: &str = "https://run.googleapis.com";
/// Revisions asked for per page (the API's maximum is 100).
const PAGE_SIZE: &str = "100";
/// A bound on paging, against a server that never stops.
const MAX_PAGES: usize = 1000;
/// The most one answer may hold: a page of 100 revisions is a few hundred
/// KiB of JSON, a service or an operation a few KiB.
pub const MAX_BODY: usize = 4 * 1024 * 1024;
/// The deadline of one request when none is given: the Admin API answers
/// in well under a second; with one retry of a request that timed out, a
/// server that never answers ends a command in about 20 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// How to build a [`CloudRun`].
#[derive(Debug, Clone)]
pub struct Config {
    /// The API root (`https://run.googleapis.com`, a test server).
    pub base_url: String,
    /// Retries of one request (429, 502, 503, 504, no answer).
    pub retry: RetryPolicy,
    /// The deadline of one request, its answer included (a request that
    /// runs into it is tried [`RetryPolicy::timeout_attempts`] times).
    pub timeout: Duration,
    /// The first wait between polls of an operation; doubled up to
    /// `max_poll_interval`.
    pub poll_interval: Duration,
    /// The longest wait between polls.
    pub max_poll_interval: Duration,
    /// How long a traffic change may take before gantry gives up.
    pub operation_timeout: Duration,
    /// Read-modify-write rounds when the etag keeps going stale.
    pub conflict_attempts: u32,
    /// `User-Agent`.
    pub user_agent: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            base_url: DEFAULT_BASE_URL.to_owned(),
            retry: RetryPolicy::default(),
            timeout: DEFAULT_TIMEOUT,
            poll_interval: Duration::from_secs(1),
            max_poll_interval: Duration::from_secs(5),
            operation_timeout: Duration::from_secs(600),
            conflict_attempts: 5,
            user_agent: concat!("gantry/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

/// A client for one Cloud Run service. Cheap to clone (shared inside).
#[derive(Clone)]
pub struct CloudRun {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    http: reqwest::Client,
    /// For the metadata server: never through a proxy.
    local: reqwest::Client,
    base: Url,
    pub(crate) service: ServiceName,
    credentials: Credentials,
    pub(crate) config: Config,
}

impl fmt::Debug for CloudRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CloudRun")
            .field("base", &self.inner.base.as_str())
            .field("service", &self.inner.service.to_string())
            .field("credentials", &self.inner.credentials)
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
        return Err(Error::BadUrl {
            url: format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default()),
            reason: "it holds credentials; give a token instead".to_owned(),
        });
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("expected no query or fragment"));
    }
    Ok(url)
}

/// Why a request got no answer, with reqwest's cause chain (its
/// `Display` has the URL, which holds no secret, and little else).
pub(crate) fn transport_reason(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        // reqwest's cause only says "operation timed out" again.
        return format!("no whole answer within {} s", timeout.as_secs_f64());
    }
    let mut reason = if e.is_connect() {
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

/// A whole response.
pub(crate) struct Reply {
    pub(crate) status: u16,
    body: Vec<u8>,
    endpoint: String,
    attempts: u32,
}

impl Reply {
    pub(crate) fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| Error::Decode {
            endpoint: self.endpoint.clone(),
            reason: e.to_string(),
        })
    }

    /// Google's `error.status` (`ABORTED`, `NOT_FOUND`).
    pub(crate) fn code(&self) -> Option<String> {
        serde_json::from_slice::<ErrorBody>(&self.body)
            .ok()
            .and_then(|b| b.error.status)
    }

    /// The error this non-success reply is.
    pub(crate) fn error(&self) -> Error {
        let parsed = serde_json::from_slice::<ErrorBody>(&self.body).ok();
        let message = match parsed.as_ref().map(|b| b.error.message.trim()) {
            Some(m) if !m.is_empty() => m.to_owned(),
            _ => {
                let text = String::from_utf8_lossy(&self.body);
                let line = text.trim().lines().next().unwrap_or_default();
                let cut: String = line.chars().take(200).collect();
                if cut.is_empty() {
                    "(no message)".to_owned()
                } else {
                    cut
                }
            }
        };
        Error::Api {
            endpoint: self.endpoint.clone(),
            status: self.status,
            code: parsed.and_then(|b| b.error.status),
            message,
            attempts: self.attempts,
        }
    }

    /// Whether this is an etag conflict: someone wrote between our read
    /// and our write (409 `ABORTED`, or `FAILED_PRECONDITION` about the
    /// etag).
    pub(crate) fn is_conflict(&self) -> bool {
        let code = self.code();
        self.status == 409
            || code.as_deref() == Some("ABORTED")
            || (code.as_deref() == Some("FAILED_PRECONDITION")
                && String::from_utf8_lossy(&self.body)
                    .to_ascii_lowercase()
                    .contains("etag"))
    }
}

impl CloudRun {
    /// A client for `service`, authenticating with `credentials`.
    pub fn new(
        service: ServiceName,
        credentials: Credentials,
        config: Config,
    ) -> Result<CloudRun, Error> {
        let base = parse_base(&config.base_url)?;
        let build = |proxy: bool| {
            let builder = reqwest::Client::builder()
                .user_agent(config.user_agent.clone())
                .timeout(config.timeout)
                .connect_timeout(config.timeout)
                // A redirect to another host must not carry the token.
                .redirect(reqwest::redirect::Policy::none());
            let builder = if proxy { builder } else { builder.no_proxy() };
            builder.build().map_err(|e| Error::Setup(e.to_string()))
        };
        Ok(CloudRun {
            inner: Arc::new(Inner {
                http: build(true)?,
                local: build(false)?,
                base,
                service,
                credentials,
                config,
            }),
        })
    }

    /// The service.
    pub fn service_name(&self) -> &ServiceName {
        &self.inner.service
    }

    /// Where the tokens come from.
    pub fn credentials(&self) -> &Credentials {
        &self.inner.credentials
    }

    /// The API root requests go to.
    pub fn base_url(&self) -> &str {
        self.inner.base.as_str()
    }

    /// `{base}/v2/{name}?{query}`. Names are checked (`[a-z0-9-]` between
    /// the slashes) or come from the API and are checked by the caller.
    pub(crate) fn url(&self, name: &str, query: &[(&str, &str)]) -> Result<Url, Error> {
        let root = self.inner.base.as_str().trim_end_matches('/');
        let text = format!("{root}/v2/{name}");
        let mut url = Url::parse(&text).map_err(|e| Error::BadUrl {
            url: text.clone(),
            reason: e.to_string(),
        })?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    /// Send with retries; any status comes back as a [`Reply`], except
    /// no answer at all after the last attempt.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
    ) -> Result<Reply, Error> {
        let endpoint = format!("{method} {url}");
        let policy = self.inner.config.retry;
        let mut attempt = 0;
        let mut timeouts = 0;
        loop {
            attempt += 1;
            let token = self
                .inner
                .credentials
                .access_token(
                    &self.inner.http,
                    &self.inner.local,
                    &policy,
                    self.inner.config.timeout,
                )
                .await?;
            let mut request = self
                .inner
                .http
                .request(method.clone(), url.clone())
                .header(header::AUTHORIZATION, token.bearer()?)
                .header(header::ACCEPT, "application/json");
            if let Some(body) = body {
                request = request.json(body);
            }
            let outcome = match request.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let headers: HeaderMap = response.headers().clone();
                    match gantry_http::read_capped(response, MAX_BODY).await {
                        Ok(body) => Ok((status, headers, body)),
                        Err(gantry_http::BodyError::TooLarge { cap }) => {
                            return Err(Error::TooLarge { endpoint, cap });
                        }
                        Err(gantry_http::BodyError::Transport(e)) => Err(e),
                    }
                }
                Err(e) => Err(e),
            };
            let (status, headers, bytes) = match outcome {
                Ok(parts) => parts,
                Err(e) => {
                    let reason = transport_reason(&e, self.inner.config.timeout);
                    if e.is_timeout() {
                        timeouts += 1;
                    }
                    if attempt >= policy.attempts.max(1)
                        || timeouts >= policy.timeout_attempts.max(1)
                    {
                        return Err(Error::Transport {
                            endpoint,
                            reason,
                            attempts: attempt,
                        });
                    }
                    let wait = policy.backoff(attempt, unit_random());
                    tracing::info!(%endpoint, attempt, ?wait, %reason, "no answer; retrying");
                    tokio::time::sleep(wait).await;
                    continue;
                }
            };
            let reply = Reply {
                status,
                body: bytes,
                endpoint: endpoint.clone(),
                attempts: attempt,
            };
            if reply.ok() {
                return Ok(reply);
            }
            let retry_after = headers
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok());
            match decide(status, retry_after, attempt, &policy, unit_random()) {
                Decision::Fail => return Ok(reply),
                Decision::Retry(wait) => {
                    tracing::info!(%endpoint, status, attempt, ?wait, "Cloud Run asked to retry");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// A GET that must succeed; its JSON.
    pub(crate) async fn get<T: DeserializeOwned>(&self, url: Url) -> Result<T, Error> {
        let reply = self.send(Method::GET, url, None).await?;
        if !reply.ok() {
            return Err(reply.error());
        }
        reply.json()
    }

    /// The service.
    pub async fn service(&self) -> Result<Service, Error> {
        let url = self.url(&self.inner.service.to_string(), &[])?;
        self.get(url).await
    }

    /// Every revision of the service (all pages), newest first.
    pub async fn revisions(&self) -> Result<Vec<Revision>, Error> {
        let name = format!("{}/revisions", self.inner.service);
        let mut all = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut query = vec![("pageSize", PAGE_SIZE)];
            if let Some(t) = &token {
                query.push(("pageToken", t.as_str()));
            }
            let url = self.url(&name, &query)?;
            let endpoint = format!("GET {url}");
            let page: RevisionPage = self.get(url).await?;
            all.extend(page.revisions);
            match page.next_page_token.filter(|t| !t.is_empty()) {
                None => {
                    sort_newest_first(&mut all);
                    return Ok(all);
                }
                Some(next) if token.as_ref() == Some(&next) => {
                    return Err(Error::Decode {
                        endpoint,
                        reason: "the same nextPageToken came back twice".to_owned(),
                    });
                }
                Some(next) => token = Some(next),
            }
        }
        Err(Error::Decode {
            endpoint: format!("GET {}", self.url(&name, &[])?),
            reason: format!("more than {MAX_PAGES} pages of revisions"),
        })
    }

    /// Wait for `op` to be done; the done operation, or its error.
    pub(crate) async fn wait(&self, mut op: Operation) -> Result<Operation, Error> {
        let config = &self.inner.config;
        let service = self.inner.service.to_string();
        let started = Instant::now();
        let mut interval = config.poll_interval;
        while !op.done {
            let safe = op.name.starts_with("projects/")
                && op.name.contains("/operations/")
                && op
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/-_.".contains(c))
                && !op.name.contains("..");
            if !safe {
                return Err(Error::Decode {
                    endpoint: format!("PATCH {}", self.url(&service, &[])?),
                    reason: format!(
                        "the operation name {:?} is not one gantry can poll",
                        op.name
                    ),
                });
            }
            let waited = started.elapsed();
            if waited >= config.operation_timeout {
                return Err(Error::OperationTimeout {
                    service,
                    operation: op.name,
                    waited,
                });
            }
            tokio::time::sleep(interval.min(config.operation_timeout - waited)).await;
            interval = (interval * 2).min(config.max_poll_interval.max(config.poll_interval));
            let url = self.url(&op.name, &[])?;
            let next: Operation = self.get(url).await?;
            // A poll answers the same operation; keep its name if it
            // leaves it out.
            op = Operation {
                name: if next.name.is_empty() {
                    op.name
                } else {
                    next.name
                },
                ..next
            };
        }
        if let Some(err) = &op.error {
            return Err(Error::OperationFailed {
                service,
                operation: op.name.clone(),
                message: format!("{} ({})", err.message.trim(), grpc_code_name(err.code)),
            });
        }
        Ok(op)
    }
}
