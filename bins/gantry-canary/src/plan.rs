//! The plan: the spec file and the flags checked and merged before
//! anything is measured. Every mistake is exit 2 with the flag, or the
//! spec file and the field's path, in the message.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use gantry_analysis::{Direction, MetricSpec, NoDataPolicy, Policy, Steps};
use gantry_checks::{Check, ComparedMetric, Comparison, HttpProbe, PrometheusQuery, Templating};
use gantry_cli::{CliError, parse_duration};
use gantry_hooks::{AbortWebhook, Hook};
use gantry_kube::RolloutCheck;
use gantry_runner::Printer;
use gantry_spec::canary::{self as spec, CanarySpec, CheckSpec};
use gantry_traffic::TrafficShifter;

use crate::args::{AnalysisArgs, NoDataArg};
use crate::kube_check::{self, DEFAULT_KUBE_TIMEOUT, KubeDeadline};
use crate::{effects, outputs};

const DEFAULT_INTERVAL: Duration = Duration::from_secs(10);
const DEFAULT_COUNT: u32 = 10;
const DEFAULT_FAILURE_LIMIT: u32 = 1;
const DEFAULT_PROVIDER_ERROR_BUDGET: u32 = 3;

/// What to measure, how often, and the rules of the decision.
pub(crate) struct Plan {
    pub(crate) checks: Vec<Check>,
    pub(crate) policy: Policy,
    pub(crate) interval: Duration,
    pub(crate) initial_delay: Duration,
    pub(crate) deadline: Duration,
    pub(crate) templating: Templating,
    pub(crate) report: Option<PathBuf>,
    /// Traffic steps, and what moves the traffic (both or neither).
    pub(crate) steps: Option<(Steps, Box<dyn TrafficShifter>)>,
    pub(crate) hooks: Vec<Hook>,
    pub(crate) abort: Option<AbortWebhook>,
}

pub(crate) fn usage(message: String) -> CliError {
    CliError::usage(anyhow::anyhow!(message))
}

/// The spec file, to name its fields in messages:
/// `analysis.yaml checks[1].timeout`.
#[derive(Clone, Copy)]
struct SpecFile<'a>(&'a Path);

impl SpecFile<'_> {
    fn field(self, field: &str) -> String {
        format!("{} {field}", self.0.display())
    }
}

