//! A load generator for the rig's apps: a fixed number of requests per
//! second, spread over a few threads, to 127.0.0.1 only, bounded in count
//! and in time; it records every response so a test can compare what it
//! got with what the app served and what Prometheus reports.
//!
//! Requests are scheduled open-loop: request `i` is due at
//! `start + i / rps` and goes to `urls[i % urls.len()]`; a worker takes the
//! next due request when it is free. A worker held by a slow or hanging
//! answer (up to the timeout) makes the others take over, and a missed slot
//! is sent late rather than skipped, while the run lasts. Nothing is sent
//! after `duration`, and every worker is done at most one timeout later.
//! One request per connection (`Connection: close`), through
//! [`HttpRequest`].
//!
//! ```no_run
//! # fn main() -> gantry_test_support::tools::Result<()> {
//! use std::time::Duration;
//! use gantry_test_support::load::Load;
//! let urls = ["http://127.0.0.1:8080/api/a".to_owned()];
//! let load = Load::start(&urls, 50.0, Duration::from_secs(10), 4)?;
//! let report = load.wait();
//! assert_eq!(report.status(200) + report.status(500), report.answered());
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::ports::HttpRequest;
use crate::tools::{IoContext as _, Result, RigError};

/// Most requests per second.
pub const MAX_RPS: f64 = 2000.0;
/// Most requests in one run.
pub const MAX_REQUESTS: u64 = 200_000;
/// Longest run.
pub const MAX_DURATION: Duration = Duration::from_secs(600);
/// Most worker threads.
pub const MAX_WORKERS: usize = 64;
/// Default per-request timeout (connect, write, read).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// What a run does.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadSpec {
    /// Full URLs (`http://127.0.0.1:PORT/path`), used in turn.
    pub urls: Vec<String>,
    /// Requests per second, over all workers.
    pub rps: f64,
    /// How long to send for.
    pub duration: Duration,
    /// Worker threads.
    pub workers: usize,
    /// Per-request timeout.
    pub timeout: Duration,
    /// HTTP method (`GET`).
    pub method: String,
}

impl LoadSpec {
    /// `rps` requests per second to `urls` for `duration` over `workers`
    /// threads, 2 s timeout, `GET`.
    pub fn new(urls: &[String], rps: f64, duration: Duration, workers: usize) -> Self {
        Self {
            urls: urls.to_vec(),
            rps,
            duration,
            workers,
            timeout: DEFAULT_TIMEOUT,
            method: "GET".to_owned(),
        }
    }

    /// With this per-request timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many requests the run sends at most: `ceil(rps × duration)`.
    pub fn planned(&self) -> u64 {
        // Bounded by validate(): at most MAX_RPS × MAX_DURATION.
        (self.rps * self.duration.as_secs_f64()).ceil().max(0.0) as u64
    }

    fn validate(&self) -> Result<()> {
        if self.urls.is_empty() {
            return Err(RigError::new("load: no URLs"));
        }
        for url in &self.urls {
            let local = url
                .strip_prefix("http://127.0.0.1:")
                .and_then(|rest| rest.split(['/', '?']).next())
                .is_some_and(|port| port.parse::<u16>().is_ok_and(|p| p != 0));
            if !local {
                return Err(RigError::new(format!(
                    "load: only http://127.0.0.1:PORT/… URLs, not {url:?}"
                )));
            }
        }
        if !(self.rps > 0.0 && self.rps <= MAX_RPS) {
            return Err(RigError::new(format!(
                "load: rps must be above 0 and at most {MAX_RPS}, not {}",
                self.rps
            )));
        }
        if self.duration.is_zero() || self.duration > MAX_DURATION {
            return Err(RigError::new(format!(
                "load: duration must be above 0 and at most {MAX_DURATION:?}, not {:?}",
                self.duration
            )));
        }
        if self.workers == 0 || self.workers > MAX_WORKERS {
            return Err(RigError::new(format!(
                "load: workers must be 1 to {MAX_WORKERS}, not {}",
                self.workers
            )));
        }
        if self.timeout.is_zero() || self.timeout > Duration::from_secs(60) {
            return Err(RigError::new(format!(
                "load: timeout must be above 0 and at most 60 s, not {:?}",
                self.timeout
            )));
        }
        if self.planned() > MAX_REQUESTS {
            return Err(RigError::new(format!(
                "load: {} requests planned, more than {MAX_REQUESTS}",
                self.planned()
            )));
        }
        Ok(())
    }
}

