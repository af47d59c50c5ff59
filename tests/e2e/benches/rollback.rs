//! `cargo bench -p gantry-e2e --bench rollback` (`make bench-rollback`):
//! the figure of the rollback issue's acceptance, printed, with the
//! hand-written kubectl runbook measured in the same run.
//!
//! Time from a rollback decision to traffic back on stable and the undo
//! applied, against the fake Kubernetes API (`FakeKube`), over 20 runs.
//! Each run starts a fresh fake holding an HTTPRoute `web` (web-stable 50,
//! web-canary 50) and two Deployments: web-stable (`:1.0`, 4 replicas) and
//! web-canary (2 replicas, revision 1 `:1.0`, revision 2 `:2.0` through
//! `gantry-rollback set-image`). Then, timed from spawn to exit:
//!
//! - `gantry-rollback run --target rollback.yaml --format json`, the
//!   target being `traffic: {http-route: …}` and `undo: [{workload:
//!   deployment/web-canary}]`; its JSON report gives the traffic step's
//!   and the undo step's own elapsed (the undo step waits for the
//!   rollout);
//! - on another fresh fake, the runbook: `kubectl patch httproute web
//!   --type=json` (weights 100/0), `kubectl rollout undo
//!   deployment/web-canary`, `kubectl rollout status
//!   deployment/web-canary`; skipped, and said so, without kubectl.
//!
//! While each runs, the bench reads the fake every millisecond for when
//! it first held traffic on stable and web-canary undone and rolled out,
//! timed from the (first) spawn: what the cluster saw, next to what the
//! tools report. Each run's end state is checked too (weights 100/0,
//! web-canary back on `:1.0` and rolled out), so a fast wrong answer
//! cannot pass for a figure. The fake answers in microseconds and makes pods Ready 50 ms
//! after creation, so the figures are the tools' own overhead plus the
//! fake controller's rollout, not a real cluster's.
//!
//! Needs the `gantry-rollback` binary: the release one next to this
//! bench, else the debug one. Knob: `BENCH_RESTORE_RUNS` (default 20).

// A bench is a program whose job is to print its figures, and it fails
// loudly on any broken precondition, like a test.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use gantry_test_support::cli::is_scrubbed;
use gantry_test_support::kube::FakeKube;
use gantry_test_support::tools::{gantry_bin, tool};
use serde_json::{Value, json};

const STABLE: &str = "ghcr.io/acme/web:1.0";
const CANARY: &str = "ghcr.io/acme/web:2.0";
const STABLE_REPLICAS: u32 = 4;
const CANARY_REPLICAS: u32 = 2;
/// Longest a fake may take to come to rest after a setup step.
const SETTLE: Duration = Duration::from_secs(10);

/// The rollback target: traffic back on stable, then the canary undone.
const TARGET: &str = "traffic: {http-route: {name: web, stable: web-stable, canary: web-canary}}
undo: [{workload: deployment/web-canary}]
timeout: 60s
";

/// The runbook's traffic step: weights 100/0, as a JSON patch.
const WEIGHTS_PATCH: &str = r#"[{"op":"replace","path":"/spec/rules/0/backendRefs/0/weight","value":100},{"op":"replace","path":"/spec/rules/0/backendRefs/1/weight","value":0}]"#;

