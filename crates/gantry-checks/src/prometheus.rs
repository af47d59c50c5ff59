//! Prometheus: instant queries judged against `min`/`max`, range queries
//! for the comparative judge, and the preflight the binary runs first.
//!
//! Everything that goes wrong on Prometheus's side (unreachable, a
//! timeout, an HTTP error, `"status":"error"`, an answer that is not its
//! API's JSON, a query returning several series) is a provider error,
//! never a failure of the canary: a Prometheus outage says nothing about
//! the canary. An empty result and NaN or ±Inf are "no data", not zero.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gantry_analysis::CheckOutcome;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use serde_json::Value;
use url::Url;

use crate::http::read_limited;
use crate::template::promql_duration;
use crate::text::{self, Transport};
use crate::{CheckError, Measurement, Templating};

/// How long a Prometheus request may take by default.
pub const DEFAULT_PROMETHEUS_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest answer read.
const MAX_ANSWER: usize = 16 * 1024 * 1024;
/// Prometheus refuses range queries of more points than this.
pub(crate) const MAX_POINTS: u64 = 11_000;

/// A Prometheus query checked against thresholds every interval.
#[derive(Clone)]
pub struct PrometheusQuery {
    /// Display name (`prometheus: NAME`); the query itself without one.
    pub name: Option<String>,
    /// Prometheus's URL (`http://prometheus:9090`, or with a path prefix:
    /// `https://example.com/prometheus`).
    pub base: Url,
    /// The PromQL expression, templated ([`Templating::render`]): it must
    /// return one number (a scalar, or a vector of one sample).
    pub query: String,
    /// Values below this fail.
    pub min: Option<f64>,
    /// Values above this fail.
    pub max: Option<f64>,
    /// A query taking longer is a provider error (also sent to Prometheus
    /// as the query's `timeout`).
    pub timeout: Duration,
    /// Sent as `Authorization: Bearer …`; never shown.
    pub bearer_token: Option<String>,
}

impl fmt::Debug for PrometheusQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrometheusQuery")
            .field("name", &self.name)
            .field("base", &text::display_url(&self.base))
            .field("query", &self.query)
            .field("min", &self.min)
            .field("max", &self.max)
            .field("timeout", &self.timeout)
            .field(
                "bearer_token",
                &self.bearer_token.as_ref().map(|_| text::MASK),
            )
            .finish()
    }
}

impl PrometheusQuery {
    /// `query` against `base`, no thresholds, [`DEFAULT_PROMETHEUS_TIMEOUT`].
    pub fn new(base: Url, query: impl Into<String>) -> Self {
        Self {
            name: None,
            base,
            query: query.into(),
            min: None,
            max: None,
            timeout: DEFAULT_PROMETHEUS_TIMEOUT,
            bearer_token: None,
        }
    }

    /// `prometheus: NAME`, or `prometheus: QUERY` (on one line).
    pub fn display_name(&self) -> String {
        match &self.name {
            Some(name) => format!("prometheus: {name}"),
            None => format!("prometheus: {}", text::one_line(&self.query, 200)),
        }
    }

    /// What passes: `≤ 0.01`, `≥ 0.5`, `≥ 0.5, ≤ 1`, or `any value`.
    pub fn threshold(&self) -> String {
        match (self.min, self.max) {
            (None, None) => "any value".to_owned(),
            (Some(min), None) => format!("≥ {min}"),
            (None, Some(max)) => format!("≤ {max}"),
            (Some(min), Some(max)) => format!("≥ {min}, ≤ {max}"),
        }
    }

    /// The endpoint this query is sent to.
    pub fn endpoint(&self) -> Prometheus {
        Prometheus {
            base: self.base.clone(),
            timeout: self.timeout,
            bearer_token: self.bearer_token.clone(),
        }
    }

    /// Values to mask wherever the run prints.
    pub fn secrets(&self) -> Vec<String> {
        self.endpoint().secrets()
    }

