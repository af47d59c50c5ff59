//! Installing once per job (docs/install.md, "Install once per job"), through
//! `install/install.sh` with the rig of `installer.rs` (a real HTTP server on
//! 127.0.0.1, a fake `cargo`):
//!
//! - the skip path: a later action in the job finds gantry installed (the
//!   `GANTRY_INSTALL_*` variables an earlier install put in `$GITHUB_ENV`)
//!   and skips the installer, but only when every binary there matches the
//!   hashes of the action's own checkout and nothing else is in the
//!   directory;
//! - the actions cache of source builds: the plan stage names the entry
//!   (key and path) instead of building, the build stage checks what the
//!   restore step put there against the hashes recorded at build time, and
//!   builds (then `built=true` for the save step) when it does not match.
//!
//! `act` runs the same steps in `installer_act.rs`.
#![cfg(unix)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use gantry_test_support::tools::GANTRY_BINARIES;

use crate::installer::{
    Rig, Run, TestResult, UNRELEASED, VERSION, asset_request, sha256_hex, stand_in,
    write_executable, write_stand_ins,
};

const PLAN: (&str, &str) = ("GANTRY_INSTALL_STAGE", "plan");
const BUILD: (&str, &str) = ("GANTRY_INSTALL_STAGE", "build");
const RESTORED: (&str, &str) = ("GANTRY_CACHE_RESTORED", "true");
/// No actions cache (a self-hosted runner's tool cache alone).
const NO_CACHE: (&str, &str) = ("GANTRY_INSTALL_CACHE", "false");

/// The first warning annotation of a run, empty when there is none.
fn first_warning(run: &Run) -> &str {
    run.log
        .lines()
        .find(|line| line.starts_with("::warning title=gantry install::"))
        .unwrap_or_default()
}

/// `env` followed by the `$GITHUB_ENV` of an earlier run: what a later step
/// of the same job sees.
fn in_job<'a>(earlier: &'a Run, env: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all = env.to_vec();
    all.extend(earlier.job_env());
    all
}

fn cargo_calls(log: &Path) -> usize {
    fs::read_to_string(log)
        .map(|text| text.lines().count())
        .unwrap_or(0)
}

