//! A client from a kubeconfig, as kubectl finds one: `--kubeconfig`, else
//! `$KUBECONFIG` (a list of files, merged), else `~/.kube/config`, else
//! the pod's service account when running in a cluster.
//!
//! The client's stack is this crate's own, built from kube's parts
//! ([`kube::client::ConfigExt`]): [`crate::transport`]'s deadline and read
//! cap around everything, kube's base URL, auth and header layers, the
//! [`crate::secrets`] tap, and hyper. kube's default stack adds a retry
//! policy whose back-off grows to minutes and a trace layer that logs a
//! bare `ERROR … client error (Connect)` line on every failed attempt;
//! retries here are [`crate::api`]'s, and a failure is one error that
//! names the server. Behind a proxy ([`crate::proxy`]: the kubeconfig's
//! `proxy-url`, else `HTTPS_PROXY` unless `NO_PROXY` says otherwise),
//! hyper-util's CONNECT tunnel sits under the TLS connector, so the
//! deadline, the read cap and the messages are the same, and name the
//! proxy too.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connect, HttpConnector};
use hyper_util::rt::TokioExecutor;
use kube::client::ConfigExt as _;
use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};
use kube::{Client, Config};
use tower::{BoxError, ServiceBuilder};

use crate::KubeError;
use crate::error::{auth_reason, chain};
use crate::proxy::{Proxy, ProxyEnv, ProxyError};
use crate::secrets::{SecretSink, TapLayer};
use crate::transport::{GuardLayer, Limits, MAX_BODY, Route, seconds};

/// The deadline of one request when none is given: an API server answers
/// a get, a list page or an update in well under a second; 15 s leaves
/// room for a slow control plane, and with one retry of a request that
/// timed out ([`crate::api`]) a server that never answers ends a command
/// in about 30 s.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// The largest kubeconfig read: real ones, with the embedded certificates
/// of many clusters, are a few hundred KiB.
const MAX_KUBECONFIG: u64 = 4 * 1024 * 1024;

/// How to connect ([`connect_with`]).
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// The kubeconfig (default: `$KUBECONFIG`, else `~/.kube/config`,
    /// else the pod's service account).
    pub kubeconfig: Option<PathBuf>,
    /// Its context (default: its current context).
    pub context: Option<String>,
    /// The deadline of each request to the API server, its answer
    /// included (and of reading the credentials: an exec plugin, a token
    /// file). Default [`DEFAULT_REQUEST_TIMEOUT`].
    pub request_timeout: Duration,
    /// Where every credential the client reads or sends is recorded, for
    /// masking ([`SecretSink::take`]).
    pub secrets: SecretSink,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            kubeconfig: None,
            context: None,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            secrets: SecretSink::default(),
        }
    }
}

/// Connect to the cluster of `context` (the kubeconfig's current context
/// when `None`) in `kubeconfig` (found as kubectl does when `None`), with
/// the default request deadline: [`connect_with`].
pub async fn connect(
    kubeconfig: Option<&Path>,
    context: Option<&str>,
) -> Result<Client, KubeError> {
    connect_with(&ConnectOptions {
        kubeconfig: kubeconfig.map(Path::to_path_buf),
        context: context.map(str::to_owned),
        ..ConnectOptions::default()
    })
    .await
}

