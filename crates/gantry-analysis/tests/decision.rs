//! The decision rules (Flagger's: only a passed interval advances the
//! analysis), one sequence of intervals per row, and an exhaustive sweep
//! that no sequence promotes without `count` passed intervals.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use gantry_analysis::{
    Analysis, CheckOutcome as C, IntervalOutcome as I, NoDataPolicy, Policy, Verdict,
};

/// `count` passed intervals to promote, `failure_limit` failed ones to roll
/// back; no consecutive limit, a provider-error budget of 2, no data
/// counted as neither.
fn policy(count: u32, failure_limit: u32) -> Policy {
    Policy {
        count,
        failure_limit,
        consecutive_limit: None,
        provider_error_budget: 2,
        no_data: NoDataPolicy::Inconclusive,
    }
}

fn in_a_row(p: Policy, limit: u32) -> Policy {
    Policy {
        consecutive_limit: Some(limit),
        ..p
    }
}

fn budget(p: Policy, budget: u32) -> Policy {
    Policy {
        provider_error_budget: budget,
        ..p
    }
}

fn no_data(p: Policy, no_data: NoDataPolicy) -> Policy {
    Policy { no_data, ..p }
}

/// One check per interval: `P` pass, `F` fail, `N` no data, `E` provider
/// error; the interval it makes depends on the no-data policy.
fn check(c: char) -> C {
    match c {
        'P' => C::Pass,
        'F' => C::Fail,
        'N' => C::NoData,
        'E' => C::ProviderError,
        _ => panic!("{c}"),
    }
}

/// What happens after the intervals.
#[derive(Debug, Clone, Copy)]
enum End {
    /// Nothing: the analysis is still running (or decided on its own).
    Running,
    /// The hard deadline.
    Deadline,
    /// The abort webhook answered 2xx.
    Abort,
}

struct Row {
    name: &'static str,
    policy: Policy,
    intervals: &'static str,
    end: End,
    /// The decision at the end (`None`: still running).
    verdict: Option<Verdict>,
    /// The interval (1-based) whose record made the decision; `None` when
    /// the end made it or nothing did.
    decided_at: Option<u32>,
    /// Words the reason must contain.
    words: &'static str,
}

fn row(
    name: &'static str,
    policy: Policy,
    intervals: &'static str,
    end: End,
    verdict: Option<Verdict>,
    decided_at: Option<u32>,
    words: &'static str,
) -> Row {
    Row {
        name,
        policy,
        intervals,
        end,
        verdict,
        decided_at,
        words,
    }
}

