//! Finding and connecting to the Docker daemon: `--docker-host`, else
//! `DOCKER_HOST`, else the local unix socket; the API version is
//! negotiated so older daemons (20.10 speaks API 1.41) work too.

use std::path::PathBuf;
use std::time::Duration;

use bollard::{API_DEFAULT_VERSION, Docker};

use crate::error::DockerError;

/// Where the Docker CLI looks when `DOCKER_HOST` is not set.
pub const DEFAULT_DOCKER_HOST: &str = "unix:///var/run/docker.sock";

/// The port of `tcp://host` without one (the Docker CLI's default for
/// plain HTTP).
const DEFAULT_TCP_PORT: u16 = 2375;

/// How long each Engine API request may wait for its answer (a push's
/// progress stream has its own idle limit, see [`crate::tag_and_push`]),
/// unless [`connect_with_timeout`] says otherwise. A daemon answers these
/// in milliseconds; half a minute is a daemon that is not there.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How the daemon is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A unix socket at this path.
    Unix(PathBuf),
    /// Plain HTTP to `host:port`.
    Tcp(String),
}

/// The Docker host to use: `explicit` (a flag), else `env` (the value of
/// `DOCKER_HOST`), else [`DEFAULT_DOCKER_HOST`]. Empty values count as
/// unset, as they do for the Docker CLI.
pub fn resolve_host(explicit: Option<&str>, env: Option<&str>) -> String {
    explicit
        .map(str::trim)
        .filter(|host| !host.is_empty())
        .or_else(|| env.map(str::trim).filter(|host| !host.is_empty()))
        .unwrap_or(DEFAULT_DOCKER_HOST)
        .to_owned()
}

/// Parse a Docker host address: `unix:///path`, a bare `/path`,
/// `tcp://host[:port]` or `http://host[:port]`. TLS (`https://`,
/// `DOCKER_TLS_VERIFY`), `ssh://` and Docker contexts are not supported.
pub fn parse_host(host: &str) -> Result<Endpoint, DockerError> {
    let invalid = |reason: &str| DockerError::InvalidHost {
        host: host.to_owned(),
        reason: reason.to_owned(),
    };
    if let Some(path) = host.strip_prefix("unix://") {
        if path.is_empty() {
            return Err(invalid("the socket path is empty"));
        }
        return Ok(Endpoint::Unix(PathBuf::from(path)));
    }
    if host.starts_with('/') {
        return Ok(Endpoint::Unix(PathBuf::from(host)));
    }
    let rest = host
        .strip_prefix("tcp://")
        .or_else(|| host.strip_prefix("http://"));
    if let Some(rest) = rest {
        let authority = rest.trim_end_matches('/');
        if authority.is_empty() || authority.contains('/') || authority.contains('@') {
            return Err(invalid("expected tcp://HOST[:PORT]"));
        }
        let has_port = match authority.rsplit_once(':') {
            // `[::1]` alone has colons but no port.
            Some((before, port)) => !before.is_empty() && !port.contains(']') && !port.is_empty(),
            None => false,
        };
        if has_port {
            let port = authority
                .rsplit_once(':')
                .map(|(_, port)| port)
                .unwrap_or_default();
            if port.parse::<u16>().is_err() {
                return Err(invalid("the port is not a number from 0 to 65535"));
            }
            return Ok(Endpoint::Tcp(authority.to_owned()));
        }
        return Ok(Endpoint::Tcp(format!("{authority}:{DEFAULT_TCP_PORT}")));
    }
    match host.split_once("://") {
        Some((scheme, _)) => Err(invalid(&format!(
            "the `{scheme}://` scheme is not supported (use unix:// or tcp://)"
        ))),
        None => Err(invalid(
            "expected unix:///path/to/docker.sock or tcp://HOST:PORT",
        )),
    }
}

/// A connection to a Docker daemon: the bollard client, plus what is
/// needed to read a push's progress stream raw (see [`crate::tag_and_push`]).
#[derive(Debug, Clone)]
pub struct Engine {
    docker: Docker,
    endpoint: Endpoint,
    host: String,
    api_version: String,
    timeout: Duration,
}

impl Engine {
    /// The deadline of each request.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Run one request to the daemon within the deadline: past it, the
    /// daemon is [`DockerError::Unreachable`], naming `what` was asked.
    pub(crate) async fn within<T>(
        &self,
        what: &str,
        request: impl Future<Output = Result<T, DockerError>>,
    ) -> Result<T, DockerError> {
        tokio::time::timeout(self.timeout, request)
            .await
            .unwrap_or_else(|_| Err(no_answer(&self.host, what, self.timeout)))
    }

    /// The bollard client, for anything else.
    pub fn docker(&self) -> &Docker {
        &self.docker
    }

    /// How the daemon is reached.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The host address as resolved (`unix:///var/run/docker.sock`).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The negotiated API version (`1.41`).
    pub fn api_version(&self) -> &str {
        &self.api_version
    }
}

/// The error of a request that got no answer within `timeout`.
pub(crate) fn no_answer(host: &str, what: &str, timeout: Duration) -> DockerError {
    DockerError::Unreachable {
        host: host.to_owned(),
        message: format!("{what}: no answer within {timeout:?}"),
    }
}

