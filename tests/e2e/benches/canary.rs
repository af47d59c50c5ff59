//! `cargo bench -p gantry-e2e --bench canary`: the figures of issue 6's
//! acceptance, printed, with the bash loop measured in the same run.
//!
//! (1) time from an error-rate switch (0 → 30%) to the rollback decision,
//!     interval 2 s, failure limit 2, against a real Prometheus (1 s
//!     scrape) scraping the canary app under ~50 rps: `gantry-canary` and,
//!     started at the same instant, the bash loop on `/api/work`; then once
//!     the bash loop on `/health`, which stays 200 (capped at 60 s);
//! (2) false rollbacks over 50 healthy runs with 1% background errors on
//!     both a canary (v2) and a baseline (v1), ~50 rps each; in each run,
//!     started at the same instant: `gantry-canary --spec` with the judge
//!     (canary vs baseline: error ratio and p99 over the last 10 s every
//!     1 s, the minimum-sample guard `min-samples: 10`), `gantry-canary
//!     --max 0.05` on the canary's error ratio, both `--interval 1s --count
//!     3 --failure-limit 2`, and the bash loop (3 × 1 s, `FAILURES >= 2`).
//!     Failed intervals are counted too: under `--failure-limit 1` each
//!     would have been a rollback.
//!
//! Needs `prometheus` and `curl` (`tests/rig/install.sh`) and the
//! `gantry-canary` binary: the release one next to this bench, else the
//! debug one. Knobs: `BENCH_ROLLBACK_RUNS` (default 10), `BENCH_HEALTHY_RUNS`
//! (default 50).

// A bench is a program whose job is to print its figures, and it fails
// loudly on any broken precondition, like a test.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use gantry_test_support::canary_app::{CanaryApp, CanaryConfig, Noise};
use gantry_test_support::load::Load;
use gantry_test_support::prometheus::{self, Prometheus};
use gantry_test_support::tools::gantry_bin;
use tempfile::TempDir;

/// Error ratio of version `{{version}}` on the work paths over 5 s.
const ERROR_RATIO: &str = "sum(rate(http_requests_total{code=~\"5..\",path=~\"/api.*\",version=\"{{version}}\"}[5s])) / sum(rate(http_requests_total{path=~\"/api.*\",version=\"{{version}}\"}[5s]))";

/// The loop teams write: `$1` URL, `$2` iterations, `$3` sleep seconds;
/// a non-2xx answer (or none: curl prints 000) is a failure, 2 roll back.
const BASH_LOOP: &str = r#"
FAILURES=0
for i in $(seq "$2"); do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1")
  case "$code" in
    2??) ;;
    *) FAILURES=$((FAILURES+1)) ;;
  esac
  if [ "$FAILURES" -ge 2 ]; then echo "rollback: $FAILURES failures"; exit 1; fi
  sleep "$3"
done
echo "promote: $FAILURES failures"
"#;

const LOAD_RPS: f64 = 50.0;
/// How long after the switch a watcher may take before it is killed.
const CAP: Duration = Duration::from_secs(60);

