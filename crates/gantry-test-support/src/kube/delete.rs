//! DELETE and DELETE-collection, with preconditions and the three
//! propagation policies (Foreground and Background both delete the owner
//! at once; Background leaves the dependents to the garbage collector of
//! the controller loop, Foreground deletes them first, in the request).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::api::{ApiResult, ListOptions, Scope, list_item, shaped};
use super::cluster::Cluster;
use super::resources::{Resource, by_kind};
use super::status::ApiError;
use super::util::str_at;

/// `propagationPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Propagation {
    #[default]
    Background,
    Foreground,
    Orphan,
}

/// What a DELETE asks for (query and `DeleteOptions` body).
#[derive(Debug, Clone, Default)]
pub(crate) struct DeleteOptions {
    pub propagation: Propagation,
    pub resource_version: Option<String>,
    pub uid: Option<String>,
    pub dry_run: bool,
}

impl DeleteOptions {
    /// From the query parameters and the (possibly empty) body.
    pub(crate) fn parse(query: &BTreeMap<String, String>, body: &Value) -> Result<Self, ApiError> {
        let policy = query
            .get("propagationPolicy")
            .map(String::as_str)
            .or_else(|| body.get("propagationPolicy").and_then(Value::as_str));
        let orphan = query.get("orphanDependents").map(String::as_str) == Some("true")
            || body.get("orphanDependents") == Some(&json!(true));
        let propagation = match policy {
            None | Some("") if orphan => Propagation::Orphan,
            None | Some("") | Some("Background") => Propagation::Background,
            Some("Foreground") => Propagation::Foreground,
            Some("Orphan") => Propagation::Orphan,
            Some(other) => {
                return Err(ApiError::new(
                    422,
                    "Invalid",
                    &format!(
                        "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: {other:?}: supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""
                    ),
                    None,
                ));
            }
        };
        let pre = |key: &str| {
            body.get("preconditions")
                .and_then(|p| p.get(key))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let dry_run = query.get("dryRun").map(String::as_str) == Some("All")
            || body.get("dryRun").is_some_and(|d| d == &json!(["All"]));
        Ok(DeleteOptions {
            propagation,
            resource_version: pre("resourceVersion"),
            uid: pre("uid"),
            dry_run,
        })
    }
}

fn conflict(resource: &Resource, name: &str, why: &str) -> ApiError {
    ApiError::new(
        409,
        "Conflict",
        &format!(
            "Operation cannot be fulfilled on {} \"{name}\": {why}",
            resource.group_resource()
        ),
        Some(json!({"name": name, "group": resource.group, "kind": resource.plural})),
    )
}

/// DELETE one object.
pub(crate) fn delete(
    cluster: &mut Cluster,
    scope: &Scope<'_>,
    name: &str,
    options: &DeleteOptions,
) -> ApiResult {
    let resource = scope.resource;
    let current = cluster
        .object(resource.kind, scope.ns(), name)
        .ok_or_else(|| ApiError::not_found(resource, name))?;
    if resource.kind == "Namespace" && matches!(name, "default" | "kube-system" | "kube-public") {
        return Err(ApiError::new(
            403,
            "Forbidden",
            &format!("namespaces \"{name}\" is forbidden: this namespace may not be deleted"),
            Some(json!({"name": name, "kind": "namespaces"})),
        ));
    }
    let rv = str_at(&current, "metadata.resourceVersion");
    if let Some(want) = &options.resource_version
        && want != rv
    {
        return Err(conflict(
            resource,
            name,
            &format!(
                "the ResourceVersion in the precondition ({want}) does not match the ResourceVersion in record ({rv}). The object might have been modified"
            ),
        ));
    }
    let uid = str_at(&current, "metadata.uid").to_owned();
    if let Some(want) = &options.uid
        && *want != uid
    {
        return Err(conflict(
            resource,
            name,
            &format!(
                "the UID in the precondition ({want}) does not match the UID in record ({uid}). The object might have been replaced and then re-created"
            ),
        ));
    }
    let answer = |object: Value| {
        if matches!(resource.kind, "Pod" | "Namespace") || resource.custom {
            shaped(resource, scope.version, object)
        } else {
            json!({
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Success",
                "details": {"name": name, "group": resource.group, "kind": resource.plural, "uid": uid},
            })
        }
    };
    if options.dry_run {
        return Ok(answer(current));
    }
    match options.propagation {
        Propagation::Orphan => orphan(cluster, &uid),
        Propagation::Foreground => cascade(cluster, &uid),
        Propagation::Background => {}
    }
    if resource.kind == "Namespace" {
        for object in cluster.store.in_namespace(name) {
            if let Some(r) = by_kind(str_at(&object, "kind")) {
                cluster
                    .store
                    .remove(r, name, str_at(&object, "metadata.name"));
            }
        }
    }
    let gone = cluster
        .store
        .remove(resource, scope.ns(), name)
        .ok_or_else(|| ApiError::not_found(resource, name))?;
    Ok(answer(gone))
}

/// DELETE a collection: every selected object; answers the list of them.
pub(crate) fn delete_collection(
    cluster: &mut Cluster,
    scope: &Scope<'_>,
    list: &ListOptions,
    options: &DeleteOptions,
) -> ApiResult {
    let resource = scope.resource;
    let targets: Vec<(String, String)> = cluster
        .store
        .list(resource.kind, scope.namespace)
        .into_iter()
        .filter(|o| list.selects(o))
        .map(|o| {
            (
                str_at(o, "metadata.namespace").to_owned(),
                str_at(o, "metadata.name").to_owned(),
            )
        })
        .collect();
    let mut items = Vec::new();
    for (ns, name) in targets {
        let one = Scope {
            namespace: (!ns.is_empty()).then_some(ns.as_str()),
            ..*scope
        };
        let current = cluster.object(resource.kind, &ns, &name);
        delete(cluster, &one, &name, options)?;
        if let Some(o) = current {
            items.push(list_item(resource, scope.version, o));
        }
    }
    Ok(json!({
        "kind": format!("{}List", resource.kind),
        "apiVersion": resource.api_version(scope.version),
        "metadata": {"resourceVersion": cluster.store.rv().to_string()},
        "items": items,
    }))
}

/// Whether `object` names `uid` among its owners.
pub(crate) fn owned_by(object: &Value, uid: &str) -> bool {
    object["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|refs| refs.iter().any(|r| r["uid"] == uid))
}

/// Every object owned by `uid`, as (resource, namespace, name).
fn dependents(cluster: &Cluster, uid: &str) -> Vec<(&'static Resource, String, String)> {
    cluster
        .store
        .all()
        .filter(|o| owned_by(o, uid))
        .filter_map(|o| {
            Some((
                by_kind(str_at(o, "kind"))?,
                str_at(o, "metadata.namespace").to_owned(),
                str_at(o, "metadata.name").to_owned(),
            ))
        })
        .collect()
}

/// Delete every dependent of `uid`, depth first.
pub(crate) fn cascade(cluster: &mut Cluster, uid: &str) {
    for (resource, ns, name) in dependents(cluster, uid) {
        if let Some(object) = cluster.object(resource.kind, &ns, &name) {
            cascade(cluster, str_at(&object, "metadata.uid"));
            cluster.store.remove(resource, &ns, &name);
        }
    }
}

/// Remove `uid` from its dependents' owner references.
fn orphan(cluster: &mut Cluster, uid: &str) {
    for (resource, ns, name) in dependents(cluster, uid) {
        if let Some(mut object) = cluster.object(resource.kind, &ns, &name) {
            if let Some(refs) = object["metadata"]["ownerReferences"].as_array_mut() {
                refs.retain(|r| r["uid"] != uid);
            }
            cluster.store.update(resource, object, false);
        }
    }
}
