//! Errors from talking to the runner.

use std::io;
use std::path::PathBuf;

use crate::file_command::FileCommandError;

/// A runner file could not be written. The message names the variable and
/// the file; the source names the key and the cause, so print the whole
/// chain (`{:#}` with anyhow).
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    /// `$GITHUB_OUTPUT`, `$GITHUB_ENV` or `$GITHUB_PATH` refused or failed.
    #[error("cannot write ${var} (`{}`)", path.display())]
    FileCommand {
        /// The variable naming the file, e.g. `GITHUB_OUTPUT`.
        var: &'static str,
        /// The file.
        path: PathBuf,
        /// What went wrong, naming the key.
        #[source]
        source: FileCommandError,
    },
    /// `$GITHUB_STEP_SUMMARY` could not be appended to.
    #[error("cannot append the step summary to $GITHUB_STEP_SUMMARY (`{}`)", path.display())]
    Summary {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
}