/// Connect as `options` say. The client's default namespace is the
/// context's (`default` when it has none): [`Client::default_namespace`].
///
/// Nothing is sent to the cluster: a wrong server shows at the first
/// request. Files are checked before they are read (a FIFO or a device
/// would block forever); a kubeconfig whose server is not an `http://` or
/// `https://` URL, or a proxy that cannot be used (a SOCKS or `https://`
/// proxy, a URL that is none), is refused here.
pub async fn connect_with(options: &ConnectOptions) -> Result<Client, KubeError> {
    if options.request_timeout.is_zero() {
        return Err(KubeError::NoConfig {
            reason: "the request timeout must be more than zero".to_owned(),
        });
    }
    let from_env = std::env::var_os("KUBECONFIG").is_some_and(|v| !v.is_empty());
    let source_name = match &options.kubeconfig {
        Some(path) => path.display().to_string(),
        None if from_env => "$KUBECONFIG".to_owned(),
        None => "~/.kube/config".to_owned(),
    };
    let bad = |reason: String| KubeError::Kubeconfig {
        source_name: source_name.clone(),
        reason,
    };
    let file = match &options.kubeconfig {
        Some(path) => Some(read_file(path).map_err(&bad)?),
        None => match kubeconfig_paths() {
            Some(paths) => Some(read_merged(&paths).map_err(&bad)?),
            // No kubeconfig at all: maybe a pod with a service account.
            None if options.context.is_none() => None,
            None => {
                return Err(bad(
                    "it does not exist (a --context needs a kubeconfig)".to_owned()
                ));
            }
        },
    };
    let (config, proxy_url) = match file {
        Some(mut file) => {
            options.secrets.record_kubeconfig(&file);
            let proxy_url = take_proxy_url(&mut file, options.context.as_deref());
            let config = from_file(file, &source_name, options.context.as_deref()).await?;
            (config, proxy_url)
        }
        None => {
            let config = Config::incluster().map_err(|in_cluster| KubeError::NoConfig {
                reason: format!(
                    "no --kubeconfig, $KUBECONFIG is unset, {source_name} does not exist, and this is not a pod in a cluster ({})",
                    chain(&in_cluster)
                ),
            })?;
            (config, None)
        }
    };
    options.secrets.record_auth_info(&config.auth_info);
    check_server(&config, &source_name)?;
    let proxy = crate::proxy::choose(
        &config.cluster_url,
        proxy_url.as_deref(),
        &ProxyEnv::from_env(),
        &options.secrets,
    )
    .map_err(|error| match error {
        ProxyError::Kubeconfig(reason) => bad(format!("its cluster's proxy-url {reason}")),
        ProxyError::Env { variable, reason } => KubeError::Proxy { variable, reason },
    })?;
    // kube runs an exec plugin and reads a token file while building the
    // auth layer, on this thread: off it, and within the deadline.
    let timeout = options.request_timeout;
    let secrets = options.secrets.clone();
    let handle = tokio::runtime::Handle::current();
    let building = tokio::task::spawn_blocking(move || {
        let _entered = handle.enter();
        build(config, proxy, timeout, secrets)
    });
    match tokio::time::timeout(timeout, building).await {
        Ok(Ok(built)) => built.map_err(&bad),
        Ok(Err(join)) => Err(bad(format!("setting up the client failed: {join}"))),
        Err(_) => Err(KubeError::SetupTimeout {
            source_name,
            reason: format!(
                "getting its credentials (an exec plugin, a token file) did not finish within {}",
                seconds(timeout)
            ),
        }),
    }
}

/// The client on this crate's stack, through `proxy` if there is one.
fn build(
    config: Config,
    proxy: Option<Proxy>,
    timeout: Duration,
    secrets: SecretSink,
) -> Result<Client, String> {
    let server = shown_server(&config.cluster_url);
    let mut connector = HttpConnector::new();
    connector.enforce_http(false);
    // To the proxy when there is one: the tunnel's connection.
    connector.set_connect_timeout(Some(timeout));
    let Some(proxy) = proxy else {
        let limits = Limits {
            server,
            timeout,
            cap: MAX_BODY,
            route: Route::Direct,
        };
        let https = config
            .rustls_https_connector_with_connector(connector)
            .map_err(|e| tls_error(&e))?;
        return stack(config, https, limits, secrets);
    };
    let limits = Limits {
        server: format!("{server} {}", proxy.via()),
        timeout,
        cap: MAX_BODY,
        route: Route::Proxy {
            with_credentials: proxy.auth.is_some(),
        },
    };
    let mut tunnel = Tunnel::new(proxy.uri, connector);
    if let Some(auth) = proxy.auth {
        tunnel = tunnel.with_auth(auth);
    }
    let tunnel = tower::ServiceExt::map_request(
        tunnel,
        crate::proxy::with_port as fn(http::Uri) -> http::Uri,
    );
    let https = config
        .rustls_https_connector_with_connector(tunnel)
        .map_err(|e| tls_error(&e))?;
    stack(config, https, limits, secrets)
}

