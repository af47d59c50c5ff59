//! The installer (`install/install.sh`, which `action.yml` and every action
//! under `actions/` run) against a fake release served over real HTTP from
//! 127.0.0.1.
//!
//! Each test builds, in its own temporary directory: an "action checkout"
//! (this repository's `action.yml` and `install/`, plus a generated
//! `manifests/`), a release archive of small shell-script stand-ins for the
//! five binaries, and the files a runner provides (`$GITHUB_OUTPUT`,
//! `$GITHUB_PATH`, tool cache, temp dir). The script runs under `bash` with a
//! cleared environment, so no `GITHUB_*` or `RUNNER_*` variable of the machine
//! running the tests can leak in.
//!
//! `installer_once.rs` reuses this rig for the skip path and the actions
//! cache stages.
#![cfg(unix)]

use std::collections::BTreeMap;
use std::error::Error;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use gantry_test_support::http_files::StaticServer;
use gantry_test_support::tools::GANTRY_BINARIES;
use sha2::{Digest, Sha256};

pub(crate) type TestResult = Result<(), Box<dyn Error>>;

pub(crate) const VERSION: &str = "0.42.0";
const TARGET: &str = "x86_64-unknown-linux-musl";

/// The version of the source builds (the action's Cargo.toml says so, and it
/// has no manifest).
pub(crate) const UNRELEASED: &str = "0.43.0";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub(crate) fn asset() -> String {
    format!("gantry-{VERSION}-{TARGET}.tar.gz")
}

/// The path the installer requests for the release archive.
pub(crate) fn asset_request() -> String {
    format!("/v{VERSION}/{}", asset())
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

pub(crate) fn write_executable(path: &Path, text: &str) -> Result<(), Box<dyn Error>> {
    fs::write(path, text)?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755))?;
    Ok(())
}

/// A shell script that stands in for a gantry binary and says which one it is.
pub(crate) fn stand_in(name: &str) -> String {
    format!("#!/bin/sh\necho \"{name} {VERSION} stand-in: $*\"\n")
}

/// Five stand-ins in `dir`, except those named in `skip`.
pub(crate) fn write_stand_ins(dir: &Path, skip: &[&str]) -> Result<(), Box<dyn Error>> {
    fs::create_dir_all(dir)?;
    for name in GANTRY_BINARIES.iter().filter(|name| !skip.contains(name)) {
        write_executable(&dir.join(name), &stand_in(name))?;
    }
    Ok(())
}

/// One temporary runner, action checkout and release server.
pub(crate) struct Rig {
    dir: tempfile::TempDir,
    pub(crate) server: StaticServer,
    /// Prepended to PATH (for a fake `cargo`).
    pub(crate) extra_path: Option<PathBuf>,
}

/// What one run of the installer did.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: Option<i32>,
    pub(crate) log: String,
    pub(crate) outputs: BTreeMap<String, String>,
    pub(crate) github_path: Vec<String>,
    /// What it added to `$GITHUB_ENV` (for the job's later steps).
    pub(crate) github_env: BTreeMap<String, String>,
}

impl Run {
    /// The `$GITHUB_ENV` variables it set, as later steps of the job see them.
    pub(crate) fn job_env(&self) -> Vec<(&str, &str)> {
        self.github_env
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_str()))
            .collect()
    }
}

