//! The canary analysis spec (`gantry-canary --spec analysis.yaml`).
//!
//! Keys are kebab-case, the same words as the flags (`failure-limit` is
//! `--failure-limit`), and unknown keys are refused so a typo is an error,
//! not a silently ignored setting. Durations are strings (`500ms`, `10s`,
//! `1m30s`) checked by the binary with the field's path in the message.
//! Everything but `checks` is optional; flags given on the command line
//! override the spec's values.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

/// A canary analysis: what to watch, how often, and the rules of the decision.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[schemars(title = "gantry-canary analysis spec")]
pub struct CanarySpec {
    /// The canary, for query templates (`{{name}}`, `{{namespace}}`,
    /// `{{version}}`), hooks and reports.
    #[serde(default)]
    pub canary: CanaryIdentity,
    /// The Prometheus that `prometheus` and `judge` checks query, unless a
    /// check names its own.
    pub prometheus: Option<PrometheusSpec>,
    /// Time between two measurements (default `10s`).
    pub interval: Option<String>,
    /// Wait before the first measurement (default `0s`).
    pub initial_delay: Option<String>,
    /// Passed intervals needed to promote (per traffic step when `steps`
    /// is set; default 10); failed intervals never count toward it.
    #[schemars(range(min = 1))]
    pub count: Option<u32>,
    /// Failed intervals, in all, that roll back (default 1).
    #[schemars(range(min = 1))]
    pub failure_limit: Option<u32>,
    /// Failed intervals in a row that roll back.
    #[schemars(range(min = 1))]
    pub consecutive_limit: Option<u32>,
    /// Intervals with provider errors (Prometheus down) tolerated; one
    /// more ends the analysis inconclusive (default 3).
    pub provider_error_budget: Option<u32>,
    /// How an interval without data counts (default `inconclusive`).
    pub no_data: Option<NoData>,
    /// The hard deadline of the whole analysis.
    pub deadline: Option<String>,
    /// Canary traffic weights in percent, strictly increasing, e.g.
    /// `[10, 25, 50, 100]`; the analysis runs at each step before the next.
    pub steps: Option<Vec<u8>>,
    /// How traffic moves between steps (needed with `steps`).
    pub traffic: Option<TrafficSpec>,
    /// The checks, measured every interval.
    #[serde(default)]
    pub checks: Vec<CheckSpec>,
    /// Commands or webhooks run before the analysis, after each step, on
    /// promotion and on rollback.
    #[serde(default)]
    pub hooks: Vec<HookSpec>,
    /// An "abort now" webhook polled every interval: a 2xx answer rolls
    /// back at once.
    pub abort: Option<WebhookSpec>,
}

/// Who the canary is.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct CanaryIdentity {
    /// The canary's name (`{{name}}`).
    pub name: Option<String>,
    /// Its namespace (`{{namespace}}`).
    pub namespace: Option<String>,
    /// The canary's version (`{{version}}`), e.g. the commit SHA.
    pub version: Option<String>,
    /// The stable version the `judge` compares with (`{{version}}` in a
    /// judge metric's baseline query).
    pub baseline_version: Option<String>,
}

/// A Prometheus server.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct PrometheusSpec {
    /// Its base URL, e.g. `http://prometheus:9090`.
    pub url: String,
    /// A bearer token; write `${VARIABLE}` to take it from the environment.
    pub token: Option<String>,
    /// Time limit of one query (default `5s`).
    pub timeout: Option<String>,
}

/// How an interval without data counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NoData {
    /// As a failed interval.
    Fail,
    /// As neither: the deadline decides if data never comes.
    Inconclusive,
    /// As a passed interval.
    Pass,
}

