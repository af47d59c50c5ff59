//! Running a user's shell command: `sh -c`, its own process group, a hard
//! time limit, and its output kept within bounds.
//!
//! The one process runner of gantry-canary: the command shifter and
//! gantry-hooks' command hooks both go through [`run_shell`], so a hook and
//! a shift time out, get killed and report the same way.
//!
//! - The command runs as `sh -c COMMAND` with stdin closed, in a process
//!   group of its own (on Unix), so that at the timeout the whole group
//!   (the shell and everything it started: `kubectl`, `curl`, a `sleep`)
//!   gets `SIGKILL`, not just the shell. A plain `kill` of the shell would
//!   leave its children running and holding the output pipes open.
//! - If the future is dropped before the command ends (the caller's own
//!   deadline), the group is killed too.
//! - stdout and stderr are read together into one buffer that keeps the
//!   last [`MAX_OUTPUT`] bytes: the end of a failing script's output is
//!   what explains it.
//! - A command that exits normally may leave background processes behind
//!   (a load generator started with `&`); they are not killed, but their
//!   output is only read for [`OUTPUT_GRACE`] after the shell exits, so
//!   they must not make the caller wait.
//! - The environment is scrubbed: gantry's credentials ([`CREDENTIALS`])
//!   and every `GANTRY_*` setting of the outer run are removed, unless the
//!   command sets them itself ([`Shell::env`]: a hook's documented
//!   variables, its spec `env:`) or the user passes them through by name
//!   ([`Shell::pass`]). A `gantry-canary` started in a hook must not re-run
//!   the outer analysis, and a smoke test needs no deploy token.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use gantry_checks::format_duration;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

/// Output bytes kept (the tail) from stdout and stderr together.
pub const MAX_OUTPUT: usize = 64 * 1024;

/// How long output is still read after the shell exits, for background
/// processes that hold the pipes open.
pub const OUTPUT_GRACE: Duration = Duration::from_millis(500);

/// gantry's credentials: never inherited by a command unless passed
/// through by name ([`Shell::pass`]) or set for it ([`Shell::env`]).
pub const CREDENTIALS: &[&str] = &[
    "GANTRY_TOKEN",
    "GANTRY_REGISTRY_PASSWORD",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "ACTIONS_RUNTIME_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "GOOGLE_OAUTH_ACCESS_TOKEN",
];

/// Whether a variable of gantry's own environment stays out of a
/// command's: a credential, or any `GANTRY_*` setting of the outer run.
pub fn is_scrubbed(name: &str) -> bool {
    CREDENTIALS.contains(&name) || name.starts_with("GANTRY_")
}

/// A shell command to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shell {
    /// The command line given to `sh -c`.
    pub command: String,
    /// Variables set on top of gantry's own (scrubbed) environment.
    pub env: BTreeMap<String, String>,
    /// Variables removed from the environment (so a value inherited from
    /// the parent cannot pass for one that does not apply).
    pub env_remove: Vec<String>,
    /// Variables of gantry's own environment passed through although
    /// [`is_scrubbed`] (the user named them: `--hook-env NAME`).
    pub pass: Vec<String>,
    /// Time limit; at it the process group is killed.
    pub timeout: Duration,
}

impl Shell {
    /// `command` with a time limit and no extra variables.
    pub fn new(command: impl Into<String>, timeout: Duration) -> Shell {
        Shell {
            command: command.into(),
            env: BTreeMap::new(),
            env_remove: Vec::new(),
            pass: Vec::new(),
            timeout,
        }
    }

    /// Pass these variables of gantry's environment through, credentials
    /// and `GANTRY_*` included.
    pub fn pass(mut self, names: &[String]) -> Shell {
        self.pass.extend(names.iter().cloned());
        self
    }

    /// Set a variable.
    pub fn env(mut self, name: &str, value: impl Into<String>) -> Shell {
        self.env.insert(name.to_owned(), value.into());
        self
    }

    /// Remove a variable (unless it is also set with [`Shell::env`]).
    pub fn env_remove(mut self, name: &str) -> Shell {
        self.env_remove.push(name.to_owned());
        self
    }
}

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    /// It exited with this status.
    Code(i32),
    /// A signal ended it (not ours: that is [`Exit::TimedOut`]).
    Signal(i32),
    /// It was still running at the timeout; its process group was killed.
    TimedOut,
    /// `sh` could not be started.
    NotStarted(String),
}

/// What running a command gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellRun {
    /// How it ended.
    pub exit: Exit,
    /// The tail of stdout and stderr together (lossy UTF-8).
    pub output: String,
    /// Output bytes dropped from the front to keep within [`MAX_OUTPUT`].
    pub cut: u64,
    /// From start to end.
    pub elapsed: Duration,
    /// The time limit it ran under.
    pub timeout: Duration,
}