fn main() {
    let bin = rollback_bin();
    let runs = env_usize("BENCH_RESTORE_RUNS", 20);
    let nproc = thread::available_parallelism().map_or(0, usize::from);
    let kubectl = tool("kubectl").ok().map(|path| {
        let version = Command::new(&path)
            .args(["version", "--client"])
            .output()
            .map(|o| {
                let text = String::from_utf8_lossy(&o.stdout);
                text.lines().next().unwrap_or("").to_owned()
            })
            .unwrap_or_default();
        (path, version)
    });
    println!(
        "\n==> machine: nproc {nproc}; gantry-rollback {}; kubectl {}",
        bin.display(),
        kubectl.as_ref().map_or_else(
            || "not found: the runbook peer is skipped".to_owned(),
            |(path, version)| format!("{} ({version})", path.display())
        )
    );
    println!(
        "==> rollback decision to traffic on stable and undo applied: {runs} runs, a fresh fake \
         Kubernetes each (HTTPRoute web 50/50; web-stable {STABLE} x{STABLE_REPLICAS}; \
         web-canary x{CANARY_REPLICAS}, revision 1 :1.0, revision 2 :2.0)"
    );
    let mut gantry = Vec::new();
    let mut runbook = Vec::new();
    for run in 1..=runs {
        let g = time_gantry(&bin, run);
        let line = format!(
            "    run {run:>2}: gantry-rollback {:>6.1} ms (traffic {:>5.1}, undo {:>5.1})",
            g.total * 1e3,
            g.traffic * 1e3,
            g.undo * 1e3
        );
        gantry.push(g);
        if kubectl.is_some() {
            let k = time_runbook(&bin, run);
            println!(
                "{line}   kubectl runbook {:>6.1} ms (patch {:>5.1}, undo+status {:>5.1})",
                k.total * 1e3,
                k.traffic * 1e3,
                k.undo * 1e3
            );
            runbook.push(k);
        } else {
            println!("{line}");
        }
    }
    print_table(
        nproc,
        &gantry,
        kubectl.is_some().then_some(runbook.as_slice()),
    );
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

/// The release binary next to this bench, else the debug one.
fn rollback_bin() -> PathBuf {
    gantry_bin("gantry-rollback").unwrap_or_else(|release| {
        let debug =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/debug/gantry-rollback");
        assert!(
            debug.is_file(),
            "{release} (nor is {}: run `cargo build --bins`)",
            debug.display()
        );
        debug
    })
}

// ---------------------------------------------------------------------------
// The state each run starts from

fn deployment(name: &str, image: &str, replicas: u32) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default", "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": image}]},
            },
        },
    })
}

/// `gantry-rollback ARGS` against `kube`, in a clean environment (no
/// `GITHUB_*` or `GANTRY_*` of the machine running the bench).
fn gantry_rollback(bin: &Path, kube: &FakeKube) -> Command {
    let mut cmd = Command::new(bin);
    for (key, _) in std::env::vars_os() {
        if key.to_str().is_some_and(is_scrubbed) {
            cmd.env_remove(&key);
        }
    }
    cmd.env("KUBECONFIG", kube.kubeconfig())
        .current_dir(kube.dir())
        .stdin(Stdio::null());
    cmd
}

/// A fresh fake at the moment of the rollback decision, at rest, its
/// request log cleared.
fn fresh_state(bin: &Path, run: usize) -> FakeKube {
    let kube = FakeKube::start().unwrap();
    kube.create(deployment("web-stable", STABLE, STABLE_REPLICAS))
        .unwrap();
    kube.create(deployment("web-canary", STABLE, CANARY_REPLICAS))
        .unwrap();
    kube.create(json!({
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"rules": [{"backendRefs": [
            {"name": "web-stable", "port": 80, "weight": 50},
            {"name": "web-canary", "port": 80, "weight": 50},
        ]}]},
    }))
    .unwrap();
    assert!(kube.settle(SETTLE), "run {run}: the fake did not settle");
    let set = gantry_rollback(bin, &kube)
        .args([
            "set-image",
            "deployment/web-canary",
            &format!("app={CANARY}"),
            "--timeout",
            "20s",
        ])
        .output()
        .unwrap();
    assert!(
        set.status.success(),
        "run {run}: set-image failed: {}",
        describe(&set)
    );
    assert!(kube.settle(SETTLE), "run {run}: the fake did not settle");
    let canary = kube.get("Deployment", "default", "web-canary").unwrap();
    assert_eq!(
        canary["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "2",
        "run {run}: web-canary is not at revision 2: {canary}"
    );
    kube.clear_requests();
    kube
}

fn route_weights(kube: &FakeKube) -> Vec<Value> {
    kube.get("HTTPRoute", "default", "web")
        .and_then(|route| route["spec"]["rules"][0]["backendRefs"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .map(|b| b["weight"].clone())
        .collect()
}

fn on_stable(kube: &FakeKube) -> bool {
    route_weights(kube) == [100, 0]
}

/// web-canary back on the stable image, and rolled out.
fn undone(kube: &FakeKube) -> bool {
    let Some(canary) = kube.get("Deployment", "default", "web-canary") else {
        return false;
    };
    let status = &canary["status"];
    canary["spec"]["template"]["spec"]["containers"][0]["image"] == STABLE
        && canary["metadata"]["generation"] == status["observedGeneration"]
        && [
            "updatedReplicas",
            "readyReplicas",
            "availableReplicas",
            "replicas",
        ]
        .iter()
        .all(|field| status[*field] == CANARY_REPLICAS)
}

/// Fail the run unless traffic is on stable and web-canary is back on the
/// stable image and rolled out.
fn assert_rolled_back(kube: &FakeKube, who: &str, run: usize) {
    assert!(
        on_stable(kube),
        "run {run}: {who}: route weights {:?}",
        route_weights(kube)
    );
    assert!(
        undone(kube),
        "run {run}: {who}: web-canary not undone and rolled out: {}",
        kube.get("Deployment", "default", "web-canary")
            .unwrap_or_default()
    );
}

/// When the fake itself first held each half of the rollback, read every
/// millisecond while `body` runs (from outside the tools: what they
/// report about themselves is only half the story).
struct Seen {
    on_stable: Option<Instant>,
    undone: Option<Instant>,
}

fn watching<R>(kube: &FakeKube, body: impl FnOnce() -> R) -> (R, Seen) {
    let stop = AtomicBool::new(false);
    thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            let mut seen = Seen {
                on_stable: None,
                undone: None,
            };
            while !stop.load(Ordering::SeqCst) {
                if seen.on_stable.is_none() && on_stable(kube) {
                    seen.on_stable = Some(Instant::now());
                }
                if seen.undone.is_none() && undone(kube) {
                    seen.undone = Some(Instant::now());
                }
                thread::sleep(Duration::from_millis(1));
            }
            seen
        });
        let result = body();
        stop.store(true, Ordering::SeqCst);
        (result, watcher.join().unwrap())
    })
}

