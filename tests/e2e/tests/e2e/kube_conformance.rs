//! The same Kubernetes checks against the fake API server and a real
//! cluster: `KubeTarget::from_env()` is a fresh fake unless
//! `GANTRY_TEST_KUBECONFIG` names a cluster's kubeconfig (CI's `kind` job).
//! Only the kubeconfig is used: kubectl sets up (`apply -f -`) and inspects
//! (`get -o json`, `rollout status`, `rollout history`), gantry-rollback
//! does the operations, and where kubectl has the same operation it runs
//! too, so gantry and kubectl are seen to agree (done or not, the revisions
//! an undo leaves, refusals). Each test works in a namespace of its own,
//! deleted at the end on a real cluster, so the tests can share one.
//! Skipped with a message where kubectl is not installed.

use std::collections::BTreeMap;
use std::hash::{BuildHasher as _, Hasher as _};
use std::process::Output;
use std::time::{Duration, SystemTime};

use gantry_test_support::cli::{RunResult, gantry};
use gantry_test_support::kube::KubeTarget;
use serde_json::{Value, json};

/// Real images (pulled on kind); any image the fake is given runs.
const GOOD: &str = "registry.k8s.io/pause:3.9";
const GOOD_NEXT: &str = "registry.k8s.io/pause:3.10";
/// A tag that does not exist (ErrImagePull/ImagePullBackOff on a real
/// cluster); the fake cannot pull any image containing `pull-error`.
const FAILING: &str = "registry.k8s.io/pause:pull-error-does-not-exist";

/// A cluster with a namespace for one test.
struct Cluster {
    target: KubeTarget,
    ns: String,
    /// `progressDeadlineSeconds` of the Deployments made here: short, so a
    /// failing image fails quickly, but on a real cluster long enough for
    /// a pull of a good image never to look like a stall.
    deadline: u32,
    /// How long gantry and kubectl wait for a rollout.
    wait: Duration,
    /// How long one gantry-rollback or kubectl run may take.
    limit: Duration,
}

