//! A hook: a command or a webhook run at one phase of the analysis, and
//! what running it gave.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use gantry_checks::is_sensitive_name;
use gantry_traffic::exec::{Shell, command_label, run_shell};
use gantry_traffic::post::Endpoint;

use crate::context::HookContext;
use crate::error::HookError;

/// A hook's default time limit.
pub const DEFAULT_HOOK_TIMEOUT: Duration = Duration::from_secs(60);

/// When a hook runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phase {
    /// Before the first interval (Flagger's `pre-rollout`); a failure
    /// rolls back before the canary gets any traffic.
    PreAnalysis,
    /// After each traffic step is applied (Flagger's `rollout`, once per
    /// step); a failure rolls back.
    Step,
    /// After the decision to promote (Flagger's `post-rollout` on success).
    Promote,
    /// After the decision to roll back (Flagger's `post-rollout` on failure).
    Rollback,
}

impl Phase {
    /// Every phase, in the order they happen.
    pub const ALL: [Phase; 4] = [
        Phase::PreAnalysis,
        Phase::Step,
        Phase::Promote,
        Phase::Rollback,
    ];

    /// `pre-analysis`, `step`, `promote`, `rollback` (`GANTRY_PHASE`, the
    /// payload's `gantryPhase`, the spec's `phase`).
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::PreAnalysis => "pre-analysis",
            Phase::Step => "step",
            Phase::Promote => "promote",
            Phase::Rollback => "rollback",
        }
    }

    /// The canary phase Flagger would report at this point (the payload's
    /// `phase`).
    pub fn flagger_phase(self) -> &'static str {
        match self {
            Phase::PreAnalysis | Phase::Step => "Progressing",
            Phase::Promote => "Succeeded",
            Phase::Rollback => "Failed",
        }
    }
}

impl std::str::FromStr for Phase {
    type Err = HookError;

    /// `pre-analysis`, `step`, `promote` or `rollback`.
    fn from_str(text: &str) -> Result<Phase, HookError> {
        Phase::ALL
            .into_iter()
            .find(|phase| phase.as_str() == text.trim())
            .ok_or_else(|| HookError::Phase {
                given: text.to_owned(),
            })
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a hook does.
#[derive(Clone, PartialEq, Eq)]
pub enum Action {
    /// `sh -c shell`, with `GANTRY_*` variables (see [`crate::context`]),
    /// in gantry's environment scrubbed of its credentials and of the outer
    /// run's `GANTRY_*` settings (see [`gantry_traffic::exec`]). Exit 0 is
    /// a success.
    Command {
        /// The command line.
        shell: String,
        /// Variables set for it (the spec's `env:`); the documented
        /// `GANTRY_*` variables win over these.
        env: BTreeMap<String, String>,
        /// Variables of gantry's environment passed through although
        /// scrubbed (`--hook-env NAME`).
        pass: Vec<String>,
    },
    /// `POST` the payload (see [`crate::context`]); 2xx is a success.
    Webhook {
        /// `http://` or `https://`.
        url: String,
        /// Request headers; their values are never printed.
        headers: BTreeMap<String, String>,
        /// Flagger's `metadata`, sent as given.
        metadata: BTreeMap<String, String>,
    },
}

impl fmt::Debug for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Command { shell, env, pass } => f
                .debug_struct("Command")
                .field("shell", shell)
                .field("env", &masked(env))
                .field("pass", pass)
                .finish(),
            Action::Webhook {
                url,
                headers,
                metadata,
            } => f
                .debug_struct("Webhook")
                .field("url", &shown_url(url))
                .field("headers", &masked(headers))
                .field("metadata", metadata)
                .finish(),
        }
    }
}

/// A command or webhook run at a phase of the analysis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hook {
    /// Shown in the log and the report.
    pub name: String,
    /// When it runs.
    pub phase: Phase,
    /// What it does.
    pub action: Action,
    /// Its time limit: a command still running is killed (its whole
    /// process group), a webhook still unanswered is a failure.
    pub timeout: Duration,
}

/// What running a hook gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookOutcome {
    /// Exit 0, or a 2xx answer.
    pub success: bool,
    /// One line: `exit 0 in 120 ms`, `timed out after 5 s (process group
    /// killed)`, `HTTP 503 in 40 ms: …`, `connection refused after 1 ms`.
    pub detail: String,
    /// The command's output (the tail, at most
    /// [`gantry_traffic::exec::MAX_OUTPUT`] bytes) or the answer's body
    /// (at most [`gantry_traffic::post::MAX_BODY`] bytes).
    pub output: String,
}

impl HookOutcome {
    fn failed(detail: String) -> HookOutcome {
        HookOutcome {
            success: false,
            detail,
            output: String::new(),
        }
    }
}

