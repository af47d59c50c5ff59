//! [`ImageRef`]: parsing and the parts as the user wrote them.
//!
//! The grammar is distribution/reference's:
//!
//! ```text
//! reference := name [ ":" tag ] [ "@" digest ]
//! name      := [ domain "/" ] path
//! ```
//!
//! The parser is hand-written: it splits the input at its separators (first
//! `@`, then the first `:` after the last `/`, then the first `/`) and then
//! checks each part on its own, which is fast, never backtracks, and lets
//! every error say which part is wrong and why.

use std::fmt;
use std::str::FromStr;

use crate::digest::Digest;
use crate::domain::{self, Candidate};
use crate::error::ParseError;
use crate::path;
use crate::tag::Tag;

/// The most characters the full name of a repository may have: registry,
/// `/` and repository path, normalised (so `docker.io/library/` counts for
/// `nginx`), without tag and digest.
///
/// This is distribution/reference's `RepositoryNameTotalLengthMax` as the
/// OCI distribution spec describes the limit many clients impose
/// (`len("registry.example.com:443/library/ubuntu")`). Counting the
/// normalised name, not the spelling, is what Docker did when it parsed
/// `docker.io/library/…`, and guarantees that [`ImageRef::normalized`]
/// always parses again.
pub const MAX_NAME_LENGTH: usize = 255;

/// A parsed image reference, e.g. `nginx`, `ghcr.io/acme/api:1.4`,
/// `localhost:5000/app@sha256:…`.
///
/// It keeps the user's spelling: [`fmt::Display`] prints the input back
/// byte for byte, and [`domain`](Self::domain), [`path`](Self::path) and
/// [`name`](Self::name) return the parts as written. The normalised forms
/// (`docker.io/library/nginx`) are computed on demand by
/// [`registry`](Self::registry), [`repository`](Self::repository),
/// [`normalized`](Self::normalized) and [`familiar`](Self::familiar).
///
/// Equality and hashing compare the spelling, so `nginx != docker.io/nginx`;
/// use [`same_repository`](Self::same_repository) (or compare
/// [`normalized`](Self::normalized)) to ask whether two references name the
/// same image.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ImageRef {
    /// `[domain "/"] path`, as written.
    name: String,
    /// Byte index where the path starts in `name`: 0 without a domain,
    /// otherwise the domain's length plus one for the `/`.
    path_start: usize,
    tag: Option<Tag>,
    digest: Option<Digest>,
}

impl ImageRef {
    /// Parses an image reference the way `docker pull` reads it.
    pub fn parse(input: &str) -> Result<ImageRef, ParseError> {
        let owned = || input.to_owned();
        if input.is_empty() {
            return Err(ParseError::Empty);
        }
        if input.chars().any(char::is_whitespace) {
            return Err(ParseError::Whitespace { input: owned() });
        }
        if let Some(scheme) = url_scheme(input) {
            // Never valid (`:` then `/` would be an empty port), and common
            // enough when a URL is pasted to deserve its own message.
            return Err(ParseError::UrlScheme {
                input: owned(),
                scheme: scheme.to_owned(),
            });
        }
        if is_image_id(input) {
            // normalize.go ParseNormalizedNamed: Docker reads these as IDs.
            return Err(ParseError::ImageId { input: owned() });
        }

        let (before_digest, digest) = match input.split_once('@') {
            Some((before, digest)) => (before, Some(digest)),
            None => (input, None),
        };
        if before_digest.is_empty() {
            return Err(ParseError::MissingName {
                input: owned(),
                separator: '@',
            });
        }

        // The tag is after the last `/` (a registry port is before the
        // first one), so the first `:` of the last component starts it.
        let (directories, last) = match before_digest.rsplit_once('/') {
            Some((directories, last)) => (Some(directories), last),
            None => (None, before_digest),
        };
        let (last_name, tag) = match last.split_once(':') {
            Some((last_name, tag)) => (last_name, Some(tag)),
            None => (last, None),
        };
        let name = match directories {
            Some(directories) => format!("{directories}/{last_name}"),
            None => last_name.to_owned(),
        };
        if name.is_empty() {
            return Err(ParseError::MissingName {
                input: owned(),
                separator: ':',
            });
        }

        let path_start = split_name(input, &name)?;
        let image = ImageRef {
            name,
            path_start,
            tag: None,
            digest: None,
        };
        let length = image.normalized_name_len();
        if length > MAX_NAME_LENGTH {
            return Err(ParseError::NameTooLong {
                input: owned(),
                length,
            });
        }

        let tag = tag
            .map(|tag| {
                Tag::parse(tag).map_err(|error| ParseError::InvalidTag {
                    input: owned(),
                    tag: tag.to_owned(),
                    problem: error.into_problem(),
                })
            })
            .transpose()?;
        let digest = digest
            .map(|digest| {
                Digest::parse(digest).map_err(|error| ParseError::InvalidDigest {
                    input: owned(),
                    digest: digest.to_owned(),
                    problem: error.into_problem(),
                })
            })
            .transpose()?;

        Ok(ImageRef {
            tag,
            digest,
            ..image
        })
    }

