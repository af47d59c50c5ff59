//! Reading a parsed document: keys, scalars, paths, trailing comments.

use gantry_yaml::{Node, NodeKind, ScalarStyle, Stream, line_col};

use crate::site::Field;

/// One document of a parsed file, with what the formats need to read it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Doc<'a> {
    /// The whole file.
    pub(crate) src: &'a str,
    /// The parsed file.
    pub(crate) stream: &'a Stream,
    /// 0-based document index.
    pub(crate) index: usize,
    /// The document's root node.
    pub(crate) root: &'a Node,
    /// The file's name (last path component), for formats known by name.
    pub(crate) file_name: &'a str,
}

impl<'a> Doc<'a> {
    /// A field for the scalar `node` at `path`, holding a string.
    pub(crate) fn field(&self, node: &Node, path: &str) -> Option<Field> {
        string_scalar(node)?;
        self.slot(node, path)
    }

    /// A field for any scalar but a block scalar, empty or tagged ones too:
    /// a `tag:` or `digest:` left empty is still the place to write to (and
    /// a tagged one is refused by the editor, with its line).
    pub(crate) fn slot(&self, node: &Node, path: &str) -> Option<Field> {
        let value = match &node.kind {
            NodeKind::Scalar { style, value, .. }
                if !matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) =>
            {
                value.as_str()
            }
            _ => return None,
        };
        let (line, column) = line_col(self.src, node.span.start);
        Some(Field {
            path: path.to_owned(),
            value: value.to_owned(),
            line,
            column,
        })
    }

    /// The text of the comment on the same line right after `node`, without
    /// the `#` and surrounding spaces.
    /// Only scalars have one: the comment after a nested mapping's last
    /// value belongs to that value.
    pub(crate) fn trailing_comment(&self, node: &Node) -> Option<&'a str> {
        if !matches!(node.kind, NodeKind::Scalar { .. }) {
            return None;
        }
        let comments = &self.stream.comments;
        let at = comments.partition_point(|c| c.start < node.span.end);
        let comment = comments.get(at)?;
        let between = self.src.get(node.span.end..comment.start)?;
        if between.contains('\n') {
            return None;
        }
        let text = self.src.get(comment.clone())?;
        Some(text.trim_start_matches('#').trim())
    }

    /// `kind` of a Kubernetes object, if the document is one.
    pub(crate) fn kind(&self) -> Option<&'a str> {
        get(self.root, "kind").and_then(string_scalar)
    }

    /// `apiVersion` of a Kubernetes object.
    pub(crate) fn api_version(&self) -> Option<&'a str> {
        get(self.root, "apiVersion").and_then(string_scalar)
    }
}

/// The value of `key` in mapping `node` (the first, if it repeats: the
/// edit itself refuses a repeated key on its path).
pub(crate) fn get<'n>(node: &'n Node, key: &str) -> Option<&'n Node> {
    entries(node)
        .iter()
        .find(|(k, _)| string_scalar(k) == Some(key))
        .map(|(_, v)| v)
}

/// The entries of a mapping (empty for anything else).
pub(crate) fn entries(node: &Node) -> &[(Node, Node)] {
    match &node.kind {
        NodeKind::Mapping { entries, .. } => entries,
        _ => &[],
    }
}

/// The items of a sequence (empty for anything else).
pub(crate) fn items(node: &Node) -> &[Node] {
    match &node.kind {
        NodeKind::Sequence { items, .. } => items,
        _ => &[],
    }
}

/// The value of a scalar that a reader takes as a string: not a block
/// scalar, not empty, no tag other than `!!str`.
pub(crate) fn string_scalar(node: &Node) -> Option<&str> {
    match &node.kind {
        NodeKind::Scalar { style, value, .. }
            if !matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
                && !value.is_empty()
                && node.tag.as_deref().is_none_or(|t| t == "!!str") =>
        {
            Some(value)
        }
        _ => None,
    }
}

/// Any scalar's value, including block scalars' raw text.
pub(crate) fn any_scalar(node: &Node) -> Option<&str> {
    match &node.kind {
        NodeKind::Scalar { value, .. } => Some(value),
        _ => None,
    }
}

/// `base.key`, quoting the key when the path language needs it.
pub(crate) fn key_path(base: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '/' | '$' | '@' | ':'));
    match (base.is_empty(), plain) {
        (true, true) => key.to_owned(),
        (false, true) => format!("{base}.{key}"),
        (_, false) => format!(
            "{base}[\"{}\"]",
            key.replace('\\', "\\\\").replace('"', "\\\"")
        ),
    }
}

/// `base[i]`.
pub(crate) fn index_path(base: &str, i: usize) -> String {
    format!("{base}[{i}]")
}
