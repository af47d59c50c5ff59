//! The fake Kubernetes API server against its own HTTP API and, when it
//! is installed, the real `kubectl`: response shapes, errors, selectors,
//! watches, faults, and the simulated controllers.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

use std::process::Output;
use std::thread;
use std::time::{Duration, Instant};

use gantry_test_support::fault_server::Fault;
use gantry_test_support::kube::{
    FakeKube, KUBECONFIG_ENV, KubeTarget, PodBehaviour, service_unavailable, too_many_requests,
};
use gantry_test_support::ports::{HttpRequest, HttpResponse};
use serde_json::{Value, json};

const SETTLE: Duration = Duration::from_secs(10);
const DEPLOYMENTS: &str = "/apis/apps/v1/namespaces/default/deployments";

fn deployment(name: &str, image: &str, replicas: i64) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default", "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": image}]}
            }
        }
    })
}

fn start() -> FakeKube {
    FakeKube::start().expect("fake Kubernetes starts")
}

/// A request to the fake with its bearer token.
fn request(kube: &FakeKube, method: &str, path: &str) -> HttpRequest {
    HttpRequest::new(method, &format!("{}{path}", kube.url()))
        .header("Authorization", &format!("Bearer {}", kube.token()))
}

fn get(kube: &FakeKube, path: &str) -> HttpResponse {
    request(kube, "GET", path).send().unwrap()
}

fn send(
    kube: &FakeKube,
    method: &str,
    path: &str,
    content_type: &str,
    body: &Value,
) -> HttpResponse {
    request(kube, method, path)
        .header("Content-Type", content_type)
        .body(body.to_string())
        .send()
        .unwrap()
}

fn json_of(resp: &HttpResponse) -> Value {
    resp.json().unwrap()
}

/// Poll `probe` every 10 ms until it gives a value; fail after `SETTLE`.
fn wait_for<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + SETTLE;
    loop {
        if let Some(v) = probe() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(10));
    }
}

fn settle(kube: &FakeKube) {
    assert!(kube.settle(SETTLE), "the controllers did not settle");
}

/// The ReplicaSets a Deployment owns, oldest revision first.
fn replica_sets(kube: &FakeKube, deployment: &str) -> Vec<Value> {
    let uid = kube.get("Deployment", "default", deployment).unwrap()["metadata"]["uid"].clone();
    let mut out: Vec<Value> = kube
        .list("ReplicaSet", "default")
        .into_iter()
        .filter(|rs| rs["metadata"]["ownerReferences"][0]["uid"] == uid)
        .collect();
    out.sort_by_key(revision);
    out
}

fn revision(object: &Value) -> i64 {
    object["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
        .as_str()
        .unwrap_or("0")
        .parse()
        .unwrap()
}

fn image_of(object: &Value) -> &str {
    object["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap()
}

fn pods_labelled(kube: &FakeKube, key: &str, value: &str) -> Vec<Value> {
    kube.list("Pod", "default")
        .into_iter()
        .filter(|p| p["metadata"]["labels"][key] == value)
        .collect()
}

fn condition<'a>(object: &'a Value, kind: &str) -> &'a Value {
    object["status"]["conditions"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["type"] == kind))
        .unwrap_or(&Value::Null)
}

fn set_image(kube: &FakeKube, name: &str, image: &str) {
    let patch =
        json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}}});
    let resp = send(
        kube,
        "PATCH",
        &format!("{DEPLOYMENTS}/{name}"),
        "application/strategic-merge-patch+json",
        &patch,
    );
    assert_eq!(resp.status, 200, "{resp:?}");
}

// ------------------------------------------------------------ discovery

