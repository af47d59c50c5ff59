//! `kubectl rollout undo` for Deployments, with kubectl's client-side
//! algorithm ([`choose_revision`]) and a write guarded by the
//! `resourceVersion` read (kubectl's own JSON patch is not guarded).

mod choose;
mod image_match;

pub use choose::{
    ANNOTATIONS_TO_SKIP, Choice, POD_TEMPLATE_HASH, REVISION_ANNOTATION, UNDONE_REVISION,
    UndoError, UndoTarget, choose_revision, rollback_annotations, templates_equal,
};
pub(crate) use choose::{controlled_by, revision_of};
pub use image_match::image_matches;

use k8s_openapi::api::apps::v1::Deployment;
use kube::Client;
use serde_json::Value;

use crate::api::{MAX_CONFLICT_ATTEMPTS, dynamic, get, replace, typed};
use crate::wait::owned_replica_set_values;
use crate::{KubeError, WorkloadKind, WorkloadRef};

/// What an undo did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoOutcome {
    /// The Deployment.
    pub deployment: WorkloadRef,
    /// The revision restored (or already there).
    pub revision: i64,
    /// Whether the Deployment was written (false when its template
    /// already was that revision's).
    pub changed: bool,
    /// kubectl's words: `rolled back to revision 2`, `skipped rollback
    /// (current template already matches revision 2)`.
    pub summary: String,
}

/// Undo `deployment` to `target`. Nothing is written when the revision
/// cannot be found, the Deployment is paused, or it already runs that
/// revision. The ReplicaSets are read again with the Deployment whenever
/// a write conflicts.
pub async fn undo(
    client: &Client,
    deployment: &WorkloadRef,
    target: &UndoTarget,
) -> Result<UndoOutcome, KubeError> {
    let object = deployment.to_string();
    if deployment.kind != WorkloadKind::Deployment {
        return Err(KubeError::Unsupported {
            object,
            message: "undo is supported for Deployments only".to_owned(),
        });
    }
    if let UndoTarget::Image(image) = target {
        crate::image::check_image_target(image)?;
    }
    let api = dynamic(
        client,
        &deployment.kind.api_resource(),
        &deployment.namespace,
    );
    for _ in 0..MAX_CONFLICT_ATTEMPTS {
        let mut value = get(&api, &deployment.name, &object).await?;
        let current: Deployment = typed(&value, &object)?;
        let history = owned_replica_set_values(client, deployment, &current).await?;
        let replica_sets: Vec<_> = history.iter().map(|(rs, _)| rs.clone()).collect();
        let choice =
            choose_revision(&current, &replica_sets, target).map_err(|reason| KubeError::Undo {
                object: object.clone(),
                reason,
            })?;
        let summary = choice.summary();
        let (revision, replica_set, annotations) = match choice {
            Choice::AlreadyAt { revision }
            | Choice::AlreadyUndone {
                current: revision, ..
            } => {
                return Ok(UndoOutcome {
                    deployment: deployment.clone(),
                    revision,
                    changed: false,
                    summary,
                });
            }
            Choice::Rollback {
                revision,
                replica_set,
                annotations,
                ..
            } => (revision, replica_set, annotations),
        };
        // The template as read, not through the typed struct: it keeps
        // fields this crate's Kubernetes version does not know.
        let raw = history
            .iter()
            .find(|(rs, _)| rs.metadata.name.as_deref() == Some(replica_set.as_str()))
            .map(|(_, raw)| raw);
        let mut template = raw
            .and_then(|raw| raw.pointer("/spec/template"))
            .cloned()
            .unwrap_or(Value::Null);
        if let Some(labels) = template
            .pointer_mut("/metadata/labels")
            .and_then(Value::as_object_mut)
        {
            labels.remove(POD_TEMPLATE_HASH);
        }
        value["spec"]["template"] = template;
        value["metadata"]["annotations"] =
            serde_json::to_value(&annotations).unwrap_or(Value::Null);
        match replace(&api, &deployment.name, &object, &value).await {
            Ok(()) => {
                return Ok(UndoOutcome {
                    deployment: deployment.clone(),
                    revision,
                    changed: true,
                    summary,
                });
            }
            Err(KubeError::Conflict { .. }) => tracing::debug!(%object, "conflict; reading again"),
            Err(err) => return Err(err),
        }
    }
    Err(KubeError::Conflict {
        object,
        attempts: MAX_CONFLICT_ATTEMPTS,
    })
}
