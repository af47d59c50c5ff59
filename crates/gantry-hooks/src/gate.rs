//! Webhooks that steer the analysis rather than run beside it.
//!
//! - [`AbortWebhook`] (Flagger's `rollback` hook): polled every interval;
//!   a 2xx answer means "abort now", and the canary rolls back at once. A
//!   4xx answer (404 included) means "carry on". A timeout, a 5xx or no
//!   answer says nothing about the canary: it is an error the caller
//!   counts as a provider error, never as an abort.
//! - [`ConfirmWebhook`] (Flagger's `confirm-rollout` and
//!   `confirm-promotion`): polled until it answers 2xx (go ahead) or the
//!   wait runs out; anything else means "not yet".

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant};

use gantry_traffic::post::{Answer, Endpoint, WebhookError};

use crate::context::HookContext;
use crate::error::HookError;
use crate::hook::{masked, shown_url, webhook_secrets};

/// A webhook call's default time limit.
pub const DEFAULT_WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// Characters of an abort reason kept from the answer.
const MAX_REASON: usize = 200;

/// The "abort now" webhook.
#[derive(Clone, PartialEq, Eq)]
pub struct AbortWebhook {
    /// `http://` or `https://`.
    pub url: String,
    /// Request headers; their values are never printed.
    pub headers: BTreeMap<String, String>,
    /// Time limit of one poll.
    pub timeout: Duration,
}

/// What one poll of the abort webhook said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AbortPoll {
    /// 2xx: roll back now, for this reason (`abort webhook answered 200:
    /// bad deploy`, with the answer's first line or its JSON `reason` or
    /// `message`).
    Abort(String),
    /// 4xx: carry on.
    Continue,
    /// No usable answer (timeout, 5xx, refused, a redirect not followed):
    /// a provider error, not an abort. One line saying what happened.
    Error(String),
}

impl AbortWebhook {
    /// Check the URL, headers and timeout (bad input, exit 2).
    pub fn validate(&self) -> Result<(), HookError> {
        self.endpoint().map(|_| ()).map_err(HookError::Abort)
    }

    fn endpoint(&self) -> Result<Endpoint, WebhookError> {
        Endpoint::new(&self.url, &self.headers, self.timeout)
    }

    /// `abort webhook https://…`, secrets masked.
    pub fn describe(&self) -> String {
        format!("abort webhook {}", shown_url(&self.url))
    }

    /// Values that must never be printed.
    pub fn secrets(&self) -> Vec<String> {
        webhook_secrets(&self.url, &self.headers)
    }

    /// Ask once, with `ctx` in the payload (`gantryPhase` `abort`).
    pub async fn poll(&self, client: &reqwest::Client, ctx: &HookContext) -> AbortPoll {
        let endpoint = match self.endpoint() {
            Ok(endpoint) => endpoint,
            Err(err) => return AbortPoll::Error(HookError::Abort(err).to_string()),
        };
        let payload = ctx.payload("abort", "Progressing", "abort", &BTreeMap::new());
        let answer = endpoint.post_json(client, &payload).await;
        match answer.status() {
            Some(status) if (200..300).contains(&status) => {
                AbortPoll::Abort(abort_reason(status, answer.body()))
            }
            Some(status) if (400..500).contains(&status) => AbortPoll::Continue,
            _ => AbortPoll::Error(format!("abort webhook: {}", answer.summary())),
        }
    }
}

impl fmt::Debug for AbortWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortWebhook")
            .field("url", &shown_url(&self.url))
            .field("headers", &masked(&self.headers))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Why the abort webhook says to abort: its JSON `reason` or `message`,
/// else the first line of its body, bounded.
fn abort_reason(status: u16, body: &str) -> String {
    let from_json = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|value| {
            ["reason", "message"].iter().find_map(|key| {
                value
                    .get(key)
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned)
            })
        });
    let said = from_json
        .as_deref()
        .and_then(|text| gantry_traffic::exec::first_line(text, MAX_REASON))
        .or_else(|| gantry_traffic::exec::first_line(body, MAX_REASON));
    match said {
        Some(said) => format!("abort webhook answered {status}: {said}"),
        None => format!("abort webhook answered {status}"),
    }
}

/// A gate that must answer 2xx before the canary goes on.
#[derive(Clone, PartialEq, Eq)]
pub struct ConfirmWebhook {
    /// `http://` or `https://`.
    pub url: String,
    /// Request headers; their values are never printed.
    pub headers: BTreeMap<String, String>,
    /// Time limit of one call.
    pub timeout: Duration,
}

/// How waiting at a confirm gate ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    /// It answered 2xx.
    Confirmed {
        /// Calls made, the last one included.
        polls: u32,
        /// Time spent waiting.
        waited: Duration,
    },
    /// The wait ran out first.
    NotConfirmed {
        /// Calls made.
        polls: u32,
        /// The last call's answer in one line (`HTTP 403 in 2 ms`).
        last: String,
    },
}