#[test]
fn discovery_describes_groups_resources_and_verbs() {
    let kube = start();
    let version = json_of(&get(&kube, "/version"));
    assert_eq!(
        (version["major"].as_str(), version["minor"].as_str()),
        (Some("1"), Some("33"))
    );

    let api = json_of(&get(&kube, "/api"));
    assert_eq!(
        (api["kind"].as_str(), api["versions"].clone()),
        (Some("APIVersions"), json!(["v1"]))
    );

    let groups = json_of(&get(&kube, "/apis"));
    assert_eq!(groups["kind"], "APIGroupList");
    let names: Vec<&str> = groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    for want in [
        "apps",
        "networking.k8s.io",
        "gateway.networking.k8s.io",
        "networking.istio.io",
    ] {
        assert!(names.contains(&want), "{want} in {names:?}");
    }

    let apps = json_of(&get(&kube, "/apis/apps/v1"));
    assert_eq!(
        (apps["kind"].as_str(), apps["groupVersion"].as_str()),
        (Some("APIResourceList"), Some("apps/v1"))
    );
    let find = |list: &Value, name: &str| {
        list["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .cloned()
            .unwrap()
    };
    let deploy = find(&apps, "deployments");
    assert_eq!(deploy["shortNames"], json!(["deploy"]));
    assert_eq!(deploy["namespaced"], true);
    assert!(
        deploy["verbs"]
            .as_array()
            .unwrap()
            .contains(&json!("watch"))
    );
    assert_eq!(find(&apps, "deployments/scale")["kind"], "Scale");
    assert_eq!(
        find(&apps, "deployments/status")["verbs"],
        json!(["get", "patch", "update"])
    );
    let istio = json_of(&get(&kube, "/apis/networking.istio.io/v1beta1"));
    assert_eq!(find(&istio, "virtualservices")["shortNames"], json!(["vs"]));
    assert_eq!(
        find(&json_of(&get(&kube, "/api/v1")), "pods")["shortNames"],
        json!(["po"])
    );

    let openapi = get(&kube, "/openapi/v2");
    assert_eq!(openapi.status, 404);
    assert_eq!(json_of(&openapi)["reason"], "NotFound");
    let nowhere = get(&kube, "/apis/widgets.example.com/v1");
    assert_eq!(
        (nowhere.status, json_of(&nowhere)["kind"].as_str()),
        (404, Some("Status"))
    );
}

#[test]
fn requests_need_the_bearer_token() {
    let kube = start();
    let anonymous = HttpRequest::get(&format!("{}/api/v1/namespaces", kube.url()))
        .send()
        .unwrap();
    assert_eq!(anonymous.status, 401);
    assert_eq!(
        json_of(&anonymous),
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": "Unauthorized", "reason": "Unauthorized", "code": 401})
    );
    let wrong = HttpRequest::get(&format!("{}/api/v1/namespaces", kube.url()))
        .header("Authorization", "Bearer nope")
        .send()
        .unwrap();
    assert_eq!(wrong.status, 401);
    let version = HttpRequest::get(&format!("{}/version", kube.url()))
        .send()
        .unwrap();
    assert_eq!(version.status, 200, "/version is public");
    let namespaces = json_of(&get(&kube, "/api/v1/namespaces"));
    assert_eq!(namespaces["kind"], "NamespaceList");
    assert!(
        namespaces["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["metadata"]["name"] == "default")
    );

    let seen = kube.requests();
    assert_eq!(
        seen.iter().map(|r| r.authorized).collect::<Vec<_>>(),
        [false, false, false, true]
    );
    assert_eq!(
        seen.iter().map(|r| r.status).collect::<Vec<_>>(),
        [401, 401, 200, 200]
    );
}

// ------------------------------------------------------------ verbs

#[test]
fn create_get_and_list_answer_real_shapes() {
    let kube = start();
    let created = send(
        &kube,
        "POST",
        DEPLOYMENTS,
        "application/json",
        &deployment("web", "img:v1", 2),
    );
    assert_eq!(created.status, 201, "{created:?}");
    let object = json_of(&created);
    let meta = &object["metadata"];
    assert_eq!(object["kind"], "Deployment");
    assert_eq!(meta["uid"].as_str().unwrap().len(), 36);
    assert_eq!(meta["generation"], 1);
    assert!(meta["creationTimestamp"].as_str().unwrap().ends_with('Z'));
    let rv: u64 = meta["resourceVersion"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        object["spec"]["strategy"]["rollingUpdate"]["maxSurge"], "25%",
        "defaults are filled"
    );

    let again = send(
        &kube,
        "POST",
        DEPLOYMENTS,
        "application/json",
        &deployment("web", "img:v1", 2),
    );
    assert_eq!(again.status, 409);
    let status = json_of(&again);
    assert_eq!(status["reason"], "AlreadyExists");
    assert_eq!(status["message"], "deployments.apps \"web\" already exists");
    assert_eq!(
        status["details"],
        json!({"name": "web", "group": "apps", "kind": "deployments"})
    );

    let missing = get(&kube, &format!("{DEPLOYMENTS}/nope"));
    assert_eq!(missing.status, 404);
    let status = json_of(&missing);
    assert_eq!(
        (status["reason"].as_str(), status["code"].as_i64()),
        (Some("NotFound"), Some(404))
    );
    assert_eq!(status["message"], "deployments.apps \"nope\" not found");

    let one = json_of(&get(&kube, &format!("{DEPLOYMENTS}/web")));
    assert_eq!(one["metadata"]["uid"], meta["uid"]);

    let list = json_of(&get(&kube, DEPLOYMENTS));
    assert_eq!(
        (list["kind"].as_str(), list["apiVersion"].as_str()),
        (Some("DeploymentList"), Some("apps/v1"))
    );
    let list_rv: u64 = list["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(list_rv >= rv);
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert!(
        items[0].get("kind").is_none(),
        "typed lists drop the items' kind"
    );

    let route = json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
        "metadata": {"name": "web"}, "spec": {"rules": [{"backendRefs": [{"name": "web", "port": 80}]}]}});
    kube.create(route).unwrap();
    let routes = json_of(&get(
        &kube,
        "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes",
    ));
    assert_eq!(
        routes["items"][0]["kind"], "HTTPRoute",
        "custom resource lists keep it"
    );
    let beta = json_of(&get(
        &kube,
        "/apis/gateway.networking.k8s.io/v1beta1/namespaces/default/httproutes/web",
    ));
    assert_eq!(beta["apiVersion"], "gateway.networking.k8s.io/v1beta1");

    let everywhere = json_of(&get(&kube, "/apis/apps/v1/deployments"));
    assert_eq!(everywhere["items"].as_array().unwrap().len(), 1);
    let mut ghost = deployment("x", "i", 1);
    ghost["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("namespace");
    let nowhere = send(
        &kube,
        "POST",
        "/apis/apps/v1/namespaces/ghost/deployments",
        "application/json",
        &ghost,
    );
    assert_eq!(
        (nowhere.status, json_of(&nowhere)["message"].as_str()),
        (404, Some("namespaces \"ghost\" not found"))
    );
}

#[test]
fn lists_page_with_limit_and_continue() {
    let kube = start();
    for name in ["a", "b", "c"] {
        kube.create(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": name}}))
            .unwrap();
    }
    let first = json_of(&get(&kube, "/api/v1/namespaces/default/configmaps?limit=2"));
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    assert_eq!(first["metadata"]["remainingItemCount"], 1);
    let token = first["metadata"]["continue"].as_str().unwrap();
    let rest = json_of(&get(
        &kube,
        &format!("/api/v1/namespaces/default/configmaps?limit=2&continue={token}"),
    ));
    let names: Vec<&str> = rest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["c"]);
    assert!(rest["metadata"].get("continue").is_none());
}

#[test]
fn updates_are_optimistic() {
    let kube = start();
    kube.create(deployment("web", "img:v1", 1)).unwrap();
    let path = format!("{DEPLOYMENTS}/web");
    // The controller writes status while pods start; each write moves
    // the resourceVersion, so read after it has settled.
    settle(&kube);
    let created = kube.get("Deployment", "default", "web").unwrap();

    let mut stale = created.clone();
    stale["spec"]["replicas"] = json!(2);
    let ok = send(&kube, "PUT", &path, "application/json", &stale);
    assert_eq!(ok.status, 200, "{ok:?}");
    let updated = json_of(&ok);
    assert_eq!(
        updated["metadata"]["generation"], 2,
        "a spec change bumps the generation"
    );
    assert_ne!(
        updated["metadata"]["resourceVersion"],
        created["metadata"]["resourceVersion"]
    );

    let conflict = send(&kube, "PUT", &path, "application/json", &stale);
    assert_eq!(conflict.status, 409);
    let status = json_of(&conflict);
    assert_eq!(status["reason"], "Conflict");
    assert_eq!(
        status["message"],
        "Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified; please apply your changes to the latest version and try again"
    );
    assert_eq!(
        status["details"],
        json!({"name": "web", "group": "apps", "kind": "deployments"})
    );

    // Labels are metadata: no new generation.
    settle(&kube);
    let mut labelled = kube.get("Deployment", "default", "web").unwrap();
    labelled["metadata"]["labels"]["team"] = json!("a");
    let after = json_of(&send(&kube, "PUT", &path, "application/json", &labelled));
    assert_eq!(after["metadata"]["generation"], 2);

    // Built-in types take unconditional updates; custom resources do not.
    let mut unconditional = after.clone();
    unconditional["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("resourceVersion");
    assert_eq!(
        send(&kube, "PUT", &path, "application/json", &unconditional).status,
        200
    );
    let vs = kube
        .create(json!({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": "web"},
            "spec": {"hosts": ["web"], "http": [{"route": [{"destination": {"host": "web"}, "weight": 100}]}]}}))
        .unwrap();
    let mut vs_put = vs.clone();
    vs_put["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("resourceVersion");
    let refused = send(
        &kube,
        "PUT",
        "/apis/networking.istio.io/v1/namespaces/default/virtualservices/web",
        "application/json",
        &vs_put,
    );
    assert_eq!(refused.status, 422);
    assert_eq!(
        json_of(&refused)["message"],
        "VirtualService.networking.istio.io \"web\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update"
    );

    // The status subresource writes only the status.
    settle(&kube);
    let current = kube.get("Deployment", "default", "web").unwrap();
    let mut status_write = current.clone();
    status_write["status"] = json!({"replicas": 7});
    status_write["spec"]["replicas"] = json!(9);
    let written = json_of(&send(
        &kube,
        "PUT",
        &format!("{path}/status"),
        "application/json",
        &status_write,
    ));
    assert_eq!(
        (
            written["spec"]["replicas"].as_i64(),
            written["status"]["replicas"].as_i64()
        ),
        (Some(2), Some(7))
    );
    assert_eq!(written["metadata"]["generation"], 2);
}

#[test]
fn another_writer_makes_the_next_write_conflict() {
    let kube = start();
    let created = kube.create(deployment("web", "img:v1", 1)).unwrap();
    let path = format!("{DEPLOYMENTS}/web");
    // Only the other writer may move the resourceVersion from here on.
    settle(&kube);
    kube.conflict_next_writes(1);

    // A PATCH without a resourceVersion is not a conditional write.
    let unconditional = send(
        &kube,
        "PATCH",
        &path,
        "application/merge-patch+json",
        &json!({"metadata": {"labels": {"a": "1"}}}),
    );
    assert_eq!(unconditional.status, 200);

    let rv = unconditional.json().unwrap()["metadata"]["resourceVersion"].clone();
    let patch = json!({"metadata": {"resourceVersion": rv, "labels": {"b": "2"}}});
    let beaten = send(
        &kube,
        "PATCH",
        &path,
        "application/merge-patch+json",
        &patch,
    );
    assert_eq!(beaten.status, 409, "{beaten:?}");
    assert_eq!(json_of(&beaten)["reason"], "Conflict");

    let fresh = kube.get("Deployment", "default", "web").unwrap();
    assert_ne!(
        fresh["metadata"]["resourceVersion"], rv,
        "the other writer moved it"
    );
    let mut put = fresh.clone();
    put["spec"]["replicas"] = json!(2);
    assert_eq!(
        send(&kube, "PUT", &path, "application/json", &put).status,
        200,
        "only one write was beaten"
    );
    assert_eq!(created["metadata"]["uid"], fresh["metadata"]["uid"]);
}

#[test]
fn bad_requests_get_the_api_servers_errors() {
    let kube = start();
    let mut no_containers = deployment("web", "img:v1", 1);
    no_containers["spec"]["template"]["spec"]["containers"] = json!([]);
    let resp = send(
        &kube,
        "POST",
        DEPLOYMENTS,
        "application/json",
        &no_containers,
    );
    assert_eq!(resp.status, 422);
    let status = json_of(&resp);
    assert_eq!(status["reason"], "Invalid");
    assert_eq!(
        status["message"],
        "Deployment.apps \"web\" is invalid: spec.template.spec.containers: Required value"
    );
    assert_eq!(
        status["details"],
        json!({"name": "web", "group": "apps", "kind": "Deployment", "causes": [
            {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.template.spec.containers"}]})
    );

    let negative = send(
        &kube,
        "POST",
        DEPLOYMENTS,
        "application/json",
        &deployment("web", "img:v1", -1),
    );
    assert_eq!(
        json_of(&negative)["message"],
        "Deployment.apps \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
    );

    let garbage = request(&kube, "POST", DEPLOYMENTS)
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .unwrap();
    assert_eq!(
        (garbage.status, json_of(&garbage)["reason"].as_str()),
        (400, Some("BadRequest"))
    );

    kube.create(deployment("web", "img:v1", 1)).unwrap();
    let path = format!("{DEPLOYMENTS}/web");
    let odd = send(&kube, "PATCH", &path, "text/plain", &json!({}));
    assert_eq!(
        (odd.status, json_of(&odd)["reason"].as_str()),
        (415, Some("UnsupportedMediaType"))
    );
    let post_named = send(
        &kube,
        "POST",
        &path,
        "application/json",
        &deployment("web", "img:v1", 1),
    );
    assert_eq!(
        (post_named.status, json_of(&post_named)["reason"].as_str()),
        (405, Some("MethodNotAllowed"))
    );

    kube.create(json!({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": "vs"}, "spec": {"hosts": ["a"]}}))
        .unwrap();
    let smp = send(
        &kube,
        "PATCH",
        "/apis/networking.istio.io/v1/namespaces/default/virtualservices/vs",
        "application/strategic-merge-patch+json",
        &json!({"spec": {"hosts": ["b"]}}),
    );
    assert_eq!(
        smp.status, 415,
        "custom resources take no strategic merge patch"
    );

    let protected = request(&kube, "DELETE", "/api/v1/namespaces/default")
        .send()
        .unwrap();
    assert_eq!(
        (protected.status, json_of(&protected)["reason"].as_str()),
        (403, Some("Forbidden"))
    );
}

#[test]
fn patches_merge_like_the_api_server() {
    let kube = start();
    let mut two = deployment("web", "img:v1", 1);
    two["spec"]["template"]["spec"]["containers"] = json!([
        {"name": "app", "image": "img:v1", "env": [{"name": "A", "value": "1"}]},
        {"name": "proxy", "image": "proxy:v1"}
    ]);
    kube.create(two).unwrap();
    let path = format!("{DEPLOYMENTS}/web");

    let merged = json_of(&send(
        &kube,
        "PATCH",
        &path,
        "application/merge-patch+json",
        &json!({"metadata": {"labels": {"tier": "front", "app": null}}}),
    ));
    assert_eq!(merged["metadata"]["labels"], json!({"tier": "front"}));

    let smp = json_of(&send(
        &kube,
        "PATCH",
        &path,
        "application/strategic-merge-patch+json",
        &json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "app"}, {"name": "proxy"}],
            "containers": [{"name": "app", "image": "img:v2", "env": [{"name": "B", "value": "2"}]}]
        }}}}),
    ));
    let containers = &smp["spec"]["template"]["spec"]["containers"];
    assert_eq!(
        containers.as_array().unwrap().len(),
        2,
        "containers merge by name"
    );
    assert_eq!(
        (
            containers[0]["image"].as_str(),
            containers[1]["image"].as_str()
        ),
        (Some("img:v2"), Some("proxy:v1"))
    );
    assert_eq!(
        containers[0]["env"],
        json!([{"name": "A", "value": "1"}, {"name": "B", "value": "2"}])
    );
    let deleted = json_of(&send(
        &kube,
        "PATCH",
        &path,
        "application/strategic-merge-patch+json",
        &json!({"spec": {"template": {"spec": {"containers": [{"name": "proxy", "$patch": "delete"}]}}}}),
    ));
    assert_eq!(
        deleted["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let failed = send(
        &kube,
        "PATCH",
        &path,
        "application/json-patch+json",
        &json!([{"op": "test", "path": "/spec/replicas", "value": 5}, {"op": "replace", "path": "/spec/replicas", "value": 6}]),
    );
    assert_eq!(failed.status, 422, "{failed:?}");
    assert_eq!(
        kube.get("Deployment", "default", "web").unwrap()["spec"]["replicas"],
        1,
        "a failed test applies nothing"
    );
    let replaced = json_of(&send(
        &kube,
        "PATCH",
        &path,
        "application/json-patch+json",
        &json!([{"op": "test", "path": "/spec/replicas", "value": 1}, {"op": "replace", "path": "/spec/replicas", "value": 3}]),
    ));
    assert_eq!(replaced["spec"]["replicas"], 3);

    let seen: Vec<Option<String>> = kube
        .requests()
        .iter()
        .map(|r| r.content_type.clone())
        .collect();
    assert!(seen.contains(&Some("application/json-patch+json".to_owned())));
}

#[test]
fn selectors_filter_lists() {
    let kube = start();
    for (name, labels) in [
        ("web-1", json!({"app": "web", "env": "a"})),
        ("web-2", json!({"app": "web", "env": "b", "legacy": "yes"})),
        ("db-1", json!({"app": "db", "env": "c"})),
    ] {
        kube.create(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "labels": labels},
            "spec": {"ports": [{"port": 80}]}}))
            .unwrap();
    }
    kube.create(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod"}}))
        .unwrap();
    kube.create(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web-3", "namespace": "prod", "labels": {"app": "web"}},
        "spec": {"ports": [{"port": 80}]}}))
        .unwrap();
    let names = |path: &str| -> Vec<String> {
        json_of(&get(&kube, path))["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["metadata"]["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let svc = "/api/v1/namespaces/default/services";
    for (selector, want) in [
        ("labelSelector=app%3Dweb", vec!["web-1", "web-2"]),
        ("labelSelector=app%3D%3Dweb", vec!["web-1", "web-2"]),
        ("labelSelector=app!%3Dweb", vec!["db-1"]),
        ("labelSelector=env+in+(a,c)", vec!["db-1", "web-1"]),
        ("labelSelector=env%20notin%20(a)", vec!["db-1", "web-2"]),
        ("labelSelector=legacy", vec!["web-2"]),
        ("labelSelector=!legacy,app%3Dweb", vec!["web-1"]),
        ("fieldSelector=metadata.name%3Dweb-2", vec!["web-2"]),
        (
            "fieldSelector=metadata.name!%3Dweb-2&labelSelector=app%3Dweb",
            vec!["web-1"],
        ),
    ] {
        assert_eq!(names(&format!("{svc}?{selector}")), want, "{selector}");
    }
    assert_eq!(
        names("/api/v1/services?labelSelector=app%3Dweb"),
        ["web-1", "web-2", "web-3"]
    );
    let bad = get(&kube, &format!("{svc}?labelSelector=app+in+web"));
    assert_eq!(
        (bad.status, json_of(&bad)["reason"].as_str()),
        (400, Some("BadRequest"))
    );
    let unindexed = get(&kube, &format!("{svc}?fieldSelector=spec.type%3DClusterIP"));
    assert_eq!(unindexed.status, 400);
    assert!(
        kube.get("Service", "default", "web-1").unwrap()["spec"]["clusterIP"]
            .as_str()
            .unwrap()
            .starts_with("10.96.")
    );
}

#[test]
fn watches_stream_changes_as_they_happen() {
    let kube = start();
    kube.create(deployment("web", "img:v1", 0)).unwrap();
    settle(&kube);
    let from = kube.resource_version();
    let url = format!(
        "{}{DEPLOYMENTS}?watch=true&resourceVersion={from}&timeoutSeconds=1&fieldSelector=metadata.name%3Dweb",
        kube.url()
    );
    let token = kube.token().to_owned();
    let watcher = thread::spawn(move || {
        HttpRequest::get(&url)
            .header("Authorization", &format!("Bearer {token}"))
            .send()
            .unwrap()
    });
    kube.create(deployment("other", "img:v1", 0)).unwrap();
    kube.merge_patch(
        "Deployment",
        "default",
        "web",
        &json!({"metadata": {"labels": {"seen": "yes"}}}),
    )
    .unwrap();
    kube.delete("Deployment", "default", "web").unwrap();
    let resp = watcher.join().unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("transfer-encoding"), Some("chunked"));
    let events: Vec<Value> = resp
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<(&str, &str)> = events
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap(),
                e["object"]["metadata"]["name"].as_str().unwrap(),
            )
        })
        .collect();
    // The controller's status writes come first; the patch and the
    // delete come last, and `other` is filtered out.
    assert!(kinds.iter().all(|(_, name)| *name == "web"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&("DELETED", "web")));
    let labelled = events
        .iter()
        .position(|e| e["object"]["metadata"]["labels"]["seen"] == "yes")
        .unwrap();
    assert_eq!(events[labelled]["type"], "MODIFIED");
    assert_eq!(events[labelled]["object"]["kind"], "Deployment");
    assert!(
        kube.requests()
            .iter()
            .any(|r| r.watch && r.query_param("timeoutSeconds").as_deref() == Some("1"))
    );
}

