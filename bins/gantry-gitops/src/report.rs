//! Printing an outcome: the changes, one line; JSON; step outputs; summary.

use gantry_cli::CliError;
use gantry_deploy::{DeployError, Outcome, PullRequestOperation, PullRequestOutcome, Target};
use gantry_runner::{Location, Printer, Summary};
use serde_json::json;

use crate::repo::{Mode, Repo};

/// Report a file refusal per file (annotations), then the error.
pub(crate) fn failure(printer: &mut Printer, error: DeployError) -> CliError {
    if let DeployError::Refused { errors, .. } = &error {
        for e in errors {
            let location = e.location().map(|(file, pos)| match pos {
                Some((line, column)) => Location::at(file, line as u64).with_column(column as u64),
                None => Location::new(file),
            });
            let message = match e {
                gantry_files::FilesError::Plan { error, .. } => {
                    without_position(&error.to_string(), error.position())
                }
                other => other.to_string(),
            };
            let _ = printer.error("gantry-gitops", &message, location);
        }
    }
    crate::repo::deploy_error(error)
}

/// The headline of a `--mode pr` run, when the pull request decides it.
fn pull_request_headline(
    operation: &str,
    outcome: &Outcome,
    pr: &PullRequestOutcome,
    short: &str,
) -> Option<String> {
    let number = pr.number.map(|n| format!("#{n}")).unwrap_or_default();
    let url = pr.url.as_deref().unwrap_or("");
    Some(match pr.operation {
        PullRequestOperation::Opened => format!(
            "{operation}: opened pull request {number} from `{}` into `{}`: {url}",
            pr.branch, pr.base
        ),
        PullRequestOperation::Updated => format!(
            "{operation}: updated pull request {number} with {short} on `{}`: {url}",
            pr.branch
        ),
        PullRequestOperation::UpToDate if !pr.target_has_values => format!(
            "{operation}: pull request {number} already proposes these values (`{}` into `{}`); nothing to push: {url}",
            pr.branch, pr.base
        ),
        // No reference found at all: the usual message says so.
        PullRequestOperation::UpToDate if outcome.up_to_date == 0 => return None,
        PullRequestOperation::UpToDate => match pr.number {
            Some(_) => format!(
                "{operation}: nothing to change: `{}` already has these values; pull request {number} from `{}` stays open, left as it is: {url}",
                pr.base, pr.branch
            ),
            None => format!(
                "{operation}: nothing to change: `{}` already has these values; no pull request opened",
                pr.base
            ),
        },
    })
}

