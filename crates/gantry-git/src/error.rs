/// A git operation that failed.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// A repository URL gantry does not hand to git.
    #[error("invalid repository URL `{url}`: {reason}")]
    BadUrl {
        /// The URL, credentials masked.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// git could not be started.
    #[error("cannot run `{program}`: {error} (is git installed?)")]
    Spawn {
        /// The program.
        program: String,
        /// Why.
        error: std::io::Error,
    },
    /// git ran and failed.
    #[error("`git {command}` failed: {stderr}")]
    Failed {
        /// The git subcommand and its arguments (no secrets: those travel in
        /// the environment).
        command: String,
        /// git's message, secrets removed.
        stderr: String,
        /// Whether git says the remote could not be reached or refused the
        /// credentials (an outside failure, not bad input).
        remote: bool,
    },
    /// The branch does not exist on the remote.
    #[error("branch `{branch}` does not exist in {url}")]
    NoSuchBranch {
        /// The branch.
        branch: String,
        /// The repository, as shown.
        url: String,
    },
    /// Writing in the work tree failed.
    #[error("{what}: {error}")]
    Io {
        /// What was being done.
        what: String,
        /// Why.
        error: std::io::Error,
    },
}
