//! Requests with this crate's limits: a deadline on each (the client's
//! stack, [`crate::transport`]), bounded retries with back-off on 429,
//! 5xx and failed connections, lists read in pages, and writes as
//! read-modify-PUT guarded by the `resourceVersion` just read (409 means
//! someone else wrote in between: read again and redo the change, a
//! bounded number of times).
//!
//! Objects travel as JSON values, not typed structs, so a write keeps
//! fields this crate's Kubernetes version does not know. Requests are
//! sent raw (`Client::send`) and their answers judged here, by HTTP
//! status: kube's typed calls log a whole answer that does not parse at
//! `warn`, and take any JSON error body for a `Status`.

use std::future::Future;
use std::time::Duration;

use kube::Client;
use kube::api::{ApiResource, DynamicObject, GetParams, ListParams, PostParams};
use kube::core::Resource as _;
use serde_json::Value;

use crate::KubeError;

/// Tries of one request that fails with 429, 5xx or a failed connection.
pub const MAX_ATTEMPTS: u32 = 4;
/// Tries of one request that ran into its deadline: the server got one
/// more chance, not three, so a server that never answers ends a command
/// within two deadlines.
pub const MAX_TIMEOUT_ATTEMPTS: u32 = 2;
/// Writes tried while the object keeps changing under us (409).
pub const MAX_CONFLICT_ATTEMPTS: u32 = 5;
/// Objects asked for per list page.
pub const PAGE_SIZE: u32 = 500;
/// A bound on paging, against a server that never stops.
const MAX_PAGES: usize = 200;

const FIRST_BACKOFF: Duration = Duration::from_millis(200);

/// Run `call`, retrying transient failures.
pub(crate) async fn request<T, F, Fut>(object: &str, mut call: F) -> Result<T, KubeError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, KubeError>>,
{
    let mut attempt = 1;
    let mut timeouts = 0;
    loop {
        let result = match call().await {
            Ok(value) => return Ok(value),
            Err(err) => err,
        };
        if matches!(result, KubeError::Timeout { .. }) {
            timeouts += 1;
        }
        if !result.is_transient() || attempt >= MAX_ATTEMPTS || timeouts >= MAX_TIMEOUT_ATTEMPTS {
            return Err(result);
        }
        tracing::debug!(%object, attempt, error = %result, "retrying");
        tokio::time::sleep(FIRST_BACKOFF * 2u32.pow(attempt - 1)).await;
        attempt += 1;
    }
}

/// The error an answer that is not a success is. An API server's error
/// is a `Status` object: classified by its HTTP status, with its message.
/// Any other body (a proxy's page, a server that is not Kubernetes) says
/// nothing about the object: an outside failure naming the server.
fn answer_error(object: &str, server: &str, status: u16, body: &[u8]) -> KubeError {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let Some(kube_status) = parsed
        .as_ref()
        .filter(|v| v.get("kind").and_then(Value::as_str) == Some("Status"))
    else {
        return KubeError::NotKubernetes {
            object: object.to_owned(),
            server: server.to_owned(),
            status,
            message: crate::error::short(&String::from_utf8_lossy(body)),
        };
    };
    let message = ["message", "reason"]
        .iter()
        .filter_map(|key| kube_status.get(*key).and_then(Value::as_str))
        .find(|m| !m.trim().is_empty())
        .unwrap_or_default();
    crate::error::from_status(object.to_owned(), status, crate::error::short(message))
}

/// The objects of one resource in one namespace.
#[derive(Clone)]
pub(crate) struct Dynamic {
    client: Client,
    request: kube::core::Request,
}

/// A namespaced API for `resource`.
pub(crate) fn dynamic(client: &Client, resource: &ApiResource, namespace: &str) -> Dynamic {
    Dynamic {
        client: client.clone(),
        request: kube::core::Request::new(DynamicObject::url_path(resource, Some(namespace))),
    }
}

