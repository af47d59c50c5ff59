//! Where the git facts come from: the GitHub Actions environment and event
//! payload (metadata-action's `context: workflow`), a local checkout
//! (`context: git`), or flags. Pure: the caller reads the environment, the
//! payload file and the clock, and passes them in.

use jiff::Timestamp;
use serde_json::Value;

use crate::compute::Options;
use crate::error::ContextError;

/// Applies metadata-action's environment variables to `options`:
/// `DOCKER_METADATA_SHORT_SHA_LENGTH` (a number) and
/// `DOCKER_METADATA_ANNOTATIONS_LEVELS` (comma-separated levels).
/// (`DOCKER_METADATA_PR_HEAD_SHA` is read by [`Context::from_github_env`].)
pub fn apply_metadata_action_env(
    vars: &dyn Fn(&str) -> Option<String>,
    options: &mut Options,
) -> Result<(), ContextError> {
    if let Some(length) = vars("DOCKER_METADATA_SHORT_SHA_LENGTH").filter(|v| !v.trim().is_empty())
    {
        options.short_sha_length = length.trim().parse().map_err(|_| ContextError::Invalid {
            name: "DOCKER_METADATA_SHORT_SHA_LENGTH".to_owned(),
            value: length.clone(),
            problem: "not a whole number".to_owned(),
        })?;
    }
    if let Some(levels) =
        vars("DOCKER_METADATA_ANNOTATIONS_LEVELS").filter(|v| !v.trim().is_empty())
    {
        options.annotation_levels = levels
            .split(',')
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
    }
    Ok(())
}

/// The git and repository facts tag computation reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Context {
    /// `GITHUB_EVENT_NAME`, e.g. `push`, `pull_request`, `schedule`.
    pub event_name: String,
    /// The full ref: `refs/heads/main`, `refs/tags/v1.2.3`, `refs/pull/2/merge`.
    pub git_ref: String,
    /// The full commit SHA (may be empty: `type=sha` then yields nothing).
    pub sha: String,
    /// For a tag push, the payload's `base_ref`; for a pull request, the
    /// target branch (`pull_request.base.ref`). `{{base_ref}}` reads it.
    pub base_ref: Option<String>,
    /// The repository's default branch (`type=edge`, `{{is_default_branch}}`).
    pub default_branch: Option<String>,
    /// The pull request number, when there is one.
    pub pr_number: Option<u64>,
    /// `owner/name`.
    pub repository: Option<String>,
    /// `GITHUB_SERVER_URL`, default `https://github.com`.
    pub server_url: String,
    /// When the commit was made (`{{commit_date}}`; falls back to `now`,
    /// which the caller should say).
    pub commit_time: Option<Timestamp>,
    /// "Now" (`{{date}}` and the `created` label).
    pub now: Timestamp,
    /// Repository name for `org.opencontainers.image.title`.
    pub repo_name: Option<String>,
    /// Repository description for `org.opencontainers.image.description`.
    pub repo_description: Option<String>,
    /// Repository web URL for `org.opencontainers.image.url` and `.source`;
    /// defaults to `server_url/repository`.
    pub html_url: Option<String>,
    /// SPDX licence id for `org.opencontainers.image.licenses`.
    pub license: Option<String>,
}

/// Facts about a local checkout, gathered by the caller (e.g. with `git`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GitFacts {
    /// `refs/heads/main` or `refs/tags/v1.2.3` (what HEAD points at, or the
    /// tag at HEAD).
    pub head_ref: String,
    /// The full commit SHA of HEAD.
    pub sha: String,
    /// The committer date of HEAD.
    pub commit_time: Option<Timestamp>,
    /// The default branch (e.g. from `refs/remotes/origin/HEAD`).
    pub default_branch: Option<String>,
}

fn str_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut current = value;
    for key in path {
        current = current.get(key)?;
    }
    current.as_str()
}

fn u64_at(value: &Value, path: &[&str]) -> Option<u64> {
    let mut current = value;
    for key in path {
        current = current.get(key)?;
    }
    current.as_u64()
}

impl Context {
    /// A context from plain values (flags); everything else unset.
    pub fn new(
        event_name: impl Into<String>,
        git_ref: impl Into<String>,
        sha: impl Into<String>,
        now: Timestamp,
    ) -> Context {
        Context {
            event_name: event_name.into(),
            git_ref: git_ref.into(),
            sha: sha.into(),
            base_ref: None,
            default_branch: None,
            pr_number: None,
            repository: None,
            server_url: "https://github.com".to_owned(),
            commit_time: None,
            now,
            repo_name: None,
            repo_description: None,
            html_url: None,
            license: None,
        }
    }