impl Cluster {
    /// The target of the environment with a fresh namespace named after
    /// `test`, or `None` (a skip, said) without kubectl.
    #[allow(clippy::print_stderr)] // the skip message, in test code
    fn start(test: &str) -> Option<Cluster> {
        let target = KubeTarget::from_env().unwrap();
        if target.kubectl().is_none() {
            eprintln!(
                "skipping kube_conformance {test}: kubectl is not installed (it sets up and inspects the cluster)"
            );
            return None;
        }
        let real = target.is_real();
        let cluster = Cluster {
            ns: format!("gantry-{test}-{:08x}", random_u32()),
            target,
            deadline: if real { 15 } else { 2 },
            wait: Duration::from_secs(if real { 180 } else { 20 }),
            limit: Duration::from_secs(if real { 420 } else { 60 }),
        };
        cluster.apply(&[json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": cluster.ns, "labels": {"app.kubernetes.io/created-by": "gantry-e2e"}},
        })]);
        Some(cluster)
    }

    fn is_real(&self) -> bool {
        self.target.is_real()
    }

    fn wait_flag(&self) -> String {
        format!("{}s", self.wait.as_secs())
    }

    /// kubectl in `namespace`, with `stdin`.
    fn kubectl_with(&self, namespace: &str, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = assert_cmd::Command::from_std(self.target.kubectl().unwrap());
        cmd.args(args)
            .arg(format!("--namespace={namespace}"))
            .timeout(self.limit);
        if let Some(input) = stdin {
            cmd.write_stdin(input);
        }
        cmd.output()
            .unwrap_or_else(|e| panic!("kubectl {args:?}: {e}"))
    }

    fn kubectl_in(&self, namespace: &str, args: &[&str]) -> Output {
        self.kubectl_with(namespace, args, None)
    }

    /// kubectl in this test's namespace.
    fn kubectl(&self, args: &[&str]) -> Output {
        self.kubectl_in(&self.ns, args)
    }

    /// kubectl that must succeed; its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.kubectl(args);
        assert!(out.status.success(), "kubectl {args:?}: {}", show(&out));
        text(&out.stdout)
    }

    /// `kubectl apply -f -` of `objects`, a YAML stream of JSON documents
    /// (not a `v1` `List`: kubectl validates a List against `/openapi/v2`,
    /// which the fake does not serve).
    fn apply(&self, objects: &[Value]) {
        let stream: String = objects.iter().map(|o| format!("---\n{o}\n")).collect();
        let out = self.kubectl_with(&self.ns, &["apply", "-f", "-"], Some(&stream));
        assert!(out.status.success(), "kubectl apply: {}", show(&out));
    }

    /// `kubectl get WHAT -o json`.
    fn get(&self, what: &str) -> Value {
        serde_json::from_str(&self.ok(&["get", what, "-o", "json"])).unwrap()
    }

    /// A Deployment of `replicas` pods running `image` in container `app`.
    fn deployment(&self, name: &str, image: &str, replicas: u32) -> Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "namespace": self.ns, "labels": {"app": name}},
            "spec": {
                "replicas": replicas,
                "progressDeadlineSeconds": self.deadline,
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {"labels": {"app": name}},
                    "spec": {
                        "terminationGracePeriodSeconds": 1,
                        "containers": [{"name": "app", "image": image}],
                    },
                },
            },
        })
    }

    /// `kubectl rollout status deployment/NAME`.
    fn rollout_status(&self, name: &str) -> Output {
        self.kubectl(&[
            "rollout",
            "status",
            &format!("deployment/{name}"),
            &format!("--timeout={}", self.wait_flag()),
        ])
    }

    /// `kubectl rollout status` must say the rollout is done; its line.
    fn rolled_out(&self, name: &str) -> String {
        let out = self.rollout_status(name);
        assert!(
            out.status.success(),
            "rollout status {name}: {}",
            show(&out)
        );
        let line = format!("deployment \"{name}\" successfully rolled out");
        assert!(text(&out.stdout).contains(&line), "{}", show(&out));
        line
    }

    /// gantry-rollback in `namespace`.
    fn rollback_in(&self, namespace: &str, args: &[&str]) -> RunResult {
        gantry("gantry-rollback")
            .and_then(|cmd| {
                cmd.args(args)
                    .args(["--namespace", namespace])
                    .env("KUBECONFIG", self.target.kubeconfig())
                    .timeout(self.limit)
                    .run()
            })
            .unwrap_or_else(|error| panic!("gantry-rollback {args:?}: {error}"))
    }

    /// gantry-rollback in this test's namespace.
    fn rollback(&self, args: &[&str]) -> RunResult {
        self.rollback_in(&self.ns, args)
    }

    /// The image of container `app` of Deployment `name`, as kubectl reads it.
    fn image(&self, name: &str) -> String {
        container(&self.get(&format!("deployment/{name}")))["image"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The revisions `kubectl rollout history` lists.
    fn history(&self, name: &str) -> Vec<i64> {
        self.ok(&["rollout", "history", &format!("deployment/{name}")])
            .lines()
            .filter_map(|line| line.split_whitespace().next()?.parse().ok())
            .collect()
    }

    /// Every Deployment and ReplicaSet here, in one `kubectl get`.
    fn objects(&self) -> Objects {
        Objects(
            self.get("deployments,replicasets")["items"]
                .as_array()
                .unwrap()
                .clone(),
        )
    }

    /// Write a rollback target spec into a fresh directory.
    fn target_spec(&self, text: &str) -> (tempfile::TempDir, String) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rollback.yaml");
        std::fs::write(&path, text).unwrap();
        let path = path.display().to_string();
        (dir, path)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // The fake goes with its target; a real cluster keeps what is not
        // deleted. Not waited for, and a failure here must not hide the
        // test's own.
        if self.is_real()
            && let Some(mut kubectl) = self.target.kubectl()
        {
            let _ = kubectl
                .args([
                    "delete",
                    "namespace",
                    &self.ns,
                    "--wait=false",
                    "--ignore-not-found",
                ])
                .output();
        }
    }
}

