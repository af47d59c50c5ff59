//! API errors as the API server writes them: a `Status` object with the
//! real `reason`, `code`, `message` and `details`.

use serde_json::{Value, json};

use super::resources::Resource;
use crate::fault_server::Fault;

/// A failed request: HTTP status and the `Status` body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub code: u16,
    pub body: Value,
}

/// One invalid field: `(field, cause reason, message)`.
pub(crate) type FieldError = (String, &'static str, String);

impl ApiError {
    /// A `Status` with `code`, `reason`, `message` and `details`.
    pub(crate) fn new(code: u16, reason: &str, message: &str, details: Option<Value>) -> Self {
        let mut body = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "code": code,
        });
        if let Some(details) = details {
            body["details"] = details;
        }
        ApiError { code, body }
    }

    fn details(resource: &Resource, name: &str) -> Value {
        let mut details = json!({"name": name});
        if !resource.group.is_empty() {
            details["group"] = json!(resource.group);
        }
        details["kind"] = json!(resource.plural);
        details
    }

    /// 404 `deployments.apps "web" not found`.
    pub(crate) fn not_found(resource: &Resource, name: &str) -> Self {
        Self::new(
            404,
            "NotFound",
            &format!("{} \"{name}\" not found", resource.group_resource()),
            Some(Self::details(resource, name)),
        )
    }

    /// 404 for a path that names nothing served.
    pub(crate) fn no_such_path() -> Self {
        Self::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
            Some(json!({})),
        )
    }

    /// 409 `deployments.apps "web" already exists`.
    pub(crate) fn already_exists(resource: &Resource, name: &str) -> Self {
        Self::new(
            409,
            "AlreadyExists",
            &format!("{} \"{name}\" already exists", resource.group_resource()),
            Some(Self::details(resource, name)),
        )
    }

    /// 409 optimistic-concurrency conflict, with the server's message.
    pub(crate) fn conflict(resource: &Resource, name: &str) -> Self {
        Self::new(
            409,
            "Conflict",
            &format!(
                "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                resource.group_resource()
            ),
            Some(Self::details(resource, name)),
        )
    }

    /// 422 `Deployment.apps "web" is invalid: …`, one cause per field.
    pub(crate) fn invalid(resource: &Resource, name: &str, errors: &[FieldError]) -> Self {
        let each: Vec<String> = errors
            .iter()
            .map(|(field, _, message)| format!("{field}: {message}"))
            .collect();
        let joined = if each.len() == 1 {
            each.join("")
        } else {
            format!("[{}]", each.join(", "))
        };
        let causes: Vec<Value> = errors
            .iter()
            .map(|(field, reason, message)| {
                json!({"reason": reason, "message": message, "field": field})
            })
            .collect();
        let mut details = json!({"name": name});
        if !resource.group.is_empty() {
            details["group"] = json!(resource.group);
        }
        details["kind"] = json!(resource.kind);
        details["causes"] = Value::Array(causes);
        Self::new(
            422,
            "Invalid",
            &format!("{} \"{name}\" is invalid: {joined}", resource.group_kind()),
            Some(details),
        )
    }

    /// 400 BadRequest.
    pub(crate) fn bad_request(message: &str) -> Self {
        Self::new(400, "BadRequest", message, None)
    }

    /// 401 for a missing or wrong bearer token.
    pub(crate) fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized", None)
    }

    /// 405 for a verb the resource does not serve.
    pub(crate) fn method_not_allowed() -> Self {
        Self::new(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
            Some(json!({})),
        )
    }

    /// 415 for a body type the endpoint does not take.
    pub(crate) fn unsupported_media_type(accepted: &[&str]) -> Self {
        Self::new(
            415,
            "UnsupportedMediaType",
            &format!(
                "the body of the request was in an unknown format - accepted media types include: {}",
                accepted.join(", ")
            ),
            None,
        )
    }

    /// 410 Expired for a watch from a compacted resourceVersion.
    pub(crate) fn expired(requested: u64, oldest: u64) -> Self {
        Self::new(
            410,
            "Expired",
            &format!("too old resource version: {requested} ({oldest})"),
            None,
        )
    }

    /// The message, for `io::Error`s of the in-process API.
    pub(crate) fn message(&self) -> String {
        self.body["message"].as_str().unwrap_or_default().to_owned()
    }

    /// The reason (`NotFound`, `Conflict`, …).
    pub(crate) fn reason(&self) -> &str {
        self.body["reason"].as_str().unwrap_or_default()
    }

    /// As an `io::Error` for the in-process API (`FakeKube::create`, …).
    pub(crate) fn into_io(self) -> std::io::Error {
        let kind = match self.code {
            404 => std::io::ErrorKind::NotFound,
            409 if self.reason() == "AlreadyExists" => std::io::ErrorKind::AlreadyExists,
            400 | 422 => std::io::ErrorKind::InvalidInput,
            _ => std::io::ErrorKind::Other,
        };
        std::io::Error::new(
            kind,
            format!("{} ({} {})", self.message(), self.code, self.reason()),
        )
    }
}

/// A canned `Status` answer for [`FakeKube::inject`](super::FakeKube::inject):
/// `code` with `reason` and `message`, as the API server writes it.
pub fn status_fault(code: u16, reason: &str, message: &str) -> Fault {
    Fault::status(code)
        .header("Content-Type", "application/json")
        .body(ApiError::new(code, reason, message, None).body.to_string())
}

/// 429 TooManyRequests with `Retry-After: secs`, as API priority and
/// fairness answers when a client is throttled.
pub fn too_many_requests(secs: u64) -> Fault {
    let error = ApiError::new(
        429,
        "TooManyRequests",
        "Too many requests, please try again later.",
        Some(json!({"retryAfterSeconds": secs})),
    );
    Fault::status(429)
        .header("Content-Type", "application/json")
        .header("Retry-After", &secs.to_string())
        .body(error.body.to_string())
}

/// 503 ServiceUnavailable, as an API server that is starting or
/// overloaded answers.
pub fn service_unavailable() -> Fault {
    status_fault(
        503,
        "ServiceUnavailable",
        "the server is currently unable to handle the request",
    )
}

/// 500 InternalError.
pub fn internal_error(message: &str) -> Fault {
    status_fault(
        500,
        "InternalError",
        &format!("Internal error occurred: {message}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::resources::by_kind;

    #[test]
    fn writes_the_api_servers_messages() {
        let d = by_kind("Deployment").unwrap();
        let e = ApiError::conflict(d, "web");
        assert_eq!(e.code, 409);
        assert_eq!(
            e.message(),
            "Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified; please apply your changes to the latest version and try again"
        );
        assert_eq!(
            e.body["details"],
            json!({"name": "web", "group": "apps", "kind": "deployments"})
        );
        let p = by_kind("Pod").unwrap();
        assert_eq!(
            ApiError::not_found(p, "x").body["details"],
            json!({"name": "x", "kind": "pods"})
        );
        let one = ApiError::invalid(
            d,
            "web",
            &[(
                "spec.replicas".into(),
                "FieldValueInvalid",
                "Invalid value: -1: must be greater than or equal to 0".into(),
            )],
        );
        assert_eq!(
            one.message(),
            "Deployment.apps \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
        );
        assert_eq!(one.body["details"]["kind"], "Deployment");
        let two = ApiError::invalid(
            p,
            "x",
            &[
                ("a".into(), "FieldValueRequired", "Required value".into()),
                ("b".into(), "FieldValueRequired", "Required value".into()),
            ],
        );
        assert_eq!(
            two.message(),
            "Pod \"x\" is invalid: [a: Required value, b: Required value]"
        );
    }
}
