//! GitHub Deployment statuses for the environment: `in_progress` while the
//! analysis runs, then `success` (promote), `failure` (rollback) or
//! `error` (inconclusive) with the decision's reason, linked to the run.
//!
//! The statuses report the analysis; they never decide it. A GitHub API
//! failure is a warning and the analysis goes on (a canary must not be
//! rolled back, or left unwatched, because api.github.com had a bad
//! minute). Bad settings are still exit 2 before anything starts.
//!
//! The deployment is created here (`--deployment-environment`), given
//! (`--deployment-id N`), or the one GitHub Actions created for the job's
//! `environment:` (`--deployment-id environment`, found by
//! `find_deployment`).

use gantry_analysis::Verdict;
use gantry_cli::{CliError, env_vars};
use std::time::Duration;

use gantry_github::{
    DeploymentState, GitHub, NewDeployment, NewDeploymentStatus, Repository, RetryPolicy,
};
use gantry_runner::Printer;

use crate::find_deployment::{self, Search};

/// The description of the deployments gantry-canary creates (and how the
/// search for an environment's deployment tells them apart).
const OWN_DESCRIPTION: &str = "canary analysis by gantry-canary";

/// `--deployment-id`: a deployment's number, or `environment`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeploymentId {
    /// An existing deployment.
    Id(u64),
    /// The one GitHub Actions created for this job's `environment:`.
    Environment,
}

fn parse_deployment_id(text: &str) -> Result<DeploymentId, String> {
    let text = text.trim();
    if text == "environment" {
        return Ok(DeploymentId::Environment);
    }
    text.parse::<u64>()
        .ok()
        .filter(|id| *id > 0)
        .map(DeploymentId::Id)
        .ok_or_else(|| {
            "expected a deployment's number, or `environment` for the deployment of this job's `environment:`".to_owned()
        })
}

#[derive(Debug, clap::Args)]
pub(crate) struct DeploymentArgs {
    /// Create a GitHub Deployment for this environment and report the
    /// analysis on it (needs GANTRY_TOKEN with `deployments: write`); with
    /// --deployment-id environment, the job's `environment:` whose own
    /// deployment is reported on.
    #[arg(long, value_name = "NAME", env = env_vars::GANTRY_DEPLOYMENT_ENVIRONMENT)]
    deployment_environment: Option<String>,

    /// Report on this existing deployment instead of creating one; with
    /// `environment`, on the one GitHub Actions created for this job's
    /// `environment:` (named by --deployment-environment; found by the
    /// commit, GITHUB_SHA, and the run, GITHUB_RUN_ID).
    #[arg(long, value_name = "ID|environment", env = env_vars::GANTRY_DEPLOYMENT_ID, value_parser = parse_deployment_id)]
    deployment_id: Option<DeploymentId>,

    /// The ref the deployment is for (default: GITHUB_SHA).
    #[arg(long, value_name = "REF", env = env_vars::GANTRY_DEPLOYMENT_REF)]
    deployment_ref: Option<String>,

    /// Where the deployed service answers, shown on the environment.
    #[arg(long, value_name = "URL", env = env_vars::GANTRY_ENVIRONMENT_URL)]
    environment_url: Option<String>,

    /// GitHub REST API root (default: GITHUB_API_URL, else https://api.github.com).
    #[arg(long, value_name = "URL", env = env_vars::GANTRY_GITHUB_API_URL)]
    github_api_url: Option<String>,

    /// The repository, `OWNER/NAME` (default: GITHUB_REPOSITORY).
    #[arg(long, value_name = "OWNER/NAME", env = env_vars::GANTRY_GITHUB_REPOSITORY)]
    github_repository: Option<String>,

    /// Deadline of each GitHub API request (tried twice at most; once
    /// GitHub has not answered, no further status is sent) [default: 10s].
    // The variable's constant comes with gantry-github's own deadline
    // (its owner adds it to env_vars.rs); the same name meanwhile.
    #[arg(
        long,
        value_name = "DURATION",
        env = env_vars::GANTRY_GITHUB_TIMEOUT,
        allow_hyphen_values = true
    )]
    github_timeout: Option<String>,
}