/// Deployments and ReplicaSets as kubectl listed them.
struct Objects(Vec<Value>);

impl Objects {
    fn find(&self, kind: &str, name: &str) -> Option<&Value> {
        self.0
            .iter()
            .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
    }

    fn deployment(&self, name: &str) -> &Value {
        self.find("Deployment", name)
            .unwrap_or_else(|| panic!("no deployment {name} in {:?}", self.0))
    }

    /// Container `app` of Deployment `name`: its image and env.
    fn template(&self, name: &str) -> (String, Value) {
        image_and_env(self.deployment(name))
    }

    /// `spec.replicas` and `status.readyReplicas` of Deployment `name`.
    fn replicas(&self, name: &str) -> (i64, i64) {
        let d = self.deployment(name);
        (
            d["spec"]["replicas"].as_i64().unwrap(),
            d["status"]["readyReplicas"].as_i64().unwrap_or(0),
        )
    }

    /// Each revision of Deployment `name` (the ReplicaSets it owns) with
    /// the image and env of its container `app`.
    fn revisions(&self, name: &str) -> BTreeMap<i64, (String, Value)> {
        self.0
            .iter()
            .filter(|o| o["kind"] == "ReplicaSet")
            .filter(|rs| rs["metadata"]["ownerReferences"][0]["name"] == name)
            .map(|rs| {
                let revision = rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                    .as_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                (revision, image_and_env(rs))
            })
            .collect()
    }

    /// The resourceVersion of each object, by kind and name.
    fn versions(&self) -> BTreeMap<String, String> {
        self.0
            .iter()
            .map(|o| {
                let name = o["metadata"]["name"].as_str().unwrap();
                let version = o["metadata"]["resourceVersion"].as_str().unwrap();
                (
                    format!("{}/{name}", o["kind"].as_str().unwrap()),
                    version.to_owned(),
                )
            })
            .collect()
    }
}

fn image_and_env(object: &Value) -> (String, Value) {
    let app = container(object);
    (
        app["image"].as_str().unwrap().to_owned(),
        app["env"].clone(),
    )
}

fn random_u32() -> u32 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    hasher.write_u128(nanos);
    hasher.write_u32(std::process::id());
    hasher.finish() as u32
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn show(out: &Output) -> String {
    format!(
        "{}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        text(&out.stdout).trim_end(),
        text(&out.stderr).trim_end()
    )
}

/// Container `app` of a Deployment's or ReplicaSet's pod template.
fn container(object: &Value) -> &Value {
    object["spec"]["template"]["spec"]["containers"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["name"] == "app"))
        .unwrap_or_else(|| panic!("no container app in {object}"))
}

fn json_of(run: &RunResult) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run}"))
}

