//! Registry credentials: explicit ones, the Docker config file
//! (`auths`, `credsStore`, `credHelpers`) and credential helpers.
//!
//! Secrets never reach `Debug` output, logs or error messages.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use base64::Engine as _;
use serde::Deserialize;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::error::{Error, Result};

/// The key Docker uses for Docker Hub in its config and with helpers.
pub const DOCKER_HUB_SERVER: &str = "https://index.docker.io/v1/";

/// How long a credential helper may run.
const HELPER_TIMEOUT: Duration = Duration::from_secs(30);

/// Most bytes read from a credential helper's stdout or stderr (its answer
/// is one small JSON object).
const HELPER_OUTPUT_CAP: u64 = 64 * 1024;

/// A secret as gantry read it, for the caller to mask in every form it may
/// travel in.
#[derive(Clone, PartialEq, Eq)]
pub enum Secret {
    /// A user name and password (or token): hide the password and the
    /// base64 `user:password` of Basic auth.
    Basic {
        /// The user name (not secret on its own).
        username: String,
        /// The password or token.
        password: String,
    },
    /// A value hidden as is: a Docker config `auth` field as written, an
    /// identity token, a bearer token from a token service.
    Value(String),
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Secret::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .field("password", &"***")
                .finish(),
            Secret::Value(_) => f.write_str("Value(***)"),
        }
    }
}

/// Every secret a [`CredentialStore`] (and the [`crate::Client`] using it)
/// has read so far: the Docker config's credentials when the file is read,
/// a credential helper's answer when it runs, a token service's token when
/// it is fetched. Shared by clones. [`Revealed::take`] hands the new ones
/// to the caller, who masks them before printing anything.
#[derive(Clone, Default)]
pub struct Revealed(Arc<Mutex<Vec<Secret>>>);

impl fmt::Debug for Revealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Revealed(..)")
    }
}

impl Revealed {
    pub(crate) fn record(&self, secret: Secret) {
        let empty = match &secret {
            Secret::Basic { password, .. } => password.is_empty(),
            Secret::Value(value) => value.is_empty(),
        };
        if !empty {
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(secret);
        }
    }

    /// The secrets read since the last call.
    pub fn take(&self) -> Vec<Secret> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// A user name and password (or token) for one registry. `Debug` prints
/// the user name and `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// User name (`<token>` for an identity token).
    pub username: String,
    /// Password, personal access token or identity token.
    pub password: String,
}

impl Credentials {
    /// Credentials from a user name and password.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
        }
    }

    /// Whether this is an OAuth2 identity (refresh) token rather than a
    /// password: Docker's `identitytoken`, or a helper's `<token>` user.
    pub fn is_identity_token(&self) -> bool {
        self.username == "<token>"
    }

    /// `Basic base64(user:password)`.
    pub(crate) fn basic_header(&self) -> String {
        let raw = format!("{}:{}", self.username, self.password);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"***")
            .finish()
    }
}

/// Where credentials for a registry come from.
#[derive(Clone, Default)]
pub struct CredentialStore {
    /// Explicit credentials by registry host (flags, environment).
    explicit: BTreeMap<String, Credentials>,
    /// Explicit credentials for any registry without its own.
    default: Option<Credentials>,
    /// `auths` entries by normalised host.
    auths: BTreeMap<String, AuthEntry>,
    /// `credHelpers` by normalised host.
    helpers: BTreeMap<String, String>,
    /// `credsStore`.
    store: Option<String>,
    /// Where to look for `docker-credential-*` (and the helper's `PATH`);
    /// the process `PATH` when `None`.
    helper_path: Option<OsString>,
    /// Every secret read, for the caller to mask.
    revealed: Revealed,
}

#[derive(Clone)]
struct AuthEntry {
    /// The key as written (`https://index.docker.io/v1/`), given to helpers.
    server: String,
    credentials: Option<Credentials>,
}

impl fmt::Debug for CredentialStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialStore")
            .field("explicit", &self.explicit.keys().collect::<Vec<_>>())
            .field("default", &self.default.as_ref().map(|_| "***"))
            .field("auths", &self.auths.keys().collect::<Vec<_>>())
            .field("helpers", &self.helpers)
            .field("store", &self.store)
            .finish()
    }
}

