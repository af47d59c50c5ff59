//! What the analysis does besides measuring: traffic steps and the
//! shifter that moves traffic, hooks at each phase, the abort webhook.
//! Planned from the flags and the spec (checked before anything runs), and
//! run from the loop, each run recorded as an [`Event`] for the report.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use gantry_analysis::{Steps, Verdict, parse_steps};
use gantry_cli::{CliError, parse_duration};
use gantry_hooks::{AbortWebhook, Action, Hook, HookContext, Phase, run_hook};
use gantry_runner::Printer;
use gantry_spec::canary::{CanarySpec, HookPhase};
use gantry_traffic::{
    CommandShifter, DEFAULT_SHIFT_TIMEOUT, ShiftError, TrafficShifter, WebhookShifter, Weight,
};

use crate::args::AnalysisArgs;
use crate::plan::{http_url, usage};

/// The planned effects.
pub(crate) struct Effects {
    pub(crate) steps: Option<(Steps, Box<dyn TrafficShifter>)>,
    pub(crate) hooks: Vec<Hook>,
    pub(crate) abort: Option<AbortWebhook>,
}

/// Something the analysis did, for the log and the report.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    /// Since the start.
    pub(crate) at: Duration,
    /// `hook` or `traffic`.
    pub(crate) kind: &'static str,
    /// The hook's name, or the shifter.
    pub(crate) name: String,
    /// The phase (`pre-analysis`, `step`, `promote`, `rollback`) or the
    /// weight set (`25%`).
    pub(crate) phase: String,
    pub(crate) success: bool,
    pub(crate) detail: String,
}

fn invalid(error: impl std::fmt::Display) -> CliError {
    usage(error.to_string())
}