    /// Check the query before any request: a usable base URL, a
    /// non-empty query with known placeholders, finite thresholds with
    /// `min ≤ max`, a timeout above zero, a sendable token.
    pub fn validate(&self) -> Result<(), CheckError> {
        let endpoint = self.endpoint();
        endpoint.api_url(&["api", "v1", "query"])?;
        endpoint.authorization()?;
        let invalid = |reason: String| CheckError::Invalid {
            check: self.display_name(),
            reason,
        };
        if self.query.trim().is_empty() {
            return Err(invalid("the query is empty".to_owned()));
        }
        crate::template::check_template(&self.query)?;
        for (name, value) in [("min", self.min), ("max", self.max)] {
            if value.is_some_and(|v| !v.is_finite()) {
                return Err(invalid(format!("{name} must be a finite number")));
            }
        }
        if let (Some(min), Some(max)) = (self.min, self.max)
            && min > max
        {
            return Err(invalid(format!("min {min} is above max {max}")));
        }
        if self.timeout.is_zero() {
            return Err(invalid("the timeout must be above zero".to_owned()));
        }
        Ok(())
    }

    /// Run the query once before the analysis starts, to refuse a query
    /// Prometheus cannot parse as bad input ([`CheckError::BadQuery`],
    /// exit 2) rather than count a provider error every interval. Any
    /// answer Prometheus can give about a valid query (a value, no data,
    /// several series) is `Ok`: the data may change. Unreachable, a
    /// timeout or another HTTP error is returned as it is (exit 3).
    pub async fn preflight(
        &self,
        client: &reqwest::Client,
        templating: &Templating,
    ) -> Result<(), CheckError> {
        let query = templating.render(&self.query)?;
        let answer = self
            .endpoint()
            .instant(client, &query, SystemTime::now())
            .await
            .map(|_| ());
        bad_query(answer, query)
    }

    /// Run the query once (at now) and judge its value.
    pub async fn measure(&self, client: &reqwest::Client, templating: &Templating) -> Measurement {
        let secrets = self.secrets();
        let measurement = |outcome, value, detail: &str| Measurement {
            check: self.display_name(),
            outcome,
            value,
            threshold: self.threshold(),
            detail: text::mask(&text::one_line(detail, 300), &secrets),
        };
        let query = match templating.render(&self.query) {
            Ok(query) => query,
            Err(err) => return measurement(CheckOutcome::ProviderError, None, &err.to_string()),
        };
        match self
            .endpoint()
            .instant(client, &query, SystemTime::now())
            .await
        {
            Err(err) => measurement(CheckOutcome::ProviderError, None, &err.detail()),
            Ok(None) => measurement(CheckOutcome::NoData, None, "empty result"),
            Ok(Some(value)) if !value.is_finite() => measurement(
                CheckOutcome::NoData,
                None,
                &format!("{}, no data", text::number(value)),
            ),
            Ok(Some(value)) => {
                let (outcome, detail) = self.judge(value);
                measurement(outcome, Some(value), &detail)
            }
        }
    }

    /// The verdict on a finite value, with the arithmetic.
    fn judge(&self, value: f64) -> (CheckOutcome, String) {
        if let Some(max) = self.max
            && value > max
        {
            return (
                CheckOutcome::Fail,
                format!("{} > {max}", text::number_against(value, max)),
            );
        }
        if let Some(min) = self.min
            && value < min
        {
            return (
                CheckOutcome::Fail,
                format!("{} < {min}", text::number_against(value, min)),
            );
        }
        let detail = match (self.min, self.max) {
            (None, None) => text::number(value),
            (Some(min), None) => format!("{} ≥ {min}", text::number_against(value, min)),
            (None, Some(max)) => format!("{} ≤ {max}", text::number_against(value, max)),
            (Some(min), Some(max)) => {
                format!("{min} ≤ {} ≤ {max}", text::number_against(value, max))
            }
        };
        (CheckOutcome::Pass, detail)
    }
}