impl AnalysisArgs {
    /// Check the spec and every flag, and build the plan. Secrets are
    /// masked before anything can print them.
    pub(crate) fn plan(&self, printer: &mut Printer) -> Result<Plan, CliError> {
        let mut spec = match &self.spec {
            Some(path) => gantry_spec::load::<CanarySpec>(path, &|name| std::env::var(name).ok())
                .map_err(|e| CliError::usage(anyhow::Error::new(e)))?,
            None => CanarySpec::default(),
        };
        // --prometheus (and its token) is the spec's server too, as every
        // flag overrides the spec: one spec serves environments whose
        // Prometheus only the workflow knows.
        if let Some(url) = &self.prometheus {
            let old = spec.prometheus.take();
            spec.prometheus = Some(spec::PrometheusSpec {
                url: url.clone(),
                token: self
                    .prometheus_token
                    .clone()
                    .or_else(|| old.as_ref().and_then(|o| o.token.clone())),
                timeout: old.and_then(|o| o.timeout),
            });
        }
        let file = self.spec.as_deref().unwrap_or(Path::new("spec"));
        let from_spec = SpecFile(file);
        mask_spec_secrets(&spec, printer)?;
        check_outputs(self.report.as_deref(), printer)?;
        for (index, check) in spec.checks.iter().enumerate() {
            if let CheckSpec::Kubernetes(kube) = check {
                kube_check::prepare_kubeconfig(
                    &format!("{} checks[{index}].kubeconfig", file.display()),
                    kube.kubeconfig.as_deref().map(Path::new),
                    printer,
                )?;
            }
        }

        let durations = Durations::merge(self, &spec, from_spec)?;
        let baseline_version = self
            .baseline_version
            .clone()
            .or_else(|| spec.canary.baseline_version.clone());
        let mut checks = Vec::new();
        for (index, check) in spec.checks.iter().enumerate() {
            checks.push(check_from_spec(
                check,
                index,
                &spec,
                &durations,
                file,
                &baseline_version,
            )?);
        }
        for check in &checks {
            for secret in check.secrets() {
                printer.mask(&secret)?;
            }
        }
        checks.extend(self.checks_from_flags(&durations, printer)?);
        if checks.is_empty() {
            return Err(usage(
                "nothing to watch: give --probe URL, --prometheus URL --query PROMQL, --workload deployment/NAME, or a --spec with checks"
                    .to_owned(),
            ));
        }
        let count = self.count.or(spec.count).unwrap_or(DEFAULT_COUNT);
        let policy = Policy {
            count,
            failure_limit: self
                .failure_limit
                .or(spec.failure_limit)
                .unwrap_or(DEFAULT_FAILURE_LIMIT),
            consecutive_limit: self.consecutive_limit.or(spec.consecutive_limit),
            provider_error_budget: self
                .provider_error_budget
                .or(spec.provider_error_budget)
                .unwrap_or(DEFAULT_PROVIDER_ERROR_BUDGET),
            no_data: match self.no_data {
                Some(NoDataArg::Fail) => NoDataPolicy::Fail,
                Some(NoDataArg::Pass) => NoDataPolicy::Pass,
                Some(NoDataArg::Inconclusive) => NoDataPolicy::Inconclusive,
                None => match spec.no_data {
                    Some(spec::NoData::Fail) => NoDataPolicy::Fail,
                    Some(spec::NoData::Pass) => NoDataPolicy::Pass,
                    Some(spec::NoData::Inconclusive) | None => NoDataPolicy::Inconclusive,
                },
            },
        };
        for (name, value) in [
            ("count", policy.count),
            ("failure-limit", policy.failure_limit),
            ("consecutive-limit", policy.consecutive_limit.unwrap_or(1)),
        ] {
            if value == 0 {
                return Err(usage(format!(
                    "{}: must be at least 1",
                    from_spec.field(name)
                )));
            }
        }
        let effects = effects::plan(self, &spec, file, printer)?;
        let step_count = effects.steps.as_ref().map_or(1, |(s, _)| s.len() as u32);
        // An interval lasts its length, or as long as its slowest check
        // may take when that is longer (a 5 s probe timeout every 1 s):
        // the default deadline leaves room for twice the intervals needed.
        let slowest = checks
            .iter()
            .map(|check| match check {
                Check::Http(probe) => probe.timeout,
                Check::Prometheus(query) => query.timeout,
                // The canary's and the baseline's queries, one after the other.
                Check::Judge(judge) => judge.timeout.saturating_mul(2),
                Check::Plugged(_) => durations.kube_timeout,
            })
            .chain(effects.abort.as_ref().map(|a| a.timeout))
            .max()
            .unwrap_or_default();
        let deadline = durations.deadline.unwrap_or_else(|| {
            durations.initial_delay
                + durations
                    .interval
                    .max(slowest)
                    .saturating_mul(count.saturating_mul(2).saturating_mul(step_count))
        });
        let templating = Templating {
            name: pick(&self.canary_name, &spec.canary.name),
            namespace: pick(&self.canary_namespace, &spec.canary.namespace),
            version: pick(&self.canary_version, &spec.canary.version),
            interval: durations.interval,
        };
        Ok(Plan {
            checks,
            policy,
            interval: durations.interval,
            initial_delay: durations.initial_delay,
            deadline,
            templating,
            report: self.report.clone(),
            steps: effects.steps,
            hooks: effects.hooks,
            abort: effects.abort,
        })
    }

