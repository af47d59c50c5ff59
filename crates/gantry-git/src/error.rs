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
    /// A git process did not finish within its deadline; it and its
    /// helpers were killed.
    #[error("{}", timed_out(.command, .remote.as_deref(), *.timeout, .stderr))]
    TimedOut {
        /// `git clone`, `git push`, …
        command: String,
        /// The remote it talked to, as shown (no credentials).
        remote: Option<String>,
        /// The deadline.
        timeout: std::time::Duration,
        /// What git had said (redacted).
        stderr: String,
    },
    /// git printed more than gantry reads (a remote that floods).
    #[error(
        "`{command}` printed more than {} MiB{}; stopped reading",
        .cap / (1024 * 1024),
        .remote.as_deref().map(|r| format!(" talking to {r}")).unwrap_or_default()
    )]
    TooMuchOutput {
        /// `git ls-remote`, …
        command: String,
        /// The remote, as shown.
        remote: Option<String>,
        /// The cap, in bytes.
        cap: usize,
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

fn timed_out(
    command: &str,
    remote: Option<&str>,
    timeout: std::time::Duration,
    stderr: &str,
) -> String {
    let waited = match remote {
        Some(remote) => format!(
            "`{command}` got no answer from {remote} within {}",
            secs(timeout)
        ),
        None => format!("`{command}` did not finish within {}", secs(timeout)),
    };
    let said = if stderr.is_empty() {
        String::new()
    } else {
        format!(" (git said: {stderr})")
    };
    format!("{waited}; it was stopped (--git-timeout, GANTRY_GIT_TIMEOUT){said}")
}

/// `30s`, `1.5s`.
fn secs(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{}s", d.as_secs_f64())
    }
}