/// A Prometheus HTTP API endpoint.
#[derive(Clone)]
pub struct Prometheus {
    /// Its URL (a path prefix is kept: `https://example.com/prometheus`).
    pub base: Url,
    /// How long one request may take (also sent as the query `timeout`).
    pub timeout: Duration,
    /// Sent as `Authorization: Bearer …`; never shown.
    pub bearer_token: Option<String>,
}

impl fmt::Debug for Prometheus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prometheus")
            .field("base", &text::display_url(&self.base))
            .field("timeout", &self.timeout)
            .field(
                "bearer_token",
                &self.bearer_token.as_ref().map(|_| text::MASK),
            )
            .finish()
    }
}

/// One point of a range query: Unix time in seconds, and the value (NaN
/// and ±Inf kept).
pub type Point = (f64, f64);

impl Prometheus {
    /// `base` with [`DEFAULT_PROMETHEUS_TIMEOUT`] and no token.
    pub fn new(base: Url) -> Self {
        Self {
            base,
            timeout: DEFAULT_PROMETHEUS_TIMEOUT,
            bearer_token: None,
        }
    }

    /// Values to mask: the token and the URL's secrets.
    pub fn secrets(&self) -> Vec<String> {
        let mut secrets = text::url_secrets(&self.base);
        if let Some(token) = &self.bearer_token
            && !token.is_empty()
        {
            secrets.push(token.clone());
        }
        secrets
    }

    /// Whether Prometheus answers: `GET /api/v1/status/buildinfo`, and
    /// where that is not served (a Prometheus-compatible API: Thanos,
    /// Mimir, VictoriaMetrics), the query `1`. Unreachable, a timeout or
    /// an HTTP error is an error naming the URL.
    pub async fn preflight(&self, client: &reqwest::Client) -> Result<(), CheckError> {
        let url = self.api_url(&["api", "v1", "status", "buildinfo"])?;
        match self.get_json(client, url, None).await {
            Ok(_) => Ok(()),
            Err(CheckError::PrometheusHttp {
                status: 404 | 405 | 501,
                ..
            }) => self
                .instant(client, "1", SystemTime::now())
                .await
                .map(|_| ()),
            Err(err) => Err(err),
        }
    }

    /// An instant query at `time`: its one value (`None` for an empty
    /// result; NaN and ±Inf are returned as they are). Several series are
    /// an error ([`CheckError::TooManySeries`]), so is a range vector.
    pub async fn instant(
        &self,
        client: &reqwest::Client,
        query: &str,
        time: SystemTime,
    ) -> Result<Option<f64>, CheckError> {
        let mut url = self.api_url(&["api", "v1", "query"])?;
        url.query_pairs_mut()
            .append_pair("query", query)
            .append_pair("time", &unix_seconds(time))
            .append_pair("timeout", &promql_duration(self.timeout));
        let answer = self.get_json(client, url, Some(query)).await?;
        let bad = |reason: String| CheckError::PrometheusAnswer {
            url: text::display_url(&self.base),
            reason,
        };
        let data = &answer["data"];
        let result = &data["result"];
        match data["resultType"].as_str() {
            Some("vector") => {
                let samples = result
                    .as_array()
                    .ok_or_else(|| bad("a vector result that is not a list".to_owned()))?;
                match samples.as_slice() {
                    [] => Ok(None),
                    [sample] => parse_point(&sample["value"])
                        .map(|(_, v)| Some(v))
                        .map_err(bad),
                    many => Err(CheckError::TooManySeries {
                        query: query.to_owned(),
                        count: many.len(),
                    }),
                }
            }
            Some("scalar") => parse_point(result).map(|(_, v)| Some(v)).map_err(bad),
            Some("matrix") => Err(CheckError::UnsupportedResult {
                query: query.to_owned(),
                result_type: "range vector (matrix)".to_owned(),
                hint: "a check needs one number: aggregate over time, e.g. avg_over_time(…[5m])"
                    .to_owned(),
            }),
            Some(other) => Err(CheckError::UnsupportedResult {
                query: query.to_owned(),
                result_type: other.to_owned(),
                hint: "a check needs one number".to_owned(),
            }),
            None => Err(bad("no data.resultType".to_owned())),
        }
    }

