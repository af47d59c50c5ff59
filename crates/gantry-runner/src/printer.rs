//! The output policy: what goes to stdout, what to stderr, and what the
//! GitHub Actions runner sees.
//!
//! - **stdout carries the command's result and nothing else**: human text
//!   in `--format human`, one pretty JSON document in `--format json`. It
//!   can be piped or captured (`tags=$(gantry-tag …)`) safely.
//! - **stderr carries everything for people**: progress, warnings, errors,
//!   group headers.
//! - **Under GitHub Actions, workflow commands go to stderr too**, in both
//!   formats. The runner parses commands on both streams (actions/runner
//!   `src/Runner.Worker/Handlers/ScriptHandler.cs` attaches an
//!   `OutputManager` with the same `ActionCommandManager` to stdout and to
//!   stderr). On stderr they never corrupt JSON or a captured result, and
//!   `::group::` lands in the same stream, in order, as the progress text it
//!   folds. Outside Actions no `::` command is ever written.
//! - Every human message is also an annotation under Actions (`warning`,
//!   `error`, `notice`), in addition to its human line.
//! - Everything printed is redacted by the [`Redactor`] first, and under
//!   Actions plain text that the runner could mistake for a workflow command
//!   (a line starting with `::`, e.g. echoed from a registry or a PR title)
//!   is wrapped in `::stop-commands::<random token>` … `::<token>::`.
//!
//! Each call writes whole lines and flushes, so output interleaves
//! correctly with child processes that share the streams.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use anstyle::{AnsiColor, Style};

use crate::command::{self, Annotation, Level, WorkflowCommands};
use crate::env::RunnerEnv;
use crate::error::RunnerError;
use crate::file_command::{FileCommand, FileCommandError, PathCommand};
use crate::format::{ColorChoice, OutputFormat};
use crate::random;
use crate::redact::Redactor;
use crate::summary::{self, Summary};

/// A place in a file that a warning or error is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// Path, best relative to the repository root (that is what GitHub
    /// matches annotations against).
    pub file: String,
    /// 1-based line.
    pub line: Option<u64>,
    /// 1-based column.
    pub column: Option<u64>,
}

impl Location {
    /// A whole file.
    pub fn new(file: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            line: None,
            column: None,
        }
    }

    /// A line of a file.
    pub fn at(file: impl Into<String>, line: u64) -> Self {
        Self {
            line: Some(line),
            ..Self::new(file)
        }
    }

    /// The same place with a column.
    pub fn with_column(self, column: u64) -> Self {
        Self {
            column: Some(column),
            ..self
        }
    }
}

/// `file`, `file:line` or `file:line:column`, the form editors and terminals
/// turn into links.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}

/// Which stream a write goes to.
#[derive(Clone, Copy)]
enum Stream {
    Stdout,
    Stderr,
}

/// The one way gantry binaries write output. See the module docs for the
/// policy.
pub struct Printer {
    env: RunnerEnv,
    format: OutputFormat,
    actions: bool,
    stdout: Box<dyn Write + Send>,
    stderr: Box<dyn Write + Send>,
    stdout_color: bool,
    stderr_color: bool,
    redactor: Redactor,
}

impl fmt::Debug for Printer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Printer")
            .field("format", &self.format)
            .field("actions", &self.actions)
            .field("stdout_color", &self.stdout_color)
            .field("stderr_color", &self.stderr_color)
            .field("redactor", &self.redactor)
            .finish_non_exhaustive()
    }
}

impl Printer {
    /// A printer over any two writers; `*_is_tty` feed the `--color auto`
    /// decision (see [`ColorChoice::enabled`]).
    pub fn new(
        env: RunnerEnv,
        format: OutputFormat,
        color: ColorChoice,
        stdout: Box<dyn Write + Send>,
        stdout_is_tty: bool,
        stderr: Box<dyn Write + Send>,
        stderr_is_tty: bool,
    ) -> Self {
        Self {
            actions: env.is_github_actions(),
            stdout_color: color.enabled(&env, stdout_is_tty),
            stderr_color: color.enabled(&env, stderr_is_tty),
            env,
            format,
            stdout,
            stderr,
            redactor: Redactor::new(),
        }
    }

    /// A printer over the process's stdout and stderr.
    pub fn stdio(env: RunnerEnv, format: OutputFormat, color: ColorChoice) -> Self {
        let stdout = io::stdout();
        let stderr = io::stderr();
        let stdout_is_tty = stdout.is_terminal();
        let stderr_is_tty = stderr.is_terminal();
        Self::new(
            env,
            format,
            color,
            Box::new(stdout),
            stdout_is_tty,
            Box::new(stderr),
            stderr_is_tty,
        )
    }

    /// The result format.
    pub fn format(&self) -> OutputFormat {
        self.format
    }

    /// Whether we run under GitHub Actions.
    pub fn is_github_actions(&self) -> bool {
        self.actions
    }

    /// The environment snapshot the printer decides from.
    pub fn env(&self) -> &RunnerEnv {
        &self.env
    }

