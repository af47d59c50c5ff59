//! A fake Cloud Run Admin API v2 (std only, HTTP/1.1 on 127.0.0.1) that
//! keeps real state, for gantry-cloudrun and `gantry-rollback`; with a
//! fake OAuth token endpoint and a fake metadata server on the same port.
//!
//! Services hold revisions ([`FakeCloudRun::add_service`],
//! [`FakeCloudRun::add_revision`]) and a traffic split. Served, with the
//! fields of the documented v2 resources:
//!
//! - `GET /v2/projects/{p}/locations/{l}/services/{s}`: a `Service`
//!   (`name`, `uid`, `generation` as a string, `etag`, `traffic[]` with
//!   `type`/`revision`/`percent`/`tag`, `trafficStatuses[]`,
//!   `latestReadyRevision`, `latestCreatedRevision` as full names,
//!   `terminalCondition`, `conditions`, `reconciling`, `uri`, …);
//! - `GET …/services/{s}/revisions[?pageSize=&pageToken=]`: `revisions[]`
//!   oldest first (clients must sort), at most [`DEFAULT_PAGE_SIZE`] per
//!   page whatever `pageSize` asks ([`FakeCloudRun::set_max_page_size`]),
//!   with `nextPageToken`; `GET …/revisions/{r}`;
//! - `PATCH …/services/{s}?updateMask=traffic`: the body's `traffic`
//!   replaces the split (percents must sum to 100, revisions must exist
//!   and be Ready; 400 otherwise) and a body `etag` that is not the
//!   current one is 409 `ABORTED`. Every write changes the etag and bumps
//!   `generation`. It answers a long-running `Operation` that is
//!   `done: false` for the first [`FakeCloudRun::set_operation_polls`]
//!   `GET /v2/projects/{p}/locations/{l}/operations/{id}` (1 by default),
//!   then done with the `Service` as `response` (or an `error`, see
//!   [`FakeCloudRun::fail_operations`]);
//! - `POST /token`: the OAuth refresh-token grant
//!   (`grant_type=refresh_token`, `client_id`, `client_secret`,
//!   `refresh_token`, form-encoded), for grants added with
//!   [`FakeCloudRun::add_refresh_grant`]; `invalid_grant` otherwise;
//! - `GET /computeMetadata/v1/instance/service-accounts/default/token`
//!   (needs `Metadata-Flavor: Google`), once
//!   [`FakeCloudRun::set_metadata_token`] gave it a token.
//!
//! Every `/v2/` request needs `Authorization: Bearer TOKEN` with a token
//! the fake accepts (the one given to [`FakeCloudRun::start`] and any it
//! handed out); anything else is 401 `UNAUTHENTICATED`. Errors are
//! Google's JSON errors (`{"error":{"code","message","status"}}`). Every
//! request is recorded ([`FakeCloudRun::requests`]). Faults:
//! [`FakeCloudRun::inject`] answers the next N matching requests with a
//! canned response ([`google_error`]), and [`FakeCloudRun::other_writer`]
//! changes the service right before the next N PATCHes, between the
//! client's read and its write, so its etag is stale.
//!
//! ```no_run
//! # fn main() -> std::io::Result<()> {
//! use gantry_test_support::cloud_run::{FakeCloudRun, google_error};
//! let fake = FakeCloudRun::start("ya29.test")?;
//! let service = fake.add_service("acme", "europe-west1", "web");
//! fake.add_revision(&service, "web-00001-abc", "europe-docker.pkg.dev/acme/web:1", true);
//! fake.add_revision(&service, "web-00002-def", "europe-docker.pkg.dev/acme/web:2", true);
//! fake.inject("PATCH", "/services/web", 1, google_error(503, "UNAVAILABLE", "try again"));
//! // … point the client at fake.url() …
//! assert!(fake.requests().iter().all(|r| r.authorized));
//! # Ok(()) }
//! ```

use crate::http_server::{Request, accept_loop, percent_decode, read_request, write_response};
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::fault_server::Fault;

const POLL: Duration = Duration::from_millis(5);
const MAX_HANG: Duration = Duration::from_secs(30);
/// Revisions per page unless [`FakeCloudRun::set_max_page_size`] says otherwise.
pub const DEFAULT_PAGE_SIZE: usize = 2;
/// `TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST`.
pub const TYPE_LATEST: &str = "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST";
/// `TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION`.
pub const TYPE_REVISION: &str = "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION";
/// The metadata server's token path.
pub const METADATA_TOKEN_PATH: &str = "/computeMetadata/v1/instance/service-accounts/default/token";
/// Where revisions are "created": 2025-01-01T00:00:00Z, one minute apart.
const EPOCH: i64 = 1_735_689_600;

