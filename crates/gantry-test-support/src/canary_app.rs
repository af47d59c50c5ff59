//! A small HTTP/1.1 app on 127.0.0.1 (std only) for canary tests: it serves
//! `/health`, `/version`, simulated work on every other path, and
//! Prometheus metrics about what it served; its behaviour can be switched
//! at runtime to the faults a canary analysis must catch.
//!
//! | path | answer |
//! |---|---|
//! | `GET /health` | `200 ok`, or the configured [`CanaryConfig::health_status`] |
//! | `GET /version` | the configured version as text; `?format=json` gives `{"version":"…"}` |
//! | `GET /metrics` | Prometheus text format (below) |
//! | `GET /control` | the current switches as JSON |
//! | `POST /control` | change switches: a JSON object (see [`CanaryApp::control_url`]) |
//! | anything else (`/api/…`) | simulated work: latency, then `200` or the error status |
//!
//! Metrics (`version` is the version that served the request, so a canary
//! and a baseline app scraped by one Prometheus are told apart by it):
//! - `http_requests_total{code,version,path}`: counter. For every
//!   `(version, path)` seen, the `200` and the error-status series exist
//!   (at 0) from its first request on, so `rate(…{code=~"5.."}…)` is `0`,
//!   not "no data", for a healthy app, and the first errors are not lost
//!   to a series appearing mid-window. An app that served nothing has no
//!   series at all (an idle service is "no data").
//! - `http_request_duration_seconds{version,path}`: histogram with
//!   [`DURATION_BUCKETS`] (1 ms to 5 s), `_bucket{le}`, `_sum`, `_count`.
//!   The duration is measured around the simulated latency (sleep, then
//!   record), so it shows in `histogram_quantile`.
//!
//! `/health`, `/version` and work requests are counted; `/metrics` and
//! `/control` are not. Latency and errors apply to work requests only;
//! `/health` and `/version` answer at once.
//!
//! Faults (all switchable through the handle and `POST /control`):
//! - error rate: that fraction of work requests is answered with the error
//!   status (500), chosen by a counter (exactly 30 of every 100 at 0.3,
//!   evenly spread), so runs are reproducible;
//! - tail latency: [`CanaryConfig::tail_fraction`] of work requests (2% by
//!   default, chosen by a counter) take [`CanaryConfig::tail_latency`]
//!   longer: p99 moves, p50 and p95 do not. (With exactly 1% the 0.99
//!   quantile falls on the boundary between the fast and the slow requests
//!   and `histogram_quantile` may or may not see it.)
//! - hang: accept and read the request, never answer (until switched back
//!   or the client gives up) — `/health` only, or every path but
//!   `/control` (`/metrics` too, so a scrape times out);
//! - crash: the listener is closed (new connections are refused) and open
//!   connections are shut down, like a process that died;
//!   [`CanaryApp::restart`] brings it back on the same port with fresh
//!   counters (a restarted process starts from zero; Prometheus sees a
//!   counter reset);
//! - wrong version: [`CanaryApp::set_version`].
//! - normal noise ([`Noise`]): uniform latency jitter (2–8 ms) from a
//!   seeded generator, and an optional background error rate (1%).
//!
//! The app runs on threads of the test process (one per connection); act
//! jobs run on this machine (`-P ubuntu-latest=-self-hosted`), so a
//! workflow step reaches it on 127.0.0.1 too. Besides the app's own port
//! there is a control port ([`CanaryApp::control_url`]) that serves only
//! `/control` and never crashes or hangs, so another process can also
//! restart a crashed app. Everything stops when the handle is dropped.
//!
//! ```no_run
//! # fn main() -> gantry_test_support::tools::Result<()> {
//! use std::time::Duration;
//! use gantry_test_support::canary_app::{CanaryApp, CanaryConfig, Hang, Noise};
//! let app = CanaryApp::start(CanaryConfig::new("abc123").with_noise(Noise::normal()))?;
//! let work = app.url_for("/api/work"); // http://127.0.0.1:PORT/api/work
//! app.set_error_rate(0.3);
//! app.set_tail_latency(Duration::from_millis(500));
//! app.set_hang(Hang::Health);
//! app.crash();
//! app.restart()?;
//! # let _ = work;
//! # Ok(()) }
//! ```

use crate::http_server::reason;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::tools::{IoContext as _, Result, RigError};

/// Upper bounds (`le`, seconds) of the latency histogram's buckets.
pub const DURATION_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// How often an accept loop looks for a connection (non-blocking accept,
/// like the crate's other servers, so a crash or drop never needs a wake-up
/// connection).
const ACCEPT_POLL: Duration = Duration::from_millis(2);
/// How often a hung or sleeping request checks whether to go on.
const TICK: Duration = Duration::from_millis(10);
/// How long a client may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest request head read.
const MAX_HEAD: u64 = 16 * 1024;
/// The longest `POST /control` body read.
const MAX_BODY: usize = 64 * 1024;
/// The longest simulated latency (base + jitter + tail) of one request.
const MAX_LATENCY: Duration = Duration::from_secs(30);
/// How long drop waits for request threads to notice the stop.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);
/// One in a million: error and tail fractions are counted in these.
const PPM: u64 = 1_000_000;

