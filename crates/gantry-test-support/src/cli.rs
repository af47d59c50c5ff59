//! Running a built gantry binary from a clean environment.
//!
//! ```no_run
//! # fn main() -> Result<(), gantry_test_support::tools::RigError> {
//! use gantry_test_support::cli::gantry;
//! let dir = tempfile::tempdir().map_err(|e| gantry_test_support::tools::RigError::io("tempdir", &e))?;
//! let run = gantry("gantry-tag")?
//!     .args(["inspect"])
//!     .env("GANTRY_REF", "nginx")
//!     .github_actions(dir.path())?
//!     .run()?;
//! assert_eq!(run.code, Some(0), "{run}");
//! assert_eq!(run.outputs()?["registry"], "docker.io");
//! # Ok(()) }
//! ```
//!
//! The child starts without `CI`, `TERM`, `NO_COLOR`, `FORCE_COLOR`,
//! `CLICOLOR*`, `COLUMNS`, `LINES`, `RUST_LOG`, nor any `GITHUB_*`,
//! `RUNNER_*`, `ACTIONS_*`, `INPUT_*` or `GANTRY_*` variable of the machine
//! running the tests (CI itself runs in GitHub Actions, so these are set
//! there); a test sets back what it needs with [`GantryCommand::env`].

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::tools::{self, IoContext as _, Result, RigError};

/// Variables removed from the child's environment.
pub const SCRUBBED_VARS: &[&str] = &[
    "CI",
    "TERM",
    "NO_COLOR",
    "FORCE_COLOR",
    "COLUMNS",
    "LINES",
    "RUST_LOG",
];

/// Prefixes of variables removed from the child's environment.
pub const SCRUBBED_PREFIXES: &[&str] = &[
    "GITHUB_", "RUNNER_", "ACTIONS_", "INPUT_", "GANTRY_", "CLICOLOR",
];

/// Whether `name` is removed from the child's environment.
pub fn is_scrubbed(name: &str) -> bool {
    SCRUBBED_VARS.contains(&name) || SCRUBBED_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// Default time limit of one run.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Start building a run of the gantry binary `bin` (e.g. `gantry-tag`);
/// an error if it is not built.
pub fn gantry(bin: &str) -> Result<GantryCommand> {
    let path = tools::gantry_bin(bin)?;
    let mut cmd = assert_cmd::Command::new(&path);
    for (key, _) in std::env::vars_os() {
        if key.to_str().is_some_and(is_scrubbed) {
            cmd.env_remove(&key);
        }
    }
    cmd.timeout(DEFAULT_TIMEOUT);
    Ok(GantryCommand {
        bin: bin.to_owned(),
        cmd,
        files: None,
    })
}

/// A gantry run being built; see [`gantry`].
#[derive(Debug)]
pub struct GantryCommand {
    bin: String,
    cmd: assert_cmd::Command,
    files: Option<GithubFiles>,
}

impl GantryCommand {
    /// Add one argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.cmd.arg(arg);
        self
    }

    /// Add arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd.args(args);
        self
    }

    /// Set a variable in the child's environment.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.cmd.env(key, value);
        self
    }

    /// Remove a variable from the child's environment.
    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Self {
        self.cmd.env_remove(key);
        self
    }

    /// Run in `dir`.
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.cmd.current_dir(dir);
        self
    }

    /// Feed `input` on standard input (default: empty).
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.cmd.write_stdin(input);
        self
    }

    /// Kill the run after `timeout` (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.cmd.timeout(timeout);
        self
    }

    /// Run as a GitHub Actions step: `GITHUB_ACTIONS=true`, and fresh empty
    /// `GITHUB_OUTPUT`, `GITHUB_ENV`, `GITHUB_PATH`, `GITHUB_STATE` and
    /// `GITHUB_STEP_SUMMARY` files in `dir` (plus `RUNNER_TEMP=<dir>/runner-temp`),
    /// read back from the [`RunResult`].
    pub fn github_actions(mut self, dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        let files = GithubFiles::create(dir)?;
        let runner_temp = dir.join("runner-temp");
        std::fs::create_dir_all(&runner_temp)
            .context(|| format!("cli: cannot create {}", runner_temp.display()))?;
        self.cmd
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_OUTPUT", &files.output)
            .env("GITHUB_ENV", &files.env)
            .env("GITHUB_PATH", &files.path)
            .env("GITHUB_STATE", &files.state)
            .env("GITHUB_STEP_SUMMARY", &files.step_summary)
            .env("RUNNER_TEMP", &runner_temp);
        self.files = Some(files);
        Ok(self)
    }

    /// Run to completion (or the timeout).
    pub fn run(mut self) -> Result<RunResult> {
        let output = self
            .cmd
            .output()
            .map_err(|err| RigError::new(format!("cannot run {}: {err}", self.bin)))?;
        Ok(RunResult {
            bin: self.bin,
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            files: self.files,
        })
    }
}