/// Send `build`'s request (with retries) and parse the answer as JSON.
async fn send(
    api: &Dynamic,
    object: &str,
    build: impl Fn(&kube::core::Request) -> Result<http::Request<Vec<u8>>, kube::core::request::Error>,
) -> Result<Value, KubeError> {
    let body = request(object, || async {
        let built = build(&api.request).map_err(|err| KubeError::Client {
            object: object.to_owned(),
            reason: err.to_string(),
        })?;
        let response = api
            .client
            .send(built.map(kube::client::Body::from))
            .await
            .map_err(|err| KubeError::from_kube(object, err))?;
        let status = response.status().as_u16();
        let server = response
            .extensions()
            .get::<crate::transport::ServedBy>()
            .map(|s| s.0.clone())
            .unwrap_or_else(|| "(unknown)".to_owned());
        let body = response
            .into_body()
            .collect_bytes()
            .await
            .map_err(|err| KubeError::from_kube(object, err))?;
        if (200..300).contains(&status) {
            Ok(body)
        } else {
            Err(answer_error(object, &server, status, &body))
        }
    })
    .await?;
    let value: Value = serde_json::from_slice(&body).map_err(|err| KubeError::Decode {
        object: object.to_owned(),
        reason: format!("not JSON ({err})"),
    })?;
    if !value.is_object() {
        return Err(KubeError::Decode {
            object: object.to_owned(),
            reason: "not a JSON object".to_owned(),
        });
    }
    Ok(value)
}

/// Read one object as JSON.
pub(crate) async fn get(api: &Dynamic, name: &str, object: &str) -> Result<Value, KubeError> {
    send(api, object, |r| r.get(name, &GetParams::default())).await
}

/// List objects (by label selector when not empty) as JSON, every page.
pub(crate) async fn list(
    api: &Dynamic,
    selector: &str,
    object: &str,
) -> Result<Vec<Value>, KubeError> {
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut params = ListParams::default().limit(PAGE_SIZE);
        if !selector.is_empty() {
            params = params.labels(selector);
        }
        if let Some(t) = &token {
            params = params.continue_token(t);
        }
        let mut page = send(api, object, |r| r.list(&params)).await?;
        match page.get_mut("items").map(Value::take) {
            Some(Value::Array(found)) => items.extend(found),
            Some(Value::Null) | None => {}
            Some(_) => {
                return Err(KubeError::Decode {
                    object: object.to_owned(),
                    reason: "its items are not a list".to_owned(),
                });
            }
        }
        let next = page
            .pointer("/metadata/continue")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        match next {
            None => return Ok(items),
            Some(next) if token.as_ref() == Some(&next) => {
                return Err(KubeError::Decode {
                    object: object.to_owned(),
                    reason: "the same continue token came back twice".to_owned(),
                });
            }
            Some(next) => token = Some(next),
        }
    }
    Err(KubeError::Decode {
        object: object.to_owned(),
        reason: format!("more than {MAX_PAGES} pages"),
    })
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
    api: &Dynamic,
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
    api: &Dynamic,
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
    let body = serde_json::to_vec(value).map_err(|err| KubeError::Decode {
        object: object.to_owned(),
        reason: err.to_string(),
    })?;
    let params = PostParams::default();
    send(api, object, |r| r.replace(name, &params, body.clone())).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_answers_are_the_api_servers_only_with_a_status() {
        let status = |code: u16, reason: &str| {
            serde_json::to_vec(&serde_json::json!({
                "kind": "Status", "apiVersion": "v1", "status": "Failure",
                "message": format!("deployments.apps \"web\" {reason}"), "reason": reason, "code": code,
            }))
            .unwrap_or_default()
        };
        let table: [(u16, Vec<u8>, &str, bool); 5] = [
            (
                404,
                status(404, "not found"),
                "deployment prod/web not found",
                true,
            ),
            (
                403,
                status(403, "forbidden"),
                "access denied (HTTP 403): deployments.apps \"web\" forbidden",
                true,
            ),
            (503, status(503, "unavailable"), "answered HTTP 503", false),
            (
                404,
                b"{\"error\":\"not found\"}".to_vec(),
                "the server at https://10.0.0.1:6443 answered HTTP 404 without a Kubernetes Status object",
                false,
            ),
            (
                502,
                b"<html>\n<body>Bad Gateway</body></html>".to_vec(),
                "answered HTTP 502 without a Kubernetes Status object (is it a Kubernetes API server?): <html>",
                false,
            ),
        ];
        for (code, body, words, input) in table {
            let err = answer_error("deployment prod/web", "https://10.0.0.1:6443", code, &body);
            let text = err.to_string();
            assert!(text.contains(words), "{code}: {text}");
            assert_eq!(err.is_input_error(), input, "{code}: {text}");
        }
    }
}