fn copy_dir(from: &Path, to: &Path) -> TestResult {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// A later job on a fresh runner: the action's checkout and the tool cache
/// start empty, the plan stage names the entry at `cache_path`, and
/// actions/cache/restore puts `entry` there.
fn restore(rig: &Rig, entry: &Path, cache_path: &Path) -> TestResult {
    rig.forget_job()?;
    if rig.tool_cache().exists() {
        fs::remove_dir_all(rig.tool_cache())?;
    }
    fs::create_dir_all(rig.tool_cache())?;
    let plan = rig.run(&[PLAN])?;
    assert_eq!(plan.code, Some(0), "{}", plan.log);
    assert_eq!(
        Path::new(&plan.outputs["cache-path"]),
        cache_path,
        "{}",
        plan.log
    );
    copy_dir(entry, cache_path)
}

#[test]
fn an_install_tells_later_steps_where_it_is() -> TestResult {
    let rig = Rig::new()?;
    let run = rig.run(&[PLAN])?;
    assert_eq!(run.code, Some(0), "{}", run.log);
    let bin_dir = rig.release_bin_dir().to_string_lossy().into_owned();
    assert_eq!(
        run.github_env,
        crate::installer::outputs(&[
            ("GANTRY_INSTALL_DIR", &bin_dir),
            ("GANTRY_INSTALL_VERSION", VERSION),
            ("GANTRY_INSTALL_SOURCE", "release"),
        ])
    );
    // A release leaves no job record: the committed manifest is the anchor.
    assert!(!rig.action().join("install/.job").exists());
    Ok(())
}

#[test]
fn a_later_action_skips_the_installer_when_the_release_checks_out() -> TestResult {
    let rig = Rig::new()?;
    let first = rig.run(&[PLAN])?;
    assert_eq!(first.code, Some(0), "{}", first.log);

    let second = rig.run(&in_job(&first, &[PLAN]))?;
    assert_eq!(second.code, Some(0), "{}", second.log);
    assert!(
        second.log.contains(&format!(
            "gantry {VERSION} is already installed in this job, every binary matches manifests/{VERSION}.sha256"
        )),
        "{}",
        second.log
    );
    assert!(second.log.contains("(the install was skipped)"));
    // Not even gantry-tag --version: nothing ran but the checks.
    assert!(
        !second.log.contains("gantry-tag --version"),
        "{}",
        second.log
    );
    assert_eq!(second.outputs["cache-hit"], "true");
    assert_eq!(second.outputs["source"], "release");
    assert_eq!(second.outputs["bin-dir"], first.outputs["bin-dir"]);
    assert!(!second.outputs.contains_key("cache-key"));
    // PATH again (the runner moves the entry to the front); $GITHUB_ENV
    // already says it all.
    assert_eq!(second.github_path, first.github_path);
    assert!(second.github_env.is_empty(), "{:?}", second.github_env);
    assert_eq!(rig.server.requests(), [asset_request()], "no download");

    // Another version, or another source, is a real install.
    let other = rig.run(&in_job(&first, &[PLAN, ("INPUT_VERSION", "0.43.0")]))?;
    assert!(!other.log.contains("already installed"), "{}", other.log);
    let path_dir = rig.root().join("prebuilt");
    write_stand_ins(&path_dir, &[])?;
    let path = path_dir.to_string_lossy().into_owned();
    let from_path = rig.run(&in_job(&first, &[PLAN, ("INPUT_PATH", &path)]))?;
    assert_eq!(from_path.code, Some(0), "{}", from_path.log);
    assert_eq!(from_path.outputs["source"], "path");
    assert_eq!(from_path.outputs["bin-dir"], path);
    Ok(())
}

/// Whatever `GANTRY_INSTALL_DIR` names, a step of the job could have written
/// it, and the directory with it: a binary that differs, a file planted next
/// to the binaries (it would shadow the runner's own `git` on PATH), a
/// directory elsewhere, a relative path. None is skipped to, and the install
/// that follows leaves the genuine binaries alone on PATH.
#[test]
fn a_tampered_installed_dir_is_not_skipped_to() -> TestResult {
    let rig = Rig::new()?;
    let first = rig.run(&[PLAN])?;
    assert_eq!(first.code, Some(0), "{}", first.log);
    let bin_dir = rig.release_bin_dir();
    let bin_dir_text = bin_dir.to_string_lossy().into_owned();

    // A binary replaced after the install.
    write_executable(&bin_dir.join("gantry-canary"), "#!/bin/sh\necho planted\n")?;
    let run = rig.run(&in_job(&first, &[PLAN]))?;
    assert_eq!(run.code, Some(0), "{}", run.log);
    assert!(!run.log.contains("the install was skipped"), "{}", run.log);
    let warning = first_warning(&run);
    assert!(
        warning.contains("installed earlier in this job")
            && warning.contains("gantry-canary has sha256"),
        "{}",
        run.log
    );
    assert_eq!(run.outputs["cache-hit"], "false", "downloaded again");
    assert_eq!(
        fs::read_to_string(bin_dir.join("gantry-canary"))?,
        stand_in("gantry-canary")
    );
    assert_eq!(rig.server.requests().len(), 2);

    // A `git` planted beside genuine binaries: the directory goes first on
    // PATH, so it is not used, and the tool cache entry is replaced.
    write_executable(&bin_dir.join("git"), "#!/bin/sh\necho trojan git\n")?;
    let run = rig.run(&in_job(&first, &[PLAN]))?;
    assert_eq!(run.code, Some(0), "{}", run.log);
    assert!(
        first_warning(&run).contains("holds files no install puts there: git"),
        "{}",
        run.log
    );
    assert_eq!(run.outputs["cache-hit"], "false");
    assert!(!bin_dir.join("git").exists(), "the planted git is gone");
    assert_eq!(run.github_path, std::slice::from_ref(&bin_dir_text));
    assert_eq!(rig.server.requests().len(), 3);

    // A directory elsewhere with binaries of its own: installed as usual,
    // and PATH gets the tool cache's copy, not that directory.
    let elsewhere = rig.root().join("elsewhere");
    write_stand_ins(&elsewhere, &[])?;
    write_executable(
        &elsewhere.join("gantry-tag"),
        "#!/bin/sh\necho not gantry\n",
    )?;
    let elsewhere_text = elsewhere.to_string_lossy().into_owned();
    let forged = [
        PLAN,
        ("GANTRY_INSTALL_DIR", elsewhere_text.as_str()),
        ("GANTRY_INSTALL_VERSION", VERSION),
        ("GANTRY_INSTALL_SOURCE", "release"),
    ];
    let run = rig.run(&forged)?;
    assert_eq!(run.code, Some(0), "{}", run.log);
    assert!(!run.log.contains("the install was skipped"), "{}", run.log);
    assert_eq!(run.outputs["bin-dir"], bin_dir_text);
    assert_eq!(run.github_path, std::slice::from_ref(&bin_dir_text));

    // A relative path is never looked at.
    let relative = [
        PLAN,
        ("GANTRY_INSTALL_DIR", "tool-cache/gantry/0.42.0/x64"),
        ("GANTRY_INSTALL_VERSION", VERSION),
        ("GANTRY_INSTALL_SOURCE", "release"),
    ];
    let run = rig.run(&relative)?;
    assert!(!run.log.contains("the install was skipped"), "{}", run.log);
    assert_eq!(run.outputs["bin-dir"], bin_dir_text);

    // The boundary: a directory holding exact copies of the released
    // binaries and nothing else is as good as the tool cache's.
    let copies = rig.root().join("copies");
    fs::create_dir_all(&copies)?;
    for name in GANTRY_BINARIES {
        fs::copy(bin_dir.join(name), copies.join(name))?;
    }
    let copies_text = copies.to_string_lossy().into_owned();
    let run = rig.run(&[
        PLAN,
        ("GANTRY_INSTALL_DIR", copies_text.as_str()),
        ("GANTRY_INSTALL_VERSION", VERSION),
        ("GANTRY_INSTALL_SOURCE", "release"),
    ])?;
    assert!(run.log.contains("the install was skipped"), "{}", run.log);
    assert_eq!(run.outputs["bin-dir"], copies_text);
    Ok(())
}

/// A source build: the first install of the job keeps the hashes it built or
/// checked in the action's checkout (the job record), and later installs
/// check against that, not against the record in the tool cache, which
/// whoever can write the tool cache can rewrite along with a binary.
#[test]
fn a_source_build_is_skipped_to_only_while_it_matches_the_job_record() -> TestResult {
    let mut rig = Rig::new()?;
    let cargo_log = rig.with_fake_cargo()?;
    let first = rig.run(&[NO_CACHE, PLAN])?;
    assert_eq!(first.code, Some(0), "{}", first.log);
    assert_eq!(cargo_calls(&cargo_log), 1);
    assert_eq!(first.github_env["GANTRY_INSTALL_SOURCE"], "cargo");
    assert_eq!(first.github_env["GANTRY_INSTALL_VERSION"], UNRELEASED);
    let bin_dir = PathBuf::from(&first.outputs["bin-dir"]);
    let job_record = rig.action().join("install/.job/cargo-x64.sha256");
    let build_record = PathBuf::from(format!("{}.sha256", bin_dir.display()));
    assert_eq!(
        fs::read_to_string(&job_record)?,
        fs::read_to_string(&build_record)?
    );

    let second = rig.run(&in_job(&first, &[NO_CACHE, PLAN]))?;
    assert_eq!(second.code, Some(0), "{}", second.log);
    assert!(
        second.log.contains(&format!(
            "gantry {UNRELEASED} (built from this source) is already installed in this job"
        )),
        "{}",
        second.log
    );
    assert_eq!(second.outputs["source"], "cargo");
    assert_eq!(second.outputs["cache-hit"], "true");
    assert_eq!(cargo_calls(&cargo_log), 1);

    // Someone who can write the tool cache replaces a binary AND rewrites
    // the record beside it to match.
    let planted = "#!/bin/sh\necho planted\n";
    write_executable(&bin_dir.join("gantry-patch"), planted)?;
    let forged: String = fs::read_to_string(&build_record)?
        .lines()
        .map(|line| {
            if line.ends_with("  gantry-patch") {
                format!("{}  gantry-patch\n", sha256_hex(planted.as_bytes()))
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    fs::write(&build_record, forged)?;

    let third = rig.run(&in_job(&first, &[NO_CACHE, PLAN]))?;
    assert_eq!(third.code, Some(0), "{}", third.log);
    assert!(
        !third.log.contains("the install was skipped"),
        "{}",
        third.log
    );
    let warnings: Vec<&str> = third
        .log
        .lines()
        .filter(|line| line.starts_with("::warning"))
        .collect();
    assert_eq!(warnings.len(), 2, "{}", third.log);
    assert!(warnings[0].contains("installed earlier in this job"));
    assert!(
        warnings[1].contains("does not match the hashes this job recorded when it installed it"),
        "{}",
        third.log
    );
    assert_eq!(third.outputs["cache-hit"], "false");
    assert_eq!(cargo_calls(&cargo_log), 2, "built again");
    let ran = Command::new(bin_dir.join("gantry-patch")).output()?;
    assert_eq!(
        String::from_utf8_lossy(&ran.stdout),
        "gantry-patch built from source\n"
    );

    // GANTRY_INSTALL_DIR pointed at a directory of someone's own, with a
    // record beside it that matches and the tool cache's marker: the
    // record that counts is the job's, not one next to the directory.
    let forged_dir = rig.root().join("forged/x64");
    write_stand_ins(&forged_dir, &[])?;
    let mut record = String::new();
    for name in GANTRY_BINARIES {
        let hash = sha256_hex(&fs::read(forged_dir.join(name))?);
        record.push_str(&format!("{hash}  {name}\n"));
    }
    fs::write(rig.root().join("forged/x64.sha256"), record)?;
    fs::write(rig.root().join("forged/x64.complete"), "")?;
    let forged_text = forged_dir.to_string_lossy().into_owned();
    let pointed = rig.run(&[
        NO_CACHE,
        PLAN,
        ("GANTRY_INSTALL_DIR", forged_text.as_str()),
        ("GANTRY_INSTALL_VERSION", UNRELEASED),
        ("GANTRY_INSTALL_SOURCE", "cargo"),
    ])?;
    assert_eq!(pointed.code, Some(0), "{}", pointed.log);
    assert!(
        !pointed.log.contains("the install was skipped"),
        "{}",
        pointed.log
    );
    assert_eq!(pointed.outputs["bin-dir"], first.outputs["bin-dir"]);
    assert_eq!(pointed.github_path, first.github_path);

    // The limit (docs/install.md): a later job has no job record, and takes
    // a forged entry with a matching record for a build.
    rig.forget_job()?;
    write_executable(&bin_dir.join("gantry-patch"), planted)?;
    let forged: String = fs::read_to_string(&build_record)?
        .lines()
        .map(|line| {
            if line.ends_with("  gantry-patch") {
                format!("{}  gantry-patch\n", sha256_hex(planted.as_bytes()))
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    fs::write(&build_record, forged)?;
    let later_job = rig.run(&[NO_CACHE, PLAN])?;
    assert_eq!(later_job.outputs["cache-hit"], "true", "{}", later_job.log);
    Ok(())
}

/// The plan stage of a source build the tool cache lacks: no build, no PATH,
/// just the actions/cache entry to restore; the key names the version, the
/// source fingerprint, the host, the pinned toolchain and the profile.
#[test]
fn the_plan_stage_names_the_cache_entry_instead_of_building() -> TestResult {
    let mut rig = Rig::new()?;
    let cargo_log = rig.with_fake_cargo()?;
    let plan = rig.run(&[PLAN])?;
    assert_eq!(plan.code, Some(0), "{}", plan.log);
    assert_eq!(cargo_calls(&cargo_log), 0, "no build in the plan stage");
    assert_eq!(
        plan.outputs.keys().collect::<Vec<_>>(),
        ["cache-key", "cache-path"]
    );
    assert!(plan.github_path.is_empty());
    assert!(plan.github_env.is_empty());
    let key = &plan.outputs["cache-key"];
    let path = PathBuf::from(&plan.outputs["cache-path"]);
    let version_dir = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let fingerprint = version_dir
        .strip_prefix(&format!("{UNRELEASED}+src."))
        .unwrap_or_default()
        .to_owned();
    assert_eq!(fingerprint.len(), 12, "{version_dir}");
    assert_eq!(
        path.parent(),
        Some(rig.tool_cache().join("gantry").as_path())
    );
    // The C library as the installer tells it (ld-musl is no proof: a
    // glibc machine with musl-tools has it too).
    let glibc = Command::new("getconf")
        .arg("GNU_LIBC_VERSION")
        .output()
        .is_ok_and(|output| output.status.success());
    let libc = if glibc { "gnu" } else { "musl" };
    assert_eq!(
        key,
        &format!("gantry-{UNRELEASED}-src.{fingerprint}-linux-x64-{libc}-rust-1.95.0-fast-release")
    );

    // The same inputs, the same key; another toolchain or another source,
    // another key (and another tool cache directory).
    assert_eq!(&rig.run(&[PLAN])?.outputs["cache-key"], key);
    fs::write(
        rig.action().join("rust-toolchain.toml"),
        "[toolchain]\nchannel = \"1.96.0\"\n",
    )?;
    let other_toolchain = rig.run(&[PLAN])?;
    let other_key = &other_toolchain.outputs["cache-key"];
    assert!(
        other_key.ends_with("-rust-1.96.0-fast-release"),
        "{other_key}"
    );
    assert!(!other_key.contains(&fingerprint), "{other_key}");
    fs::write(rig.action().join("lib.rs"), "// changed\n")?;
    let other_source = rig.run(&[PLAN])?;
    assert_ne!(&other_source.outputs["cache-key"], other_key);
    assert_ne!(
        other_source.outputs["cache-path"],
        other_toolchain.outputs["cache-path"]
    );

    // Opted out: the plan stage builds, and names no entry.
    let no_cache = rig.run(&[PLAN, NO_CACHE])?;
    assert_eq!(no_cache.code, Some(0), "{}", no_cache.log);
    assert!(!no_cache.outputs.contains_key("cache-key"));
    assert_eq!(no_cache.outputs["source"], "cargo");
    assert_eq!(cargo_calls(&cargo_log), 1);
    rig.forget_job()?;

    // Found in the tool cache (a self-hosted runner): no entry named either.
    let found = rig.run(&[PLAN])?;
    assert_eq!(found.outputs["cache-hit"], "true", "{}", found.log);
    assert!(!found.outputs.contains_key("cache-key"));
    assert!(rig.server.requests().is_empty());
    Ok(())
}

/// The build stage after the restore step: a restored entry is used only when
/// every binary matches the record made when it was built, and nothing else
/// is in it; otherwise it is built (and `built=true` has it saved). A
/// restored build needs no Rust toolchain.
#[test]
fn a_restored_source_build_is_checked_before_it_is_used() -> TestResult {
    let mut rig = Rig::new()?;
    let cargo_log = rig.with_fake_cargo()?;

    // Job 1: nothing restored, built, to be saved.
    let plan = rig.run(&[PLAN])?;
    let cache_path = PathBuf::from(&plan.outputs["cache-path"]);
    let build = rig.run(&[BUILD, ("GANTRY_CACHE_RESTORED", "")])?;
    assert_eq!(build.code, Some(0), "{}", build.log);
    assert_eq!(build.outputs["built"], "true");
    assert_eq!(build.outputs["cache-hit"], "false");
    assert_eq!(build.outputs["source"], "cargo");
    assert!(!build.log.contains("::notice"), "the plan stage said it");
    assert_eq!(cargo_calls(&cargo_log), 1);
    // What actions/cache/save stores: the version directory, record included.
    let saved = rig.root().join("saved-entry");
    copy_dir(&cache_path, &saved)?;
    assert!(saved.join("x64.sha256").is_file());
    assert!(saved.join("x64.complete").is_file());

    // Without cargo on PATH: a restored build must not need it.
    let without_cargo = rig.extra_path.take();
    restore(&rig, &saved, &cache_path)?;
    let restored = rig.run(&[BUILD, RESTORED])?;
    assert_eq!(restored.code, Some(0), "{}", restored.log);
    assert!(
        restored.log.contains(
            "found in the actions cache, every binary matches the hashes recorded when it was built"
        ),
        "{}",
        restored.log
    );
    assert_eq!(restored.outputs["cache-hit"], "true");
    assert_eq!(restored.outputs["built"], "false", "nothing to save");
    assert_eq!(
        restored.github_path,
        [cache_path.join("x64").to_string_lossy().into_owned()]
    );
    assert_eq!(restored.github_env["GANTRY_INSTALL_SOURCE"], "cargo");
    assert!(rig.action().join("install/.job/cargo-x64.sha256").is_file());
    rig.extra_path = without_cargo;

    // Entries that must not be used: a binary changed after it was recorded,
    // no record at all, a file beside the binaries.
    let tampered = rig.root().join("tampered-entry");
    copy_dir(&saved, &tampered)?;
    write_executable(
        &tampered.join("x64/gantry-gitops"),
        "#!/bin/sh\necho planted\n",
    )?;
    let unrecorded = rig.root().join("unrecorded-entry");
    copy_dir(&saved, &unrecorded)?;
    fs::remove_file(unrecorded.join("x64.sha256"))?;
    let stuffed = rig.root().join("stuffed-entry");
    copy_dir(&saved, &stuffed)?;
    write_executable(&stuffed.join("x64/kubectl"), "#!/bin/sh\necho trojan\n")?;
    let cases = [
        (&tampered, "gantry-gitops has sha256"),
        (&unrecorded, "no record of the hashes"),
        (&stuffed, "holds files no install puts there: kubectl"),
    ];
    for (entry, why) in cases {
        restore(&rig, entry, &cache_path)?;
        let calls = cargo_calls(&cargo_log);
        let run = rig.run(&[BUILD, RESTORED])?;
        assert_eq!(run.code, Some(0), "{}", run.log);
        let warning = first_warning(&run);
        assert!(
            warning.contains(
                "in the actions cache does not match the hashes recorded when it was built"
            ) && warning.contains(why),
            "{why}\n{}",
            run.log
        );
        assert_eq!(run.outputs["built"], "true", "{why}");
        assert_eq!(run.outputs["cache-hit"], "false");
        assert_eq!(cargo_calls(&cargo_log), calls + 1, "{why}");
        for name in GANTRY_BINARIES {
            let ran = Command::new(cache_path.join("x64").join(name)).output()?;
            assert_eq!(
                String::from_utf8_lossy(&ran.stdout),
                format!("{name} built from source\n")
            );
        }
        assert!(!cache_path.join("x64/kubectl").exists());
    }
    assert!(rig.server.requests().is_empty());
    Ok(())
}

/// The install steps, comments and blank lines aside, from `- id: install`
/// up to `end` (the action's own first step), or to the end.
fn install_steps(text: &str, end: Option<&str>) -> String {
    let start = text.find("    - id: install\n").unwrap_or(text.len());
    let rest = &text[start..];
    let rest = end
        .and_then(|end| rest.find(end))
        .map_or(rest, |at| &rest[..at]);
    rest.lines()
        .filter(|line| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
        .map(|line| format!("{line}\n"))
        .collect()
}

/// Every action under actions/ opens with the setup action's four install
/// steps (its inputs named gantry-*, the installer two levels up), so the
/// skip path and the actions cache work the same whichever action comes
/// first in a job.
#[test]
fn every_action_installs_with_the_setup_actions_steps() -> TestResult {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let setup = install_steps(&fs::read_to_string(root.join("action.yml"))?, None);
    assert!(setup.contains("uses: actions/cache/restore@"), "{setup}");
    assert!(setup.contains("uses: actions/cache/save@"), "{setup}");
    let mut checked = 0;
    for entry in fs::read_dir(root.join("actions"))? {
        let path = entry?.path().join("action.yml");
        if !path.is_file() {
            continue;
        }
        let steps = install_steps(&fs::read_to_string(&path)?, Some("    - id: run\n"))
            .replace("inputs.gantry-version", "inputs.version")
            .replace("inputs.gantry-source", "inputs.source")
            .replace("inputs.gantry-path", "inputs.path")
            .replace(
                "$GITHUB_ACTION_PATH/../../install/",
                "$GITHUB_ACTION_PATH/install/",
            );
        assert_eq!(steps, setup, "{} differs from action.yml", path.display());
        checked += 1;
    }
    assert_eq!(checked, 5);
    Ok(())
}
