//! `kubectl scale --replicas=N`: a workload's `spec.replicas`, written
//! with the `resourceVersion` read (redone on 409), unchanged when it is
//! already N. A DaemonSet has no replica count and is refused.

use std::fmt;

use serde_json::{Value, json};

use crate::api::{Edit, dynamic, update};
use crate::{Client, KubeError, WorkloadKind, WorkloadRef};

/// What a scale did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleOutcome {
    /// The workload.
    pub workload: WorkloadRef,
    /// Its replicas before (a missing `spec.replicas` is Kubernetes's 1).
    pub from: i64,
    /// Its replicas now.
    pub to: i64,
    /// Whether it was written.
    pub changed: bool,
}

impl fmt::Display for ScaleOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.changed {
            write!(
                f,
                "{} scaled from {} to {}",
                self.workload, self.from, self.to
            )
        } else {
            write!(f, "{} already has {} replica(s)", self.workload, self.to)
        }
    }
}

/// Set `workload`'s replicas to `replicas`.
pub async fn scale(
    client: &Client,
    workload: &WorkloadRef,
    replicas: i64,
) -> Result<ScaleOutcome, KubeError> {
    let object = workload.to_string();
    if workload.kind == WorkloadKind::DaemonSet {
        return Err(KubeError::Unsupported {
            object,
            message: "a DaemonSet runs one pod per node and has no replica count to scale"
                .to_owned(),
        });
    }
    if replicas < 0 {
        return Err(KubeError::Invalid {
            object,
            message: format!("cannot scale to {replicas} replicas"),
        });
    }
    let api = dynamic(client, &workload.kind.api_resource(), &workload.namespace);
    let (from, changed) = update(&api, &workload.name, &object, |value| {
        let from = value
            .pointer("/spec/replicas")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        if from == replicas {
            return Ok(Edit::Unchanged(from));
        }
        match value.get_mut("spec") {
            Some(Value::Object(spec)) => {
                spec.insert("replicas".to_owned(), json!(replicas));
            }
            _ => {
                return Err(KubeError::Decode {
                    object: object.clone(),
                    reason: "the object has no spec".to_owned(),
                });
            }
        }
        Ok(Edit::Changed(from))
    })
    .await?;
    Ok(ScaleOutcome {
        workload: workload.clone(),
        from,
        to: replicas,
        changed,
    })
}