/// Check the flags and the spec's `steps`, `traffic`, `hooks` and `abort`.
pub(crate) fn plan(
    args: &AnalysisArgs,
    spec: &CanarySpec,
    file: &Path,
    printer: &mut Printer,
) -> Result<Effects, CliError> {
    let field = |name: &str| format!("{} {name}", file.display());
    let flag_timeout = args
        .hook_timeout
        .as_deref()
        .map(|t| parse_duration("--hook-timeout", t, false))
        .transpose()?;
    // A webhook call's deadline, when the spec sets none for it: the
    // webhook flag, else the hook flag (which covered webhooks before
    // there was one), else 10 s. Commands keep the longer hook and shift
    // defaults: a smoke test takes time, an HTTP answer should not.
    let webhook_timeout = args
        .webhook_timeout
        .as_deref()
        .map(|t| parse_duration("--webhook-timeout", t, false))
        .transpose()?
        .or(flag_timeout)
        .unwrap_or(gantry_hooks::DEFAULT_WEBHOOK_TIMEOUT);
    let pass = pass_through(&args.hook_env, printer)?;
    let spec_duration = |name: &str, text: &Option<String>| {
        text.as_deref()
            .map(|t| parse_duration(&field(name), t, false))
            .transpose()
    };

    let steps = match (&args.steps, &spec.steps) {
        (Some(text), _) => {
            Some(parse_steps(text).map_err(|e| usage(format!("invalid --steps: {e}")))?)
        }
        (None, Some(weights)) => Some(
            Steps::new(weights).map_err(|e| usage(format!("invalid {}: {e}", field("steps"))))?,
        ),
        (None, None) => None,
    };
    let client = gantry_checks::client().map_err(CliError::external)?;
    let mut secrets: Vec<String> = Vec::new();
    let mut flag_shifter =
        |timeout: Duration| -> Result<Option<Box<dyn TrafficShifter>>, CliError> {
            if let Some(command) = args.on_step.as_deref().filter(|c| !c.trim().is_empty()) {
                let shifter = CommandShifter::new(command, timeout)
                    .map_err(invalid)?
                    .with_pass(pass.clone());
                return Ok(Some(Box::new(shifter)));
            }
            if let Some(url) = args
                .step_webhook
                .as_deref()
                .filter(|u| !u.trim().is_empty())
            {
                http_url("--step-webhook", url)?;
                let shifter =
                    WebhookShifter::new(client.clone(), url, &Default::default(), webhook_timeout)
                        .map_err(invalid)?;
                secrets.extend(shifter.endpoint().secrets().iter().cloned());
                return Ok(Some(Box::new(shifter)));
            }
            Ok(None)
        };
    let mut shifter = flag_shifter(flag_timeout.unwrap_or(DEFAULT_SHIFT_TIMEOUT))?;
    for secret in &secrets {
        printer.mask(secret)?;
    }
    if shifter.is_none()
        && let Some(traffic) = &spec.traffic
    {
        let traffic_timeout = spec_duration("traffic.timeout", &traffic.timeout)?;
        shifter = match (&traffic.command, &traffic.webhook) {
            (Some(command), None) => {
                let env = command_env(&field("traffic.env"), &traffic.env, printer)?;
                Some(Box::new(
                    CommandShifter::new(
                        command,
                        traffic_timeout
                            .or(flag_timeout)
                            .unwrap_or(DEFAULT_SHIFT_TIMEOUT),
                    )
                    .map_err(invalid)?
                    .with_env(env)
                    .with_pass(pass.clone()),
                ))
            }
            (None, Some(_)) if !traffic.env.is_empty() => {
                return Err(usage(format!(
                    "{}: `env` is for a `command`; a webhook gets no environment",
                    field("traffic.env")
                )));
            }
            (None, Some(hook)) => {
                http_url(&field("traffic.webhook.url"), &hook.url)?;
                let timeout = spec_duration("traffic.webhook.timeout", &hook.timeout)?
                    .or(traffic_timeout)
                    .unwrap_or(webhook_timeout);
                let shifter =
                    WebhookShifter::new(client.clone(), &hook.url, &hook.headers, timeout)
                        .map_err(invalid)?;
                for secret in shifter.endpoint().secrets() {
                    printer.mask(secret)?;
                }
                Some(Box::new(shifter))
            }
            _ => {
                return Err(usage(format!(
                    "{}: give exactly one of `command` or `webhook`",
                    field("traffic")
                )));
            }
        };
    }
    let steps = match (steps, shifter) {
        (Some(steps), Some(shifter)) => Some((steps, shifter)),
        (None, None) => None,
        (Some(_), None) => {
            return Err(usage(
                "traffic steps need a way to move traffic: --on-step COMMAND or --step-webhook URL (or `traffic:` in the spec)"
                    .to_owned(),
            ));
        }
        (None, Some(_)) => {
            return Err(usage(
                "--on-step, --step-webhook and `traffic:` move traffic between --steps, and no steps are given"
                    .to_owned(),
            ));
        }
    };

    let hook_timeout = flag_timeout.unwrap_or(gantry_hooks::DEFAULT_HOOK_TIMEOUT);
    let mut hooks = Vec::new();
    for (index, hook) in spec.hooks.iter().enumerate() {
        let at = |name: &str| format!("hooks[{index}].{name}");
        let action = match (&hook.command, &hook.webhook) {
            (Some(shell), None) => Action::Command {
                shell: shell.clone(),
                env: command_env(&field(&at("env")), &hook.env, printer)?,
                pass: pass.clone(),
            },
            (None, Some(_)) if !hook.env.is_empty() => {
                return Err(usage(format!(
                    "{}: `env` is for a `command`; a webhook gets no environment",
                    field(&at("env"))
                )));
            }
            (None, Some(webhook)) => Action::Webhook {
                url: webhook.url.clone(),
                headers: webhook.headers.clone(),
                metadata: hook.metadata.clone(),
            },
            _ => {
                return Err(usage(format!(
                    "{}: give exactly one of `command` or `webhook`",
                    field(&format!("hooks[{index}]"))
                )));
            }
        };
        let timeout = spec_duration(&at("timeout"), &hook.timeout)?
            .or(hook
                .webhook
                .as_ref()
                .map(|w| spec_duration(&at("webhook.timeout"), &w.timeout))
                .transpose()?
                .flatten())
            .unwrap_or(if hook.webhook.is_some() {
                webhook_timeout
            } else {
                hook_timeout
            });
        let phase = match hook.phase {
            HookPhase::PreAnalysis => Phase::PreAnalysis,
            HookPhase::Step => Phase::Step,
            HookPhase::Promote => Phase::Promote,
            HookPhase::Rollback => Phase::Rollback,
        };
        let hook = Hook {
            name: hook.name.clone(),
            phase,
            action,
            timeout,
        };
        hook.validate()
            .map_err(|e| usage(format!("{}: {e}", field(&format!("hooks[{index}]")))))?;
        hooks.push(hook);
    }
    for (flag, phase, commands) in [
        ("--pre-analysis", Phase::PreAnalysis, &args.pre_analysis),
        ("--on-promote", Phase::Promote, &args.on_promote),
        ("--on-rollback", Phase::Rollback, &args.on_rollback),
    ] {
        for shell in commands.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
            let hook = Hook {
                name: flag.trim_start_matches('-').to_owned(),
                phase,
                action: Action::Command {
                    shell: shell.to_owned(),
                    env: BTreeMap::new(),
                    pass: pass.clone(),
                },
                timeout: hook_timeout,
            };
            hook.validate().map_err(|e| usage(format!("{flag}: {e}")))?;
            hooks.push(hook);
        }
    }

    let abort = match (&args.abort_webhook, &spec.abort) {
        (Some(url), _) if !url.trim().is_empty() => Some(AbortWebhook {
            url: url.trim().to_owned(),
            headers: Default::default(),
            timeout: webhook_timeout,
        }),
        (_, Some(webhook)) => Some(AbortWebhook {
            url: webhook.url.clone(),
            headers: webhook.headers.clone(),
            timeout: spec_duration("abort.timeout", &webhook.timeout)?.unwrap_or(webhook_timeout),
        }),
        _ => None,
    };
    if let Some(abort) = &abort {
        abort
            .validate()
            .map_err(|e| usage(format!("abort webhook: {e}")))?;
        for secret in abort.secrets() {
            printer.mask(&secret)?;
        }
    }
    for hook in &hooks {
        for secret in hook.secrets() {
            printer.mask(&secret)?;
        }
    }
    Ok(Effects {
        steps,
        hooks,
        abort,
    })
}

