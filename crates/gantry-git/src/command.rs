//! Running git: a clean, non-interactive environment, secrets only in the
//! environment, a deadline per process, output captured within caps and
//! redacted.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::error::GitError;
use crate::process::{self, Ended, MAX_STDOUT};

/// The deadline of one git process unless [`GitProgram::with_timeout`]
/// says otherwise. A run starts with a clone (or a fetch of one file), so
/// against a remote that accepts and never answers the first git process
/// is the only one that waits: the run ends after one deadline, well under
/// a minute. A sparse, shallow clone of one branch takes seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The git program and the environment every run gets.
#[derive(Debug, Clone)]
pub struct GitProgram {
    program: PathBuf,
    /// Extra environment (identity), never logged.
    env: Vec<(String, String)>,
    /// Configuration passed as `GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n`
    /// (credentials among it), never on the command line.
    config: Vec<(String, String)>,
    /// Values to remove from anything git prints before it is shown.
    secrets: Vec<String>,
    /// The deadline of each process.
    timeout: Duration,
    /// The remote, as shown, for messages about waiting on it.
    remote: Option<String>,
}

impl Default for GitProgram {
    fn default() -> Self {
        Self::new("git")
    }
}

impl GitProgram {
    /// `git` from `PATH`, or another program.
    pub fn new(program: impl Into<PathBuf>) -> GitProgram {
        GitProgram {
            program: program.into(),
            env: Vec::new(),
            config: Vec::new(),
            secrets: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            remote: None,
        }
    }

    /// Add environment for every run.
    #[must_use]
    pub fn with_env(mut self, env: Vec<(String, String)>) -> GitProgram {
        self.env.extend(env);
        self
    }

    /// Add configuration (`key`, `value`) for every run, through the
    /// environment.
    #[must_use]
    pub fn with_config(mut self, config: Vec<(String, String)>) -> GitProgram {
        self.config.extend(config);
        self
    }

    /// Hide `secret` in every message.
    #[must_use]
    pub fn with_secret(mut self, secret: Option<&str>) -> GitProgram {
        if let Some(s) = secret.filter(|s| !s.is_empty()) {
            self.secrets.push(s.to_owned());
        }
        self
    }

    /// Hide each of `secrets` in every message.
    #[must_use]
    pub fn with_secrets(mut self, secrets: Vec<String>) -> GitProgram {
        for s in secrets {
            self = self.with_secret(Some(&s));
        }
        self
    }

