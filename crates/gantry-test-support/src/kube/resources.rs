//! The resource types the fake serves, as discovery describes them.

/// One resource type: where it is served and how discovery names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Resource {
    /// API group (`""` for core).
    pub group: &'static str,
    /// Versions served, preferred first. Objects are stored once and
    /// answered in the version asked for (the fake's versions of a type are
    /// the same schema).
    pub versions: &'static [&'static str],
    /// `deployments`.
    pub plural: &'static str,
    /// `deployment`.
    pub singular: &'static str,
    /// `Deployment`.
    pub kind: &'static str,
    /// Namespaced or cluster-scoped.
    pub namespaced: bool,
    /// `deploy`.
    pub short_names: &'static [&'static str],
    /// `["all"]` for what `kubectl get all` lists.
    pub categories: &'static [&'static str],
    /// Subresources served (`status`, `scale`).
    pub subresources: &'static [&'static str],
    /// A custom resource (CRD): list items keep `apiVersion`/`kind`,
    /// strategic merge patch is refused, updates need a resourceVersion.
    pub custom: bool,
}

impl Resource {
    /// `deployments.apps` (or `pods` for core), as error messages name it.
    pub(crate) fn group_resource(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_owned()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// `Deployment.apps` (or `Pod`), as validation errors name the kind.
    pub(crate) fn group_kind(&self) -> String {
        if self.group.is_empty() {
            self.kind.to_owned()
        } else {
            format!("{}.{}", self.kind, self.group)
        }
    }

    /// `apps/v1` (or `v1`) for `version`.
    pub(crate) fn api_version(&self, version: &str) -> String {
        if self.group.is_empty() {
            version.to_owned()
        } else {
            format!("{}/{version}", self.group)
        }
    }

    /// Whether the pod-template controllers manage it.
    pub(crate) fn has_pod_template(&self) -> bool {
        matches!(
            self.kind,
            "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet"
        )
    }
}

const NONE: &[&str] = &[];
const ALL: &[&str] = &["all"];
const STATUS: &[&str] = &["status"];
const SCALE: &[&str] = &["status", "scale"];

/// Every resource type served.
pub(crate) const RESOURCES: &[Resource] = &[
    Resource {
        group: "",
        versions: &["v1"],
        plural: "namespaces",
        singular: "namespace",
        kind: "Namespace",
        namespaced: false,
        short_names: &["ns"],
        categories: NONE,
        subresources: STATUS,
        custom: false,
    },
    Resource {
        group: "",
        versions: &["v1"],
        plural: "pods",
        singular: "pod",
        kind: "Pod",
        namespaced: true,
        short_names: &["po"],
        categories: ALL,
        subresources: STATUS,
        custom: false,
    },
    Resource {
        group: "",
        versions: &["v1"],
        plural: "services",
        singular: "service",
        kind: "Service",
        namespaced: true,
        short_names: &["svc"],
        categories: ALL,
        subresources: STATUS,
        custom: false,
    },
    Resource {
        group: "",
        versions: &["v1"],
        plural: "events",
        singular: "event",
        kind: "Event",
        namespaced: true,
        short_names: &["ev"],
        categories: NONE,
        subresources: NONE,
        custom: false,
    },
    Resource {
        group: "",
        versions: &["v1"],
        plural: "configmaps",
        singular: "configmap",
        kind: "ConfigMap",
        namespaced: true,
        short_names: &["cm"],
        categories: NONE,
        subresources: NONE,
        custom: false,
    },
    Resource {
        group: "apps",
        versions: &["v1"],
        plural: "deployments",
        singular: "deployment",
        kind: "Deployment",
        namespaced: true,
        short_names: &["deploy"],
        categories: ALL,
        subresources: SCALE,
        custom: false,
    },
    Resource {
        group: "apps",
        versions: &["v1"],
        plural: "replicasets",
        singular: "replicaset",
        kind: "ReplicaSet",
        namespaced: true,
        short_names: &["rs"],
        categories: ALL,
        subresources: SCALE,
        custom: false,
    },
    Resource {
        group: "apps",
        versions: &["v1"],
        plural: "statefulsets",
        singular: "statefulset",
        kind: "StatefulSet",
        namespaced: true,
        short_names: &["sts"],
        categories: ALL,
        subresources: SCALE,
        custom: false,
    },
    Resource {
        group: "apps",
        versions: &["v1"],
        plural: "daemonsets",
        singular: "daemonset",
        kind: "DaemonSet",
        namespaced: true,
        short_names: &["ds"],
        categories: ALL,
        subresources: STATUS,
        custom: false,
    },
    Resource {
        group: "networking.k8s.io",
        versions: &["v1"],
        plural: "ingresses",
        singular: "ingress",
        kind: "Ingress",
        namespaced: true,
        short_names: &["ing"],
        categories: NONE,
        subresources: STATUS,
        custom: false,
    },
    Resource {
        group: "gateway.networking.k8s.io",
        versions: &["v1", "v1beta1"],
        plural: "httproutes",
        singular: "httproute",
        kind: "HTTPRoute",
        namespaced: true,
        short_names: NONE,
        categories: &["gateway-api"],
        subresources: STATUS,
        custom: true,
    },
    Resource {
        group: "networking.istio.io",
        versions: &["v1", "v1beta1"],
        plural: "virtualservices",
        singular: "virtualservice",
        kind: "VirtualService",
        namespaced: true,
        short_names: &["vs"],
        categories: &["istio-io", "networking-istio-io"],
        subresources: STATUS,
        custom: true,
    },
];

/// The resource served at `group`/`version` as `plural`.
pub(crate) fn by_plural(group: &str, version: &str, plural: &str) -> Option<&'static Resource> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.plural == plural && r.versions.contains(&version))
}

