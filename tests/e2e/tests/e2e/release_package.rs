//! `scripts/package-release.sh`, which release.yml and `make release-check`
//! both run, against the installer: an archive it packs and the manifest it
//! writes install through `install/install.sh` (over HTTP from 127.0.0.1),
//! and a manifest is only written from complete, consistent checksum files.
//! `make release-check` does the same with a real build.
#![cfg(unix)]

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use gantry_test_support::tools::GANTRY_BINARIES;

use crate::installer::{Rig, TestResult, VERSION, asset, stand_in, write_stand_ins};

const TARGET: &str = "x86_64-unknown-linux-musl";

fn package(args: &[&str], target_dir: &Path) -> Result<Output, std::io::Error> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    Command::new("bash")
        .arg(root.join("scripts/package-release.sh"))
        .args(args)
        .env("CARGO_TARGET_DIR", target_dir)
        .env_remove("GITHUB_ACTIONS")
        .current_dir(root)
        .output()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn a_packed_release_installs_through_the_installer() -> TestResult {
    let rig = Rig::new()?;
    let scratch = tempfile::tempdir()?;
    let built = scratch.path().join("target").join(TARGET).join("release");
    write_stand_ins(&built, &[])?;
    let dist = scratch.path().join("dist");
    let dist_text = dist.to_string_lossy().into_owned();

    let packed = package(
        &["archive", VERSION, TARGET, "release", &dist_text],
        &scratch.path().join("target"),
    )?;
    assert!(packed.status.success(), "{}", text(&packed));
    let part = dist.join(format!("gantry-{VERSION}-{TARGET}.sha256"));
    let lines: Vec<String> = fs::read_to_string(&part)?
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(lines.len(), 1 + GANTRY_BINARIES.len(), "{lines:?}");
    assert!(lines[0].ends_with(&format!("  {}", asset())), "{lines:?}");
    for name in GANTRY_BINARIES {
        let suffix = format!("  gantry-{VERSION}-{TARGET}/{name}");
        assert!(
            lines.iter().any(|line| line.ends_with(&suffix)),
            "{lines:?}"
        );
    }

    let manifest = package(
        &["manifest", VERSION, &part.to_string_lossy()],
        scratch.path(),
    )?;
    assert!(manifest.status.success(), "{}", text(&manifest));

    // What release.yml publishes, where the installer looks for it.
    fs::copy(dist.join(asset()), rig.archive())?;
    fs::write(
        rig.action().join(format!("manifests/{VERSION}.sha256")),
        &manifest.stdout,
    )?;
    let run = rig.run(&[])?;
    assert_eq!(run.code, Some(0), "{}", run.log);
    assert_eq!(run.outputs["source"], "release");
    let bin_dir = rig.release_bin_dir();
    for name in GANTRY_BINARIES {
        assert_eq!(fs::read_to_string(bin_dir.join(name))?, stand_in(name));
    }
    // The repository's README.md travels in the archive.
    assert!(bin_dir.join("README.md").is_file());
    Ok(())
}

#[test]
fn a_manifest_needs_every_line_of_every_target_once() -> TestResult {
    let scratch = tempfile::tempdir()?;
    let dir = scratch.path();
    let part = |target: &str, skip: Option<&str>| -> String {
        let mut text = format!("{}  gantry-{VERSION}-{target}.tar.gz\n", "a".repeat(64));
        for name in GANTRY_BINARIES.iter().filter(|name| Some(**name) != skip) {
            text.push_str(&format!(
                "{}  gantry-{VERSION}-{target}/{name}\n",
                "b".repeat(64)
            ));
        }
        text
    };
    let write = |file: &str, contents: &str| -> Result<String, std::io::Error> {
        fs::write(dir.join(file), contents)?;
        Ok(dir.join(file).to_string_lossy().into_owned())
    };
    let linux = write("linux.sha256", &part(TARGET, None))?;
    let mac = write("mac.sha256", &part("aarch64-apple-darwin", None))?;
    let windows = write(
        "windows.sha256",
        &part("x86_64-pc-windows-msvc", None)
            .replace("\n", ".exe\n")
            .replacen(".tar.gz.exe", ".tar.gz", 1),
    )?;

    let ok = package(&["manifest", VERSION, &linux, &mac, &windows], dir)?;
    assert!(ok.status.success(), "{}", text(&ok));
    assert_eq!(String::from_utf8_lossy(&ok.stdout).lines().count(), 18);

    let short = write(
        "short.sha256",
        &format!(
            "{}{}  extra\n",
            part(TARGET, Some("gantry-canary")),
            "c".repeat(64)
        ),
    )?;
    let upper = write("upper.sha256", &part(TARGET, None).replacen('a', "A", 1))?;
    let other_version = write(
        "other.sha256",
        &part(TARGET, None).replace(VERSION, "9.9.9"),
    )?;
    let cases: [(&[&str], &str); 5] = [
        (
            &[&linux, &linux],
            "two checksum files for x86_64-unknown-linux-musl",
        ),
        (
            &[&short],
            "has no line for gantry-0.42.0-x86_64-unknown-linux-musl/gantry-canary",
        ),
        (&[&upper], "is not '<sha256>  <name>'"),
        (
            &[&other_version],
            "does not start with the archive line of gantry 0.42.0",
        ),
        (
            &[&linux, "no-such.sha256"],
            "no checksums at no-such.sha256",
        ),
    ];
    for (parts, message) in cases {
        let mut args = vec!["manifest", VERSION];
        args.extend_from_slice(parts);
        let out = package(&args, dir)?;
        assert_eq!(out.status.code(), Some(1), "{parts:?}\n{}", text(&out));
        assert!(text(&out).contains(message), "{parts:?}\n{}", text(&out));
        assert!(out.stdout.is_empty(), "no manifest written: {parts:?}");
    }
    Ok(())
}
