//! The errors of this crate. Each names the input it is about; those about
//! a place in a file carry its line and column, for annotations.

/// Why a `--set` value is not a valid update.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpdateError {
    /// NAME or NEWREF is not an image reference.
    #[error("invalid image reference `{input}` in `{spec}`: {reason}")]
    BadReference {
        /// The whole `NAME=NEWREF`.
        spec: String,
        /// The part that failed.
        input: String,
        /// Why.
        reason: Box<gantry_image::ParseError>,
    },
    /// NAME carries a tag or a digest.
    #[error(
        "`{name}` in `{spec}` has a tag or digest: NAME names a repository (`ghcr.io/acme/api`), NEWREF says what it becomes"
    )]
    NameWithTag {
        /// The whole `NAME=NEWREF`.
        spec: String,
        /// NAME.
        name: String,
    },
    /// NEWREF has neither tag nor digest.
    #[error("`{new}` in `{spec}` has no tag and no digest: say what to deploy, e.g. `{new}:1.2.3`")]
    NoVersion {
        /// The whole `NAME=NEWREF`.
        spec: String,
        /// NEWREF.
        new: String,
    },
    /// `--require-digest` and NEWREF has no digest.
    #[error("`{new}` in `{spec}` has no digest, and digests are required: use `{new}@sha256:…`")]
    DigestRequired {
        /// The whole `NAME=NEWREF`.
        spec: String,
        /// NEWREF.
        new: String,
    },
    /// Two updates for one image.
    #[error("`{name}` is set twice (`{first}` and `{second}`)")]
    Duplicate {
        /// The image.
        name: String,
        /// The first `--set`.
        first: String,
        /// The second `--set`.
        second: String,
    },
}

/// Why a file cannot be updated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The YAML editor refused or failed.
    #[error(transparent)]
    Yaml(#[from] gantry_yaml::Error),
    /// The image is mentioned inside a block string, which is never edited.
    #[error(
        "line {line}, column {column}: `{image}` appears inside the block string `{path}`; block strings are not edited (move the values to `valuesObject`, or edit them by hand)"
    )]
    InBlockString {
        /// The image of the update.
        image: String,
        /// Path of the block string.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// The update carries only a digest and the site has nowhere to put it.
    #[error(
        "line {line}, column {column}: `{path}` has no `digest` field, so `{new}` cannot be written there; add a digest field or give NEWREF a tag"
    )]
    NoDigestField {
        /// The new reference.
        new: String,
        /// The site.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// A site is a lone tag and the update carries only a digest.
    #[error(
        "line {line}, column {column}: `{path}` holds only the tag of `{image}`, and `{new}` has no tag"
    )]
    NoTag {
        /// The image.
        image: String,
        /// The new reference.
        new: String,
        /// The site.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
}

impl PlanError {
    /// 1-based line and column the error is about, if any.
    pub fn position(&self) -> Option<(usize, usize)> {
        use gantry_yaml::Error as Y;
        match self {
            PlanError::Yaml(e) => match e {
                Y::NotUtf8 { line, column }
                | Y::Syntax { line, column, .. }
                | Y::Unsupported { line, column, .. }
                | Y::Template { line, column }
                | Y::NotFound { line, column, .. }
                | Y::DuplicateKey { line, column, .. }
                | Y::Refused { line, column, .. }
                | Y::Structure { line, column, .. }
                | Y::Overlap { line, column } => Some((*line, *column)),
                Y::BadPath { .. } | Y::NoSuchDocument { .. } | Y::Verify { .. } => None,
            },
            PlanError::InBlockString { line, column, .. }
            | PlanError::NoDigestField { line, column, .. }
            | PlanError::NoTag { line, column, .. } => Some((*line, *column)),
        }
    }
}
