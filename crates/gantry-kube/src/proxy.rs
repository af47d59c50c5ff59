//! The proxy the client reaches the API server through, chosen as kubectl
//! (client-go) chooses one:
//!
//! - the kubeconfig cluster's `proxy-url`, for every request to that
//!   cluster, whatever the environment says;
//! - else `HTTPS_PROXY` (or `https_proxy`) for an `https://` server,
//!   `HTTP_PROXY` (or `http_proxy`) for an `http://` one, unless
//!   `NO_PROXY` (or `no_proxy`) names the server (hyper-util's rules: host
//!   suffixes, IPs, CIDRs, `*`; with Go's `host:port` entries and
//!   `*.example.com`), or the server is `localhost` or a loopback address:
//!   Go never sends those to a proxy from the environment, so a kind
//!   cluster on a runner behind a corporate proxy works with kubectl, and
//!   must with gantry.
//!
//! The client tunnels through the proxy with HTTP CONNECT and speaks TLS to
//! the API server inside the tunnel: the proxy sees `CONNECT host:port` and
//! nothing else. Credentials in the proxy URL (`http://user:pass@host:3128`)
//! go in `Proxy-Authorization`, are recorded for masking, and are never
//! shown ([`gantry_http::display_url`]). Only `http://` proxies: a SOCKS or
//! `https://` proxy is bad input, refused before anything is sent.

use std::error::Error;
use std::net::IpAddr;

