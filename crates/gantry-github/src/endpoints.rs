//! The endpoints, and the fields of GitHub's documented responses that
//! gantry reads (serde ignores the rest).

use base64::Engine as _;
use futures_util::StreamExt as _;
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use crate::client::GitHub;
use crate::error::Error;
use crate::repository::Repository;

/// How many blobs are fetched at once.
const BLOB_CONCURRENCY: usize = 8;

#[derive(Debug, Deserialize)]
struct GitRef {
    object: GitObject,
}

#[derive(Debug, Deserialize)]
struct GitObject {
    sha: String,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct ShaOnly {
    sha: String,
}

/// A commit of the git data API (`GET …/git/commits/{sha}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitCommit {
    /// Its SHA.
    pub sha: String,
    /// Its tree's SHA.
    pub tree: String,
    /// Its message.
    pub message: String,
    /// Its parents' SHAs.
    pub parents: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct RawCommit {
    sha: String,
    tree: ShaOnly,
    #[serde(default)]
    message: String,
    #[serde(default)]
    parents: Vec<ShaOnly>,
}

/// A tree (`GET …/git/trees/{sha}`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Tree {
    /// Its SHA.
    pub sha: String,
    /// Its entries (all of them, with `recursive`, unless truncated).
    pub tree: Vec<TreeEntry>,
    /// GitHub stopped listing (more than 100,000 entries or 7 MB).
    #[serde(default)]
    pub truncated: bool,
}

/// One entry of a tree.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TreeEntry {
    /// Path relative to the tree listed.
    pub path: String,
    /// `100644`, `100755`, `120000` (symlink), `040000`, `160000`.
    pub mode: String,
    /// `blob`, `tree` or `commit` (a submodule).
    #[serde(rename = "type")]
    pub kind: String,
    /// The object's SHA.
    pub sha: String,
    /// Size in bytes (blobs).
    #[serde(default)]
    pub size: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct Blob {
    #[serde(default)]
    content: String,
    #[serde(default)]
    encoding: String,
}

#[derive(Debug, Deserialize)]
struct Contents {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    encoding: String,
    #[serde(default)]
    sha: String,
}

/// A pull request (`GET …/pulls/{n}` and friends).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PullRequest {
    /// Its number.
    pub number: u64,
    /// Its GraphQL node id (for auto-merge).
    pub node_id: String,
    /// Its page.
    pub html_url: String,
    /// `open` or `closed`.
    pub state: String,
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Body (null when empty).
    #[serde(default)]
    pub body: Option<String>,
    /// The branch it merges.
    pub head: PullRef,
    /// The branch it merges into.
    pub base: PullRef,
    /// Its labels.
    #[serde(default)]
    pub labels: Vec<Label>,
    /// Users asked to review.
    #[serde(default)]
    pub requested_reviewers: Vec<User>,
    /// Teams asked to review.
    #[serde(default)]
    pub requested_teams: Vec<Team>,
    /// Auto-merge, when enabled.
    #[serde(default)]
    pub auto_merge: Option<AutoMerge>,
}

/// `head` or `base` of a pull request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PullRef {
    /// The branch.
    #[serde(rename = "ref")]
    pub name: String,
    /// Its tip.
    #[serde(default)]
    pub sha: String,
}

/// A label.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Label {
    /// Its name.
    pub name: String,
}

/// A user.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct User {
    /// The login.
    pub login: String,
}

/// A team.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Team {
    /// The slug.
    pub slug: String,
}

/// Auto-merge on a pull request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AutoMerge {
    /// `merge`, `squash` or `rebase`.
    #[serde(default)]
    pub merge_method: String,
}

/// A pull request to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPull {
    /// Title.
    pub title: String,
    /// Body (Markdown).
    pub body: String,
    /// The branch to merge (in the same repository).
    pub head: String,
    /// The branch to merge into.
    pub base: String,
}

/// How auto-merge merges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeMethod {
    /// A merge commit.
    Merge,
    /// One squashed commit.
    Squash,
    /// Rebased commits.
    Rebase,
}

impl MergeMethod {
    /// GraphQL's `PullRequestMergeMethod`.
    pub fn graphql(self) -> &'static str {
        match self {
            MergeMethod::Merge => "MERGE",
            MergeMethod::Squash => "SQUASH",
            MergeMethod::Rebase => "REBASE",
        }
    }
}

