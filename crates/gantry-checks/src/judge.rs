//! The canary-versus-baseline judge as a check: every interval, each
//! metric's query runs for the canary and for the baseline as a range
//! query over the last `window` (a point every `step`, the points of every
//! series pooled), [`gantry_analysis::classify`] compares the two samples
//! and [`gantry_analysis::score`] weighs the metrics into one score out of
//! 100, read against the pass and marginal thresholds.
//!
//! How the score becomes a [`CheckOutcome`]:
//! - at or above `pass`, with no critical metric failed: pass;
//! - below `marginal`, or a critical metric failed: fail;
//! - marginal (at or above `marginal`, below `pass`): **fail**. A marginal
//!   score means a metric regressed, significantly and beyond its
//!   tolerance; it must never promote. As a failed interval it counts
//!   toward the analysis's failure limit, which is then the tolerance for
//!   an occasional marginal interval, and a canary that stays marginal is
//!   rolled back (as Spinnaker fails a canary whose last interval is
//!   marginal). "No data" would have been wrong twice: there was data, and
//!   under a `no-data: pass` policy a marginal canary would be promoted.
//! - no metric with enough samples on both sides: no data, never a pass;
//!   and a passing score while a critical metric had no data is no data
//!   too (a critical metric must be seen to pass);
//! - any query failing on Prometheus's side: provider error.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gantry_analysis::{
    CheckOutcome, Classification, Direction, MetricSpec, MetricVerdict, Outcome, Thresholds,
    classify, score,
};
use url::Url;

use crate::prometheus::Point;
use crate::text;
use crate::{CheckError, DEFAULT_PROMETHEUS_TIMEOUT, Measurement, Prometheus, Templating};

mod validate;

use validate::uses_version;

/// How far back each interval looks by default.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(120);
/// The step of the range queries by default (25 points in the default window).
pub const DEFAULT_STEP: Duration = Duration::from_secs(5);
/// The score at or above which an interval passes by default.
pub const DEFAULT_PASS_SCORE: f64 = 95.0;
/// The score below which an interval fails however it is read, by default.
pub const DEFAULT_MARGINAL_SCORE: f64 = 75.0;

/// One metric the judge compares.
///
/// Give either `query`, templated twice (`{{version}}` is the canary's
/// version, then the baseline's), or both `canary_query` and
/// `baseline_query` (`{{version}}` in the baseline's is the baseline
/// version). Each must be an instant-vector expression; every series it
/// returns adds its points to the sample (aggregate it to compare one
/// series per side).
#[derive(Debug, Clone, PartialEq)]
pub struct ComparedMetric {
    /// The metric's name in reports (`error_ratio`).
    pub name: String,
    /// One query for both sides, telling them apart with `{{version}}`.
    pub query: Option<String>,
    /// The canary's query (with `baseline_query`, instead of `query`).
    pub canary_query: Option<String>,
    /// The baseline's query (with `canary_query`, instead of `query`).
    pub baseline_query: Option<String>,
    /// Which change is bad.
    pub direction: Direction,
    /// The relative change tolerated, as a fraction of the baseline's
    /// median (0.1).
    pub tolerance: f64,
    /// The absolute change tolerated whatever the baseline (0).
    pub floor: f64,
    /// Significance level of the Mann-Whitney test (0.05).
    pub alpha: f64,
    /// Weight in the score (1).
    pub weight: f64,
    /// A failure fails the interval whatever the score (false).
    pub critical: bool,
    /// Fewer finite samples on either side is no data (10).
    pub min_samples: usize,
}

impl ComparedMetric {
    /// `query` for both sides, with [`MetricSpec::new`]'s defaults.
    pub fn new(name: impl Into<String>, query: impl Into<String>, direction: Direction) -> Self {
        let spec = MetricSpec::new(name, direction);
        Self {
            query: Some(query.into()),
            ..Self::from_spec(spec)
        }
    }

