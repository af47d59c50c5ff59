//! The Admin API v2 resources gantry reads and writes, in their JSON
//! shapes (`camelCase`, int64 as strings, zero percents left out), with
//! only the fields gantry uses; unknown fields are ignored.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::name::last_segment;

/// `TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST`: the latest ready revision.
pub const TYPE_LATEST: &str = "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST";
/// `TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION`: a revision by name.
pub const TYPE_REVISION: &str = "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION";

/// One entry of a traffic split.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "WireTarget", into = "WireTarget")]
pub struct TrafficTarget {
    /// The revision's short name (`web-00002-abc`); `None` for the
    /// service's latest ready revision.
    pub revision: Option<String>,
    /// Percent of the traffic (0 to 100).
    pub percent: u8,
    /// A tag: the revision also answers at `https://TAG---HOST`.
    pub tag: Option<String>,
}

impl TrafficTarget {
    /// `percent` to `revision` (short name), untagged.
    pub fn revision(revision: &str, percent: u8) -> TrafficTarget {
        TrafficTarget {
            revision: Some(revision.to_owned()),
            percent,
            tag: None,
        }
    }

    /// `percent` to the latest ready revision.
    pub fn latest(percent: u8) -> TrafficTarget {
        TrafficTarget {
            revision: None,
            percent,
            tag: None,
        }
    }

    /// With a tag.
    pub fn tagged(mut self, tag: &str) -> TrafficTarget {
        self.tag = Some(tag.to_owned());
        self
    }
}

impl fmt::Display for TrafficTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.revision {
            Some(r) => write!(f, "{r} {}", self.percent)?,
            None => write!(f, "latest {}", self.percent)?,
        }
        if let Some(tag) = &self.tag {
            write!(f, " (tag {tag})")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireTarget {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    revision: Option<String>,
    #[serde(default, deserialize_with = "int", skip_serializing_if = "is_zero")]
    percent: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tag: Option<String>,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

impl TryFrom<WireTarget> for TrafficTarget {
    type Error = String;

    fn try_from(wire: WireTarget) -> Result<Self, String> {
        let percent = u8::try_from(wire.percent)
            .ok()
            .filter(|p| *p <= 100)
            .ok_or_else(|| format!("traffic percent {} is not 0 to 100", wire.percent))?;
        let revision = match wire.kind.as_deref() {
            Some(TYPE_LATEST) => None,
            _ => wire.revision.filter(|r| !r.is_empty()),
        };
        if revision.is_none() && wire.kind.as_deref() == Some(TYPE_REVISION) {
            return Err("a traffic target of type REVISION names no revision".to_owned());
        }
        Ok(TrafficTarget {
            revision,
            percent,
            tag: wire.tag.filter(|t| !t.is_empty()),
        })
    }
}

impl From<TrafficTarget> for WireTarget {
    fn from(target: TrafficTarget) -> Self {
        WireTarget {
            kind: Some(
                if target.revision.is_some() {
                    TYPE_REVISION
                } else {
                    TYPE_LATEST
                }
                .to_owned(),
            ),
            revision: target.revision,
            percent: i64::from(target.percent),
            tag: target.tag,
        }
    }
}

/// What a traffic entry actually serves (`trafficStatuses[]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrafficStatus {
    /// `TRAFFIC_TARGET_ALLOCATION_TYPE_…`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// The revision served (resolved for the latest one).
    #[serde(default)]
    pub revision: Option<String>,
    /// Percent of the traffic.
    #[serde(default, deserialize_with = "int")]
    pub percent: i64,
    /// Its tag.
    #[serde(default)]
    pub tag: Option<String>,
    /// Its URI, for a tagged entry.
    #[serde(default)]
    pub uri: Option<String>,
}

/// A status condition (`Ready`, `RoutesReady`, …).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// `Ready`, `ContainerHealthy`, …
    #[serde(rename = "type", default)]
    pub kind: String,
    /// `CONDITION_SUCCEEDED`, `CONDITION_FAILED`, `CONDITION_RECONCILING`, …
    #[serde(default)]
    pub state: String,
    /// Human-readable detail.
    #[serde(default)]
    pub message: Option<String>,
    /// A service-level reason.
    #[serde(default)]
    pub reason: Option<String>,
    /// A revision-level reason.
    #[serde(default)]
    pub revision_reason: Option<String>,
    /// When it last changed.
    #[serde(default)]
    pub last_transition_time: Option<String>,
}

impl Condition {
    fn succeeded(&self) -> bool {
        self.state == "CONDITION_SUCCEEDED"
    }
}

