//! [`tag_and_push`]: tag a local image with each target and push it
//! through the daemon, streaming progress and reporting the digest.
//!
//! Inspect and tag go through bollard. The push's progress stream is read
//! raw from the Engine API (`POST /images/{name}/push`), because bollard
//! 0.21's typed `PushImageInfo` drops each message's `id` (the layer) and
//! `aux` (`{"Tag","Digest","Size"}`, the pushed digest).

use std::time::Duration;

use gantry_image::{Digest, ImageRef};
use http_body_util::{BodyExt as _, Empty};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

use crate::auth::{RegistryAuth, registry_auth_header};
use crate::connect::{Endpoint, Engine};
use crate::error::DockerError;
use crate::progress::PushProgress;

/// How long a push may go without a progress message before it is given
/// up (the daemon reports progress many times a second while uploading;
/// only a registry committing a huge layer is silent for long).
const PUSH_IDLE_TIMEOUT: Duration = Duration::from_secs(600);

/// Largest error body read from the daemon (its errors are one JSON
/// `{"message": …}` line; more is not the Engine API).
const ERROR_BODY_CAP: usize = 64 * 1024;

/// Longest progress line kept while waiting for its end (each is a small
/// JSON object; a stream without newlines would otherwise grow without
/// bound).
const MAX_PROGRESS_LINE: usize = 1024 * 1024;

/// How long connecting to a `tcp://` daemon may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// One target pushed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// The target reference, as given.
    pub target: ImageRef,
    /// The manifest digest the registry now has under the target's tag
    /// (`sha256:…`).
    pub digest: String,
}

/// Tag the local image `local` (an image ID or a `name:tag` the daemon
/// has) with each of `targets` and push each one, in order.
///
/// Every progress message of each push goes to `progress`. Returns the
/// pushed digest of each target. Fails before anything is tagged or pushed when
/// there are no targets, a target has a digest, or the daemon does not
/// have `local` ([`DockerError::ImageNotFound`]); a failed push names its
/// target ([`DockerError::Push`]).
pub async fn tag_and_push(
    engine: &Engine,
    local: &str,
    targets: &[ImageRef],
    auth: &dyn RegistryAuth,
    progress: &mut dyn FnMut(PushProgress),
) -> Result<Vec<Pushed>, DockerError> {
    if targets.is_empty() {
        return Err(DockerError::NoTargets {
            image: local.to_owned(),
        });
    }
    for target in targets {
        if target.digest().is_some() {
            return Err(DockerError::InvalidTarget {
                target: target.to_string(),
                reason: "a push needs a tag, not a digest".to_owned(),
            });
        }
    }
    let id = inspect(engine, local).await?;
    for target in targets {
        tag(engine, &id, target).await?;
    }
    let mut pushed = Vec::with_capacity(targets.len());
    for target in targets {
        let digest = push(engine, target, auth, progress).await?;
        tracing::info!(target = %target, digest = %digest, "pushed");
        pushed.push(Pushed {
            target: target.clone(),
            digest,
        });
    }
    Ok(pushed)
}

/// The ID of `local` in the daemon.
async fn inspect(engine: &Engine, local: &str) -> Result<String, DockerError> {
    let not_found = || DockerError::ImageNotFound {
        image: local.to_owned(),
    };
    // bollard puts the name into the URL path as is: refuse what cannot be
    // an image name or ID rather than send `?` or `#` to the daemon.
    let plausible = !local.is_empty()
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-/:@".contains(c));
    if !plausible {
        return Err(not_found());
    }
    let inspected = engine
        .within(&format!("inspect image `{local}`"), async {
            Ok(engine.docker().inspect_image(local).await)
        })
        .await?;
    match inspected {
        Ok(image) => image.id.ok_or_else(|| DockerError::Daemon {
            action: format!("inspect image `{local}`"),
            message: "the answer has no image ID".to_owned(),
        }),
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => Err(not_found()),
        Err(err) => Err(daemon_error(
            engine,
            format!("inspect image `{local}`"),
            err,
        )),
    }
}

