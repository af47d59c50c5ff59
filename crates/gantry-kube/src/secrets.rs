//! The credentials a client reads (kubeconfig tokens, passwords, client
//! keys, auth-provider tokens) or is handed at request time (an exec
//! plugin's or a token file's token), recorded so the binary can mask them
//! (`::add-mask::` and redaction) before anything prints.
//!
//! Tokens an exec plugin or a token file gives are only ever seen in the
//! `Authorization` header of a request: [`TapLayer`] sits below kube's
//! auth layer and records each new one.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use base64::Engine as _;
use http::Request;
use kube::config::{AuthInfo, Kubeconfig};
use secrecy::ExposeSecret;
use tower::{Layer, Service};

/// A credential to mask.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Credential {
    /// A token, key or password, masked as is.
    Secret(String),
    /// HTTP Basic credentials: the password and the base64 `user:password`
    /// are secrets (`Printer::mask_basic_auth`).
    BasicAuth {
        /// The user name (not a secret by itself).
        user: String,
        /// The password.
        password: String,
    },
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Secret(_) => f.write_str("Secret(***)"),
            Credential::BasicAuth { user, .. } => write!(f, "BasicAuth({user}:***)"),
        }
    }
}

/// Where a client records the credentials it reads; shared by clones.
/// [`SecretSink::take`] hands over the ones not taken yet.
#[derive(Clone, Default)]
pub struct SecretSink(Arc<Mutex<Sink>>);

#[derive(Default)]
struct Sink {
    seen: BTreeSet<Credential>,
    pending: Vec<Credential>,
}

impl fmt::Debug for SecretSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sink = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        write!(f, "SecretSink({} recorded)", sink.seen.len())
    }
}

impl SecretSink {
    /// The credentials recorded since the last call.
    pub fn take(&self) -> Vec<Credential> {
        std::mem::take(
            &mut self
                .0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pending,
        )
    }

    pub(crate) fn add(&self, credential: Credential) {
        let empty = match &credential {
            Credential::Secret(s) => s.trim().is_empty(),
            Credential::BasicAuth { password, .. } => password.is_empty(),
        };
        if empty {
            return;
        }
        let mut sink = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if sink.seen.insert(credential.clone()) {
            sink.pending.push(credential);
        }
    }

    pub(crate) fn secret(&self, value: &str) {
        self.add(Credential::Secret(value.to_owned()));
    }

    /// Every credential of a kubeconfig's users, the ones no context uses
    /// included (a mistake in the file must not show any of them).
    pub(crate) fn record_kubeconfig(&self, file: &Kubeconfig) {
        for named in &file.auth_infos {
            if let Some(info) = &named.auth_info {
                self.record_auth_info(info);
            }
        }
    }

    pub(crate) fn record_auth_info(&self, info: &AuthInfo) {
        if let Some(token) = &info.token {
            self.secret(token.expose_secret());
        }
        if let Some(key) = &info.client_key_data {
            self.secret(key.expose_secret());
        }
        if let Some(password) = &info.password {
            self.add(Credential::BasicAuth {
                user: info.username.clone().unwrap_or_default(),
                password: password.expose_secret().to_owned(),
            });
        }
        if let Some(provider) = &info.auth_provider {
            for (key, value) in &provider.config {
                let key = key.to_ascii_lowercase();
                if ["token", "secret", "password"]
                    .iter()
                    .any(|word| key.contains(word))
                {
                    self.secret(value);
                }
            }
        }
    }

    /// The credential an `Authorization` header value carries.
    pub(crate) fn record_header(&self, value: &str) {
        let value = value.trim();
        let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
        let rest = rest.trim();
        if scheme.eq_ignore_ascii_case("bearer") {
            self.secret(rest);
        } else if scheme.eq_ignore_ascii_case("basic") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(rest)
                .ok()
                .and_then(|b| String::from_utf8(b).ok());
            match decoded.as_deref().and_then(|d| d.split_once(':')) {
                Some((user, password)) => self.add(Credential::BasicAuth {
                    user: user.to_owned(),
                    password: password.to_owned(),
                }),
                None => self.secret(rest),
            }
        } else {
            self.secret(value);
        }
    }
}

/// [`Tap`] as a layer.
#[derive(Debug, Clone)]
pub(crate) struct TapLayer(pub(crate) SecretSink);

impl<S> Layer<S> for TapLayer {
    type Service = Tap<S>;

    fn layer(&self, inner: S) -> Tap<S> {
        Tap {
            inner,
            sink: self.0.clone(),
        }
    }
}

/// Records the credential of each request's `Authorization` header.
#[derive(Debug, Clone)]
pub(crate) struct Tap<S> {
    inner: S,
    sink: SecretSink,
}

impl<S, B> Service<Request<B>> for Tap<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> S::Future {
        if let Some(value) = request
            .headers()
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        {
            self.sink.record_header(value);
        }
        self.inner.call(request)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn kubeconfig_credentials_are_recorded_once() {
        let file = Kubeconfig::from_yaml(
            "users:
- name: a
  user:
    token: tok-123456
- name: b
  user:
    username: admin
    password: pw-123456
- name: c
  user:
    client-key-data: a2V5LWRhdGE=
- name: d
  user:
    auth-provider:
      name: oidc
      config:
        id-token: idt-123456
        refresh-token: rt-123456
        client-id: not-secret
- name: e
  user:
    token: tok-123456
",
        )
        .unwrap();
        let sink = SecretSink::default();
        sink.record_kubeconfig(&file);
        let got = sink.take();
        let secrets: Vec<String> = got
            .iter()
            .map(|c| match c {
                Credential::Secret(s) => s.clone(),
                Credential::BasicAuth { user, password } => format!("{user}:{password}"),
            })
            .collect();
        for want in [
            "tok-123456",
            "admin:pw-123456",
            "a2V5LWRhdGE=",
            "idt-123456",
            "rt-123456",
        ] {
            assert_eq!(
                secrets.iter().filter(|s| *s == want).count(),
                1,
                "{want} in {secrets:?}"
            );
        }
        assert!(!secrets.iter().any(|s| s == "not-secret"), "{secrets:?}");
        assert!(sink.take().is_empty(), "taken once");
        assert!(!format!("{got:?}").contains("tok-123456"));
    }

    #[test]
    fn authorization_headers_give_their_credential() {
        let sink = SecretSink::default();
        sink.record_header("Bearer exec-token-1");
        sink.record_header("Basic dXNlcjpwYXNz");
        sink.record_header("Bearer exec-token-1");
        assert_eq!(
            sink.take(),
            vec![
                Credential::Secret("exec-token-1".into()),
                Credential::BasicAuth {
                    user: "user".into(),
                    password: "pass".into()
                }
            ]
        );
    }
}
