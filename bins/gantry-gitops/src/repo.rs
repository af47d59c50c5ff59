//! What every subcommand shares: the repository, its environments, the
//! commit identity and provenance, and the deployer built from them.

use std::path::PathBuf;

use gantry_cli::{CliError, env_vars};
use gantry_deploy::{
    ApiWriter, CommitSettings, DeployError, Deployer, ENVIRONMENTS_FILE, Environment, Provenance,
    PullRequestWriter, RetryPolicy, Target, Writer,
};
use gantry_git::{Auth, GitProgram, Identity, Remote};
use gantry_github::{GitHub, MergeMethod, Repository};
use gantry_runner::Printer;

/// How to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Mode {
    /// Clone, commit and push (never forced).
    Push,
    /// Push gantry's own branch and open or update a pull request.
    Pr,
    /// Commit through the GitHub API without a clone (signed by GitHub).
    Api,
}

impl Mode {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Mode::Push => "push",
            Mode::Pr => "pr",
            Mode::Api => "api",
        }
    }
}

/// How auto-merge merges the pull request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum AutoMerge {
    /// A merge commit.
    Merge,
    /// One squashed commit.
    Squash,
    /// Rebased commits.
    Rebase,
}

#[derive(Debug, clap::Args)]
pub(crate) struct RepoArgs {
    /// The GitOps repository: `https://…`, `git@host:path`, `ssh://…`,
    /// `git://…`, `file://…`.
    #[arg(long, value_name = "URL", env = env_vars::GANTRY_REPO)]
    pub(crate) repo: String,

    /// The branch to write to (default: the environment's, else `main`).
    #[arg(long, value_name = "BRANCH", env = env_vars::GANTRY_BRANCH)]
    pub(crate) branch: Option<String>,

    /// Repository-relative files or directories to update (default: the
    /// environment's, else the whole branch).
    #[arg(long = "path", value_name = "PATH", env = env_vars::GANTRY_REPO_PATHS, value_delimiter = '\n')]
    pub(crate) paths: Vec<String>,

    /// Define an environment: `NAME=BRANCH[:PATH,…]` (repeatable); else
    /// they are read from `.gantry/environments.yaml` on the branch.
    #[arg(long = "environment", value_name = "NAME=BRANCH[:PATHS]", env = env_vars::GANTRY_ENVIRONMENTS, value_delimiter = '\n')]
    pub(crate) environments: Vec<String>,

    /// HTTPS token for the repository (a GitHub token or App installation
    /// token). Prefer the environment variable: it is never printed.
    #[arg(long, value_name = "TOKEN", env = env_vars::GANTRY_TOKEN, hide_env_values = true)]
    pub(crate) token: Option<String>,

    /// Commit author, `Name <email>` (default: github-actions[bot]).
    #[arg(long, value_name = "NAME <EMAIL>", env = env_vars::GANTRY_AUTHOR)]
    pub(crate) author: Option<String>,

    /// Committer, `Name <email>` (default: the author).
    #[arg(long, value_name = "NAME <EMAIL>", env = env_vars::GANTRY_COMMITTER)]
    pub(crate) committer: Option<String>,

    /// Commit message template: `{summary}`, `{images}`, `{environment}`,
    /// `{operation}`, `{reason}`. Trailers are always added.
    #[arg(long, value_name = "TEMPLATE", env = env_vars::GANTRY_MESSAGE)]
    pub(crate) message: Option<String>,

    /// Push attempts before giving up when others keep pushing.
    #[arg(long, value_name = "N", default_value_t = 30, env = env_vars::GANTRY_PUSH_ATTEMPTS, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub(crate) attempts: u32,

    /// Clone the whole history and tree instead of a minimal clone.
    #[arg(long, env = env_vars::GANTRY_FULL_CLONE, action = clap::ArgAction::SetTrue, value_parser = clap::builder::FalseyValueParser::new())]
    pub(crate) full_clone: bool,

    /// How to write.
    #[arg(long, value_enum, default_value_t = Mode::Push, env = env_vars::GANTRY_MODE)]
    pub(crate) mode: Mode,

    /// GitHub REST API root for `--mode pr|api` (GraphQL: `{URL}/graphql`;
    /// GitHub Enterprise Server: `https://HOST/api/v3`). Default:
    /// GITHUB_API_URL, else https://api.github.com.
    #[arg(long, value_name = "URL", env = env_vars::GANTRY_GITHUB_API_URL)]
    pub(crate) github_api_url: Option<String>,