/// The default of `--github-timeout`.
const DEFAULT_GITHUB_TIMEOUT: Duration = Duration::from_secs(10);

/// Statuses report the analysis, never hold it up: two tries, short
/// back-off, and no waiting on a rate limit longer than one request.
fn retry_policy(timeout: Duration) -> RetryPolicy {
    RetryPolicy {
        attempts: 2,
        base: Duration::from_millis(500),
        max_delay: Duration::from_secs(2),
        max_wait: timeout,
    }
}

/// Reports the analysis on a deployment.
pub(crate) struct Tracker {
    github: GitHub,
    repository: Repository,
    /// Set once the deployment exists.
    id: Option<u64>,
    create: Option<NewDeployment>,
    /// The environment's deployment, to find first.
    find: Option<Search>,
    log_url: Option<String>,
    environment_url: Option<String>,
    /// Set when GitHub did not answer: later statuses are not tried (each
    /// would wait as long again, and a status never decides anything).
    silent: bool,
}

fn usage(message: String) -> CliError {
    CliError::usage(anyhow::anyhow!(message))
}

impl DeploymentArgs {
    /// The tracker, when deployment statuses are asked for; every setting
    /// checked now.
    pub(crate) fn tracker(&self, printer: &Printer) -> Result<Option<Tracker>, CliError> {
        let environment = self
            .deployment_environment
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty());
        let timeout = self
            .github_timeout
            .as_deref()
            .map(|t| gantry_cli::parse_duration("--github-timeout", t, false))
            .transpose()?
            .unwrap_or(DEFAULT_GITHUB_TIMEOUT);
        if environment.is_none() && self.deployment_id.is_none() {
            return Ok(None);
        }
        let env = printer.env();
        let find = match self.deployment_id {
            Some(DeploymentId::Environment) => Some(self.search(environment, env)?),
            _ => None,
        };
        let given = |flag: &Option<String>, variable: &str| {
            flag.as_deref()
                .or_else(|| env.var(variable))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let repository = given(&self.github_repository, "GITHUB_REPOSITORY").ok_or_else(|| {
            usage("deployment statuses need the repository: --github-repository OWNER/NAME (or GITHUB_REPOSITORY)".to_owned())
        })?;
        let repository = Repository::parse(&repository).map_err(CliError::usage)?;
        let token = env
            .var(env_vars::GANTRY_TOKEN)
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                usage(format!(
                    "deployment statuses need a token: set {} (e.g. the job's github.token with `deployments: write`)",
                    env_vars::GANTRY_TOKEN
                ))
            })?;
        let create = match (self.deployment_id, environment) {
            (Some(_), _) => None,
            (None, Some(environment)) => {
                let git_ref = given(&self.deployment_ref, "GITHUB_SHA").ok_or_else(|| {
                    usage("--deployment-environment needs the ref deployed: --deployment-ref REF (or GITHUB_SHA)".to_owned())
                })?;
                Some(NewDeployment {
                    git_ref,
                    environment: environment.to_owned(),
                    description: OWN_DESCRIPTION.to_owned(),
                    transient: false,
                    production: environment.eq_ignore_ascii_case("production")
                        || environment.eq_ignore_ascii_case("prod"),
                })
            }
            (None, None) => return Ok(None),
        };
        let environment_url = self
            .environment_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(|u| {
                url::Url::parse(u)
                    .ok()
                    .filter(|p| matches!(p.scheme(), "http" | "https"))
                    .map(|_| u.to_owned())
                    .ok_or_else(|| {
                        usage(format!(
                            "invalid --environment-url `{}`: expected an http:// or https:// URL",
                            crate::plan::shown_url(u)
                        ))
                    })
            })
            .transpose()?;
        let api_url = given(&self.github_api_url, "GITHUB_API_URL")
            .unwrap_or_else(|| gantry_github::DEFAULT_API_URL.to_owned());
        let mut config = gantry_github::Config::new(&api_url, token);
        config.timeout = timeout;
        config.retry = retry_policy(timeout);
        let github = GitHub::new(&config).map_err(|e| {
            if e.is_input() {
                CliError::usage(e)
            } else {
                CliError::external(e)
            }
        })?;
        let log_url = match (
            env.var("GITHUB_SERVER_URL"),
            env.var("GITHUB_REPOSITORY"),
            env.var("GITHUB_RUN_ID"),
        ) {
            (Some(server), Some(repo), Some(run)) if !run.is_empty() => Some(format!(
                "{}/{repo}/actions/runs/{run}",
                server.trim_end_matches('/')
            )),
            _ => None,
        };
        let id = match self.deployment_id {
            Some(DeploymentId::Id(id)) => Some(id),
            _ => None,
        };
        Ok(Some(Tracker {
            github,
            repository,
            id,
            create,
            find,
            log_url,
            environment_url,
            silent: false,
        }))
    }
}