#[test]
fn watches_start_with_the_current_state_and_honour_selectors() {
    let kube = start();
    for (name, tier) in [("a", "front"), ("b", "back")] {
        kube.create(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": {"tier": tier}}}))
            .unwrap();
    }
    let url = format!(
        "{}/api/v1/namespaces/default/configmaps?watch=1&labelSelector=tier%3Dfront&timeoutSeconds=1&allowWatchBookmarks=true",
        kube.url()
    );
    let token = kube.token().to_owned();
    let watcher = thread::spawn(move || {
        HttpRequest::get(&url)
            .header("Authorization", &format!("Bearer {token}"))
            .send()
            .unwrap()
    });
    wait_for("the watch to start", || {
        kube.requests().iter().any(|r| r.watch).then_some(())
    });
    // `a` leaves the selector: the watch sees it deleted.
    kube.merge_patch(
        "ConfigMap",
        "default",
        "a",
        &json!({"metadata": {"labels": {"tier": "back"}}}),
    )
    .unwrap();
    let resp = watcher.join().unwrap();
    let events: Vec<Value> = resp
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<(&str, &str)> = events
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap(),
                e["object"]["metadata"]["name"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(kinds, [("ADDED", "a"), ("DELETED", "a"), ("BOOKMARK", "")]);
}

// ------------------------------------------------------------ faults

#[test]
fn injected_faults_answer_before_the_api() {
    let kube = start();
    kube.create(deployment("web", "img:v1", 1)).unwrap();
    let path = format!("{DEPLOYMENTS}/web");
    kube.inject("GET", "/deployments/web", 1, too_many_requests(2));
    kube.inject("PATCH", "/deployments/", 1, service_unavailable());

    let throttled = get(&kube, &path);
    assert_eq!(throttled.status, 429);
    assert_eq!(throttled.header("retry-after"), Some("2"));
    assert_eq!(json_of(&throttled)["reason"], "TooManyRequests");
    assert_eq!(get(&kube, &path).status, 200, "only once");

    let patch = json!({"metadata": {"labels": {"x": "y"}}});
    let unavailable = send(
        &kube,
        "PATCH",
        &path,
        "application/merge-patch+json",
        &patch,
    );
    assert_eq!(
        (unavailable.status, json_of(&unavailable)["reason"].as_str()),
        (503, Some("ServiceUnavailable"))
    );
    assert!(
        kube.get("Deployment", "default", "web").unwrap()["metadata"]["labels"]
            .get("x")
            .is_none(),
        "nothing written"
    );
    assert_eq!(
        send(
            &kube,
            "PATCH",
            &path,
            "application/merge-patch+json",
            &patch
        )
        .status,
        200
    );

    kube.inject("*", "/deployments/web", 1, Fault::Hang);
    let hung = request(&kube, "GET", &path)
        .timeout(Duration::from_millis(300))
        .send();
    assert!(hung.is_err(), "a hang answers nothing: {hung:?}");
    kube.inject("GET", "/version", 1, Fault::status(500));
    assert_eq!(
        HttpRequest::get(&format!("{}/version", kube.url()))
            .send()
            .unwrap()
            .status,
        500
    );

    let injected: Vec<u16> = kube
        .requests()
        .iter()
        .filter(|r| r.injected)
        .map(|r| r.status)
        .collect();
    assert_eq!(injected, [429, 503, 0, 500]);
}

// ------------------------------------------------------------ controllers

#[test]
fn deployments_roll_out_through_replica_sets() {
    let kube = start();
    let mut web = deployment("web", "img:v1", 3);
    web["metadata"]["annotations"] = json!({"kubernetes.io/change-cause": "first"});
    kube.create(web).unwrap();
    settle(&kube);

    let rss = replica_sets(&kube, "web");
    assert_eq!(rss.len(), 1);
    let rs = &rss[0];
    let hash = rs["metadata"]["labels"]["pod-template-hash"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(rs["metadata"]["name"], format!("web-{hash}"));
    assert_eq!(
        rs["spec"]["selector"]["matchLabels"],
        json!({"app": "web", "pod-template-hash": hash})
    );
    assert_eq!(
        rs["spec"]["template"]["metadata"]["labels"]["pod-template-hash"],
        hash
    );
    assert_eq!(rs["metadata"]["ownerReferences"][0]["kind"], "Deployment");
    assert_eq!(rs["metadata"]["ownerReferences"][0]["controller"], true);
    assert_eq!(revision(rs), 1);
    assert_eq!(
        rs["metadata"]["annotations"]["kubernetes.io/change-cause"],
        "first"
    );
    assert_eq!(rs["status"]["readyReplicas"], 3);

    let pods = pods_labelled(&kube, "app", "web");
    assert_eq!(pods.len(), 3);
    for pod in &pods {
        let name = pod["metadata"]["name"].as_str().unwrap();
        assert!(
            name.starts_with(&format!("web-{hash}-"))
                && name.len() == format!("web-{hash}-").len() + 5,
            "{name}"
        );
        assert_eq!(pod["status"]["phase"], "Running");
        assert_eq!(condition(pod, "Ready")["status"], "True");
        assert_eq!(pod["status"]["containerStatuses"][0]["ready"], true);
        assert_eq!(
            pod["metadata"]["ownerReferences"][0]["name"],
            rs["metadata"]["name"]
        );
    }

    let d = kube.get("Deployment", "default", "web").unwrap();
    let status = &d["status"];
    assert_eq!(status["observedGeneration"], d["metadata"]["generation"]);
    for key in [
        "replicas",
        "updatedReplicas",
        "readyReplicas",
        "availableReplicas",
    ] {
        assert_eq!(status[key], 3, "{key}");
    }
    assert!(status.get("unavailableReplicas").is_none());
    assert_eq!(
        condition(&d, "Available")["reason"],
        "MinimumReplicasAvailable"
    );
    assert_eq!(
        condition(&d, "Progressing")["reason"],
        "NewReplicaSetAvailable"
    );
    assert_eq!(revision(&d), 1);

    set_image(&kube, "web", "img:v2");
    settle(&kube);
    let rss = replica_sets(&kube, "web");
    assert_eq!(rss.len(), 2);
    assert_eq!(
        (
            rss[0]["spec"]["replicas"].as_i64(),
            rss[1]["spec"]["replicas"].as_i64()
        ),
        (Some(0), Some(3))
    );
    assert_eq!(image_of(&rss[1]), "img:v2");
    assert_eq!(revision(&rss[1]), 2);
    let d = kube.get("Deployment", "default", "web").unwrap();
    assert_eq!(revision(&d), 2);
    assert_eq!(d["metadata"]["generation"], 2);
    assert_eq!(d["status"]["updatedReplicas"], 3);
    let images: Vec<String> = pods_labelled(&kube, "app", "web")
        .iter()
        .map(|p| {
            p["spec"]["containers"][0]["image"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(images, ["img:v2"; 3]);

    // The old template comes back: its ReplicaSet is reused, with the
    // next revision and the old one in its history.
    set_image(&kube, "web", "img:v1");
    settle(&kube);
    let rss = replica_sets(&kube, "web");
    assert_eq!(rss.len(), 2, "no new ReplicaSet for a template seen before");
    let back = &rss[1];
    assert_eq!(back["metadata"]["name"], format!("web-{hash}"));
    assert_eq!(revision(back), 3);
    assert_eq!(
        back["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"],
        "1"
    );
    assert_eq!(back["spec"]["replicas"], 3);
}

#[test]
fn a_crash_looping_rollout_exceeds_its_progress_deadline() {
    let kube = start();
    let mut web = deployment("web", "img:v1", 3);
    web["spec"]["progressDeadlineSeconds"] = json!(1);
    kube.create(web).unwrap();
    settle(&kube);
    set_image(&kube, "web", "img:crash");
    // The deadline is scheduled work: settling waits for it.
    settle(&kube);
    let d = kube.get("Deployment", "default", "web").unwrap();
    let progressing = condition(&d, "Progressing");
    assert_eq!(
        (
            progressing["status"].as_str(),
            progressing["reason"].as_str()
        ),
        (Some("False"), Some("ProgressDeadlineExceeded"))
    );
    let new_rs = replica_sets(&kube, "web").pop().unwrap();
    assert_eq!(
        progressing["message"],
        format!(
            "ReplicaSet \"{}\" has timed out progressing.",
            new_rs["metadata"]["name"].as_str().unwrap()
        )
    );
    assert_eq!(
        d["status"]["availableReplicas"], 3,
        "the old pods keep serving"
    );
    assert_eq!(
        d["status"]["updatedReplicas"], 1,
        "maxSurge 25% of 3 rounds up to one new pod"
    );
    assert_eq!(d["status"]["unavailableReplicas"], 1);

    let crashing: Vec<Value> = kube
        .list("Pod", "default")
        .into_iter()
        .filter(|p| p["spec"]["containers"][0]["image"] == "img:crash")
        .collect();
    assert_eq!(crashing.len(), 1);
    let container = &crashing[0]["status"]["containerStatuses"][0];
    assert_eq!(container["state"]["waiting"]["reason"], "CrashLoopBackOff");
    assert_eq!(container["ready"], false);
    assert!(container["restartCount"].as_i64().unwrap() >= 1);
    assert_eq!(condition(&crashing[0], "Ready")["status"], "False");
    let name = crashing[0]["metadata"]["name"].as_str().unwrap().to_owned();
    wait_for("the restart count to grow", || {
        let restarts =
            kube.get("Pod", "default", &name)?["status"]["containerStatuses"][0]["restartCount"]
                .as_i64()?;
        (restarts > container["restartCount"].as_i64()?).then_some(())
    });
}

#[test]
fn images_choose_pod_behaviours() {
    let kube = start();
    kube.image_behaviour("special", PodBehaviour::NeverReady);
    kube.image_behaviour(
        "crash-but-fine",
        PodBehaviour::Ready {
            after: Duration::from_millis(10),
        },
    );
    kube.create(deployment("pull", "registry.example/pull-error:1", 1))
        .unwrap();
    kube.create(deployment("never", "registry.example/special:1", 1))
        .unwrap();
    kube.create(deployment("fine", "registry.example/crash-but-fine:1", 1))
        .unwrap();
    settle(&kube);

    let pull = &pods_labelled(&kube, "app", "pull")[0];
    assert_eq!(pull["status"]["phase"], "Pending");
    assert_eq!(
        pull["status"]["containerStatuses"][0]["state"]["waiting"]["reason"],
        "ImagePullBackOff"
    );
    let never = &pods_labelled(&kube, "app", "never")[0];
    assert_eq!(never["status"]["phase"], "Running");
    assert!(never["status"]["containerStatuses"][0]["state"]["running"].is_object());
    assert_eq!(condition(never, "Ready")["status"], "False");
    let fine = &pods_labelled(&kube, "app", "fine")[0];
    assert_eq!(
        condition(fine, "Ready")["status"],
        "True",
        "rules win over the defaults"
    );
    let d = kube.get("Deployment", "default", "never").unwrap();
    assert_eq!(condition(&d, "Available")["status"], "False");
}

#[test]
fn paused_deployments_wait_and_recreate_replaces_everything() {
    let kube = start();
    kube.create(deployment("web", "img:v1", 2)).unwrap();
    settle(&kube);
    kube.merge_patch(
        "Deployment",
        "default",
        "web",
        &json!({"spec": {"paused": true}}),
    )
    .unwrap();
    set_image(&kube, "web", "img:v2");
    settle(&kube);
    assert_eq!(
        replica_sets(&kube, "web").len(),
        1,
        "no rollout while paused"
    );
    let d = kube.get("Deployment", "default", "web").unwrap();
    assert_eq!(
        d["status"]["observedGeneration"],
        d["metadata"]["generation"]
    );
    assert_eq!(condition(&d, "Progressing")["reason"], "DeploymentPaused");
    kube.merge_patch(
        "Deployment",
        "default",
        "web",
        &json!({"spec": {"paused": false}}),
    )
    .unwrap();
    settle(&kube);
    assert_eq!(image_of(&replica_sets(&kube, "web")[1]), "img:v2");

    kube.merge_patch(
        "Deployment",
        "default",
        "web",
        &json!({"spec": {"strategy": {"type": "Recreate", "rollingUpdate": null}}}),
    )
    .unwrap();
    set_image(&kube, "web", "img:v3");
    settle(&kube);
    let rss = replica_sets(&kube, "web");
    let replicas: Vec<i64> = rss
        .iter()
        .map(|rs| rs["spec"]["replicas"].as_i64().unwrap())
        .collect();
    assert_eq!(replicas, [0, 0, 2]);
    assert_eq!(pods_labelled(&kube, "app", "web").len(), 2);
}

#[test]
fn old_replica_sets_beyond_the_history_limit_go() {
    let kube = start();
    let mut web = deployment("web", "img:v1", 1);
    web["spec"]["revisionHistoryLimit"] = json!(1);
    kube.create(web).unwrap();
    for v in ["img:v2", "img:v3", "img:v4"] {
        settle(&kube);
        set_image(&kube, "web", v);
    }
    settle(&kube);
    let revisions: Vec<i64> = replica_sets(&kube, "web").iter().map(revision).collect();
    assert_eq!(revisions, [3, 4]);
}

#[test]
fn the_scale_subresource_sets_replicas() {
    let kube = start();
    kube.create(deployment("web", "img:v1", 1)).unwrap();
    settle(&kube);
    let path = format!("{DEPLOYMENTS}/web/scale");
    let scale = json_of(&get(&kube, &path));
    assert_eq!(
        (scale["kind"].as_str(), scale["apiVersion"].as_str()),
        (Some("Scale"), Some("autoscaling/v1"))
    );
    assert_eq!(scale["spec"]["replicas"], 1);
    assert_eq!(scale["status"]["selector"], "app=web");

    let patched = json_of(&send(
        &kube,
        "PATCH",
        &path,
        "application/merge-patch+json",
        &json!({"spec": {"replicas": 3}}),
    ));
    assert_eq!(patched["spec"]["replicas"], 3);
    settle(&kube);
    assert_eq!(pods_labelled(&kube, "app", "web").len(), 3);

    let mut put = json_of(&get(&kube, &path));
    put["spec"]["replicas"] = json!(-2);
    let refused = send(&kube, "PUT", &path, "application/json", &put);
    assert_eq!(refused.status, 422);
    assert_eq!(
        json_of(&refused)["message"],
        "Scale.autoscaling \"web\" is invalid: spec.replicas: Invalid value: -2: must be greater than or equal to 0"
    );
}

#[test]
fn statefulsets_and_daemonsets_report_their_rollouts() {
    let kube = start();
    let template = json!({"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db", "image": "db:v1"}]}});
    kube.create(json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
        "spec": {"replicas": 2, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}}, "template": template}}))
        .unwrap();
    let agent = json!({"metadata": {"labels": {"app": "agent"}}, "spec": {"containers": [{"name": "agent", "image": "agent:v1"}]}});
    kube.create(
        json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
        "spec": {"selector": {"matchLabels": {"app": "agent"}}, "template": agent}}),
    )
    .unwrap();
    settle(&kube);
    let names: Vec<String> = pods_labelled(&kube, "app", "db")
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["db-0", "db-1"]);
    let sts = kube.get("StatefulSet", "default", "db").unwrap();
    assert_eq!(sts["status"]["readyReplicas"], 2);
    assert_eq!(
        sts["status"]["currentRevision"],
        sts["status"]["updateRevision"]
    );
    let first_revision = sts["status"]["updateRevision"].clone();

    kube.merge_patch("StatefulSet", "default", "db", &json!({"spec": {"template": {"spec": {"containers": [{"name": "db", "image": "db:v2"}]}}}}))
        .unwrap();
    settle(&kube);
    let sts = kube.get("StatefulSet", "default", "db").unwrap();
    assert_ne!(sts["status"]["updateRevision"], first_revision);
    assert_eq!(
        sts["status"]["currentRevision"],
        sts["status"]["updateRevision"]
    );
    assert_eq!(sts["status"]["updatedReplicas"], 2);
    assert_eq!(sts["status"]["observedGeneration"], 2);

    let ds = kube.get("DaemonSet", "default", "agent").unwrap();
    for key in [
        "desiredNumberScheduled",
        "updatedNumberScheduled",
        "numberAvailable",
        "numberReady",
    ] {
        assert_eq!(ds["status"][key], 1, "{key}");
    }
    assert_eq!(pods_labelled(&kube, "app", "agent").len(), 1);
}

