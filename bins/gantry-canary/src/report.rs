//! What the analysis prints: a line per check per interval, and at the end
//! the decision with its arithmetic, a JSON report, step outputs and a
//! summary with a table and a chart of each check over time.

use std::time::Duration;

use gantry_analysis::{CheckOutcome, Decision, IntervalOutcome, NoDataPolicy, Tally};
use gantry_checks::Measurement;
use gantry_cli::{CliError, ResultExt};
use gantry_runner::{Printer, Summary};
use serde_json::json;

use crate::effects::Event;
use crate::plan::Plan;
use crate::watch::{IntervalRecord, Watched};

fn verdict_word(outcome: CheckOutcome) -> &'static str {
    match outcome {
        CheckOutcome::Pass => "pass",
        CheckOutcome::Fail => "FAIL",
        CheckOutcome::NoData => "no data",
        CheckOutcome::ProviderError => "provider error",
    }
}

/// What the decision rests on, in one sentence: only passed intervals
/// count toward promotion.
fn progress(plan: &Plan, step: Tally) -> String {
    let p = &plan.policy;
    format!(
        "{} of {} passed interval(s) needed to promote{}; {} failed (rollback at {}{}); {} with provider errors (budget {}); {} without data (counted as {}).",
        step.passed,
        p.count,
        if plan.steps.is_some() {
            " at the last step"
        } else {
            ""
        },
        step.failed,
        p.failure_limit,
        p.consecutive_limit
            .map(|c| format!(", or {c} in a row"))
            .unwrap_or_default(),
        step.provider_errors,
        p.provider_error_budget,
        step.no_data,
        match p.no_data {
            NoDataPolicy::Fail => "failed",
            NoDataPolicy::Pass => "passed",
            NoDataPolicy::Inconclusive => "neither",
        },
    )
}

pub(crate) fn interval_word(outcome: IntervalOutcome) -> &'static str {
    match outcome {
        IntervalOutcome::Passed => "passed",
        IntervalOutcome::Failed => "failed",
        IntervalOutcome::ProviderError => "provider error (not counted against the canary)",
        IntervalOutcome::NoData => "no data (not counted)",
    }
}

/// `[3] 20.0s GET http://…/health: 0.012 (≤ 0.5) pass: 200 in 12 ms`.
pub(crate) fn line(number: u32, at: Duration, m: &Measurement) -> String {
    let value = m
        .value
        .map(|v| format!("{v:.6}"))
        .unwrap_or_else(|| "-".to_owned());
    format!(
        "[{number}] {:>7.1}s {}: {value} ({}) {}: {}",
        at.as_secs_f64(),
        m.check,
        m.threshold,
        verdict_word(m.outcome),
        m.detail
    )
}