/// Which requests a hang holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Hang {
    /// Answer everything.
    #[default]
    None,
    /// Never answer `/health`.
    Health,
    /// Never answer any path but `/control` (`/metrics` included).
    All,
}

impl Hang {
    /// `none`, `health` or `all` (the `POST /control` spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            Hang::None => "none",
            Hang::Health => "health",
            Hang::All => "all",
        }
    }

    /// Parse `none`, `health` or `all`.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "none" => Some(Hang::None),
            "health" => Some(Hang::Health),
            "all" => Some(Hang::All),
            _ => None,
        }
    }

    fn holds(self, path: &str) -> bool {
        match self {
            Hang::None => false,
            Hang::Health => path == "/health",
            Hang::All => path != "/control",
        }
    }
}

/// Normal noise: latency jitter and a background error rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Noise {
    /// Least extra latency of a work request.
    pub jitter_min: Duration,
    /// Most extra latency of a work request (uniform in between, from the
    /// seeded generator).
    pub jitter_max: Duration,
    /// Fraction of work requests answered with the error status, on top of
    /// [`CanaryConfig::error_rate`].
    pub error_rate: f64,
}

impl Noise {
    /// 2–8 ms jitter, no background errors.
    pub fn normal() -> Self {
        Self {
            jitter_min: Duration::from_millis(2),
            jitter_max: Duration::from_millis(8),
            error_rate: 0.0,
        }
    }

    /// 2–8 ms jitter and 1% background errors.
    pub fn with_background_errors() -> Self {
        Self {
            error_rate: 0.01,
            ..Self::normal()
        }
    }
}

/// What the app does; every field can be changed while it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct CanaryConfig {
    /// Served by `/version` and put in the metrics' `version` label (a
    /// commit SHA, say).
    pub version: String,
    /// Status of `/health` (200 answers `ok`, anything else `unhealthy`).
    pub health_status: u16,
    /// Fraction (0 to 1) of work requests answered with `error_status`.
    pub error_rate: f64,
    /// Status of a simulated error (500).
    pub error_status: u16,
    /// Latency of every work request (0).
    pub latency: Duration,
    /// Extra latency of the slow tail (0: no tail).
    pub tail_latency: Duration,
    /// Fraction of work requests in the slow tail (0.02).
    pub tail_fraction: f64,
    /// Normal noise (none).
    pub noise: Option<Noise>,
    /// Requests held without an answer.
    pub hang: Hang,
    /// Seed of the jitter generator.
    pub seed: u64,
}

impl CanaryConfig {
    /// A healthy, quiet app serving `version`.
    pub fn new(version: &str) -> Self {
        Self {
            version: version.to_owned(),
            health_status: 200,
            error_rate: 0.0,
            error_status: 500,
            latency: Duration::ZERO,
            tail_latency: Duration::ZERO,
            tail_fraction: 0.02,
            noise: None,
            hang: Hang::None,
            seed: 0x5eed,
        }
    }

    /// With normal noise.
    pub fn with_noise(mut self, noise: Noise) -> Self {
        self.noise = Some(noise);
        self
    }

    /// With this error rate.
    pub fn with_error_rate(mut self, rate: f64) -> Self {
        self.error_rate = rate;
        self
    }

    /// With this base latency of work requests.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// With this jitter seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Check the values: fractions in 0..=1, statuses 100..=599, latencies
    /// at most 30 s in total.
    pub fn validate(&self) -> Result<()> {
        let fraction = |name: &str, value: f64| {
            if (0.0..=1.0).contains(&value) {
                Ok(())
            } else {
                Err(RigError::new(format!(
                    "canary app: {name} must be between 0 and 1, not {value}"
                )))
            }
        };
        fraction("error_rate", self.error_rate)?;
        fraction("tail_fraction", self.tail_fraction)?;
        for (name, status) in [
            ("health_status", self.health_status),
            ("error_status", self.error_status),
        ] {
            if !(100..=599).contains(&status) {
                return Err(RigError::new(format!(
                    "canary app: {name} must be an HTTP status (100-599), not {status}"
                )));
            }
        }
        let mut most = self.latency + self.tail_latency;
        if let Some(noise) = &self.noise {
            fraction("noise.error_rate", noise.error_rate)?;
            if noise.jitter_min > noise.jitter_max {
                return Err(RigError::new(format!(
                    "canary app: noise jitter_min {:?} is above jitter_max {:?}",
                    noise.jitter_min, noise.jitter_max
                )));
            }
            most += noise.jitter_max;
        }
        if most > MAX_LATENCY {
            return Err(RigError::new(format!(
                "canary app: latency + tail + jitter is {most:?}, more than {MAX_LATENCY:?}"
            )));
        }
        if self.version.is_empty() || self.version.chars().any(char::is_control) {
            return Err(RigError::new(format!(
                "canary app: version must be non-empty text, not {:?}",
                self.version
            )));
        }
        Ok(())
    }

