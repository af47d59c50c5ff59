//! A counting, fault-injecting HTTP/1.1 proxy on 127.0.0.1 (std only).
//!
//! Put it in front of a real service (a rig registry) to record every
//! request (method, path, status, bytes each way) and to answer chosen
//! requests with a canned status, headers and body, or to hang, a given
//! number of times before letting them through. Without an upstream it is
//! a fake server answering only from its rules (404 otherwise).
//!
//! One request per connection (`Connection: close`), `Content-Length`
//! request bodies. Stopped and joined on drop.
//!
//! ```no_run
//! # fn main() -> std::io::Result<()> {
//! use gantry_test_support::fault_server::{Fault, FaultProxy};
//! let proxy = FaultProxy::start(Some("http://127.0.0.1:5000"))?;
//! proxy.inject("GET", "/manifests/", 1, Fault::status(503).header("Retry-After", "1"));
//! // … point the client at proxy.host_port() …
//! assert!(proxy.requests().iter().all(|r| r.method != "PATCH"));
//! # Ok(()) }
//! ```

use crate::http_server::read_request;
use crate::http_server::reason;
use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::ports::HttpRequest;

const POLL: Duration = Duration::from_millis(5);
/// The longest a [`Fault::Hang`] holds a connection.
const MAX_HANG: Duration = Duration::from_secs(30);

/// What to answer instead of forwarding.
#[derive(Debug, Clone)]
pub enum Fault {
    /// A response with this status, headers and body.
    Respond {
        /// HTTP status.
        status: u16,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// Body.
        body: Vec<u8>,
    },
    /// Accept the request and never answer (until the client gives up or
    /// the proxy stops).
    Hang,
}

impl Fault {
    /// A response with `status` and an empty body.
    pub fn status(status: u16) -> Self {
        Fault::Respond {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A registry error: `status` with `{"errors":[{"code":…,"message":…}]}`.
    pub fn registry_error(status: u16, code: &str, message: &str) -> Self {
        let body =
            serde_json::json!({"errors": [{"code": code, "message": message, "detail": null}]});
        Fault::Respond {
            status,
            headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
            body: body.to_string().into_bytes(),
        }
    }

    /// Add a header (to a `Respond` fault).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let Fault::Respond { headers, .. } = &mut self {
            headers.push((name.to_owned(), value.to_owned()));
        }
        self
    }

    /// Set the body (of a `Respond` fault).
    pub fn body(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        if let Fault::Respond { body, .. } = &mut self {
            *body = bytes.into();
        }
        self
    }
}

#[derive(Debug)]
struct Rule {
    method: String,
    path_contains: String,
    remaining: usize,
    fault: Fault,
}

/// One request the proxy saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// `GET`, `PUT`, …
    pub method: String,
    /// Path and query.
    pub path: String,
    /// The status answered (0 for a hang or a failed forward).
    pub status: u16,
    /// Whether a rule answered (not the upstream).
    pub injected: bool,
    /// Request body bytes.
    pub request_bytes: usize,
    /// Response body bytes.
    pub response_bytes: usize,
    /// Whether the request carried an `Authorization` header.
    pub authorized: bool,
    /// The `Authorization` header (this is a test fake: it records it).
    pub authorization: Option<String>,
    /// The request body, cut at 64 KiB.
    pub body: Vec<u8>,
}

#[derive(Debug, Default)]
struct Shared {
    rules: Mutex<Vec<Rule>>,
    seen: Mutex<Vec<Seen>>,
}