/// Whether `name` can be a variable's name.
fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `--hook-env`: the names (one per flag, or separated by commas, spaces
/// or newlines) of variables passed through to commands. The values of
/// credentials among them are masked: they are about to reach a child's
/// output.
fn pass_through(raw: &[String], printer: &mut Printer) -> Result<Vec<String>, CliError> {
    let mut names: Vec<String> = Vec::new();
    for name in raw
        .iter()
        .flat_map(|r| r.split(|c: char| c == ',' || c.is_whitespace()))
        .filter(|n| !n.is_empty())
    {
        if !is_variable_name(name) {
            return Err(usage(format!(
                "invalid --hook-env `{name}`: expected a variable's name (letters, digits and _), e.g. GH_TOKEN"
            )));
        }
        if !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    for name in &names {
        if (gantry_traffic::exec::CREDENTIALS.contains(&name.as_str())
            || gantry_checks::is_sensitive_name(name))
            && let Some(value) = printer.env().var(name).map(str::to_owned)
        {
            printer.mask(&value)?;
        }
    }
    Ok(names)
}

/// A command's `env:` from the spec: names that can be variables, values
/// without NUL; secret-looking ones masked.
fn command_env(
    field: &str,
    env: &BTreeMap<String, String>,
    printer: &mut Printer,
) -> Result<BTreeMap<String, String>, CliError> {
    for (name, value) in env {
        if !is_variable_name(name) {
            return Err(usage(format!(
                "{field}: `{name}` is not a variable's name (letters, digits and _)"
            )));
        }
        if value.contains('\0') {
            return Err(usage(format!("{field}.{name}: the value holds a NUL byte")));
        }
        if gantry_checks::is_sensitive_name(name) && !value.trim().is_empty() {
            printer.mask(value)?;
        }
    }
    Ok(env.clone())
}

/// Run the hooks of `phase` one after the other; the first failure stops
/// them and is returned (`None` when all succeeded).
pub(crate) async fn run_hooks(
    hooks: &[Hook],
    phase: Phase,
    client: &reqwest::Client,
    context: &HookContext,
    started: Instant,
    events: &mut Vec<Event>,
    printer: &mut Printer,
) -> Result<Option<Event>, CliError> {
    for hook in hooks.iter().filter(|h| h.phase == phase) {
        let outcome = run_hook(client, hook, context).await;
        let event = Event {
            at: started.elapsed(),
            kind: "hook",
            name: hook.name.clone(),
            phase: phase.as_str().to_owned(),
            success: outcome.success,
            detail: outcome.detail.clone(),
        };
        printer.info(&format!(
            "hook `{}` ({}): {} {}",
            hook.name,
            phase.as_str(),
            if outcome.success { "ok," } else { "FAILED," },
            outcome.detail
        ))?;
        if !outcome.success
            && let Some(line) = outcome.output.lines().rev().find(|l| !l.trim().is_empty())
        {
            printer.info(&format!("  last output: {}", line.trim()))?;
        }
        events.push(event.clone());
        if !event.success {
            return Ok(Some(event));
        }
    }
    Ok(None)
}

/// Set the canary's weight; the error says what failed.
pub(crate) async fn shift(
    shifter: &dyn TrafficShifter,
    percent: u8,
    started: Instant,
    events: &mut Vec<Event>,
    printer: &mut Printer,
) -> Result<Result<(), String>, CliError> {
    let weight = Weight::new(percent).unwrap_or(Weight::FULL);
    let result = shifter.set_canary_weight(weight).await;
    let (success, detail) = match &result {
        Ok(shifted) => (true, shifted.detail.clone()),
        Err(ShiftError::Invalid { message, .. } | ShiftError::Failed { message, .. }) => {
            (false, message.clone())
        }
    };
    if success {
        printer.info(&format!("traffic: {detail}"))?;
    } else {
        printer.info(&format!(
            "traffic: canary {weight} via {} FAILED: {detail}",
            shifter.describe()
        ))?;
    }
    events.push(Event {
        at: started.elapsed(),
        kind: "traffic",
        name: shifter.describe(),
        phase: weight.to_string(),
        success,
        detail: detail.clone(),
    });
    Ok(if success {
        Ok(())
    } else {
        Err(format!(
            "moving traffic to canary {weight} via {} failed: {detail}",
            shifter.describe()
        ))
    })
}

/// What the hooks are told about the canary at this point.
pub(crate) fn context(
    templating: &gantry_checks::Templating,
    weight: Option<u8>,
    step: Option<u32>,
    decision: Option<(Verdict, &str)>,
) -> HookContext {
    HookContext {
        name: templating.name.clone(),
        namespace: templating.namespace.clone(),
        version: templating.version.clone(),
        checksum: None,
        weight: weight.and_then(Weight::new),
        step,
        decision: decision.map(|(v, _)| v),
        reason: decision.map(|(_, r)| r.to_owned()),
    }
}
