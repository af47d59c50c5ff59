//! A real OCI registry: Debian's `docker-registry` (CNCF distribution 2.8)
//! on 127.0.0.1, plain HTTP, filesystem storage in a temporary directory,
//! optionally behind htpasswd basic auth.
//!
//! ```no_run
//! # fn main() -> Result<(), gantry_test_support::tools::RigError> {
//! use gantry_test_support::registry::Registry;
//! let registry = Registry::start()?;
//! let image = format!("{}/acme/api:1.0", registry.host_port());
//! # let _ = image;
//! # Ok(()) }
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use tempfile::TempDir;

use crate::ports::HttpRequest;
use crate::tools::{self, IoContext as _, Result, RigError, ServiceProcess, yaml_quote};

/// How long the registry gets to answer `GET /v2/` (it takes ~0.1 s).
const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);

/// A running registry; stopped (killed and reaped) and its storage deleted
/// when dropped.
#[derive(Debug)]
pub struct Registry {
    // Field order matters: the process is killed before its directory goes.
    process: ServiceProcess,
    port: u16,
    credentials: Option<(String, String)>,
    dir: TempDir,
}

impl Registry {
    /// A registry anyone can pull from and push to.
    pub fn start() -> Result<Self> {
        Self::launch(None)
    }

    /// A registry that requires basic auth with `user` / `password` for
    /// every request (`GET /v2/` answers 401 with
    /// `WWW-Authenticate: Basic realm=…` otherwise).
    pub fn start_with_auth(user: &str, password: &str) -> Result<Self> {
        Self::launch(Some((user.to_owned(), password.to_owned())))
    }

    fn launch(credentials: Option<(String, String)>) -> Result<Self> {
        let binary = tools::tool("docker-registry")?;
        let dir = tempfile::Builder::new()
            .prefix("gantry-registry-")
            .tempdir()
            .context(|| "registry: cannot create its temporary directory".to_owned())?;
        let storage = dir.path().join("storage");
        std::fs::create_dir(&storage)
            .context(|| format!("registry: cannot create {}", storage.display()))?;
        let htpasswd = match &credentials {
            Some((user, password)) => Some(write_htpasswd(dir.path(), user, password)?),
            None => None,
        };
        let config_path = dir.path().join("config.yml");
        let log = dir.path().join("registry.log");
        let expected = if credentials.is_some() { 401 } else { 200 };

        let (process, port) = tools::start_on_free_port(
            "registry (docker-registry)",
            &log,
            STARTUP_TIMEOUT,
            |port| {
                let config = config_yaml(port, &storage, htpasswd.as_deref());
                std::fs::write(&config_path, config)
                    .context(|| format!("registry: cannot write {}", config_path.display()))?;
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
                    .is_ok_and(|resp| resp.status == expected)
            },
        )?;
        Ok(Self {
            process,
            port,
            credentials,
            dir,
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `127.0.0.1:<port>`: the registry part of an image reference.
    pub fn host_port(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `(user, password)` when started with auth.
    pub fn credentials(&self) -> Option<(&str, &str)> {
        self.credentials
            .as_ref()
            .map(|(user, password)| (user.as_str(), password.as_str()))
    }

    /// A Docker `config.json` (`{"auths": {"127.0.0.1:<port>": {"auth": …}}}`)
    /// holding this registry's credentials (no `auths` entry without auth).
    pub fn docker_config_json(&self) -> serde_json::Value {
        let mut auths = serde_json::Map::new();
        if let Some((user, password)) = self.credentials() {
            let auth = crate::ports::base64(format!("{user}:{password}").as_bytes());
            auths.insert(self.host_port(), serde_json::json!({ "auth": auth }));
        }
        serde_json::json!({ "auths": auths })
    }

    /// A request to `path` (e.g. `/v2/`) on this registry, with basic auth
    /// when the registry has credentials.
    pub fn request(&self, method: &str, path: &str) -> HttpRequest {
        let request = HttpRequest::new(method, &format!("{}{path}", self.url()));
        match self.credentials() {
            Some((user, password)) => request.basic_auth(user, password),
            None => request,
        }
    }

    /// The registry's storage root (`rootdirectory` in its config).
    pub fn storage_dir(&self) -> PathBuf {
        self.dir.path().join("storage")
    }

    /// The registry's log so far.
    pub fn log(&self) -> String {
        self.process.log()
    }

    /// The process id (for tests that check the process is gone).
    pub fn pid(&self) -> u32 {
        self.process.pid()
    }
}

/// Generate `<dir>/htpasswd` with `htpasswd -Bbn` (bcrypt, as distribution requires).
fn write_htpasswd(dir: &Path, user: &str, password: &str) -> Result<PathBuf> {
    let htpasswd = tools::tool("htpasswd")?;
    let out = tools::run_with_timeout(
        "htpasswd",
        Command::new(htpasswd).args(["-Bbn", user, password]),
        Duration::from_secs(30),
    )?;
    if !out.success() {
        return Err(RigError::new(format!(
            "registry: htpasswd -Bbn failed\n{out}"
        )));
    }
    let path = dir.join("htpasswd");
    std::fs::write(&path, out.stdout.trim_end().as_bytes())
        .context(|| format!("registry: cannot write {}", path.display()))?;
    Ok(path)
}

fn config_yaml(port: u16, storage: &Path, htpasswd: Option<&Path>) -> String {
    let storage = yaml_quote(&storage.to_string_lossy());
    let mut config = format!(
        "\
version: 0.1
log:
  level: info
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: {storage}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:{port}
  secret: gantry-test-rig
  headers:
    X-Content-Type-Options: [nosniff]
"
    );
    if let Some(path) = htpasswd {
        config.push_str(&format!(
            "auth:\n  htpasswd:\n    realm: gantry-test-registry\n    path: {}\n",
            yaml_quote(&path.to_string_lossy())
        ));
    }
    config
}
