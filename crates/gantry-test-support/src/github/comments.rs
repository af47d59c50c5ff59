//! Issue comments on the fake's pull requests (a pull request is an issue
//! to this API), with the shapes of <https://docs.github.com/en/rest/issues/comments>:
//!
//! - `GET …/issues/{n}/comments`: oldest first (ascending id), paged with
//!   `per_page` (default 30, at most 100) and `page`, and a `Link` header;
//!   404 for a number that is no pull request;
//! - `POST …/issues/{n}/comments` `{"body"}`: 201, by the token's user
//!   (`github-actions[bot]`, the job's token); 422 for a missing body or
//!   one over 65,536 characters, as GitHub answers;
//! - `GET|PATCH|DELETE …/issues/comments/{id}`.
//!
//! [`FakeGitHub::set_read_only`] answers every REST write 403 "Resource not
//! accessible by integration", as GitHub answers the read-only token of a
//! fork's pull request.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{
    ACTIONS_BOT, Answer, FakeGitHub, FakePull, Reply, Shared, api, html, lock, paged, str_field,
    user_json,
};

/// GitHub's limit on a comment's body, in characters.
const MAX_BODY: usize = 65_536;

/// Comment ids start here, far from pull request numbers, so a client
/// that mixes the two up is caught.
const FIRST_ID: u64 = 900_001;

/// A comment the fake holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeComment {
    /// Its id.
    pub id: u64,
    /// The pull request (issue) number it is on.
    pub issue: u64,
    /// Its Markdown.
    pub body: String,
    /// Its author's login.
    pub user: String,
    /// How many times its body was replaced (`PATCH`).
    pub edits: u32,
}

impl FakeGitHub {
    /// Open pull request `head` → `base` as a person would (from a fork
    /// too: `head` need not be a branch of the repository); its number.
    pub fn open_pull(&self, head: &str, base: &str) -> u64 {
        let mut state = lock(&self.shared.state);
        let number = state.pulls.len() as u64 + 1;
        state.pulls.push(FakePull {
            number,
            node_id: format!("PR_kwDOfake{number:04}"),
            title: format!("Pull request {number}"),
            body: String::new(),
            head: head.to_owned(),
            base: base.to_owned(),
            state: "open".to_owned(),
            labels: Vec::new(),
            reviewers: Vec::new(),
            team_reviewers: Vec::new(),
            auto_merge: None,
        });
        number
    }

    /// Comment on pull request `issue` as `user` (a person, another bot);
    /// the comment's id.
    pub fn add_comment(&self, issue: u64, user: &str, body: &str) -> u64 {
        let mut state = lock(&self.shared.state);
        let id = next_id(&mut state.next_comment);
        state.comments.push(FakeComment {
            id,
            issue,
            body: body.to_owned(),
            user: user.to_owned(),
            edits: 0,
        });
        id
    }

    /// Every comment, oldest first (deleted ones gone).
    pub fn comments(&self) -> Vec<FakeComment> {
        lock(&self.shared.state).comments.clone()
    }

    /// Answer every REST write (anything but `GET` and `HEAD`) with 403
    /// "Resource not accessible by integration", as GitHub answers the
    /// read-only token of a pull request from a fork; reads still work.
    pub fn set_read_only(&self, read_only: bool) {
        lock(&self.shared.state).read_only = read_only;
    }
}

fn next_id(counter: &mut u64) -> u64 {
    let id = FIRST_ID + *counter;
    *counter += 1;
    id
}

/// GitHub's answer to a write the token may not make.
pub(super) fn refused_write() -> Reply {
    Reply::json(
        403,
        &json!({
            "message": "Resource not accessible by integration",
            "documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment",
            "status": "403",
        }),
    )
}