    /// The context of a GitHub Actions run, as metadata-action's
    /// `context: workflow` builds it:
    ///
    /// - `GITHUB_EVENT_NAME`, `GITHUB_REF`, `GITHUB_SHA`, `GITHUB_REPOSITORY`,
    ///   `GITHUB_SERVER_URL` from `vars`;
    /// - `pull_request_target` runs on the base branch, so the ref becomes
    ///   `refs/pull/<number>/merge` (metadata-action does the same);
    /// - `DOCKER_METADATA_PR_HEAD_SHA=true` uses the pull request's head SHA;
    /// - the commit time comes from the payload's `commits[]`/`head_commit`
    ///   entry for the SHA; without one it is left unset, for the caller to
    ///   ask the GitHub API as metadata-action does (else `{{commit_date}}`
    ///   falls back to `now`);
    /// - base ref, default branch, PR number and repository name,
    ///   description, URL and licence from the payload.
    pub fn from_github_env(
        vars: &dyn Fn(&str) -> Option<String>,
        event_payload: Option<Value>,
        now: Timestamp,
    ) -> Result<Context, ContextError> {
        let var = |name: &str| vars(name).filter(|v| !v.is_empty());
        let event_name =
            var("GITHUB_EVENT_NAME").ok_or(ContextError::Missing("GITHUB_EVENT_NAME"))?;
        let payload = event_payload.unwrap_or(Value::Null);
        let mut git_ref = var("GITHUB_REF").unwrap_or_default();
        let mut sha = var("GITHUB_SHA").unwrap_or_default();
        if !sha.is_empty() && !sha.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(ContextError::Invalid {
                name: "GITHUB_SHA".to_owned(),
                value: sha,
                problem: "not a hexadecimal commit SHA".to_owned(),
            });
        }
        let pr_number =
            u64_at(&payload, &["number"]).or_else(|| u64_at(&payload, &["pull_request", "number"]));
        if event_name.contains("pull_request_target") {
            let number = pr_number.ok_or_else(|| ContextError::Invalid {
                name: "event payload".to_owned(),
                value: "pull_request_target".to_owned(),
                problem: "the payload has no pull request `number`".to_owned(),
            })?;
            git_ref = format!("refs/pull/{number}/merge");
        }
        let head_sha_wanted =
            var("DOCKER_METADATA_PR_HEAD_SHA").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        if head_sha_wanted
            && event_name.contains("pull_request")
            && let Some(head) = str_at(&payload, &["pull_request", "head", "sha"])
        {
            head.clone_into(&mut sha);
        }
        let commit_time = commit_time_from_payload(&payload, &sha)?;
        let base_ref = if git_ref.starts_with("refs/tags/") {
            str_at(&payload, &["base_ref"]).map(str::to_owned)
        } else if git_ref.starts_with("refs/pull/") {
            str_at(&payload, &["pull_request", "base", "ref"]).map(str::to_owned)
        } else {
            None
        };
        let repo = payload.get("repository").unwrap_or(&Value::Null);
        let repository =
            var("GITHUB_REPOSITORY").or_else(|| str_at(repo, &["full_name"]).map(str::to_owned));
        Ok(Context {
            event_name,
            git_ref,
            sha,
            base_ref,
            default_branch: str_at(repo, &["default_branch"]).map(str::to_owned),
            pr_number,
            repo_name: str_at(repo, &["name"]).map(str::to_owned).or_else(|| {
                repository
                    .as_deref()
                    .and_then(|r| r.rsplit('/').next())
                    .map(str::to_owned)
            }),
            repository,
            server_url: var("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".to_owned()),
            commit_time,
            now,
            repo_description: str_at(repo, &["description"]).map(str::to_owned),
            html_url: str_at(repo, &["html_url"]).map(str::to_owned),
            license: str_at(repo, &["license", "spdx_id"]).map(str::to_owned),
        })
    }

    /// The context of a local checkout (metadata-action's `context: git`):
    /// event `push` on `facts.head_ref`.
    pub fn from_git(facts: GitFacts, now: Timestamp) -> Context {
        let mut context = Context::new("push", facts.head_ref, facts.sha, now);
        context.commit_time = facts.commit_time;
        context.default_branch = facts.default_branch;
        context
    }

    /// The web URL of the repository (`html_url`, else `server_url/owner/name`).
    pub fn repo_url(&self) -> Option<String> {
        self.html_url.clone().or_else(|| {
            self.repository
                .as_ref()
                .map(|repo| format!("{}/{repo}", self.server_url.trim_end_matches('/')))
        })
    }
}