/// A Google API error response: `status` with
/// `{"error":{"code":status,"message":message,"status":code}}`.
pub fn google_error(status: u16, code: &str, message: &str) -> Fault {
    Fault::status(status)
        .header("Content-Type", "application/json; charset=UTF-8")
        .body(error_body(status, code, message).to_string())
}

fn error_body(status: u16, code: &str, message: &str) -> Value {
    json!({"error": {"code": status, "message": message, "status": code}})
}

/// One request the fake saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// `GET`, `PATCH`, …
    pub method: String,
    /// Path and query, as sent.
    pub path: String,
    /// The status answered (0 for a hang).
    pub status: u16,
    /// Whether a rule answered.
    pub injected: bool,
    /// Whether the request carried an accepted bearer token.
    pub authorized: bool,
    /// The `Authorization` header (this is a test fake: it records it).
    pub authorization: Option<String>,
    /// The `Metadata-Flavor` header.
    pub metadata_flavor: Option<String>,
    /// The request body.
    pub body: String,
}

/// One entry of a service's traffic split, as the fake holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeTraffic {
    /// The revision's short name; `None` for the latest ready revision.
    pub revision: Option<String>,
    /// Percent of the traffic.
    pub percent: u8,
    /// A tag, when the entry has one.
    pub tag: Option<String>,
}

impl FakeTraffic {
    /// `percent` to `revision`, untagged.
    pub fn to(revision: &str, percent: u8) -> Self {
        FakeTraffic {
            revision: Some(revision.to_owned()),
            percent,
            tag: None,
        }
    }

    /// `percent` to the latest ready revision.
    pub fn latest(percent: u8) -> Self {
        FakeTraffic {
            revision: None,
            percent,
            tag: None,
        }
    }

    /// With a tag.
    pub fn tagged(mut self, tag: &str) -> Self {
        self.tag = Some(tag.to_owned());
        self
    }
}

#[derive(Debug, Clone)]
struct FakeRevision {
    name: String,
    uid: String,
    image: String,
    ready: bool,
    created: i64,
    /// Whether `created` has a fraction of a second.
    fraction: bool,
}

#[derive(Debug)]
struct FakeService {
    project: String,
    region: String,
    name: String,
    uid: String,
    generation: u64,
    etag: String,
    traffic: Vec<FakeTraffic>,
    revisions: Vec<FakeRevision>,
    updated: i64,
    reconciling: bool,
}

impl FakeService {
    fn full_name(&self) -> String {
        format!(
            "projects/{}/locations/{}/services/{}",
            self.project, self.region, self.name
        )
    }

    fn revision_name(&self, short: &str) -> String {
        format!("{}/revisions/{short}", self.full_name())
    }

    fn latest_ready(&self) -> Option<&FakeRevision> {
        self.revisions.iter().rev().find(|r| r.ready)
    }

    fn latest_created(&self) -> Option<&FakeRevision> {
        self.revisions.last()
    }
}

#[derive(Debug)]
struct FakeOperation {
    service: String,
    polls_left: u32,
    error: Option<String>,
}

#[derive(Debug)]
struct Rule {
    method: String,
    path_contains: String,
    remaining: usize,
    fault: Fault,
}

#[derive(Debug, Clone)]
struct Grant {
    client_id: String,
    client_secret: String,
    refresh_token: String,
    access_token: String,
}

#[derive(Debug)]
struct State {
    services: BTreeMap<String, FakeService>,
    operations: BTreeMap<String, FakeOperation>,
    rules: Vec<Rule>,
    seen: Vec<Seen>,
    tokens: BTreeSet<String>,
    grants: Vec<Grant>,
    metadata_token: Option<String>,
    page_size: usize,
    operation_polls: u32,
    failing_operations: Vec<String>,
    other_writes: usize,
    counter: u64,
}

impl State {
    fn next(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    fn write(&mut self, key: &str) {
        let n = self.next();
        if let Some(service) = self.services.get_mut(key) {
            service.generation += 1;
            service.etag = etag(service.generation, n);
            service.updated = EPOCH + 86_400 + i64::try_from(n).unwrap_or(0);
        }
    }
}

fn etag(generation: u64, n: u64) -> String {
    format!("\"Cg{generation:04}{n:08x}\"")
}

#[derive(Debug)]
struct Shared {
    base_url: String,
    state: Mutex<State>,
}

/// A running fake; stopped and joined on drop.
#[derive(Debug)]
pub struct FakeCloudRun {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl FakeCloudRun {
    /// Start on a free port of 127.0.0.1, accepting the bearer `token`.
    pub fn start(token: &str) -> io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            base_url: format!("http://{addr}"),
            state: Mutex::new(State {
                services: BTreeMap::new(),
                operations: BTreeMap::new(),
                rules: Vec::new(),
                seen: Vec::new(),
                tokens: BTreeSet::from([token.to_owned()]),
                grants: Vec::new(),
                metadata_token: None,
                page_size: DEFAULT_PAGE_SIZE,
                operation_polls: 1,
                failing_operations: Vec::new(),
                other_writes: 0,
                counter: 0,
            }),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let shared = Arc::clone(&shared);
            let stop = Arc::clone(&stop);
            thread::spawn(move || {
                let serving = Arc::clone(&stop);
                accept_loop(&listener, &stop, move |stream| {
                    let _ = serve(stream, &shared, &serving);
                });
            })
        };
        Ok(Self {
            addr,
            shared,
            stop,
            thread: Some(thread),
        })
    }

