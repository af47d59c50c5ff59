//! Validation the API server does before it stores an object: the
//! answers a client gets as 422 Invalid.

use serde_json::Value;

use super::selector::{LabelSelector, labels_of};
use super::status::FieldError;
use super::util::{at, int_at, str_at};

fn required(field: &str) -> FieldError {
    (
        field.to_owned(),
        "FieldValueRequired",
        "Required value".to_owned(),
    )
}

fn invalid(field: &str, value: &str, why: &str) -> FieldError {
    (
        field.to_owned(),
        "FieldValueInvalid",
        format!("Invalid value: {value}: {why}"),
    )
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*`, at most 253.
pub(crate) fn is_dns_subdomain(name: &str) -> bool {
    name.len() <= 253
        && !name.is_empty()
        && name.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63.
pub(crate) fn is_dns_label(name: &str) -> bool {
    name.len() <= 63 && !name.contains('.') && is_dns_subdomain(name)
}

/// Everything wrong with `object` of `kind`.
pub(crate) fn validate(kind: &str, object: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let name = str_at(object, "metadata.name");
    if name.is_empty() {
        errors.push((
            "metadata.name".to_owned(),
            "FieldValueRequired",
            "Required value: name or generateName is required".to_owned(),
        ));
    } else if kind == "Namespace" || kind == "Service" {
        if !is_dns_label(name) {
            errors.push(invalid(
                "metadata.name",
                &format!("{name:?}"),
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
            ));
        }
    } else if !is_dns_subdomain(name) {
        errors.push(invalid(
            "metadata.name",
            &format!("{name:?}"),
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        ));
    }
    match kind {
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" => {
            workload(kind, object, &mut errors)
        }
        "Pod" => pod_spec(
            "spec",
            object.get("spec").unwrap_or(&Value::Null),
            false,
            &mut errors,
        ),
        "Service" => service(object, &mut errors),
        _ => {}
    }
    errors
}

fn workload(kind: &str, object: &Value, errors: &mut Vec<FieldError>) {
    if let Some(replicas) = at(object, "spec.replicas") {
        match replicas.as_i64() {
            Some(n) if n < 0 => errors.push(invalid(
                "spec.replicas",
                &n.to_string(),
                "must be greater than or equal to 0",
            )),
            Some(_) => {}
            None => errors.push(invalid(
                "spec.replicas",
                &replicas.to_string(),
                "must be an integer",
            )),
        }
    }
    match at(object, "spec.selector") {
        None | Some(Value::Null) => errors.push(required("spec.selector")),
        Some(selector) => {
            let parsed = LabelSelector::from_object(selector);
            if parsed.0.is_empty() {
                errors.push(invalid(
                    "spec.selector",
                    "v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}",
                    "empty selector is invalid for deployment",
                ));
            } else {
                let template = at(object, "spec.template").cloned().unwrap_or(Value::Null);
                if !parsed.matches(&labels_of(&template)) {
                    let labels: Vec<String> = labels_of(&template)
                        .iter()
                        .map(|(k, v)| format!("{k:?}:{v:?}"))
                        .collect();
                    errors.push(invalid(
                        "spec.template.metadata.labels",
                        &format!("map[string]string{{{}}}", labels.join(", ")),
                        "`selector` does not match template `labels`",
                    ));
                }
            }
        }
    }
    let pod = at(object, "spec.template.spec").unwrap_or(&Value::Null);
    pod_spec("spec.template.spec", pod, true, errors);
    if kind == "Deployment" {
        deployment_strategy(object, errors);
    }
}

fn deployment_strategy(object: &Value, errors: &mut Vec<FieldError>) {
    let kind = str_at(object, "spec.strategy.type");
    match kind {
        "RollingUpdate" | "" => {
            let surge = at(object, "spec.strategy.rollingUpdate.maxSurge");
            let unavailable = at(object, "spec.strategy.rollingUpdate.maxUnavailable");
            let zero = |v: Option<&Value>| {
                v.is_some_and(|v| v.as_i64() == Some(0) || v.as_str() == Some("0%"))
            };
            if zero(surge) && zero(unavailable) {
                errors.push(invalid(
                    "spec.strategy.rollingUpdate.maxUnavailable",
                    "0",
                    "may not be 0 when `maxSurge` is 0",
                ));
            }
        }
        "Recreate" => {
            if at(object, "spec.strategy.rollingUpdate").is_some_and(|v| !v.is_null()) {
                errors.push((
                    "spec.strategy.rollingUpdate".to_owned(),
                    "FieldValueForbidden",
                    "Forbidden: may not be specified when strategy `type` is 'Recreate'".to_owned(),
                ));
            }
        }
        other => errors.push((
            "spec.strategy.type".to_owned(),
            "FieldValueNotSupported",
            format!(
                "Unsupported value: {other:?}: supported values: \"Recreate\", \"RollingUpdate\""
            ),
        )),
    }
    let deadline = int_at(object, "spec.progressDeadlineSeconds");
    let min_ready = int_at(object, "spec.minReadySeconds").unwrap_or(0);
    if let Some(d) = deadline
        && d <= min_ready
    {
        errors.push(invalid(
            "spec.progressDeadlineSeconds",
            &d.to_string(),
            "must be greater than minReadySeconds",
        ));
    }
}

fn pod_spec(path: &str, spec: &Value, template: bool, errors: &mut Vec<FieldError>) {
    let containers = spec.get("containers").and_then(Value::as_array);
    match containers {
        None => errors.push(required(&format!("{path}.containers"))),
        Some(list) if list.is_empty() => errors.push(required(&format!("{path}.containers"))),
        Some(list) => {
            let mut seen: Vec<&str> = Vec::new();
            for (i, c) in list.iter().enumerate() {
                let field = format!("{path}.containers[{i}]");
                let name = str_at(c, "name");
                if name.is_empty() {
                    errors.push(required(&format!("{field}.name")));
                } else if seen.contains(&name) {
                    errors.push((
                        format!("{field}.name"),
                        "FieldValueDuplicate",
                        format!("Duplicate value: {name:?}"),
                    ));
                } else {
                    seen.push(name);
                }
                if str_at(c, "image").trim().is_empty() {
                    errors.push(required(&format!("{field}.image")));
                }
            }
        }
    }
    let restart = str_at(spec, "restartPolicy");
    if template && !restart.is_empty() && restart != "Always" {
        errors.push((
            format!("{path}.restartPolicy"),
            "FieldValueNotSupported",
            format!("Unsupported value: {restart:?}: supported values: \"Always\""),
        ));
    }
}

fn service(object: &Value, errors: &mut Vec<FieldError>) {
    let kind = str_at(object, "spec.type");
    let headless = str_at(object, "spec.clusterIP") == "None";
    let ports = at(object, "spec.ports").and_then(Value::as_array);
    if kind != "ExternalName" && !headless && ports.is_none_or(Vec::is_empty) {
        errors.push(required("spec.ports"));
    }
    for (i, port) in ports.into_iter().flatten().enumerate() {
        match port.get("port").and_then(Value::as_i64) {
            Some(p) if (1..=65535).contains(&p) => {}
            Some(p) => errors.push(invalid(
                &format!("spec.ports[{i}].port"),
                &p.to_string(),
                "must be between 1 and 65535, inclusive",
            )),
            None => errors.push(required(&format!("spec.ports[{i}].port"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment() -> Value {
        json!({"metadata": {"name": "web"}, "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "app", "image": "img:v1"}]}}
        }})
    }

    fn fields(kind: &str, object: &Value) -> Vec<String> {
        validate(kind, object)
            .into_iter()
            .map(|(f, _, m)| format!("{f}: {m}"))
            .collect()
    }

    fn set(d: &mut Value, pointer: &str, value: Value) {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        match d.pointer_mut(parent).unwrap() {
            Value::Array(items) => items[key.parse::<usize>().unwrap()] = value,
            other => other[key] = value,
        }
    }

    #[test]
    fn accepts_a_good_deployment() {
        assert!(fields("Deployment", &deployment()).is_empty());
    }

    #[test]
    fn refuses_what_the_api_server_refuses() {
        for (pointer, value, want) in [
            (
                "/spec/replicas",
                json!(-1),
                "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
            ),
            (
                "/spec/template/spec/containers",
                json!([]),
                "spec.template.spec.containers: Required value",
            ),
            (
                "/spec/template/spec/containers/0/image",
                json!(""),
                "spec.template.spec.containers[0].image: Required value",
            ),
            (
                "/spec/selector",
                Value::Null,
                "spec.selector: Required value",
            ),
            (
                "/spec/template/metadata/labels",
                json!({"app": "other"}),
                "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"other\"}: `selector` does not match template `labels`",
            ),
            (
                "/metadata/name",
                json!("Web_1"),
                "metadata.name: Invalid value: \"Web_1\": a lowercase RFC 1123 subdomain",
            ),
            (
                "/spec/strategy",
                json!({"type": "Recreate", "rollingUpdate": {}}),
                "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
            ),
            (
                "/spec/strategy",
                json!({"type": "Blue"}),
                "spec.strategy.type: Unsupported value: \"Blue\"",
            ),
            (
                "/spec/progressDeadlineSeconds",
                json!(0),
                "spec.progressDeadlineSeconds: Invalid value: 0: must be greater than minReadySeconds",
            ),
        ] {
            let mut d = deployment();
            set(&mut d, pointer, value);
            let got = fields("Deployment", &d);
            assert!(
                got.iter().any(|g| g.starts_with(want)),
                "{pointer}: {got:?}"
            );
        }
    }

    #[test]
    fn checks_pods_and_services() {
        assert_eq!(
            fields("Pod", &json!({"metadata": {"name": "p"}, "spec": {}})),
            ["spec.containers: Required value"]
        );
        assert_eq!(
            fields("Service", &json!({"metadata": {"name": "s"}, "spec": {}})),
            ["spec.ports: Required value"]
        );
        assert!(
            fields(
                "Service",
                &json!({"metadata": {"name": "s"}, "spec": {"clusterIP": "None"}})
            )
            .is_empty()
        );
        assert!(
            fields(
                "Service",
                &json!({"metadata": {"name": "s.x"}, "spec": {"ports": [{"port": 80}]}})
            )[0]
            .contains("RFC 1123 label")
        );
        assert_eq!(
            fields("HTTPRoute", &json!({"metadata": {}})),
            ["metadata.name: Required value: name or generateName is required"]
        );
    }

    #[test]
    fn dns_names() {
        assert!(is_dns_subdomain("web-1.example"));
        assert!(!is_dns_subdomain("-web"));
        assert!(!is_dns_label("a.b"));
        assert!(is_dns_label("a1"));
    }
}
