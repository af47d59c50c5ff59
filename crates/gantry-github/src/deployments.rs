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
//!
//! Listing (`GET …/deployments?environment=&sha=&ref=`, then
//! `GET …/deployments/{id}/statuses`) is paged like every GitHub list,
//! newest first, with `per_page` (at most 100) and `page`; the next page
//! is announced in the `Link` header (`<…&page=2>; rel="next"`). Only the
//! page number is taken from that header: the URL itself is never
//! followed, so the token never goes to a host named by an answer.

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
    /// The ref asked for (a branch, tag or SHA).
    #[serde(rename = "ref", default)]
    pub git_ref: String,
    /// Its description (`null` when none was given).
    #[serde(default)]
    pub description: Option<String>,
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
    /// The output's URL (GitHub Actions: the job's page in its run).
    #[serde(default)]
    pub log_url: Option<String>,
    /// The older name of `log_url`, which GitHub still fills in.
    #[serde(default)]
    pub target_url: Option<String>,
}

/// What to list deployments by; each filter GitHub's own query parameter
/// (an exact match), `None` for any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeploymentFilter {
    /// `environment`.
    pub environment: Option<String>,
    /// `sha`: the commit deployed.
    pub sha: Option<String>,
    /// `ref`: the ref asked for.
    pub git_ref: Option<String>,
}

/// One page of a list, and the number of the next one when GitHub's
/// `Link` header announces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPage<T> {
    /// The items, in GitHub's order (newest first).
    pub items: Vec<T>,
    /// The next page's number, if any.
    pub next: Option<u32>,
}

/// GitHub's most items per page.
pub const MAX_PER_PAGE: u32 = 100;

/// The page `rel="next"` points at in a `Link` header
/// (`<https://…?page=2>; rel="next", <https://…?page=5>; rel="last"`).
pub fn next_page(link: &str) -> Option<u32> {
    page_of_rel(link, "next")
}

/// The page `rel="last"` points at in a `Link` header (GitHub sends it on
/// every page but the last of a list with more than one page).
pub fn last_page(link: &str) -> Option<u32> {
    page_of_rel(link, "last")
}

fn page_of_rel(link: &str, rel: &str) -> Option<u32> {
    link.split(',').find_map(|part| {
        let (target, params) = part.trim().split_once(';')?;
        let is_rel = params.split(';').any(|p| {
            p.trim()
                .strip_prefix("rel=")
                .map(|r| r.trim_matches('"'))
                .is_some_and(|r| r.split_whitespace().any(|r| r == rel))
        });
        if !is_rel {
            return None;
        }
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        let url = url::Url::parse(target).ok()?;
        url.query_pairs()
            .find(|(k, _)| k == "page")
            .and_then(|(_, v)| v.parse().ok())
    })
}

