//! `kubectl set image`: put new images in a workload's pod template, by
//! container name (`*` for all), init containers too, recording why in
//! `kubernetes.io/change-cause`; nothing is written when every container
//! already runs its image.

use std::fmt;

use kube::Client;
use serde_json::Value;

use crate::api::{Edit, dynamic, update};
use crate::{KubeError, WorkloadRef};

/// The annotation `kubectl rollout history` shows as CHANGE-CAUSE.
pub const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";

/// One container whose image changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageChange {
    /// The container's name.
    pub container: String,
    /// Whether it is an init container.
    pub init: bool,
    /// The image it had.
    pub from: String,
    /// The image it has now.
    pub to: String,
}

/// What `set_image` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetImageOutcome {
    /// The workload.
    pub workload: WorkloadRef,
    /// The containers changed (empty when all already ran their image).
    pub changes: Vec<ImageChange>,
}

impl SetImageOutcome {
    /// Whether anything was written.
    pub fn changed(&self) -> bool {
        !self.changes.is_empty()
    }
}

impl fmt::Display for SetImageOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.changes.is_empty() {
            return write!(
                f,
                "{}: images already set, nothing to change",
                self.workload
            );
        }
        let changes: Vec<String> = self
            .changes
            .iter()
            .map(|c| format!("{} {} -> {}", c.container, c.from, c.to))
            .collect();
        write!(f, "{}: {}", self.workload, changes.join(", "))
    }
}

/// Set `images` (`(container or "*", image)`) on `workload`, recording
/// `change_cause` when something changes. An unknown container name is an
/// input error naming the containers there are, and nothing is written.
pub async fn set_image(
    client: &Client,
    workload: &WorkloadRef,
    images: &[(String, String)],
    change_cause: Option<&str>,
) -> Result<SetImageOutcome, KubeError> {
    let object = workload.to_string();
    // Checked before the first request, whoever the caller is.
    for (container, image) in images {
        crate::image::parse_image_change(&format!("{container}={image}"))?;
    }
    let api = dynamic(client, &workload.kind.api_resource(), &workload.namespace);
    let (changes, _) = update(&api, &workload.name, &object, |value| {
        let changes = apply_images(value, images, &object)?;
        if changes.is_empty() {
            return Ok(Edit::Unchanged(changes));
        }
        if let Some(cause) = change_cause {
            set_annotation(value, CHANGE_CAUSE, cause);
        }
        Ok(Edit::Changed(changes))
    })
    .await?;
    Ok(SetImageOutcome {
        workload: workload.clone(),
        changes,
    })
}

/// Put `images` in the pod template of `object` (a workload as JSON),
/// returning what changed; `what` names it in errors.
pub fn apply_images(
    object: &mut Value,
    images: &[(String, String)],
    what: &str,
) -> Result<Vec<ImageChange>, KubeError> {
    let invalid = |message: String| KubeError::Invalid {
        object: what.to_owned(),
        message,
    };
    if images.is_empty() {
        return Err(invalid("no images to set".to_owned()));
    }
    let Some(pod_spec) = object
        .pointer_mut("/spec/template/spec")
        .and_then(Value::as_object_mut)
    else {
        return Err(invalid(
            "it has no pod template (spec.template.spec)".to_owned(),
        ));
    };
    let names = |key: &str, spec: &serde_json::Map<String, Value>| -> Vec<String> {
        spec.get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| c.get("name").and_then(Value::as_str).map(str::to_owned))
            .collect()
    };
    let known: Vec<String> = names("containers", pod_spec)
        .into_iter()
        .chain(names("initContainers", pod_spec))
        .collect();
    for (container, image) in images {
        if image.trim().is_empty() {
            return Err(invalid(format!(
                "the image for container {container:?} is empty"
            )));
        }
        if container != "*" && !known.contains(container) {
            return Err(KubeError::UnknownContainer {
                object: what.to_owned(),
                container: container.clone(),
                known,
            });
        }
    }
    let mut changes: Vec<ImageChange> = Vec::new();
    for (key, init) in [("initContainers", true), ("containers", false)] {
        let Some(containers) = pod_spec.get_mut(key).and_then(Value::as_array_mut) else {
            continue;
        };
        for container in containers {
            let name = container
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let Some(wanted) = images
                .iter()
                .rev()
                .find(|(c, _)| c == "*" || *c == name)
                .map(|(_, image)| image.clone())
            else {
                continue;
            };
            let from = container
                .get("image")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            if from == wanted {
                continue;
            }
            container["image"] = Value::String(wanted.clone());
            changes.push(ImageChange {
                container: name,
                init,
                from,
                to: wanted,
            });
        }
    }
    Ok(changes)
}