    fn checks_from_flags(
        &self,
        durations: &Durations,
        printer: &mut Printer,
    ) -> Result<Vec<Check>, CliError> {
        let headers = headers(&self.headers, printer)?;
        if let Some(token) = &self.prometheus_token {
            printer.mask(token)?;
        }
        let expected_status = match self.expect_status.as_deref().map(str::trim) {
            None | Some("") => Vec::new(),
            Some(list) => list
                .split(',')
                .map(|c| {
                    c.trim()
                        .parse::<u16>()
                        .ok()
                        .filter(|c| (100..=599).contains(c))
                        .ok_or_else(|| {
                            usage(format!(
                                "invalid --expect-status `{list}`: `{}` is not an HTTP status",
                                c.trim()
                            ))
                        })
                })
                .collect::<Result<_, _>>()?,
        };
        let body_regex = self
            .expect_body
            .as_deref()
            .map(|r| body_regex("--expect-body", r))
            .transpose()?;
        let json_pointer = self
            .expect_json
            .as_deref()
            .map(|spec| {
                gantry_checks::parse_json_pointer_check(spec)
                    .map_err(|e| usage(format!("invalid --expect-json: {e}")))
            })
            .transpose()?;
        let method = method("--method", self.method.as_deref().unwrap_or("GET"))?;
        let mut checks = Vec::new();
        for raw in self
            .probes
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
        {
            checks.push(Check::Http(HttpProbe {
                name: None,
                url: http_url("--probe", raw)?,
                method: method.clone(),
                headers: headers.clone(),
                expected_status: expected_status.clone(),
                latency_limit: durations.latency_limit,
                timeout: durations.probe_timeout,
                body_regex: body_regex.clone(),
                json_pointer: json_pointer.clone(),
            }));
        }
        if let Some(base) = self
            .prometheus
            .as_deref()
            .map(str::trim)
            .filter(|b| !b.is_empty())
        {
            let base = http_url("--prometheus", base)?;
            if let Some(query) = self
                .query
                .as_deref()
                .map(str::trim)
                .filter(|q| !q.is_empty())
            {
                thresholds("--query", query, self.min, self.max, "--min", "--max")?;
                checks.push(Check::Prometheus(PrometheusQuery {
                    name: None,
                    base,
                    query: query.to_owned(),
                    min: self.min,
                    max: self.max,
                    timeout: durations.probe_timeout,
                    bearer_token: self.prometheus_token.clone(),
                }));
            } else if self.spec.is_none() {
                return Err(usage("--prometheus needs a --query".to_owned()));
            }
        } else if self.min.is_some() || self.max.is_some() {
            return Err(usage(
                "--min and --max are thresholds of a --query, which needs --prometheus".to_owned(),
            ));
        }
        if let Some(workload) = self
            .workload
            .as_deref()
            .map(str::trim)
            .filter(|w| !w.is_empty())
        {
            kube_check::prepare_kubeconfig("--kubeconfig", self.kubeconfig.as_deref(), printer)?;
            checks.push(Check::Plugged(Arc::new(KubeDeadline::new(
                RolloutCheck::new(
                    workload,
                    self.canary_namespace
                        .clone()
                        .filter(|n| !n.trim().is_empty()),
                    self.kubeconfig.clone(),
                    self.kube_context.clone(),
                ),
                durations.kube_timeout,
            ))));
        }
        for check in &checks {
            for secret in check.secrets() {
                printer.mask(&secret)?;
            }
            check
                .validate()
                .map_err(|e| CliError::usage(anyhow::Error::new(e)))?;
        }
        Ok(checks)
    }
}

