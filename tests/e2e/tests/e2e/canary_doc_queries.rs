//! Every example PromQL query of the docs, run by `gantry-canary` against a
//! real Prometheus: each must pass (not "no data") for a healthy canary and
//! fail for a failing one.
//!
//! The queries come from every spec block of docs/canary-spec.md, the
//! workflow's spec in docs/actions/canary.md, docs/examples/analysis.yaml
//! (read with gantry-spec, as gantry-canary reads them) and the example of
//! `gantry-canary --help`. Thresholds run as they are written; a judge
//! metric runs as a judge of its own with a short window (the docs' 5 min
//! would take 5 min of data), its query and settings as written.
//!
//! The rig: a baseline (`stable`), a healthy canary (`good`) and a failing
//! one (`bad`: half its requests answer 500, each 300 ms slower), all under
//! load, scraped by one Prometheus that puts `namespace="prod"` on their
//! series as Kubernetes service discovery does. The healthy apps answer
//! no 5xx at all and have no 5xx series (the test app creates its error
//! series at 0 from the first request unless its error status is 200), as
//! a real service that never failed: the case an error ratio without
//! `or vector(0)` gets wrong. The metrics the test app does not export
//! (kube-state-metrics' ready replicas, cAdvisor's memory) come from a
//! file served as `/metrics`, healthy first, then failing.

use std::path::Path;
use std::time::{Duration, Instant};

use gantry_spec::canary::{CanarySpec, CheckSpec, Direction, JudgeMetricSpec};
use gantry_test_support::canary_app::{CanaryApp, CanaryConfig, Noise};
use gantry_test_support::cli::{RunResult, gantry};
use gantry_test_support::http_files::StaticServer;
use gantry_test_support::load::Load;
use gantry_test_support::prometheus::{self, Prometheus};
use gantry_test_support::tools;
use serde_json::{Value, json};

use crate::canary_act::{EXAMPLE_ENV, yaml_blocks};

const BASELINE: &str = "stable";
const HEALTHY: &str = "good";
const FAILING: &str = "bad";
const NAMESPACE: &str = "prod";
/// The judge's window here: 17 points a side at a 1 s step, enough for the
/// docs' largest `min-samples` (15).
const WINDOW: Duration = Duration::from_secs(16);

