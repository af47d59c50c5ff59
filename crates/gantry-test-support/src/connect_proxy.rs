//! An HTTP proxy that tunnels with `CONNECT`, as a corporate proxy does,
//! for tests of clients behind one (`HTTPS_PROXY`, a kubeconfig's
//! `proxy-url`). It records every request it gets (the `CONNECT` target
//! and the `Proxy-Authorization` sent), can require Basic credentials
//! (`407` without the right ones), can refuse every tunnel (`403`), and
//! resolves names of its own: a corporate proxy resolves internal names
//! the runner cannot, and a test needs a server name that is neither
//! `localhost` nor a loopback address (clients never send those to a
//! proxy from the environment) yet reaches a fake on 127.0.0.1.
//!
//! ```no_run
//! use gantry_test_support::connect_proxy::{ConnectProxy, ProxyOptions};
//! let proxy = ConnectProxy::start_with(
//!     ProxyOptions::default()
//!         .credentials("corp", "s3cret")
//!         .host("kube.gantry.test", "127.0.0.1"),
//! )
//! .unwrap();
//! // HTTPS_PROXY=http://corp:s3cret@{proxy.addr()} …
//! assert!(proxy.requests().iter().all(|r| r.method == "CONNECT"));
//! ```

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::http_server::{accept_loop, read_request, write_response};
use crate::ports::base64;

/// How long a tunnelled read waits before looking at the stop flag.
const TICK: Duration = Duration::from_millis(200);

/// The longest wait for a client's request or the upstream's connection.
const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// How a [`ConnectProxy`] behaves.
#[derive(Debug, Clone, Default)]
pub struct ProxyOptions {
    /// The `Proxy-Authorization` value required, if any.
    authorization: Option<String>,
    /// Answer `403` to every `CONNECT`.
    refuse: bool,
    /// Names the proxy resolves itself: (name, IP address).
    hosts: Vec<(String, String)>,
}

impl ProxyOptions {
    /// Require Basic credentials `user:password`; `407` without them.
    pub fn credentials(mut self, user: &str, password: &str) -> Self {
        self.authorization = Some(format!(
            "Basic {}",
            base64(format!("{user}:{password}").as_bytes())
        ));
        self
    }

    /// Refuse every tunnel (`403 Forbidden`), as a proxy whose rules do
    /// not allow the destination.
    pub fn refuse_tunnels(mut self) -> Self {
        self.refuse = true;
        self
    }

    /// Resolve `name` to `ip` (`127.0.0.1`) when asked to tunnel to it.
    pub fn host(mut self, name: &str, ip: &str) -> Self {
        self.hosts.push((name.to_owned(), ip.to_owned()));
        self
    }
}

/// A request the proxy got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyRequest {
    /// `CONNECT` (anything else is answered `405`).
    pub method: String,
    /// The request target: `host:port` for `CONNECT`.
    pub target: String,
    /// The `Proxy-Authorization` header, as sent.
    pub authorization: Option<String>,
    /// What the proxy answered: `200` (tunnel open), `403`, `405`, `407`,
    /// `502` (the destination did not answer).
    pub status: u16,
}

/// The proxy, on a free port of 127.0.0.1; stopped on drop (tunnels
/// still open end within [`TICK`]).
#[derive(Debug)]
pub struct ConnectProxy {
    addr: String,
    stop: Arc<AtomicBool>,
    requests: Arc<Mutex<Vec<ProxyRequest>>>,
    accept: Option<JoinHandle<()>>,
}

impl ConnectProxy {
    /// An open proxy: no credentials, every tunnel allowed.
    pub fn start() -> io::Result<ConnectProxy> {
        ConnectProxy::start_with(ProxyOptions::default())
    }

