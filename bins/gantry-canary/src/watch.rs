//! The loop: pre-analysis hooks; then at each traffic step (or once,
//! without steps) measure every check each interval, print one line per
//! check, record the interval, until the step's analysis decides or the
//! deadline comes; then traffic back to stable unless promoted, and the
//! promote or rollback hooks.

use std::time::{Duration, Instant};

use gantry_analysis::{
    Analysis, CheckOutcome, Decision, IntervalOutcome, StepAction, Tally, Verdict,
};
use gantry_checks::Measurement;
use gantry_cli::{CliError, ExitStatus};
use gantry_hooks::{AbortPoll, Phase};
use gantry_runner::Printer;

use crate::deployment::Tracker;
use crate::effects::{self, Event};
use crate::plan::Plan;
use crate::report;

/// One interval, as recorded for the report.
#[derive(Debug, Clone)]
pub(crate) struct IntervalRecord {
    /// 1-based, over the whole analysis.
    pub(crate) number: u32,
    /// Since the start.
    pub(crate) at: Duration,
    /// The canary's traffic weight during the interval (with steps).
    pub(crate) weight: Option<u8>,
    pub(crate) measurements: Vec<Measurement>,
    pub(crate) outcome: IntervalOutcome,
}

/// Everything the analysis saw and did.
pub(crate) struct Watched {
    pub(crate) decision: Decision,
    pub(crate) history: Vec<IntervalRecord>,
    /// Over every step.
    pub(crate) tally: Tally,
    /// The analysis that made the decision (the last step's).
    pub(crate) step_tally: Tally,
    pub(crate) events: Vec<Event>,
    pub(crate) elapsed: Duration,
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
    let client = gantry_checks::client().map_err(CliError::external)?;
    // Prometheus must answer, and every query must parse, before anything
    // is written anywhere (the GitHub deployment included) and before the
    // first hook: a typo is bad input (exit 2), an unreachable Prometheus
    // an outside failure (exit 3), not provider errors interval after
    // interval.
    runtime.block_on(preflight(plan, &client))?;
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
    let watched = match runtime.block_on(watch(plan, &client, printer)) {
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
        tracker.finish(watched.decision.verdict, &watched.decision.reason, printer)?;
    }
    report::finish(printer, plan, &watched)?;
    Ok(match watched.decision.verdict {
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

fn rollback(reason: String) -> Decision {
    Decision {
        verdict: Verdict::Rollback,
        reason: format!("rollback: {reason}"),
    }
}

fn add(total: &mut Tally, step: Tally) {
    total.intervals += step.intervals;
    total.passed += step.passed;
    total.failed += step.failed;
    total.consecutive = step.consecutive;
    total.provider_errors += step.provider_errors;
    total.no_data += step.no_data;
}

async fn preflight(plan: &Plan, client: &reqwest::Client) -> Result<(), CliError> {
    for check in &plan.checks {
        check
            .preflight(client, &plan.templating)
            .await
            .map_err(check_error)?;
    }
    Ok(())
}

async fn watch(
    plan: &Plan,
    client: &reqwest::Client,
    printer: &mut Printer,
) -> Result<Watched, CliError> {
    let started = Instant::now();
    let deadline = started + plan.deadline;
    printer.info(&format!(
        "watching {} check(s) every {:?}: promote after {} passed interval(s){}, roll back at {} failed{}; provider-error budget {}, no data counts as {:?}; deadline {:?}",
        plan.checks.len(),
        plan.interval,
        plan.policy.count,
        plan.steps
            .as_ref()
            .map(|(s, _)| format!(" at each step of {s}"))
            .unwrap_or_default(),
        plan.policy.failure_limit,
        plan.policy
            .consecutive_limit
            .map(|c| format!(" or {c} in a row"))
            .unwrap_or_default(),
        plan.policy.provider_error_budget,
        plan.policy.no_data,
        plan.deadline,
    ))?;
    let mut events = Vec::new();
    let mut history = Vec::new();
    let mut tally = Tally::default();
    let mut step = 0_usize;
    let weight_at = |step: usize| plan.steps.as_ref().and_then(|(s, _)| s.weight(step));

    let mut decided = None;
    let context = effects::context(&plan.templating, None, None, None);
    if let Some(failed) = effects::run_hooks(
        &plan.hooks,
        Phase::PreAnalysis,
        client,
        &context,
        started,
        &mut events,
        printer,
    )
    .await?
    {
        decided = Some(rollback(format!(
            "the pre-analysis hook `{}` failed ({}), before any traffic moved",
            failed.name, failed.detail
        )));
    }
    if decided.is_none() {
        decided = enter_step(plan, 0, client, started, &mut events, printer).await?;
    }
    if decided.is_none() && !plan.initial_delay.is_zero() {
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
    let mut next = Instant::now();
    let decision = loop {
        if let Some(decision) = decided.take() {
            break decision;
        }
        let now = Instant::now();
        if now >= deadline {
            break analysis.deadline();
        }
        let weight = weight_at(step);
        let context = effects::context(&plan.templating, weight, Some(step as u32 + 1), None);
        let all = futures_util::future::join(
            futures_util::future::join_all(
                plan.checks
                    .iter()
                    .map(|c| c.measure(client, &plan.templating)),
            ),
            async {
                match &plan.abort {
                    Some(abort) => Some(abort.poll(client, &context).await),
                    None => None,
                }
            },
        );
        // No measurement outlives the deadline.
        let Ok((mut measurements, abort)) = tokio::time::timeout(deadline - now, all).await else {
            printer.info(&format!(
                "the deadline came while interval {} was still measuring (a check or the abort webhook had not answered)",
                tally.intervals + analysis.tally().intervals + 1
            ))?;
            break analysis.deadline();
        };
        let mut abort_reason = None;
        if let (Some(poll), Some(webhook)) = (abort, &plan.abort) {
            let (outcome, detail) = match poll {
                AbortPoll::Continue => (CheckOutcome::Pass, "no abort asked".to_owned()),
                AbortPoll::Abort(reason) => {
                    abort_reason = Some(reason.clone());
                    (CheckOutcome::Fail, reason)
                }
                AbortPoll::Error(detail) => (CheckOutcome::ProviderError, detail),
            };
            measurements.push(Measurement {
                check: webhook.describe(),
                outcome,
                value: None,
                threshold: "not 2xx".to_owned(),
                detail,
            });
        }
        let outcomes: Vec<CheckOutcome> = measurements.iter().map(|m| m.outcome).collect();
        let outcome = IntervalOutcome::of(&outcomes, plan.policy.no_data);
        let number = tally.intervals + analysis.tally().intervals + 1;
        let at = started.elapsed();
        for m in &measurements {
            printer.info(&report::line(number, at, m))?;
        }
        history.push(IntervalRecord {
            number,
            at,
            weight,
            measurements,
            outcome,
        });
        if let Some(reason) = abort_reason {
            break analysis.abort(reason);
        }
        let step_decision = analysis.record(outcome).cloned();
        let t = analysis.tally();
        printer.info(&format!(
            "  interval {number}: {}; so far {} passed of {} needed, {} failed, {} provider error(s), {} without data{}",
            report::interval_word(outcome),
            t.passed,
            plan.policy.count,
            t.failed,
            t.provider_errors,
            t.no_data,
            weight.map(|w| format!(" at canary {w}%")).unwrap_or_default(),
        ))?;
        match &plan.steps {
            None => {
                if let Some(decision) = step_decision {
                    break decision;
                }
            }
            Some((steps, _)) => match steps.next(step, step_decision.as_ref()) {
                StepAction::Stay => {}
                StepAction::Promote | StepAction::Stop(_) => {
                    if let Some(decision) = step_decision {
                        break decision;
                    }
                }
                StepAction::Advance { index, .. } => {
                    if let Some(decision) = &step_decision {
                        printer.info(&format!("{}: {}", steps.label(step), decision.reason))?;
                    }
                    add(&mut tally, analysis.tally());
                    analysis = Analysis::new(plan.policy);
                    step = index;
                    decided = enter_step(plan, step, client, started, &mut events, printer).await?;
                    if decided.is_some() {
                        continue;
                    }
                    // The first interval at the new weight is one interval
                    // after the shift, not at once.
                    next = Instant::now();
                }
            },
        }
        next += plan.interval;
        let wake = next.max(Instant::now()).min(deadline);
        tokio::time::sleep_until(tokio::time::Instant::from_std(wake)).await;
    };
    let step_tally = analysis.tally();
    add(&mut tally, step_tally);
    let decision = conclude(plan, decision, client, started, &mut events, printer).await?;
    Ok(Watched {
        decision,
        history,
        tally,
        step_tally,
        events,
        elapsed: started.elapsed(),
    })
}

/// Move traffic to step `index`'s weight and run the step hooks; a
/// failure of either is the decision to roll back.
async fn enter_step(
    plan: &Plan,
    index: usize,
    client: &reqwest::Client,
    started: Instant,
    events: &mut Vec<Event>,
    printer: &mut Printer,
) -> Result<Option<Decision>, CliError> {
    let Some((steps, shifter)) = &plan.steps else {
        return Ok(None);
    };
    let Some(weight) = steps.weight(index) else {
        return Ok(None);
    };
    printer.info(&format!("{}: moving traffic", steps.label(index)))?;
    if let Err(failure) = effects::shift(shifter.as_ref(), weight, started, events, printer).await?
    {
        return Ok(Some(rollback(format!(
            "{failure} at {}",
            steps.label(index)
        ))));
    }
    let context = effects::context(&plan.templating, Some(weight), Some(index as u32 + 1), None);
    if let Some(failed) = effects::run_hooks(
        &plan.hooks,
        Phase::Step,
        client,
        &context,
        started,
        events,
        printer,
    )
    .await?
    {
        return Ok(Some(rollback(format!(
            "the step hook `{}` failed ({}) at {}",
            failed.name,
            failed.detail,
            steps.label(index)
        ))));
    }
    Ok(None)
}

/// After the decision: all traffic to the canary on promote, back to
/// stable otherwise (an inconclusive canary is not left serving), then the
/// promote or rollback hooks. Their failures are reported, and change
/// nothing: the decision is made.
async fn conclude(
    plan: &Plan,
    decision: Decision,
    client: &reqwest::Client,
    started: Instant,
    events: &mut Vec<Event>,
    printer: &mut Printer,
) -> Result<Decision, CliError> {
    let mut decision = decision;
    if let Some((_, shifter)) = &plan.steps {
        let weight = if decision.verdict == Verdict::Promote {
            100
        } else {
            0
        };
        if let Err(failure) =
            effects::shift(shifter.as_ref(), weight, started, events, printer).await?
        {
            printer.warning(&failure, None)?;
            decision.reason = format!("{} ({failure})", decision.reason);
        }
    }
    let phase = match decision.verdict {
        Verdict::Promote => Phase::Promote,
        Verdict::Rollback => Phase::Rollback,
        Verdict::Inconclusive => return Ok(decision),
    };
    let context = effects::context(
        &plan.templating,
        None,
        None,
        Some((decision.verdict, decision.reason.as_str())),
    );
    // Every hook of the phase runs, even after one fails: each may be the
    // one that restores service.
    for hook in plan.hooks.iter().filter(|h| h.phase == phase) {
        let one = std::slice::from_ref(hook);
        if let Some(failed) =
            effects::run_hooks(one, phase, client, &context, started, events, printer).await?
        {
            printer.warning(
                &format!(
                    "the {} hook `{}` failed: {}",
                    phase.as_str(),
                    failed.name,
                    failed.detail
                ),
                None,
            )?;
        }
    }
    Ok(decision)
}
