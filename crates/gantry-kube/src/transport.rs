//! The outermost layer of the client stack: every request to the API
//! server ends within its deadline, its answer's body included, reads at
//! most [`MAX_BODY`] bytes, and fails with an error that names the server
//! ([`TransportError`]), so a server that hangs or floods is one clear
//! line, not a hang, an allocation that grows until the process dies, or
//! a log line per retry.
//!
//! The deadline covers the whole exchange (credentials from an exec
//! plugin, connecting, TLS, the headers, the body): this crate makes no
//! watches or other long-lived requests, so an answer still arriving
//! after the deadline is a server that is not answering.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body::{Body, Frame, SizeHint};
use tokio::time::{Instant, Sleep};
use tower::{BoxError, Layer, Service};

/// The most one answer may hold. One object is at most 1.5 MiB in etcd
/// (the API server refuses bigger request bodies than 3 MiB), and lists
/// are read in pages of [`crate::api::PAGE_SIZE`] objects (500 pods are
/// about 5 MiB as JSON), so 16 MiB is room for any real answer and stops a
/// flooding server long before it hurts.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// Why a request got no usable answer, naming the API server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TransportError {
    /// No whole answer within the deadline.
    #[error("the Kubernetes API server at {server} did not answer within {}", seconds(*.after))]
    Timeout { server: String, after: Duration },
    /// An answer bigger than [`MAX_BODY`].
    #[error("the answer of the Kubernetes API server at {server} exceeds {} (read limit)", mib(*.cap))]
    TooLarge { server: String, cap: usize },
    /// Connecting, TLS or HTTP failed.
    #[error("cannot reach the Kubernetes API server at {server}: {reason}")]
    Failed { server: String, reason: String },
}

/// `10 s`, `1.5 s`.
pub(crate) fn seconds(duration: Duration) -> String {
    format!("{} s", duration.as_secs_f64())
}

fn mib(bytes: usize) -> String {
    if bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{bytes} bytes")
    }
}

/// The API server an answer came from (as it may be printed), set on
/// every response as an extension so errors about the answer can name it.
#[derive(Debug, Clone)]
pub(crate) struct ServedBy(pub(crate) String);

/// What every request through the stack is held to.
#[derive(Debug)]
pub(crate) struct Limits {
    /// The API server as it may be printed (no credentials).
    pub(crate) server: String,
    /// The deadline of one request.
    pub(crate) timeout: Duration,
    /// The most an answer's body may hold.
    pub(crate) cap: usize,
    /// How connections reach the server.
    pub(crate) route: Route,
}

/// How connections reach the API server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    Direct,
    /// Tunnelled through a proxy ([`crate::proxy`]), whose URL has
    /// credentials or not.
    Proxy {
        with_credentials: bool,
    },
}

impl Limits {
    fn timed_out(&self) -> BoxError {
        TransportError::Timeout {
            server: self.server.clone(),
            after: self.timeout,
        }
        .into()
    }

    fn too_large(&self) -> BoxError {
        TransportError::TooLarge {
            server: self.server.clone(),
            cap: self.cap,
        }
        .into()
    }

    /// A failure of a layer below, named. kube's own errors (credentials
    /// that cannot be had) pass unchanged: they are not the network's.
    fn failed(&self, error: BoxError) -> BoxError {
        if error.is::<kube::Error>() || error.is::<TransportError>() {
            return error;
        }
        // A proxy that gave no tunnel says so in words, not hyper-util's.
        let tunnel = match self.route {
            Route::Proxy { with_credentials } => {
                crate::proxy::tunnel_failure(error.as_ref(), with_credentials)
            }
            Route::Direct => None,
        };
        TransportError::Failed {
            server: self.server.clone(),
            reason: tunnel.unwrap_or_else(|| crate::error::chain(error.as_ref())),
        }
        .into()
    }
}

