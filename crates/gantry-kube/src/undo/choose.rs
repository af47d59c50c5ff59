//! Which ReplicaSet an undo restores, with kubectl's client-side algorithm
//! (`kubectl rollout undo`, its `DeploymentRollbacker`): the Deployment's
//! history is the ReplicaSets it controls, each with its
//! `deployment.kubernetes.io/revision`; "previous" is the second-newest
//! revision; a paused Deployment is refused; a template that already
//! matches is skipped; the template is copied back without its
//! `pod-template-hash` label, with the ReplicaSet's annotations.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use serde_json::Value;

use super::image_match::image_matches;

/// The annotation holding a ReplicaSet's (and a Deployment's) revision.
pub const REVISION_ANNOTATION: &str = "deployment.kubernetes.io/revision";
/// The label the Deployment controller adds to tell its ReplicaSets apart.
pub const POD_TEMPLATE_HASH: &str = "pod-template-hash";

/// Annotations kubectl keeps from the Deployment instead of copying them
/// from the ReplicaSet.
pub const ANNOTATIONS_TO_SKIP: [&str; 6] = [
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION_ANNOTATION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
];

/// What to undo to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UndoTarget {
    /// The revision before the newest (`kubectl rollout undo`).
    Previous,
    /// A revision number (`--to-revision N`).
    Revision(i64),
    /// The newest revision whose pod template has a container running
    /// this image: a tag, a digest, a commit SHA or a full reference.
    Image(String),
}

/// What an undo does.
#[derive(Debug, Clone, PartialEq)]
pub enum Choice {
    /// Restore this revision.
    Rollback {
        /// The revision restored.
        revision: i64,
        /// The ReplicaSet holding it.
        replica_set: String,
        /// Its pod template, without the `pod-template-hash` label.
        template: Box<PodTemplateSpec>,
        /// The Deployment's annotations after the undo.
        annotations: BTreeMap<String, String>,
    },
    /// Nothing to do: the Deployment's template already is that revision's.
    AlreadyAt {
        /// The revision.
        revision: i64,
    },
    /// Nothing to do: the revision "previous" would restore is the one an
    /// earlier undo went away from ([`UNDONE_REVISION`]). kubectl would
    /// toggle back to it; a rollback run twice must not re-deploy the
    /// version it rolled back.
    AlreadyUndone {
        /// The revision that was undone.
        undone: i64,
        /// The revision the Deployment runs.
        current: i64,
    },
}

/// Set on a Deployment by an undo: the revision it went away from, so
/// that undoing "to the previous revision" again is a no-op instead of a
/// return to the bad version.
pub const UNDONE_REVISION: &str = "gantry.dev/undone-revision";

impl Choice {
    /// kubectl's words: `rolled back` or `skipped rollback (current
    /// template already matches revision N)`.
    pub fn summary(&self) -> String {
        match self {
            Choice::Rollback { revision, .. } => format!("rolled back to revision {revision}"),
            Choice::AlreadyAt { revision } => {
                format!("skipped rollback (current template already matches revision {revision})")
            }
            Choice::AlreadyUndone { undone, current } => format!(
                "skipped rollback (revision {undone} was already undone; the Deployment runs revision {current}: give a revision to go further back)"
            ),
        }
    }
}

/// Why an undo cannot be done. All are the user's to fix (exit 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UndoError {
    /// Fewer than two revisions.
    #[error("no rollout history to undo to: {}", only(.revisions))]
    NoPreviousRevision {
        /// The revisions there are (zero or one).
        revisions: Vec<i64>,
    },
    /// `--to-revision N` that is not in the history.
    #[error("unable to find specified revision {revision} in history (revisions: {})", join(.revisions))]
    RevisionNotFound {
        /// The revision asked for.
        revision: i64,
        /// The revisions there are.
        revisions: Vec<i64>,
    },
    /// No revision runs the image asked for.
    #[error("no revision runs an image matching {image:?} ({})", images(.history))]
    NoImageMatch {
        /// As given.
        image: String,
        /// Each revision with its images.
        history: Vec<(i64, Vec<String>)>,
    },
    /// kubectl refuses to undo a paused Deployment.
    #[error(
        "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume deployment/{name}' and try again"
    )]
    Paused {
        /// The Deployment's name.
        name: String,
    },
}

