//! Which endpoint a request path names (pure: no state, no I/O).

use super::resources::{self, Resource};
pub(crate) use crate::http_server::percent_decode;

/// An endpoint of the API server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// `/` (the list of paths).
    Root,
    /// `/version`.
    Version,
    /// `/healthz`, `/livez`, `/readyz` (and their sub-checks).
    Health,
    /// `/api` (APIVersions).
    CoreVersions,
    /// `/apis` (APIGroupList).
    Groups,
    /// `/apis/{group}` (APIGroup).
    Group(&'static str),
    /// `/api/v1`, `/apis/{group}/{version}` (APIResourceList).
    Resources {
        group: &'static str,
        version: String,
    },
    /// `/openapi/v3`.
    OpenApiIndex,
    /// `/openapi/v3/api/v1`, `/openapi/v3/apis/{group}/{version}`.
    OpenApi {
        group: &'static str,
        version: String,
    },
    /// A collection, an object or a subresource.
    Object(ObjectRoute),
    /// Nothing is served here.
    NotFound,
}

/// A resource path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ObjectRoute {
    pub resource: &'static Resource,
    pub version: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub subresource: Option<String>,
}

/// Whether the path may be read without credentials (what the
/// `system:public-info-viewer` role allows).
pub(crate) fn is_public(path: &str) -> bool {
    let path = path.trim_end_matches('/');
    path == "/version"
        || ["/healthz", "/livez", "/readyz"]
            .iter()
            .any(|p| path == *p || path.starts_with(&format!("{p}/")))
}

/// Route the (percent-decoded) path segments.
pub(crate) fn route(segments: &[&str]) -> Route {
    match segments {
        [] => Route::Root,
        ["version"] => Route::Version,
        ["healthz" | "livez" | "readyz", ..] => Route::Health,
        ["api"] => Route::CoreVersions,
        ["api", "v1"] => Route::Resources {
            group: "",
            version: "v1".to_owned(),
        },
        ["api", "v1", rest @ ..] => objects("", "v1", rest),
        ["apis"] => Route::Groups,
        ["apis", group] => match known_group(group) {
            Some(g) => Route::Group(g),
            None => Route::NotFound,
        },
        ["apis", group, version] => match known_group(group) {
            Some(g) if serves(g, version) => Route::Resources {
                group: g,
                version: (*version).to_owned(),
            },
            _ => Route::NotFound,
        },
        ["apis", group, version, rest @ ..] => objects(group, version, rest),
        ["openapi", "v3"] => Route::OpenApiIndex,
        ["openapi", "v3", "api", "v1"] => Route::OpenApi {
            group: "",
            version: "v1".to_owned(),
        },
        ["openapi", "v3", "apis", group, version] => match known_group(group) {
            Some(g) if serves(g, version) => Route::OpenApi {
                group: g,
                version: (*version).to_owned(),
            },
            _ => Route::NotFound,
        },
        _ => Route::NotFound,
    }
}

fn known_group(group: &str) -> Option<&'static str> {
    resources::groups()
        .into_iter()
        .map(|(g, _)| g)
        .find(|g| *g == group)
}

fn serves(group: &str, version: &str) -> bool {
    resources::groups()
        .iter()
        .any(|(g, vs)| *g == group && vs.contains(&version))
}