    /// The configuration as the JSON `GET /control` returns (durations in
    /// milliseconds).
    pub fn to_json(&self) -> serde_json::Value {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        serde_json::json!({
            "version": self.version,
            "health_status": self.health_status,
            "error_rate": self.error_rate,
            "error_status": self.error_status,
            "latency_ms": ms(self.latency),
            "tail_latency_ms": ms(self.tail_latency),
            "tail_fraction": self.tail_fraction,
            "noise": self.noise.map(|n| serde_json::json!({
                "jitter_ms": [ms(n.jitter_min), ms(n.jitter_max)],
                "error_rate": n.error_rate,
            })),
            "hang": self.hang.as_str(),
            "seed": self.seed,
        })
    }
}

/// Requests served for one `(version, path, code)`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ServedCount {
    /// The version that served them.
    pub version: String,
    /// The path (without the query).
    pub path: String,
    /// The status answered.
    pub code: u16,
    /// How many.
    pub count: u64,
}

/// A running canary app; stopped when dropped.
#[derive(Debug)]
pub struct CanaryApp {
    shared: Arc<Shared>,
    control_addr: SocketAddr,
    control_thread: Option<JoinHandle<()>>,
}

impl CanaryApp {
    /// Start on a free port of 127.0.0.1 (and a second one for
    /// [`CanaryApp::control_url`]).
    pub fn start(config: CanaryConfig) -> Result<Self> {
        config.validate()?;
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .context(|| "canary app: cannot bind 127.0.0.1:0".to_owned())?;
        let addr = listener
            .local_addr()
            .context(|| "canary app: cannot read its address".to_owned())?;
        let control = TcpListener::bind(("127.0.0.1", 0))
            .context(|| "canary app: cannot bind its control port".to_owned())?;
        let control_addr = control
            .local_addr()
            .context(|| "canary app: cannot read its control address".to_owned())?;
        let rng = config.seed;
        let shared = Arc::new(Shared {
            addr,
            initial: config.clone(),
            state: Mutex::new(State {
                config,
                error_acc: 0,
                tail_acc: 0,
                rng,
            }),
            metrics: Mutex::new(Metrics::default()),
            generation: AtomicU64::new(0),
            crashed: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            accept: Mutex::new(None),
            lifecycle: Mutex::new(()),
            conns: Mutex::new(BTreeMap::new()),
            next_conn: AtomicU64::new(0),
            active: AtomicUsize::new(0),
        });
        shared.spawn_accept(listener, 0)?;
        let control_thread = {
            let shared = Arc::clone(&shared);
            control
                .set_nonblocking(true)
                .context(|| "canary app: cannot configure its control port".to_owned())?;
            thread::Builder::new()
                .name(format!("canary-control-{}", control_addr.port()))
                .spawn(move || accept_loop(&control, &shared, None))
                .context(|| "canary app: cannot start its control thread".to_owned())?
        };
        Ok(Self {
            shared,
            control_addr,
            control_thread: Some(control_thread),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    /// `http://127.0.0.1:PORT{path}`, e.g. `url_for("/api/work")`.
    pub fn url_for(&self, path: &str) -> String {
        format!("http://{}{path}", self.shared.addr)
    }

    /// `127.0.0.1:PORT`: the scrape target.
    pub fn host_port(&self) -> String {
        self.shared.addr.to_string()
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.shared.addr.port()
    }

    /// `http://127.0.0.1:CONTROL_PORT/control`: a port that serves only
    /// `/control`, never hangs and survives a crash. `GET` returns the
    /// switches as JSON; `POST` a JSON object with any of:
    /// `version` (string), `health_status`, `error_status` (integers),
    /// `error_rate`, `tail_fraction` (0 to 1), `latency_ms`,
    /// `tail_latency_ms` (numbers), `hang` (`"none"`, `"health"`, `"all"`),
    /// `noise` (`null`, `true` for [`Noise::normal`], or
    /// `{"jitter_ms":[2,8],"error_rate":0.01}`), `seed`, `reset` (`true`:
    /// back to the start configuration, applied first), `crash` (`true`
    /// crashes, `false` restarts). It answers 200 with the new switches
    /// (and `"crashed"`), or 400 naming the bad field (nothing changed).
    /// The app's own port serves `/control` the same way while it is up.
    pub fn control_url(&self) -> String {
        format!("http://{}/control", self.control_addr)
    }

    /// The current switches.
    pub fn config(&self) -> CanaryConfig {
        lock(&self.shared.state).config.clone()
    }

    /// Change any switches at once; an invalid result is refused and
    /// nothing changes.
    pub fn update(&self, change: impl FnOnce(&mut CanaryConfig)) -> Result<()> {
        let mut state = lock(&self.shared.state);
        let mut config = state.config.clone();
        change(&mut config);
        config.validate()?;
        state.set(config);
        Ok(())
    }

    /// Answer this fraction of work requests with the error status
    /// (clamped to 0..=1).
    pub fn set_error_rate(&self, rate: f64) {
        let rate = if rate.is_nan() {
            0.0
        } else {
            rate.clamp(0.0, 1.0)
        };
        lock(&self.shared.state).config.error_rate = rate;
    }

    /// Give the slow tail (2% of work requests, [`CanaryConfig::tail_fraction`])
    /// this much extra latency (capped at 25 s); zero turns it off.
    pub fn set_tail_latency(&self, extra: Duration) {
        lock(&self.shared.state).config.tail_latency = extra.min(Duration::from_secs(25));
    }

    /// Hold `/health` or every path without an answer, or stop doing so.
    pub fn set_hang(&self, hang: Hang) {
        lock(&self.shared.state).config.hang = hang;
    }

    /// Serve `version` from now on (`/version` and the `version` label).
    pub fn set_version(&self, version: &str) -> Result<()> {
        self.update(|config| config.version = version.to_owned())
    }

    /// Answer `/health` with this status.
    pub fn set_health_status(&self, status: u16) -> Result<()> {
        self.update(|config| config.health_status = status)
    }

    /// Turn normal noise on or off.
    pub fn set_noise(&self, noise: Option<Noise>) -> Result<()> {
        self.update(|config| config.noise = noise)
    }

    /// Back to the configuration the app started with (a crash stays).
    pub fn reset(&self) {
        let initial = self.shared.initial.clone();
        lock(&self.shared.state).set(initial);
    }

    /// Crash: stop listening (connections are refused from now on) and shut
    /// every open connection down. Returns once the port refuses.
    pub fn crash(&self) {
        self.shared.crash();
    }

    /// Come back after [`CanaryApp::crash`] on the same port, with fresh
    /// counters (like a restarted process). Does nothing if not crashed.
    pub fn restart(&self) -> Result<()> {
        self.shared.restart()
    }

    /// Whether the app is crashed.
    pub fn is_crashed(&self) -> bool {
        self.shared.crashed.load(Ordering::SeqCst)
    }

    /// What `http_requests_total` holds now, without the zero series.
    pub fn served(&self) -> Vec<ServedCount> {
        lock(&self.shared.metrics)
            .requests
            .iter()
            .filter(|(_, count)| **count > 0)
            .map(|((version, path, code), count)| ServedCount {
                version: version.clone(),
                path: path.clone(),
                code: *code,
                count: *count,
            })
            .collect()
    }

    /// Requests served by status code, over every path whose path starts
    /// with `path_prefix` (`""` for all) and every version.
    pub fn status_counts(&self, path_prefix: &str) -> BTreeMap<u16, u64> {
        let mut counts = BTreeMap::new();
        for served in self.served() {
            if served.path.starts_with(path_prefix) {
                *counts.entry(served.code).or_insert(0) += served.count;
            }
        }
        counts
    }

    /// The `/metrics` text, as a scrape would get it now.
    pub fn metrics_text(&self) -> String {
        lock(&self.shared.metrics).render()
    }
}

impl Drop for CanaryApp {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = lock(&self.shared.accept).take() {
            let _ = thread.join();
        }
        if let Some(thread) = self.control_thread.take() {
            let _ = thread.join();
        }
        self.shared.shutdown_connections();
        let deadline = Instant::now() + DRAIN_TIMEOUT;
        while self.shared.active.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(2));
        }
    }
}