    /// Stop each git process (and its helpers) after `timeout`.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> GitProgram {
        self.timeout = timeout;
        self
    }

    /// The deadline of each process.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Name `shown` (a URL without credentials) as what a process that
    /// times out waited on.
    #[must_use]
    pub(crate) fn for_remote(mut self, shown: String) -> GitProgram {
        self.remote = Some(shown);
        self
    }

    /// The configuration every run gets, then the caller's.
    fn all_config(&self) -> Vec<(String, String)> {
        // git's own stall detection for HTTP, a little before the
        // deadline, so that its message (which names the URL) comes first:
        // no byte at all for that long is a stall.
        let stall = (self.timeout.as_secs() * 3 / 4).max(1);
        let mut config = vec![
            ("http.lowSpeedLimit".to_owned(), "1".to_owned()),
            ("http.lowSpeedTime".to_owned(), stall.to_string()),
            // Remote helpers that run commands are refused by the URL
            // check; this is the same refusal inside git, for a URL that
            // comes from elsewhere (a submodule, a redirect).
            ("protocol.ext.allow".to_owned(), "never".to_owned()),
            ("protocol.fd.allow".to_owned(), "never".to_owned()),
        ];
        config.extend(self.config.iter().cloned());
        config
    }

    fn command(&self, dir: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.program);
        // Only what git needs from the outer environment: no GANTRY_*
        // setting, no GITHUB_TOKEN nor any other credential of the run
        // reaches it or the programs it starts (hooks, ssh, helpers).
        cmd.env_clear();
        for (name, value) in std::env::vars_os() {
            if name.to_str().is_some_and(passed_to_git) {
                cmd.env(name, value);
            }
        }
        cmd.current_dir(dir)
            .args(args)
            // Never wait for a person: no prompts, no pager, no editor.
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_ASKPASS", "true")
            .env("SSH_ASKPASS", "true")
            .env("GCM_INTERACTIVE", "never")
            .env("GIT_PAGER", "cat")
            .env("GIT_EDITOR", "true")
            .env("LC_ALL", "C");
        let config = self.all_config();
        cmd.env("GIT_CONFIG_COUNT", config.len().to_string());
        for (i, (key, value)) in config.iter().enumerate() {
            cmd.env(format!("GIT_CONFIG_KEY_{i}"), key)
                .env(format!("GIT_CONFIG_VALUE_{i}"), value);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Run `git args` in `dir`; stdout on success.
    pub fn run(&self, dir: &Path, args: &[&str]) -> Result<String, GitError> {
        self.run_with_input(dir, args, None)
    }

    /// [`run`](Self::run) with `input` on stdin.
    pub fn run_with_input(
        &self,
        dir: &Path,
        args: &[&str],
        input: Option<&str>,
    ) -> Result<String, GitError> {
        let (ok, stdout, stderr) = self.output(dir, args, input)?;
        if ok {
            Ok(stdout)
        } else {
            Err(self.failed(args, &stderr))
        }
    }

    /// Run and return (success, stdout, stderr), stderr redacted.
    pub(crate) fn output(
        &self,
        dir: &Path,
        args: &[&str],
        input: Option<&str>,
    ) -> Result<(bool, String, String), GitError> {
        tracing::debug!(command = %format!("git {}", args.join(" ")), dir = %dir.display(), "running");
        let cmd = self.command(dir, args);
        let ended = process::run(cmd, input, self.timeout).map_err(|error| GitError::Spawn {
            program: self.program.display().to_string(),
            error,
        })?;
        match ended {
            Ended::Exited {
                status,
                stdout,
                stderr,
                stdout_cut,
            } => {
                if stdout_cut {
                    return Err(GitError::TooMuchOutput {
                        command: self.shown_command(args),
                        remote: self.remote.clone(),
                        cap: MAX_STDOUT,
                    });
                }
                Ok((
                    status.success(),
                    String::from_utf8_lossy(&stdout).into_owned(),
                    self.redact(&String::from_utf8_lossy(&stderr)),
                ))
            }
            Ended::TimedOut { stderr } => Err(GitError::TimedOut {
                command: self.shown_command(args),
                remote: self.remote.clone(),
                timeout: self.timeout,
                stderr: self.redact(String::from_utf8_lossy(&stderr).trim()),
            }),
        }
    }

    /// `git clone`, `git push`: the subcommand, for messages (its
    /// arguments hold paths and refspecs, not what the reader needs).
    fn shown_command(&self, args: &[&str]) -> String {
        let sub = args
            .iter()
            .position(|a| !a.starts_with('-') && !a.contains('='))
            .and_then(|i| args.get(i))
            .copied()
            .unwrap_or("");
        self.redact(&format!("git {sub}"))
    }

    pub(crate) fn failed(&self, args: &[&str], stderr: &str) -> GitError {
        let remote = is_remote_failure(stderr);
        GitError::Failed {
            command: self.redact(&args.join(" ")),
            stderr: stderr.trim().to_owned(),
            remote,
        }
    }

    pub(crate) fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.secrets {
            out = out.replace(s.as_str(), "***");
        }
        out
    }
}