impl Hook {
    /// Check everything that can be checked before the analysis: a name,
    /// a non-blank command, an `http(s)://` URL with a host, headers that
    /// can be sent, a timeout over 0.
    pub fn validate(&self) -> Result<(), HookError> {
        self.endpoint().map(|_| ())
    }

    /// The webhook's endpoint (`None` for a command), after the checks of
    /// [`Hook::validate`].
    fn endpoint(&self) -> Result<Option<Endpoint>, HookError> {
        if self.name.trim().is_empty() {
            return Err(HookError::NoName);
        }
        let hook = || self.name.clone();
        if self.timeout.is_zero() {
            return Err(HookError::Timeout { hook: hook() });
        }
        match &self.action {
            Action::Command { shell, .. } if shell.trim().is_empty() => {
                Err(HookError::EmptyCommand { hook: hook() })
            }
            Action::Command { .. } => Ok(None),
            Action::Webhook { url, headers, .. } => Endpoint::new(url, headers, self.timeout)
                .map(Some)
                .map_err(|source| HookError::Webhook {
                    hook: hook(),
                    source,
                }),
        }
    }

    /// `pre-analysis hook "smoke" (command ./smoke.sh)`, `promote hook
    /// "notify" (webhook https://…)`, secrets masked.
    pub fn describe(&self) -> String {
        let what = match &self.action {
            Action::Command { shell, .. } => format!("command {}", command_label(shell)),
            Action::Webhook { url, .. } => format!("webhook {}", shown_url(url)),
        };
        format!("{} hook {:?} ({what})", self.phase, self.name)
    }

    /// Values that must never be printed, for the printer's masks: secret
    /// header values and the URL's secrets.
    pub fn secrets(&self) -> Vec<String> {
        match &self.action {
            Action::Command { env, .. } => env
                .iter()
                .filter(|(name, value)| is_sensitive_name(name) && !value.trim().is_empty())
                .map(|(_, value)| value.clone())
                .collect(),
            Action::Webhook { url, headers, .. } => webhook_secrets(url, headers),
        }
    }
}

/// Run `hook` for the canary in `ctx`. Never fails and never panics: a
/// hook that cannot run (a bad URL, a blank command) is a failed outcome
/// that says why, and a command `sh` cannot find is `sh`'s exit 127.
pub async fn run_hook(client: &reqwest::Client, hook: &Hook, ctx: &HookContext) -> HookOutcome {
    let endpoint = match hook.endpoint() {
        Ok(endpoint) => endpoint,
        Err(err) => return HookOutcome::failed(err.to_string()),
    };
    match (&hook.action, endpoint) {
        (Action::Command { shell, env, pass }, _) => {
            let (set, unset) = ctx.env(hook.phase.as_str(), &hook.name);
            let mut vars = env.clone();
            vars.extend(set);
            let shell = Shell {
                command: shell.clone(),
                env: vars,
                env_remove: unset,
                pass: pass.clone(),
                timeout: hook.timeout,
            };
            let run = run_shell(&shell).await;
            let mut output = run.output.clone();
            if run.cut > 0 {
                output.insert_str(0, &format!("[… {} earlier bytes not kept]\n", run.cut));
            }
            HookOutcome {
                success: run.success(),
                detail: run.summary(),
                output,
            }
        }
        (Action::Webhook { metadata, .. }, Some(endpoint)) => {
            let payload = ctx.payload(
                hook.phase.as_str(),
                hook.phase.flagger_phase(),
                &hook.name,
                metadata,
            );
            let answer = endpoint.post_json(client, &payload).await;
            HookOutcome {
                success: answer.is_success(),
                detail: answer.summary(),
                output: answer.body().to_owned(),
            }
        }
        (Action::Webhook { .. }, None) => {
            HookOutcome::failed(format!("hook {:?}: no webhook to call", hook.name))
        }
    }
}

/// A URL as it may be printed, valid or not.
pub(crate) fn shown_url(url: &str) -> String {
    match Endpoint::new(url, &BTreeMap::new(), Duration::from_secs(1)) {
        Ok(endpoint) => endpoint.display_url().to_owned(),
        Err(gantry_traffic::post::WebhookError::Url { url, .. }) => url,
        Err(_) => "***".to_owned(),
    }
}

/// Header names with every value masked.
pub(crate) fn masked(headers: &BTreeMap<String, String>) -> BTreeMap<&str, &'static str> {
    headers.keys().map(|name| (name.as_str(), "***")).collect()
}

