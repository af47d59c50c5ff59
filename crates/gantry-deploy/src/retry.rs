//! How long to wait before trying a rejected push again: exponential
//! backoff with full jitter, so writers that collided spread out instead
//! of colliding again in step.

use std::time::Duration;

/// Bounded retries with jittered exponential backoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all (the first included).
    pub attempts: u32,
    /// The cap of the first wait.
    pub base: Duration,
    /// The largest wait.
    pub max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 30,
            base: Duration::from_millis(100),
            max: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt `attempt` (1-based), for a random
    /// `unit` in [0, 1): uniform in [0, min(max, base·2^(attempt-1))].
    pub fn delay(&self, attempt: u32, unit: f64) -> Duration {
        let exp = attempt.saturating_sub(1).min(20);
        let cap = self.base.saturating_mul(1u32 << exp).min(self.max);
        cap.mul_f64(unit.clamp(0.0, 1.0))
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
    fn delays_grow_to_the_cap_and_scale_with_jitter() {
        let p = RetryPolicy {
            attempts: 10,
            base: Duration::from_millis(100),
            max: Duration::from_secs(1),
        };
        let table = [
            (1, 1.0, 100),
            (2, 1.0, 200),
            (3, 1.0, 400),
            (4, 1.0, 800),
            (5, 1.0, 1000),
            (30, 1.0, 1000),
            (3, 0.5, 200),
            (3, 0.0, 0),
            (1, 7.0, 100),
        ];
        for (attempt, unit, ms) in table {
            assert_eq!(
                p.delay(attempt, unit),
                Duration::from_millis(ms),
                "{attempt} {unit}"
            );
        }
        let r = unit_random();
        assert!((0.0..1.0).contains(&r));
    }
}
