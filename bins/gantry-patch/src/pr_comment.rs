//! `--dry-run --pr-comment`: what a deploy would change, as ONE comment on
//! the pull request that later runs update instead of adding another.
//!
//! Every setting is checked before anything else happens (exit 2): the
//! pull request's number (`--pr`, else the event payload of a
//! `pull_request` or `pull_request_target` event), the repository
//! (`GITHUB_REPOSITORY`), the token (`GITHUB_TOKEN`, masked at once), the
//! key, the API root (`GITHUB_API_URL`).
//!
//! The comment is a courtesy; the diff is the product. Once the dry run is
//! done, no answer from GitHub changes the exit code: a read-only token (a
//! fork's pull request: 403 "Resource not accessible by …", or 404) is a
//! notice, anything else a warning.

use std::io::Read as _;
use std::time::{Duration, Instant};

use gantry_cli::{CliError, env_vars};
use gantry_github::{
    CommentSearch, Config, Error, GitHub, IssueComment, Repository, RetryPolicy, SearchLimits,
    Stopped,
};
use gantry_runner::{Printer, RunnerEnv};

use crate::comment_body::{self, Report};

/// The default of `--github-timeout` for the comment.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Pages of 100 comments read at most to find the comment again: the first
/// and the newest (1,000 comments).
const MAX_PAGES: u32 = 10;

/// No request of the comment starts later than this many deadlines after
/// the first: with the defaults, a slow GitHub holds the run for
/// 3 × 10 s plus one request (two tries of 10 s), under a minute.
const BUDGET_DEADLINES: u32 = 3;

/// The largest event payload read (GitHub caps webhook payloads at 25 MB).
const MAX_PAYLOAD: u64 = 32 * 1024 * 1024;

/// The events whose payload names a pull request.
const PULL_REQUEST_EVENTS: &[&str] = &["pull_request", "pull_request_target"];

const READ_ONLY: &str = "the pull request comment was skipped: the token cannot write to pull requests (a fork's pull request?)";

#[derive(Debug, clap::Args)]
pub(crate) struct PrCommentArgs {
    /// With --dry-run: also post what a deploy would change as one comment
    /// on the pull request, which later runs update (needs GITHUB_TOKEN with
    /// `pull-requests: write` and GITHUB_REPOSITORY). A GitHub failure is a
    /// warning: the exit code stays the dry run's.
    #[arg(long, env = env_vars::GANTRY_PR_COMMENT, action = clap::ArgAction::SetTrue, value_parser = clap::builder::FalseyValueParser::new())]
    pr_comment: bool,

    /// Which comment is kept: runs with the same key update one comment,
    /// another key gets its own [default: GITHUB_JOB, else `default`].
    #[arg(long, value_name = "NAME", env = env_vars::GANTRY_PR_COMMENT_KEY)]
    pr_comment_key: Option<String>,

    /// The pull request to comment on [default: the event payload's
    /// `pull_request.number` (GITHUB_EVENT_PATH)].
    #[arg(long = "pr", value_name = "N", env = env_vars::GANTRY_PR)]
    pr: Option<String>,

    /// Deadline of each GitHub API request of --pr-comment (a timed-out
    /// request is tried once more) [default: 10s].
    #[arg(
        long,
        value_name = "DURATION",
        env = env_vars::GANTRY_GITHUB_TIMEOUT,
        allow_hyphen_values = true
    )]
    github_timeout: Option<String>,
}

/// A comment to keep, every setting checked.
pub(crate) struct PrComment {
    github: Result<GitHub, Error>,
    repository: Repository,
    number: u64,
    key: String,
    timeout: Duration,
}

fn usage(message: String) -> CliError {
    CliError::usage(anyhow::anyhow!(message))
}

