//! A fake Kubernetes API server on 127.0.0.1, with real state and a
//! simulated control plane, for testing gantry's Kubernetes code (kube-rs)
//! and the real `kubectl` where no cluster can run.
//!
//! Served over HTTP/1.1 (std threads, keep-alive, chunked watches) behind
//! a bearer token, plain and TLS on the same port, reachable through the
//! kubeconfig it writes ([`FakeKube::kubeconfig`]: `https://` server and
//! its CA, token, context `fake`, namespace `default`). TLS because
//! kubectl never sends a kubeconfig's credentials to an `http://` server;
//! the CA and certificate are made afresh at start.
//!
//! # What is faithful
//!
//! - **Discovery**: `/version` (v1.33), `/api`, `/api/v1`, `/apis`,
//!   `/apis/{group}[/{version}]` with verbs, scope, kinds, short names,
//!   categories and the `status`/`scale` subresources; a skeleton
//!   `/openapi/v3` (the PATCH operations and their `fieldValidation`
//!   parameter, no schemas: enough for `kubectl apply` to leave
//!   validation to the server, which accepts any field); `/openapi/v2` is
//!   a 404 `Status`. Groups: core v1 (namespaces,
//!   pods, services, events, configmaps), apps/v1 (deployments,
//!   replicasets, statefulsets, daemonsets), networking.k8s.io/v1
//!   (ingresses), gateway.networking.k8s.io v1 and v1beta1 (httproutes),
//!   networking.istio.io v1 and v1beta1 (virtualservices).
//! - **Verbs**: GET; LIST (one namespace or all; `labelSelector` with `=`,
//!   `==`, `!=`, `in`, `notin`, existence; `fieldSelector` on
//!   `metadata.name`/`metadata.namespace` and the fields the API server
//!   indexes for pods and events; `limit`/`continue`; `…List` kinds with
//!   the list resourceVersion; items without `apiVersion`/`kind` for
//!   built-in types, with them for custom resources); WATCH (`watch=true`
//!   or `1`, from a `resourceVersion` or with synthetic `ADDED`s,
//!   `timeoutSeconds`, `allowWatchBookmarks`, `sendInitialEvents`,
//!   selectors, an object leaving a selector seen as `DELETED`, 410
//!   Expired from before the log's start); POST (201, 409
//!   AlreadyExists, `generateName`, 404 for a missing namespace); PUT
//!   (409 Conflict on a stale `resourceVersion`, unconditional for
//!   built-in types and 422 without one for custom resources, as the API
//!   server's update strategies do); PATCH as merge patch (RFC 7386),
//!   JSON patch (RFC 6902, `test` included) and strategic merge patch
//!   (lists merged by their Go merge keys, `$patch`, `$retainKeys`,
//!   `$setElementOrder`, `$deleteFromPrimitiveList`; 415 for custom
//!   resources, as there); DELETE with preconditions and propagation
//!   policies, and DELETE of a collection; `dryRun=All`. The `status`
//!   subresource (writes to one half ignore the other) and `scale`
//!   (`autoscaling/v1` `Scale`). `generation` moves on spec changes
//!   only; `resourceVersion` is one global counter; a write that changes
//!   nothing keeps it. Errors are `Status` objects with the API server's
//!   `reason`, `code`, `message` and `details` (404 NotFound, 409
//!   AlreadyExists/Conflict, 422 Invalid with causes, 400 BadRequest,
//!   401 Unauthorized, 403 for protected namespaces, 405, 410, 415).
//!   Server-side printing (`Table`) for `kubectl get`.
//! - **Controllers** (a pass every 10 ms): the deployment controller
//!   (ReplicaSets named `{deploy}-{hash}` per pod template, reused when a
//!   template comes back, `pod-template-hash`, revisions and
//!   `revision-history`, annotations such as `kubernetes.io/change-cause`
//!   copied, RollingUpdate with `maxSurge`/`maxUnavailable` as the
//!   controller computes them, Recreate, `paused`,
//!   `revisionHistoryLimit`, status and the Available/Progressing
//!   conditions with their reasons, `ProgressDeadlineExceeded` after
//!   `progressDeadlineSeconds` without progress); the ReplicaSet
//!   controller; a kubelet whose containers follow a [`PodBehaviour`];
//!   garbage collection of dependents.
//!
//! # What is simplified
//!
//! - One node (`fake-node`); pods are scheduled on creation and deleted
//!   at once (no grace period, no `Terminating`); no events are recorded.
//! - StatefulSets and DaemonSets have small controllers (ordinal pods,
//!   one pod per DaemonSet) and no ControllerRevisions, so `kubectl
//!   rollout history/undo` works for Deployments only.
//! - Server-side apply (`application/apply-patch+yaml`) takes JSON bodies
//!   only and merges like a strategic merge patch: no managed fields, no
//!   field ownership, no apply conflicts.
//! - Defaults and validation cover what gantry and kubectl touch, not
//!   the whole API; CRDs have no schema validation.
//! - A crash-looping container restarts every second (the kubelet backs
//!   off from 10 s).
//! - Request bodies are JSON only: protobuf bodies, which kubectl's typed
//!   generators send (`kubectl create deployment|namespace|service|
//!   configmap`), get 415; `kubectl apply`/`create -f` send JSON, and
//!   [`FakeKube::create`] needs no client at all. Answers are always
//!   JSON, which every client accepts.
//! - No aggregated discovery, no `fieldValidation=Strict` checking (there
//!   are no schemas), no RBAC (one token, allowed everything), no pod
//!   logs, exec or port-forward.
//!
//! # Against a real cluster
//!
//! [`target()`] (or [`KubeTarget::from_env`]) gives the cluster of the
//! kubeconfig named by `GANTRY_TEST_KUBECONFIG` when that is set, and a
//! fresh fake otherwise; tests that use only the kubeconfig (and
//! [`KubeTarget::kubectl`]) then run against either, and tests that need
//! the fake's inspection or faults take [`KubeTarget::fake`] and skip
//! without it.
//!
//! ```no_run
//! # fn main() -> std::io::Result<()> {
//! use std::time::Duration;
//! use gantry_test_support::kube::{FakeKube, PodBehaviour, too_many_requests};
//! let kube = FakeKube::start()?;
//! kube.image_behaviour("slow", PodBehaviour::Ready { after: Duration::from_millis(500) });
//! kube.inject("PATCH", "/deployments/web", 1, too_many_requests(1));
//! // … point gantry at kube.kubeconfig() …
//! assert!(kube.settle(Duration::from_secs(5)));
//! # Ok(()) }
//! ```