impl Rig {
    pub(crate) fn new() -> Result<Self, Box<dyn Error>> {
        let dir = tempfile::tempdir()?;
        let root = dir.path();

        // The action checkout: action.yml and install/ as committed.
        let action = root.join("action");
        fs::create_dir_all(action.join("install"))?;
        fs::create_dir_all(action.join("manifests"))?;
        fs::copy(
            workspace_root().join("action.yml"),
            action.join("action.yml"),
        )?;
        for entry in fs::read_dir(workspace_root().join("install"))? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                fs::copy(entry.path(), action.join("install").join(entry.file_name()))?;
            }
        }
        fs::write(action.join("manifests/latest"), format!("{VERSION}\n"))?;

        // The release: gantry-<version>-<target>/ with the binaries and a
        // LICENSE, packed with tar as the release workflow packs it.
        let top = format!("gantry-{VERSION}-{TARGET}");
        let stage = root.join("stage");
        write_stand_ins(&stage.join(&top), &[])?;
        fs::write(stage.join(&top).join("LICENSE"), "MIT OR Apache-2.0\n")?;
        let release_dir = root.join("release").join(format!("v{VERSION}"));
        fs::create_dir_all(&release_dir)?;
        let archive = release_dir.join(asset());
        let tar = Command::new("tar")
            .arg("-czf")
            .arg(&archive)
            .arg("-C")
            .arg(&stage)
            .arg(&top)
            .status()?;
        assert!(tar.success(), "tar failed: {tar}");
        let hash = sha256_hex(&fs::read(&archive)?);
        // Another target's line first, as in a real manifest; then the
        // archive and each binary in it, as release.yml writes them.
        let mut manifest = format!(
            "{}  gantry-{VERSION}-aarch64-apple-darwin.tar.gz\n{hash}  {}\n",
            "0".repeat(64),
            asset()
        );
        for name in GANTRY_BINARIES {
            let binary = sha256_hex(&fs::read(stage.join(&top).join(name))?);
            manifest.push_str(&format!("{binary}  {top}/{name}\n"));
        }
        fs::write(action.join(format!("manifests/{VERSION}.sha256")), manifest)?;

        for sub in ["tool-cache", "runner-temp", "home"] {
            fs::create_dir_all(root.join(sub))?;
        }
        let server = StaticServer::serve(&root.join("release"))?;
        Ok(Self {
            dir,
            server,
            extra_path: None,
        })
    }

    pub(crate) fn root(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn action(&self) -> PathBuf {
        self.root().join("action")
    }

    pub(crate) fn archive(&self) -> PathBuf {
        self.root()
            .join("release")
            .join(format!("v{VERSION}"))
            .join(asset())
    }

    pub(crate) fn tool_cache(&self) -> PathBuf {
        self.root().join("tool-cache")
    }

    /// Where a release of VERSION for Linux X64 lands.
    pub(crate) fn release_bin_dir(&self) -> PathBuf {
        self.tool_cache().join("gantry").join(VERSION).join("x64")
    }

    /// The tool cache holds no gantry file at all, not even a partial one.
    pub(crate) fn assert_nothing_installed(&self) {
        let gantry = self.tool_cache().join("gantry");
        let leftovers: Vec<_> = walk(&gantry);
        assert!(leftovers.is_empty(), "tool cache not empty: {leftovers:?}");
    }

    /// Make the action's source say it is gantry UNRELEASED (which has no
    /// manifest, so `source: auto` builds it), name it in manifests/latest
    /// (the version installed by default), and put a fake `cargo` on
    /// PATH that logs its arguments to the returned file and "builds"
    /// stand-ins into `<--target-dir>/<--profile>`.
    pub(crate) fn with_fake_cargo(&mut self) -> Result<PathBuf, Box<dyn Error>> {
        fs::write(
            self.action().join("Cargo.toml"),
            format!(
                "[workspace]\nmembers = []\n\n[workspace.package]\nversion = \"{UNRELEASED}\"\n"
            ),
        )?;
        fs::write(
            self.action().join("manifests/latest"),
            format!("{UNRELEASED}\n"),
        )?;
        fs::write(
            self.action().join("rust-toolchain.toml"),
            "[toolchain]\nchannel = \"1.95.0\"\n",
        )?;
        let fake_bin = self.root().join("fake-bin");
        fs::create_dir_all(&fake_bin)?;
        let cargo_log = self.root().join("cargo.log");
        write_executable(
            &fake_bin.join("cargo"),
            &format!(
                r#"#!/bin/sh
printf '%s\n' "$*" >>'{log}'
target_dir=
profile=release
while [ $# -gt 0 ]; do
  if [ "$1" = --target-dir ]; then target_dir=$2; fi
  if [ "$1" = --profile ]; then profile=$2; fi
  shift
done
mkdir -p "$target_dir/$profile"
for bin in {bins}; do
  printf '#!/bin/sh\necho "%s built from source"\n' "$bin" >"$target_dir/$profile/$bin"
  chmod +x "$target_dir/$profile/$bin"
done
"#,
                log = cargo_log.display(),
                bins = GANTRY_BINARIES.join(" "),
            ),
        )?;
        self.extra_path = Some(fake_bin);
        Ok(cargo_log)
    }

    /// Start a new job on the same runner: the action's checkout loses what
    /// the installer recorded in it during the job (install/.job/).
    pub(crate) fn forget_job(&self) -> Result<(), Box<dyn Error>> {
        let record = self.action().join("install/.job");
        if record.exists() {
            fs::remove_dir_all(record)?;
        }
        Ok(())
    }

    /// Run install.sh with the runner environment, plus `env` on top.
    pub(crate) fn run(&self, env: &[(&str, &str)]) -> Result<Run, Box<dyn Error>> {
        let root = self.root();
        let output_file = root.join("github-output");
        let path_file = root.join("github-path");
        let env_file = root.join("github-env");
        fs::write(&output_file, "")?;
        fs::write(&path_file, "")?;
        fs::write(&env_file, "")?;

        let mut path = std::env::var("PATH").unwrap_or_default();
        if let Some(extra) = &self.extra_path {
            path = format!("{}:{path}", extra.display());
        }
        let output = Command::new("bash")
            .arg(self.action().join("install/install.sh"))
            .env_clear()
            .env("PATH", path)
            .env("HOME", root.join("home"))
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_ACTION_PATH", self.action())
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_PATH", &path_file)
            .env("GITHUB_ENV", &env_file)
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_TOOL_CACHE", self.tool_cache())
            .env("RUNNER_TEMP", root.join("runner-temp"))
            .env("GANTRY_DOWNLOAD_URL", self.server.url())
            .envs(env.iter().copied())
            .current_dir(root)
            .output()?;

        let run = Run {
            code: output.status.code(),
            log: format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
            outputs: parse_github_output(&fs::read_to_string(&output_file)?),
            github_path: fs::read_to_string(&path_file)?
                .lines()
                .map(str::to_owned)
                .collect(),
            github_env: parse_github_output(&fs::read_to_string(&env_file)?),
        };
        // Whatever happened, the installer cleaned up its temporary files.
        let temp_left = walk(&root.join("runner-temp"))
            .into_iter()
            .filter(|path| !path.to_string_lossy().contains("gantry-cargo-target"))
            .collect::<Vec<_>>();
        assert!(
            temp_left.is_empty(),
            "RUNNER_TEMP not cleaned: {temp_left:?}\n{}",
            run.log
        );
        Ok(run)
    }
}

/// Every file and directory under `dir` (empty when it does not exist).
pub(crate) fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        }
        found.push(path);
    }
    found
}

