//! A real registry behind bearer-token auth, with a token server of ours.
//!
//! [`TokenRegistry::start`] makes an RSA key and a self-signed certificate
//! with the `openssl` CLI, starts a small std-only token server (`GET
//! /token?service=…&scope=…`, optional basic auth) that signs RS256 JWTs
//! with that key (through `openssl dgst -sign`, certificate in the `x5c`
//! header), and starts Debian's `docker-registry` with
//! `auth: token: {realm, service, issuer, rootcertbundle}` pointing at it.
//! The registry validates every token against the certificate, as it does
//! in production.

use crate::http_server::percent_decode;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tempfile::TempDir;

use crate::ports::{HttpRequest, base64};
use crate::tools::{self, IoContext as _, Result, RigError, ServiceProcess, yaml_quote};

/// The `service` the registry and token server agree on.
pub const SERVICE: &str = "gantry-registry";
/// The token issuer.
pub const ISSUER: &str = "gantry-token-issuer";

const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(5);

/// One request the token server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// `service` query parameter.
    pub service: Option<String>,
    /// `scope` query parameters.
    pub scopes: Vec<String>,
    /// The user name of valid basic credentials.
    pub user: Option<String>,
    /// Whether a token was issued.
    pub granted: bool,
}

#[derive(Debug)]
struct Shared {
    users: Option<(String, String)>,
    key: PathBuf,
    cert_der_b64: String,
    requests: Mutex<Vec<TokenRequest>>,
    counter: AtomicU64,
}