/// A Cloud Run service, as far as traffic goes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    /// `projects/P/locations/L/services/S`.
    #[serde(default)]
    pub name: String,
    /// Its UID.
    #[serde(default)]
    pub uid: String,
    /// Bumped on every change to the desired state.
    #[serde(default, deserialize_with = "int")]
    pub generation: i64,
    /// A fingerprint of this version, for optimistic concurrency.
    #[serde(default)]
    pub etag: Option<String>,
    /// The desired split; empty means 100% to the latest ready revision.
    #[serde(default)]
    pub traffic: Vec<TrafficTarget>,
    /// What is served.
    #[serde(default)]
    pub traffic_statuses: Vec<TrafficStatus>,
    /// Full name of the newest ready revision.
    #[serde(default)]
    pub latest_ready_revision: Option<String>,
    /// Full name of the newest revision.
    #[serde(default)]
    pub latest_created_revision: Option<String>,
    /// The overall condition.
    #[serde(default)]
    pub terminal_condition: Option<Condition>,
    /// The other conditions.
    #[serde(default)]
    pub conditions: Vec<Condition>,
    /// Whether Cloud Run is still acting on the last change.
    #[serde(default)]
    pub reconciling: bool,
    /// The main URI.
    #[serde(default)]
    pub uri: Option<String>,
}

impl Service {
    /// The split as written; an empty one is spelt out as 100% latest.
    pub fn split(&self) -> Vec<TrafficTarget> {
        if self.traffic.is_empty() {
            vec![TrafficTarget::latest(100)]
        } else {
            self.traffic.clone()
        }
    }

    /// Short name of the latest ready revision.
    pub fn latest_ready(&self) -> Option<&str> {
        self.latest_ready_revision.as_deref().map(last_segment)
    }

    /// Short name of the latest created revision.
    pub fn latest_created(&self) -> Option<&str> {
        self.latest_created_revision.as_deref().map(last_segment)
    }
}

/// A container of a revision.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    /// Its image.
    #[serde(default)]
    pub image: String,
}

/// A revision of a service.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Revision {
    /// `projects/P/locations/L/services/S/revisions/R`.
    #[serde(default)]
    pub name: String,
    /// Its UID.
    #[serde(default)]
    pub uid: String,
    /// Its generation.
    #[serde(default, deserialize_with = "int")]
    pub generation: i64,
    /// When it was created (RFC 3339).
    #[serde(default)]
    pub create_time: Option<String>,
    /// Its conditions (`Ready` among them).
    #[serde(default)]
    pub conditions: Vec<Condition>,
    /// Its containers.
    #[serde(default)]
    pub containers: Vec<Container>,
    /// Labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

impl Revision {
    /// The short name (what traffic targets use).
    pub fn short_name(&self) -> &str {
        last_segment(&self.name)
    }

    /// Whether its `Ready` condition succeeded.
    pub fn is_ready(&self) -> bool {
        self.conditions
            .iter()
            .any(|c| c.kind == "Ready" && c.succeeded())
    }

    /// Its creation time, when it parses.
    pub fn created(&self) -> Option<jiff::Timestamp> {
        self.create_time.as_deref()?.parse().ok()
    }

    /// Its images.
    pub fn images(&self) -> Vec<&str> {
        self.containers.iter().map(|c| c.image.as_str()).collect()
    }

    /// Why it is not ready (the `Ready` condition's message), if it says.
    pub fn not_ready_reason(&self) -> Option<&str> {
        self.conditions
            .iter()
            .find(|c| c.kind == "Ready" && !c.succeeded())
            .and_then(|c| c.message.as_deref().or(c.revision_reason.as_deref()))
    }
}

/// A page of `revisions.list`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RevisionPage {
    #[serde(default)]
    pub(crate) revisions: Vec<Revision>,
    #[serde(default)]
    pub(crate) next_page_token: Option<String>,
}

/// A `google.rpc.Status`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct RpcStatus {
    /// The gRPC code (9 is `FAILED_PRECONDITION`).
    #[serde(default)]
    pub code: i32,
    /// The message.
    #[serde(default)]
    pub message: String,
}

/// A `google.longrunning.Operation`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct Operation {
    /// `projects/P/locations/L/operations/ID`.
    #[serde(default)]
    pub name: String,
    /// Whether it is over (then `error` or `response` is set).
    #[serde(default)]
    pub done: bool,
    /// The failure, when it failed.
    #[serde(default)]
    pub error: Option<RpcStatus>,
    /// The result (the Service) when it succeeded.
    #[serde(default)]
    pub response: Option<serde_json::Value>,
}