    /// The API root, `http://127.0.0.1:PORT` (paths start with `/v2/`).
    pub fn url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// `127.0.0.1:PORT`: what `GCE_METADATA_HOST` takes.
    pub fn host_port(&self) -> String {
        self.addr.to_string()
    }

    /// The OAuth token endpoint, `http://127.0.0.1:PORT/token`.
    pub fn token_url(&self) -> String {
        format!("{}/token", self.shared.base_url)
    }

    /// Add a service with no revisions and 100% of the traffic on the
    /// latest ready revision (as a new service has); its full name.
    pub fn add_service(&self, project: &str, region: &str, name: &str) -> String {
        let mut state = lock(&self.shared.state);
        let n = state.next();
        let service = FakeService {
            project: project.to_owned(),
            region: region.to_owned(),
            name: name.to_owned(),
            uid: uid(n),
            generation: 1,
            etag: etag(1, n),
            traffic: vec![FakeTraffic::latest(100)],
            revisions: Vec::new(),
            updated: EPOCH,
            reconciling: false,
        };
        let key = service.full_name();
        state.services.insert(key.clone(), service);
        key
    }

    /// Deploy revision `name` (short) of `service` (its full or short
    /// name) running `image`, created a minute after the one before; ready
    /// or failed. Like a deploy, it bumps the generation and the etag; the
    /// traffic split is left alone (an entry for the latest ready revision
    /// follows it). Its full name (empty when there is no such service).
    pub fn add_revision(&self, service: &str, name: &str, image: &str, ready: bool) -> String {
        let mut state = lock(&self.shared.state);
        let n = state.next();
        let Some(key) = find_service(&state, service) else {
            return String::new();
        };
        let full = match state.services.get_mut(&key) {
            Some(svc) => {
                // Pairs of revisions share a second, the second one with a
                // fraction: "…:00.482915Z" sorts before "…:00Z" as text but
                // is later, so a client comparing the text gets it wrong.
                let index = svc.revisions.len();
                let created = EPOCH + 60 * i64::try_from(index / 2).unwrap_or(0);
                svc.revisions.push(FakeRevision {
                    name: name.to_owned(),
                    uid: uid(n),
                    image: image.to_owned(),
                    ready,
                    created,
                    fraction: index % 2 == 1,
                });
                svc.revision_name(name)
            }
            None => String::new(),
        };
        state.write(&key);
        full
    }

    /// Set `service`'s traffic split as another client would (a write:
    /// the etag changes). Not validated: fixtures may set anything.
    pub fn set_traffic(&self, service: &str, traffic: &[FakeTraffic]) {
        let mut state = lock(&self.shared.state);
        if let Some(key) = find_service(&state, service) {
            if let Some(svc) = state.services.get_mut(&key) {
                svc.traffic = traffic.to_vec();
            }
            state.write(&key);
        }
    }

    /// `service`'s traffic split.
    pub fn traffic(&self, service: &str) -> Vec<FakeTraffic> {
        let state = lock(&self.shared.state);
        find_service(&state, service)
            .and_then(|key| state.services.get(&key).map(|s| s.traffic.clone()))
            .unwrap_or_default()
    }

    /// Where `service`'s traffic goes, the latest ready revision resolved:
    /// (short revision name, percent), entries of 0 left out, by name.
    pub fn serving(&self, service: &str) -> Vec<(String, u8)> {
        let state = lock(&self.shared.state);
        let Some(svc) = find_service(&state, service).and_then(|k| state.services.get(&k)) else {
            return Vec::new();
        };
        let mut out: BTreeMap<String, u8> = BTreeMap::new();
        for entry in &svc.traffic {
            let revision = match &entry.revision {
                Some(r) => Some(r.clone()),
                None => svc.latest_ready().map(|r| r.name.clone()),
            };
            if let (Some(r), true) = (revision, entry.percent > 0) {
                *out.entry(r).or_default() += entry.percent;
            }
        }
        out.into_iter().collect()
    }

    /// `service`'s current etag.
    pub fn etag(&self, service: &str) -> String {
        let state = lock(&self.shared.state);
        find_service(&state, service)
            .and_then(|key| state.services.get(&key).map(|s| s.etag.clone()))
            .unwrap_or_default()
    }

    /// `service`'s generation.
    pub fn generation(&self, service: &str) -> u64 {
        let state = lock(&self.shared.state);
        find_service(&state, service)
            .and_then(|key| state.services.get(&key).map(|s| s.generation))
            .unwrap_or(0)
    }

