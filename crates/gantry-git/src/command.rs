//! Running git: a clean, non-interactive environment, secrets only in the
//! environment, output captured and redacted.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::GitError;

/// The git program and the environment every run gets.
#[derive(Debug, Clone)]
pub struct GitProgram {
    program: PathBuf,
    /// Extra environment (credentials, identity), never logged.
    env: Vec<(String, String)>,
    /// Values to remove from anything git prints before it is shown.
    secrets: Vec<String>,
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
            secrets: Vec::new(),
        }
    }

    /// Add environment for every run.
    #[must_use]
    pub fn with_env(mut self, env: Vec<(String, String)>) -> GitProgram {
        self.env.extend(env);
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

    fn command(&self, dir: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.current_dir(dir)
            .args(args)
            // Never wait for a person: no prompts, no pager, no editor.
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_ASKPASS", "true")
            .env("SSH_ASKPASS", "true")
            .env("GCM_INTERACTIVE", "never")
            .env("GIT_PAGER", "cat")
            .env("GIT_EDITOR", "true")
            .env("LC_ALL", "C")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .stdin(std::process::Stdio::null());
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
        let mut cmd = self.command(dir, args);
        let output = match input {
            None => cmd.output(),
            Some(text) => {
                use std::io::Write as _;
                cmd.stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped());
                cmd.spawn().and_then(|mut child| {
                    if let Some(mut stdin) = child.stdin.take() {
                        stdin.write_all(text.as_bytes())?;
                    }
                    child.wait_with_output()
                })
            }
        }
        .map_err(|error| GitError::Spawn {
            program: self.program.display().to_string(),
            error,
        })?;
        Ok((
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            self.redact(&String::from_utf8_lossy(&output.stderr)),
        ))
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
}