    /// A query for each side, with [`MetricSpec::new`]'s defaults.
    pub fn with_queries(
        name: impl Into<String>,
        canary_query: impl Into<String>,
        baseline_query: impl Into<String>,
        direction: Direction,
    ) -> Self {
        let spec = MetricSpec::new(name, direction);
        Self {
            canary_query: Some(canary_query.into()),
            baseline_query: Some(baseline_query.into()),
            ..Self::from_spec(spec)
        }
    }

    fn from_spec(spec: MetricSpec) -> Self {
        Self {
            name: spec.name,
            query: None,
            canary_query: None,
            baseline_query: None,
            direction: spec.direction,
            tolerance: spec.tolerance,
            floor: spec.floor,
            alpha: spec.alpha,
            weight: spec.weight,
            critical: spec.critical,
            min_samples: spec.min_samples,
        }
    }

    /// How [`classify`] judges it.
    pub fn spec(&self) -> MetricSpec {
        MetricSpec {
            name: self.name.clone(),
            direction: self.direction,
            tolerance: self.tolerance,
            floor: self.floor,
            alpha: self.alpha,
            weight: self.weight,
            critical: self.critical,
            min_samples: self.min_samples,
        }
    }
}

/// `increase`, `decrease` or `either` (case-insensitive), as flags and
/// specs spell a [`Direction`].
pub fn parse_direction(text: &str) -> Result<Direction, CheckError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "increase" => Ok(Direction::Increase),
        "decrease" => Ok(Direction::Decrease),
        "either" => Ok(Direction::Either),
        _ => Err(CheckError::Invalid {
            check: "canary vs baseline".to_owned(),
            reason: format!(
                "direction {text:?} is not one of increase (higher is bad), decrease (lower is bad), either"
            ),
        }),
    }
}

/// How a [`Direction`] is spelled ([`parse_direction`]'s words).
pub fn direction_name(direction: Direction) -> &'static str {
    match direction {
        Direction::Increase => "increase",
        Direction::Decrease => "decrease",
        Direction::Either => "either",
    }
}

/// The canary-versus-baseline judge over Prometheus metrics.
#[derive(Clone)]
pub struct Comparison {
    /// Display name (`canary vs baseline: NAME`); the metrics' names
    /// without one.
    pub name: Option<String>,
    /// Prometheus's URL.
    pub base: Url,
    /// One query taking longer is a provider error.
    pub timeout: Duration,
    /// Sent as `Authorization: Bearer …`; never shown.
    pub bearer_token: Option<String>,
    /// `{{version}}` on the canary's side; `None`: the analysed version
    /// ([`Templating::version`]).
    pub canary_version: Option<String>,
    /// `{{version}}` on the baseline's side (needed by every `query`, and
    /// by a `baseline_query` that uses `{{version}}`).
    pub baseline_version: Option<String>,
    /// How far back each interval looks.
    pub window: Duration,
    /// The range queries' step.
    pub step: Duration,
    /// Score (0 to 100) at or above which an interval passes.
    pub pass: f64,
    /// Score below which it fails; between the two it is marginal, which
    /// fails too (see the module docs).
    pub marginal: f64,
    /// What is compared.
    pub metrics: Vec<ComparedMetric>,
}

impl fmt::Debug for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Comparison")
            .field("name", &self.name)
            .field("base", &text::display_url(&self.base))
            .field("timeout", &self.timeout)
            .field(
                "bearer_token",
                &self.bearer_token.as_ref().map(|_| text::MASK),
            )
            .field("canary_version", &self.canary_version)
            .field("baseline_version", &self.baseline_version)
            .field("window", &self.window)
            .field("step", &self.step)
            .field("pass", &self.pass)
            .field("marginal", &self.marginal)
            .field("metrics", &self.metrics)
            .finish()
    }
}

