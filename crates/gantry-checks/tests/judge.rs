//! The canary-versus-baseline judge: its outcome table (pure), its
//! validation, and real runs against a real Prometheus scraping a baseline
//! and three canaries (healthy, 30% errors, a slow p99) under load.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

use std::time::{Duration, Instant};

use gantry_analysis::{
    CheckOutcome, Classification, Direction, MetricSpec, MetricVerdict, classify,
};
use gantry_checks::{
    Check, CheckError, ComparedMetric, Comparison, Measurement, Templating, client,
};
use gantry_test_support::canary_app::{CanaryApp, CanaryConfig, Noise};
use gantry_test_support::load::Load;
use gantry_test_support::prometheus::{APP_JOB, Prometheus};
use url::Url;

/// Prometheus scrapes first ~5 s after it starts.
const FIRST_SCRAPE: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(500);

const ERROR_RATIO: &str = r#"sum(rate(http_requests_total{version="{{version}}",code=~"5.."}[{{interval}}])) / sum(rate(http_requests_total{version="{{version}}"}[{{interval}}]))"#;

fn latency(quantile: f64) -> String {
    format!(
        r#"histogram_quantile({quantile}, sum by (le) (rate(http_request_duration_seconds_bucket{{version="{{{{version}}}}"}}[{{{{interval}}}}])))"#
    )
}

fn templating(version: &str) -> Templating {
    Templating {
        name: "app".to_owned(),
        namespace: "default".to_owned(),
        version: version.to_owned(),
        interval: Duration::from_secs(5),
    }
}

/// Error ratio (2 points of absolute slack), p99 and p50 latency (25 ms of
/// slack): healthy apps never differ by that much, the faults do by far.
fn metrics() -> Vec<ComparedMetric> {
    let mut errors = ComparedMetric::new("error_ratio", ERROR_RATIO, Direction::Increase);
    errors.floor = 0.02;
    let mut p99 = ComparedMetric::new("latency_p99", latency(0.99), Direction::Increase);
    p99.floor = 0.025;
    let mut p50 = ComparedMetric::new("latency_p50", latency(0.5), Direction::Increase);
    p50.floor = 0.025;
    for m in [&mut errors, &mut p99, &mut p50] {
        m.min_samples = 8;
    }
    vec![errors, p99, p50]
}

/// The last 10 s every second (11 points a side), baseline `base-1`.
fn judge(base: &str, canary: Option<&str>) -> Comparison {
    Comparison {
        canary_version: canary.map(str::to_owned),
        baseline_version: Some("base-1".to_owned()),
        window: Duration::from_secs(10),
        step: Duration::from_secs(1),
        timeout: Duration::from_secs(2),
        ..Comparison::new(Url::parse(base).unwrap(), metrics())
    }
}

async fn measure(judge: &Comparison, version: &str) -> (Measurement, Vec<Classification>) {
    Check::Judge(judge.clone()).validate().unwrap();
    let (m, classifications) = judge
        .measure_detailed(&client().unwrap(), &templating(version))
        .await;
    eprintln!(
        "{}: {:?} value {:?} [{}] {}",
        m.check, m.outcome, m.value, m.threshold, m.detail
    );
    (m, classifications)
}

/// Measure every [`POLL`] while there is no data (both sides need 8
/// samples; the apps are scraped at different moments); the first
/// measurement with data.
async fn with_data(judge: &Comparison, version: &str) -> (Measurement, Vec<Classification>) {
    let started = Instant::now();
    loop {
        let (m, classifications) = measure(judge, version).await;
        if m.outcome != CheckOutcome::NoData {
            return (m, classifications);
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "still no data: {m:?}"
        );
        tokio::time::sleep(POLL).await;
    }
}

fn classification<'a>(all: &'a [Classification], name: &str) -> &'a Classification {
    all.iter().find(|c| c.name == name).unwrap()
}