    /// Whether human text on stdout may be styled (e.g. a `--dry-run` diff).
    pub fn stdout_color(&self) -> bool {
        self.stdout_color
    }

    /// Whether human text on stderr is styled.
    pub fn stderr_color(&self) -> bool {
        self.stderr_color
    }

    /// `text` with registered secrets replaced by `***`, for text that
    /// leaves gantry some other way (an error chain, a commit message).
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.redactor.redact(text)
    }

    /// The command's result on stdout: `human` (a newline is added if
    /// missing; empty prints nothing) in human format, `json` pretty-printed
    /// with a final newline in JSON format. Redacted either way (in JSON,
    /// string by string, so the document stays valid).
    pub fn result(&mut self, human: &str, json: &serde_json::Value) -> io::Result<()> {
        match self.format {
            OutputFormat::Human => {
                if human.is_empty() {
                    return Ok(());
                }
                let mut text = self.redactor.redact(human).into_owned();
                if !text.ends_with('\n') {
                    text.push('\n');
                }
                self.write_text(Stream::Stdout, &text)
            }
            OutputFormat::Json => {
                let redacted = self.redactor.redact_json(json);
                let mut text = serde_json::to_string_pretty(&redacted).map_err(io::Error::other)?;
                text.push('\n');
                // JSON cannot contain a line starting with `::`: strings
                // escape line breaks.
                self.stdout.write_all(text.as_bytes())?;
                self.stdout.flush()
            }
        }
    }

    /// Progress for people, on stderr.
    pub fn info(&mut self, msg: &str) -> io::Result<()> {
        let text = format!("{}\n", self.redactor.redact(msg));
        self.write_text(Stream::Stderr, &text)
    }

    /// `warning: [location: ]msg` on stderr (yellow); under Actions also a
    /// `::warning file=…,line=…,col=…::msg` annotation.
    pub fn warning(&mut self, msg: &str, location: Option<Location>) -> io::Result<()> {
        let style = Style::new().bold().fg_color(Some(AnsiColor::Yellow.into()));
        self.diagnostic(
            Level::Warning,
            "warning",
            style,
            None,
            msg,
            location.as_ref(),
        )
    }

    /// `error: [location: ]msg` on stderr (bold red); under Actions also an
    /// `::error title=<title>,file=…,line=…::msg` annotation. `title` is shown
    /// above the message in the Actions UI: pass the binary name, e.g.
    /// `gantry-tag`.
    pub fn error(&mut self, title: &str, msg: &str, location: Option<Location>) -> io::Result<()> {
        let style = Style::new().bold().fg_color(Some(AnsiColor::Red.into()));
        self.diagnostic(
            Level::Error,
            "error",
            style,
            Some(title),
            msg,
            location.as_ref(),
        )
    }

    /// `notice: [location: ]msg` on stderr (cyan); under Actions also a
    /// `::notice::` annotation.
    pub fn notice(&mut self, msg: &str, location: Option<Location>) -> io::Result<()> {
        let style = Style::new().bold().fg_color(Some(AnsiColor::Cyan.into()));
        self.diagnostic(Level::Notice, "notice", style, None, msg, location.as_ref())
    }

    /// `::debug::msg` under Actions (shown when step debug logging is on);
    /// nothing elsewhere (use `tracing` for local debugging).
    pub fn debug(&mut self, msg: &str) -> io::Result<()> {
        if !self.actions {
            return Ok(());
        }
        let msg = self.redactor.redact(msg).into_owned();
        self.commands().debug(&msg)
    }

    /// Starts a section: `::group::title` under Actions (a fold in the log),
    /// a bold `==> title` line elsewhere.
    pub fn group(&mut self, title: &str) -> io::Result<()> {
        let title = self.redactor.redact(title).into_owned();
        if self.actions {
            return self.commands().group(&title);
        }
        let bold = Style::new().bold();
        let text = format!(
            "{}\n",
            self.paint(Stream::Stderr, bold, &format!("==> {title}"))
        );
        self.write_text(Stream::Stderr, &text)
    }

    /// Ends a section: `::endgroup::` under Actions, nothing elsewhere.
    pub fn end_group(&mut self) -> io::Result<()> {
        if self.actions {
            return self.commands().end_group();
        }
        Ok(())
    }

    /// Hides `secret` from everything printed from now on. Under Actions
    /// also sends `::add-mask::` (for the whole value and each line of a
    /// multi-line one) so the runner masks it in child processes' output
    /// too. Call it as soon as a secret is read, before anything can print
    /// it.
    pub fn mask(&mut self, secret: &str) -> io::Result<()> {
        let added = self.redactor.register(secret);
        if self.actions {
            let mut commands = self.commands();
            for value in added {
                commands.add_mask(&value)?;
            }
        }
        Ok(())
    }

    /// Hides a user name and password pair in every form it travels in:
    /// the password itself and the base64 `user:password` of an HTTP Basic
    /// `Authorization` header or a Docker config `auth` field (the user
    /// name alone is not a secret and stays readable).
    pub fn mask_basic_auth(&mut self, user: &str, password: &str) -> io::Result<()> {
        for secret in crate::redact::basic_auth_forms(user, password) {
            self.mask(&secret)?;
        }
        Ok(())
    }

    /// Sets a step output through `$GITHUB_OUTPUT` under Actions; a no-op
    /// elsewhere (or when the runner gives no `$GITHUB_OUTPUT`), where the
    /// result on stdout carries the data.
    ///
    /// The value is written unredacted: it is data for later steps. The
    /// runner masks registered secrets wherever it displays outputs and
    /// refuses to pass a job output that contains one to other jobs.
    pub fn set_output(&mut self, name: &str, value: &str) -> Result<(), RunnerError> {
        let Some(path) = self.actions_file(self.env.output_file()) else {
            return Ok(());
        };
        FileCommand::append_to(&path)
            .and_then(|mut f| f.set(name, value))
            .map_err(file_error("GITHUB_OUTPUT", path))
    }

    /// Sets an environment variable for the following steps through
    /// `$GITHUB_ENV` under Actions; a no-op elsewhere. This process's own
    /// environment is not changed.
    pub fn export_env(&mut self, name: &str, value: &str) -> Result<(), RunnerError> {
        let Some(path) = self.actions_file(self.env.env_file()) else {
            return Ok(());
        };
        FileCommand::append_to(&path)
            .and_then(|mut f| f.set(name, value))
            .map_err(file_error("GITHUB_ENV", path))
    }

    /// Prepends `dir` to `PATH` for the following steps through
    /// `$GITHUB_PATH` under Actions; a no-op elsewhere.
    pub fn add_path(&mut self, dir: &str) -> Result<(), RunnerError> {
        let Some(path) = self.actions_file(self.env.path_file()) else {
            return Ok(());
        };
        PathCommand::append_to(&path)
            .and_then(|mut p| p.add(dir))
            .map_err(file_error("GITHUB_PATH", path))
    }

    /// Appends `summary` (redacted) to `$GITHUB_STEP_SUMMARY` under Actions;
    /// a no-op elsewhere or when the summary is empty.
    pub fn summary(&mut self, summary: &Summary) -> Result<(), RunnerError> {
        let Some(path) = self.actions_file(self.env.step_summary_file()) else {
            return Ok(());
        };
        if summary.is_empty() {
            return Ok(());
        }
        let text = self.redactor.redact(summary.as_str());
        summary::append_text(&path, &text).map_err(|source| RunnerError::Summary { path, source })
    }

    fn actions_file(&self, path: Option<PathBuf>) -> Option<PathBuf> {
        path.filter(|_| self.actions)
    }

    fn diagnostic(
        &mut self,
        level: Level,
        label: &str,
        style: Style,
        title: Option<&str>,
        msg: &str,
        location: Option<&Location>,
    ) -> io::Result<()> {
        let msg = self.redactor.redact(msg).into_owned();
        let location = location.map(|l| Location {
            file: self.redactor.redact(&l.file).into_owned(),
            ..l.clone()
        });
        let label = self.paint(Stream::Stderr, style, label);
        let text = match &location {
            Some(l) => format!("{label}: {l}: {msg}\n"),
            None => format!("{label}: {msg}\n"),
        };
        self.write_text(Stream::Stderr, &text)?;
        if self.actions {
            let title = title.map(|t| self.redactor.redact(t).into_owned());
            let annotation = Annotation {
                title: title.as_deref(),
                file: location.as_ref().map(|l| l.file.as_str()),
                line: location.as_ref().and_then(|l| l.line),
                col: location.as_ref().and_then(|l| l.column),
                ..Annotation::new(level, &msg)
            };
            self.commands().annotation(&annotation)?;
        }
        Ok(())
    }

    /// Workflow commands, always on stderr (see the module docs).
    fn commands(&mut self) -> WorkflowCommands<&mut Box<dyn Write + Send>> {
        WorkflowCommands::new(&mut self.stderr)
    }

    fn paint(&self, stream: Stream, style: Style, text: &str) -> String {
        let enabled = match stream {
            Stream::Stdout => self.stdout_color,
            Stream::Stderr => self.stderr_color,
        };
        if enabled {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_owned()
        }
    }

    /// Writes already redacted text, guarded with stop-commands under
    /// Actions when a line could be read as a workflow command.
    fn write_text(&mut self, stream: Stream, text: &str) -> io::Result<()> {
        let guard = self.actions && command::looks_like_command(text);
        let out = match stream {
            Stream::Stdout => &mut self.stdout,
            Stream::Stderr => &mut self.stderr,
        };
        if !guard {
            out.write_all(text.as_bytes())?;
            return out.flush();
        }
        let token = random::hex_token(16)?;
        let mut commands = WorkflowCommands::new(out);
        commands.stop_commands(&token)?;
        let out = commands.into_inner();
        out.write_all(text.as_bytes())?;
        WorkflowCommands::new(out).resume_commands(&token)
    }
}

fn file_error(var: &'static str, path: PathBuf) -> impl FnOnce(FileCommandError) -> RunnerError {
    move |source| RunnerError::FileCommand { var, path, source }
}

#[cfg(test)]
mod tests;