use gantry_http::{display_url, display_url_str, url_credentials};
use http::{HeaderValue, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::proxy::matcher::Matcher;
use url::Url;

use crate::secrets::SecretSink;

/// Where a proxy given in the kubeconfig is said to come from.
pub(crate) const KUBECONFIG_ORIGIN: &str = "the kubeconfig's proxy-url";

/// A proxy to tunnel through.
#[derive(Clone)]
pub(crate) struct Proxy {
    /// `http://host:port/`: where to connect, without credentials.
    pub(crate) uri: Uri,
    /// `Basic …` for `Proxy-Authorization`, when the URL has credentials.
    pub(crate) auth: Option<HeaderValue>,
    /// The URL as it may be printed: credentials masked.
    pub(crate) shown: String,
    /// Where it was set: [`KUBECONFIG_ORIGIN`], `$HTTPS_PROXY`, ….
    pub(crate) origin: String,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("shown", &self.shown)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl Proxy {
    /// How messages name the way to the API server:
    /// `through the proxy http://***@10.0.0.9:3128 ($HTTPS_PROXY)`.
    pub(crate) fn via(&self) -> String {
        format!("through the proxy {} ({})", self.shown, self.origin)
    }
}

/// A proxy setting that cannot be used (bad input).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ProxyError {
    /// The kubeconfig's `proxy-url`; the reason starts with the URL.
    Kubeconfig(String),
    /// A variable: `$HTTPS_PROXY`, ….
    Env {
        /// `$HTTPS_PROXY`, `$https_proxy`, `$HTTP_PROXY`, `$http_proxy`.
        variable: String,
        /// Starts with the URL.
        reason: String,
    },
}

/// The proxy variables: the first non-empty of the upper- and lower-case
/// spelling, as Go reads them. No `Debug`: the values hold credentials.
#[derive(Clone, Default)]
pub(crate) struct ProxyEnv {
    https: Option<(&'static str, String)>,
    http: Option<(&'static str, String)>,
    no: String,
}

impl ProxyEnv {
    /// From this process's environment.
    pub(crate) fn from_env() -> ProxyEnv {
        ProxyEnv::from_lookup(|name| std::env::var(name).ok())
    }

    /// From `get` (a variable's value, if set).
    pub(crate) fn from_lookup(get: impl Fn(&str) -> Option<String>) -> ProxyEnv {
        let first = |names: [&'static str; 2]| {
            names.into_iter().find_map(|name| {
                get(name)
                    .map(|v| v.trim().to_owned())
                    .filter(|v| !v.is_empty())
                    .map(|v| (name, v))
            })
        };
        ProxyEnv {
            https: first(["HTTPS_PROXY", "https_proxy"]),
            http: first(["HTTP_PROXY", "http_proxy"]),
            no: first(["NO_PROXY", "no_proxy"])
                .map(|(_, v)| v)
                .unwrap_or_default(),
        }
    }
}

/// The proxy for `server`: the kubeconfig's `proxy_url` if set, else the
/// environment's unless it exempts the server; `None` to connect directly.
/// A proxy URL's credentials are recorded in `secrets` as soon as it is
/// read, whether or not it can be used.
pub(crate) fn choose(
    server: &Uri,
    proxy_url: Option<&str>,
    env: &ProxyEnv,
    secrets: &SecretSink,
) -> Result<Option<Proxy>, ProxyError> {
    if let Some(value) = proxy_url.map(str::trim).filter(|v| !v.is_empty()) {
        return parse(value, KUBECONFIG_ORIGIN, server, secrets)
            .map(Some)
            .map_err(ProxyError::Kubeconfig);
    }
    let chosen = match server.scheme_str() {
        Some("https") => &env.https,
        Some("http") => &env.http,
        _ => &None,
    };
    let Some((name, value)) = chosen else {
        return Ok(None);
    };
    if exempt(server, &env.no) {
        return Ok(None);
    }
    let variable = format!("${name}");
    parse(value, &variable, server, secrets)
        .map(Some)
        .map_err(|reason| ProxyError::Env { variable, reason })
}

/// Whether the environment's proxy is not for `server`: `localhost`, a
/// loopback address, or a `NO_PROXY` match.
fn exempt(server: &Uri, no_proxy: &str) -> bool {
    let Some(host) = server.host() else {
        return true;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback(),
        Ok(IpAddr::V6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    };
    if loopback {
        return true;
    }
    // The matcher only answers for a proxy it has; any will do to ask
    // whether NO_PROXY exempts the server.
    Matcher::builder()
        .all("http://no-proxy.invalid")
        .no(no_proxy_for(no_proxy, port_of(server)))
        .build()
        .intercept(server)
        .is_none()
}

/// `server`'s port, the scheme's when it has none.
fn port_of(server: &Uri) -> u16 {
    server
        .port_u16()
        .unwrap_or(if server.scheme_str() == Some("http") {
            80
        } else {
            443
        })
}

/// `NO_PROXY` as hyper-util's matcher reads it, with what Go adds: an
/// entry with a port (`api.example.com:6443`, `10.0.0.1:6443`,
/// `[fd00::1]:6443`) applies to that port only, and `*.example.com` is
/// `.example.com`.
fn no_proxy_for(list: &str, port: u16) -> String {
    list.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .filter_map(|entry| {
            let (host, only) = split_port(entry);
            if only.is_some_and(|p| p != port) {
                return None;
            }
            let host = host
                .strip_prefix('*')
                .filter(|rest| rest.starts_with('.'))
                .unwrap_or(host);
            Some(host.to_owned())
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// A `NO_PROXY` entry's host and port, if it has one.
fn split_port(entry: &str) -> (&str, Option<u16>) {
    if let Some(rest) = entry.strip_prefix('[')
        && let Some((host, tail)) = rest.split_once(']')
    {
        return (host, tail.strip_prefix(':').and_then(|p| p.parse().ok()));
    }
    match entry.rsplit_once(':') {
        // One colon: `host:port`; more is a bare IPv6 address.
        Some((host, port)) if !host.contains(':') => match port.parse() {
            Ok(port) => (host, Some(port)),
            Err(_) => (entry, None),
        },
        _ => (entry, None),
    }
}

/// A proxy URL, checked; `Err` starts with the URL as it may be printed.
fn parse(value: &str, origin: &str, server: &Uri, secrets: &SecretSink) -> Result<Proxy, String> {
    // Go reads `host:port` as `http://host:port`.
    let full = if value.contains("://") {
        value.to_owned()
    } else {
        format!("http://{value}")
    };
    let url = Url::parse(&full)
        .map_err(|e| format!("{:?} is not a URL ({e})", display_url_str(&full)))?;
    for secret in url_credentials(&url) {
        secrets.secret(&secret);
    }
    let shown = shown(&url);
    match url.scheme() {
        "http" => {}
        "https" => {
            return Err(format!(
                "{shown:?} is an https:// proxy (TLS to the proxy itself), which gantry does not support: give the proxy's http:// address (TLS to the API server runs inside the tunnel either way)"
            ));
        }
        scheme if scheme.starts_with("socks") => {
            return Err(format!(
                "{shown:?} is a SOCKS proxy, which gantry does not support: use an HTTP proxy (one that tunnels with CONNECT, as HTTPS_PROXY names)"
            ));
        }
        _ => return Err(format!("{shown:?} is not an http:// proxy URL")),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{shown:?} has no host"));
    }
    // hyper-util's reading of the URL: the address, and the credentials
    // percent-decoded into `Basic …`.
    let intercept = Matcher::builder()
        .all(full.as_str())
        .build()
        .intercept(server)
        .ok_or_else(|| format!("{shown:?} is not a proxy URL gantry can use"))?;
    let auth = intercept.basic_auth().cloned();
    if let Some(value) = auth.as_ref().and_then(|v| v.to_str().ok()) {
        secrets.record_header(value);
    }
    Ok(Proxy {
        uri: intercept.uri().clone(),
        auth,
        shown,
        origin: origin.to_owned(),
    })
}

/// `http://***@host:3128`: credentials masked, no lone trailing `/`.
fn shown(url: &Url) -> String {
    let text = display_url(url);
    match text.strip_suffix('/') {
        Some(bare) if url.path() == "/" && url.query().is_none() => bare.to_owned(),
        _ => text,
    }
}

/// The URI a tunnel is asked for, with the scheme's port when it has none:
/// hyper-util's tunnel asks the proxy for port 443 then, which is wrong
/// for an `http://` server.
pub(crate) fn with_port(uri: Uri) -> Uri {
    if uri.port().is_some() {
        return uri;
    }
    let Some(host) = uri.host() else {
        return uri;
    };
    let authority = format!("{host}:{}", port_of(&uri));
    let mut parts = uri.clone().into_parts();
    match authority.parse() {
        Ok(authority) => {
            parts.authority = Some(authority);
            Uri::from_parts(parts).unwrap_or(uri)
        }
        Err(_) => uri,
    }
}

/// hyper-util's tunnel error: its type is not exported, only reachable as
/// the error of its `Tunnel`.
type TunnelError = <Tunnel<HttpConnector> as tower::Service<Uri>>::Error;

/// Why the proxy gave no tunnel, in words, if that is what `error` (or
/// one of its sources) is. `with_credentials`: the proxy URL has some.
pub(crate) fn tunnel_failure(
    error: &(dyn Error + 'static),
    with_credentials: bool,
) -> Option<String> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(tunnel) = e.downcast_ref::<TunnelError>() {
            return Some(tunnel_words(tunnel, with_credentials));
        }
        current = e.source();
    }
    None
}

fn tunnel_words(error: &TunnelError, with_credentials: bool) -> String {
    match error {
        TunnelError::ProxyAuthRequired if with_credentials => {
            "the proxy refused its credentials (407 Proxy Authentication Required)".to_owned()
        }
        TunnelError::ProxyAuthRequired => {
            "the proxy asks for credentials (407 Proxy Authentication Required): give them in the proxy URL, http://USER:PASSWORD@HOST:PORT".to_owned()
        }
        TunnelError::TunnelUnsuccessful => {
            "the proxy refused to open a tunnel to the API server (it answered CONNECT with an error)".to_owned()
        }
        TunnelError::TunnelUnexpectedEof => {
            "the proxy closed the connection without answering CONNECT".to_owned()
        }
        TunnelError::ProxyHeadersTooLong => {
            "the proxy's answer to CONNECT is too long (over 8 KiB)".to_owned()
        }
        TunnelError::ConnectFailed(cause) => format!(
            "cannot connect to the proxy: {}",
            crate::error::chain(cause.as_ref())
        ),
        TunnelError::Io(io) => format!("the connection to the proxy failed: {io}"),
        TunnelError::MissingHost => "the API server's URL has no host".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::Credential;

    fn env(vars: &[(&str, &str)]) -> ProxyEnv {
        ProxyEnv::from_lookup(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    /// `Some((proxy uri, origin))`, `None` (direct) or `Err(text)`.
    fn pick(
        server: &str,
        proxy_url: Option<&str>,
        vars: &[(&str, &str)],
    ) -> Result<Option<(String, String)>, String> {
        choose(
            &server.parse().unwrap(),
            proxy_url,
            &env(vars),
            &SecretSink::default(),
        )
        .map(|p| p.map(|p| (p.uri.to_string(), p.origin)))
        .map_err(|e| match e {
            ProxyError::Kubeconfig(reason) => format!("kubeconfig: {reason}"),
            ProxyError::Env { variable, reason } => format!("{variable}: {reason}"),
        })
    }

    type Picked = Result<Option<(String, String)>, String>;

    /// (server, kubeconfig proxy-url, variables, what [`pick`] gives).
    type Row<'a> = (&'a str, Option<&'a str>, &'a [(&'a str, &'a str)], Picked);

    fn via(uri: &str, origin: &str) -> Picked {
        Ok(Some((uri.to_owned(), origin.to_owned())))
    }

    const P: &str = "http://proxy.corp:3128";
    const API: &str = "https://api.example.com:6443";

    #[test]
    fn the_kubeconfig_then_the_environment_as_kubectl_reads_them() {
        let cases: &[Row<'_>] = &[
            (API, None, &[], Ok(None)),
            (
                API,
                None,
                &[("HTTPS_PROXY", P)],
                via("http://proxy.corp:3128/", "$HTTPS_PROXY"),
            ),
            (
                API,
                None,
                &[("https_proxy", P)],
                via("http://proxy.corp:3128/", "$https_proxy"),
            ),
            (
                API,
                None,
                &[("HTTPS_PROXY", "http://upper:1"), ("https_proxy", P)],
                via("http://upper:1/", "$HTTPS_PROXY"),
            ),
            // Empty is unset, as in Go.
            (
                API,
                None,
                &[("HTTPS_PROXY", " "), ("https_proxy", P)],
                via("http://proxy.corp:3128/", "$https_proxy"),
            ),
            // The server's scheme picks the variable.
            (API, None, &[("HTTP_PROXY", P)], Ok(None)),
            (
                "http://api.example.com:8080",
                None,
                &[("HTTP_PROXY", P), ("HTTPS_PROXY", "http://other:1")],
                via("http://proxy.corp:3128/", "$HTTP_PROXY"),
            ),
            // ALL_PROXY is curl's, not kubectl's.
            (API, None, &[("ALL_PROXY", P), ("all_proxy", P)], Ok(None)),
            // `host:port` is `http://host:port`; no port is port 80.
            (
                API,
                None,
                &[("HTTPS_PROXY", "proxy.corp:3128")],
                via("http://proxy.corp:3128/", "$HTTPS_PROXY"),
            ),
            (
                API,
                None,
                &[("HTTPS_PROXY", "http://proxy.corp")],
                via("http://proxy.corp/", "$HTTPS_PROXY"),
            ),
            // The kubeconfig's proxy-url wins, NO_PROXY and loopback or not.
            (
                API,
                Some(P),
                &[("HTTPS_PROXY", "http://other:1")],
                via("http://proxy.corp:3128/", KUBECONFIG_ORIGIN),
            ),
            (
                API,
                Some(P),
                &[("NO_PROXY", "*")],
                via("http://proxy.corp:3128/", KUBECONFIG_ORIGIN),
            ),
            (
                "https://127.0.0.1:6443",
                Some(P),
                &[],
                via("http://proxy.corp:3128/", KUBECONFIG_ORIGIN),
            ),
            (
                API,
                Some(" "),
                &[("HTTPS_PROXY", P)],
                via("http://proxy.corp:3128/", "$HTTPS_PROXY"),
            ),
        ];
        for (server, proxy_url, vars, want) in cases {
            assert_eq!(
                &pick(server, *proxy_url, vars),
                want,
                "{server} {proxy_url:?} {:?}",
                vars.iter().map(|(n, _)| n).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn no_proxy_and_loopback_servers_go_direct() {
        // (server, NO_PROXY, direct?)
        let cases = [
            ("https://127.0.0.1:6443", "", true),
            ("https://127.1.2.3:6443", "", true),
            ("https://[::1]:6443", "", true),
            ("https://[::ffff:127.0.0.1]:6443", "", true),
            ("https://localhost:6443", "", true),
            ("https://LOCALHOST:6443", "", true),
            ("https://10.0.0.1:6443", "", false),
            ("https://[fd00::1]:6443", "", false),
            ("https://localhost.corp:6443", "", false),
            (API, "api.example.com", true),
            (API, "API.Example.COM", true),
            (API, "example.com", true),
            (API, ".example.com", true),
            (API, "*.example.com", true),
            (API, "*", true),
            (API, "other.org, example.com", true),
            (API, "ample.com", false),
            (API, "api.example.com.evil", false),
            (API, "api.example.com:6443", true),
            (API, "api.example.com:443", false),
            ("https://api.example.com", "api.example.com:443", true),
            ("https://10.0.0.1:6443", "10.0.0.1", true),
            ("https://10.0.0.1:6443", "10.0.0.0/8", true),
            ("https://10.0.0.1:6443", "10.0.0.1:6443", true),
            ("https://10.0.0.1:6443", "10.0.0.1:443", false),
            ("https://10.0.0.1:6443", "10.0.0.2,192.168.0.0/16", false),
            ("https://[fd00::1]:6443", "fd00::/8", true),
            ("https://[fd00::1]:6443", "[fd00::1]:6443", true),
            ("https://[fd00::1]:6443", "[fd00::1]:443", false),
        ];
        for (server, no_proxy, direct) in cases {
            let got = pick(server, None, &[("HTTPS_PROXY", P), ("NO_PROXY", no_proxy)]);
            assert_eq!(
                got.clone().unwrap().is_none(),
                direct,
                "{server} NO_PROXY={no_proxy:?}: {got:?}"
            );
        }
        // no_proxy when NO_PROXY is unset.
        assert_eq!(
            pick(
                API,
                None,
                &[("HTTPS_PROXY", P), ("no_proxy", "example.com")]
            ),
            Ok(None)
        );
    }

    #[test]
    fn proxies_gantry_cannot_use_are_named_without_their_credentials() {
        let cases = [
            (
                Some("socks5://u:s3cret@proxy:1080"),
                "",
                "kubeconfig: \"socks5://***@proxy:1080\" is a SOCKS proxy",
            ),
            (
                None,
                "socks5h://proxy:1080",
                "$HTTPS_PROXY: \"socks5h://proxy:1080\" is a SOCKS proxy",
            ),
            (
                None,
                "https://u:s3cret@proxy:3129",
                "$HTTPS_PROXY: \"https://***@proxy:3129\" is an https:// proxy",
            ),
            (
                Some("ftp://proxy:2121"),
                "",
                "kubeconfig: \"ftp://proxy:2121\" is not an http:// proxy URL",
            ),
            (
                Some("http://u:s3cret@[::1"),
                "",
                "kubeconfig: \"http://***@[::1\" is not a URL",
            ),
            (None, "http://", "$HTTPS_PROXY: \"http://\" is not a URL"),
        ];
        for (proxy_url, variable, words) in cases {
            let vars = [("HTTPS_PROXY", variable)];
            let err = pick(API, proxy_url, &vars).unwrap_err();
            assert!(err.starts_with(words), "{proxy_url:?} {variable:?}: {err}");
            assert!(!err.contains("s3cret"), "{err}");
        }
        // Unused, a proxy that cannot be used is no error (as in Go).
        assert_eq!(
            pick(
                "https://127.0.0.1:6443",
                None,
                &[("HTTPS_PROXY", "socks5://x")]
            ),
            Ok(None)
        );
    }

    #[test]
    fn credentials_go_in_proxy_authorization_and_to_the_sink() {
        let sink = SecretSink::default();
        let proxy = choose(
            &API.parse().unwrap(),
            Some("http://corp%5Cme:p%40ss@proxy.corp:3128"),
            &ProxyEnv::default(),
            &sink,
        )
        .unwrap()
        .unwrap();
        assert_eq!(proxy.uri, "http://proxy.corp:3128/");
        assert_eq!(proxy.shown, "http://***@proxy.corp:3128");
        assert_eq!(
            proxy.via(),
            "through the proxy http://***@proxy.corp:3128 (the kubeconfig's proxy-url)"
        );
        // base64 of the percent-decoded `corp\me:p@ss`.
        assert_eq!(
            proxy.auth.as_ref().unwrap().to_str().unwrap(),
            "Basic Y29ycFxtZTpwQHNz"
        );
        let recorded = sink.take();
        for secret in ["p%40ss", "p@ss", "corp%5Cme"] {
            assert!(
                recorded.contains(&Credential::Secret(secret.to_owned())),
                "{secret}: {recorded:?}"
            );
        }
        assert!(recorded.contains(&Credential::BasicAuth {
            user: "corp\\me".to_owned(),
            password: "p@ss".to_owned(),
        }));
        assert!(!format!("{proxy:?}").contains("p@ss"));
    }

    #[test]
    fn tunnels_ask_for_the_schemes_port() {
        for (uri, want) in [
            ("http://api.example.com/x", "http://api.example.com:80/x"),
            ("https://api.example.com", "https://api.example.com:443/"),
            (
                "https://api.example.com:6443/",
                "https://api.example.com:6443/",
            ),
            ("http://[fd00::1]/", "http://[fd00::1]:80/"),
        ] {
            assert_eq!(with_port(uri.parse().unwrap()).to_string(), want);
        }
    }

    #[test]
    fn tunnel_failures_in_words() {
        let io = || std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        let cases = [
            (
                TunnelError::ProxyAuthRequired,
                true,
                "refused its credentials",
            ),
            (
                TunnelError::ProxyAuthRequired,
                false,
                "asks for credentials",
            ),
            (
                TunnelError::TunnelUnsuccessful,
                false,
                "refused to open a tunnel",
            ),
            (TunnelError::TunnelUnexpectedEof, false, "without answering"),
            (TunnelError::ProxyHeadersTooLong, false, "too long"),
            (
                TunnelError::ConnectFailed(Box::new(io())),
                false,
                "cannot connect to the proxy: connection reset",
            ),
            (
                TunnelError::Io(io()),
                false,
                "connection to the proxy failed",
            ),
        ];
        for (error, with_credentials, words) in cases {
            let wrapped = kube::Error::Service(Box::new(error));
            let text = tunnel_failure(&wrapped, with_credentials).unwrap();
            assert!(text.contains(words), "{text}");
        }
        assert_eq!(tunnel_failure(&io(), false), None);
    }
}