impl DeploymentArgs {
    /// What `--deployment-id environment` looks for; everything it needs
    /// given (the checks come before the token's and the repository's:
    /// this is the mistake to name).
    fn search(
        &self,
        environment: Option<&str>,
        env: &gantry_runner::RunnerEnv,
    ) -> Result<Search, CliError> {
        let environment = environment.ok_or_else(|| {
            usage("--deployment-id environment needs --deployment-environment NAME: the `environment:` of this job, whose deployment is reported on".to_owned())
        })?;
        if self
            .deployment_ref
            .as_deref()
            .is_some_and(|r| !r.trim().is_empty())
        {
            return Err(usage("--deployment-ref does not go with --deployment-id environment: the environment's deployment is of the workflow's commit (GITHUB_SHA)".to_owned()));
        }
        let sha = env.var("GITHUB_SHA").map(str::trim).filter(|s| !s.is_empty()).ok_or_else(|| {
            usage("--deployment-id environment needs GITHUB_SHA (the commit of the environment's deployment), which GitHub Actions sets".to_owned())
        })?;
        let run_id = env
            .var("GITHUB_RUN_ID")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                usage("--deployment-id environment needs GITHUB_RUN_ID (the run the environment's deployment links to), which GitHub Actions sets".to_owned())
            })?;
        if !run_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(usage(format!(
                "--deployment-id environment: GITHUB_RUN_ID `{run_id}` is not a run's number"
            )));
        }
        Ok(Search {
            environment: environment.to_owned(),
            sha: sha.to_owned(),
            run_id: run_id.to_owned(),
            skip_description: OWN_DESCRIPTION.to_owned(),
        })
    }
}

impl Tracker {
    /// Create the deployment (if asked), or find the environment's, and
    /// mark it in progress.
    pub(crate) fn start(
        &mut self,
        description: &str,
        printer: &mut Printer,
    ) -> Result<(), CliError> {
        if let Some(search) = self.find.take()
            && !self.find_environment_deployment(&search, printer)?
        {
            return Ok(());
        }
        if let Some(new) = self.create.take() {
            match self.github.create_deployment(&self.repository, &new) {
                Ok(deployment) => {
                    printer.info(&format!(
                        "GitHub deployment {} for {} at {}",
                        deployment.id, deployment.environment, deployment.sha
                    ))?;
                    printer.set_output("deployment-id", &deployment.id.to_string())?;
                    self.id = Some(deployment.id);
                }
                Err(error) => {
                    printer.warning(
                        &format!("could not create the GitHub deployment (the analysis goes on without statuses): {error}"),
                        None,
                    )?;
                    self.silent = no_answer(&error);
                    return Ok(());
                }
            }
        }
        self.status(DeploymentState::InProgress, description, printer)
    }