/// The resource of `kind` (`Deployment`; case-insensitive, plural and
/// short names accepted too, as kubectl accepts them).
pub(crate) fn by_kind(kind: &str) -> Option<&'static Resource> {
    RESOURCES.iter().find(|r| {
        r.kind.eq_ignore_ascii_case(kind)
            || r.plural.eq_ignore_ascii_case(kind)
            || r.singular.eq_ignore_ascii_case(kind)
            || r.short_names.iter().any(|s| s.eq_ignore_ascii_case(kind))
    })
}

/// Every group (but core) with its versions, in serving order.
pub(crate) fn groups() -> Vec<(&'static str, Vec<&'static str>)> {
    let mut out: Vec<(&str, Vec<&str>)> = Vec::new();
    for r in RESOURCES.iter().filter(|r| !r.group.is_empty()) {
        match out.iter_mut().find(|(g, _)| *g == r.group) {
            Some((_, versions)) => {
                for v in r.versions {
                    if !versions.contains(v) {
                        versions.push(v);
                    }
                }
            }
            None => out.push((r.group, r.versions.to_vec())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_resources_by_any_name() {
        for name in ["Deployment", "deployments", "deploy", "deployment"] {
            assert_eq!(by_kind(name).map(|r| r.kind), Some("Deployment"));
        }
        assert_eq!(by_kind("vs").map(|r| r.group), Some("networking.istio.io"));
        assert!(by_kind("Widget").is_none());
        assert!(by_plural("apps", "v1", "deployments").is_some());
        assert!(by_plural("apps", "v2", "deployments").is_none());
        assert!(by_plural("networking.istio.io", "v1beta1", "virtualservices").is_some());
    }

    #[test]
    fn names_groups_like_the_api_server() {
        let d = by_kind("Deployment").unwrap();
        assert_eq!(d.group_resource(), "deployments.apps");
        assert_eq!(d.group_kind(), "Deployment.apps");
        assert_eq!(d.api_version("v1"), "apps/v1");
        let p = by_kind("Pod").unwrap();
        assert_eq!(p.group_resource(), "pods");
        assert_eq!(p.api_version("v1"), "v1");
        let groups = groups();
        assert_eq!(groups[0], ("apps", vec!["v1"]));
        assert!(groups.contains(&("gateway.networking.k8s.io", vec!["v1", "v1beta1"])));
    }
}
