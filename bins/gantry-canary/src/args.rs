//! The flags. Those with a default are optional here: a flag (or its
//! variable) overrides the spec file, which overrides the default, so the
//! defaults are applied in `plan.rs`.

use gantry_cli::env_vars;

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
    /// An analysis spec (YAML or JSON; schema in docs/schemas/); flags
    /// given as well override its settings and add checks to its own.
    #[arg(long, value_name = "FILE", env = env_vars::GANTRY_SPEC)]
    pub(crate) spec: Option<std::path::PathBuf>,

    /// An HTTP endpoint to probe every interval (repeatable).
    #[arg(long = "probe", value_name = "URL", env = env_vars::GANTRY_PROBES, value_delimiter = '\n')]
    pub(crate) probes: Vec<String>,

    /// HTTP method of the probes [default: GET].
    #[arg(long, value_name = "METHOD", env = env_vars::GANTRY_PROBE_METHOD)]
    pub(crate) method: Option<String>,

    /// A request header of the probes, `Name: value` (repeatable; values are masked).
    #[arg(long = "header", value_name = "NAME: VALUE", env = env_vars::GANTRY_PROBE_HEADERS, value_delimiter = '\n')]
    pub(crate) headers: Vec<String>,

    /// Statuses that pass, comma-separated (default: any 2xx).
    #[arg(long, value_name = "CODES", env = env_vars::GANTRY_EXPECT_STATUS)]
    pub(crate) expect_status: Option<String>,

    /// A regular expression the response body of every --probe must match.
    #[arg(long, value_name = "REGEX", env = env_vars::GANTRY_EXPECT_BODY)]
    pub(crate) expect_body: Option<String>,

    /// A JSON value the response of every --probe must hold, `/pointer=value`
    /// (e.g. `/version=$GITHUB_SHA`).
    #[arg(long, value_name = "POINTER=VALUE", env = env_vars::GANTRY_EXPECT_JSON)]
    pub(crate) expect_json: Option<String>,

    /// Time limit of one probe or query: a probe that takes longer fails
    /// [default: 5s].
    #[arg(long, value_name = "DURATION", env = env_vars::GANTRY_PROBE_TIMEOUT, allow_hyphen_values = true)]
    pub(crate) probe_timeout: Option<String>,

    /// Latency above which a probe fails.
    #[arg(long, value_name = "DURATION", env = env_vars::GANTRY_LATENCY_LIMIT, allow_hyphen_values = true)]
    pub(crate) latency_limit: Option<String>,

    /// Prometheus to query.
    #[arg(long, value_name = "URL", env = env_vars::GANTRY_PROMETHEUS_URL)]
    pub(crate) prometheus: Option<String>,

    /// Bearer token for Prometheus (prefer the variable; masked).
    #[arg(long, value_name = "TOKEN", env = env_vars::GANTRY_PROMETHEUS_TOKEN, hide_env_values = true)]
    pub(crate) prometheus_token: Option<String>,

    /// A PromQL instant query, templated with {{name}}, {{namespace}},
    /// {{version}} and {{interval}}.
    #[arg(long, value_name = "PROMQL", env = env_vars::GANTRY_QUERY, requires = "prometheus")]
    pub(crate) query: Option<String>,

    /// The lowest passing value of --query.
    #[arg(long, value_name = "NUMBER", env = env_vars::GANTRY_QUERY_MIN, allow_negative_numbers = true)]
    pub(crate) min: Option<f64>,

    /// The highest passing value of --query.
    #[arg(long, value_name = "NUMBER", env = env_vars::GANTRY_QUERY_MAX, allow_negative_numbers = true)]
    pub(crate) max: Option<f64>,

    /// Time between two measurements [default: 10s].
    #[arg(long, value_name = "DURATION", env = env_vars::GANTRY_INTERVAL, allow_hyphen_values = true)]
    pub(crate) interval: Option<String>,

    /// Wait before the first measurement, for the canary to warm up
    /// [default: 0s].
    #[arg(long, value_name = "DURATION", env = env_vars::GANTRY_INITIAL_DELAY, allow_hyphen_values = true)]
    pub(crate) initial_delay: Option<String>,

    /// Passed intervals needed to promote (at each step with --steps); a
    /// failed interval never counts toward it [default: 10].
    #[arg(long, value_name = "N", env = env_vars::GANTRY_COUNT, value_parser = clap::value_parser!(u32).range(1..=100_000), allow_hyphen_values = true)]
    pub(crate) count: Option<u32>,

    /// Failed intervals, in all, that roll back [default: 1].
    #[arg(long, value_name = "N", env = env_vars::GANTRY_FAILURE_LIMIT, value_parser = clap::value_parser!(u32).range(1..=100_000), allow_hyphen_values = true)]
    pub(crate) failure_limit: Option<u32>,

    /// Failed intervals in a row that roll back.
    #[arg(long, value_name = "N", env = env_vars::GANTRY_CONSECUTIVE_LIMIT, value_parser = clap::value_parser!(u32).range(1..=100_000), allow_hyphen_values = true)]
    pub(crate) consecutive_limit: Option<u32>,

    /// Intervals with provider errors (Prometheus down) tolerated; one more
    /// ends the analysis inconclusive [default: 3].
    #[arg(long, value_name = "N", env = env_vars::GANTRY_PROVIDER_ERROR_BUDGET, allow_hyphen_values = true)]
    pub(crate) provider_error_budget: Option<u32>,

    /// How an interval without data counts [default: inconclusive].
    #[arg(long, value_enum, env = env_vars::GANTRY_NO_DATA)]
    pub(crate) no_data: Option<NoDataArg>,

    /// The hard deadline of the whole analysis (default: the initial delay
    /// plus twice the time --count intervals take at each step, an interval
    /// lasting at least the slowest check's time limit).
    #[arg(long, value_name = "DURATION", env = env_vars::GANTRY_DEADLINE, allow_hyphen_values = true)]
    pub(crate) deadline: Option<String>,

    /// Write the JSON report to this file.
    #[arg(long, value_name = "FILE", env = env_vars::GANTRY_REPORT)]
    pub(crate) report: Option<std::path::PathBuf>,

    /// The canary's name, for query templates.
    #[arg(long = "canary-name", value_name = "NAME", env = env_vars::GANTRY_CANARY_NAME)]
    pub(crate) canary_name: Option<String>,

    /// The canary's namespace, for query templates.
    #[arg(long = "canary-namespace", value_name = "NAMESPACE", env = env_vars::GANTRY_CANARY_NAMESPACE)]
    pub(crate) canary_namespace: Option<String>,

    /// The canary's version, for query templates.
    #[arg(long = "canary-version", value_name = "VERSION", env = env_vars::GANTRY_CANARY_VERSION)]
    pub(crate) canary_version: Option<String>,

    /// The canary workload in Kubernetes (`deployment/NAME`), checked every
    /// interval: rolled out passes, a failed rollout or a crash-looping pod
    /// fails, a rollout in progress is no data. Its namespace is
    /// --canary-namespace (default: the kubeconfig context's).
    #[arg(long, value_name = "WORKLOAD", env = env_vars::GANTRY_WORKLOAD)]
    pub(crate) workload: Option<String>,

    /// The kubeconfig for --workload (default: $KUBECONFIG, ~/.kube/config, in-cluster).
    #[arg(long, value_name = "FILE", env = env_vars::GANTRY_KUBECONFIG)]
    pub(crate) kubeconfig: Option<std::path::PathBuf>,

    /// The kubeconfig context for --workload.
    #[arg(long = "kube-context", value_name = "NAME", env = env_vars::GANTRY_KUBE_CONTEXT)]
    pub(crate) kube_context: Option<String>,

    /// Deadline of reaching the Kubernetes API server for the workload
    /// check, at the start and at each interval [default: 15s].
    // The variable's constant comes with gantry-kube's own deadline (its
    // owner adds it to env_vars.rs); the same name meanwhile.
    #[arg(
        long,
        value_name = "DURATION",
        env = env_vars::GANTRY_KUBE_TIMEOUT,
        allow_hyphen_values = true
    )]
    pub(crate) kube_timeout: Option<String>,

    /// Canary traffic steps in percent, e.g. `10,25,50,100`: the analysis
    /// runs (--count intervals) at each weight before the next; rollback
    /// sets the weight back to 0. Needs --on-step or --step-webhook.
    #[arg(long, value_name = "PERCENTS", env = env_vars::GANTRY_STEPS)]
    pub(crate) steps: Option<String>,

    /// Shell command that moves traffic, run with GANTRY_CANARY_WEIGHT and
    /// GANTRY_STABLE_WEIGHT set; exit 0 means done.
    #[arg(long, value_name = "COMMAND", env = env_vars::GANTRY_ON_STEP, conflicts_with = "step_webhook")]
    pub(crate) on_step: Option<String>,

    /// Webhook that moves traffic: POST `{"canaryWeight": N, "stableWeight": M, …}`, 2xx means done.
    #[arg(long, value_name = "URL", env = env_vars::GANTRY_STEP_WEBHOOK)]
    pub(crate) step_webhook: Option<String>,

    /// Shell command run before the first interval (smoke tests, load);
    /// a failure rolls back before any analysis (repeatable).
    #[arg(long, value_name = "COMMAND", env = env_vars::GANTRY_PRE_ANALYSIS, value_delimiter = '\n')]
    pub(crate) pre_analysis: Vec<String>,

    /// Shell command run after the decision to promote (repeatable).
    #[arg(long, value_name = "COMMAND", env = env_vars::GANTRY_ON_PROMOTE, value_delimiter = '\n')]
    pub(crate) on_promote: Vec<String>,

    /// Shell command run after the decision to roll back, e.g.
    /// gantry-rollback (repeatable).
    #[arg(long, value_name = "COMMAND", env = env_vars::GANTRY_ON_ROLLBACK, value_delimiter = '\n')]
    pub(crate) on_rollback: Vec<String>,

    /// A variable of this environment passed to hook and traffic-shift
    /// commands although gantry keeps it from them (its credentials, such
    /// as GANTRY_TOKEN or GITHUB_TOKEN, and any GANTRY_* setting); one name
    /// per flag, or several separated by commas or newlines.
    #[arg(long = "hook-env", value_name = "NAME", env = env_vars::GANTRY_HOOK_ENV, value_delimiter = '\n')]
    pub(crate) hook_env: Vec<String>,

    /// Time limit of each hook command and traffic-shift command (and of
    /// webhooks, without --webhook-timeout) [default: 60s for hooks, 30s
    /// for shifts].
    #[arg(long, value_name = "DURATION", env = env_vars::GANTRY_HOOK_TIMEOUT, allow_hyphen_values = true)]
    pub(crate) hook_timeout: Option<String>,

    /// Deadline of each webhook call (webhook hooks, --step-webhook,
    /// --abort-webhook) that sets none in the spec; an answer is read up to
    /// 64 KiB [default: 10s].
    #[arg(long, value_name = "DURATION", env = env_vars::GANTRY_WEBHOOK_TIMEOUT, allow_hyphen_values = true)]
    pub(crate) webhook_timeout: Option<String>,

    /// Webhook polled every interval: a 2xx answer rolls back at once
    /// (Flagger's rollback hook); 4xx carries on; errors are provider errors.
    #[arg(long, value_name = "URL", env = env_vars::GANTRY_ABORT_WEBHOOK)]
    pub(crate) abort_webhook: Option<String>,

    /// The stable version the judge compares with, for its baseline queries.
    #[arg(long = "baseline-version", value_name = "VERSION", env = env_vars::GANTRY_BASELINE_VERSION)]
    pub(crate) baseline_version: Option<String>,
}