/// The `--header` values, `Name: value` each; every value masked before
/// anything can print it. A malformed one is refused by its position,
/// never echoed: it may be a bare token.
fn headers(raw: &[String], printer: &mut Printer) -> Result<Vec<(String, String)>, CliError> {
    let mut headers = Vec::new();
    for (index, header) in raw
        .iter()
        .map(|h| h.trim())
        .filter(|h| !h.is_empty())
        .enumerate()
    {
        match header.split_once(':') {
            Some((name, value)) if !name.trim().is_empty() => {
                let value = value.trim();
                if !value.is_empty() {
                    printer.mask(value)?;
                    // `Bearer TOKEN`: the token may be printed alone.
                    if let Some((_, token)) = value.split_once(' ')
                        && !token.trim().is_empty()
                    {
                        printer.mask(token.trim())?;
                    }
                }
                headers.push((name.trim().to_owned(), value.to_owned()));
            }
            _ => {
                printer.mask(header)?;
                return Err(usage(format!(
                    "invalid --header (the {}): expected `Name: value`; it is not shown, as it may hold a secret",
                    ordinal(index + 1)
                )));
            }
        }
    }
    Ok(headers)
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, r) if r != 11 => "st",
        (2, r) if r != 12 => "nd",
        (3, r) if r != 13 => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// `--report`, and under GitHub Actions the step's output and summary
/// files: writable before anything happens (they are written last).
fn check_outputs(report: Option<&Path>, printer: &Printer) -> Result<(), CliError> {
    if let Some(report) = report {
        outputs::check_writable("--report", report)?;
    }
    if printer.is_github_actions() {
        let env = printer.env();
        for (name, path) in [
            ("GITHUB_OUTPUT", env.output_file()),
            ("GITHUB_STEP_SUMMARY", env.step_summary_file()),
        ] {
            if let Some(path) = path {
                outputs::check_writable(name, &path)?;
            }
        }
    }
    Ok(())
}

/// The durations, flag over spec over default.
struct Durations {
    interval: Duration,
    initial_delay: Duration,
    deadline: Option<Duration>,
    probe_timeout: Duration,
    latency_limit: Option<Duration>,
    kube_timeout: Duration,
}

impl Durations {
    fn merge(
        args: &AnalysisArgs,
        spec: &CanarySpec,
        from_spec: SpecFile<'_>,
    ) -> Result<Self, CliError> {
        let pick = |flag: &Option<String>, field: &Option<String>, name: &str, zero: bool| match (
            flag, field,
        ) {
            (Some(text), _) => parse_duration(&format!("--{name}"), text, zero).map(Some),
            (None, Some(text)) => parse_duration(&from_spec.field(name), text, zero).map(Some),
            (None, None) => Ok(None),
        };
        Ok(Durations {
            interval: pick(&args.interval, &spec.interval, "interval", false)?
                .unwrap_or(DEFAULT_INTERVAL),
            initial_delay: pick(
                &args.initial_delay,
                &spec.initial_delay,
                "initial-delay",
                true,
            )?
            .unwrap_or(Duration::ZERO),
            deadline: pick(&args.deadline, &spec.deadline, "deadline", false)?,
            probe_timeout: pick(&args.probe_timeout, &None, "probe-timeout", false)?
                .unwrap_or(gantry_checks::DEFAULT_HTTP_TIMEOUT),
            latency_limit: pick(&args.latency_limit, &None, "latency-limit", false)?,
            kube_timeout: pick(&args.kube_timeout, &None, "kube-timeout", false)?
                .unwrap_or(DEFAULT_KUBE_TIMEOUT),
        })
    }
}