/// The secrets of a webhook, even one that does not validate.
pub(crate) fn webhook_secrets(url: &str, headers: &BTreeMap<String, String>) -> Vec<String> {
    if let Ok(endpoint) = Endpoint::new(url, headers, Duration::from_secs(1)) {
        return endpoint.secrets().to_vec();
    }
    let mut secrets: Vec<String> = Vec::new();
    if let Ok(endpoint) = Endpoint::new(url, &BTreeMap::new(), Duration::from_secs(1)) {
        secrets.extend(endpoint.secrets().iter().cloned());
    }
    for (name, value) in headers {
        if is_sensitive_name(name) && !value.is_empty() {
            secrets.push(value.clone());
            if let Some((_, token)) = value.split_once(' ') {
                secrets.push(token.trim().to_owned());
            }
        }
    }
    secrets.retain(|s| !s.is_empty());
    secrets.sort();
    secrets.dedup();
    secrets
}

#[cfg(test)]
mod tests {
    use super::*;

    fn webhook(url: &str, headers: &[(&str, &str)]) -> Hook {
        Hook {
            name: "notify".into(),
            phase: Phase::Promote,
            action: Action::Webhook {
                url: url.into(),
                headers: headers
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
                metadata: BTreeMap::new(),
            },
            timeout: Duration::from_secs(5),
        }
    }

    fn command(shell: &str) -> Hook {
        Hook {
            name: "smoke".into(),
            phase: Phase::PreAnalysis,
            action: Action::Command {
                shell: shell.into(),
                env: BTreeMap::new(),
                pass: Vec::new(),
            },
            timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn validation_names_the_hook_and_the_problem() {
        let unnamed = Hook {
            name: " ".into(),
            ..command("true")
        };
        let zero = Hook {
            timeout: Duration::ZERO,
            ..command("true")
        };
        for (hook, want) in [
            (command("./smoke.sh"), None),
            (
                webhook("https://example.com/hook", &[("X-Token", "t")]),
                None,
            ),
            (unnamed, Some("a hook needs a name")),
            (
                command("  \n"),
                Some("hook \"smoke\": the command is empty"),
            ),
            (
                zero,
                Some("hook \"smoke\": the timeout must be more than 0"),
            ),
            (
                webhook("ftp://example.com/", &[]),
                Some("hook \"notify\": invalid URL ftp://example.com/: the scheme is \"ftp\""),
            ),
            (
                webhook("example.com/hook", &[]),
                Some("hook \"notify\": invalid URL example.com/hook:"),
            ),
            (
                webhook("http://h/", &[("X Bad", "v")]),
                Some("hook \"notify\": invalid header \"X Bad\""),
            ),
        ] {
            match (hook.validate(), want) {
                (Ok(()), None) => {}
                (Err(err), Some(want)) => {
                    assert!(err.to_string().starts_with(want), "{err}")
                }
                (got, want) => panic!("{hook:?}: {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn secrets_never_reach_debug_or_describe() {
        let hook = webhook(
            "https://u:pw9@example.com/h?token=t0k",
            &[
                ("Authorization", "Bearer s3cr3t"),
                ("X-Trace", "plain-value"),
            ],
        );
        assert_eq!(hook.secrets(), ["Bearer s3cr3t", "pw9", "s3cr3t", "t0k"]);
        let shown = format!("{hook:?} {}", hook.describe());
        for secret in hook
            .secrets()
            .iter()
            .map(String::as_str)
            .chain(["plain-value"])
        {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("Authorization"), "{shown}");
        assert_eq!(
            hook.describe(),
            "promote hook \"notify\" (webhook https://***@example.com/h?token=***)"
        );
        // An invalid hook still lists its header secrets.
        let bad = webhook("nope://", &[("X-Api-Key", "k3y")]);
        assert_eq!(bad.secrets(), ["k3y"]);
        assert_eq!(
            command("./smoke.sh --fast\nmore").describe(),
            "pre-analysis hook \"smoke\" (command ./smoke.sh --fast …)"
        );
    }

    #[test]
    fn phases_parse_from_their_names() {
        for phase in Phase::ALL {
            assert_eq!(phase.as_str().parse::<Phase>().unwrap(), phase);
        }
        assert_eq!(
            "post-rollout".parse::<Phase>().unwrap_err().to_string(),
            "unknown hook phase \"post-rollout\" (expected pre-analysis, step, promote or rollback)"
        );
    }

    #[test]
    fn phases_have_gantry_and_flagger_names() {
        let names: Vec<(&str, &str)> = Phase::ALL
            .iter()
            .map(|p| (p.as_str(), p.flagger_phase()))
            .collect();
        assert_eq!(
            names,
            [
                ("pre-analysis", "Progressing"),
                ("step", "Progressing"),
                ("promote", "Succeeded"),
                ("rollback", "Failed"),
            ]
        );
    }
}
