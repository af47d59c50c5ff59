//! Create, replace and patch: admission (shape, defaults, validation),
//! optimistic concurrency, and the status subresource split.

use serde_json::{Value, json};

use super::api::{ApiResult, Scope, Sub, shaped};
use super::cluster::Cluster;
use super::defaults;
use super::patch::{JsonPatchError, json_patch, json_patch_paths, merge_patch};
use super::resources::Resource;
use super::scale;
use super::status::ApiError;
use super::strategic::strategic_merge;
use super::util::{at, now_rfc3339, object_at, random_suffix, random_uid, str_at};
use super::validate::validate;

/// Options every write takes.
#[derive(Debug, Clone, Default)]
pub(crate) struct WriteOptions {
    /// `dryRun=All`: everything but storing.
    pub dry_run: bool,
    /// `fieldManager` (required for apply patches).
    pub field_manager: Option<String>,
}

/// The body types PATCH takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PatchType {
    Merge,
    Strategic,
    Json,
    Apply,
}

impl PatchType {
    /// From a `Content-Type` (parameters ignored).
    pub(crate) fn from_content_type(content_type: &str) -> Option<Self> {
        match content_type.split(';').next().unwrap_or_default().trim() {
            "application/merge-patch+json" => Some(PatchType::Merge),
            "application/strategic-merge-patch+json" => Some(PatchType::Strategic),
            "application/json-patch+json" => Some(PatchType::Json),
            "application/apply-patch+yaml" | "application/apply-patch+cbor" => {
                Some(PatchType::Apply)
            }
            _ => None,
        }
    }

    /// The media types a resource's PATCH accepts, as 415 lists them.
    pub(crate) fn accepted(resource: &Resource) -> Vec<&'static str> {
        let mut out = vec![
            "application/json-patch+json",
            "application/merge-patch+json",
            "application/apply-patch+yaml",
        ];
        if !resource.custom {
            out.push("application/strategic-merge-patch+json");
        }
        out
    }
}

/// Metadata the server owns: never taken from a client's body.
const SERVER_FIELDS: &[&str] = &[
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
];

/// The body as an object of this resource, in the stored version, with
/// the URL's namespace.
fn admit_shape(scope: &Scope<'_>, body: Value) -> ApiResult {
    let resource = scope.resource;
    let Value::Object(map) = body else {
        return Err(ApiError::bad_request(&format!(
            "the object provided is unrecognized (must be of type {}): couldn't get version/kind; json parse error: json: cannot unmarshal into Go value of type struct",
            resource.kind
        )));
    };
    if let Some(api_version) = map.get("apiVersion").and_then(Value::as_str) {
        let served = resource
            .versions
            .iter()
            .any(|v| resource.api_version(v) == api_version);
        if !served {
            return Err(ApiError::bad_request(&format!(
                "the API version in the data ({api_version}) does not match the expected API version ({})",
                resource.api_version(scope.version)
            )));
        }
    }
    if let Some(kind) = map.get("kind").and_then(Value::as_str)
        && kind != resource.kind
    {
        return Err(ApiError::bad_request(&format!(
            "{kind} in version \"{}\" cannot be handled as a {}: the kind in the data does not match the kind of the request",
            scope.version, resource.kind
        )));
    }
    let mut object = shaped(
        resource,
        resource.versions.first().copied().unwrap_or("v1"),
        Value::Object(map),
    );
    if !object.get("metadata").is_some_and(Value::is_object) {
        object["metadata"] = json!({});
    }
    let body_ns = str_at(&object, "metadata.namespace").to_owned();
    if resource.namespaced {
        let ns = scope.ns();
        if !body_ns.is_empty() && body_ns != ns {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
        object["metadata"]["namespace"] = json!(ns);
    } else if let Some(meta) = object_at(&mut object, "metadata") {
        meta.shift_remove("namespace");
    }
    Ok(object)
}

fn invalid(resource: &Resource, name: &str, object: &Value) -> Result<(), ApiError> {
    let errors = validate(resource.kind, object);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(resource, name, &errors))
    }
}

