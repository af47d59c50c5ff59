//! Traffic steps (`--steps 10,25,50,100`): the canary weights, in percent,
//! at which the canary is analysed one after the other, and what an
//! analysis decision means for the schedule.
//!
//! Each step is an analysis of its own (as in Argo Rollouts, where every
//! step's analysis run has its own limits): the caller starts a fresh
//! [`crate::Analysis`] with the same [`crate::Policy`] at every step, so
//! `count` passed intervals are needed at each weight and the failure
//! limit applies to each step. [`Steps::next`] turns the step's decision
//! into what to do: a promote at a step that is not the last moves to the
//! next weight, at the last step it promotes; a rollback or inconclusive
//! stops the whole schedule.
//!
//! A final 100 is not implied: promotion sends all traffic to the canary
//! whether or not the list ends in 100 (as after the last of Flagger's
//! `stepWeights`). A list that ends in 100 analyses the canary once more
//! at full traffic, with stable still there to roll back to, before
//! promoting.
//!
//! ```
//! use gantry_analysis::{Analysis, IntervalOutcome, NoDataPolicy, Policy, StepAction, parse_steps};
//! let steps = parse_steps("10,50").unwrap();
//! let policy = Policy { count: 2, failure_limit: 1, consecutive_limit: None,
//!     provider_error_budget: 0, no_data: NoDataPolicy::Inconclusive };
//! let (mut index, mut analysis) = (0, Analysis::new(policy));
//! let mut actions = Vec::new();
//! for _ in 0..4 {
//!     let action = steps.next(index, analysis.record(IntervalOutcome::Passed));
//!     if let StepAction::Advance { index: next, .. } = action {
//!         (index, analysis) = (next, Analysis::new(policy));
//!     }
//!     actions.push(action);
//! }
//! assert_eq!(actions, [StepAction::Stay, StepAction::Advance { index: 1, weight: 50 },
//!     StepAction::Stay, StepAction::Promote]);
//! ```

use std::fmt;

use crate::decision::{Decision, Verdict};

/// Strictly increasing canary weights from 1 to 100; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Steps(Vec<u8>);

/// Why a list of steps was refused (bad input, exit 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepsError {
    /// No steps at all.
    Empty,
    /// One entry is wrong.
    Entry {
        /// The whole list as given.
        spec: String,
        /// 1-based position of the bad entry.
        position: usize,
        /// The entry as given.
        entry: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl fmt::Display for StepsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const EXPECTED: &str = "expected canary weights in percent from 1 to 100, strictly increasing, e.g. 10,25,50,100";
        match self {
            StepsError::Empty => write!(f, "no traffic steps ({EXPECTED})"),
            StepsError::Entry {
                spec,
                position,
                entry,
                reason,
            } => write!(
                f,
                "invalid traffic steps {spec:?}: step {position} {entry:?} {reason} ({EXPECTED})"
            ),
        }
    }
}

impl std::error::Error for StepsError {}

/// Parse `10,25,50,100`: comma-separated whole percents (spaces and a
/// `%` after a number are allowed), each more than the one before.
pub fn parse_steps(spec: &str) -> Result<Steps, StepsError> {
    if spec.trim().is_empty() {
        return Err(StepsError::Empty);
    }
    let mut weights = Vec::new();
    for (i, raw) in spec.split(',').enumerate() {
        let entry = raw.trim();
        let bad = |reason: String| StepsError::Entry {
            spec: spec.to_owned(),
            position: i + 1,
            entry: entry.to_owned(),
            reason,
        };
        let digits = entry.strip_suffix('%').unwrap_or(entry).trim_end();
        if digits.is_empty() {
            return Err(bad("is empty".to_owned()));
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("is not a whole number".to_owned()));
        }
        // All digits: a parse failure can only be an overflow.
        let value = digits.parse::<u32>().unwrap_or(u32::MAX);
        let weight = u8::try_from(value)
            .ok()
            .filter(|w| (1..=100).contains(w))
            .ok_or_else(|| bad("is out of range".to_owned()))?;
        if let Some(&before) = weights.last()
            && weight <= before
        {
            return Err(bad(format!(
                "is not more than the step before it ({before})"
            )));
        }
        weights.push(weight);
    }
    Ok(Steps(weights))
}

impl Steps {
    /// Check weights given as numbers (a spec file's `steps: [10, 50]`)
    /// by the same rules as [`parse_steps`].
    pub fn new(weights: &[u8]) -> Result<Steps, StepsError> {
        let spec: Vec<String> = weights.iter().map(u8::to_string).collect();
        parse_steps(&spec.join(","))
    }

    /// The weights, in order.
    pub fn weights(&self) -> &[u8] {
        &self.0
    }

    /// The weights, in order.
    pub fn iter(&self) -> impl Iterator<Item = u8> + '_ {
        self.0.iter().copied()
    }

    /// How many steps (at least 1).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: there is at least one step.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The weight of step `index` (0-based).
    pub fn weight(&self, index: usize) -> Option<u8> {
        self.0.get(index).copied()
    }

    /// Step `index` (0-based) for messages: `step 2/4 (25%)`.
    pub fn label(&self, index: usize) -> String {
        match self.weight(index) {
            Some(weight) => format!("step {}/{} ({weight}%)", index + 1, self.len()),
            None => format!("step {}/{}", index + 1, self.len()),
        }
    }

    /// What to do at step `index` (0-based) after an interval, given the
    /// decision of that step's analysis (`None`: still undecided).
    ///
    /// An `index` past the end is taken as the last step.
    pub fn next(&self, index: usize, decision: Option<&Decision>) -> StepAction {
        let Some(decision) = decision else {
            return StepAction::Stay;
        };
        match decision.verdict {
            Verdict::Promote => match self.weight(index + 1) {
                Some(weight) => StepAction::Advance {
                    index: index + 1,
                    weight,
                },
                None => StepAction::Promote,
            },
            verdict => StepAction::Stop(verdict),
        }
    }
}

