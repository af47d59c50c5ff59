//! Container image references: parse, normalise and print them.
//!
//! The grammar is distribution/reference's (the library `docker`,
//! containerd and most registries use), so anything `docker pull` accepts
//! parses here, with the same registry, repository, tag and digest:
//!
//! ```text
//! reference := [ registry "/" ] path [ ":" tag ] [ "@" digest ]
//! ```
//!
//! Two rules shape the API:
//!
//! - **The user's spelling is kept.** [`ImageRef`] prints exactly what was
//!   parsed (`parse(s).to_string() == s`), so a manifest patched with a new
//!   tag changes only the tag's bytes.
//! - **Matching is normalised.** `nginx`, `library/nginx`,
//!   `docker.io/library/nginx` and `index.docker.io/library/nginx` are the
//!   same repository ([`ImageRef::same_repository`]), as they are to Docker.
//!
//! ```
//! use gantry_image::{ImageRef, Tag};
//!
//! let image = ImageRef::parse("nginx:1.25")?;
//! assert_eq!(image.normalized(), "docker.io/library/nginx:1.25");
//! assert_eq!(image.with_tag(Tag::parse("1.27")?).to_string(), "nginx:1.27");
//! assert!(image.same_repository(&"index.docker.io/library/nginx".parse()?));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! | module | job |
//! |---|---|
//! | `reference` | [`ImageRef`]: splitting the input, the parts as written |
//! | `normalize` | Docker Hub defaults: `docker.io`, `library/`, familiar names |
//! | `domain` | which first component is a registry, and its `host[:port]` syntax |
//! | `path` | repository path components |
//! | `tag` | [`Tag`] and its rules |
//! | `digest` | [`Digest`] and the accepted algorithms |
//! | `error` | [`ParseError`] and its messages |

mod digest;
mod domain;
mod error;
mod normalize;
mod path;
mod reference;
mod shown;
mod tag;

pub use digest::{Digest, DigestError, DigestProblem, MIN_DIGEST_HEX_LENGTH};
pub use domain::DomainProblem;
pub use error::ParseError;
pub use normalize::{DOCKER_HUB, LEGACY_DOCKER_HUB};
pub use path::PathProblem;
pub use reference::{ImageRef, MAX_NAME_LENGTH};
pub use tag::{MAX_TAG_LENGTH, Tag, TagError, TagProblem};

/// Checks `host[:port]` as the registry part of a reference (a DNS-like
/// host name or IPv4 address, or an IPv6 address in brackets, then an
/// optional numeric port), as settings that name a registry on its own
/// (an insecure-registries list) need.
///
/// ```
/// assert!(gantry_image::check_registry("registry.internal:5000").is_ok());
/// assert!(gantry_image::check_registry("[::1]:5000").is_ok());
/// assert!(gantry_image::check_registry("http://registry.internal").is_err());
/// ```
pub fn check_registry(registry: &str) -> Result<(), DomainProblem> {
    domain::check(registry)
}
