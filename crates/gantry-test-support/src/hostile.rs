//! Servers that misbehave on purpose, for the bad-input corpus: one that
//! accepts and never answers, one whose body never ends, one that answers
//! with bytes that are not HTTP, and one that records every request and
//! answers 404 (to prove that nothing was written). A refused port is just
//! a free port nobody listens on ([`refused_addr`]).
//!
//! Each server serves any number of connections (clients retry) on
//! 127.0.0.1, each on its own thread, until it is dropped.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::http_server::read_request;

const POLL: Duration = Duration::from_millis(5);

/// How a [`HostileServer`] treats every connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Behaviour {
    /// Accept, read the request, never answer (until the client gives up).
    Hang,
    /// `200 OK` with this `Content-Type` and a chunked body that never ends
    /// (JSON-looking: `{"a":"xxxx…`), until the client hangs up.
    EndlessBody {
        /// The `Content-Type` header, so a client that checks it goes on reading.
        content_type: String,
    },
    /// Answer with bytes that are not an HTTP response, then close.
    Garbage,
    /// Answer `404 Not Found` with a JSON body to everything, recording
    /// each request (see [`HostileServer::writes`]).
    Recorder,
    /// `200 OK` with this `Content-Type` and body to everything, with a
    /// `Docker-Content-Digest` that matches the body: a registry whose
    /// "manifest" is well-formed JSON of the wrong shape (or media type).
    Fixed {
        /// The `Content-Type` header.
        content_type: String,
        /// The body.
        body: String,
    },
}

/// A request a [`Behaviour::Recorder`] saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// `GET`, `PUT`, …
    pub method: String,
    /// Path and query.
    pub target: String,
}

/// A misbehaving server on 127.0.0.1; stopped on drop.
#[derive(Debug)]
pub struct HostileServer {
    addr: String,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<Seen>>>,
    bytes_sent: Arc<AtomicU64>,
    accept: Option<JoinHandle<()>>,
}