#[derive(Debug)]
struct State {
    config: CanaryConfig,
    /// Error accumulator, in millionths of a request.
    error_acc: u64,
    /// Tail accumulator, in millionths of a request.
    tail_acc: u64,
    /// Jitter generator state (splitmix64).
    rng: u64,
}

impl State {
    fn set(&mut self, config: CanaryConfig) {
        if config.seed != self.config.seed {
            self.rng = config.seed;
        }
        self.config = config;
    }

    /// Whether the next work request is an error, its latency, its version.
    fn plan_work(&mut self) -> (Option<u16>, Duration, String) {
        let config = &self.config;
        let background = config.noise.map_or(0.0, |n| n.error_rate);
        let error_ppm = to_ppm(config.error_rate + background);
        let tail_ppm = if config.tail_latency.is_zero() {
            0
        } else {
            to_ppm(config.tail_fraction)
        };
        let mut latency = config.latency;
        let status = config.error_status;
        let tail = config.tail_latency;
        let jitter = config.noise.map(|n| (n.jitter_min, n.jitter_max));
        let version = config.version.clone();

        self.error_acc += error_ppm;
        let error = if self.error_acc >= PPM {
            self.error_acc -= PPM;
            Some(status)
        } else {
            None
        };
        self.tail_acc += tail_ppm;
        if self.tail_acc >= PPM {
            self.tail_acc -= PPM;
            latency += tail;
        }
        if let Some((low, high)) = jitter {
            let span = u64::try_from((high - low).as_micros()).unwrap_or(u64::MAX);
            let extra = if span == 0 {
                0
            } else {
                self.next_random() % (span + 1)
            };
            latency += low + Duration::from_micros(extra);
        }
        (error, latency.min(MAX_LATENCY), version)
    }

