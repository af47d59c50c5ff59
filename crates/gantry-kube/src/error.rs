//! What can go wrong: the user's input (a kubeconfig, a name, a revision:
//! exit 2) or the cluster (unreachable, 5xx, timeouts: exit 3). Every
//! message names the object, e.g. `deployment prod/web`.

use std::time::Duration;

use crate::transport::TransportError;
use crate::undo::UndoError;

/// An error of this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KubeError {
    /// A kubeconfig that cannot be read or used.
    #[error("cannot use the kubeconfig {source_name}: {reason}")]
    Kubeconfig {
        /// The file, or `$KUBECONFIG` / `~/.kube/config`.
        source_name: String,
        /// What is wrong.
        reason: String,
    },

    /// A proxy from the environment (`HTTPS_PROXY`, …) that cannot be
    /// used: a SOCKS or `https://` proxy, a value that is no URL.
    #[error("cannot use the proxy in {variable}: {reason}")]
    Proxy {
        /// `$HTTPS_PROXY`, `$https_proxy`, `$HTTP_PROXY` or `$http_proxy`.
        variable: String,
        /// What is wrong (the URL in it with its credentials masked).
        reason: String,
    },

    /// A `--context` the kubeconfig does not have.
    #[error("the kubeconfig {source_name} has no context {context:?} (it has: {})", list(.known))]
    UnknownContext {
        /// The file, or `$KUBECONFIG` / `~/.kube/config`.
        source_name: String,
        /// The context asked for.
        context: String,
        /// The contexts it has.
        known: Vec<String>,
    },

    /// No kubeconfig was found and this is not a pod in a cluster.
    #[error("no Kubernetes configuration: {reason}")]
    NoConfig {
        /// Why neither a kubeconfig nor the in-cluster configuration works.
        reason: String,
    },

    /// A workload spelled wrongly (`deploymnet/web`).
    #[error("invalid workload {spec:?}: {reason}")]
    WorkloadSpec {
        /// As given.
        spec: String,
        /// What is wrong.
        reason: String,
    },

    /// An image (or `CONTAINER=IMAGE`) the reference parser refuses.
    #[error("invalid image {input:?}: {reason}")]
    InvalidImage {
        /// As given.
        input: String,
        /// What is wrong.
        reason: String,
    },

    /// The object (or its namespace) does not exist.
    #[error("{object} not found")]
    NotFound {
        /// E.g. `deployment prod/web`.
        object: String,
    },

    /// The credentials are refused (401) or lack a permission (403).
    #[error("{object}: access denied (HTTP {status}): {message}")]
    Forbidden {
        /// The object the request was about.
        object: String,
        /// 401 or 403.
        status: u16,
        /// The API server's message.
        message: String,
    },

    /// `set image` naming a container the workload does not have.
    #[error("{object} has no container named {container:?} (containers: {})", list(.known))]
    UnknownContainer {
        /// The workload.
        object: String,
        /// The name asked for.
        container: String,
        /// The containers and init containers it has.
        known: Vec<String>,
    },

    /// An undo that cannot be done (no history, no such revision, a
    /// paused Deployment).
    #[error("{object}: {reason}")]
    Undo {
        /// The Deployment.
        object: String,
        /// Why (not a `source`: it is in the message already, and error
        /// chains would say it twice).
        reason: UndoError,
    },

    /// An object whose content does not fit the operation (an HTTPRoute
    /// without the two backends, a canary Ingress that is not one).
    #[error("{object}: {message}")]
    Invalid {
        /// The object.
        object: String,
        /// What is wrong with it.
        message: String,
    },

    /// `rollout status` on a workload kubectl cannot follow either
    /// (`OnDelete` update strategy).
    #[error("{object}: {message}")]
    Unsupported {
        /// The workload.
        object: String,
        /// kubectl's message.
        message: String,
    },

    /// The API server refused the change as invalid (HTTP 400 or 422),
    /// e.g. an image name it does not accept.
    #[error("{object}: the API server rejected the change (HTTP {status}): {message}")]
    Rejected {
        /// The object.
        object: String,
        /// 400 or 422.
        status: u16,
        /// The API server's message.
        message: String,
    },

    /// Someone else kept changing the object between our read and write.
    #[error("{object}: still conflicting after {attempts} attempts (the object keeps changing)")]
    Conflict {
        /// The object.
        object: String,
        /// How many writes were tried.
        attempts: u32,
    },

    /// The API server answered with an error status (5xx, 429 after the
    /// retries, anything unexpected).
    #[error("{object}: the API server answered HTTP {status}: {message}")]
    Api {
        /// The object.
        object: String,
        /// The HTTP status.
        status: u16,
        /// The API server's message.
        message: String,
    },

    /// An error answer that is not the API server's (no `Status` object):
    /// a proxy, or a server that is not Kubernetes at all.
    #[error(
        "{object}: the server at {server} answered HTTP {status} without a Kubernetes Status object (is it a Kubernetes API server?): {message}"
    )]
    NotKubernetes {
        /// The object the request was about.
        object: String,
        /// The server, as it may be printed.
        server: String,
        /// The HTTP status.
        status: u16,
        /// The first line of its answer.
        message: String,
    },

    /// The API server could not be reached (connection refused, TLS, DNS).
    #[error("{object}: cannot reach the Kubernetes API server at {server}: {reason}")]
    Unreachable {
        /// The object the request was about.
        object: String,
        /// The API server, as it may be printed.
        server: String,
        /// Why.
        reason: String,
    },

    /// One request took longer than allowed.
    #[error("{object}: the Kubernetes API server at {server} did not answer within {}", crate::transport::seconds(*.after))]
    Timeout {
        /// The object the request was about.
        object: String,
        /// The API server, as it may be printed.
        server: String,
        /// The limit.
        after: Duration,
    },

    /// An answer bigger than this crate reads ([`crate::MAX_BODY`]).
    #[error("{object}: the answer of the Kubernetes API server at {server} exceeds {} MiB (read limit)", .cap / (1024 * 1024))]
    TooLarge {
        /// The object the request was about.
        object: String,
        /// The API server, as it may be printed.
        server: String,
        /// The limit, in bytes.
        cap: usize,
    },

    /// The kubeconfig's credentials could not be had at request time (an
    /// exec plugin or a token file that failed).
    #[error("{object}: the kubeconfig's credentials cannot be used: {reason}")]
    Credentials {
        /// The object the request was about.
        object: String,
        /// Why (never the plugin's output).
        reason: String,
    },

    /// The client itself failed (not the network, not the server).
    #[error("{object}: the Kubernetes client failed: {reason}")]
    Client {
        /// The object the request was about.
        object: String,
        /// Why.
        reason: String,
    },

    /// Getting the kubeconfig's credentials (an exec plugin, a token
    /// file) did not finish within the request deadline.
    #[error("cannot use the kubeconfig {source_name}: {reason}")]
    SetupTimeout {
        /// The file, or `$KUBECONFIG` / `~/.kube/config`.
        source_name: String,
        /// What did not finish.
        reason: String,
    },

    /// An answer that is not the object expected.
    #[error("{object}: unexpected answer from the Kubernetes API: {reason}")]
    Decode {
        /// The object.
        object: String,
        /// What was wrong.
        reason: String,
    },
}