/// Connect to the daemon at `host`, else `DOCKER_HOST`, else the local
/// unix socket, and negotiate the API version (one `GET /version`), each
/// request within [`DEFAULT_TIMEOUT`].
///
/// A daemon that does not answer is [`DockerError::Unreachable`] (an
/// outside-service error); an address that cannot be used is
/// [`DockerError::InvalidHost`] (an input error).
pub async fn connect(host: Option<&str>) -> Result<Engine, DockerError> {
    connect_with_timeout(host, DEFAULT_TIMEOUT).await
}

/// [`connect`], each request to the daemon within `timeout`.
pub async fn connect_with_timeout(
    host: Option<&str>,
    timeout: Duration,
) -> Result<Engine, DockerError> {
    let env = std::env::var("DOCKER_HOST").ok();
    let host = resolve_host(host, env.as_deref());
    let endpoint = parse_host(&host)?;
    let tls = std::env::var_os("DOCKER_TLS_VERIFY").is_some_and(|value| !value.is_empty());
    if tls && matches!(endpoint, Endpoint::Tcp(_)) {
        return Err(DockerError::InvalidHost {
            host,
            reason: "DOCKER_TLS_VERIFY is set, and TLS to the daemon is not supported".to_owned(),
        });
    }
    let unreachable = |err: bollard::errors::Error| DockerError::Unreachable {
        host: host.clone(),
        message: err.to_string(),
    };
    // bollard's own limit, in whole seconds, backs up the exact one below.
    let seconds = timeout.as_secs().saturating_add(1);
    let docker = match &endpoint {
        Endpoint::Unix(path) => {
            Docker::connect_with_unix(&path.to_string_lossy(), seconds, API_DEFAULT_VERSION)
        }
        Endpoint::Tcp(authority) => {
            Docker::connect_with_http(&format!("http://{authority}"), seconds, API_DEFAULT_VERSION)
        }
    }
    .map_err(unreachable)?;
    let docker = tokio::time::timeout(timeout, docker.negotiate_version())
        .await
        .map_err(|_| no_answer(&host, "GET /version", timeout))?
        .map_err(unreachable)?;
    let api_version = docker.client_version().to_string();
    tracing::debug!(host = %host, api_version = %api_version, "connected to the Docker daemon");
    Ok(Engine {
        docker,
        endpoint,
        host,
        api_version,
        timeout,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_the_host_in_order() {
        let cases: &[(Option<&str>, Option<&str>, &str)] = &[
            (None, None, DEFAULT_DOCKER_HOST),
            (None, Some(""), DEFAULT_DOCKER_HOST),
            (Some(""), Some("  "), DEFAULT_DOCKER_HOST),
            (
                None,
                Some("unix:///run/user/1000/docker.sock"),
                "unix:///run/user/1000/docker.sock",
            ),
            (
                Some("tcp://10.0.0.1:2375"),
                Some("unix:///x.sock"),
                "tcp://10.0.0.1:2375",
            ),
            (Some(""), Some("tcp://10.0.0.1:2375"), "tcp://10.0.0.1:2375"),
        ];
        for (explicit, env, want) in cases {
            assert_eq!(resolve_host(*explicit, *env), *want, "{explicit:?} {env:?}");
        }
    }

    #[test]
    fn parses_hosts() {
        let unix = |p: &str| Ok(Endpoint::Unix(PathBuf::from(p)));
        let tcp = |a: &str| Ok(Endpoint::Tcp(a.to_owned()));
        let cases: Vec<(&str, Result<Endpoint, ()>)> = vec![
            ("unix:///var/run/docker.sock", unix("/var/run/docker.sock")),
            ("/var/run/docker.sock", unix("/var/run/docker.sock")),
            ("tcp://127.0.0.1:2375", tcp("127.0.0.1:2375")),
            ("tcp://127.0.0.1:2375/", tcp("127.0.0.1:2375")),
            ("http://docker:2375", tcp("docker:2375")),
            ("tcp://docker", tcp("docker:2375")),
            ("tcp://[::1]:2376", tcp("[::1]:2376")),
            ("tcp://[::1]", tcp("[::1]:2375")),
            ("unix://", Err(())),
            ("tcp://", Err(())),
            ("tcp://host:port", Err(())),
            ("tcp://host:99999", Err(())),
            ("tcp://host:1/path", Err(())),
            ("https://docker:2376", Err(())),
            ("ssh://me@docker", Err(())),
            ("npipe:////./pipe/docker_engine", Err(())),
            ("docker.sock", Err(())),
        ];
        for (host, want) in cases {
            let got = parse_host(host);
            match (&got, &want) {
                (Ok(got), Ok(want)) => assert_eq!(got, want, "{host}"),
                (Err(err), Err(())) => {
                    assert!(err.is_input_error(), "{host}: {err}");
                    assert!(err.to_string().contains(host), "{host}: {err}");
                }
                _ => panic!("{host}: got {got:?}, want {want:?}"),
            }
        }
    }
}
