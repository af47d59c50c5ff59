//! A real Prometheus (Debian's `prometheus` 2.42) on 127.0.0.1, scraping
//! itself (job `prometheus`) and the given targets (job `app`) every second,
//! with its TSDB in a temporary directory.
//!
//! Prometheus answers `/-/ready` about 0.1 s after start, but its first
//! scrape only happens ~5 s later: the service-discovery manager batches
//! target updates on a fixed 5 s tick that no flag of 2.42 shortens. Use
//! [`Prometheus::wait_for_scrape`] before asserting on scraped series.

use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::ports::{HttpRequest, url_encode};
use crate::tools::{self, IoContext as _, Result, RigError, ServiceProcess, yaml_quote};

/// How long Prometheus gets to answer `/-/ready` 200.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// Job name of the scrape targets passed to [`Prometheus::start`].
pub const APP_JOB: &str = "app";
/// Job name of Prometheus scraping itself.
pub const SELF_JOB: &str = "prometheus";

/// A running Prometheus; killed, reaped and its data deleted when dropped.
#[derive(Debug)]
pub struct Prometheus {
    process: ServiceProcess,
    port: u16,
    _dir: TempDir,
}

impl Prometheus {
    /// Start Prometheus scraping itself and `scrape_targets` (`host:port`
    /// each, path `/metrics`) every second.
    pub fn start(scrape_targets: &[String]) -> Result<Self> {
        Self::start_with_labels(scrape_targets, &[])
    }

    /// [`Prometheus::start`], with `labels` (name, value) put on every
    /// series of the `app` job, as Kubernetes service discovery puts
    /// `namespace` on a pod's series.
    pub fn start_with_labels(scrape_targets: &[String], labels: &[(&str, &str)]) -> Result<Self> {
        let binary = tools::tool("prometheus")?;
        let dir = tempfile::Builder::new()
            .prefix("gantry-prometheus-")
            .tempdir()
            .context(|| "prometheus: cannot create its temporary directory".to_owned())?;
        let config_path = dir.path().join("prometheus.yml");
        let data = dir.path().join("data");
        let log = dir.path().join("prometheus.log");

        let (process, port) = tools::start_on_free_port(
            "prometheus",
            &log,
            STARTUP_TIMEOUT,
            |port| {
                std::fs::write(&config_path, config_yaml(port, scrape_targets, labels))
                    .context(|| format!("prometheus: cannot write {}", config_path.display()))?;
                let mut cmd = Command::new(&binary);
                cmd.arg(format!("--config.file={}", config_path.display()))
                    .arg(format!("--storage.tsdb.path={}", data.display()))
                    .arg(format!("--web.listen-address=127.0.0.1:{port}"))
                    .arg("--scrape.discovery-reload-interval=100ms")
                    .arg("--log.level=info")
                    .current_dir(dir.path())
                    .env_clear();
                if let Some(path) = std::env::var_os("PATH") {
                    cmd.env("PATH", path);
                }
                Ok(cmd)
            },
            |port| {
                HttpRequest::get(&format!("http://127.0.0.1:{port}/-/ready"))
                    .timeout(Duration::from_secs(1))
                    .send()
                    .is_ok_and(|resp| resp.status == 200)
            },
        )?;
        Ok(Self {
            process,
            port,
            _dir: dir,
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `127.0.0.1:<port>`.
    pub fn host_port(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Prometheus's log so far.
    pub fn log(&self) -> String {
        self.process.log()
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// Run an instant query (`GET /api/v1/query?query=…`) and return the
    /// whole JSON answer (`{"status":"success","data":{"resultType":…,
    /// "result":[…]}}`). A non-`success` status is an error.
    pub fn query(&self, expr: &str) -> Result<serde_json::Value> {
        let url = format!("{}/api/v1/query?query={}", self.url(), url_encode(expr));
        let resp = HttpRequest::get(&url)
            .send()
            .context(|| format!("prometheus: GET {url}"))?;
        let json = resp
            .json()
            .context(|| format!("prometheus: query {expr:?} (HTTP {})", resp.status))?;
        if json["status"] != "success" {
            return Err(RigError::new(format!(
                "prometheus: query {expr:?} failed (HTTP {}): {json}",
                resp.status
            )));
        }
        Ok(json)
    }

    /// The values of an instant-vector query's samples, in answer order.
    pub fn query_values(&self, expr: &str) -> Result<Vec<f64>> {
        let json = self.query(expr)?;
        let result = json["data"]["result"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        result
            .iter()
            .map(|sample| {
                sample["value"][1]
                    .as_str()
                    .and_then(|value| value.parse::<f64>().ok())
                    .ok_or_else(|| {
                        RigError::new(format!(
                            "prometheus: query {expr:?}: sample without a value: {sample}"
                        ))
                    })
            })
            .collect()
    }

    /// Wait until `expr` returns at least one sample, e.g.
    /// `up{job="app"}` to wait for the first scrape; returns their values.
    pub fn wait_for_samples(&self, expr: &str, timeout: Duration) -> Result<Vec<f64>> {
        let deadline = Instant::now() + timeout;
        loop {
            let values = self.query_values(expr)?;
            if !values.is_empty() {
                return Ok(values);
            }
            if Instant::now() >= deadline {
                return Err(RigError::new(format!(
                    "prometheus: no samples for {expr:?} after {timeout:?}\n--- last lines of its log ---\n{}",
                    self.process.log_tail(20)
                )));
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// Wait until `job` has been scraped at least once (its `up` series
    /// exists); returns `up`'s values (1 = scrape succeeded).
    pub fn wait_for_scrape(&self, job: &str, timeout: Duration) -> Result<Vec<f64>> {
        self.wait_for_samples(&format!("up{{job={job:?}}}"), timeout)
    }
}

fn config_yaml(port: u16, targets: &[String], labels: &[(&str, &str)]) -> String {
    let list = |targets: &[String]| {
        targets
            .iter()
            .map(|target| yaml_quote(target))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut config = format!(
        "\
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: {SELF_JOB}
    static_configs:
      - targets: [{}]
",
        list(&[format!("127.0.0.1:{port}")])
    );
    if !targets.is_empty() {
        config.push_str(&format!(
            "  - job_name: {APP_JOB}\n    static_configs:\n      - targets: [{}]\n",
            list(targets)
        ));
        if !labels.is_empty() {
            config.push_str("        labels:\n");
            for (name, value) in labels {
                config.push_str(&format!("          {name}: {}\n", yaml_quote(value)));
            }
        }
    }
    config
}