fn objects(group: &str, version: &str, rest: &[&str]) -> Route {
    let find = |plural: &str| resources::by_plural(group, version, plural);
    let route = |resource, namespace: Option<&str>, name: Option<&str>, sub: Option<&str>| {
        Route::Object(ObjectRoute {
            resource,
            version: version.to_owned(),
            namespace: namespace.map(str::to_owned),
            name: name.map(str::to_owned),
            subresource: sub.map(str::to_owned),
        })
    };
    // `namespaces/{ns}/{plural}…` when {plural} is a namespaced type;
    // otherwise `namespaces/{name}[/{sub}]` is the Namespace itself.
    if let ["namespaces", ns, plural, tail @ ..] = rest
        && let Some(resource) = find(plural).filter(|r| r.namespaced)
    {
        return match tail {
            [] => route(resource, Some(ns), None, None),
            [name] => route(resource, Some(ns), Some(name), None),
            [name, sub] => route(resource, Some(ns), Some(name), Some(sub)),
            _ => Route::NotFound,
        };
    }
    match rest {
        [plural] => match find(plural) {
            Some(r) => route(r, None, None, None),
            None => Route::NotFound,
        },
        [plural, name] => match find(plural) {
            Some(r) if !r.namespaced => route(r, None, Some(name), None),
            _ => Route::NotFound,
        },
        [plural, name, sub] => match find(plural) {
            Some(r) if !r.namespaced && r.subresources.contains(sub) => {
                route(r, None, Some(name), Some(sub))
            }
            _ => Route::NotFound,
        },
        _ => Route::NotFound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Parts = (String, Option<String>, Option<String>, Option<String>);

    fn object(path: &str) -> Option<Parts> {
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        match route(&segs) {
            Route::Object(o) => Some((
                o.resource.kind.to_owned(),
                o.namespace,
                o.name,
                o.subresource,
            )),
            _ => None,
        }
    }

    #[test]
    fn routes_resource_paths() {
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(
            object("/apis/apps/v1/namespaces/default/deployments"),
            Some(("Deployment".into(), s("default"), None, None))
        );
        assert_eq!(
            object("/apis/apps/v1/namespaces/default/deployments/web/scale"),
            Some(("Deployment".into(), s("default"), s("web"), s("scale")))
        );
        assert_eq!(
            object("/apis/apps/v1/deployments"),
            Some(("Deployment".into(), None, None, None))
        );
        assert_eq!(
            object("/api/v1/namespaces"),
            Some(("Namespace".into(), None, None, None))
        );
        assert_eq!(
            object("/api/v1/namespaces/prod"),
            Some(("Namespace".into(), None, s("prod"), None))
        );
        assert_eq!(
            object("/api/v1/namespaces/prod/status"),
            Some(("Namespace".into(), None, s("prod"), s("status")))
        );
        assert_eq!(
            object("/api/v1/namespaces/prod/pods/p1"),
            Some(("Pod".into(), s("prod"), s("p1"), None))
        );
        assert_eq!(
            object("/apis/networking.istio.io/v1beta1/namespaces/a/virtualservices/x"),
            Some(("VirtualService".into(), s("a"), s("x"), None))
        );
        assert_eq!(object("/apis/apps/v1/deployments/web"), None);
        assert_eq!(object("/apis/apps/v2/namespaces/a/deployments"), None);
        assert_eq!(object("/api/v1/namespaces/a/widgets"), None);
    }

    #[test]
    fn routes_discovery_paths() {
        assert_eq!(route(&["version"]), Route::Version);
        assert_eq!(route(&["apis"]), Route::Groups);
        assert_eq!(route(&["apis", "apps"]), Route::Group("apps"));
        assert_eq!(
            route(&["apis", "apps", "v1"]),
            Route::Resources {
                group: "apps",
                version: "v1".into()
            }
        );
        assert_eq!(route(&["apis", "apps", "v9"]), Route::NotFound);
        assert_eq!(route(&["openapi", "v2"]), Route::NotFound);
        assert_eq!(route(&["openapi", "v3"]), Route::OpenApiIndex);
        assert_eq!(
            route(&["openapi", "v3", "apis", "apps", "v1"]),
            Route::OpenApi {
                group: "apps",
                version: "v1".into()
            }
        );
        assert!(is_public("/version") && is_public("/readyz/ping") && !is_public("/api"));
    }

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(
            percent_decode("app%3Dweb%2Ctier+in+(a)", true),
            "app=web,tier in (a)"
        );
        assert_eq!(percent_decode("a+b%zz", false), "a+b%zz");
    }
}