    fn next_random(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn to_ppm(fraction: f64) -> u64 {
    // Clamped to 0..=1 first, so the cast cannot overflow.
    (fraction.clamp(0.0, 1.0) * PPM as f64).round() as u64
}

#[derive(Debug, Default)]
struct Histogram {
    /// Observations per bucket (not cumulative); the last is `+Inf` only.
    buckets: [u64; DURATION_BUCKETS.len() + 1],
    sum: f64,
    count: u64,
}

#[derive(Debug, Default)]
struct Metrics {
    requests: BTreeMap<(String, String, u16), u64>,
    durations: BTreeMap<(String, String), Histogram>,
}

impl Metrics {
    fn observe(&mut self, version: &str, path: &str, code: u16, error_status: u16, took: Duration) {
        let key = (version.to_owned(), path.to_owned());
        if !self.durations.contains_key(&key) {
            for zero in [200, error_status] {
                self.requests
                    .entry((version.to_owned(), path.to_owned(), zero))
                    .or_insert(0);
            }
        }
        *self
            .requests
            .entry((version.to_owned(), path.to_owned(), code))
            .or_insert(0) += 1;
        let histogram = self.durations.entry(key).or_default();
        let secs = took.as_secs_f64();
        let bucket = DURATION_BUCKETS
            .iter()
            .position(|le| secs <= *le)
            .unwrap_or(DURATION_BUCKETS.len());
        histogram.buckets[bucket] += 1;
        histogram.sum += secs;
        histogram.count += 1;
    }

    fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP http_requests_total HTTP requests served, by status code, version and path.\n\
             # TYPE http_requests_total counter\n",
        );
        for ((version, path, code), count) in &self.requests {
            let _ = writeln!(
                out,
                "http_requests_total{{code=\"{code}\",version=\"{}\",path=\"{}\"}} {count}",
                escape(version),
                escape(path)
            );
        }
        out.push_str(
            "# HELP http_request_duration_seconds Time to answer an HTTP request, simulated latency included.\n\
             # TYPE http_request_duration_seconds histogram\n",
        );
        for ((version, path), histogram) in &self.durations {
            let labels = format!("version=\"{}\",path=\"{}\"", escape(version), escape(path));
            let mut cumulative = 0;
            for (le, count) in DURATION_BUCKETS.iter().zip(histogram.buckets) {
                cumulative += count;
                let _ = writeln!(
                    out,
                    "http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                histogram.count
            );
            let _ = writeln!(
                out,
                "http_request_duration_seconds_sum{{{labels}}} {}",
                histogram.sum
            );
            let _ = writeln!(
                out,
                "http_request_duration_seconds_count{{{labels}}} {}",
                histogram.count
            );
        }
        out
    }
}

/// Escape a label value for the text exposition format.
fn escape(value: &str) -> String {
    value
        .replace('\\', r"\\")
        .replace('"', "\\\"")
        .replace('\n', r"\n")
}

#[derive(Debug)]
struct Shared {
    addr: SocketAddr,
    initial: CanaryConfig,
    state: Mutex<State>,
    metrics: Mutex<Metrics>,
    /// Bumped by every crash and restart: requests of an older generation
    /// are dropped without an answer or a record.
    generation: AtomicU64,
    crashed: AtomicBool,
    stop: AtomicBool,
    accept: Mutex<Option<JoinHandle<()>>>,
    /// Serialises crash and restart.
    lifecycle: Mutex<()>,
    /// Open connections of the app's port, to shut down on a crash.
    conns: Mutex<BTreeMap<u64, TcpStream>>,
    next_conn: AtomicU64,
    /// Request threads still running.
    active: AtomicUsize,
}

impl Shared {
    fn alive(&self, generation: Option<u64>) -> bool {
        !self.stop.load(Ordering::SeqCst)
            && generation.is_none_or(|g| self.generation.load(Ordering::SeqCst) == g)
    }

    fn spawn_accept(self: &Arc<Self>, listener: TcpListener, generation: u64) -> Result<()> {
        listener
            .set_nonblocking(true)
            .context(|| "canary app: cannot configure its listener".to_owned())?;
        let shared = Arc::clone(self);
        let thread = thread::Builder::new()
            .name(format!("canary-app-{}", self.addr.port()))
            .spawn(move || accept_loop(&listener, &shared, Some(generation)))
            .context(|| "canary app: cannot start its accept thread".to_owned())?;
        *lock(&self.accept) = Some(thread);
        Ok(())
    }

    fn crash(&self) {
        let _lifecycle = lock(&self.lifecycle);
        if self.crashed.swap(true, Ordering::SeqCst) {
            return;
        }
        self.generation.fetch_add(1, Ordering::SeqCst);
        // The accept loop sees the new generation within ACCEPT_POLL and
        // drops the listener as it returns.
        if let Some(thread) = lock(&self.accept).take() {
            let _ = thread.join();
        }
        self.shutdown_connections();
    }

