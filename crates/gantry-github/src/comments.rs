//! Issue comments: the conversation of an issue or a pull request (a pull
//! request is an issue to this API), for a comment a tool keeps up to date
//! instead of adding one per run.
//!
//! <https://docs.github.com/en/rest/issues/comments>:
//! `GET …/issues/{n}/comments` lists them **oldest first** (ascending id),
//! paged with `per_page` (at most 100) and `page`, the `Link` header
//! announcing `next` and `last`; `POST …/issues/{n}/comments` creates one,
//! `PATCH …/issues/comments/{id}` replaces its body. A body holds at most
//! [`MAX_COMMENT_BODY`] characters.
//!
//! [`GitHub::find_issue_comment`] reads a bounded number of pages: the
//! first (a comment made when the pull request opened is there) and then
//! the newest ones, newest first, so a pull request with thousands of
//! comments costs a few requests, not hundreds.

use std::time::Instant;

use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use crate::client::GitHub;
use crate::deployments::{MAX_PER_PAGE, last_page, next_page};
use crate::endpoints::{User, segments};
use crate::error::Error;
use crate::repository::Repository;

/// GitHub's limit on a comment's body, in characters ("body is too long
/// (maximum is 65536 characters)").
pub const MAX_COMMENT_BODY: usize = 65_536;

/// An issue comment, as GitHub answers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct IssueComment {
    /// Its id.
    pub id: u64,
    /// Its Markdown (`null` on an emptied comment).
    #[serde(default)]
    pub body: Option<String>,
    /// Its page (`https://github.com/O/R/pull/N#issuecomment-ID`).
    #[serde(default)]
    pub html_url: String,
    /// Its author (`null` for a deleted account).
    #[serde(default)]
    pub user: Option<User>,
}

impl IssueComment {
    /// The body, empty when GitHub answered `null`.
    pub fn text(&self) -> &str {
        self.body.as_deref().unwrap_or_default()
    }
}

/// One page of an issue's comments (oldest first), and the numbers of the
/// next and last pages when the `Link` header announces them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentPage {
    /// The comments, oldest first.
    pub items: Vec<IssueComment>,
    /// The next page's number, if any.
    pub next: Option<u32>,
    /// The last page's number, when there is more than one page.
    pub last: Option<u32>,
}

/// How far [`GitHub::find_issue_comment`] looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchLimits {
    /// Pages read at most (of [`MAX_PER_PAGE`] comments each), the first
    /// included.
    pub max_pages: u32,
    /// No page is asked for after this instant.
    pub deadline: Option<Instant>,
}

/// Why a search read fewer pages than the issue has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// [`SearchLimits::max_pages`] pages were read; the ones between the
    /// first and the newest were not.
    PageLimit,
    /// [`SearchLimits::deadline`] passed.
    Deadline,
}

/// What a search found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentSearch {
    /// The newest comment that matched, among the pages read.
    pub found: Option<IssueComment>,
    /// Pages read.
    pub pages_read: u32,
    /// Why pages were left unread, when nothing matched before the search
    /// ended (a match ends it on purpose: `None`).
    pub stopped: Option<Stopped>,
}

/// The pages to read after the first, newest first: the last page down,
/// `max_pages - 1` of them at most, never the first again.
pub fn newest_pages(last: Option<u32>, max_pages: u32) -> Vec<u32> {
    let Some(last) = last.filter(|l| *l > 1) else {
        return Vec::new();
    };
    let budget = max_pages.saturating_sub(1);
    (2..=last).rev().take(budget as usize).collect()
}

impl GitHub {
    /// One page of issue (or pull request) `issue`'s comments, oldest
    /// first; `page` starts at 1, `per_page` is capped at [`MAX_PER_PAGE`].
    pub fn list_issue_comments(
        &self,
        repo: &Repository,
        issue: u64,
        page: u32,
        per_page: u32,
    ) -> Result<CommentPage, Error> {
        let number = issue.to_string();
        let per_page = per_page.clamp(1, MAX_PER_PAGE).to_string();
        let page = page.max(1).to_string();
        self.block(async {
            let url = self.rest_url(
                &segments(repo, &["issues", &number, "comments"]),
                &[("per_page", &per_page), ("page", &page)],
            );
            let reply = self.send(Method::GET, url, None).await?;
            if !(200..300).contains(&reply.status) {
                return Err(reply.error());
            }
            let link = reply
                .headers
                .get(reqwest::header::LINK)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            Ok(CommentPage {
                items: reply.json()?,
                next: next_page(link),
                last: last_page(link),
            })
        })
    }

