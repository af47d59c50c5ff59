//! Canary steps on Cloud Run: a [`TrafficShifter`] that splits a
//! service's traffic between a canary revision and a stable revision.

use futures_util::future::BoxFuture;
use gantry_traffic::{ShiftError, Shifted, TrafficShifter, Weight};

use crate::client::CloudRun;
use crate::error::Error;
use crate::plan::{canary_split, describe};

/// Gives the canary revision its weight and the stable revision the rest;
/// the service's other revisions get nothing (their tags are kept).
#[derive(Debug, Clone)]
pub struct CloudRunShifter {
    client: CloudRun,
    canary_revision: String,
    stable_revision: String,
}

impl CloudRunShifter {
    /// A shifter for two revisions of `client`'s service (short or full
    /// names; they must differ). Whether they exist and are Ready is
    /// checked on every shift, before anything is written.
    pub fn new(
        client: CloudRun,
        canary_revision: &str,
        stable_revision: &str,
    ) -> Result<CloudRunShifter, Error> {
        let service = client.service_name();
        let canary_revision = service.short_revision(canary_revision)?;
        let stable_revision = service.short_revision(stable_revision)?;
        if canary_revision == stable_revision {
            return Err(Error::InvalidSplit {
                service: service.to_string(),
                reason: format!(
                    "the canary and stable revisions are both {canary_revision}; a canary needs two revisions"
                ),
            });
        }
        Ok(CloudRunShifter {
            client,
            canary_revision,
            stable_revision,
        })
    }

    /// The canary revision (short name).
    pub fn canary_revision(&self) -> &str {
        &self.canary_revision
    }

    /// The stable revision (short name).
    pub fn stable_revision(&self) -> &str {
        &self.stable_revision
    }

    async fn shift(&self, weight: Weight) -> Result<Shifted, ShiftError> {
        let split = canary_split(&self.canary_revision, &self.stable_revision, weight);
        let change = self.client.set_traffic(&split).await.map_err(|e| {
            let target = self.describe();
            let message = e.to_string();
            if e.is_input_error() {
                ShiftError::Invalid { target, message }
            } else {
                ShiftError::Failed { target, message }
            }
        })?;
        let now = format!(
            "{} {}, {} {}",
            self.canary_revision,
            weight.canary(),
            self.stable_revision,
            weight.stable()
        );
        let detail = if change.changed {
            format!(
                "{}: {now} (was {})",
                self.describe(),
                describe(&change.before)
            )
        } else {
            format!("{}: already {now}", self.describe())
        };
        Ok(Shifted {
            detail,
            changed: change.changed,
        })
    }
}

impl TrafficShifter for CloudRunShifter {
    fn describe(&self) -> String {
        format!("Cloud Run service {}", self.client.service_name())
    }

    fn set_canary_weight(&self, weight: Weight) -> BoxFuture<'_, Result<Shifted, ShiftError>> {
        Box::pin(self.shift(weight))
    }
}