    /// The repository on GitHub, `OWNER/NAME`, for `--mode pr|api`
    /// (default: read from --repo).
    #[arg(long, value_name = "OWNER/NAME", env = env_vars::GANTRY_GITHUB_REPOSITORY)]
    pub(crate) github_repository: Option<String>,

    /// Attempts per GitHub API request on server errors and rate limits.
    #[arg(long, value_name = "N", default_value_t = 5, env = env_vars::GANTRY_API_ATTEMPTS, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub(crate) api_attempts: u32,

    /// Labels to add to the pull request (`--mode pr`), comma-separated.
    #[arg(long, value_name = "LABEL,…", env = env_vars::GANTRY_PR_LABELS, value_delimiter = ',')]
    pub(crate) labels: Vec<String>,

    /// Reviewers to request on the pull request (`--mode pr`),
    /// comma-separated: users, or `org/team` for a team.
    #[arg(long, value_name = "USER,…", env = env_vars::GANTRY_PR_REVIEWERS, value_delimiter = ',')]
    pub(crate) reviewers: Vec<String>,

    /// Turn on auto-merge for the pull request (`--mode pr`).
    #[arg(long, value_enum, value_name = "METHOD", env = env_vars::GANTRY_PR_AUTO_MERGE)]
    pub(crate) auto_merge: Option<AutoMerge>,

    /// Deadline of each git process (clone, fetch, push): past it, git and
    /// its helpers are stopped and the run ends with exit 3.
    #[arg(long, value_name = "DURATION", default_value = "30s", env = env_vars::GANTRY_GIT_TIMEOUT)]
    pub(crate) git_timeout: String,

    /// Deadline of each GitHub API request (`--mode pr|api`); a request
    /// that times out is tried once more.
    #[arg(long, value_name = "DURATION", default_value = "20s", env = env_vars::GANTRY_GITHUB_TIMEOUT)]
    pub(crate) github_timeout: String,

    /// Where to make clones (default: the system's temporary directory).
    #[arg(long, value_name = "DIR", env = env_vars::GANTRY_WORKDIR)]
    pub(crate) workdir: Option<PathBuf>,

    /// Source repository for the trailer (default: GITHUB_REPOSITORY).
    #[arg(long, value_name = "REPO", env = env_vars::GANTRY_SOURCE_REPOSITORY)]
    pub(crate) source_repository: Option<String>,

    /// Source commit for the trailer (default: GITHUB_SHA).
    #[arg(long, value_name = "SHA", env = env_vars::GANTRY_SOURCE_COMMIT)]
    pub(crate) source_commit: Option<String>,

    /// Workflow run URL for the trailer (default: this run's).
    #[arg(long, value_name = "URL", env = env_vars::GANTRY_RUN_URL)]
    pub(crate) run_url: Option<String>,

    /// Actor for the trailer (default: GITHUB_ACTOR).
    #[arg(long, value_name = "NAME", env = env_vars::GANTRY_ACTOR)]
    pub(crate) actor: Option<String>,
}

const BOT: (&str, &str) = (
    "github-actions[bot]",
    "41898282+github-actions[bot]@users.noreply.github.com",
);

/// Everything built from [`RepoArgs`].
pub(crate) struct Repo {
    pub(crate) deployer: Deployer,
    pub(crate) settings: CommitSettings,
    pub(crate) remote: Remote,
    pub(crate) mode: Mode,
    /// `owner/name` on GitHub, in the GitHub modes.
    pub(crate) github_repository: Option<Repository>,
    defined: Vec<Environment>,
    loaded: bool,
    branch: Option<String>,
    paths: Vec<String>,
}