/// One `createCommitOnBranch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitOnBranch {
    /// The repository.
    pub repository: Repository,
    /// The branch (without `refs/heads/`).
    pub branch: String,
    /// The head the change was computed on.
    pub expected_head: String,
    /// The whole message: the first line becomes the headline, the rest
    /// (after the blank line) the body.
    pub message: String,
    /// Files written: (repository-relative path, exact bytes).
    pub additions: Vec<(String, Vec<u8>)>,
    /// Files removed.
    pub deletions: Vec<String>,
}

/// What `createCommitOnBranch` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitOutcome {
    /// The branch moved to this commit.
    Created {
        /// The commit.
        oid: String,
        /// Its page.
        url: String,
    },
    /// The branch no longer pointed at the expected head: nothing was
    /// written; read again and re-apply.
    Stale {
        /// GitHub's message.
        message: String,
    },
}

/// `headline` and `body` of a message, for `CommitMessage`: GitHub joins
/// them with a blank line.
pub fn split_message(message: &str) -> (String, String) {
    let (headline, rest) = message.split_once('\n').unwrap_or((message, ""));
    let body = rest.strip_prefix('\n').unwrap_or(rest);
    (headline.trim_end().to_owned(), body.to_owned())
}

/// Whether GraphQL errors say the expected head was stale.
fn is_stale(errors: &[crate::error::GraphQlError]) -> bool {
    errors.iter().any(|e| {
        e.kind.as_deref() == Some("STALE_DATA") || e.message.contains("Expected branch to point to")
    })
}

/// Base64 as GitHub sends it: wrapped with newlines.
fn decode_base64(endpoint: &str, text: &str) -> Result<Vec<u8>, Error> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| Error::Decode {
            endpoint: endpoint.to_owned(),
            reason: format!("content is not base64: {e}"),
        })
}