/// How one request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// An HTTP answer with this status.
    Status(u16),
    /// No (complete) answer within the timeout.
    Timeout,
    /// Connection refused: nothing listening.
    Refused,
    /// Any other failure: reset, closed before an answer, bad answer.
    Error,
}

/// One request sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// Its index in the schedule.
    pub index: u64,
    /// Index of its URL in [`LoadSpec::urls`].
    pub url: usize,
    /// When it was sent, from the start of the run.
    pub sent_at: Duration,
    /// How long until the answer (or the failure).
    pub latency: Duration,
    /// How it ended.
    pub outcome: Outcome,
}

/// What a run got so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// How many requests the run would send in full.
    pub planned: u64,
    /// Every request sent and finished, in finishing order.
    pub samples: Vec<Sample>,
    /// How long the run has lasted.
    pub elapsed: Duration,
}

impl LoadReport {
    /// Requests finished (any outcome).
    pub fn sent(&self) -> u64 {
        self.samples.len() as u64
    }

    /// Requests with this outcome.
    pub fn count(&self, outcome: Outcome) -> u64 {
        self.samples.iter().filter(|s| s.outcome == outcome).count() as u64
    }

    /// Requests answered with this status.
    pub fn status(&self, status: u16) -> u64 {
        self.count(Outcome::Status(status))
    }

    /// Requests answered with any status.
    pub fn answered(&self) -> u64 {
        self.samples
            .iter()
            .filter(|s| matches!(s.outcome, Outcome::Status(_)))
            .count() as u64
    }

    /// Requests that timed out.
    pub fn timeouts(&self) -> u64 {
        self.count(Outcome::Timeout)
    }

    /// Answers by status code.
    pub fn statuses(&self) -> BTreeMap<u16, u64> {
        let mut counts = BTreeMap::new();
        for sample in &self.samples {
            if let Outcome::Status(status) = sample.outcome {
                *counts.entry(status).or_insert(0) += 1;
            }
        }
        counts
    }

    /// Outcomes of the requests to one URL (by index in the spec).
    pub fn outcomes_for(&self, url: usize) -> BTreeMap<Outcome, u64> {
        let mut counts = BTreeMap::new();
        for sample in self.samples.iter().filter(|s| s.url == url) {
            *counts.entry(sample.outcome).or_insert(0) += 1;
        }
        counts
    }

    /// Every outcome, counted.
    pub fn outcomes(&self) -> BTreeMap<Outcome, u64> {
        let mut counts = BTreeMap::new();
        for sample in &self.samples {
            *counts.entry(sample.outcome).or_insert(0) += 1;
        }
        counts
    }

    /// The `q` quantile (0 to 1, nearest rank) of the latencies of
    /// answered requests; `None` without any.
    pub fn latency_quantile(&self, q: f64) -> Option<Duration> {
        let mut latencies: Vec<Duration> = self
            .samples
            .iter()
            .filter(|s| matches!(s.outcome, Outcome::Status(_)))
            .map(|s| s.latency)
            .collect();
        if latencies.is_empty() {
            return None;
        }
        latencies.sort();
        let rank = (q.clamp(0.0, 1.0) * latencies.len() as f64).ceil() as usize;
        latencies.get(rank.saturating_sub(1)).copied()
    }
}

#[derive(Debug)]
struct Shared {
    spec: LoadSpec,
    planned: u64,
    start: Instant,
    next: AtomicU64,
    stop: AtomicBool,
    samples: Mutex<Vec<Sample>>,
}

/// A running load; stopped (and its workers joined) when dropped.
#[derive(Debug)]
pub struct Load {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

impl Load {
    /// `rps` `GET`s per second to `urls` (in turn) for `duration`, over
    /// `workers` threads, 2 s timeout.
    pub fn start(urls: &[String], rps: f64, duration: Duration, workers: usize) -> Result<Self> {
        Self::start_with(LoadSpec::new(urls, rps, duration, workers))
    }

    /// Start a run as `spec` says.
    pub fn start_with(spec: LoadSpec) -> Result<Self> {
        spec.validate()?;
        let shared = Arc::new(Shared {
            planned: spec.planned(),
            spec,
            start: Instant::now(),
            next: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            samples: Mutex::new(Vec::new()),
        });
        let mut load = Self {
            shared: Arc::clone(&shared),
            workers: Vec::new(),
        };
        for n in 0..shared.spec.workers {
            let worker = Arc::clone(&shared);
            let handle = thread::Builder::new()
                .name(format!("load-{n}"))
                .spawn(move || work(&worker))
                .context(|| "load: cannot start a worker thread".to_owned())?;
            load.workers.push(handle);
        }
        Ok(load)
    }

