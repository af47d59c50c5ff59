//! The flags, checked and turned into a plan before anything is measured.

use std::time::Duration;

use gantry_analysis::{NoDataPolicy, Policy};
use gantry_checks::{Check, HttpProbe, PrometheusQuery, Templating};
use gantry_cli::{CliError, env_vars, parse_duration};
use gantry_runner::Printer;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum NoDataArg {
    /// An interval without data fails.
    Fail,
    /// It counts as neither; the deadline decides if data never comes.
    Inconclusive,
    /// It passes.
    Pass,
}

#[derive(Debug, clap::Args)]
pub(crate) struct AnalysisArgs {
    /// An HTTP endpoint to probe every interval (repeatable).
    #[arg(long = "probe", value_name = "URL", env = env_vars::GANTRY_PROBES, value_delimiter = '\n')]
    probes: Vec<String>,

    /// HTTP method of the probes.
    #[arg(long, value_name = "METHOD", default_value = "GET", env = env_vars::GANTRY_PROBE_METHOD)]
    method: String,

    /// A request header of the probes, `Name: value` (repeatable; values are masked).
    #[arg(long = "header", value_name = "NAME: VALUE", env = env_vars::GANTRY_PROBE_HEADERS, value_delimiter = '\n')]
    headers: Vec<String>,

    /// Statuses that pass, comma-separated (default: any 2xx).
    #[arg(long, value_name = "CODES", env = env_vars::GANTRY_EXPECT_STATUS)]
    expect_status: Option<String>,

    /// A regular expression the response body of every --probe must match.
    #[arg(long, value_name = "REGEX", env = env_vars::GANTRY_EXPECT_BODY)]
    expect_body: Option<String>,

    /// A JSON value the response of every --probe must hold, `/pointer=value`
    /// (e.g. `/version=$GITHUB_SHA`).
    #[arg(long, value_name = "POINTER=VALUE", env = env_vars::GANTRY_EXPECT_JSON)]
    expect_json: Option<String>,

    /// Time limit of one probe: a probe that takes longer fails.
    #[arg(long, value_name = "DURATION", default_value = "5s", env = env_vars::GANTRY_PROBE_TIMEOUT, allow_hyphen_values = true)]
    probe_timeout: String,

    /// Latency above which a probe fails.
    #[arg(long, value_name = "DURATION", env = env_vars::GANTRY_LATENCY_LIMIT, allow_hyphen_values = true)]
    latency_limit: Option<String>,

    /// Prometheus to query.
    #[arg(long, value_name = "URL", env = env_vars::GANTRY_PROMETHEUS_URL)]
    prometheus: Option<String>,

    /// Bearer token for Prometheus (prefer the variable; masked).
    #[arg(long, value_name = "TOKEN", env = env_vars::GANTRY_PROMETHEUS_TOKEN, hide_env_values = true)]
    prometheus_token: Option<String>,

    /// A PromQL instant query, templated with {{name}}, {{namespace}},
    /// {{version}} and {{interval}}.
    #[arg(long, value_name = "PROMQL", env = env_vars::GANTRY_QUERY, requires = "prometheus")]
    query: Option<String>,

    /// The lowest passing value of --query.
    #[arg(long, value_name = "NUMBER", env = env_vars::GANTRY_QUERY_MIN, allow_negative_numbers = true)]
    min: Option<f64>,

    /// The highest passing value of --query.
    #[arg(long, value_name = "NUMBER", env = env_vars::GANTRY_QUERY_MAX, allow_negative_numbers = true)]
    max: Option<f64>,

    /// Time between two measurements.
    #[arg(long, value_name = "DURATION", default_value = "10s", env = env_vars::GANTRY_INTERVAL, allow_hyphen_values = true)]
    interval: String,

    /// Wait before the first measurement (for the canary to warm up).
    #[arg(long, value_name = "DURATION", default_value = "0s", env = env_vars::GANTRY_INITIAL_DELAY, allow_hyphen_values = true)]
    initial_delay: String,

    /// Intervals with data needed to promote.
    #[arg(long, value_name = "N", default_value_t = 10, env = env_vars::GANTRY_COUNT, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    count: u32,

    /// Failed intervals, in all, that roll back.
    #[arg(long, value_name = "N", default_value_t = 1, env = env_vars::GANTRY_FAILURE_LIMIT, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    failure_limit: u32,

    /// Failed intervals in a row that roll back.
    #[arg(long, value_name = "N", env = env_vars::GANTRY_CONSECUTIVE_LIMIT, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    consecutive_limit: Option<u32>,

    /// Intervals with provider errors (Prometheus down) tolerated; one more
    /// ends the analysis inconclusive.
    #[arg(long, value_name = "N", default_value_t = 3, env = env_vars::GANTRY_PROVIDER_ERROR_BUDGET)]
    provider_error_budget: u32,

    /// How an interval without data counts.
    #[arg(long, value_enum, default_value_t = NoDataArg::Inconclusive, env = env_vars::GANTRY_NO_DATA)]
    no_data: NoDataArg,

    /// The hard deadline of the whole analysis (default: the initial delay
    /// plus twice the time --count intervals take).
    #[arg(long, value_name = "DURATION", env = env_vars::GANTRY_DEADLINE, allow_hyphen_values = true)]
    deadline: Option<String>,

    /// Write the JSON report to this file.
    #[arg(long, value_name = "FILE", env = env_vars::GANTRY_REPORT)]
    report: Option<std::path::PathBuf>,

    /// The canary's name, for query templates.
    #[arg(long = "canary-name", value_name = "NAME", default_value = "", env = env_vars::GANTRY_CANARY_NAME)]
    canary_name: String,