#[test]
fn deleting_an_owner_collects_its_dependents() {
    let kube = start();
    kube.create(deployment("web", "img:v1", 2)).unwrap();
    kube.create(deployment("keep", "img:v1", 1)).unwrap();
    settle(&kube);
    let deleted = request(&kube, "DELETE", &format!("{DEPLOYMENTS}/web"))
        .send()
        .unwrap();
    assert_eq!(deleted.status, 200);
    let status = json_of(&deleted);
    assert_eq!(
        (status["kind"].as_str(), status["status"].as_str()),
        (Some("Status"), Some("Success"))
    );
    settle(&kube);
    assert!(pods_labelled(&kube, "app", "web").is_empty());
    assert!(
        kube.list("ReplicaSet", "default")
            .iter()
            .all(|rs| rs["metadata"]["labels"]["app"] != "web")
    );

    let orphan = request(
        &kube,
        "DELETE",
        &format!("{DEPLOYMENTS}/keep?propagationPolicy=Orphan"),
    )
    .send()
    .unwrap();
    assert_eq!(orphan.status, 200);
    settle(&kube);
    let rs = kube.list("ReplicaSet", "default");
    assert_eq!(rs.len(), 1, "an orphaned ReplicaSet stays");
    assert!(
        rs[0]["metadata"]["ownerReferences"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(pods_labelled(&kube, "app", "keep").len(), 1);
}

#[test]
fn the_target_is_the_fake_unless_a_kubeconfig_is_given() {
    if std::env::var_os(KUBECONFIG_ENV).is_some() {
        eprintln!("skipping: {KUBECONFIG_ENV} is set, the target is that cluster");
        return;
    }
    let target = KubeTarget::from_env().unwrap();
    let fake = target.fake().expect("the fake by default");
    assert!(!target.is_real());
    assert_eq!(target.kubeconfig(), fake.kubeconfig());
    let text = std::fs::read_to_string(target.kubeconfig()).unwrap();
    assert!(text.contains(&fake.https_url()), "{text}");
    assert!(text.contains(fake.token()));
    assert!(text.contains("current-context: fake"));
}

// ------------------------------------------------------------ kubectl

/// kubectl against the fake, or a skip message when it is not installed.
struct Kubectl<'a>(&'a FakeKube);

impl<'a> Kubectl<'a> {
    fn new(kube: &'a FakeKube) -> Option<Self> {
        if kube.kubectl().is_none() {
            eprintln!("skipping: kubectl is not installed");
            return None;
        }
        Some(Kubectl(kube))
    }

    fn run(&self, args: &[&str]) -> Output {
        self.0.kubectl().unwrap().args(args).output().unwrap()
    }

    /// Run; assert success; stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

#[test]
fn kubectl_reads_scales_annotates_and_patches() {
    let kube = start();
    let Some(kubectl) = Kubectl::new(&kube) else {
        return;
    };
    kube.create(deployment("web", "img:v1", 3)).unwrap();
    settle(&kube);

    let object: Value =
        serde_json::from_str(&kubectl.ok(&["get", "deploy", "web", "-o", "json"])).unwrap();
    assert_eq!(
        (
            object["kind"].as_str(),
            object["status"]["readyReplicas"].as_i64()
        ),
        (Some("Deployment"), Some(3))
    );
    let table = kubectl.ok(&["get", "deployments"]);
    assert!(table.contains("READY") && table.contains("3/3"), "{table}");
    let pods = kubectl.ok(&["get", "pods", "-l", "app=web", "-o", "name"]);
    assert_eq!(pods.lines().count(), 3, "{pods}");
    assert!(pods.lines().all(|l| l.starts_with("pod/web-")));

    kubectl.ok(&["scale", "deployment/web", "--replicas=2"]);
    assert_eq!(
        kube.get("Deployment", "default", "web").unwrap()["spec"]["replicas"],
        2
    );
    kubectl.ok(&["annotate", "deployment/web", "owner=team-a"]);
    assert_eq!(
        kube.get("Deployment", "default", "web").unwrap()["metadata"]["annotations"]["owner"],
        "team-a"
    );
    kubectl.ok(&[
        "patch",
        "deployment/web",
        "--type=merge",
        "-p",
        r#"{"metadata":{"labels":{"tier":"front"}}}"#,
    ]);
    kubectl.ok(&[
        "patch",
        "deployment/web",
        "--type=json",
        "-p",
        r#"[{"op":"add","path":"/spec/minReadySeconds","value":1}]"#,
    ]);
    kubectl.ok(&["patch", "deployment/web", "--type=strategic", "-p",
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"app","env":[{"name":"A","value":"1"}]}]}}}}"#]);
    let d = kube.get("Deployment", "default", "web").unwrap();
    assert_eq!(d["metadata"]["labels"]["tier"], "front");
    assert_eq!(d["spec"]["minReadySeconds"], 1);
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["env"],
        json!([{"name": "A", "value": "1"}])
    );
    assert_eq!(
        image_of(&d),
        "img:v1",
        "the strategic patch kept the rest of the container"
    );
    let types: Vec<String> = kube
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH")
        .filter_map(|r| r.content_type.clone())
        .collect();
    for want in [
        "application/merge-patch+json",
        "application/json-patch+json",
        "application/strategic-merge-patch+json",
    ] {
        assert!(
            types.iter().any(|t| t.starts_with(want)),
            "{want} in {types:?}"
        );
    }
    assert!(
        kube.requests()
            .iter()
            .all(|r| r.authorized || r.path == "/version"),
        "kubectl sent the token"
    );
}