impl Comparison {
    /// `metrics` against `base` with the defaults: the last
    /// [`DEFAULT_WINDOW`] every [`DEFAULT_STEP`], pass at
    /// [`DEFAULT_PASS_SCORE`], marginal at [`DEFAULT_MARGINAL_SCORE`],
    /// [`DEFAULT_PROMETHEUS_TIMEOUT`], no baseline version yet.
    pub fn new(base: Url, metrics: Vec<ComparedMetric>) -> Self {
        Self {
            name: None,
            base,
            timeout: DEFAULT_PROMETHEUS_TIMEOUT,
            bearer_token: None,
            canary_version: None,
            baseline_version: None,
            window: DEFAULT_WINDOW,
            step: DEFAULT_STEP,
            pass: DEFAULT_PASS_SCORE,
            marginal: DEFAULT_MARGINAL_SCORE,
            metrics,
        }
    }

    /// `canary vs baseline: NAME`, or `canary vs baseline: m1, m2`.
    pub fn display_name(&self) -> String {
        let what = match &self.name {
            Some(name) => name.clone(),
            None => self
                .metrics
                .iter()
                .map(|m| m.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        };
        format!("canary vs baseline: {}", text::one_line(&what, 200))
    }

    /// `score ≥ 95 (marginal 75)`, and the critical metrics:
    /// `score ≥ 95 (marginal 75), critical: error_ratio`.
    pub fn threshold(&self) -> String {
        let mut threshold = format!(
            "score ≥ {} (marginal {})",
            text::number(self.pass),
            text::number(self.marginal)
        );
        let critical: Vec<&str> = self
            .metrics
            .iter()
            .filter(|m| m.critical)
            .map(|m| m.name.as_str())
            .collect();
        if !critical.is_empty() {
            threshold.push_str(&format!(", critical: {}", critical.join(", ")));
        }
        threshold
    }

    /// The pass and marginal scores.
    pub fn thresholds(&self) -> Thresholds {
        Thresholds {
            pass: self.pass,
            marginal: self.marginal,
        }
    }

    /// The endpoint the queries are sent to.
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

    pub(crate) fn invalid(&self, reason: String) -> CheckError {
        CheckError::Invalid {
            check: self.display_name(),
            reason,
        }
    }

    /// The canary's and the baseline's query of `metric`, templated.
    pub fn render(
        &self,
        metric: &ComparedMetric,
        templating: &Templating,
    ) -> Result<(String, String), CheckError> {
        let canary_side = Templating {
            version: self
                .canary_version
                .clone()
                .unwrap_or_else(|| templating.version.clone()),
            ..templating.clone()
        };
        let (canary, baseline) = match (&metric.query, &metric.canary_query, &metric.baseline_query)
        {
            (Some(query), None, None) => (query, query),
            (None, Some(canary), Some(baseline)) => (canary, baseline),
            _ => {
                return Err(self.invalid(format!(
                    "metric {}: give either query or canary_query and baseline_query",
                    metric.name
                )));
            }
        };
        let baseline = match &self.baseline_version {
            Some(version) => Templating {
                version: version.clone(),
                ..templating.clone()
            }
            .render(baseline)?,
            None if uses_version(baseline) => {
                return Err(self.invalid(format!(
                    "metric {}: the baseline's query uses {{{{version}}}}, so baseline_version is needed",
                    metric.name
                )));
            }
            None => templating.render(baseline)?,
        };
        Ok((canary_side.render(canary)?, baseline))
    }

    /// Run every query once before the analysis starts, as a short range
    /// query: a query Prometheus cannot parse, or that is a range vector,
    /// is bad input ([`CheckError::BadQuery`], exit 2), and so is a metric
    /// whose two queries come out the same (the canary's version is the
    /// baseline's). Unreachable, a timeout or another HTTP error is
    /// returned as it is (exit 3).
    pub async fn preflight(
        &self,
        client: &reqwest::Client,
        templating: &Templating,
    ) -> Result<(), CheckError> {
        let endpoint = self.endpoint();
        for metric in &self.metrics {
            let (canary, baseline) = self.render(metric, templating)?;
            if canary == baseline {
                return Err(self.invalid(format!(
                    "metric {}: the canary's and the baseline's query are the same after templating ({canary:?}); is the canary's version the baseline's?",
                    metric.name
                )));
            }
            endpoint.preflight_range(client, &canary, self.step).await?;
            endpoint
                .preflight_range(client, &baseline, self.step)
                .await?;
        }
        Ok(())
    }

    /// Compare once over the last `window`. Never fails: whatever happens
    /// is in the outcome and the detail.
    pub async fn measure(&self, client: &reqwest::Client, templating: &Templating) -> Measurement {
        self.measure_detailed(client, templating).await.0
    }

    /// [`Comparison::measure`], and how each metric was judged (with its
    /// arithmetic, for the report); no classifications on a provider
    /// error. The two sides of a metric are queried together, the
    /// metrics one after the other, and the first provider error ends
    /// the interval (so an outage costs one timeout, not one per query).
    pub async fn measure_detailed(
        &self,
        client: &reqwest::Client,
        templating: &Templating,
    ) -> (Measurement, Vec<Classification>) {
        let end = SystemTime::now();
        let start = end.checked_sub(self.window).unwrap_or(UNIX_EPOCH);
        let endpoint = self.endpoint();
        let mut results = Vec::with_capacity(self.metrics.len());
        for metric in &self.metrics {
            let (canary, baseline) = match self.render(metric, templating) {
                Ok(queries) => queries,
                Err(err) => {
                    return (
                        self.provider_error(&format!("{}: {err}", metric.name)),
                        Vec::new(),
                    );
                }
            };
            let (canary, baseline) = tokio::join!(
                endpoint.range_series(client, &canary, start, end, self.step),
                endpoint.range_series(client, &baseline, start, end, self.step),
            );
            let (canary, baseline) = match (canary, baseline) {
                (Ok(canary), Ok(baseline)) => (pooled(canary), pooled(baseline)),
                (Err(err), _) => {
                    return (
                        self.provider_error(&format!("{} canary: {}", metric.name, err.detail())),
                        Vec::new(),
                    );
                }
                (_, Err(err)) => {
                    return (
                        self.provider_error(&format!("{} baseline: {}", metric.name, err.detail())),
                        Vec::new(),
                    );
                }
            };
            let spec = metric.spec();
            let classification = classify(&spec, &canary, &baseline);
            results.push((spec, classification));
        }
        let measurement = self.conclude(&results);
        (measurement, results.into_iter().map(|(_, c)| c).collect())
    }

    fn measurement(&self, outcome: CheckOutcome, value: Option<f64>, detail: &str) -> Measurement {
        Measurement {
            check: self.display_name(),
            outcome,
            value,
            threshold: self.threshold(),
            detail: text::mask(&text::one_line(detail, 600), &self.secrets()),
        }
    }

    fn provider_error(&self, detail: &str) -> Measurement {
        self.measurement(CheckOutcome::ProviderError, None, detail)
    }

    /// The measurement of classified metrics, with no I/O: the score as
    /// the value, the outcome as the module docs say (marginal fails), and
    /// one line with each metric's verdict and the score's reading, e.g.
    /// `error_ratio high (canary median 0.3 vs 0.01, p=1.2e-5); latency_p99 pass; score 50 < 75`.
    pub fn conclude(&self, results: &[(MetricSpec, Classification)]) -> Measurement {
        let thresholds = self.thresholds();
        let scored = score(results, thresholds);
        let names = |keep: &dyn Fn(&MetricSpec, &Classification) -> bool| {
            results
                .iter()
                .filter(|(s, c)| keep(s, c))
                .map(|(s, _)| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let failed_critical = names(&|s, c| s.critical && c.failed);
        let unseen_critical = names(&|s, c| s.critical && c.verdict == MetricVerdict::NoData);
        let value = scored.score.unwrap_or(f64::NAN);
        let (pass, marginal) = (
            text::number(thresholds.pass),
            text::number(thresholds.marginal),
        );
        let shown = text::number(value);
        let (outcome, summary) = match scored.outcome {
            Outcome::NoData => (
                CheckOutcome::NoData,
                "no metric had enough samples".to_owned(),
            ),
            Outcome::Fail if !failed_critical.is_empty() => (
                CheckOutcome::Fail,
                format!("critical {failed_critical} failed (score {shown})"),
            ),
            Outcome::Fail => (CheckOutcome::Fail, format!("score {shown} < {marginal}")),
            Outcome::Marginal => (
                CheckOutcome::Fail,
                format!("score {shown} < {pass}, marginal (≥ {marginal}): a failed interval"),
            ),
            Outcome::Pass if !unseen_critical.is_empty() => (
                CheckOutcome::NoData,
                format!("score {shown} ≥ {pass}, but critical {unseen_critical} had no data"),
            ),
            Outcome::Pass => (CheckOutcome::Pass, format!("score {shown} ≥ {pass}")),
        };
        let mut detail: Vec<String> = results.iter().map(|(s, c)| metric_detail(s, c)).collect();
        detail.push(summary);
        self.measurement(outcome, scored.score, &detail.join("; "))
    }
}

/// `error_ratio high (canary median 0.3 vs 0.01, p=1.2e-5)`,
/// `latency_p99 pass`, `throughput high, harmless (…)`,
/// `latency_p50 no data (3 canary and 24 baseline sample(s), …)`.
fn metric_detail(spec: &MetricSpec, c: &Classification) -> String {
    match c.verdict {
        MetricVerdict::Pass => format!("{} pass", spec.name),
        MetricVerdict::NoData => format!("{} no data ({})", spec.name, c.reason),
        verdict @ (MetricVerdict::High | MetricVerdict::Low) => {
            let (canary, baseline) = c.medians.unwrap_or((f64::NAN, f64::NAN));
            let arithmetic = format!(
                "canary median {} vs {}, p={}",
                text::number(canary),
                text::number(baseline),
                p_value(c.p_value.unwrap_or(f64::NAN))
            );
            if c.failed {
                let critical = if spec.critical { ", critical" } else { "" };
                format!(
                    "{} {} ({arithmetic}{critical})",
                    spec.name,
                    verdict.as_str()
                )
            } else {
                format!(
                    "{} {}, harmless ({arithmetic})",
                    spec.name,
                    verdict.as_str()
                )
            }
        }
    }
}

/// A p-value in two significant digits: `0.031`, `6.8e-8`.
fn p_value(p: f64) -> String {
    if p.is_finite() && p > 0.0 && p < 1e-3 {
        format!("{p:.1e}")
    } else {
        text::number((p * 1000.0).round() / 1000.0)
    }
}

/// The values of every series, one sample.
fn pooled(series: Vec<Vec<Point>>) -> Vec<f64> {
    series
        .into_iter()
        .flatten()
        .map(|(_, value)| value)
        .filter(|value| value.is_finite())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p_values_are_short() {
        assert_eq!(p_value(6.796e-8), "6.8e-8");
        assert_eq!(p_value(0.03125), "0.031");
        assert_eq!(p_value(0.5), "0.5");
        assert_eq!(p_value(1.0), "1");
        assert_eq!(p_value(0.0), "0");
        assert_eq!(p_value(f64::NAN), "NaN");
    }

    #[test]
    fn directions_parse_and_print() {
        for d in [Direction::Increase, Direction::Decrease, Direction::Either] {
            assert_eq!(parse_direction(direction_name(d)).unwrap(), d);
        }
        assert_eq!(parse_direction(" Increase ").unwrap(), Direction::Increase);
        let err = parse_direction("up").unwrap_err();
        assert!(err.is_input_error());
        assert!(err.to_string().contains("\"up\""), "{err}");
    }
}
