//! The bad-input corpus: table-driven runs of the gantry binaries with
//! input a careless or hostile user would give, each checked for the same
//! promises (docs/cli.md):
//!
//! - the exit code is the documented one (2 for bad input, 3 for an outside
//!   service), never a panic, an abort or a kill by the time limit;
//! - the message names the input (every [`Case::names`] string appears in
//!   stderr or stdout);
//! - nothing changed: no byte of the case's tree (`{dir}`), and no request
//!   other than GET/HEAD reached a recorder server (`{recorder}`);
//! - no secret leaked: the decoy credentials every case runs with
//!   ([`DECOYS`]) and the case's own [`Case::secret`]s, nor their base64
//!   forms, appear in stdout, stderr, `$GITHUB_OUTPUT`, `$GITHUB_ENV`, the
//!   step summary or any file the run wrote under `{out}` (except in the
//!   `::add-mask::` lines that hand a secret to the runner, which never
//!   shows them).
//!
//! ```no_run
//! use gantry_test_support::corpus::{case, run_table};
//! run_table(vec![
//!     case("inspect-bad-ref", "gantry-tag", ["inspect", "Bad:Ref"]).exit(2).names("Bad:Ref"),
//!     case("resolve-hangs", "gantry-tag", ["resolve", "{hang}/app:1", "--registry-timeout", "1s"])
//!         .env("GANTRY_INSECURE_REGISTRIES", "{hang}")
//!         .exit(3)
//!         .names("{hang}"),
//! ]);
//! ```
//!
//! Placeholders, replaced in arguments, environment values, file contents
//! and `names`:
//!
//! | placeholder | becomes |
//! |---|---|
//! | `{dir}` | the case's tree: files of [`Case::file`] and [`Case::setup`], checked unchanged after the run |
//! | `{out}` | an empty directory for what the run may write (reports); scanned for secrets |
//! | `{hang}` | `127.0.0.1:PORT` of a server that accepts and never answers |
//! | `{endless}` | … of a server whose `200` JSON body never ends |
//! | `{endless-manifest}` | … the same with an OCI manifest media type |
//! | `{garbage}` | … of a server that answers bytes that are not HTTP |
//! | `{refused}` | … of a port where nothing listens |
//! | `{recorder}` | … of a server that answers 404 and fails the case on any write |
//! | `{not-a-manifest}` | … of a server whose every answer is `200` JSON that is no manifest (`{"hello":"world"}` as an OCI manifest, with a matching digest) |
//! | `{hang-socket}` | the path of a unix socket that accepts and never answers (`DOCKER_HOST=unix://{hang-socket}`) |

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use crate::cli::{RunResult, gantry};
use crate::hostile::{Behaviour, HangingSocket, HostileServer, refused_addr};
use crate::ports::base64;

/// Credentials every case runs with, in the variables gantry reads them
/// from; none may appear in any output. `(variable, value)`.
pub const DECOYS: &[(&str, &str)] = &[
    ("GANTRY_TOKEN", "gantry-corpus-token-5b1f9e"),
    ("GITHUB_TOKEN", "ghs_corpusGithubToken0c7d2a"),
    ("GANTRY_REGISTRY_USERNAME", "corpus-user"),
    ("GANTRY_REGISTRY_PASSWORD", "corpus-registry-pass-3e8a"),
];

/// The time limit of one case unless [`Case::timeout`] says otherwise.
pub const DEFAULT_CASE_TIMEOUT: Duration = Duration::from_secs(45);

/// Cases run at once.
const PARALLEL: usize = 6;

/// A check of its own a case adds: `Err(why)` fails it.
pub type Check = fn(&CaseRun<'_>) -> Result<(), String>;

/// Set-up run in the case's tree before the run (make a FIFO, a git
/// repository, a symlink); `Err(why)` fails the case.
pub type Setup = fn(&Path) -> Result<(), String>;

/// One row of a corpus table; see [`case`].
#[derive(Debug, Clone)]
pub struct Case {
    name: String,
    bin: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    env_remove: Vec<String>,
    files: Vec<(String, Vec<u8>)>,
    setups: Vec<Setup>,
    checks: Vec<Check>,
    exit: i32,
    names: Vec<String>,
    secrets: Vec<String>,
    decoys: bool,
    timeout: Duration,
}

/// A case `name` (unique in its table) running `bin` with `args`; expects
/// exit code 2 unless [`Case::exit`] says otherwise.
pub fn case<I, S>(name: &str, bin: &str, args: I) -> Case
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    Case {
        name: name.to_owned(),
        bin: bin.to_owned(),
        args: args.into_iter().map(Into::into).collect(),
        env: Vec::new(),
        env_remove: Vec::new(),
        files: Vec::new(),
        setups: Vec::new(),
        checks: Vec::new(),
        exit: 2,
        names: Vec::new(),
        secrets: Vec::new(),
        decoys: true,
        timeout: DEFAULT_CASE_TIMEOUT,
    }
}

