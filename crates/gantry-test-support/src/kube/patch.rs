//! JSON merge patch (RFC 7386) and JSON patch (RFC 6902).

use serde_json::{Map, Value};

/// Apply a JSON merge patch: objects merge key by key, `null` removes a
/// key, anything else (arrays included) replaces.
pub(crate) fn merge_patch(target: &Value, patch: &Value) -> Value {
    match patch {
        Value::Object(patch_map) => {
            let mut out = match target {
                Value::Object(map) => map.clone(),
                _ => Map::new(),
            };
            for (key, value) in patch_map {
                if value.is_null() {
                    out.shift_remove(key);
                } else {
                    let merged = merge_patch(out.get(key).unwrap_or(&Value::Null), value);
                    out.insert(key.clone(), merged);
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// Why a JSON patch could not be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JsonPatchError {
    /// The patch is not an array of operations (400 on the server).
    Malformed(String),
    /// An operation failed on this document (422 on the server).
    Failed(String),
}

/// Apply a JSON patch (`add`, `remove`, `replace`, `move`, `copy`, `test`).
pub(crate) fn json_patch(target: &Value, patch: &Value) -> Result<Value, JsonPatchError> {
    let ops = patch.as_array().ok_or_else(|| {
        JsonPatchError::Malformed(
            "json: cannot unmarshal object into Go value of type jsonpatch.Patch".to_owned(),
        )
    })?;
    let mut doc = target.clone();
    for op in ops {
        let name = op
            .get("op")
            .and_then(Value::as_str)
            .ok_or_else(|| JsonPatchError::Malformed("missing op".to_owned()))?;
        let path = op
            .get("path")
            .and_then(Value::as_str)
            .ok_or_else(|| JsonPatchError::Malformed(format!("{name} operation missing path")))?;
        let value = || {
            op.get("value")
                .cloned()
                .ok_or_else(|| JsonPatchError::Failed(format!("{name} operation missing value")))
        };
        let from = || {
            op.get("from")
                .and_then(Value::as_str)
                .ok_or_else(|| JsonPatchError::Failed(format!("{name} operation missing from")))
        };
        match name {
            "add" => add(&mut doc, path, value()?)?,
            "remove" => {
                remove(&mut doc, path)?;
            }
            "replace" => {
                remove(&mut doc, path).map_err(|_| {
                    JsonPatchError::Failed(format!(
                        "replace operation does not apply: doc is missing key: {path}: missing value"
                    ))
                })?;
                add(&mut doc, path, value()?)?;
            }
            "move" => {
                let moved = remove(&mut doc, from()?)?;
                add(&mut doc, path, moved)?;
            }
            "copy" => {
                let copied = get(&doc, from()?)?.clone();
                add(&mut doc, path, copied)?;
            }
            "test" => {
                let want = value()?;
                let ok = pointer(path).and_then(|p| lookup(&doc, &p)) == Some(&want);
                if !ok {
                    return Err(JsonPatchError::Failed(format!(
                        "testing value {path} failed: test failed"
                    )));
                }
            }
            other => {
                return Err(JsonPatchError::Malformed(format!(
                    "Unexpected kind: {other}"
                )));
            }
        }
    }
    Ok(doc)
}

/// The unescaped reference tokens of a JSON pointer.
fn pointer(path: &str) -> Option<Vec<String>> {
    if path.is_empty() {
        return Some(Vec::new());
    }
    let rest = path.strip_prefix('/')?;
    Some(
        rest.split('/')
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

fn lookup<'a>(doc: &'a Value, tokens: &[String]) -> Option<&'a Value> {
    tokens.iter().try_fold(doc, |v, t| match v {
        Value::Object(m) => m.get(t),
        Value::Array(a) => a.get(t.parse::<usize>().ok()?),
        _ => None,
    })
}

fn lookup_mut<'a>(doc: &'a mut Value, tokens: &[String]) -> Option<&'a mut Value> {
    tokens.iter().try_fold(doc, |v, t| match v {
        Value::Object(m) => m.get_mut(t),
        Value::Array(a) => a.get_mut(t.parse::<usize>().ok()?),
        _ => None,
    })
}

fn missing(op: &str, path: &str) -> JsonPatchError {
    JsonPatchError::Failed(format!(
        "{op} operation does not apply: doc is missing path: \"{path}\": missing value"
    ))
}

fn get<'a>(doc: &'a Value, path: &str) -> Result<&'a Value, JsonPatchError> {
    pointer(path)
        .and_then(|p| lookup(doc, &p))
        .ok_or_else(|| missing("copy", path))
}