    /// At most `size` revisions per page (default [`DEFAULT_PAGE_SIZE`]).
    pub fn set_max_page_size(&self, size: usize) {
        lock(&self.shared.state).page_size = size.max(1);
    }

    /// How many `GET` of an operation answer `done: false` before it is
    /// done (default 1).
    pub fn set_operation_polls(&self, polls: u32) {
        lock(&self.shared.state).operation_polls = polls;
    }

    /// The next `times` operations end `done` with an `error`
    /// (`FAILED_PRECONDITION`, `message`) and their change undone, as when
    /// a revision fails to take traffic.
    pub fn fail_operations(&self, times: usize, message: &str) {
        let mut state = lock(&self.shared.state);
        for _ in 0..times {
            state.failing_operations.push(message.to_owned());
        }
    }

    /// Right before each of the next `times` PATCHes, change the service
    /// as another writer would (a label edit: new generation and etag,
    /// traffic untouched).
    pub fn other_writer(&self, times: usize) {
        lock(&self.shared.state).other_writes += times;
    }

    /// Hand out `access_token` for the refresh-token grant of
    /// (`client_id`, `client_secret`, `refresh_token`), and accept it.
    pub fn add_refresh_grant(
        &self,
        client_id: &str,
        client_secret: &str,
        refresh_token: &str,
        access_token: &str,
    ) {
        lock(&self.shared.state).grants.push(Grant {
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            refresh_token: refresh_token.to_owned(),
            access_token: access_token.to_owned(),
        });
    }

    /// Have the metadata server hand out `access_token`, and accept it.
    pub fn set_metadata_token(&self, access_token: &str) {
        lock(&self.shared.state).metadata_token = Some(access_token.to_owned());
    }

    /// Answer the next `times` requests whose method is `method` (`*`: any)
    /// and whose path contains `path_contains` with `fault`, before any
    /// authentication. Rules are tried in the order added.
    pub fn inject(&self, method: &str, path_contains: &str, times: usize, fault: Fault) {
        lock(&self.shared.state).rules.push(Rule {
            method: method.to_owned(),
            path_contains: path_contains.to_owned(),
            remaining: times,
            fault,
        });
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Seen> {
        lock(&self.shared.state).seen.clone()
    }

    /// The requests with `method` whose path contains `path_contains`.
    pub fn requests_matching(&self, method: &str, path_contains: &str) -> Vec<Seen> {
        lock(&self.shared.state)
            .seen
            .iter()
            .filter(|s| s.method == method && s.path.contains(path_contains))
            .cloned()
            .collect()
    }

    /// Forget the requests seen so far.
    pub fn clear_requests(&self) {
        lock(&self.shared.state).seen.clear();
    }
}

impl Drop for FakeCloudRun {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn uid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

/// The key of the service called `name` (full name, or short name when
/// only one service has it).
fn find_service(state: &State, name: &str) -> Option<String> {
    if state.services.contains_key(name) {
        return Some(name.to_owned());
    }
    let mut matches = state.services.values().filter(|s| s.name == name);
    let first = matches.next()?;
    matches.next().is_none().then(|| first.full_name())
}

/// A response: status, extra headers, body.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn json(status: u16, value: &Value) -> Reply {
        Reply {
            status,
            headers: vec![(
                "Content-Type".to_owned(),
                "application/json; charset=UTF-8".to_owned(),
            )],
            body: value.to_string().into_bytes(),
        }
    }

    fn error(status: u16, code: &str, message: &str) -> Reply {
        Reply::json(status, &error_body(status, code, message))
    }

    fn not_found(message: &str) -> Reply {
        Reply::error(404, "NOT_FOUND", message)
    }

    fn invalid(message: &str) -> Reply {
        Reply::error(400, "INVALID_ARGUMENT", message)
    }
}

fn serve(mut stream: TcpStream, shared: &Shared, stop: &AtomicBool) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let request = read_request(&stream)?;
    let authorization = request.header("authorization").map(str::to_owned);
    let body_text = String::from_utf8_lossy(&request.body).into_owned();
    let (fault, authorized) = {
        let mut state = lock(&shared.state);
        let authorized = authorization
            .as_deref()
            .and_then(|a| a.strip_prefix("Bearer "))
            .is_some_and(|t| state.tokens.contains(t.trim()));
        let fault = state
            .rules
            .iter_mut()
            .find(|r| {
                r.remaining > 0
                    && (r.method == "*" || r.method.eq_ignore_ascii_case(&request.method))
                    && request.target.contains(&r.path_contains)
            })
            .map(|r| {
                r.remaining -= 1;
                r.fault.clone()
            });
        (fault, authorized)
    };
    let mut seen = Seen {
        method: request.method.clone(),
        path: request.target.clone(),
        status: 0,
        injected: fault.is_some(),
        authorized,
        authorization: authorization.clone(),
        metadata_flavor: request.header("metadata-flavor").map(str::to_owned),
        body: body_text,
    };
    let reply = match fault {
        Some(Fault::Hang) => {
            lock(&shared.state).seen.push(seen);
            let until = Instant::now() + MAX_HANG;
            while !stop.load(Ordering::SeqCst) && Instant::now() < until {
                thread::sleep(POLL * 4);
            }
            return Ok(());
        }
        Some(Fault::Respond {
            status,
            headers,
            body,
        }) => Reply {
            status,
            headers,
            body,
        },
        None => route(shared, &request, authorization.is_some(), authorized),
    };
    seen.status = reply.status;
    lock(&shared.state).seen.push(seen);
    write_response(&mut stream, reply.status, &reply.headers, &reply.body)
}