/// `$GITHUB_OUTPUT` in either of its forms: `key=value` lines, or
/// `key<<DELIMITER` … `DELIMITER` blocks.
fn parse_github_output(text: &str) -> BTreeMap<String, String> {
    let mut outputs = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let heredoc = line.split_once("<<").filter(|(key, _)| !key.contains('='));
        if let Some((key, delimiter)) = heredoc {
            let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delimiter).collect();
            outputs.insert(key.to_owned(), value.join("\n"));
        } else if let Some((key, value)) = line.split_once('=') {
            outputs.insert(key.to_owned(), value.to_owned());
        }
    }
    outputs
}

pub(crate) fn outputs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn downloads_verifies_and_installs_a_release() -> TestResult {
    let rig = Rig::new()?;
    let run = rig.run(&[])?;
    assert_eq!(run.code, Some(0), "{}", run.log);

    let bin_dir = rig.release_bin_dir();
    for name in GANTRY_BINARIES {
        let mode = fs::metadata(bin_dir.join(name))?.permissions().mode();
        assert_eq!(mode & 0o111, 0o111, "{name} is not executable");
    }
    assert!(bin_dir.join("LICENSE").is_file());
    assert!(
        rig.tool_cache()
            .join("gantry")
            .join(VERSION)
            .join("x64.complete")
            .is_file()
    );
    let bin_dir_text = bin_dir.to_string_lossy().into_owned();
    assert_eq!(run.github_path, std::slice::from_ref(&bin_dir_text));
    assert_eq!(
        run.outputs,
        outputs(&[
            ("version", VERSION),
            ("bin-dir", &bin_dir_text),
            ("source", "release"),
            ("cache-hit", "false"),
        ])
    );
    assert_eq!(rig.server.requests(), [asset_request()]);
    assert!(
        run.log.contains("::group::Download and verify"),
        "{}",
        run.log
    );
    assert!(
        run.log
            .contains(&format!("matches manifests/{VERSION}.sha256")),
        "{}",
        run.log
    );

    // What was installed is the release's binary, and it runs.
    let ran = Command::new(bin_dir.join("gantry-tag"))
        .args(["inspect", "nginx"])
        .output()?;
    assert!(ran.status.success());
    assert_eq!(
        String::from_utf8_lossy(&ran.stdout),
        format!("gantry-tag {VERSION} stand-in: inspect nginx\n")
    );
    Ok(())
}