#[derive(Deserialize, Default)]
struct DockerConfig {
    #[serde(default)]
    auths: BTreeMap<String, DockerAuth>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
struct DockerAuth {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
}

#[derive(Deserialize)]
struct HelperOutput {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

impl CredentialStore {
    /// No credentials: every registry is spoken to anonymously.
    pub fn anonymous() -> Self {
        Self::default()
    }

    /// Read a Docker config file: `path`, else `$DOCKER_CONFIG/config.json`,
    /// else `~/.docker/config.json`. A missing file is an empty store; an
    /// unreadable or malformed one is an error naming the file.
    pub fn from_docker_config(path: Option<&Path>) -> Result<Self> {
        let path = match path {
            Some(path) => Some(path.to_path_buf()),
            None => default_config_path(),
        };
        match path {
            Some(path) => Self::from_config_file(&path),
            None => Ok(Self::default()),
        }
    }

    fn from_config_file(path: &Path) -> Result<Self> {
        let text = match std::fs::read(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Self::default());
            }
            Err(err) => {
                return Err(Error::Credentials(format!(
                    "cannot read Docker config {}: {err}",
                    path.display()
                )));
            }
        };
        Self::from_config_json(&text).map_err(|why| {
            Error::Credentials(format!("invalid Docker config {}: {why}", path.display()))
        })
    }

    /// Parse the text of a Docker `config.json`. Every credential in it is
    /// in [`CredentialStore::revealed`] from then on.
    pub fn from_config_json(text: &[u8]) -> std::result::Result<Self, String> {
        // serde_json's messages can quote a value ("invalid type: string
        // \"…\""), and the value may be a secret: say only where.
        let config: DockerConfig = serde_json::from_slice(text).map_err(|err| {
            let what = match err.classify() {
                serde_json::error::Category::Data => "a value of the wrong type",
                serde_json::error::Category::Eof => "unexpected end of the file",
                _ => "not valid JSON",
            };
            format!("{what} at line {} column {}", err.line(), err.column())
        })?;
        let mut store = Self::default();
        for (server, entry) in config.auths {
            if let Some(auth) = entry.auth.as_deref() {
                store.revealed.record(Secret::Value(auth.trim().to_owned()));
            }
            if let Some(token) = entry.identitytoken.as_deref() {
                store.revealed.record(Secret::Value(token.to_owned()));
            }
            if let Some(password) = entry.password.as_deref() {
                store.revealed.record(Secret::Basic {
                    username: entry.username.clone().unwrap_or_default(),
                    password: password.to_owned(),
                });
            }
            let credentials = entry_credentials(&server, &entry)?;
            if let Some(found) = &credentials {
                store.revealed.record(Secret::Basic {
                    username: found.username.clone(),
                    password: found.password.clone(),
                });
            }
            store.auths.insert(
                normalize_host(&server),
                AuthEntry {
                    server,
                    credentials,
                },
            );
        }
        for (server, helper) in config.cred_helpers {
            store.helpers.insert(normalize_host(&server), helper);
        }
        store.store = config.creds_store.filter(|s| !s.is_empty());
        Ok(store)
    }

    /// Use `credentials` for `registry` (as written in image references:
    /// `ghcr.io`, `127.0.0.1:5000`, `docker.io`), over anything in the
    /// Docker config.
    pub fn with_credentials(mut self, registry: &str, credentials: Credentials) -> Self {
        self.revealed.record(Secret::Basic {
            username: credentials.username.clone(),
            password: credentials.password.clone(),
        });
        self.explicit.insert(normalize_host(registry), credentials);
        self
    }

    /// Use `credentials` for every registry without credentials of its own
    /// (the `--username`/`--password` flags of a one-registry run).
    pub fn with_default_credentials(mut self, credentials: Credentials) -> Self {
        self.revealed.record(Secret::Basic {
            username: credentials.username.clone(),
            password: credentials.password.clone(),
        });
        self.default = Some(credentials);
        self
    }

