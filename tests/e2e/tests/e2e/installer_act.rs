//! The install steps of the setup action and `actions/tag` under `act`: one
//! job installs gantry from source once (the setup action builds it and
//! saves it to the actions cache; `actions/tag` after it skips the
//! installer), a later run restores it instead of building, and a tampered
//! cache entry is built again instead of run.
//!
//! `cargo` is a fake that "builds" by copying this build's binaries (so
//! `actions/tag` really runs `gantry-tag`) and logs every call; actions/cache
//! is the rig's stand-in (`tests/act-stand-ins/actions-cache`) with a store
//! shared by the runs.
#![cfg(unix)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use gantry_test_support::act::{ACTIONS_CACHE_VAR, Act, ActRun, ActWorkspace};
use gantry_test_support::tools::{self, GANTRY_BINARIES};

use crate::installer::write_executable;

const WORKFLOW: &str = r#"name: rig
on: push
jobs:
  install:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: setup
        uses: ./
      - id: tag
        uses: ./actions/tag
        with:
          operation: inspect
          ref: nginx:1.27
      - name: Record
        shell: bash
        env:
          SOURCE: ${{ steps.setup.outputs.source }}
          HIT: ${{ steps.setup.outputs.cache-hit }}
          BIN_DIR: ${{ steps.setup.outputs.bin-dir }}
          NAME: ${{ steps.tag.outputs.name }}
        run: |
          {
            echo "source=$SOURCE"
            echo "cache-hit=$HIT"
            echo "bin-dir=$BIN_DIR"
            echo "name=$NAME"
            echo "gantry-tag=$(command -v gantry-tag)"
            echo "install-dir=$GANTRY_INSTALL_DIR"
          } >"$RIG_OUT/outputs"
"#;

struct Rig {
    workspace: ActWorkspace,
    scratch: tempfile::TempDir,
}