/// Set one annotation on `object`'s metadata.
pub(crate) fn set_annotation(object: &mut Value, key: &str, value: &str) {
    if !object["metadata"].is_object() {
        object["metadata"] = Value::Object(serde_json::Map::new());
    }
    let annotations = &mut object["metadata"]["annotations"];
    if !annotations.is_object() {
        *annotations = Value::Object(serde_json::Map::new());
    }
    annotations[key] = Value::String(value.to_owned());
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn workload() -> Value {
        json!({"metadata": {"name": "web"}, "spec": {"template": {"spec": {
            "initContainers": [{"name": "migrate", "image": "app:1"}],
            "containers": [{"name": "web", "image": "app:1"}, {"name": "proxy", "image": "envoy:1.30"}],
        }}}})
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(c, i)| ((*c).to_owned(), (*i).to_owned()))
            .collect()
    }

    #[test]
    fn images_by_container() {
        type Change<'a> = (&'a str, bool, &'a str, &'a str);
        type Case = (Vec<(&'static str, &'static str)>, Vec<Change<'static>>);
        let cases: Vec<Case> = vec![
            (
                vec![("web", "app:2")],
                vec![("web", false, "app:1", "app:2")],
            ),
            (vec![("web", "app:1")], vec![]),
            (
                vec![("migrate", "app:2")],
                vec![("migrate", true, "app:1", "app:2")],
            ),
            (
                vec![("*", "app:2")],
                vec![
                    ("migrate", true, "app:1", "app:2"),
                    ("web", false, "app:1", "app:2"),
                    ("proxy", false, "envoy:1.30", "app:2"),
                ],
            ),
            (
                // The last pair naming a container wins.
                vec![("*", "app:2"), ("proxy", "envoy:1.30")],
                vec![
                    ("migrate", true, "app:1", "app:2"),
                    ("web", false, "app:1", "app:2"),
                ],
            ),
            (
                vec![("web", "app:2"), ("proxy", "envoy:1.31")],
                vec![
                    ("web", false, "app:1", "app:2"),
                    ("proxy", false, "envoy:1.30", "envoy:1.31"),
                ],
            ),
        ];
        for (images, want) in cases {
            let mut object = workload();
            let changes =
                apply_images(&mut object, &pairs(&images), "deployment prod/web").unwrap();
            let got: Vec<Change<'_>> = changes
                .iter()
                .map(|c| (c.container.as_str(), c.init, c.from.as_str(), c.to.as_str()))
                .collect();
            assert_eq!(got, want, "{images:?}");
            for change in &changes {
                let key = if change.init {
                    "initContainers"
                } else {
                    "containers"
                };
                let stored = object["spec"]["template"]["spec"][key]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|c| c["name"] == change.container.as_str())
                    .unwrap();
                assert_eq!(stored["image"], change.to.as_str());
            }
        }
    }

    #[test]
    fn bad_input_changes_nothing() {
        let mut object = workload();
        let err = apply_images(
            &mut object,
            &pairs(&[("web", "app:2"), ("app", "x:1")]),
            "deployment prod/web",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "deployment prod/web has no container named \"app\" (containers: web, proxy, migrate)"
        );
        assert!(err.is_input_error());
        assert_eq!(object, workload());
        for images in [vec![], vec![("web", " ")]] {
            let err =
                apply_images(&mut object, &pairs(&images), "deployment prod/web").unwrap_err();
            assert!(err.is_input_error(), "{err}");
        }
        let err = apply_images(
            &mut json!({"spec": {}}),
            &pairs(&[("web", "a:1")]),
            "deployment prod/web",
        )
        .unwrap_err();
        assert!(err.to_string().contains("no pod template"), "{err}");
    }

    #[test]
    fn annotations_and_outcome_lines() {
        let mut object = json!({"metadata": {"name": "web"}});
        set_annotation(&mut object, CHANGE_CAUSE, "deploy 2");
        set_annotation(&mut object, "other", "x");
        assert_eq!(
            object["metadata"]["annotations"],
            json!({CHANGE_CAUSE: "deploy 2", "other": "x"})
        );
        let outcome = SetImageOutcome {
            workload: WorkloadRef::deployment("prod", "web"),
            changes: vec![ImageChange {
                container: "web".into(),
                init: false,
                from: "app:1".into(),
                to: "app:2".into(),
            }],
        };
        assert!(outcome.changed());
        assert_eq!(
            outcome.to_string(),
            "deployment prod/web: web app:1 -> app:2"
        );
        let none = SetImageOutcome {
            changes: vec![],
            ..outcome
        };
        assert_eq!(
            none.to_string(),
            "deployment prod/web: images already set, nothing to change"
        );
    }
}