impl RepoArgs {
    /// Validate everything that can be checked before touching the remote.
    pub(crate) fn build(&self, printer: &mut Printer) -> Result<Repo, CliError> {
        if let Some(token) = &self.token {
            printer.mask(token)?;
        }
        // Before the URL is checked: a refused URL is named in the error.
        for secret in gantry_git::credentials_in(&self.repo) {
            printer.mask(&secret)?;
        }
        let remote = Remote::new(
            &self.repo,
            self.token.clone().map_or(Auth::Ambient, Auth::Token),
        )
        .map_err(CliError::usage)?;
        for secret in remote.secrets() {
            printer.mask(&secret)?;
        }
        if let Some((user, password)) = remote.basic_auth() {
            printer.mask_basic_auth(user, password)?;
        }
        if self.mode != Mode::Pr {
            let given = |values: &[String]| values.iter().any(|v| !v.trim().is_empty());
            let pr_only = [
                ("--labels", given(&self.labels)),
                ("--reviewers", given(&self.reviewers)),
                ("--auto-merge", self.auto_merge.is_some()),
            ];
            if let Some((flag, _)) = pr_only.iter().find(|(_, given)| *given) {
                return Err(CliError::usage(anyhow::anyhow!(
                    "{flag} is for pull requests: it needs --mode pr (not --mode {})",
                    self.mode.as_str()
                )));
            }
        }
        let labels = crate::pr_flags::labels(&self.labels)?;
        if self.mode == Mode::Api && (self.author.is_some() || self.committer.is_some()) {
            printer.warning(
                "--author and --committer do not apply to --mode api: GitHub authors the commit as the token's owner and signs it",
                None,
            )?;
        }
        let author = match &self.author {
            Some(a) => identity(a, "--author")?,
            None => Identity {
                name: BOT.0.to_owned(),
                email: BOT.1.to_owned(),
            },
        };
        let committer = match &self.committer {
            Some(c) => identity(c, "--committer")?,
            None => author.clone(),
        };
        if let Some(branch) = self.branch.as_deref() {
            gantry_deploy::branch_name(branch).map_err(CliError::usage)?;
        }
        let paths = self
            .paths
            .iter()
            .filter(|p| !p.trim().is_empty())
            .map(|p| gantry_deploy::repo_path(p.trim()).map_err(CliError::usage))
            .collect::<Result<Vec<_>, _>>()?;
        let specs: Vec<&str> = self
            .environments
            .iter()
            .map(|e| e.trim())
            .filter(|e| !e.is_empty())
            .collect();
        let defined = gantry_deploy::parse_environment_flags(&specs).map_err(CliError::usage)?;
        let git_timeout = gantry_cli::parse_duration("--git-timeout", &self.git_timeout, false)?;
        let github_timeout =
            gantry_cli::parse_duration("--github-timeout", &self.github_timeout, false)?;
        if let Some(template) = &self.message {
            gantry_deploy::check_template(template).map_err(CliError::usage)?;
        }
        let env = printer.env();
        let run_url = self.run_url.clone().or_else(|| {
            let server = env.var("GITHUB_SERVER_URL")?;
            let repo = env.var("GITHUB_REPOSITORY")?;
            let run = env.var("GITHUB_RUN_ID")?;
            Some(format!("{server}/{repo}/actions/runs/{run}"))
        });
        let provenance = Provenance {
            repository: self
                .source_repository
                .clone()
                .or_else(|| env.var("GITHUB_REPOSITORY").map(str::to_owned)),
            commit: self
                .source_commit
                .clone()
                .or_else(|| env.var("GITHUB_SHA").map(str::to_owned)),
            run_url,
            actor: self
                .actor
                .clone()
                .or_else(|| env.var("GITHUB_ACTOR").map(str::to_owned)),
        };
        let (writer, github_repository) = match self.mode {
            Mode::Push => (Writer::Push, None),
            Mode::Pr | Mode::Api => {
                let (github, repository) = self.github(&remote, printer, github_timeout)?;
                let writer = if self.mode == Mode::Pr {
                    let (users, teams) =
                        crate::pr_flags::reviewers(&self.reviewers, Some(&repository.owner))?;
                    let mut pr = PullRequestWriter::new(github, repository.clone());
                    pr.labels = labels;
                    pr.reviewers = users;
                    pr.team_reviewers = teams;
                    pr.auto_merge = self.auto_merge.map(|m| match m {
                        AutoMerge::Merge => MergeMethod::Merge,
                        AutoMerge::Squash => MergeMethod::Squash,
                        AutoMerge::Rebase => MergeMethod::Rebase,
                    });
                    Writer::PullRequest(pr)
                } else {
                    Writer::Api(ApiWriter {
                        github,
                        repository: repository.clone(),
                    })
                };
                (writer, Some(repository))
            }
        };
        let deployer = Deployer {
            git: GitProgram::default().with_timeout(git_timeout),
            retry: RetryPolicy {
                attempts: self.attempts,
                ..RetryPolicy::default()
            },
            workdir: self.workdir.clone(),
            full_clone: self.full_clone,
            file_options: gantry_manifest::FileOptions::default(),
            writer,
            missing: gantry_deploy::Missing::Refuse,
        };
        deployer.check_workdir().map_err(CliError::usage)?;
        Ok(Repo {
            deployer,
            mode: self.mode,
            github_repository,
            settings: CommitSettings {
                author,
                committer,
                template: self.message.clone(),
                provenance,
            },
            remote,
            loaded: !defined.is_empty(),
            defined,
            branch: self.branch.clone(),
            paths,
        })
    }
}

