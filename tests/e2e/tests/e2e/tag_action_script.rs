//! `actions/tag/run.sh` on its own (bash, a stand-in `gantry-tag` on
//! PATH): inputs are checked and escaped before they reach a workflow
//! command, switches are true or false, and the operation picks the
//! subcommand.

use std::path::{Path, PathBuf};
use std::process::Command;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../actions/tag/run.sh")
}

/// Run the script with `env`, a stand-in `gantry-tag` printing its
/// arguments and GANTRY_* variables first on PATH.
fn run(env: &[(&str, &str)]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let stand_in = dir.path().join("gantry-tag");
    std::fs::write(
        &stand_in,
        "#!/usr/bin/env bash\necho \"args: $*\"\nenv | grep '^GANTRY_' | sort\n",
    )
    .unwrap();
    std::fs::set_permissions(
        &stand_in,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("bash");
    cmd.arg(script()).env_clear().env("PATH", path);
    for (name, value) in env {
        cmd.env(name, value);
    }
    let output = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), text)
}

#[test]
fn a_newline_in_the_operation_cannot_forge_a_workflow_command() {
    let (code, out) = run(&[(
        "GANTRY_OPERATION",
        "nope\n::add-mask::forged\r\n::error::100% forged",
    )]);
    assert_eq!(code, Some(2), "{out}");
    assert_eq!(
        out,
        "::error title=gantry-tag::invalid operation input \"nope%0A::add-mask::forged%0D%0A::error::100%25 forged\": expected compute, push, resolve or inspect\n"
    );
    assert_eq!(out.lines().count(), 1, "{out}");
}

#[test]
fn switches_are_true_or_false() {
    let (code, out) = run(&[("GANTRY_ALLOW_EMPTY", "flase\n::warning::x")]);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.starts_with("::error title=gantry-tag::invalid allow-empty input \"flase%0A::warning::x\": expected true or false"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 1, "{out}");

    // false unsets the variable; true keeps it; push turns compute into push.
    let (code, out) = run(&[
        ("GANTRY_PUSH", "true"),
        ("GANTRY_ALLOW_EMPTY", "false"),
        ("GANTRY_SHORTEN_LONG_TAGS", "true"),
        ("GANTRY_IMAGES", ""),
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(out, "args: push\nGANTRY_SHORTEN_LONG_TAGS=true\n");
}

#[test]
fn the_operation_picks_the_subcommand() {
    for operation in ["compute", "push", "resolve", "inspect"] {
        let (code, out) = run(&[("GANTRY_OPERATION", operation)]);
        assert_eq!(code, Some(0), "{out}");
        assert_eq!(out, format!("args: {operation}\n"));
    }
    let (code, out) = run(&[]);
    assert_eq!((code, out.as_str()), (Some(0), "args: compute\n"));
}