/// Print `outcome` of `operation` on `target`, written by `repo`.
pub(crate) fn outcome(
    printer: &mut Printer,
    operation: &str,
    target: &Target,
    outcome: &Outcome,
    repo: &Repo,
) -> Result<(), CliError> {
    let pr = repo.deployer.take_pull_request();
    let commit = outcome.commit.clone().unwrap_or_default();
    let short = commit.get(..12).unwrap_or(&commit);
    let pr_headline = pr
        .as_ref()
        .and_then(|p| pull_request_headline(operation, outcome, p, short));
    let headline = if let Some(h) = pr_headline {
        h
    } else if outcome.changed && repo.mode == Mode::Api {
        format!(
            "{operation}: committed {short} to `{}` of {} through the GitHub API, signed by GitHub ({} attempt(s))",
            target.branch,
            repo.github_repository
                .as_ref()
                .map_or_else(|| target.remote.shown_url(), ToString::to_string),
            outcome.attempts
        )
    } else if outcome.changed {
        format!(
            "{operation}: pushed {short} to `{}` of {} ({} attempt(s))",
            target.branch,
            target.remote.shown_url(),
            outcome.attempts
        )
    } else if outcome.done_by_another {
        format!(
            "{operation}: already up to date: another writer set the same values on `{}` meanwhile; nothing to commit",
            target.branch
        )
    } else if outcome.up_to_date > 0 {
        format!(
            "{operation}: already up to date on `{}` ({} reference(s) hold the new value); nothing to commit",
            target.branch, outcome.up_to_date
        )
    } else {
        format!(
            "{operation}: no reference to the image found on `{}`{}; nothing to commit",
            target.branch,
            if target.paths.is_empty() {
                String::new()
            } else {
                format!(" under {}", target.paths.join(", "))
            }
        )
    };
    let changes: Vec<serde_json::Value> = outcome
        .changes
        .iter()
        .map(|c| {
            json!({
                "file": c.file,
                "line": c.change.line,
                "path": c.change.path,
                "old": c.change.old,
                "new": c.change.new,
            })
        })
        .collect();
    let images: Vec<serde_json::Value> = outcome
        .images
        .iter()
        .map(|i| json!({"name": i.name, "before": i.before, "after": i.after}))
        .collect();
    let human: String = outcome
        .changes
        .iter()
        .map(|c| {
            format!(
                "{}:{}: {}: {} -> {}\n",
                c.file, c.change.line, c.change.path, c.change.old, c.change.new
            )
        })
        .collect();
    let pull_request = pr.as_ref().map(|p| {
        json!({
            "operation": p.operation.as_str(),
            "number": p.number,
            "url": p.url,
            "branch": p.branch,
            "base": p.base,
            "warnings": p.warnings,
        })
    });
    let json = json!({
        "operation": operation,
        "mode": repo.mode.as_str(),
        "changed": outcome.changed,
        "commit": outcome.commit,
        "branch": target.branch,
        "environment": target.environment,
        "attempts": outcome.attempts,
        "done_by_another": outcome.done_by_another,
        "up_to_date": outcome.up_to_date,
        "images": images,
        "missing": outcome.missing,
        "changes": changes,
        "pull_request": pull_request,
    });
    printer.result(&human, &json)?;
    for warning in pr.iter().flat_map(|p| &p.warnings) {
        printer.warning(warning, None)?;
    }
    if !outcome.missing.is_empty() {
        let names: Vec<String> = outcome.missing.iter().map(|m| format!("`{m}`")).collect();
        printer.warning(
            &format!(
                "no reference to {} found on `{}`{}; left out",
                names.join(", "),
                target.branch,
                if target.paths.is_empty() {
                    String::new()
                } else {
                    format!(" under {}", target.paths.join(", "))
                }
            ),
            None,
        )?;
    }
    printer.info(&headline)?;
    printer.set_output("changed", if outcome.changed { "true" } else { "false" })?;
    printer.set_output("commit", &commit)?;
    // In pr mode the step output says what happened to the pull request.
    printer.set_output(
        "operation",
        pr.as_ref().map_or(operation, |p| p.operation.as_str()),
    )?;
    printer.set_output(
        "pr-url",
        pr.as_ref().and_then(|p| p.url.as_deref()).unwrap_or(""),
    )?;
    printer.set_output(
        "pr-number",
        &pr.as_ref()
            .and_then(|p| p.number)
            .map(|n| n.to_string())
            .unwrap_or_default(),
    )?;
    printer.set_output("attempts", &outcome.attempts.to_string())?;
    printer.set_output("changes", &serde_json::Value::Array(changes).to_string())?;
    let mut summary = Summary::new();
    summary.heading(3, &format!("gantry-gitops {headline}"));
    if !outcome.images.is_empty() {
        let rows: Vec<Vec<String>> = outcome
            .images
            .iter()
            .map(|i| {
                vec![
                    format!("`{}`", i.name),
                    format!("`{}`", i.before),
                    format!("`{}`", i.after),
                ]
            })
            .collect();
        summary.table(&["image", "before", "after"], &rows);
    }
    printer.summary(&summary)?;
    Ok(())
}

/// `line 3, column 5: msg` without its prefix, when an annotation already
/// says where.
fn without_position(message: &str, position: Option<(usize, usize)>) -> String {
    match position {
        Some((line, column)) => message
            .strip_prefix(&format!("line {line}, column {column}: "))
            .unwrap_or(message)
            .to_owned(),
        None => message.to_owned(),
    }
}