/// Tag image `id` as `target` (no tag means `latest`, as for Docker).
async fn tag(engine: &Engine, id: &str, target: &ImageRef) -> Result<(), DockerError> {
    let options = bollard::query_parameters::TagImageOptionsBuilder::default()
        .repo(&target.normalized_name())
        .tag(target_tag(target))
        .build();
    let action = format!("tag `{target}`");
    engine
        .within(&action, async {
            engine
                .docker()
                .tag_image(id, Some(options))
                .await
                .map_err(|err| daemon_error(engine, action.clone(), err))
        })
        .await
}

fn target_tag(target: &ImageRef) -> &str {
    target.tag().map_or("latest", |tag| tag.as_str())
}

/// A bollard error: the daemon's own error message; unreachable when the
/// connection failed or timed out; else what bollard says.
fn daemon_error(engine: &Engine, action: String, err: bollard::errors::Error) -> DockerError {
    use bollard::errors::Error;
    match err {
        Error::DockerResponseServerError { message, .. } => DockerError::Daemon { action, message },
        Error::IOError { .. }
        | Error::HyperResponseError { .. }
        | Error::HyperLegacyError { .. }
        | Error::RequestTimeoutError
        | Error::SocketNotFoundError(_) => DockerError::Unreachable {
            host: engine.host().to_owned(),
            message: format!("{action}: {err}"),
        },
        other => DockerError::Daemon {
            action,
            message: other.to_string(),
        },
    }
}

/// Push `target` and return its digest.
async fn push(
    engine: &Engine,
    target: &ImageRef,
    auth: &dyn RegistryAuth,
    progress: &mut dyn FnMut(PushProgress),
) -> Result<String, DockerError> {
    let shown = target.to_string();
    let push_error = |message: String| DockerError::Push {
        target: shown.clone(),
        message,
    };
    let tag = target_tag(target);
    let registry = target.registry();
    let path = format!(
        "/v{}/images/{}/push?tag={}",
        engine.api_version(),
        percent_encode(&target.normalized_name()),
        percent_encode(tag),
    );
    let header = registry_auth_header(registry, auth.credentials_for(registry));
    let host_header = match engine.endpoint() {
        Endpoint::Unix(_) => "docker",
        Endpoint::Tcp(authority) => authority.as_str(),
    };
    let request = Request::post(&path)
        .header(hyper::header::HOST, host_header)
        .header("X-Registry-Auth", header)
        .body(Empty::<Bytes>::new())
        .map_err(|err| push_error(format!("cannot build the request: {err}")))?;

    let what = format!("push `{shown}`");
    let response = engine
        .within(&what, async {
            send(engine, request)
                .await
                .map_err(|message| DockerError::Unreachable {
                    host: engine.host().to_owned(),
                    message: format!("{what}: {message}"),
                })
        })
        .await?;
    let status = response.status();
    let mut body = response.into_body();
    if !status.is_success() {
        let bytes = engine
            .within(&what, async {
                Ok(http_body_util::Limited::new(body, ERROR_BODY_CAP)
                    .collect()
                    .await
                    .map(|collected| collected.to_bytes())
                    .unwrap_or_default())
            })
            .await?;
        return Err(push_error(format!(
            "the daemon answered {status}: {}",
            daemon_message(&bytes)
        )));
    }

    let mut stream = PushStream::new(tag);
    let mut buffer: Vec<u8> = Vec::new();
    loop {
        let Ok(frame) = tokio::time::timeout(PUSH_IDLE_TIMEOUT, body.frame()).await else {
            return Err(push_error(format!(
                "the daemon sent no progress for {} s",
                PUSH_IDLE_TIMEOUT.as_secs()
            )));
        };
        let Some(frame) = frame else {
            break;
        };
        let frame = frame.map_err(|err| push_error(format!("the progress stream broke: {err}")))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        buffer.extend_from_slice(&data);
        while let Some(end) = buffer.iter().position(|byte| *byte == b'\n') {
            let line: Vec<u8> = buffer.drain(..=end).collect();
            stream.line(&line, &shown, progress).map_err(&push_error)?;
        }
        if buffer.len() > MAX_PROGRESS_LINE {
            return Err(push_error(format!(
                "the daemon sent a progress line longer than {} KiB",
                MAX_PROGRESS_LINE / 1024
            )));
        }
    }
    stream
        .line(&buffer, &shown, progress)
        .map_err(&push_error)?;
    stream.digest().ok_or_else(|| DockerError::NoDigest {
        target: shown.clone(),
    })
}