impl ShellRun {
    /// Whether it exited 0.
    pub fn success(&self) -> bool {
        self.exit == Exit::Code(0)
    }

    /// One line: `exit 0 in 120 ms`, `exit 3 in 2 s`, `killed by signal 15
    /// in 40 ms`, `timed out after 5 s (process group killed)`, `cannot
    /// start sh: …`.
    pub fn summary(&self) -> String {
        let elapsed = format_duration(self.elapsed);
        match &self.exit {
            Exit::Code(code) => format!("exit {code} in {elapsed}"),
            Exit::Signal(signal) => format!("killed by signal {signal} in {elapsed}"),
            Exit::TimedOut => format!(
                "timed out after {} (process group killed)",
                format_duration(self.timeout)
            ),
            Exit::NotStarted(why) => format!("cannot start sh: {why}"),
        }
    }

    /// The last non-blank line of the output, at most 200 characters.
    pub fn last_line(&self) -> Option<String> {
        last_line(&self.output, 200)
    }
}

/// The last non-blank line of `text`, trimmed, at most `max` characters
/// (then ending in `…`).
pub fn last_line(text: &str, max: usize) -> Option<String> {
    text.lines()
        .rev()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .map(|line| bounded_line(line, max))
}

/// The first non-blank line of `text`, trimmed, at most `max` characters.
pub fn first_line(text: &str, max: usize) -> Option<String> {
    text.lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .map(|line| bounded_line(line, max))
}

/// A command as it is named in messages: its first non-blank line, at most
/// 80 characters, with ` …` when more lines follow.
pub fn command_label(command: &str) -> String {
    let mut label = first_line(command, 80).unwrap_or_default();
    if command.trim().lines().count() > 1 {
        label.push_str(" …");
    }
    label
}

fn bounded_line(line: &str, max: usize) -> String {
    let mut out: String = line
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect();
    if line.chars().count() > max {
        out.push('…');
    }
    out
}

/// The runner's files a child must not write to.
const RUNNER_FILES: &[&str] = &["GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"];

/// Run `shell`; never fails (a command that cannot start is an
/// [`Exit::NotStarted`]).
pub async fn run_shell(shell: &Shell) -> ShellRun {
    let started = Instant::now();
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(&shell.command)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    // The step's outputs and summary are the caller's: a hook or shifter
    // that runs another gantry binary must not add outputs to the step
    // that runs it (gantry-rollback shift would set `changed`).
    for name in RUNNER_FILES {
        if !shell.env.contains_key(*name) {
            command.env_remove(name);
        }
    }
    for name in &shell.env_remove {
        if !shell.env.contains_key(name) {
            command.env_remove(name);
        }
    }
    for (name, _) in std::env::vars_os() {
        if let Some(name) = name.to_str()
            && is_scrubbed(name)
            && !shell.env.contains_key(name)
            && !shell.pass.iter().any(|p| p == name)
        {
            command.env_remove(name);
        }
    }
    command.envs(&shell.env);
    #[cfg(unix)]
    command.process_group(0);

    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) => {
            return ShellRun {
                exit: Exit::NotStarted(err.to_string()),
                output: String::new(),
                cut: 0,
                elapsed: started.elapsed(),
                timeout: shell.timeout,
            };
        }
    };
    let mut group = GroupGuard::new(child.id());
    let tail = Arc::new(Mutex::new(Tail::default()));
    let readers = [
        child.stdout.take().map(|out| spawn_reader(out, &tail)),
        child.stderr.take().map(|err| spawn_reader(err, &tail)),
    ];

    let exit = match tokio::time::timeout(shell.timeout, child.wait()).await {
        Ok(Ok(status)) => {
            // Reaped: the pid may be reused now, so the group is not
            // signalled any more (see the module docs on leftovers).
            group.disarm();
            exit_of(status)
        }
        Ok(Err(err)) => {
            group.kill();
            let _ = child.wait().await;
            Exit::NotStarted(format!("waiting for sh failed: {err}"))
        }
        Err(_) => {
            // Kill before reaping, while the pid still names the group.
            group.kill();
            let _ = child.start_kill();
            let _ = child.wait().await;
            Exit::TimedOut
        }
    };
    let elapsed = started.elapsed();

    let grace = tokio::time::sleep(OUTPUT_GRACE);
    tokio::pin!(grace);
    for reader in readers.into_iter().flatten() {
        let abort = reader.abort_handle();
        tokio::select! {
            _ = reader => {}
            () = &mut grace => abort.abort(),
        }
    }
    let (output, cut) = tail.lock().unwrap_or_else(PoisonError::into_inner).text();
    ShellRun {
        exit,
        output,
        cut,
        elapsed,
        timeout: shell.timeout,
    }
}

fn exit_of(status: std::process::ExitStatus) -> Exit {
    if let Some(code) = status.code() {
        return Exit::Code(code);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return Exit::Signal(signal);
        }
    }
    Exit::Code(-1)
}

