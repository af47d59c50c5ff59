//! Finding the programs the rig runs, and running them.
//!
//! - [`tool`] finds an external program: `<workspace>/.rig/venv/bin/<name>`
//!   first (where `tests/rig/install.sh` puts act, actionlint and zizmor),
//!   then `PATH`, then `/usr/bin`, `/usr/sbin` and `/usr/local/bin` (a
//!   scrubbed `PATH` must not hide Debian's packages).
//! - [`gantry_bin`] finds a built gantry binary in the cargo target
//!   directory this test binary was built into.
//! - [`ServiceProcess`] is a background program with its output in a log
//!   file, killed and reaped when dropped.
//! - [`RigError`] is the error of every function of this crate: its message
//!   names the service or tool that failed and, for a service that died,
//!   ends with the tail of its log.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The error of the test rig: one readable message (also shown by `Debug`,
/// so `result.unwrap()` in a test prints it as is).
pub struct RigError {
    message: String,
}

/// `Result` with a [`RigError`].
pub type Result<T, E = RigError> = std::result::Result<T, E>;

impl RigError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// An I/O error, with what was being done when it happened.
    pub fn io(context: impl fmt::Display, err: &io::Error) -> Self {
        Self::new(format!("{context}: {err}"))
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for RigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for RigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RigError {}

impl From<RigError> for io::Error {
    fn from(err: RigError) -> Self {
        io::Error::other(err.message)
    }
}

/// Attach context to an `io::Result`.
pub(crate) trait IoContext<T> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T> IoContext<T> for io::Result<T> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|err| RigError::io(what(), &err))
    }
}

/// The five gantry binaries, in the order the docs list them.
pub const GANTRY_BINARIES: [&str; 5] = [
    "gantry-tag",
    "gantry-patch",
    "gantry-gitops",
    "gantry-canary",
    "gantry-rollback",
];

/// The workspace root: the nearest directory holding `Cargo.lock`, above
/// this crate's source directory (it is always built from this workspace),
/// else above the running test binary.
pub fn workspace_root() -> Result<PathBuf> {
    let candidates = [
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR"))),
        std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from),
        std::env::current_exe().ok(),
    ];
    for start in candidates.into_iter().flatten() {
        if let Some(root) = start
            .ancestors()
            .find(|dir| dir.join("Cargo.lock").is_file())
        {
            return Ok(root.to_path_buf());
        }
    }
    Err(RigError::new(
        "cannot find the gantry workspace root (no Cargo.lock above this crate or the test binary)",
    ))
}

/// The venv of the rig's Python tools: `<workspace>/.rig/venv/bin`.
pub fn venv_bin_dir() -> Result<PathBuf> {
    Ok(workspace_root()?.join(".rig").join("venv").join("bin"))
}

/// Where to look after `PATH`, so that a test with a scrubbed `PATH` still
/// finds Debian's packages.
const FALLBACK_DIRS: &[&str] = &["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"];