/// The status an object starts with (clients cannot set it on create).
fn initial_status(cluster: &mut Cluster, resource: &Resource, object: &mut Value) {
    let status = match resource.kind {
        "Pod" => json!({"phase": "Pending", "qosClass": "BestEffort"}),
        "Namespace" => json!({"phase": "Active"}),
        "Service" | "Ingress" => json!({"loadBalancer": {}}),
        "Deployment" => json!({}),
        "ReplicaSet" => json!({"replicas": 0}),
        "StatefulSet" => json!({"replicas": 0, "availableReplicas": 0}),
        "DaemonSet" => json!({
            "currentNumberScheduled": 0, "numberMisscheduled": 0,
            "desiredNumberScheduled": 0, "numberReady": 0
        }),
        _ if resource.subresources.contains(&"status") => Value::Null,
        _ => return,
    };
    if let Value::Object(map) = object {
        if status.is_null() {
            map.shift_remove("status");
        } else {
            map.insert("status".into(), status);
        }
    }
    if resource.kind == "Service" {
        let ip = match str_at(object, "spec.clusterIP") {
            "" => cluster.service_ip(),
            given => given.to_owned(),
        };
        if let Some(spec) = object_at(object, "spec") {
            spec.insert("clusterIP".into(), json!(ip));
            if ip != "None" {
                spec.insert("clusterIPs".into(), json!([ip]));
                spec.insert("ipFamilies".into(), json!(["IPv4"]));
                spec.insert("ipFamilyPolicy".into(), json!("SingleStack"));
            }
        }
    }
}

/// POST: create, as admission and storage do it.
pub(crate) fn create(
    cluster: &mut Cluster,
    scope: &Scope<'_>,
    body: Value,
    options: &WriteOptions,
) -> ApiResult {
    let resource = scope.resource;
    let mut object = admit_shape(scope, body)?;
    if let Some(meta) = object_at(&mut object, "metadata") {
        for field in SERVER_FIELDS {
            meta.shift_remove(*field);
        }
        let named = meta
            .get("name")
            .and_then(Value::as_str)
            .is_some_and(|n| !n.is_empty());
        let generate = meta
            .get("generateName")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if let (false, Some(prefix)) = (named, generate) {
            meta.insert(
                "name".into(),
                json!(format!("{prefix}{}", random_suffix(5))),
            );
        }
    }
    let name = str_at(&object, "metadata.name").to_owned();
    if resource.namespaced && !cluster.has_namespace(scope.ns()) {
        let namespaces = super::resources::by_kind("Namespace").unwrap_or(resource);
        return Err(ApiError::not_found(namespaces, scope.ns()));
    }
    defaults::apply(resource.kind, &mut object);
    initial_status(cluster, resource, &mut object);
    invalid(resource, &name, &object)?;
    if cluster
        .store
        .get(resource.kind, scope.ns(), &name)
        .is_some()
    {
        return Err(ApiError::already_exists(resource, &name));
    }
    if options.dry_run {
        if let Some(meta) = object_at(&mut object, "metadata") {
            meta.insert("uid".into(), json!(random_uid()));
            meta.insert("generation".into(), json!(1));
            meta.insert("creationTimestamp".into(), json!(now_rfc3339()));
        }
        return Ok(shaped(resource, scope.version, object));
    }
    let stored = cluster.store.insert(resource, object);
    Ok(shaped(resource, scope.version, stored))
}

/// "Another writer" ([`FakeKube::conflict_next_writes`](super::FakeKube::conflict_next_writes)):
/// bump the target's resourceVersion right before a write that carries one.
pub(crate) fn other_writer(
    cluster: &mut Cluster,
    resource: &Resource,
    namespace: &str,
    name: &str,
    carries_rv: bool,
) {
    if !carries_rv || cluster.other_writes == 0 {
        return;
    }
    if let Some(current) = cluster.object(resource.kind, namespace, name) {
        cluster.other_writes -= 1;
        cluster.store.update(resource, current, true);
    }
}

/// The optimistic-concurrency check of an update carrying `rv`.
pub(crate) fn precondition(
    resource: &Resource,
    current: &Value,
    rv: &str,
    required: bool,
) -> Result<(), ApiError> {
    let name = str_at(current, "metadata.name");
    if rv.is_empty() {
        return if required {
            Err(ApiError::invalid(
                resource,
                name,
                &[(
                    "metadata.resourceVersion".to_owned(),
                    "FieldValueInvalid",
                    "Invalid value: 0x0: must be specified for an update".to_owned(),
                )],
            ))
        } else {
            Ok(())
        };
    }
    if rv != str_at(current, "metadata.resourceVersion") {
        return Err(ApiError::conflict(resource, name));
    }
    Ok(())
}

