//! Deployments and their statuses: how a canary's progress and decision
//! show up on the repository's environment page.
//!
//! <https://docs.github.com/en/rest/deployments/deployments> and
//! `…/statuses`: a deployment is created for a ref and an environment
//! (`required_contexts: []` so that GitHub does not refuse it while the
//! commit's own checks are still running, `auto_merge: false` so that it
//! never merges the default branch into the ref), then each status adds a
//! state (`in_progress`, `success`, `failure`, `error`, `inactive`) with a
//! description (140 characters at most) and links to the run.

use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use crate::client::GitHub;
use crate::endpoints::segments;
use crate::error::Error;
use crate::repository::Repository;

/// GitHub's limit on a status description.
pub const MAX_DESCRIPTION: usize = 140;

/// A deployment to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDeployment {
    /// The commit SHA, branch or tag deployed.
    pub git_ref: String,
    /// The environment, e.g. `production`.
    pub environment: String,
    /// A short description.
    pub description: String,
    /// Whether the environment goes away (review apps).
    pub transient: bool,
    /// Whether it is a production environment.
    pub production: bool,
}

/// A deployment, as GitHub answers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Deployment {
    /// Its id.
    pub id: u64,
    /// The SHA deployed.
    pub sha: String,
    /// The environment.
    pub environment: String,
}

/// The state of a deployment status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeploymentState {
    /// Being rolled out (the canary analysis runs).
    InProgress,
    /// Rolled out (promoted).
    Success,
    /// Failed (rolled back).
    Failure,
    /// Could not be decided (inconclusive).
    Error,
    /// Replaced or withdrawn.
    Inactive,
}

impl DeploymentState {
    /// The API's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DeploymentState::InProgress => "in_progress",
            DeploymentState::Success => "success",
            DeploymentState::Failure => "failure",
            DeploymentState::Error => "error",
            DeploymentState::Inactive => "inactive",
        }
    }
}

/// A status to add to a deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDeploymentStatus {
    /// The state.
    pub state: DeploymentState,
    /// One line, cut to [`MAX_DESCRIPTION`] characters.
    pub description: String,
    /// The workflow run, for the "View logs" link.
    pub log_url: Option<String>,
    /// Where the deployed service answers.
    pub environment_url: Option<String>,
}

/// A deployment status, as GitHub answers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DeploymentStatus {
    /// Its id.
    pub id: u64,
    /// The state, in the API's spelling.
    pub state: String,
}

/// `text` cut to `max` characters, with `…` when cut.
pub fn truncate_description(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

impl GitHub {
    /// Create a deployment.
    pub fn create_deployment(
        &self,
        repo: &Repository,
        deployment: &NewDeployment,
    ) -> Result<Deployment, Error> {
        self.block(async {
            let url = self.rest_url(&segments(repo, &["deployments"]), &[]);
            let body = json!({
                "ref": deployment.git_ref,
                "environment": deployment.environment,
                "description": truncate_description(&deployment.description, MAX_DESCRIPTION),
                "auto_merge": false,
                "required_contexts": [],
                "transient_environment": deployment.transient,
                "production_environment": deployment.production,
            });
            self.rest(Method::POST, url, Some(&body)).await
        })
    }

    /// Add a status to a deployment.
    pub fn create_deployment_status(
        &self,
        repo: &Repository,
        deployment_id: u64,
        status: &NewDeploymentStatus,
    ) -> Result<DeploymentStatus, Error> {
        self.block(async {
            let id = deployment_id.to_string();
            let url = self.rest_url(&segments(repo, &["deployments", &id, "statuses"]), &[]);
            let mut body = json!({
                "state": status.state.as_str(),
                "description": truncate_description(&status.description, MAX_DESCRIPTION),
                // The previous successful deployments of the environment
                // become inactive only when this one succeeds.
                "auto_inactive": status.state == DeploymentState::Success,
            });
            if let Some(url) = &status.log_url {
                body["log_url"] = json!(url);
            }
            if let Some(url) = &status.environment_url {
                body["environment_url"] = json!(url);
            }
            self.rest(Method::POST, url, Some(&body)).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_fit_githubs_limit() {
        assert_eq!(truncate_description("short", 140), "short");
        let long = "é".repeat(200);
        let cut = truncate_description(&long, 140);
        assert_eq!(cut.chars().count(), 140);
        assert!(cut.ends_with('…'));
        assert_eq!(DeploymentState::InProgress.as_str(), "in_progress");
    }
}