/// The variables of the outer environment git gets. Everything else
/// (credentials, `GANTRY_*`, `GIT_DIR` and friends that would point git at
/// another repository, `GIT_CONFIG_*` that gantry sets itself) is left out.
const PASSED: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LANGUAGE",
    "TMPDIR",
    "TZ",
    // SSH: the agent, and the user's own choice of ssh command.
    "SSH_AUTH_SOCK",
    "GIT_SSH_COMMAND",
    "GIT_SSH",
    "GIT_SSH_VARIANT",
    // Where git finds its parts, its templates and the user's config.
    "GIT_EXEC_PATH",
    "GIT_TEMPLATE_DIR",
    "GIT_CONFIG_GLOBAL",
    "GIT_CONFIG_SYSTEM",
    "GIT_CONFIG_NOSYSTEM",
    "XDG_CONFIG_HOME",
    // TLS trust.
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "GIT_SSL_CAINFO",
    "GIT_SSL_CAPATH",
    // Proxies.
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
];

/// Whether the outer variable `name` is passed to git: [`PASSED`] and the
/// locale (`LC_*`).
pub(crate) fn passed_to_git(name: &str) -> bool {
    PASSED.contains(&name) || name.starts_with("LC_")
}

/// Whether git's message says the remote failed rather than the input
/// (unreachable host, refused credentials, server errors).
fn is_remote_failure(stderr: &str) -> bool {
    let lower = stderr.to_ascii_lowercase();
    [
        "could not read from remote",
        "could not resolve host",
        "connection refused",
        "connection timed out",
        "authentication failed",
        "unable to access",
        "the requested url returned error",
        "repository not found",
        "does not appear to be a git repository",
        "permission denied",
        "early eof",
        "remote end hung up",
    ]
    .iter()
    .any(|needle| lower.contains(needle))
        // git's own words for an HTTP 404: `repository '<url>' not found`.
        || (lower.contains("fatal: repository '") && lower.contains("' not found"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn git_gets_only_what_it_needs() {
        for passed in [
            "PATH",
            "HOME",
            "LC_CTYPE",
            "SSH_AUTH_SOCK",
            "GIT_SSH_COMMAND",
            "HTTPS_PROXY",
            "no_proxy",
        ] {
            assert!(passed_to_git(passed), "{passed}");
        }
        for kept_out in [
            "GANTRY_TOKEN",
            "GANTRY_REPO",
            "GITHUB_TOKEN",
            "GH_TOKEN",
            "ACTIONS_RUNTIME_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "GIT_DIR",
            "GIT_CONFIG_PARAMETERS",
            "GIT_CONFIG_COUNT",
            "GIT_ASKPASS",
            "LD_PRELOAD",
        ] {
            assert!(!passed_to_git(kept_out), "{kept_out}");
        }
    }

    #[test]
    fn config_and_identity_reach_git_through_the_environment() {
        let git = GitProgram::new("git")
            .with_config(vec![("http.https://h/r.extraHeader".into(), "X: y".into())])
            .with_env(vec![("GIT_AUTHOR_NAME".into(), "A".into())]);
        let cmd = git.command(Path::new("/"), &["status"]);
        let envs: std::collections::BTreeMap<String, String> = cmd
            .get_envs()
            .filter_map(|(k, v)| Some((k.to_str()?.to_owned(), v?.to_str()?.to_owned())))
            .collect();
        assert_eq!(envs["GIT_CONFIG_COUNT"], "5");
        assert_eq!(envs["GIT_CONFIG_KEY_4"], "http.https://h/r.extraHeader");
        assert_eq!(envs["GIT_CONFIG_VALUE_4"], "X: y");
        assert_eq!(envs["GIT_CONFIG_KEY_1"], "http.lowSpeedTime");
        assert_eq!(envs["GIT_CONFIG_VALUE_1"], "22");
        assert_eq!(envs["GIT_AUTHOR_NAME"], "A");
        assert_eq!(envs["GIT_TERMINAL_PROMPT"], "0");
        assert!(!envs.keys().any(|k| k.starts_with("GANTRY_")));
        let args: Vec<&std::ffi::OsStr> = cmd.get_args().collect();
        assert_eq!(args, ["status"]);
    }
}
