//! The three ways a deploy is written: `push` (a commit pushed to the
//! branch, never forced), `pr` (a commit on gantry's own branch and a pull
//! request into the branch), `api` (a commit made by GitHub through
//! GraphQL `createCommitOnBranch`, signed, without a clone).

use std::sync::{Arc, Mutex, PoisonError};

use gantry_github::{GitHub, MergeMethod, Repository};

/// How a deploy is written.
#[derive(Debug, Clone, Default)]
pub enum Writer {
    /// Clone, commit, push; on a rejected push re-apply on the new tip.
    #[default]
    Push,
    /// Push `gantry/<environment>/<images>` and open or update a pull
    /// request into the target branch.
    PullRequest(PullRequestWriter),
    /// Commit through the GitHub API (`createCommitOnBranch`), no clone.
    Api(ApiWriter),
}

/// Settings of the `pr` writer.
#[derive(Debug, Clone)]
pub struct PullRequestWriter {
    /// The API client.
    pub github: GitHub,
    /// The repository, for the API.
    pub repository: Repository,
    /// Labels to add.
    pub labels: Vec<String>,
    /// Users to ask for review.
    pub reviewers: Vec<String>,
    /// Teams (slugs) to ask for review.
    pub team_reviewers: Vec<String>,
    /// Turn on auto-merge with this method.
    pub auto_merge: Option<MergeMethod>,
    result: Arc<Mutex<Option<PullRequestOutcome>>>,
}

impl PullRequestWriter {
    /// A writer for `repository` through `github`, with no labels,
    /// reviewers or auto-merge.
    pub fn new(github: GitHub, repository: Repository) -> PullRequestWriter {
        PullRequestWriter {
            github,
            repository,
            labels: Vec::new(),
            reviewers: Vec::new(),
            team_reviewers: Vec::new(),
            auto_merge: None,
            result: Arc::default(),
        }
    }

    pub(crate) fn record(&self, outcome: PullRequestOutcome) {
        *self.result.lock().unwrap_or_else(PoisonError::into_inner) = Some(outcome);
    }

    /// What the last deploy did to its pull request.
    pub fn take_outcome(&self) -> Option<PullRequestOutcome> {
        self.result
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

/// Settings of the `api` writer.
#[derive(Debug, Clone)]
pub struct ApiWriter {
    /// The API client.
    pub github: GitHub,
    /// The repository.
    pub repository: Repository,
}

/// What happened to the pull request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullRequestOperation {
    /// A new pull request was opened.
    Opened,
    /// The open pull request got a new commit.
    Updated,
    /// Nothing to do: the target branch already has the values, or the
    /// open pull request already proposes them.
    UpToDate,
}

impl PullRequestOperation {
    /// `pr-opened`, `pr-updated`, `up-to-date` (the step output).
    pub fn as_str(self) -> &'static str {
        match self {
            PullRequestOperation::Opened => "pr-opened",
            PullRequestOperation::Updated => "pr-updated",
            PullRequestOperation::UpToDate => "up-to-date",
        }
    }
}

/// The pull request side of a `pr` deploy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequestOutcome {
    /// What happened.
    pub operation: PullRequestOperation,
    /// The pull request, when there is one.
    pub number: Option<u64>,
    /// Its page.
    pub url: Option<String>,
    /// gantry's branch.
    pub branch: String,
    /// The branch it merges into.
    pub base: String,
    /// The target branch already has the values (nothing to propose).
    pub target_has_values: bool,
    /// Things that did not work but did not stop the deploy (a reviewer
    /// that cannot be asked, auto-merge not allowed).
    pub warnings: Vec<String>,
}
