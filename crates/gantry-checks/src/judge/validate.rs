//! What [`Comparison::validate`] refuses before any request, each error
//! naming the field: windows and steps Prometheus cannot serve, scores
//! outside 0 to 100, statistics that cannot be computed, queries that
//! cannot tell the canary from the baseline, and a minimum sample count
//! too small for the test ever to find a change (a check that could
//! never fail would be a false pass).

use std::collections::BTreeSet;
use std::time::Duration;

use gantry_analysis::mann_whitney_u;

use super::{ComparedMetric, Comparison};
use crate::prometheus::MAX_POINTS;
use crate::text;
use crate::{CheckError, Templating};

impl Comparison {
    /// Check the settings before any request; each error names the field
    /// (`window`, `step`, `pass`, `marginal`, `baseline_version`,
    /// `metrics[1] (latency_p99): alpha`, …).
    pub fn validate(&self) -> Result<(), CheckError> {
        let endpoint = self.endpoint();
        endpoint.api_url(&["api", "v1", "query_range"])?;
        endpoint.authorization()?;
        if self.timeout.is_zero() {
            return Err(self.invalid("timeout must be above zero".to_owned()));
        }
        if self.metrics.is_empty() {
            return Err(self.invalid("metrics: at least one metric is needed".to_owned()));
        }
        if self.step.is_zero() {
            return Err(self.invalid("step must be above zero".to_owned()));
        }
        if self.window < self.step {
            return Err(self.invalid(format!(
                "window {} is shorter than step {}",
                text::duration(self.window),
                text::duration(self.step)
            )));
        }
        let points = self.points();
        if points > u128::from(MAX_POINTS) {
            return Err(self.invalid(format!(
                "window {} every step {} is {points} points; Prometheus allows at most {MAX_POINTS}: use a longer step",
                text::duration(self.window),
                text::duration(self.step)
            )));
        }
        for (field, value) in [("pass-score", self.pass), ("marginal-score", self.marginal)] {
            if !(0.0..=100.0).contains(&value) {
                return Err(self.invalid(format!(
                    "{field} must be a score from 0 to 100, not {}",
                    text::number(value)
                )));
            }
        }
        if self.marginal > self.pass {
            return Err(self.invalid(format!(
                "marginal-score {} is above pass-score {}",
                text::number(self.marginal),
                text::number(self.pass)
            )));
        }
        for (field, value) in [
            ("canary-version", &self.canary_version),
            ("baseline-version", &self.baseline_version),
        ] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                return Err(self.invalid(format!("{field} is empty (an unset variable?)")));
            }
        }
        if let (Some(canary), Some(baseline)) = (&self.canary_version, &self.baseline_version)
            && canary == baseline
        {
            return Err(self.invalid(format!(
                "baseline-version {baseline:?} is the canary-version: the judge would compare the canary with itself"
            )));
        }
        let mut names = BTreeSet::new();
        for (index, metric) in self.metrics.iter().enumerate() {
            self.validate_metric(index, metric, points)?;
            if !names.insert(metric.name.as_str()) {
                return Err(self.invalid(format!(
                    "metrics[{index}]: name {:?} is used twice; metric names must be unique",
                    metric.name
                )));
            }
        }
        if self.metrics.iter().map(|m| m.weight).sum::<f64>() <= 0.0 {
            return Err(self.invalid(
                "metrics: the weights add up to 0; at least one metric needs a weight above 0"
                    .to_owned(),
            ));
        }
        Ok(())
    }

    /// Points per series in the window, as Prometheus counts them.
    fn points(&self) -> u128 {
        self.window.as_millis() / self.step.as_millis().max(1) + 1
    }

    fn validate_metric(
        &self,
        index: usize,
        metric: &ComparedMetric,
        points: u128,
    ) -> Result<(), CheckError> {
        let at = if metric.name.is_empty() {
            format!("metrics[{index}]")
        } else {
            format!("metrics[{index}] ({})", metric.name)
        };
        let bad = |reason: String| self.invalid(format!("{at}: {reason}"));
        if metric.name.trim().is_empty() {
            return Err(bad("name is empty".to_owned()));
        }
        match (&metric.query, &metric.canary_query, &metric.baseline_query) {
            (Some(query), None, None) => {
                check_query("query", query).map_err(&bad)?;
                if !uses_version(query) {
                    return Err(bad(
                        "query must tell the canary from the baseline with {{version}} (e.g. version=\"{{version}}\"), or give canary-query and baseline-query instead".to_owned(),
                    ));
                }
                if self.baseline_version.is_none() {
                    return Err(bad(
                        "query uses {{version}} for both sides, so baseline-version is needed"
                            .to_owned(),
                    ));
                }
            }
            (None, Some(canary), Some(baseline)) => {
                check_query("canary-query", canary).map_err(&bad)?;
                check_query("baseline-query", baseline).map_err(&bad)?;
                if uses_version(baseline) && self.baseline_version.is_none() {
                    return Err(bad(
                        "baseline-query uses {{version}}, so baseline-version is needed".to_owned(),
                    ));
                }
                if canary == baseline && !uses_version(canary) {
                    return Err(bad(
                        "canary-query and baseline-query are the same query".to_owned()
                    ));
                }
            }
            (None, None, None) => {
                return Err(bad(
                    "no query: give query, or canary-query and baseline-query".to_owned(),
                ));
            }
            (Some(_), _, _) => {
                return Err(bad(
                    "give either query or canary-query and baseline-query, not both".to_owned(),
                ));
            }
            (None, Some(_), None) => {
                return Err(bad("canary-query needs baseline-query too".to_owned()));
            }
            (None, None, Some(_)) => {
                return Err(bad("baseline-query needs canary-query too".to_owned()));
            }
        }
        if !(metric.alpha > 0.0 && metric.alpha < 1.0) {
            return Err(bad(format!(
                "alpha must be between 0 and 1 (exclusive), not {}",
                text::number(metric.alpha)
            )));
        }
        for (field, value) in [("tolerance", metric.tolerance), ("floor", metric.floor)] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(bad(format!(
                    "{field} must be a finite number ≥ 0, not {}",
                    text::number(value)
                )));
            }
        }
        if !(metric.weight.is_finite() && metric.weight >= 0.0) {
            return Err(bad(format!(
                "weight must be a finite number ≥ 0, not {}",
                text::number(metric.weight)
            )));
        }
        if metric.min_samples == 0 {
            return Err(bad("min-samples must be at least 1".to_owned()));
        }
        if let Some(best) = smallest_p_value(metric.min_samples)
            && best >= metric.alpha
        {
            return Err(bad(format!(
                "min-samples {} cannot show any change at alpha {}: with {} sample(s) a side the smallest possible p-value is {}; raise min-samples or alpha",
                metric.min_samples,
                text::number(metric.alpha),
                metric.min_samples,
                text::number(best)
            )));
        }
        if points < metric.min_samples as u128 {
            return Err(bad(format!(
                "min-samples {} is more than the {points} point(s) of a series in window {} every step {}: lengthen the window, shorten the step or lower min-samples",
                metric.min_samples,
                text::duration(self.window),
                text::duration(self.step)
            )));
        }
        Ok(())
    }
}