pub(crate) fn segments<'a>(repo: &'a Repository, rest: &[&'a str]) -> Vec<&'a str> {
    let mut out = vec!["repos", repo.owner.as_str(), repo.name.as_str()];
    out.extend_from_slice(rest);
    out
}

impl GitHub {
    /// Whether the repository exists and the token can see it.
    pub fn repository_exists(&self, repo: &Repository) -> Result<bool, Error> {
        self.block(async {
            let url = self.rest_url(&segments(repo, &[]), &[]);
            let reply = self.send(Method::GET, url, None).await?;
            match reply.status {
                200..=299 => Ok(true),
                404 => Ok(false),
                _ => Err(reply.error()),
            }
        })
    }

    /// The commit `branch` points at; `None` when there is no such branch.
    pub fn branch_head(&self, repo: &Repository, branch: &str) -> Result<Option<String>, Error> {
        self.block(async {
            let mut parts = vec!["git", "ref", "heads"];
            parts.extend(branch.split('/'));
            let url = self.rest_url(&segments(repo, &parts), &[]);
            let reply = self.send(Method::GET, url, None).await?;
            if reply.status == 404 {
                return Ok(None);
            }
            if !(200..300).contains(&reply.status) {
                return Err(reply.error());
            }
            let found: GitRef = reply.json()?;
            if found.object.kind != "commit" {
                return Err(Error::Decode {
                    endpoint: reply.endpoint.clone(),
                    reason: format!(
                        "refs/heads/{branch} points at a {}, not a commit",
                        found.object.kind
                    ),
                });
            }
            Ok(Some(found.object.sha))
        })
    }

    /// A commit.
    pub fn commit(&self, repo: &Repository, sha: &str) -> Result<GitCommit, Error> {
        self.block(async {
            let url = self.rest_url(&segments(repo, &["git", "commits", sha]), &[]);
            let raw: RawCommit = self.rest(Method::GET, url, None).await?;
            Ok(GitCommit {
                sha: raw.sha,
                tree: raw.tree.sha,
                message: raw.message,
                parents: raw.parents.into_iter().map(|p| p.sha).collect(),
            })
        })
    }

    /// A tree, every entry below it with `recursive`.
    pub fn tree(&self, repo: &Repository, sha: &str, recursive: bool) -> Result<Tree, Error> {
        self.block(async {
            let query: &[(&str, &str)] = if recursive {
                &[("recursive", "1")]
            } else {
                &[]
            };
            let url = self.rest_url(&segments(repo, &["git", "trees", sha]), query);
            self.rest(Method::GET, url, None).await
        })
    }

    async fn blob_async(&self, repo: &Repository, sha: &str) -> Result<Vec<u8>, Error> {
        let url = self.rest_url(&segments(repo, &["git", "blobs", sha]), &[]);
        let endpoint = format!("GET {url}");
        let blob: Blob = self.rest(Method::GET, url, None).await?;
        match blob.encoding.as_str() {
            "base64" => decode_base64(&endpoint, &blob.content),
            "utf-8" | "utf8" => Ok(blob.content.into_bytes()),
            other => Err(Error::Decode {
                endpoint,
                reason: format!("blob encoding `{other}`"),
            }),
        }
    }

    /// The bytes of blobs, in the order asked, a few at a time.
    pub fn blobs(&self, repo: &Repository, shas: &[String]) -> Result<Vec<Vec<u8>>, Error> {
        self.block(async {
            let results: Vec<Result<Vec<u8>, Error>> =
                futures_util::stream::iter(shas.iter().map(|sha| self.blob_async(repo, sha)))
                    .buffered(BLOB_CONCURRENCY)
                    .collect()
                    .await;
            results.into_iter().collect()
        })
    }

    /// The bytes of file `path` at `git_ref`; `None` when it does not
    /// exist (or is not a file).
    pub fn file(
        &self,
        repo: &Repository,
        path: &str,
        git_ref: &str,
    ) -> Result<Option<Vec<u8>>, Error> {
        let contents = self.block(async {
            let mut parts = vec!["contents"];
            parts.extend(path.split('/').filter(|p| !p.is_empty()));
            let url = self.rest_url(&segments(repo, &parts), &[("ref", git_ref)]);
            let endpoint = format!("GET {url}");
            let reply = self.send(Method::GET, url, None).await?;
            if reply.status == 404 {
                return Ok(None);
            }
            if !(200..300).contains(&reply.status) {
                return Err(reply.error());
            }
            // A directory is a JSON array.
            let Ok(file) = serde_json::from_slice::<Contents>(&reply.body) else {
                return Ok(None);
            };
            if file.kind != "file" {
                return Ok(None);
            }
            Ok(Some((endpoint, file)))
        })?;
        let Some((endpoint, file)) = contents else {
            return Ok(None);
        };
        match file.encoding.as_str() {
            "base64" => decode_base64(&endpoint, &file.content).map(Some),
            // Over 1 MB the contents API leaves the content out.
            _ => self
                .blobs(repo, std::slice::from_ref(&file.sha))
                .map(|mut b| b.pop()),
        }
    }

    /// The open pull request from `branch` (of `head_owner`) into `base`.
    pub fn find_open_pull(
        &self,
        repo: &Repository,
        head_owner: &str,
        branch: &str,
        base: &str,
    ) -> Result<Option<PullRequest>, Error> {
        self.block(async {
            let head = format!("{head_owner}:{branch}");
            let url = self.rest_url(
                &segments(repo, &["pulls"]),
                &[
                    ("state", "open"),
                    ("head", head.as_str()),
                    ("base", base),
                    ("per_page", "100"),
                ],
            );
            let pulls: Vec<PullRequest> = self.rest(Method::GET, url, None).await?;
            Ok(pulls
                .into_iter()
                .find(|p| p.state == "open" && p.head.name == branch && p.base.name == base))
        })
    }

    /// Open a pull request. A 422 "already exists" is an error the caller
    /// can see with [`Error::already_exists`].
    pub fn create_pull(&self, repo: &Repository, pull: &NewPull) -> Result<PullRequest, Error> {
        self.block(async {
            let url = self.rest_url(&segments(repo, &["pulls"]), &[]);
            let body = json!({
                "title": pull.title,
                "body": pull.body,
                "head": pull.head,
                "base": pull.base,
                "maintainer_can_modify": true,
            });
            self.rest(Method::POST, url, Some(&body)).await
        })
    }

    /// Set a pull request's title and body.
    pub fn update_pull(
        &self,
        repo: &Repository,
        number: u64,
        title: &str,
        body: &str,
    ) -> Result<PullRequest, Error> {
        self.block(async {
            let n = number.to_string();
            let url = self.rest_url(&segments(repo, &["pulls", &n]), &[]);
            let body = json!({ "title": title, "body": body });
            self.rest(Method::PATCH, url, Some(&body)).await
        })
    }

    /// Add labels to an issue or pull request; the labels it has after.
    pub fn add_labels(
        &self,
        repo: &Repository,
        number: u64,
        labels: &[String],
    ) -> Result<Vec<String>, Error> {
        self.block(async {
            let n = number.to_string();
            let url = self.rest_url(&segments(repo, &["issues", &n, "labels"]), &[]);
            let body = json!({ "labels": labels });
            let labels: Vec<Label> = self.rest(Method::POST, url, Some(&body)).await?;
            Ok(labels.into_iter().map(|l| l.name).collect())
        })
    }

    /// Ask users and teams (slugs) to review.
    pub fn request_reviewers(
        &self,
        repo: &Repository,
        number: u64,
        users: &[String],
        teams: &[String],
    ) -> Result<PullRequest, Error> {
        self.block(async {
            let n = number.to_string();
            let url = self.rest_url(&segments(repo, &["pulls", &n, "requested_reviewers"]), &[]);
            let body = json!({ "reviewers": users, "team_reviewers": teams });
            self.rest(Method::POST, url, Some(&body)).await
        })
    }

    /// Turn on auto-merge for the pull request with GraphQL id `node_id`.
    pub fn enable_auto_merge(&self, node_id: &str, method: MergeMethod) -> Result<(), Error> {
        const QUERY: &str = "mutation GantryEnableAutoMerge($input: EnablePullRequestAutoMergeInput!) {\n  enablePullRequestAutoMerge(input: $input) {\n    pullRequest { number autoMergeRequest { mergeMethod } }\n  }\n}";
        let variables = json!({
            "input": { "pullRequestId": node_id, "mergeMethod": method.graphql() }
        });
        let reply = self.block(self.graphql("enablePullRequestAutoMerge", QUERY, variables))?;
        let ok = reply
            .data
            .as_ref()
            .and_then(|d| d.get("enablePullRequestAutoMerge"))
            .is_some_and(|v| !v.is_null());
        if !reply.errors.is_empty() || !ok {
            return Err(Error::GraphQl {
                operation: "enablePullRequestAutoMerge".to_owned(),
                errors: reply.errors,
            });
        }
        Ok(())
    }

    /// Commit file changes on a branch, if it still points at
    /// `expected_head`. GitHub signs the commit.
    pub fn create_commit_on_branch(&self, commit: &CommitOnBranch) -> Result<CommitOutcome, Error> {
        const QUERY: &str = "mutation GantryCommit($input: CreateCommitOnBranchInput!) {\n  createCommitOnBranch(input: $input) {\n    commit { oid url }\n  }\n}";
        let (headline, body) = split_message(&commit.message);
        let engine = base64::engine::general_purpose::STANDARD;
        let additions: Vec<serde_json::Value> = commit
            .additions
            .iter()
            .map(|(path, bytes)| json!({ "path": path, "contents": engine.encode(bytes) }))
            .collect();
        let deletions: Vec<serde_json::Value> = commit
            .deletions
            .iter()
            .map(|path| json!({ "path": path }))
            .collect();
        let variables = json!({
            "input": {
                "branch": {
                    "repositoryNameWithOwner": commit.repository.to_string(),
                    "branchName": commit.branch,
                },
                "expectedHeadOid": commit.expected_head,
                "message": { "headline": headline, "body": body },
                "fileChanges": { "additions": additions, "deletions": deletions },
            }
        });
        let reply = match self.block(self.graphql("createCommitOnBranch", QUERY, variables)) {
            Ok(reply) => reply,
            // A conflict: nothing was written against a moved head. Reading
            // again is always safe (a commit that did land reads as done).
            Err(e) if e.status() == Some(409) => {
                return Ok(CommitOutcome::Stale {
                    message: e.to_string(),
                });
            }
            Err(e) => return Err(e),
        };
        if is_stale(&reply.errors) {
            return Ok(CommitOutcome::Stale {
                message: reply
                    .errors
                    .iter()
                    .map(|e| e.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            });
        }
        let created = reply
            .data
            .as_ref()
            .and_then(|d| d.get("createCommitOnBranch"))
            .and_then(|c| c.get("commit"));
        match created {
            Some(c) if reply.errors.is_empty() => {
                let field = |k: &str| {
                    c.get(k)
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_owned()
                };
                let oid = field("oid");
                if oid.is_empty() {
                    return Err(Error::Decode {
                        endpoint: "POST graphql createCommitOnBranch".to_owned(),
                        reason: "no commit oid in the response".to_owned(),
                    });
                }
                Ok(CommitOutcome::Created {
                    oid,
                    url: field("url"),
                })
            }
            _ => Err(Error::GraphQl {
                operation: "createCommitOnBranch".to_owned(),
                errors: reply.errors,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::error::GraphQlError;

    #[test]
    fn documented_shapes_parse() {
        // Trimmed from GitHub's documented examples.
        let pull: PullRequest = serde_json::from_str(
            r#"{"url":"https://api.github.com/repos/octocat/Hello-World/pulls/1347","id":1,"node_id":"MDExOlB1bGxSZXF1ZXN0MQ==","html_url":"https://github.com/octocat/Hello-World/pull/1347","number":1347,"state":"open","locked":true,"title":"Amazing new feature","user":{"login":"octocat"},"body":null,"labels":[{"id":208045946,"name":"bug","color":"f29513","default":true}],"requested_reviewers":[{"login":"other_user"}],"requested_teams":[{"id":1,"name":"Justice League","slug":"justice-league"}],"head":{"label":"octocat:new-topic","ref":"new-topic","sha":"6dcb09b5b57875f334f61aebed695e2e4193db5e","user":{"login":"octocat"},"repo":null},"base":{"label":"octocat:master","ref":"master","sha":"6dcb09b5b57875f334f61aebed695e2e4193db5e"},"auto_merge":null,"draft":false}"#,
        )
        .unwrap();
        assert_eq!(
            (
                pull.number,
                pull.head.name.as_str(),
                pull.base.name.as_str()
            ),
            (1347, "new-topic", "master")
        );
        assert_eq!(pull.labels[0].name, "bug");
        assert_eq!(pull.requested_teams[0].slug, "justice-league");
        assert!(pull.body.is_none() && pull.auto_merge.is_none());

        let tree: Tree = serde_json::from_str(
            r#"{"sha":"9fb037999f264ba9a7fc6274d15fa3ae2ab98312","url":"u","tree":[{"path":"file.rb","mode":"100644","type":"blob","size":30,"sha":"44b4fc6d56897b048c772eb4087f854f46256132","url":"u"},{"path":"subdir","mode":"040000","type":"tree","sha":"f484d249c660418515fb01c2b9662073663c242e","url":"u"}],"truncated":false}"#,
        )
        .unwrap();
        assert_eq!(tree.tree.len(), 2);
        assert_eq!(tree.tree[1].size, None);

        let raw: RawCommit = serde_json::from_str(
            r#"{"sha":"7638417db6d59f3c431d3e1f261cc637155684cd","node_id":"x","tree":{"url":"u","sha":"691272480426f78a0138979dd3ce63b77f706feb"},"message":"added readme, because im a good github citizen","parents":[{"url":"u","sha":"1acc419d4d6a9ce985db7be48c6349a0475975b5"}],"verification":{"verified":false,"reason":"unsigned","signature":null,"payload":null}}"#,
        )
        .unwrap();
        assert_eq!(raw.parents.len(), 1);

        let engine = base64::engine::general_purpose::STANDARD;
        let wrapped = engine
            .encode(b"a\r\nb\xef\xbb\xbf no final newline")
            .as_bytes()
            .chunks(8)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(
            decode_base64("x", &wrapped).unwrap(),
            b"a\r\nb\xef\xbb\xbf no final newline"
        );
        assert!(decode_base64("x", "!!").is_err());
    }

    #[test]
    fn messages_split_and_stale_heads_are_recognised() {
        assert_eq!(
            split_message("deploy: api 1 → 2\n\nGantry-Operation: update\n"),
            (
                "deploy: api 1 → 2".to_owned(),
                "Gantry-Operation: update\n".to_owned()
            )
        );
        assert_eq!(split_message("one"), ("one".to_owned(), String::new()));
        let stale = |kind: Option<&str>, message: &str| {
            is_stale(&[GraphQlError {
                kind: kind.map(str::to_owned),
                message: message.to_owned(),
            }])
        };
        assert!(stale(
            Some("STALE_DATA"),
            "Expected branch to point to \"abc\" but it did not.  Pull and try again."
        ));
        assert!(stale(
            None,
            "Expected branch to point to \"abc\" but it did not."
        ));
        assert!(!stale(
            Some("FORBIDDEN"),
            "Resource not accessible by integration"
        ));
    }
}