fn tls_error(error: &kube::Error) -> String {
    format!("its TLS settings cannot be used: {}", chain(error))
}

/// The stack over `connector`: TLS to the API server over TCP, or over a
/// tunnel through a proxy.
fn stack<C>(
    config: Config,
    connector: C,
    limits: Limits,
    secrets: SecretSink,
) -> Result<Client, String>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    let http = hyper_util::client::legacy::Builder::new(TokioExecutor::new()).build(connector);
    let auth = config
        .auth_layer()
        .map_err(|e| format!("its credentials cannot be used: {}", auth_reason(&e)))?;
    let headers = config
        .extra_headers_layer()
        .map_err(|e| format!("its impersonation settings cannot be used: {}", chain(&e)))?;
    let service = ServiceBuilder::new()
        .layer(GuardLayer(Arc::new(limits)))
        .layer(config.base_uri_layer())
        .option_layer(auth)
        .layer(headers)
        .layer(TapLayer(secrets))
        .map_err(BoxError::from)
        .service(http);
    Ok(Client::new(service, config.default_namespace))
}

/// The server as messages show it: no credentials, no lone trailing `/`.
fn shown_server(url: &http::Uri) -> String {
    let text = gantry_http::display_url_str(&url.to_string());
    match text.strip_suffix('/') {
        Some(bare) if url.path() == "/" => bare.to_owned(),
        _ => text,
    }
}

/// The kubeconfig's server must be a URL this client can speak to.
fn check_server(config: &Config, source_name: &str) -> Result<(), KubeError> {
    let bad = |reason: String| KubeError::Kubeconfig {
        source_name: source_name.to_owned(),
        reason,
    };
    let server = shown_server(&config.cluster_url);
    match config.cluster_url.scheme_str() {
        Some("http" | "https") if config.cluster_url.host().is_some_and(|h| !h.is_empty()) => {}
        _ => {
            return Err(bad(format!(
                "its server {server:?} is not an http:// or https:// URL with a host"
            )));
        }
    }
    Ok(())
}

/// What kube's loader finds in the chosen cluster's `proxy-url` instead
/// of the kubeconfig's value ([`take_proxy_url`]); never used.
const PROXY_PLACEHOLDER: &str = "http://proxy.invalid";

/// The `proxy-url` of the cluster `context` (the current context when
/// `None`) uses, taken out of `file` for [`crate::proxy`] to decide on.
/// A placeholder takes its place: without one, kube's loader reads
/// `$HTTPS_PROXY` itself (ignoring `NO_PROXY`, and failing on a value it
/// cannot parse even for a server no proxy is for).
fn take_proxy_url(file: &mut Kubeconfig, context: Option<&str>) -> Option<String> {
    let name = context
        .map(str::to_owned)
        .or_else(|| file.current_context.clone())?;
    let cluster_name = file
        .contexts
        .iter()
        .find(|c| c.name == name)?
        .context
        .as_ref()?
        .cluster
        .clone();
    let cluster = file
        .clusters
        .iter_mut()
        .find(|c| c.name == cluster_name)?
        .cluster
        .as_mut()?;
    cluster.proxy_url.replace(PROXY_PLACEHOLDER.to_owned())
}