fn describe(output: &Output) -> String {
    format!(
        "{}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Run `cmd` to its exit: its output, when it was spawned, and the
/// seconds from spawn to exit.
fn timed(mut cmd: Command) -> (Output, Instant, f64) {
    let start = Instant::now();
    let output = cmd.output().unwrap();
    (output, start, start.elapsed().as_secs_f64())
}

/// Seconds from `start` to `at`, failing the run if it never came.
fn since(start: Instant, at: Option<Instant>, what: &str, run: usize) -> f64 {
    at.unwrap_or_else(|| panic!("run {run}: the fake never saw {what}"))
        .saturating_duration_since(start)
        .as_secs_f64()
}

// ---------------------------------------------------------------------------
// One run of each

/// Seconds of one run: spawn to exit, the traffic and undo steps as timed
/// by the tool (the runbook: its commands), spawn to the fake holding
/// traffic on stable and the undo rolled out; the API requests made.
struct Sample {
    total: f64,
    traffic: f64,
    undo: f64,
    seen_stable: f64,
    seen_undone: f64,
    requests: usize,
}

fn time_gantry(bin: &Path, run: usize) -> Sample {
    let kube = fresh_state(bin, run);
    let target = kube.dir().join("rollback.yaml");
    std::fs::write(&target, TARGET).unwrap();
    let mut cmd = gantry_rollback(bin, &kube);
    cmd.arg("run")
        .arg("--target")
        .arg(&target)
        .args(["--format", "json"]);
    let ((output, start, total), seen) = watching(&kube, || timed(cmd));
    assert!(
        output.status.success(),
        "run {run}: gantry-rollback run failed: {}",
        describe(&output)
    );
    let requests = kube.requests().len();
    assert_rolled_back(&kube, "gantry-rollback", run);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "run {run}: the report is not JSON ({e}): {}",
            describe(&output)
        )
    });
    let step = |kind: &str| {
        let step = report["steps"]
            .as_array()
            .and_then(|steps| steps.iter().find(|s| s["kind"] == kind))
            .unwrap_or_else(|| panic!("run {run}: no {kind} step in {report}"));
        assert_eq!(step["outcome"], "changed", "run {run}: {report}");
        step["elapsed_seconds"]
            .as_f64()
            .unwrap_or_else(|| panic!("run {run}: {kind} step without elapsed_seconds: {report}"))
    };
    Sample {
        total,
        traffic: step("traffic"),
        undo: step("undo"),
        seen_stable: since(start, seen.on_stable, "traffic on stable", run),
        seen_undone: since(start, seen.undone, "the undo rolled out", run),
        requests,
    }
}

fn time_runbook(bin: &Path, run: usize) -> Sample {
    let kube = fresh_state(bin, run);
    let kubectl = |args: &[&str]| {
        let mut cmd = kube.kubectl().unwrap();
        cmd.args(args).stdin(Stdio::null());
        let (output, start, seconds) = timed(cmd);
        assert!(
            output.status.success(),
            "run {run}: kubectl {args:?} failed: {}",
            describe(&output)
        );
        (start, seconds)
    };
    let ((start, traffic, undo), seen) = watching(&kube, || {
        let (start, traffic) = kubectl(&[
            "patch",
            "httproute",
            "web",
            "--type=json",
            "-p",
            WEIGHTS_PATCH,
        ]);
        let undo = kubectl(&["rollout", "undo", "deployment/web-canary"]).1
            + kubectl(&[
                "rollout",
                "status",
                "deployment/web-canary",
                "--timeout=60s",
            ])
            .1;
        (start, traffic, undo)
    });
    let requests = kube.requests().len();
    assert_rolled_back(&kube, "kubectl runbook", run);
    Sample {
        // The three commands back to back: the runbook's wall time, less
        // the few microseconds between one exit and the next spawn.
        total: traffic + undo,
        traffic,
        undo,
        seen_stable: since(start, seen.on_stable, "traffic on stable", run),
        seen_undone: since(start, seen.undone, "the undo rolled out", run),
        requests,
    }
}