#[test]
fn second_run_uses_the_tool_cache_without_downloading() -> TestResult {
    let rig = Rig::new()?;
    let first = rig.run(&[("INPUT_VERSION", VERSION)])?;
    assert_eq!(first.code, Some(0), "{}", first.log);
    assert_eq!(first.outputs["cache-hit"], "false");
    assert_eq!(rig.server.requests().len(), 1);

    let second = rig.run(&[("INPUT_VERSION", VERSION)])?;
    assert_eq!(second.code, Some(0), "{}", second.log);
    assert_eq!(second.outputs["cache-hit"], "true");
    assert_eq!(second.outputs["source"], "release");
    assert_eq!(second.outputs["bin-dir"], first.outputs["bin-dir"]);
    assert_eq!(second.github_path, first.github_path);
    assert_eq!(
        rig.server.requests(),
        [asset_request()],
        "no second download"
    );
    Ok(())
}

/// A binary planted in the tool cache after a good install (by another
/// job's step, a compromised tool) must not run on the next install: the
/// cache is checked against the committed checksums on every hit.
#[test]
fn a_binary_planted_in_the_cache_is_caught_and_replaced() -> TestResult {
    let rig = Rig::new()?;
    let first = rig.run(&[])?;
    assert_eq!(first.code, Some(0), "{}", first.log);
    let planted = rig.release_bin_dir().join("gantry-tag");
    write_executable(&planted, "#!/bin/sh\necho planted\n")?;

    let second = rig.run(&[])?;
    assert_eq!(second.code, Some(0), "{}", second.log);
    assert_eq!(second.outputs["cache-hit"], "false");
    let warning = second
        .log
        .lines()
        .find(|line| line.starts_with("::warning title=gantry install::"))
        .unwrap_or_default();
    assert!(
        warning.contains("does not match manifests/0.42.0.sha256")
            && warning.contains("gantry-tag has sha256"),
        "{}",
        second.log
    );
    assert_eq!(
        rig.server.requests(),
        [asset_request(), asset_request()],
        "downloaded again"
    );
    assert_eq!(fs::read_to_string(&planted)?, stand_in("gantry-tag"));

    // A clean cache is a hit again.
    let third = rig.run(&[])?;
    assert_eq!(third.outputs["cache-hit"], "true", "{}", third.log);
    Ok(())
}