/// The GitHub Actions files of a run.
#[derive(Debug, Clone)]
struct GithubFiles {
    output: PathBuf,
    env: PathBuf,
    path: PathBuf,
    state: PathBuf,
    step_summary: PathBuf,
}

impl GithubFiles {
    fn create(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).context(|| format!("cli: cannot create {}", dir.display()))?;
        let files = Self {
            output: dir.join("github_output"),
            env: dir.join("github_env"),
            path: dir.join("github_path"),
            state: dir.join("github_state"),
            step_summary: dir.join("github_step_summary"),
        };
        for file in [
            &files.output,
            &files.env,
            &files.path,
            &files.state,
            &files.step_summary,
        ] {
            std::fs::write(file, "")
                .context(|| format!("cli: cannot create {}", file.display()))?;
        }
        Ok(files)
    }
}

/// What a run did.
#[derive(Debug)]
pub struct RunResult {
    bin: String,
    /// Exit code; `None` if killed by a signal or the timeout.
    pub code: Option<i32>,
    /// Standard output (lossy UTF-8).
    pub stdout: String,
    /// Standard error (lossy UTF-8).
    pub stderr: String,
    files: Option<GithubFiles>,
}

impl RunResult {
    /// Exit code 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    fn files(&self) -> Result<&GithubFiles> {
        self.files
            .as_ref()
            .ok_or_else(|| RigError::new("cli: this run was not started with .github_actions(dir)"))
    }

    fn read(path: &Path) -> Result<String> {
        std::fs::read_to_string(path).context(|| format!("cli: cannot read {}", path.display()))
    }

    /// The step outputs written to `GITHUB_OUTPUT`, parsed.
    pub fn outputs(&self) -> Result<BTreeMap<String, String>> {
        let path = &self.files()?.output;
        parse_github_file(&Self::read(path)?)
            .map_err(|why| RigError::new(format!("GITHUB_OUTPUT of {}: {why}", self.bin)))
    }

    /// The raw text of `GITHUB_OUTPUT`.
    pub fn outputs_raw(&self) -> Result<String> {
        Self::read(&self.files()?.output)
    }

    /// The variables exported through `GITHUB_ENV`, parsed.
    pub fn exported_env(&self) -> Result<BTreeMap<String, String>> {
        let path = &self.files()?.env;
        parse_github_file(&Self::read(path)?)
            .map_err(|why| RigError::new(format!("GITHUB_ENV of {}: {why}", self.bin)))
    }

    /// The state saved through `GITHUB_STATE`, parsed.
    pub fn state(&self) -> Result<BTreeMap<String, String>> {
        let path = &self.files()?.state;
        parse_github_file(&Self::read(path)?)
            .map_err(|why| RigError::new(format!("GITHUB_STATE of {}: {why}", self.bin)))
    }

    /// The directories added through `GITHUB_PATH`, one per line.
    pub fn added_paths(&self) -> Result<Vec<String>> {
        Ok(Self::read(&self.files()?.path)?
            .lines()
            .filter(|line| !line.is_empty())
            .map(str::to_owned)
            .collect())
    }

    /// The Markdown appended to `GITHUB_STEP_SUMMARY`.
    pub fn step_summary(&self) -> Result<String> {
        Self::read(&self.files()?.step_summary)
    }
}

