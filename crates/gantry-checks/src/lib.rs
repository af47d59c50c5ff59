//! The checks of a canary analysis: each one measures once per interval
//! and says what it saw, against what, and what that means.
//!
//! - [`HttpProbe`]: one request; fails on a timeout (never a pass), a
//!   refused or reset connection, a DNS failure, an unexpected status, a
//!   latency over the limit, a body not matching a regex or a JSON pointer
//!   not equal to the expected value (e.g. `/version` = the commit SHA).
//! - [`PrometheusQuery`]: an instant query, templated with the canary's
//!   name, namespace, version and interval, judged against `min`/`max`.
//!   An empty result and NaN/±Inf are no data, not zero; anything wrong on
//!   Prometheus's side is a provider error, never a failure.
//! - [`query_samples`] / [`Prometheus::range`]: a range query's values,
//!   for the canary-versus-baseline judge; [`preflight_prometheus`] before
//!   the analysis starts.
//! - [`Comparison`]: the canary-versus-baseline judge (after Kayenta):
//!   each [`ComparedMetric`]'s query over the last window for the canary
//!   and for the baseline, compared with a Mann-Whitney test and weighed
//!   into a score; a marginal score fails, too few samples is no data.
//!
//! Every outcome is a [`gantry_analysis::CheckOutcome`] in a
//! [`Measurement`] with the value, the threshold and a one-line detail.
//! Secrets (header values that look secret, bearer tokens, URL passwords)
//! never appear in a measurement, an error or a `Debug` print; each
//! check's [`Check::secrets`] lists them for the printer's masks.
//!
//! Use one [`client`] for every check: it does not read proxy variables,
//! follows at most [`MAX_REDIRECTS`] redirects and opens a new connection
//! for every request (a probe measures what a new visitor gets, and a
//! crashed service is not hidden behind a pooled connection).

mod error;
mod http;
mod judge;
mod prometheus;
mod template;
mod text;

use std::sync::Arc;

use futures_util::future::BoxFuture;
use gantry_analysis::CheckOutcome;

pub use error::CheckError;
pub use http::{DEFAULT_HTTP_TIMEOUT, HttpProbe, MAX_BODY};
pub use judge::{
    ComparedMetric, Comparison, DEFAULT_MARGINAL_SCORE, DEFAULT_PASS_SCORE, DEFAULT_STEP,
    DEFAULT_WINDOW, direction_name, parse_direction,
};
pub use prometheus::{
    DEFAULT_PROMETHEUS_TIMEOUT, Point, Prometheus, PrometheusQuery, preflight_prometheus,
    query_samples,
};
pub use template::{PLACEHOLDERS, Templating, check_template, promql_duration};
pub use text::{
    display_url, duration as format_duration, is_sensitive_name, number as format_number,
    url_secrets,
};

/// Redirects followed before a probe fails ("too many redirects").
pub const MAX_REDIRECTS: usize = 5;
/// The `User-Agent` of every request.
pub const USER_AGENT: &str = concat!("gantry-canary/", env!("CARGO_PKG_VERSION"));

/// What one check measured in one interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// The check's display name, e.g. `GET http://…/health` or
    /// `prometheus: error_rate`.
    pub check: String,
    /// Pass, fail, no data or provider error.
    pub outcome: CheckOutcome,
    /// Latency in seconds for HTTP (when an answer came), the query's
    /// value for Prometheus (when finite).
    pub value: Option<f64>,
    /// What passes, e.g. `status 200, ≤ 500 ms` or `≤ 0.01`.
    pub threshold: String,
    /// One line: what was seen (`200 in 12 ms`, `timed out after 2 s`,
    /// `connection refused`, `empty result`, `NaN, no data`,
    /// `0.31 > 0.01`, `HTTP 503 from Prometheus`).
    pub detail: String,
}