fn given<'a>(flag: Option<&'a str>, env: &'a RunnerEnv, variable: &str) -> Option<&'a str> {
    flag.or_else(|| env.var(variable))
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

impl PrCommentArgs {
    /// The comment to keep, if asked for; bad settings are exit 2 before
    /// anything is read or sent.
    pub(crate) fn settings(
        &self,
        dry_run: bool,
        printer: &mut Printer,
    ) -> Result<Option<PrComment>, CliError> {
        let timeout = self
            .github_timeout
            .as_deref()
            .map(|t| gantry_cli::parse_duration("--github-timeout", t, false))
            .transpose()?
            .unwrap_or(DEFAULT_TIMEOUT);
        let pr = self.pr.as_deref().map(str::trim).filter(|p| !p.is_empty());
        let key = self
            .pr_comment_key
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty());
        if !self.pr_comment {
            return match (pr, key) {
                (Some(_), _) => Err(usage(
                    "--pr goes with --pr-comment: it names the pull request to comment on"
                        .to_owned(),
                )),
                (_, Some(_)) => Err(usage(
                    "--pr-comment-key goes with --pr-comment: it names the comment to keep"
                        .to_owned(),
                )),
                _ => Ok(None),
            };
        }
        if !dry_run {
            return Err(usage(
                "--pr-comment goes with --dry-run: the comment shows what a deploy would change, and only --dry-run computes that without writing".to_owned(),
            ));
        }
        let env = printer.env().clone();
        let number = match pr {
            Some(text) => text.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                usage(format!(
                    "invalid --pr `{text}`: expected a pull request's number"
                ))
            })?,
            None => number_from_event(&env)?,
        };
        // GANTRY_GITHUB_* first, as in gantry-gitops and gantry-canary: the
        // runner's own GITHUB_* cannot be changed by a step.
        let repository = given(None, &env, env_vars::GANTRY_GITHUB_REPOSITORY)
            .or_else(|| given(None, &env, "GITHUB_REPOSITORY"))
            .ok_or_else(|| {
            usage("--pr-comment needs the repository: set GITHUB_REPOSITORY (OWNER/NAME; GitHub Actions sets it)".to_owned())
        })?;
        let repository = Repository::parse(repository)
            .map_err(|e| usage(format!("invalid GITHUB_REPOSITORY: {e}")))?;
        let token = given(None, &env, "GITHUB_TOKEN").ok_or_else(|| {
            usage("--pr-comment needs a token: set GITHUB_TOKEN (the action's github-token input; the job needs `permissions: pull-requests: write`)".to_owned())
        })?;
        printer.mask(token)?;
        let key = match key {
            Some(key) => (key.to_owned(), "--pr-comment-key"),
            None => match given(None, &env, "GITHUB_JOB") {
                Some(job) => (job.to_owned(), "GITHUB_JOB"),
                None => ("default".to_owned(), "--pr-comment-key"),
            },
        };
        if !comment_body::valid_key(&key.0) {
            return Err(usage(format!(
                "invalid {} `{}` for the pull request comment's key: expected 1 to 100 letters, digits, `-`, `_`, `.` or `/`",
                key.1, key.0
            )));
        }
        let api_url = given(None, &env, env_vars::GANTRY_GITHUB_API_URL)
            .or_else(|| given(None, &env, "GITHUB_API_URL"))
            .unwrap_or(gantry_github::DEFAULT_API_URL);
        let mut config = Config::new(api_url, token);
        config.timeout = timeout;
        config.retry = retry_policy(timeout);
        let github = match GitHub::new(&config) {
            Err(e) if e.is_input() => {
                return Err(usage(format!("invalid GITHUB_API_URL: {e}")));
            }
            other => other,
        };
        Ok(Some(PrComment {
            github,
            repository,
            number,
            key: key.0,
            timeout,
        }))
    }
}

/// A few quick tries: GitHub's 5xx and rate limits are retried, but never
/// with a wait longer than one request's deadline.
fn retry_policy(timeout: Duration) -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        base: Duration::from_millis(500),
        max_delay: Duration::from_secs(2),
        max_wait: timeout,
    }
}

/// `pull_request.number` of the event payload, for the events that have
/// one.
fn number_from_event(env: &RunnerEnv) -> Result<u64, CliError> {
    let hint = "pass --pr N, or run on a pull_request or pull_request_target event";
    if let Some(event) = given(None, env, "GITHUB_EVENT_NAME")
        && !PULL_REQUEST_EVENTS.contains(&event)
    {
        return Err(usage(format!(
            "--pr-comment needs the pull request's number: this run's event (GITHUB_EVENT_NAME) is `{event}`, which has none; {hint}"
        )));
    }
    let path = given(None, env, "GITHUB_EVENT_PATH").ok_or_else(|| {
        usage(format!(
            "--pr-comment needs the pull request's number: GITHUB_EVENT_PATH is not set; {hint}"
        ))
    })?;
    let unreadable = |why: String| {
        usage(format!(
            "cannot read the event payload GITHUB_EVENT_PATH=`{path}`: {why}; {hint}"
        ))
    };
    // Checked before opening: opening a FIFO for reading waits for a writer.
    let metadata = std::fs::metadata(path).map_err(|e| unreadable(e.to_string()))?;
    if !metadata.is_file() {
        return Err(unreadable("not a regular file".to_owned()));
    }
    let file = std::fs::File::open(path).map_err(|e| unreadable(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_PAYLOAD + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(e.to_string()))?;
    if bytes.len() as u64 > MAX_PAYLOAD {
        return Err(unreadable(format!(
            "larger than {} MiB",
            MAX_PAYLOAD / (1024 * 1024)
        )));
    }
    let payload: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| unreadable(format!("not JSON ({e})")))?;
    payload
        .pointer("/pull_request/number")
        .and_then(serde_json::Value::as_u64)
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            usage(format!(
                "--pr-comment needs the pull request's number: the event payload GITHUB_EVENT_PATH=`{path}` has no pull_request.number; {hint}"
            ))
        })
}