impl ConfirmWebhook {
    /// Check the URL, headers and timeout (bad input, exit 2).
    pub fn validate(&self) -> Result<(), HookError> {
        self.endpoint().map(|_| ()).map_err(HookError::Confirm)
    }

    fn endpoint(&self) -> Result<Endpoint, WebhookError> {
        Endpoint::new(&self.url, &self.headers, self.timeout)
    }

    /// `confirm webhook https://…`, secrets masked.
    pub fn describe(&self) -> String {
        format!("confirm webhook {}", shown_url(&self.url))
    }

    /// Values that must never be printed.
    pub fn secrets(&self) -> Vec<String> {
        webhook_secrets(&self.url, &self.headers)
    }

    /// Ask once (`gantryPhase` `confirm`): `Ok` on 2xx, else the answer
    /// in one line.
    pub async fn ask(&self, client: &reqwest::Client, ctx: &HookContext) -> Result<(), String> {
        let endpoint = self
            .endpoint()
            .map_err(|err| HookError::Confirm(err).to_string())?;
        let payload = ctx.payload("confirm", "Waiting", "confirm", &BTreeMap::new());
        let answer: Answer = endpoint.post_json(client, &payload).await;
        if answer.is_success() {
            Ok(())
        } else {
            Err(answer.summary())
        }
    }

    /// Ask every `every` until a 2xx answer or until `within` has passed
    /// (at least one call is made).
    pub async fn wait(
        &self,
        client: &reqwest::Client,
        ctx: &HookContext,
        every: Duration,
        within: Duration,
    ) -> Confirmation {
        let started = Instant::now();
        let mut polls = 0;
        loop {
            polls += 1;
            let last = match self.ask(client, ctx).await {
                Ok(()) => {
                    return Confirmation::Confirmed {
                        polls,
                        waited: started.elapsed(),
                    };
                }
                Err(last) => last,
            };
            let waited = started.elapsed();
            if waited >= within || self.endpoint().is_err() {
                return Confirmation::NotConfirmed { polls, last };
            }
            tokio::time::sleep(every.min(within - waited)).await;
        }
    }
}

impl fmt::Debug for ConfirmWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfirmWebhook")
            .field("url", &shown_url(&self.url))
            .field("headers", &masked(&self.headers))
            .field("timeout", &self.timeout)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abort_reasons_come_from_the_answer() {
        for (body, want) in [
            ("", "abort webhook answered 200"),
            ("  \n", "abort webhook answered 200"),
            (
                "bad deploy\nmore detail",
                "abort webhook answered 200: bad deploy",
            ),
            (
                r#"{"reason": "error budget burnt", "other": 1}"#,
                "abort webhook answered 200: error budget burnt",
            ),
            (
                r#"{"message": "paged"}"#,
                "abort webhook answered 200: paged",
            ),
            (
                r#"{"ok": true}"#,
                r#"abort webhook answered 200: {"ok": true}"#,
            ),
        ] {
            assert_eq!(abort_reason(200, body), want, "{body:?}");
        }
        let long = "x".repeat(1000);
        let reason = abort_reason(202, &long);
        assert_eq!(
            reason.chars().count(),
            "abort webhook answered 202: ".len() + MAX_REASON + 1
        );
        assert!(reason.ends_with('…'));
    }

    #[test]
    fn gates_validate_and_hide_secrets() {
        let abort = AbortWebhook {
            url: "https://example.com/abort?key=k3y".into(),
            headers: BTreeMap::from([("Authorization".into(), "Bearer t0k3n".into())]),
            timeout: DEFAULT_WEBHOOK_TIMEOUT,
        };
        assert!(abort.validate().is_ok());
        assert_eq!(abort.secrets(), ["Bearer t0k3n", "k3y", "t0k3n"]);
        let shown = format!("{abort:?} {}", abort.describe());
        assert!(
            !shown.contains("k3y") && !shown.contains("t0k3n"),
            "{shown}"
        );
        let bad = AbortWebhook {
            timeout: Duration::ZERO,
            ..abort.clone()
        };
        assert!(
            bad.validate().unwrap_err().to_string().starts_with(
                "abort webhook: invalid timeout for https://example.com/abort?key=***"
            )
        );
        let confirm = ConfirmWebhook {
            url: "mailto:x@example.com".into(),
            headers: BTreeMap::new(),
            timeout: DEFAULT_WEBHOOK_TIMEOUT,
        };
        assert!(
            confirm
                .validate()
                .unwrap_err()
                .to_string()
                .starts_with("confirm webhook: invalid URL")
        );
    }
}