/// A manifest that pins only the archive cannot vouch for a cached
/// directory: every install downloads and verifies.
#[test]
fn without_binary_checksums_the_cache_is_never_trusted() -> TestResult {
    let rig = Rig::new()?;
    let manifest = rig.action().join(format!("manifests/{VERSION}.sha256"));
    let archive_only: String = fs::read_to_string(&manifest)?
        .lines()
        .filter(|line| line.ends_with(".tar.gz"))
        .map(|line| format!("{line}\n"))
        .collect();
    fs::write(&manifest, archive_only)?;
    for _ in 0..2 {
        let run = rig.run(&[])?;
        assert_eq!(run.code, Some(0), "{}", run.log);
        assert_eq!(run.outputs["cache-hit"], "false");
    }
    assert_eq!(rig.server.requests(), [asset_request(), asset_request()]);
    Ok(())
}

/// An archive whose checksum matches but whose binaries do not (a manifest
/// edited by hand, a bad release) installs nothing.
#[test]
fn a_binary_that_differs_from_its_line_fails_the_install() -> TestResult {
    let rig = Rig::new()?;
    let manifest = rig.action().join(format!("manifests/{VERSION}.sha256"));
    let edited = fs::read_to_string(&manifest)?.replace(
        &sha256_hex(stand_in("gantry-patch").as_bytes()),
        &"1".repeat(64),
    );
    fs::write(&manifest, edited)?;
    let run = rig.run(&[])?;
    assert_eq!(run.code, Some(1), "{}", run.log);
    assert!(run.log.contains("a binary in it does not"), "{}", run.log);
    assert!(run.log.contains("gantry-patch"), "{}", run.log);
    rig.assert_nothing_installed();
    Ok(())
}

#[test]
fn checksum_mismatch_fails_and_installs_nothing() -> TestResult {
    let rig = Rig::new()?;
    let actual = sha256_hex(&fs::read(rig.archive())?);
    let expected = sha256_hex(b"a different archive");
    fs::write(
        rig.action().join(format!("manifests/{VERSION}.sha256")),
        format!("{expected}  {}\n", asset()),
    )?;

    let run = rig.run(&[])?;
    assert_eq!(run.code, Some(1), "{}", run.log);
    let error = run
        .log
        .lines()
        .find(|line| line.starts_with("::error title=gantry install::"))
        .unwrap_or_default();
    assert!(error.contains(&asset()), "{}", run.log);
    assert!(error.contains(&expected), "{}", run.log);
    assert!(error.contains(&actual), "{}", run.log);
    rig.assert_nothing_installed();
    assert!(run.github_path.is_empty());
    assert!(run.outputs.is_empty());
    assert_eq!(rig.server.requests(), [asset_request()]);
    Ok(())
}

#[test]
fn unknown_platform_is_bad_input_and_downloads_nothing() -> TestResult {
    let rig = Rig::new()?;
    for (os, arch, named) in [("Plan9", "X64", "Plan9"), ("Linux", "S390X", "S390X")] {
        let run = rig.run(&[("RUNNER_OS", os), ("RUNNER_ARCH", arch)])?;
        assert_eq!(run.code, Some(2), "{}", run.log);
        assert!(
            run.log
                .contains("::error title=gantry install::unsupported platform"),
            "{}",
            run.log
        );
        assert!(run.log.contains(named), "{}", run.log);
        assert!(
            run.log
                .contains("Linux X64, Linux ARM64, macOS X64, macOS ARM64, Windows X64"),
            "{}",
            run.log
        );
    }
    assert!(rig.server.requests().is_empty());
    rig.assert_nothing_installed();
    Ok(())
}