impl Case {
    /// Expect this exit code.
    pub fn exit(mut self, code: i32) -> Self {
        self.exit = code;
        self
    }

    /// A string the output must contain: the input the message names.
    pub fn names(mut self, text: &str) -> Self {
        self.names.push(text.to_owned());
        self
    }

    /// Set a variable (placeholders are replaced).
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Remove a variable, a decoy included.
    pub fn env_remove(mut self, name: &str) -> Self {
        self.env_remove.push(name.to_owned());
        self
    }

    /// Write `contents` at `path` under `{dir}` before the run
    /// (placeholders are replaced).
    pub fn file(mut self, path: &str, contents: impl Into<Vec<u8>>) -> Self {
        self.files.push((path.to_owned(), contents.into()));
        self
    }

    /// Run `setup` in `{dir}` after the files are written.
    pub fn setup(mut self, setup: Setup) -> Self {
        self.setups.push(setup);
        self
    }

    /// A check of the case's own, after the common ones.
    pub fn check(mut self, check: Check) -> Self {
        self.checks.push(check);
        self
    }

    /// A secret of the case's own (also checked in base64).
    pub fn secret(mut self, secret: &str) -> Self {
        self.secrets.push(secret.to_owned());
        self
    }

    /// Run without the decoy credentials (where their presence would change
    /// what is tested).
    pub fn no_decoys(mut self) -> Self {
        self.decoys = false;
        self
    }

    /// The time limit of the run.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The case's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// What a check of [`Case::check`] sees.
#[derive(Debug)]
pub struct CaseRun<'a> {
    /// The run.
    pub run: &'a RunResult,
    /// The case's tree, `{dir}`.
    pub dir: &'a Path,
    /// `{out}`.
    pub out: &'a Path,
    /// The servers the case used, by placeholder name (`hang`, `recorder`, …).
    pub servers: &'a BTreeMap<&'static str, HostileServer>,
}

/// Run every case (several at once) and fail with the list of every case
/// that broke a promise. Returns how many cases ran.
pub fn run_table(cases: Vec<Case>) -> usize {
    let mut names = std::collections::BTreeSet::new();
    for c in &cases {
        assert!(
            names.insert(c.name.clone()),
            "case name used twice: {}",
            c.name
        );
    }
    let total = cases.len();
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    thread::scope(|scope| {
        for _ in 0..PARALLEL.min(total.max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(c) = cases.get(i) else { break };
                    if let Err(why) = run_case(c) {
                        failures
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .push(format!("case `{}`: {why}", c.name));
                    }
                }
            });
        }
    });
    let failures = failures
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    assert!(
        failures.is_empty(),
        "{} of {total} corpus case(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    total
}

/// Placeholders that start a server, with what it does.
const SERVERS: &[&str] = &[
    "hang",
    "endless",
    "endless-manifest",
    "garbage",
    "refused",
    "recorder",
    "not-a-manifest",
];

