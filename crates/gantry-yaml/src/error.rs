//! The one error type of this crate. Every variant that concerns a place in
//! the file carries its 1-based line and column.

/// Why an edit was refused although the path resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefuseReason {
    /// The target is a literal (`|`) or folded (`>`) block scalar.
    BlockScalar,
    /// The target is an alias (`*name`).
    Alias,
    /// The target carries an anchor that an alias elsewhere in the document refers to.
    SharedAnchor,
    /// The target is inside an anchored mapping or sequence that an alias
    /// (`worker: *defaults`) or a merge key (`<<: *defaults`) elsewhere in
    /// the document shares.
    InsideSharedAnchor,
    /// The target is a mapping or a sequence, not a scalar.
    NotScalar,
    /// The target carries a tag other than `!!str` (e.g. `!!int`), so a string cannot go there.
    NonStringTag,
}

impl std::fmt::Display for RefuseReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::BlockScalar => "the value is a block scalar (`|` or `>`); block strings are not edited",
            Self::Alias => "the value is an alias (`*name`); edit the anchored value instead",
            Self::SharedAnchor => {
                "the value is anchored and an alias elsewhere shares it; editing it would change the alias too"
            }
            Self::InsideSharedAnchor => {
                "the value is inside an anchored mapping or sequence (`&name`) that an alias (`*name`) or a merge key (`<<: *name`) elsewhere shares; editing it would change that copy too"
            }
            Self::NotScalar => "the value is a mapping or a sequence, not a scalar",
            Self::NonStringTag => "the value has a tag other than `!!str`; a string cannot be written there",
        })
    }
}

/// Everything that can go wrong while parsing, locating or editing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The input is not UTF-8.
    #[error("line {line}, column {column}: the file is not valid UTF-8")]
    NotUtf8 {
        /// 1-based line of the first invalid byte.
        line: usize,
        /// 1-based column (in characters) of the first invalid byte.
        column: usize,
    },
    /// The input is not YAML this editor understands as YAML at all.
    #[error("line {line}, column {column}: YAML syntax error: {reason}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        reason: String,
    },
    /// Valid YAML, but a construct this editor does not handle, so it refuses the file.
    #[error("line {line}, column {column}: unsupported YAML construct: {reason}")]
    Unsupported {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The construct.
        reason: String,
    },
    /// A Helm/Go template marker `{{` outside a comment: the file is refused.
    #[error(
        "line {line}, column {column}: the file contains a template marker `{{{{`; templated files are not edited"
    )]
    Template {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// The path expression itself is malformed.
    #[error("invalid path `{path}`: {reason}")]
    BadPath {
        /// The path as given.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The document index is out of range.
    #[error("document {doc} does not exist: the file has {count} document(s)")]
    NoSuchDocument {
        /// The 0-based index asked for.
        doc: usize,
        /// How many documents the file has.
        count: usize,
    },
    /// The path does not resolve.
    #[error("line {line}, column {column}: path `{path}` not found in document {doc}: {reason}")]
    NotFound {
        /// The path as given.
        path: String,
        /// 0-based document index.
        doc: usize,
        /// 1-based line of the deepest node reached.
        line: usize,
        /// 1-based column of the deepest node reached.
        column: usize,
        /// Which segment failed and why.
        reason: String,
    },
    /// A key on the path occurs more than once in its mapping.
    #[error("line {line}, column {column}: duplicate key `{key}` on path `{path}`")]
    DuplicateKey {
        /// The path as given.
        path: String,
        /// The duplicated key.
        key: String,
        /// 1-based line of the second occurrence.
        line: usize,
        /// 1-based column of the second occurrence.
        column: usize,
    },
    /// The path resolved, but the value cannot be edited safely.
    #[error("line {line}, column {column}: refusing to edit `{path}`: {reason}")]
    Refused {
        /// The path as given.
        path: String,
        /// 1-based line of the target.
        line: usize,
        /// 1-based column of the target.
        column: usize,
        /// Why.
        reason: RefuseReason,
    },
    /// An entry cannot be added or removed here without rewriting more than
    /// the entry's own lines.
    #[error("line {line}, column {column}: cannot change the entries of `{path}`: {reason}")]
    Structure {
        /// The path of the mapping or sequence.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Why.
        reason: String,
    },
    /// Two edits touch the same bytes.
    #[error("line {line}, column {column}: two edits overlap")]
    Overlap {
        /// 1-based line of the second edit.
        line: usize,
        /// 1-based column of the second edit.
        column: usize,
    },
    /// Re-parsing the edited text did not show exactly the intended change.
    #[error("verification after editing failed: {reason}")]
    Verify {
        /// What differed.
        reason: String,
    },
}