/// `pass`, `fail`, `no data` or `provider error`.
pub fn outcome_label(outcome: CheckOutcome) -> &'static str {
    match outcome {
        CheckOutcome::Pass => "pass",
        CheckOutcome::Fail => "fail",
        CheckOutcome::NoData => "no data",
        CheckOutcome::ProviderError => "provider error",
    }
}

/// A check of the analysis.
#[derive(Debug, Clone)]
pub enum Check {
    /// An HTTP probe.
    Http(HttpProbe),
    /// A Prometheus instant query.
    Prometheus(PrometheusQuery),
    /// The canary-versus-baseline judge over Prometheus metrics.
    Judge(Comparison),
    /// A check from another crate (gantry-kube's rollout readiness),
    /// which this crate cannot depend on.
    Plugged(Arc<dyn PluggedCheck>),
}

/// A check another crate provides: what [`Check`] needs of it. The
/// interface for checks whose clients this crate must not depend on
/// (gantry-kube depends on this crate through gantry-traffic).
pub trait PluggedCheck: Send + Sync + std::fmt::Debug {
    /// The display name.
    fn name(&self) -> String;
    /// What passes.
    fn threshold(&self) -> String;
    /// Check the settings before the analysis (exit 2 on an error).
    fn validate(&self) -> Result<(), CheckError>;
    /// Reach what is checked before the first interval.
    fn preflight(&self) -> BoxFuture<'_, Result<(), CheckError>>;
    /// Measure once; never fails (whatever happens is in the outcome).
    fn measure<'a>(&'a self, templating: &'a Templating) -> BoxFuture<'a, Measurement>;
    /// Values to mask.
    fn secrets(&self) -> Vec<String> {
        Vec::new()
    }
}

impl Check {
    /// The display name (secrets masked).
    pub fn name(&self) -> String {
        match self {
            Check::Http(probe) => probe.display_name(),
            Check::Prometheus(query) => query.display_name(),
            Check::Judge(judge) => judge.display_name(),
            Check::Plugged(check) => check.name(),
        }
    }

    /// What passes (before templating).
    pub fn threshold(&self) -> String {
        match self {
            Check::Http(probe) => probe.threshold(),
            Check::Prometheus(query) => query.threshold(),
            Check::Judge(judge) => judge.threshold(),
            Check::Plugged(check) => check.threshold(),
        }
    }

    /// Measure once. Never fails: whatever happens is in the outcome and
    /// the detail. Takes at most the check's timeout (plus connection
    /// set-up below a millisecond).
    pub async fn measure(&self, client: &reqwest::Client, templating: &Templating) -> Measurement {
        match self {
            Check::Http(probe) => probe.measure(client, templating).await,
            Check::Prometheus(query) => query.measure(client, templating).await,
            Check::Judge(judge) => judge.measure(client, templating).await,
            Check::Plugged(check) => check.measure(templating).await,
        }
    }

    /// Check the settings before the analysis starts (exit 2 on an
    /// error): URLs, headers, thresholds, placeholders.
    pub fn validate(&self) -> Result<(), CheckError> {
        match self {
            Check::Http(probe) => probe.validate(),
            Check::Prometheus(query) => query.validate(),
            Check::Judge(judge) => judge.validate(),
            Check::Plugged(check) => check.validate(),
        }
    }

    /// Values to register as masks (`::add-mask::`): secret-looking
    /// header values, bearer tokens, URL passwords and secret query
    /// values.
    pub fn secrets(&self) -> Vec<String> {
        match self {
            Check::Http(probe) => probe.secrets(),
            Check::Prometheus(query) => query.secrets(),
            Check::Judge(judge) => judge.secrets(),
            Check::Plugged(check) => check.secrets(),
        }
    }

    /// Before the first interval: Prometheus answers and every query
    /// parses (a typo is bad input, exit 2; an unreachable Prometheus an
    /// outside failure, exit 3). Nothing to do for an HTTP probe.
    pub async fn preflight(
        &self,
        client: &reqwest::Client,
        templating: &Templating,
    ) -> Result<(), CheckError> {
        match self {
            Check::Http(_) => Ok(()),
            Check::Prometheus(query) => {
                query.endpoint().preflight(client).await?;
                query.preflight(client, templating).await
            }
            Check::Judge(judge) => {
                judge.endpoint().preflight(client).await?;
                judge.preflight(client, templating).await
            }
            Check::Plugged(check) => check.preflight().await,
        }
    }
}