/// Send `request` on a fresh connection to the daemon.
async fn send(
    engine: &Engine,
    request: Request<Empty<Bytes>>,
) -> Result<Response<Incoming>, String> {
    match engine.endpoint() {
        Endpoint::Unix(path) => {
            let stream = tokio::net::UnixStream::connect(path)
                .await
                .map_err(|err| format!("cannot connect to {}: {err}", path.display()))?;
            send_on(stream, request).await
        }
        Endpoint::Tcp(authority) => {
            let stream = tokio::time::timeout(
                CONNECT_TIMEOUT,
                tokio::net::TcpStream::connect(authority.as_str()),
            )
            .await
            .map_err(|_| format!("cannot connect to {authority} within {CONNECT_TIMEOUT:?}"))?
            .map_err(|err| format!("cannot connect to {authority}: {err}"))?;
            send_on(stream, request).await
        }
    }
}

async fn send_on<S>(stream: S, request: Request<Empty<Bytes>>) -> Result<Response<Incoming>, String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|err| err.to_string())?;
    tokio::spawn(async move {
        if let Err(err) = connection.await {
            tracing::debug!(error = %err, "Docker daemon connection closed with an error");
        }
    });
    sender
        .send_request(request)
        .await
        .map_err(|err| err.to_string())
}

/// `{"message": "…"}` from an Engine API error body, else the body.
fn daemon_message(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|value| value.get("message")?.as_str().map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_owned())
}

/// Percent-encode all but unreserved characters, `/` and `:` (so
/// `127.0.0.1:5000/acme/api` stays readable; `[::1]` is encoded).
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/:".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The state of one push's progress stream: the digest seen so far.
#[derive(Debug)]
struct PushStream<'a> {
    tag: &'a str,
    aux_digest: Option<String>,
    status_digest: Option<String>,
}

impl<'a> PushStream<'a> {
    fn new(tag: &'a str) -> Self {
        PushStream {
            tag,
            aux_digest: None,
            status_digest: None,
        }
    }

    /// Handle one line of the stream: report progress, remember a digest,
    /// or fail with the daemon's `errorDetail`.
    fn line(
        &mut self,
        line: &[u8],
        target: &str,
        progress: &mut dyn FnMut(PushProgress),
    ) -> Result<(), String> {
        let text = String::from_utf8_lossy(line);
        let text = text.trim();
        if text.is_empty() {
            return Ok(());
        }
        let message = Message::parse(text)
            .map_err(|err| format!("unreadable progress message `{text}`: {err}"))?;
        if let Some(error) = message.error {
            return Err(error);
        }
        if let Some((tag, digest)) = message.aux
            && tag.as_deref().is_none_or(|tag| tag == self.tag)
            && is_digest(&digest)
        {
            self.aux_digest = Some(digest);
        }
        if let Some(status) = message.status {
            if let Some(digest) = digest_from_status(&status) {
                self.status_digest = Some(digest);
            }
            progress(PushProgress {
                target: target.to_owned(),
                layer: message.id,
                status,
                current: message.current,
                total: message.total,
            });
        }
        Ok(())
    }

    /// The pushed digest: the `aux` message's, else the status line's.
    fn digest(self) -> Option<String> {
        self.aux_digest.or(self.status_digest)
    }
}

