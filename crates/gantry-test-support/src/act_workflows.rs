//! gantry's reusable workflows and the example pipelines that call them,
//! made runnable under `act` with as few changes as possible. Each change is
//! one act cannot do otherwise, and is listed here:
//!
//! - `uses: $/actions/tag` (an action of the workflow's own repository at
//!   the running commit) becomes `uses: ./actions/tag`: act does not know the
//!   `$/` syntax, and the workspace act runs in holds a copy of `actions/`.
//! - Every job of a reusable workflow starts with a checkout, because act
//!   resolves `./actions/…` against the job's copy of the workspace, which
//!   its (skipped) `actions/checkout` step makes; on GitHub `$/` needs none.
//! - A caller's `uses: gantry-dev/gantry/.github/workflows/X.yml@<sha>`
//!   becomes `uses: ./.github/workflows/gantry-X.yml` (the copies in the
//!   workspace, renamed so an example's own `promote.yml` cannot clash),
//!   and each call gets `gantry-source: path` and `gantry-path: <this build>`
//!   so the binaries under test run instead of a source build.
//! - Remote actions that cannot be fetched offline run local stand-ins
//!   (`act --local-repository`): see [`STAND_INS`].
//!
//! Everything else (inputs, expressions, secrets, outputs, `needs`, matrices)
//! is the file as committed.

use std::path::Path;

use crate::act::ActWorkspace;
use crate::tools::{self, IoContext as _, Result, RigError};

/// The reusable workflows in `.github/workflows/`.
pub const REUSABLE_WORKFLOWS: &[&str] = &[
    "build-tag.yml",
    "deploy.yml",
    "canary.yml",
    "promote.yml",
    "rollback.yml",
    "pr-check.yml",
];

/// `owner/name@sha` of remote actions the reusable workflows use, and the
/// directory (relative to the repository root) of the local stand-in act
/// runs instead.
pub const STAND_INS: &[(&str, &str)] = &[(
    "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02",
    "tests/act-stand-ins/upload-artifact",
)];

/// The repository the examples call the reusable workflows from.
const GANTRY_REPOSITORY: &str = "gantry-dev/gantry";

/// `act` arguments that map every [`STAND_INS`] entry to its directory.
pub fn stand_in_args() -> Result<Vec<String>> {
    let root = tools::workspace_root()?;
    let mut args = Vec::new();
    for (action, dir) in STAND_INS {
        args.push("--local-repository".to_owned());
        args.push(format!("{action}={}", root.join(dir).display()));
    }
    Ok(args)
}

/// A reusable workflow as act can run it (see the module's notes).
pub fn reusable_for_act(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 256);
    for line in text.lines() {
        let rewritten = line.replacen("uses: $/", "uses: ./", 1);
        out.push_str(&rewritten);
        out.push('\n');
        // The steps of a job sit at four spaces under `jobs:`.
        if line == "    steps:" {
            out.push_str("      - name: check out (act resolves ./actions in the job's copy)\n");
            out.push_str("        uses: actions/checkout@v4\n");
        }
    }
    out
}

/// A caller workflow (an example) as act can run it: calls of gantry's
/// reusable workflows point at the workspace copies and use the binaries
/// in `bin_dir`.
pub fn caller_for_act(text: &str, bin_dir: &Path) -> String {
    let prefix = format!("uses: {GANTRY_REPOSITORY}/.github/workflows/");
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::with_capacity(text.len() + 512);
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let Some(at) = line.find(&prefix) else {
            out.push_str(line);
            out.push('\n');
            i += 1;
            continue;
        };
        let indent = &line[..at];
        let file = line[at + prefix.len()..]
            .split('@')
            .next()
            .unwrap_or_default()
            .trim();
        out.push_str(&format!(
            "{indent}uses: ./.github/workflows/gantry-{file}\n"
        ));
        i += 1;
        // Copy the rest of this job's keys, adding the gantry inputs to its
        // `with:` (or a `with:` of its own at the end of the job).
        let gantry_inputs = format!(
            "{indent}  gantry-source: path\n{indent}  gantry-path: {}\n",
            bin_dir.display()
        );
        let mut added = false;
        while i < lines.len() {
            let next = lines[i];
            let is_job_key = next.starts_with(indent)
                && next.len() > indent.len()
                && !next[indent.len()..].starts_with(' ');
            let ends_job = !next.trim().is_empty() && !next.starts_with(indent);
            if ends_job {
                break;
            }
            out.push_str(next);
            out.push('\n');
            i += 1;
            if is_job_key && next.trim_end() == format!("{indent}with:") {
                out.push_str(&gantry_inputs);
                added = true;
            }
        }
        if !added {
            out.push_str(&format!("{indent}with:\n{gantry_inputs}"));
        }
    }
    out
}

impl ActWorkspace {
    /// Copy the reusable workflows, the actions and the installer into the
    /// workspace, rewritten for act (see the module's notes).
    pub fn add_reusable_workflows(&self) -> Result<()> {
        add_reusable_workflows(self.path())
    }

    /// Copy the example `examples/<example>/` into the workspace: its
    /// workflows rewritten as [`caller_for_act`] says (with `replace` pairs
    /// applied first, to point the example's hosts at local services), its
    /// other files as they are.
    pub fn add_example(
        &self,
        example: &str,
        bin_dir: &Path,
        replace: &[(&str, &str)],
    ) -> Result<()> {
        add_example(self.path(), example, bin_dir, replace)
    }
}