    /// A range query (`/api/v1/query_range`) from `start` to `end` every
    /// `step`: the points of its one series (none for an empty result);
    /// several series are an error ([`CheckError::TooManySeries`]).
    pub async fn range(
        &self,
        client: &reqwest::Client,
        query: &str,
        start: SystemTime,
        end: SystemTime,
        step: Duration,
    ) -> Result<Vec<Point>, CheckError> {
        let mut series = self.range_series(client, query, start, end, step).await?;
        match series.len() {
            0 => Ok(Vec::new()),
            1 => Ok(series.swap_remove(0)),
            count => Err(CheckError::TooManySeries {
                query: query.to_owned(),
                count,
            }),
        }
    }

    /// Run `query` as a short range query (two points, `step` apart) to
    /// refuse what Prometheus cannot parse as a range query (a syntax
    /// error, a range vector) as bad input ([`CheckError::BadQuery`]),
    /// like [`PrometheusQuery::preflight`]; any result is `Ok`.
    pub(crate) async fn preflight_range(
        &self,
        client: &reqwest::Client,
        query: &str,
        step: Duration,
    ) -> Result<(), CheckError> {
        let end = SystemTime::now();
        let start = end.checked_sub(step).unwrap_or(end);
        let answer = self
            .range_series(client, query, start, end, step)
            .await
            .map(|_| ());
        bad_query(answer, query.to_owned())
    }

    /// A range query's points, one list per series (in Prometheus's order).
    pub(crate) async fn range_series(
        &self,
        client: &reqwest::Client,
        query: &str,
        start: SystemTime,
        end: SystemTime,
        step: Duration,
    ) -> Result<Vec<Vec<Point>>, CheckError> {
        let invalid = |reason: String| CheckError::Range {
            query: query.to_owned(),
            reason,
        };
        if step.is_zero() {
            return Err(invalid("the step must be above zero".to_owned()));
        }
        let window = end
            .duration_since(start)
            .map_err(|_| invalid("the end is before the start".to_owned()))?;
        let points = window.as_millis() / step.as_millis().max(1) + 1;
        if points > u128::from(MAX_POINTS) {
            return Err(invalid(format!(
                "{points} points ({} every {}); Prometheus allows at most {MAX_POINTS}: use a longer step",
                text::duration(window),
                text::duration(step)
            )));
        }
        let mut url = self.api_url(&["api", "v1", "query_range"])?;
        url.query_pairs_mut()
            .append_pair("query", query)
            .append_pair("start", &unix_seconds(start))
            .append_pair("end", &unix_seconds(end))
            .append_pair("step", &format!("{:.3}", step.as_secs_f64()))
            .append_pair("timeout", &promql_duration(self.timeout));
        let answer = self.get_json(client, url, Some(query)).await?;
        let bad = |reason: String| CheckError::PrometheusAnswer {
            url: text::display_url(&self.base),
            reason,
        };
        let data = &answer["data"];
        match data["resultType"].as_str() {
            Some("matrix") => {}
            Some(other) => {
                return Err(CheckError::UnsupportedResult {
                    query: query.to_owned(),
                    result_type: other.to_owned(),
                    hint: "a range query needs an instant vector expression".to_owned(),
                });
            }
            None => return Err(bad("no data.resultType".to_owned())),
        }
        let series = data["result"]
            .as_array()
            .ok_or_else(|| bad("a matrix result that is not a list".to_owned()))?;
        series
            .iter()
            .map(|one| {
                one["values"]
                    .as_array()
                    .ok_or_else(|| bad("a series without values".to_owned()))?
                    .iter()
                    .map(|point| parse_point(point).map_err(bad))
                    .collect()
            })
            .collect()
    }

