//! The schedule's bookkeeping and the decision it ends in, with no clock
//! and no I/O: the caller runs the checks every interval, turns their
//! results into an [`IntervalOutcome`] and records it; [`Analysis`] says
//! when the evidence is enough to promote or roll back, keeps provider
//! errors (Prometheus down, DNS) in a budget of their own, and treats "no
//! data" by policy. At the hard deadline [`Analysis::deadline`] always
//! decides. Every decision carries the arithmetic that led to it.
//!
//! The rule is Flagger's: only a passed interval advances the analysis.
//! After each interval, in this order:
//!
//! 1. failed intervals ≥ `failure_limit`, or `consecutive_limit` failed in
//!    a row: rollback;
//! 2. intervals with provider errors > `provider_error_budget`:
//!    inconclusive;
//! 3. passed intervals ≥ `count`: promote.
//!
//! A failed interval never counts toward promotion: a canary whose every
//! interval failed rolls back at the failure limit or, when the deadline
//! comes first, ends inconclusive; it is never promoted.

/// What a check measured in one interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckOutcome {
    /// Within its thresholds.
    Pass,
    /// Outside them (a timeout is a failure).
    Fail,
    /// Nothing to measure: an empty query result, NaN, too few samples.
    NoData,
    /// The provider itself failed: unreachable, 5xx, bad answer.
    ProviderError,
}

/// What to make of an interval without data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoDataPolicy {
    /// Count it as a failed interval.
    Fail,
    /// Count it as neither: wait for data until the deadline (default).
    Inconclusive,
    /// Count it as a passed interval.
    Pass,
}

/// The rules of one analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Passed intervals needed before promoting (`--count`).
    pub count: u32,
    /// Failed intervals, in all, that roll back (`--failure-limit`).
    pub failure_limit: u32,
    /// Failed intervals in a row that roll back.
    pub consecutive_limit: Option<u32>,
    /// Intervals with provider errors tolerated; one more ends the
    /// analysis inconclusive (a provider outage says nothing about the canary).
    pub provider_error_budget: u32,
    /// How intervals without data count.
    pub no_data: NoDataPolicy,
}

/// How one interval counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntervalOutcome {
    /// Every check passed.
    Passed,
    /// A check failed.
    Failed,
    /// No failure, but a provider error: nothing can be concluded.
    ProviderError,
    /// No failure and no provider error, but a check had no data.
    NoData,
}

impl IntervalOutcome {
    /// Combine the checks of one interval: a failure wins, then a provider
    /// error, then no data (by policy: a failure, a pass, or neither).
    pub fn of(checks: &[CheckOutcome], no_data: NoDataPolicy) -> IntervalOutcome {
        if checks.contains(&CheckOutcome::Fail) {
            return IntervalOutcome::Failed;
        }
        if checks.contains(&CheckOutcome::ProviderError) {
            return IntervalOutcome::ProviderError;
        }
        if checks.contains(&CheckOutcome::NoData) || checks.is_empty() {
            return match no_data {
                NoDataPolicy::Fail => IntervalOutcome::Failed,
                NoDataPolicy::Pass => IntervalOutcome::Passed,
                NoDataPolicy::Inconclusive => IntervalOutcome::NoData,
            };
        }
        IntervalOutcome::Passed
    }
}

/// The three possible ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Roll the canary forward.
    Promote,
    /// Roll it back.
    Rollback,
    /// The evidence does not say (exit 4).
    Inconclusive,
}

impl Verdict {
    /// Lower-case name (the `decision` output).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Promote => "promote",
            Verdict::Rollback => "rollback",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

/// A decision and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// What to do.
    pub verdict: Verdict,
    /// The arithmetic, in one sentence.
    pub reason: String,
}

/// Counts so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    /// Intervals recorded.
    pub intervals: u32,
    /// Passed intervals.
    pub passed: u32,
    /// Failed intervals.
    pub failed: u32,
    /// Failed intervals in a row, now.
    pub consecutive: u32,
    /// Intervals with provider errors.
    pub provider_errors: u32,
    /// Intervals without data (counted as neither).
    pub no_data: u32,
}

/// An analysis in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    policy: Policy,
    tally: Tally,
    decision: Option<Decision>,
}

impl Analysis {
    /// Start with `policy`.
    pub fn new(policy: Policy) -> Analysis {
        Analysis {
            policy,
            tally: Tally::default(),
            decision: None,
        }
    }

    /// The counts so far.
    pub fn tally(&self) -> Tally {
        self.tally
    }

