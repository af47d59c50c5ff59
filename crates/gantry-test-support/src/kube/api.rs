//! The API verbs on the store, independent of HTTP: what the HTTP
//! handlers and the in-process calls (`FakeKube::create`, …) share.
//! Create, replace and patch live in `write.rs`; delete in `delete.rs`;
//! the scale subresource in `scale.rs`.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::cluster::Cluster;
use super::resources::Resource;
use super::selector::{FieldSelector, LabelSelector};
use super::status::ApiError;

/// Where a request points: a resource type, the version asked for, and
/// the namespace of the URL.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope<'a> {
    pub resource: &'static Resource,
    pub version: &'a str,
    /// `None` for cluster-scoped types, and for lists and watches across
    /// all namespaces.
    pub namespace: Option<&'a str>,
}

impl Scope<'_> {
    /// The namespace, `""` for none.
    pub(crate) fn ns(&self) -> &str {
        self.namespace.unwrap_or("")
    }
}

/// A verb's answer.
pub(crate) type ApiResult = Result<Value, ApiError>;

/// Which part of an object a request addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sub {
    /// The object.
    Main,
    /// `/status`: only `.status` is written.
    Status,
    /// `/scale`: an `autoscaling/v1` `Scale`.
    Scale,
}

/// The object with `apiVersion` and `kind` of the version asked for.
pub(crate) fn shaped(resource: &Resource, version: &str, object: Value) -> Value {
    let mut out = Map::new();
    out.insert("apiVersion".into(), json!(resource.api_version(version)));
    out.insert("kind".into(), json!(resource.kind));
    if let Value::Object(map) = object {
        for (k, v) in map {
            if k != "apiVersion" && k != "kind" {
                out.insert(k, v);
            }
        }
    }
    Value::Object(out)
}

/// GET one object.
pub(crate) fn get(cluster: &Cluster, scope: &Scope<'_>, name: &str) -> ApiResult {
    cluster
        .object(scope.resource.kind, scope.ns(), name)
        .map(|o| shaped(scope.resource, scope.version, o))
        .ok_or_else(|| ApiError::not_found(scope.resource, name))
}

/// What a list or watch selects.
#[derive(Debug, Clone, Default)]
pub(crate) struct ListOptions {
    pub labels: LabelSelector,
    pub fields: FieldSelector,
    pub limit: Option<usize>,
    pub continue_after: Option<String>,
}

impl ListOptions {
    /// From the query parameters of a list or watch of `kind`.
    pub(crate) fn from_query(
        query: &BTreeMap<String, String>,
        kind: &str,
    ) -> Result<Self, ApiError> {
        let labels = LabelSelector::parse(query.get("labelSelector").map_or("", String::as_str))
            .map_err(|e| ApiError::bad_request(&e))?;
        let fields =
            FieldSelector::parse(query.get("fieldSelector").map_or("", String::as_str), kind)
                .map_err(|e| ApiError::bad_request(&e))?;
        let limit = match query.get("limit").map(String::as_str) {
            None | Some("") | Some("0") => None,
            Some(n) => Some(n.parse::<usize>().map_err(|_| {
                ApiError::bad_request(&format!(
                    "limit: Invalid value: {n:?}: must be a non-negative integer"
                ))
            })?),
        };
        let continue_after = match query.get("continue").map(String::as_str) {
            None | Some("") => None,
            Some(token) => Some(decode_continue(token).ok_or_else(|| {
                ApiError::bad_request(
                    "continue key is not valid: illegal base64 data at input byte 0",
                )
            })?),
        };
        Ok(ListOptions {
            labels,
            fields,
            limit,
            continue_after,
        })
    }

    /// Whether `object` is selected.
    pub(crate) fn selects(&self, object: &Value) -> bool {
        self.labels.matches_object(object) && self.fields.matches(object)
    }
}

/// The key a list sorts by: `namespace/name`.
fn list_key(object: &Value) -> String {
    format!(
        "{}/{}",
        object["metadata"]["namespace"].as_str().unwrap_or_default(),
        object["metadata"]["name"].as_str().unwrap_or_default()
    )
}

fn encode_continue(key: &str) -> String {
    key.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_continue(token: &str) -> Option<String> {
    let bytes = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(token.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    String::from_utf8(bytes).ok()
}

/// LIST: a `…List` with the store's resourceVersion, paged by `limit`
/// and `continue`.
pub(crate) fn list(cluster: &Cluster, scope: &Scope<'_>, options: &ListOptions) -> ApiResult {
    let resource = scope.resource;
    let mut selected: Vec<&Value> = cluster
        .store
        .list(resource.kind, scope.namespace)
        .into_iter()
        .filter(|o| options.selects(o))
        .collect();
    if let Some(after) = &options.continue_after {
        selected.retain(|o| list_key(o).as_str() > after.as_str());
    }
    let mut metadata = json!({"resourceVersion": cluster.store.rv().to_string()});
    if let Some(limit) = options.limit
        && selected.len() > limit
    {
        let remaining = selected.len() - limit;
        selected.truncate(limit);
        if let Some(last) = selected.last() {
            metadata["continue"] = json!(encode_continue(&list_key(last)));
        }
        if options.labels.0.is_empty() && options.fields.0.is_empty() {
            metadata["remainingItemCount"] = json!(remaining);
        }
    }
    let items: Vec<Value> = selected
        .into_iter()
        .map(|o| list_item(resource, scope.version, o.clone()))
        .collect();
    Ok(json!({
        "kind": format!("{}List", resource.kind),
        "apiVersion": resource.api_version(scope.version),
        "metadata": metadata,
        "items": items,
    }))
}

/// An item of a list: built-in types come without `apiVersion`/`kind`
/// (the API server's typed lists drop them), custom resources keep them.
pub(crate) fn list_item(resource: &Resource, version: &str, object: Value) -> Value {
    if resource.custom {
        shaped(resource, version, object)
    } else {
        let mut object = object;
        if let Value::Object(map) = &mut object {
            map.shift_remove("apiVersion");
            map.shift_remove("kind");
        }
        object
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_round_trip() {
        let key = "default/web-7d9f";
        assert_eq!(decode_continue(&encode_continue(key)).as_deref(), Some(key));
        assert_eq!(decode_continue("zz"), None);
    }

    #[test]
    fn list_options_refuse_bad_selectors() {
        let q = |k: &str, v: &str| BTreeMap::from([(k.to_owned(), v.to_owned())]);
        assert!(ListOptions::from_query(&q("labelSelector", "app in web"), "Pod").is_err());
        assert!(ListOptions::from_query(&q("fieldSelector", "spec.x=1"), "Deployment").is_err());
        assert!(ListOptions::from_query(&q("limit", "-1"), "Pod").is_err());
        assert_eq!(
            ListOptions::from_query(&q("limit", "2"), "Pod")
                .unwrap()
                .limit,
            Some(2)
        );
    }
}
