//! `actions/patch/run.sh` on its own (bash, a stand-in `gantry-patch` on
//! PATH): the pr-comment inputs. The token reaches the binary only with
//! `pr-comment: true` on apply; an empty token then is refused before the
//! binary runs; elsewhere the comment inputs are ignored with a warning.

use std::path::{Path, PathBuf};
use std::process::Command;

const TOKEN: &str = "ghs_ActionScriptToken42";

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../actions/patch/run.sh")
}

/// Run the script with `env`; the stand-in prints its arguments, its
/// GANTRY_* variables, and whether it got GITHUB_TOKEN (never its value).
fn run(env: &[(&str, &str)]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let stand_in = dir.path().join("gantry-patch");
    std::fs::write(
        &stand_in,
        "#!/usr/bin/env bash\necho \"args: $*\"\nenv | grep '^GANTRY_' | sort\n[[ -n ${GITHUB_TOKEN:-} ]] && echo 'token: given'\nexit 0\n",
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
fn the_token_goes_with_pr_comment_only() {
    let (code, out) = run(&[
        ("GANTRY_DRY_RUN", "true"),
        ("GANTRY_PR_COMMENT", "true"),
        ("GANTRY_PR_COMMENT_KEY", "api-prod"),
        ("GITHUB_TOKEN", TOKEN),
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(
        out,
        "args: \nGANTRY_DRY_RUN=true\nGANTRY_PR_COMMENT=true\nGANTRY_PR_COMMENT_KEY=api-prod\ntoken: given\n"
    );

    // Without pr-comment: no token, no key (with a warning), no comment.
    let (code, out) = run(&[
        ("GANTRY_DRY_RUN", "true"),
        ("GANTRY_PR_COMMENT", "false"),
        ("GANTRY_PR_COMMENT_KEY", "api-prod"),
        ("GITHUB_TOKEN", TOKEN),
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(
        out,
        "::warning title=gantry-patch::the pr-comment-key input is ignored without pr-comment: true\nargs: \nGANTRY_DRY_RUN=true\n"
    );

    // list and audit never comment.
    let (code, out) = run(&[
        ("GANTRY_OPERATION", "audit"),
        ("GANTRY_PR_COMMENT", "true"),
        ("GITHUB_TOKEN", TOKEN),
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(
        out,
        "::warning title=gantry-patch::the pr-comment input is ignored by operation audit\nargs: audit\n"
    );
}

#[test]
fn pr_comment_is_checked_before_the_binary_runs() {
    let (code, out) = run(&[
        ("GANTRY_DRY_RUN", "true"),
        ("GANTRY_PR_COMMENT", "true"),
        ("GITHUB_TOKEN", ""),
    ]);
    assert_eq!(code, Some(2), "{out}");
    assert_eq!(
        out,
        "::error title=gantry-patch::pr-comment needs a token: the github-token input is empty (give the job permissions: pull-requests: write, or a token)\n"
    );

    let (code, out) = run(&[("GANTRY_PR_COMMENT", "yes\n::add-mask::forged")]);
    assert_eq!(code, Some(2), "{out}");
    assert_eq!(
        out,
        "::error title=gantry-patch::invalid pr-comment input \"yes%0A::add-mask::forged\": expected true or false\n"
    );
}