/// [`Guard`] as a layer.
#[derive(Debug, Clone)]
pub(crate) struct GuardLayer(pub(crate) Arc<Limits>);

impl<S> Layer<S> for GuardLayer {
    type Service = Guard<S>;

    fn layer(&self, inner: S) -> Guard<S> {
        Guard {
            inner,
            limits: self.0.clone(),
        }
    }
}

/// The service that holds each request to the [`Limits`].
#[derive(Debug, Clone)]
pub(crate) struct Guard<S> {
    inner: S,
    limits: Arc<Limits>,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, BoxError>> + Send>>;

impl<S, Q, B> Service<Request<Q>> for Guard<S>
where
    S: Service<Request<Q>, Response = Response<B>>,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body<Data = Bytes> + Unpin + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response<GuardedBody<B>>;
    type Error = BoxError;
    type Future = BoxFuture<Self::Response>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        let limits = self.limits.clone();
        self.inner
            .poll_ready(cx)
            .map_err(|e| limits.failed(e.into()))
    }

    fn call(&mut self, request: Request<Q>) -> Self::Future {
        let limits = self.limits.clone();
        let deadline = Instant::now() + limits.timeout;
        let answer = self.inner.call(request);
        Box::pin(async move {
            let response = match tokio::time::timeout_at(deadline, answer).await {
                Err(_) => return Err(limits.timed_out()),
                Ok(Err(error)) => return Err(limits.failed(error.into())),
                Ok(Ok(response)) => response,
            };
            let declared = response
                .headers()
                .get(http::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            if declared.is_some_and(|length| length > limits.cap as u64) {
                return Err(limits.too_large());
            }
            let mut response = response;
            response
                .extensions_mut()
                .insert(ServedBy(limits.server.clone()));
            Ok(response.map(|inner| GuardedBody {
                inner,
                read: 0,
                deadline: Box::pin(tokio::time::sleep_until(deadline)),
                limits,
            }))
        })
    }
}

/// An answer's body held to the request's deadline and the read cap.
pub(crate) struct GuardedBody<B> {
    inner: B,
    read: usize,
    deadline: Pin<Box<Sleep>>,
    limits: Arc<Limits>,
}

impl<B> Body for GuardedBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        if this.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(this.limits.timed_out())));
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.read = this.read.saturating_add(data.len());
                    if this.read > this.limits.cap {
                        return Poll::Ready(Some(Err(this.limits.too_large())));
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(error))) => {
                Poll::Ready(Some(Err(this.limits.failed(error.into()))))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The transport error somewhere in `error`'s sources, if any.
pub(crate) fn find<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a TransportError> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<TransportError>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn messages_name_the_server_and_the_limit() {
        let server = "https://10.0.0.1:6443".to_owned();
        let cases = [
            (
                TransportError::Timeout {
                    server: server.clone(),
                    after: Duration::from_millis(1500),
                },
                "the Kubernetes API server at https://10.0.0.1:6443 did not answer within 1.5 s",
            ),
            (
                TransportError::TooLarge {
                    server: server.clone(),
                    cap: MAX_BODY,
                },
                "the answer of the Kubernetes API server at https://10.0.0.1:6443 exceeds 16 MiB (read limit)",
            ),
            (
                TransportError::Failed {
                    server,
                    reason: "connection refused".into(),
                },
                "cannot reach the Kubernetes API server at https://10.0.0.1:6443: connection refused",
            ),
        ];
        for (error, text) in cases {
            assert_eq!(error.to_string(), text);
        }
    }

    #[test]
    fn found_in_a_chain() {
        let inner = TransportError::Failed {
            server: "s".into(),
            reason: "r".into(),
        };
        let outer = kube::Error::Service(Box::new(inner.clone()));
        assert_eq!(find(&outer), Some(&inner));
        let other = kube::Error::LinesCodecMaxLineLengthExceeded;
        assert_eq!(find(&other), None);
    }
}