    fn restart(self: &Arc<Self>) -> Result<()> {
        let _lifecycle = lock(&self.lifecycle);
        if !self.crashed.load(Ordering::SeqCst) {
            return Ok(());
        }
        // std sets SO_REUSEADDR on Unix: the old connections in TIME_WAIT do
        // not keep the port.
        let listener = TcpListener::bind(self.addr).context(|| {
            format!(
                "canary app: cannot listen on {} again after the crash",
                self.addr
            )
        })?;
        *lock(&self.metrics) = Metrics::default();
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        self.spawn_accept(listener, generation)?;
        self.crashed.store(false, Ordering::SeqCst);
        Ok(())
    }

    fn shutdown_connections(&self) {
        let conns = std::mem::take(&mut *lock(&self.conns));
        for stream in conns.values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Accept connections until stopped: the app's port when `generation` is
/// set (until that generation ends), the control port otherwise.
fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>, generation: Option<u64>) {
    while shared.alive(generation) {
        match listener.accept() {
            Ok((stream, _)) => {
                shared.active.fetch_add(1, Ordering::SeqCst);
                let worker = Arc::clone(shared);
                let spawned = thread::Builder::new()
                    .name("canary-request".to_owned())
                    .spawn(move || {
                        // A broken connection only ends that exchange.
                        let _ = serve(stream, &worker, generation);
                        worker.active.fetch_sub(1, Ordering::SeqCst);
                    });
                if spawned.is_err() {
                    // Out of threads: the connection is dropped, like an
                    // overloaded server would.
                    shared.active.fetch_sub(1, Ordering::SeqCst);
                }
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => thread::sleep(ACCEPT_POLL),
        }
    }
}

struct Request {
    method: String,
    path: String,
    query: String,
    body: Vec<u8>,
}

fn read_request(stream: &TcpStream) -> io::Result<Request> {
    let mut reader = BufReader::new(stream.try_clone()?.take(MAX_HEAD));
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or("/").to_owned();
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" || header == "\n" {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    if length > MAX_BODY {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("request body of {length} bytes"),
        ));
    }
    let mut body = vec![0u8; length];
    // The head reader may hold part of the body already.
    reader.get_mut().set_limit(u64::MAX);
    reader.read_exact(&mut body)?;
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path.to_owned(), query.to_owned()),
        None => (target, String::new()),
    };
    Ok(Request {
        method,
        path,
        query,
        body,
    })
}

/// Registers a connection of the app's port for shutdown on a crash, and
/// unregisters it when dropped.
struct Registered<'a> {
    shared: &'a Shared,
    id: Option<u64>,
}

impl<'a> Registered<'a> {
    fn new(shared: &'a Shared, stream: &TcpStream, generation: Option<u64>) -> Self {
        let id = generation.and_then(|_| {
            let clone = stream.try_clone().ok()?;
            let id = shared.next_conn.fetch_add(1, Ordering::SeqCst);
            lock(&shared.conns).insert(id, clone);
            Some(id)
        });
        Self { shared, id }
    }

    fn release(&mut self) {
        if let Some(id) = self.id.take() {
            lock(&self.shared.conns).remove(&id);
        }
    }
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        self.release();
    }
}

fn serve(mut stream: TcpStream, shared: &Arc<Shared>, generation: Option<u64>) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    stream.set_write_timeout(Some(READ_TIMEOUT))?;
    let mut registered = Registered::new(shared, &stream, generation);
    let request = read_request(&stream)?;
    let started = Instant::now();
    let path = request.path.as_str();

    if generation.is_none() && path != "/control" {
        return respond(&mut stream, 404, "text/plain", b"only /control here\n");
    }
    if path == "/control" {
        let (status, body, crash) = control(shared, &request);
        // Answer, crash, then close: the client has its answer, and once
        // it sees the end of it the port refuses.
        respond(&mut stream, status, "application/json", body.as_bytes())?;
        registered.release();
        if crash == Some(true) {
            shared.crash();
        }
        return Ok(());
    }

    // Hold the request while a hang covers it.
    while lock(&shared.state).config.hang.holds(path) {
        if !shared.alive(generation) || client_gone(&stream) {
            return Ok(());
        }
        thread::sleep(TICK);
    }
    if !shared.alive(generation) {
        return Ok(());
    }

    let (status, content_type, body, version, error_status) = match path {
        "/metrics" => {
            let text = lock(&shared.metrics).render();
            return respond(
                &mut stream,
                200,
                "text/plain; version=0.0.4; charset=utf-8",
                text.as_bytes(),
            );
        }
        "/health" => {
            let state = lock(&shared.state);
            let status = state.config.health_status;
            let body: &[u8] = if status == 200 { b"ok" } else { b"unhealthy" };
            (
                status,
                "text/plain",
                body.to_vec(),
                state.config.version.clone(),
                state.config.error_status,
            )
        }
        "/version" => {
            let state = lock(&shared.state);
            let version = state.config.version.clone();
            let json = request.query.split('&').any(|pair| pair == "format=json");
            let (content_type, body) = if json {
                (
                    "application/json",
                    serde_json::json!({ "version": version }).to_string(),
                )
            } else {
                ("text/plain", version.clone())
            };
            (
                200,
                content_type,
                body.into_bytes(),
                version,
                state.config.error_status,
            )
        }
        _ => {
            let (error, latency, version, error_status) = {
                let mut state = lock(&shared.state);
                let (error, latency, version) = state.plan_work();
                (error, latency, version, state.config.error_status)
            };
            let until = started + latency;
            while Instant::now() < until {
                if !shared.alive(generation) {
                    return Ok(());
                }
                thread::sleep(TICK.min(until.saturating_duration_since(Instant::now())));
            }
            match error {
                Some(status) => (
                    status,
                    "text/plain",
                    b"simulated error".to_vec(),
                    version,
                    error_status,
                ),
                None => (200, "text/plain", b"done".to_vec(), version, error_status),
            }
        }
    };
    if !shared.alive(generation) {
        return Ok(());
    }
    lock(&shared.metrics).observe(&version, path, status, error_status, started.elapsed());
    respond(&mut stream, status, content_type, &body)
}