    /// `base` + `/segments…`, without the base's query or fragment.
    pub(crate) fn api_url(&self, segments: &[&str]) -> Result<Url, CheckError> {
        let unusable = |reason: &str| CheckError::Url {
            url: text::display_url(&self.base),
            reason: reason.to_owned(),
        };
        if !matches!(self.base.scheme(), "http" | "https") || self.base.host_str().is_none() {
            return Err(unusable(
                "Prometheus needs an http:// or https:// URL with a host",
            ));
        }
        let mut url = self.base.clone();
        url.set_query(None);
        url.set_fragment(None);
        url.path_segments_mut()
            .map_err(|()| unusable("not a base URL"))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    pub(crate) fn authorization(&self) -> Result<Option<HeaderValue>, CheckError> {
        let Some(token) = &self.bearer_token else {
            return Ok(None);
        };
        let mut value =
            HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| CheckError::Header {
                name: "Authorization".to_owned(),
                reason: "the bearer token has characters a header cannot carry (a newline?)"
                    .to_owned(),
            })?;
        value.set_sensitive(true);
        Ok(Some(value))
    }

    /// `GET url`: the API's JSON when `"status":"success"`.
    async fn get_json(
        &self,
        client: &reqwest::Client,
        url: Url,
        query: Option<&str>,
    ) -> Result<Value, CheckError> {
        let shown = text::display_url(&self.base);
        let host = self.base.host_str().unwrap_or("Prometheus").to_owned();
        let mut request = client.get(url).header(ACCEPT, "application/json");
        if let Some(value) = self.authorization()? {
            request = request.header(AUTHORIZATION, value);
        }
        let exchange = async {
            let response = request.send().await?;
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let (body, truncated) = read_limited(response, MAX_ANSWER).await?;
            Ok::<_, reqwest::Error>((status, content_type, body, truncated))
        };
        let timed_out = || CheckError::PrometheusTimeout {
            url: shown.clone(),
            timeout: text::duration(self.timeout),
        };
        let (status, content_type, body, truncated) =
            match tokio::time::timeout(self.timeout, exchange).await {
                Err(_) => return Err(timed_out()),
                Ok(Err(err)) => {
                    return Err(match Transport::of(&err) {
                        Transport::TimedOut => timed_out(),
                        other => CheckError::PrometheusUnreachable {
                            url: shown.clone(),
                            reason: other.describe(&host, self.timeout),
                        },
                    });
                }
                Ok(Ok(answer)) => answer,
            };
        let json: Option<Value> = serde_json::from_slice(&body).ok();
        let api_error = json.as_ref().and_then(|json| {
            let message = json["error"].as_str()?;
            let message = match json["errorType"].as_str() {
                Some(kind) if !kind.is_empty() => format!("{kind}: {message}"),
                _ => message.to_owned(),
            };
            Some(text::one_line(&message, 200))
        });
        if !(200..=299).contains(&status) {
            return Err(CheckError::PrometheusHttp {
                url: shown,
                status,
                message: api_error,
            });
        }
        if truncated {
            return Err(CheckError::PrometheusAnswer {
                url: shown,
                reason: format!(
                    "more than {} MiB; aggregate the query",
                    MAX_ANSWER / 1024 / 1024
                ),
            });
        }
        let Some(json) = json else {
            return Err(CheckError::PrometheusAnswer {
                url: shown,
                reason: format!(
                    "not JSON (HTTP {status}, {}, {} bytes: {:?}); is this Prometheus's URL?",
                    content_type.as_deref().unwrap_or("no content type"),
                    body.len(),
                    text::one_line(&String::from_utf8_lossy(&body), 40)
                ),
            });
        };
        match json["status"].as_str() {
            Some("success") => Ok(json),
            Some("error") => Err(CheckError::PrometheusQuery {
                url: shown,
                query: query.unwrap_or_default().to_owned(),
                message: api_error.unwrap_or_else(|| "no error message".to_owned()),
            }),
            _ => Err(CheckError::PrometheusAnswer {
                url: shown,
                reason: "JSON without \"status\"; is this Prometheus's URL?".to_owned(),
            }),
        }
    }
}

