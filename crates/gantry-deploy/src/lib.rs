//! GitOps deploys for `gantry-gitops`: apply `gantry-patch` updates to a
//! GitOps repository and push them so that no concurrent commit is ever
//! lost ([`Deployer::apply`]), promote the exact references of one
//! environment to the next ([`Deployer::promote`]), and revert a service to
//! the image it had before its last deploy ([`Deployer::revert`]).
//!
//! Never a force push: a rejected push fetches the new tip and applies the
//! intent again there, so another writer's commit stays, and a writer that
//! already set the same value makes this one a no-op. Commit messages name
//! each image old → new and carry trailers ([`message`]) that revert reads.
//!
//! [`Writer`] chooses how the commit reaches the repository: pushed
//! (default), on gantry's own branch with a pull request
//! ([`PullRequestWriter`]), or made by GitHub through GraphQL
//! `createCommitOnBranch` without a clone ([`ApiWriter`]); every way
//! re-applies the intent on a moved head and never forces the branch.

mod api;
mod deploy;
mod environments;
mod error;
pub mod message;
mod paths;
mod pr;
mod promote;
mod retry;
mod revert;
mod writer;

pub use deploy::{CommitSettings, Deployer, FileChange, Missing, Outcome, Target};
pub use environments::{
    ENVIRONMENTS_FILE, Environment, find as find_environment, parse_environment_flag,
    parse_environment_flags, parse_environments,
};
pub use error::DeployError;
pub use message::{ImageChange, MessageInput, Provenance, check_template, render};
pub use paths::{branch_name, repo_path};
pub use pr::pr_branch;
pub use retry::RetryPolicy;
pub use revert::RevertRequest;
pub use writer::{ApiWriter, PullRequestOperation, PullRequestOutcome, PullRequestWriter, Writer};
