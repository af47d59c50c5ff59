//! HTTP probes: one request per interval, judged on status, latency, and
//! optionally the body (a regex, or a JSON pointer's value).
//!
//! A probe that gets no answer fails: a timeout, a refused or reset
//! connection and a DNS failure of the probe's own host all say the
//! service cannot be reached, which is the canary's fault, not a provider
//! error.

use std::fmt;
use std::time::{Duration, Instant};

use gantry_analysis::CheckOutcome;
use regex::Regex;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use crate::text::{self, Transport};
use crate::{CheckError, Measurement, Templating};

/// How long a probe waits by default ([`HttpProbe::new`]).
pub const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(5);
/// The most of a body a probe reads (and matches against).
pub const MAX_BODY: usize = 1024 * 1024;

/// An HTTP probe.
#[derive(Clone)]
pub struct HttpProbe {
    /// Display name; `METHOD URL` (secrets masked) without one.
    pub name: Option<String>,
    /// What to request.
    pub url: Url,
    /// How (`GET`).
    pub method: reqwest::Method,
    /// Extra request headers. Values of secret-looking headers
    /// (`Authorization`, `Cookie`, `X-Api-Key`, … see
    /// [`crate::is_sensitive_name`]) are never shown; no header value is
    /// ever put in a measurement or an error.
    pub headers: Vec<(String, String)>,
    /// Statuses that pass; empty means `200..=299`.
    pub expected_status: Vec<u16>,
    /// Slower answers fail (measured to the end of the body, up to
    /// [`MAX_BODY`]).
    pub latency_limit: Option<Duration>,
    /// No complete answer within this fails ("timed out after …").
    pub timeout: Duration,
    /// The body (as UTF-8, lossily) must match this.
    pub body_regex: Option<Regex>,
    /// The body must be JSON whose value at this RFC 6901 pointer equals
    /// the string (a string value equal to it, or a number, boolean or
    /// null whose JSON text is). The expected string is templated:
    /// `/version={{version}}`.
    pub json_pointer: Option<(String, String)>,
}

impl fmt::Debug for HttpProbe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let shown = if text::is_sensitive_name(name) {
                    text::MASK
                } else {
                    value.as_str()
                };
                (name.as_str(), shown)
            })
            .collect();
        f.debug_struct("HttpProbe")
            .field("name", &self.name)
            .field("url", &text::display_url(&self.url))
            .field("method", &self.method)
            .field("headers", &headers)
            .field("expected_status", &self.expected_status)
            .field("latency_limit", &self.latency_limit)
            .field("timeout", &self.timeout)
            .field("body_regex", &self.body_regex.as_ref().map(Regex::as_str))
            .field("json_pointer", &self.json_pointer)
            .finish()
    }
}

impl HttpProbe {
    /// `GET url`, expecting `200..=299` within [`DEFAULT_HTTP_TIMEOUT`],
    /// nothing else checked.
    pub fn new(url: Url) -> Self {
        Self {
            name: None,
            url,
            method: reqwest::Method::GET,
            headers: Vec::new(),
            expected_status: Vec::new(),
            latency_limit: None,
            timeout: DEFAULT_HTTP_TIMEOUT,
            body_regex: None,
            json_pointer: None,
        }
    }

    /// The name, or `METHOD URL` with the URL's secrets masked.
    pub fn display_name(&self) -> String {
        match &self.name {
            Some(name) => name.clone(),
            None => format!("{} {}", self.method, text::display_url(&self.url)),
        }
    }

    /// What passes, e.g. `status 200–299, ≤ 500 ms, /version = abc123`
    /// (the expected JSON value as given, before templating).
    pub fn threshold(&self) -> String {
        self.threshold_with(self.json_pointer.as_ref().map(|(_, v)| v.as_str()))
    }

    fn threshold_with(&self, expected_json: Option<&str>) -> String {
        let mut parts = vec![format!("status {}", self.status_text())];
        if let Some(limit) = self.latency_limit {
            parts.push(format!("≤ {}", text::duration(limit)));
        }
        if let Some(re) = &self.body_regex {
            parts.push(format!("body ~ /{}/", re.as_str()));
        }
        if let (Some((pointer, _)), Some(expected)) = (&self.json_pointer, expected_json) {
            parts.push(format!("{pointer} = {expected}"));
        }
        parts.join(", ")
    }

