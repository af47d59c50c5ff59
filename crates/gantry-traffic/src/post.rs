//! Calling a user's webhook: one JSON `POST` with its headers, under a
//! time limit, reading at most [`MAX_BODY`] bytes of the answer (a longer
//! one is a failed call, never an allocation that grows with the flood).
//!
//! The one webhook caller of gantry-canary: the webhook shifter and
//! gantry-hooks' webhooks (hooks, the abort check, the confirm gate) all
//! go through an [`Endpoint`], so they validate, time out, report and keep
//! secrets the same way. Header values are never printed: `Debug` masks
//! them, messages name headers but not their values, and the URL is shown
//! with its password and secret looking query parameters masked.

use std::collections::BTreeMap;
use std::error::Error as _;
use std::time::{Duration, Instant};

use gantry_checks::{display_url, format_duration, is_sensitive_name, url_secrets};
use gantry_http::{BodyError, read_capped};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use url::Url;

/// Answer bytes read: a webhook's answer is a status and a line or a small
/// JSON object (an abort reason, a hook's output); more is a failed call.
pub const MAX_BODY: usize = 64 * 1024;

/// A webhook that cannot be called as given: bad input (exit 2). No
/// message carries a header value or a URL's secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// The URL does not parse, or is not `http(s)://` with a host.
    #[error("invalid URL {url}: {reason}")]
    Url {
        /// The URL, secrets masked.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// A header that cannot be sent.
    #[error("invalid header {name:?}: {reason}")]
    Header {
        /// The header's name.
        name: String,
        /// What is wrong (never the value itself).
        reason: String,
    },
    /// A zero time limit.
    #[error("invalid timeout for {url}: it must be more than 0")]
    Timeout {
        /// The URL, secrets masked.
        url: String,
    },
}

/// A validated webhook: URL, headers and time limit.
#[derive(Clone)]
pub struct Endpoint {
    url: Url,
    shown: String,
    headers: HeaderMap,
    timeout: Duration,
    secrets: Vec<String>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.keys().map(HeaderName::as_str).collect();
        f.debug_struct("Endpoint")
            .field("url", &self.shown)
            .field("headers", &names)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    /// Check `url` (`http://` or `https://`, with a host), the headers and
    /// the timeout (more than 0).
    pub fn new(
        url: &str,
        headers: &BTreeMap<String, String>,
        timeout: Duration,
    ) -> Result<Endpoint, WebhookError> {
        let parsed = Url::parse(url.trim()).map_err(|err| WebhookError::Url {
            url: mask_raw_url(url),
            reason: err.to_string(),
        })?;
        let shown = display_url(&parsed);
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(WebhookError::Url {
                url: shown,
                reason: format!(
                    "the scheme is {:?}; a webhook needs http:// or https://",
                    parsed.scheme()
                ),
            });
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(WebhookError::Url {
                url: shown,
                reason: "no host".to_owned(),
            });
        }
        if timeout.is_zero() {
            return Err(WebhookError::Timeout { url: shown });
        }
        let mut map = HeaderMap::new();
        let mut secrets = url_secrets(&parsed);
        for (name, value) in headers {
            let header_name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
                WebhookError::Header {
                    name: name.clone(),
                    reason: "not a valid header name".to_owned(),
                }
            })?;
            let mut header_value =
                HeaderValue::from_str(value).map_err(|_| WebhookError::Header {
                    name: name.clone(),
                    reason: "the value has characters a header cannot carry (newlines, control characters)"
                        .to_owned(),
                })?;
            // Every value is kept out of Debug output, secret or not.
            header_value.set_sensitive(true);
            if is_sensitive_name(name) && !value.is_empty() {
                secrets.push(value.clone());
                // "Bearer s3cr3t": the token alone may be printed too.
                if let Some((_, token)) = value.split_once(' ') {
                    secrets.push(token.trim().to_owned());
                }
            }
            map.append(header_name, header_value);
        }
        secrets.retain(|s| !s.is_empty());
        secrets.sort();
        secrets.dedup();
        Ok(Endpoint {
            url: parsed,
            shown,
            headers: map,
            timeout,
            secrets,
        })
    }

    /// The URL.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The URL as it may be printed (secrets masked).
    pub fn display_url(&self) -> &str {
        &self.shown
    }

    /// The time limit of one call.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Values that must never be printed, for the printer's masks: secret
    /// header values (and the token of `Bearer …`), the URL's password and
    /// secret query values.
    pub fn secrets(&self) -> &[String] {
        &self.secrets
    }

    /// `POST` `body` as JSON. Never fails: a call that does not get an
    /// answer is an [`Answer::Failed`].
    pub async fn post_json(&self, client: &reqwest::Client, body: &serde_json::Value) -> Answer {
        let started = Instant::now();
        let mut headers = self.headers.clone();
        // The user's own Content-Type (a vendor JSON type) wins.
        headers
            .entry(CONTENT_TYPE)
            .or_insert(HeaderValue::from_static("application/json"));
        let request = client
            .post(self.url.clone())
            .headers(headers)
            .body(body.to_string())
            .timeout(self.timeout);
        // The outer limit also covers reading the body slowly.
        let call = async {
            let response = request.send().await.map_err(BodyError::Transport)?;
            let status = response.status().as_u16();
            let bytes = read_capped(response, MAX_BODY).await?;
            Ok::<_, BodyError>((status, bytes))
        };
        match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok((status, bytes))) => Answer::Status {
                status,
                body: String::from_utf8_lossy(&bytes).into_owned(),
                elapsed: started.elapsed(),
            },
            // A flood is no answer: its status cannot be trusted to mean
            // what a webhook's status means.
            Ok(Err(err @ BodyError::TooLarge { .. })) => Answer::Failed {
                reason: err.to_string(),
                elapsed: started.elapsed(),
            },
            Ok(Err(BodyError::Transport(err))) => Answer::Failed {
                reason: transport(&err, self.timeout),
                elapsed: started.elapsed(),
            },
            Err(_) => Answer::Failed {
                reason: format!("timed out after {}", format_duration(self.timeout)),
                elapsed: started.elapsed(),
            },
        }
    }
}

