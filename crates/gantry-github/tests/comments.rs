//! Issue comments against gantry-test-support's fake GitHub: created,
//! listed oldest first page by page, found by content within a bounded
//! number of pages (the first and the newest), updated; GitHub's refusals
//! (a read-only token, a body over the limit, an unknown number) are
//! errors with GitHub's status and message.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use gantry_github::{
    Config, GitHub, MAX_COMMENT_BODY, Repository, RetryPolicy, SearchLimits, Stopped,
};
use gantry_test_support::git_daemon::bare_repo;
use gantry_test_support::github::FakeGitHub;

const TOKEN: &str = "ghs_FakeToken0123456789";

fn setup() -> (tempfile::TempDir, FakeGitHub, GitHub, Repository) {
    let base = tempfile::tempdir().unwrap();
    let bare = bare_repo(base.path(), "web", &[("README", "web\n")]).unwrap();
    let fake = FakeGitHub::start(&bare, "acme/web", TOKEN).unwrap();
    let mut config = Config::new(&fake.url(), TOKEN);
    config.retry = RetryPolicy {
        attempts: 1,
        base: Duration::from_millis(10),
        max_delay: Duration::from_millis(10),
        max_wait: Duration::from_secs(1),
    };
    let github = GitHub::new(&config).unwrap();
    (base, fake, github, Repository::parse("acme/web").unwrap())
}

fn limits(max_pages: u32) -> SearchLimits {
    SearchLimits {
        max_pages,
        deadline: None,
    }
}

#[test]
fn a_comment_is_created_found_and_updated() {
    let (_base, fake, github, repo) = setup();
    let pr = fake.open_pull("feature", "main");
    fake.add_comment(pr, "octocat", "LGTM");

    let created = github
        .create_issue_comment(&repo, pr, "<!-- marker -->\nfirst")
        .unwrap();
    assert!(
        created
            .html_url
            .ends_with(&format!("/pull/{pr}#issuecomment-{}", created.id)),
        "{created:?}"
    );
    assert_eq!(
        created.user.as_ref().map(|u| u.login.as_str()),
        Some("github-actions[bot]")
    );

    let page = github.list_issue_comments(&repo, pr, 1, 100).unwrap();
    let bodies: Vec<&str> = page.items.iter().map(|c| c.text()).collect();
    assert_eq!(bodies, ["LGTM", "<!-- marker -->\nfirst"]);
    assert_eq!((page.next, page.last), (None, None));

    let search = github
        .find_issue_comment(&repo, pr, limits(10), |c| {
            c.text().starts_with("<!-- marker -->")
        })
        .unwrap();
    assert_eq!(search.found.as_ref().map(|c| c.id), Some(created.id));
    assert_eq!((search.pages_read, search.stopped), (1, None));

    let updated = github
        .update_issue_comment(&repo, created.id, "<!-- marker -->\nsecond")
        .unwrap();
    assert_eq!(
        (updated.id, updated.text()),
        (created.id, "<!-- marker -->\nsecond")
    );
    let comments = fake.comments();
    assert_eq!(comments.len(), 2);
    assert_eq!(comments[1].edits, 1);
}

#[test]
fn the_search_reads_the_first_page_then_the_newest_within_its_bounds() {
    let (_base, fake, github, repo) = setup();
    let pr = fake.open_pull("feature", "main");
    // 100 per page: ours on page 1, the chatter fills pages 1 to 6.
    let ours = fake.add_comment(pr, "github-actions[bot]", "<!-- ours -->");
    for i in 0..520 {
        fake.add_comment(pr, "octocat", &format!("comment {i}"));
    }
    let is_ours = |c: &gantry_github::IssueComment| c.text() == "<!-- ours -->";
    fake.clear_requests();
    let search = github
        .find_issue_comment(&repo, pr, limits(3), is_ours)
        .unwrap();
    assert_eq!(search.found.map(|c| c.id), Some(ours));
    let pages: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| r.path.rsplit('=').next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(pages, ["1", "6", "5"], "the first page, then the newest");

    // A newer one on the last page wins, found on the second request.
    let newer = fake.add_comment(pr, "github-actions[bot]", "<!-- ours -->");
    fake.clear_requests();
    let search = github
        .find_issue_comment(&repo, pr, limits(3), is_ours)
        .unwrap();
    assert_eq!(search.found.map(|c| c.id), Some(newer));
    assert_eq!(fake.requests().len(), 2);

    // Not found, pages left unread: the caller is told.
    let search = github
        .find_issue_comment(&repo, pr, limits(3), |c| c.text() == "nobody")
        .unwrap();
    assert_eq!(
        (search.found, search.pages_read, search.stopped),
        (None, 3, Some(Stopped::PageLimit))
    );
    let search = github
        .find_issue_comment(&repo, pr, limits(10), |c| c.text() == "nobody")
        .unwrap();
    assert_eq!((search.pages_read, search.stopped), (6, None));

    // Past the deadline, no page after the first is asked for.
    fake.clear_requests();
    let search = github
        .find_issue_comment(
            &repo,
            pr,
            SearchLimits {
                max_pages: 10,
                deadline: Some(Instant::now()),
            },
            |c| c.text() == "nobody",
        )
        .unwrap();
    assert_eq!(search.stopped, Some(Stopped::Deadline));
    assert_eq!(fake.requests().len(), 1);
}

#[test]
fn refusals_are_errors_with_githubs_status_and_message() {
    let (_base, fake, github, repo) = setup();
    let pr = fake.open_pull("contributor:feature", "main");

    fake.set_read_only(true);
    assert!(github.list_issue_comments(&repo, pr, 1, 100).is_ok());
    let refused = github.create_issue_comment(&repo, pr, "hello").unwrap_err();
    assert_eq!(refused.status(), Some(403));
    assert!(
        refused
            .to_string()
            .contains("403 Resource not accessible by integration"),
        "{refused}"
    );
    assert!(fake.comments().is_empty());
    fake.set_read_only(false);

    let too_long = github
        .create_issue_comment(&repo, pr, &"x".repeat(MAX_COMMENT_BODY + 1))
        .unwrap_err();
    assert_eq!(too_long.status(), Some(422));
    assert!(
        too_long
            .to_string()
            .contains("body is too long (maximum is 65536 characters)"),
        "{too_long}"
    );
    assert!(
        github
            .create_issue_comment(&repo, pr, &"x".repeat(MAX_COMMENT_BODY))
            .is_ok()
    );

    let unknown = github.list_issue_comments(&repo, 99, 1, 100).unwrap_err();
    assert!(unknown.is_not_found(), "{unknown}");
    let gone = github.update_issue_comment(&repo, 1, "x").unwrap_err();
    assert!(gone.is_not_found(), "{gone}");
}
