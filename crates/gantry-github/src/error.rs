//! Why a GitHub call failed. Every message names the endpoint (method and
//! URL, never a credential) and what GitHub said.

use std::fmt::Write as _;
use std::time::Duration;

/// One entry of a GraphQL `errors` list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct GraphQlError {
    /// GitHub's error type: `STALE_DATA`, `NOT_FOUND`, `FORBIDDEN`,
    /// `UNPROCESSABLE`, `RATE_LIMITED`, … (absent for schema errors).
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// The message.
    #[serde(default)]
    pub message: String,
}

/// A GitHub call that failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The API URL given is not usable.
    #[error("invalid GitHub API URL `{url}`: {reason}")]
    BadUrl {
        /// The URL (credentials never reach here: such URLs are refused).
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// `owner/name` given is not one.
    #[error("invalid GitHub repository `{given}`: {reason}")]
    BadRepository {
        /// What was given.
        given: String,
        /// What is wrong.
        reason: String,
    },
    /// The HTTP client or runtime could not be built.
    #[error("cannot set up the GitHub client: {0}")]
    Setup(String),
    /// No response: connection refused, reset, timed out.
    #[error("GitHub API {endpoint}: {reason} (after {attempts} attempt(s))")]
    Transport {
        /// `METHOD URL`.
        endpoint: String,
        /// What happened.
        reason: String,
        /// Attempts made.
        attempts: u32,
    },
    /// The response body is larger than gantry reads.
    #[error(
        "GitHub API {endpoint}: the response body exceeds {} MiB (read limit); stopped reading",
        .cap / (1024 * 1024)
    )]
    TooLarge {
        /// `METHOD URL`.
        endpoint: String,
        /// The cap, in bytes.
        cap: usize,
    },
    /// GitHub answered with an error status.
    #[error("{}", status_message(.endpoint, *.status, .message, .details, *.attempts))]
    Status {
        /// `METHOD URL`.
        endpoint: String,
        /// The HTTP status.
        status: u16,
        /// GitHub's `message`.
        message: String,
        /// GitHub's `errors` (validation details), as text.
        details: Vec<String>,
        /// Attempts made.
        attempts: u32,
    },
    /// Rate limited for longer than gantry waits.
    #[error(
        "GitHub API {endpoint}: rate limited, and GitHub asks to wait {}s, longer than gantry waits ({}s); nothing more was written: try again later",
        .wait.as_secs(),
        .max_wait.as_secs()
    )]
    RateLimited {
        /// `METHOD URL`.
        endpoint: String,
        /// The wait asked for.
        wait: Duration,
        /// The longest wait allowed.
        max_wait: Duration,
    },
    /// A GraphQL operation answered with errors.
    #[error("GitHub GraphQL {operation}: {}", graphql_message(.errors))]
    GraphQl {
        /// The mutation or query.
        operation: String,
        /// GitHub's errors.
        errors: Vec<GraphQlError>,
    },
    /// The response is not what GitHub documents.
    #[error("GitHub API {endpoint}: unexpected response: {reason}")]
    Decode {
        /// `METHOD URL`.
        endpoint: String,
        /// What did not parse.
        reason: String,
    },
}

fn status_message(
    endpoint: &str,
    status: u16,
    message: &str,
    details: &[String],
    attempts: u32,
) -> String {
    let mut out = format!("GitHub API {endpoint}: {status}");
    if !message.is_empty() {
        let _ = write!(out, " {message}");
    }
    if !details.is_empty() {
        let _ = write!(out, " ({})", details.join("; "));
    }
    let hint = match status {
        401 => ": the token was refused (wrong, expired or revoked); check GANTRY_TOKEN",
        403 => ": the token may not do this (missing permission or scope)",
        404 => ": not found, or the token cannot see it",
        _ => "",
    };
    out.push_str(hint);
    if attempts > 1 {
        let _ = write!(out, " (after {attempts} attempts)");
    }
    out
}

fn graphql_message(errors: &[GraphQlError]) -> String {
    if errors.is_empty() {
        return "no data and no error in the response".to_owned();
    }
    errors
        .iter()
        .map(|e| match &e.kind {
            Some(kind) => format!("{kind}: {}", e.message),
            None => e.message.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    /// The HTTP status GitHub answered, if it did.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether it is 404 (or GraphQL `NOT_FOUND`).
    pub fn is_not_found(&self) -> bool {
        match self {
            Error::Status { status, .. } => *status == 404,
            Error::GraphQl { errors, .. } => errors
                .iter()
                .any(|e| e.kind.as_deref() == Some("NOT_FOUND")),
            _ => false,
        }
    }

    /// Whether GitHub refused to create something that already exists
    /// (422 "A pull request already exists for …").
    pub fn already_exists(&self) -> bool {
        match self {
            Error::Status {
                status: 422,
                message,
                details,
                ..
            } => std::iter::once(message)
                .chain(details)
                .any(|m| m.to_ascii_lowercase().contains("already exists")),
            _ => false,
        }
    }

    /// Whether the input is at fault (exit 2) rather than GitHub or the
    /// credentials (exit 3).
    pub fn is_input(&self) -> bool {
        match self {
            Error::BadUrl { .. } | Error::BadRepository { .. } => true,
            Error::Status { status, .. } => *status == 422,
            Error::GraphQl { errors, .. } => errors
                .iter()
                .any(|e| e.kind.as_deref() == Some("UNPROCESSABLE")),
            Error::Setup(_)
            | Error::Transport { .. }
            | Error::RateLimited { .. }
            | Error::TooLarge { .. }
            | Error::Decode { .. } => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16, message: &str, details: &[&str]) -> Error {
        Error::Status {
            endpoint: "POST https://api.github.com/repos/acme/deploy/pulls".to_owned(),
            status,
            message: message.to_owned(),
            details: details.iter().map(|d| (*d).to_owned()).collect(),
            attempts: 1,
        }
    }

    #[test]
    fn errors_say_what_failed_and_map_to_exit_codes() {
        let bad = status(401, "Bad credentials", &[]);
        assert_eq!(
            bad.to_string(),
            "GitHub API POST https://api.github.com/repos/acme/deploy/pulls: 401 Bad credentials: the token was refused (wrong, expired or revoked); check GANTRY_TOKEN"
        );
        assert!(!bad.is_input());
        let exists = status(
            422,
            "Validation Failed",
            &["A pull request already exists for acme:gantry/staging/api."],
        );
        assert!(exists.already_exists() && exists.is_input());
        assert!(
            exists
                .to_string()
                .contains("(A pull request already exists")
        );
        assert!(!status(422, "Validation Failed", &["No commits between"]).already_exists());
        assert!(status(404, "Not Found", &[]).is_not_found());
        let stale = Error::GraphQl {
            operation: "createCommitOnBranch".into(),
            errors: vec![GraphQlError {
                kind: Some("FORBIDDEN".into()),
                message: "Resource not accessible by integration".into(),
            }],
        };
        assert_eq!(
            stale.to_string(),
            "GitHub GraphQL createCommitOnBranch: FORBIDDEN: Resource not accessible by integration"
        );
        assert!(!stale.is_input());
        let limited = Error::RateLimited {
            endpoint: "GET x".into(),
            wait: Duration::from_secs(3600),
            max_wait: Duration::from_secs(60),
        };
        assert!(limited.to_string().contains("wait 3600s"));
    }
}
