//! Server-side printing: the `meta.k8s.io/v1` `Table` that `kubectl get`
//! asks for (`Accept: application/json;as=Table;…`), with the columns
//! the API server prints for the common types and Name/Age for the rest.

use serde_json::{Value, json};

use super::resources::Resource;
use super::selector::LabelSelector;
use super::util::{at, int_at, now_unix, parse_rfc3339, str_at};

/// Whether the `Accept` header asks for a Table.
pub(crate) fn wanted(accept: Option<&str>) -> bool {
    accept.is_some_and(|a| {
        a.split(',')
            .next()
            .is_some_and(|first| first.contains("as=Table"))
    })
}

/// A Table of the items of a `…List`.
pub(crate) fn of_list(resource: &Resource, list: &Value) -> Value {
    let items: Vec<&Value> = list["items"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    table(
        resource,
        &items,
        list["metadata"]["resourceVersion"].clone(),
    )
}

/// A Table of one object.
pub(crate) fn of_object(resource: &Resource, object: &Value) -> Value {
    table(
        resource,
        &[object],
        object["metadata"]["resourceVersion"].clone(),
    )
}

fn table(resource: &Resource, items: &[&Value], rv: Value) -> Value {
    let columns: Vec<Value> = columns(resource.kind)
        .iter()
        .map(|(name, kind, priority)| {
            json!({
                "name": name,
                "type": kind,
                "format": if *name == "Name" { "name" } else { "" },
                "description": "",
                "priority": priority,
            })
        })
        .collect();
    let rows: Vec<Value> = items
        .iter()
        .map(|o| {
            json!({
                "cells": cells(resource.kind, o),
                "object": {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": o["metadata"],
                },
            })
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": rv},
        "columnDefinitions": columns,
        "rows": rows,
    })
}

fn columns(kind: &str) -> &'static [(&'static str, &'static str, u8)] {
    match kind {
        "Pod" => &[
            ("Name", "string", 0),
            ("Ready", "string", 0),
            ("Status", "string", 0),
            ("Restarts", "string", 0),
            ("Age", "string", 0),
            ("IP", "string", 1),
            ("Node", "string", 1),
        ],
        "Deployment" => &[
            ("Name", "string", 0),
            ("Ready", "string", 0),
            ("Up-to-date", "integer", 0),
            ("Available", "integer", 0),
            ("Age", "string", 0),
            ("Containers", "string", 1),
            ("Images", "string", 1),
            ("Selector", "string", 1),
        ],
        "ReplicaSet" => &[
            ("Name", "string", 0),
            ("Desired", "integer", 0),
            ("Current", "integer", 0),
            ("Ready", "integer", 0),
            ("Age", "string", 0),
            ("Containers", "string", 1),
            ("Images", "string", 1),
            ("Selector", "string", 1),
        ],
        "StatefulSet" => &[
            ("Name", "string", 0),
            ("Ready", "string", 0),
            ("Age", "string", 0),
        ],
        "DaemonSet" => &[
            ("Name", "string", 0),
            ("Desired", "integer", 0),
            ("Current", "integer", 0),
            ("Ready", "integer", 0),
            ("Up-to-date", "integer", 0),
            ("Available", "integer", 0),
            ("Age", "string", 0),
        ],
        "Service" => &[
            ("Name", "string", 0),
            ("Type", "string", 0),
            ("Cluster-IP", "string", 0),
            ("External-IP", "string", 0),
            ("Port(s)", "string", 0),
            ("Age", "string", 0),
        ],
        "Namespace" => &[
            ("Name", "string", 0),
            ("Status", "string", 0),
            ("Age", "string", 0),
        ],
        _ => &[("Name", "string", 0), ("Age", "string", 0)],
    }
}