fn run_case(c: &Case) -> Result<(), String> {
    let tmp = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
    let dir = tmp.path().join("tree");
    let out = tmp.path().join("out");
    let gh = tmp.path().join("gh");
    for d in [&dir, &out] {
        std::fs::create_dir_all(d).map_err(|e| format!("mkdir {}: {e}", d.display()))?;
    }

    // Start only the servers the case mentions.
    let mentions = |needle: &str| {
        let needle = format!("{{{needle}}}");
        c.args.iter().any(|a| a.contains(&needle))
            || c.env.iter().any(|(_, v)| v.contains(&needle))
            || c.files
                .iter()
                .any(|(_, f)| String::from_utf8_lossy(f).contains(&needle))
    };
    let mut servers = BTreeMap::new();
    let mut addrs: Vec<(String, String)> = vec![
        ("{dir}".into(), dir.display().to_string()),
        ("{out}".into(), out.display().to_string()),
    ];
    for &name in SERVERS {
        if !mentions(name) {
            continue;
        }
        let addr = if name == "refused" {
            refused_addr().map_err(|e| format!("refused port: {e}"))?
        } else {
            let behaviour = match name {
                "hang" => Behaviour::Hang,
                "endless" => Behaviour::EndlessBody {
                    content_type: "application/json".into(),
                },
                "endless-manifest" => Behaviour::EndlessBody {
                    content_type: "application/vnd.oci.image.manifest.v1+json".into(),
                },
                "garbage" => Behaviour::Garbage,
                "not-a-manifest" => Behaviour::Fixed {
                    content_type: "application/vnd.oci.image.manifest.v1+json".into(),
                    body: r#"{"hello":"world"}"#.into(),
                },
                _ => Behaviour::Recorder,
            };
            let server = HostileServer::start(behaviour).map_err(|e| format!("{name}: {e}"))?;
            let addr = server.addr().to_owned();
            servers.insert(name, server);
            addr
        };
        addrs.push((format!("{{{name}}}"), addr));
    }
    // Outside `{dir}`: the tree must not change, and a socket is no file.
    let _socket = if mentions("hang-socket") {
        let path = tmp.path().join("hang.sock");
        let socket = HangingSocket::start(&path).map_err(|e| format!("hang-socket: {e}"))?;
        addrs.push(("{hang-socket}".into(), path.display().to_string()));
        Some(socket)
    } else {
        None
    };
    let fill = |text: &str| {
        addrs
            .iter()
            .fold(text.to_owned(), |t, (from, to)| t.replace(from, to))
    };

    for (path, contents) in &c.files {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("mkdir: {e}"))?;
        }
        let contents = match String::from_utf8(contents.clone()) {
            Ok(text) => fill(&text).into_bytes(),
            Err(_) => contents.clone(),
        };
        std::fs::write(&path, contents).map_err(|e| format!("write {}: {e}", path.display()))?;
    }
    for setup in &c.setups {
        setup(&dir).map_err(|why| format!("set-up: {why}"))?;
    }
    let before = snapshot(&dir)?;

    let mut cmd = gantry(&c.bin)
        .map_err(|e| e.to_string())?
        .args(c.args.iter().map(|a| fill(a)))
        .current_dir(&dir)
        .timeout(c.timeout);
    if c.decoys {
        for (name, value) in DECOYS {
            cmd = cmd.env(name, value);
        }
    }
    for (name, value) in &c.env {
        cmd = cmd.env(name, fill(value));
    }
    for name in &c.env_remove {
        cmd = cmd.env_remove(name);
    }
    let run = cmd
        .github_actions(&gh)
        .map_err(|e| e.to_string())?
        .run()
        .map_err(|e| e.to_string())?;

    let mut problems = Vec::new();
    match run.code {
        None => problems.push(format!(
            "killed (signal, or over its {:?} time limit)",
            c.timeout
        )),
        Some(code) if code != c.exit => {
            problems.push(format!("exit code {code}, expected {}", c.exit));
        }
        Some(_) => {}
    }
    let both = format!("{}\n{}", run.stdout, run.stderr);
    for marker in ["panicked at", "RUST_BACKTRACE", "stack backtrace"] {
        if both.contains(marker) {
            problems.push(format!("panicked ({marker:?} in the output)"));
        }
    }
    for name in &c.names {
        let name = fill(name);
        if !both.contains(&name) {
            problems.push(format!("the output does not name {name:?}"));
        }
    }

    let after = snapshot(&dir)?;
    if before != after {
        problems.push(format!("the tree changed: {}", diff_trees(&before, &after)));
    }
    if let Some(recorder) = servers.get("recorder") {
        let writes = recorder.writes();
        if !writes.is_empty() {
            problems.push(format!("writes reached the recorder: {writes:?}"));
        }
    }

    let mut secrets: Vec<String> = c.secrets.clone();
    if c.decoys {
        secrets.extend(DECOYS.iter().map(|(_, v)| (*v).to_owned()));
        let user = DECOYS
            .iter()
            .find(|(n, _)| *n == "GANTRY_REGISTRY_USERNAME")
            .map_or("", |(_, v)| *v);
        let pass = DECOYS
            .iter()
            .find(|(n, _)| *n == "GANTRY_REGISTRY_PASSWORD")
            .map_or("", |(_, v)| *v);
        secrets.push(format!("{user}:{pass}"));
    }
    let mut texts: Vec<(String, String)> = vec![
        ("stdout".into(), without_mask_commands(&run.stdout)),
        ("stderr".into(), without_mask_commands(&run.stderr)),
    ];
    for (label, text) in [
        ("GITHUB_OUTPUT", run.outputs_raw()),
        ("GITHUB_STEP_SUMMARY", run.step_summary()),
    ] {
        texts.push((label.into(), text.unwrap_or_default()));
    }
    if let Ok(text) = std::fs::read_to_string(gh.join("github_env")) {
        texts.push(("GITHUB_ENV".into(), text));
    }
    for (path, bytes) in snapshot(&out)? {
        texts.push((
            format!("{{out}}/{path}"),
            String::from_utf8_lossy(&bytes).into_owned(),
        ));
    }
    for secret in &secrets {
        let forms = [secret.clone(), base64(secret.as_bytes())];
        for form in forms.iter().filter(|f| f.len() >= 4) {
            for (label, text) in &texts {
                if text.contains(form.as_str()) {
                    problems.push(format!("a secret ({form:?}) is in {label}"));
                }
            }
        }
    }

    let case_run = CaseRun {
        run: &run,
        dir: &dir,
        out: &out,
        servers: &servers,
    };
    for check in &c.checks {
        if let Err(why) = check(&case_run) {
            problems.push(why);
        }
    }

    if problems.is_empty() {
        return Ok(());
    }
    let mut report = problems.join("; ");
    let _ = write!(
        report,
        "\n  args: {:?}\n  {}",
        c.args.iter().map(|a| fill(a)).collect::<Vec<_>>(),
        run.to_string().replace('\n', "\n  ")
    );
    Err(report)
}

