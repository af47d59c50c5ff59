//! What an event payload lacks, read from the GitHub API as
//! metadata-action reads it:
//!
//! - the commit's date, when `{{commit_date}}` is used and the payload has
//!   no entry for the commit (pull_request, workflow_dispatch, schedule…).
//!   metadata-action falls back to the current time when the API fails;
//!   gantry does too, and says so in a warning.
//! - the repository (default branch for `type=edge`, name, description,
//!   URL and licence for the labels), when the payload has none (schedule).
//!   metadata-action fails when it cannot read it; so does gantry (exit 3,
//!   or 2 when GitHub refuses the token or does not know the repository).
//!
//! Both need `GITHUB_TOKEN` (the action passes its `github-token` input) and
//! `GITHUB_API_URL`; without them, a warning says what is used instead.

use std::time::Duration;

use anyhow::anyhow;
use gantry_cli::CliError;
use gantry_runner::Printer;
use gantry_tags::Context;

use crate::github_api::{GitHubApi, GitHubError};
use crate::registry::block_on;

/// What the computation needs from the API.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Needs {
    /// `{{commit_date}}` is used somewhere.
    pub(crate) commit_date: bool,
    /// The payload has no `repository` object.
    pub(crate) repository: bool,
}

/// Fill `context` with what it lacks and the computation needs.
pub(crate) fn fill(
    context: &mut Context,
    needs: Needs,
    timeout: Duration,
    printer: &mut Printer,
) -> Result<(), CliError> {
    let wants_date = needs.commit_date && context.commit_time.is_none() && !context.sha.is_empty();
    if !wants_date && !needs.repository {
        return Ok(());
    }
    let var = |name: &str| {
        printer
            .env()
            .var(name)
            .filter(|v| !v.trim().is_empty())
            .map(str::to_owned)
    };
    let token = var("GITHUB_TOKEN");
    let api_url = var("GITHUB_API_URL");
    let repository = context.repository.clone();
    let short_sha: String = context.sha.chars().take(7).collect();
    let now = context.now;
    let missing: Vec<&str> = [
        ("GITHUB_TOKEN", token.is_none()),
        ("GITHUB_API_URL", api_url.is_none()),
        ("GITHUB_REPOSITORY", repository.is_none()),
    ]
    .into_iter()
    .filter_map(|(name, missing)| missing.then_some(name))
    .collect();
    let (Some(token), Some(api_url), Some(repository)) = (token, api_url, repository) else {
        let missing = missing.join(" and ");
        if wants_date {
            printer.warning(
                &format!(
                    "`{{{{commit_date}}}}`: the event payload has no date for commit {short_sha}, and without {missing} gantry cannot ask the GitHub API: using the current time ({now}) instead"
                ),
                None,
            )?;
        }
        if needs.repository {
            printer.warning(
                &format!(
                    "the `{}` event payload has no repository, and without {missing} gantry cannot read it from the GitHub API: `type=edge` without `branch=` gives no tag, and the title, description, URL and licence labels stay empty or from GITHUB_REPOSITORY",
                    context.event_name
                ),
                None,
            )?;
        }
        return Ok(());
    };
    printer.mask(&token)?;
    let api = GitHubApi::new(&api_url, &repository, &token, timeout).map_err(CliError::usage)?;

    if needs.repository {
        let found = block_on(api.repository())?.map_err(|error| {
            let wrapped = anyhow!(
                "the `{}` event payload has no repository and reading it failed: {error}",
                context.event_name
            );
            if error.is_input_error() {
                CliError::usage(wrapped)
            } else {
                CliError::external(wrapped)
            }
        })?;
        context.default_branch = context.default_branch.take().or(found.default_branch);
        context.repo_name = found.name.or(context.repo_name.take());
        context.repo_description = context.repo_description.take().or(found.description);
        context.html_url = context.html_url.take().or(found.html_url);
        context.license = context.license.take().or(found.license);
    }
    if wants_date {
        match block_on(api.commit_date(&context.sha))? {
            Ok(date) => context.commit_time = Some(date),
            Err(error) => warn_date(printer, &short_sha, now, &error)?,
        }
    }
    Ok(())
}

fn warn_date(
    printer: &mut Printer,
    short_sha: &str,
    now: jiff::Timestamp,
    error: &GitHubError,
) -> Result<(), CliError> {
    printer.warning(
        &format!(
            "`{{{{commit_date}}}}`: the event payload has no date for commit {short_sha} and the GitHub API did not give it ({error}): using the current time ({now}) instead"
        ),
        None,
    )?;
    Ok(())
}