fn containers(object: &Value, field: &str) -> String {
    at(object, "spec.template.spec.containers")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .map(|c| str_at(c, field))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

fn selector(object: &Value) -> String {
    at(object, "spec.selector")
        .map(|s| LabelSelector::from_object(s).to_text())
        .unwrap_or_default()
}

fn cells(kind: &str, o: &Value) -> Vec<Value> {
    let name = json!(str_at(o, "metadata.name"));
    let age = json!(age(o));
    let n = |path: &str| int_at(o, path).unwrap_or(0);
    match kind {
        "Pod" => {
            let statuses = o["status"]["containerStatuses"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let total = o["spec"]["containers"].as_array().map_or(0, Vec::len);
            let ready = statuses.iter().filter(|s| s["ready"] == true).count();
            let restarts: i64 = statuses
                .iter()
                .filter_map(|s| s["restartCount"].as_i64())
                .sum();
            let waiting = statuses
                .iter()
                .find_map(|s| s["state"]["waiting"]["reason"].as_str().map(str::to_owned));
            let phase = str_at(o, "status.phase");
            vec![
                name,
                json!(format!("{ready}/{total}")),
                json!(waiting.unwrap_or_else(|| phase.to_owned())),
                json!(restarts.to_string()),
                age,
                json!(str_at(o, "status.podIP")),
                json!(str_at(o, "spec.nodeName")),
            ]
        }
        "Deployment" => vec![
            name,
            json!(format!(
                "{}/{}",
                n("status.readyReplicas"),
                int_at(o, "spec.replicas").unwrap_or(1)
            )),
            json!(n("status.updatedReplicas")),
            json!(n("status.availableReplicas")),
            age,
            json!(containers(o, "name")),
            json!(containers(o, "image")),
            json!(selector(o)),
        ],
        "ReplicaSet" => vec![
            name,
            json!(int_at(o, "spec.replicas").unwrap_or(1)),
            json!(n("status.replicas")),
            json!(n("status.readyReplicas")),
            age,
            json!(containers(o, "name")),
            json!(containers(o, "image")),
            json!(selector(o)),
        ],
        "StatefulSet" => vec![
            name,
            json!(format!(
                "{}/{}",
                n("status.readyReplicas"),
                int_at(o, "spec.replicas").unwrap_or(1)
            )),
            age,
        ],
        "DaemonSet" => vec![
            name,
            json!(n("status.desiredNumberScheduled")),
            json!(n("status.currentNumberScheduled")),
            json!(n("status.numberReady")),
            json!(n("status.updatedNumberScheduled")),
            json!(n("status.numberAvailable")),
            age,
        ],
        "Service" => {
            let ports: Vec<String> = o["spec"]["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| format!("{}/{}", p["port"], str_at(p, "protocol")))
                .collect();
            vec![
                name,
                json!(str_at(o, "spec.type")),
                json!(str_at(o, "spec.clusterIP")),
                json!("<none>"),
                json!(if ports.is_empty() {
                    "<none>".to_owned()
                } else {
                    ports.join(",")
                }),
                age,
            ]
        }
        "Namespace" => vec![name, json!(str_at(o, "status.phase")), age],
        _ => vec![name, age],
    }
}

fn age(object: &Value) -> String {
    match parse_rfc3339(str_at(object, "metadata.creationTimestamp")) {
        Some(created) => human_duration(now_unix() - created),
        None => "<unknown>".to_owned(),
    }
}

/// apimachinery's `duration.HumanDuration`, as kubectl prints ages.
pub(crate) fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".to_owned();
    }
    let seconds = seconds.max(0);
    let minutes = seconds / 60;
    let hours = minutes / 60;
    let days = hours / 24;
    let with = |big: i64, unit: &str, small: i64, small_unit: &str| {
        if small == 0 {
            format!("{big}{unit}")
        } else {
            format!("{big}{unit}{small}{small_unit}")
        }
    };
    if seconds < 120 {
        format!("{seconds}s")
    } else if minutes < 10 {
        with(minutes, "m", seconds % 60, "s")
    } else if minutes < 180 {
        format!("{minutes}m")
    } else if hours < 8 {
        with(hours, "h", minutes % 60, "m")
    } else if hours < 48 {
        format!("{hours}h")
    } else if hours < 24 * 8 {
        with(days, "d", hours % 24, "h")
    } else if hours < 24 * 365 * 2 {
        format!("{days}d")
    } else if hours < 24 * 365 * 8 {
        with(days / 365, "y", days % 365, "d")
    } else {
        format!("{}y", days / 365)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_durations_like_kubectl() {
        for (secs, want) in [
            (0, "0s"),
            (119, "119s"),
            (150, "2m30s"),
            (600, "10m"),
            (3 * 3600 + 60, "3h1m"),
            (30 * 3600, "30h"),
            (3 * 86400 + 3600, "3d1h"),
            (40 * 86400, "40d"),
        ] {
            assert_eq!(human_duration(secs), want);
        }
    }

    #[test]
    fn asks_for_tables_only_when_preferred() {
        assert!(wanted(Some(
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
        )));
        assert!(!wanted(Some("application/json")));
        assert!(!wanted(None));
    }

    #[test]
    fn prints_pod_rows() {
        let pod = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a"}]},
            "status": {"phase": "Running", "containerStatuses": [{"ready": false, "restartCount": 3, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}});
        let cells = cells("Pod", &pod);
        assert_eq!(
            cells[1..4],
            [json!("0/1"), json!("CrashLoopBackOff"), json!("3")]
        );
    }
}