/// `query` is not blank and uses only known placeholders.
fn check_query(field: &str, query: &str) -> Result<(), String> {
    if query.trim().is_empty() {
        return Err(format!("{field} is empty"));
    }
    crate::template::check_template(query).map_err(|err| format!("{field}: {err}"))
}

/// Whether `template` says `{{version}}` (in any spelling the templating
/// accepts): it renders differently for two versions.
pub(super) fn uses_version(template: &str) -> bool {
    let with = |version: &str| {
        Templating {
            name: String::new(),
            namespace: String::new(),
            version: version.to_owned(),
            interval: Duration::from_secs(1),
        }
        .render(template)
    };
    matches!((with("a"), with("b")), (Ok(a), Ok(b)) if a != b)
}

/// The smallest p-value the judge's test can give with `n` samples a side
/// (every canary sample above every baseline one), or `None` for `n` so
/// large that it is far below any sensible alpha.
fn smallest_p_value(n: usize) -> Option<f64> {
    if n > 100 {
        return None;
    }
    let low: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let high: Vec<f64> = (n..2 * n).map(|i| i as f64).collect();
    mann_whitney_u(&high, &low).map(|test| test.p_value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smallest_p_values_follow_the_test() {
        // Exact with at most 8 a side: 2 / C(2n, n).
        assert_eq!(smallest_p_value(1), Some(1.0));
        assert!((smallest_p_value(3).unwrap() - 0.1).abs() < 1e-12);
        assert!((smallest_p_value(4).unwrap() - 2.0 / 70.0).abs() < 1e-12);
        assert!(smallest_p_value(10).unwrap() < 1e-3);
        assert_eq!(smallest_p_value(1000), None);
    }

    #[test]
    fn version_placeholders_are_found_in_any_spelling() {
        assert!(uses_version(r#"x{v="{{version}}"}"#));
        assert!(uses_version(r#"x{v="{{ version }}"}"#));
        assert!(!uses_version(r#"x{app="{{name}}"}"#));
        assert!(!uses_version("{{ nope }}"));
    }
}