fn check_from_spec(
    check: &CheckSpec,
    index: usize,
    spec: &CanarySpec,
    durations: &Durations,
    file: &Path,
    baseline_version: &Option<String>,
) -> Result<Check, CliError> {
    let field = |name: &str| format!("{} checks[{index}].{name}", file.display());
    let duration = |name: &str, text: &Option<String>, default: Duration| match text {
        Some(text) => parse_duration(&field(name), text, false),
        None => Ok(default),
    };
    let built = match check {
        CheckSpec::Http(http) => Check::Http(HttpProbe {
            name: http.name.clone(),
            url: http_url(&field("url"), &http.url)?,
            method: method(&field("method"), http.method.as_deref().unwrap_or("GET"))?,
            headers: http
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            expected_status: http.expect_status.clone(),
            latency_limit: http
                .latency_limit
                .as_ref()
                .map(|l| parse_duration(&field("latency-limit"), l, false))
                .transpose()?,
            timeout: duration("timeout", &http.timeout, durations.probe_timeout)?,
            body_regex: http
                .expect_body
                .as_deref()
                .map(|r| body_regex(&field("expect-body"), r))
                .transpose()?,
            json_pointer: http
                .expect_json
                .as_ref()
                .map(|j| {
                    gantry_checks::parse_json_pointer_check(&format!("{}={}", j.pointer, j.equals))
                        .map_err(|e| usage(format!("invalid {}: {e}", field("expect-json"))))
                })
                .transpose()?,
        }),
        CheckSpec::Prometheus(query) => {
            let server = prometheus_for(query.prometheus.as_ref(), spec, &field("prometheus"))?;
            thresholds(
                &field("query"),
                &query.query,
                query.min,
                query.max,
                &field("min"),
                &field("max"),
            )?;
            Check::Prometheus(PrometheusQuery {
                name: query.name.clone(),
                base: server.base,
                query: query.query.clone(),
                min: query.min,
                max: query.max,
                timeout: server.timeout.unwrap_or(durations.probe_timeout),
                bearer_token: server.token,
            })
        }
        CheckSpec::Judge(judge) => {
            let server = prometheus_for(judge.prometheus.as_ref(), spec, &field("prometheus"))?;
            let metrics = judge
                .metrics
                .iter()
                .map(|m| {
                    let direction = match m.direction {
                        Some(spec::Direction::Increase) | None => Direction::Increase,
                        Some(spec::Direction::Decrease) => Direction::Decrease,
                        Some(spec::Direction::Either) => Direction::Either,
                    };
                    let defaults = MetricSpec::new(m.name.clone(), direction);
                    ComparedMetric {
                        name: m.name.clone(),
                        query: m.query.clone(),
                        canary_query: m.canary_query.clone(),
                        baseline_query: m.baseline_query.clone(),
                        direction,
                        tolerance: m.tolerance.unwrap_or(defaults.tolerance),
                        floor: m.floor.unwrap_or(defaults.floor),
                        alpha: m.alpha.unwrap_or(defaults.alpha),
                        weight: m.weight.unwrap_or(defaults.weight),
                        critical: m.critical,
                        min_samples: m.min_samples.unwrap_or(defaults.min_samples),
                    }
                })
                .collect();
            let mut comparison = Comparison::new(server.base, metrics);
            comparison.name = judge.name.clone();
            comparison.timeout = server.timeout.unwrap_or(durations.probe_timeout);
            comparison.bearer_token = server.token;
            comparison.baseline_version = baseline_version.clone();
            comparison.window = duration("window", &judge.window, comparison.window)?;
            comparison.step = duration("step", &judge.step, comparison.step)?;
            comparison.pass = judge.pass_score.unwrap_or(comparison.pass);
            comparison.marginal = judge.marginal_score.unwrap_or(comparison.marginal);
            Check::Judge(comparison)
        }
        CheckSpec::Kubernetes(kube) => {
            let namespace = kube
                .namespace
                .clone()
                .or_else(|| spec.canary.namespace.clone())
                .filter(|n| !n.trim().is_empty());
            let mut check = RolloutCheck::new(
                &kube.workload,
                namespace,
                kube.kubeconfig.as_ref().map(Into::into),
                kube.context.clone(),
            );
            check.name = kube.name.clone();
            Check::Plugged(Arc::new(KubeDeadline::new(check, durations.kube_timeout)))
        }
    };
    built
        .validate()
        .map_err(|e| usage(format!("{} checks[{index}]: {e}", file.display())))?;
    Ok(built)
}

struct Server {
    base: url::Url,
    token: Option<String>,
    timeout: Option<Duration>,
}