#[test]
fn status_and_set_image_agree_with_kubectl_on_a_good_rollout() {
    let Some(k) = Cluster::start("status") else {
        return;
    };
    k.apply(&[k.deployment("web", GOOD, 2)]);
    let run = k.rollback(&["status", "deployment/web", "--timeout", &k.wait_flag()]);
    assert_eq!(run.code, Some(0), "{run}");
    let line = k.rolled_out("web");
    assert!(
        run.stdout.contains(&line),
        "gantry says what kubectl says: {run}"
    );
    let web = k.get("deployment/web");
    assert_eq!(web["status"]["readyReplicas"], 2, "{web}");

    let run = k.rollback(&[
        "set-image",
        "deployment/web",
        &format!("app={GOOD_NEXT}"),
        "--timeout",
        &k.wait_flag(),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, Some(0), "{run}");
    let json = json_of(&run);
    assert_eq!(json["changed"], true, "{json}");
    assert_eq!(json["rollout"]["outcome"], "done", "{json}");
    assert_eq!(json["rollout"]["message"], line.as_str(), "{json}");
    k.rolled_out("web");
    assert_eq!(k.image("web"), GOOD_NEXT);
    let web = k.get("deployment/web");
    assert_eq!(web["status"]["updatedReplicas"], 2, "{web}");
    let cause = web["metadata"]["annotations"]["kubernetes.io/change-cause"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(cause.contains(&format!("app={GOOD_NEXT}")), "{web}");
    assert_eq!(k.history("web"), [1, 2]);
    let history = k.ok(&["rollout", "history", "deployment/web"]);
    assert!(
        history
            .lines()
            .any(|l| l.starts_with('2') && l.contains(&cause)),
        "kubectl shows the change cause: {history}"
    );
}

#[test]
fn a_failing_image_is_exit_1_naming_its_pods_as_kubectl_fails_too() {
    let Some(k) = Cluster::start("failing") else {
        return;
    };
    k.apply(&[k.deployment("web", GOOD, 2)]);
    k.rolled_out("web");
    let run = k.rollback(&[
        "set-image",
        "deployment/web",
        &format!("app={FAILING}"),
        "--timeout",
        &k.wait_flag(),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, Some(1), "{run}");
    let json = json_of(&run);
    assert_eq!(json["rollout"]["outcome"], "failed", "{json}");
    let message = json["rollout"]["message"].as_str().unwrap();
    assert_eq!(message, "deployment \"web\" exceeded its progress deadline");

    // kubectl sees the same failed rollout, in the same words.
    let out = k.rollout_status("web");
    assert!(!out.status.success(), "{}", show(&out));
    assert_eq!(text(&out.stderr).trim(), format!("error: {message}"));
    assert_eq!(k.image("web"), FAILING, "not undone unless asked");

    // The pods named are live pods of the failing image, and say why.
    let named = json["rollout"]["unhealthy_pods"].as_array().unwrap();
    assert!(!named.is_empty(), "{json}");
    let pods = k.get("pods");
    let failing: Vec<&str> = pods["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| container_of_pod(p) == FAILING)
        .map(|p| p["metadata"]["name"].as_str().unwrap())
        .collect();
    for pod in named {
        let pod = pod.as_str().unwrap();
        assert!(
            pod.contains("ImagePullBackOff") || pod.contains("ErrImagePull"),
            "{pod}"
        );
        let name = pod.split(':').next().unwrap();
        assert!(failing.contains(&name), "{name} in {failing:?}");
    }
    // The old pods still serve: the rollout stopped at the new one.
    let web = k.get("deployment/web");
    assert_eq!(web["status"]["availableReplicas"], 2, "{web}");
}

fn container_of_pod(pod: &Value) -> &str {
    pod["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap_or_default()
}

#[test]
fn undo_on_failure_restores_the_image_and_kubectl_sees_it_done() {
    let Some(k) = Cluster::start("undo-on-failure") else {
        return;
    };
    k.apply(&[k.deployment("web", GOOD, 2)]);
    k.rolled_out("web");
    let run = k.rollback(&[
        "set-image",
        "web",
        &format!("app={FAILING}"),
        "--undo-on-failure",
        "--timeout",
        &k.wait_flag(),
        "--format",
        "json",
    ]);
    assert_eq!(
        run.code,
        Some(1),
        "a failed rollout fails even when undone: {run}"
    );
    let json = json_of(&run);
    assert_eq!(json["rollout"]["outcome"], "failed", "{json}");
    assert_eq!(
        json["undo"]["summary"], "rolled back to revision 1",
        "{json}"
    );
    assert_eq!(json["undo"]["rollout"]["outcome"], "done", "{json}");
    k.rolled_out("web");
    // As `kubectl rollout undo` leaves it: revision 1 came back as 3.
    assert_eq!(k.history("web"), [2, 3]);
    let objects = k.objects();
    assert_eq!(objects.template("web").0, GOOD);
    let revisions = objects.revisions("web");
    assert_eq!(revisions[&3].0, GOOD, "{revisions:?}");
    assert_eq!(revisions[&2].0, FAILING, "{revisions:?}");
}

/// A namespace with `web` and its `twin`, each with the same three
/// revisions (GOOD; GOOD_NEXT; GOOD_NEXT with env REV=3), rolled out:
/// `web` is undone by gantry-rollback, `twin` by kubectl.
fn twins(test: &str) -> Option<Cluster> {
    let k = Cluster::start(test)?;
    k.apply(&[k.deployment("web", GOOD, 1), k.deployment("twin", GOOD, 1)]);
    let next = format!("app={GOOD_NEXT}");
    let run = k.rollback(&["set-image", "web", &next, "--timeout", &k.wait_flag()]);
    assert_eq!(run.code, Some(0), "{run}");
    k.ok(&["set", "image", "deployment/twin", &next]);
    let third: Vec<Value> = ["web", "twin"]
        .iter()
        .map(|name| {
            let mut d = k.deployment(name, GOOD_NEXT, 1);
            d["spec"]["template"]["spec"]["containers"][0]["env"] = env3();
            d
        })
        .collect();
    k.apply(&third);
    let objects = k.same_as_twin("set up", &[1, 2, 3], (GOOD_NEXT, env3()));
    assert_eq!(
        objects.revisions("web"),
        BTreeMap::from([
            (1, (GOOD.to_owned(), Value::Null)),
            (2, (GOOD_NEXT.to_owned(), Value::Null)),
            (3, (GOOD_NEXT.to_owned(), env3())),
        ])
    );
    Some(k)
}

fn env3() -> Value {
    json!([{"name": "REV", "value": "3"}])
}

impl Cluster {
    /// kubectl sees `web` and `twin` rolled out, with the same revisions
    /// (numbers and templates) and the same template (`running`: image
    /// and env) running; `history` is web's as `kubectl rollout history`
    /// prints it.
    fn same_as_twin(&self, what: &str, history: &[i64], running: (&str, Value)) -> Objects {
        self.rolled_out("twin");
        self.rolled_out("web");
        assert_eq!(self.history("web"), history, "{what}");
        let objects = self.objects();
        let revisions = objects.revisions("web");
        assert_eq!(revisions, objects.revisions("twin"), "{what}");
        assert_eq!(
            revisions.keys().copied().collect::<Vec<_>>(),
            history,
            "{what}"
        );
        let template = objects.template("web");
        assert_eq!(template, objects.template("twin"), "{what}");
        assert_eq!(template, (running.0.to_owned(), running.1), "{what}");
        objects
    }
}

#[test]
fn undo_to_the_previous_revision_is_kubectls_and_a_second_undo_is_a_no_op() {
    let Some(k) = twins("undo") else {
        return;
    };
    let wait = k.wait_flag();
    let run = k.rollback(&["undo", "deployment/web", "--timeout", &wait]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("rolled back to revision 2"), "{run}");
    k.ok(&["rollout", "undo", "deployment/twin"]);
    let before = k.same_as_twin("undo", &[1, 3, 4], (GOOD_NEXT, Value::Null));

    // Again, and to the image it runs: no-ops (where `kubectl rollout
    // undo` would toggle back to revision 3).
    for args in [
        vec!["undo", "web", "--timeout", &wait],
        vec!["undo", "web", "--to-image", "3.10", "--timeout", &wait],
    ] {
        let run = k.rollback(&args);
        assert_eq!(run.code, Some(0), "{args:?}: {run}");
        assert!(run.stdout.contains("skipped rollback"), "{args:?}: {run}");
    }
    let after = k.objects();
    assert_eq!(
        after.versions(),
        before.versions(),
        "a no-op writes nothing"
    );
    assert_eq!(
        after.deployment("web")["metadata"]["generation"],
        before.deployment("web")["metadata"]["generation"]
    );
    assert_eq!(k.history("web"), [1, 3, 4]);
    k.rolled_out("web");
}

#[test]
fn undo_to_a_revision_or_an_image_is_kubectls_to_that_revision() {
    let Some(k) = twins("undo-to") else {
        return;
    };
    let wait = k.wait_flag();
    let run = k.rollback(&["undo", "web", "--to-revision", "1", "--timeout", &wait]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("rolled back to revision 1"), "{run}");
    k.ok(&["rollout", "undo", "deployment/twin", "--to-revision=1"]);
    k.same_as_twin("undo --to-revision 1", &[2, 3, 4], (GOOD, Value::Null));

    // The newest revision that ran the image: 3 (with its env), not 2.
    let run = k.rollback(&["undo", "web", "--to-image", "3.10", "--timeout", &wait]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("rolled back to revision 3"), "{run}");
    k.ok(&["rollout", "undo", "deployment/twin", "--to-revision=3"]);
    k.same_as_twin("undo --to-image 3.10", &[2, 4, 5], (GOOD_NEXT, env3()));
}

#[test]
fn shift_splits_replicas_and_sets_route_weights() {
    let Some(k) = Cluster::start("shift") else {
        return;
    };
    k.apply(&[
        k.deployment("web-stable", GOOD, 4),
        k.deployment("web-canary", GOOD_NEXT, 0),
    ]);
    k.rolled_out("web-stable");
    let (_dir, replicas) =
        k.target_spec("traffic: {replicas: {stable: web-stable, canary: web-canary}}\n");
    for (weight, want) in [("25", (3, 1)), ("50", (2, 2)), ("0", (4, 0))] {
        let run = k.rollback(&["shift", "--target", &replicas, "--weight", weight]);
        assert_eq!(run.code, Some(0), "{run}");
        // Both scale to what they were given, as kubectl sees it.
        k.rolled_out("web-stable");
        k.rolled_out("web-canary");
        let objects = k.objects();
        let (stable, canary) = (
            objects.replicas("web-stable"),
            objects.replicas("web-canary"),
        );
        assert_eq!((stable.0, canary.0), want, "weight {weight}: replicas");
        assert_eq!((stable.1, canary.1), want, "weight {weight}: ready");
    }
    // The same weight again changes nothing.
    let before = k.objects().versions();
    let run = k.rollback(&[
        "shift", "--target", &replicas, "--weight", "0", "--format", "json",
    ]);
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(json_of(&run)["changed"], false, "{run}");
    assert_eq!(k.objects().versions(), before);

    if k.is_real()
        && !k
            .kubectl(&["get", "crd", "httproutes.gateway.networking.k8s.io"])
            .status
            .success()
    {
        eprintln!(
            "skipping the HTTPRoute part: the Gateway API CRDs are not installed on this cluster"
        );
        return;
    }
    k.apply(&[json!({
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "web", "namespace": k.ns},
        "spec": {"rules": [{"backendRefs": [
            {"name": "web-stable", "port": 80, "weight": 100},
            {"name": "web-canary", "port": 80, "weight": 0},
        ]}]},
    })]);
    let (_route_dir, route) = k.target_spec(
        "traffic: {http-route: {name: web, stable: web-stable, canary: web-canary}}\n",
    );
    let weights = || -> Vec<i64> {
        k.get("httproute/web")["spec"]["rules"][0]["backendRefs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["weight"].as_i64().unwrap())
            .collect()
    };
    for (weight, want) in [("25", [75, 25]), ("100", [0, 100]), ("0", [100, 0])] {
        let run = k.rollback(&["shift", "--target", &route, "--weight", weight]);
        assert_eq!(run.code, Some(0), "{run}");
        assert_eq!(weights(), want, "weight {weight}");
    }
}

/// One bad input: gantry-rollback's arguments in a namespace, words its
/// error must say, and kubectl's arguments for the same (none: kubectl has
/// no such operation), which kubectl must refuse too.
struct BadInput<'a> {
    namespace: &'a str,
    gantry: Vec<&'a str>,
    says: &'a str,
    kubectl: Vec<&'a str>,
}

#[test]
fn bad_input_is_exit_2_changes_nothing_and_kubectl_refuses_too() {
    let Some(k) = Cluster::start("bad-input") else {
        return;
    };
    k.apply(&[k.deployment("web", GOOD, 1)]);
    k.rolled_out("web");
    let before = k.objects().versions();
    let absent = format!("{}-absent", k.ns);
    let next = format!("app={GOOD_NEXT}");
    let (_dir, missing_canary) =
        k.target_spec("traffic: {replicas: {stable: web, canary: nope}}\n");

    let ns = k.ns.as_str();
    let nosuch = "nosuch=registry.k8s.io/pause:3.10";
    let cases = [
        BadInput {
            namespace: ns,
            gantry: vec!["undo", "deployment/missing"],
            says: "not found",
            kubectl: vec!["rollout", "undo", "deployment/missing"],
        },
        BadInput {
            namespace: ns,
            gantry: vec!["status", "deployment/missing"],
            says: "not found",
            kubectl: vec!["rollout", "status", "deployment/missing"],
        },
        BadInput {
            namespace: ns,
            gantry: vec!["set-image", "missing", &next],
            says: "not found",
            kubectl: vec!["set", "image", "deployment/missing", &next],
        },
        BadInput {
            namespace: ns,
            gantry: vec!["set-image", "web", nosuch],
            says: "nosuch",
            kubectl: vec!["set", "image", "deployment/web", nosuch],
        },
        BadInput {
            namespace: ns,
            gantry: vec!["undo", "web"],
            says: "no rollout history to undo to",
            kubectl: vec!["rollout", "undo", "deployment/web"],
        },
        BadInput {
            namespace: ns,
            gantry: vec!["undo", "web", "--to-revision", "7"],
            says: "revision 7",
            kubectl: vec!["rollout", "undo", "deployment/web", "--to-revision=7"],
        },
        BadInput {
            namespace: ns,
            gantry: vec!["undo", "web", "--to-image", "3.10"],
            says: "no revision runs an image matching",
            kubectl: vec![],
        },
        BadInput {
            namespace: ns,
            gantry: vec!["shift", "--target", &missing_canary, "--weight", "50"],
            says: "not found",
            kubectl: vec![],
        },
        BadInput {
            namespace: &absent,
            gantry: vec!["undo", "web"],
            says: "not found",
            kubectl: vec!["rollout", "undo", "deployment/web"],
        },
        BadInput {
            namespace: &absent,
            gantry: vec!["status", "web"],
            says: "not found",
            kubectl: vec!["rollout", "status", "deployment/web"],
        },
        BadInput {
            namespace: &absent,
            gantry: vec!["set-image", "web", &next],
            says: "not found",
            kubectl: vec!["set", "image", "deployment/web", &next],
        },
    ];
    for case in &cases {
        let (namespace, args) = (case.namespace, &case.gantry);
        let run = k.rollback_in(namespace, args);
        assert_eq!(run.code, Some(2), "{namespace} {args:?}\n{run}");
        assert!(
            run.stderr
                .to_lowercase()
                .contains(&case.says.to_lowercase()),
            "{namespace} {args:?}: wanted {:?}\n{run}",
            case.says
        );
        if !case.kubectl.is_empty() {
            let out = k.kubectl_in(namespace, &case.kubectl);
            assert!(
                !out.status.success(),
                "kubectl refuses {:?} in {namespace} too: {}",
                case.kubectl,
                show(&out)
            );
        }
    }
    let after = k.objects();
    assert_eq!(after.versions(), before, "bad input changes nothing");
    assert_eq!(after.template("web").0, GOOD);
    assert_eq!(k.history("web"), [1]);
    k.rolled_out("web");
    let out = k.kubectl(&["get", "namespace", &absent]);
    assert!(
        !out.status.success(),
        "no namespace was made: {}",
        show(&out)
    );
}
