//! Strategic merge patch, as the API server applies it to built-in types.
//!
//! Which lists merge, and by which key, comes from the Kubernetes Go
//! types' `patchStrategy`/`patchMergeKey` tags; the fake knows them by the
//! list's field name (`containers` by `name`, `ports` by `containerPort`
//! or, in a Service, `port`, …), which is unambiguous for the types it
//! serves. Every other list is replaced. Directives: `$patch: replace` and
//! `$patch: delete` (on maps and list elements), `$retainKeys`,
//! `$deleteFromPrimitiveList/…` and `$setElementOrder/…`.

use serde_json::{Map, Value};

/// How a list field merges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListStrategy {
    /// Replaced by the patch's list.
    Replace,
    /// Objects merged by this key.
    MergeBy(&'static str),
    /// Scalars: union.
    Union,
}

fn strategy(field: &str, original: &[Value], patch: &[Value]) -> ListStrategy {
    let has = |key: &str| original.iter().chain(patch).any(|v| v.get(key).is_some());
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets"
        | "resourceClaims"
        | "schedulingGates" => ListStrategy::MergeBy("name"),
        "volumeMounts" => ListStrategy::MergeBy("mountPath"),
        "volumeDevices" => ListStrategy::MergeBy("devicePath"),
        "ports" if has("containerPort") => ListStrategy::MergeBy("containerPort"),
        "ports" => ListStrategy::MergeBy("port"),
        "ownerReferences" => ListStrategy::MergeBy("uid"),
        "conditions" => ListStrategy::MergeBy("type"),
        "hostAliases" => ListStrategy::MergeBy("ip"),
        "topologySpreadConstraints" => ListStrategy::MergeBy("topologyKey"),
        "finalizers" => ListStrategy::Union,
        _ => ListStrategy::Replace,
    }
}

/// Why a strategic merge patch was refused.
pub(crate) type StrategicError = String;

/// Apply strategic merge patch `patch` to `original`.
pub(crate) fn strategic_merge(original: &Value, patch: &Value) -> Result<Value, StrategicError> {
    match (original, patch) {
        (_, Value::Object(p)) => {
            let empty = Map::new();
            let o = original.as_object().unwrap_or(&empty);
            Ok(merge_map(o, p)?.map_or(Value::Object(Map::new()), Value::Object))
        }
        _ => Err("the patch is not a JSON object".to_owned()),
    }
}

/// Merge maps; `None` when the patch deletes the whole map.
fn merge_map(
    original: &Map<String, Value>,
    patch: &Map<String, Value>,
) -> Result<Option<Map<String, Value>>, StrategicError> {
    match patch.get("$patch").and_then(Value::as_str) {
        Some("replace") => return Ok(Some(strip(patch))),
        Some("delete") => return Ok(None),
        Some("merge") | None => {}
        Some(other) => return Err(format!("Unknown patch type: {other}")),
    }
    let mut out = original.clone();
    let mut orders: Vec<(&str, &Vec<Value>)> = Vec::new();
    for (key, value) in patch {
        if key == "$patch" || key == "$retainKeys" {
            continue;
        }
        if let Some(list) = key.strip_prefix("$setElementOrder/") {
            if let Value::Array(order) = value {
                orders.push((list, order));
            }
            continue;
        }
        if let Some(list) = key.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(items)), Value::Array(gone)) = (out.get_mut(list), value) {
                items.retain(|v| !gone.contains(v));
            }
            continue;
        }
        if value.is_null() {
            out.shift_remove(key);
            continue;
        }
        let merged = match (out.get(key), value) {
            (Some(Value::Object(o)), Value::Object(p)) => merge_map(o, p)?.map(Value::Object),
            (Some(Value::Array(o)), Value::Array(p)) => Some(Value::Array(merge_list(key, o, p)?)),
            (None, Value::Array(p)) => Some(Value::Array(merge_list(key, &[], p)?)),
            (_, Value::Object(p)) => merge_map(&Map::new(), p)?.map(Value::Object),
            (_, other) => Some(other.clone()),
        };
        match merged {
            Some(v) => {
                out.insert(key.clone(), v);
            }
            None => {
                out.shift_remove(key);
            }
        }
    }
    if let Some(Value::Array(retain)) = patch.get("$retainKeys") {
        let keep: Vec<&str> = retain.iter().filter_map(Value::as_str).collect();
        out.retain(|k, _| keep.contains(&k.as_str()));
    }
    for (list, order) in orders {
        if let Some(Value::Array(items)) = out.get_mut(list) {
            reorder(list, items, order);
        }
    }
    Ok(Some(out))
}