    /// Look for `docker-credential-<helper>` programs in `path` (a
    /// `PATH`-style list) instead of the process `PATH`, and run them with
    /// that `PATH`.
    pub fn with_helper_path(mut self, path: impl Into<OsString>) -> Self {
        self.helper_path = Some(path.into());
        self
    }

    /// Every secret read so far (shared with clones and the client).
    pub fn revealed(&self) -> &Revealed {
        &self.revealed
    }

    /// The credentials for `registry`, or `None` for anonymous access.
    /// Order: explicit, `credHelpers.<host>`, `auths.<host>`, `credsStore`,
    /// the explicit default.
    pub async fn get(&self, registry: &str) -> Result<Option<Credentials>> {
        let host = normalize_host(registry);
        if let Some(credentials) = self.explicit.get(&host) {
            return Ok(Some(credentials.clone()));
        }
        let server = self
            .auths
            .get(&host)
            .map(|entry| entry.server.clone())
            .unwrap_or_else(|| helper_server_url(&host));
        if let Some(helper) = self.helpers.get(&host) {
            return self.run_helper(helper, &server).await;
        }
        if let Some(entry) = self.auths.get(&host)
            && let Some(credentials) = &entry.credentials
        {
            return Ok(Some(credentials.clone()));
        }
        if let Some(store) = &self.store
            && let Some(found) = self.run_helper(store, &server).await?
        {
            return Ok(Some(found));
        }
        Ok(self.default.clone())
    }

    async fn run_helper(&self, helper: &str, server: &str) -> Result<Option<Credentials>> {
        let name = format!("docker-credential-{helper}");
        let program = match &self.helper_path {
            Some(path) => find_in_path(&name, path).ok_or_else(|| {
                Error::Credentials(format!(
                    "credential helper `{name}` not found on the helper search path"
                ))
            })?,
            None => PathBuf::from(&name),
        };
        let mut cmd = tokio::process::Command::new(&program);
        cmd.arg("get")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(path) = &self.helper_path {
            cmd.env("PATH", path);
        }
        let mut child = cmd.spawn().map_err(|err| {
            Error::Credentials(format!("cannot run credential helper `{name}`: {err}"))
        })?;
        let run = async {
            if let Some(mut stdin) = child.stdin.take() {
                stdin.write_all(server.as_bytes()).await?;
                stdin.shutdown().await?;
            }
            let mut stdout = Vec::new();
            let mut stderr = Vec::new();
            if let Some(out) = child.stdout.take() {
                out.take(HELPER_OUTPUT_CAP).read_to_end(&mut stdout).await?;
            }
            if let Some(err) = child.stderr.take() {
                err.take(HELPER_OUTPUT_CAP).read_to_end(&mut stderr).await?;
            }
            let status = child.wait().await?;
            Ok::<_, std::io::Error>((status, stdout, stderr))
        };
        let (status, stdout, stderr) = tokio::time::timeout(HELPER_TIMEOUT, run)
            .await
            .map_err(|_| {
                Error::Credentials(format!(
                    "credential helper `{name}` did not answer within {HELPER_TIMEOUT:?}"
                ))
            })?
            .map_err(|err| {
                Error::Credentials(format!("credential helper `{name}` failed: {err}"))
            })?;
        if !status.success() {
            let said = String::from_utf8_lossy(if stdout.is_empty() { &stderr } else { &stdout })
                .trim()
                .to_owned();
            // The protocol's "not found" answer means: no credentials.
            if said.to_ascii_lowercase().contains("credentials not found") {
                return Ok(None);
            }
            // Helpers print diagnostics, never the secret they failed to get.
            let said: String = said.chars().take(200).collect();
            return Err(Error::Credentials(format!(
                "credential helper `{name}` failed for `{server}` ({status}): {said}"
            )));
        }
        // Not serde's message: it may quote the secret.
        let output: HelperOutput = serde_json::from_slice(&stdout).map_err(|err| {
            Error::Credentials(format!(
                "credential helper `{name}` printed invalid JSON for `{server}` (at line {} column {})",
                err.line(),
                err.column()
            ))
        })?;
        if output.secret.is_empty() {
            return Ok(None);
        }
        self.revealed.record(Secret::Basic {
            username: output.username.clone(),
            password: output.secret.clone(),
        });
        Ok(Some(Credentials::new(output.username, output.secret)))
    }
}

