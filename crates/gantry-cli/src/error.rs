use crate::ExitStatus;
use gantry_runner::Location;

/// An error on its way out of a binary: what went wrong, which exit code it
/// maps to, and optionally the file and line it is about (for an
/// `::error file=…,line=…::` annotation).
#[derive(Debug)]
pub struct CliError {
    status: ExitStatus,
    error: anyhow::Error,
    location: Option<Location>,
}

impl CliError {
    /// Bad usage or input (exit 2).
    pub fn usage(error: impl Into<anyhow::Error>) -> Self {
        Self::new(ExitStatus::Usage, error)
    }

    /// The check failed (exit 1).
    pub fn failure(error: impl Into<anyhow::Error>) -> Self {
        Self::new(ExitStatus::Failure, error)
    }

    /// An outside service failed (exit 3).
    pub fn external(error: impl Into<anyhow::Error>) -> Self {
        Self::new(ExitStatus::External, error)
    }

    fn new(status: ExitStatus, error: impl Into<anyhow::Error>) -> Self {
        Self {
            status,
            error: error.into(),
            location: None,
        }
    }

    /// Attach the file (and line) the error is about.
    #[must_use]
    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    /// The exit status this error maps to.
    pub fn status(&self) -> ExitStatus {
        self.status
    }

    /// The file and line the error is about, if any.
    pub fn location(&self) -> Option<&Location> {
        self.location.as_ref()
    }

    /// The error with its chain of causes.
    pub fn error(&self) -> &anyhow::Error {
        &self.error
    }

    /// Whether this is only stdout having been closed (`gantry … | head`),
    /// which is not worth an error message.
    pub fn is_broken_pipe(&self) -> bool {
        self.error.chain().any(|cause| {
            cause
                .downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
        })
    }
}

/// Writing to the terminal or to a runner file failed: the runner itself is
/// the outside service here.
impl From<std::io::Error> for CliError {
    fn from(error: std::io::Error) -> Self {
        CliError::external(error)
    }
}

impl From<gantry_runner::RunnerError> for CliError {
    fn from(error: gantry_runner::RunnerError) -> Self {
        CliError::external(error)
    }
}

/// Classify a library error where it is handled, with context.
pub trait ResultExt<T> {
    /// The error is the user's input: exit 2.
    fn usage_error(
        self,
        context: impl std::fmt::Display + Send + Sync + 'static,
    ) -> Result<T, CliError>;
    /// The error is an outside service's: exit 3.
    fn external_error(
        self,
        context: impl std::fmt::Display + Send + Sync + 'static,
    ) -> Result<T, CliError>;
}

impl<T, E> ResultExt<T> for Result<T, E>
where
    E: std::error::Error + Send + Sync + 'static,
{
    fn usage_error(
        self,
        context: impl std::fmt::Display + Send + Sync + 'static,
    ) -> Result<T, CliError> {
        self.map_err(|error| CliError::usage(anyhow::Error::new(error).context(context)))
    }

    fn external_error(
        self,
        context: impl std::fmt::Display + Send + Sync + 'static,
    ) -> Result<T, CliError> {
        self.map_err(|error| CliError::external(anyhow::Error::new(error).context(context)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_pipe_is_recognised_through_context() {
        let io = std::io::Error::new(std::io::ErrorKind::BrokenPipe, "closed");
        let error = CliError::external(anyhow::Error::new(io).context("writing the result"));
        assert!(error.is_broken_pipe());
        let other = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        assert!(!CliError::external(other).is_broken_pipe());
    }

    #[test]
    fn context_is_kept_in_front_of_the_cause() {
        let parsed: Result<u8, _> = "x".parse::<u8>();
        let error = parsed.usage_error("invalid --count `x`").err();
        let error = error.map(|e| (e.status(), format!("{:#}", e.error())));
        assert_eq!(
            error,
            Some((
                ExitStatus::Usage,
                "invalid --count `x`: invalid digit found in string".to_owned()
            ))
        );
    }
}
