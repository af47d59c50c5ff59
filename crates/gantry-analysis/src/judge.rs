//! The canary-versus-baseline judge, after Kayenta's NetflixACAJudge: each
//! metric's canary and baseline samples are compared with a Mann-Whitney U
//! test and the Hodges-Lehmann shift; a metric is *high* or *low* only when
//! the difference is significant **and** larger than its tolerance band (a
//! significant 0.1% change is not a regression). Metrics are weighted into
//! a score out of 100, read against a pass and a marginal threshold. A
//! critical metric that fails fails the run whatever the score.

use crate::mann_whitney::{hodges_lehmann, mann_whitney_u, median_in_place};

/// Which change of a metric is bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A higher canary value is bad (errors, latency).
    Increase,
    /// A lower canary value is bad (throughput, success rate).
    Decrease,
    /// Any significant change is bad.
    Either,
}

/// How one metric is judged.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSpec {
    /// The metric's name, for reports.
    pub name: String,
    /// Which change is bad.
    pub direction: Direction,
    /// The relative change tolerated, as a fraction of the baseline's
    /// median (0.1: canary may be 10% off).
    pub tolerance: f64,
    /// An absolute change tolerated whatever the baseline (for metrics
    /// whose baseline is often 0, like error ratios).
    pub floor: f64,
    /// Significance level of the test (0.05).
    pub alpha: f64,
    /// Weight in the score.
    pub weight: f64,
    /// A failure of this metric fails the run.
    pub critical: bool,
    /// Fewer samples than this, on either side, is no data.
    pub min_samples: usize,
}

impl MetricSpec {
    /// A spec with the usual defaults: 5% significance, weight 1, 10%
    /// tolerance, no floor, not critical, at least 10 samples.
    pub fn new(name: impl Into<String>, direction: Direction) -> MetricSpec {
        MetricSpec {
            name: name.into(),
            direction,
            tolerance: 0.1,
            floor: 0.0,
            alpha: 0.05,
            weight: 1.0,
            critical: false,
            min_samples: 10,
        }
    }
}

/// A metric's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// No significant change beyond the tolerance in the bad direction.
    Pass,
    /// The canary is higher, significantly and beyond the tolerance.
    High,
    /// The canary is lower, significantly and beyond the tolerance.
    Low,
    /// Not enough samples to judge.
    NoData,
}

impl Verdict {
    /// Lower-case name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::High => "high",
            Verdict::Low => "low",
            Verdict::NoData => "nodata",
        }
    }
}

/// How one metric was judged, with the numbers that decided it.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    /// The metric.
    pub name: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Whether the verdict counts against the canary (high or low in the
    /// bad direction).
    pub failed: bool,
    /// Two-sided p-value (`None` without data).
    pub p_value: Option<f64>,
    /// Hodges-Lehmann shift of canary over baseline.
    pub shift: Option<f64>,
    /// The shift relative to the baseline's median (`None` when that is 0).
    pub relative: Option<f64>,
    /// Canary and baseline medians.
    pub medians: Option<(f64, f64)>,
    /// Samples, canary and baseline (NaN dropped).
    pub samples: (usize, usize),
    /// One sentence with the arithmetic.
    pub reason: String,
}