/// Choose what undoing `current` to `target` restores, from its
/// ReplicaSets (any ReplicaSets may be passed: only those the Deployment
/// controls count).
pub fn choose_revision(
    current: &Deployment,
    replica_sets: &[ReplicaSet],
    target: &UndoTarget,
) -> Result<Choice, UndoError> {
    let mut history: Vec<(i64, &ReplicaSet)> = replica_sets
        .iter()
        .filter(|rs| controlled_by(rs, current))
        .filter_map(|rs| Some((revision_of(rs)?, rs)))
        .collect();
    history.sort_by_key(|(revision, _)| std::cmp::Reverse(*revision));
    let revisions: Vec<i64> = history.iter().map(|(r, _)| *r).collect();

    let newest = revisions.first().copied();
    let (revision, rs) = match target {
        UndoTarget::Previous => {
            let (previous, rs) = *history.get(1).ok_or(UndoError::NoPreviousRevision {
                revisions: revisions.clone(),
            })?;
            let undone = current
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(UNDONE_REVISION))
                .and_then(|v| v.trim().parse::<i64>().ok());
            if undone == Some(previous) {
                return Ok(Choice::AlreadyUndone {
                    undone: previous,
                    current: newest.unwrap_or(previous),
                });
            }
            (previous, rs)
        }
        UndoTarget::Revision(wanted) => {
            *history
                .iter()
                .find(|(r, _)| r == wanted)
                .ok_or(UndoError::RevisionNotFound {
                    revision: *wanted,
                    revisions: revisions.clone(),
                })?
        }
        UndoTarget::Image(image) => *history
            .iter()
            .find(|(_, rs)| template_images(rs).iter().any(|i| image_matches(i, image)))
            .ok_or_else(|| UndoError::NoImageMatch {
                image: image.clone(),
                history: history
                    .iter()
                    .map(|(r, rs)| (*r, template_images(rs)))
                    .collect(),
            })?,
    };

    let spec = current.spec.clone().unwrap_or_default();
    if spec.paused == Some(true) {
        return Err(UndoError::Paused {
            name: current.metadata.name.clone().unwrap_or_default(),
        });
    }
    let mut template = rs
        .spec
        .as_ref()
        .and_then(|s| s.template.clone())
        .unwrap_or_default();
    if templates_equal(&template, &spec.template) {
        return Ok(Choice::AlreadyAt { revision });
    }
    if let Some(labels) = template.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
        labels.remove(POD_TEMPLATE_HASH);
    }
    let mut annotations = rollback_annotations(
        current.metadata.annotations.as_ref(),
        rs.metadata.annotations.as_ref(),
    );
    if let Some(newest) = newest {
        annotations.insert(UNDONE_REVISION.to_owned(), newest.to_string());
    }
    Ok(Choice::Rollback {
        revision,
        replica_set: rs.metadata.name.clone().unwrap_or_default(),
        template: Box::new(template),
        annotations,
    })
}