    /// The canary's namespace, for query templates.
    #[arg(long = "canary-namespace", value_name = "NAMESPACE", default_value = "", env = env_vars::GANTRY_CANARY_NAMESPACE)]
    canary_namespace: String,

    /// The canary's version, for query templates.
    #[arg(long = "canary-version", value_name = "VERSION", default_value = "", env = env_vars::GANTRY_CANARY_VERSION)]
    canary_version: String,
}

/// What to measure, how often, and the rules of the decision.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) checks: Vec<Check>,
    pub(crate) policy: Policy,
    pub(crate) interval: Duration,
    pub(crate) initial_delay: Duration,
    pub(crate) deadline: Duration,
    pub(crate) templating: Templating,
    pub(crate) report: Option<std::path::PathBuf>,
}

impl AnalysisArgs {
    /// Check every flag and build the plan. Secrets are masked first.
    pub(crate) fn plan(&self, printer: &mut Printer) -> Result<Plan, CliError> {
        let usage = |msg: String| CliError::usage(anyhow::anyhow!(msg));
        let headers: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|h| h.trim())
            .filter(|h| !h.is_empty())
            .map(|h| match h.split_once(':') {
                Some((name, value)) if !name.trim().is_empty() => {
                    Ok((name.trim().to_owned(), value.trim().to_owned()))
                }
                _ => Err(usage(format!(
                    "invalid --header `{}`: expected `Name: value`",
                    name_only(h)
                ))),
            })
            .collect::<Result<_, _>>()?;
        for (_, value) in &headers {
            printer.mask(value)?;
        }
        if let Some(token) = &self.prometheus_token {
            printer.mask(token)?;
        }
        let interval = parse_duration("--interval", &self.interval, false)?;
        let initial_delay = parse_duration("--initial-delay", &self.initial_delay, true)?;
        let timeout = parse_duration("--probe-timeout", &self.probe_timeout, false)?;
        let latency_limit = self
            .latency_limit
            .as_deref()
            .map(|l| parse_duration("--latency-limit", l, false))
            .transpose()?;
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
            .map(|r| {
                regex::Regex::new(r).map_err(|e| usage(format!("invalid --expect-body `{r}`: {e}")))
            })
            .transpose()?;
        let json_pointer = self
            .expect_json
            .as_deref()
            .map(|spec| {
                gantry_checks::parse_json_pointer_check(spec)
                    .map_err(|e| CliError::usage(anyhow::anyhow!("invalid --expect-json: {e}")))
            })
            .transpose()?;
        let method =
            reqwest::Method::from_bytes(self.method.trim().to_ascii_uppercase().as_bytes())
                .map_err(|_| usage(format!("invalid --method `{}`", self.method)))?;
        let mut checks = Vec::new();
        for raw in self
            .probes
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
        {
            let url = url::Url::parse(raw)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .ok_or_else(|| {
                    usage(format!(
                        "invalid --probe `{raw}`: expected an http:// or https:// URL"
                    ))
                })?;
            checks.push(Check::Http(HttpProbe {
                name: None,
                url,
                method: method.clone(),
                headers: headers.clone(),
                expected_status: expected_status.clone(),
                latency_limit,
                timeout,
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
            let base = url::Url::parse(base)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .ok_or_else(|| {
                    usage(format!(
                        "invalid --prometheus `{base}`: expected an http:// or https:// URL"
                    ))
                })?;
            let query = self
                .query
                .as_deref()
                .map(str::trim)
                .filter(|q| !q.is_empty())
                .ok_or_else(|| usage("--prometheus needs a --query".to_owned()))?;
            if self.min.is_none() && self.max.is_none() {
                return Err(usage(format!(
                    "--query `{query}` needs a threshold: --max, --min or both"
                )));
            }
            if let (Some(min), Some(max)) = (self.min, self.max) {
                if min > max {
                    return Err(usage(format!(
                        "--min {min} is above --max {max}: nothing could pass"
                    )));
                }
            }
            checks.push(Check::Prometheus(PrometheusQuery {
                name: None,
                base: base.clone(),
                query: query.to_owned(),
                min: self.min,
                max: self.max,
                timeout,
                bearer_token: self.prometheus_token.clone(),
            }));
        } else if self.min.is_some() || self.max.is_some() {
            return Err(usage(
                "--min and --max are thresholds of a --query, which needs --prometheus".to_owned(),
            ));
        }
        if checks.is_empty() {
            return Err(usage(
                "nothing to watch: give --probe URL and/or --prometheus URL --query PROMQL"
                    .to_owned(),
            ));
        }
        let policy = Policy {
            count: self.count,
            failure_limit: self.failure_limit,
            consecutive_limit: self.consecutive_limit,
            provider_error_budget: self.provider_error_budget,
            no_data: match self.no_data {
                NoDataArg::Fail => NoDataPolicy::Fail,
                NoDataArg::Inconclusive => NoDataPolicy::Inconclusive,
                NoDataArg::Pass => NoDataPolicy::Pass,
            },
        };
        let deadline = match &self.deadline {
            Some(d) => parse_duration("--deadline", d, false)?,
            None => initial_delay + interval.saturating_mul(self.count.saturating_mul(2)),
        };
        Ok(Plan {
            checks,
            policy,
            interval,
            initial_delay,
            deadline,
            templating: Templating {
                name: self.canary_name.clone(),
                namespace: self.canary_namespace.clone(),
                version: self.canary_version.clone(),
                interval,
            },
            report: self.report.clone(),
        })
    }
}

/// `Name: value` shown without its value.
fn name_only(header: &str) -> &str {
    header.split(':').next().unwrap_or(header)
}