fn commit_time_from_payload(payload: &Value, sha: &str) -> Result<Option<Timestamp>, ContextError> {
    let parse = |text: &str| {
        text.parse::<Timestamp>()
            .map(Some)
            .map_err(|e| ContextError::Invalid {
                name: "event payload commit timestamp".to_owned(),
                value: text.to_owned(),
                problem: e.to_string(),
            })
    };
    if let Some(commits) = payload.get("commits").and_then(Value::as_array)
        && let Some(found) = commits.iter().find(|c| str_at(c, &["id"]) == Some(sha))
        && let Some(ts) = str_at(found, &["timestamp"])
    {
        return parse(ts);
    }
    if str_at(payload, &["head_commit", "id"]) == Some(sha)
        && let Some(ts) = str_at(payload, &["head_commit", "timestamp"])
    {
        return parse(ts);
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn now() -> Timestamp {
        "2020-01-10T00:30:00Z".parse().unwrap()
    }

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name: &str| map.get(name).cloned()
    }

    const PUSH_PAYLOAD: &str = r#"{
      "ref": "refs/heads/dev",
      "before": "0000000000000000000000000000000000000000",
      "after": "860c1904a1ce19322e91ac35af1ab07466440c37",
      "base_ref": null,
      "commits": [
        {"id": "860c1904a1ce19322e91ac35af1ab07466440c37", "message": "x",
         "timestamp": "2020-01-09T21:30:00-03:00", "url": "https://github.com/octocat/Hello-World/commit/860c190"}
      ],
      "head_commit": {"id": "860c1904a1ce19322e91ac35af1ab07466440c37", "timestamp": "2020-01-09T21:30:00-03:00"},
      "repository": {
        "id": 1296269, "name": "Hello-World", "full_name": "octocat/Hello-World",
        "description": "This your first repo!", "html_url": "https://github.com/octocat/Hello-World",
        "default_branch": "master", "license": {"key": "mit", "spdx_id": "MIT"}
      }
    }"#;

    const PR_PAYLOAD: &str = r#"{
      "action": "opened",
      "number": 15,
      "pull_request": {
        "number": 15,
        "head": {"ref": "feature", "sha": "3370e228f2209994d57af4427fe64e71bb79ac96"},
        "base": {"ref": "master", "sha": "266574110acf203503badf966df2ea24b5d732d7"}
      },
      "repository": {"name": "Hello-World", "full_name": "octocat/Hello-World", "default_branch": "master",
                     "html_url": "https://github.com/octocat/Hello-World", "description": null, "license": null}
    }"#;

    #[test]
    fn push_context() {
        let vars = env(&[
            ("GITHUB_EVENT_NAME", "push"),
            ("GITHUB_REF", "refs/heads/dev"),
            ("GITHUB_SHA", "860c1904a1ce19322e91ac35af1ab07466440c37"),
            ("GITHUB_REPOSITORY", "octocat/Hello-World"),
        ]);
        let payload = serde_json::from_str(PUSH_PAYLOAD).unwrap();
        let ctx = Context::from_github_env(&vars, Some(payload), now()).unwrap();
        assert_eq!(ctx.event_name, "push");
        assert_eq!(ctx.git_ref, "refs/heads/dev");
        assert_eq!(ctx.default_branch.as_deref(), Some("master"));
        assert_eq!(ctx.repo_name.as_deref(), Some("Hello-World"));
        assert_eq!(ctx.license.as_deref(), Some("MIT"));
        assert_eq!(ctx.base_ref, None);
        assert_eq!(ctx.server_url, "https://github.com");
        assert_eq!(
            ctx.commit_time,
            Some("2020-01-10T00:30:00Z".parse().unwrap())
        );
        assert_eq!(
            ctx.repo_url().as_deref(),
            Some("https://github.com/octocat/Hello-World")
        );
    }

    #[test]
    fn pull_request_context() {
        let vars = env(&[
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_REF", "refs/pull/15/merge"),
            ("GITHUB_SHA", "a9c8c5828b91be19d9728548b24759e352367ef1"),
            ("GITHUB_REPOSITORY", "octocat/Hello-World"),
            ("GITHUB_SERVER_URL", "https://ghe.example.com"),
        ]);
        let payload: Value = serde_json::from_str(PR_PAYLOAD).unwrap();
        let ctx = Context::from_github_env(&vars, Some(payload.clone()), now()).unwrap();
        assert_eq!(ctx.pr_number, Some(15));
        assert_eq!(ctx.base_ref.as_deref(), Some("master"));
        assert_eq!(ctx.sha, "a9c8c5828b91be19d9728548b24759e352367ef1");
        assert_eq!(ctx.repo_description, None);
        assert_eq!(ctx.commit_time, None);

        let with_head = env(&[
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_REF", "refs/pull/15/merge"),
            ("GITHUB_SHA", "a9c8c5828b91be19d9728548b24759e352367ef1"),
            ("DOCKER_METADATA_PR_HEAD_SHA", "true"),
        ]);
        let ctx = Context::from_github_env(&with_head, Some(payload), now()).unwrap();
        assert_eq!(ctx.sha, "3370e228f2209994d57af4427fe64e71bb79ac96");
        assert_eq!(
            ctx.repo_url().as_deref(),
            Some("https://github.com/octocat/Hello-World")
        );
    }

    #[test]
    fn pull_request_target_uses_the_pr_ref() {
        let vars = env(&[
            ("GITHUB_EVENT_NAME", "pull_request_target"),
            ("GITHUB_REF", "refs/heads/master"),
            ("GITHUB_SHA", "266574110acf203503badf966df2ea24b5d732d7"),
        ]);
        let payload = serde_json::from_str(PR_PAYLOAD).unwrap();
        let ctx = Context::from_github_env(&vars, Some(payload), now()).unwrap();
        assert_eq!(ctx.git_ref, "refs/pull/15/merge");
        assert_eq!(ctx.base_ref.as_deref(), Some("master"));

        let err = Context::from_github_env(&vars, None, now()).unwrap_err();
        assert!(
            err.to_string().contains("no pull request `number`"),
            "{err}"
        );
    }

    #[test]
    fn tag_push_base_ref_and_errors() {
        let vars = env(&[
            ("GITHUB_EVENT_NAME", "push"),
            ("GITHUB_REF", "refs/tags/v1.1.1"),
            ("GITHUB_SHA", "860c1904a1ce19322e91ac35af1ab07466440c37"),
        ]);
        let payload = serde_json::json!({"base_ref": "refs/heads/master"});
        let ctx = Context::from_github_env(&vars, Some(payload), now()).unwrap();
        assert_eq!(ctx.base_ref.as_deref(), Some("refs/heads/master"));
        assert_eq!(ctx.repository, None);

        let missing = Context::from_github_env(&env(&[]), None, now()).unwrap_err();
        assert_eq!(missing, ContextError::Missing("GITHUB_EVENT_NAME"));
        let bad_sha = env(&[("GITHUB_EVENT_NAME", "push"), ("GITHUB_SHA", "not-a-sha")]);
        assert!(Context::from_github_env(&bad_sha, None, now()).is_err());
        let bad_time = serde_json::json!({"head_commit": {"id": "abc", "timestamp": "yesterday"}});
        let vars = env(&[("GITHUB_EVENT_NAME", "push"), ("GITHUB_SHA", "abc")]);
        assert!(Context::from_github_env(&vars, Some(bad_time), now()).is_err());
    }

    #[test]
    fn metadata_action_env() {
        let mut options = Options::default();
        let vars = env(&[
            ("DOCKER_METADATA_SHORT_SHA_LENGTH", "12"),
            ("DOCKER_METADATA_ANNOTATIONS_LEVELS", "manifest, index"),
        ]);
        apply_metadata_action_env(&vars, &mut options).unwrap();
        assert_eq!(options.short_sha_length, 12);
        assert_eq!(options.annotation_levels, ["manifest", "index"]);
        let bad = env(&[("DOCKER_METADATA_SHORT_SHA_LENGTH", "seven")]);
        let err = apply_metadata_action_env(&bad, &mut options).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid `DOCKER_METADATA_SHORT_SHA_LENGTH` value `seven`: not a whole number"
        );
    }

    #[test]
    fn git_context() {
        let ctx = Context::from_git(
            GitFacts {
                head_ref: "refs/tags/v1.2.3".to_owned(),
                sha: "90dd6032fac8bda1b6c4436a2e65de27961ed071".to_owned(),
                commit_time: None,
                default_branch: Some("main".to_owned()),
            },
            now(),
        );
        assert_eq!(ctx.event_name, "push");
        assert_eq!(ctx.default_branch.as_deref(), Some("main"));
        assert_eq!(ctx.repo_url(), None);
    }
}
