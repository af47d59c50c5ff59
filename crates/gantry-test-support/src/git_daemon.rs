//! Real git: `git daemon` serving bare repositories over `git://` on
//! 127.0.0.1 (push enabled), bare repositories with a first commit, and a
//! `git` command isolated from the user's and the system's git config.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::ports;
use crate::tools::{self, IoContext as _, Result, RigError, ServiceProcess};

/// How long `git daemon` gets to listen.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);
/// How long one git command of the rig may take.
const GIT_TIMEOUT: Duration = Duration::from_secs(60);

/// Author and committer of the rig's commits.
pub const GIT_USER_NAME: &str = "Gantry Test";
/// Author and committer e-mail of the rig's commits.
pub const GIT_USER_EMAIL: &str = "test@gantry.invalid";

/// A `git` command that ignores the user's and the system's config, never
/// prompts, commits as [`GIT_USER_NAME`] and uses `main` for new repos.
pub fn git_command() -> Result<Command> {
    let mut cmd = Command::new(tools::tool("git")?);
    for var in [
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_CEILING_DIRECTORIES",
        "GIT_CONFIG",
        "GIT_CONFIG_PARAMETERS",
        "GIT_CONFIG_COUNT",
        "GIT_NAMESPACE",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_AUTHOR_NAME", GIT_USER_NAME)
        .env("GIT_AUTHOR_EMAIL", GIT_USER_EMAIL)
        .env("GIT_COMMITTER_NAME", GIT_USER_NAME)
        .env("GIT_COMMITTER_EMAIL", GIT_USER_EMAIL)
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "advice.detachedHead=false",
        ]);
    Ok(cmd)
}

/// Run `git <args>` (isolated, see [`git_command`]) in `dir`; its stdout
/// on success, an error with its output otherwise.
pub fn git(dir: &Path, args: &[&str]) -> Result<String> {
    let mut cmd = git_command()?;
    cmd.current_dir(dir).args(args);
    let out = tools::run_with_timeout("git", &mut cmd, GIT_TIMEOUT)?;
    if out.success() {
        Ok(out.stdout)
    } else {
        Err(RigError::new(format!(
            "git {} (in {}) failed\n{out}",
            args.join(" "),
            dir.display()
        )))
    }
}

/// Create the bare repository `<base>/<name>.git` (`name` may already end
/// in `.git`) with one commit on `main` holding `files` (`(path, contents)`,
/// parent directories created). Returns its path.
pub fn bare_repo(base: &Path, name: &str, files: &[(&str, &str)]) -> Result<PathBuf> {
    let bare = base.join(repo_dir_name(name));
    let work = tempfile::Builder::new()
        .prefix("gantry-git-work-")
        .tempdir()
        .context(|| "git: cannot create a temporary work tree".to_owned())?;
    git(work.path(), &["init", "-q", "-b", "main"])?;
    for (path, contents) in files {
        let file = work.path().join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)
                .context(|| format!("git: cannot create {}", parent.display()))?;
        }
        std::fs::write(&file, contents)
            .context(|| format!("git: cannot write {}", file.display()))?;
    }
    git(work.path(), &["add", "-A"])?;
    git(
        work.path(),
        &["commit", "-q", "--allow-empty", "-m", "Initial commit"],
    )?;
    std::fs::create_dir_all(base).context(|| format!("git: cannot create {}", base.display()))?;
    let bare_str = bare.to_string_lossy();
    git(base, &["init", "-q", "--bare", "-b", "main", &bare_str])?;
    git(work.path(), &["push", "-q", &bare_str, "main:main"])?;
    Ok(bare)
}

fn repo_dir_name(name: &str) -> String {
    if name.ends_with(".git") {
        name.to_owned()
    } else {
        format!("{name}.git")
    }
}

/// `<git --exec-path>/git-daemon`. Run directly, not as `git daemon`: `git`
/// runs it as a child process, and killing `git` would orphan the daemon.
fn git_daemon_binary() -> Result<PathBuf> {
    let exec_path = git(Path::new("/"), &["--exec-path"])?;
    let binary = Path::new(exec_path.trim()).join("git-daemon");
    if binary.is_file() {
        Ok(binary)
    } else {
        Err(RigError::new(format!(
            "git daemon: {} not found (is git's daemon part installed? run tests/rig/install.sh)",
            binary.display()
        )))
    }
}

/// A running `git daemon` exporting every repository under its base
/// directory, with push (`receive-pack`) enabled; killed on drop.
#[derive(Debug)]
pub struct GitDaemon {
    process: ServiceProcess,
    port: u16,
    base: PathBuf,
    _logs: tempfile::TempDir,
}

impl GitDaemon {
    /// Serve the repositories under `base_dir` (which must exist).
    pub fn start(base_dir: impl AsRef<Path>) -> Result<Self> {
        let base = base_dir
            .as_ref()
            .canonicalize()
            .context(|| format!("git daemon: base directory {}", base_dir.as_ref().display()))?;
        let daemon_binary = git_daemon_binary()?;
        let logs = tempfile::Builder::new()
            .prefix("gantry-git-daemon-")
            .tempdir()
            .context(|| "git daemon: cannot create its log directory".to_owned())?;
        let log = logs.path().join("git-daemon.log");
        let (process, port) = tools::start_on_free_port(
            "git daemon",
            &log,
            STARTUP_TIMEOUT,
            |port| {
                let mut cmd = Command::new(&daemon_binary);
                cmd.arg("--reuseaddr")
                    .arg("--verbose")
                    .arg("--informative-errors")
                    .arg(format!("--base-path={}", base.display()))
                    .arg("--export-all")
                    .arg("--enable=receive-pack")
                    .arg("--listen=127.0.0.1")
                    .arg(format!("--port={port}"))
                    .arg(&base)
                    .current_dir(&base)
                    .env_clear()
                    .env("GIT_CONFIG_NOSYSTEM", "1")
                    .env("GIT_CONFIG_GLOBAL", "/dev/null")
                    .env("HOME", &base);
                if let Some(path) = std::env::var_os("PATH") {
                    cmd.env("PATH", path);
                }
                Ok(cmd)
            },
            |port| ports::is_listening(&format!("127.0.0.1:{port}")),
        )?;
        Ok(Self {
            process,
            port,
            base,
            _logs: logs,
        })
    }

    /// `git://127.0.0.1:<port>/<repo>.git` (`repo` may already end in `.git`).
    pub fn url(&self, repo: &str) -> String {
        format!("git://127.0.0.1:{}/{}", self.port, repo_dir_name(repo))
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The served directory (canonical).
    pub fn base_dir(&self) -> &Path {
        &self.base
    }

    /// [`bare_repo`] under the served directory; returns its path.
    pub fn bare_repo(&self, name: &str, files: &[(&str, &str)]) -> Result<PathBuf> {
        bare_repo(&self.base, name, files)
    }

    /// The daemon's log so far.
    pub fn log(&self) -> String {
        self.process.log()
    }

    /// The daemon's process id.
    pub fn pid(&self) -> u32 {
        self.process.pid()
    }
}