fn spawn_reader<R>(mut pipe: R, tail: &Arc<Mutex<Tail>>) -> tokio::task::JoinHandle<()>
where
    R: AsyncRead + Unpin + Send + 'static,
{
    let tail = Arc::clone(tail);
    tokio::spawn(async move {
        let mut buf = vec![0u8; 8192];
        loop {
            match pipe.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => tail
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(&buf[..n]),
            }
        }
    })
}

/// The last [`MAX_OUTPUT`] bytes written, and how many came before them.
#[derive(Debug, Default)]
struct Tail {
    bytes: Vec<u8>,
    cut: u64,
}

impl Tail {
    fn push(&mut self, data: &[u8]) {
        self.bytes.extend_from_slice(data);
        // Trim in batches so a chatty command is not quadratic.
        if self.bytes.len() > 2 * MAX_OUTPUT {
            self.trim();
        }
    }

    fn trim(&mut self) {
        if self.bytes.len() > MAX_OUTPUT {
            let excess = self.bytes.len() - MAX_OUTPUT;
            self.bytes.drain(..excess);
            self.cut += excess as u64;
        }
    }

    fn text(&mut self) -> (String, u64) {
        self.trim();
        let mut start = 0;
        if self.cut > 0 {
            // Do not start in the middle of a UTF-8 character.
            while start < self.bytes.len() && start < 4 && (self.bytes[start] & 0xC0) == 0x80 {
                start += 1;
            }
        }
        (
            String::from_utf8_lossy(&self.bytes[start..]).into_owned(),
            self.cut + start as u64,
        )
    }
}

/// Kills the command's process group when told to, or when dropped while
/// still armed (the caller gave up on the future).
struct GroupGuard {
    #[cfg_attr(not(unix), allow(dead_code))]
    pgid: Option<i32>,
}

impl GroupGuard {
    fn new(pid: Option<u32>) -> GroupGuard {
        GroupGuard {
            pgid: pid
                .and_then(|pid| i32::try_from(pid).ok())
                .filter(|&p| p > 0),
        }
    }

    fn disarm(&mut self) {
        self.pgid = None;
    }

    fn kill(&mut self) {
        #[cfg(unix)]
        if let Some(pid) = self.pgid.and_then(rustix::process::Pid::from_raw) {
            // ESRCH (the group is already gone) is fine.
            let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        }
        self.disarm();
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_keeps_the_end() {
        let mut tail = Tail::default();
        for _ in 0..300 {
            tail.push(&[b'a'; 1000]);
        }
        tail.push(b"the end\n");
        let (text, cut) = tail.text();
        assert_eq!(text.len(), MAX_OUTPUT);
        assert!(text.ends_with("the end\n"));
        assert_eq!(cut, 300 * 1000 + 8 - MAX_OUTPUT as u64);

        // A cut in the middle of "é" (2 bytes) skips its second byte.
        let mut tail = Tail::default();
        tail.push(&[b'a'; MAX_OUTPUT]);
        tail.push("é".repeat(MAX_OUTPUT / 2).as_bytes());
        tail.push(b"x");
        let (text, _) = tail.text();
        assert!(!text.contains('\u{FFFD}'), "no replacement character");
        assert!(text.ends_with("éx"));
    }

    #[test]
    fn summaries_are_one_line() {
        let run = |exit, ms| ShellRun {
            exit,
            output: "first\n\n  last line  \n\n".to_owned(),
            cut: 0,
            elapsed: Duration::from_millis(ms),
            timeout: Duration::from_secs(5),
        };
        for (exit, ms, want) in [
            (Exit::Code(0), 120, "exit 0 in 120 ms"),
            (Exit::Code(3), 2000, "exit 3 in 2 s"),
            (Exit::Signal(15), 40, "killed by signal 15 in 40 ms"),
            (
                Exit::TimedOut,
                5003,
                "timed out after 5 s (process group killed)",
            ),
            (
                Exit::NotStarted("No such file or directory (os error 2)".into()),
                0,
                "cannot start sh: No such file or directory (os error 2)",
            ),
        ] {
            let run = run(exit, ms);
            assert_eq!(run.summary(), want);
            assert_eq!(run.last_line().as_deref(), Some("last line"));
        }
    }

    #[test]
    fn lines_are_bounded() {
        assert_eq!(last_line("", 10), None);
        assert_eq!(last_line(" \n\t\n", 10), None);
        assert_eq!(first_line("\n abc \ndef", 10).as_deref(), Some("abc"));
        assert_eq!(first_line("abcdefghijkl", 5).as_deref(), Some("abcde…"));
        assert_eq!(last_line("a\tb\x07c", 10).as_deref(), Some("a b c"));
        assert_eq!(command_label("./shift.sh"), "./shift.sh");
        assert_eq!(command_label("\nset -e\n./shift.sh\n"), "set -e …");
    }
}
