//! A static-file HTTP/1.1 server on 127.0.0.1, for tests of anything that
//! downloads: the installer fetching release archives, mirrors.
//!
//! It serves the files under one directory for `GET` and `HEAD`, answers 404
//! for anything else that is missing (and 405 for other methods), closes every
//! connection after one response (`Connection: close`), and records the path
//! of every request it received, so a test can assert that a download did,
//! or did not, happen. It stops when the [`StaticServer`] is dropped.
//!
//! ```no_run
//! # fn main() -> std::io::Result<()> {
//! let dir = tempfile::tempdir()?;
//! std::fs::write(dir.path().join("hello.txt"), "hi")?;
//! let server = gantry_test_support::http_files::StaticServer::serve(dir.path())?;
//! let url = format!("{}/hello.txt", server.url()); // http://127.0.0.1:PORT/hello.txt
//! # let _ = url;
//! assert!(server.requests().is_empty());
//! # Ok(())
//! # }
//! ```

use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// The longest request head (request line plus headers) the server reads.
const MAX_HEAD: u64 = 16 * 1024;
/// How long a client may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// How often the accept loop checks whether it should stop.
const POLL: Duration = Duration::from_millis(5);

/// A running static-file server; stopped and joined on drop.
#[derive(Debug)]
pub struct StaticServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl StaticServer {
    /// Serve the files under `root` on a free port of 127.0.0.1.
    ///
    /// A request for `/a/b.tar.gz` is answered with `root/a/b.tar.gz`. The
    /// directory is read at request time, so files may be added, changed or
    /// removed while the server runs.
    pub fn serve(root: &Path) -> io::Result<Self> {
        let root = root.canonicalize()?;
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        // Non-blocking accept, so the loop can notice `stop` without needing
        // a connection to wake it.
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let requests = Arc::clone(&requests);
            let stop = Arc::clone(&stop);
            thread::Builder::new()
                .name(format!("static-files-{}", addr.port()))
                .spawn(move || accept_loop(&listener, &root, &requests, &stop))?
        };
        Ok(Self {
            addr,
            requests,
            stop,
            thread: Some(thread),
        })
    }

    /// The base URL, without a trailing slash: `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The path (request target, query included) of every request received
    /// so far, in order, whatever its method and whatever the answer.
    pub fn requests(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            // The loop never panics; a join error would only mean it did, and
            // there is nothing left to clean up either way.
            let _ = thread.join();
        }
    }
}

fn accept_loop(
    listener: &TcpListener,
    root: &Path,
    requests: &Mutex<Vec<String>>,
    stop: &AtomicBool,
) {
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                // One connection at a time is plenty for tests, and keeps the
                // request log in arrival order. Errors belong to that one
                // connection (the client hung up, say); the server goes on.
                let _ = handle(stream, root, requests);
            }
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => thread::sleep(POLL),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            // Out of file descriptors and the like: back off and retry.
            Err(_) => thread::sleep(POLL),
        }
    }
}

fn handle(stream: TcpStream, root: &Path, requests: &Mutex<Vec<String>>) -> io::Result<()> {
    // Accepted sockets inherit non-blocking mode on some platforms (BSD, macOS).
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    let mut reader = BufReader::new(stream.try_clone()?).take(MAX_HEAD);

    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Drain the headers: a client that is still sending when the socket is
    // closed can see a reset instead of the response.
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
    }

    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return respond(stream, "400 Bad Request", &[], b"bad request\n", true);
    };
    requests
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(target.to_owned());

    let head_only = method == "HEAD";
    if method != "GET" && !head_only {
        return respond(
            stream,
            "405 Method Not Allowed",
            &[("Allow", "GET, HEAD")],
            b"only GET and HEAD\n",
            false,
        );
    }
    match resolve(root, target).and_then(|path| fs::read(path).ok()) {
        Some(body) => respond(
            stream,
            "200 OK",
            &[("Content-Type", "application/octet-stream")],
            &body,
            head_only,
        ),
        None => respond(stream, "404 Not Found", &[], b"not found\n", head_only),
    }
}

/// The file under `root` that `target` names, if it is a plain path inside
/// `root` (no `..`, no absolute components) naming a regular file.
fn resolve(root: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next().unwrap_or_default();
    let relative = Path::new(path.trim_start_matches('/'));
    if relative
        .components()
        .any(|component| !matches!(component, Component::Normal(_)))
    {
        return None;
    }
    let full = root.join(relative);
    full.is_file().then_some(full)
}

fn respond(
    mut stream: TcpStream,
    status: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    head_only: bool,
) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(body)?;
    }
    stream.flush()?;
    stream.shutdown(std::net::Shutdown::Write)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(url_base: &str, method: &str, path: &str) -> String {
        let addr = url_base.trim_start_matches("http://");
        let mut stream = TcpStream::connect(addr).unwrap();
        write!(stream, "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    }

    #[test]
    fn serves_files_answers_404_and_records_requests() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("v1")).unwrap();
        fs::write(dir.path().join("v1/a.txt"), "hello").unwrap();
        let server = StaticServer::serve(dir.path()).unwrap();
        assert!(server.url().starts_with("http://127.0.0.1:"));
        assert!(server.requests().is_empty());

        let ok = get(&server.url(), "GET", "/v1/a.txt");
        assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
        assert!(ok.contains("Content-Length: 5\r\n"), "{ok}");
        assert!(ok.ends_with("\r\n\r\nhello"), "{ok}");

        let head = get(&server.url(), "HEAD", "/v1/a.txt");
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert!(head.ends_with("\r\n\r\n"), "{head}");

        let missing = get(&server.url(), "GET", "/v1/b.txt");
        assert!(
            missing.starts_with("HTTP/1.1 404 Not Found\r\n"),
            "{missing}"
        );
        let escape = get(&server.url(), "GET", "/../etc/passwd");
        assert!(escape.starts_with("HTTP/1.1 404 Not Found\r\n"), "{escape}");
        let dir_request = get(&server.url(), "GET", "/v1");
        assert!(
            dir_request.starts_with("HTTP/1.1 404 Not Found\r\n"),
            "{dir_request}"
        );
        let post = get(&server.url(), "POST", "/v1/a.txt");
        assert!(
            post.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"),
            "{post}"
        );

        assert_eq!(
            server.requests(),
            [
                "/v1/a.txt",
                "/v1/a.txt",
                "/v1/b.txt",
                "/../etc/passwd",
                "/v1",
                "/v1/a.txt"
            ]
        );
    }

    #[test]
    fn stops_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let server = StaticServer::serve(dir.path()).unwrap();
        let addr = server.addr();
        drop(server);
        assert!(TcpStream::connect(addr).is_err());
    }
}
