//! Canary analysis with no I/O, for `gantry-canary`: everything here is a
//! pure function of numbers, so every rule is table-tested.
//!
//! - [`mann_whitney_u`] and [`hodges_lehmann`]: the statistics, matching
//!   SciPy's `mannwhitneyu` (tested against its p-values).
//! - [`classify`] and [`score`]: the canary-versus-baseline judge (after
//!   Kayenta): a metric is high or low only when the difference is both
//!   significant and beyond its tolerance; weighted into a score with pass
//!   and marginal thresholds; critical metrics; a minimum-sample guard.
//! - [`Analysis`]: the interval bookkeeping and the decision (promote,
//!   rollback, inconclusive) with the arithmetic that led to it, provider
//!   errors in their own budget, a no-data policy, and a deadline that
//!   always decides.

mod decision;
mod judge;
mod mann_whitney;
mod steps;

pub use decision::{
    Analysis, CheckOutcome, Decision, IntervalOutcome, NoDataPolicy, Policy, Tally, Verdict,
};
pub use judge::{
    Classification, Direction, MetricSpec, Outcome, Score, Thresholds, Verdict as MetricVerdict,
    classify, score,
};
pub use mann_whitney::{
    MannWhitney, Method, hodges_lehmann, mann_whitney_u, median_in_place, normal_sf,
};
pub use steps::{StepAction, Steps, StepsError, parse_steps};