fn parse_form(text: &str) -> BTreeMap<String, String> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

fn route(shared: &Shared, request: &Request, has_auth: bool, authorized: bool) -> Reply {
    let (path, query) = request
        .target
        .split_once('?')
        .unwrap_or((request.target.as_str(), ""));
    let query = parse_form(query);
    let method = request.method.as_str();
    if path == "/token" {
        return if method == "POST" {
            token_grant(shared, &String::from_utf8_lossy(&request.body))
        } else {
            Reply::error(405, "METHOD_NOT_ALLOWED", "POST the token endpoint")
        };
    }
    if path == METADATA_TOKEN_PATH {
        return metadata_token(shared, request.header("metadata-flavor"));
    }
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode(s, false))
        .collect();
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let ["v2", "projects", project, "locations", region, rest @ ..] = segs.as_slice() else {
        return Reply::not_found("The requested URL was not found on this server.");
    };
    if !authorized {
        let message = if has_auth {
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."
        } else {
            "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."
        };
        let mut reply = Reply::error(401, "UNAUTHENTICATED", message);
        reply.headers.push((
            "WWW-Authenticate".to_owned(),
            "Bearer realm=\"https://accounts.google.com/\"".to_owned(),
        ));
        return reply;
    }
    let key = |service: &str| format!("projects/{project}/locations/{region}/services/{service}");
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let mut state = lock(&shared.state);
    match (method, rest) {
        ("GET", ["services", service]) => match state.services.get(&key(service)) {
            Some(svc) => Reply::json(200, &service_json(svc)),
            None => Reply::not_found(&missing_service(service, region, project)),
        },
        ("GET", ["services", service, "revisions"]) => {
            list_revisions(&state, &key(service), service, region, project, &query)
        }
        ("GET", ["services", service, "revisions", revision]) => {
            match state.services.get(&key(service)) {
                Some(svc) => match svc.revisions.iter().find(|r| r.name == *revision) {
                    Some(r) => Reply::json(200, &revision_json(svc, r)),
                    None => Reply::not_found(&format!(
                        "Resource '{revision}' of kind 'REVISION' in region '{region}' in project '{project}' does not exist."
                    )),
                },
                None => Reply::not_found(&missing_service(service, region, project)),
            }
        }
        ("PATCH", ["services", service]) => patch_service(
            &mut state,
            &key(service),
            service,
            region,
            project,
            &query,
            &body,
        ),
        ("GET", ["operations", id]) => get_operation(
            &mut state,
            &format!("projects/{project}/locations/{region}/operations/{id}"),
        ),
        _ => Reply::not_found("The requested URL was not found on this server."),
    }
}

fn missing_service(service: &str, region: &str, project: &str) -> String {
    format!(
        "Resource '{service}' of kind 'SERVICE' in region '{region}' in project '{project}' does not exist."
    )
}

fn timestamp(secs: i64, fraction: bool) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    let fraction = if fraction { ".482915Z" } else { "Z" };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{fraction}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn ready_condition(ready: bool, when: &str) -> Value {
    if ready {
        json!({"type": "Ready", "state": "CONDITION_SUCCEEDED", "lastTransitionTime": when})
    } else {
        json!({
            "type": "Ready",
            "state": "CONDITION_FAILED",
            "message": "The user-provided container failed to start and listen on the port defined provided by the PORT=8080 environment variable.",
            "lastTransitionTime": when,
            "revisionReason": "HEALTH_CHECK_CONTAINER_ERROR"
        })
    }
}

fn traffic_json(entries: &[FakeTraffic]) -> Value {
    Value::Array(
        entries
            .iter()
            .map(|t| {
                let mut entry = match &t.revision {
                    Some(r) => json!({"type": TYPE_REVISION, "revision": r}),
                    None => json!({"type": TYPE_LATEST}),
                };
                // proto3 JSON leaves a zero percent out.
                if t.percent > 0 {
                    entry["percent"] = json!(t.percent);
                }
                if let Some(tag) = &t.tag {
                    entry["tag"] = json!(tag);
                }
                entry
            })
            .collect(),
    )
}