#[test]
fn source_path_checks_every_binary() -> TestResult {
    let rig = Rig::new()?;
    let incomplete = rig.root().join("incomplete");
    write_stand_ins(&incomplete, &["gantry-canary"])?;
    let run = rig.run(&[
        ("INPUT_SOURCE", "path"),
        ("INPUT_PATH", &incomplete.to_string_lossy()),
    ])?;
    assert_eq!(run.code, Some(2), "{}", run.log);
    assert!(run.log.contains("lacks gantry-canary"), "{}", run.log);
    assert!(run.github_path.is_empty());

    let not_executable = rig.root().join("not-executable");
    write_stand_ins(&not_executable, &[])?;
    fs::set_permissions(
        not_executable.join("gantry-patch"),
        fs::Permissions::from_mode(0o644),
    )?;
    let run = rig.run(&[("INPUT_PATH", &not_executable.to_string_lossy())])?;
    assert_eq!(run.code, Some(2), "{}", run.log);
    assert!(run.log.contains("gantry-patch"), "{}", run.log);
    assert!(run.log.contains("not executable"), "{}", run.log);

    let missing = rig.root().join("no-such-dir");
    let run = rig.run(&[("INPUT_PATH", &missing.to_string_lossy())])?;
    assert_eq!(run.code, Some(2), "{}", run.log);
    assert!(run.log.contains("is not a directory"), "{}", run.log);

    // A complete directory is used where it is (source auto + path = path).
    let complete = rig.root().join("complete");
    write_stand_ins(&complete, &[])?;
    let run = rig.run(&[("INPUT_PATH", &complete.to_string_lossy())])?;
    assert_eq!(run.code, Some(0), "{}", run.log);
    let dir = complete.to_string_lossy().into_owned();
    assert_eq!(run.github_path, std::slice::from_ref(&dir));
    assert_eq!(
        run.outputs,
        outputs(&[
            ("version", VERSION),
            ("bin-dir", &dir),
            ("source", "path"),
            ("cache-hit", "false"),
        ])
    );

    assert!(rig.server.requests().is_empty());
    rig.assert_nothing_installed();
    Ok(())
}

#[test]
fn source_release_without_a_manifest_is_bad_input() -> TestResult {
    let rig = Rig::new()?;
    let run = rig.run(&[("INPUT_SOURCE", "release"), ("INPUT_VERSION", "0.43.0")])?;
    assert_eq!(run.code, Some(2), "{}", run.log);
    assert!(
        run.log.contains("gantry 0.43.0 has no release manifest"),
        "{}",
        run.log
    );
    assert!(run.log.contains("manifests/0.43.0.sha256"), "{}", run.log);
    assert!(rig.server.requests().is_empty());
    rig.assert_nothing_installed();
    Ok(())
}

#[test]
fn http_404_is_a_download_failure_after_retries() -> TestResult {
    let rig = Rig::new()?;
    fs::remove_file(rig.archive())?;
    let run = rig.run(&[("GANTRY_DOWNLOAD_RETRIES", "1")])?;
    assert_eq!(run.code, Some(1), "{}", run.log);
    assert!(
        run.log.contains(&format!("download of {}", asset())),
        "{}",
        run.log
    );
    assert!(run.log.contains("curl exit code 22"), "{}", run.log);
    // One try and one retry (curl --retry 1 --retry-all-errors).
    assert_eq!(rig.server.requests(), [asset_request(), asset_request()]);
    rig.assert_nothing_installed();
    assert!(run.outputs.is_empty());
    Ok(())
}

#[test]
fn bad_inputs_exit_2_before_any_download() -> TestResult {
    let rig = Rig::new()?;
    let cases: [(&[(&str, &str)], &str); 5] = [
        (
            &[("INPUT_SOURCE", "nightly")],
            "source: unknown value 'nightly'",
        ),
        (
            &[("INPUT_VERSION", "1.2")],
            "version: '1.2' is not a release version",
        ),
        (
            &[("INPUT_SOURCE", "path")],
            "source: path needs the path input",
        ),
        (
            &[("INPUT_SOURCE", "release"), ("INPUT_PATH", "/tmp")],
            "the path input goes with source: path",
        ),
        (
            &[("GANTRY_DOWNLOAD_URL", "http://downloads.example.com/gantry")],
            "GANTRY_DOWNLOAD_URL must be an https:// URL",
        ),
    ];
    for (env, message) in cases {
        let run = rig.run(env)?;
        assert_eq!(run.code, Some(2), "{env:?}\n{}", run.log);
        assert!(run.log.contains(message), "{env:?}\n{}", run.log);
        assert!(run.outputs.is_empty(), "{env:?}");
    }
    assert!(rig.server.requests().is_empty());
    rig.assert_nothing_installed();
    Ok(())
}

