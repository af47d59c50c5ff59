//! The GitOps step of a rollback: `gantry-gitops revert`, run as a child
//! process (the binary installed next to this one), so the revert is
//! exactly gantry-gitops's: found from its trailers, pushed without force,
//! retried against concurrent writers, the token only in the environment.

use std::path::PathBuf;
use std::process::Stdio;

use futures_util::future::BoxFuture;
use gantry_cli::CliError;
use gantry_restore::{GitopsFailure, GitopsRevert};
use gantry_spec::rollback::GitopsSpec;

/// The `GANTRY_*` variables gantry-gitops gets from our environment.
const PASSED: &[&str] = &[
    "GANTRY_TOKEN",
    "GANTRY_AUTHOR",
    "GANTRY_COMMITTER",
    "GANTRY_MESSAGE",
    "GANTRY_LOG",
    "GANTRY_GITHUB_API_URL",
];

/// `gantry-gitops revert …` for the spec's `gitops:`.
pub(crate) struct GitopsCommand {
    program: PathBuf,
    args: Vec<String>,
    description: String,
}

/// `gantry-gitops` beside this binary, else on `PATH`.
fn program() -> PathBuf {
    let name = format!("gantry-gitops{}", std::env::consts::EXE_SUFFIX);
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(&name)))
        .filter(|path| path.is_file())
        .unwrap_or_else(|| PathBuf::from(name))
}

impl GitopsCommand {
    pub(crate) fn new(spec: &GitopsSpec, reason: &str, field: &str) -> Result<Self, CliError> {
        if spec.repo.trim().is_empty() || spec.image.trim().is_empty() {
            return Err(CliError::usage(anyhow::anyhow!(
                "{field}: `repo` and `image` must not be empty"
            )));
        }
        let mut args = vec![
            "revert".to_owned(),
            "--repo".to_owned(),
            spec.repo.clone(),
            "--image".to_owned(),
            spec.image.clone(),
            "--reason".to_owned(),
            reason.to_owned(),
            "--format".to_owned(),
            "json".to_owned(),
        ];
        if let Some(branch) = &spec.branch {
            args.extend(["--branch".to_owned(), branch.clone()]);
        }
        for path in &spec.paths {
            args.extend(["--path".to_owned(), path.clone()]);
        }
        if let Some(environment) = &spec.environment {
            args.extend(["--env".to_owned(), environment.clone()]);
        }
        if let Some(to) = &spec.to {
            args.extend(["--to".to_owned(), to.clone()]);
        }
        Ok(GitopsCommand {
            program: program(),
            args,
            description: format!(
                "{} in {}{}",
                spec.image,
                spec.repo,
                spec.branch
                    .as_deref()
                    .or(spec.environment.as_deref())
                    .map(|b| format!(" ({b})"))
                    .unwrap_or_default()
            ),
        })
    }
}

impl GitopsRevert for GitopsCommand {
    fn describe(&self) -> String {
        self.description.clone()
    }

    fn revert(&self) -> BoxFuture<'_, Result<(bool, String), GitopsFailure>> {
        Box::pin(async move {
            let failed = |message: String, input: bool| GitopsFailure { message, input };
            let mut command = tokio::process::Command::new(&self.program);
            command
                .args(&self.args)
                // Its step outputs and summary are its own; ours report
                // the whole rollback.
                .env_remove("GITHUB_OUTPUT")
                .env_remove("GITHUB_STEP_SUMMARY")
                .stdin(Stdio::null());
            // Only the settings the spec cannot give pass through: a
            // job-wide GANTRY_MODE or GANTRY_REPO_PATHS meant for another
            // step must not change what is reverted.
            for (name, _) in std::env::vars_os() {
                let name = name.to_string_lossy().into_owned();
                if name.starts_with("GANTRY_") && !PASSED.contains(&name.as_str()) {
                    command.env_remove(&name);
                }
            }
            let output = command.output().await.map_err(|e| {
                failed(format!("cannot run {}: {e}", self.program.display()), false)
            })?;
            let stdout = String::from_utf8_lossy(&output.stdout);
            let stderr = String::from_utf8_lossy(&output.stderr);
            if !output.status.success() {
                let last = stderr
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("no message");
                // gantry-gitops's exit 2 is bad input (nothing to revert,
                // an unknown environment), as it is for us.
                return Err(failed(
                    format!(
                        "gantry-gitops revert failed ({}): {}",
                        output.status,
                        last.trim()
                    ),
                    output.status.code() == Some(2),
                ));
            }
            let json: serde_json::Value = serde_json::from_str(stdout.trim()).map_err(|e| {
                failed(
                    format!(
                        "gantry-gitops revert answered something that is not its JSON report: {e}"
                    ),
                    false,
                )
            })?;
            let changed = json["changed"].as_bool().unwrap_or(false);
            let detail = match (changed, json["commit"].as_str()) {
                (true, Some(commit)) => format!("reverted in commit {commit}"),
                (false, Some(commit)) => format!("already reverted (commit {commit})"),
                _ => json["summary"].as_str().unwrap_or("reverted").to_owned(),
            };
            Ok((changed, detail))
        })
    }
}
