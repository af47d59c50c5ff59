//! How a canary gets its share of traffic.
//!
//! gantry-canary moves through traffic steps (`--steps 10,25,50,100`) and
//! a rollback sets the canary's weight back to 0; both go through a
//! [`TrafficShifter`], so the analysis does not care whether the weight
//! lives in a Gateway API `HTTPRoute`, NGINX ingress annotations, an Istio
//! `VirtualService`, replica counts, a Cloud Run traffic split, or a
//! user's own script or webhook.
//!
//! This crate has the last two: [`CommandShifter`] (`sh -c` with
//! `GANTRY_CANARY_WEIGHT`/`GANTRY_STABLE_WEIGHT`) and [`WebhookShifter`]
//! (`POST {"canaryWeight": N, "stableWeight": M}`). Their runners,
//! [`exec`] (a shell command in its own process group, killed whole at
//! its timeout, output bounded) and [`post`] (a JSON webhook call with
//! masked secrets), are public because gantry-hooks runs its command and
//! webhook hooks with them: one runner for both.

mod command;
pub mod exec;
pub mod post;
mod webhook;

pub use command::{CANARY_WEIGHT_VAR, CommandShifter, DEFAULT_SHIFT_TIMEOUT, STABLE_WEIGHT_VAR};
pub use webhook::WebhookShifter;

use futures_util::future::BoxFuture;

/// A canary weight, in percent of the traffic (0 to 100).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Weight(u8);

impl Weight {
    /// All traffic on stable.
    pub const ZERO: Weight = Weight(0);
    /// All traffic on the canary.
    pub const FULL: Weight = Weight(100);

    /// A weight, or `None` above 100.
    pub fn new(percent: u8) -> Option<Weight> {
        (percent <= 100).then_some(Weight(percent))
    }

    /// The canary's percent.
    pub fn canary(self) -> u8 {
        self.0
    }

    /// Stable's percent (`100 - canary`).
    pub fn stable(self) -> u8 {
        100 - self.0
    }
}

impl std::fmt::Display for Weight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}%", self.0)
    }
}

/// What a shift did, for the log and the report: one line, e.g.
/// `HTTPRoute prod/web: web-canary 25, web-stable 75 (was 10/90)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shifted {
    /// One line saying what changed (or that nothing needed to).
    pub detail: String,
    /// Whether anything was changed (false when already at the weight).
    pub changed: bool,
}

/// Why a shift failed.
#[derive(Debug, thiserror::Error)]
pub enum ShiftError {
    /// The shifter's settings are wrong (the route or backend does not
    /// exist, a weight that cannot be expressed): bad input, exit 2.
    #[error("{target}: {message}")]
    Invalid {
        /// What was being shifted, e.g. `HTTPRoute prod/web`.
        target: String,
        /// What is wrong with it.
        message: String,
    },
    /// The shift was tried and did not happen (API error, timeout, hook
    /// exited non-zero): an outside failure.
    #[error("{target}: {message}")]
    Failed {
        /// What was being shifted.
        target: String,
        /// What went wrong.
        message: String,
    },
}

impl ShiftError {
    /// Whether the error is the user's input (exit 2) rather than an
    /// outside failure.
    pub fn is_input_error(&self) -> bool {
        matches!(self, ShiftError::Invalid { .. })
    }
}

/// Something that can set the canary's share of traffic.
///
/// Implementations must be idempotent (setting the weight it already has
/// changes nothing and says so) and must not return before the change is
/// accepted by whatever owns it (the API server answered, the command
/// exited 0, the webhook answered 2xx).
pub trait TrafficShifter: Send + Sync {
    /// What is shifted, for messages: `HTTPRoute prod/web`, `command ./shift.sh`.
    fn describe(&self) -> String;

    /// Give the canary `weight` of the traffic (stable the rest).
    fn set_canary_weight(&self, weight: Weight) -> BoxFuture<'_, Result<Shifted, ShiftError>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights() {
        assert_eq!(Weight::new(101), None);
        let w = Weight::new(25).unwrap();
        assert_eq!(
            (w.canary(), w.stable(), w.to_string()),
            (25, 75, "25%".to_owned())
        );
        assert!(Weight::ZERO < w && w < Weight::FULL);
        assert!(
            ShiftError::Invalid {
                target: "t".into(),
                message: "m".into()
            }
            .is_input_error()
        );
    }
}
