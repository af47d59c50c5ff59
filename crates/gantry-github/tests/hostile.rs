//! The client against servers that misbehave: one that accepts and never
//! answers stops at the deadline (tried twice, not five times), one whose
//! body never ends stops at the read limit, one that answers bytes that are
//! not HTTP is an error; each names GitHub and the URL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use gantry_github::{Config, GitHub, MAX_BODY, Repository, RetryPolicy};
use gantry_test_support::hostile::{Behaviour, HostileServer};

fn client(url: &str, timeout: Duration) -> GitHub {
    let mut config = Config::new(url, "ghs_HostileToken0123456789");
    config.timeout = timeout;
    config.retry = RetryPolicy {
        attempts: 5,
        base: Duration::from_millis(20),
        max_delay: Duration::from_millis(50),
        max_wait: Duration::from_secs(1),
    };
    GitHub::new(&config).unwrap()
}

fn repo() -> Repository {
    Repository::parse("acme/deploy").unwrap()
}

#[test]
fn a_server_that_never_answers_ends_after_two_deadlines() {
    let server = HostileServer::start(Behaviour::Hang).unwrap();
    let github = client(&server.url(), Duration::from_millis(400));
    let started = Instant::now();
    let err = github.branch_head(&repo(), "main").unwrap_err();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(800) && took < Duration::from_millis(2500),
        "{took:?}"
    );
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "GitHub API GET {}/repos/acme/deploy/git/ref/heads/main: no answer within 0.4s (--github-timeout, GANTRY_GITHUB_TIMEOUT)",
            server.url()
        )),
        "{text}"
    );
    assert!(text.ends_with("(after 2 attempt(s))"), "{text}");
    assert!(!err.is_input());
    assert!(!text.contains("ghs_HostileToken"), "{text}");
}

#[test]
fn an_endless_body_stops_at_the_read_limit() {
    let server = HostileServer::start(Behaviour::EndlessBody {
        content_type: "application/json".into(),
    })
    .unwrap();
    let github = client(&server.url(), Duration::from_secs(30));
    let err = github.branch_head(&repo(), "main").unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "GitHub API GET {}/repos/acme/deploy/git/ref/heads/main: the response body exceeds 16 MiB (read limit); stopped reading",
            server.url()
        )
    );
    assert!(!err.is_input());
    // Not asked again: one body's worth, not five.
    assert!(
        server.bytes_sent() < 4 * MAX_BODY as u64,
        "{}",
        server.bytes_sent()
    );
}

#[test]
fn garbage_is_an_error_naming_the_url() {
    let server = HostileServer::start(Behaviour::Garbage).unwrap();
    let github = client(&server.url(), Duration::from_secs(5));
    let err = github.branch_head(&repo(), "main").unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "GitHub API GET {}/repos/acme/deploy/git/ref/heads/main: request failed",
            server.url()
        )),
        "{text}"
    );
    assert!(!err.is_input());
}