impl RepoArgs {
    /// The GitHub client and repository for `--mode pr|api`.
    fn github(
        &self,
        remote: &Remote,
        printer: &Printer,
        timeout: std::time::Duration,
    ) -> Result<(GitHub, Repository), CliError> {
        let mode = self.mode.as_str();
        let repository = match self.github_repository.as_deref().filter(|r| !r.trim().is_empty())
        {
            Some(given) => Repository::parse(given).map_err(CliError::usage)?,
            None => Repository::from_url(remote.url()).ok_or_else(|| {
                CliError::usage(anyhow::anyhow!(
                    "--mode {mode} needs the repository on GitHub, and `{}` does not say it: give --github-repository OWNER/NAME",
                    remote.shown_url()
                ))
            })?,
        };
        let Some(token) = remote.secret().filter(|t| !t.trim().is_empty()) else {
            return Err(CliError::usage(anyhow::anyhow!(
                "--mode {mode} writes through the GitHub API and needs a token: set GANTRY_TOKEN (a GitHub token or App installation token with contents{} write)",
                if self.mode == Mode::Pr {
                    " and pull requests"
                } else {
                    ""
                }
            )));
        };
        let env = printer.env();
        let explicit = self
            .github_api_url
            .as_deref()
            .filter(|u| !u.trim().is_empty());
        let api_url = explicit
            .or_else(|| env.var("GITHUB_API_URL").filter(|u| !u.is_empty()))
            .unwrap_or(gantry_github::DEFAULT_API_URL)
            .trim()
            .to_owned();
        let mut config = gantry_github::Config::new(&api_url, token);
        if explicit.is_none() {
            config.graphql_url = env
                .var("GITHUB_GRAPHQL_URL")
                .filter(|u| !u.is_empty())
                .map(str::to_owned);
        }
        config.retry.attempts = self.api_attempts;
        config.timeout = timeout;
        let github = GitHub::new(&config).map_err(|e| {
            if e.is_input() {
                CliError::usage(e)
            } else {
                CliError::external(e)
            }
        })?;
        Ok((github, repository))
    }
}

fn identity(text: &str, flag: &str) -> Result<Identity, CliError> {
    let parsed = text
        .trim()
        .strip_suffix('>')
        .and_then(|t| t.rsplit_once('<'));
    match parsed {
        Some((name, email)) if !name.trim().is_empty() && email.contains('@') => Ok(Identity {
            name: name.trim().to_owned(),
            email: email.trim().to_owned(),
        }),
        _ => Err(CliError::usage(anyhow::anyhow!(
            "invalid {flag} `{text}`: expected `Name <email@example.com>`"
        ))),
    }
}

impl Repo {
    /// The target for `environment` (or, without one, the branch and paths given).
    pub(crate) fn target(&mut self, environment: Option<&str>) -> Result<Target, CliError> {
        let Some(name) = environment.filter(|e| !e.is_empty()) else {
            return Ok(Target {
                remote: self.remote.clone(),
                branch: self.branch.clone().unwrap_or_else(|| "main".to_owned()),
                paths: self.paths.clone(),
                environment: None,
            });
        };
        self.load_environments()?;
        let env = gantry_deploy::find_environment(&self.defined, name).map_err(CliError::usage)?;
        Ok(Target {
            remote: self.remote.clone(),
            branch: env.branch.clone(),
            paths: if self.paths.is_empty() {
                env.paths.clone()
            } else {
                self.paths.clone()
            },
            environment: Some(env.name.clone()),
        })
    }

    /// Read `.gantry/environments.yaml` from the branch (default `main`).
    fn load_environments(&mut self) -> Result<(), CliError> {
        if self.loaded {
            return Ok(());
        }
        self.loaded = true;
        let target = Target {
            remote: self.remote.clone(),
            branch: self.branch.clone().unwrap_or_else(|| "main".to_owned()),
            paths: Vec::new(),
            environment: None,
        };
        let text = self
            .deployer
            .read_file(&target, ENVIRONMENTS_FILE)
            .map_err(deploy_error)?;
        if let Some(text) = text {
            self.defined = gantry_deploy::parse_environments(ENVIRONMENTS_FILE, &text)
                .map_err(CliError::usage)?;
        }
        Ok(())
    }
}

/// A deploy error with the exit code it maps to.
pub(crate) fn deploy_error(error: DeployError) -> CliError {
    if error.is_input() {
        CliError::usage(error)
    } else {
        CliError::external(error)
    }
}