/// Judge one metric.
pub fn classify(spec: &MetricSpec, canary: &[f64], baseline: &[f64]) -> Classification {
    let canary: Vec<f64> = canary.iter().copied().filter(|v| v.is_finite()).collect();
    let baseline: Vec<f64> = baseline.iter().copied().filter(|v| v.is_finite()).collect();
    let samples = (canary.len(), baseline.len());
    let no_data = |reason: String| Classification {
        name: spec.name.clone(),
        verdict: Verdict::NoData,
        failed: false,
        p_value: None,
        shift: None,
        relative: None,
        medians: None,
        samples,
        reason,
    };
    if canary.len() < spec.min_samples.max(1) || baseline.len() < spec.min_samples.max(1) {
        return no_data(format!(
            "{} canary and {} baseline sample(s), fewer than the {} needed",
            canary.len(),
            baseline.len(),
            spec.min_samples
        ));
    }
    let (Some(test), Some(shift)) = (
        mann_whitney_u(&canary, &baseline),
        hodges_lehmann(&canary, &baseline),
    ) else {
        return no_data("the samples cannot be compared".to_owned());
    };
    let median_c = median_in_place(&mut canary.clone()).unwrap_or(f64::NAN);
    let median_b = median_in_place(&mut baseline.clone()).unwrap_or(f64::NAN);
    let relative = (median_b != 0.0).then(|| shift / median_b.abs());
    let allowed = (spec.tolerance * median_b.abs()).max(spec.floor);
    let significant = test.p_value < spec.alpha;
    let beyond = shift.abs() > allowed;
    let verdict = if significant && beyond {
        if shift > 0.0 {
            Verdict::High
        } else {
            Verdict::Low
        }
    } else {
        Verdict::Pass
    };
    let failed = matches!(
        (verdict, spec.direction),
        (Verdict::High, Direction::Increase | Direction::Either)
            | (Verdict::Low, Direction::Decrease | Direction::Either)
    );
    let reason = format!(
        "canary median {median_c:.6} vs baseline {median_b:.6}, shift {shift:+.6} (allowed ±{allowed:.6}), p = {:.4} {} α = {}: {}{}",
        test.p_value,
        if significant { "<" } else { "≥" },
        spec.alpha,
        verdict.as_str(),
        if verdict != Verdict::Pass && !failed {
            " (in the harmless direction)"
        } else {
            ""
        },
    );
    Classification {
        name: spec.name.clone(),
        verdict,
        failed,
        p_value: Some(test.p_value),
        shift: Some(shift),
        relative,
        medians: Some((median_c, median_b)),
        samples,
        reason,
    }
}

/// Thresholds of the score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// At or above: pass (95).
    pub pass: f64,
    /// At or above, below pass: marginal (75).
    pub marginal: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            pass: 95.0,
            marginal: 75.0,
        }
    }
}

/// The judge's overall result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The score passes and no critical metric failed.
    Pass,
    /// Between the thresholds: neither promote nor roll back yet.
    Marginal,
    /// Below marginal, or a critical metric failed.
    Fail,
    /// No metric had data.
    NoData,
}

/// A weighted score over the classifications.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// 0 to 100 over the metrics with data (`None` if none had any).
    pub score: Option<f64>,
    /// What it means.
    pub outcome: Outcome,
    /// The arithmetic, for the report.
    pub explanation: String,
}

/// Weigh `results` (each with its spec) into a score.
pub fn score(results: &[(MetricSpec, Classification)], thresholds: Thresholds) -> Score {
    let judged: Vec<&(MetricSpec, Classification)> = results
        .iter()
        .filter(|(_, c)| c.verdict != Verdict::NoData)
        .collect();
    let total: f64 = judged.iter().map(|(s, _)| s.weight).sum();
    if judged.is_empty() || total <= 0.0 {
        return Score {
            score: None,
            outcome: Outcome::NoData,
            explanation: format!("no metric had data ({} metric(s))", results.len()),
        };
    }
    let passed: f64 = judged
        .iter()
        .filter(|(_, c)| !c.failed)
        .map(|(s, _)| s.weight)
        .sum();
    let score = 100.0 * passed / total;
    let critical: Vec<&str> = judged
        .iter()
        .filter(|(s, c)| s.critical && c.failed)
        .map(|(s, _)| s.name.as_str())
        .collect();
    let outcome = if !critical.is_empty() || score < thresholds.marginal {
        Outcome::Fail
    } else if score < thresholds.pass {
        Outcome::Marginal
    } else {
        Outcome::Pass
    };
    let mut explanation = format!(
        "score {score:.1} = 100 × {passed} / {total} (weights passing / weights judged; {} of {} metric(s) had data); pass ≥ {}, marginal ≥ {}",
        judged.len(),
        results.len(),
        thresholds.pass,
        thresholds.marginal
    );
    if !critical.is_empty() {
        explanation.push_str(&format!(
            "; critical metric(s) failed: {}",
            critical.join(", ")
        ));
    }
    Score {
        score: Some(score),
        outcome,
        explanation,
    }
}
