//! GitHub Deployment statuses for the environment: `in_progress` while the
//! analysis runs, then `success` (promote), `failure` (rollback) or
//! `error` (inconclusive) with the decision's reason, linked to the run.
//!
//! The statuses report the analysis; they never decide it. A GitHub API
//! failure is a warning and the analysis goes on (a canary must not be
//! rolled back, or left unwatched, because api.github.com had a bad
//! minute). Bad settings are still exit 2 before anything starts.

use gantry_analysis::Verdict;
use gantry_cli::{CliError, env_vars};
use std::time::Duration;

use gantry_github::{
    DeploymentState, GitHub, NewDeployment, NewDeploymentStatus, Repository, RetryPolicy,
};
use gantry_runner::Printer;

#[derive(Debug, clap::Args)]
pub(crate) struct DeploymentArgs {
    /// Create a GitHub Deployment for this environment and report the
    /// analysis on it (needs GANTRY_TOKEN with `deployments: write`).
    #[arg(long, value_name = "NAME", env = env_vars::GANTRY_DEPLOYMENT_ENVIRONMENT)]
    deployment_environment: Option<String>,

    /// Report on this existing deployment instead of creating one.
    #[arg(long, value_name = "ID", env = env_vars::GANTRY_DEPLOYMENT_ID)]
    deployment_id: Option<u64>,

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
        env = "GANTRY_GITHUB_TIMEOUT",
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
                    description: "canary analysis by gantry-canary".to_owned(),
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
        Ok(Some(Tracker {
            github,
            repository,
            id: self.deployment_id,
            create,
            log_url,
            environment_url,
            silent: false,
        }))
    }
}

impl Tracker {
    /// Create the deployment (if asked) and mark it in progress.
    pub(crate) fn start(
        &mut self,
        description: &str,
        printer: &mut Printer,
    ) -> Result<(), CliError> {
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