fn main() {
    let canary = canary_bin();
    let nproc = thread::available_parallelism().map_or(0, usize::from);
    println!(
        "\n==> machine: nproc {nproc}; gantry-canary {}",
        canary.display()
    );
    let rollback = bench_rollback(&canary, env_usize("BENCH_ROLLBACK_RUNS", 10));
    let healthy = bench_healthy(&canary, env_usize("BENCH_HEALTHY_RUNS", 50));
    print_table(nproc, &rollback, &healthy);
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

/// The release binary next to this bench, else the debug one.
fn canary_bin() -> PathBuf {
    gantry_bin("gantry-canary").unwrap_or_else(|release| {
        let debug = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/debug/gantry-canary");
        assert!(
            debug.is_file(),
            "{release} (nor is {}: run `cargo build --bins`)",
            debug.display()
        );
        debug
    })
}

// ---------------------------------------------------------------------------
// Processes watched to their exit

struct Watched {
    child: Child,
    stdout: PathBuf,
    /// When it exited, and its code (`None`: still running, or killed).
    exit: Option<(Instant, Option<i32>)>,
}

impl Watched {
    fn spawn(mut cmd: Command, dir: &Path, name: &str) -> Self {
        let stdout = dir.join(format!("{name}.out"));
        let child = cmd
            .stdin(Stdio::null())
            .stdout(File::create(&stdout).unwrap())
            .stderr(File::create(dir.join(format!("{name}.err"))).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Self {
            child,
            stdout,
            exit: None,
        }
    }

    fn poll(&mut self) -> bool {
        if self.exit.is_none()
            && let Some(status) = self.child.try_wait().unwrap()
        {
            self.exit = Some((Instant::now(), status.code()));
        }
        self.exit.is_some()
    }

    /// Killed and reaped if still running (its exit stays `None`).
    fn stop(&mut self) {
        if !self.poll() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn output(&self) -> String {
        std::fs::read_to_string(&self.stdout).unwrap_or_default()
    }

    /// A field (`decision`, `reason`) of gantry-canary's JSON report.
    fn report(&self, field: &str) -> String {
        let out = self.output();
        let json: serde_json::Value = serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("gantry-canary report is not JSON ({e}): {out}"));
        json[field].as_str().unwrap_or("?").to_owned()
    }

    fn decision(&self) -> String {
        self.report("decision")
    }

    /// gantry-canary's whole JSON report.
    fn json(&self) -> serde_json::Value {
        let out = self.output();
        serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("gantry-canary report is not JSON ({e}): {out}"))
    }
}

/// Poll every 5 ms until all have exited or `deadline`; kill the rest.
fn wait_all(watched: &mut [&mut Watched], deadline: Instant) {
    while Instant::now() < deadline && !watched.iter_mut().all(|w| w.poll()) {
        thread::sleep(Duration::from_millis(5));
    }
    for w in watched {
        w.stop();
    }
}

fn gantry_canary(bin: &Path, prom: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(bin);
    cmd.args(["--prometheus", prom, "--query", ERROR_RATIO])
        .args(["--canary-version", "v2", "--format", "json"])
        .args(args);
    cmd
}

fn bash_loop(url: &str, iterations: u32, sleep_s: u32) -> Command {
    let mut cmd = Command::new("bash");
    cmd.args(["-c", BASH_LOOP, "bash", url])
        .arg(iterations.to_string())
        .arg(sleep_s.to_string());
    cmd
}

/// One app (version v2), a Prometheus scraping it and ~50 rps on
/// `/api/work`, after a full rate window of traffic.
fn rig(noise: Noise) -> (CanaryApp, Prometheus, Load) {
    let app = CanaryApp::start(CanaryConfig::new("v2").with_noise(noise)).unwrap();
    let (prom, load) = scrape_and_load(&[&app]);
    (app, prom, load)
}

/// A Prometheus scraping `apps` and ~50 rps on each one's `/api/work`,
/// after a full rate window of traffic.
fn scrape_and_load(apps: &[&CanaryApp]) -> (Prometheus, Load) {
    let prom = Prometheus::start(&apps.iter().map(|a| a.host_port()).collect::<Vec<_>>()).unwrap();
    prom.wait_for_scrape(prometheus::APP_JOB, Duration::from_secs(30))
        .unwrap();
    let load = Load::start(
        &apps
            .iter()
            .map(|a| a.url_for("/api/work"))
            .collect::<Vec<_>>(),
        LOAD_RPS * apps.len() as f64,
        Duration::from_secs(590),
        4 * apps.len(),
    )
    .unwrap();
    thread::sleep(Duration::from_secs(6));
    (prom, load)
}

// ---------------------------------------------------------------------------
// (1) time to decide rollback after the fault starts

struct Rollback {
    /// Seconds from the switch to gantry-canary's rollback, per run.
    gantry: Vec<f64>,
    /// Seconds from the switch to the bash loop's exit 1 (`None`: not
    /// detected within the cap), per run.
    bash: Vec<Option<f64>>,
    /// Runs where either decided before the fault (not timed).
    early: Vec<String>,
    /// The /health loop: seconds to its exit 1, `None` if not in `CAP`.
    health: Option<f64>,
}

fn bench_rollback(bin: &Path, runs: usize) -> Rollback {
    println!(
        "\n==> (1) fault (error rate 0 -> 30%) to rollback: interval 2s, failure limit 2, \
         {runs} runs, ~{LOAD_RPS} rps on /api/work, Prometheus 1s scrape"
    );
    let (app, prom, load) = rig(Noise::normal());
    let dir = TempDir::new().unwrap();
    let work = app.url_for("/api/work");
    let mut result = Rollback {
        gantry: Vec::new(),
        bash: Vec::new(),
        early: Vec::new(),
        health: None,
    };
    for run in 1..=runs {
        let gantry_args = [
            "--max",
            "0.01",
            "--interval",
            "2s",
            "--count",
            "100",
            "--failure-limit",
            "2",
        ];
        let mut gantry = Watched::spawn(
            gantry_canary(bin, &prom.url(), &gantry_args),
            dir.path(),
            &format!("gantry-{run}"),
        );
        let mut bash = Watched::spawn(bash_loop(&work, 100, 2), dir.path(), &format!("bash-{run}"));
        thread::sleep(Duration::from_secs(4));
        let early = [("gantry-canary", gantry.poll()), ("bash loop", bash.poll())]
            .iter()
            .filter(|(_, exited)| *exited)
            .map(|(name, _)| format!("run {run}: {name} ended before the fault"))
            .collect::<Vec<_>>();
        app.set_error_rate(0.3);
        let fault = Instant::now();
        wait_all(&mut [&mut gantry, &mut bash], fault + CAP);
        app.set_error_rate(0.0);
        let reset = Instant::now();

        if early.is_empty() {
            let (at, code) = gantry
                .exit
                .unwrap_or_else(|| panic!("run {run}: gantry-canary undecided after {CAP:?}"));
            let decision = gantry.decision();
            assert!(
                code == Some(1) && decision == "rollback",
                "run {run}: gantry-canary exit {code:?}, decision {decision}"
            );
            let g = (at - fault).as_secs_f64();
            let b = bash
                .exit
                .filter(|(_, code)| *code == Some(1))
                .map(|(at, _)| (at - fault).as_secs_f64());
            println!(
                "    run {run:>2}: gantry-canary {g:>6.2} s   bash loop {}",
                b.map_or_else(|| "not detected".to_owned(), |b| format!("{b:>6.2} s"))
            );
            result.gantry.push(g);
            result.bash.push(b);
        } else {
            println!("    run {run:>2}: {}", early.join("; "));
            result.early.extend(early);
        }
        // Let the 5 s rate window forget the errors.
        thread::sleep(Duration::from_secs(7).saturating_sub(reset.elapsed()));
    }

    // The same loop on /health, which stays 200 whatever the work path does.
    let mut health = Watched::spawn(
        bash_loop(&app.url_for("/health"), 100, 2),
        dir.path(),
        "bash-health",
    );
    thread::sleep(Duration::from_secs(4));
    app.set_error_rate(0.3);
    let fault = Instant::now();
    wait_all(&mut [&mut health], fault + CAP);
    app.set_error_rate(0.0);
    result.health = health
        .exit
        .filter(|(_, code)| *code == Some(1))
        .map(|(at, _)| (at - fault).as_secs_f64());
    println!(
        "    bash loop on /health: {}",
        result.health.map_or_else(
            || format!("not detected in {} s (/health stays 200)", CAP.as_secs()),
            |s| format!("{s:.2} s")
        )
    );
    let report = load.stop();
    println!(
        "    load: {} requests sent, statuses {:?}",
        report.sent(),
        report.statuses()
    );
    result
}

// ---------------------------------------------------------------------------
// (2) false rollbacks over healthy runs

/// The judge's latency metric: p99 of `{{version}}` on the work paths.
const P99: &str = "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{path=~\"/api.*\",version=\"{{version}}\"}[5s])))";

/// The judge's spec: canary v2 against baseline v1, error ratio and p99
/// over the last 10 s every 1 s (11 points a side), the minimum-sample
/// guard set explicitly (to its default, 10), and the threshold run's
/// policy.
fn judge_spec(prometheus: &str) -> String {
    format!(
        "prometheus: {{url: '{prometheus}'}}
canary: {{version: v2, baseline-version: v1}}
interval: 1s
count: 3
failure-limit: 2
checks:
  - type: judge
    name: judge
    window: 10s
    step: 1s
    metrics:
      - {{name: error_ratio, query: '{ERROR_RATIO}', floor: {JUDGE_ERROR_FLOOR}, min-samples: 10}}
      - {{name: latency_p99, query: '{P99}', tolerance: 0.2, floor: 0.025, min-samples: 10}}
"
    )
}

/// The error ratio's absolute slack in the judge, as in the example of
/// docs/canary-spec.md: a tenth of the background rate, so it is the
/// Mann-Whitney test that must keep 1% from failing 1%.
const JUDGE_ERROR_FLOOR: f64 = 0.001;

/// What one kind of gantry-canary run came to over the healthy runs.
#[derive(Default)]
struct Decisions {
    promote: usize,
    rollback: usize,
    inconclusive: usize,
    /// Failed intervals over all runs.
    failed_intervals: u64,
    /// Intervals without data over all runs.
    no_data_intervals: u64,
    /// Seconds per run.
    seconds: Vec<f64>,
}

impl Decisions {
    fn record(&mut self, name: &str, run: usize, started: Instant, watched: &Watched) {
        let (at, code) = watched
            .exit
            .unwrap_or_else(|| panic!("run {run}: {name} undecided after {CAP:?}"));
        self.seconds.push((at - started).as_secs_f64());
        let json = watched.json();
        let count = |field: &str| json["tally"][field].as_u64().unwrap_or(0);
        self.failed_intervals += count("failed");
        self.no_data_intervals += count("no_data");
        let reason = json["reason"].as_str().unwrap_or("?");
        match (code, json["decision"].as_str().unwrap_or("?")) {
            (Some(0), "promote") => self.promote += 1,
            (Some(1), "rollback") => {
                self.rollback += 1;
                println!("    run {run}: {name} rolled back: {reason}");
            }
            (Some(4), "inconclusive") => {
                self.inconclusive += 1;
                println!("    run {run}: {name} inconclusive: {reason}");
            }
            (code, decision) => panic!("run {run}: {name} exit {code:?}, {decision}"),
        }
        if count("failed") > 0 && code == Some(0) {
            println!("    run {run}: {name} promoted after a failed interval: {reason}");
        }
    }
}

#[derive(Default)]
struct Healthy {
    runs: usize,
    judge: Decisions,
    threshold: Decisions,
    bash_rollback: usize,
    bash_promote: usize,
}

fn bench_healthy(bin: &Path, runs: usize) -> Healthy {
    println!(
        "\n==> (2) false rollbacks: {runs} healthy runs, 1% background errors on canary and baseline; \
         judge (error ratio, p99; 10s window, 1s step, min-samples 10) and --max 0.05, \
         both --interval 1s --count 3 --failure-limit 2; bash loop 3 x 1s, FAILURES >= 2"
    );
    let noise = Noise::with_background_errors();
    let baseline = CanaryApp::start(CanaryConfig::new("v1").with_noise(noise)).unwrap();
    let app = CanaryApp::start(CanaryConfig::new("v2").with_noise(noise).with_seed(7)).unwrap();
    let (prom, load) = scrape_and_load(&[&baseline, &app]);
    let dir = TempDir::new().unwrap();
    let spec = dir.path().join("judge.yaml");
    std::fs::write(&spec, judge_spec(&prom.url())).unwrap();
    // Until the judge's 10 s window is full (6 s of traffic so far): its
    // first runs would otherwise wait for data, not judge a healthy canary.
    thread::sleep(Duration::from_secs(6));
    let work = app.url_for("/api/work");
    let mut result = Healthy {
        runs,
        ..Healthy::default()
    };
    let threshold_args = [
        "--max",
        "0.05",
        "--interval",
        "1s",
        "--count",
        "3",
        "--failure-limit",
        "2",
    ];
    for run in 1..=runs {
        let started = Instant::now();
        let mut judge = {
            let mut cmd = Command::new(bin);
            cmd.arg("--spec").arg(&spec).args(["--format", "json"]);
            Watched::spawn(cmd, dir.path(), &format!("judge-{run}"))
        };
        let mut threshold = Watched::spawn(
            gantry_canary(bin, &prom.url(), &threshold_args),
            dir.path(),
            &format!("gantry-{run}"),
        );
        let mut bash = Watched::spawn(bash_loop(&work, 3, 1), dir.path(), &format!("bash-{run}"));
        wait_all(&mut [&mut judge, &mut threshold, &mut bash], started + CAP);
        result
            .judge
            .record("gantry-canary judge", run, started, &judge);
        result
            .threshold
            .record("gantry-canary --max 0.05", run, started, &threshold);
        match bash.exit.map(|(_, code)| code) {
            Some(Some(0)) => result.bash_promote += 1,
            Some(Some(1)) => {
                result.bash_rollback += 1;
                println!(
                    "    run {run}: bash loop rolled back: {}",
                    bash.output().trim()
                );
            }
            other => panic!("run {run}: bash loop ended {other:?}"),
        }
    }
    let report = load.stop();
    let statuses = report.statuses();
    let errors: u64 = statuses
        .iter()
        .filter(|(code, _)| !(200..300).contains(*code))
        .map(|(_, n)| *n)
        .sum();
    println!(
        "    load: {} requests sent, statuses {statuses:?} ({:.2}% errors)",
        report.sent(),
        100.0 * errors as f64 / report.sent().max(1) as f64
    );
    result
}

// ---------------------------------------------------------------------------
// The table

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn max(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::NAN, f64::max)
}