/// `$KUBECONFIG`'s files, else `~/.kube/config` if it exists; `None`
/// when there is no kubeconfig.
fn kubeconfig_paths() -> Option<Vec<PathBuf>> {
    if let Some(value) = std::env::var_os("KUBECONFIG") {
        let paths: Vec<PathBuf> = std::env::split_paths(&value)
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        if !paths.is_empty() {
            return Some(paths);
        }
    }
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
    let path = Path::new(&home).join(".kube").join("config");
    std::fs::symlink_metadata(&path).is_ok().then(|| vec![path])
}

fn read_merged(paths: &[PathBuf]) -> Result<Kubeconfig, String> {
    let mut merged = Kubeconfig::default();
    for path in paths {
        let next = read_file(path).map_err(|e| format!("{}: {e}", path.display()))?;
        merged = merged.merge(next).map_err(|e| reason(&e))?;
    }
    Ok(merged)
}

/// One kubeconfig file, checked before it is read.
fn read_file(path: &Path) -> Result<Kubeconfig, String> {
    check_regular(path, MAX_KUBECONFIG)?;
    Kubeconfig::read_from(path).map_err(|e| reason(&e))
}

/// A file that can be read without blocking or exhausting memory: a
/// regular file (symlinks followed) of at most `max` bytes.
pub(crate) fn check_regular(path: &Path, max: u64) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.is_dir() {
        return Err("it is a directory, not a file".to_owned());
    }
    if !meta.is_file() {
        return Err("it is not a regular file (a FIFO, socket or device)".to_owned());
    }
    if meta.len() > max {
        return Err(format!(
            "it is {} bytes, more than the {} a kubeconfig may have",
            meta.len(),
            max
        ));
    }
    Ok(())
}

async fn from_file(
    file: Kubeconfig,
    source_name: &str,
    context: Option<&str>,
) -> Result<Config, KubeError> {
    let bad = |reason: String| KubeError::Kubeconfig {
        source_name: source_name.to_owned(),
        reason,
    };
    if let Some(context) = context
        && !file.contexts.iter().any(|c| c.name == context)
    {
        return Err(KubeError::UnknownContext {
            source_name: source_name.to_owned(),
            context: context.to_owned(),
            known: file.contexts.iter().map(|c| c.name.clone()).collect(),
        });
    }
    check_referenced_files(&file, context).map_err(&bad)?;
    let options = KubeConfigOptions {
        context: context.map(str::to_owned),
        ..KubeConfigOptions::default()
    };
    Config::from_custom_kubeconfig(file, &options)
        .await
        .map_err(|err| bad(reason(&err)))
}

/// The files the context's cluster and user name (a CA, a client
/// certificate and key, a token file) are regular files, so reading them
/// cannot block.
fn check_referenced_files(file: &Kubeconfig, context: Option<&str>) -> Result<(), String> {
    let Some(name) = context.or(file.current_context.as_deref()) else {
        return Ok(());
    };
    let Some(ctx) = file
        .contexts
        .iter()
        .find(|c| c.name == name)
        .and_then(|c| c.context.as_ref())
    else {
        return Ok(());
    };
    let mut files: Vec<(&str, &str)> = Vec::new();
    if let Some(cluster) = file
        .clusters
        .iter()
        .find(|c| c.name == ctx.cluster)
        .and_then(|c| c.cluster.as_ref())
        && let Some(ca) = &cluster.certificate_authority
    {
        files.push(("certificate-authority", ca));
    }
    if let Some(user) = ctx.user.as_deref()
        && let Some(info) = file
            .auth_infos
            .iter()
            .find(|u| u.name == user)
            .and_then(|u| u.auth_info.as_ref())
    {
        for (field, value) in [
            ("client-certificate", &info.client_certificate),
            ("client-key", &info.client_key),
            ("tokenFile", &info.token_file),
        ] {
            if let Some(path) = value {
                files.push((field, path));
            }
        }
    }
    for (field, path) in files {
        // A missing file is kube's to report; one that would block is ours.
        if std::fs::metadata(path).is_ok() {
            check_regular(Path::new(path), MAX_KUBECONFIG)
                .map_err(|e| format!("its {field} {path}: {e}"))?;
        }
    }
    Ok(())
}

