//! A skeleton OpenAPI v3: the index and, per group-version, the PATCH
//! operation of each type with the `fieldValidation` and `dryRun`
//! parameters and its group-version-kind. That is what kubectl reads to
//! learn that the server validates fields itself (so `kubectl apply`
//! sends `fieldValidation=Strict` instead of validating against schemas
//! client-side); there are no schemas, so `kubectl explain` has nothing
//! to say, and the PATCH operations name no request body, so `kubectl
//! apply` builds its patches from its built-in types.

use serde_json::{Map, Value, json};

use super::resources::{RESOURCES, Resource, groups};
use super::util::template_hash;

fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// `/openapi/v3`.
pub(crate) fn index() -> Value {
    let mut paths = Map::new();
    let mut gvs: Vec<(String, String)> = vec![(String::new(), "v1".to_owned())];
    for (g, vs) in groups() {
        gvs.extend(vs.into_iter().map(|v| (g.to_owned(), v.to_owned())));
    }
    for (g, v) in gvs {
        let path = gv_path(&g, &v);
        let hash = template_hash(&document(&g, &v));
        paths.insert(
            path.clone(),
            json!({"serverRelativeURL": format!("/openapi/v3/{path}?hash={hash}")}),
        );
    }
    json!({"paths": paths})
}

fn patch_operation(r: &Resource, version: &str) -> Value {
    let param = |name: &str| json!({"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": true}});
    json!({
        "patch": {
            "operationId": format!("patch{}", r.kind),
            "parameters": [param("dryRun"), param("fieldManager"), param("fieldValidation"), param("force")],
            "responses": {"200": {"description": "OK"}},
            "x-kubernetes-action": "patch",
            "x-kubernetes-group-version-kind": {"group": r.group, "kind": r.kind, "version": version},
        }
    })
}

/// `/openapi/v3/api/v1`, `/openapi/v3/apis/{group}/{version}`.
pub(crate) fn document(group: &str, version: &str) -> Value {
    let mut paths = Map::new();
    for r in RESOURCES
        .iter()
        .filter(|r| r.group == group && r.versions.contains(&version))
    {
        let base = format!("/{}", gv_path(group, version));
        let path = if r.namespaced {
            format!("{base}/namespaces/{{namespace}}/{}/{{name}}", r.plural)
        } else {
            format!("{base}/{}/{{name}}", r.plural)
        };
        paths.insert(path, patch_operation(r, version));
    }
    json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.33.0"},
        "paths": paths,
        "components": {"schemas": {}},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_every_group_version() {
        let index = index();
        let paths = index["paths"].as_object().unwrap();
        assert!(paths.contains_key("api/v1"));
        assert!(paths.contains_key("apis/apps/v1"));
        assert!(paths.contains_key("apis/networking.istio.io/v1beta1"));
        let url = paths["apis/apps/v1"]["serverRelativeURL"].as_str().unwrap();
        assert!(url.starts_with("/openapi/v3/apis/apps/v1?hash="));
        let doc = document("apps", "v1");
        let patch =
            &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert_eq!(
            patch["x-kubernetes-group-version-kind"]["kind"],
            "Deployment"
        );
        assert!(
            document("", "v1")["paths"]
                .as_object()
                .unwrap()
                .contains_key("/api/v1/namespaces/{name}")
        );
    }
}
