//! What can go wrong: bad input (exit 2) and Google's side failing
//! (exit 3). Every message names the service, revision, file or endpoint;
//! none carries an access token, a refresh token or a client secret.

/// An error of this crate.
///
/// [`Error::is_input_error`] tells bad input (a name that does not parse,
/// a split that cannot be, no previous revision, a service that does not
/// exist, credentials that cannot be used: exit 2) from an outside
/// failure (Google answered an error, did not answer, or the change did
/// not take: exit 3).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A service or revision name that does not parse.
    #[error("invalid Cloud Run {what} {value:?}: {reason}")]
    BadName {
        /// `service name`, `project`, `region`, `revision`.
        what: &'static str,
        /// The value as given.
        value: String,
        /// What is wrong, and what was expected.
        reason: String,
    },

    /// A base URL that cannot be used.
    #[error("invalid URL {url:?}: {reason}")]
    BadUrl {
        /// The URL as given.
        url: String,
        /// What is wrong.
        reason: String,
    },

    /// The HTTP client could not be set up.
    #[error("cannot set up the HTTP client: {0}")]
    Setup(String),

    /// A traffic split that cannot be applied; found before any write.
    #[error("cannot split the traffic of {service}: {reason}")]
    InvalidSplit {
        /// The service's full name.
        service: String,
        /// What is wrong with the split.
        reason: String,
    },

    /// A revision that is not one of the service's.
    #[error("{service} has no revision {revision:?} (it has: {known})")]
    UnknownRevision {
        /// The service's full name.
        service: String,
        /// The revision as given.
        revision: String,
        /// The service's revisions, newest first (a few).
        known: String,
    },

    /// A rollback with nowhere to go.
    #[error(
        "cannot roll back {service}: no Ready revision is older than {latest} (revisions, newest first: {known})"
    )]
    NoPreviousRevision {
        /// The service's full name.
        service: String,
        /// The revision a rollback goes back from.
        latest: String,
        /// The service's revisions and whether each is ready.
        known: String,
    },

    /// No credentials: no token given, none in the environment, no ADC
    /// file and no metadata server.
    #[error("no Google credentials: {0}")]
    NoCredentials(String),

    /// A credentials file that cannot be read or used.
    #[error("cannot use the Google credentials in {path}: {reason}")]
    Credentials {
        /// The file.
        path: String,
        /// What is wrong (never its secrets).
        reason: String,
    },

    /// The token endpoint or metadata server refused or failed to give a
    /// token.
    #[error("cannot get a Google access token from {endpoint}: {reason}")]
    Token {
        /// The token endpoint or metadata server URL.
        endpoint: String,
        /// What it answered (`HTTP 400 invalid_grant: Bad Request`).
        reason: String,
    },

    /// The Admin API answered an error.
    #[error("{endpoint}: HTTP {status}{} {message}{}", .code.as_deref().map(|c| format!(" {c}:")).unwrap_or_else(|| ":".to_owned()), attempts_note(*.attempts))]
    Api {
        /// `GET https://run.googleapis.com/v2/…`.
        endpoint: String,
        /// The HTTP status.
        status: u16,
        /// Google's `error.status` (`NOT_FOUND`, `PERMISSION_DENIED`).
        code: Option<String>,
        /// Google's `error.message`.
        message: String,
        /// Attempts made.
        attempts: u32,
    },

    /// No answer (connection refused, DNS, TLS, timeout).
    #[error("{endpoint}: no answer from the Cloud Run API: {reason}{}", attempts_note(*.attempts))]
    Transport {
        /// `GET https://…`.
        endpoint: String,
        /// Why.
        reason: String,
        /// Attempts made.
        attempts: u32,
    },

    /// An answer bigger than the client reads ([`crate::MAX_BODY`]).
    #[error("{endpoint}: the Cloud Run API's answer exceeds {} MiB (read limit)", .cap / (1024 * 1024))]
    TooLarge {
        /// `GET https://…`.
        endpoint: String,
        /// The limit, in bytes.
        cap: usize,
    },

    /// An answer that is not the JSON expected.
    #[error("{endpoint}: unexpected answer: {reason}")]
    Decode {
        /// `GET https://…`.
        endpoint: String,
        /// What was wrong with it.
        reason: String,
    },

    /// The long-running operation of a change ended with an error.
    #[error("{service}: the traffic change failed ({operation}): {message}")]
    OperationFailed {
        /// The service's full name.
        service: String,
        /// The operation's name.
        operation: String,
        /// Its `error.message` (with the gRPC code).
        message: String,
    },

    /// The long-running operation was not done in time.
    #[error("{service}: the traffic change ({operation}) was not done after {waited:?}")]
    OperationTimeout {
        /// The service's full name.
        service: String,
        /// The operation's name.
        operation: String,
        /// How long gantry waited.
        waited: std::time::Duration,
    },

    /// Other writers kept changing the service between our read and our
    /// write.
    #[error(
        "{service} kept changing while its traffic was being set (etag conflict {attempts} times); try again"
    )]
    Conflict {
        /// The service's full name.
        service: String,
        /// Attempts made.
        attempts: u32,
    },
}

