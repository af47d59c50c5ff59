//! The two GitHub REST reads metadata-action makes when the event payload
//! lacks what a rule needs: a commit's date (`GET
//! /repos/{o}/{r}/commits/{sha}`) and the repository (`GET /repos/{o}/{r}`:
//! default branch, description, licence). A plain reqwest call with a
//! deadline and a capped body; issue 14 moves every GitHub call onto one
//! client.

use std::time::Duration;

use jiff::Timestamp;
use serde_json::Value;
use url::Url;

/// Largest answer read. A repository is a few KiB; a commit lists its
/// files, so only the first page of one file is asked for (`per_page=1`),
/// and 4 MiB leaves room for a long patch. More is a flooding server.
const READ_CAP: usize = 4 * 1024 * 1024;

/// Why a read failed. Messages name the API and never the token.
#[derive(Debug, thiserror::Error)]
pub(crate) enum GitHubError {
    /// The API answered with an error status.
    #[error("the GitHub API at {url} answered HTTP {status}{message}")]
    Status {
        /// The URL asked, credentials removed.
        url: String,
        /// The status.
        status: u16,
        /// `: ` and GitHub's `message`, when it sent one.
        message: String,
    },
    /// No answer within the deadline, or no connection.
    #[error("cannot reach the GitHub API at {url}: {message}")]
    Unreachable {
        /// The URL asked, credentials removed.
        url: String,
        /// What failed.
        message: String,
    },
    /// An answer that is not what the endpoint documents.
    #[error("the GitHub API at {url} sent an invalid answer: {message}")]
    Invalid {
        /// The URL asked, credentials removed.
        url: String,
        /// What was wrong.
        message: String,
    },
    /// `GITHUB_API_URL` or `GITHUB_REPOSITORY` cannot be used.
    #[error("{0}")]
    Config(String),
}

impl GitHubError {
    /// Whether the token or the repository name is at fault (401, 403,
    /// 404): something the user fixes, not an outage.
    pub(crate) fn is_input_error(&self) -> bool {
        matches!(
            self,
            GitHubError::Status {
                status: 401 | 403 | 404,
                ..
            }
        ) || matches!(self, GitHubError::Config(_))
    }
}

/// What `GET /repos/{o}/{r}` says that tags and labels use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Repository {
    pub(crate) name: Option<String>,
    pub(crate) default_branch: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) html_url: Option<String>,
    pub(crate) license: Option<String>,
}

/// A GitHub REST client for one repository.
#[derive(Debug)]
pub(crate) struct GitHubApi {
    http: reqwest::Client,
    base: Url,
    repository: String,
    token: String,
    timeout: Duration,
}

impl GitHubApi {
    /// A client for `repository` (`owner/name`) at `api_url`
    /// (`GITHUB_API_URL`), authenticating with `token`.
    pub(crate) fn new(
        api_url: &str,
        repository: &str,
        token: &str,
        timeout: Duration,
    ) -> Result<GitHubApi, GitHubError> {
        let mut base = Url::parse(api_url).map_err(|e| {
            GitHubError::Config(format!(
                "invalid GITHUB_API_URL `{}`: {e}",
                gantry_http::display_url_str(api_url)
            ))
        })?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(GitHubError::Config(format!(
                "invalid GITHUB_API_URL `{}`: not an http(s) URL",
                gantry_http::display_url(&base)
            )));
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let valid_part = |part: &str| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        };
        match repository.split_once('/') {
            Some((owner, name)) if valid_part(owner) && valid_part(name) => {}
            _ => {
                return Err(GitHubError::Config(format!(
                    "invalid GITHUB_REPOSITORY `{repository}`: expected OWNER/NAME"
                )));
            }
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("gantry/", env!("CARGO_PKG_VERSION")))
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| GitHubError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(GitHubApi {
            http,
            base,
            repository: repository.to_owned(),
            token: token.to_owned(),
            timeout,
        })
    }

    /// The committer date of `sha`, as metadata-action reads it
    /// (`commit.committer.date`).
    pub(crate) async fn commit_date(&self, sha: &str) -> Result<Timestamp, GitHubError> {
        let path = format!("repos/{}/commits/{sha}?per_page=1", self.repository);
        let (url, body) = self.get(&path).await?;
        let date = body
            .pointer("/commit/committer/date")
            .and_then(Value::as_str)
            .ok_or_else(|| GitHubError::Invalid {
                url: url.clone(),
                message: "no `commit.committer.date`".to_owned(),
            })?;
        date.parse::<Timestamp>().map_err(|e| GitHubError::Invalid {
            url,
            message: format!("`commit.committer.date` `{date}` is not a time: {e}"),
        })
    }

    /// The repository's name, default branch, description, URL and licence.
    pub(crate) async fn repository(&self) -> Result<Repository, GitHubError> {
        let path = format!("repos/{}", self.repository);
        let (url, body) = self.get(&path).await?;
        if !body.is_object() {
            return Err(GitHubError::Invalid {
                url,
                message: "not a repository object".to_owned(),
            });
        }
        let text = |pointer: &str| {
            body.pointer(pointer)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        Ok(Repository {
            name: text("/name"),
            default_branch: text("/default_branch"),
            description: text("/description"),
            html_url: text("/html_url"),
            license: text("/license/spdx_id"),
        })
    }

    /// The URL of `path`, for messages (credentials removed).
    pub(crate) fn shown(&self, path: &str) -> String {
        self.base
            .join(path)
            .map(|url| gantry_http::display_url(&url))
            .unwrap_or_else(|_| gantry_http::display_url(&self.base))
    }

    async fn get(&self, path: &str) -> Result<(String, Value), GitHubError> {
        let shown = self.shown(path);
        let url = self.base.join(path).map_err(|e| GitHubError::Invalid {
            url: shown.clone(),
            message: e.to_string(),
        })?;
        let unreachable = |message: String| GitHubError::Unreachable {
            url: shown.clone(),
            message,
        };
        let timeout = self.timeout;
        let describe = |e: &reqwest::Error| {
            if e.is_timeout() {
                format!("no answer within {}", crate::deadline::shown(timeout))
            } else if e.is_connect() {
                "connection failed".to_owned()
            } else {
                "the request failed".to_owned()
            }
        };
        let response = self
            .http
            .get(url)
            .header(reqwest::header::ACCEPT, "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28")
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| unreachable(describe(&e)))?;
        let status = response.status().as_u16();
        let body = gantry_http::read_capped(response, READ_CAP)
            .await
            .map_err(|e| match e {
                gantry_http::BodyError::Transport(t) => unreachable(describe(&t)),
                too_large => GitHubError::Invalid {
                    url: shown.clone(),
                    message: too_large.to_string(),
                },
            })?;
        let json: Option<Value> = serde_json::from_slice(&body).ok();
        if !(200..300).contains(&status) {
            let message = json
                .as_ref()
                .and_then(|v| v.get("message"))
                .and_then(Value::as_str)
                .map(|m| format!(": {}", m.chars().take(200).collect::<String>()))
                .unwrap_or_default();
            return Err(GitHubError::Status {
                url: shown,
                status,
                message,
            });
        }
        let json = json.ok_or_else(|| GitHubError::Invalid {
            url: shown.clone(),
            message: "the answer is not JSON".to_owned(),
        })?;
        Ok((shown, json))
    }
}