/// One check, by `type`.
///
/// Deserialised by hand (see `tagged.rs`): serde's internally tagged enums
/// buffer the map and lose the path of a bad field inside the check.
#[derive(Debug, Clone, PartialEq, JsonSchema)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum CheckSpec {
    /// An HTTP probe.
    Http(HttpCheckSpec),
    /// A Prometheus instant query with thresholds.
    Prometheus(PrometheusCheckSpec),
    /// Canary against baseline, metric by metric (Mann-Whitney U), into a score.
    Judge(JudgeCheckSpec),
    /// The canary workload's rollout and pods in Kubernetes.
    Kubernetes(KubernetesCheckSpec),
}

/// The canary workload in Kubernetes: rolled out passes, a failed rollout
/// or a crash-looping pod fails, a rollout in progress is no data.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct KubernetesCheckSpec {
    /// Shown in the log and the report (default: `kubernetes: NAMESPACE/WORKLOAD`).
    pub name: Option<String>,
    /// `deployment/NAME`, `statefulset/NAME` or `daemonset/NAME`.
    pub workload: String,
    /// Its namespace (default: `canary.namespace`, else the kubeconfig context's).
    pub namespace: Option<String>,
    /// A kubeconfig (default: `$KUBECONFIG`, `~/.kube/config`, in-cluster).
    pub kubeconfig: Option<String>,
    /// Its context.
    pub context: Option<String>,
}

/// An HTTP probe: one request per interval.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct HttpCheckSpec {
    /// Shown in the log and the report (default: `METHOD URL`).
    pub name: Option<String>,
    /// The URL (`http://` or `https://`); write `${VARIABLE}` for a value
    /// from the environment (URLs are not templated with `{{…}}`).
    pub url: String,
    /// HTTP method (default `GET`).
    pub method: Option<String>,
    /// Request headers; values are masked in the log.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Statuses that pass (default: any 2xx).
    #[serde(default)]
    pub expect_status: Vec<u16>,
    /// Latency above which the probe fails.
    pub latency_limit: Option<String>,
    /// Time limit of the request (default `5s`); a timeout fails.
    pub timeout: Option<String>,
    /// A regular expression the body must match.
    pub expect_body: Option<String>,
    /// A JSON value the body must hold.
    pub expect_json: Option<JsonExpectation>,
}

/// A JSON pointer and the value it must point at.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct JsonExpectation {
    /// RFC 6901 pointer, e.g. `/version`.
    pub pointer: String,
    /// The expected value (as text), e.g. `{{version}}`.
    pub equals: String,
}

/// A Prometheus instant query with thresholds.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct PrometheusCheckSpec {
    /// Shown in the log and the report.
    pub name: Option<String>,
    /// The PromQL query, templated with `{{name}}`, `{{namespace}}`,
    /// `{{version}}` and `{{interval}}`.
    pub query: String,
    /// The lowest passing value.
    pub min: Option<f64>,
    /// The highest passing value.
    pub max: Option<f64>,
    /// This check's Prometheus, instead of the spec's `prometheus`.
    pub prometheus: Option<PrometheusSpec>,
}

/// The canary-versus-baseline judge.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct JudgeCheckSpec {
    /// Shown in the log and the report (default: `canary vs baseline:`
    /// and the metrics' names).
    pub name: Option<String>,
    /// How far back each measurement looks (default `2m`).
    pub window: Option<String>,
    /// The resolution of the samples in the window (default `5s`).
    pub step: Option<String>,
    /// The score (0 to 100) at or above which the canary passes (default 95).
    pub pass_score: Option<f64>,
    /// The score below which it fails (default 75); between the two is marginal.
    pub marginal_score: Option<f64>,
    /// The metrics compared.
    pub metrics: Vec<JudgeMetricSpec>,
    /// This check's Prometheus, instead of the spec's `prometheus`.
    pub prometheus: Option<PrometheusSpec>,
}