/// Find the program `name`: `.rig/venv/bin`, then `PATH`, then the usual
/// system directories.
pub fn tool(name: &str) -> Result<PathBuf> {
    let mut dirs = Vec::new();
    if let Ok(venv) = venv_bin_dir() {
        dirs.push(venv);
    }
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    dirs.extend(FALLBACK_DIRS.iter().map(PathBuf::from));
    dirs.into_iter()
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
        .ok_or_else(|| {
            RigError::new(format!(
                "`{name}` not found in .rig/venv/bin, PATH or {}: run tests/rig/install.sh",
                FALLBACK_DIRS.join(", ")
            ))
        })
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    path.metadata()
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// The cargo target directory of this build's binaries (`target/debug`),
/// derived from the running test binary like `assert_cmd`'s `cargo_bin`:
/// `target/debug/deps/e2e-…` → `target/debug`.
pub fn target_bin_dir() -> Result<PathBuf> {
    let exe = std::env::current_exe()
        .map_err(|err| RigError::io("cannot locate the running test binary", &err))?;
    let mut dir = exe
        .parent()
        .ok_or_else(|| RigError::new(format!("test binary {} has no parent", exe.display())))?
        .to_path_buf();
    if dir.ends_with("deps") {
        dir.pop();
    }
    Ok(dir)
}

/// The path of the built gantry binary `name` (e.g. `gantry-tag`), or an
/// error saying how to build it.
pub fn gantry_bin(name: &str) -> Result<PathBuf> {
    let dir = target_bin_dir()?;
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if is_executable(&path) {
        Ok(path)
    } else {
        Err(RigError::new(format!(
            "gantry binary `{name}` is not built ({} missing): run `cargo build --workspace --bins` first",
            path.display()
        )))
    }
}

/// A command's outcome, with its output as text.
#[derive(Debug, Clone)]
pub struct Output {
    /// Exit code; `None` when killed by a signal (or by the timeout).
    pub code: Option<i32>,
    /// Standard output, lossily decoded.
    pub stdout: String,
    /// Standard error, lossily decoded.
    pub stderr: String,
    /// Whether the command ran past its timeout and was killed.
    pub timed_out: bool,
}

impl Output {
    /// Exit code 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.code, self.timed_out) {
            (_, true) => writeln!(f, "status: killed after the timeout")?,
            (Some(code), false) => writeln!(f, "status: exit code {code}")?,
            (None, false) => writeln!(f, "status: killed by a signal")?,
        }
        writeln!(f, "--- stdout ---\n{}", self.stdout.trim_end())?;
        write!(f, "--- stderr ---\n{}", self.stderr.trim_end())
    }
}

/// Run `cmd` with stdin from `/dev/null`, capturing its output, killing it
/// after `timeout`. `what` names it in errors.
pub fn run_with_timeout(what: &str, cmd: &mut Command, timeout: Duration) -> Result<Output> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context(|| format!("cannot start {what} ({:?})", cmd.get_program()))?;
    let stdout = child.stdout.take().map(read_in_background);
    let stderr = child.stderr.take().map(read_in_background);
    let deadline = Instant::now() + timeout;
    let mut timed_out = false;
    let status: ExitStatus = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                timed_out = true;
                // Already exited between try_wait and kill: wait() below reaps it.
                let _ = child.kill();
                break child.wait().context(|| format!("cannot wait for {what}"))?;
            }
            Ok(None) => thread::sleep(Duration::from_millis(10)),
            Err(err) => return Err(RigError::io(format!("cannot wait for {what}"), &err)),
        }
    };
    let join = |reader: Option<thread::JoinHandle<Vec<u8>>>| {
        reader
            .and_then(|handle| handle.join().ok())
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default()
    };
    Ok(Output {
        code: status.code(),
        stdout: join(stdout),
        stderr: join(stderr),
        timed_out,
    })
}