/// The parts of a push progress message gantry uses.
#[derive(Debug, Default, PartialEq, Eq)]
struct Message {
    id: Option<String>,
    status: Option<String>,
    current: Option<u64>,
    total: Option<u64>,
    /// `aux.Tag` (if any) and `aux.Digest`.
    aux: Option<(Option<String>, String)>,
    /// `errorDetail.message`, else `error`.
    error: Option<String>,
}

impl Message {
    fn parse(line: &str) -> Result<Message, serde_json::Error> {
        let value: serde_json::Value = serde_json::from_str(line)?;
        let text = |value: Option<&serde_json::Value>| {
            value.and_then(serde_json::Value::as_str).map(str::to_owned)
        };
        let detail = value.get("progressDetail");
        let aux = value.get("aux");
        Ok(Message {
            id: text(value.get("id")),
            status: text(value.get("status")),
            current: detail.and_then(|d| d.get("current")?.as_u64()),
            total: detail.and_then(|d| d.get("total")?.as_u64()),
            aux: text(aux.and_then(|a| a.get("Digest")))
                .map(|digest| (text(aux.and_then(|a| a.get("Tag"))), digest)),
            error: text(value.get("errorDetail").and_then(|e| e.get("message")))
                .or_else(|| text(value.get("error"))),
        })
    }
}

fn is_digest(value: &str) -> bool {
    Digest::parse(value).is_ok()
}

