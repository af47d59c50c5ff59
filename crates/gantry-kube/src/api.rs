//! Requests with this crate's limits: a timeout on each, bounded retries
//! with back-off on 429, 5xx and failed connections, and writes as
//! read-modify-PUT guarded by the `resourceVersion` just read (409 means
//! someone else wrote in between: read again and redo the change, a
//! bounded number of times).
//!
//! Objects travel as JSON values, not typed structs, so a write keeps
//! fields this crate's Kubernetes version does not know.

use std::future::Future;
use std::time::Duration;

use kube::Client;
use kube::api::{Api, ApiResource, DynamicObject, ListParams, PostParams};
use serde_json::Value;

use crate::KubeError;

/// The longest one request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Tries of one request that fails with 429, 5xx or a failed connection.
pub const MAX_ATTEMPTS: u32 = 4;
/// Writes tried while the object keeps changing under us (409).
pub const MAX_CONFLICT_ATTEMPTS: u32 = 5;

const FIRST_BACKOFF: Duration = Duration::from_millis(200);

/// Run `call` with the timeout, retrying transient failures.
pub(crate) async fn request<T, F, Fut>(object: &str, mut call: F) -> Result<T, KubeError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, kube::Error>>,
{
    let mut attempt = 1;
    loop {
        let result = match tokio::time::timeout(REQUEST_TIMEOUT, call()).await {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(err)) => KubeError::from_kube(object, err),
            Err(_) => KubeError::Timeout {
                object: object.to_owned(),
                after: REQUEST_TIMEOUT,
            },
        };
        if !result.is_transient() || attempt >= MAX_ATTEMPTS {
            return Err(result);
        }
        tracing::debug!(%object, attempt, error = %result, "retrying");
        tokio::time::sleep(FIRST_BACKOFF * 2u32.pow(attempt - 1)).await;
        attempt += 1;
    }
}

/// A namespaced API for `resource`.
pub(crate) fn dynamic(
    client: &Client,
    resource: &ApiResource,
    namespace: &str,
) -> Api<DynamicObject> {
    Api::namespaced_with(client.clone(), namespace, resource)
}

/// Read one object as JSON.
pub(crate) async fn get(
    api: &Api<DynamicObject>,
    name: &str,
    object: &str,
) -> Result<Value, KubeError> {
    let found = request(object, || api.get(name)).await?;
    to_value(&found, object)
}

/// List objects (by label selector when not empty) as JSON.
pub(crate) async fn list(
    api: &Api<DynamicObject>,
    selector: &str,
    object: &str,
) -> Result<Vec<Value>, KubeError> {
    let params = if selector.is_empty() {
        ListParams::default()
    } else {
        ListParams::default().labels(selector)
    };
    let found = request(object, || api.list(&params)).await?;
    found.items.iter().map(|o| to_value(o, object)).collect()
}

/// Read a typed object from its JSON.
pub(crate) fn typed<T: serde::de::DeserializeOwned>(
    value: &Value,
    object: &str,
) -> Result<T, KubeError> {
    serde_json::from_value(value.clone()).map_err(|err| KubeError::Decode {
        object: object.to_owned(),
        reason: err.to_string(),
    })
}

fn to_value(found: &DynamicObject, object: &str) -> Result<Value, KubeError> {
    serde_json::to_value(found).map_err(|err| KubeError::Decode {
        object: object.to_owned(),
        reason: err.to_string(),
    })
}

/// What a change function decided about the object it was given.
pub(crate) enum Edit<R> {
    /// Nothing to write: it already is as wanted.
    Unchanged(R),
    /// Write the (changed) object.
    Changed(R),
}

/// Read `name`, let `change` edit it, and PUT it back with the
/// `resourceVersion` read; on 409 start over, at most
/// [`MAX_CONFLICT_ATTEMPTS`] times. Returns `change`'s result and whether
/// anything was written.
pub(crate) async fn update<R>(
    api: &Api<DynamicObject>,
    name: &str,
    object: &str,
    mut change: impl FnMut(&mut Value) -> Result<Edit<R>, KubeError>,
) -> Result<(R, bool), KubeError> {
    for _ in 0..MAX_CONFLICT_ATTEMPTS {
        let mut value = get(api, name, object).await?;
        let result = match change(&mut value)? {
            Edit::Unchanged(result) => return Ok((result, false)),
            Edit::Changed(result) => result,
        };
        match replace(api, name, object, &value).await {
            Ok(()) => return Ok((result, true)),
            Err(KubeError::Conflict { .. }) => {
                tracing::debug!(%object, "conflict; reading again");
            }
            Err(err) => return Err(err),
        }
    }
    Err(KubeError::Conflict {
        object: object.to_owned(),
        attempts: MAX_CONFLICT_ATTEMPTS,
    })
}

/// PUT `value` (as read and changed, with its `resourceVersion`) back:
/// [`KubeError::Conflict`] when the object changed since it was read.
pub(crate) async fn replace(
    api: &Api<DynamicObject>,
    name: &str,
    object: &str,
    value: &Value,
) -> Result<(), KubeError> {
    if value
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .is_none()
    {
        return Err(KubeError::Decode {
            object: object.to_owned(),
            reason: "the object has no metadata.resourceVersion".to_owned(),
        });
    }
    let body: DynamicObject = typed(value, object)?;
    let params = PostParams::default();
    request(object, || api.replace(name, &params, &body)).await?;
    Ok(())
}