fn service_json(svc: &FakeService) -> Value {
    let full = svc.full_name();
    let host = format!("{}-fake-ew.a.run.app", svc.name);
    let statuses: Vec<Value> = svc
        .traffic
        .iter()
        .map(|t| {
            let resolved = match &t.revision {
                Some(r) => Some(r.clone()),
                None => svc.latest_ready().map(|r| r.name.clone()),
            };
            let mut entry = json!({
                "type": if t.revision.is_some() { TYPE_REVISION } else { TYPE_LATEST },
            });
            if let Some(r) = resolved {
                entry["revision"] = json!(r);
            }
            if t.percent > 0 {
                entry["percent"] = json!(t.percent);
            }
            if let Some(tag) = &t.tag {
                entry["tag"] = json!(tag);
                entry["uri"] = json!(format!("https://{tag}---{host}"));
            }
            entry
        })
        .collect();
    let image = svc
        .latest_created()
        .map(|r| r.image.clone())
        .unwrap_or_else(|| "us-docker.pkg.dev/cloudrun/container/hello".to_owned());
    let updated = timestamp(svc.updated, false);
    let mut value = json!({
        "name": full,
        "uid": svc.uid,
        "generation": svc.generation.to_string(),
        "createTime": timestamp(EPOCH, false),
        "updateTime": updated,
        "creator": "deployer@acme.iam.gserviceaccount.com",
        "lastModifier": "deployer@acme.iam.gserviceaccount.com",
        "ingress": "INGRESS_TRAFFIC_ALL",
        "launchStage": "GA",
        "template": {
            "containers": [{"image": image, "ports": [{"name": "http1", "containerPort": 8080}]}],
            "maxInstanceRequestConcurrency": 80,
            "timeout": "300s"
        },
        "traffic": traffic_json(&svc.traffic),
        "observedGeneration": svc.generation.to_string(),
        "terminalCondition": ready_condition(svc.latest_created().is_none_or(|r| r.ready), &updated),
        "conditions": [
            {"type": "RoutesReady", "state": "CONDITION_SUCCEEDED", "lastTransitionTime": updated},
            {"type": "ConfigurationsReady", "state": "CONDITION_SUCCEEDED", "lastTransitionTime": updated}
        ],
        "trafficStatuses": statuses,
        "uri": format!("https://{host}"),
        "urls": [format!("https://{host}")],
        "etag": svc.etag,
    });
    if let Some(r) = svc.latest_ready() {
        value["latestReadyRevision"] = json!(svc.revision_name(&r.name));
    }
    if let Some(r) = svc.latest_created() {
        value["latestCreatedRevision"] = json!(svc.revision_name(&r.name));
    }
    if svc.reconciling {
        value["reconciling"] = json!(true);
    }
    value
}

fn revision_json(svc: &FakeService, r: &FakeRevision) -> Value {
    let created = timestamp(r.created, r.fraction);
    json!({
        "name": svc.revision_name(&r.name),
        "uid": r.uid,
        "generation": "1",
        "labels": {"managed-by": "gantry-test"},
        "annotations": {},
        "createTime": created,
        "updateTime": created,
        "launchStage": "GA",
        "service": svc.full_name(),
        "scaling": {"maxInstanceCount": 100},
        "maxInstanceRequestConcurrency": 80,
        "timeout": "300s",
        "serviceAccount": "123456789-compute@developer.gserviceaccount.com",
        "containers": [{
            "image": r.image,
            "ports": [{"name": "http1", "containerPort": 8080}],
            "resources": {"limits": {"cpu": "1000m", "memory": "512Mi"}, "cpuIdle": true}
        }],
        "executionEnvironment": "EXECUTION_ENVIRONMENT_GEN2",
        "conditions": [
            ready_condition(r.ready, &created),
            {"type": "ContainerHealthy", "state": if r.ready { "CONDITION_SUCCEEDED" } else { "CONDITION_FAILED" }, "lastTransitionTime": created},
            {"type": "ResourcesAvailable", "state": "CONDITION_SUCCEEDED", "lastTransitionTime": created}
        ],
        "observedGeneration": "1",
        "logUri": format!("https://console.cloud.google.com/logs/viewer?project={}&resource=cloud_run_revision/service_name/{}/revision_name/{}", svc.project, svc.name, r.name),
        "etag": format!("\"{}\"", r.uid),
    })
}