impl fmt::Display for RunResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code {
            Some(code) => writeln!(f, "{} exited with code {code}", self.bin)?,
            None => writeln!(f, "{} was killed (signal or timeout)", self.bin)?,
        }
        writeln!(f, "--- stdout ---\n{}", self.stdout.trim_end())?;
        write!(f, "--- stderr ---\n{}", self.stderr.trim_end())
    }
}

/// Parse a `GITHUB_OUTPUT` / `GITHUB_ENV` / `GITHUB_STATE` file as the
/// runner does: `name=value` lines and `name<<DELIMITER` heredocs (the form
/// `@actions/core` writes), whose value is the lines up to the line that is
/// exactly `DELIMITER`, joined with `\n`. Blank lines are skipped; a later
/// value of a name wins.
pub fn parse_github_file(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut values = BTreeMap::new();
    let mut lines = text.lines().enumerate();
    while let Some((number, line)) = lines.next() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let heredoc = line.find("<<");
        let equals = line.find('=');
        match (heredoc, equals) {
            (Some(h), eq) if eq.is_none_or(|e| h < e) => {
                let name = &line[..h];
                let delimiter = &line[h + 2..];
                if name.is_empty() || delimiter.is_empty() {
                    return Err(format!("line {}: bad heredoc start {line:?}", number + 1));
                }
                let mut value: Vec<&str> = Vec::new();
                let mut closed = false;
                for (_, body) in lines.by_ref() {
                    let body = body.strip_suffix('\r').unwrap_or(body);
                    if body == delimiter {
                        closed = true;
                        break;
                    }
                    value.push(body);
                }
                if !closed {
                    return Err(format!(
                        "line {}: heredoc of {name:?} never closed by {delimiter:?}",
                        number + 1
                    ));
                }
                values.insert(name.to_owned(), value.join("\n"));
            }
            (_, Some(e)) => {
                let name = &line[..e];
                if name.is_empty() {
                    return Err(format!("line {}: empty name in {line:?}", number + 1));
                }
                values.insert(name.to_owned(), line[e + 1..].to_owned());
            }
            _ => {
                return Err(format!(
                    "line {}: neither name=value nor name<<DELIMITER: {line:?}",
                    number + 1
                ));
            }
        }
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_forms() {
        let text = "a=1\nb<<ghadelimiter_123\nline 1\nline=2\n\nghadelimiter_123\nc=x=y\n\nempty=\nd<<EOF\nEOF\n";
        let values = parse_github_file(text).unwrap();
        assert_eq!(values["a"], "1");
        assert_eq!(values["b"], "line 1\nline=2\n");
        assert_eq!(values["c"], "x=y");
        assert_eq!(values["empty"], "");
        assert_eq!(values["d"], "");
    }

    #[test]
    fn rejects_unclosed_heredoc_and_garbage() {
        assert!(
            parse_github_file("a<<EOF\nvalue\n")
                .unwrap_err()
                .contains("never closed")
        );
        assert!(parse_github_file("just words\n").is_err());
        assert!(parse_github_file("=x\n").is_err());
    }

    #[test]
    fn later_value_wins_and_crlf_is_tolerated() {
        let values = parse_github_file("a=1\r\na=2\r\n").unwrap();
        assert_eq!(values["a"], "2");
    }

    #[test]
    fn scrubs_the_right_names() {
        for name in [
            "CI",
            "GITHUB_OUTPUT",
            "RUNNER_TEMP",
            "ACTIONS_STEP_DEBUG",
            "INPUT_REF",
            "GANTRY_REF",
            "CLICOLOR_FORCE",
            "TERM",
            "NO_COLOR",
        ] {
            assert!(is_scrubbed(name), "{name}");
        }
        for name in ["PATH", "HOME", "CIRCLE", "TERMINFO", "RUST_BACKTRACE"] {
            assert!(!is_scrubbed(name), "{name}");
        }
    }
}