/// kube-state-metrics and cAdvisor as the docs' queries read them:
/// `web-canary` with 3 ready replicas, canary and stable pods using the
/// same memory.
const HEALTHY_METRICS: &str = "\
kube_deployment_status_replicas_ready{namespace=\"prod\",deployment=\"web-canary\"} 3
container_memory_working_set_bytes{namespace=\"prod\",pod=\"web-canary-7d9f8-abcde\",container=\"web\"} 104857600
container_memory_working_set_bytes{namespace=\"prod\",pod=\"web-stable-5c8b6-fghij\",container=\"web\"} 104857600
";

/// The same with one ready replica (below the docs' `min: 2`) and the
/// canary using twice the memory.
const FAILING_METRICS: &str = "\
kube_deployment_status_replicas_ready{namespace=\"prod\",deployment=\"web-canary\"} 1
container_memory_working_set_bytes{namespace=\"prod\",pod=\"web-canary-7d9f8-abcde\",container=\"web\"} 209715200
container_memory_working_set_bytes{namespace=\"prod\",pod=\"web-stable-5c8b6-fghij\",container=\"web\"} 104857600
";

/// One example query of the docs and how it is run.
#[derive(Debug, Clone)]
struct DocQuery {
    /// Where it was found (every place), for messages.
    sources: Vec<String>,
    check: Value,
}

/// Every example query of the docs, once each (the full example is both in
/// docs/canary-spec.md and docs/examples/analysis.yaml).
fn doc_queries(prometheus_url: &str) -> Vec<DocQuery> {
    let root = tools::workspace_root().unwrap();
    let read = |path: &str| std::fs::read_to_string(root.join(path)).unwrap();
    let mut specs: Vec<(String, String)> = Vec::new();
    let spec_doc = read("docs/canary-spec.md");
    for (i, block) in yaml_blocks(&spec_doc).into_iter().enumerate() {
        specs.push((
            format!("docs/canary-spec.md yaml block {}", i + 1),
            block.to_owned(),
        ));
    }
    let action_doc = read("docs/actions/canary.md");
    for block in yaml_blocks(&action_doc) {
        if block.starts_with("# deploy/analysis.yaml\n") {
            specs.push((
                "docs/actions/canary.md deploy/analysis.yaml".to_owned(),
                block.to_owned(),
            ));
        }
    }
    specs.push((
        "docs/examples/analysis.yaml".to_owned(),
        read("docs/examples/analysis.yaml"),
    ));

    let env = |name: &str| {
        if name == "PROMETHEUS_URL" {
            return Some(prometheus_url.to_owned());
        }
        EXAMPLE_ENV
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    };
    let mut found: Vec<DocQuery> = Vec::new();
    let mut add = |source: String, check: Value| match found.iter_mut().find(|q| q.check == check) {
        Some(known) => known.sources.push(source),
        None => found.push(DocQuery {
            sources: vec![source],
            check,
        }),
    };
    for (source, text) in &specs {
        let spec: CanarySpec = gantry_spec::parse(Path::new(source), text, &env)
            .unwrap_or_else(|e| panic!("{source}: {e}"));
        for (i, check) in spec.checks.iter().enumerate() {
            match check {
                CheckSpec::Prometheus(q) => add(
                    format!(
                        "{source}: checks[{i}] ({})",
                        q.name.as_deref().unwrap_or("")
                    ),
                    json!({
                        "type": "prometheus",
                        "name": "doc",
                        "query": q.query,
                        "min": q.min,
                        "max": q.max,
                    }),
                ),
                CheckSpec::Judge(judge) => {
                    for (m, metric) in judge.metrics.iter().enumerate() {
                        add(
                            format!("{source}: checks[{i}].metrics[{m}] ({})", metric.name),
                            json!({
                                "type": "judge",
                                "name": "doc",
                                "window": format!("{}s", WINDOW.as_secs()),
                                "step": "1s",
                                "metrics": [judge_metric(metric)],
                            }),
                        );
                    }
                }
                CheckSpec::Http(_) | CheckSpec::Kubernetes(_) => {}
            }
        }
    }
    // The example of `gantry-canary --help`: `--query '…' --max N`.
    let help = gantry("gantry-canary")
        .unwrap()
        .arg("--help")
        .run()
        .unwrap();
    let after = help
        .stdout
        .split_once("--query '")
        .unwrap_or_else(|| panic!("no --query example in the help:\n{help}"))
        .1;
    let (query, rest) = after.split_once('\'').unwrap();
    let max: f64 = rest
        .split_once("--max ")
        .and_then(|(_, r)| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no --max after the --query example:\n{help}"));
    add(
        "gantry-canary --help".to_owned(),
        json!({"type": "prometheus", "name": "doc", "query": query, "max": max}),
    );
    found
}

/// A judge metric as the docs write it, every setting kept.
fn judge_metric(metric: &JudgeMetricSpec) -> Value {
    let mut m = json!({"name": metric.name, "critical": metric.critical});
    let mut set = |key: &str, value: Value| {
        if !value.is_null() {
            m[key] = value;
        }
    };
    set("query", json!(metric.query));
    set("canary-query", json!(metric.canary_query));
    set("baseline-query", json!(metric.baseline_query));
    set(
        "direction",
        json!(metric.direction.map(|d| match d {
            Direction::Increase => "increase",
            Direction::Decrease => "decrease",
            Direction::Either => "either",
        })),
    );
    set("tolerance", json!(metric.tolerance));
    set("floor", json!(metric.floor));
    set("alpha", json!(metric.alpha));
    set("weight", json!(metric.weight));
    set("min-samples", json!(metric.min_samples));
    m
}

/// `gantry-canary --spec` with one check, one interval: exit 0 and a pass,
/// or exit 1 and a failure. The verdict of the check, and the run.
fn run_one(
    dir: &Path,
    prometheus_url: &str,
    query: &DocQuery,
    version: &str,
) -> (String, RunResult) {
    let spec = json!({
        "prometheus": {"url": prometheus_url},
        "canary": {
            "name": "web",
            "namespace": NAMESPACE,
            "version": version,
            "baseline-version": BASELINE,
        },
        "interval": "5s",
        "count": 1,
        "failure-limit": 1,
        "checks": [query.check],
    });
    let file = dir.join("spec.yaml");
    std::fs::write(&file, spec.to_string()).unwrap();
    let run = gantry("gantry-canary")
        .unwrap()
        .arg("--spec")
        .arg(&file)
        .args(["--format", "json"])
        .timeout(Duration::from_secs(60))
        .run()
        .unwrap();
    let verdict = serde_json::from_str::<Value>(&run.stdout)
        .ok()
        .and_then(|r| {
            r["intervals"][0]["checks"][0]["verdict"]
                .as_str()
                .map(str::to_owned)
        })
        .unwrap_or_default();
    (verdict, run)
}

fn write_metrics(dir: &Path, text: &str) {
    // Renamed into place: a scrape never sees half a file.
    std::fs::write(dir.join("metrics.next"), text).unwrap();
    std::fs::rename(dir.join("metrics.next"), dir.join("metrics")).unwrap();
}

#[test]
fn every_doc_query_passes_a_healthy_canary_and_fails_a_failing_one() {
    // Error status 200: the app's pre-made error series are then 200s, so
    // it has no 5xx series at all (see the module docs).
    let healthy = |version: &str| {
        let mut config = CanaryConfig::new(version).with_noise(Noise::normal());
        config.error_status = 200;
        CanaryApp::start(config).unwrap()
    };
    let stable = healthy(BASELINE);
    let good = healthy(HEALTHY);
    let bad = CanaryApp::start(
        CanaryConfig::new(FAILING)
            .with_noise(Noise::normal())
            .with_error_rate(0.5)
            .with_latency(Duration::from_millis(300)),
    )
    .unwrap();
    let exporter_dir = tempfile::tempdir().unwrap();
    write_metrics(exporter_dir.path(), HEALTHY_METRICS);
    let exporter = StaticServer::serve(exporter_dir.path()).unwrap();
    let prom = Prometheus::start_with_labels(
        &[
            stable.host_port(),
            good.host_port(),
            bad.host_port(),
            exporter.addr().to_string(),
        ],
        &[("namespace", NAMESPACE)],
    )
    .unwrap();
    let urls: Vec<String> = [&stable, &good, &bad]
        .iter()
        .map(|app| app.url_for("/api/work"))
        .collect();
    let load = Load::start(&urls, 45.0, Duration::from_secs(150), 12).unwrap();
    prom.wait_for_scrape(prometheus::APP_JOB, Duration::from_secs(30))
        .unwrap();
    let url = prom.url();
    let queries = doc_queries(&url);
    for doc in [
        "docs/canary-spec.md",
        "docs/actions/canary.md",
        "docs/examples/analysis.yaml",
        "gantry-canary --help",
    ] {
        assert!(
            queries
                .iter()
                .any(|q| q.sources.iter().any(|s| s.starts_with(doc))),
            "no query found in {doc}: {queries:#?}"
        );
    }
    assert!(queries.len() >= 10, "{queries:#?}");
    // The healthy apps really have no 5xx series.
    let fives = prom
        .query_values(r#"http_requests_total{code=~"5..",version=~"good|stable"}"#)
        .unwrap();
    assert!(fives.is_empty(), "{fives:?}");
    // A full judge window of data (rates over 1 m start with 2 scrapes).
    std::thread::sleep(WINDOW + Duration::from_secs(4));

    let dir = tempfile::tempdir().unwrap();
    let mut problems = Vec::new();
    for query in &queries {
        let (verdict, run) = run_one(dir.path(), &url, query, HEALTHY);
        if run.code != Some(0) || verdict != "pass" {
            problems.push(format!(
                "healthy canary: {} ({}): {verdict:?}, exit {:?}, want pass, exit 0\n{run}",
                query.sources.join(", "),
                query.check,
                run.code
            ));
        }
    }

    // The outside metrics turn bad; their judge window fills with it.
    write_metrics(exporter_dir.path(), FAILING_METRICS);
    let flipped = Instant::now();
    std::thread::sleep((WINDOW + Duration::from_secs(3)).saturating_sub(flipped.elapsed()));
    for query in &queries {
        let (verdict, run) = run_one(dir.path(), &url, query, FAILING);
        if run.code != Some(1) || verdict != "FAIL" {
            problems.push(format!(
                "failing canary: {} ({}): {verdict:?}, exit {:?}, want FAIL, exit 1\n{run}",
                query.sources.join(", "),
                query.check,
                run.code
            ));
        }
    }
    drop(load);
    assert!(
        problems.is_empty(),
        "{} of {} runs wrong:\n\n{}",
        problems.len(),
        queries.len() * 2,
        problems.join("\n\n")
    );
}
