//! The registry client's errors.
//!
//! Every message names the registry, the repository and the reference it was
//! about, and the HTTP status or registry error code that ended it. No
//! message ever holds a credential or a token: the only values formatted
//! here are names, statuses, and the registry's own error text.

use std::fmt;

/// Where an error happened: `registry`, `repository` and the `reference`
/// (tag or digest) the request was about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The registry as written in the image reference (`ghcr.io`,
    /// `127.0.0.1:5000`, `docker.io`).
    pub registry: String,
    /// The repository (`acme/api`, `library/nginx`).
    pub repository: String,
    /// The tag or digest, empty for repository-wide requests (tag lists).
    pub reference: String,
}

impl Location {
    pub(crate) fn new(registry: &str, repository: &str, reference: &str) -> Self {
        Self {
            registry: registry.to_owned(),
            repository: repository.to_owned(),
            reference: reference.to_owned(),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}/{}", self.registry, self.repository)?;
        if self.reference.starts_with("sha256:") || self.reference.contains(':') {
            write!(f, "@{}", self.reference)?;
        } else if !self.reference.is_empty() {
            write!(f, ":{}", self.reference)?;
        }
        f.write_str("`")
    }
}

/// What the registry said about a failed request: the HTTP status and the
/// first entry of its `errors` array, when it sent one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// HTTP status code.
    pub status: u16,
    /// Registry error code (`MANIFEST_UNKNOWN`, `TAG_INVALID`, `DENIED`, …).
    pub code: Option<String>,
    /// The registry's message for that code.
    pub message: Option<String>,
}

impl Failure {
    /// Whether the registry reported the error code `code`.
    pub fn has_code(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        match (&self.code, &self.message) {
            (Some(code), Some(message)) => write!(f, ", {code}: {message}"),
            (Some(code), None) => write!(f, ", {code}"),
            (None, Some(message)) => write!(f, ": {message}"),
            (None, None) => Ok(()),
        }
    }
}

/// An error from the registry client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The manifest, tag or repository does not exist (HTTP 404).
    #[error("{location} not found in registry `{}` ({failure})", location.registry)]
    NotFound {
        /// What was asked for.
        location: Location,
        /// Status and registry error.
        failure: Box<Failure>,
    },
    /// The registry refused to overwrite a tag (`TAG_INVALID`: immutable
    /// tags, as in ECR and Harbor).
    #[error(
        "tag `{}` of `{}` is immutable in this registry (`{}`): {failure}",
        location.reference, location.repository, location.registry
    )]
    ImmutableTag {
        /// The tag that could not be moved.
        location: Location,
        /// Status and registry error.
        failure: Box<Failure>,
    },
    /// Authentication failed or access was denied (401 after
    /// authenticating, 403, `DENIED`, `UNAUTHORIZED`).
    #[error("access to {location} denied by registry `{}` ({failure}); check the credentials and their permissions", location.registry)]
    Denied {
        /// What was asked for.
        location: Location,
        /// Status and registry error.
        failure: Box<Failure>,
    },
    /// Any other refusal the user can fix (400, `MANIFEST_INVALID`, other 4xx).
    #[error("registry `{}` rejected the request for {location} ({failure})", location.registry)]
    Rejected {
        /// What was asked for.
        location: Location,
        /// Status and registry error.
        failure: Box<Failure>,
    },
    /// The registry kept failing (429 or 5xx) until the retries ran out.
    #[error("registry `{}` failed for {location} after {attempts} attempt(s) ({failure})", location.registry)]
    Unavailable {
        /// What was asked for.
        location: Location,
        /// The last status and registry error.
        failure: Box<Failure>,
        /// How many requests were sent.
        attempts: u32,
    },
    /// The registry could not be reached, or did not answer in time, until
    /// the retries ran out.
    #[error("cannot reach registry `{}` for {location} after {attempts} attempt(s): {message}", location.registry)]
    Unreachable {
        /// What was asked for.
        location: Location,
        /// The last connection error.
        message: String,
        /// How many requests were sent.
        attempts: u32,
        /// Whether the last attempt timed out.
        timed_out: bool,
    },
    /// The registry answered something that breaks the protocol: a digest
    /// that does not match the bytes, a missing header, unreadable JSON.
    #[error("registry `{}` sent an invalid response for {location}: {message}", location.registry)]
    InvalidResponse {
        /// What was asked for.
        location: Location,
        /// What was wrong.
        message: String,
    },
    /// The token service (bearer challenge realm) failed.
    #[error("cannot get a token for registry `{registry}` from `{realm}`: {message}")]
    Token {
        /// The registry that sent the challenge.
        registry: String,
        /// The token service URL (without query).
        realm: String,
        /// What went wrong (never the credentials).
        message: String,
        /// Whether the token service refused the credentials (401/403).
        denied: bool,
    },
    /// A reference or target that cannot be used for this operation.
    #[error("invalid reference `{reference}`: {reason}")]
    InvalidReference {
        /// The reference as given.
        reference: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// An image reference that does not parse.
    #[error(transparent)]
    Reference(Box<gantry_image::ParseError>),
    /// A tag that does not parse.
    #[error(transparent)]
    Tag(Box<gantry_image::TagError>),
    /// The Docker config file or a credential helper failed.
    #[error("credentials: {0}")]
    Credentials(String),
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

impl Error {
    /// Whether the user can fix this (wrong reference, missing image,
    /// immutable tag, bad credentials, bad config): exit code 2. Otherwise
    /// an outside service failed after retries: exit code 3.
    pub fn is_input_error(&self) -> bool {
        match self {
            Error::NotFound { .. }
            | Error::ImmutableTag { .. }
            | Error::Denied { .. }
            | Error::Rejected { .. }
            | Error::InvalidReference { .. }
            | Error::Reference(_)
            | Error::Tag(_)
            | Error::Credentials(_) => true,
            Error::Token { denied, .. } => *denied,
            Error::Unavailable { .. }
            | Error::Unreachable { .. }
            | Error::InvalidResponse { .. }
            | Error::Client(_) => false,
        }
    }

    /// The HTTP status the registry answered with, when the error came from one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::NotFound { failure, .. }
            | Error::ImmutableTag { failure, .. }
            | Error::Denied { failure, .. }
            | Error::Rejected { failure, .. }
            | Error::Unavailable { failure, .. } => Some(failure.status),
            _ => None,
        }
    }

    /// Turn a final (non-retried) error response into an error.
    pub(crate) fn from_failure(location: Location, failure: Failure, attempts: u32) -> Self {
        let status = failure.status;
        let failure = Box::new(failure);
        if failure.has_code("TAG_INVALID") {
            return Error::ImmutableTag { location, failure };
        }
        match status {
            404 => Error::NotFound { location, failure },
            401 | 403 => Error::Denied { location, failure },
            _ if failure.has_code("DENIED") || failure.has_code("UNAUTHORIZED") => {
                Error::Denied { location, failure }
            }
            429 | 500..=599 => Error::Unavailable {
                location,
                failure,
                attempts,
            },
            _ => Error::Rejected { location, failure },
        }
    }
}

impl From<gantry_image::ParseError> for Error {
    fn from(err: gantry_image::ParseError) -> Self {
        Error::Reference(Box::new(err))
    }
}

impl From<gantry_image::TagError> for Error {
    fn from(err: gantry_image::TagError) -> Self {
        Error::Tag(Box::new(err))
    }
}

/// A `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