#[test]
fn the_policy_table() {
    use End::{Abort, Deadline, Running};
    use NoDataPolicy::{Fail, Pass};
    use Verdict::{Inconclusive, Promote, Rollback};
    let table = vec![
        // All pass.
        row(
            "all pass",
            policy(3, 1),
            "PPP",
            Running,
            Some(Promote),
            Some(3),
            "promote: 3 interval(s) passed ≥ 3 required, 0 failed < failure limit 1 (0 provider error(s), budget 2; 0 without data)",
        ),
        row(
            "all pass, more than needed: decided at the count",
            policy(3, 1),
            "PPPPP",
            Running,
            Some(Promote),
            Some(3),
            "3 interval(s) passed",
        ),
        // All fail: never promoted, whatever the limits.
        row(
            "all fail, default failure limit",
            policy(3, 1),
            "F",
            Running,
            Some(Rollback),
            Some(1),
            "rollback: 1 failed interval(s) ≥ failure limit 1 (0 passed of 3 required)",
        ),
        row(
            "all fail, failure limit above count (the issue's 503 canary)",
            policy(3, 5),
            "FFFFF",
            Running,
            Some(Rollback),
            Some(5),
            "rollback: 5 failed interval(s) ≥ failure limit 5 (0 passed of 3 required)",
        ),
        row(
            "all fail, failure limit above count, count reached: still running",
            policy(3, 5),
            "FFFF",
            Running,
            None,
            None,
            "",
        ),
        row(
            "all fail, the deadline before the failure limit",
            policy(3, 10),
            "FFFFFF",
            Deadline,
            Some(Inconclusive),
            None,
            "inconclusive: deadline reached after 6 interval(s): 0 passed of 3 required, 3 more needed (6 failed < failure limit 10; 0 without data, 0 with provider errors)",
        ),
        row(
            "all fail, consecutive limit first",
            in_a_row(policy(3, 10), 2),
            "FF",
            Running,
            Some(Rollback),
            Some(2),
            "rollback: 2 failed interval(s) in a row ≥ consecutive limit 2 (2 failed in all, 0 passed of 3 required)",
        ),
        // Alternating.
        row(
            "alternating, starting with a pass, under the failure limit",
            policy(3, 5),
            "PFPFP",
            Running,
            Some(Promote),
            Some(5),
            "promote: 3 interval(s) passed ≥ 3 required, 2 failed < failure limit 5",
        ),
        row(
            "alternating, starting with a failure, under the failure limit",
            policy(3, 5),
            "FPFPFP",
            Running,
            Some(Promote),
            Some(6),
            "promote: 3 interval(s) passed ≥ 3 required, 3 failed < failure limit 5",
        ),
        row(
            "alternating reaches the failure limit before the count",
            policy(3, 2),
            "PFPF",
            Running,
            Some(Rollback),
            Some(4),
            "rollback: 2 failed interval(s) ≥ failure limit 2 (2 passed of 3 required)",
        ),
        row(
            "alternating never reaches a consecutive limit of 2",
            in_a_row(policy(3, 10), 2),
            "PFPFP",
            Running,
            Some(Promote),
            Some(5),
            "promote: 3 interval(s) passed ≥ 3 required, 2 failed < failure limit 10",
        ),
        // Flapping against each limit.
        row(
            "flapping hits the consecutive limit",
            in_a_row(policy(10, 10), 2),
            "PFFPFF",
            Running,
            Some(Rollback),
            Some(3),
            "rollback: 2 failed interval(s) in a row ≥ consecutive limit 2 (2 failed in all, 1 passed of 10 required)",
        ),
        row(
            "flapping hits the failure limit in all, never two in a row",
            in_a_row(policy(10, 3), 3),
            "PPFFPPFF",
            Running,
            Some(Rollback),
            Some(7),
            "rollback: 3 failed interval(s) ≥ failure limit 3 (4 passed of 10 required)",
        ),
        row(
            "a pass resets the run of failures",
            in_a_row(policy(10, 10), 3),
            "FFPFFPFF",
            Running,
            None,
            None,
            "",
        ),
        row(
            "flapping with limits above the count promotes at the count of passes",
            in_a_row(policy(2, 5), 4),
            "FFFPFP",
            Running,
            Some(Promote),
            Some(6),
            "promote: 2 interval(s) passed ≥ 2 required, 4 failed < failure limit 5",
        ),
        row(
            "flapping with both limits above the intervals: the deadline decides",
            in_a_row(policy(10, 100), 100),
            "PFPFPFPF",
            Deadline,
            Some(Inconclusive),
            None,
            "deadline reached after 8 interval(s): 4 passed of 10 required, 6 more needed (4 failed < failure limit 100;",
        ),
        // No data, under each policy.
        row(
            "no data counts as neither (default): still running",
            policy(3, 1),
            "NNNN",
            Running,
            None,
            None,
            "",
        ),
        row(
            "no data counts as neither: the deadline says what was missing",
            policy(3, 1),
            "NNNN",
            Deadline,
            Some(Inconclusive),
            None,
            "inconclusive: deadline reached after 4 interval(s): 0 passed of 3 required, 3 more needed (0 failed < failure limit 1; 4 without data, 0 with provider errors)",
        ),
        row(
            "no data counts as neither: passes around it promote",
            policy(3, 1),
            "NPNPNP",
            Running,
            Some(Promote),
            Some(6),
            "promote: 3 interval(s) passed ≥ 3 required, 0 failed < failure limit 1 (0 provider error(s), budget 2; 3 without data)",
        ),
        row(
            "no data as a failure rolls back",
            no_data(policy(3, 2), Fail),
            "NN",
            Running,
            Some(Rollback),
            Some(2),
            "rollback: 2 failed interval(s) ≥ failure limit 2 (0 passed of 3 required)",
        ),
        row(
            "no data as a pass promotes",
            no_data(policy(3, 1), Pass),
            "NNN",
            Running,
            Some(Promote),
            Some(3),
            "promote: 3 interval(s) passed ≥ 3 required",
        ),
        row(
            "no data does not break a run of failures",
            in_a_row(policy(10, 10), 2),
            "FNF",
            Running,
            Some(Rollback),
            Some(3),
            "2 failed interval(s) in a row",
        ),
        // Provider errors.
        row(
            "provider errors within the budget do not count",
            policy(3, 1),
            "PEPEP",
            Running,
            Some(Promote),
            Some(5),
            "promote: 3 interval(s) passed ≥ 3 required, 0 failed < failure limit 1 (2 provider error(s), budget 2; 0 without data)",
        ),
        row(
            "provider errors over the budget are inconclusive",
            policy(3, 1),
            "PPEEE",
            Running,
            Some(Inconclusive),
            Some(5),
            "inconclusive: 3 interval(s) with provider errors > budget 2 (the provider failed, not the canary; 2 passed of 3 required, 0 failed)",
        ),
        row(
            "a budget of 0: the first provider error ends it",
            budget(policy(3, 1), 0),
            "E",
            Running,
            Some(Inconclusive),
            Some(1),
            "1 interval(s) with provider errors > budget 0",
        ),
        row(
            "a provider error does not break a run of failures",
            in_a_row(policy(10, 10), 2),
            "FEF",
            Running,
            Some(Rollback),
            Some(3),
            "2 failed interval(s) in a row",
        ),
        row(
            "provider errors at the deadline, within the budget",
            policy(3, 1),
            "PEE",
            Deadline,
            Some(Inconclusive),
            None,
            "1 passed of 3 required, 2 more needed (0 failed < failure limit 1; 0 without data, 2 with provider errors)",
        ),
        // The deadline in each state.
        row(
            "the deadline before any interval",
            policy(3, 1),
            "",
            Deadline,
            Some(Inconclusive),
            None,
            "inconclusive: deadline reached after 0 interval(s): 0 passed of 3 required, 3 more needed",
        ),
        row(
            "the deadline one pass short",
            policy(3, 2),
            "PFP",
            Deadline,
            Some(Inconclusive),
            None,
            "deadline reached after 3 interval(s): 2 passed of 3 required, 1 more needed (1 failed < failure limit 2;",
        ),
        row(
            "the deadline after a promotion: it stands",
            policy(2, 1),
            "PP",
            Deadline,
            Some(Promote),
            Some(2),
            "promote: 2 interval(s) passed",
        ),
        row(
            "the deadline after a rollback: it stands",
            policy(2, 1),
            "PF",
            Deadline,
            Some(Rollback),
            Some(2),
            "rollback: 1 failed interval(s)",
        ),
        row(
            "the deadline after an inconclusive: it stands",
            policy(2, 1),
            "EEE",
            Deadline,
            Some(Inconclusive),
            Some(3),
            "provider errors > budget 2",
        ),
        // Abort.
        row(
            "abort before any interval",
            policy(3, 1),
            "",
            Abort,
            Some(Rollback),
            None,
            "rollback: abort webhook: bad deploy (aborted after 0 interval(s): 0 passed, 0 failed",
        ),
        row(
            "abort of a healthy canary",
            policy(3, 1),
            "PP",
            Abort,
            Some(Rollback),
            None,
            "aborted after 2 interval(s): 2 passed, 0 failed",
        ),
        row(
            "abort after a promotion: the promotion stands",
            policy(2, 1),
            "PP",
            Abort,
            Some(Promote),
            Some(2),
            "promote: 2 interval(s) passed",
        ),
    ];
    let mut problems = Vec::new();
    for r in &table {
        let mut analysis = Analysis::new(r.policy);
        let mut decided_at = None;
        for (i, c) in r.intervals.chars().enumerate() {
            let interval = I::of(&[check(c)], r.policy.no_data);
            if analysis.record(interval).is_some() && decided_at.is_none() {
                decided_at = Some(i as u32 + 1);
            }
        }
        let decision = match r.end {
            End::Running => analysis.decision().cloned(),
            End::Deadline => Some(analysis.deadline()),
            End::Abort => Some(analysis.abort("abort webhook: bad deploy".to_owned())),
        };
        let verdict = decision.as_ref().map(|d| d.verdict);
        let reason = decision.as_ref().map(|d| d.reason.as_str()).unwrap_or("");
        if verdict != r.verdict {
            problems.push(format!(
                "{}: {verdict:?}, want {:?} ({reason})",
                r.name, r.verdict
            ));
        }
        if decided_at != r.decided_at {
            problems.push(format!(
                "{}: decided at interval {decided_at:?}, want {:?}",
                r.name, r.decided_at
            ));
        }
        if !reason.contains(r.words) {
            problems.push(format!("{}: {reason:?} lacks {:?}", r.name, r.words));
        }
        // Whatever the row: a promotion has `count` passed intervals and
        // fewer failed ones than the limit.
        let t = analysis.tally();
        if verdict == Some(Promote)
            && (t.passed < r.policy.count || t.failed >= r.policy.failure_limit)
        {
            problems.push(format!("{}: promoted with {t:?}", r.name));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every sequence of up to 6 intervals, under policies whose limits are
/// above, at and below the count: a promotion always has `count` passed
/// intervals, fewer failures than the limit and no run of failures at the
/// consecutive limit; a canary whose every interval failed (or, with
/// `no-data: fail`, had no data) is never promoted, at the deadline either.
#[test]
fn no_sequence_promotes_without_count_passed_intervals() {
    let mut policies = Vec::new();
    for count in [1, 2, 3, 5] {
        for failure_limit in [1, 2, 3, 6, 100] {
            for consecutive in [None, Some(2), Some(100)] {
                for no_data in [
                    NoDataPolicy::Inconclusive,
                    NoDataPolicy::Fail,
                    NoDataPolicy::Pass,
                ] {
                    policies.push(Policy {
                        count,
                        failure_limit,
                        consecutive_limit: consecutive,
                        provider_error_budget: 1,
                        no_data,
                    });
                }
            }
        }
    }
    let letters = ['P', 'F', 'N', 'E'];
    let mut sequences: Vec<Vec<char>> = vec![Vec::new()];
    for len in 1..=6 {
        let mut next = Vec::new();
        for seq in sequences.iter().filter(|s| s.len() == len - 1) {
            for c in letters {
                let mut s = seq.clone();
                s.push(c);
                next.push(s);
            }
        }
        sequences.extend(next);
    }
    let mut checked = 0;
    for p in &policies {
        for seq in &sequences {
            let mut analysis = Analysis::new(*p);
            let mut longest_run = 0;
            let mut run = 0;
            for &c in seq {
                let interval = I::of(&[check(c)], p.no_data);
                if analysis.decision().is_none() {
                    match interval {
                        I::Failed => {
                            run += 1;
                            longest_run = longest_run.max(run);
                        }
                        I::Passed => run = 0,
                        I::NoData | I::ProviderError => {}
                    }
                }
                analysis.record(interval);
            }
            let decision = analysis.deadline();
            let t = analysis.tally();
            let all_failed = !seq.is_empty()
                && seq
                    .iter()
                    .all(|&c| c == 'F' || (c == 'N' && p.no_data == NoDataPolicy::Fail));
            if decision.verdict == Verdict::Promote {
                assert!(
                    t.passed >= p.count
                        && t.failed < p.failure_limit
                        && p.consecutive_limit.is_none_or(|l| longest_run < l),
                    "{p:?} {seq:?}: {t:?} {decision:?}"
                );
                assert!(!all_failed, "{p:?} {seq:?}: {decision:?}");
            }
            if t.passed >= p.count
                && t.failed < p.failure_limit
                && t.provider_errors <= p.provider_error_budget
                && p.consecutive_limit.is_none_or(|l| longest_run < l)
            {
                assert_eq!(decision.verdict, Verdict::Promote, "{p:?} {seq:?}: {t:?}");
            }
            checked += 1;
        }
    }
    assert!(checked > 900_000, "{checked}");
}

#[test]
fn recording_after_the_decision_changes_nothing() {
    let mut done = Analysis::new(policy(2, 3));
    for _ in 0..2 {
        done.record(I::Passed);
    }
    let decided = done.decision().cloned().unwrap();
    assert_eq!(done.record(I::Failed), Some(&decided));
    assert_eq!(done.tally().failed, 0);
    assert_eq!(done.tally().intervals, 2);
    assert_eq!(done.deadline(), decided);
}

#[test]
fn checks_combine_into_an_interval() {
    use NoDataPolicy::{Fail, Inconclusive, Pass};
    let table: Vec<(&[C], NoDataPolicy, I)> = vec![
        (&[C::Pass, C::Pass], Inconclusive, I::Passed),
        (
            &[C::Pass, C::Fail, C::ProviderError],
            Inconclusive,
            I::Failed,
        ),
        (
            &[C::Pass, C::ProviderError, C::NoData],
            Inconclusive,
            I::ProviderError,
        ),
        (&[C::Pass, C::NoData], Inconclusive, I::NoData),
        (&[C::Pass, C::NoData], Fail, I::Failed),
        (&[C::Pass, C::NoData], Pass, I::Passed),
        (&[C::Fail, C::NoData], Pass, I::Failed),
        (&[C::ProviderError, C::NoData], Fail, I::ProviderError),
        (&[], Inconclusive, I::NoData),
        (&[], Fail, I::Failed),
    ];
    for (checks, no_data, want) in table {
        assert_eq!(I::of(checks, no_data), want, "{checks:?} {no_data:?}");
    }
}
