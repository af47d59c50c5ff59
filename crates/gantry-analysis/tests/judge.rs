//! The judge on generated samples with known shifts, and the score.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use gantry_analysis::{
    Direction, MetricSpec, MetricVerdict as V, Outcome, Thresholds, classify, score,
};

/// A small deterministic generator (SplitMix64) with normal samples by
/// Box-Muller, so the cases are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self, mean: f64, sd: f64) -> f64 {
        let u1 = self.next().max(1e-300);
        let u2 = self.next();
        mean + sd * (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    fn sample(&mut self, n: usize, mean: f64, sd: f64) -> Vec<f64> {
        (0..n).map(|_| self.normal(mean, sd)).collect()
    }
}

#[test]
fn known_shifts_are_classified() {
    let latency = MetricSpec::new("p99 latency", Direction::Increase);
    let throughput = MetricSpec::new("throughput", Direction::Decrease);
    let either = MetricSpec::new("cpu", Direction::Either);
    // (spec, n, canary mean, baseline mean, sd, verdict, failed)
    let table: Vec<(&MetricSpec, usize, f64, f64, f64, V, bool)> = vec![
        (&latency, 60, 100.0, 100.0, 5.0, V::Pass, false),
        (&latency, 60, 130.0, 100.0, 5.0, V::High, true),
        (&latency, 60, 70.0, 100.0, 5.0, V::Low, false),
        (&throughput, 60, 70.0, 100.0, 5.0, V::Low, true),
        (&throughput, 60, 130.0, 100.0, 5.0, V::High, false),
        (&either, 60, 130.0, 100.0, 5.0, V::High, true),
        (&either, 60, 70.0, 100.0, 5.0, V::Low, true),
        // Significant but inside the 10% band: not a regression.
        (&latency, 2000, 102.0, 100.0, 5.0, V::Pass, false),
        // Beyond the band but too noisy to be significant.
        (&latency, 10, 115.0, 100.0, 60.0, V::Pass, false),
        // The minimum-sample guard.
        (&latency, 5, 500.0, 100.0, 5.0, V::NoData, false),
    ];
    let mut rng = Rng(7);
    for (spec, n, canary, baseline, sd, verdict, failed) in table {
        let c = classify(
            spec,
            &rng.sample(n, canary, sd),
            &rng.sample(n, baseline, sd),
        );
        assert_eq!(
            (c.verdict, c.failed),
            (verdict, failed),
            "{} n={n} {canary} vs {baseline}: {}",
            spec.name,
            c.reason
        );
    }
}

#[test]
fn error_ratios_with_a_zero_baseline_use_the_floor() {
    let spec = MetricSpec {
        floor: 0.01,
        ..MetricSpec::new("error ratio", Direction::Increase)
    };
    let zeros = vec![0.0; 30];
    let tiny: Vec<f64> = (0..30)
        .map(|i| if i % 10 == 0 { 0.004 } else { 0.0 })
        .collect();
    let bad: Vec<f64> = (0..30).map(|i| 0.25 + f64::from(i) * 0.001).collect();
    let c = classify(&spec, &tiny, &zeros);
    assert_eq!(c.verdict, V::Pass, "{}", c.reason);
    let c = classify(&spec, &bad, &zeros);
    assert_eq!((c.verdict, c.failed), (V::High, true), "{}", c.reason);
    assert_eq!(c.relative, None, "no relative change from a zero baseline");
    // NaN and infinities are no data, not zeros.
    let c = classify(&spec, &[f64::NAN; 30], &zeros);
    assert_eq!(c.verdict, V::NoData);
}

#[test]
fn no_false_alarms_without_a_shift() {
    // 200 healthy comparisons: a regression must be significant AND beyond
    // the band, so noise alone must not fail any.
    let spec = MetricSpec::new("latency", Direction::Increase);
    let mut rng = Rng(42);
    let failures = (0..200)
        .filter(|_| {
            classify(
                &spec,
                &rng.sample(40, 100.0, 8.0),
                &rng.sample(40, 100.0, 8.0),
            )
            .failed
        })
        .count();
    assert_eq!(failures, 0);
}

#[test]
fn scores_weigh_metrics_and_critical_ones_fail_alone() {
    let mut rng = Rng(3);
    let spec = |name: &str, weight: f64, critical: bool| MetricSpec {
        weight,
        critical,
        ..MetricSpec::new(name, Direction::Increase)
    };
    let good = |rng: &mut Rng, s: &MetricSpec| {
        classify(s, &rng.sample(40, 100.0, 5.0), &rng.sample(40, 100.0, 5.0))
    };
    let bad = |rng: &mut Rng, s: &MetricSpec| {
        classify(s, &rng.sample(40, 150.0, 5.0), &rng.sample(40, 100.0, 5.0))
    };
    let none = |s: &MetricSpec| classify(s, &[], &[]);

    let a = spec("a", 3.0, false);
    let b = spec("b", 1.0, false);
    let c = spec("c", 1.0, true);
    let all_good = vec![
        (a.clone(), good(&mut rng, &a)),
        (b.clone(), good(&mut rng, &b)),
    ];
    let s = score(&all_good, Thresholds::default());
    assert_eq!(
        (s.score, s.outcome),
        (Some(100.0), Outcome::Pass),
        "{}",
        s.explanation
    );

    let one_light_bad = vec![
        (a.clone(), good(&mut rng, &a)),
        (b.clone(), bad(&mut rng, &b)),
    ];
    let s = score(&one_light_bad, Thresholds::default());
    assert_eq!(
        (s.score, s.outcome),
        (Some(75.0), Outcome::Marginal),
        "{}",
        s.explanation
    );

    let heavy_bad = vec![
        (a.clone(), bad(&mut rng, &a)),
        (b.clone(), good(&mut rng, &b)),
    ];
    let s = score(&heavy_bad, Thresholds::default());
    assert_eq!(
        (s.score, s.outcome),
        (Some(25.0), Outcome::Fail),
        "{}",
        s.explanation
    );

    let critical = vec![
        (a.clone(), good(&mut rng, &a)),
        (b.clone(), good(&mut rng, &b)),
        (c.clone(), bad(&mut rng, &c)),
    ];
    let s = score(
        &critical,
        Thresholds {
            pass: 60.0,
            marginal: 50.0,
        },
    );
    assert_eq!(s.outcome, Outcome::Fail, "{}", s.explanation);
    assert!(
        s.explanation.contains("critical metric(s) failed: c"),
        "{}",
        s.explanation
    );

    let with_no_data = vec![(a.clone(), good(&mut rng, &a)), (b.clone(), none(&b))];
    let s = score(&with_no_data, Thresholds::default());
    assert_eq!(
        (s.score, s.outcome),
        (Some(100.0), Outcome::Pass),
        "no-data metrics are left out: {}",
        s.explanation
    );
    let s = score(&[(b.clone(), none(&b))], Thresholds::default());
    assert_eq!((s.score, s.outcome), (None, Outcome::NoData));
}