impl KubeError {
    /// Whether the input is wrong (exit 2) rather than the cluster or the
    /// network (exit 3).
    pub fn is_input_error(&self) -> bool {
        matches!(
            self,
            KubeError::Kubeconfig { .. }
                | KubeError::Proxy { .. }
                | KubeError::UnknownContext { .. }
                | KubeError::NoConfig { .. }
                | KubeError::WorkloadSpec { .. }
                | KubeError::InvalidImage { .. }
                | KubeError::NotFound { .. }
                | KubeError::Forbidden { .. }
                | KubeError::UnknownContainer { .. }
                | KubeError::Undo { .. }
                | KubeError::Invalid { .. }
                | KubeError::Unsupported { .. }
                | KubeError::Rejected { .. }
                | KubeError::Credentials { .. }
        )
    }

    /// The same error as a traffic shift failure.
    pub fn into_shift_error(self, target: String) -> gantry_traffic::ShiftError {
        let input = self.is_input_error();
        let full = self.to_string();
        // The shift error names the target itself: not twice.
        let message = full
            .strip_prefix(&format!("{target}: "))
            .map(str::to_owned)
            .unwrap_or(full);
        if input {
            gantry_traffic::ShiftError::Invalid { target, message }
        } else {
            gantry_traffic::ShiftError::Failed { target, message }
        }
    }

    /// A kube client error about `object`, classified.
    pub(crate) fn from_kube(object: &str, err: kube::Error) -> KubeError {
        let object = object.to_owned();
        if let Some(transport) = crate::transport::find(&err) {
            return match transport.clone() {
                TransportError::Timeout { server, after } => KubeError::Timeout {
                    object,
                    server,
                    after,
                },
                TransportError::TooLarge { server, cap } => KubeError::TooLarge {
                    object,
                    server,
                    cap,
                },
                TransportError::Failed { server, reason } => KubeError::Unreachable {
                    object,
                    server,
                    reason,
                },
            };
        }
        match err {
            kube::Error::Api(status) => {
                let message = if status.message.is_empty() {
                    status.reason.clone()
                } else {
                    status.message.clone()
                };
                from_status(object, status.code, short(&message))
            }
            kube::Error::SerdeError(err) => KubeError::Decode {
                object,
                reason: err.to_string(),
            },
            kube::Error::FromUtf8(_) => KubeError::Decode {
                object,
                reason: "the answer is not UTF-8".to_owned(),
            },
            kube::Error::Auth(_) => KubeError::Credentials {
                object,
                reason: auth_reason(&err),
            },
            other => KubeError::Client {
                object,
                reason: chain(&other),
            },
        }
    }