    /// The decision, once made.
    pub fn decision(&self) -> Option<&Decision> {
        self.decision.as_ref()
    }

    /// Record one interval; returns the decision when this one makes it.
    /// Once decided, further intervals change nothing.
    pub fn record(&mut self, outcome: IntervalOutcome) -> Option<&Decision> {
        if self.decision.is_some() {
            return self.decision.as_ref();
        }
        let t = &mut self.tally;
        t.intervals += 1;
        match outcome {
            IntervalOutcome::Passed => {
                t.passed += 1;
                t.consecutive = 0;
            }
            IntervalOutcome::Failed => {
                t.failed += 1;
                t.consecutive += 1;
            }
            IntervalOutcome::ProviderError => t.provider_errors += 1,
            IntervalOutcome::NoData => t.no_data += 1,
        }
        self.decision = self.judge();
        self.decision.as_ref()
    }

    fn judge(&self) -> Option<Decision> {
        let (p, t) = (&self.policy, &self.tally);
        let count = p.count.max(1);
        if t.failed >= p.failure_limit.max(1) {
            return Some(Decision {
                verdict: Verdict::Rollback,
                reason: format!(
                    "rollback: {} failed interval(s) ≥ failure limit {} ({} passed of {} required)",
                    t.failed, p.failure_limit, t.passed, p.count
                ),
            });
        }
        if let Some(limit) = p.consecutive_limit.filter(|&l| l > 0)
            && t.consecutive >= limit
        {
            return Some(Decision {
                verdict: Verdict::Rollback,
                reason: format!(
                    "rollback: {} failed interval(s) in a row ≥ consecutive limit {limit} ({} failed in all, {} passed of {} required)",
                    t.consecutive, t.failed, t.passed, p.count
                ),
            });
        }
        if t.provider_errors > p.provider_error_budget {
            return Some(Decision {
                verdict: Verdict::Inconclusive,
                reason: format!(
                    "inconclusive: {} interval(s) with provider errors > budget {} (the provider failed, not the canary; {} passed of {} required, {} failed)",
                    t.provider_errors, p.provider_error_budget, t.passed, p.count, t.failed
                ),
            });
        }
        // Only passed intervals promote: failures count against the limit,
        // never toward the count.
        if t.passed >= count {
            return Some(Decision {
                verdict: Verdict::Promote,
                reason: format!(
                    "promote: {} interval(s) passed ≥ {} required, {} failed < failure limit {} ({} provider error(s), budget {}; {} without data)",
                    t.passed,
                    p.count,
                    t.failed,
                    p.failure_limit,
                    t.provider_errors,
                    p.provider_error_budget,
                    t.no_data
                ),
            });
        }
        None
    }

    /// Roll back now, whatever the intervals said so far: an abort webhook
    /// answered 2xx, or an operator asked. `reason` says who asked and why
    /// (`abort webhook: bad deploy`); the decision adds the counts so far.
    /// A decision already made stands (as with [`Analysis::deadline`]): the
    /// caller acts on a decision as soon as it is made, so there is
    /// nothing left to abort.
    pub fn abort(&mut self, reason: String) -> Decision {
        if let Some(d) = &self.decision {
            return d.clone();
        }
        let t = &self.tally;
        let reason = reason.trim();
        let reason = reason.strip_prefix("rollback: ").unwrap_or(reason);
        let reason = if reason.is_empty() { "aborted" } else { reason };
        let decision = Decision {
            verdict: Verdict::Rollback,
            reason: format!(
                "rollback: {reason} (aborted after {} interval(s): {} passed, {} failed, {} without data, {} with provider errors)",
                t.intervals, t.passed, t.failed, t.no_data, t.provider_errors
            ),
        };
        self.decision = Some(decision.clone());
        decision
    }

    /// The hard deadline: decide now. Without enough evidence to promote
    /// or roll back, the decision is inconclusive, saying what was missing:
    /// how many more passed intervals were needed.
    pub fn deadline(&mut self) -> Decision {
        if let Some(d) = &self.decision {
            return d.clone();
        }
        let (p, t) = (&self.policy, &self.tally);
        let missing = p.count.max(1).saturating_sub(t.passed);
        let decision = Decision {
            verdict: Verdict::Inconclusive,
            reason: format!(
                "inconclusive: deadline reached after {} interval(s): {} passed of {} required, {missing} more needed ({} failed < failure limit {}; {} without data, {} with provider errors)",
                t.intervals,
                t.passed,
                p.count,
                t.failed,
                p.failure_limit,
                t.no_data,
                t.provider_errors
            ),
        };
        self.decision = Some(decision.clone());
        decision
    }
}