/// The token server alone.
#[derive(Debug)]
pub struct TokenServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl TokenServer {
    /// Start on a free port, signing with `key` (PEM) and advertising the
    /// DER certificate `cert_der` in `x5c`. With `users`, only those basic
    /// credentials get a token (401 otherwise); without, anyone does.
    pub fn start(key: &Path, cert_der: &[u8], users: Option<(&str, &str)>) -> io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            users: users.map(|(u, p)| (u.to_owned(), p.to_owned())),
            key: key.to_path_buf(),
            cert_der_b64: base64(cert_der),
            requests: Mutex::new(Vec::new()),
            counter: AtomicU64::new(0),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let shared = Arc::clone(&shared);
            let stop = Arc::clone(&stop);
            thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let _ = handle(stream, &shared);
                        }
                        Err(_) => thread::sleep(POLL),
                    }
                }
            })
        };
        Ok(Self {
            addr,
            shared,
            stop,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT/token`: the realm.
    pub fn realm(&self) -> String {
        format!("http://{}/token", self.addr)
    }

    /// Every token request so far.
    pub fn requests(&self) -> Vec<TokenRequest> {
        self.shared
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// A token for `scopes` (e.g. `repository:acme/api:pull,push`), as the
    /// registry expects it; for setting up fixtures.
    pub fn issue(&self, scopes: &[&str]) -> io::Result<String> {
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        sign_token(&self.shared, "fixture", &scopes)
    }
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A `docker-registry` that accepts only our tokens, and its token server.
#[derive(Debug)]
pub struct TokenRegistry {
    // Field order: the registry dies before its token server and directory.
    process: ServiceProcess,
    port: u16,
    tokens: TokenServer,
    dir: TempDir,
}

impl TokenRegistry {
    /// Start both. With `users`, the token server wants those basic
    /// credentials; without, it hands tokens to anyone (like an anonymous
    /// pull on Docker Hub, but with push granted too).
    pub fn start(users: Option<(&str, &str)>) -> Result<Self> {
        let binary = tools::tool("docker-registry")?;
        let openssl = tools::tool("openssl")?;
        let dir = tempfile::Builder::new()
            .prefix("gantry-token-registry-")
            .tempdir()
            .context(|| "token registry: cannot create its temporary directory".to_owned())?;
        let key = dir.path().join("key.pem");
        let cert = dir.path().join("cert.pem");
        let der = dir.path().join("cert.der");
        let out = tools::run_with_timeout(
            "openssl req",
            Command::new(&openssl)
                .args([
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                ])
                .args(["-subj", &format!("/CN={ISSUER}")])
                .arg("-keyout")
                .arg(&key)
                .arg("-out")
                .arg(&cert),
            Duration::from_secs(60),
        )?;
        if !out.success() {
            return Err(RigError::new(format!(
                "token registry: openssl req failed\n{out}"
            )));
        }
        let out = tools::run_with_timeout(
            "openssl x509",
            Command::new(&openssl)
                .args(["x509", "-outform", "DER", "-in"])
                .arg(&cert)
                .arg("-out")
                .arg(&der),
            Duration::from_secs(30),
        )?;
        if !out.success() {
            return Err(RigError::new(format!(
                "token registry: openssl x509 failed\n{out}"
            )));
        }
        let cert_der = std::fs::read(&der).context(|| format!("cannot read {}", der.display()))?;
        let tokens = TokenServer::start(&key, &cert_der, users)
            .context(|| "token registry: cannot start the token server".to_owned())?;
        let storage = dir.path().join("storage");
        std::fs::create_dir(&storage)
            .context(|| format!("token registry: cannot create {}", storage.display()))?;
        let config_path = dir.path().join("config.yml");
        let log = dir.path().join("registry.log");
        let realm = tokens.realm();
        let (process, port) = tools::start_on_free_port(
            "token registry (docker-registry)",
            &log,
            STARTUP_TIMEOUT,
            |port| {
                let config = format!(
                    "\
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: {storage}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{port}
  secret: gantry-test-rig
auth:
  token:
    realm: {realm}
    service: {SERVICE}
    issuer: {ISSUER}
    rootcertbundle: {cert}
",
                    storage = yaml_quote(&storage.to_string_lossy()),
                    realm = yaml_quote(&realm),
                    cert = yaml_quote(&cert.to_string_lossy()),
                );
                std::fs::write(&config_path, config).context(|| {
                    format!("token registry: cannot write {}", config_path.display())
                })?;
                let mut cmd = Command::new(&binary);
                cmd.arg("serve").arg(&config_path).env_clear();
                if let Some(path) = std::env::var_os("PATH") {
                    cmd.env("PATH", path);
                }
                Ok(cmd)
            },
            |port| {
                HttpRequest::get(&format!("http://127.0.0.1:{port}/v2/"))
                    .timeout(Duration::from_secs(1))
                    .send()
                    .is_ok_and(|resp| resp.status == 401)
            },
        )?;
        Ok(Self {
            process,
            port,
            tokens,
            dir,
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `127.0.0.1:<port>`.
    pub fn host_port(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The token server.
    pub fn tokens(&self) -> &TokenServer {
        &self.tokens
    }

    /// The registry's log so far.
    pub fn log(&self) -> String {
        self.process.log()
    }

    /// The temporary directory (key, certificate, config, storage).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

fn handle(stream: TcpStream, shared: &Shared) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(&stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let target = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let mut authorization = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.trim().eq_ignore_ascii_case("authorization")
        {
            authorization = Some(value.trim().to_owned());
        }
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut writer = &stream;
    if path != "/token" {
        return respond(&mut writer, 404, "{}");
    }
    let mut service = None;
    let mut scopes = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "service" => service = Some(percent_decode(v, true)),
            "scope" => scopes.push(percent_decode(v, true)),
            _ => {}
        }
    }
    let user = match &shared.users {
        None => Some(String::new()),
        Some((user, password)) => {
            let expected = crate::ports::basic_auth(user, password);
            (authorization.as_deref() == Some(expected.as_str())).then(|| user.clone())
        }
    };
    let granted = user.is_some();
    shared
        .requests
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(TokenRequest {
            service,
            scopes: scopes.clone(),
            user: user.clone().filter(|u| !u.is_empty()),
            granted,
        });
    let Some(user) = user else {
        return respond(
            &mut writer,
            401,
            r#"{"errors":[{"code":"UNAUTHORIZED","message":"invalid credentials"}]}"#,
        );
    };
    match sign_token(shared, &user, &scopes) {
        Ok(token) => {
            let body =
                serde_json::json!({"token": token, "access_token": token, "expires_in": 300});
            respond(&mut writer, 200, &body.to_string())
        }
        Err(err) => respond(
            &mut writer,
            500,
            &serde_json::json!({"error": err.to_string()}).to_string(),
        ),
    }
}

fn respond(stream: &mut &TcpStream, status: u16, body: &str) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    stream.flush()
}

fn base64url(bytes: &[u8]) -> String {
    base64(bytes)
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

/// An RS256 JWT for `user` granting every action of `scopes`.
fn sign_token(shared: &Shared, user: &str, scopes: &[String]) -> io::Result<String> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let access: Vec<serde_json::Value> = scopes
        .iter()
        .flat_map(|s| s.split(' '))
        .filter_map(|scope| {
            let mut parts = scope.splitn(3, ':');
            let kind = parts.next()?;
            let name = parts.next()?;
            let actions: Vec<&str> = parts.next()?.split(',').filter(|a| !a.is_empty()).collect();
            Some(serde_json::json!({"type": kind, "name": name, "actions": actions}))
        })
        .collect();
    let header = serde_json::json!({"typ": "JWT", "alg": "RS256", "x5c": [shared.cert_der_b64]});
    let claims = serde_json::json!({
        "iss": ISSUER,
        "sub": user,
        "aud": SERVICE,
        "exp": now + 300,
        "nbf": now.saturating_sub(10),
        "iat": now,
        "jti": format!("gantry-{}", shared.counter.fetch_add(1, Ordering::SeqCst)),
        "access": access,
    });
    let signing_input = format!(
        "{}.{}",
        base64url(header.to_string().as_bytes()),
        base64url(claims.to_string().as_bytes())
    );
    let openssl = tools::tool("openssl").map_err(io::Error::from)?;
    let mut child = Command::new(openssl)
        .args(["dgst", "-sha256", "-sign"])
        .arg(&shared.key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(signing_input.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    if !out.status.success() {
        return Err(io::Error::other(format!(
            "openssl dgst -sign failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(format!("{signing_input}.{}", base64url(&out.stdout)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_queries() {
        assert_eq!(
            percent_decode("repository%3Aacme%2Fapi%3Apull%2Cpush", true),
            "repository:acme/api:pull,push"
        );
        assert_eq!(percent_decode("a+b%zz%", true), "a b%zz%");
    }
}
