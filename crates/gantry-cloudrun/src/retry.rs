//! When to try a request again, and how long to wait first.
//!
//! Google's guidance: `RESOURCE_EXHAUSTED` (429) and `UNAVAILABLE` (503)
//! are transient, and so are a gateway's 502 and 504; back off
//! exponentially with jitter, and honour `Retry-After` when sent.
//! Anything else (400, 401, 403, 404, 409) is an answer, not a hiccup: a
//! 409 etag conflict is handled a level up, by reading again.

use std::time::Duration;

/// Bounded retries with jittered exponential backoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included (1 = no retry).
    pub attempts: u32,
    /// The first backoff; doubled on each retry.
    pub base: Duration,
    /// The largest backoff.
    pub max_delay: Duration,
    /// The longest `Retry-After` gantry waits for before giving up.
    pub max_wait: Duration,
    /// Attempts of a request that ran into its deadline: one more chance,
    /// not four, so a server that never answers ends within two deadlines.
    pub timeout_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            base: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            // A Retry-After longer than this is an answer: the API is
            // down for longer than a rollback can wait.
            max_wait: Duration::from_secs(10),
            timeout_attempts: 2,
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

/// What to do about an HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Not retryable: report it.
    Fail,
    /// Wait this long, then try again.
    Retry(Duration),
}

/// Whether an HTTP status is worth another attempt.
pub(crate) fn is_transient(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// The decision for `status` after attempt `attempt`, with the server's
/// `Retry-After` (seconds) if it sent one.
pub(crate) fn decide(
    status: u16,
    retry_after: Option<&str>,
    attempt: u32,
    policy: &RetryPolicy,
    unit: f64,
) -> Decision {
    if !is_transient(status) || attempt >= policy.attempts.max(1) {
        return Decision::Fail;
    }
    let asked = retry_after
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    match asked {
        Some(wait) if wait > policy.max_wait => Decision::Fail,
        Some(wait) => Decision::Retry(wait),
        None => Decision::Retry(policy.backoff(attempt, unit)),
    }
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
        let ms = Duration::from_millis;
        let table: [(u16, Option<&str>, u32, Decision); 13] = [
            (429, None, 1, Decision::Retry(ms(375))),
            (503, None, 1, Decision::Retry(ms(375))),
            (503, None, 3, Decision::Retry(ms(1500))),
            (502, None, 2, Decision::Retry(ms(750))),
            (504, None, 1, Decision::Retry(ms(375))),
            (429, Some("2"), 1, Decision::Retry(Duration::from_secs(2))),
            (429, Some("3600"), 1, Decision::Fail),
            (429, Some("11"), 1, Decision::Fail),
            (503, None, 5, Decision::Fail),
            (400, None, 1, Decision::Fail),
            (401, Some("1"), 1, Decision::Fail),
            (403, None, 1, Decision::Fail),
            (404, None, 1, Decision::Fail),
        ];
        for (status, after, attempt, want) in table {
            assert_eq!(
                decide(status, after, attempt, &policy, 0.5),
                want,
                "{status} {after:?} {attempt}"
            );
        }
        assert_eq!(decide(409, None, 1, &policy, 0.5), Decision::Fail);
        assert_eq!(policy.backoff(30, 1.0), Duration::from_secs(8));
        assert_eq!(policy.backoff(1, 0.0), ms(250));
        let r = unit_random();
        assert!((0.0..1.0).contains(&r));
    }
}
