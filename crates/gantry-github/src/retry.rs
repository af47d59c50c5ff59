//! When to try a request again, and how long to wait first.
//!
//! GitHub's documented rules for rate limits: with a `retry-after` header,
//! wait that many seconds; else, with `x-ratelimit-remaining: 0`, wait
//! until `x-ratelimit-reset` (epoch seconds); else, for a secondary rate
//! limit, wait a while and back off. Server errors (5xx) back off with
//! jitter. Anything else (401, 404, 422, a 403 that is a permission
//! problem) is an answer, not a hiccup.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Bounded retries with jittered exponential backoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included (1 = no retry).
    pub attempts: u32,
    /// The first backoff; doubled on each retry.
    pub base: Duration,
    /// The largest backoff.
    pub max_delay: Duration,
    /// The longest wait a server may ask for (`retry-after`,
    /// `x-ratelimit-reset`) before gantry gives up instead of waiting.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            base: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_wait: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The backoff after failed attempt `attempt` (1-based) for a random
    /// `unit` in [0, 1): in the upper half of min(max, base·2^(attempt-1)).
    pub fn backoff(&self, attempt: u32, unit: f64) -> Duration {
        let exp = attempt.saturating_sub(1).min(20);
        let cap = self.base.saturating_mul(1u32 << exp).min(self.max_delay);
        let half = cap / 2;
        half + half.mul_f64(unit.clamp(0.0, 1.0))
    }
}

/// What the headers of a failed response say about waiting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Hints<'a> {
    pub(crate) retry_after: Option<&'a str>,
    pub(crate) remaining: Option<&'a str>,
    pub(crate) reset: Option<&'a str>,
}

/// What to do about a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Not retryable: report it.
    Fail,
    /// Wait this long, then try again.
    Retry(Duration),
    /// The server wants a longer wait than we allow.
    TooLong(Duration),
}

/// The decision for `status` after attempt `attempt`.
pub(crate) fn decide(
    status: u16,
    hints: Hints<'_>,
    body: &str,
    attempt: u32,
    policy: &RetryPolicy,
    now: SystemTime,
    unit: f64,
) -> Decision {
    let asked = server_wait(hints, now);
    let limited_403 = status == 403
        && (asked.is_some()
            || body.to_ascii_lowercase().contains("secondary rate limit")
            || body.to_ascii_lowercase().contains("rate limit exceeded"));
    let retryable = (500..=599).contains(&status) || status == 429 || limited_403;
    if !retryable {
        return Decision::Fail;
    }
    match asked {
        Some(wait) if wait > policy.max_wait => Decision::TooLong(wait),
        Some(wait) => Decision::Retry(wait),
        None => Decision::Retry(policy.backoff(attempt, unit)),
    }
}

/// The wait the server asks for: `retry-after` seconds, else the time to
/// `x-ratelimit-reset` when `x-ratelimit-remaining` is 0.
fn server_wait(hints: Hints<'_>, now: SystemTime) -> Option<Duration> {
    if let Some(secs) = hints.retry_after.and_then(|v| v.trim().parse::<u64>().ok()) {
        return Some(Duration::from_secs(secs));
    }
    if hints.remaining.map(str::trim) == Some("0") {
        let reset = hints.reset.and_then(|v| v.trim().parse::<u64>().ok())?;
        let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs();
        // A second of slack: the reset is in whole seconds.
        return Some(Duration::from_secs(reset.saturating_sub(now) + 1));
    }
    None
}

/// A random number in [0, 1) from the OS, or 0.5 if it has none.
pub(crate) fn unit_random() -> f64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_retried_and_for_how_long() {
        let policy = RetryPolicy::default();
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let none = Hints::default();
        let after = |s| Hints {
            retry_after: Some(s),
            ..Hints::default()
        };
        let exhausted = |reset| Hints {
            remaining: Some("0"),
            reset: Some(reset),
            ..Hints::default()
        };
        let secondary = r#"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}"#;
        let table: Vec<(u16, Hints<'_>, &str, u32, Decision)> = vec![
            (
                502,
                none,
                "",
                1,
                Decision::Retry(Duration::from_millis(375)),
            ),
            (
                503,
                after("2"),
                "",
                1,
                Decision::Retry(Duration::from_secs(2)),
            ),
            (
                500,
                none,
                "",
                3,
                Decision::Retry(Duration::from_millis(1500)),
            ),
            (
                429,
                none,
                "",
                1,
                Decision::Retry(Duration::from_millis(375)),
            ),
            (
                403,
                after("1"),
                secondary,
                1,
                Decision::Retry(Duration::from_secs(1)),
            ),
            (
                403,
                none,
                secondary,
                2,
                Decision::Retry(Duration::from_millis(750)),
            ),
            (
                403,
                exhausted("1010"),
                "",
                1,
                Decision::Retry(Duration::from_secs(11)),
            ),
            (
                403,
                exhausted("9000"),
                "",
                1,
                Decision::TooLong(Duration::from_secs(8001)),
            ),
            (
                429,
                after("3600"),
                "",
                1,
                Decision::TooLong(Duration::from_secs(3600)),
            ),
            (
                403,
                none,
                r#"{"message":"Resource not accessible by integration"}"#,
                1,
                Decision::Fail,
            ),
            (401, after("1"), "", 1, Decision::Fail),
            (404, none, "", 1, Decision::Fail),
            (422, none, "", 1, Decision::Fail),
        ];
        for (status, hints, body, attempt, want) in table {
            assert_eq!(
                decide(status, hints, body, attempt, &policy, now, 0.5),
                want,
                "{status} {hints:?} {body}"
            );
        }
        let r = unit_random();
        assert!((0.0..1.0).contains(&r));
        assert_eq!(policy.backoff(30, 1.0), Duration::from_secs(8));
    }
}