mod api;
mod cluster;
mod conn;
mod controller;
mod defaults;
mod delete;
mod deployment;
mod discovery;
mod handler;
mod http;
mod kubelet;
mod openapi;
mod patch;
mod pods;
mod replicaset;
mod resources;
mod rollout;
mod router;
mod scale;
mod selector;
mod shared;
mod status;
mod store;
mod strategic;
mod table;
mod target;
mod tls;
mod util;
mod validate;
mod watch;
mod workloads;
mod write;

use std::io;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::fault_server::Fault;
use api::{Scope, Sub};
use shared::{Rule, Shared, lock};

pub use status::{internal_error, service_unavailable, status_fault, too_many_requests};
pub use target::{KUBECONFIG_ENV, KubeTarget, target};

/// How a pod's containers behave, chosen by image ([`FakeKube::image_behaviour`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodBehaviour {
    /// Running, and Ready `after` the pod's creation.
    Ready {
        /// From creation to Ready.
        after: Duration,
    },
    /// Each start fails: waiting in `CrashLoopBackOff`, `restartCount`
    /// growing, never Ready (the pod's phase is Running, as on a node).
    CrashLoop,
    /// The image cannot be pulled: waiting in `ErrImagePull`, then
    /// `ImagePullBackOff`; the pod stays Pending.
    ImagePullBackOff,
    /// Running, but its readiness probe never passes.
    NeverReady,
}

/// One request the fake answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeRequest {
    /// `GET`, `PATCH`, …
    pub method: String,
    /// The path, percent-decoded.
    pub path: String,
    /// The query as sent (without `?`), `""` for none.
    pub query: String,
    /// The request's `Content-Type`.
    pub content_type: Option<String>,
    /// The status answered (0 for an injected hang).
    pub status: u16,
    /// Whether it carried the fake's bearer token.
    pub authorized: bool,
    /// Whether an injected fault answered it.
    pub injected: bool,
    /// Whether it was a watch (`status` is then the stream's 200).
    pub watch: bool,
    /// The request body.
    pub body: String,
}