/// The Deployment's annotations after an undo: its own skipped ones,
/// then every other annotation of the ReplicaSet (the Deployment's other
/// annotations are dropped, as kubectl replaces them wholesale).
pub fn rollback_annotations(
    deployment: Option<&BTreeMap<String, String>>,
    replica_set: Option<&BTreeMap<String, String>>,
) -> BTreeMap<String, String> {
    let skipped = |k: &str| ANNOTATIONS_TO_SKIP.contains(&k);
    let mut annotations: BTreeMap<String, String> = deployment
        .into_iter()
        .flatten()
        .filter(|(k, _)| skipped(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (k, v) in replica_set.into_iter().flatten() {
        if !skipped(k) {
            annotations.insert(k.clone(), v.clone());
        }
    }
    annotations
}

/// Whether two pod templates are equal once the `pod-template-hash`
/// label is dropped, treating an empty list or map like a missing one
/// (as the API machinery's semantic equality does).
pub fn templates_equal(a: &PodTemplateSpec, b: &PodTemplateSpec) -> bool {
    let normal = |t: &PodTemplateSpec| {
        let mut value = serde_json::to_value(t).unwrap_or(Value::Null);
        if let Some(labels) = value
            .pointer_mut("/metadata/labels")
            .and_then(Value::as_object_mut)
        {
            labels.remove(POD_TEMPLATE_HASH);
        }
        prune(&mut value);
        value
    };
    normal(a) == normal(b)
}

/// Drop nulls, empty arrays and empty objects, recursively.
pub(crate) fn prune(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for v in map.values_mut() {
                prune(v);
            }
            map.retain(|_, v| !is_empty(v));
        }
        Value::Array(items) => items.iter_mut().for_each(prune),
        _ => {}
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// A ReplicaSet's revision, when it has a valid one.
pub(crate) fn revision_of(rs: &ReplicaSet) -> Option<i64> {
    rs.metadata
        .annotations
        .as_ref()?
        .get(REVISION_ANNOTATION)?
        .parse()
        .ok()
}

/// Whether `rs` is controlled by `deployment` (its controller owner
/// reference carries the Deployment's uid).
pub(crate) fn controlled_by(rs: &ReplicaSet, deployment: &Deployment) -> bool {
    let Some(uid) = deployment.metadata.uid.as_deref() else {
        return false;
    };
    rs.metadata
        .owner_references
        .iter()
        .flatten()
        .any(|o| o.controller == Some(true) && o.uid == uid)
}

/// The images of a ReplicaSet's pod template, init containers first.
fn template_images(rs: &ReplicaSet) -> Vec<String> {
    let Some(spec) = rs
        .spec
        .as_ref()
        .and_then(|s| s.template.as_ref())
        .and_then(|t| t.spec.as_ref())
    else {
        return Vec::new();
    };
    spec.init_containers
        .iter()
        .flatten()
        .chain(&spec.containers)
        .filter_map(|c| c.image.clone())
        .collect()
}

fn join(revisions: &[i64]) -> String {
    if revisions.is_empty() {
        return "none".to_owned();
    }
    let mut sorted = revisions.to_vec();
    sorted.sort_unstable();
    sorted
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn only(revisions: &[i64]) -> String {
    match revisions {
        [] => "it has no revisions (nothing to undo)".to_owned(),
        [one] => format!("it has only revision {one} (nothing to undo)"),
        more => format!("revisions {}", join(more)),
    }
}

fn images(history: &[(i64, Vec<String>)]) -> String {
    if history.is_empty() {
        return "no revisions".to_owned();
    }
    let mut sorted = history.to_vec();
    sorted.sort_by_key(|(r, _)| *r);
    sorted
        .iter()
        .map(|(r, images)| format!("revision {r}: {}", images.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const UID: &str = "d-uid";

    fn template(image: &str, hash: Option<&str>) -> Value {
        let mut labels = json!({"app": "web"});
        if let Some(hash) = hash {
            labels[POD_TEMPLATE_HASH] = json!(hash);
        }
        json!({"metadata": {"labels": labels},
            "spec": {"containers": [{"name": "web", "image": image, "env": []}]}})
    }

    fn deployment(image: &str, paused: bool) -> Deployment {
        serde_json::from_value(json!({
            "metadata": {"name": "web", "namespace": "prod", "uid": UID,
                "annotations": {REVISION_ANNOTATION: "3", "team": "a",
                    "kubectl.kubernetes.io/last-applied-configuration": "{}"}},
            "spec": {"paused": paused, "selector": {"matchLabels": {"app": "web"}}, "template": template(image, None)},
        }))
        .unwrap()
    }

    fn rs(revision: &str, image: &str, owner: &str) -> ReplicaSet {
        let hash = format!("h{revision}");
        serde_json::from_value(json!({
            "metadata": {"name": format!("web-{hash}"),
                "annotations": {REVISION_ANNOTATION: revision, "kubernetes.io/change-cause": format!("deploy {image}"),
                    "deployment.kubernetes.io/desired-replicas": "3"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": owner, "controller": true}]},
            "spec": {"selector": {"matchLabels": {"app": "web", POD_TEMPLATE_HASH: &hash}},
                "template": template(image, Some(&hash))},
        }))
        .unwrap()
    }

    fn history() -> Vec<ReplicaSet> {
        vec![
            rs("1", "ghcr.io/org/web:1.0", UID),
            rs("3", "ghcr.io/org/web:sha-abc1234", UID),
            rs("2", "ghcr.io/org/web:1.1", UID),
            // Another Deployment's ReplicaSet with a higher revision.
            rs("9", "ghcr.io/org/web:9.9", "other-uid"),
            // A revision that does not parse.
            rs("x", "ghcr.io/org/web:0.1", UID),
        ]
    }

    fn picked(choice: &Choice) -> (i64, String) {
        match choice {
            Choice::Rollback {
                revision, template, ..
            } => {
                let spec = template.spec.as_ref().unwrap();
                (*revision, spec.containers[0].image.clone().unwrap())
            }
            Choice::AlreadyAt { revision } => (*revision, "already".to_owned()),
            Choice::AlreadyUndone { undone, .. } => (*undone, "undone".to_owned()),
        }
    }

    #[test]
    fn previous_twice_does_not_toggle_back() {
        let mut current = deployment("ghcr.io/org/web:sha-abc1234", false);
        let Choice::Rollback { annotations, .. } =
            choose_revision(&current, &history(), &UndoTarget::Previous).unwrap()
        else {
            panic!("a first undo rolls back");
        };
        assert_eq!(
            annotations.get(UNDONE_REVISION).map(String::as_str),
            Some("3")
        );
        // The undone revision marked: "previous" is now a no-op…
        current
            .metadata
            .annotations
            .as_mut()
            .unwrap()
            .insert(UNDONE_REVISION.to_owned(), "2".to_owned());
        let choice = choose_revision(&current, &history(), &UndoTarget::Previous).unwrap();
        assert_eq!(
            choice,
            Choice::AlreadyUndone {
                undone: 2,
                current: 3
            }
        );
        assert!(choice.summary().contains("revision 2 was already undone"));
        // …while an explicit revision still goes there, and a stale mark
        // (a later deploy) does not stop a new undo.
        assert_eq!(
            picked(&choose_revision(&current, &history(), &UndoTarget::Revision(2)).unwrap()),
            (2, "ghcr.io/org/web:1.1".to_owned())
        );
        current
            .metadata
            .annotations
            .as_mut()
            .unwrap()
            .insert(UNDONE_REVISION.to_owned(), "1".to_owned());
        assert_eq!(
            picked(&choose_revision(&current, &history(), &UndoTarget::Previous).unwrap()),
            (2, "ghcr.io/org/web:1.1".to_owned())
        );
    }

    #[test]
    fn choices() {
        let current = deployment("ghcr.io/org/web:sha-abc1234", false);
        type Want = Result<(i64, &'static str), &'static str>;
        let cases: Vec<(UndoTarget, Want)> = vec![
            (UndoTarget::Previous, Ok((2, "ghcr.io/org/web:1.1"))),
            (UndoTarget::Revision(1), Ok((1, "ghcr.io/org/web:1.0"))),
            (UndoTarget::Revision(3), Ok((3, "already"))),
            (
                UndoTarget::Revision(9),
                Err("unable to find specified revision 9 in history (revisions: 1, 2, 3)"),
            ),
            (
                UndoTarget::Image("1.0".into()),
                Ok((1, "ghcr.io/org/web:1.0")),
            ),
            (
                UndoTarget::Image("ghcr.io/org/web:1.1".into()),
                Ok((2, "ghcr.io/org/web:1.1")),
            ),
            (UndoTarget::Image("abc1234".into()), Ok((3, "already"))),
            (
                UndoTarget::Image("2.0".into()),
                Err(
                    "no revision runs an image matching \"2.0\" (revision 1: ghcr.io/org/web:1.0; revision 2: ghcr.io/org/web:1.1; revision 3: ghcr.io/org/web:sha-abc1234)",
                ),
            ),
        ];
        for (target, want) in cases {
            let got = choose_revision(&current, &history(), &target);
            match (got, want) {
                (Ok(choice), Ok((revision, image))) => {
                    assert_eq!(picked(&choice), (revision, image.to_owned()), "{target:?}")
                }
                (Err(err), Err(message)) => assert_eq!(err.to_string(), message, "{target:?}"),
                (got, want) => panic!("{target:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn the_restored_template_and_annotations() {
        let current = deployment("ghcr.io/org/web:sha-abc1234", false);
        let choice = choose_revision(&current, &history(), &UndoTarget::Previous).unwrap();
        let Choice::Rollback {
            replica_set,
            template,
            annotations,
            ..
        } = &choice
        else {
            panic!("{choice:?}");
        };
        assert_eq!(replica_set, "web-h2");
        let labels = template.metadata.as_ref().unwrap().labels.as_ref().unwrap();
        assert_eq!(labels.len(), 1, "{labels:?}");
        assert_eq!(labels["app"], "web");
        let want: BTreeMap<String, String> = [
            (REVISION_ANNOTATION, "3"),
            ("kubectl.kubernetes.io/last-applied-configuration", "{}"),
            ("kubernetes.io/change-cause", "deploy ghcr.io/org/web:1.1"),
            (UNDONE_REVISION, "3"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(annotations, &want);
        assert_eq!(choice.summary(), "rolled back to revision 2");
        assert_eq!(
            Choice::AlreadyAt { revision: 4 }.summary(),
            "skipped rollback (current template already matches revision 4)"
        );
    }

    #[test]
    fn refusals() {
        let paused = deployment("ghcr.io/org/web:sha-abc1234", true);
        let err = choose_revision(&paused, &history(), &UndoTarget::Previous).unwrap_err();
        assert_eq!(
            err.to_string(),
            "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume deployment/web' and try again"
        );
        // kubectl looks the revision up before refusing a paused Deployment.
        let err = choose_revision(&paused, &history(), &UndoTarget::Revision(7)).unwrap_err();
        assert!(matches!(err, UndoError::RevisionNotFound { .. }), "{err:?}");

        let current = deployment("ghcr.io/org/web:1.0", false);
        let only_one = [rs("1", "ghcr.io/org/web:1.0", UID)];
        let err = choose_revision(&current, &only_one, &UndoTarget::Previous).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no rollout history to undo to: it has only revision 1 (nothing to undo)"
        );
        let err = choose_revision(&current, &[], &UndoTarget::Previous).unwrap_err();
        assert!(err.to_string().contains("no revisions"), "{err}");
        // ReplicaSets of other Deployments are not history.
        let foreign = [rs("1", "a:1", "x"), rs("2", "a:2", "x")];
        assert!(choose_revision(&current, &foreign, &UndoTarget::Previous).is_err());
    }

    #[test]
    fn template_equality_ignores_the_hash_and_empty_fields() {
        let parse = |v: Value| -> PodTemplateSpec { serde_json::from_value(v).unwrap() };
        let a = parse(template("x:1", Some("abc")));
        let b = parse(json!({"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "x:1"}]}}));
        assert!(templates_equal(&a, &b));
        assert!(!templates_equal(&a, &parse(template("x:2", Some("abc")))));
        let mut c = b.clone();
        c.metadata
            .as_mut()
            .unwrap()
            .labels
            .as_mut()
            .unwrap()
            .insert("v".into(), "2".into());
        assert!(!templates_equal(&b, &c));
    }
}