/// The digest in the daemon's final status line,
/// `1.0: digest: sha256:… size: 528`.
fn digest_from_status(status: &str) -> Option<String> {
    let (_, rest) = status.split_once(": digest: ")?;
    let digest = rest.split_whitespace().next()?;
    is_digest(digest).then(|| digest.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    const OTHER: &str = "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

    #[test]
    fn parses_messages() {
        let cases: Vec<(String, Message)> = vec![
            (
                r#"{"status":"The push refers to repository [127.0.0.1:5000/acme/api]"}"#.to_owned(),
                Message {
                    status: Some("The push refers to repository [127.0.0.1:5000/acme/api]".to_owned()),
                    ..Message::default()
                },
            ),
            (
                r#"{"status":"Pushing","progressDetail":{"current":512,"total":2048},"progress":"[==>   ]","id":"5f70bf18a086"}"#.to_owned(),
                Message {
                    id: Some("5f70bf18a086".to_owned()),
                    status: Some("Pushing".to_owned()),
                    current: Some(512),
                    total: Some(2048),
                    ..Message::default()
                },
            ),
            (
                r#"{"status":"Preparing","progressDetail":{},"id":"5f70bf18a086"}"#.to_owned(),
                Message {
                    id: Some("5f70bf18a086".to_owned()),
                    status: Some("Preparing".to_owned()),
                    ..Message::default()
                },
            ),
            (
                format!(r#"{{"progressDetail":{{}},"aux":{{"Tag":"1.0","Digest":"{DIGEST}","Size":528}}}}"#),
                Message {
                    aux: Some((Some("1.0".to_owned()), DIGEST.to_owned())),
                    ..Message::default()
                },
            ),
            (
                r#"{"errorDetail":{"message":"denied: requested access to the resource is denied"},"error":"denied: requested access to the resource is denied"}"#.to_owned(),
                Message {
                    error: Some("denied: requested access to the resource is denied".to_owned()),
                    ..Message::default()
                },
            ),
            (
                r#"{"error":"unauthorized"}"#.to_owned(),
                Message {
                    error: Some("unauthorized".to_owned()),
                    ..Message::default()
                },
            ),
        ];
        for (line, want) in cases {
            assert_eq!(Message::parse(&line).ok(), Some(want), "{line}");
        }
        assert!(Message::parse("not json").is_err());
    }

    #[test]
    fn finds_digests_in_status_lines() {
        let cases: Vec<(String, Option<&str>)> = vec![
            (format!("1.0: digest: {DIGEST} size: 528"), Some(DIGEST)),
            (format!("latest: digest: {DIGEST}"), Some(DIGEST)),
            ("latest: digest: sha256:short size: 1".to_owned(), None),
            ("Pushed".to_owned(), None),
            (format!("digest: {DIGEST}"), None),
        ];
        for (status, want) in cases {
            assert_eq!(digest_from_status(&status).as_deref(), want, "{status}");
        }
    }

    fn run(tag: &str, lines: &[String]) -> (Result<Option<String>, String>, Vec<PushProgress>) {
        let mut seen = Vec::new();
        let mut stream = PushStream::new(tag);
        let mut on_progress = |p: PushProgress| seen.push(p);
        for line in lines {
            if let Err(err) = stream.line(line.as_bytes(), "r/a:1.0", &mut on_progress) {
                return (Err(err), seen);
            }
        }
        (Ok(stream.digest()), seen)
    }

    #[test]
    fn streams_progress_and_prefers_the_aux_digest() {
        let lines = vec![
            r#"{"status":"The push refers to repository [r/a]"}"#.to_owned(),
            r#"{"status":"Preparing","progressDetail":{},"id":"aaa"}"#.to_owned(),
            r#"{"status":"Pushing","progressDetail":{"current":10,"total":20},"id":"aaa"}"#
                .to_owned(),
            "\r\n".to_owned(),
            r#"{"status":"Pushed","progressDetail":{},"id":"aaa"}"#.to_owned(),
            format!(r#"{{"status":"1.0: digest: {OTHER} size: 528"}}"#),
            format!(
                r#"{{"progressDetail":{{}},"aux":{{"Tag":"1.0","Digest":"{DIGEST}","Size":528}}}}"#
            ),
        ];
        let (digest, seen) = run("1.0", &lines);
        assert_eq!(digest, Ok(Some(DIGEST.to_owned())));
        let layers: Vec<_> = seen.iter().map(|p| p.layer.as_deref()).collect();
        assert_eq!(layers, [None, Some("aaa"), Some("aaa"), Some("aaa"), None]);
        assert_eq!((seen[2].current, seen[2].total), (Some(10), Some(20)));
        assert!(seen.iter().all(|p| p.target == "r/a:1.0"));
    }

    #[test]
    fn falls_back_to_the_status_digest() {
        let lines = vec![
            format!(r#"{{"status":"1.0: digest: {OTHER} size: 528"}}"#),
            // An aux message for another tag does not count.
            format!(r#"{{"aux":{{"Tag":"2.0","Digest":"{DIGEST}","Size":528}}}}"#),
        ];
        assert_eq!(run("1.0", &lines).0, Ok(Some(OTHER.to_owned())));
        assert_eq!(run("1.0", &[]).0, Ok(None));
    }

    #[test]
    fn surfaces_error_details() {
        let lines = vec![
            r#"{"status":"Preparing","progressDetail":{},"id":"aaa"}"#.to_owned(),
            r#"{"errorDetail":{"message":"unknown blob"},"error":"unknown blob"}"#.to_owned(),
            format!(r#"{{"status":"1.0: digest: {OTHER} size: 528"}}"#),
        ];
        let (result, seen) = run("1.0", &lines);
        assert_eq!(result, Err("unknown blob".to_owned()));
        assert_eq!(seen.len(), 1);
        let (result, _) = run("1.0", &["{oops".to_owned()]);
        assert!(result.is_err_and(|err| err.contains("unreadable progress message `{oops`")));
    }

    #[test]
    fn encodes_path_parts() {
        assert_eq!(
            percent_encode("127.0.0.1:5000/acme/api"),
            "127.0.0.1:5000/acme/api"
        );
        assert_eq!(percent_encode("[::1]:5000/a"), "%5B::1%5D:5000/a");
        assert_eq!(percent_encode("v1.0_rc-1"), "v1.0_rc-1");
    }
}