    /// Whether trying the same request again may help (429, 5xx, a
    /// connection that failed).
    pub(crate) fn is_transient(&self) -> bool {
        match self {
            KubeError::Api { status, .. } | KubeError::NotKubernetes { status, .. } => {
                matches!(status, 429 | 500 | 502 | 503 | 504)
            }
            KubeError::Unreachable { .. } | KubeError::Timeout { .. } => true,
            // An answer too big once is too big again.
            _ => false,
        }
    }
}

/// An error status from the API server, classified.
pub(crate) fn from_status(object: String, status: u16, message: String) -> KubeError {
    match status {
        404 => KubeError::NotFound { object },
        401 | 403 => KubeError::Forbidden {
            object,
            status,
            message,
        },
        400 | 422 => KubeError::Rejected {
            object,
            status,
            message,
        },
        409 => KubeError::Conflict {
            object,
            attempts: 1,
        },
        _ => KubeError::Api {
            object,
            status,
            message,
        },
    }
}

/// Why kube could not get the credentials, without what could be a
/// secret: an exec plugin's output or environment.
pub(crate) fn auth_reason(error: &kube::Error) -> String {
    use kube::client::AuthError;
    let kube::Error::Auth(auth) = error else {
        return chain(error);
    };
    match auth {
        AuthError::AuthExecRun { out, .. } => format!("the exec plugin failed ({})", out.status),
        AuthError::AuthExecParse(_) => {
            "the exec plugin's output is not an ExecCredential".to_owned()
        }
        AuthError::AuthExecStart(io) => format!("the exec plugin cannot be started: {io}"),
        AuthError::AuthExec(_) => "the exec plugin failed".to_owned(),
        AuthError::ReadTokenFile(io, path) => {
            format!("cannot read the token file {}: {io}", path.display())
        }
        AuthError::InvalidBasicAuth(_) | AuthError::InvalidBearerToken(_) => {
            "a token or password holds characters an HTTP header cannot".to_owned()
        }
        other => chain(other),
    }
}

/// The first line of an API server's message, at most 300 characters: a
/// proxy's HTML error page is not a message.
pub(crate) fn short(message: &str) -> String {
    let line = message.trim().lines().next().unwrap_or_default().trim();
    let mut cut: String = line.chars().take(300).collect();
    if cut.len() < line.len() {
        cut.push('…');
    }
    cut
}

/// An error and its sources on one line, without the wrappers that say
/// nothing (hyper's `client error (Connect)`).
pub(crate) fn chain(err: &dyn std::error::Error) -> String {
    let mut top: &dyn std::error::Error = err;
    while top.to_string().starts_with("client error (")
        && let Some(inner) = top.source()
    {
        top = inner;
    }
    let mut message = top.to_string();
    let mut source = top.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = inner.source();
    }
    message
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified() {
        let cases = [
            (404, true, "deployment prod/web not found"),
            (403, true, "access denied (HTTP 403)"),
            (401, true, "access denied (HTTP 401)"),
            (422, true, "rejected the change (HTTP 422)"),
            (409, false, "still conflicting"),
            (500, false, "answered HTTP 500"),
            (503, false, "answered HTTP 503"),
            (429, false, "answered HTTP 429"),
        ];
        for (status, input, words) in cases {
            let err = from_status("deployment prod/web".into(), status, "boom".into());
            assert_eq!(err.is_input_error(), input, "{status}");
            let text = err.to_string();
            assert!(
                text.contains(words) && text.contains("prod/web"),
                "{status}: {text}"
            );
        }
        assert!(from_status("x".into(), 503, String::new()).is_transient());
        assert!(!from_status("x".into(), 404, String::new()).is_transient());
        assert!(!from_status("x".into(), 501, String::new()).is_transient());
    }

    #[test]
    fn lists_name_what_exists() {
        let err = KubeError::UnknownContainer {
            object: "deployment prod/web".into(),
            container: "app".into(),
            known: vec!["web".into(), "sidecar".into()],
        };
        assert_eq!(
            err.to_string(),
            "deployment prod/web has no container named \"app\" (containers: web, sidecar)"
        );
        let shift = err.into_shift_error("HTTPRoute prod/web".into());
        assert!(shift.is_input_error());
        let shift = KubeError::Unreachable {
            object: "o".into(),
            server: "https://10.0.0.1:6443".into(),
            reason: "refused".into(),
        }
        .into_shift_error("o".into());
        assert!(!shift.is_input_error());
        assert_eq!(
            shift.to_string(),
            "o: cannot reach the Kubernetes API server at https://10.0.0.1:6443: refused",
            "the target once"
        );
    }
}
