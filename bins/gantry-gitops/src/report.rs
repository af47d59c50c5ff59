//! Printing an outcome: the changes, one line; JSON; step outputs; summary.

use gantry_cli::CliError;
use gantry_deploy::{DeployError, Outcome, Target};
use gantry_runner::{Location, Printer, Summary};
use serde_json::json;

/// Report a file refusal per file (annotations), then the error.
pub(crate) fn failure(printer: &mut Printer, error: DeployError) -> CliError {
    if let DeployError::Refused { errors, .. } = &error {
        for e in errors {
            let location = e.location().map(|(file, pos)| match pos {
                Some((line, column)) => Location::at(file, line as u64).with_column(column as u64),
                None => Location::new(file),
            });
            let message = match e {
                gantry_files::FilesError::Plan { source, .. } => source.to_string(),
                other => other.to_string(),
            };
            let _ = printer.error("gantry-gitops", &message, location);
        }
    }
    crate::repo::deploy_error(error)
}

/// Print `outcome` of `operation` on `target`.
pub(crate) fn outcome(
    printer: &mut Printer,
    operation: &str,
    target: &Target,
    outcome: &Outcome,
) -> Result<(), CliError> {
    let commit = outcome.commit.clone().unwrap_or_default();
    let short = commit.get(..12).unwrap_or(&commit);
    let headline = if outcome.changed {
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
    let json = json!({
        "operation": operation,
        "changed": outcome.changed,
        "commit": outcome.commit,
        "branch": target.branch,
        "environment": target.environment,
        "attempts": outcome.attempts,
        "done_by_another": outcome.done_by_another,
        "up_to_date": outcome.up_to_date,
        "images": images,
        "changes": changes,
    });
    printer.result(&human, &json)?;
    printer.info(&headline)?;
    printer.set_output("changed", if outcome.changed { "true" } else { "false" })?;
    printer.set_output("commit", &commit)?;
    printer.set_output("operation", operation)?;
    printer.set_output("pr-url", "")?;
    printer.set_output("pr-number", "")?;
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
