//! Which workload an operation is about: `deployment/web` in a namespace.

use std::fmt;

use kube::api::ApiResource;

use crate::KubeError;

/// The kinds of workload that roll out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorkloadKind {
    /// `apps/v1` Deployment.
    Deployment,
    /// `apps/v1` StatefulSet.
    StatefulSet,
    /// `apps/v1` DaemonSet.
    DaemonSet,
}

impl WorkloadKind {
    /// The kind as the API spells it (`Deployment`).
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
        }
    }

    /// How messages name it, as kubectl does (`deployment`, `statefulset`,
    /// `daemonset`).
    pub fn lowercase(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "deployment",
            WorkloadKind::StatefulSet => "statefulset",
            WorkloadKind::DaemonSet => "daemonset",
        }
    }

    /// The kind for kubectl's names and short names, any case:
    /// `deployment`, `deployments`, `deploy`, `statefulset`, `sts`,
    /// `daemonset`, `ds`, optionally with the group (`deployment.apps`).
    pub fn parse(name: &str) -> Option<WorkloadKind> {
        let lower = name.to_ascii_lowercase();
        let base = lower.strip_suffix(".apps").unwrap_or(&lower);
        match base {
            "deployment" | "deployments" | "deploy" => Some(WorkloadKind::Deployment),
            "statefulset" | "statefulsets" | "sts" => Some(WorkloadKind::StatefulSet),
            "daemonset" | "daemonsets" | "ds" => Some(WorkloadKind::DaemonSet),
            _ => None,
        }
    }

    pub(crate) fn api_resource(self) -> ApiResource {
        use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
        match self {
            WorkloadKind::Deployment => ApiResource::erase::<Deployment>(&()),
            WorkloadKind::StatefulSet => ApiResource::erase::<StatefulSet>(&()),
            WorkloadKind::DaemonSet => ApiResource::erase::<DaemonSet>(&()),
        }
    }
}

/// A workload by kind, namespace and name. Shown as kubectl names it in
/// messages: `deployment prod/web`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WorkloadRef {
    /// Its kind.
    pub kind: WorkloadKind,
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
}

impl WorkloadRef {
    /// A Deployment.
    pub fn deployment(namespace: &str, name: &str) -> WorkloadRef {
        WorkloadRef {
            kind: WorkloadKind::Deployment,
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        }
    }

    /// Parse kubectl's `TYPE/NAME` (`deployment/web`, `sts/db`), or a bare
    /// name meaning a Deployment, in `namespace`.
    pub fn parse(spec: &str, namespace: &str) -> Result<WorkloadRef, KubeError> {
        let bad = |reason: &str| KubeError::WorkloadSpec {
            spec: spec.to_owned(),
            reason: reason.to_owned(),
        };
        let (kind, name) = match spec.split_once('/') {
            Some((kind, name)) => (
                WorkloadKind::parse(kind).ok_or_else(|| {
                    bad("the kind must be deployment, statefulset or daemonset (or deploy, sts, ds)")
                })?,
                name,
            ),
            None => (WorkloadKind::Deployment, spec),
        };
        if !is_dns_subdomain(name) {
            return Err(bad(
                "the name must be a DNS subdomain (lowercase letters, digits, '-' and '.')",
            ));
        }
        if !is_dns_label(namespace) {
            return Err(bad(&format!(
                "the namespace {namespace:?} must be a DNS label (lowercase letters, digits and '-')"
            )));
        }
        Ok(WorkloadRef {
            kind,
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        })
    }
}

impl fmt::Display for WorkloadRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}/{}",
            self.kind.lowercase(),
            self.namespace,
            self.name
        )
    }
}

fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && s.split('.').all(is_dns_label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workload_specs() {
        let ok = [
            ("web", WorkloadKind::Deployment, "web"),
            ("deployment/web", WorkloadKind::Deployment, "web"),
            ("deploy/web", WorkloadKind::Deployment, "web"),
            ("Deployments.apps/web", WorkloadKind::Deployment, "web"),
            ("sts/db-0.x", WorkloadKind::StatefulSet, "db-0.x"),
            ("daemonset/agent", WorkloadKind::DaemonSet, "agent"),
            ("ds/agent", WorkloadKind::DaemonSet, "agent"),
        ];
        for (spec, kind, name) in ok {
            let parsed = WorkloadRef::parse(spec, "prod").unwrap();
            assert_eq!(
                (parsed.kind, parsed.name.as_str(), parsed.namespace.as_str()),
                (kind, name, "prod"),
                "{spec}"
            );
        }
        for (spec, words) in [
            ("pod/web", "the kind must be"),
            ("deployment/", "DNS subdomain"),
            ("deployment/Web", "DNS subdomain"),
            ("web_1", "DNS subdomain"),
            ("deployment.apps/v1/web", "DNS subdomain"),
        ] {
            let err = WorkloadRef::parse(spec, "prod").unwrap_err();
            assert!(err.to_string().contains(words), "{spec}: {err}");
            assert!(err.is_input_error());
        }
        let err = WorkloadRef::parse("web", "Prod").unwrap_err();
        assert!(err.to_string().contains("namespace"), "{err}");
        assert_eq!(
            WorkloadRef::deployment("prod", "web").to_string(),
            "deployment prod/web"
        );
    }
}