    /// What the run got so far.
    pub fn report(&self) -> LoadReport {
        LoadReport {
            planned: self.shared.planned,
            samples: lock(&self.shared.samples).clone(),
            elapsed: self.shared.start.elapsed(),
        }
    }

    /// Whether every worker is done.
    pub fn is_finished(&self) -> bool {
        self.workers.iter().all(JoinHandle::is_finished)
    }

    /// Wait until the run ends by itself; its report.
    pub fn wait(mut self) -> LoadReport {
        self.join();
        self.report()
    }

    /// Stop sending now (requests in flight finish, up to the timeout);
    /// the report.
    pub fn stop(mut self) -> LoadReport {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.join();
        self.report()
    }

    fn join(&mut self) {
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.join();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn work(shared: &Shared) {
    let spec = &shared.spec;
    let end = shared.start + spec.duration;
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let index = shared.next.fetch_add(1, Ordering::SeqCst);
        if index >= shared.planned {
            return;
        }
        let due = shared.start + Duration::from_secs_f64(index as f64 / spec.rps);
        // Sleep in slices so a stop is noticed.
        loop {
            let now = Instant::now();
            if now >= due {
                break;
            }
            if shared.stop.load(Ordering::SeqCst) {
                return;
            }
            thread::sleep((due - now).min(Duration::from_millis(50)));
        }
        if Instant::now() >= end || shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let url_index = (index % spec.urls.len() as u64) as usize;
        let url = &spec.urls[url_index];
        let sent = Instant::now();
        let outcome = match HttpRequest::new(&spec.method, url)
            .timeout(spec.timeout)
            .send()
        {
            Ok(resp) => Outcome::Status(resp.status),
            Err(err) => classify(&err),
        };
        let sample = Sample {
            index,
            url: url_index,
            sent_at: sent - shared.start,
            latency: sent.elapsed(),
            outcome,
        };
        lock(&shared.samples).push(sample);
    }
}

fn classify(err: &io::Error) -> Outcome {
    match err.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Outcome::Timeout,
        io::ErrorKind::ConnectionRefused => Outcome::Refused,
        _ => Outcome::Error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_anything_but_loopback() {
        for url in [
            "http://example.com/",
            "http://127.0.0.1/",
            "http://127.0.0.10:80/",
            "https://127.0.0.1:443/",
            "http://127.0.0.1:0/",
        ] {
            let err = Load::start(&[url.to_owned()], 1.0, Duration::from_secs(1), 1).unwrap_err();
            assert!(err.message().contains("127.0.0.1"), "{err}");
        }
        let err = Load::start(
            &["http://127.0.0.1:1/".to_owned()],
            MAX_RPS,
            MAX_DURATION,
            4,
        )
        .unwrap_err();
        assert!(err.message().contains("planned"), "{err}");
    }

    #[test]
    fn planned_is_rps_times_duration() {
        let spec = LoadSpec::new(
            &["http://127.0.0.1:1/".to_owned()],
            50.0,
            Duration::from_millis(1500),
            2,
        );
        assert_eq!(spec.planned(), 75);
    }

    #[test]
    fn quantiles_use_nearest_rank() {
        let samples = (1..=100)
            .map(|ms| Sample {
                index: ms,
                url: 0,
                sent_at: Duration::ZERO,
                latency: Duration::from_millis(ms),
                outcome: Outcome::Status(200),
            })
            .collect();
        let report = LoadReport {
            planned: 100,
            samples,
            elapsed: Duration::ZERO,
        };
        assert_eq!(
            report.latency_quantile(0.99),
            Some(Duration::from_millis(99))
        );
        assert_eq!(
            report.latency_quantile(0.5),
            Some(Duration::from_millis(50))
        );
        assert_eq!(report.statuses(), BTreeMap::from([(200, 100)]));
    }

    #[test]
    fn counts_refusals_and_stops_by_itself() {
        let port = crate::ports::free_port().unwrap();
        let started = Instant::now();
        let load = Load::start(
            &[format!("http://127.0.0.1:{port}/x")],
            100.0,
            Duration::from_millis(300),
            2,
        )
        .unwrap();
        let report = load.wait();
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(report.count(Outcome::Refused), report.sent());
        assert!(
            report.sent() >= 25 && report.sent() <= 30,
            "{}",
            report.sent()
        );
    }
}