// ---------------------------------------------------------------------------
// The table

fn sorted(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    v
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// Nearest rank: the smallest value with at least 90% at or below it.
fn p90(sorted: &[f64]) -> f64 {
    let rank = (sorted.len() * 9).div_ceil(10);
    rank.checked_sub(1)
        .and_then(|i| sorted.get(i))
        .copied()
        .unwrap_or(f64::NAN)
}

/// Median, p90, max in milliseconds of `pick` over `samples`.
fn stats(samples: &[Sample], pick: fn(&Sample) -> f64) -> [f64; 3] {
    let v = sorted(samples.iter().map(pick));
    [
        median(&v) * 1e3,
        p90(&v) * 1e3,
        v.last().copied().unwrap_or(f64::NAN) * 1e3,
    ]
}

fn row(name: &str, samples: &[Sample], pick: fn(&Sample) -> f64) -> f64 {
    let [median, p90, max] = stats(samples, pick);
    println!(
        "    {name:<60} {:>5} {median:>10.1} {p90:>8.1} {max:>8.1}",
        samples.len()
    );
    median
}

/// The figures of one tool, in `ROWS` order: their medians.
fn rows(title: &str, names: [&str; 2], samples: &[Sample]) -> [f64; 5] {
    println!("    {title}");
    [
        row("  total, spawn to exit", samples, |s| s.total),
        row(names[0], samples, |s| s.traffic),
        row(names[1], samples, |s| s.undo),
        row(
            "  spawn to the fake holding traffic on stable",
            samples,
            |s| s.seen_stable,
        ),
        row(
            "  spawn to the fake holding web-canary undone, rolled out",
            samples,
            |s| s.seen_undone,
        ),
    ]
}

const ROWS: [&str; 5] = ["total", "traffic", "undo", "to stable", "to undone"];

fn print_table(nproc: usize, gantry: &[Sample], runbook: Option<&[Sample]>) {
    println!(
        "
==> figures (nproc {nproc})"
    );
    println!(
        "    {:<60} {:>5} {:>10} {:>8} {:>8}",
        "decision to traffic on stable + undo applied", "runs", "median ms", "p90 ms", "max ms"
    );
    let ours = rows(
        "gantry-rollback run --target rollback.yaml --format json",
        [
            "  traffic step, HTTPRoute 100/0 (its report)",
            "  undo step, undone and rolled out (its report)",
        ],
        gantry,
    );
    let requests = |samples: &[Sample]| median(&sorted(samples.iter().map(|s| s.requests as f64)));
    match runbook {
        Some(runbook) => {
            let peer = rows(
                "kubectl runbook: patch, rollout undo, rollout status",
                [
                    "  kubectl patch httproute --type=json (traffic)",
                    "  kubectl rollout undo + rollout status (undo)",
                ],
                runbook,
            );
            let ratios: Vec<String> = ROWS
                .iter()
                .zip(ours.iter().zip(peer))
                .map(|(name, (g, k))| format!("{name} {:.2}x", g / k))
                .collect();
            println!(
                "    ratio of medians, gantry-rollback / kubectl runbook: {}",
                ratios.join(", ")
            );
            println!(
                "    API requests per run (median): gantry-rollback {}, kubectl runbook {} \
                 (kubectl's discovery cache starts cold: a fresh fake each run)",
                requests(gantry),
                requests(runbook)
            );
        }
        None => {
            println!("    kubectl runbook: skipped (kubectl not found)");
            println!(
                "    API requests per run (median): gantry-rollback {}",
                requests(gantry)
            );
        }
    }
    println!(
        "    note: the fake API server answers in microseconds and makes pods Ready 50 ms after \
         creation (its default), so these figures are the tools' own overhead plus the fake \
         controller's rollout of {CANARY_REPLICAS} replicas, not a real cluster's latency; \
         \"the fake holding\" is read from outside every millisecond."
    );
}
