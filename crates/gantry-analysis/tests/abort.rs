//! An abort (the abort webhook answered 2xx) ends an analysis in a
//! rollback at once, whatever the intervals said, unless it already ended.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use gantry_analysis::{Analysis, IntervalOutcome as I, NoDataPolicy, Policy, Verdict};

fn policy() -> Policy {
    Policy {
        count: 3,
        failure_limit: 2,
        consecutive_limit: None,
        provider_error_budget: 1,
        no_data: NoDataPolicy::Inconclusive,
    }
}

fn outcome(c: char) -> I {
    match c {
        'P' => I::Passed,
        'F' => I::Failed,
        'E' => I::ProviderError,
        'N' => I::NoData,
        _ => panic!("{c}"),
    }
}

#[test]
fn aborts_roll_back_unless_already_decided() {
    // (intervals before the abort, reason given, verdict, words the
    //  decision's reason must contain)
    let table = [
        (
            "",
            "abort webhook: bad deploy",
            Verdict::Rollback,
            "rollback: abort webhook: bad deploy (aborted after 0 interval(s): 0 passed, 0 failed, 0 without data, 0 with provider errors)",
        ),
        (
            "PNE",
            "abort webhook answered 200",
            Verdict::Rollback,
            "rollback: abort webhook answered 200 (aborted after 3 interval(s): 1 passed, 0 failed, 1 without data, 1 with provider errors)",
        ),
        // Already "rollback: …" is not doubled; blank gets a word.
        (
            "F",
            "rollback: operator",
            Verdict::Rollback,
            "rollback: operator (aborted after 1 interval(s): 0 passed, 1 failed",
        ),
        (
            "P",
            "  ",
            Verdict::Rollback,
            "rollback: aborted (aborted after 1",
        ),
        // Decided already: the decision stands.
        (
            "PPP",
            "too late",
            Verdict::Promote,
            "promote: 3 interval(s) passed ≥ 3 required",
        ),
        ("FF", "too late", Verdict::Rollback, "2 failed interval(s)"),
        (
            "EE",
            "too late",
            Verdict::Inconclusive,
            "inconclusive: 2 interval(s) with provider errors",
        ),
    ];
    for (intervals, reason, verdict, words) in table {
        let mut analysis = Analysis::new(policy());
        for c in intervals.chars() {
            analysis.record(outcome(c));
        }
        let decision = analysis.abort(reason.to_owned());
        assert_eq!(decision.verdict, verdict, "{intervals} {reason}");
        assert!(decision.reason.contains(words), "{}", decision.reason);
        assert!(!decision.reason.contains("rollback: rollback:"));
        // The abort is the analysis's decision now: later intervals,
        // the deadline and another abort change nothing.
        assert_eq!(analysis.decision(), Some(&decision));
        assert_eq!(analysis.record(I::Passed), Some(&decision));
        assert_eq!(analysis.deadline(), decision);
        assert_eq!(analysis.abort("again".to_owned()), decision);
    }
}
