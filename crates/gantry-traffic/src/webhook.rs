//! A user's webhook sets the weight: `POST {"canaryWeight": N,
//! "stableWeight": M, …}` (whole percent), with any extra fields the
//! caller adds (the canary's name, namespace, version). A 2xx answer means
//! shifted; another status, a timeout or no answer is a failed shift.
//!
//! Whether a repeated call changes anything is the target's business:
//! every call reports `changed`.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::future::BoxFuture;

use crate::post::Endpoint;
use crate::{ShiftError, Shifted, TrafficShifter, Weight};

/// Shifts traffic by calling a webhook.
#[derive(Debug, Clone)]
pub struct WebhookShifter {
    client: reqwest::Client,
    endpoint: Endpoint,
    fields: serde_json::Map<String, serde_json::Value>,
}

impl WebhookShifter {
    /// A shifter calling `url` with `headers`, each call limited to
    /// `timeout`; refuses a bad URL, header or timeout (bad input).
    pub fn new(
        client: reqwest::Client,
        url: &str,
        headers: &BTreeMap<String, String>,
        timeout: Duration,
    ) -> Result<WebhookShifter, ShiftError> {
        let endpoint = Endpoint::new(url, headers, timeout).map_err(|err| ShiftError::Invalid {
            target: "traffic webhook".to_owned(),
            message: err.to_string(),
        })?;
        Ok(WebhookShifter {
            client,
            endpoint,
            fields: serde_json::Map::new(),
        })
    }

    /// Send `key: value` in every payload too (`name`, `namespace`,
    /// `version`); `canaryWeight` and `stableWeight` cannot be replaced.
    pub fn with_field(mut self, key: &str, value: impl Into<serde_json::Value>) -> WebhookShifter {
        if !matches!(key, "canaryWeight" | "stableWeight") {
            self.fields.insert(key.to_owned(), value.into());
        }
        self
    }

    /// The webhook.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The body sent for `weight`.
    pub fn payload(&self, weight: Weight) -> serde_json::Value {
        let mut body = serde_json::Map::new();
        body.insert("canaryWeight".to_owned(), weight.canary().into());
        body.insert("stableWeight".to_owned(), weight.stable().into());
        for (key, value) in &self.fields {
            body.insert(key.clone(), value.clone());
        }
        serde_json::Value::Object(body)
    }

    async fn shift(&self, weight: Weight) -> Result<Shifted, ShiftError> {
        let answer = self
            .endpoint
            .post_json(&self.client, &self.payload(weight))
            .await;
        if !answer.is_success() {
            return Err(ShiftError::Failed {
                target: self.describe(),
                message: answer.summary(),
            });
        }
        let summary = answer.summary();
        Ok(Shifted {
            detail: format!(
                "{}: canary {weight}, stable {}% ({summary})",
                self.describe(),
                weight.stable()
            ),
            changed: true,
        })
    }
}

impl TrafficShifter for WebhookShifter {
    fn describe(&self) -> String {
        format!("webhook {}", self.endpoint.display_url())
    }

    fn set_canary_weight(&self, weight: Weight) -> BoxFuture<'_, Result<Shifted, ShiftError>> {
        Box::pin(self.shift(weight))
    }
}