    fn status_text(&self) -> String {
        match self.expected_status.as_slice() {
            [] => "200–299".to_owned(),
            [one] => one.to_string(),
            [init @ .., last] => {
                let init: Vec<String> = init.iter().map(u16::to_string).collect();
                format!("{} or {last}", init.join(", "))
            }
        }
    }

    fn status_ok(&self, status: u16) -> bool {
        if self.expected_status.is_empty() {
            (200..=299).contains(&status)
        } else {
            self.expected_status.contains(&status)
        }
    }

    /// Values to mask wherever the run prints: secret-looking header
    /// values (and a bearer token alone, without its scheme), the URL's
    /// password and secret-looking query values.
    pub fn secrets(&self) -> Vec<String> {
        let mut secrets = text::url_secrets(&self.url);
        for (name, value) in &self.headers {
            if text::is_sensitive_name(name) && !value.trim().is_empty() {
                secrets.push(value.clone());
                if let Some((_scheme, credential)) = value.trim().split_once(' ') {
                    let credential = credential.trim();
                    if !credential.is_empty() {
                        secrets.push(credential.to_owned());
                    }
                }
            }
        }
        secrets.sort();
        secrets.dedup();
        secrets
    }

    /// Check the probe before any request: an `http` or `https` URL with a
    /// host, sendable headers, statuses 100–599, a timeout above zero, a
    /// well-formed JSON pointer and known placeholders.
    pub fn validate(&self) -> Result<(), CheckError> {
        if !matches!(self.url.scheme(), "http" | "https") || self.url.host_str().is_none() {
            return Err(CheckError::Url {
                url: text::display_url(&self.url),
                reason: "a probe needs an http:// or https:// URL with a host".to_owned(),
            });
        }
        self.header_map()?;
        let invalid = |reason: String| CheckError::Invalid {
            check: self.display_name(),
            reason,
        };
        if let Some(bad) = self
            .expected_status
            .iter()
            .find(|s| !(100..=599).contains(*s))
        {
            return Err(invalid(format!(
                "expected status {bad} is not an HTTP status (100-599)"
            )));
        }
        if self.timeout.is_zero() {
            return Err(invalid("the timeout must be above zero".to_owned()));
        }
        if let Some((pointer, expected)) = &self.json_pointer {
            crate::check_pointer(pointer, &format!("{pointer}={expected}"))?;
            crate::template::check_template(expected)?;
        }
        Ok(())
    }

    fn header_map(&self) -> Result<HeaderMap, CheckError> {
        let mut map = HeaderMap::new();
        for (name, value) in &self.headers {
            let header =
                HeaderName::from_bytes(name.as_bytes()).map_err(|_| CheckError::Header {
                    name: name.clone(),
                    reason: "not a valid header name".to_owned(),
                })?;
            let mut header_value =
                HeaderValue::from_str(value).map_err(|_| CheckError::Header {
                    name: name.clone(),
                    reason: "the value has characters a header cannot carry (a newline?)"
                        .to_owned(),
                })?;
            if text::is_sensitive_name(name) {
                header_value.set_sensitive(true);
            }
            map.append(header, header_value);
        }
        Ok(map)
    }