fn add(doc: &mut Value, path: &str, value: Value) -> Result<(), JsonPatchError> {
    let tokens = pointer(path).ok_or_else(|| missing("add", path))?;
    let Some((last, parent)) = tokens.split_last() else {
        *doc = value;
        return Ok(());
    };
    match lookup_mut(doc, parent) {
        Some(Value::Object(map)) => {
            map.insert(last.clone(), value);
            Ok(())
        }
        Some(Value::Array(items)) => {
            let index = if last == "-" {
                items.len()
            } else {
                last.parse::<usize>()
                    .ok()
                    .filter(|i| *i <= items.len())
                    .ok_or_else(|| {
                        JsonPatchError::Failed(format!(
                            "add operation does not apply: index out of bounds: {path}"
                        ))
                    })?
            };
            items.insert(index, value);
            Ok(())
        }
        _ => Err(missing("add", path)),
    }
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, JsonPatchError> {
    let tokens = pointer(path).ok_or_else(|| missing("remove", path))?;
    let Some((last, parent)) = tokens.split_last() else {
        return Err(missing("remove", path));
    };
    match lookup_mut(doc, parent) {
        Some(Value::Object(map)) => map
            .shift_remove(last.as_str())
            .ok_or_else(|| missing("remove", path)),
        Some(Value::Array(items)) => match last.parse::<usize>() {
            Ok(i) if i < items.len() => Ok(items.remove(i)),
            _ => Err(missing("remove", path)),
        },
        _ => Err(missing("remove", path)),
    }
}

/// The JSON pointers a JSON patch writes or tests (to know whether it
/// carries a `resourceVersion` precondition).
pub(crate) fn json_patch_paths(patch: &Value) -> Vec<String> {
    patch
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|op| op.get("path").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc7386() {
        // The examples of RFC 7386, appendix A.
        for (target, patch, want) in [
            (json!({"a":"b"}), json!({"a":"c"}), json!({"a":"c"})),
            (json!({"a":"b"}), json!({"b":"c"}), json!({"a":"b","b":"c"})),
            (json!({"a":"b"}), json!({"a":null}), json!({})),
            (
                json!({"a":"b","b":"c"}),
                json!({"a":null}),
                json!({"b":"c"}),
            ),
            (json!({"a":["b"]}), json!({"a":"c"}), json!({"a":"c"})),
            (json!({"a":"c"}), json!({"a":["b"]}), json!({"a":["b"]})),
            (
                json!({"a":{"b":"c"}}),
                json!({"a":{"b":"d","c":null}}),
                json!({"a":{"b":"d"}}),
            ),
            (json!({"a":[{"b":"c"}]}), json!({"a":[1]}), json!({"a":[1]})),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a":"b"}), json!(["c"]), json!(["c"])),
            (json!({"a":"foo"}), json!(null), json!(null)),
            (json!({"a":"foo"}), json!("bar"), json!("bar")),
            (json!({"e":null}), json!({"a":1}), json!({"e":null,"a":1})),
            (json!([1, 2]), json!({"a":"b","c":null}), json!({"a":"b"})),
            (
                json!({}),
                json!({"a":{"bb":{"ccc":null}}}),
                json!({"a":{"bb":{}}}),
            ),
        ] {
            assert_eq!(merge_patch(&target, &patch), want, "{patch}");
        }
    }

    #[test]
    fn json_patch_follows_rfc6902() {
        let doc = json!({"spec": {"replicas": 1, "list": ["a", "b"]}, "x/y": {"~": 1}});
        for (patch, want) in [
            (
                json!([{"op":"replace","path":"/spec/replicas","value":3}]),
                json!({"spec": {"replicas": 3, "list": ["a", "b"]}, "x/y": {"~": 1}}),
            ),
            (
                json!([{"op":"add","path":"/spec/list/-","value":"c"},{"op":"add","path":"/spec/list/0","value":"z"}]),
                json!({"spec": {"replicas": 1, "list": ["z", "a", "b", "c"]}, "x/y": {"~": 1}}),
            ),
            (
                json!([{"op":"remove","path":"/x~1y/~0"}]),
                json!({"spec": {"replicas": 1, "list": ["a", "b"]}, "x/y": {}}),
            ),
            (
                json!([{"op":"test","path":"/spec/replicas","value":1},{"op":"move","from":"/spec/list","path":"/list"}]),
                json!({"spec": {"replicas": 1}, "x/y": {"~": 1}, "list": ["a", "b"]}),
            ),
            (
                json!([{"op":"copy","from":"/spec/replicas","path":"/n"}]),
                json!({"spec": {"replicas": 1, "list": ["a", "b"]}, "x/y": {"~": 1}, "n": 1}),
            ),
        ] {
            assert_eq!(json_patch(&doc, &patch).unwrap(), want, "{patch}");
        }
    }

    #[test]
    fn json_patch_failures_are_told_apart() {
        let doc = json!({"spec": {"replicas": 1}});
        let failed = |p: Value| matches!(json_patch(&doc, &p), Err(JsonPatchError::Failed(_)));
        assert!(failed(
            json!([{"op":"test","path":"/spec/replicas","value":2}])
        ));
        assert!(failed(
            json!([{"op":"replace","path":"/spec/nope","value":2}])
        ));
        assert!(failed(json!([{"op":"remove","path":"/status"}])));
        assert!(failed(json!([{"op":"add","path":"/a/b","value":1}])));
        assert!(matches!(
            json_patch(&doc, &json!({"op":"add"})),
            Err(JsonPatchError::Malformed(_))
        ));
        assert!(matches!(
            json_patch(&doc, &json!([{"op":"frob","path":"/a"}])),
            Err(JsonPatchError::Malformed(_))
        ));
        assert_eq!(
            json_patch_paths(
                &json!([{"op":"test","path":"/metadata/resourceVersion","value":"1"}])
            ),
            ["/metadata/resourceVersion"]
        );
    }
}