fn merge_list(
    field: &str,
    original: &[Value],
    patch: &[Value],
) -> Result<Vec<Value>, StrategicError> {
    let directive = |v: &Value| v.get("$patch").and_then(Value::as_str).map(str::to_owned);
    match strategy(field, original, patch) {
        ListStrategy::Replace => Ok(patch.iter().map(strip_value).collect()),
        ListStrategy::Union => {
            let mut out = original.to_vec();
            for v in patch {
                if !out.contains(v) {
                    out.push(v.clone());
                }
            }
            Ok(out)
        }
        ListStrategy::MergeBy(key) => {
            if patch
                .iter()
                .any(|v| directive(v).as_deref() == Some("replace"))
            {
                return Ok(patch
                    .iter()
                    .filter(|v| directive(v).is_none())
                    .map(strip_value)
                    .collect());
            }
            let mut out = original.to_vec();
            for element in patch {
                let Value::Object(p) = element else {
                    return Err(format!(
                        "the list {field} merges by {key}, but an element of the patch is not an object: {element}"
                    ));
                };
                let id = p.get(key);
                if directive(element).as_deref() == Some("delete") {
                    out.retain(|o| o.get(key) != id);
                    continue;
                }
                match out.iter_mut().find(|o| id.is_some() && o.get(key) == id) {
                    Some(existing) => {
                        let empty = Map::new();
                        let base = existing.as_object().unwrap_or(&empty);
                        *existing = merge_map(base, p)?.map_or(Value::Null, Value::Object);
                    }
                    None => out.push(strip_value(element)),
                }
            }
            out.retain(|v| !v.is_null());
            Ok(out)
        }
    }
}

/// Put `items` in the order `$setElementOrder` gives; items it does not
/// name keep their relative order, after the named ones.
fn reorder(field: &str, items: &mut [Value], order: &[Value]) {
    let ListStrategy::MergeBy(key) = strategy(field, items, order) else {
        return;
    };
    let position = |v: &Value| {
        order
            .iter()
            .position(|o| o.get(key).is_some() && o.get(key) == v.get(key))
            .unwrap_or(usize::MAX)
    };
    items.sort_by_key(position);
}

fn strip(map: &Map<String, Value>) -> Map<String, Value> {
    map.iter()
        .filter(|(k, _)| !k.starts_with('$'))
        .map(|(k, v)| (k.clone(), strip_value(v)))
        .collect()
}