/// Whether `url` is a page of GitHub Actions run `run_id`
/// (`…/actions/runs/{run_id}`, `…/actions/runs/{run_id}/job/{job}`,
/// `…/attempts/{n}`): the run's number as a whole path segment, so run 42
/// is not run 4242.
pub fn links_to_run(url: &str, run_id: &str) -> bool {
    let Ok(parsed) = url::Url::parse(url) else {
        return false;
    };
    let Some(segments) = parsed.path_segments() else {
        return false;
    };
    let segments: Vec<&str> = segments.collect();
    segments
        .windows(3)
        .any(|w| w[0] == "actions" && w[1] == "runs" && w[2] == run_id)
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

impl GitHub {
    /// One page of the repository's deployments matching `filter`, newest
    /// first; `page` starts at 1, `per_page` is capped at [`MAX_PER_PAGE`].
    pub fn list_deployments(
        &self,
        repo: &Repository,
        filter: &DeploymentFilter,
        page: u32,
        per_page: u32,
    ) -> Result<ListPage<Deployment>, Error> {
        let mut query: Vec<(&str, &str)> = Vec::new();
        if let Some(environment) = &filter.environment {
            query.push(("environment", environment));
        }
        if let Some(sha) = &filter.sha {
            query.push(("sha", sha));
        }
        if let Some(git_ref) = &filter.git_ref {
            query.push(("ref", git_ref));
        }
        self.list_page(&segments(repo, &["deployments"]), query, page, per_page)
    }

    /// One page of a deployment's statuses, newest first.
    pub fn list_deployment_statuses(
        &self,
        repo: &Repository,
        deployment_id: u64,
        page: u32,
        per_page: u32,
    ) -> Result<ListPage<DeploymentStatus>, Error> {
        let id = deployment_id.to_string();
        self.list_page(
            &segments(repo, &["deployments", &id, "statuses"]),
            Vec::new(),
            page,
            per_page,
        )
    }

    fn list_page<T: serde::de::DeserializeOwned>(
        &self,
        path: &[&str],
        filters: Vec<(&str, &str)>,
        page: u32,
        per_page: u32,
    ) -> Result<ListPage<T>, Error> {
        let per_page = per_page.clamp(1, MAX_PER_PAGE).to_string();
        let page = page.max(1).to_string();
        let mut query = filters;
        query.push(("per_page", per_page.as_str()));
        query.push(("page", page.as_str()));
        self.block(async {
            let url = self.rest_url(path, &query);
            let reply = self.send(Method::GET, url, None).await?;
            if !(200..300).contains(&reply.status) {
                return Err(reply.error());
            }
            let next = reply
                .headers
                .get(reqwest::header::LINK)
                .and_then(|v| v.to_str().ok())
                .and_then(next_page);
            Ok(ListPage {
                items: reply.json()?,
                next,
            })
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

    #[test]
    fn the_next_page_comes_from_the_link_header() {
        let table: &[(&str, Option<u32>)] = &[
            (
                r#"<https://api.github.com/repositories/1/deployments?environment=production&per_page=2&page=2>; rel="next", <https://api.github.com/repositories/1/deployments?environment=production&per_page=2&page=5>; rel="last""#,
                Some(2),
            ),
            (
                r#"<https://api.github.com/x?page=1>; rel="prev", <https://api.github.com/x?page=3>; rel="next""#,
                Some(3),
            ),
            (
                r#"<https://api.github.com/x?page=1>; rel="first", <https://api.github.com/x?page=4>; rel="prev""#,
                None,
            ),
            (r#"<https://api.github.com/x?page=two>; rel="next""#, None),
            (r#"<https://api.github.com/x>; rel="next""#, None),
            (r#"https://api.github.com/x?page=2; rel="next""#, None),
            ("", None),
            ("garbage", None),
        ];
        for (link, want) in table {
            assert_eq!(next_page(link), *want, "{link}");
        }
        assert_eq!(last_page(table[0].0), Some(5));
        assert_eq!(last_page(table[1].0), None);
    }

    #[test]
    fn a_status_links_to_a_run_by_its_whole_number() {
        let table: &[(&str, &str, bool)] = &[
            (
                "https://github.com/acme/web/actions/runs/4242/job/99",
                "4242",
                true,
            ),
            (
                "https://github.com/acme/web/actions/runs/4242",
                "4242",
                true,
            ),
            (
                "https://github.com/acme/web/actions/runs/4242/attempts/2",
                "4242",
                true,
            ),
            (
                "https://github.com/acme/web/actions/runs/4242/job/99",
                "42",
                false,
            ),
            ("https://github.com/acme/web/actions/runs/42", "4242", false),
            (
                "https://github.com/acme/web/commit/4242/actions/runs",
                "4242",
                false,
            ),
            ("https://github.com/acme/web/runs/4242", "4242", false),
            ("not a url", "4242", false),
            ("", "4242", false),
        ];
        for (url, run, want) in table {
            assert_eq!(links_to_run(url, run), *want, "{url} {run}");
        }
    }

    #[test]
    fn answers_parse_with_githubs_fields() {
        let deployment: Deployment = serde_json::from_str(
            r#"{"id": 7, "sha": "abc", "ref": "main", "environment": "production", "description": null, "creator": {"login": "github-actions[bot]"}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(deployment.git_ref, "main");
        assert_eq!(deployment.description, None);
        let status: DeploymentStatus = serde_json::from_str(
            r#"{"id": 1, "state": "in_progress", "log_url": "https://github.com/a/b/actions/runs/1/job/2", "target_url": "https://github.com/a/b/actions/runs/1/job/2"}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            status.log_url.as_deref(),
            Some("https://github.com/a/b/actions/runs/1/job/2")
        );
    }
}
