//! The loop: measure every check each interval, print one line per check,
//! record the interval, stop at a decision or at the deadline.

use std::time::{Duration, Instant};

use gantry_analysis::{Analysis, CheckOutcome, Decision, IntervalOutcome, Verdict};
use gantry_checks::Measurement;
use gantry_cli::{CliError, ExitStatus};
use gantry_runner::Printer;

use crate::deployment::Tracker;
use crate::plan::Plan;
use crate::report;

/// One interval, as recorded for the report.
#[derive(Debug, Clone)]
pub(crate) struct IntervalRecord {
    /// 1-based.
    pub(crate) number: u32,
    /// Since the start.
    pub(crate) at: Duration,
    pub(crate) measurements: Vec<Measurement>,
    pub(crate) outcome: IntervalOutcome,
}

pub(crate) fn run(
    plan: &Plan,
    mut tracker: Option<Tracker>,
    printer: &mut Printer,
) -> Result<ExitStatus, CliError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::external(anyhow::anyhow!("cannot start the async runtime: {e}")))?;
    // The GitHub client blocks on a runtime of its own: it is used outside
    // this one, before and after the analysis.
    if let Some(tracker) = tracker.as_mut() {
        let what = format!(
            "canary analysis: {} check(s) every {}",
            plan.checks.len(),
            gantry_checks::format_duration(plan.interval)
        );
        tracker.start(&what, printer)?;
    }
    let watched = runtime.block_on(watch(plan, printer));
    let (decision, history, tally, elapsed) = match watched {
        Ok(watched) => watched,
        Err(error) => {
            if let Some(tracker) = tracker.as_mut() {
                tracker.finish(
                    Verdict::Inconclusive,
                    &format!("{:#}", error.error()),
                    printer,
                )?;
            }
            return Err(error);
        }
    };
    if let Some(tracker) = tracker.as_mut() {
        tracker.finish(decision.verdict, &decision.reason, printer)?;
    }
    report::finish(printer, plan, &decision, &history, &tally, elapsed)?;
    Ok(match decision.verdict {
        Verdict::Promote => ExitStatus::Success,
        Verdict::Rollback => ExitStatus::Failure,
        Verdict::Inconclusive => ExitStatus::Inconclusive,
    })
}

fn check_error(error: gantry_checks::CheckError) -> CliError {
    if error.is_input_error() {
        CliError::usage(error)
    } else {
        CliError::external(error)
    }
}

type Watched = (
    Decision,
    Vec<IntervalRecord>,
    gantry_analysis::Tally,
    Duration,
);

async fn watch(plan: &Plan, printer: &mut Printer) -> Result<Watched, CliError> {
    let client = gantry_checks::client().map_err(CliError::external)?;
    // Prometheus must answer, and every query must parse, before the first
    // interval: a typo is bad input (exit 2), an unreachable Prometheus an
    // outside failure (exit 3), not provider errors interval after interval.
    for check in &plan.checks {
        if let gantry_checks::Check::Prometheus(query) = check {
            query
                .endpoint()
                .preflight(&client)
                .await
                .map_err(check_error)?;
            query
                .preflight(&client, &plan.templating)
                .await
                .map_err(check_error)?;
        }
    }
    let started = Instant::now();
    let deadline = started + plan.deadline;
    printer.info(&format!(
        "watching {} check(s) every {:?}: promote after {} interval(s) with data, roll back at {} failed{}; provider-error budget {}, no data counts as {:?}; deadline {:?}",
        plan.checks.len(),
        plan.interval,
        plan.policy.count,
        plan.policy.failure_limit,
        plan.policy
            .consecutive_limit
            .map(|c| format!(" or {c} in a row"))
            .unwrap_or_default(),
        plan.policy.provider_error_budget,
        plan.policy.no_data,
        plan.deadline,
    ))?;
    if !plan.initial_delay.is_zero() {
        printer.info(&format!(
            "waiting {:?} before the first measurement",
            plan.initial_delay
        ))?;
        tokio::time::sleep_until(tokio::time::Instant::from_std(
            (started + plan.initial_delay).min(deadline),
        ))
        .await;
    }
    let mut analysis = Analysis::new(plan.policy);
    let mut history = Vec::new();
    let mut next = Instant::now();
    let decision = loop {
        let now = Instant::now();
        if now >= deadline {
            break analysis.deadline();
        }
        let all = futures_util::future::join_all(
            plan.checks
                .iter()
                .map(|c| c.measure(&client, &plan.templating)),
        );
        // No measurement outlives the deadline.
        let Ok(measurements) = tokio::time::timeout(deadline - now, all).await else {
            break analysis.deadline();
        };
        let outcomes: Vec<CheckOutcome> = measurements.iter().map(|m| m.outcome).collect();
        let outcome = IntervalOutcome::of(&outcomes, plan.policy.no_data);
        let number = analysis.tally().intervals + 1;
        let at = started.elapsed();
        for m in &measurements {
            printer.info(&report::line(number, at, m))?;
        }
        history.push(IntervalRecord {
            number,
            at,
            measurements,
            outcome,
        });
        if let Some(decision) = analysis.record(outcome) {
            break decision.clone();
        }
        let t = analysis.tally();
        printer.info(&format!(
            "  interval {number}: {}; so far {} passed, {} failed, {} provider error(s), {} without data",
            report::interval_word(outcome),
            t.passed,
            t.failed,
            t.provider_errors,
            t.no_data
        ))?;
        next += plan.interval;
        let wake = next.max(Instant::now()).min(deadline);
        tokio::time::sleep_until(tokio::time::Instant::from_std(wake)).await;
    };
    Ok((decision, history, analysis.tally(), started.elapsed()))
}
