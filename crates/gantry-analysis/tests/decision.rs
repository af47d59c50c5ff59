//! The decision rules, one sequence of intervals per row.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use gantry_analysis::{
    Analysis, CheckOutcome as C, IntervalOutcome as I, NoDataPolicy, Policy, Verdict,
};

fn policy(count: u32, failure_limit: u32) -> Policy {
    Policy {
        count,
        failure_limit,
        consecutive_limit: None,
        provider_error_budget: 2,
        no_data: NoDataPolicy::Inconclusive,
    }
}

/// Parse `P` passed, `F` failed, `E` provider error, `N` no data.
fn intervals(s: &str) -> Vec<I> {
    s.chars()
        .map(|c| match c {
            'P' => I::Passed,
            'F' => I::Failed,
            'E' => I::ProviderError,
            'N' => I::NoData,
            _ => panic!("{c}"),
        })
        .collect()
}

#[test]
fn sequences_end_in_the_expected_decision() {
    // (policy, intervals, decision after the sequence (None: still running),
    //  interval at which it was made, words the reason must contain)
    let consecutive = Policy {
        consecutive_limit: Some(3),
        ..policy(30, 10)
    };
    let thirty = "P".repeat(30);
    let table: Vec<(Policy, &str, Option<Verdict>, u32, &str)> = vec![
        // The bash loop: 30 probes, 5 failures roll back.
        (
            policy(30, 5),
            thirty.as_str(),
            Some(Verdict::Promote),
            30,
            "30 interval(s) evaluated ≥ 30 required",
        ),
        (
            policy(30, 5),
            "PPFPFPPFFPF",
            Some(Verdict::Rollback),
            11,
            "5 failed interval(s) ≥ failure limit 5",
        ),
        (policy(30, 5), "FFFFPPPP", None, 8, ""),
        (
            policy(10, 5),
            "PPFPPFPPFPPF",
            Some(Verdict::Promote),
            10,
            "3 failed < failure limit 5",
        ),
        (
            consecutive,
            "FFPFFPFFF",
            Some(Verdict::Rollback),
            9,
            "3 failed interval(s) in a row",
        ),
        // Prometheus down: provider errors, not failures, until the budget.
        (policy(10, 2), "PPEEPP", None, 6, ""),
        (
            policy(10, 2),
            "PPEEE",
            Some(Verdict::Inconclusive),
            5,
            "3 interval(s) with provider errors > budget 2",
        ),
        // Provider errors do not count toward the evaluated intervals.
        (
            policy(4, 2),
            "PEPEPP",
            Some(Verdict::Promote),
            6,
            "4 interval(s) evaluated",
        ),
        // No data waits (inconclusive policy).
        (
            policy(3, 2),
            "NNNNPNPNP",
            Some(Verdict::Promote),
            9,
            "6 without data",
        ),
        // Flapping that never reaches the limit promotes.
        (
            policy(10, 6),
            "PFPFPFPFPF",
            Some(Verdict::Promote),
            10,
            "5 failed < failure limit 6",
        ),
    ];
    for (p, seq, want, at, words) in table {
        let mut a = Analysis::new(p);
        let mut decided_at = None;
        for interval in intervals(seq) {
            if a.record(interval).is_some() && decided_at.is_none() {
                decided_at = Some(a.tally().intervals);
            }
        }
        let got = a.decision().map(|d| d.verdict);
        assert_eq!(got, want, "{seq}: {:?}", a.decision());
        if let Some(d) = a.decision() {
            assert_eq!(decided_at, Some(at), "{seq}");
            assert!(d.reason.contains(words), "{seq}: {}", d.reason);
        }
    }
}

#[test]
fn the_deadline_always_decides() {
    let mut idle = Analysis::new(policy(10, 3));
    for i in intervals("NNNNNN") {
        idle.record(i);
    }
    let d = idle.deadline();
    assert_eq!(d.verdict, Verdict::Inconclusive);
    assert!(
        d.reason
            .contains("deadline reached after 6 interval(s): 0 evaluated of 10 required"),
        "{}",
        d.reason
    );
    assert!(d.reason.contains("6 without data"), "{}", d.reason);

    let mut done = Analysis::new(policy(2, 3));
    for i in intervals("PP") {
        done.record(i);
    }
    assert_eq!(
        done.deadline().verdict,
        Verdict::Promote,
        "a decision already made stands"
    );
    // Recording after the decision changes nothing.
    done.record(I::Failed);
    assert_eq!(done.tally().failed, 0);
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
        (&[], Inconclusive, I::NoData),
    ];
    for (checks, no_data, want) in table {
        assert_eq!(I::of(checks, no_data), want, "{checks:?} {no_data:?}");
    }
}
