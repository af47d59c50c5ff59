//! The `scale` subresource: an `autoscaling/v1` `Scale` over a
//! workload's `spec.replicas`.

use serde_json::{Value, json};

use super::api::{ApiResult, Scope};
use super::cluster::Cluster;
use super::resources::Resource;
use super::selector::LabelSelector;
use super::status::ApiError;
use super::util::{at, int_at, str_at};
use super::write::{self, WriteOptions};

/// How validation errors name a `Scale`.
const SCALE: Resource = Resource {
    group: "autoscaling",
    versions: &["v1"],
    plural: "scale",
    singular: "scale",
    kind: "Scale",
    namespaced: true,
    short_names: &[],
    categories: &[],
    subresources: &[],
    custom: false,
};

/// The `Scale` of `object`.
pub(crate) fn scale_of(_resource: &Resource, object: &Value) -> Value {
    let meta = &object["metadata"];
    let selector = at(object, "spec.selector")
        .map(|s| LabelSelector::from_object(s).to_text())
        .unwrap_or_default();
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": meta["name"],
            "namespace": meta["namespace"],
            "uid": meta["uid"],
            "resourceVersion": meta["resourceVersion"],
            "creationTimestamp": meta["creationTimestamp"],
        },
        "spec": {"replicas": int_at(object, "spec.replicas").unwrap_or(1)},
        "status": {
            "replicas": int_at(object, "status.replicas").unwrap_or(0),
            "selector": selector,
        },
    })
}

/// GET …/scale.
pub(crate) fn get(cluster: &Cluster, scope: &Scope<'_>, name: &str) -> ApiResult {
    cluster
        .object(scope.resource.kind, scope.ns(), name)
        .map(|o| scale_of(scope.resource, &o))
        .ok_or_else(|| ApiError::not_found(scope.resource, name))
}

/// PUT …/scale.
pub(crate) fn replace(
    cluster: &mut Cluster,
    scope: &Scope<'_>,
    name: &str,
    body: &Value,
    options: &WriteOptions,
) -> ApiResult {
    let rv = str_at(body, "metadata.resourceVersion").to_owned();
    write::other_writer(cluster, scope.resource, scope.ns(), name, !rv.is_empty());
    let current = cluster
        .object(scope.resource.kind, scope.ns(), name)
        .ok_or_else(|| ApiError::not_found(scope.resource, name))?;
    write::precondition(scope.resource, &current, &rv, false)?;
    set_replicas(cluster, scope, &current, body, options)
}

/// Write the replica count of `scale` into `current`.
pub(crate) fn set_replicas(
    cluster: &mut Cluster,
    scope: &Scope<'_>,
    current: &Value,
    scale: &Value,
    options: &WriteOptions,
) -> ApiResult {
    let name = str_at(current, "metadata.name");
    let replicas = match at(scale, "spec.replicas") {
        None | Some(Value::Null) => 0,
        Some(v) => v.as_i64().ok_or_else(|| {
            ApiError::bad_request(&format!("Scale in version \"v1\" cannot be handled as a Scale: spec.replicas: {v} is not an integer"))
        })?,
    };
    if replicas < 0 {
        return Err(ApiError::invalid(
            &SCALE,
            name,
            &[(
                "spec.replicas".to_owned(),
                "FieldValueInvalid",
                format!("Invalid value: {replicas}: must be greater than or equal to 0"),
            )],
        ));
    }
    let mut object = current.clone();
    object["spec"]["replicas"] = json!(replicas);
    let stored = write::update_from_scale(cluster, scope, current, object, options)?;
    Ok(scale_of(scope.resource, &stored))
}
