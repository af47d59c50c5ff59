//! gantry-registry: an OCI Distribution API client that resolves, retags
//! and copies manifests without pulling.
//!
//! - [`Client::resolve`]: reference → digest (`HEAD`, falling back to `GET`).
//! - [`Client::retag`]: `GET` the source manifest once and `PUT` the
//!   identical bytes (same `Content-Type`) under each new tag, checking
//!   `Docker-Content-Digest`; `HEAD` first so a re-run writes nothing; a
//!   target in another repository of the same registry gets its blobs by
//!   cross-repository mount. An index stays an index with the same digest.
//! - [`Client::list_tags`]: every tag, following `Link` pagination.
//!
//! Authentication (anonymous, basic, bearer token challenges), credentials
//! ([`CredentialStore`]: explicit, Docker config, credential helpers) and
//! retries ([`RetryPolicy`]: jittered backoff on 429/5xx/timeouts,
//! `Retry-After`; a timed-out request once at most) are handled inside.
//! Every body is read within a cap (manifests 4 MiB, token answers 1 MiB,
//! tag-list pages 16 MiB); a manifest that is not an image manifest or
//! index of a known media type is refused. Every secret read (credentials,
//! bearer tokens) is handed to the caller to mask ([`Revealed`]). Errors say
//! whether the user can fix them ([`Error::is_input_error`], exit 2) or an
//! outside service failed (exit 3); none contains a secret the client put
//! there.
//!
//! ```no_run
//! # async fn run() -> Result<(), gantry_registry::Error> {
//! use gantry_image::{ImageRef, Tag};
//! use gantry_registry::{Client, ClientConfig, CredentialStore, Target};
//!
//! let client = Client::new(ClientConfig {
//!     credentials: CredentialStore::from_docker_config(None)?,
//!     ..ClientConfig::default()
//! })?;
//! let source = ImageRef::parse("ghcr.io/acme/api:sha-1234567")?;
//! let targets = [Target::Tag(Tag::parse("1.2.3")?), Target::Tag(Tag::parse("latest")?)];
//! for outcome in client.retag(&source, &targets).await? {
//!     // outcome.status: Created, or AlreadyTagged on a re-run.
//!     let _ = (outcome.target, outcome.digest, outcome.status);
//! }
//! let pinned = client.resolve(&source).await?; // digest, media type, size
//! # let _ = pinned;
//! # Ok(()) }
//! ```

mod auth;
mod client;
mod credentials;
mod error;
mod ops;
mod retry;

pub use client::{Client, ClientConfig};
pub use credentials::{CredentialStore, Credentials, DOCKER_HUB_SERVER, Revealed, Secret};
pub use error::{Error, Failure, Location, Result};
pub use ops::{
    DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, Descriptor, MANIFEST_ACCEPT, Manifest, OCI_INDEX,
    OCI_MANIFEST, TagOutcome, TagStatus, Target,
};
pub use retry::{RetryPolicy, parse_retry_after};

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: &T) {}
    fn assert_sync<T: Send + Sync>() {}

    #[test]
    fn client_and_futures_are_send() {
        assert_sync::<Client>();
        assert_sync::<Error>();
        let client = Client::new(ClientConfig::default()).unwrap();
        let image = gantry_image::ImageRef::parse("127.0.0.1:1/a:b").unwrap();
        let retag = client.retag(&image, &[]);
        assert_send(&retag);
        let resolve = client.resolve(&image);
        assert_send(&resolve);
        let tags = client.list_tags(&image);
        assert_send(&tags);
    }
}