/// The check's own Prometheus, else the spec's.
fn prometheus_for(
    own: Option<&spec::PrometheusSpec>,
    spec: &CanarySpec,
    field: &str,
) -> Result<Server, CliError> {
    let Some(server) = own.or(spec.prometheus.as_ref()) else {
        return Err(usage(format!(
            "{field}: no Prometheus for this check: set `prometheus: {{url: …}}` at the top of the spec or in the check"
        )));
    };
    Ok(Server {
        base: http_url(&format!("{field}.url"), &server.url)?,
        token: server.token.clone(),
        timeout: server
            .timeout
            .as_ref()
            .map(|t| parse_duration(&format!("{field}.timeout"), t, false))
            .transpose()?,
    })
}

fn mask_spec_secrets(spec: &CanarySpec, printer: &mut Printer) -> Result<(), CliError> {
    let mut secrets: Vec<&str> = Vec::new();
    let servers = spec
        .prometheus
        .iter()
        .chain(spec.checks.iter().filter_map(|c| match c {
            CheckSpec::Prometheus(q) => q.prometheus.as_ref(),
            CheckSpec::Judge(j) => j.prometheus.as_ref(),
            CheckSpec::Http(_) | CheckSpec::Kubernetes(_) => None,
        }));
    for server in servers {
        secrets.extend(server.token.as_deref());
    }
    for check in &spec.checks {
        if let CheckSpec::Http(http) = check {
            secrets.extend(http.headers.values().map(String::as_str));
        }
    }
    let webhooks = spec
        .abort
        .iter()
        .chain(spec.traffic.iter().filter_map(|t| t.webhook.as_ref()))
        .chain(spec.hooks.iter().filter_map(|h| h.webhook.as_ref()));
    for webhook in webhooks {
        secrets.extend(webhook.headers.values().map(String::as_str));
    }
    for secret in secrets.into_iter().filter(|s| !s.trim().is_empty()) {
        printer.mask(secret)?;
    }
    Ok(())
}

fn pick(flag: &Option<String>, field: &Option<String>) -> String {
    flag.clone().or_else(|| field.clone()).unwrap_or_default()
}

/// An `http(s)://` URL with a host; the message shows a bad one without
/// its user name and password.
pub(crate) fn http_url(name: &str, raw: &str) -> Result<url::Url, CliError> {
    url::Url::parse(raw.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .ok_or_else(|| {
            usage(format!(
                "invalid {name} `{}`: expected an http:// or https:// URL",
                shown_url(raw.trim())
            ))
        })
}

/// A URL as given, for a message: credentials masked, also in text that is
/// not a URL (`user:token@host/x` has no scheme to find them by).
pub(crate) fn shown_url(raw: &str) -> String {
    let shown = gantry_http::display_url_str(raw);
    let (scheme, rest) = match shown.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest.to_owned()),
        None => (String::new(), shown.clone()),
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) if &rest[..at] != "***" => format!("{scheme}***{}", &rest[at..]),
        _ => format!("{scheme}{rest}"),
    }
}

fn method(name: &str, text: &str) -> Result<reqwest::Method, CliError> {
    reqwest::Method::from_bytes(text.trim().to_ascii_uppercase().as_bytes())
        .map_err(|_| usage(format!("invalid {name} `{text}`")))
}

fn body_regex(name: &str, text: &str) -> Result<regex::Regex, CliError> {
    regex::Regex::new(text).map_err(|e| usage(format!("invalid {name} `{text}`: {e}")))
}

fn thresholds(
    name: &str,
    query: &str,
    min: Option<f64>,
    max: Option<f64>,
    min_name: &str,
    max_name: &str,
) -> Result<(), CliError> {
    if min.is_none() && max.is_none() {
        return Err(usage(format!(
            "{name} `{query}` needs a threshold: {max_name}, {min_name} or both"
        )));
    }
    if let (Some(min), Some(max)) = (min, max)
        && min > max
    {
        return Err(usage(format!(
            "{min_name} {min} is above {max_name} {max}: nothing could pass"
        )));
    }
    Ok(())
}