fn reason(err: &KubeconfigError) -> String {
    match err {
        KubeconfigError::CurrentContextNotSet => {
            "it has no current-context (pass --context)".to_owned()
        }
        KubeconfigError::MissingClusterUrl => "its cluster has no server URL".to_owned(),
        KubeconfigError::ReadConfig(io, _) => io.to_string(),
        KubeconfigError::Parse(parse) => {
            format!("not a kubeconfig: {}", redact(&parse.to_string()))
        }
        KubeconfigError::ParseClusterUrl(_) => "its server is not a valid URL".to_owned(),
        other => chain(other),
    }
}

/// A YAML error without what could be a secret: its first line (the
/// rest quotes the file), with quoted values elided.
fn redact(message: &str) -> String {
    let line = message.lines().next().unwrap_or_default();
    let line = line.strip_prefix("error: ").unwrap_or(line);
    let mut out = String::new();
    let mut quoted = false;
    for c in line.chars() {
        if c == '"' {
            if !quoted {
                out.push_str("\"…\"");
            }
            quoted = !quoted;
        } else if !quoted {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn broken_files_are_named_and_secrets_kept_out() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            ("clusters: [\n  token: s3cr3t-t0ken\n", "broken.yaml"),
            (
                "users:\n- name: u\n  user:\n    token: s3cr3t-t0ken\n    bogus: [1\n",
                "broken.yaml",
            ),
            ("users: s3cr3t-t0ken\n", "broken.yaml"),
        ];
        for (text, words) in cases {
            let path = dir.path().join("broken.yaml");
            std::fs::write(&path, text).unwrap();
            let err = connect(Some(&path), None).await.err().unwrap();
            let message = err.to_string();
            assert!(err.is_input_error(), "{message}");
            assert!(message.contains(words), "{message}");
            assert!(!message.contains("s3cr3t"), "the token leaked: {message}");
        }
    }

    #[tokio::test]
    async fn servers_gantry_cannot_speak_to_are_refused_up_front() {
        let dir = tempfile::tempdir().unwrap();
        for (server, words) in [
            ("ftp://10.0.0.1", "not an http:// or https:// URL"),
            ("unix:///var/run/k8s.sock", "server"),
            ("https://", "server"),
        ] {
            let path = dir.path().join("config");
            std::fs::write(
                &path,
                format!(
                    "clusters: [{{name: c, cluster: {{server: \"{server}\"}}}}]\nusers: [{{name: u, user: {{token: t0k3n-value}}}}]\ncontexts: [{{name: x, context: {{cluster: c, user: u}}}}]\ncurrent-context: x\n"
                ),
            )
            .unwrap();
            let err = connect(Some(&path), None).await.err().unwrap();
            assert!(err.is_input_error(), "{server}: {err}");
            assert!(err.to_string().contains(words), "{server}: {err}");
        }
    }

    #[test]
    fn special_files_are_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let err = check_regular(dir.path(), MAX_KUBECONFIG).unwrap_err();
        assert!(err.contains("directory"), "{err}");
        let err = check_regular(Path::new("/dev/null"), MAX_KUBECONFIG).unwrap_err();
        assert!(err.contains("not a regular file"), "{err}");
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'a'; 100]).unwrap();
        assert!(check_regular(&big, 10).unwrap_err().contains("100 bytes"));
        assert!(check_regular(&big, 100).is_ok());
    }

    #[test]
    fn yaml_errors_lose_their_quotes_and_snippets() {
        assert_eq!(
            redact(
                "invalid type: string \"s3cr3t\", expected a sequence\n --> <input>:1:8\n1 | users: s3cr3t"
            ),
            "invalid type: string \"…\", expected a sequence"
        );
        assert_eq!(
            redact("error: line 1 column 2: bad"),
            "line 1 column 2: bad"
        );
    }
}