/// What happened to the comment.
enum Posted {
    Created(IssueComment),
    Updated(IssueComment),
    Unchanged(IssueComment),
}

impl PrComment {
    /// Create or update the comment with `report` (its text redacted).
    /// Never an error but the printer's own: GitHub's answers are a notice
    /// or a warning.
    pub(crate) fn post(&self, report: &Report, printer: &mut Printer) -> Result<(), CliError> {
        let body = comment_body::render(&self.key, report);
        let body = printer.redact(&body).into_owned();
        let github = match &self.github {
            Ok(github) => github,
            Err(error) => return warn(printer, error),
        };
        let deadline = Instant::now() + self.timeout * BUDGET_DEADLINES;
        match self.create_or_update(github, &body, deadline) {
            Ok(Some(posted)) => {
                let (verb, comment) = match &posted {
                    Posted::Created(c) => ("created", c),
                    Posted::Updated(c) => ("updated", c),
                    Posted::Unchanged(c) => ("unchanged (the same as this run's)", c),
                };
                printer.info(&format!(
                    "pull request #{} comment {verb}: {}",
                    self.number, comment.html_url
                ))?;
                printer.set_output("pr-comment-url", &comment.html_url)?;
                Ok(())
            }
            Ok(None) => {
                printer.warning(
                    &format!(
                        "the pull request comment was skipped: GitHub answered too slowly to look through the comments of #{} within {}s (--github-timeout × {BUDGET_DEADLINES}); the dry run's result stands",
                        self.number,
                        (self.timeout * BUDGET_DEADLINES).as_secs_f64()
                    ),
                    None,
                )?;
                Ok(())
            }
            Err(error) if read_only(&error) => {
                printer.notice(&format!("{READ_ONLY}: {error}"), None)?;
                Ok(())
            }
            Err(error) => warn(printer, &error),
        }
    }

    /// `None` when the time ran out before it was known whether the
    /// comment exists (creating one then could make a second).
    fn create_or_update(
        &self,
        github: &GitHub,
        body: &str,
        deadline: Instant,
    ) -> Result<Option<Posted>, Error> {
        let marker = comment_body::marker(&self.key);
        let search: CommentSearch = github.find_issue_comment(
            &self.repository,
            self.number,
            SearchLimits {
                max_pages: MAX_PAGES,
                deadline: Some(deadline),
            },
            |c| comment_body::is_ours(c.text(), &marker),
        )?;
        if let Some(found) = search.found {
            if comment_body::same(found.text(), body) {
                return Ok(Some(Posted::Unchanged(found)));
            }
            match github.update_issue_comment(&self.repository, found.id, body) {
                Ok(updated) => return Ok(Some(Posted::Updated(updated))),
                // Deleted since it was read: a new one takes its place.
                Err(e) if e.status() == Some(404) => {}
                Err(e) => return Err(e),
            }
        } else if search.stopped == Some(Stopped::Deadline) {
            return Ok(None);
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        github
            .create_issue_comment(&self.repository, self.number, body)
            .map(|c| Some(Posted::Created(c)))
    }
}

/// A token that may read but not write: GitHub's 403 "Resource not
/// accessible by integration" (or "… by personal access token"), or 404
/// (a private repository's comments the token cannot see).
fn read_only(error: &Error) -> bool {
    match error {
        Error::Status {
            status: 403,
            message,
            ..
        } => message.starts_with("Resource not accessible by"),
        Error::Status { status: 404, .. } => true,
        _ => false,
    }
}

fn warn(printer: &mut Printer, error: &Error) -> Result<(), CliError> {
    printer.warning(
        &format!("the pull request comment was not posted (the dry run's result stands): {error}"),
        None,
    )?;
    Ok(())
}
