//! Traffic shifters for Kubernetes: each one reads its object, computes
//! the new weights with a pure function, and writes back only when
//! something differs (so setting the weight it has is a no-op that says
//! so), guarded by `resourceVersion` and retried on conflict.
//!
//! | shifter | what it edits |
//! |---|---|
//! | [`HttpRouteShifter`] | Gateway API `HTTPRoute` backendRef weights |
//! | [`NginxCanaryShifter`] | the canary Ingress's `canary-weight` annotation |
//! | [`VirtualServiceShifter`] | Istio `VirtualService` destination weights |
//! | [`ReplicaShifter`] | the replica counts of a stable and a canary Deployment |
//!
//! The custom resources are read as dynamic objects: no CRD crates.

mod httproute;
mod istio;
mod nginx;
mod replicas;

pub use httproute::{HttpRouteShifter, http_route_resource, set_route_weights};
pub use istio::{
    IstioDestination, VirtualServiceShifter, canonical_host, set_virtual_service_weights,
    virtual_service_resource,
};
pub use nginx::{
    CANARY_ANNOTATION, CANARY_WEIGHT_ANNOTATION, CANARY_WEIGHT_TOTAL_ANNOTATION,
    NginxCanaryShifter, set_canary_annotations,
};
pub use replicas::{ReplicaShifter, replica_split};

use gantry_traffic::Shifted;
use kube::Client;
use kube::api::ApiResource;
use serde_json::Value;

use crate::KubeError;
use crate::api::{Edit, dynamic, update};

/// What a pure weight function found: the weights before, and whether
/// the object changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightChange {
    /// One line for the weights now: `web-canary 25, web-stable 75`.
    pub now: String,
    /// The same for before: `10/90` (canary/stable).
    pub before: String,
    /// Whether the object was changed.
    pub changed: bool,
}

/// Read `name`, apply `plan` to it, write it back when it changed, and
/// say what happened as `target: …`.
pub(crate) async fn shift(
    client: &Client,
    resource: &ApiResource,
    namespace: &str,
    name: &str,
    target: &str,
    plan: impl Fn(&mut Value) -> Result<WeightChange, String>,
) -> Result<Shifted, KubeError> {
    let api = dynamic(client, resource, namespace);
    let (change, written) = update(&api, name, target, |value| {
        let change = plan(value).map_err(|message| KubeError::Invalid {
            object: target.to_owned(),
            message,
        })?;
        Ok(if change.changed {
            Edit::Changed(change)
        } else {
            Edit::Unchanged(change)
        })
    })
    .await?;
    Ok(shifted(target, &change, written))
}

pub(crate) fn shifted(target: &str, change: &WeightChange, written: bool) -> Shifted {
    Shifted {
        detail: if written {
            format!("{target}: {} (was {})", change.now, change.before)
        } else {
            format!("{target}: already {}", change.now)
        },
        changed: written,
    }
}