fn strip_value(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(strip(map)),
        Value::Array(items) => Value::Array(items.iter().map(strip_value).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment() -> Value {
        json!({"spec": {"template": {"spec": {
            "containers": [
                {"name": "app", "image": "img:v1", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                 "ports": [{"containerPort": 80, "protocol": "TCP"}]},
                {"name": "sidecar", "image": "side:v1"}
            ],
            "volumes": [{"name": "data", "emptyDir": {}}],
            "tolerations": [{"key": "a"}]
        }}}, "metadata": {"finalizers": ["x"]}})
    }

    #[test]
    fn merges_lists_by_their_merge_keys() {
        for (patch, path, want) in [
            // kubectl set image.
            (
                json!({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"app"},{"name":"sidecar"}],"containers":[{"image":"img:v2","name":"app"}]}}}}),
                "/spec/template/spec/containers",
                json!([
                {"name": "app", "image": "img:v2", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                 "ports": [{"containerPort": 80, "protocol": "TCP"}]},
                {"name": "sidecar", "image": "side:v1"}]),
            ),
            (
                json!({"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}),
                "/spec/template/spec/containers/1",
                Value::Null,
            ),
            (
                json!({"spec":{"template":{"spec":{"containers":[{"name":"app","env":[{"name":"B","value":"3"},{"name":"C","value":"4"}]}]}}}}),
                "/spec/template/spec/containers/0/env",
                json!([{"name": "A", "value": "1"}, {"name": "B", "value": "3"}, {"name": "C", "value": "4"}]),
            ),
            (
                json!({"spec":{"template":{"spec":{"containers":[{"name":"app","ports":[{"containerPort":8080}]}]}}}}),
                "/spec/template/spec/containers/0/ports",
                json!([{"containerPort": 80, "protocol": "TCP"}, {"containerPort": 8080}]),
            ),
            (
                json!({"spec":{"template":{"spec":{"volumes":[{"name":"cache","emptyDir":{}}]}}}}),
                "/spec/template/spec/volumes",
                json!([{"name": "data", "emptyDir": {}}, {"name": "cache", "emptyDir": {}}]),
            ),
            (
                json!({"spec":{"template":{"spec":{"tolerations":[{"key":"b"}]}}}}),
                "/spec/template/spec/tolerations",
                json!([{"key": "b"}]),
            ),
            (
                json!({"spec":{"template":{"spec":{"containers":[{"$patch":"replace"},{"name":"only","image":"o"}]}}}}),
                "/spec/template/spec/containers",
                json!([{"name": "only", "image": "o"}]),
            ),
            (
                json!({"metadata":{"finalizers":["y"]}}),
                "/metadata/finalizers",
                json!(["x", "y"]),
            ),
            (
                json!({"metadata":{"$deleteFromPrimitiveList/finalizers":["x"]}}),
                "/metadata/finalizers",
                json!([]),
            ),
            (
                json!({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"sidecar"},{"name":"app"}]}}}}),
                "/spec/template/spec/containers/0/name",
                json!("sidecar"),
            ),
            (
                json!({"spec":{"template":{"spec":{"containers":[{"name":"app","image":null}]}}}}),
                "/spec/template/spec/containers/0/image",
                Value::Null,
            ),
        ] {
            let got = strategic_merge(&deployment(), &patch).unwrap();
            assert_eq!(
                got.pointer(path).cloned().unwrap_or(Value::Null),
                want,
                "{patch}"
            );
        }
    }

    #[test]
    fn map_directives_replace_delete_and_retain() {
        let original = json!({"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}, "keep": 1}});
        let replaced = strategic_merge(
            &original,
            &json!({"spec": {"strategy": {"$patch": "replace", "type": "Recreate"}}}),
        )
        .unwrap();
        assert_eq!(replaced["spec"]["strategy"], json!({"type": "Recreate"}));
        let retained = strategic_merge(
            &original,
            &json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}),
        )
        .unwrap();
        assert_eq!(retained["spec"]["strategy"], json!({"type": "Recreate"}));
        let deleted = strategic_merge(
            &original,
            &json!({"spec": {"strategy": {"$patch": "delete"}}}),
        )
        .unwrap();
        assert_eq!(deleted, json!({"spec": {"keep": 1}}));
        assert!(strategic_merge(&original, &json!([1])).is_err());
        assert!(strategic_merge(&original, &json!({"$patch": "frob"})).is_err());
    }

    #[test]
    fn service_ports_merge_by_port() {
        let svc = json!({"spec": {"ports": [{"port": 80, "targetPort": 8080}]}});
        let got = strategic_merge(
            &svc,
            &json!({"spec": {"ports": [{"port": 80, "targetPort": 9090}, {"port": 443}]}}),
        )
        .unwrap();
        assert_eq!(
            got["spec"]["ports"],
            json!([{"port": 80, "targetPort": 9090}, {"port": 443}])
        );
    }
}