/// One metric of the judge.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct JudgeMetricSpec {
    /// The metric's name in the report.
    pub name: String,
    /// One query for both sides: `{{version}}` is the canary's version for
    /// the canary and `canary.baseline-version` for the baseline.
    pub query: Option<String>,
    /// The canary's query (instead of `query`).
    pub canary_query: Option<String>,
    /// The baseline's query (instead of `query`).
    pub baseline_query: Option<String>,
    /// Which change is bad (default `increase`).
    pub direction: Option<Direction>,
    /// The relative change tolerated, e.g. 0.1 for 10% (default 0.1).
    pub tolerance: Option<f64>,
    /// An absolute change tolerated whatever the baseline (default 0).
    pub floor: Option<f64>,
    /// Significance level of the test (default 0.05).
    pub alpha: Option<f64>,
    /// Weight in the score (default 1).
    pub weight: Option<f64>,
    /// A failure of this metric fails the check whatever the score.
    #[serde(default)]
    pub critical: bool,
    /// Fewer samples than this, on either side, is no data (default 10).
    pub min_samples: Option<usize>,
}

/// Which change of a metric is bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Higher is bad (errors, latency).
    Increase,
    /// Lower is bad (throughput, success ratio).
    Decrease,
    /// Any change is bad.
    Either,
}

/// How traffic moves between steps.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct TrafficSpec {
    /// A shell command run with `GANTRY_CANARY_WEIGHT` and
    /// `GANTRY_STABLE_WEIGHT` set; exit 0 means shifted.
    pub command: Option<String>,
    /// A webhook that receives `{"canaryWeight": N, "stableWeight": M, …}`.
    pub webhook: Option<WebhookSpec>,
    /// Time limit of one shift (default `30s`).
    pub timeout: Option<String>,
    /// Variables set for `command` (gantry's own credentials and `GANTRY_*`
    /// settings are not passed to it otherwise); values may use
    /// `${VARIABLE}`.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

/// A webhook.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct WebhookSpec {
    /// The URL (`http://` or `https://`).
    pub url: String,
    /// Request headers; values are masked in the log.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Time limit of one call (default: the hook's `timeout` for a hook's
    /// webhook, `30s` for traffic, `10s` for the abort webhook).
    pub timeout: Option<String>,
}

/// When a hook runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum HookPhase {
    /// Before the first interval; a failure rolls back before any analysis.
    PreAnalysis,
    /// After each traffic step is applied; a failure rolls back.
    Step,
    /// After the decision to promote.
    Promote,
    /// After the decision to roll back.
    Rollback,
}

/// A command or webhook run at a phase of the analysis.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct HookSpec {
    /// Shown in the log and the report.
    pub name: String,
    /// When it runs.
    pub phase: HookPhase,
    /// A shell command (`sh -c`), with `GANTRY_PHASE`, `GANTRY_CANARY_*`,
    /// `GANTRY_DECISION` and `GANTRY_REASON` in its environment.
    pub command: Option<String>,
    /// A webhook that receives Flagger's payload (`name`, `namespace`,
    /// `phase`, `metadata`) plus gantry's fields.
    pub webhook: Option<WebhookSpec>,
    /// Extra `metadata` sent to the webhook.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// Variables set for `command` (gantry's own credentials and `GANTRY_*`
    /// settings are not passed to it otherwise, e.g. `GH_TOKEN:
    /// ${GH_TOKEN}`); values may use `${VARIABLE}`.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Time limit (default `60s`); a hook that takes longer fails and is killed.
    pub timeout: Option<String>,
}

impl<'de> Deserialize<'de> for CheckSpec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use crate::tagged::{Tagged, variant};
        let tagged =
            Tagged::deserialize(deserializer, &["http", "prometheus", "judge", "kubernetes"])?;
        Ok(match tagged.kind.as_str() {
            "http" => CheckSpec::Http(variant(tagged.body)?),
            "prometheus" => CheckSpec::Prometheus(variant(tagged.body)?),
            "kubernetes" => CheckSpec::Kubernetes(variant(tagged.body)?),
            _ => CheckSpec::Judge(variant(tagged.body)?),
        })
    }
}