fn list_revisions(
    state: &State,
    key: &str,
    service: &str,
    region: &str,
    project: &str,
    query: &BTreeMap<String, String>,
) -> Reply {
    let Some(svc) = state.services.get(key) else {
        return Reply::not_found(&missing_service(service, region, project));
    };
    let asked = match query.get("pageSize").map(|s| s.parse::<usize>()) {
        None => 100,
        Some(Ok(0)) => 100,
        Some(Ok(n)) => n,
        Some(Err(_)) => return Reply::invalid("Invalid value at 'page_size' (TYPE_INT32)"),
    };
    let size = asked.min(state.page_size);
    let start = match query.get("pageToken").filter(|t| !t.is_empty()) {
        None => 0,
        Some(token) => match token
            .strip_prefix("fake-page-")
            .and_then(|n| n.parse().ok())
        {
            Some(n) if n <= svc.revisions.len() => n,
            _ => return Reply::invalid("The provided page token is invalid."),
        },
    };
    let end = (start + size).min(svc.revisions.len());
    let revisions: Vec<Value> = svc.revisions[start..end]
        .iter()
        .map(|r| revision_json(svc, r))
        .collect();
    let mut value = json!({ "revisions": revisions });
    if end < svc.revisions.len() {
        value["nextPageToken"] = json!(format!("fake-page-{end}"));
    }
    Reply::json(200, &value)
}

fn parse_traffic(body: &Value) -> Result<Vec<FakeTraffic>, String> {
    let Some(entries) = body.get("traffic").and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    entries
        .iter()
        .map(|e| {
            let kind = e.get("type").and_then(Value::as_str);
            let revision = e.get("revision").and_then(Value::as_str).map(str::to_owned);
            let percent = match e.get("percent") {
                None => 0,
                Some(p) => p
                    .as_u64()
                    .and_then(|p| u8::try_from(p).ok())
                    .filter(|p| *p <= 100)
                    .ok_or_else(|| format!("Invalid traffic percent {p}"))?,
            };
            let revision = match (kind, revision) {
                (Some(TYPE_LATEST), None) => None,
                (Some(TYPE_LATEST), Some(_)) => {
                    return Err(
                        "A traffic target of type LATEST must not name a revision".to_owned()
                    );
                }
                (Some(TYPE_REVISION) | None, Some(r)) => Some(r),
                (Some(TYPE_REVISION) | None, None) => {
                    return Err("A traffic target of type REVISION must name a revision".to_owned());
                }
                (Some(other), _) => return Err(format!("Invalid traffic target type {other:?}")),
            };
            Ok(FakeTraffic {
                revision,
                percent,
                tag: e.get("tag").and_then(Value::as_str).map(str::to_owned),
            })
        })
        .collect()
}

fn patch_service(
    state: &mut State,
    key: &str,
    service: &str,
    region: &str,
    project: &str,
    query: &BTreeMap<String, String>,
    body: &Value,
) -> Reply {
    if !state.services.contains_key(key) {
        return Reply::not_found(&missing_service(service, region, project));
    }
    if state.other_writes > 0 {
        state.other_writes -= 1;
        state.write(key);
    }
    let Some(svc) = state.services.get(key) else {
        return Reply::not_found(&missing_service(service, region, project));
    };
    let mask = query.get("updateMask").cloned().unwrap_or_default();
    if !mask.split(',').any(|f| f.trim() == "traffic") {
        return Reply::invalid(
            "fake Cloud Run: only updateMask=traffic is served (a PATCH without it replaces the whole Service, template included)",
        );
    }
    if let Some(name) = body.get("name").and_then(Value::as_str)
        && name != key
    {
        return Reply::invalid(&format!(
            "The name in the request body ({name}) does not match the URL ({key})"
        ));
    }
    if let Some(sent) = body.get("etag").and_then(Value::as_str)
        && sent != svc.etag
    {
        return Reply::error(
            409,
            "ABORTED",
            &format!(
                "Conflict for resource '{service}': version '{sent}' was specified but current version is '{}'.",
                svc.etag
            ),
        );
    }
    let traffic = match parse_traffic(body) {
        Ok(t) => t,
        Err(message) => return Reply::invalid(&message),
    };
    let traffic = if traffic.is_empty() {
        // Empty traffic means 100% to the latest ready revision.
        vec![FakeTraffic::latest(100)]
    } else {
        traffic
    };
    let sum: u32 = traffic.iter().map(|t| u32::from(t.percent)).sum();
    if sum != 100 {
        return Reply::invalid(&format!(
            "Traffic percentages must add up to 100, but they add up to {sum}."
        ));
    }
    for entry in &traffic {
        match &entry.revision {
            Some(r) => match svc.revisions.iter().find(|x| &x.name == r) {
                None => {
                    return Reply::invalid(&format!(
                        "Revision named '{r}' with traffic percent {} does not exist.",
                        entry.percent
                    ));
                }
                Some(x) if !x.ready && entry.percent > 0 => {
                    return Reply::error(
                        400,
                        "FAILED_PRECONDITION",
                        &format!("Revision '{r}' is not ready and cannot serve traffic."),
                    );
                }
                Some(_) => {}
            },
            None if svc.latest_ready().is_none() && entry.percent > 0 => {
                return Reply::error(
                    400,
                    "FAILED_PRECONDITION",
                    "There is no ready revision to send the latest traffic to.",
                );
            }
            None => {}
        }
    }
    let n = state.next();
    let id = format!(
        "{:08x}-{:04x}-4{:03x}-8000-{n:012x}",
        n * 2_654_435_761 % (1 << 32),
        n % 65_536,
        n % 4096
    );
    let op_name = format!("projects/{project}/locations/{region}/operations/{id}");
    let error = (!state.failing_operations.is_empty()).then(|| state.failing_operations.remove(0));
    if error.is_none() {
        if let Some(svc) = state.services.get_mut(key) {
            svc.traffic = traffic;
        }
        state.write(key);
    }
    if let Some(svc) = state.services.get_mut(key) {
        svc.reconciling = true;
    }
    let polls = state.operation_polls;
    state.operations.insert(
        op_name.clone(),
        FakeOperation {
            service: key.to_owned(),
            polls_left: polls,
            error,
        },
    );
    if polls == 0 {
        return get_operation(state, &op_name);
    }
    let metadata = state
        .services
        .get(key)
        .map(|s| with_type(service_json(s)))
        .unwrap_or(Value::Null);
    Reply::json(
        200,
        &json!({"name": op_name, "metadata": metadata, "done": false}),
    )
}