    /// A proxy behaving as `options` say.
    pub fn start_with(options: ProxyOptions) -> io::Result<ConnectProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?.to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let accept = {
            let (stop, requests, options) = (stop.clone(), requests.clone(), Arc::new(options));
            thread::spawn(move || {
                let (s, r, o) = (stop.clone(), requests, options);
                accept_loop(&listener, &stop, move |stream| {
                    let _ = serve(stream, &o, &r, &s);
                });
            })
        };
        Ok(ConnectProxy {
            addr,
            stop,
            requests,
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

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<ProxyRequest> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The targets of the tunnels opened so far (`host:port`), in order.
    pub fn tunnels(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter(|r| r.status == 200)
            .map(|r| r.target)
            .collect()
    }
}

impl Drop for ConnectProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

fn serve(
    mut client: TcpStream,
    options: &ProxyOptions,
    requests: &Mutex<Vec<ProxyRequest>>,
    stop: &Arc<AtomicBool>,
) -> io::Result<()> {
    client.set_nonblocking(false)?;
    client.set_read_timeout(Some(IO_TIMEOUT))?;
    let request = read_request(&client)?;
    let authorization = request.header("proxy-authorization").map(str::to_owned);
    let upstream = if request.method != "CONNECT" {
        Err(405)
    } else if options.authorization.is_some() && authorization != options.authorization {
        Err(407)
    } else if options.refuse {
        Err(403)
    } else {
        resolve(&request.target, &options.hosts)
            .and_then(|addr| TcpStream::connect_timeout(&addr, IO_TIMEOUT).ok())
            .ok_or(502)
    };
    let status = upstream.as_ref().map_or_else(|s| *s, |_| 200);
    requests
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(ProxyRequest {
            method: request.method.clone(),
            target: request.target.clone(),
            authorization,
            status,
        });
    let upstream = match upstream {
        Ok(upstream) => upstream,
        Err(status) => {
            let headers = if status == 407 {
                vec![(
                    "Proxy-Authenticate".to_owned(),
                    "Basic realm=\"gantry-test\"".to_owned(),
                )]
            } else {
                Vec::new()
            };
            return write_response(&mut client, status, &headers, b"no tunnel\n");
        }
    };
    client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
    let back = {
        let (from, to, stop) = (upstream.try_clone()?, client.try_clone()?, stop.clone());
        thread::spawn(move || pump(from, to, &stop))
    };
    pump(client, upstream, stop);
    let _ = back.join();
    Ok(())
}

/// `host:port` (a name of `hosts`, or resolved as usual) as an address.
fn resolve(target: &str, hosts: &[(String, String)]) -> Option<SocketAddr> {
    let (host, port) = target.rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let host = hosts
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(host))
        .map_or(host, |(_, ip)| ip.as_str());
    (host, port).to_socket_addrs().ok()?.next()
}

/// Copy `from` to `to` until `from` ends, either fails, or the proxy
/// stops (a side that neither reads nor closes, like a client whose
/// runtime is not running, must not hold the proxy's drop); then end
/// `to`'s writing half so the other side sees the end too.
fn pump(mut from: TcpStream, mut to: TcpStream, stop: &AtomicBool) {
    let _ = from.set_read_timeout(Some(TICK));
    let _ = to.set_write_timeout(Some(TICK));
    let waiting = |e: &io::Error| {
        matches!(
            e.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
        )
    };
    let mut buf = [0u8; 16 * 1024];
    'copy: while !stop.load(Ordering::SeqCst) {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if waiting(&e) => continue,
            Err(_) => break,
        };
        let mut sent = 0;
        while sent < n {
            match to.write(&buf[sent..n]) {
                Ok(0) => break 'copy,
                Ok(k) => sent += k,
                Err(e) if waiting(&e) && !stop.load(Ordering::SeqCst) => {}
                Err(_) => break 'copy,
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Send `head` to the proxy; its status line and the stream.
    fn ask(proxy: &ConnectProxy, head: &str) -> (String, TcpStream) {
        let mut stream = TcpStream::connect(proxy.addr()).unwrap();
        stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        stream.write_all(head.as_bytes()).unwrap();
        let mut answer = Vec::new();
        let mut byte = [0u8; 1];
        while !answer.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap() == 1 {
            answer.push(byte[0]);
        }
        let text = String::from_utf8(answer).unwrap();
        (text.lines().next().unwrap_or_default().to_owned(), stream)
    }

    fn echo_server() -> (String, JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let handle = thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut buf = [0u8; 5];
            stream.read_exact(&mut buf).unwrap();
            stream.write_all(&buf).unwrap();
        });
        (format!("echo.gantry.test:{port}"), handle)
    }

    #[test]
    fn tunnels_to_its_own_names_and_records_what_it_saw() {
        let proxy =
            ConnectProxy::start_with(ProxyOptions::default().host("echo.gantry.test", "127.0.0.1"))
                .unwrap();
        let (target, echo) = echo_server();
        let (status, mut stream) = ask(
            &proxy,
            &format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n"),
        );
        assert_eq!(status, "HTTP/1.1 200 Connection established");
        stream.write_all(b"hello").unwrap();
        let mut back = [0u8; 5];
        stream.read_exact(&mut back).unwrap();
        assert_eq!(&back, b"hello");
        echo.join().unwrap();
        assert_eq!(proxy.tunnels(), [target]);

        let (status, _) = ask(&proxy, "GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(status.contains("405"), "{status}");
        let (status, _) = ask(&proxy, "CONNECT nowhere.invalid:1 HTTP/1.1\r\n\r\n");
        assert!(status.contains("502"), "{status}");
    }

    #[test]
    fn credentials_and_refusals() {
        let proxy =
            ConnectProxy::start_with(ProxyOptions::default().credentials("corp", "pa55")).unwrap();
        let (status, _) = ask(&proxy, "CONNECT 127.0.0.1:9 HTTP/1.1\r\n\r\n");
        assert!(status.contains("407"), "{status}");
        let (status, _) = ask(
            &proxy,
            "CONNECT 127.0.0.1:9 HTTP/1.1\r\nProxy-Authorization: Basic Y29ycDp3cm9uZw==\r\n\r\n",
        );
        assert!(status.contains("407"), "{status}");
        // Right credentials, nothing listening on port 9 (discard): 502.
        let (status, _) = ask(
            &proxy,
            "CONNECT 127.0.0.1:9 HTTP/1.1\r\nProxy-Authorization: Basic Y29ycDpwYTU1\r\n\r\n",
        );
        assert!(status.contains("502") || status.contains("200"), "{status}");
        let seen = proxy.requests();
        assert_eq!(seen[0].authorization, None);
        assert_eq!(seen[2].authorization.as_deref(), Some("Basic Y29ycDpwYTU1"));

        let refusing = ConnectProxy::start_with(ProxyOptions::default().refuse_tunnels()).unwrap();
        let (status, _) = ask(&refusing, "CONNECT 127.0.0.1:9 HTTP/1.1\r\n\r\n");
        assert!(status.contains("403"), "{status}");
        assert!(refusing.tunnels().is_empty());
    }
}
