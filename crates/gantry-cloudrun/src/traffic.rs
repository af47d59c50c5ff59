//! Changing the split: read the service, decide, PATCH `traffic` with
//! the etag just read, wait for the operation; on an etag conflict,
//! read again and decide again.

use reqwest::Method;
use serde_json::json;

use crate::client::CloudRun;
use crate::error::Error;
use crate::model::{Operation, Revision, Service, TrafficTarget};
use crate::plan::{
    check_revisions, describe, previous_ready, same_split, serving, validate_split, with_tags,
};
use crate::retry::unit_random;

/// What a traffic change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrafficChange {
    /// The service's full name.
    pub service: String,
    /// The split before.
    pub before: Vec<TrafficTarget>,
    /// The split after (the same as `before` when nothing changed).
    pub after: Vec<TrafficTarget>,
    /// Whether a change was made.
    pub changed: bool,
    /// The long-running operation of the change.
    pub operation: Option<String>,
}

impl TrafficChange {
    /// One line: `projects/…/services/web: web-2 100 (was web-1 100)`.
    pub fn detail(&self) -> String {
        if self.changed {
            format!(
                "{}: {} (was {})",
                self.service,
                describe(&self.after),
                describe(&self.before)
            )
        } else {
            format!("{}: already {}", self.service, describe(&self.before))
        }
    }
}

/// What a rollback did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollbackOutcome {
    /// The revision that now has all the traffic (short name).
    pub revision: String,
    /// The change (`changed: false` when it already had it all).
    pub change: TrafficChange,
}

impl RollbackOutcome {
    /// Whether anything was changed.
    pub fn changed(&self) -> bool {
        self.change.changed
    }

    /// One line for the log.
    pub fn detail(&self) -> String {
        if self.change.changed {
            format!(
                "rolled {} back to {}: 100% (was {})",
                self.change.service,
                self.revision,
                describe(&self.change.before)
            )
        } else {
            format!(
                "{} already sends 100% to {}; nothing to roll back",
                self.change.service, self.revision
            )
        }
    }
}

/// What to do with the service as just read.
struct Plan {
    desired: Vec<TrafficTarget>,
    already: bool,
}

impl CloudRun {
    /// The split as written (an empty one spelt out as 100% latest).
    pub async fn traffic(&self) -> Result<Vec<TrafficTarget>, Error> {
        Ok(self.service().await?.split())
    }

    /// Set the split to `targets` and wait until Cloud Run has applied it.
    /// Revisions may be given by short or full name. The percents must
    /// add up to 100 and each revision must exist and, when it gets
    /// traffic, be Ready: checked before anything is written. Tags on
    /// the current split are kept ([`crate::with_tags`]). Nothing is
    /// written when the split is already that.
    pub async fn set_traffic(&self, targets: &[TrafficTarget]) -> Result<TrafficChange, Error> {
        let service = &self.inner.service;
        let targets = targets
            .iter()
            .map(|t| {
                Ok(TrafficTarget {
                    revision: t
                        .revision
                        .as_deref()
                        .map(|r| service.short_revision(r))
                        .transpose()?,
                    ..t.clone()
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        validate_split(service, &targets)?;
        let revisions = self.revisions().await?;
        check_revisions(service, &targets, &revisions)?;
        self.update(|current| {
            Ok(Plan {
                already: same_split(&current.split(), &targets),
                desired: targets.clone(),
            })
        })
        .await
    }

    /// Send all the traffic back to the previous ready revision: the
    /// newest Ready revision older than the latest one
    /// ([`crate::previous_ready`]). Nothing is written when it already
    /// serves all the traffic; an input error when there is none.
    pub async fn rollback_to_previous(&self) -> Result<RollbackOutcome, Error> {
        let revisions = self.revisions().await?;
        let service = &self.inner.service;
        let mut chosen = String::new();
        let change = self
            .update(|current| {
                let target = previous_ready(service, &revisions, current.latest_created())?;
                chosen = target.short_name().to_owned();
                Ok(all_to(current, &chosen))
            })
            .await?;
        Ok(RollbackOutcome {
            revision: chosen,
            change,
        })
    }

    /// Send all the traffic to `revision` (short or full name), which
    /// must exist and be Ready. Nothing is written when it already serves
    /// all the traffic.
    pub async fn rollback_to(&self, revision: &str) -> Result<RollbackOutcome, Error> {
        let service = &self.inner.service;
        let short = service.short_revision(revision)?;
        let revisions: Vec<Revision> = self.revisions().await?;
        check_revisions(service, &[TrafficTarget::revision(&short, 100)], &revisions)?;
        let change = self.update(|current| Ok(all_to(current, &short))).await?;
        Ok(RollbackOutcome {
            revision: short,
            change,
        })
    }

    /// Read, plan, write with the etag read, wait; again on a conflict.
    async fn update(
        &self,
        mut plan: impl FnMut(&Service) -> Result<Plan, Error>,
    ) -> Result<TrafficChange, Error> {
        let name = self.inner.service.to_string();
        let attempts = self.inner.config.conflict_attempts.max(1);
        for attempt in 1..=attempts {
            let current = self.service().await?;
            let before = current.split();
            let Plan { desired, already } = plan(&current)?;
            if already {
                return Ok(TrafficChange {
                    service: name,
                    after: before.clone(),
                    before,
                    changed: false,
                    operation: None,
                });
            }
            let mut body = json!({
                "name": name,
                "traffic": with_tags(&before, &desired),
            });
            if let Some(etag) = &current.etag {
                body["etag"] = json!(etag);
            }
            let url = self.url(&name, &[("updateMask", "traffic")])?;
            let reply = self.send(Method::PATCH, url, Some(&body)).await?;
            if reply.is_conflict() {
                if attempt < attempts {
                    let wait = self.inner.config.retry.backoff(attempt, unit_random());
                    tracing::info!(service = %name, attempt, ?wait, "etag conflict; reading the service again");
                    tokio::time::sleep(wait).await;
                    continue;
                }
                return Err(Error::Conflict {
                    service: name,
                    attempts,
                });
            }
            if !reply.ok() {
                return Err(reply.error());
            }
            let operation: Operation = reply.json()?;
            let done = self.wait(operation).await?;
            let after = match done
                .response
                .clone()
                .and_then(|v| serde_json::from_value::<Service>(v).ok())
            {
                Some(service) => service.split(),
                None => self.service().await?.split(),
            };
            tracing::info!(service = %name, split = %describe(&after), "traffic changed");
            return Ok(TrafficChange {
                service: name,
                before,
                after,
                changed: true,
                operation: Some(done.name),
            });
        }
        Err(Error::Conflict {
            service: name,
            attempts,
        })
    }
}

/// All the traffic to `revision`, already so when that is what serves.
fn all_to(current: &Service, revision: &str) -> Plan {
    Plan {
        already: serving(current) == [(revision.to_owned(), 100)],
        desired: vec![TrafficTarget::revision(revision, 100)],
    }
}