/// A `[time, "value"]` pair of Prometheus's API.
fn parse_point(point: &Value) -> Result<Point, String> {
    let time = point[0].as_f64().ok_or_else(|| {
        format!(
            "a sample without a time: {}",
            text::one_line(&point.to_string(), 80)
        )
    })?;
    let value = point[1].as_str().and_then(parse_value).ok_or_else(|| {
        format!(
            "a sample without a value: {}",
            text::one_line(&point.to_string(), 80)
        )
    })?;
    Ok((time, value))
}

/// A sample value as Prometheus writes it (`0.5`, `1e-05`, `NaN`, `+Inf`,
/// `-Inf`).
fn parse_value(text: &str) -> Option<f64> {
    match text {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        other => other.parse().ok(),
    }
}

/// Unix time in seconds with milliseconds (`1700000000.123`).
fn unix_seconds(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    format!("{}.{:03}", since.as_secs(), since.subsec_millis())
}

/// A preflight's answer: a query Prometheus calls `bad_data` is bad input;
/// an answer about a valid query (several series, a result type a check
/// cannot use) is fine, as the data may change.
/// What a query's first answer says about the query itself: a syntax error
/// or a result type no check can use (a range vector, a string: the query
/// alone decides it) is bad input; several series may be the data of the
/// moment.
fn bad_query(answer: Result<(), CheckError>, query: String) -> Result<(), CheckError> {
    match answer {
        Ok(()) | Err(CheckError::TooManySeries { .. }) => Ok(()),
        Err(CheckError::PrometheusHttp {
            url,
            status: 400,
            message: Some(message),
        }) if message.starts_with("bad_data") => Err(CheckError::BadQuery {
            url,
            query,
            message,
        }),
        Err(err) => Err(err),
    }
}

/// Whether Prometheus at `base` answers (see [`Prometheus::preflight`]);
/// the binary exits 3 on an error.
pub async fn preflight_prometheus(
    client: &reqwest::Client,
    base: &Url,
    timeout: Duration,
) -> Result<(), CheckError> {
    Prometheus {
        base: base.clone(),
        timeout,
        bearer_token: None,
    }
    .preflight(client)
    .await
}

