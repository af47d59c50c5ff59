//! Format-preserving YAML value editor.
//!
//! Finds scalars by path (see [`parse_path`]) with exact byte spans and
//! replaces only those bytes, keeping the quote style, quoting a new plain value
//! that YAML 1.1 or 1.2 would read as anything but a string (see
//! [`needs_quotes`]), and re-parsing the result to check that nothing but the
//! targeted values changed ([`apply`]).
//!
//! # Design
//!
//! The scanner is our own ([`parse`]), not a parser crate: spans must be exact
//! byte ranges of the written scalar (quotes included, anchor and tag
//! excluded), including the zero-length span of an implicit empty value, and
//! every construct we do not handle must be refused rather than guessed. It
//! covers streams (`%` directives, `---`, `...`, empty documents), BOM, CRLF,
//! no final newline, comments, block and flow mappings and sequences (including
//! sequences not indented under their key and compact `- key: v` items), plain
//! (also multi-line), single- and double-quoted (also multi-line, all escapes)
//! scalars, literal and folded block scalars (only delimited, never edited:
//! their value is their raw text), anchors, aliases and tags.
//!
//! # Refused
//!
//! * Templates: a file with `{{` anywhere outside a comment, including inside
//!   quoted strings and block scalars, is refused ([`Error::Template`]). This
//!   also refuses GitHub workflow files with `${{ }}`.
//! * Targets inside block scalars, aliases as targets, anchored targets that an
//!   alias in the same document uses, and targets inside an anchored mapping
//!   or sequence that an alias or a merge key (`<<: *name`) uses (unless
//!   [`Options::allow_shared_anchor`]; see [`shared_anchor`]),
//!   targets tagged other than `!!str`, non-scalar targets ([`Error::Refused`]).
//! * A key on the path that occurs twice in its mapping ([`Error::DuplicateKey`];
//!   duplicates elsewhere are left alone).
//! * Non-UTF-8 input ([`decode`]).
//! * Unsupported YAML ([`Error::Unsupported`]): complex keys (`? `), non-scalar
//!   keys, single-pair mappings inside flow sequences (`[a: b]`), multi-line
//!   keys, tabs inside plain scalars, nesting deeper than 200.
//! * A new value containing `{{` fails verification (the result would be a
//!   template file).

mod atomic;
mod error;
mod parse;
mod path;
mod quote;
mod structure;
mod verify;

use std::ops::Range;

pub use atomic::write_atomic;
pub use error::{Error, RefuseReason};
pub use parse::{Document, Node, NodeKind, ScalarStyle, Stream, decode, line_col, parse};
pub use path::{Segment, parse_path};
pub use quote::{needs_quotes, resolves_to_non_string};
pub use structure::{Added, plan_append_item, plan_insert_entries, plan_remove_entry};

use verify::verify;

/// Options for [`set_scalar_with`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Edit an anchored value even though an alias elsewhere shares it.
    pub allow_shared_anchor: bool,
}

/// Where a path led.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<'s> {
    /// 0-based document index.
    pub doc: usize,
    /// The node.
    pub node: &'s Node,
    /// 1-based line of the node's first byte.
    pub line: usize,
    /// 1-based column of the node's first byte.
    pub column: usize,
}

/// One planned replacement, made by [`set_scalar`], applied by [`apply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// 0-based document index.
    pub doc: usize,
    /// The path as given.
    pub path: String,
    /// The bytes replaced.
    pub span: Range<usize>,
    /// The bytes written in their place.
    pub replacement: String,
    /// The value before.
    pub old_value: String,
    /// The value after.
    pub new_value: String,
    /// 1-based line of the target.
    pub line: usize,
    /// 1-based column of the target.
    pub column: usize,
    /// What kind of change this is (what [`apply`] verifies).
    pub change: Change,
}

/// The kind of an [`Edit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Replace the scalar at `span` with a new value.
    Set,
    /// Add entries at the end of the block mapping whose span starts at
    /// `container` (an offset in the original source).
    Insert {
        /// Start of the mapping's span.
        container: usize,
        /// The keys and values added, in order.
        entries: Vec<(String, Added)>,
    },
    /// Add mapping items at the end of the block sequence whose span starts
    /// at `container`.
    Append {
        /// Start of the sequence's span.
        container: usize,
        /// Each item's keys and values.
        items: Vec<Vec<(String, String)>>,
    },
    /// Remove the entry whose key starts at `key` from the block mapping
    /// whose span starts at `container`.
    Remove {
        /// Start of the mapping's span.
        container: usize,
        /// Start of the removed key's span.
        key: usize,
    },
}

impl Edit {
    /// Whether applying this edit leaves the bytes as they are.
    pub fn is_noop(&self, source: &str) -> bool {
        source.get(self.span.clone()) == Some(self.replacement.as_str())
    }
}