/// [`ActWorkspace::add_reusable_workflows`] into any directory.
pub fn add_reusable_workflows(dir: &Path) -> Result<()> {
    let root = tools::workspace_root()?;
    for relative in ["action.yml", "actions", "install", "manifests"] {
        copy_tree(&root.join(relative), &dir.join(relative))?;
    }
    for name in REUSABLE_WORKFLOWS {
        let path = root.join(".github/workflows").join(name);
        let text = std::fs::read_to_string(&path)
            .context(|| format!("act: cannot read {}", path.display()))?;
        write(
            dir,
            &format!(".github/workflows/gantry-{name}"),
            reusable_for_act(&text).as_bytes(),
        )?;
    }
    Ok(())
}

/// [`ActWorkspace::add_example`] into any directory.
pub fn add_example(
    dir: &Path,
    example: &str,
    bin_dir: &Path,
    replace: &[(&str, &str)],
) -> Result<()> {
    let root = tools::workspace_root()?.join("examples").join(example);
    if !root.is_dir() {
        return Err(RigError::new(format!(
            "act: no example {example} in {}",
            root.display()
        )));
    }
    for file in files_under(&root)? {
        let relative = file
            .strip_prefix(&root)
            .map_err(|e| RigError::new(e.to_string()))?
            .to_string_lossy()
            .into_owned();
        if relative == "README.md" {
            continue;
        }
        let bytes =
            std::fs::read(&file).context(|| format!("act: cannot read {}", file.display()))?;
        let Ok(mut text) = String::from_utf8(bytes.clone()) else {
            write(dir, &relative, &bytes)?;
            continue;
        };
        for (from, to) in replace {
            text = text.replace(from, to);
        }
        if relative.starts_with(".github/workflows/") {
            text = caller_for_act(&text, bin_dir);
        }
        write(dir, &relative, text.as_bytes())?;
    }
    Ok(())
}

fn write(dir: &Path, relative: &str, bytes: &[u8]) -> Result<()> {
    let path = dir.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .context(|| format!("act: cannot create {}", parent.display()))?;
    }
    std::fs::write(&path, bytes).context(|| format!("act: cannot write {}", path.display()))
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    if from.is_dir() {
        for file in files_under(from)? {
            let relative = file
                .strip_prefix(from)
                .map_err(|e| RigError::new(e.to_string()))?;
            let dest = to.join(relative);
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent)
                    .context(|| format!("act: cannot create {}", parent.display()))?;
            }
            // fs::copy keeps the permission bits (scripts stay executable).
            std::fs::copy(&file, &dest)
                .context(|| format!("act: cannot copy {}", file.display()))?;
        }
        Ok(())
    } else {
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .context(|| format!("act: cannot create {}", parent.display()))?;
        }
        std::fs::copy(from, to)
            .map(|_| ())
            .context(|| format!("act: cannot copy {}", from.display()))
    }
}

fn files_under(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries =
            std::fs::read_dir(&d).context(|| format!("act: cannot list {}", d.display()))?;
        for entry in entries {
            let entry = entry.context(|| format!("act: cannot list {}", d.display()))?;
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The `repository` object of a GitHub webhook payload for `acme/app`
/// (GitHub sends it with every event; act's own payloads omit it).
pub fn repository_payload() -> serde_json::Value {
    serde_json::json!({
        "name": "app",
        "full_name": "acme/app",
        "html_url": "https://github.com/acme/app",
        "description": "The ACME app",
        "default_branch": "main",
        "license": {"spdx_id": "MIT"},
        "owner": {"login": "acme"},
    })
}

impl ActWorkspace {
    /// Write a push event for `git_ref` at `sha` as GitHub sends it
    /// (`ref`, `after`, `head_commit` with its timestamp, `repository`)
    /// next to the workspace, and return its path for `act -e`.
    pub fn push_event(&self, git_ref: &str, sha: &str) -> Result<std::path::PathBuf> {
        let payload = serde_json::json!({
            "ref": git_ref,
            "after": sha,
            "head_commit": {"id": sha, "timestamp": "2026-12-07T12:00:00Z", "message": "a change"},
            "repository": repository_payload(),
        });
        let path = self.scratch().join(format!("push-{sha}.json"));
        std::fs::write(&path, payload.to_string())
            .context(|| format!("act: cannot write {}", path.display()))?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reusable_workflows_get_local_actions_and_a_checkout() {
        let text = "jobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: $/actions/tag\n        with:\n          images: x\n";
        assert_eq!(
            reusable_for_act(text),
            "jobs:\n  a:\n    runs-on: x\n    steps:\n      - name: check out (act resolves ./actions in the job's copy)\n        uses: actions/checkout@v4\n      - uses: ./actions/tag\n        with:\n          images: x\n"
        );
    }

    #[test]
    fn calls_point_at_the_copies_with_this_build() {
        let text = "jobs:\n  build:\n    uses: gantry-dev/gantry/.github/workflows/build-tag.yml@0123456789012345678901234567890123456789 # v0.1.0\n    with:\n      image: x\n    secrets: inherit\n  bare:\n    uses: gantry-dev/gantry/.github/workflows/deploy.yml@0123456789012345678901234567890123456789\n  other:\n    runs-on: y\n";
        let out = caller_for_act(text, Path::new("/bin/g"));
        assert_eq!(
            out,
            "jobs:\n  build:\n    uses: ./.github/workflows/gantry-build-tag.yml\n    with:\n      gantry-source: path\n      gantry-path: /bin/g\n      image: x\n    secrets: inherit\n  bare:\n    uses: ./.github/workflows/gantry-deploy.yml\n    with:\n      gantry-source: path\n      gantry-path: /bin/g\n  other:\n    runs-on: y\n"
        );
    }
}