    /// Look for the environment's deployment; whether it was found.
    fn find_environment_deployment(
        &mut self,
        search: &Search,
        printer: &mut Printer,
    ) -> Result<bool, CliError> {
        let listing = (&self.github, &self.repository);
        match find_deployment::find(
            &listing,
            search,
            find_deployment::WAIT,
            find_deployment::POLL,
        ) {
            Ok(Ok(found)) => {
                printer.info(&format!(
                    "GitHub deployment {} of environment `{}` at {}: the one this job's `environment:` created (run {})",
                    found.deployment.id, search.environment, search.sha, search.run_id
                ))?;
                printer.set_output("deployment-id", &found.deployment.id.to_string())?;
                self.id = Some(found.deployment.id);
                // The job's own page, where the environment links to.
                if found.log_url.is_some() {
                    self.log_url = found.log_url;
                }
                Ok(true)
            }
            Ok(Err(missing)) => {
                printer.warning(
                    &format!(
                        "no GitHub deployment of environment `{}` at {} links to run {} (looked at {} deployment(s) of that environment and commit, {} time(s) over {} s): is `environment: {}` set on this job? The analysis goes on without statuses",
                        search.environment,
                        search.sha,
                        search.run_id,
                        missing.looked_at,
                        missing.searches,
                        find_deployment::WAIT.as_secs(),
                        search.environment,
                    ),
                    None,
                )?;
                Ok(false)
            }
            Err(error) => {
                printer.warning(
                    &format!(
                        "could not look for the GitHub deployment of environment `{}` (the analysis goes on without statuses): {error}",
                        search.environment
                    ),
                    None,
                )?;
                self.silent = no_answer(&error);
                Ok(false)
            }
        }
    }

    /// Report the decision.
    pub(crate) fn finish(
        &mut self,
        verdict: Verdict,
        reason: &str,
        printer: &mut Printer,
    ) -> Result<(), CliError> {
        let state = match verdict {
            Verdict::Promote => DeploymentState::Success,
            Verdict::Rollback => DeploymentState::Failure,
            Verdict::Inconclusive => DeploymentState::Error,
        };
        self.status(state, &format!("{}: {reason}", verdict.as_str()), printer)
    }

    fn status(
        &mut self,
        state: DeploymentState,
        description: &str,
        printer: &mut Printer,
    ) -> Result<(), CliError> {
        let Some(id) = self.id else {
            return Ok(());
        };
        if self.silent {
            printer.warning(
                &format!(
                    "GitHub deployment {id} not set to {}: GitHub did not answer before",
                    state.as_str()
                ),
                None,
            )?;
            return Ok(());
        }
        let status = NewDeploymentStatus {
            state,
            description: description.to_owned(),
            log_url: self.log_url.clone(),
            environment_url: self.environment_url.clone(),
        };
        if let Err(error) = self
            .github
            .create_deployment_status(&self.repository, id, &status)
        {
            printer.warning(
                &format!(
                    "could not set GitHub deployment {id} to {}: {error}",
                    state.as_str()
                ),
                None,
            )?;
            self.silent = no_answer(&error);
        }
        Ok(())
    }
}

/// GitHub gave no answer (a timeout, a refused connection, a flood), as
/// opposed to an answer refusing the request.
fn no_answer(error: &gantry_github::Error) -> bool {
    matches!(error, gantry_github::Error::Transport { .. })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployment_ids_are_numbers_or_environment() {
        let table: &[(&str, Option<DeploymentId>)] = &[
            ("42", Some(DeploymentId::Id(42))),
            (" 42 ", Some(DeploymentId::Id(42))),
            ("environment", Some(DeploymentId::Environment)),
            ("Environment", None),
            ("0", None),
            ("-1", None),
            ("latest", None),
            ("", None),
            ("18446744073709551616", None),
        ];
        for (text, want) in table {
            assert_eq!(parse_deployment_id(text).ok(), *want, "{text:?}");
        }
    }
}