/// Resolve `path` in document `doc` of a parsed stream.
pub fn lookup<'s>(
    src: &str,
    stream: &'s Stream,
    doc: usize,
    path: &str,
) -> Result<Located<'s>, Error> {
    let segments = parse_path(path)?;
    let count = stream.documents.len();
    let document = stream
        .documents
        .get(doc)
        .ok_or(Error::NoSuchDocument { doc, count })?;
    let mut node = &document.root;
    for (i, seg) in segments.iter().enumerate() {
        let (line, column) = line_col(src, node.span.start);
        let not_found = |reason: String| Error::NotFound {
            path: path.to_owned(),
            doc,
            line,
            column,
            reason,
        };
        if let NodeKind::Alias(_) = node.kind {
            return Err(Error::Refused {
                path: path.to_owned(),
                line,
                column,
                reason: RefuseReason::Alias,
            });
        }
        node = match (seg, &node.kind) {
            (Segment::Key(k), NodeKind::Mapping { entries, .. }) => {
                let mut found = None;
                for (key, value) in entries {
                    if scalar_value(key) == Some(k.as_str()) {
                        if found.is_some() {
                            let (line, column) = line_col(src, key.span.start);
                            return Err(Error::DuplicateKey {
                                path: path.to_owned(),
                                key: k.clone(),
                                line,
                                column,
                            });
                        }
                        found = Some(value);
                    }
                }
                found.ok_or_else(|| not_found(format!("no key `{k}` (segment {})", i + 1)))?
            }
            (Segment::Index(n), NodeKind::Sequence { items, .. }) => {
                items.get(*n).ok_or_else(|| {
                    not_found(format!("index {n} out of range: {} item(s)", items.len()))
                })?
            }
            (Segment::Select { key, value }, NodeKind::Sequence { items, .. }) => {
                let hits: Vec<&Node> = items
                    .iter()
                    .filter(|item| match &item.kind {
                        NodeKind::Mapping { entries, .. } => entries.iter().any(|(k, v)| {
                            scalar_value(k) == Some(key.as_str())
                                && scalar_value(v) == Some(value.as_str())
                        }),
                        _ => false,
                    })
                    .collect();
                match hits.as_slice() {
                    [one] => one,
                    [] => return Err(not_found(format!("no item with `{key}` = `{value}`"))),
                    more => {
                        return Err(not_found(format!(
                            "{} items have `{key}` = `{value}`",
                            more.len()
                        )));
                    }
                }
            }
            (seg, _) => {
                let want = match seg {
                    Segment::Key(_) => "a mapping",
                    _ => "a sequence",
                };
                return Err(not_found(format!("segment {} needs {want} here", i + 1)));
            }
        };
    }
    let (line, column) = line_col(src, node.span.start);
    Ok(Located {
        doc,
        node,
        line,
        column,
    })
}

fn scalar_value(node: &Node) -> Option<&str> {
    match &node.kind {
        NodeKind::Scalar { value, .. } => Some(value),
        _ => None,
    }
}

/// Plan setting the scalar at `path` in document `doc` to `new_value`.
pub fn set_scalar(source: &str, doc: usize, path: &str, new_value: &str) -> Result<Edit, Error> {
    set_scalar_with(source, doc, path, new_value, &Options::default())
}

/// [`set_scalar`] with options.
pub fn set_scalar_with(
    source: &str,
    doc: usize,
    path: &str,
    new_value: &str,
    opts: &Options,
) -> Result<Edit, Error> {
    let stream = parse(source)?;
    plan(source, &stream, doc, path, new_value, opts)
}

/// [`set_scalar_with`] on an already parsed stream (parse once, plan many).
pub fn plan(
    source: &str,
    stream: &Stream,
    doc: usize,
    path: &str,
    new_value: &str,
    opts: &Options,
) -> Result<Edit, Error> {
    let found = lookup(source, stream, doc, path)?;
    plan_node(source, stream, doc, found.node, path, new_value, opts)
}