/// Everything that needs a running Prometheus, sharing one: no data
/// before the first scrape and with an idle baseline (never a pass); a
/// healthy canary passes; 30% errors and a slow p99 fail on the metric
/// that moved; a bad query is bad input before the run and a provider
/// error during it; Prometheus stopped is a provider error.
#[tokio::test]
async fn judges_canaries_against_a_baseline_in_real_prometheus() {
    let noise = Noise::with_background_errors();
    let baseline = CanaryApp::start(CanaryConfig::new("base-1").with_noise(noise)).unwrap();
    let good =
        CanaryApp::start(CanaryConfig::new("good-1").with_noise(noise).with_seed(7)).unwrap();
    let errors = CanaryApp::start(
        CanaryConfig::new("errors-1")
            .with_noise(noise)
            .with_error_rate(0.3),
    )
    .unwrap();
    let slow = CanaryApp::start(CanaryConfig::new("slow-1").with_noise(noise)).unwrap();
    slow.set_tail_latency(Duration::from_millis(400));
    let apps = [&baseline, &good, &errors, &slow];
    let prom = Prometheus::start(&apps.map(|a| a.host_port())).unwrap();
    // 50 requests a second to each app.
    let load = Load::start(
        &apps.map(|a| a.url_for("/api/work")),
        200.0,
        Duration::from_secs(60),
        8,
    )
    .unwrap();
    let client = client().unwrap();
    let base = prom.url();

    // The canary's version from the templating, the others' from the judge.
    let healthy = judge(&base, None);
    let erroring = judge(&base, Some("errors-1"));
    let slowed = judge(&base, Some("slow-1"));
    assert_eq!(
        healthy.display_name(),
        "canary vs baseline: error_ratio, latency_p99, latency_p50"
    );
    assert_eq!(healthy.threshold(), "score ≥ 95 (marginal 75)");

    // Every query parses; one that does not is bad input before the run.
    Check::Judge(healthy.clone())
        .preflight(&client, &templating("good-1"))
        .await
        .unwrap();
    let mut broken = healthy.clone();
    broken.metrics[1].query = Some(r#"sum(rate(x{v="{{version}}"}[1m])"#.to_owned());
    let err = broken
        .preflight(&client, &templating("good-1"))
        .await
        .unwrap_err();
    assert!(matches!(err, CheckError::BadQuery { .. }), "{err}");
    assert!(err.is_input_error());
    // A range vector cannot be a range query: bad input too.
    let mut range_vector = healthy.clone();
    range_vector.metrics[0].query = Some(r#"up{v="{{version}}"}[5s]"#.to_owned());
    let err = range_vector
        .preflight(&client, &templating("good-1"))
        .await
        .unwrap_err();
    assert!(matches!(err, CheckError::BadQuery { .. }), "{err}");
    // The canary's version being the baseline's is caught once templated.
    let err = healthy
        .preflight(&client, &templating("base-1"))
        .await
        .unwrap_err();
    assert!(err.is_input_error());
    assert!(
        err.to_string().contains("the same after templating"),
        "{err}"
    );

    // (d) Before the first scrape: no data, never a pass.
    let (m, classifications) = measure(&healthy, "good-1").await;
    assert_eq!((m.outcome, m.value), (CheckOutcome::NoData, None), "{m:?}");
    assert!(
        m.detail.starts_with(
            "error_ratio no data (0 canary and 0 baseline sample(s), fewer than the 8 needed); "
        ),
        "{m:?}"
    );
    assert!(
        m.detail.ends_with("; no metric had enough samples"),
        "{m:?}"
    );
    assert!(
        classifications
            .iter()
            .all(|c| c.verdict == MetricVerdict::NoData)
    );

    // While the window fills, no data until both sides have 8 samples; then
    // (a) the healthy canary passes.
    prom.wait_for_scrape(APP_JOB, FIRST_SCRAPE).unwrap();
    let started = Instant::now();
    let (m, classifications) = with_data(&healthy, "good-1").await;
    eprintln!(
        "judged {:.1} s after the first scrape",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(m.outcome, CheckOutcome::Pass, "{m:?}");
    assert_eq!(m.value, Some(100.0));
    assert_eq!(
        m.detail,
        "error_ratio pass; latency_p99 pass; latency_p50 pass; score 100 ≥ 95"
    );
    let errors_seen = classification(&classifications, "error_ratio");
    let (canary_median, baseline_median) = errors_seen.medians.unwrap();
    assert!(
        (0.0..0.03).contains(&canary_median) && (0.0..0.03).contains(&baseline_median),
        "{errors_seen:?}"
    );
    assert!(
        classifications
            .iter()
            .all(|c| c.samples.0 >= 8 && c.samples.1 >= 8 && c.samples.0 <= 11),
        "{classifications:?}"
    );

    // (b) 30% errors: fails, on the error ratio alone.
    let (m, classifications) = with_data(&erroring, "ignored").await;
    assert_eq!(m.outcome, CheckOutcome::Fail, "{m:?}");
    let value = m.value.unwrap();
    assert!((value - 200.0 / 3.0).abs() < 1e-9, "{m:?}");
    assert!(
        m.detail.starts_with("error_ratio high (canary median 0.3"),
        "{m:?}"
    );
    assert!(
        m.detail
            .ends_with("; latency_p99 pass; latency_p50 pass; score 66.67 < 75"),
        "{m:?}"
    );
    let seen = classification(&classifications, "error_ratio");
    assert!(
        seen.failed && seen.verdict == MetricVerdict::High,
        "{seen:?}"
    );
    let (canary_median, baseline_median) = seen.medians.unwrap();
    assert!((0.27..0.36).contains(&canary_median), "{seen:?}");
    assert!(baseline_median < 0.03, "{seen:?}");
    assert!(seen.p_value.unwrap() < 0.01, "{seen:?}");

    // (c) The slow tail: p99 fails, p50 and errors do not.
    let (m, classifications) = with_data(&slowed, "ignored").await;
    assert_eq!(m.outcome, CheckOutcome::Fail, "{m:?}");
    assert!(
        m.detail
            .starts_with("error_ratio pass; latency_p99 high (canary median 0."),
        "{m:?}"
    );
    assert!(
        m.detail.ends_with("; latency_p50 pass; score 66.67 < 75"),
        "{m:?}"
    );
    let p99 = classification(&classifications, "latency_p99");
    assert!(p99.failed, "{p99:?}");
    let (canary_p99, baseline_p99) = p99.medians.unwrap();
    assert!(canary_p99 > 0.25 && baseline_p99 < 0.05, "{p99:?}");
    assert!(!classification(&classifications, "latency_p50").failed);

    // (d) No traffic on the baseline's side: no data, never a pass.
    let mut idle = healthy.clone();
    idle.baseline_version = Some("nobody-1".to_owned());
    let (m, _) = measure(&idle, "good-1").await;
    assert_eq!((m.outcome, m.value), (CheckOutcome::NoData, None), "{m:?}");
    assert!(m.detail.contains(" baseline sample(s)"), "{m:?}");
    assert!(m.detail.contains("canary and 0 baseline"), "{m:?}");

    // A query Prometheus refuses mid-run is a provider error naming the
    // metric and the side.
    let (m, classifications) = broken
        .measure_detailed(&client, &templating("good-1"))
        .await;
    assert_eq!((m.outcome, m.value), (CheckOutcome::ProviderError, None));
    assert!(
        m.detail
            .starts_with("latency_p99 canary: HTTP 400 from Prometheus: bad_data: "),
        "{m:?}"
    );
    assert!(classifications.is_empty());

    // (e) Prometheus stopped: a provider error, never a failure.
    drop(prom);
    let (m, classifications) = measure(&healthy, "good-1").await;
    assert_eq!(
        (m.outcome, m.value, m.detail.as_str()),
        (
            CheckOutcome::ProviderError,
            None,
            "error_ratio canary: Prometheus unreachable: connection refused"
        )
    );
    assert!(classifications.is_empty());
    let err = Check::Judge(healthy.clone())
        .preflight(&client, &templating("good-1"))
        .await
        .unwrap_err();
    assert!(!err.is_input_error(), "{err}");
    drop(load);
}

fn spec(name: &str, weight: f64, critical: bool) -> MetricSpec {
    MetricSpec {
        weight,
        critical,
        ..MetricSpec::new(name, Direction::Increase)
    }
}

fn series(level: f64) -> Vec<f64> {
    (0..20).map(|i| level + f64::from(i) * 0.001).collect()
}

/// How one metric comes out, from real samples.
#[derive(Clone, Copy)]
enum Seen {
    Pass,
    High,
    Low,
    NoData,
}

fn judged(spec: MetricSpec, seen: Seen) -> (MetricSpec, Classification) {
    let (canary, baseline) = match seen {
        Seen::Pass => (series(1.0), series(1.0)),
        Seen::High => (series(2.0), series(1.0)),
        Seen::Low => (series(0.5), series(1.0)),
        Seen::NoData => (vec![1.0, 2.0], series(1.0)),
    };
    let c = classify(&spec, &canary, &baseline);
    (spec, c)
}

/// What, the metrics, the outcome, the value, how the detail ends.
type Case = (
    &'static str,
    Vec<(MetricSpec, Seen)>,
    CheckOutcome,
    Option<f64>,
    &'static str,
);

/// The outcome mapping, with no I/O: pass at or above 95, marginal fails,
/// below 75 fails, a critical failure fails whatever the score, no data is
/// never a pass (nor a passing score while a critical metric is unseen).
#[test]
fn outcome_table() {
    use CheckOutcome::{Fail, NoData, Pass};
    let judge = Comparison::new(Url::parse("http://127.0.0.1:9090").unwrap(), Vec::new());
    let plain = |name: &str| spec(name, 1.0, false);
    let cases: Vec<Case> = vec![
        (
            "all pass",
            vec![(plain("a"), Seen::Pass), (plain("b"), Seen::Pass)],
            Pass,
            Some(100.0),
            "a pass; b pass; score 100 ≥ 95",
        ),
        (
            "one of two high",
            vec![(plain("a"), Seen::High), (plain("b"), Seen::Pass)],
            Fail,
            Some(50.0),
            "; b pass; score 50 < 75",
        ),
        (
            "marginal: one of five fails",
            vec![
                (plain("a"), Seen::High),
                (plain("b"), Seen::Pass),
                (plain("c"), Seen::Pass),
                (plain("d"), Seen::Pass),
                (plain("e"), Seen::Pass),
            ],
            Fail,
            Some(80.0),
            "; score 80 < 95, marginal (≥ 75): a failed interval",
        ),
        (
            "exactly at pass",
            vec![
                (plain("a"), Seen::High),
                (spec("b", 19.0, false), Seen::Pass),
            ],
            Pass,
            Some(95.0),
            "; b pass; score 95 ≥ 95",
        ),
        (
            "critical failure with a passing score",
            vec![
                (spec("errors", 1.0, true), Seen::High),
                (spec("rest", 99.0, false), Seen::Pass),
            ],
            Fail,
            Some(99.0),
            "; rest pass; critical errors failed (score 99)",
        ),
        (
            "lower in the harmless direction",
            vec![(plain("a"), Seen::Low), (plain("b"), Seen::Pass)],
            Pass,
            Some(100.0),
            "; b pass; score 100 ≥ 95",
        ),
        (
            "every metric without data",
            vec![(plain("a"), Seen::NoData), (plain("b"), Seen::NoData)],
            NoData,
            None,
            "; no metric had enough samples",
        ),
        (
            "some without data: judged on the others",
            vec![(plain("a"), Seen::NoData), (plain("b"), Seen::Pass)],
            Pass,
            Some(100.0),
            "; b pass; score 100 ≥ 95",
        ),
        (
            "some without data, the others failing",
            vec![(plain("a"), Seen::NoData), (plain("b"), Seen::High)],
            Fail,
            Some(0.0),
            "; score 0 < 75",
        ),
        (
            "a critical metric unseen",
            vec![
                (spec("errors", 1.0, true), Seen::NoData),
                (plain("b"), Seen::Pass),
            ],
            NoData,
            Some(100.0),
            "; b pass; score 100 ≥ 95, but critical errors had no data",
        ),
        (
            "no metrics at all",
            vec![],
            NoData,
            None,
            "no metric had enough samples",
        ),
    ];
    for (what, metrics, outcome, value, detail) in cases {
        let results: Vec<(MetricSpec, Classification)> = metrics
            .into_iter()
            .map(|(s, seen)| judged(s, seen))
            .collect();
        let m = judge.conclude(&results);
        assert_eq!((m.outcome, m.value), (outcome, value), "{what}: {m:?}");
        assert!(m.detail.ends_with(detail), "{what}: {m:?}");
    }

    // The failed metric's arithmetic, in brief.
    let m = judge.conclude(&[
        judged(spec("errors", 1.0, true), Seen::High),
        judged(plain("low"), Seen::Low),
        judged(plain("few"), Seen::NoData),
    ]);
    assert_eq!(
        m.detail,
        "errors high (canary median 2.01 vs 1.01, p=6.8e-8, critical); \
         low low, harmless (canary median 0.5095 vs 1.01, p=6.8e-8); \
         few no data (2 canary and 20 baseline sample(s), fewer than the 10 needed); \
         critical errors failed (score 50)",
        "{m:?}"
    );
}

fn valid() -> Comparison {
    Comparison {
        baseline_version: Some("base-1".to_owned()),
        ..Comparison::new(
            Url::parse("http://127.0.0.1:9090").unwrap(),
            vec![
                ComparedMetric::new("error_ratio", ERROR_RATIO, Direction::Increase),
                ComparedMetric::with_queries(
                    "latency_p99",
                    latency(0.99),
                    r#"histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{app="{{name}}-primary"}[1m])))"#,
                    Direction::Increase,
                ),
            ],
        )
    }
}

/// Every bad setting is refused before the run, naming the field.
#[test]
fn validation_names_the_field() {
    valid().validate().unwrap();
    let mut defaults = valid();
    defaults.metrics[0].min_samples = 25;
    defaults.validate().unwrap();

    type Change = Box<dyn Fn(&mut Comparison)>;
    let cases: Vec<(Change, &str)> = vec![
        (
            Box::new(|j| j.metrics.clear()),
            "metrics: at least one metric is needed",
        ),
        (
            Box::new(|j| j.window = Duration::from_secs(1)),
            "window 1 s is shorter than step 5 s",
        ),
        (
            Box::new(|j| j.step = Duration::ZERO),
            "step must be above zero",
        ),
        (
            Box::new(|j| {
                j.window = Duration::from_secs(86_400);
                j.step = Duration::from_secs(1);
            }),
            "Prometheus allows at most 11000",
        ),
        (
            Box::new(|j| j.timeout = Duration::ZERO),
            "timeout must be above zero",
        ),
        (
            Box::new(|j| j.pass = 101.0),
            "pass-score must be a score from 0 to 100, not 101",
        ),
        (
            Box::new(|j| j.pass = f64::NAN),
            "pass-score must be a score from 0 to 100",
        ),
        (
            Box::new(|j| j.marginal = -1.0),
            "marginal-score must be a score from 0 to 100",
        ),
        (
            Box::new(|j| j.marginal = 96.0),
            "marginal-score 96 is above pass-score 95",
        ),
        (
            Box::new(|j| j.metrics[1].alpha = 0.0),
            "metrics[1] (latency_p99): alpha must be between 0 and 1 (exclusive), not 0",
        ),
        (
            Box::new(|j| j.metrics[0].alpha = 1.0),
            "alpha must be between 0 and 1",
        ),
        (
            Box::new(|j| j.metrics[0].alpha = f64::NAN),
            "alpha must be between 0 and 1",
        ),
        (
            Box::new(|j| j.metrics[0].tolerance = -0.1),
            "metrics[0] (error_ratio): tolerance must be a finite number ≥ 0, not -0.1",
        ),
        (
            Box::new(|j| j.metrics[0].floor = -1.0),
            "floor must be a finite number ≥ 0",
        ),
        (
            Box::new(|j| j.metrics[0].weight = f64::INFINITY),
            "weight must be a finite number ≥ 0",
        ),
        (
            Box::new(|j| {
                j.metrics[0].weight = 0.0;
                j.metrics[1].weight = 0.0;
            }),
            "metrics: the weights add up to 0",
        ),
        (
            Box::new(|j| j.metrics[1].name = "error_ratio".to_owned()),
            "metrics[1]: name \"error_ratio\" is used twice",
        ),
        (
            Box::new(|j| j.metrics[0].name = " ".to_owned()),
            "metrics[0] ( ): name is empty",
        ),
        (
            Box::new(|j| j.metrics[0].min_samples = 0),
            "min-samples must be at least 1",
        ),
        (
            Box::new(|j| j.metrics[0].min_samples = 3),
            "min-samples 3 cannot show any change at alpha 0.05: with 3 sample(s) a side the smallest possible p-value is 0.1",
        ),
        (
            Box::new(|j| j.metrics[0].min_samples = 30),
            "min-samples 30 is more than the 25 point(s) of a series in window 2 min every step 5 s",
        ),
        (
            Box::new(|j| j.metrics[0].canary_query = Some("x".to_owned())),
            "give either query or canary-query and baseline-query, not both",
        ),
        (
            Box::new(|j| j.metrics[1].baseline_query = None),
            "metrics[1] (latency_p99): canary-query needs baseline-query too",
        ),
        (
            Box::new(|j| j.metrics[0].query = None),
            "no query: give query, or canary-query and baseline-query",
        ),
        (
            Box::new(|j| j.metrics[0].query = Some("sum(rate(x[1m]))".to_owned())),
            "query must tell the canary from the baseline with {{version}}",
        ),
        (
            Box::new(|j| j.metrics[0].query = Some(" ".to_owned())),
            "query is empty",
        ),
        (
            Box::new(|j| j.metrics[0].query = Some(r#"x{v="{{verison}}"}"#.to_owned())),
            "query: unknown placeholder {{verison}}",
        ),
        (
            Box::new(|j| j.baseline_version = None),
            "metrics[0] (error_ratio): query uses {{version}} for both sides, so baseline-version is needed",
        ),
        (
            Box::new(|j| j.baseline_version = Some(String::new())),
            "baseline-version is empty (an unset variable?)",
        ),
        (
            Box::new(|j| j.canary_version = Some("base-1".to_owned())),
            "baseline-version \"base-1\" is the canary-version",
        ),
        (
            Box::new(|j| {
                j.metrics[1].baseline_query = j.metrics[1].canary_query.clone();
                j.baseline_version = None;
                j.metrics.remove(0);
            }),
            "baseline-query uses {{version}}, so baseline-version is needed",
        ),
        (
            Box::new(|j| {
                j.metrics[1].canary_query = Some("up".to_owned());
                j.metrics[1].baseline_query = Some("up".to_owned());
            }),
            "canary-query and baseline-query are the same query",
        ),
        (
            Box::new(|j| j.base = Url::parse("ftp://example.com").unwrap()),
            "ftp://example.com",
        ),
    ];
    for (change, words) in cases {
        let mut judge = valid();
        change(&mut judge);
        let err = judge.validate().unwrap_err();
        assert!(err.is_input_error(), "{err}");
        let text = err.to_string();
        assert!(text.contains(words), "expected {words:?} in: {text}");
        // Through the check, the same error.
        assert_eq!(Check::Judge(judge).validate().unwrap_err(), err);
    }

    // The token is sent, never shown, and masked.
    let mut judge = valid();
    judge.bearer_token = Some("prom-token-123".to_owned());
    assert!(!format!("{judge:?}").contains("prom-token-123"));
    assert_eq!(Check::Judge(judge).secrets(), ["prom-token-123"]);
}