/// PUT: replace the object (or its status).
pub(crate) fn replace(
    cluster: &mut Cluster,
    scope: &Scope<'_>,
    name: &str,
    body: Value,
    sub: Sub,
    options: &WriteOptions,
) -> ApiResult {
    let resource = scope.resource;
    let rv = str_at(&body, "metadata.resourceVersion").to_owned();
    other_writer(cluster, resource, scope.ns(), name, !rv.is_empty());
    let current = cluster
        .object(resource.kind, scope.ns(), name)
        .ok_or_else(|| ApiError::not_found(resource, name))?;
    let mut object = admit_shape(scope, body)?;
    let body_name = str_at(&object, "metadata.name").to_owned();
    if !body_name.is_empty() && body_name != name {
        return Err(ApiError::bad_request(&format!(
            "the name of the object ({body_name}) does not match the name on the URL ({name})"
        )));
    }
    object["metadata"]["name"] = json!(name);
    // Custom resources refuse unconditional updates; built-in types
    // (AllowUnconditionalUpdate) take them.
    precondition(resource, &current, &rv, resource.custom)?;
    commit_update(cluster, scope, &current, object, sub, options)
}

/// Store an update of `current` to `object` after admission.
fn commit_update(
    cluster: &mut Cluster,
    scope: &Scope<'_>,
    current: &Value,
    mut object: Value,
    sub: Sub,
    options: &WriteOptions,
) -> ApiResult {
    let resource = scope.resource;
    let name = str_at(current, "metadata.name").to_owned();
    if let Some(meta) = object_at(&mut object, "metadata") {
        for field in SERVER_FIELDS {
            match current["metadata"].get(*field) {
                Some(v) => meta.insert((*field).to_owned(), v.clone()),
                None => meta.shift_remove(*field),
            };
        }
    }
    let has_status = resource.subresources.contains(&"status");
    match sub {
        Sub::Status => {
            let status = object.get("status").cloned();
            object = current.clone();
            match status {
                Some(s) => object["status"] = s,
                None => {
                    if let Value::Object(map) = &mut object {
                        map.shift_remove("status");
                    }
                }
            }
        }
        Sub::Main | Sub::Scale if has_status => {
            if let Value::Object(map) = &mut object {
                match current.get("status") {
                    Some(s) => map.insert("status".into(), s.clone()),
                    None => map.shift_remove("status"),
                };
            }
        }
        Sub::Main | Sub::Scale => {}
    }
    defaults::apply(resource.kind, &mut object);
    if resource.kind == "Service" {
        for field in ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"] {
            if at(&object, &format!("spec.{field}")).is_none()
                && let Some(old) = at(current, &format!("spec.{field}")).cloned()
                && let Some(spec) = object_at(&mut object, "spec")
            {
                spec.insert(field.to_owned(), old);
            }
        }
    }
    invalid(resource, &name, &object)?;
    immutable(resource, &name, current, &object)?;
    if options.dry_run {
        return Ok(shaped(resource, scope.version, object));
    }
    let stored = cluster.store.update(resource, object, false);
    Ok(shaped(resource, scope.version, stored))
}

fn immutable(resource: &Resource, name: &str, old: &Value, new: &Value) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if resource.has_pod_template()
        && resource.kind != "ReplicaSet"
        && at(old, "spec.selector") != at(new, "spec.selector")
    {
        errors.push((
            "spec.selector".to_owned(),
            "FieldValueInvalid",
            format!(
                "Invalid value: {}: field is immutable",
                at(new, "spec.selector").cloned().unwrap_or(Value::Null)
            ),
        ));
    }
    if resource.kind == "Service" && str_at(old, "spec.clusterIP") != str_at(new, "spec.clusterIP")
    {
        errors.push((
            "spec.clusterIPs[0]".to_owned(),
            "FieldValueInvalid",
            format!(
                "Invalid value: {:?}: may not change once set",
                str_at(new, "spec.clusterIP")
            ),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(resource, name, &errors))
    }
}

/// Whether a patch of `kind` writes a `metadata.resourceVersion` (a
/// precondition).
fn patch_carries_rv(kind: PatchType, patch: &Value) -> bool {
    match kind {
        PatchType::Json => json_patch_paths(patch)
            .iter()
            .any(|p| p == "/metadata/resourceVersion"),
        _ => at(patch, "metadata.resourceVersion")
            .is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty())),
    }
}

