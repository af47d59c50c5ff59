//! The handful of GitHub endpoints `gantry-gitops` writes through, on the
//! workspace's reqwest (rustls) and a current-thread tokio runtime, behind
//! a blocking API (the deploy loop is synchronous).
//!
//! - Git data, read only: a branch's head (`GET …/git/ref/heads/{b}`), a
//!   commit, a tree (recursive), blobs (base64), a file's contents.
//! - Commits: GraphQL `createCommitOnBranch` with `expectedHeadOid`, which
//!   GitHub signs (Verified). A moved head is [`CommitOutcome::Stale`]
//!   (GitHub answers 200 with an error of type `STALE_DATA`, "Expected
//!   branch to point to … but it did not"), for the caller to re-read and
//!   re-apply, never an error.
//! - Pull requests: find the open one for a head, create, update, labels,
//!   requested reviewers, GraphQL `enablePullRequestAutoMerge`.
//!
//! - Issue comments: list (paged; a bounded search by content, the
//!   newest pages first), create, update, for the one pull-request comment
//!   `gantry-patch --pr-comment` keeps up to date.
//!
//! - Deployments and deployment statuses, for gantry-canary's progress and
//!   decision on the environment page; listing them (paged, newest first)
//!   to find the deployment a job's `environment:` created.
//!
//! Retries ([`RetryPolicy`]): 5xx, 429, 403 with `retry-after` or an
//! exhausted `x-ratelimit-remaining` (GitHub's secondary and primary rate
//! limits), GraphQL `RATE_LIMITED`, connection failures; the server's
//! delay is honoured up to a cap, attempts are bounded. 401, 404 and 422
//! are answered at once with an [`Error`] naming the endpoint and GitHub's
//! message. The token travels only in the `Authorization` header (marked
//! sensitive); it is never in a URL, a log line or an error.

mod client;
mod comments;
mod deployments;
mod endpoints;
mod error;
mod repository;
mod retry;

pub use client::{Config, DEFAULT_API_URL, DEFAULT_TIMEOUT, GitHub, MAX_BODY, graphql_url_for};
pub use comments::{
    CommentPage, CommentSearch, IssueComment, MAX_COMMENT_BODY, SearchLimits, Stopped, newest_pages,
};
pub use deployments::{
    Deployment, DeploymentState, DeploymentStatus, MAX_DESCRIPTION, NewDeployment,
    NewDeploymentStatus, truncate_description,
};
pub use deployments::{
    DeploymentFilter, ListPage, MAX_PER_PAGE, last_page, links_to_run, next_page,
};
pub use endpoints::{
    AutoMerge, CommitOnBranch, CommitOutcome, GitCommit, Label, MergeMethod, NewPull, PullRef,
    PullRequest, Team, Tree, TreeEntry, User, split_message,
};
pub use error::{Error, GraphQlError};
pub use repository::Repository;
pub use retry::RetryPolicy;
