//! A fake GitHub API server (std only, HTTP/1.1 on 127.0.0.1) that keeps
//! real state, for `gantry-gitops --mode pr|api`.
//!
//! The repository is a real bare git repository, driven with the `git`
//! CLI: refs, commits, trees and blobs are git's own (`git cat-file`,
//! `git ls-tree`), and `createCommitOnBranch` builds its commit the way a
//! server does (`git hash-object -w`, a temporary index, `git write-tree`,
//! `git commit-tree`) and moves the branch with `git update-ref NEW OLD`,
//! a compare-and-swap. A `git push` over `file://` to the same bare
//! repository (pr mode) is therefore seen by the API at once, as on
//! GitHub. Pull requests (number, node id, head, base, title, body, state,
//! labels, requested reviewers, auto-merge) are kept in memory.
//!
//! Served, with the fields of GitHub's documented responses:
//!
//! - `GET /repos/{o}/{r}`, `…/git/ref/heads/{branch}`,
//!   `…/git/commits/{sha}`, `…/git/trees/{sha}[?recursive=1]`,
//!   `…/git/blobs/{sha}` (base64, wrapped at 60 columns),
//!   `…/contents/{path}?ref=`, `…/commits/{sha}` (with `verification`);
//! - `GET|POST …/pulls`, `GET|PATCH …/pulls/{n}`,
//!   `POST …/pulls/{n}/requested_reviewers`, `GET|POST …/issues/{n}/labels`;
//! - `POST …/deployments`, `POST|GET …/deployments/{id}/statuses`
//!   (`auto_inactive` turns the environment's earlier successes inactive);
//!   `GET …/deployments` filtered by `environment`, `sha`, `ref` and
//!   `task`, newest first; both lists paged with `per_page` (default 30,
//!   at most 100) and `page`, and a `Link` header (`rel="next"`, `"last"`,
//!   `"first"`, `"prev"`) as GitHub sends; a job's `environment:`
//!   deployment made with [`FakeGitHub::environment_deployment`];
//! - issue comments on pull requests: `GET|POST …/issues/{n}/comments`
//!   (oldest first, paged), `GET|PATCH|DELETE …/issues/comments/{id}`
//!   ([`FakeComment`]; [`FakeGitHub::open_pull`] opens a pull request to
//!   comment on, [`FakeGitHub::set_read_only`] refuses every REST write
//!   with 403 "Resource not accessible by integration", a fork's token);
//! - `POST /graphql`: `createCommitOnBranch` (`expectedHeadOid`
//!   compare-and-swap; a stale head is HTTP 200 with an error of type
//!   `STALE_DATA`, as GitHub answers) and `enablePullRequestAutoMerge`.
//!
//! Every request needs `Authorization: Bearer TOKEN` (or `token TOKEN`);
//! anything else is 401 "Bad credentials". Every request is recorded
//! ([`FakeGitHub::requests`]). Faults: [`FakeGitHub::inject`] answers the
//! next N matching requests with a canned response (409, 422, 403 with
//! `retry-after`, 5xx, …), and [`FakeGitHub::other_writer`] commits as
//! another writer right before the next N `createCommitOnBranch`, between
//! the client's read and its write.
//!
//! ```no_run
//! # fn main() -> gantry_test_support::tools::Result<()> {
//! use gantry_test_support::fault_server::Fault;
//! use gantry_test_support::github::{FakeGitHub, secondary_rate_limit};
//! # let bare = std::path::Path::new("/tmp/deploy.git");
//! let github = FakeGitHub::start(bare, "acme/deploy", "ghs_test")?;
//! github.inject("GET", "/git/ref/", 1, secondary_rate_limit(1));
//! github.inject_graphql("createCommitOnBranch", 1, Fault::status(502));
//! // … run gantry-gitops with --github-api-url github.url() …
//! assert!(github.requests().iter().all(|r| r.authorized));
//! # Ok(()) }
//! ```

use crate::http_server::{Request, accept_loop, percent_decode, read_request, write_response};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use serde_json::{Value, json};

use crate::fault_server::Fault;
use crate::git_daemon::git_command;
use crate::ports::base64;
use crate::tools::{Result, RigError};

mod comments;
pub use comments::FakeComment;

const DOCS: &str = "https://docs.github.com/rest";

/// The login of the token's owner: the author of API commits and pulls.
pub const LOGIN: &str = "gantry-bot";
/// Its e-mail, as GitHub writes it on commits.
pub const EMAIL: &str = "4242+gantry-bot@users.noreply.github.com";

/// A 403 secondary rate limit, as GitHub sends it, asking to wait `secs`.
pub fn secondary_rate_limit(secs: u64) -> Fault {
    Fault::status(403)
        .header("Content-Type", "application/json; charset=utf-8")
        .header("retry-after", &secs.to_string())
        .header("x-ratelimit-remaining", "4999")
        .body(
            json!({
                "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.",
                "documentation_url": "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
                "status": "403"
            })
            .to_string(),
        )
}

/// A GitHub error response: `status` with `{"message", "errors"?,
/// "documentation_url", "status"}`.
pub fn github_error(status: u16, message: &str, errors: &[Value]) -> Fault {
    let mut body =
        json!({"message": message, "documentation_url": DOCS, "status": status.to_string()});
    if !errors.is_empty() {
        body["errors"] = Value::Array(errors.to_vec());
    }
    Fault::status(status)
        .header("Content-Type", "application/json; charset=utf-8")
        .body(body.to_string())
}

/// One request the fake saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// `GET`, `POST`, …
    pub method: String,
    /// Path and query, as sent.
    pub path: String,
    /// The status answered.
    pub status: u16,
    /// Whether a rule answered.
    pub injected: bool,
    /// Whether the request carried the right token in `Authorization`.
    pub authorized: bool,
    /// The `Authorization` header (this is a test fake: it records it).
    pub authorization: Option<String>,
    /// The request body.
    pub body: String,
    /// For `POST /graphql`: the operation (`createCommitOnBranch`, …).
    pub graphql: Option<String>,
}

/// A pull request the fake holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakePull {
    /// Its number.
    pub number: u64,
    /// Its GraphQL id.
    pub node_id: String,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// Head branch.
    pub head: String,
    /// Base branch.
    pub base: String,
    /// `open` or `closed`.
    pub state: String,
    /// Labels, in the order added.
    pub labels: Vec<String>,
    /// Users asked to review.
    pub reviewers: Vec<String>,
    /// Teams asked to review.
    pub team_reviewers: Vec<String>,
    /// Auto-merge method (`MERGE`, `SQUASH`, `REBASE`), when enabled.
    pub auto_merge: Option<String>,
}

/// A deployment the fake holds, with its statuses in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeDeployment {
    /// Its id.
    pub id: u64,
    /// The ref asked for.
    pub git_ref: String,
    /// The commit it resolved to.
    pub sha: String,
    /// The environment.
    pub environment: String,
    /// The description.
    pub description: String,
    /// Its statuses, oldest first: (state, description, log_url).
    pub statuses: Vec<(String, String, Option<String>)>,
    /// Who created it: the token's user (`github-actions[bot]` for the
    /// job's token and for a job's `environment:`).
    pub creator: String,
}

#[derive(Debug)]
struct Rule {
    method: String,
    path_contains: String,
    body_contains: Option<String>,
    remaining: usize,
    fault: Fault,
}

#[derive(Debug)]
struct OtherWriter {
    remaining: usize,
    files: Vec<(String, String)>,
}

