//! Hooks that cannot run as given: bad input, found by the `validate`
//! methods before the analysis starts (exit 2). No message carries a
//! header value or a URL's secrets.

use gantry_traffic::post::WebhookError;

/// A hook, abort webhook or confirm gate that cannot run as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HookError {
    /// A phase name that is not one of the four.
    #[error("unknown hook phase {given:?} (expected pre-analysis, step, promote or rollback)")]
    Phase {
        /// The name as given.
        given: String,
    },
    /// A hook without a name.
    #[error("a hook needs a name (it is shown in the log and the report)")]
    NoName,
    /// A command hook whose command is blank.
    #[error("hook {hook:?}: the command is empty")]
    EmptyCommand {
        /// The hook's name.
        hook: String,
    },
    /// A zero time limit.
    #[error("hook {hook:?}: the timeout must be more than 0")]
    Timeout {
        /// The hook's name.
        hook: String,
    },
    /// A webhook hook with a bad URL, header or timeout.
    #[error("hook {hook:?}: {source}")]
    Webhook {
        /// The hook's name.
        hook: String,
        /// What is wrong.
        source: WebhookError,
    },
    /// The abort webhook's URL, headers or timeout.
    #[error("abort webhook: {0}")]
    Abort(WebhookError),
    /// The confirm webhook's URL, headers or timeout.
    #[error("confirm webhook: {0}")]
    Confirm(WebhookError),
}