/// What a webhook call gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// An HTTP answer.
    Status {
        /// The status code.
        status: u16,
        /// The body, at most [`MAX_BODY`] bytes (lossy UTF-8).
        body: String,
        /// From sending to the end of the body.
        elapsed: Duration,
    },
    /// No answer: a timeout, a refused or reset connection, DNS, TLS.
    Failed {
        /// In a few words: `timed out after 5 s`, `connection refused`.
        reason: String,
        /// Until it failed.
        elapsed: Duration,
    },
}

impl Answer {
    /// Whether the answer is 2xx.
    pub fn is_success(&self) -> bool {
        matches!(self, Answer::Status { status, .. } if (200..300).contains(status))
    }

    /// The status, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Answer::Status { status, .. } => Some(*status),
            Answer::Failed { .. } => None,
        }
    }

    /// The body (empty without an answer).
    pub fn body(&self) -> &str {
        match self {
            Answer::Status { body, .. } => body,
            Answer::Failed { .. } => "",
        }
    }

    /// One line: `HTTP 200 in 40 ms`, `HTTP 503 in 12 ms: upstream down`
    /// (the body's first line, for an error status), `timed out after 5
    /// s`, `connection refused after 2 ms`.
    pub fn summary(&self) -> String {
        match self {
            Answer::Status {
                status,
                body,
                elapsed,
            } => {
                let mut line = format!("HTTP {status} in {}", format_duration(*elapsed));
                if !(200..300).contains(status)
                    && let Some(first) = crate::exec::first_line(body, 120)
                {
                    line.push_str(": ");
                    line.push_str(&first);
                }
                line
            }
            Answer::Failed { reason, elapsed } => {
                if reason.starts_with("timed out") {
                    reason.clone()
                } else {
                    format!("{reason} after {}", format_duration(*elapsed))
                }
            }
        }
    }
}

/// A transport error in a few words, never with the URL (reqwest's own
/// message names it, with its query).
fn transport(err: &reqwest::Error, timeout: Duration) -> String {
    if err.is_timeout() {
        return format!("timed out after {}", format_duration(timeout));
    }
    let mut innermost = None;
    let mut source = err.source();
    while let Some(current) = source {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::TimedOut => {
                    return format!("timed out after {}", format_duration(timeout));
                }
                std::io::ErrorKind::ConnectionRefused => return "connection refused".to_owned(),
                std::io::ErrorKind::ConnectionReset => return "connection reset".to_owned(),
                _ => {}
            }
        }
        if current.downcast_ref::<reqwest::Error>().is_none() {
            innermost = Some(current.to_string());
        }
        source = current.source();
    }
    let innermost = innermost.unwrap_or_default();
    let lowered = innermost.to_ascii_lowercase();
    if lowered.contains("connection refused") {
        return "connection refused".to_owned();
    }
    if lowered.contains("connection closed before message completed") {
        return "connection closed before an answer".to_owned();
    }
    let what = if err.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    match crate::exec::first_line(&innermost, 160) {
        Some(why) => format!("{what}: {why}"),
        None => what.to_owned(),
    }
}