fn read_in_background(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        // A read error just ends the capture: the output is for diagnostics.
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

/// A background program (a service under test) whose stdout and stderr go
/// to a log file. Dropping it kills the program and waits for it.
#[derive(Debug)]
pub struct ServiceProcess {
    name: String,
    child: Child,
    log: PathBuf,
}

impl ServiceProcess {
    /// Start `cmd` (stdin from `/dev/null`, stdout and stderr to `log`,
    /// which is truncated first). `name` says which service it is in errors.
    pub fn spawn(name: &str, mut cmd: Command, log: &Path) -> Result<Self> {
        let out = File::create(log)
            .context(|| format!("{name}: cannot create log file {}", log.display()))?;
        let err = out
            .try_clone()
            .context(|| format!("{name}: cannot share log file {}", log.display()))?;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .context(|| format!("{name}: cannot start {:?}", cmd.get_program()))?;
        Ok(Self {
            name: name.to_owned(),
            child,
            log: log.to_path_buf(),
        })
    }

    /// The service's name, as given to [`ServiceProcess::spawn`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The log file.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The whole log so far (empty if unreadable).
    pub fn log(&self) -> String {
        std::fs::read(&self.log)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default()
    }

    /// The last `lines` lines of the log.
    pub fn log_tail(&self, lines: usize) -> String {
        let log = self.log();
        let all: Vec<&str> = log.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// `Ok(None)` while running, `Ok(Some(status))` once it has exited.
    pub fn try_wait(&mut self) -> Result<Option<ExitStatus>> {
        let name = self.name.clone();
        self.child
            .try_wait()
            .context(|| format!("{name}: cannot check whether it is running"))
    }

    /// An error saying the service failed to start, with `why` and its log tail.
    pub fn startup_error(&self, why: impl fmt::Display) -> RigError {
        RigError::new(format!(
            "{} failed to start: {why}\n--- last lines of {} ---\n{}",
            self.name,
            self.log.display(),
            self.log_tail(30)
        ))
    }

    /// Poll `probe` every 20 ms until it returns `Some`, failing with the log
    /// tail if the process exits or `timeout` passes first.
    pub fn wait_ready<T>(
        &mut self,
        timeout: Duration,
        mut probe: impl FnMut() -> Option<T>,
    ) -> Result<T> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.try_wait()? {
                return Err(self.startup_error(format!("it exited ({status})")));
            }
            if let Some(ready) = probe() {
                return Ok(ready);
            }
            if Instant::now() >= deadline {
                return Err(self.startup_error(format!("not ready after {timeout:?}")));
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether the log says the listen address was taken (another process
    /// grabbed the free port between our probe and the service's bind).
    pub fn lost_port_race(&self) -> bool {
        let log = self.log().to_ascii_lowercase();
        log.contains("address already in use") || log.contains("address in use")
    }

    /// Kill the process and wait for it (what `Drop` does).
    pub fn stop(&mut self) {
        // Errors mean it has already exited: wait() still reaps it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

/// How many times a service is started on a fresh port after losing the
/// race for its first one.
const PORT_ATTEMPTS: usize = 3;

/// Start a service on a free 127.0.0.1 port: `command_for(port)` builds its
/// command, `ready(port)` says whether it answers yet. If it dies because
/// another process took the port first, it is started again on a new one.
/// Returns the running service and its port.
pub fn start_on_free_port(
    name: &str,
    log: &Path,
    timeout: Duration,
    mut command_for: impl FnMut(u16) -> Result<Command>,
    mut ready: impl FnMut(u16) -> bool,
) -> Result<(ServiceProcess, u16)> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let port = crate::ports::free_port()
            .map_err(|err| RigError::io(format!("{name}: cannot find a free port"), &err))?;
        let mut service = ServiceProcess::spawn(name, command_for(port)?, log)?;
        match service.wait_ready(timeout, || ready(port).then_some(())) {
            Ok(()) => return Ok((service, port)),
            Err(_) if attempt < PORT_ATTEMPTS && service.lost_port_race() => {
                service.stop();
            }
            Err(err) => return Err(err),
        }
    }
}

/// Quote a string for YAML (single-quoted scalar).
pub(crate) fn yaml_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_workspace_root() {
        let root = workspace_root().unwrap();
        assert!(root.join("Cargo.lock").is_file());
        assert!(root.join("crates/gantry-test-support").is_dir());
    }

    #[test]
    fn missing_tool_says_how_to_install() {
        let err = tool("gantry-no-such-tool").unwrap_err().to_string();
        assert!(err.starts_with("`gantry-no-such-tool` not found"), "{err}");
        assert!(err.contains("tests/rig/install.sh"), "{err}");
    }

    #[test]
    fn finds_git() {
        assert!(tool("git").unwrap().is_file());
    }

    #[test]
    fn times_out() {
        let out = run_with_timeout(
            "sleep",
            Command::new("sleep").arg("5"),
            Duration::from_millis(100),
        )
        .unwrap();
        assert!(out.timed_out);
        assert!(!out.success());
    }

    #[test]
    fn yaml_quotes() {
        assert_eq!(yaml_quote("a'b"), "'a''b'");
    }
}