fn entry_credentials(
    server: &str,
    entry: &DockerAuth,
) -> std::result::Result<Option<Credentials>, String> {
    if let Some(token) = entry.identitytoken.as_deref().filter(|t| !t.is_empty()) {
        return Ok(Some(Credentials::new("<token>", token)));
    }
    if let Some(auth) = entry.auth.as_deref().filter(|a| !a.is_empty()) {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .map_err(|_| format!("`auths.{server}.auth` is not valid base64"))?;
        let decoded = String::from_utf8(decoded)
            .map_err(|_| format!("`auths.{server}.auth` is not UTF-8 `user:password`"))?;
        let (user, password) = decoded
            .split_once(':')
            .ok_or_else(|| format!("`auths.{server}.auth` is not `user:password`"))?;
        return Ok(Some(Credentials::new(user, password)));
    }
    match (&entry.username, &entry.password) {
        (Some(user), Some(password)) if !user.is_empty() => {
            Ok(Some(Credentials::new(user.clone(), password.clone())))
        }
        _ => Ok(None),
    }
}

/// `$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json`.
fn default_config_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|home| PathBuf::from(home).join(".docker").join("config.json"))
}

/// A config key or registry name → the host it means:
/// `https://index.docker.io/v1/` → `docker.io`, `http://h:5000/v2/` → `h:5000`.
pub(crate) fn normalize_host(server: &str) -> String {
    let s = server.trim();
    let s = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .unwrap_or(s);
    let host = s.split('/').next().unwrap_or(s).to_ascii_lowercase();
    match host.as_str() {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => {
            "docker.io".to_owned()
        }
        _ => host,
    }
}

/// The server URL handed to a helper for a host with no `auths` key.
fn helper_server_url(host: &str) -> String {
    if host == "docker.io" {
        DOCKER_HUB_SERVER.to_owned()
    } else {
        host.to_owned()
    }
}

fn find_in_path(name: &str, path: &OsString) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt as _;
    std::env::split_paths(path)
        .map(|dir| dir.join(name))
        .find(|candidate| {
            candidate
                .metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secrets() {
        let creds = Credentials::new("alice", "s3cret-value");
        let shown = format!("{creds:?}");
        assert!(!shown.contains("s3cret-value"), "{shown}");
        assert!(shown.contains("***"));
        let store = CredentialStore::anonymous()
            .with_credentials("ghcr.io", creds.clone())
            .with_default_credentials(creds);
        let shown = format!("{store:?}");
        assert!(!shown.contains("s3cret-value"), "{shown}");
    }

    #[test]
    fn normalizes_config_keys() {
        assert_eq!(normalize_host("https://index.docker.io/v1/"), "docker.io");
        assert_eq!(normalize_host("docker.io"), "docker.io");
        assert_eq!(
            normalize_host("http://127.0.0.1:5000/v2/"),
            "127.0.0.1:5000"
        );
        assert_eq!(normalize_host("GHCR.io"), "ghcr.io");
    }

    #[test]
    fn reads_auths() {
        let json = br#"{"auths":{"https://index.docker.io/v1/":{"auth":"dTpw"},
            "r.example":{"identitytoken":"idt"},"x.example":{}}}"#;
        let store = CredentialStore::from_config_json(json).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let hub = rt.block_on(store.get("docker.io")).unwrap().unwrap();
        assert_eq!(hub, Credentials::new("u", "p"));
        let r = rt.block_on(store.get("r.example")).unwrap().unwrap();
        assert!(r.is_identity_token());
        assert_eq!(rt.block_on(store.get("x.example")).unwrap(), None);
        assert_eq!(rt.block_on(store.get("y.example")).unwrap(), None);
    }

    #[test]
    fn bad_auth_is_named_without_its_value() {
        let err = CredentialStore::from_config_json(br#"{"auths":{"h":{"auth":"!!secret!!"}}}"#)
            .err()
            .unwrap();
        assert!(err.contains("auths.h.auth"), "{err}");
        assert!(!err.contains("secret"), "{err}");
    }
}