fn comment_json(shared: &Shared, c: &FakeComment) -> Value {
    let bot = c.user.ends_with("[bot]");
    json!({
        "id": c.id,
        "node_id": format!("IC_kwDOfake{}", c.id),
        "url": api(shared, &format!("issues/comments/{}", c.id)),
        "html_url": html(shared, &format!("pull/{}#issuecomment-{}", c.issue, c.id)),
        "issue_url": api(shared, &format!("issues/{}", c.issue)),
        "body": c.body,
        "user": user_json(&c.user),
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": if c.edits == 0 { "2026-01-01T00:00:00Z" } else { "2026-01-01T00:05:00Z" },
        "author_association": if bot { "NONE" } else { "CONTRIBUTOR" },
        "performed_via_github_app": null,
        "reactions": {"url": api(shared, &format!("issues/comments/{}/reactions", c.id)), "total_count": 0},
    })
}

fn issue_number(shared: &Shared, number: &str) -> std::result::Result<u64, Reply> {
    let n: u64 = number.parse().map_err(|_| Reply::not_found())?;
    lock(&shared.state)
        .pulls
        .iter()
        .any(|p| p.number == n)
        .then_some(n)
        .ok_or_else(Reply::not_found)
}

fn body_field(body: &Value) -> std::result::Result<String, Reply> {
    let text = str_field(body, "body").ok_or_else(|| {
        Reply::validation(
            None,
            json!({"resource": "IssueComment", "field": "body", "code": "missing_field"}),
        )
    })?;
    if text.chars().count() > MAX_BODY {
        return Err(Reply::validation(
            Some("body is too long (maximum is 65536 characters)"),
            json!({"resource": "IssueComment", "field": "body", "code": "custom"}),
        ));
    }
    Ok(text.to_owned())
}

pub(super) fn list(shared: &Shared, number: &str, query: &BTreeMap<String, String>) -> Answer {
    let n = issue_number(shared, number)?;
    let items: Vec<Value> = lock(&shared.state)
        .comments
        .iter()
        .filter(|c| c.issue == n)
        .map(|c| comment_json(shared, c))
        .collect();
    paged(
        shared,
        &format!(
            "/repos/{}/{}/issues/{number}/comments",
            shared.owner, shared.name
        ),
        query,
        items,
    )
}

pub(super) fn create(shared: &Shared, number: &str, body: &Value) -> Answer {
    let n = issue_number(shared, number)?;
    let text = body_field(body)?;
    let mut state = lock(&shared.state);
    let comment = FakeComment {
        id: next_id(&mut state.next_comment),
        issue: n,
        body: text,
        user: ACTIONS_BOT.to_owned(),
        edits: 0,
    };
    state.comments.push(comment.clone());
    drop(state);
    Ok(Reply::json(201, &comment_json(shared, &comment)))
}

pub(super) fn get(shared: &Shared, id: &str) -> Answer {
    let id: u64 = id.parse().map_err(|_| Reply::not_found())?;
    let comment = lock(&shared.state)
        .comments
        .iter()
        .find(|c| c.id == id)
        .cloned()
        .ok_or_else(Reply::not_found)?;
    Ok(Reply::json(200, &comment_json(shared, &comment)))
}

pub(super) fn update(shared: &Shared, id: &str, body: &Value) -> Answer {
    let id: u64 = id.parse().map_err(|_| Reply::not_found())?;
    let text = body_field(body)?;
    let mut state = lock(&shared.state);
    let comment = state
        .comments
        .iter_mut()
        .find(|c| c.id == id)
        .ok_or_else(Reply::not_found)?;
    comment.body = text;
    comment.edits += 1;
    let comment = comment.clone();
    drop(state);
    Ok(Reply::json(200, &comment_json(shared, &comment)))
}

pub(super) fn delete(shared: &Shared, id: &str) -> Answer {
    let id: u64 = id.parse().map_err(|_| Reply::not_found())?;
    let mut state = lock(&shared.state);
    let before = state.comments.len();
    state.comments.retain(|c| c.id != id);
    if state.comments.len() == before {
        return Err(Reply::not_found());
    }
    Ok(Reply {
        status: 204,
        headers: Vec::new(),
        body: Vec::new(),
    })
}