/// The HTTP client for every check: rustls, no proxy from the environment,
/// at most [`MAX_REDIRECTS`] redirects (credentials dropped on a redirect
/// to another host), a new connection per request, no overall timeout
/// (each check sets its own).
pub fn client() -> Result<reqwest::Client, CheckError> {
    reqwest::Client::builder()
        .use_rustls_tls()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
        .user_agent(USER_AGENT)
        .pool_max_idle_per_host(0)
        .build()
        .map_err(|err| {
            let mut message = err.to_string();
            let mut source = std::error::Error::source(&err);
            while let Some(inner) = source {
                message.push_str(": ");
                message.push_str(&inner.to_string());
                source = inner.source();
            }
            CheckError::Client(message)
        })
}

/// Parse a JSON pointer check `POINTER=VALUE` (`/version=abc123`): the
/// RFC 6901 pointer (empty for the whole document, otherwise starting
/// with `/`, `~0` and `~1` the only escapes) up to the first `=`, and the
/// non-empty expected value after it (which may use placeholders:
/// `/version={{version}}`).
pub fn parse_json_pointer_check(spec: &str) -> Result<(String, String), CheckError> {
    let Some((pointer, expected)) = spec.split_once('=') else {
        return Err(CheckError::JsonPointerSpec {
            spec: spec.to_owned(),
            reason: "no '='".to_owned(),
        });
    };
    check_pointer(pointer, spec)?;
    if expected.is_empty() {
        return Err(CheckError::JsonPointerSpec {
            spec: spec.to_owned(),
            reason: "the expected value is empty (an unset variable?)".to_owned(),
        });
    }
    Ok((pointer.to_owned(), expected.to_owned()))
}

/// Whether `pointer` is an RFC 6901 JSON pointer.
pub(crate) fn check_pointer(pointer: &str, spec: &str) -> Result<(), CheckError> {
    let bad = |reason: &str| CheckError::JsonPointerSpec {
        spec: spec.to_owned(),
        reason: reason.to_owned(),
    };
    if !pointer.is_empty() && !pointer.starts_with('/') {
        return Err(bad(&format!(
            "the pointer {pointer:?} must start with '/' (RFC 6901), e.g. /version"
        )));
    }
    let mut chars = pointer.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return Err(bad(
                "'~' in a pointer must be followed by 0 or 1 (~0 is '~', ~1 is '/')",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_pointer_checks() {
        assert_eq!(
            parse_json_pointer_check("/version=abc123").unwrap(),
            ("/version".to_owned(), "abc123".to_owned())
        );
        assert_eq!(
            parse_json_pointer_check("/build/sha={{version}}").unwrap(),
            ("/build/sha".to_owned(), "{{version}}".to_owned())
        );
        assert_eq!(
            parse_json_pointer_check("/a~1b=x=y").unwrap(),
            ("/a~1b".to_owned(), "x=y".to_owned())
        );
        assert_eq!(
            parse_json_pointer_check("=whole").unwrap(),
            (String::new(), "whole".to_owned())
        );
        for (spec, words) in [
            ("/version", "no '='"),
            ("version=abc", "must start with '/'"),
            ("/version=", "empty"),
            ("/a~2=x", "'~'"),
            ("/a~=x", "'~'"),
        ] {
            let err = parse_json_pointer_check(spec).unwrap_err();
            let text = err.to_string();
            assert!(
                text.contains(words) && text.contains(spec),
                "{spec}: {text}"
            );
            assert!(err.is_input_error());
        }
    }

    #[test]
    fn the_client_builds() {
        client().unwrap();
        assert_eq!(outcome_label(CheckOutcome::NoData), "no data");
    }
}