#[derive(Debug)]
struct State {
    pulls: Vec<FakePull>,
    deployments: Vec<FakeDeployment>,
    rules: Vec<Rule>,
    seen: Vec<Seen>,
    verified: BTreeSet<String>,
    other_writers: Vec<OtherWriter>,
    other_commits: Vec<String>,
    allow_auto_merge: bool,
    max_tree_entries: Option<usize>,
    /// `description` and `license.spdx_id` of `GET /repos/{o}/{r}`.
    description: Option<String>,
    license: Option<String>,
    /// Issue comments, oldest first.
    comments: Vec<FakeComment>,
    /// Comments made so far (ids are never reused).
    next_comment: u64,
    /// Every REST write answered 403 (a fork's read-only token).
    read_only: bool,
}

#[derive(Debug)]
struct Shared {
    owner: String,
    name: String,
    bare: PathBuf,
    token: String,
    base_url: String,
    state: Mutex<State>,
    /// Writes to the repository happen one at a time, as on GitHub.
    writes: Mutex<()>,
}

/// A running fake; stopped and joined on drop.
#[derive(Debug)]
pub struct FakeGitHub {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl FakeGitHub {
    /// Serve the bare repository `bare` as `repository` (`owner/name`),
    /// accepting only `token`.
    pub fn start(bare: &Path, repository: &str, token: &str) -> Result<Self> {
        let (owner, name) = repository.split_once('/').ok_or_else(|| {
            RigError::new(format!("fake GitHub: `{repository}` is not OWNER/NAME"))
        })?;
        if !bare.join("HEAD").is_file() {
            return Err(RigError::new(format!(
                "fake GitHub: {} is not a git repository",
                bare.display()
            )));
        }
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .map_err(|e| RigError::io("fake GitHub: cannot listen", &e))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| RigError::io("fake GitHub: cannot listen", &e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| RigError::io("fake GitHub: no address", &e))?;
        let shared = Arc::new(Shared {
            owner: owner.to_owned(),
            name: name.to_owned(),
            bare: bare.to_path_buf(),
            token: token.to_owned(),
            base_url: format!("http://{addr}"),
            state: Mutex::new(State {
                pulls: Vec::new(),
                deployments: Vec::new(),
                rules: Vec::new(),
                seen: Vec::new(),
                verified: BTreeSet::new(),
                other_writers: Vec::new(),
                other_commits: Vec::new(),
                allow_auto_merge: true,
                max_tree_entries: None,
                description: None,
                license: None,
                comments: Vec::new(),
                next_comment: 0,
                read_only: false,
            }),
            writes: Mutex::new(()),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let shared = Arc::clone(&shared);
            let stop = Arc::clone(&stop);
            thread::spawn(move || {
                accept_loop(&listener, &stop, move |stream| {
                    let _ = serve(stream, &shared);
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

    /// The REST root, `http://127.0.0.1:PORT` (GraphQL is at `/graphql`).
    pub fn url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// `127.0.0.1:PORT`.
    pub fn host_port(&self) -> String {
        self.addr.to_string()
    }

    /// The bare repository behind it.
    pub fn bare(&self) -> &Path {
        &self.shared.bare
    }

    /// Answer the next `times` requests whose method is `method` (`*`: any)
    /// and whose path contains `path_contains` with `fault`.
    pub fn inject(&self, method: &str, path_contains: &str, times: usize, fault: Fault) {
        lock(&self.shared.state).rules.push(Rule {
            method: method.to_owned(),
            path_contains: path_contains.to_owned(),
            body_contains: None,
            remaining: times,
            fault,
        });
    }

    /// Answer the next `times` GraphQL requests for `operation`
    /// (`createCommitOnBranch`, `enablePullRequestAutoMerge`) with `fault`.
    pub fn inject_graphql(&self, operation: &str, times: usize, fault: Fault) {
        lock(&self.shared.state).rules.push(Rule {
            method: "POST".to_owned(),
            path_contains: "/graphql".to_owned(),
            body_contains: Some(operation.to_owned()),
            remaining: times,
            fault,
        });
    }

    /// Before each of the next `times` `createCommitOnBranch`, commit
    /// `files` (path, contents) to its branch as another writer would, so
    /// the head the client read has moved when its write arrives.
    pub fn other_writer(&self, times: usize, files: &[(&str, &str)]) {
        lock(&self.shared.state).other_writers.push(OtherWriter {
            remaining: times,
            files: files
                .iter()
                .map(|(p, c)| ((*p).to_owned(), (*c).to_owned()))
                .collect(),
        });
    }

    /// The commits [`other_writer`](Self::other_writer) made.
    pub fn other_commits(&self) -> Vec<String> {
        lock(&self.shared.state).other_commits.clone()
    }

    /// Whether the repository allows auto-merge (default true).
    pub fn set_allow_auto_merge(&self, allow: bool) {
        lock(&self.shared.state).allow_auto_merge = allow;
    }

    /// The repository's `description` and licence (`license.spdx_id`, e.g.
    /// `MIT`) in `GET /repos/{o}/{r}`; both `null` by default.
    pub fn set_description_and_license(&self, description: Option<&str>, license: Option<&str>) {
        let mut state = lock(&self.shared.state);
        state.description = description.map(str::to_owned);
        state.license = license.map(str::to_owned);
    }

    /// Truncate recursive tree listings after `max` entries (GitHub stops
    /// at 100,000 or 7 MB and says `"truncated": true`).
    pub fn set_max_tree_entries(&self, max: Option<usize>) {
        lock(&self.shared.state).max_tree_entries = max;
    }

    /// Every pull request, by number.
    pub fn pulls(&self) -> Vec<FakePull> {
        lock(&self.shared.state).pulls.clone()
    }

    /// The deployments created so far, with their statuses.
    pub fn deployments(&self) -> Vec<FakeDeployment> {
        lock(&self.shared.state).deployments.clone()
    }

    /// Create a deployment as GitHub Actions does for a job with
    /// `environment: ENVIRONMENT` in run `run_id` (at `sha`, for the
    /// workflow's `git_ref`): created by `github-actions[bot]`, without a
    /// description, with the statuses `queued` then `in_progress` whose
    /// `log_url` (and `target_url`) is the job's page in the run,
    /// `https://github.com/OWNER/NAME/actions/runs/RUN_ID/job/JOB_ID`.
    /// Its id.
    pub fn environment_deployment(
        &self,
        environment: &str,
        sha: &str,
        git_ref: &str,
        run_id: u64,
    ) -> u64 {
        let mut state = lock(&self.shared.state);
        let id = state.deployments.len() as u64 + 1;
        let log_url = format!(
            "https://github.com/{}/{}/actions/runs/{run_id}/job/{}",
            self.shared.owner,
            self.shared.name,
            70_000 + id
        );
        state.deployments.push(FakeDeployment {
            id,
            git_ref: git_ref.to_owned(),
            sha: sha.to_owned(),
            environment: environment.to_owned(),
            description: String::new(),
            statuses: vec![
                ("queued".to_owned(), String::new(), Some(log_url.clone())),
                ("in_progress".to_owned(), String::new(), Some(log_url)),
            ],
            creator: ACTIONS_BOT.to_owned(),
        });
        id
    }

    /// Close pull request `number` (as a person would).
    pub fn close_pull(&self, number: u64) {
        if let Some(p) = lock(&self.shared.state)
            .pulls
            .iter_mut()
            .find(|p| p.number == number)
        {
            p.state = "closed".to_owned();
        }
    }

    /// Whether `sha` was committed through `createCommitOnBranch` (GitHub
    /// signs those: Verified).
    pub fn is_verified(&self, sha: &str) -> bool {
        lock(&self.shared.state).verified.contains(sha)
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Seen> {
        lock(&self.shared.state).seen.clone()
    }

    /// Forget the requests seen so far.
    pub fn clear_requests(&self) {
        lock(&self.shared.state).seen.clear();
    }
}

impl Drop for FakeGitHub {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A response: status, extra headers, JSON (or raw) body.
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
                "application/json; charset=utf-8".to_owned(),
            )],
            body: value.to_string().into_bytes(),
        }
    }

    fn error(status: u16, message: &str) -> Reply {
        Reply::json(
            status,
            &json!({"message": message, "documentation_url": DOCS, "status": status.to_string()}),
        )
    }

    fn validation(message: Option<&str>, error: Value) -> Reply {
        let mut e = error;
        if let Some(m) = message {
            e["message"] = json!(m);
        }
        Reply::json(
            422,
            &json!({"message": "Validation Failed", "errors": [e], "documentation_url": DOCS, "status": "422"}),
        )
    }

    fn not_found() -> Reply {
        Reply::error(404, "Not Found")
    }
}

fn serve(mut stream: TcpStream, shared: &Shared) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let request = read_request(&stream)?;
    let authorization = request.header("authorization").map(str::to_owned);
    let authorized = authorization.as_deref().is_some_and(|a| {
        a.strip_prefix("Bearer ")
            .or_else(|| a.strip_prefix("token "))
            .is_some_and(|t| t == shared.token)
    });
    let body_text = String::from_utf8_lossy(&request.body).into_owned();
    let graphql = (request.target.split('?').next() == Some("/graphql"))
        .then(|| graphql_operation(&body_text))
        .flatten();
    let fault = {
        let mut state = lock(&shared.state);
        state
            .rules
            .iter_mut()
            .find(|r| {
                r.remaining > 0
                    && (r.method == "*" || r.method.eq_ignore_ascii_case(&request.method))
                    && request.target.contains(&r.path_contains)
                    && r.body_contains
                        .as_deref()
                        .is_none_or(|b| body_text.contains(b))
            })
            .map(|r| {
                r.remaining -= 1;
                r.fault.clone()
            })
    };
    let (reply, injected) = match fault {
        Some(Fault::Respond {
            status,
            headers,
            body,
        }) => (
            Reply {
                status,
                headers,
                body,
            },
            true,
        ),
        Some(Fault::Hang) => {
            thread::sleep(Duration::from_secs(30));
            return Ok(());
        }
        None if !authorized => (
            Reply::error(
                401,
                if authorization.is_some() {
                    "Bad credentials"
                } else {
                    "Requires authentication"
                },
            ),
            false,
        ),
        None => (route(shared, &request), false),
    };
    lock(&shared.state).seen.push(Seen {
        method: request.method.clone(),
        path: request.target.clone(),
        status: reply.status,
        injected,
        authorized,
        authorization,
        body: body_text,
        graphql,
    });
    let mut headers = reply.headers;
    headers.push(("x-github-request-id".to_owned(), "0000:FAKE".to_owned()));
    write_response(&mut stream, reply.status, &headers, &reply.body)
}

fn parse_query(query: &str) -> BTreeMap<String, String> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

fn graphql_operation(body: &str) -> Option<String> {
    let value: Value = serde_json::from_str(body).ok()?;
    let query = value.get("query")?.as_str()?;
    ["createCommitOnBranch", "enablePullRequestAutoMerge"]
        .iter()
        .find(|op| query.contains(*op))
        .map(|op| (*op).to_owned())
}

fn route(shared: &Shared, request: &Request) -> Reply {
    let (path, query) = request
        .target
        .split_once('?')
        .unwrap_or((request.target.as_str(), ""));
    let query = parse_query(query);
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode(s, false))
        .collect();
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = request.method.as_str();
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    if segs == ["graphql"] {
        return if method == "POST" {
            graphql(shared, &body)
        } else {
            Reply::not_found()
        };
    }
    let ["repos", owner, name, rest @ ..] = segs.as_slice() else {
        return Reply::not_found();
    };
    if !owner.eq_ignore_ascii_case(&shared.owner) || !name.eq_ignore_ascii_case(&shared.name) {
        return Reply::not_found();
    }
    if !matches!(method, "GET" | "HEAD") && lock(&shared.state).read_only {
        return comments::refused_write();
    }
    let result = match (method, rest) {
        ("GET", []) => Ok(repository_json(shared)),
        ("GET", ["git", "ref", "heads", branch @ ..]) if !branch.is_empty() => {
            get_ref(shared, &branch.join("/"))
        }
        ("GET", ["git", "commits", sha]) => get_git_commit(shared, sha),
        ("GET", ["git", "trees", sha]) => get_tree(shared, sha, query.contains_key("recursive")),
        ("GET", ["git", "blobs", sha]) => get_blob(shared, sha),
        ("GET", ["contents", path @ ..]) => get_contents(
            shared,
            &path.join("/"),
            query.get("ref").map_or("main", String::as_str),
        ),
        ("GET", ["commits", sha]) => get_commit(shared, sha),
        ("GET", ["pulls"]) => Ok(list_pulls(shared, &query)),
        ("POST", ["pulls"]) => create_pull(shared, &body),
        ("GET", ["pulls", n]) => {
            with_pull(shared, n, |s, p| Ok(Reply::json(200, &pull_json(s, p))))
        }
        ("PATCH", ["pulls", n]) => update_pull(shared, n, &body),
        ("POST", ["pulls", n, "requested_reviewers"]) => request_reviewers(shared, n, &body),
        ("GET", ["issues", n, "labels"]) => with_pull(shared, n, |_, p| {
            Ok(Reply::json(200, &labels_json(&p.labels)))
        }),
        ("POST", ["issues", n, "labels"]) => add_labels(shared, n, &body),
        ("GET", ["issues", "comments", id]) => comments::get(shared, id),
        ("PATCH", ["issues", "comments", id]) => comments::update(shared, id, &body),
        ("DELETE", ["issues", "comments", id]) => comments::delete(shared, id),
        ("GET", ["issues", n, "comments"]) => comments::list(shared, n, &query),
        ("POST", ["issues", n, "comments"]) => comments::create(shared, n, &body),
        ("POST", ["deployments"]) => create_deployment(shared, &body),
        ("POST", ["deployments", id, "statuses"]) => create_deployment_status(shared, id, &body),
        ("GET", ["deployments", id, "statuses"]) => list_deployment_statuses(shared, id, &query),
        ("GET", ["deployments"]) => list_deployments(shared, &query),
        _ => Err(Reply::not_found()),
    };
    result.unwrap_or_else(|reply| reply)
}

// ---------------------------------------------------------------- git

fn git_raw(
    shared: &Shared,
    args: &[&str],
    stdin: Option<&[u8]>,
    env: &[(&str, &str)],
) -> std::result::Result<Vec<u8>, String> {
    let mut cmd = git_command().map_err(|e| e.to_string())?;
    cmd.arg(format!("--git-dir={}", shared.bare.display()))
        .args(args)
        .current_dir(&shared.bare)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().map_err(|e| format!("cannot run git: {e}"))?;
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(input)
            .map_err(|e| format!("git stdin: {e}"))?;
    }
    let out = child.wait_with_output().map_err(|e| format!("git: {e}"))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

fn git(shared: &Shared, args: &[&str]) -> std::result::Result<String, String> {
    git_raw(shared, args, None, &[]).map(|b| String::from_utf8_lossy(&b).trim().to_owned())
}

fn internal(message: String) -> Reply {
    Reply::error(500, &format!("fake GitHub: {message}"))
}

fn is_sha(text: &str) -> bool {
    text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

fn object_type(shared: &Shared, sha: &str) -> Option<String> {
    if !is_sha(sha) {
        return None;
    }
    git(shared, &["cat-file", "-t", sha]).ok()
}

fn branch_tip(shared: &Shared, branch: &str) -> Option<String> {
    git(
        shared,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("refs/heads/{branch}^{{commit}}"),
        ],
    )
    .ok()
    .filter(|s| is_sha(s))
}

struct CommitData {
    tree: String,
    parents: Vec<String>,
    author: (String, String, String),
    committer: (String, String, String),
    message: String,
}

/// `Name <email> 1700000000 +0000` → (name, email, ISO date).
fn person(line: &str) -> (String, String, String) {
    let (name, rest) = line.split_once(" <").unwrap_or((line, ""));
    let (email, when) = rest.split_once("> ").unwrap_or((rest, ""));
    let secs: i64 = when
        .split_whitespace()
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (name.to_owned(), email.to_owned(), iso_date(secs))
}

fn iso_date(secs: i64) -> String {
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
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn read_commit(shared: &Shared, sha: &str) -> Option<CommitData> {
    if object_type(shared, sha).as_deref() != Some("commit") {
        return None;
    }
    let raw = git_raw(shared, &["cat-file", "commit", sha], None, &[]).ok()?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, message) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut data = CommitData {
        tree: String::new(),
        parents: Vec::new(),
        author: Default::default(),
        committer: Default::default(),
        message: message.to_owned(),
    };
    for line in head.lines() {
        if let Some(v) = line.strip_prefix("tree ") {
            data.tree = v.to_owned();
        } else if let Some(v) = line.strip_prefix("parent ") {
            data.parents.push(v.to_owned());
        } else if let Some(v) = line.strip_prefix("author ") {
            data.author = person(v);
        } else if let Some(v) = line.strip_prefix("committer ") {
            data.committer = person(v);
        }
    }
    Some(data)
}

fn api(shared: &Shared, rest: &str) -> String {
    format!(
        "{}/repos/{}/{}/{rest}",
        shared.base_url, shared.owner, shared.name
    )
}

fn html(shared: &Shared, rest: &str) -> String {
    format!(
        "{}/{}/{}/{rest}",
        shared.base_url, shared.owner, shared.name
    )
}

fn repository_json(shared: &Shared) -> Reply {
    let (allow, description, license) = {
        let state = lock(&shared.state);
        (
            state.allow_auto_merge,
            state.description.clone(),
            state.license.clone(),
        )
    };
    let license = license
        .map(|spdx| json!({"key": spdx.to_ascii_lowercase(), "name": spdx, "spdx_id": spdx}));
    Reply::json(
        200,
        &json!({
            "id": 1296269,
            "node_id": "R_kgDOfake",
            "name": shared.name,
            "full_name": format!("{}/{}", shared.owner, shared.name),
            "owner": {"login": shared.owner, "type": "Organization"},
            "private": true,
            "html_url": html(shared, "").trim_end_matches('/'),
            "url": api(shared, "").trim_end_matches('/'),
            "default_branch": "main",
            "allow_auto_merge": allow,
            "allow_squash_merge": true,
            "allow_merge_commit": true,
            "allow_rebase_merge": true,
            "description": description,
            "license": license,
        }),
    )
}

type Answer = std::result::Result<Reply, Reply>;

fn get_ref(shared: &Shared, branch: &str) -> Answer {
    let sha = branch_tip(shared, branch).ok_or_else(Reply::not_found)?;
    Ok(Reply::json(
        200,
        &json!({
            "ref": format!("refs/heads/{branch}"),
            "node_id": "REF_fake",
            "url": api(shared, &format!("git/refs/heads/{branch}")),
            "object": {"sha": sha, "type": "commit", "url": api(shared, &format!("git/commits/{sha}"))},
        }),
    ))
}

fn person_json((name, email, date): &(String, String, String)) -> Value {
    json!({"name": name, "email": email, "date": date})
}

fn verification(shared: &Shared, sha: &str) -> Value {
    if lock(&shared.state).verified.contains(sha) {
        json!({"verified": true, "reason": "valid", "signature": "-----BEGIN PGP SIGNATURE-----\nfake\n-----END PGP SIGNATURE-----\n", "payload": null})
    } else {
        json!({"verified": false, "reason": "unsigned", "signature": null, "payload": null})
    }
}

fn get_git_commit(shared: &Shared, sha: &str) -> Answer {
    let c = read_commit(shared, sha).ok_or_else(Reply::not_found)?;
    Ok(Reply::json(
        200,
        &json!({
            "sha": sha,
            "node_id": format!("C_{sha}"),
            "url": api(shared, &format!("git/commits/{sha}")),
            "html_url": html(shared, &format!("commit/{sha}")),
            "author": person_json(&c.author),
            "committer": person_json(&c.committer),
            "message": c.message,
            "tree": {"sha": c.tree, "url": api(shared, &format!("git/trees/{}", c.tree))},
            "parents": c.parents.iter().map(|p| json!({"sha": p, "url": api(shared, &format!("git/commits/{p}")), "html_url": html(shared, &format!("commit/{p}"))})).collect::<Vec<_>>(),
            "verification": verification(shared, sha),
        }),
    ))
}

fn get_commit(shared: &Shared, sha: &str) -> Answer {
    let c = read_commit(shared, sha).ok_or_else(Reply::not_found)?;
    Ok(Reply::json(
        200,
        &json!({
            "sha": sha,
            "node_id": format!("C_{sha}"),
            "html_url": html(shared, &format!("commit/{sha}")),
            "commit": {
                "author": person_json(&c.author),
                "committer": person_json(&c.committer),
                "message": c.message,
                "tree": {"sha": c.tree},
                "verification": verification(shared, sha),
            },
            "parents": c.parents.iter().map(|p| json!({"sha": p})).collect::<Vec<_>>(),
        }),
    ))
}

fn get_tree(shared: &Shared, sha: &str, recursive: bool) -> Answer {
    match object_type(shared, sha).as_deref() {
        Some("tree" | "commit") => {}
        _ => return Err(Reply::not_found()),
    }
    let tree_sha = git(shared, &["rev-parse", &format!("{sha}^{{tree}}")]).map_err(internal)?;
    let mut args = vec!["ls-tree", "-z", "-l", "--full-tree"];
    if recursive {
        args.extend(["-r", "-t"]);
    }
    args.push(&tree_sha);
    let raw = git_raw(shared, &args, None, &[]).map_err(internal)?;
    let mut entries = Vec::new();
    for record in raw.split(|b| *b == 0).filter(|r| !r.is_empty()) {
        let text = String::from_utf8_lossy(record);
        let Some((meta, path)) = text.split_once('\t') else {
            continue;
        };
        let mut parts = meta.split_whitespace();
        let (Some(mode), Some(kind), Some(object), Some(size)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let mut entry = json!({
            "path": path,
            "mode": mode,
            "type": kind,
            "sha": object,
            "url": api(shared, &format!("git/{}s/{object}", if kind == "tree" { "tree" } else { "blob" })),
        });
        if let Ok(size) = size.parse::<u64>() {
            entry["size"] = json!(size);
        }
        entries.push(entry);
    }
    let max = lock(&shared.state).max_tree_entries;
    let truncated = recursive && max.is_some_and(|m| entries.len() > m);
    if let Some(m) = max.filter(|_| truncated) {
        entries.truncate(m);
    }
    Ok(Reply::json(
        200,
        &json!({
            "sha": tree_sha,
            "url": api(shared, &format!("git/trees/{tree_sha}")),
            "tree": entries,
            "truncated": truncated,
        }),
    ))
}

/// Base64 wrapped at 60 columns, as GitHub sends blob contents.
fn wrapped_base64(bytes: &[u8]) -> String {
    let flat = base64(bytes);
    let mut out = String::with_capacity(flat.len() + flat.len() / 60 + 1);
    for (i, c) in flat.chars().enumerate() {
        if i > 0 && i % 60 == 0 {
            out.push('\n');
        }
        out.push(c);
    }
    out.push('\n');
    out
}

fn get_blob(shared: &Shared, sha: &str) -> Answer {
    if object_type(shared, sha).as_deref() != Some("blob") {
        return Err(Reply::not_found());
    }
    let bytes = git_raw(shared, &["cat-file", "blob", sha], None, &[]).map_err(internal)?;
    Ok(Reply::json(
        200,
        &json!({
            "sha": sha,
            "node_id": format!("B_{sha}"),
            "size": bytes.len(),
            "url": api(shared, &format!("git/blobs/{sha}")),
            "content": wrapped_base64(&bytes),
            "encoding": "base64",
        }),
    ))
}

fn get_contents(shared: &Shared, path: &str, git_ref: &str) -> Answer {
    let commit = if is_sha(git_ref) {
        Some(git_ref.to_owned())
    } else {
        branch_tip(shared, git_ref)
    }
    .ok_or_else(Reply::not_found)?;
    let sha = git(
        shared,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{commit}:{path}"),
        ],
    )
    .map_err(|_| Reply::not_found())?;
    if object_type(shared, &sha).as_deref() != Some("blob") {
        // Directories are listed as arrays; gantry reads files only.
        return Ok(Reply::json(200, &json!([])));
    }
    let bytes = git_raw(shared, &["cat-file", "blob", &sha], None, &[]).map_err(internal)?;
    let name = path.rsplit('/').next().unwrap_or(path);
    Ok(Reply::json(
        200,
        &json!({
            "type": "file",
            "encoding": "base64",
            "size": bytes.len(),
            "name": name,
            "path": path,
            "content": wrapped_base64(&bytes),
            "sha": sha,
            "url": api(shared, &format!("contents/{path}?ref={git_ref}")),
            "html_url": html(shared, &format!("blob/{git_ref}/{path}")),
        }),
    ))
}

// ---------------------------------------------------------------- pulls

fn labels_json(labels: &[String]) -> Value {
    Value::Array(
        labels
            .iter()
            .enumerate()
            .map(|(i, name)| {
                json!({"id": i + 1, "node_id": format!("LA_{i}"), "name": name, "color": "ededed", "default": false, "description": null})
            })
            .collect(),
    )
}

fn pull_json(shared: &Shared, p: &FakePull) -> Value {
    let head_sha = branch_tip(shared, &p.head).unwrap_or_default();
    let base_sha = branch_tip(shared, &p.base).unwrap_or_default();
    let repo = json!({"full_name": format!("{}/{}", shared.owner, shared.name), "name": shared.name, "owner": {"login": shared.owner}});
    json!({
        "url": api(shared, &format!("pulls/{}", p.number)),
        "id": 1000 + p.number,
        "node_id": p.node_id,
        "html_url": html(shared, &format!("pull/{}", p.number)),
        "number": p.number,
        "state": p.state,
        "locked": false,
        "title": p.title,
        "user": {"login": LOGIN, "type": "Bot"},
        "body": if p.body.is_empty() { Value::Null } else { json!(p.body) },
        "labels": labels_json(&p.labels),
        "draft": false,
        "head": {"label": format!("{}:{}", shared.owner, p.head), "ref": p.head, "sha": head_sha, "user": {"login": shared.owner}, "repo": repo},
        "base": {"label": format!("{}:{}", shared.owner, p.base), "ref": p.base, "sha": base_sha, "user": {"login": shared.owner}, "repo": repo},
        "requested_reviewers": p.reviewers.iter().map(|r| json!({"login": r, "type": "User"})).collect::<Vec<_>>(),
        "requested_teams": p.team_reviewers.iter().map(|t| json!({"slug": t, "name": t})).collect::<Vec<_>>(),
        "auto_merge": p.auto_merge.as_ref().map(|m| json!({"enabled_by": {"login": LOGIN}, "merge_method": m.to_ascii_lowercase(), "commit_title": null, "commit_message": null})),
        "merged": false,
        "mergeable_state": "blocked",
    })
}

fn list_pulls(shared: &Shared, query: &BTreeMap<String, String>) -> Reply {
    let state = query.get("state").map_or("open", String::as_str);
    let head = query.get("head").map(|h| {
        // `user:ref-name` or `organization:ref-name`.
        match h.split_once(':') {
            Some((owner, branch)) => (Some(owner.to_owned()), branch.to_owned()),
            None => (None, h.clone()),
        }
    });
    let pulls: Vec<FakePull> = lock(&shared.state).pulls.clone();
    let mut out: Vec<Value> = pulls
        .iter()
        .filter(|p| state == "all" || p.state == state)
        .filter(|p| match &head {
            Some((owner, branch)) => {
                owner
                    .as_deref()
                    .is_none_or(|o| o.eq_ignore_ascii_case(&shared.owner))
                    && &p.head == branch
            }
            None => true,
        })
        .filter(|p| query.get("base").is_none_or(|b| &p.base == b))
        .map(|p| pull_json(shared, p))
        .collect();
    out.reverse();
    Reply::json(200, &Value::Array(out))
}

// ---------------------------------------------------------- deployments

/// Who GitHub Actions' writes are by: the job's token and `environment:`.
const ACTIONS_BOT: &str = "github-actions[bot]";

fn user_json(login: &str) -> Value {
    let bot = login.ends_with("[bot]");
    json!({
        "login": login, "id": if bot { 41_898_282 } else { 1 },
        "type": if bot { "Bot" } else { "User" }, "site_admin": false,
    })
}

/// One page of `items` (already in GitHub's order) for `GET {path}`, with
/// `per_page` (default 30, at most 100) and `page` (from 1), and GitHub's
/// `Link` header when there is more than one page.
fn paged(
    shared: &Shared,
    path: &str,
    query: &BTreeMap<String, String>,
    items: Vec<Value>,
) -> Answer {
    let number = |key: &str, default: usize| -> std::result::Result<usize, Reply> {
        query.get(key).map_or(Ok(default), |v| {
            v.parse::<usize>()
                .map_err(|_| Reply::error(422, &format!("Invalid value for `{key}`: `{v}`")))
        })
    };
    let per_page = number("per_page", 30)?.clamp(1, 100);
    let page = number("page", 1)?.max(1);
    let last = items.len().div_ceil(per_page).max(1);
    let page_items: Vec<Value> = items
        .into_iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .collect();
    let mut reply = Reply::json(200, &Value::Array(page_items));
    if last > 1 {
        let link = |n: usize| {
            let mut pairs: Vec<String> = query
                .iter()
                .filter(|(k, _)| k.as_str() != "page")
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            pairs.push(format!("page={n}"));
            format!("<{}{path}?{}>", shared.base_url, pairs.join("&"))
        };
        let mut links = Vec::new();
        if page > 1 {
            links.push(format!("{}; rel=\"prev\"", link(page - 1)));
        }
        if page < last {
            links.push(format!("{}; rel=\"next\"", link(page + 1)));
            links.push(format!("{}; rel=\"last\"", link(last)));
        }
        if page > 1 {
            links.push(format!("{}; rel=\"first\"", link(1)));
        }
        reply.headers.push(("Link".to_owned(), links.join(", ")));
    }
    Ok(reply)
}

fn list_deployments(shared: &Shared, query: &BTreeMap<String, String>) -> Answer {
    let deployments: Vec<FakeDeployment> = lock(&shared.state).deployments.clone();
    let wanted = |key: &str, value: &str| query.get(key).is_none_or(|w| w == value);
    // Newest first, as GitHub lists them.
    let items: Vec<Value> = deployments
        .iter()
        .rev()
        .filter(|d| {
            wanted("environment", &d.environment)
                && wanted("sha", &d.sha)
                && wanted("ref", &d.git_ref)
                && wanted("task", "deploy")
        })
        .map(|d| deployment_json(shared, d))
        .collect();
    paged(
        shared,
        &format!("/repos/{}/{}/deployments", shared.owner, shared.name),
        query,
        items,
    )
}

fn deployment_json(shared: &Shared, d: &FakeDeployment) -> Value {
    let url = format!(
        "{}/repos/{}/{}/deployments/{}",
        shared.base_url, shared.owner, shared.name, d.id
    );
    json!({
        "id": d.id, "node_id": format!("DE_kwDOfake{:04}", d.id), "url": url,
        "sha": d.sha, "ref": d.git_ref, "task": "deploy", "payload": {},
        "environment": d.environment, "original_environment": d.environment,
        // GitHub answers null for a deployment made without one (a job's
        // `environment:`).
        "description": (!d.description.is_empty()).then_some(&d.description),
        "creator": user_json(&d.creator),
        "statuses_url": format!("{url}/statuses"),
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
    })
}

fn deployment_status_json(d: &FakeDeployment, index: usize) -> Value {
    let (state, description, log_url) = &d.statuses[index];
    json!({
        "id": d.id * 1000 + index as u64 + 1, "state": state, "description": description,
        "environment": d.environment, "log_url": log_url, "target_url": log_url,
        "creator": user_json(&d.creator),
        "created_at": "2026-01-01T00:00:00Z",
    })
}

fn create_deployment(shared: &Shared, body: &Value) -> Answer {
    let git_ref = str_field(body, "ref").ok_or_else(|| {
        Reply::validation(
            None,
            json!({"resource": "Deployment", "field": "ref", "code": "missing_field"}),
        )
    })?;
    let sha = branch_tip(shared, git_ref)
        .or_else(|| {
            git(
                shared,
                &[
                    "rev-parse",
                    "--verify",
                    "--quiet",
                    &format!("{git_ref}^{{commit}}"),
                ],
            )
            .ok()
            .filter(|s| is_sha(s))
        })
        .ok_or_else(|| Reply::error(422, &format!("No ref found for: {git_ref}")))?;
    let mut state = lock(&shared.state);
    let deployment = FakeDeployment {
        id: state.deployments.len() as u64 + 1,
        git_ref: git_ref.to_owned(),
        sha,
        environment: str_field(body, "environment")
            .unwrap_or("production")
            .to_owned(),
        description: str_field(body, "description")
            .unwrap_or_default()
            .to_owned(),
        statuses: Vec::new(),
        creator: ACTIONS_BOT.to_owned(),
    };
    let reply = Reply::json(201, &deployment_json(shared, &deployment));
    state.deployments.push(deployment);
    Ok(reply)
}

fn create_deployment_status(shared: &Shared, id: &str, body: &Value) -> Answer {
    const STATES: &[&str] = &[
        "error",
        "failure",
        "inactive",
        "in_progress",
        "queued",
        "pending",
        "success",
    ];
    let id: u64 = id.parse().map_err(|_| Reply::not_found())?;
    let status = str_field(body, "state")
        .filter(|s| STATES.contains(s))
        .ok_or_else(|| {
            Reply::validation(
                None,
                json!({"resource": "DeploymentStatus", "field": "state", "code": "invalid"}),
            )
        })?
        .to_owned();
    let description = str_field(body, "description")
        .unwrap_or_default()
        .to_owned();
    if description.chars().count() > 140 {
        return Err(Reply::validation(
            Some("description is too long (maximum is 140 characters)"),
            json!({"resource": "DeploymentStatus", "field": "description", "code": "custom"}),
        ));
    }
    let log_url = str_field(body, "log_url").map(str::to_owned);
    let mut state = lock(&shared.state);
    let Some(environment) = state
        .deployments
        .iter()
        .find(|d| d.id == id)
        .map(|d| d.environment.clone())
    else {
        return Err(Reply::not_found());
    };
    // auto_inactive (default true): a success makes the environment's
    // other successful deployments inactive, as GitHub does.
    if status == "success" && body.get("auto_inactive").and_then(Value::as_bool) != Some(false) {
        for other in state
            .deployments
            .iter_mut()
            .filter(|d| d.id != id && d.environment == environment)
        {
            if other
                .statuses
                .last()
                .is_some_and(|(s, _, _)| s == "success")
            {
                other
                    .statuses
                    .push(("inactive".to_owned(), String::new(), None));
            }
        }
    }
    let Some(deployment) = state.deployments.iter_mut().find(|d| d.id == id) else {
        return Err(Reply::not_found());
    };
    deployment.statuses.push((status, description, log_url));
    Ok(Reply::json(
        201,
        &deployment_status_json(deployment, deployment.statuses.len() - 1),
    ))
}

fn list_deployment_statuses(
    shared: &Shared,
    id_text: &str,
    query: &BTreeMap<String, String>,
) -> Answer {
    let id: u64 = id_text.parse().map_err(|_| Reply::not_found())?;
    let state = lock(&shared.state);
    let deployment = state
        .deployments
        .iter()
        .find(|d| d.id == id)
        .ok_or_else(Reply::not_found)?;
    // Newest first, as GitHub lists them.
    let statuses: Vec<Value> = (0..deployment.statuses.len())
        .rev()
        .map(|i| deployment_status_json(deployment, i))
        .collect();
    drop(state);
    paged(
        shared,
        &format!(
            "/repos/{}/{}/deployments/{id_text}/statuses",
            shared.owner, shared.name
        ),
        query,
        statuses,
    )
}

fn str_field<'a>(body: &'a Value, key: &str) -> Option<&'a str> {
    body.get(key).and_then(Value::as_str)
}

fn create_pull(shared: &Shared, body: &Value) -> Answer {
    let missing = |field: &str| {
        Reply::validation(
            None,
            json!({"resource": "PullRequest", "field": field, "code": "missing_field"}),
        )
    };
    let title = str_field(body, "title").ok_or_else(|| missing("title"))?;
    let head = str_field(body, "head").ok_or_else(|| missing("head"))?;
    let base = str_field(body, "base").ok_or_else(|| missing("base"))?;
    let head_branch = match head.split_once(':') {
        Some((owner, branch)) if owner.eq_ignore_ascii_case(&shared.owner) => branch,
        Some(_) => {
            return Err(Reply::validation(
                None,
                json!({"resource": "PullRequest", "field": "head", "code": "invalid"}),
            ));
        }
        None => head,
    };
    let invalid = |field: &str| {
        Reply::validation(
            None,
            json!({"resource": "PullRequest", "field": field, "code": "invalid"}),
        )
    };
    let head_tip = branch_tip(shared, head_branch).ok_or_else(|| invalid("head"))?;
    let base_tip = branch_tip(shared, base).ok_or_else(|| invalid("base"))?;
    let _writes = lock(&shared.writes);
    let mut state = lock(&shared.state);
    if state
        .pulls
        .iter()
        .any(|p| p.state == "open" && p.head == head_branch && p.base == base)
    {
        return Err(Reply::validation(
            Some(&format!(
                "A pull request already exists for {}:{head_branch}.",
                shared.owner
            )),
            json!({"resource": "PullRequest", "code": "custom"}),
        ));
    }
    let ahead = git(
        shared,
        &["merge-base", "--is-ancestor", &head_tip, &base_tip],
    )
    .is_err();
    if !ahead {
        return Err(Reply::validation(
            Some(&format!("No commits between {base} and {head_branch}")),
            json!({"resource": "PullRequest", "code": "custom"}),
        ));
    }
    let number = state.pulls.len() as u64 + 1;
    let pull = FakePull {
        number,
        node_id: format!("PR_kwDOfake{number:04}"),
        title: title.to_owned(),
        body: str_field(body, "body").unwrap_or_default().to_owned(),
        head: head_branch.to_owned(),
        base: base.to_owned(),
        state: "open".to_owned(),
        labels: Vec::new(),
        reviewers: Vec::new(),
        team_reviewers: Vec::new(),
        auto_merge: None,
    };
    state.pulls.push(pull.clone());
    drop(state);
    Ok(Reply::json(201, &pull_json(shared, &pull)))
}

fn with_pull(
    shared: &Shared,
    number: &str,
    f: impl FnOnce(&Shared, &FakePull) -> Answer,
) -> Answer {
    let n: u64 = number.parse().map_err(|_| Reply::not_found())?;
    let pull = lock(&shared.state)
        .pulls
        .iter()
        .find(|p| p.number == n)
        .cloned()
        .ok_or_else(Reply::not_found)?;
    f(shared, &pull)
}

fn modify_pull(
    shared: &Shared,
    number: &str,
    f: impl FnOnce(&mut FakePull) -> std::result::Result<(), Reply>,
) -> std::result::Result<FakePull, Reply> {
    let n: u64 = number.parse().map_err(|_| Reply::not_found())?;
    let mut state = lock(&shared.state);
    let pull = state
        .pulls
        .iter_mut()
        .find(|p| p.number == n)
        .ok_or_else(Reply::not_found)?;
    f(pull)?;
    Ok(pull.clone())
}

fn update_pull(shared: &Shared, number: &str, body: &Value) -> Answer {
    let pull = modify_pull(shared, number, |p| {
        if let Some(t) = str_field(body, "title") {
            p.title = t.to_owned();
        }
        if let Some(b) = str_field(body, "body") {
            p.body = b.to_owned();
        }
        if let Some(s) = str_field(body, "state") {
            p.state = s.to_owned();
        }
        if let Some(b) = str_field(body, "base") {
            p.base = b.to_owned();
        }
        Ok(())
    })?;
    Ok(Reply::json(200, &pull_json(shared, &pull)))
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn add_labels(shared: &Shared, number: &str, body: &Value) -> Answer {
    let wanted = if body.is_array() {
        strings(Some(body))
    } else {
        strings(body.get("labels"))
    };
    let pull = modify_pull(shared, number, |p| {
        for label in wanted {
            if !p.labels.contains(&label) {
                p.labels.push(label);
            }
        }
        Ok(())
    })?;
    Ok(Reply::json(200, &labels_json(&pull.labels)))
}

fn request_reviewers(shared: &Shared, number: &str, body: &Value) -> Answer {
    let users = strings(body.get("reviewers"));
    let teams = strings(body.get("team_reviewers"));
    if users.iter().any(|u| u.eq_ignore_ascii_case(LOGIN)) {
        return Err(Reply::validation(
            Some("Review cannot be requested from pull request author."),
            json!({"resource": "PullRequest", "code": "custom"}),
        ));
    }
    let pull = modify_pull(shared, number, |p| {
        for u in users {
            if !p.reviewers.contains(&u) {
                p.reviewers.push(u);
            }
        }
        for t in teams {
            if !p.team_reviewers.contains(&t) {
                p.team_reviewers.push(t);
            }
        }
        Ok(())
    })?;
    Ok(Reply::json(201, &pull_json(shared, &pull)))
}

// ---------------------------------------------------------------- GraphQL

fn graphql_error(field: &str, kind: &str, message: &str) -> Reply {
    Reply::json(
        200,
        &json!({
            "data": { field: null },
            "errors": [{
                "type": kind,
                "path": [field],
                "locations": [{"line": 2, "column": 3}],
                "message": message,
            }],
        }),
    )
}

fn graphql(shared: &Shared, body: &Value) -> Reply {
    let query = str_field(body, "query").unwrap_or_default();
    let input = body
        .get("variables")
        .and_then(|v| v.get("input"))
        .cloned()
        .unwrap_or(Value::Null);
    if query.contains("createCommitOnBranch") {
        create_commit_on_branch(shared, &input)
    } else if query.contains("enablePullRequestAutoMerge") {
        enable_auto_merge(shared, &input)
    } else {
        Reply::json(
            200,
            &json!({"errors": [{"message": "fake GitHub: this query is not served", "locations": [{"line": 1, "column": 1}]}]}),
        )
    }
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            b'\n' | b'\r' => continue,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// Commit `additions` and `deletions` on top of `parent` (not moving any
/// ref); the new commit's SHA.
fn make_commit(
    shared: &Shared,
    parent: &str,
    additions: &[(String, Vec<u8>)],
    deletions: &[String],
    message: &str,
    author: (&str, &str),
) -> std::result::Result<String, String> {
    let dir = tempfile::Builder::new()
        .prefix("gantry-fake-github-")
        .tempdir()
        .map_err(|e| format!("tempdir: {e}"))?;
    let index = dir.path().join("index");
    let index_str = index.to_string_lossy().into_owned();
    let env = [("GIT_INDEX_FILE", index_str.as_str())];
    git_raw(shared, &["read-tree", parent], None, &env)?;
    for (path, bytes) in additions {
        let blob = git_raw(shared, &["hash-object", "-w", "--stdin"], Some(bytes), &[])?;
        let blob = String::from_utf8_lossy(&blob).trim().to_owned();
        // An existing file keeps its mode (an executable stays one).
        let existing = git_raw(shared, &["ls-tree", parent, "--", path], None, &[])?;
        let existing = String::from_utf8_lossy(&existing);
        let mode = existing
            .split_whitespace()
            .next()
            .filter(|m| m.starts_with("100"))
            .unwrap_or("100644");
        git_raw(
            shared,
            &[
                "update-index",
                "--add",
                "--cacheinfo",
                &format!("{mode},{blob},{path}"),
            ],
            None,
            &env,
        )?;
    }
    for path in deletions {
        git_raw(
            shared,
            &["update-index", "--force-remove", "--", path],
            None,
            &env,
        )?;
    }
    let tree = git_raw(shared, &["write-tree"], None, &env)?;
    let tree = String::from_utf8_lossy(&tree).trim().to_owned();
    let commit_env = [
        ("GIT_AUTHOR_NAME", author.0),
        ("GIT_AUTHOR_EMAIL", author.1),
        ("GIT_COMMITTER_NAME", "GitHub"),
        ("GIT_COMMITTER_EMAIL", "noreply@github.com"),
    ];
    let sha = git_raw(
        shared,
        &["commit-tree", &tree, "-p", parent, "-F", "-"],
        Some(message.as_bytes()),
        &commit_env,
    )?;
    Ok(String::from_utf8_lossy(&sha).trim().to_owned())
}

/// Move `branch` from `old` to `new`, only if it still is at `old`.
fn compare_and_swap(shared: &Shared, branch: &str, new: &str, old: &str) -> bool {
    git(
        shared,
        &["update-ref", &format!("refs/heads/{branch}"), new, old],
    )
    .is_ok()
}

fn create_commit_on_branch(shared: &Shared, input: &Value) -> Reply {
    const FIELD: &str = "createCommitOnBranch";
    let branch_input = input.get("branch").cloned().unwrap_or(Value::Null);
    let repo = str_field(&branch_input, "repositoryNameWithOwner").unwrap_or_default();
    let branch = str_field(&branch_input, "branchName").unwrap_or_default();
    let Some(expected) = str_field(input, "expectedHeadOid") else {
        return Reply::json(
            200,
            &json!({"errors": [{"message": "Variable $input of type CreateCommitOnBranchInput! was provided invalid value for expectedHeadOid (Expected value to not be null)", "locations": [{"line": 1, "column": 21}]}]}),
        );
    };
    if !repo.eq_ignore_ascii_case(&format!("{}/{}", shared.owner, shared.name)) {
        return graphql_error(
            FIELD,
            "NOT_FOUND",
            &format!("Could not resolve to a Repository with the name '{repo}'."),
        );
    }
    let message = input.get("message").cloned().unwrap_or(Value::Null);
    let headline = str_field(&message, "headline").unwrap_or_default();
    if headline.trim().is_empty() {
        return graphql_error(FIELD, "UNPROCESSABLE", "A commit headline is required.");
    }
    let body = str_field(&message, "body").unwrap_or_default();
    let full_message = if body.is_empty() {
        headline.to_owned()
    } else {
        format!("{headline}\n\n{body}")
    };
    let changes = input.get("fileChanges").cloned().unwrap_or(Value::Null);
    let mut additions = Vec::new();
    for addition in changes
        .get("additions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let path = str_field(addition, "path").unwrap_or_default();
        let Some(bytes) = str_field(addition, "contents").and_then(base64_decode) else {
            return graphql_error(
                FIELD,
                "UNPROCESSABLE",
                &format!("The contents of `{path}` are not valid Base64."),
            );
        };
        if path.is_empty() || path.starts_with('/') || path.split('/').any(|p| p == "..") {
            return graphql_error(FIELD, "UNPROCESSABLE", &format!("Invalid path `{path}`."));
        }
        additions.push((path.to_owned(), bytes));
    }
    let deletions: Vec<String> = changes
        .get("deletions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|d| str_field(d, "path"))
        .map(str::to_owned)
        .collect();

    let _writes = lock(&shared.writes);
    // Another writer gets in between the client's read and this write.
    let injected = {
        let mut state = lock(&shared.state);
        state
            .other_writers
            .iter_mut()
            .find(|w| w.remaining > 0)
            .map(|w| {
                w.remaining -= 1;
                w.files.clone()
            })
    };
    if let (Some(files), Some(tip)) = (injected, branch_tip(shared, branch)) {
        let files: Vec<(String, Vec<u8>)> = files
            .into_iter()
            .map(|(p, c)| (p, c.into_bytes()))
            .collect();
        match make_commit(
            shared,
            &tip,
            &files,
            &[],
            "Another writer's commit\n",
            ("Other Writer", "other@example.com"),
        ) {
            Ok(sha) if compare_and_swap(shared, branch, &sha, &tip) => {
                lock(&shared.state).other_commits.push(sha);
            }
            Ok(_) => {}
            Err(e) => return internal(e),
        }
    }
    let Some(tip) = branch_tip(shared, branch) else {
        return graphql_error(
            FIELD,
            "NOT_FOUND",
            &format!("Could not resolve to a Ref with the name 'refs/heads/{branch}'."),
        );
    };
    let stale = || {
        graphql_error(
            FIELD,
            "STALE_DATA",
            &format!(
                "Expected branch to point to \"{expected}\" but it did not.  Pull and try again."
            ),
        )
    };
    if tip != expected {
        return stale();
    }
    for path in &deletions {
        if git(shared, &["cat-file", "-e", &format!("{tip}:{path}")]).is_err() {
            return graphql_error(
                FIELD,
                "UNPROCESSABLE",
                &format!(
                    "A path was requested for deletion which does not exist as of commit oid `{tip}`"
                ),
            );
        }
    }
    let sha = match make_commit(
        shared,
        &tip,
        &additions,
        &deletions,
        &full_message,
        (LOGIN, EMAIL),
    ) {
        Ok(sha) => sha,
        Err(e) => return internal(e),
    };
    if !compare_and_swap(shared, branch, &sha, &tip) {
        return stale();
    }
    lock(&shared.state).verified.insert(sha.clone());
    Reply::json(
        200,
        &json!({"data": {FIELD: {"commit": {"oid": sha, "url": html(shared, &format!("commit/{sha}"))}}}}),
    )
}

fn enable_auto_merge(shared: &Shared, input: &Value) -> Reply {
    const FIELD: &str = "enablePullRequestAutoMerge";
    let id = str_field(input, "pullRequestId").unwrap_or_default();
    let method = str_field(input, "mergeMethod")
        .unwrap_or("MERGE")
        .to_owned();
    if !matches!(method.as_str(), "MERGE" | "SQUASH" | "REBASE") {
        return Reply::json(
            200,
            &json!({"errors": [{"message": format!("Argument 'mergeMethod' on InputObject 'EnablePullRequestAutoMergeInput' has an invalid value ({method}). Expected type 'PullRequestMergeMethod'."), "locations": [{"line": 2, "column": 3}]}]}),
        );
    }
    let mut state = lock(&shared.state);
    let allow = state.allow_auto_merge;
    let Some(pull) = state.pulls.iter_mut().find(|p| p.node_id == id) else {
        return graphql_error(
            FIELD,
            "NOT_FOUND",
            &format!("Could not resolve to a node with the global id of '{id}'"),
        );
    };
    if !allow {
        return graphql_error(
            FIELD,
            "UNPROCESSABLE",
            "Pull request Auto merge is not allowed for this repository",
        );
    }
    if pull.state != "open" {
        return graphql_error(FIELD, "UNPROCESSABLE", "Pull request is closed");
    }
    pull.auto_merge = Some(method.clone());
    let number = pull.number;
    Reply::json(
        200,
        &json!({"data": {FIELD: {"pullRequest": {"id": id, "number": number, "autoMergeRequest": {"mergeMethod": method, "enabledAt": "2024-01-01T00:00:00Z"}}}}}),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(
            percent_decode("acme%3Agantry%2Fx+y", true),
            "acme:gantry/x y"
        );
        assert_eq!(percent_decode("a+b%2", false), "a+b%2");
        assert_eq!(
            base64_decode(&base64(b"\xef\xbb\xbfa\r\nb")).unwrap(),
            b"\xef\xbb\xbfa\r\nb"
        );
        assert_eq!(
            base64_decode(&wrapped_base64(&[7u8; 100])).unwrap(),
            vec![7u8; 100]
        );
        assert!(base64_decode("a$").is_none());
        assert_eq!(iso_date(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_date(1_700_000_000), "2023-11-14T22:13:20Z");
        let q = parse_query("state=open&head=acme%3Agantry%2Fstaging%2Fapi&base=main");
        assert_eq!(q["head"], "acme:gantry/staging/api");
    }
}