#[test]
fn auto_builds_from_source_when_the_version_is_not_released() -> TestResult {
    let mut rig = Rig::new()?;
    // The action's own source says it is 0.43.0, which has no manifest.
    let cargo_log = rig.with_fake_cargo()?;

    let run = rig.run(&[("INPUT_VERSION", UNRELEASED)])?;
    assert_eq!(run.code, Some(0), "{}", run.log);
    assert!(
        run.log.contains(&format!(
            "::notice title=gantry install::gantry {UNRELEASED} has no release manifest"
        )),
        "{}",
        run.log
    );
    assert_eq!(run.outputs["source"], "cargo");
    assert_eq!(run.outputs["version"], UNRELEASED);
    assert_eq!(run.outputs["cache-hit"], "false");
    let bin_dir = PathBuf::from(&run.outputs["bin-dir"]);
    let version_dir = bin_dir
        .parent()
        .and_then(Path::file_name)
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    assert!(
        version_dir.starts_with(&format!("{UNRELEASED}+src.")),
        "a source build is cached apart from releases: {version_dir}"
    );
    assert!(bin_dir.ends_with("x64"));
    assert!(PathBuf::from(format!("{}.complete", bin_dir.display())).is_file());
    let ran = Command::new(bin_dir.join("gantry-rollback")).output()?;
    assert_eq!(
        String::from_utf8_lossy(&ran.stdout),
        "gantry-rollback built from source\n"
    );
    let cargo_calls = fs::read_to_string(&cargo_log)?;
    let target_dir = rig.root().join("runner-temp/gantry-cargo-target");
    assert_eq!(
        cargo_calls,
        format!(
            "build --profile fast-release --locked --bins --target-dir {}\n",
            target_dir.display()
        )
    );

    // Cached: the second run neither builds nor downloads.
    let again = rig.run(&[("INPUT_VERSION", UNRELEASED)])?;
    assert_eq!(again.code, Some(0), "{}", again.log);
    assert_eq!(again.outputs["cache-hit"], "true");
    assert_eq!(fs::read_to_string(&cargo_log)?, cargo_calls);

    // A binary replaced in the cache does not match the hashes recorded at
    // build time: the cache entry is dropped and built again. (In a later
    // job: the runner downloads the action afresh, without this job's
    // record; installer_once.rs tests the record.)
    rig.forget_job()?;
    write_executable(
        &bin_dir.join("gantry-rollback"),
        "#!/bin/sh\necho planted\n",
    )?;
    let rebuilt = rig.run(&[("INPUT_VERSION", UNRELEASED)])?;
    assert_eq!(rebuilt.code, Some(0), "{}", rebuilt.log);
    assert_eq!(rebuilt.outputs["cache-hit"], "false");
    assert!(
        rebuilt
            .log
            .contains("does not match the hashes recorded when it was built"),
        "{}",
        rebuilt.log
    );
    assert_eq!(fs::read_to_string(&cargo_log)?.lines().count(), 2);
    let ran = Command::new(bin_dir.join("gantry-rollback")).output()?;
    assert_eq!(
        String::from_utf8_lossy(&ran.stdout),
        "gantry-rollback built from source\n"
    );

    // Asking cargo for a version other than the source's is refused.
    let other = rig.run(&[("INPUT_SOURCE", "cargo"), ("INPUT_VERSION", "0.44.0")])?;
    assert_eq!(other.code, Some(2), "{}", other.log);
    assert!(
        other.log.contains(&format!("which is gantry {UNRELEASED}")),
        "{}",
        other.log
    );

    assert!(rig.server.requests().is_empty());
    Ok(())
}
