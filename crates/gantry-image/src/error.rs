//! Why an image reference did not parse.
//!
//! Every message quotes the whole input between backticks (control
//! characters escaped), says what is wrong and what would be allowed, so the
//! binaries can print it as the single line of an exit-code-2 failure
//! without adding context of their own.

use crate::digest::DigestProblem;
use crate::domain::DomainProblem;
use crate::path::PathProblem;
use crate::reference::MAX_NAME_LENGTH;
use crate::shown::Shown;
use crate::tag::TagProblem;

/// An invalid image reference.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// The input is the empty string.
    #[error("invalid image reference ``: empty")]
    Empty,

    /// The input contains a space, tab, newline or other whitespace.
    #[error(
        "invalid image reference `{}`: contains whitespace; image references have no spaces, \
         tabs or newlines",
        Shown(.input)
    )]
    Whitespace {
        /// The reference as given.
        input: String,
    },

    /// The input starts like a URL (`https://…`).
    #[error(
        "invalid image reference `{}`: image references have no URL scheme; drop `{}://`",
        Shown(.input),
        Shown(.scheme)
    )]
    UrlScheme {
        /// The reference as given.
        input: String,
        /// The text before `://`.
        scheme: String,
    },

    /// The input is 64 lowercase hex digits, which Docker reads as an image ID.
    #[error(
        "invalid image reference `{}`: 64 hexadecimal characters are an image ID, not a \
         repository name",
        Shown(.input)
    )]
    ImageId {
        /// The reference as given.
        input: String,
    },

    /// Nothing before the `:` of a tag or the `@` of a digest.
    #[error(
        "invalid image reference `{}`: no repository name before `{separator}`; a reference \
         starts with a name such as `nginx` or `ghcr.io/acme/app`",
        Shown(.input)
    )]
    MissingName {
        /// The reference as given.
        input: String,
        /// `:` or `@`.
        separator: char,
    },

    /// A bracketed IPv6 registry with nothing after it, e.g. `[::1]:5000`.
    #[error(
        "invalid image reference `{}`: a registry must be followed by `/` and a repository \
         path, e.g. `[::1]:5000/app`",
        Shown(.input)
    )]
    MissingRepository {
        /// The reference as given.
        input: String,
    },

    /// The registry part (`host[:port]`) is malformed.
    #[error(
        "invalid registry `{}` in image reference `{}`: {problem}",
        Shown(.registry),
        Shown(.input)
    )]
    InvalidRegistry {
        /// The reference as given.
        input: String,
        /// The text before the first `/`.
        registry: String,
        /// What is wrong with it.
        problem: DomainProblem,
    },

    /// The repository path is malformed.
    #[error("invalid image reference `{}`: {problem}", Shown(.input))]
    InvalidPath {
        /// The reference as given.
        input: String,
        /// What is wrong with it.
        problem: PathProblem,
    },

    /// The repository path has uppercase letters.
    #[error("invalid image reference `{}`: repository name must be lowercase", Shown(.input))]
    UppercaseRepository {
        /// The reference as given.
        input: String,
    },

    /// The full, normalised name is longer than [`MAX_NAME_LENGTH`].
    #[error(
        "invalid image reference `{}`: the full name has {length} characters (registry \
         included, `docker.io/` or `docker.io/library/` when none is written); at most \
         {MAX_NAME_LENGTH} are allowed",
        Shown(.input)
    )]
    NameTooLong {
        /// The reference as given.
        input: String,
        /// Length of [`ImageRef::normalized_name`](crate::ImageRef::normalized_name).
        length: usize,
    },

    /// The tag after `:` is malformed.
    #[error(
        "invalid tag `{}` in image reference `{}`: {problem}",
        Shown(.tag),
        Shown(.input)
    )]
    InvalidTag {
        /// The reference as given.
        input: String,
        /// The text after the `:`.
        tag: String,
        /// What is wrong with it.
        problem: TagProblem,
    },

    /// The digest after `@` is malformed.
    #[error("invalid digest `{}` in `{}`: {problem}", Shown(.digest), Shown(.input))]
    InvalidDigest {
        /// The reference as given.
        input: String,
        /// The text after the `@`.
        digest: String,
        /// What is wrong with it.
        problem: DigestProblem,
    },
}

impl ParseError {
    /// The reference that failed to parse, as given.
    pub fn input(&self) -> &str {
        match self {
            ParseError::Empty => "",
            ParseError::Whitespace { input }
            | ParseError::UrlScheme { input, .. }
            | ParseError::ImageId { input }
            | ParseError::MissingName { input, .. }
            | ParseError::MissingRepository { input }
            | ParseError::InvalidRegistry { input, .. }
            | ParseError::InvalidPath { input, .. }
            | ParseError::UppercaseRepository { input }
            | ParseError::NameTooLong { input, .. }
            | ParseError::InvalidTag { input, .. }
            | ParseError::InvalidDigest { input, .. } => input,
        }
    }
}