fn print_table(nproc: usize, rollback: &Rollback, healthy: &Healthy) {
    let detected: Vec<f64> = rollback.bash.iter().flatten().copied().collect();
    let missed = rollback.bash.len() - detected.len();
    println!("\n==> figures (nproc {nproc})");
    println!(
        "    {:<52} {:>5} {:>9} {:>8}  notes",
        "(1) fault 0 -> 30% to rollback, 2s / limit 2", "runs", "median s", "max s"
    );
    println!(
        "    {:<52} {:>5} {:>9.2} {:>8.2}  target < 10 s",
        "gantry-canary (Prometheus error ratio > 0.01)",
        rollback.gantry.len(),
        median(&rollback.gantry),
        max(&rollback.gantry)
    );
    println!(
        "    {:<52} {:>5} {:>9.2} {:>8.2}  {missed} not detected in {} s",
        "bash loop, curl /api/work, FAILURES >= 2",
        detected.len(),
        median(&detected),
        max(&detected),
        CAP.as_secs()
    );
    println!(
        "    {:<52} {:>5} {:>9} {:>8}  /health stays 200 during the fault",
        "bash loop, curl /health, FAILURES >= 2",
        1,
        rollback
            .health
            .map_or_else(|| "-".to_owned(), |s| format!("{s:.2}")),
        rollback.health.map_or_else(
            || format!("none in {} s", CAP.as_secs()),
            |s| format!("{s:.2}")
        ),
    );
    if !rollback.early.is_empty() {
        println!("    not timed: {}", rollback.early.join("; "));
    }
    println!(
        "\n    {:<64} {:>5} {:>15}  notes",
        "(2) healthy, 1% background errors", "runs", "false rollbacks"
    );
    for (name, d) in [
        (
            "gantry-canary judge, min-samples 10, --count 3 --failure-limit 2",
            &healthy.judge,
        ),
        (
            "gantry-canary --max 0.05 --count 3 --failure-limit 2",
            &healthy.threshold,
        ),
    ] {
        println!(
            "    {name:<64} {:>5} {:>15}  {} promote, {} inconclusive; {} failed and {} no-data interval(s) in all; run median {:.2} s, max {:.2} s",
            healthy.runs,
            d.rollback,
            d.promote,
            d.inconclusive,
            d.failed_intervals,
            d.no_data_intervals,
            median(&d.seconds),
            max(&d.seconds)
        );
    }
    println!(
        "    {:<64} {:>5} {:>15}  {} promote",
        "bash loop, curl /api/work 3 x 1s, FAILURES >= 2",
        healthy.runs,
        healthy.bash_rollback,
        healthy.bash_promote
    );
}