fn attempts_note(attempts: u32) -> String {
    if attempts > 1 {
        format!(" (after {attempts} attempts)")
    } else {
        String::new()
    }
}

impl Error {
    /// Whether the input is wrong (exit 2) rather than the outside
    /// (exit 3). An API 400 `INVALID_ARGUMENT` or 404 (the service does not
    /// exist in that project and region) is the input's; 401/403 are the
    /// credentials' or IAM's, an outside matter.
    pub fn is_input_error(&self) -> bool {
        match self {
            Error::BadName { .. }
            | Error::BadUrl { .. }
            | Error::InvalidSplit { .. }
            | Error::UnknownRevision { .. }
            | Error::NoPreviousRevision { .. }
            | Error::NoCredentials(_)
            | Error::Credentials { .. } => true,
            Error::Api { status, code, .. } => {
                *status == 404 || (*status == 400 && code.as_deref() == Some("INVALID_ARGUMENT"))
            }
            _ => false,
        }
    }

    /// The HTTP status of an API error.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_classes() {
        let api = |status, code: Option<&str>, attempts| Error::Api {
            endpoint: "GET https://run.googleapis.com/v2/projects/p/locations/l/services/s"
                .to_owned(),
            status,
            code: code.map(str::to_owned),
            message: "nope".to_owned(),
            attempts,
        };
        let table = [
            (
                api(404, Some("NOT_FOUND"), 1),
                "GET https://run.googleapis.com/v2/projects/p/locations/l/services/s: HTTP 404 NOT_FOUND: nope",
                true,
            ),
            (
                api(503, Some("UNAVAILABLE"), 5),
                "GET https://run.googleapis.com/v2/projects/p/locations/l/services/s: HTTP 503 UNAVAILABLE: nope (after 5 attempts)",
                false,
            ),
            (
                api(502, None, 1),
                "GET https://run.googleapis.com/v2/projects/p/locations/l/services/s: HTTP 502: nope",
                false,
            ),
            (
                api(400, Some("INVALID_ARGUMENT"), 1),
                "GET https://run.googleapis.com/v2/projects/p/locations/l/services/s: HTTP 400 INVALID_ARGUMENT: nope",
                true,
            ),
            (
                api(400, Some("FAILED_PRECONDITION"), 1),
                "GET https://run.googleapis.com/v2/projects/p/locations/l/services/s: HTTP 400 FAILED_PRECONDITION: nope",
                false,
            ),
            (
                api(403, Some("PERMISSION_DENIED"), 1),
                "GET https://run.googleapis.com/v2/projects/p/locations/l/services/s: HTTP 403 PERMISSION_DENIED: nope",
                false,
            ),
            (
                Error::NoCredentials("x".to_owned()),
                "no Google credentials: x",
                true,
            ),
            (
                Error::Conflict {
                    service: "projects/p/locations/l/services/s".to_owned(),
                    attempts: 3,
                },
                "projects/p/locations/l/services/s kept changing while its traffic was being set (etag conflict 3 times); try again",
                false,
            ),
        ];
        for (error, message, input) in table {
            assert_eq!(error.to_string(), message);
            assert_eq!(error.is_input_error(), input, "{message}");
        }
    }
}