/// A URL that does not parse, printed without what looks like a password
/// (`user:pw@` becomes `***@`) or a query.
fn mask_raw_url(url: &str) -> String {
    let url = url.trim();
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), url),
    };
    let rest = match rest.split_once('@') {
        Some((_, host)) => format!("***@{host}"),
        None => rest.to_owned(),
    };
    let rest = match rest.split_once('?') {
        Some((before, _)) => format!("{before}?***"),
        None => rest,
    };
    format!("{scheme}{rest}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn bad_webhooks_are_refused_with_the_input_named() {
        let secs = Duration::from_secs(1);
        for (url, hdrs, timeout, want) in [
            ("not a url", headers(&[]), secs, "invalid URL not a url:"),
            (
                "ftp://h/x",
                headers(&[]),
                secs,
                "invalid URL ftp://h/x: the scheme is \"ftp\"",
            ),
            ("http://", headers(&[]), secs, "invalid URL http://"),
            (
                "http://h/",
                headers(&[]),
                Duration::ZERO,
                "invalid timeout for http://h/",
            ),
            (
                "http://h/",
                headers(&[("bad name", "v")]),
                secs,
                "invalid header \"bad name\": not a valid header name",
            ),
            (
                "http://h/",
                headers(&[("X-Token", "line\nbreak")]),
                secs,
                "invalid header \"X-Token\": the value has characters",
            ),
            (
                "https://u:hunter2@h:99999/?token=t0k3n",
                headers(&[]),
                secs,
                "invalid URL https://***@h:99999/?***",
            ),
        ] {
            let err = Endpoint::new(url, &hdrs, timeout).unwrap_err().to_string();
            assert!(err.starts_with(want), "{url}: {err}");
            assert!(!err.contains("hunter2") && !err.contains("t0k3n") && !err.contains("break"));
        }
    }

    #[test]
    fn secrets_are_collected_and_never_debug_printed() {
        let endpoint = Endpoint::new(
            "https://u:pw1@example.com/shift?token=t0k&plain=1",
            &headers(&[
                ("Authorization", "Bearer s3cr3t"),
                ("X-Request-Id", "visible-id"),
            ]),
            Duration::from_secs(1),
        )
        .unwrap();
        assert_eq!(
            endpoint.secrets(),
            ["Bearer s3cr3t", "pw1", "s3cr3t", "t0k"]
        );
        assert_eq!(
            endpoint.display_url(),
            "https://***@example.com/shift?token=***&plain=1"
        );
        let debug = format!("{endpoint:?}");
        for secret in endpoint
            .secrets()
            .iter()
            .map(String::as_str)
            .chain(["visible-id"])
        {
            assert!(!debug.contains(secret), "{debug}");
        }
        assert!(debug.contains("authorization"), "{debug}");
    }

    #[test]
    fn answers_summarise_in_one_line() {
        let ms = Duration::from_millis;
        for (answer, want, ok) in [
            (
                Answer::Status {
                    status: 204,
                    body: "ignored".into(),
                    elapsed: ms(40),
                },
                "HTTP 204 in 40 ms",
                true,
            ),
            (
                Answer::Status {
                    status: 503,
                    body: "\nupstream down\nmore".into(),
                    elapsed: ms(12),
                },
                "HTTP 503 in 12 ms: upstream down",
                false,
            ),
            (
                Answer::Status {
                    status: 404,
                    body: String::new(),
                    elapsed: ms(3),
                },
                "HTTP 404 in 3 ms",
                false,
            ),
            (
                Answer::Failed {
                    reason: "timed out after 5 s".into(),
                    elapsed: ms(5001),
                },
                "timed out after 5 s",
                false,
            ),
            (
                Answer::Failed {
                    reason: "connection refused".into(),
                    elapsed: ms(2),
                },
                "connection refused after 2 ms",
                false,
            ),
        ] {
            assert_eq!(answer.summary(), want);
            assert_eq!(answer.is_success(), ok, "{want}");
        }
    }
}
