//! HTTP/1.1 on 127.0.0.1, plain and TLS on the same port, with std
//! threads: one worker per connection, keep-alive (client-go and hyper
//! reuse connections), `Content-Length` or chunked request bodies, and
//! chunked streaming for watches.

pub(crate) use crate::http_server::reason;
use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rustls::ServerConfig;
use serde_json::Value;

use super::conn::{Conn, poll_readable, timed_out};
use super::handler::{self, Outcome};
use super::router::percent_decode;
use super::shared::Shared;
use super::watch;

const POLL: Duration = Duration::from_millis(5);
/// How often an idle connection checks whether the fake is stopping.
const IDLE_POLL: Duration = Duration::from_millis(100);
const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 16 * 1024 * 1024;
/// The longest a `Fault::Hang` holds a connection.
const MAX_HANG: Duration = Duration::from_secs(30);

/// A request as read off the wire.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// The path, still percent-encoded.
    pub path: String,
    /// The query, as sent (without `?`).
    pub raw_query: String,
    /// The query, decoded (the last value of a repeated key wins).
    pub query: BTreeMap<String, String>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// A header's value, by case-insensitive name.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A whole (not streamed) response.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// JSON with `status`.
    pub(crate) fn json(status: u16, value: &Value) -> Self {
        Reply {
            status,
            headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
            body: value.to_string().into_bytes(),
        }
    }

    /// Plain text with `status`.
    pub(crate) fn text(status: u16, text: &str) -> Self {
        Reply {
            status,
            headers: vec![(
                "Content-Type".to_owned(),
                "text/plain; charset=utf-8".to_owned(),
            )],
            body: text.as_bytes().to_vec(),
        }
    }
}

/// Accept connections until `stop`, one worker thread each; joins them.
pub(crate) fn accept_loop(
    listener: &TcpListener,
    shared: &Arc<Shared>,
    tls: &Arc<ServerConfig>,
    stop: &Arc<AtomicBool>,
) {
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                let shared = Arc::clone(shared);
                let stop = Arc::clone(stop);
                let tls = Arc::clone(tls);
                workers.push(thread::spawn(move || {
                    // A broken connection only ends that exchange.
                    let _ = serve_connection(stream, &shared, &tls, &stop);
                }));
                workers.retain(|w| !w.is_finished());
            }
            Err(_) => thread::sleep(POLL),
        }
    }
    for worker in workers {
        let _ = worker.join();
    }
}

fn serve_connection(
    stream: TcpStream,
    shared: &Shared,
    tls: &Arc<ServerConfig>,
    stop: &AtomicBool,
) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(IDLE_POLL))?;
    let mut first = [0u8; 1];
    loop {
        if stop.load(Ordering::SeqCst) {
            return Ok(());
        }
        match stream.peek(&mut first) {
            Ok(0) => return Ok(()),
            Ok(_) => break,
            Err(e) if timed_out(&e) => {}
            Err(e) => return Err(e),
        }
    }
    let mut reader = BufReader::new(Conn::new(stream, first[0], tls)?);
    loop {
        if !wait_for_request(&mut reader, stop)? {
            return Ok(());
        }
        reader
            .get_ref()
            .set_read_timeout(Some(Duration::from_secs(10)))?;
        let Some(request) = read_request(&mut reader)? else {
            return Ok(());
        };
        let keep_alive = !request
            .header("connection")
            .is_some_and(|c| c.eq_ignore_ascii_case("close"));
        match handler::handle(shared, &request) {
            Outcome::Reply(reply) => write_reply(reader.get_mut(), &reply, keep_alive)?,
            Outcome::Watch(watch) => return watch::stream(&mut reader, shared, &watch, stop),
            Outcome::Hang => {
                hang(&mut reader, stop);
                return Ok(());
            }
        }
        if !keep_alive {
            return Ok(());
        }
    }
}

/// Wait until a request starts arriving; false when the client closed
/// the connection or the fake is stopping.
fn wait_for_request(reader: &mut BufReader<Conn>, stop: &AtomicBool) -> io::Result<bool> {
    loop {
        if stop.load(Ordering::SeqCst) {
            return Ok(false);
        }
        match poll_readable(reader, IDLE_POLL) {
            Ok(true) => return Ok(true),
            Ok(false) => {}
            Err(_) => return Ok(false),
        }
    }
}

/// Whether the peer has closed the connection (waits a millisecond).
pub(crate) fn peer_closed(reader: &mut BufReader<Conn>) -> bool {
    poll_readable(reader, Duration::from_millis(1)).is_err()
}

fn hang(reader: &mut BufReader<Conn>, stop: &AtomicBool) {
    let until = Instant::now() + MAX_HANG;
    while !stop.load(Ordering::SeqCst) && Instant::now() < until && !peer_closed(reader) {
        thread::sleep(POLL * 4);
    }
}

fn invalid(why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why.to_owned())
}

fn read_request(reader: &mut BufReader<Conn>) -> io::Result<Option<Request>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or("/").to_owned();
    let mut headers = Vec::new();
    let mut total = line.len();
    loop {
        let mut header = String::new();
        let n = reader.read_line(&mut header)?;
        total += n;
        if total > MAX_HEAD {
            return Err(invalid("request head too large"));
        }
        if n == 0 || header == "\r\n" || header == "\n" {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    let find = |name: &str| {
        headers
            .iter()
            .find(|(n, _): &&(String, String)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let chunked =
        find("transfer-encoding").is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        read_chunked(reader)?
    } else {
        let length = find("content-length")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0);
        if length > MAX_BODY {
            return Err(invalid("request body too large"));
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body)?;
        body
    };
    let (path, raw_query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), q.to_owned()),
        None => (target.clone(), String::new()),
    };
    let query = raw_query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect();
    Ok(Some(Request {
        method,
        target,
        path,
        raw_query,
        query,
        headers,
        body,
    }))
}

fn read_chunked(reader: &mut BufReader<Conn>) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size_line = String::new();
        reader.read_line(&mut size_line)?;
        let size_hex = size_line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_hex, 16).map_err(|_| invalid("bad chunk size"))?;
        if size == 0 {
            // Trailers, up to the empty line.
            loop {
                let mut trailer = String::new();
                if reader.read_line(&mut trailer)? == 0 || trailer.trim().is_empty() {
                    return Ok(body);
                }
            }
        }
        if body.len() + size > MAX_BODY {
            return Err(invalid("request body too large"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        let mut crlf = [0u8; 2];
        reader.read_exact(&mut crlf)?;
    }
}

fn write_reply(stream: &mut Conn, reply: &Reply, keep_alive: bool) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("Cache-Control: no-cache, private\r\n");
    head.push_str(&format!("Content-Length: {}\r\n", reply.body.len()));
    if !keep_alive {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(&reply.body)?;
    stream.flush()
}