/// `text` without its `::add-mask::VALUE` lines: that command is how a
/// secret is hidden (the runner takes the line and shows it nowhere), so
/// the value on it is not a leak. Every other line is kept.
fn without_mask_commands(text: &str) -> String {
    text.split_inclusive('\n')
        .filter(|line| !line.starts_with("::add-mask::"))
        .collect()
}

/// Every regular file under `root` (relative path → bytes), symlinks as
/// `-> target`, other special files by kind; the whole state a run could
/// change.
fn snapshot(root: &Path) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let mut files = BTreeMap::new();
    let mut stack: Vec<PathBuf> = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries =
            std::fs::read_dir(&dir).map_err(|e| format!("read_dir {}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("read_dir {}: {e}", dir.display()))?;
            let path = entry.path();
            let rel = path
                .strip_prefix(root)
                .map_err(|e| e.to_string())?
                .display()
                .to_string();
            let kind = entry.file_type().map_err(|e| e.to_string())?;
            if kind.is_symlink() {
                let target = std::fs::read_link(&path).map_err(|e| e.to_string())?;
                files.insert(rel, format!("-> {}", target.display()).into_bytes());
            } else if kind.is_dir() {
                files.insert(format!("{rel}/"), Vec::new());
                stack.push(path);
            } else if kind.is_file() {
                let bytes =
                    std::fs::read(&path).map_err(|e| format!("read {}: {e}", path.display()))?;
                files.insert(rel, bytes);
            } else {
                files.insert(rel, b"(special file)".to_vec());
            }
        }
    }
    Ok(files)
}

fn diff_trees(before: &BTreeMap<String, Vec<u8>>, after: &BTreeMap<String, Vec<u8>>) -> String {
    let mut changes = Vec::new();
    for (path, bytes) in before {
        match after.get(path) {
            None => changes.push(format!("{path} removed")),
            Some(now) if now != bytes => changes.push(format!("{path} changed")),
            Some(_) => {}
        }
    }
    for path in after.keys() {
        if !before.contains_key(path) {
            changes.push(format!("{path} created"));
        }
    }
    changes.join(", ")
}