/// Google's error body: `{"error":{"code","message","status"}}`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub(crate) error: ErrorDetail,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorDetail {
    #[serde(default)]
    pub(crate) message: String,
    #[serde(default)]
    pub(crate) status: Option<String>,
}

/// An int64 as proto3 JSON writes it (a string) or as a number.
fn int<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Int {
        Number(i64),
        Text(String),
        Null(()),
    }
    match Int::deserialize(deserializer)? {
        Int::Number(n) => Ok(n),
        Int::Text(s) => s.trim().parse().map_err(serde::de::Error::custom),
        Int::Null(()) => Ok(0),
    }
}

/// The gRPC code's name, for an operation's error.
pub(crate) fn grpc_code_name(code: i32) -> &'static str {
    match code {
        1 => "CANCELLED",
        2 => "UNKNOWN",
        3 => "INVALID_ARGUMENT",
        4 => "DEADLINE_EXCEEDED",
        5 => "NOT_FOUND",
        6 => "ALREADY_EXISTS",
        7 => "PERMISSION_DENIED",
        8 => "RESOURCE_EXHAUSTED",
        9 => "FAILED_PRECONDITION",
        10 => "ABORTED",
        11 => "OUT_OF_RANGE",
        12 => "UNIMPLEMENTED",
        13 => "INTERNAL",
        14 => "UNAVAILABLE",
        15 => "DATA_LOSS",
        16 => "UNAUTHENTICATED",
        _ => "ERROR",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_and_writes_the_documented_shapes() {
        let service: Service = serde_json::from_value(json!({
            "name": "projects/p/locations/r/services/web",
            "uid": "u-1",
            "generation": "7",
            "etag": "\"abc\"",
            "traffic": [
                {"type": TYPE_REVISION, "revision": "web-00001-a", "percent": 90},
                {"type": TYPE_REVISION, "revision": "web-00002-b", "percent": 10, "tag": "canary"},
                {"type": TYPE_LATEST, "tag": "head"}
            ],
            "trafficStatuses": [{"type": TYPE_REVISION, "revision": "web-00001-a", "percent": 90}],
            "latestReadyRevision": "projects/p/locations/r/services/web/revisions/web-00002-b",
            "latestCreatedRevision": "projects/p/locations/r/services/web/revisions/web-00003-c",
            "terminalCondition": {"type": "Ready", "state": "CONDITION_SUCCEEDED"},
            "somethingNew": {"ignored": true}
        }))
        .unwrap();
        assert_eq!(service.generation, 7);
        assert_eq!(
            service.traffic,
            vec![
                TrafficTarget::revision("web-00001-a", 90),
                TrafficTarget::revision("web-00002-b", 10).tagged("canary"),
                TrafficTarget::latest(0).tagged("head"),
            ]
        );
        assert_eq!(service.latest_ready(), Some("web-00002-b"));
        assert_eq!(service.latest_created(), Some("web-00003-c"));
        assert_eq!(
            serde_json::to_value(&service.traffic).unwrap(),
            json!([
                {"type": TYPE_REVISION, "revision": "web-00001-a", "percent": 90},
                {"type": TYPE_REVISION, "revision": "web-00002-b", "percent": 10, "tag": "canary"},
                {"type": TYPE_LATEST, "tag": "head"}
            ])
        );
        assert_eq!(Service::default().split(), vec![TrafficTarget::latest(100)]);
        let bad: Result<TrafficTarget, _> =
            serde_json::from_value(json!({"type": TYPE_REVISION, "percent": 5}));
        assert!(bad.is_err());
        let bad: Result<TrafficTarget, _> =
            serde_json::from_value(json!({"revision": "a", "percent": 101}));
        assert!(bad.is_err());

        let revision: Revision = serde_json::from_value(json!({
            "name": "projects/p/locations/r/services/web/revisions/web-00002-b",
            "createTime": "2025-01-01T00:00:00.482915Z",
            "generation": 1,
            "conditions": [
                {"type": "Ready", "state": "CONDITION_FAILED", "message": "container failed"},
                {"type": "ContainerHealthy", "state": "CONDITION_SUCCEEDED"}
            ],
            "containers": [{"image": "europe-docker.pkg.dev/acme/web:2"}]
        }))
        .unwrap();
        assert_eq!(revision.short_name(), "web-00002-b");
        assert!(!revision.is_ready());
        assert_eq!(revision.not_ready_reason(), Some("container failed"));
        assert_eq!(revision.images(), vec!["europe-docker.pkg.dev/acme/web:2"]);
        assert_eq!(
            revision.created().map(|t| t.as_microsecond()),
            Some(1_735_689_600_482_915)
        );
        assert_eq!(grpc_code_name(9), "FAILED_PRECONDITION");
    }
}
