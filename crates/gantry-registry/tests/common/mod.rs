//! Shared helpers for the registry client's integration tests.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::time::Duration;

use gantry_image::{ImageRef, Tag};
use gantry_registry::{Client, ClientConfig, CredentialStore, RetryPolicy, Target};
use gantry_test_support::fault_server::Seen;

/// A retry policy that keeps tests fast.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_secs(2),
    }
}

pub fn client(credentials: CredentialStore) -> Client {
    Client::new(ClientConfig {
        credentials,
        retry: fast_retry(),
        timeout: Duration::from_secs(10),
        ..ClientConfig::default()
    })
    .unwrap()
}

pub fn image(s: &str) -> ImageRef {
    ImageRef::parse(s).unwrap()
}

pub fn tags(names: &[&str]) -> Vec<Target> {
    names
        .iter()
        .map(|t| Target::Tag(Tag::parse(t).unwrap()))
        .collect()
}

/// `METHOD path` of each request, for readable assertion failures.
pub fn lines(seen: &[Seen]) -> Vec<String> {
    seen.iter()
        .map(|s| format!("{} {} -> {}", s.method, s.path, s.status))
        .collect()
}

pub fn count(seen: &[Seen], method: &str, path_contains: &str) -> usize {
    seen.iter()
        .filter(|s| s.method == method && s.path.contains(path_contains))
        .count()
}

/// `(method, uri)` of every request with a `gantry/…` user agent in
/// distribution's combined access log
/// (`127.0.0.1 - - [date] "PUT /v2/… HTTP/1.1" 201 0 "" "gantry/0.1.0"`).
pub fn gantry_requests_in_access_log(log: &str) -> Vec<(String, String)> {
    log.lines()
        .filter(|line| line.trim_end().ends_with("\"gantry/0.1.0\"") && !line.starts_with("time="))
        .filter_map(|line| {
            let request = line.split('"').nth(1)?;
            let mut parts = request.split(' ');
            Some((parts.next()?.to_owned(), parts.next()?.to_owned()))
        })
        .collect()
}

/// The access log's gantry requests once there are at least `n` (the
/// registry logs a request just after answering it), waiting up to 2 s.
pub fn wait_for_access_log(
    registry: &gantry_test_support::registry::Registry,
    n: usize,
) -> Vec<(String, String)> {
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    loop {
        let logged = gantry_requests_in_access_log(&registry.log());
        if logged.len() >= n || std::time::Instant::now() > deadline {
            return logged;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