/// A running proxy; stopped and joined on drop.
#[derive(Debug)]
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// Start on a free port of 127.0.0.1, forwarding to `upstream`
    /// (`http://host:port`) or, with `None`, answering 404 to anything no
    /// rule matches.
    pub fn start(upstream: Option<&str>) -> io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let stop = Arc::new(AtomicBool::new(false));
        let upstream = upstream.map(|u| u.trim_end_matches('/').to_owned());
        let thread = {
            let shared = Arc::clone(&shared);
            let stop = Arc::clone(&stop);
            let own = format!("http://{addr}");
            thread::spawn(move || accept_loop(&listener, &shared, &stop, upstream.as_deref(), &own))
        };
        Ok(Self {
            addr,
            shared,
            stop,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `127.0.0.1:PORT` (the registry part of an image reference).
    pub fn host_port(&self) -> String {
        self.addr.to_string()
    }

    /// Answer the next `times` requests whose method is `method` (`*` for
    /// any) and whose path contains `path_contains` with `fault`. Rules are
    /// tried in the order added.
    pub fn inject(&self, method: &str, path_contains: &str, times: usize, fault: Fault) {
        lock(&self.shared.rules).push(Rule {
            method: method.to_owned(),
            path_contains: path_contains.to_owned(),
            remaining: times,
            fault,
        });
    }

    /// Drop every rule.
    pub fn clear_faults(&self) {
        lock(&self.shared.rules).clear();
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Seen> {
        lock(&self.shared.seen).clone()
    }

    /// Forget the requests seen so far.
    pub fn clear_requests(&self) {
        lock(&self.shared.seen).clear();
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn accept_loop(
    listener: &TcpListener,
    shared: &Arc<Shared>,
    stop: &Arc<AtomicBool>,
    upstream: Option<&str>,
    own: &str,
) {
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                let shared = Arc::clone(shared);
                let stop = Arc::clone(stop);
                let upstream = upstream.map(str::to_owned);
                let own = own.to_owned();
                workers.push(thread::spawn(move || {
                    // A broken client connection only ends that exchange.
                    let _ = serve(stream, &shared, &stop, upstream.as_deref(), &own);
                }));
                workers.retain(|w| !w.is_finished());
            }
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => thread::sleep(POLL),
            Err(_) => thread::sleep(POLL),
        }
    }
    for worker in workers {
        let _ = worker.join();
    }
}

fn serve(
    mut stream: TcpStream,
    shared: &Shared,
    stop: &AtomicBool,
    upstream: Option<&str>,
    own: &str,
) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let request = read_request(&stream)?;
    let authorization = request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.clone());
    let authorized = authorization.is_some();
    let mut seen = Seen {
        method: request.method.clone(),
        path: request.target.clone(),
        status: 0,
        injected: false,
        request_bytes: request.body.len(),
        response_bytes: 0,
        authorized,
        authorization,
        body: request.body[..request.body.len().min(64 * 1024)].to_vec(),
    };
    let fault = {
        let mut rules = lock(&shared.rules);
        rules
            .iter_mut()
            .find(|r| {
                r.remaining > 0
                    && (r.method == "*" || r.method.eq_ignore_ascii_case(&request.method))
                    && request.target.contains(&r.path_contains)
            })
            .map(|r| {
                r.remaining -= 1;
                r.fault.clone()
            })
    };
    let head_only = request.method.eq_ignore_ascii_case("HEAD");
    match fault {
        Some(Fault::Hang) => {
            seen.injected = true;
            lock(&shared.seen).push(seen);
            let until = Instant::now() + MAX_HANG;
            while !stop.load(Ordering::SeqCst) && Instant::now() < until {
                thread::sleep(POLL * 4);
                // Stop hanging once the client has gone.
                let mut probe = [0u8; 1];
                stream.set_nonblocking(true)?;
                match stream.peek(&mut probe) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                    Err(_) => break,
                }
            }
            Ok(())
        }
        Some(Fault::Respond {
            status,
            headers,
            body,
        }) => {
            seen.injected = true;
            seen.status = status;
            seen.response_bytes = body.len();
            lock(&shared.seen).push(seen);
            write_response(&mut stream, status, &headers, &body, None, head_only)
        }
        None => match upstream {
            None => {
                seen.status = 404;
                lock(&shared.seen).push(seen);
                write_response(&mut stream, 404, &[], b"", None, head_only)
            }
            Some(upstream) => {
                let mut forward =
                    HttpRequest::new(&request.method, &format!("{upstream}{}", request.target))
                        .timeout(Duration::from_secs(30))
                        .body(request.body.clone());
                for (name, value) in &request.headers {
                    let skip = ["host", "connection", "content-length", "transfer-encoding"];
                    if !skip.iter().any(|s| name.eq_ignore_ascii_case(s)) {
                        forward = forward.header(name, value);
                    }
                }
                match forward.send() {
                    Ok(resp) => {
                        seen.status = resp.status;
                        seen.response_bytes = resp.body.len();
                        lock(&shared.seen).push(seen);
                        let mut headers = Vec::new();
                        let mut length = None;
                        for (name, value) in &resp.headers {
                            match name.as_str() {
                                "connection" | "transfer-encoding" | "keep-alive" => {}
                                "content-length" => length = Some(value.clone()),
                                "location" => {
                                    headers.push((name.clone(), value.replace(upstream, own)))
                                }
                                _ => headers.push((name.clone(), value.clone())),
                            }
                        }
                        let length = if head_only { length } else { None };
                        write_response(
                            &mut stream,
                            resp.status,
                            &headers,
                            &resp.body,
                            length.as_deref(),
                            head_only,
                        )
                    }
                    Err(err) => {
                        seen.status = 502;
                        lock(&shared.seen).push(seen);
                        let body = format!("proxy: upstream failed: {err}");
                        write_response(&mut stream, 502, &[], body.as_bytes(), None, head_only)
                    }
                }
            }
        },
    }
}

fn write_response(
    stream: &mut TcpStream,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    head_length: Option<&str>,
    head_only: bool,
) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    match head_length {
        Some(length) => head.push_str(&format!("Content-Length: {length}\r\n")),
        None => head.push_str(&format!("Content-Length: {}\r\n", body.len())),
    }
    head.push_str("Connection: close\r\n\r\n");
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(body)?;
    }
    stream.flush()
}
