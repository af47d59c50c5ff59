/// Why a deploy failed.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// A path given is absolute or climbs out of the repository.
    #[error(
        "path `{path}` is outside the repository: give a path relative to its root, without `..`"
    )]
    PathOutside {
        /// The path.
        path: String,
    },
    /// A path given cannot name a file of the repository.
    #[error("invalid path `{path}`: {reason}")]
    BadPath {
        /// The path (control characters escaped).
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A branch name git would refuse.
    #[error("invalid branch `{branch}`: {reason}")]
    BadBranch {
        /// The branch (control characters escaped).
        branch: String,
        /// What is wrong.
        reason: String,
    },
    /// A commit message template with a placeholder gantry does not fill.
    #[error(
        "invalid --message: unknown placeholder `{{{placeholder}}}`; known: {{summary}}, {{images}}, {{environment}}, {{operation}}, {{reason}}"
    )]
    BadTemplate {
        /// The placeholder's name.
        placeholder: String,
    },
    /// A path given does not exist on the branch.
    #[error("path `{path}` does not exist on branch `{branch}`")]
    NoSuchPath {
        /// The path.
        path: String,
        /// The branch.
        branch: String,
    },
    /// An environment that is not defined.
    #[error("unknown environment `{name}`; defined: {known}")]
    UnknownEnvironment {
        /// The name.
        name: String,
        /// The defined names, comma-separated.
        known: String,
    },
    /// The environments file (or an `--environment` flag) is not valid.
    #[error("invalid {file}: {reason}")]
    BadEnvironments {
        /// `environments file `…``, or `--environment …`.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// A file of the repository cannot be updated safely.
    #[error(transparent)]
    Files(#[from] gantry_files::FilesError),
    /// Several files cannot.
    #[error("{count} file(s) could not be read or edited safely; nothing was committed: {first}")]
    Refused {
        /// How many.
        count: usize,
        /// The first error.
        first: String,
        /// All of them, for annotations.
        errors: Vec<gantry_files::FilesError>,
    },
    /// git failed.
    #[error(transparent)]
    Git(#[from] gantry_git::GitError),
    /// Every attempt was rejected because others kept pushing.
    #[error(
        "the push was rejected {attempts} times (others kept pushing to `{branch}`); nothing was lost, nothing was forced: try again"
    )]
    Contended {
        /// Attempts made.
        attempts: u32,
        /// The branch.
        branch: String,
    },
    /// Promote found two different references for one image in the source environment.
    #[error(
        "`{name}` is deployed as both `{first}` and `{second}` in `{environment}`; promote it with --image and fix the source first"
    )]
    Ambiguous {
        /// The image.
        name: String,
        /// One reference.
        first: String,
        /// Another.
        second: String,
        /// The environment.
        environment: String,
    },
    /// An image of the updates is found in no file of the target.
    #[error(
        "no reference to {images} found in {place} ({read} file(s) read); nothing was committed (check the image name, or pass --allow-missing)"
    )]
    ImagesNotFound {
        /// The images, quoted and comma-separated.
        images: String,
        /// Where they were looked for.
        place: String,
        /// Files read.
        read: usize,
    },
    /// The directory given for clones cannot hold them.
    #[error("invalid --workdir `{path}`: {reason}")]
    BadWorkDir {
        /// The directory.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// Promote or revert found nothing to work from.
    #[error("{0}")]
    NothingFound(String),
    /// The GitHub API failed or refused.
    #[error(transparent)]
    GitHub(#[from] gantry_github::Error),
    /// The GitHub repository does not exist, or the token cannot see it.
    #[error(
        "GitHub repository `{repository}` not found at {api}, or the token cannot see it (check --github-repository and the token's access)"
    )]
    NoRepository {
        /// `owner/name`.
        repository: String,
        /// The API root.
        api: String,
    },
    /// A temporary directory could not be made.
    #[error("cannot create a work directory: {0}")]
    WorkDir(std::io::Error),
}

impl DeployError {
    /// Whether the error is the input's (exit 2) rather than an outside
    /// service's (exit 3).
    pub fn is_input(&self) -> bool {
        match self {
            DeployError::Git(gantry_git::GitError::Failed { remote, .. }) => !remote,
            DeployError::Git(
                gantry_git::GitError::NoSuchBranch { .. } | gantry_git::GitError::BadUrl { .. },
            ) => true,
            DeployError::Git(_) | DeployError::Contended { .. } | DeployError::WorkDir(_) => false,
            DeployError::BadWorkDir { .. } => true,
            DeployError::GitHub(e) => e.is_input(),
            DeployError::NoRepository { .. } => false,
            DeployError::Files(e) => !matches!(e, gantry_files::FilesError::Write { .. }),
            _ => true,
        }
    }
}