    /// Send the request once and judge the answer.
    pub async fn measure(&self, client: &reqwest::Client, templating: &Templating) -> Measurement {
        let check = self.display_name();
        let secrets = self.secrets();
        let measurement = |outcome, value, threshold: String, detail: &str| Measurement {
            check: check.clone(),
            outcome,
            value,
            threshold: text::mask(&threshold, &secrets),
            detail: text::mask(&text::one_line(detail, 300), &secrets),
        };
        let expected_json = match &self.json_pointer {
            Some((pointer, expected)) => match templating.render(expected) {
                Ok(expected) => Some((pointer.as_str(), expected)),
                Err(err) => {
                    return measurement(
                        CheckOutcome::ProviderError,
                        None,
                        self.threshold(),
                        &err.to_string(),
                    );
                }
            },
            None => None,
        };
        let threshold = self.threshold_with(expected_json.as_ref().map(|(_, v)| v.as_str()));
        let request = match self.header_map().and_then(|headers| {
            client
                .request(self.method.clone(), self.url.clone())
                .headers(headers)
                .build()
                .map_err(|err| CheckError::Invalid {
                    check: check.clone(),
                    reason: Transport::of(&err).describe(self.host(), self.timeout),
                })
        }) {
            Ok(request) => request,
            Err(err) => {
                return measurement(
                    CheckOutcome::ProviderError,
                    None,
                    threshold,
                    &err.to_string(),
                );
            }
        };

        let started = Instant::now();
        let answer = tokio::time::timeout(self.timeout, exchange(client, request)).await;
        let elapsed = started.elapsed();
        match answer {
            Err(_elapsed) => measurement(
                CheckOutcome::Fail,
                None,
                threshold,
                &format!("timed out after {}", text::duration(self.timeout)),
            ),
            Ok(Err(err)) => {
                let why = Transport::of(&err).describe(self.host(), self.timeout);
                measurement(CheckOutcome::Fail, None, threshold, &why)
            }
            Ok(Ok((status, body))) => {
                let problems = self.problems(status, &body, elapsed, expected_json.as_ref());
                let mut detail = format!("{status} in {}", text::latency(elapsed));
                for problem in &problems {
                    detail.push_str("; ");
                    detail.push_str(problem);
                }
                let outcome = if problems.is_empty() {
                    CheckOutcome::Pass
                } else {
                    CheckOutcome::Fail
                };
                measurement(outcome, Some(elapsed.as_secs_f64()), threshold, &detail)
            }
        }
    }

    fn host(&self) -> &str {
        self.url.host_str().unwrap_or("the probe's host")
    }

    /// What is wrong with an answer (nothing: it passes).
    fn problems(
        &self,
        status: u16,
        body: &[u8],
        elapsed: Duration,
        expected_json: Option<&(&str, String)>,
    ) -> Vec<String> {
        let mut problems = Vec::new();
        let status_ok = self.status_ok(status);
        if !status_ok {
            let word = if self.expected_status.is_empty() {
                "in "
            } else {
                ""
            };
            problems.push(format!("status not {word}{}", self.status_text()));
        }
        if let Some(limit) = self.latency_limit
            && elapsed > limit
        {
            problems.push(format!("latency over {}", text::duration(limit)));
        }
        // The body of an unexpected status is an error page: checking it
        // would only add noise to the line.
        if !status_ok {
            return problems;
        }
        if let Some(re) = &self.body_regex {
            let body = String::from_utf8_lossy(body);
            if !re.is_match(&body) {
                problems.push(format!(
                    "body does not match /{}/ (got {:?})",
                    re.as_str(),
                    text::one_line(&body, 60)
                ));
            }
        }
        if let Some((pointer, expected)) = expected_json {
            match serde_json::from_slice::<serde_json::Value>(body) {
                Err(_) => problems.push(format!(
                    "body is not JSON (got {:?})",
                    text::one_line(&String::from_utf8_lossy(body), 40)
                )),
                Ok(doc) => match doc.pointer(pointer) {
                    None => problems.push(format!("no {pointer} in the JSON body")),
                    Some(value) if json_equals(value, expected) => {}
                    Some(value) => problems.push(format!(
                        "{pointer} is {}, expected {expected:?}",
                        text::one_line(&value.to_string(), 80)
                    )),
                },
            }
        }
        problems
    }
}

/// Whether a JSON value "equals" the expected text: a string equal to it,
/// or a number, boolean or null whose JSON text is it.
fn json_equals(value: &serde_json::Value, expected: &str) -> bool {
    use serde_json::Value;
    match value {
        Value::String(s) => s == expected,
        Value::Number(_) | Value::Bool(_) | Value::Null => {
            let text = value.to_string();
            text == expected
        }
        Value::Array(_) | Value::Object(_) => false,
    }
}

/// Send, and read the body up to [`MAX_BODY`].
async fn exchange(
    client: &reqwest::Client,
    request: reqwest::Request,
) -> Result<(u16, Vec<u8>), reqwest::Error> {
    let response = client.execute(request).await?;
    let status = response.status().as_u16();
    let (body, _truncated) = read_limited(response, MAX_BODY).await?;
    Ok((status, body))
}