impl KubeRequest {
    /// The decoded value of query parameter `key`.
    pub fn query_param(&self, key: &str) -> Option<String> {
        self.query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (router::percent_decode(k, true) == key).then(|| router::percent_decode(v, true))
        })
    }
}

/// A running fake API server with its controllers; stopped and joined on
/// drop.
#[derive(Debug)]
pub struct FakeKube {
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
    ca_pem: String,
}

fn invalid_input(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

fn resource_of(kind: &str) -> io::Result<&'static resources::Resource> {
    resources::by_kind(kind)
        .ok_or_else(|| invalid_input(format!("fake Kubernetes: kind `{kind}` is not served")))
}

impl FakeKube {
    /// Start on a free port of 127.0.0.1 with a random bearer token and
    /// the namespaces a new cluster has (`default`, `kube-system`,
    /// `kube-public`, `kube-node-lease`).
    pub fn start() -> io::Result<FakeKube> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let token = format!(
            "fake-kube-{:016x}{:016x}",
            util::random_u64(),
            util::random_u64()
        );
        let shared = Arc::new(Shared::new(token, addr.to_string()));
        let tls = tls::setup()?;
        let dir = tempfile::Builder::new().prefix("fake-kube-").tempdir()?;
        let kubeconfig = dir.path().join("kubeconfig");
        std::fs::write(
            &kubeconfig,
            kubeconfig_text(&format!("https://{addr}"), &tls.ca_pem, &shared.token),
        )?;
        let mut fake = FakeKube {
            shared: Arc::clone(&shared),
            stop: Arc::new(AtomicBool::new(false)),
            threads: Vec::new(),
            dir,
            kubeconfig,
            ca_pem: tls.ca_pem.clone(),
        };
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            fake.create(
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
            )?;
        }
        let (s, stop, config) = (Arc::clone(&shared), Arc::clone(&fake.stop), tls.config);
        fake.threads.push(thread::spawn(move || {
            http::accept_loop(&listener, &s, &config, &stop)
        }));
        let (s, stop) = (Arc::clone(&shared), Arc::clone(&fake.stop));
        fake.threads
            .push(thread::spawn(move || controller::run(&s, &stop)));
        Ok(fake)
    }

    /// `http://127.0.0.1:PORT` (plain HTTP; the same port speaks TLS).
    pub fn url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    /// `https://127.0.0.1:PORT`, what the kubeconfig names (kubectl sends
    /// no credentials to an `http://` server).
    pub fn https_url(&self) -> String {
        format!("https://{}", self.shared.addr)
    }

    /// The PEM of the CA that signed the server's certificate (for
    /// `127.0.0.1` and `localhost`; also in the kubeconfig as
    /// `certificate-authority-data`).
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// `127.0.0.1:PORT`.
    pub fn host_port(&self) -> &str {
        &self.shared.addr
    }

    /// The bearer token every request must carry.
    pub fn token(&self) -> &str {
        &self.shared.token
    }

    /// A kubeconfig for this server: cluster `fake` at
    /// [`https_url`](Self::https_url) with the CA, user `fake` with the
    /// token, context `fake` (current) with namespace `default`.
    pub fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
    }

    /// The directory the fake owns (its kubeconfig is in it; removed on
    /// drop).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `kubectl` pointed at this fake (`KUBECONFIG`, and `KUBECACHEDIR`
    /// inside the fake's directory so no discovery cache is left behind),
    /// or `None` when kubectl is not installed.
    pub fn kubectl(&self) -> Option<std::process::Command> {
        let program = crate::tools::tool("kubectl").ok()?;
        let mut cmd = std::process::Command::new(program);
        cmd.env("KUBECONFIG", self.kubeconfig())
            .env("KUBECACHEDIR", self.dir().join("cache"));
        Some(cmd)
    }

    /// Create an object as a POST would (admission, defaults,
    /// validation; metadata filled: uid, resourceVersion, generation,
    /// creationTimestamp). A namespaced object without a namespace goes
    /// to `default`.
    pub fn create(&self, object: Value) -> io::Result<Value> {
        let resource = resource_of(object["kind"].as_str().unwrap_or_default())?;
        let version = version_of(resource, &object);
        let ns = object["metadata"]["namespace"]
            .as_str()
            .unwrap_or("default")
            .to_owned();
        let scope = Scope {
            resource,
            version: &version,
            namespace: resource.namespaced.then_some(ns.as_str()),
        };
        self.shared
            .with_cluster(|c| write::create(c, &scope, object, &write::WriteOptions::default()))
            .map_err(status::ApiError::into_io)
    }

    /// Replace an object as a PUT would (a `metadata.resourceVersion`, if
    /// given, must be current).
    pub fn replace(&self, object: Value) -> io::Result<Value> {
        let resource = resource_of(object["kind"].as_str().unwrap_or_default())?;
        let version = version_of(resource, &object);
        let ns = object["metadata"]["namespace"]
            .as_str()
            .unwrap_or("default")
            .to_owned();
        let name = object["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let scope = Scope {
            resource,
            version: &version,
            namespace: resource.namespaced.then_some(ns.as_str()),
        };
        self.shared
            .with_cluster(|c| {
                write::replace(
                    c,
                    &scope,
                    &name,
                    object,
                    Sub::Main,
                    &write::WriteOptions::default(),
                )
            })
            .map_err(status::ApiError::into_io)
    }

    /// Apply a JSON merge patch to an object, as a PATCH would.
    pub fn merge_patch(
        &self,
        kind: &str,
        namespace: &str,
        name: &str,
        patch: &Value,
    ) -> io::Result<Value> {
        self.patch_as(kind, namespace, name, patch, Sub::Main)
    }

    /// Set an object's `.status` (as its controller would, through the
    /// status subresource); the fake's own controllers may overwrite it.
    pub fn update_status(
        &self,
        kind: &str,
        namespace: &str,
        name: &str,
        status: Value,
    ) -> io::Result<Value> {
        self.patch_as(
            kind,
            namespace,
            name,
            &json!({"status": status}),
            Sub::Status,
        )
    }

    fn patch_as(
        &self,
        kind: &str,
        namespace: &str,
        name: &str,
        patch: &Value,
        sub: Sub,
    ) -> io::Result<Value> {
        let resource = resource_of(kind)?;
        let version = resource.versions.first().copied().unwrap_or("v1");
        let scope = Scope {
            resource,
            version,
            namespace: resource.namespaced.then_some(namespace),
        };
        let body = patch.to_string().into_bytes();
        self.shared
            .with_cluster(|c| {
                write::patch(
                    c,
                    &scope,
                    name,
                    write::PatchType::Merge,
                    &body,
                    sub,
                    &write::WriteOptions::default(),
                )
            })
            .map(|(object, _)| object)
            .map_err(status::ApiError::into_io)
    }

    /// Delete an object (background propagation: its dependents follow
    /// on the next controller pass).
    pub fn delete(&self, kind: &str, namespace: &str, name: &str) -> io::Result<()> {
        let resource = resource_of(kind)?;
        let scope = Scope {
            resource,
            version: resource.versions.first().copied().unwrap_or("v1"),
            namespace: resource.namespaced.then_some(namespace),
        };
        self.shared
            .with_cluster(|c| delete::delete(c, &scope, name, &delete::DeleteOptions::default()))
            .map(drop)
            .map_err(status::ApiError::into_io)
    }

    /// One object (`kind` as `Deployment`, `deploy` or `deployments`; the
    /// namespace is ignored for cluster-scoped kinds).
    pub fn get(&self, kind: &str, namespace: &str, name: &str) -> Option<Value> {
        let resource = resources::by_kind(kind)?;
        let ns = if resource.namespaced { namespace } else { "" };
        let object = lock(&self.shared.cluster).object(resource.kind, ns, name)?;
        Some(api::shaped(
            resource,
            resource.versions.first().copied().unwrap_or("v1"),
            object,
        ))
    }

    /// Every object of `kind` in `namespace` (`""`: all namespaces), by
    /// namespace and name.
    pub fn list(&self, kind: &str, namespace: &str) -> Vec<Value> {
        let Some(resource) = resources::by_kind(kind) else {
            return Vec::new();
        };
        let version = resource.versions.first().copied().unwrap_or("v1");
        let ns = (resource.namespaced && !namespace.is_empty()).then_some(namespace);
        lock(&self.shared.cluster)
            .store
            .list(resource.kind, ns)
            .into_iter()
            .map(|o| api::shaped(resource, version, o.clone()))
            .collect()
    }

    /// The latest resourceVersion.
    pub fn resource_version(&self) -> u64 {
        lock(&self.shared.cluster).store.rv()
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<KubeRequest> {
        lock(&self.shared.seen).clone()
    }

    /// The requests so far that could have changed something: any method
    /// but `GET`, `HEAD` and `OPTIONS` (a watch is a `GET`).
    pub fn writes(&self) -> Vec<KubeRequest> {
        self.requests()
            .into_iter()
            .filter(|r| !matches!(r.method.as_str(), "GET" | "HEAD" | "OPTIONS"))
            .collect()
    }

    /// Forget the requests seen so far.
    pub fn clear_requests(&self) {
        lock(&self.shared.seen).clear();
    }

    /// Answer the next `times` requests whose method is `method` (`*`:
    /// any) and whose path-and-query (as sent) contains `path_contains`
    /// with `fault` (see [`too_many_requests`], [`service_unavailable`],
    /// [`status_fault`], `Fault::Hang`). Rules are tried in the order
    /// added, before authentication.
    pub fn inject(&self, method: &str, path_contains: &str, times: usize, fault: Fault) {
        lock(&self.shared.rules).push(Rule {
            method: method.to_owned(),
            path_contains: path_contains.to_owned(),
            remaining: times,
            fault,
        });
    }

    /// Drop every injected fault.
    pub fn clear_faults(&self) {
        lock(&self.shared.rules).clear();
    }

    /// Act as another writer: just before each of the next `n` writes
    /// that carry a `resourceVersion` (a PUT, or a PATCH that sets
    /// `metadata.resourceVersion`), bump the target's resourceVersion, so
    /// the write gets 409 Conflict.
    pub fn conflict_next_writes(&self, n: usize) {
        lock(&self.shared.cluster).other_writes = n;
    }

    /// Containers whose image reference contains `image_contains` behave
    /// as `behaviour` (rules are tried in the order added, before the
    /// defaults: `crash` crash-loops, `pull-error` cannot be pulled,
    /// anything else is Ready after 50 ms).
    pub fn image_behaviour(&self, image_contains: &str, behaviour: PodBehaviour) {
        lock(&self.shared.behaviours).push((image_contains.to_owned(), behaviour));
    }

    /// Wait until a controller pass that started after this call changed
    /// nothing and nothing is scheduled before the timeout ends (no
    /// container about to change state, no progress deadline about to
    /// pass: a 1 s deadline is waited for, the default 600 s is not).
    /// False on timeout.
    pub fn settle(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut progress = lock(&self.shared.progress);
        let start = progress.passes;
        loop {
            let idle = !progress.changed && progress.due.is_none_or(|due| due > deadline);
            if progress.passes >= start + 2 && idle {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            progress = self
                .shared
                .progressed
                .wait_timeout(progress, deadline - now)
                .map(|(guard, _)| guard)
                .unwrap_or_else(|poisoned| poisoned.into_inner().0);
        }
    }
}

impl Drop for FakeKube {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.shared.changed.notify_all();
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// The version of `object`'s `apiVersion`, if served, else the preferred.
fn version_of(resource: &resources::Resource, object: &Value) -> String {
    let api_version = object["apiVersion"].as_str().unwrap_or_default();
    resource
        .versions
        .iter()
        .find(|v| resource.api_version(v) == api_version)
        .or(resource.versions.first())
        .map_or_else(|| "v1".to_owned(), |v| (*v).to_owned())
}

fn kubeconfig_text(server: &str, ca_pem: &str, token: &str) -> String {
    let ca = crate::ports::base64(ca_pem.as_bytes());
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: {server}
    certificate-authority-data: {ca}
users:
- name: fake
  user:
    token: {token}
contexts:
- name: fake
  context:
    cluster: fake
    user: fake
    namespace: default
current-context: fake
preferences: {{}}
"
    )
}