/// The finite values of `query`'s one series from `start` to `end` every
/// `step` (NaN and ±Inf points dropped; none for an empty result), for the
/// comparative judge; [`DEFAULT_PROMETHEUS_TIMEOUT`]. With a token or
/// another timeout, use [`Prometheus::range`].
pub async fn query_samples(
    client: &reqwest::Client,
    base: &Url,
    query: &str,
    start: SystemTime,
    end: SystemTime,
    step: Duration,
) -> Result<Vec<f64>, CheckError> {
    let points = Prometheus::new(base.clone())
        .range(client, query, start, end, step)
        .await?;
    Ok(points
        .into_iter()
        .map(|(_, value)| value)
        .filter(|value| value.is_finite())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(min: Option<f64>, max: Option<f64>) -> PrometheusQuery {
        PrometheusQuery {
            min,
            max,
            ..PrometheusQuery::new(Url::parse("http://127.0.0.1:9090").unwrap(), "up")
        }
    }

    #[test]
    fn thresholds_show_their_arithmetic() {
        let q = query(None, Some(0.01));
        assert_eq!(q.threshold(), "≤ 0.01");
        assert_eq!(
            q.judge(0.31),
            (CheckOutcome::Fail, "0.31 > 0.01".to_owned())
        );
        assert_eq!(q.judge(0.0), (CheckOutcome::Pass, "0 ≤ 0.01".to_owned()));
        assert_eq!(
            q.judge(0.01),
            (CheckOutcome::Pass, "0.01 ≤ 0.01".to_owned())
        );
        assert_eq!(
            q.judge(0.010001),
            (CheckOutcome::Fail, "0.010001 > 0.01".to_owned())
        );
        let q = query(Some(0.5), Some(1.0));
        assert_eq!(q.threshold(), "≥ 0.5, ≤ 1");
        assert_eq!(q.judge(0.2), (CheckOutcome::Fail, "0.2 < 0.5".to_owned()));
        assert_eq!(
            q.judge(0.75),
            (CheckOutcome::Pass, "0.5 ≤ 0.75 ≤ 1".to_owned())
        );
        let q = query(Some(0.5), None);
        assert_eq!(q.judge(0.7), (CheckOutcome::Pass, "0.7 ≥ 0.5".to_owned()));
        let q = query(None, None);
        assert_eq!(q.threshold(), "any value");
        assert_eq!(q.judge(-3.0), (CheckOutcome::Pass, "-3".to_owned()));
    }

    #[test]
    fn names_urls_and_validation() {
        let mut q = query(Some(1.0), Some(0.5));
        assert_eq!(q.display_name(), "prometheus: up");
        assert!(
            q.validate()
                .unwrap_err()
                .to_string()
                .contains("min 1 is above max 0.5")
        );
        q.min = None;
        assert!(q.validate().is_ok());
        q.query = "rate(x{v=\"{{ver}}\"}[1m])".to_owned();
        assert!(q.validate().unwrap_err().is_input_error());
        q.name = Some("error_rate".to_owned());
        assert_eq!(q.display_name(), "prometheus: error_rate");

        let p = Prometheus::new(Url::parse("https://u:pw@example.com/prom/?x=1#f").unwrap());
        assert_eq!(
            p.api_url(&["api", "v1", "query"]).unwrap().as_str(),
            "https://u:pw@example.com/prom/api/v1/query"
        );
        let p = Prometheus::new(Url::parse("http://127.0.0.1:9090").unwrap());
        assert_eq!(
            p.api_url(&["api", "v1", "query"]).unwrap().as_str(),
            "http://127.0.0.1:9090/api/v1/query"
        );
        let p = Prometheus::new(Url::parse("mailto:a@example.com").unwrap());
        assert!(p.api_url(&["x"]).unwrap_err().is_input_error());
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let mut q = query(None, None);
        q.bearer_token = Some("tok-123".to_owned());
        q.base = Url::parse("http://admin:pw-456@127.0.0.1:9090").unwrap();
        let debug = format!("{q:?} {:?}", q.endpoint());
        assert!(
            !debug.contains("tok-123") && !debug.contains("pw-456"),
            "{debug}"
        );
        let mut secrets = q.secrets();
        secrets.sort();
        assert_eq!(secrets, ["pw-456", "tok-123"]);
    }

    #[test]
    fn values_as_prometheus_writes_them() {
        assert_eq!(parse_value("0.5"), Some(0.5));
        assert_eq!(parse_value("1e-05"), Some(1e-5));
        assert!(parse_value("NaN").unwrap().is_nan());
        assert_eq!(parse_value("+Inf"), Some(f64::INFINITY));
        assert_eq!(parse_value("-Inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_value("x"), None);
        let point = serde_json::json!([1700000000.5, "0.25"]);
        assert_eq!(parse_point(&point), Ok((1700000000.5, 0.25)));
        assert!(parse_point(&serde_json::json!([1, 2])).is_err());
        assert_eq!(
            unix_seconds(UNIX_EPOCH + Duration::from_millis(1_700_000_000_042)),
            "1700000000.042"
        );
    }
}