impl HostileServer {
    /// Start one behaving as `behaviour`.
    pub fn start(behaviour: Behaviour) -> io::Result<HostileServer> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?.to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let bytes_sent = Arc::new(AtomicU64::new(0));
        let accept = {
            let (stop, seen, bytes_sent) = (stop.clone(), seen.clone(), bytes_sent.clone());
            thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let (behaviour, stop, seen, bytes_sent) = (
                                behaviour.clone(),
                                stop.clone(),
                                seen.clone(),
                                bytes_sent.clone(),
                            );
                            thread::spawn(move || {
                                let _ = serve(stream, &behaviour, &stop, &seen, &bytes_sent);
                            });
                        }
                        Err(err) if err.kind() == io::ErrorKind::WouldBlock => thread::sleep(POLL),
                        Err(_) => thread::sleep(POLL),
                    }
                }
            })
        };
        Ok(HostileServer {
            addr,
            stop,
            seen,
            bytes_sent,
            accept: Some(accept),
        })
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request a recorder saw, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The requests that could have changed something: any method but
    /// `GET`, `HEAD` and `OPTIONS`.
    pub fn writes(&self) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|s| !matches!(s.method.as_str(), "GET" | "HEAD" | "OPTIONS"))
            .collect()
    }

    /// Body bytes an endless server has sent so far, over all connections.
    pub fn bytes_sent(&self) -> u64 {
        self.bytes_sent.load(Ordering::Relaxed)
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

/// A unix socket that accepts connections and never answers (a Docker
/// Engine that hangs: `DOCKER_HOST=unix://PATH`); removed on drop.
#[derive(Debug)]
pub struct HangingSocket {
    path: std::path::PathBuf,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl HangingSocket {
    /// Listen at `path` (which must not exist).
    pub fn start(path: &std::path::Path) -> io::Result<HangingSocket> {
        let listener = std::os::unix::net::UnixListener::bind(path)?;
        listener.set_nonblocking(true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let accept = {
            let stop = stop.clone();
            thread::spawn(move || {
                // Held open, unread and unanswered, until the server stops.
                let mut held = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => held.push(stream),
                        Err(_) => thread::sleep(POLL),
                    }
                }
            })
        };
        Ok(HangingSocket {
            path: path.to_path_buf(),
            stop,
            accept: Some(accept),
        })
    }

    /// The socket's path.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

impl Drop for HangingSocket {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

/// An address on 127.0.0.1 where nothing listens: connections are refused.
pub fn refused_addr() -> io::Result<String> {
    // Bind, read the port, close: the port is free again, and nothing in
    // these tests binds to a port it did not get from the kernel.
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?.to_string();
    drop(listener);
    Ok(addr)
}

fn serve(
    mut stream: TcpStream,
    behaviour: &Behaviour,
    stop: &AtomicBool,
    seen: &Mutex<Vec<Seen>>,
    bytes_sent: &AtomicU64,
) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    match behaviour {
        Behaviour::Hang => {
            // Read whatever comes (a TLS hello, a request), answer nothing.
            let mut sink = [0u8; 4096];
            stream.set_read_timeout(Some(Duration::from_millis(50)))?;
            while !stop.load(Ordering::Relaxed) {
                match stream.read(&mut sink) {
                    Ok(0) => return Ok(()),
                    Ok(_) => {}
                    Err(err)
                        if matches!(
                            err.kind(),
                            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                        ) => {}
                    Err(err) => return Err(err),
                }
            }
            Ok(())
        }
        Behaviour::Garbage => {
            let mut sink = [0u8; 4096];
            let _ = stream.read(&mut sink);
            stream
                .write_all(b"\x00\x01SSH-2.0-not-http\r\n\xff\xfe garbage \x16\x03\x01\r\n\r\n")?;
            Ok(())
        }
        Behaviour::EndlessBody { content_type } => {
            let _ = read_request(&stream);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nTransfer-Encoding: chunked\r\nDocker-Content-Digest: sha256:{}\r\n\r\n",
                "0".repeat(64)
            );
            stream.write_all(head.as_bytes())?;
            let first = b"{\"a\":\"";
            stream.write_all(format!("{:x}\r\n", first.len()).as_bytes())?;
            stream.write_all(first)?;
            stream.write_all(b"\r\n")?;
            let chunk = vec![b'x'; 64 * 1024];
            let framed = [
                format!("{:x}\r\n", chunk.len()).into_bytes(),
                chunk,
                b"\r\n".to_vec(),
            ]
            .concat();
            while !stop.load(Ordering::Relaxed) {
                stream.write_all(&framed)?;
                bytes_sent.fetch_add(64 * 1024, Ordering::Relaxed);
            }
            Ok(())
        }
        Behaviour::Fixed { content_type, body } => {
            let request = read_request(&stream)?;
            let digest = crate::oci_image::sha256_digest(body.as_bytes());
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nDocker-Content-Digest: {digest}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes())?;
            if request.method != "HEAD" {
                stream.write_all(body.as_bytes())?;
            }
            Ok(())
        }
        Behaviour::Recorder => {
            let request = read_request(&stream)?;
            seen.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(Seen {
                    method: request.method,
                    target: request.target,
                });
            let body = br#"{"message":"not found (recorder)"}"#;
            let head = format!(
                "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes())?;
            stream.write_all(body)?;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::HttpRequest;

    #[test]
    fn recorder_counts_writes() {
        let server = HostileServer::start(Behaviour::Recorder).unwrap();
        let get = HttpRequest::get(&format!("{}/a", server.url()))
            .send()
            .unwrap();
        assert_eq!(get.status, 404);
        HttpRequest::put(&format!("{}/b", server.url()))
            .body("x")
            .send()
            .unwrap();
        assert_eq!(server.seen().len(), 2);
        assert_eq!(
            server.writes(),
            [Seen {
                method: "PUT".into(),
                target: "/b".into()
            }]
        );
    }

    #[test]
    fn hang_never_answers() {
        let server = HostileServer::start(Behaviour::Hang).unwrap();
        let err = HttpRequest::get(&server.url())
            .timeout(Duration::from_millis(300))
            .send()
            .unwrap_err();
        assert!(
            matches!(
                err.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ),
            "{err:?}"
        );
    }

    #[test]
    fn endless_body_keeps_sending() {
        let server = HostileServer::start(Behaviour::EndlessBody {
            content_type: "application/json".into(),
        })
        .unwrap();
        let mut stream = TcpStream::connect(server.addr()).unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut buf = vec![0u8; 1 << 20];
        let mut total = 0;
        while total < 4 << 20 {
            total += stream.read(&mut buf).unwrap();
        }
        assert!(total >= 4 << 20);
    }

    #[test]
    fn a_hanging_socket_accepts_and_never_answers() {
        let dir = tempfile::tempdir().unwrap();
        let socket = HangingSocket::start(&dir.path().join("docker.sock")).unwrap();
        let mut stream = std::os::unix::net::UnixStream::connect(socket.path()).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        stream.write_all(b"GET /version HTTP/1.1\r\n\r\n").unwrap();
        let mut buf = [0u8; 16];
        let err = stream.read(&mut buf).unwrap_err();
        assert!(
            matches!(
                err.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ),
            "{err:?}"
        );
        let path = socket.path().to_path_buf();
        drop(socket);
        assert!(!path.exists());
    }

    #[test]
    fn refused_is_refused() {
        let addr = refused_addr().unwrap();
        let err = TcpStream::connect(&addr).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
    }
}