    /// Comment on issue (or pull request) `issue`.
    pub fn create_issue_comment(
        &self,
        repo: &Repository,
        issue: u64,
        body: &str,
    ) -> Result<IssueComment, Error> {
        let number = issue.to_string();
        self.block(async {
            let url = self.rest_url(&segments(repo, &["issues", &number, "comments"]), &[]);
            self.rest(Method::POST, url, Some(&json!({ "body": body })))
                .await
        })
    }

    /// Replace the body of comment `id`.
    pub fn update_issue_comment(
        &self,
        repo: &Repository,
        id: u64,
        body: &str,
    ) -> Result<IssueComment, Error> {
        let id = id.to_string();
        self.block(async {
            let url = self.rest_url(&segments(repo, &["issues", "comments", &id]), &[]);
            self.rest(Method::PATCH, url, Some(&json!({ "body": body })))
                .await
        })
    }

    /// The newest comment of `issue` that `matches`, reading the first
    /// page and then the newest pages (newest first) within `limits`.
    pub fn find_issue_comment(
        &self,
        repo: &Repository,
        issue: u64,
        limits: SearchLimits,
        matches: impl Fn(&IssueComment) -> bool,
    ) -> Result<CommentSearch, Error> {
        let newest_match =
            |items: &[IssueComment]| items.iter().rev().find(|c| matches(c)).cloned();
        let first = self.list_issue_comments(repo, issue, 1, MAX_PER_PAGE)?;
        let mut search = CommentSearch {
            found: None,
            pages_read: 1,
            stopped: None,
        };
        let later = newest_pages(first.last, limits.max_pages.max(1));
        let unread = first.last.map_or(0, |l| l.saturating_sub(1)) as usize > later.len();
        for page in later {
            if limits.deadline.is_some_and(|d| Instant::now() >= d) {
                search.stopped = Some(Stopped::Deadline);
                return Ok(search);
            }
            let listed = self.list_issue_comments(repo, issue, page, MAX_PER_PAGE)?;
            search.pages_read += 1;
            if let Some(found) = newest_match(&listed.items) {
                search.found = Some(found);
                return Ok(search);
            }
        }
        search.found = newest_match(&first.items);
        if search.found.is_none() && unread {
            search.stopped = Some(Stopped::PageLimit);
        }
        Ok(search)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_pages_are_read_after_the_first() {
        let table: &[(Option<u32>, u32, &[u32])] = &[
            (None, 10, &[]),
            (Some(1), 10, &[]),
            (Some(2), 10, &[2]),
            (Some(4), 10, &[4, 3, 2]),
            (Some(40), 4, &[40, 39, 38]),
            (Some(40), 1, &[]),
            (Some(40), 0, &[]),
        ];
        for (last, max, want) in table {
            assert_eq!(newest_pages(*last, *max), *want, "{last:?} {max}");
        }
    }

    #[test]
    fn comments_parse_with_githubs_fields() {
        let comment: IssueComment = serde_json::from_str(
            r#"{"id": 1, "node_id": "IC_1", "body": "Me too", "html_url": "https://github.com/a/b/pull/7#issuecomment-1", "user": {"login": "github-actions[bot]", "type": "Bot"}, "author_association": "NONE", "performed_via_github_app": null}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(comment.text(), "Me too");
        assert_eq!(
            comment.user.map(|u| u.login).as_deref(),
            Some("github-actions[bot]")
        );
        let emptied: IssueComment =
            serde_json::from_str(r#"{"id": 2, "body": null, "user": null}"#)
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(emptied.text(), "");
    }
}