pub(crate) fn finish(
    printer: &mut Printer,
    plan: &Plan,
    watched: &Watched,
) -> Result<(), CliError> {
    let Watched {
        decision,
        history,
        tally,
        step_tally,
        events,
        elapsed,
    } = watched;
    let intervals: Vec<serde_json::Value> = history
        .iter()
        .map(|r| {
            json!({
                "interval": r.number,
                "at_seconds": r.at.as_secs_f64(),
                "canary_weight": r.weight,
                "outcome": interval_word(r.outcome),
                "checks": r.measurements.iter().map(|m| json!({
                    "check": m.check,
                    "value": m.value,
                    "threshold": m.threshold,
                    "verdict": verdict_word(m.outcome),
                    "detail": m.detail,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let report = json!({
        "decision": decision.verdict.as_str(),
        "reason": decision.reason,
        "elapsed_seconds": elapsed.as_secs_f64(),
        "tally": {
            "intervals": tally.intervals,
            "passed": tally.passed,
            "failed": tally.failed,
            "provider_errors": tally.provider_errors,
            "no_data": tally.no_data,
        },
        // The analysis that decided (the last step's): only passed
        // intervals count toward `required`.
        "progress": {
            "passed": step_tally.passed,
            "required": plan.policy.count,
            "failed": step_tally.failed,
            "failure_limit": plan.policy.failure_limit,
            "consecutive_failed": step_tally.consecutive,
            "consecutive_limit": plan.policy.consecutive_limit,
            "provider_errors": step_tally.provider_errors,
            "provider_error_budget": plan.policy.provider_error_budget,
            "no_data": step_tally.no_data,
        },
        "policy": {
            "interval_seconds": plan.interval.as_secs_f64(),
            "count": plan.policy.count,
            "failure_limit": plan.policy.failure_limit,
            "consecutive_limit": plan.policy.consecutive_limit,
            "provider_error_budget": plan.policy.provider_error_budget,
            "no_data": format!("{:?}", plan.policy.no_data).to_lowercase(),
            "deadline_seconds": plan.deadline.as_secs_f64(),
        },
        "checks": plan.checks.iter().map(|c| c.name()).collect::<Vec<_>>(),
        "steps": plan.steps.as_ref().map(|(s, _)| s.weights().to_vec()),
        "intervals": intervals,
        "events": events.iter().map(|e| json!({
            "at_seconds": e.at.as_secs_f64(),
            "kind": e.kind,
            "name": e.name,
            "phase": e.phase,
            "success": e.success,
            "detail": e.detail,
        })).collect::<Vec<_>>(),
    });
    let text = serde_json::to_string_pretty(&report).unwrap_or_default();
    if let Some(path) = &plan.report {
        std::fs::write(path, format!("{text}\n"))
            .usage_error(format!("cannot write --report `{}`", path.display()))?;
    }
    printer.result(&decision.reason, &report)?;
    printer.set_output("decision", decision.verdict.as_str())?;
    printer.set_output("reason", &decision.reason)?;
    printer.set_output(
        "report",
        &serde_json::to_string(&report).unwrap_or_default(),
    )?;
    printer.summary(&summary(plan, decision, *step_tally, history, events))?;
    Ok(())
}

fn summary(
    plan: &Plan,
    decision: &Decision,
    step: Tally,
    history: &[IntervalRecord],
    events: &[Event],
) -> Summary {
    let mut s = Summary::new();
    s.heading(3, &format!("gantry-canary: {}", decision.verdict.as_str()));
    s.paragraph(&decision.reason);
    s.paragraph(&progress(plan, step));
    let names: Vec<String> = plan.checks.iter().map(|c| c.name()).collect();
    let rows: Vec<Vec<String>> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let ms: Vec<&Measurement> = history
                .iter()
                .filter_map(|r| r.measurements.get(i))
                .collect();
            let count = |o: CheckOutcome| ms.iter().filter(|m| m.outcome == o).count().to_string();
            let last = ms.last();
            vec![
                format!("`{name}`"),
                last.map(|m| m.threshold.clone()).unwrap_or_default(),
                count(CheckOutcome::Pass),
                count(CheckOutcome::Fail),
                count(CheckOutcome::NoData),
                count(CheckOutcome::ProviderError),
                last.and_then(|m| m.value)
                    .map(|v| format!("{v:.4}"))
                    .unwrap_or_else(|| "-".to_owned()),
            ]
        })
        .collect();
    s.table(
        &[
            "check",
            "threshold",
            "pass",
            "fail",
            "no data",
            "provider errors",
            "last value",
        ],
        &rows,
    );
    if !events.is_empty() {
        let rows: Vec<Vec<String>> = events
            .iter()
            .map(|e| {
                vec![
                    format!("{:.1}s", e.at.as_secs_f64()),
                    e.kind.to_owned(),
                    format!("`{}`", e.name),
                    e.phase.clone(),
                    if e.success { "ok" } else { "failed" }.to_owned(),
                    e.detail.clone(),
                ]
            })
            .collect();
        s.table(&["at", "what", "name", "phase", "result", "detail"], &rows);
    }
    let labels: Vec<String> = history
        .iter()
        .map(|r| format!("{:.0}s", r.at.as_secs_f64()))
        .collect();
    for (i, name) in names.iter().enumerate() {
        let values: Vec<f64> = history
            .iter()
            .map(|r| {
                r.measurements
                    .get(i)
                    .and_then(|m| m.value)
                    .unwrap_or(f64::NAN)
            })
            .collect();
        if values.iter().any(|v| v.is_finite()) {
            s.mermaid_line_chart(name, &labels, &[(name.as_str(), values)], "value");
        }
    }
    s
}