impl fmt::Display for Steps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let weights: Vec<String> = self.0.iter().map(u8::to_string).collect();
        f.write_str(&weights.join(","))
    }
}

impl<'a> IntoIterator for &'a Steps {
    type Item = u8;
    type IntoIter = std::iter::Copied<std::slice::Iter<'a, u8>>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().copied()
    }
}

/// What the schedule does after an interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepAction {
    /// Keep analysing at this step.
    Stay,
    /// This step passed: shift to `weight`, run the step hooks, and start
    /// a fresh analysis for step `index` (0-based).
    Advance {
        /// The next step, 0-based.
        index: usize,
        /// Its weight.
        weight: u8,
    },
    /// The last step passed: promote.
    Promote,
    /// The step ended in a rollback or inconclusive: stop the schedule
    /// with that decision.
    Stop(Verdict),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_steps_parse() {
        for (spec, want) in [
            ("10,25,50,100", vec![10, 25, 50, 100]),
            ("100", vec![100]),
            ("1", vec![1]),
            (" 5 , 10%, 20 % ", vec![5, 10, 20]),
            ("1,2,3,99", vec![1, 2, 3, 99]),
        ] {
            let steps = parse_steps(spec).unwrap();
            assert_eq!(steps.weights(), want, "{spec}");
            assert_eq!(steps.iter().collect::<Vec<_>>(), want);
            assert_eq!((&steps).into_iter().count(), steps.len());
            assert!(!steps.is_empty());
            // Display is the canonical spelling and parses back.
            assert_eq!(parse_steps(&steps.to_string()).unwrap(), steps);
        }
    }

    #[test]
    fn bad_steps_name_the_entry() {
        for (spec, want) in [
            ("", "no traffic steps"),
            ("  ", "no traffic steps"),
            ("10,25,", "step 3 \"\" is empty"),
            (",10", "step 1 \"\" is empty"),
            ("10,,25", "step 2 \"\" is empty"),
            ("10,ten", "step 2 \"ten\" is not a whole number"),
            ("10,-5", "step 2 \"-5\" is not a whole number"),
            ("10.5", "step 1 \"10.5\" is not a whole number"),
            ("+10", "step 1 \"+10\" is not a whole number"),
            ("0,10", "step 1 \"0\" is out of range"),
            ("10,101", "step 2 \"101\" is out of range"),
            ("99999999999", "step 1 \"99999999999\" is out of range"),
            (
                "10,25,25",
                "step 3 \"25\" is not more than the step before it (25)",
            ),
            (
                "50,10",
                "step 2 \"10\" is not more than the step before it (50)",
            ),
            ("%", "step 1 \"%\" is empty"),
        ] {
            let err = parse_steps(spec).unwrap_err().to_string();
            assert!(err.contains(want), "{spec:?}: {err}");
            assert!(err.contains("e.g. 10,25,50,100"), "{err}");
            if !spec.trim().is_empty() {
                assert!(err.contains(&format!("{spec:?}")), "{err}");
            }
        }
        assert_eq!(Steps::new(&[10, 50]).unwrap().weights(), [10, 50]);
        assert_eq!(Steps::new(&[]).unwrap_err(), StepsError::Empty);
        assert!(
            Steps::new(&[50, 50])
                .unwrap_err()
                .to_string()
                .contains("step 2 \"50\" is not more")
        );
    }

    #[test]
    fn decisions_move_the_schedule() {
        let steps = parse_steps("10,25,50").unwrap();
        let decided = |verdict| Decision {
            verdict,
            reason: String::new(),
        };
        let (promote, rollback, inconclusive) = (
            decided(Verdict::Promote),
            decided(Verdict::Rollback),
            decided(Verdict::Inconclusive),
        );
        for (index, decision, want) in [
            (0, None, StepAction::Stay),
            (2, None, StepAction::Stay),
            (
                0,
                Some(&promote),
                StepAction::Advance {
                    index: 1,
                    weight: 25,
                },
            ),
            (
                1,
                Some(&promote),
                StepAction::Advance {
                    index: 2,
                    weight: 50,
                },
            ),
            (2, Some(&promote), StepAction::Promote),
            (7, Some(&promote), StepAction::Promote),
            (0, Some(&rollback), StepAction::Stop(Verdict::Rollback)),
            (2, Some(&rollback), StepAction::Stop(Verdict::Rollback)),
            (
                1,
                Some(&inconclusive),
                StepAction::Stop(Verdict::Inconclusive),
            ),
        ] {
            assert_eq!(steps.next(index, decision), want, "{index} {decision:?}");
        }
        let one = parse_steps("100").unwrap();
        assert_eq!(one.next(0, Some(&promote)), StepAction::Promote);
    }

    #[test]
    fn labels() {
        let steps = parse_steps("10,25,50,100").unwrap();
        assert_eq!(steps.label(0), "step 1/4 (10%)");
        assert_eq!(steps.label(3), "step 4/4 (100%)");
        assert_eq!(steps.label(4), "step 5/4");
        assert_eq!((steps.weight(1), steps.weight(4)), (Some(25), None));
    }
}
