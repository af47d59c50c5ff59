//! The defaults the API server fills in on create and update (the fields
//! `kubectl get -o json` shows that nobody wrote).

use serde_json::{Map, Value, json};

use super::util::{at, object_at};

fn default(map: &mut Map<String, Value>, key: &str, value: Value) {
    if map.get(key).is_none_or(Value::is_null) {
        map.insert(key.to_owned(), value);
    }
}

/// Fill the defaults of `kind` into `object`.
pub(crate) fn apply(kind: &str, object: &mut Value) {
    match kind {
        "Deployment" => {
            if let Some(spec) = object_at(object, "spec") {
                default(spec, "replicas", json!(1));
                default(spec, "revisionHistoryLimit", json!(10));
                default(spec, "progressDeadlineSeconds", json!(600));
                default(spec, "strategy", json!({"type": "RollingUpdate"}));
            }
            if let Some(strategy) = object_at(object, "spec.strategy") {
                default(strategy, "type", json!("RollingUpdate"));
                if strategy.get("type") == Some(&json!("RollingUpdate")) {
                    default(strategy, "rollingUpdate", json!({}));
                    if let Some(Value::Object(rolling)) = strategy.get_mut("rollingUpdate") {
                        default(rolling, "maxUnavailable", json!("25%"));
                        default(rolling, "maxSurge", json!("25%"));
                    }
                }
            }
            template(object);
        }
        "ReplicaSet" => {
            if let Some(spec) = object_at(object, "spec") {
                default(spec, "replicas", json!(1));
            }
            template(object);
        }
        "StatefulSet" => {
            if let Some(spec) = object_at(object, "spec") {
                default(spec, "replicas", json!(1));
                default(spec, "podManagementPolicy", json!("OrderedReady"));
                default(spec, "revisionHistoryLimit", json!(10));
                default(
                    spec,
                    "updateStrategy",
                    json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}),
                );
                default(
                    spec,
                    "persistentVolumeClaimRetentionPolicy",
                    json!({"whenDeleted": "Retain", "whenScaled": "Retain"}),
                );
            }
            template(object);
        }
        "DaemonSet" => {
            if let Some(spec) = object_at(object, "spec") {
                default(spec, "revisionHistoryLimit", json!(10));
                default(
                    spec,
                    "updateStrategy",
                    json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}),
                );
            }
            template(object);
        }
        "Pod" => {
            if let Some(spec) = object_at(object, "spec") {
                pod_spec(spec);
                default(spec, "enableServiceLinks", json!(true));
                default(spec, "serviceAccountName", json!("default"));
                default(spec, "preemptionPolicy", json!("PreemptLowerPriority"));
                default(spec, "priority", json!(0));
            }
        }
        "Service" => {
            if let Some(spec) = object_at(object, "spec") {
                default(spec, "type", json!("ClusterIP"));
                default(spec, "sessionAffinity", json!("None"));
                default(spec, "internalTrafficPolicy", json!("Cluster"));
                if let Some(Value::Array(ports)) = spec.get_mut("ports") {
                    for port in ports.iter_mut().filter_map(Value::as_object_mut) {
                        default(port, "protocol", json!("TCP"));
                        if let Some(p) = port.get("port").cloned() {
                            default(port, "targetPort", p);
                        }
                    }
                }
            }
        }
        "Namespace" => {
            let name = at(object, "metadata.name").cloned().unwrap_or(Value::Null);
            if let Some(labels) = object_at(object, "metadata.labels") {
                labels.insert("kubernetes.io/metadata.name".into(), name);
            }
            if let Some(spec) = object_at(object, "spec") {
                default(spec, "finalizers", json!(["kubernetes"]));
            }
        }
        _ => {}
    }
}

fn template(object: &mut Value) {
    if let Some(spec) = object_at(object, "spec.template.spec") {
        pod_spec(spec);
    }
}

fn pod_spec(spec: &mut Map<String, Value>) {
    default(spec, "restartPolicy", json!("Always"));
    default(spec, "terminationGracePeriodSeconds", json!(30));
    default(spec, "dnsPolicy", json!("ClusterFirst"));
    default(spec, "securityContext", json!({}));
    default(spec, "schedulerName", json!("default-scheduler"));
    for list in ["initContainers", "containers"] {
        if let Some(Value::Array(containers)) = spec.get_mut(list) {
            for c in containers.iter_mut().filter_map(Value::as_object_mut) {
                container(c);
            }
        }
    }
}

fn container(c: &mut Map<String, Value>) {
    let image = c.get("image").and_then(Value::as_str).unwrap_or_default();
    // `:latest` or no tag (and no digest) pulls every time.
    let last = image.rsplit('/').next().unwrap_or_default();
    let policy = if !image.contains('@') && (!last.contains(':') || last.ends_with(":latest")) {
        "Always"
    } else {
        "IfNotPresent"
    };
    default(c, "imagePullPolicy", json!(policy));
    default(c, "resources", json!({}));
    default(c, "terminationMessagePath", json!("/dev/termination-log"));
    default(c, "terminationMessagePolicy", json!("File"));
    if let Some(Value::Array(ports)) = c.get_mut("ports") {
        for port in ports.iter_mut().filter_map(Value::as_object_mut) {
            default(port, "protocol", json!("TCP"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_deployment_defaults() {
        let mut d = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "a", "image": "nginx"}, {"name": "b", "image": "r/img:1.2", "ports": [{"containerPort": 80}]}
        ]}}}});
        apply("Deployment", &mut d);
        assert_eq!(d["spec"]["replicas"], 1);
        assert_eq!(
            d["spec"]["strategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}})
        );
        let c = &d["spec"]["template"]["spec"]["containers"];
        assert_eq!(c[0]["imagePullPolicy"], "Always");
        assert_eq!(c[1]["imagePullPolicy"], "IfNotPresent");
        assert_eq!(c[1]["ports"][0]["protocol"], "TCP");
        assert_eq!(d["spec"]["template"]["spec"]["restartPolicy"], "Always");
        let before = d.clone();
        apply("Deployment", &mut d);
        assert_eq!(d, before, "defaulting is idempotent");

        let mut recreate = json!({"spec": {"replicas": 0, "strategy": {"type": "Recreate"}}});
        apply("Deployment", &mut recreate);
        assert_eq!(recreate["spec"]["strategy"], json!({"type": "Recreate"}));
        assert_eq!(recreate["spec"]["replicas"], 0);
    }

    #[test]
    fn fills_service_and_namespace_defaults() {
        let mut s = json!({"spec": {"ports": [{"port": 80}]}});
        apply("Service", &mut s);
        assert_eq!(
            s["spec"]["ports"][0],
            json!({"port": 80, "protocol": "TCP", "targetPort": 80})
        );
        assert_eq!(s["spec"]["type"], "ClusterIP");
        let mut n = json!({"metadata": {"name": "prod"}});
        apply("Namespace", &mut n);
        assert_eq!(
            n["metadata"]["labels"]["kubernetes.io/metadata.name"],
            "prod"
        );
    }
}