/// Plan setting `node` (a node of document `doc` of `stream`, found by the
/// caller's own walk) to `new_value`. `path` names the node in errors and in
/// the edit.
pub fn plan_node(
    source: &str,
    stream: &Stream,
    doc: usize,
    node: &Node,
    path: &str,
    new_value: &str,
    opts: &Options,
) -> Result<Edit, Error> {
    let (line, column) = line_col(source, node.span.start);
    let refuse = |reason| Error::Refused {
        path: path.to_owned(),
        line,
        column,
        reason,
    };
    let (style, old, in_flow) = match &node.kind {
        NodeKind::Scalar {
            style,
            value,
            in_flow,
        } => (*style, value.clone(), *in_flow),
        NodeKind::Alias(_) => return Err(refuse(RefuseReason::Alias)),
        _ => return Err(refuse(RefuseReason::NotScalar)),
    };
    if let Some(tag) = &node.tag
        && !matches!(tag.as_str(), "!!str" | "!" | "!<tag:yaml.org,2002:str>")
    {
        return Err(refuse(RefuseReason::NonStringTag));
    }
    let mut replacement = match style {
        ScalarStyle::Literal | ScalarStyle::Folded => {
            return Err(refuse(RefuseReason::BlockScalar));
        }
        ScalarStyle::SingleQuoted => quote::in_style(new_value, false),
        ScalarStyle::DoubleQuoted => quote::in_style(new_value, true),
        ScalarStyle::Plain => {
            if needs_quotes(new_value, in_flow) {
                quote::in_style(new_value, stream.quote_balance >= 0)
            } else {
                new_value.to_owned()
            }
        }
    };
    if node.span.is_empty() {
        // An implicit empty value: `key:`, `-`, `{a}`.
        let before = source
            .as_bytes()
            .get(node.span.start.wrapping_sub(1))
            .copied()
            .unwrap_or(b' ');
        let prefix = match before {
            b':' | b'-' => " ",
            b' ' | b'\t' | b'\n' | b'\r' => "",
            _ if node.anchor.is_some() || node.tag.is_some() => " ",
            _ => ": ",
        };
        replacement = format!("{prefix}{replacement}");
    }
    // A value that already holds the new one changes nothing, shared or not.
    let unchanged = source.get(node.span.clone()) == Some(replacement.as_str());
    if !unchanged
        && !opts.allow_shared_anchor
        && let Some(reason) = shared_anchor(stream, doc, node)
    {
        return Err(refuse(reason));
    }
    Ok(Edit {
        doc,
        path: path.to_owned(),
        span: node.span.clone(),
        replacement,
        old_value: old,
        new_value: new_value.to_owned(),
        line,
        column,
        change: Change::Set,
    })
}

/// Whether editing `node` (a node of document `doc` of `stream`) would
/// also change what an alias elsewhere in the document reads: the node's
/// own anchor is aliased ([`RefuseReason::SharedAnchor`]), or the anchor of
/// a mapping or sequence around it is, by an alias or a merge key
/// ([`RefuseReason::InsideSharedAnchor`]).
pub fn shared_anchor(stream: &Stream, doc: usize, node: &Node) -> Option<RefuseReason> {
    let document = stream.documents.get(doc)?;
    if document.aliases.is_empty() {
        return None;
    }
    let aliased = |n: &Node| {
        n.anchor
            .as_ref()
            .is_some_and(|a| document.aliases.iter().any(|x| x == a))
    };
    if aliased(node) {
        return Some(RefuseReason::SharedAnchor);
    }
    // Walk down from the root to the node, noting whether any node on the
    // way is aliased. Nodes are found by address: `node` is borrowed from
    // this very stream.
    fn path_to<'n>(from: &'n Node, target: &Node, chain: &mut Vec<&'n Node>) -> bool {
        if std::ptr::eq(from, target) {
            return true;
        }
        chain.push(from);
        let found = match &from.kind {
            NodeKind::Mapping { entries, .. } => entries
                .iter()
                .any(|(k, v)| path_to(k, target, chain) || path_to(v, target, chain)),
            NodeKind::Sequence { items, .. } => items.iter().any(|i| path_to(i, target, chain)),
            NodeKind::Scalar { .. } | NodeKind::Alias(_) => false,
        };
        if !found {
            chain.pop();
        }
        found
    }
    let mut chain = Vec::new();
    if path_to(&document.root, node, &mut chain) && chain.iter().any(|n| aliased(n)) {
        return Some(RefuseReason::InsideSharedAnchor);
    }
    None
}

/// Apply planned edits (made against `source`), verify the result, return it.
pub fn apply(source: &str, edits: &[Edit]) -> Result<String, Error> {
    let original = parse(source)?;
    apply_parsed(source, &original, edits)
}

/// [`apply`] with `source` already parsed (`original` must be
/// `parse(source)`), to parse each file once before and once after.
pub fn apply_parsed(source: &str, original: &Stream, edits: &[Edit]) -> Result<String, Error> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(source.len() + 64);
    let mut at = 0;
    for e in &sorted {
        if e.span.start < at {
            return Err(Error::Overlap {
                line: e.line,
                column: e.column,
            });
        }
        let Some(between) = source.get(at..e.span.start) else {
            return Err(Error::Overlap {
                line: e.line,
                column: e.column,
            });
        };
        out.push_str(between);
        out.push_str(&e.replacement);
        at = e.span.end;
    }
    out.push_str(source.get(at..).unwrap_or(""));
    for pair in sorted.windows(2) {
        if let [a, b] = pair
            && a.span == b.span
        {
            return Err(Error::Overlap {
                line: b.line,
                column: b.column,
            });
        }
    }
    verify(source, original, &out, &sorted)?;
    Ok(out)
}

/// Convenience: plan and apply one edit, returning the new text.
pub fn set_and_apply(
    source: &str,
    doc: usize,
    path: &str,
    new_value: &str,
) -> Result<String, Error> {
    let edit = set_scalar(source, doc, path, new_value)?;
    apply(source, &[edit])
}