#[test]
fn kubectl_rollout_status_follows_a_rollout() {
    let kube = start();
    let Some(kubectl) = Kubectl::new(&kube) else {
        return;
    };
    kube.create(deployment("web", "img:v1", 3)).unwrap();
    settle(&kube);
    kubectl.ok(&["set", "image", "deployment/web", "app=img:v2"]);
    let out = kubectl.ok(&["rollout", "status", "deployment/web", "--timeout=20s"]);
    assert!(
        out.contains("deployment \"web\" successfully rolled out"),
        "{out}"
    );
    let d = kube.get("Deployment", "default", "web").unwrap();
    assert_eq!(image_of(&d), "img:v2");
    assert_eq!(d["status"]["updatedReplicas"], 3);
    assert!(
        kube.requests().iter().any(|r| r.watch),
        "rollout status watches"
    );
}

#[test]
fn kubectl_rollout_status_reports_an_exceeded_deadline() {
    let kube = start();
    let Some(kubectl) = Kubectl::new(&kube) else {
        return;
    };
    let mut web = deployment("web", "img:v1", 2);
    web["spec"]["progressDeadlineSeconds"] = json!(1);
    kube.create(web).unwrap();
    settle(&kube);
    kubectl.ok(&["set", "image", "deployment/web", "app=img:crash"]);
    let out = kubectl.run(&["rollout", "status", "deployment/web", "--timeout=20s"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("deployment \"web\" exceeded its progress deadline"),
        "{stderr}"
    );
}

#[test]
fn kubectl_rollout_history_and_undo() {
    let kube = start();
    let Some(kubectl) = Kubectl::new(&kube) else {
        return;
    };
    kube.create(deployment("web", "img:v1", 2)).unwrap();
    for v in ["img:v2", "img:v3"] {
        settle(&kube);
        kubectl.ok(&["set", "image", "deployment/web", &format!("app={v}")]);
    }
    settle(&kube);
    let history = kubectl.ok(&["rollout", "history", "deployment/web"]);
    let revisions: Vec<&str> = history
        .lines()
        .skip(2)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(revisions, ["1", "2", "3"], "{history}");

    kubectl.ok(&["rollout", "undo", "deployment/web"]);
    settle(&kube);
    let d = kube.get("Deployment", "default", "web").unwrap();
    assert_eq!(image_of(&d), "img:v2");
    assert_eq!(revision(&d), 4, "the v2 ReplicaSet came back as revision 4");
    assert!(
        d["spec"]["template"]["metadata"]["labels"]
            .get("pod-template-hash")
            .is_none()
    );

    kubectl.ok(&["rollout", "undo", "deployment/web", "--to-revision=1"]);
    settle(&kube);
    assert_eq!(
        image_of(&kube.get("Deployment", "default", "web").unwrap()),
        "img:v1"
    );
    let history = kubectl.ok(&["rollout", "history", "deployment/web"]);
    let revisions: Vec<&str> = history
        .lines()
        .skip(2)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(revisions, ["3", "4", "5"], "{history}");

    kubectl.ok(&["rollout", "pause", "deployment/web"]);
    assert_eq!(
        kube.get("Deployment", "default", "web").unwrap()["spec"]["paused"],
        true
    );
    let refused = kubectl.run(&["rollout", "undo", "deployment/web"]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("you cannot rollback a paused deployment")
    );
    kubectl.ok(&["rollout", "resume", "deployment/web"]);
    assert!(
        kube.get("Deployment", "default", "web").unwrap()["spec"]
            .get("paused")
            .is_none_or(|p| p == false)
    );
}

#[test]
fn kubectl_applies_and_deletes() {
    let kube = start();
    let Some(kubectl) = Kubectl::new(&kube) else {
        return;
    };
    let file = kube.dir().join("svc.yaml");
    let manifest = |target: u16| {
        format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 80\n    targetPort: {target}\n"
        )
    };
    std::fs::write(&file, manifest(8080)).unwrap();
    let path = file.to_str().unwrap();
    assert!(
        kubectl
            .ok(&["apply", "-f", path])
            .contains("service/web created")
    );
    std::fs::write(&file, manifest(9090)).unwrap();
    assert!(
        kubectl
            .ok(&["apply", "-f", path])
            .contains("service/web configured")
    );
    let svc = kube.get("Service", "default", "web").unwrap();
    assert_eq!(svc["spec"]["ports"][0]["targetPort"], 9090);
    assert!(
        svc["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
            .is_string()
    );
    assert!(
        kube.requests()
            .iter()
            .any(|r| r.query_param("fieldValidation").as_deref() == Some("Strict"))
    );
    kubectl.ok(&["delete", "-f", path]);
    assert!(kube.get("Service", "default", "web").is_none());
}