/// Whether the client has closed its side (or the connection broke).
fn client_gone(stream: &TcpStream) -> bool {
    if stream.set_nonblocking(true).is_err() {
        return true;
    }
    let mut probe = [0u8; 1];
    let gone = match stream.peek(&mut probe) {
        Ok(0) => true,
        Ok(_) => false,
        Err(err) => err.kind() != io::ErrorKind::WouldBlock,
    };
    gone || stream.set_nonblocking(false).is_err()
}

/// Handle `GET`/`POST /control`: (status, JSON body, crash switch).
fn control(shared: &Arc<Shared>, request: &Request) -> (u16, String, Option<bool>) {
    let answer = |shared: &Shared| {
        let mut json = lock(&shared.state).config.to_json();
        json["crashed"] = serde_json::Value::Bool(shared.crashed.load(Ordering::SeqCst));
        json.to_string()
    };
    match request.method.as_str() {
        "GET" => (200, answer(shared), None),
        "POST" => {
            let changes = match serde_json::from_slice::<serde_json::Value>(&request.body) {
                Ok(serde_json::Value::Object(changes)) => changes,
                Ok(_) => return bad_control("the body must be a JSON object"),
                Err(err) => return bad_control(&format!("the body is not JSON: {err}")),
            };
            let mut state = lock(&shared.state);
            let base = if changes.get("reset") == Some(&serde_json::Value::Bool(true)) {
                shared.initial.clone()
            } else {
                state.config.clone()
            };
            let (config, crash) = match apply_changes(base, &changes) {
                Ok(applied) => applied,
                Err(why) => return bad_control(&why),
            };
            state.set(config);
            drop(state);
            if crash == Some(false)
                && let Err(err) = shared.restart()
            {
                return (
                    500,
                    serde_json::json!({ "error": err.to_string() }).to_string(),
                    None,
                );
            }
            (200, answer(shared), crash)
        }
        _ => bad_control("use GET or POST"),
    }
}

fn bad_control(why: &str) -> (u16, String, Option<bool>) {
    (400, serde_json::json!({ "error": why }).to_string(), None)
}

/// Apply a `POST /control` object to `config`; returns the new
/// configuration and the `crash` switch, or which field is wrong.
fn apply_changes(
    mut config: CanaryConfig,
    changes: &serde_json::Map<String, serde_json::Value>,
) -> std::result::Result<(CanaryConfig, Option<bool>), String> {
    use serde_json::Value;
    let number = |name: &str, value: &Value| {
        value
            .as_f64()
            .filter(|n| n.is_finite() && *n >= 0.0)
            .ok_or_else(|| format!("{name} must be a non-negative number, not {value}"))
    };
    let status = |name: &str, value: &Value| {
        value
            .as_u64()
            .and_then(|n| u16::try_from(n).ok())
            .ok_or_else(|| format!("{name} must be an HTTP status, not {value}"))
    };
    let millis = |name: &str, value: &Value| {
        number(name, value).and_then(|ms| {
            Duration::try_from_secs_f64(ms / 1000.0).map_err(|err| format!("{name}: {err}"))
        })
    };
    let mut crash = None;
    for (name, value) in changes {
        match name.as_str() {
            "reset" => {
                value
                    .as_bool()
                    .ok_or_else(|| format!("reset must be true or false, not {value}"))?;
            }
            "crash" => {
                crash = Some(
                    value
                        .as_bool()
                        .ok_or_else(|| format!("crash must be true or false, not {value}"))?,
                );
            }
            "version" => {
                config.version = value
                    .as_str()
                    .ok_or_else(|| format!("version must be a string, not {value}"))?
                    .to_owned();
            }
            "health_status" => config.health_status = status(name, value)?,
            "error_status" => config.error_status = status(name, value)?,
            "error_rate" => config.error_rate = number(name, value)?,
            "tail_fraction" => config.tail_fraction = number(name, value)?,
            "latency_ms" => config.latency = millis(name, value)?,
            "tail_latency_ms" => config.tail_latency = millis(name, value)?,
            "seed" => {
                config.seed = value
                    .as_u64()
                    .ok_or_else(|| format!("seed must be an unsigned integer, not {value}"))?;
            }
            "hang" => {
                config.hang = value.as_str().and_then(Hang::parse).ok_or_else(|| {
                    format!("hang must be \"none\", \"health\" or \"all\", not {value}")
                })?;
            }
            "noise" => {
                config.noise = match value {
                    Value::Null | Value::Bool(false) => None,
                    Value::Bool(true) => Some(Noise::normal()),
                    Value::Object(fields) => {
                        let mut noise = Noise::normal();
                        for (field, v) in fields {
                            match field.as_str() {
                                "error_rate" => noise.error_rate = number("noise.error_rate", v)?,
                                "jitter_ms" => {
                                    let pair =
                                        v.as_array().filter(|a| a.len() == 2).ok_or_else(|| {
                                            format!("noise.jitter_ms must be [min, max], not {v}")
                                        })?;
                                    noise.jitter_min = millis("noise.jitter_ms[0]", &pair[0])?;
                                    noise.jitter_max = millis("noise.jitter_ms[1]", &pair[1])?;
                                }
                                other => return Err(format!("unknown field noise.{other}")),
                            }
                        }
                        Some(noise)
                    }
                    other => {
                        return Err(format!(
                            "noise must be null, true or an object, not {other}"
                        ));
                    }
                };
            }
            other => return Err(format!("unknown field {other:?}")),
        }
    }
    config
        .validate()
        .map_err(|err| err.message().trim_start_matches("canary app: ").to_owned())?;
    Ok((config, crash))
}