fn with_type(mut service: Value) -> Value {
    service["@type"] = json!("type.googleapis.com/google.cloud.run.v2.Service");
    service
}

fn get_operation(state: &mut State, name: &str) -> Reply {
    let Some(op) = state.operations.get_mut(name) else {
        return Reply::not_found(&format!("Operation '{name}' not found."));
    };
    let done = op.polls_left == 0;
    op.polls_left = op.polls_left.saturating_sub(1);
    let error = op.error.clone();
    let key = op.service.clone();
    if done && let Some(svc) = state.services.get_mut(&key) {
        svc.reconciling = false;
    }
    let service = state
        .services
        .get(&key)
        .map(|s| with_type(service_json(s)))
        .unwrap_or(Value::Null);
    let mut value = json!({"name": name, "metadata": service, "done": done});
    if done {
        match error {
            Some(message) => {
                value["error"] = json!({"code": 9, "message": message});
            }
            None => value["response"] = service,
        }
    }
    Reply::json(200, &value)
}

fn token_grant(shared: &Shared, body: &str) -> Reply {
    let form = parse_form(body);
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
    if field("grant_type") != "refresh_token" {
        return Reply::json(
            400,
            &json!({"error": "unsupported_grant_type", "error_description": "Invalid grant_type: "}),
        );
    }
    let mut state = lock(&shared.state);
    let grant = state
        .grants
        .iter()
        .find(|g| {
            g.client_id == field("client_id")
                && g.client_secret == field("client_secret")
                && g.refresh_token == field("refresh_token")
        })
        .cloned();
    match grant {
        Some(g) => {
            state.tokens.insert(g.access_token.clone());
            Reply::json(
                200,
                &json!({
                    "access_token": g.access_token,
                    "expires_in": 3599,
                    "scope": "https://www.googleapis.com/auth/cloud-platform openid",
                    "token_type": "Bearer"
                }),
            )
        }
        None if state
            .grants
            .iter()
            .any(|g| g.client_id == field("client_id")) =>
        {
            Reply::json(
                400,
                &json!({"error": "invalid_grant", "error_description": "Bad Request"}),
            )
        }
        None => Reply::json(
            401,
            &json!({"error": "invalid_client", "error_description": "The OAuth client was not found."}),
        ),
    }
}

fn metadata_token(shared: &Shared, flavor: Option<&str>) -> Reply {
    if flavor != Some("Google") {
        return Reply {
            status: 403,
            headers: vec![(
                "Content-Type".to_owned(),
                "text/html; charset=UTF-8".to_owned(),
            )],
            body: b"Missing required header: Metadata-Flavor".to_vec(),
        };
    }
    let mut state = lock(&shared.state);
    match state.metadata_token.clone() {
        Some(token) => {
            state.tokens.insert(token.clone());
            Reply::json(
                200,
                &json!({"access_token": token, "expires_in": 3599, "token_type": "Bearer"}),
            )
        }
        None => Reply {
            status: 404,
            headers: Vec::new(),
            body: b"no service account".to_vec(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_and_forms() {
        assert_eq!(timestamp(EPOCH, false), "2025-01-01T00:00:00Z");
        assert_eq!(timestamp(EPOCH + 61, true), "2025-01-01T00:01:01.482915Z");
        let form = parse_form("grant_type=refresh_token&refresh_token=1%2F%2Fabc+d&x");
        assert_eq!(form["refresh_token"], "1//abc d");
        assert_eq!(form["x"], "");
        assert_eq!(percent_decode("a%2", true), "a%2");
    }
}