    /// The registry as written (`ghcr.io`, `localhost:5000`), or `None` if
    /// the reference has none (`nginx`, `acme/api`).
    pub fn domain(&self) -> Option<&str> {
        let end = self.path_start.checked_sub(1)?;
        self.name.get(..end)
    }

    /// The repository path as written: `nginx`, `acme/api`, `library/nginx`.
    pub fn path(&self) -> &str {
        self.name.get(self.path_start..).unwrap_or_default()
    }

    /// The tag, if the reference has one. No implicit `latest`.
    pub fn tag(&self) -> Option<&Tag> {
        self.tag.as_ref()
    }

    /// The digest, if the reference has one.
    pub fn digest(&self) -> Option<&Digest> {
        self.digest.as_ref()
    }

    /// Registry and path as written, without tag or digest: `nginx`,
    /// `ghcr.io/acme/api`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The same name and digest with `tag` instead of the current tag.
    pub fn with_tag(&self, tag: Tag) -> ImageRef {
        ImageRef {
            tag: Some(tag),
            ..self.clone()
        }
    }

    /// The same name and tag with `digest` instead of the current digest.
    pub fn with_digest(&self, digest: Digest) -> ImageRef {
        ImageRef {
            digest: Some(digest),
            ..self.clone()
        }
    }

    /// The same reference without its tag (the digest stays).
    pub fn without_tag(&self) -> ImageRef {
        ImageRef {
            tag: None,
            ..self.clone()
        }
    }

    /// The same reference without its digest (the tag stays).
    pub fn without_digest(&self) -> ImageRef {
        ImageRef {
            digest: None,
            ..self.clone()
        }
    }

    /// Appends `:tag` and `@digest`, if present, to `out`.
    pub(crate) fn push_suffix(&self, out: &mut String) {
        if let Some(tag) = &self.tag {
            out.push(':');
            out.push_str(tag.as_str());
        }
        if let Some(digest) = &self.digest {
            out.push('@');
            out.push_str(digest.as_str());
        }
    }
}

/// Decides where the path starts in `name` and checks both parts.
///
/// The first component is a registry exactly when `splitDockerDomain` says
/// so. One refinement: a first component that is a registry only because it
/// has uppercase letters (`Acme/api`) but is no valid host either
/// (`My_Org/api`) is checked as part of the path, which reports the case
/// ("must be lowercase") rather than a bad host name, like Go does.
fn split_name(input: &str, name: &str) -> Result<usize, ParseError> {
    let mut path_start = 0;
    if let Some((first, _)) = name.split_once('/') {
        match domain::candidate(first) {
            Candidate::No => {}
            Candidate::Yes => match domain::check(first) {
                Ok(()) => path_start = first.len() + 1,
                Err(problem) => {
                    return Err(ParseError::InvalidRegistry {
                        input: input.to_owned(),
                        registry: first.to_owned(),
                        problem,
                    });
                }
            },
            Candidate::OnlyByCase => {
                if domain::check(first).is_ok() {
                    path_start = first.len() + 1;
                }
            }
        }
    } else if name.starts_with('[') {
        return Err(ParseError::MissingRepository {
            input: input.to_owned(),
        });
    }

    let path = name.get(path_start..).unwrap_or_default();
    if let Err(problem) = path::check_structure(path) {
        return Err(ParseError::InvalidPath {
            input: input.to_owned(),
            problem,
        });
    }
    if path::has_uppercase(path) {
        return Err(ParseError::UppercaseRepository {
            input: input.to_owned(),
        });
    }
    Ok(path_start)
}

/// The scheme of a URL-like input (`https` in `https://ghcr.io/app`).
fn url_scheme(input: &str) -> Option<&str> {
    let (scheme, _) = input.split_once("://")?;
    let is_scheme = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'));
    is_scheme.then_some(scheme)
}

/// `[a-f0-9]{64}`: what Docker takes for an image ID, not a name.
pub(crate) fn is_image_id(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl FromStr for ImageRef {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ImageRef::parse(s)
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}
