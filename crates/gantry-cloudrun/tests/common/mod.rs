//! What the integration tests share: a fake with a service, a client for
//! it with fast retries and polls, request counting.

#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use gantry_cloudrun::{CloudRun, Config, Credentials, RetryPolicy, ServiceName};
use gantry_test_support::cloud_run::FakeCloudRun;

pub const TOKEN: &str = "ya29.a0-fake-access-token-for-tests";
pub const PROJECT: &str = "acme-prod";
pub const REGION: &str = "europe-west1";
pub const SERVICE: &str = "projects/acme-prod/locations/europe-west1/services/web";

/// Fast retries and polls; bounded so a failing test ends quickly.
pub fn config(fake: &FakeCloudRun) -> Config {
    Config {
        base_url: fake.url(),
        retry: RetryPolicy {
            attempts: 4,
            base: Duration::from_millis(2),
            max_delay: Duration::from_millis(10),
            max_wait: Duration::from_secs(2),
            ..RetryPolicy::default()
        },
        timeout: Duration::from_secs(10),
        poll_interval: Duration::from_millis(2),
        max_poll_interval: Duration::from_millis(10),
        operation_timeout: Duration::from_secs(10),
        conflict_attempts: 3,
        ..Config::default()
    }
}

/// A fake holding `web` with `revisions` (name, ready), oldest first,
/// traffic on the latest ready revision.
pub fn fake_with(revisions: &[(&str, bool)]) -> FakeCloudRun {
    let fake = FakeCloudRun::start(TOKEN).unwrap();
    let service = fake.add_service(PROJECT, REGION, "web");
    assert_eq!(service, SERVICE);
    for (i, (name, ready)) in revisions.iter().enumerate() {
        let image = format!("europe-docker.pkg.dev/acme/web/app:v{}", i + 1);
        fake.add_revision(SERVICE, name, &image, *ready);
    }
    fake
}

pub fn name() -> ServiceName {
    ServiceName::parse(SERVICE).unwrap()
}

pub fn client(fake: &FakeCloudRun) -> CloudRun {
    client_with(fake, Credentials::token(TOKEN).unwrap())
}

pub fn client_with(fake: &FakeCloudRun, credentials: Credentials) -> CloudRun {
    CloudRun::new(name(), credentials, config(fake)).unwrap()
}

pub fn count(fake: &FakeCloudRun, method: &str, path: &str) -> usize {
    fake.requests_matching(method, path).len()
}

pub fn patches(fake: &FakeCloudRun) -> usize {
    count(fake, "PATCH", "/services/web")
}

pub fn serving(pairs: &[(&str, u8)]) -> Vec<(String, u8)> {
    pairs.iter().map(|(r, p)| ((*r).to_owned(), *p)).collect()
}