impl Rig {
    fn new() -> Self {
        let workspace = ActWorkspace::new().unwrap();
        // The action's checkout as the runner would have it: no release
        // manifest for the version in manifests/latest, so source: auto
        // builds it with cargo.
        workspace
            .copy_from_repo(&[
                "action.yml",
                "actions",
                "install",
                "manifests/latest",
                "Cargo.toml",
                "Cargo.lock",
                "rust-toolchain.toml",
            ])
            .unwrap();
        let scratch = tempfile::tempdir().unwrap();
        let fake_bin = scratch.path().join("fake-bin");
        fs::create_dir_all(&fake_bin).unwrap();
        fs::create_dir_all(scratch.path().join("store")).unwrap();
        let bins = tools::target_bin_dir().unwrap();
        for name in GANTRY_BINARIES {
            tools::gantry_bin(name).unwrap();
        }
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
for bin in {names}; do cp '{bins}'/"$bin" "$target_dir/$profile/$bin"; done
"#,
                log = scratch.path().join("cargo.log").display(),
                names = GANTRY_BINARIES.join(" "),
                bins = bins.display(),
            ),
        )
        .unwrap();
        Self { workspace, scratch }
    }

    fn store(&self) -> PathBuf {
        self.scratch.path().join("store")
    }

    fn cargo_calls(&self) -> usize {
        fs::read_to_string(self.scratch.path().join("cargo.log"))
            .map(|log| log.lines().count())
            .unwrap_or(0)
    }

    fn run(&self) -> ActRun {
        let path = format!(
            "{}:{}",
            self.scratch.path().join("fake-bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let run = Act::new(WORKFLOW)
            .env(ACTIONS_CACHE_VAR, &self.store().to_string_lossy())
            .host_env("PATH", &path)
            .run(&self.workspace)
            .unwrap();
        assert!(run.success(), "{run}");
        run
    }

    /// The one entry in the store.
    fn entry(&self) -> PathBuf {
        let entries: Vec<PathBuf> = fs::read_dir(self.store())
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .collect();
        assert_eq!(entries.len(), 1, "{entries:?}");
        entries[0].clone()
    }
}

fn tar(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("tar")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "tar {args:?}: {output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Replace `binary` inside the stored entry `tar_file` (members are relative
/// to act's workspace, `../../tool_cache/…`).
fn tamper(tar_file: &Path, binary: &str) {
    let file = tar_file.to_string_lossy().into_owned();
    let scratch = tempfile::tempdir().unwrap();
    let members = tar(scratch.path(), &["-tPf", &file]);
    let depth = members
        .lines()
        .next()
        .unwrap_or_default()
        .matches("../")
        .count();
    let base = (0..depth).fold(scratch.path().to_path_buf(), |dir, i| {
        dir.join(format!("d{i}"))
    });
    fs::create_dir_all(&base).unwrap();
    tar(&base, &["-xPf", &file]);
    let member = members
        .lines()
        .find(|line| line.ends_with(&format!("/x64/{binary}")))
        .unwrap_or_else(|| panic!("{binary} not in the entry:\n{members}"));
    write_executable(&base.join(member), "#!/bin/sh\necho planted\n").unwrap();
    // The first member is the directory the save step stored.
    let top = members.lines().next().unwrap_or_default();
    tar(&base, &["-cPf", &file, top]);
}

#[test]
fn a_job_installs_once_and_a_later_run_restores_the_build() {
    let rig = Rig::new();

    // Run 1: the setup action builds and saves; actions/tag skips.
    let first = rig.run();
    let log = &first.output.stdout;
    assert_eq!(rig.cargo_calls(), 1, "{first}");
    assert!(
        log.contains("Cache not found for input keys: gantry-0.1.0-src."),
        "{first}"
    );
    assert!(
        log.contains("Cache saved with key: gantry-0.1.0-src."),
        "{first}"
    );
    assert!(
        log.contains("is already installed in this job")
            && log.contains("(the install was skipped)"),
        "{first}"
    );
    let outputs = first.read_out_vars("outputs").unwrap();
    assert_eq!(outputs["source"], "cargo", "{first}");
    assert_eq!(outputs["cache-hit"], "false");
    assert_eq!(outputs["name"], "docker.io/library/nginx", "{first}");
    assert_eq!(outputs["install-dir"], outputs["bin-dir"]);
    assert_eq!(
        outputs["gantry-tag"],
        format!("{}/gantry-tag", outputs["bin-dir"])
    );
    let entry = rig.entry();
    let key = entry.file_stem().unwrap().to_string_lossy().into_owned();
    assert!(
        key.starts_with("gantry-0.1.0-src.") && key.ends_with("-rust-1.95.0-fast-release"),
        "{key}"
    );

    // Run 2, a new runner: restored and checked, not built, not saved again.
    let second = rig.run();
    let log = &second.output.stdout;
    assert_eq!(rig.cargo_calls(), 1, "{second}");
    assert!(
        log.contains(&format!("Cache restored from key: {key}")),
        "{second}"
    );
    assert!(
        log.contains(
            "found in the actions cache, every binary matches the hashes recorded when it was built"
        ),
        "{second}"
    );
    assert!(!log.contains("Cache saved"), "{second}");
    let outputs = second.read_out_vars("outputs").unwrap();
    assert_eq!(outputs["cache-hit"], "true");
    assert_eq!(outputs["name"], "docker.io/library/nginx", "{second}");

    // Run 3: the stored entry has a binary replaced: it is built again.
    tamper(&entry, "gantry-tag");
    let third = rig.run();
    let log = &third.output.stdout;
    assert_eq!(rig.cargo_calls(), 2, "{third}");
    assert!(
        log.contains("in the actions cache does not match the hashes recorded when it was built")
            && log.contains("gantry-tag has sha256"),
        "{third}"
    );
    let outputs = third.read_out_vars("outputs").unwrap();
    assert_eq!(outputs["cache-hit"], "false");
    assert_eq!(outputs["name"], "docker.io/library/nginx", "{third}");
}