/// At most `limit` bytes of the body, and whether there was more.
pub(crate) async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = limit - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe() -> HttpProbe {
        HttpProbe::new(Url::parse("http://127.0.0.1:1/health").unwrap())
    }

    #[test]
    fn thresholds_and_names() {
        let mut p = probe();
        assert_eq!(p.display_name(), "GET http://127.0.0.1:1/health");
        assert_eq!(p.threshold(), "status 200–299");
        p.expected_status = vec![200];
        p.latency_limit = Some(Duration::from_millis(500));
        assert_eq!(p.threshold(), "status 200, ≤ 500 ms");
        p.expected_status = vec![200, 201, 204];
        p.body_regex = Some(Regex::new("^ok$").unwrap());
        p.json_pointer = Some(("/version".to_owned(), "{{version}}".to_owned()));
        assert_eq!(
            p.threshold(),
            "status 200, 201 or 204, ≤ 500 ms, body ~ /^ok$/, /version = {{version}}"
        );
        p.name = Some("health".to_owned());
        assert_eq!(p.display_name(), "health");
    }

    #[test]
    fn problems_are_listed_in_order() {
        let mut p = probe();
        p.latency_limit = Some(Duration::from_millis(100));
        let slow = Duration::from_millis(150);
        assert_eq!(
            p.problems(500, b"boom", slow, None),
            ["status not in 200–299", "latency over 100 ms"]
        );
        p.json_pointer = Some(("/version".to_owned(), "abc".to_owned()));
        let expected = ("/version", "abc".to_owned());
        let fast = Duration::from_millis(5);
        assert!(
            p.problems(200, br#"{"version":"abc"}"#, fast, Some(&expected))
                .is_empty()
        );
        assert_eq!(
            p.problems(200, br#"{"version":"def"}"#, fast, Some(&expected)),
            [r#"/version is "def", expected "abc""#]
        );
        assert_eq!(
            p.problems(200, br#"{"v":1}"#, fast, Some(&expected)),
            ["no /version in the JSON body"]
        );
        assert_eq!(
            p.problems(200, b"abc", fast, Some(&expected)),
            [r#"body is not JSON (got "abc")"#]
        );
        let build = ("/build", "42".to_owned());
        assert!(
            p.problems(200, br#"{"build":42}"#, fast, Some(&build))
                .is_empty()
        );
        p.body_regex = Some(Regex::new("^abc$").unwrap());
        p.json_pointer = None;
        assert_eq!(
            p.problems(200, b"def\n", fast, None),
            [r#"body does not match /^abc$/ (got "def")"#]
        );
    }

    #[test]
    fn secrets_are_collected_and_never_debug_printed() {
        let mut p = HttpProbe::new(Url::parse("https://u:pw1@example.com/?token=t0k").unwrap());
        p.headers = vec![
            ("Authorization".to_owned(), "Bearer s3cr3t".to_owned()),
            ("X-Request-Id".to_owned(), "visible".to_owned()),
        ];
        assert_eq!(p.secrets(), ["Bearer s3cr3t", "pw1", "s3cr3t", "t0k"]);
        let debug = format!("{p:?}");
        for secret in p.secrets() {
            assert!(!debug.contains(&secret), "{debug}");
        }
        assert!(debug.contains("visible"), "{debug}");
    }

    #[test]
    fn validation_names_the_bad_part() {
        let mut p = probe();
        p.headers = vec![("Bad Name".to_owned(), "v".to_owned())];
        assert!(p.validate().unwrap_err().to_string().contains("Bad Name"));
        p.headers = vec![("Authorization".to_owned(), "Bearer a\nb".to_owned())];
        let err = p.validate().unwrap_err().to_string();
        assert!(
            err.contains("Authorization") && !err.contains("Bearer"),
            "{err}"
        );
        p.headers.clear();
        p.expected_status = vec![700];
        assert!(p.validate().unwrap_err().to_string().contains("700"));
        p.expected_status.clear();
        p.url = Url::parse("ftp://example.com/").unwrap();
        assert!(p.validate().unwrap_err().is_input_error());
        p.url = Url::parse("http://example.com/").unwrap();
        p.json_pointer = Some(("/v".to_owned(), "{{ vers }}".to_owned()));
        assert!(p.validate().unwrap_err().to_string().contains("vers"));
        p.json_pointer = Some(("/v".to_owned(), "{{ version }}".to_owned()));
        assert!(p.validate().is_ok());
    }
}