fn respond(stream: &mut TcpStream, status: u16, content_type: &str, body: &[u8]) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        reason(status),
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_evenly_spread_and_exact() {
        let mut state = State {
            config: CanaryConfig::new("v").with_error_rate(0.3),
            error_acc: 0,
            tail_acc: 0,
            rng: 1,
        };
        let errors: Vec<bool> = (0..100).map(|_| state.plan_work().0.is_some()).collect();
        assert_eq!(errors.iter().filter(|e| **e).count(), 30);
        // Never more than one error in a row at 30%.
        assert!(!errors.windows(2).any(|w| w[0] && w[1]));
    }

    #[test]
    fn tail_and_jitter_stay_in_range() {
        let mut config = CanaryConfig::new("v").with_noise(Noise::normal());
        config.tail_latency = Duration::from_millis(500);
        let mut state = State {
            config,
            error_acc: 0,
            tail_acc: 0,
            rng: 7,
        };
        let latencies: Vec<Duration> = (0..1000).map(|_| state.plan_work().1).collect();
        let slow = latencies
            .iter()
            .filter(|l| **l >= Duration::from_millis(500))
            .count();
        assert_eq!(slow, 20);
        assert!(
            latencies
                .iter()
                .all(|l| *l >= Duration::from_millis(2) && *l <= Duration::from_millis(508))
        );
    }

    #[test]
    fn renders_the_exposition_format() {
        let mut metrics = Metrics::default();
        metrics.observe("v\"1", "/api", 200, 500, Duration::from_millis(3));
        metrics.observe("v\"1", "/api", 500, 500, Duration::from_secs(7));
        let text = metrics.render();
        assert!(text.contains(r#"http_requests_total{code="200",version="v\"1",path="/api"} 1"#));
        assert!(text.contains(r#"http_requests_total{code="500",version="v\"1",path="/api"} 1"#));
        assert!(text.contains(
            r#"http_request_duration_seconds_bucket{version="v\"1",path="/api",le="0.0025"} 0"#
        ));
        assert!(text.contains(
            r#"http_request_duration_seconds_bucket{version="v\"1",path="/api",le="0.005"} 1"#
        ));
        assert!(text.contains(
            r#"http_request_duration_seconds_bucket{version="v\"1",path="/api",le="5"} 1"#
        ));
        assert!(text.contains(
            r#"http_request_duration_seconds_bucket{version="v\"1",path="/api",le="+Inf"} 2"#
        ));
        assert!(
            text.contains(r#"http_request_duration_seconds_count{version="v\"1",path="/api"} 2"#)
        );
    }

    #[test]
    fn control_changes_are_checked() {
        let changes = serde_json::json!({"error_rate": 0.3, "hang": "health", "noise": {"jitter_ms": [1, 3]}});
        let (config, crash) =
            apply_changes(CanaryConfig::new("v"), changes.as_object().unwrap()).unwrap();
        assert_eq!(config.error_rate, 0.3);
        assert_eq!(config.hang, Hang::Health);
        assert_eq!(config.noise.unwrap().jitter_max, Duration::from_millis(3));
        assert_eq!(crash, None);
        for bad in [
            serde_json::json!({"error_rate": 1.5}),
            serde_json::json!({"hang": "sometimes"}),
            serde_json::json!({"errors": 1}),
            serde_json::json!({"latency_ms": -1}),
        ] {
            let err = apply_changes(CanaryConfig::new("v"), bad.as_object().unwrap()).unwrap_err();
            assert!(!err.is_empty());
        }
    }
}