/// PATCH: apply the patch to the current object (or its status or
/// scale), then store it as an update. Returns the object and the HTTP
/// status (201 when an apply patch created the object).
pub(crate) fn patch(
    cluster: &mut Cluster,
    scope: &Scope<'_>,
    name: &str,
    kind: PatchType,
    body: &[u8],
    sub: Sub,
    options: &WriteOptions,
) -> Result<(Value, u16), ApiError> {
    let resource = scope.resource;
    if kind == PatchType::Strategic && resource.custom {
        return Err(ApiError::unsupported_media_type(&PatchType::accepted(
            resource,
        )));
    }
    let patch: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(&if kind == PatchType::Apply {
            format!("error decoding YAML: the fake API server reads apply patches written as JSON only: {e}")
        } else {
            format!("error decoding patch: {e}")
        })
    })?;
    if kind == PatchType::Apply && options.field_manager.as_deref().is_none_or(str::is_empty) {
        return Err(ApiError::new(
            422,
            "Invalid",
            "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
            Some(
                json!({"group": "meta.k8s.io", "kind": "PatchOptions", "causes": [{"reason": "FieldValueRequired", "message": "Required value: is required for apply patch", "field": "fieldManager"}]}),
            ),
        ));
    }
    other_writer(
        cluster,
        resource,
        scope.ns(),
        name,
        patch_carries_rv(kind, &patch),
    );
    let Some(current) = cluster.object(resource.kind, scope.ns(), name) else {
        if kind == PatchType::Apply && sub == Sub::Main {
            let mut body = patch;
            body["metadata"]["name"] = json!(name);
            return create(cluster, scope, body, options).map(|o| (o, 201));
        }
        return Err(ApiError::not_found(resource, name));
    };
    let base = match sub {
        Sub::Scale => scale::scale_of(resource, &current),
        _ => shaped(resource, scope.version, current.clone()),
    };
    let patched = match kind {
        PatchType::Merge => merge_patch(&base, &patch),
        PatchType::Strategic => strategic_merge(&base, &patch).map_err(|e| match patch {
            Value::Object(_) => ApiError::new(422, "Invalid", &e, None),
            _ => ApiError::bad_request(&e),
        })?,
        PatchType::Apply if resource.custom => merge_patch(&base, &patch),
        PatchType::Apply => {
            strategic_merge(&base, &patch).map_err(|e| ApiError::bad_request(&e))?
        }
        PatchType::Json => json_patch(&base, &patch).map_err(|e| match e {
            JsonPatchError::Malformed(m) => ApiError::bad_request(&m),
            JsonPatchError::Failed(m) => ApiError::new(422, "Invalid", &m, None),
        })?,
    };
    if !patched.is_object() {
        return Err(ApiError::bad_request("the patch does not leave an object"));
    }
    let rv = str_at(&patched, "metadata.resourceVersion").to_owned();
    precondition(resource, &current, &rv, false)?;
    if sub == Sub::Scale {
        return scale::set_replicas(cluster, scope, &current, &patched, options).map(|o| (o, 200));
    }
    let mut object = admit_shape(scope, patched)?;
    object["metadata"]["name"] = json!(name);
    commit_update(cluster, scope, &current, object, sub, options).map(|o| (o, 200))
}

/// Store `object` as the new version of `current` for the scale
/// subresource's replica count (admission and validation as an update).
pub(crate) fn update_from_scale(
    cluster: &mut Cluster,
    scope: &Scope<'_>,
    current: &Value,
    object: Value,
    options: &WriteOptions,
) -> ApiResult {
    commit_update(cluster, scope, current, object, Sub::Main, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_types_from_content_types() {
        assert_eq!(
            PatchType::from_content_type("application/merge-patch+json; charset=utf-8"),
            Some(PatchType::Merge)
        );
        assert_eq!(
            PatchType::from_content_type("application/json-patch+json"),
            Some(PatchType::Json)
        );
        assert_eq!(PatchType::from_content_type("application/json"), None);
    }

    #[test]
    fn preconditions_come_from_the_patch() {
        assert!(patch_carries_rv(
            PatchType::Merge,
            &json!({"metadata": {"resourceVersion": "3"}})
        ));
        assert!(!patch_carries_rv(
            PatchType::Merge,
            &json!({"metadata": {"resourceVersion": null}})
        ));
        assert!(patch_carries_rv(
            PatchType::Json,
            &json!([{"op": "test", "path": "/metadata/resourceVersion", "value": "3"}])
        ));
        assert!(!patch_carries_rv(
            PatchType::Strategic,
            &json!({"spec": {}})
        ));
    }
}
