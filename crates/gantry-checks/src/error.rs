//! What can go wrong outside a measurement: bad input (exit 2) and an
//! outside service that failed (exit 3). Every message names the input;
//! none carries a header value, a token or a password.

/// An error of this crate.
///
/// [`CheckError::is_input_error`] tells bad input (the spec or flags are
/// wrong: exit 2) from an outside service that failed (exit 3).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckError {
    /// The HTTP client could not be built (TLS set-up).
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),

    /// A plugged-in check (see [`crate::PluggedCheck`]) refused its
    /// settings (`input`: exit 2) or could not reach what it checks.
    #[error("{check}: {message}")]
    Plugged {
        /// The check's name.
        check: String,
        /// What went wrong.
        message: String,
        /// Whether it is the settings' fault.
        input: bool,
    },

    /// A `POINTER=VALUE` JSON pointer check that does not parse.
    #[error(
        "invalid JSON pointer check {spec:?}: {reason} (expected POINTER=VALUE, e.g. /version=abc123)"
    )]
    JsonPointerSpec {
        /// The check as given.
        spec: String,
        /// What is wrong.
        reason: String,
    },

    /// A request header that cannot be sent. The value is never shown.
    #[error("invalid header {name:?}: {reason}")]
    Header {
        /// The header's name.
        name: String,
        /// What is wrong (about the name or the value, never the value).
        reason: String,
    },

    /// A `{{…}}` placeholder that is not one of the known ones.
    #[error(
        "unknown placeholder {{{{{placeholder}}}}} in {template:?} (known: {{{{name}}}}, {{{{namespace}}}}, {{{{version}}}}, {{{{interval}}}})"
    )]
    Template {
        /// The template as given.
        template: String,
        /// The unknown name between the braces.
        placeholder: String,
    },

    /// A URL a check cannot use (printed with its secrets masked).
    #[error("invalid URL {url}: {reason}")]
    Url {
        /// The URL, secrets masked.
        url: String,
        /// What is wrong.
        reason: String,
    },

    /// A check whose settings contradict each other or are out of range.
    #[error("invalid check {check}: {reason}")]
    Invalid {
        /// The check's display name.
        check: String,
        /// What is wrong.
        reason: String,
    },

    /// A range query whose window or step cannot be evaluated.
    #[error("invalid range query {query:?}: {reason}")]
    Range {
        /// The query.
        query: String,
        /// What is wrong.
        reason: String,
    },

    /// Prometheus could not be reached (connection refused, DNS, TLS).
    #[error("cannot reach Prometheus at {url}: {reason}")]
    PrometheusUnreachable {
        /// The URL, secrets masked.
        url: String,
        /// Why.
        reason: String,
    },

    /// Prometheus did not answer in time.
    #[error("Prometheus at {url} did not answer within {timeout}")]
    PrometheusTimeout {
        /// The URL, secrets masked.
        url: String,
        /// The timeout, e.g. `2 s`.
        timeout: String,
    },

    /// Prometheus answered with an HTTP error status.
    #[error("Prometheus at {url} answered HTTP {status}{}", .message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    PrometheusHttp {
        /// The URL, secrets masked.
        url: String,
        /// The HTTP status.
        status: u16,
        /// Prometheus's `errorType: error`, when it sent one.
        message: Option<String>,
    },

    /// Prometheus answered `"status":"error"` (a bad query, say).
    #[error("Prometheus at {url} rejected the query {query:?}: {message}")]
    PrometheusQuery {
        /// The URL, secrets masked.
        url: String,
        /// The query as sent (after templating).
        query: String,
        /// Prometheus's `errorType: error`.
        message: String,
    },

    /// A query Prometheus cannot parse (`bad_data`), found by
    /// [`crate::PrometheusQuery::preflight`] before the analysis starts.
    #[error("Prometheus at {url} cannot run the query {query:?}: {message}")]
    BadQuery {
        /// The URL, secrets masked.
        url: String,
        /// The query as sent (after templating).
        query: String,
        /// Prometheus's `errorType: error`.
        message: String,
    },

    /// An answer that is not Prometheus's API JSON.
    #[error("unexpected answer from Prometheus at {url}: {reason}")]
    PrometheusAnswer {
        /// The URL, secrets masked.
        url: String,
        /// What was wrong with it.
        reason: String,
    },

    /// A query that returned several series where one value is needed.
    #[error(
        "query {query:?} returned {count} series; aggregate the query to one (e.g. with sum(…) or max(…))"
    )]
    TooManySeries {
        /// The query as sent.
        query: String,
        /// How many series came back.
        count: usize,
    },

    /// A query whose result is of a type a check cannot use (a range
    /// vector from an instant query, a string).
    #[error("query {query:?} returned a {result_type} result; {hint}")]
    UnsupportedResult {
        /// The query as sent.
        query: String,
        /// Prometheus's `resultType`.
        result_type: String,
        /// What to do about it.
        hint: String,
    },
}

impl CheckError {
    /// Whether the input is wrong (exit 2), rather than an outside service
    /// (exit 3). Query mistakes only Prometheus can see are input errors
    /// when the query alone makes them (a syntax error, a range vector);
    /// several series depend on the data, and are found while measuring.
    pub fn is_input_error(&self) -> bool {
        matches!(
            self,
            CheckError::JsonPointerSpec { .. }
                | CheckError::Plugged { input: true, .. }
                | CheckError::Header { .. }
                | CheckError::Template { .. }
                | CheckError::Url { .. }
                | CheckError::Invalid { .. }
                | CheckError::Range { .. }
                | CheckError::BadQuery { .. }
                | CheckError::UnsupportedResult { .. }
        )
    }

    /// The one-line detail of a measurement that failed with this error:
    /// short, without the URL the check's name already gives.
    pub(crate) fn detail(&self) -> String {
        match self {
            CheckError::PrometheusUnreachable { reason, .. } => {
                format!("Prometheus unreachable: {reason}")
            }
            CheckError::PrometheusTimeout { timeout, .. } => {
                format!("Prometheus timed out after {timeout}")
            }
            CheckError::PrometheusHttp {
                status, message, ..
            } => match message {
                Some(message) => format!("HTTP {status} from Prometheus: {message}"),
                None => format!("HTTP {status} from Prometheus"),
            },
            CheckError::PrometheusQuery { message, .. } | CheckError::BadQuery { message, .. } => {
                format!("Prometheus error: {message}")
            }
            CheckError::PrometheusAnswer { reason, .. } => {
                format!("bad answer from Prometheus: {reason}")
            }
            CheckError::TooManySeries { count, .. } => {
                format!("{count} series; aggregate the query to one")
            }
            CheckError::UnsupportedResult {
                result_type, hint, ..
            } => format!("{result_type} result; {hint}"),
            other => other.to_string(),
        }
    }
}
