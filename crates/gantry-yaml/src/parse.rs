//! A hand-written scanner for the subset of YAML found in manifests and values
//! files. It builds a light tree whose every node knows its exact byte span in
//! the source. Whatever it does not understand it refuses with
//! [`Error::Unsupported`] or [`Error::Syntax`]; it never guesses.

use std::ops::Range;

use crate::error::Error;

/// How a scalar is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    /// Unquoted.
    Plain,
    /// `'single'`.
    SingleQuoted,
    /// `"double"`.
    DoubleQuoted,
    /// `|` block.
    Literal,
    /// `>` block.
    Folded,
}

/// A parsed node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The node's content bytes (without anchor and tag; quotes included).
    pub span: Range<usize>,
    /// `&name`, if any.
    pub anchor: Option<String>,
    /// The tag as written (`!!str`), if any.
    pub tag: Option<String>,
    /// What the node is.
    pub kind: NodeKind,
}

/// The kinds of node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    /// A mapping; `flow` is true for `{...}`.
    Mapping {
        /// Entries in source order.
        entries: Vec<(Node, Node)>,
        /// Written as `{...}`.
        flow: bool,
    },
    /// A sequence; `flow` is true for `[...]`.
    Sequence {
        /// Items in source order.
        items: Vec<Node>,
        /// Written as `[...]`.
        flow: bool,
    },
    /// A scalar. For block scalars `value` is the raw source text of the span.
    Scalar {
        /// The style.
        style: ScalarStyle,
        /// The decoded value.
        value: String,
        /// Inside a flow collection (affects which plain values need quoting).
        in_flow: bool,
    },
    /// `*name`.
    Alias(String),
}

/// One document of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The root node; an empty document has an empty plain scalar.
    pub root: Node,
    /// Names of every alias used in this document.
    pub aliases: Vec<String>,
}

/// A parsed stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stream {
    /// Documents in order.
    pub documents: Vec<Document>,
    /// Byte spans of every comment (from `#` to the end of its line).
    pub comments: Vec<Range<usize>>,
    /// Number of `"double"` minus number of `'single'` quoted scalars.
    pub quote_balance: isize,
}

/// 1-based line and column (column in characters; a leading BOM is not counted).
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let before = src.get(..offset).unwrap_or("");
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let text = before.get(line_start..).unwrap_or("");
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    (line, text.chars().count() + 1)
}

/// Check the input is UTF-8, returning it as `&str`.
pub fn decode(bytes: &[u8]) -> Result<&str, Error> {
    std::str::from_utf8(bytes).map_err(|e| {
        let good = bytes.get(..e.valid_up_to()).unwrap_or(&[]);
        let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
        let start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(good.get(start..).unwrap_or(&[]))
            .chars()
            .count()
            + 1;
        Error::NotUtf8 { line, column }
    })
}

/// Parse a whole stream. Files with a `{{` outside comments are refused
/// ([`Error::Template`]) even when they would otherwise parse.
pub fn parse(src: &str) -> Result<Stream, Error> {
    let mut p = Parser::new(src);
    let b = src.as_bytes();
    let lone_cr = b
        .iter()
        .enumerate()
        .position(|(i, &c)| c == b'\r' && b.get(i + 1) != Some(&b'\n'));
    if let Some(i) = lone_cr {
        let (line, column) = line_col(src, i);
        return Err(Error::Unsupported {
            line,
            column,
            reason: "a carriage return not followed by a line feed".to_owned(),
        });
    }
    let result = p.stream();
    // A template marker anywhere outside a comment refuses the file, whether
    // or not it parsed: templates are re-rendered, so no byte of them is safe.
    let mut search = 0;
    while let Some(i) = src.get(search..).and_then(|s| s.find("{{")) {
        let at = search + i;
        if !p.comments.iter().any(|c| c.contains(&at)) || result.is_err() {
            let (line, column) = line_col(src, at);
            return Err(Error::Template { line, column });
        }
        search = at + 2;
    }
    let documents = result?;
    Ok(Stream {
        documents,
        comments: p.comments,
        quote_balance: p.quote_balance,
    })
}

struct Parser<'a> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    bom: usize,
    comments: Vec<Range<usize>>,
    aliases: Vec<String>,
    quote_balance: isize,
    depth: usize,
}

const MAX_DEPTH: usize = 200;

fn is_ws(c: u8) -> bool {
    c == b' ' || c == b'\t'
}
fn is_break(c: u8) -> bool {
    c == b'\n' || c == b'\r'
}
/// Whitespace, line break or end of input (0).
fn is_blankz(c: u8) -> bool {
    is_ws(c) || is_break(c) || c == 0
}
fn is_flow_ind(c: u8) -> bool {
    matches!(c, b',' | b'[' | b']' | b'{' | b'}')
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Self {
        let bom = if src.starts_with('\u{feff}') { 3 } else { 0 };
        Self {
            src,
            b: src.as_bytes(),
            pos: bom,
            bom,
            comments: Vec::new(),
            aliases: Vec::new(),
            quote_balance: 0,
            depth: 0,
        }
    }

    fn at(&self, i: usize) -> u8 {
        self.b.get(self.pos + i).copied().unwrap_or(0)
    }
    fn eof(&self) -> bool {
        self.pos >= self.b.len()
    }
    fn text(&self, r: Range<usize>) -> &'a str {
        self.src.get(r).unwrap_or("")
    }
    fn line_start(&self, pos: usize) -> usize {
        let before = self.b.get(..pos).unwrap_or(&[]);
        before
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(self.bom, |i| i + 1)
    }
    fn col(&self, pos: usize) -> usize {
        pos - self.line_start(pos)
    }
    /// Column of the first content byte of a line; tabs in indentation are refused.
    fn indent_col(&self) -> Result<usize, Error> {
        let ls = self.line_start(self.pos);
        if self.eof() || self.is_marker(self.pos) {
            return Ok(self.pos - ls);
        }
        if self
            .b
            .get(ls..self.pos)
            .is_some_and(|ind| ind.contains(&b'\t'))
        {
            return Err(self.err_syntax(ls, "tab character in indentation"));
        }
        Ok(self.pos - ls)
    }

    fn err_syntax(&self, pos: usize, reason: &str) -> Error {
        let (line, column) = line_col(self.src, pos);
        Error::Syntax {
            line,
            column,
            reason: reason.to_owned(),
        }
    }
    fn err_unsupported(&self, pos: usize, reason: &str) -> Error {
        let (line, column) = line_col(self.src, pos);
        Error::Unsupported {
            line,
            column,
            reason: reason.to_owned(),
        }
    }

    fn skip_inline_ws(&mut self) {
        while is_ws(self.at(0)) {
            self.pos += 1;
        }
    }

    /// Record a comment starting at `pos` and move to its line break.
    fn comment(&mut self) {
        let start = self.pos;
        while !is_break(self.at(0)) && !self.eof() {
            self.pos += 1;
        }
        self.comments.push(start..self.pos);
    }

    /// Skip whitespace, line breaks and comments up to the next content byte.
    fn next_content(&mut self) {
        loop {
            let c = self.at(0);
            if is_ws(c) || is_break(c) {
                self.pos += 1;
            } else if c == b'#' && (self.pos == self.line_start(self.pos) || self.prev_is_blank()) {
                self.comment();
            } else {
                return;
            }
        }
    }

    fn prev_is_blank(&self) -> bool {
        self.pos == 0
            || self
                .b
                .get(self.pos - 1)
                .is_none_or(|&c| is_ws(c) || is_break(c))
    }

    /// After inline whitespace: at a comment, a line break or the end?
    fn at_line_end(&self) -> bool {
        let c = self.at(0);
        is_break(c) || c == 0 || (c == b'#' && self.prev_is_blank())
    }

    /// Consume inline whitespace and an optional comment; must end the line.
    fn finish_line(&mut self) -> Result<(), Error> {
        self.skip_inline_ws();
        if self.at(0) == b'#' && self.prev_is_blank() {
            self.comment();
        }
        if is_break(self.at(0)) || self.eof() {
            Ok(())
        } else {
            Err(self.err_syntax(self.pos, "unexpected content after the value"))
        }
    }

    fn is_marker(&self, pos: usize) -> bool {
        pos == self.line_start(pos)
            && matches!(self.b.get(pos..pos + 3), Some(b"---") | Some(b"..."))
            && is_blankz(self.b.get(pos + 3).copied().unwrap_or(0))
    }

    fn stream(&mut self) -> Result<Vec<Document>, Error> {
        let mut docs = Vec::new();
        loop {
            self.next_content();
            if self.eof() {
                break;
            }
            if self.at(0) == b'%' && self.pos == self.line_start(self.pos) {
                // A directive: skip its line.
                while !is_break(self.at(0)) && !self.eof() {
                    self.pos += 1;
                }
                continue;
            }
            let mut explicit = false;
            if self.is_marker(self.pos) {
                if self.at(0) == b'.' {
                    self.pos += 3;
                    self.finish_line()?;
                    continue;
                }
                self.pos += 3;
                explicit = true;
            }
            let empty_at = self.pos;
            self.next_content();
            let root = if self.eof() || self.is_marker(self.pos) {
                if !explicit {
                    break;
                }
                empty_node(empty_at, false)
            } else {
                self.aliases.clear();
                self.block(-1, false)?
            };
            self.next_content();
            if !self.eof() && !self.is_marker(self.pos) {
                return Err(self.err_syntax(self.pos, "unexpected content (bad indentation?)"));
            }
            docs.push(Document {
                root,
                aliases: std::mem::take(&mut self.aliases),
            });
        }
        Ok(docs)
    }

    /// Anchor and tag in any order. Returns them.
    fn props(&mut self) -> (Option<String>, Option<String>) {
        let mut anchor = None;
        let mut tag = None;
        loop {
            let c = self.at(0);
            if (c == b'&' && anchor.is_none()) || (c == b'!' && tag.is_none()) {
                let start = self.pos;
                while !is_blankz(self.at(0)) && !is_flow_ind(self.at(0)) {
                    self.pos += 1;
                }
                if c == b'&' {
                    anchor = Some(self.text(start + 1..self.pos).to_owned());
                } else {
                    tag = Some(self.text(start..self.pos).to_owned());
                }
                self.skip_inline_ws();
            } else {
                return (anchor, tag);
            }
        }
    }

    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err_unsupported(self.pos, "nesting too deep"));
        }
        Ok(())
    }

    /// A block node at the current content position. `parent` is the indent of
    /// the enclosing block collection (-1 at the top). `after_key` forbids a
    /// block collection starting on this line (as in `key: - x`).
    fn block(&mut self, parent: isize, after_key: bool) -> Result<Node, Error> {
        self.enter()?;
        let r = self.block_inner(parent, after_key);
        self.depth -= 1;
        r
    }

    fn block_inner(&mut self, parent: isize, after_key: bool) -> Result<Node, Error> {
        let (anchor, tag) = self.props();
        if anchor.is_some() || tag.is_some() {
            if self.at_line_end() {
                let empty_at = self.pos;
                self.finish_line()?;
                self.next_content();
                let col = self.indent_col()? as isize;
                let seq_here = col == parent && self.is_seq_indicator() && after_key;
                if self.eof() || self.is_marker(self.pos) || (col <= parent && !seq_here) {
                    self.pos = empty_at;
                    return Ok(with_props(empty_node(empty_at, false), anchor, tag));
                }
                let node = if seq_here {
                    self.block_seq(col as usize)?
                } else {
                    self.block(parent, false)?
                };
                return Ok(with_props(node, anchor, tag));
            }
            if matches!(self.at(0), b'&' | b'!') {
                return Err(self.err_syntax(self.pos, "a node has at most one anchor and one tag"));
            }
            let node = self.block_inner(parent, after_key)?;
            return Ok(with_props(node, anchor, tag));
        }
        let start = self.pos;
        let col = self.col(start);
        let c = self.at(0);
        if self.is_seq_indicator() {
            if after_key {
                return Err(self.err_syntax(
                    start,
                    "a block sequence cannot start on the line of its key",
                ));
            }
            return self.block_seq(col);
        }
        if c == b'?' && is_blankz(self.at(1)) {
            return Err(self.err_unsupported(start, "complex mapping keys (`? `)"));
        }
        if c == b'|' || c == b'>' {
            return self.block_scalar(parent);
        }
        // Scalar, flow collection or alias; then see whether a `:` makes it a key.
        let node = self.inline_node(false, Some(parent))?;
        self.skip_inline_ws();
        if self.at(0) == b':' && is_blankz(self.at(1)) {
            if !matches!(node.kind, NodeKind::Scalar { .. }) {
                return Err(self.err_unsupported(start, "only scalar keys are supported"));
            }
            if after_key {
                return Err(self.err_syntax(start, "a mapping cannot start on the line of its key"));
            }
            if self.line_start(start) != self.line_start(self.pos) {
                return Err(self.err_unsupported(start, "multi-line keys"));
            }
            self.pos = start;
            return self.block_map(col);
        }
        Ok(node)
    }

    fn is_seq_indicator(&self) -> bool {
        self.at(0) == b'-' && is_blankz(self.at(1))
    }

    fn block_map(&mut self, indent: usize) -> Result<Node, Error> {
        let start = self.pos;
        let mut entries = Vec::new();
        let mut end;
        loop {
            if self.at(0) == b'?' && is_blankz(self.at(1)) {
                return Err(self.err_unsupported(self.pos, "complex mapping keys (`? `)"));
            }
            let key_start = self.pos;
            let (anchor, tag) = self.props();
            let key = with_props(self.inline_node(false, None)?, anchor, tag);
            if !matches!(key.kind, NodeKind::Scalar { .. }) {
                return Err(self.err_unsupported(key_start, "only scalar keys are supported"));
            }
            self.skip_inline_ws();
            if !(self.at(0) == b':' && is_blankz(self.at(1))) {
                return Err(self.err_syntax(self.pos, "expected `:` after a mapping key"));
            }
            self.pos += 1;
            let value = self.value_after_indicator(indent as isize, true)?;
            end = value.span.end.max(key.span.end + 1);
            entries.push((key, value));
            let save = self.pos;
            self.next_content();
            if self.eof() || self.is_marker(self.pos) {
                self.pos = save;
                break;
            }
            let col = self.indent_col()?;
            if col < indent {
                self.pos = save;
                break;
            }
            if col > indent || self.is_seq_indicator() {
                return Err(self.err_syntax(self.pos, "bad indentation of a mapping entry"));
            }
        }
        Ok(Node {
            span: start..end,
            anchor: None,
            tag: None,
            kind: NodeKind::Mapping {
                entries,
                flow: false,
            },
        })
    }

    fn block_seq(&mut self, indent: usize) -> Result<Node, Error> {
        let start = self.pos;
        let mut items = Vec::new();
        let mut end;
        loop {
            self.pos += 1; // the `-`
            let item = self.value_after_indicator(indent as isize, false)?;
            end = item.span.end.max(start + 1);
            items.push(item);
            let save = self.pos;
            self.next_content();
            if self.eof() || self.is_marker(self.pos) {
                self.pos = save;
                break;
            }
            let col = self.indent_col()?;
            if col < indent || (col == indent && !self.is_seq_indicator()) {
                self.pos = save;
                break;
            }
            if col > indent {
                return Err(self.err_syntax(self.pos, "bad indentation of a sequence entry"));
            }
        }
        Ok(Node {
            span: start..end,
            anchor: None,
            tag: None,
            kind: NodeKind::Sequence { items, flow: false },
        })
    }

    /// The value after `key:` (`in_map`) or `-`, at the current position.
    fn value_after_indicator(&mut self, indent: isize, in_map: bool) -> Result<Node, Error> {
        let empty_at = self.pos;
        self.skip_inline_ws();
        if self.at_line_end() {
            self.finish_line()?;
            self.next_content();
            if self.eof() || self.is_marker(self.pos) {
                self.pos = empty_at;
                return Ok(empty_node(empty_at, false));
            }
            let col = self.indent_col()? as isize;
            if col > indent {
                return self.block(indent, false);
            }
            if col == indent && in_map && self.is_seq_indicator() {
                return self.block_seq(col as usize);
            }
            self.pos = empty_at;
            return Ok(empty_node(empty_at, false));
        }
        let node = self.block(indent, in_map)?;
        if !matches!(
            node.kind,
            NodeKind::Mapping { flow: false, .. } | NodeKind::Sequence { flow: false, .. }
        ) && !matches!(
            node.kind,
            NodeKind::Scalar {
                style: ScalarStyle::Literal | ScalarStyle::Folded,
                ..
            }
        ) {
            self.finish_line()?;
        }
        Ok(node)
    }

    /// Scalar (any non-block style), flow collection or alias on the current line.
    /// `cont` is the parent indent in block context: a plain scalar may then
    /// continue on more-indented lines.
    fn inline_node(&mut self, in_flow: bool, cont: Option<isize>) -> Result<Node, Error> {
        let (anchor, tag) = self.props();
        let start = self.pos;
        let c = self.at(0);
        let node = match c {
            b'[' | b'{' => {
                self.enter()?;
                let n = self.flow_collection();
                self.depth -= 1;
                n?
            }
            b'*' => {
                self.pos += 1;
                while !is_blankz(self.at(0)) && !is_flow_ind(self.at(0)) {
                    self.pos += 1;
                }
                let name = self.text(start + 1..self.pos).to_owned();
                self.aliases.push(name.clone());
                Node {
                    span: start..self.pos,
                    anchor: None,
                    tag: None,
                    kind: NodeKind::Alias(name),
                }
            }
            b'\'' => self.single_quoted(in_flow)?,
            b'"' => self.double_quoted(in_flow)?,
            b'|' | b'>' if in_flow => {
                return Err(self.err_syntax(start, "block scalar inside a flow collection"));
            }
            _ => self.plain(in_flow, cont)?,
        };
        Ok(with_props(node, anchor, tag))
    }

    fn plain(&mut self, in_flow: bool, cont: Option<isize>) -> Result<Node, Error> {
        let start = self.pos;
        let c = self.at(0);
        let starts_ok = match c {
            b'-' | b'?' | b':' => !(is_blankz(self.at(1)) || (in_flow && is_flow_ind(self.at(1)))),
            b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
            | b'"' | b'%' | b'@' | b'`' => false,
            _ => !is_blankz(c),
        };
        if !starts_ok {
            if is_blankz(c) || (in_flow && is_flow_ind(c)) || c == b'#' {
                // Empty value (e.g. `{a: }`, `[a, ]` is handled by the caller).
                return Ok(empty_node(start, in_flow));
            }
            return Err(self.err_syntax(start, "a plain scalar cannot start with this character"));
        }
        let mut end = self.pos;
        loop {
            let c = self.at(0);
            if is_break(c) {
                if let Some(next) = cont.and_then(|parent| self.continuation(parent)) {
                    self.pos = next;
                    continue;
                }
                break;
            }
            if c == 0 {
                break;
            }
            if c == b':' && (is_blankz(self.at(1)) || (in_flow && is_flow_ind(self.at(1)))) {
                break;
            }
            if in_flow && is_flow_ind(c) {
                break;
            }
            if is_ws(c) {
                let mut j = 1;
                while is_ws(self.at(j)) {
                    j += 1;
                }
                if self.at(j) == b'#' || self.at(j) == 0 {
                    break;
                }
                self.pos += j;
                continue;
            }
            self.pos += 1;
            end = self.pos;
        }
        self.pos = end;
        let value = fold_lines(self.text(start..end));
        if value.contains('\t') {
            return Err(self.err_unsupported(start, "tabs inside plain scalars"));
        }
        Ok(Node {
            span: start..end,
            anchor: None,
            tag: None,
            kind: NodeKind::Scalar {
                style: ScalarStyle::Plain,
                value,
                in_flow,
            },
        })
    }

    /// At a line break inside a block plain scalar: the start of its
    /// continuation line, if the next non-blank line continues it.
    fn continuation(&self, parent: isize) -> Option<usize> {
        let mut p = self.pos;
        while let Some(&c) = self.b.get(p) {
            if is_ws(c) || is_break(c) {
                p += 1;
            } else {
                break;
            }
        }
        let c = self.b.get(p).copied()?;
        if c == b'#' || self.is_marker(p) || (self.col(p) as isize) <= parent {
            return None;
        }
        // Tabs in the indentation are not YAML indentation: refuse by not continuing.
        let ls = self.line_start(p);
        if self.b.get(ls..p).is_some_and(|ind| ind.contains(&b'\t')) {
            return None;
        }
        Some(p)
    }

    fn single_quoted(&mut self, in_flow: bool) -> Result<Node, Error> {
        let start = self.pos;
        self.pos += 1;
        let mut raw = String::new();
        loop {
            match self.at(0) {
                0 if self.eof() => {
                    return Err(self.err_syntax(start, "unterminated single-quoted string"));
                }
                b'\'' if self.at(1) == b'\'' => {
                    raw.push('\'');
                    self.pos += 2;
                }
                b'\'' => {
                    self.pos += 1;
                    break;
                }
                _ => {
                    let ch = self
                        .src
                        .get(self.pos..)
                        .and_then(|s| s.chars().next())
                        .unwrap_or('\u{fffd}');
                    raw.push(ch);
                    self.pos += ch.len_utf8();
                }
            }
        }
        self.quote_balance -= 1;
        Ok(Node {
            span: start..self.pos,
            anchor: None,
            tag: None,
            kind: NodeKind::Scalar {
                style: ScalarStyle::SingleQuoted,
                value: fold_lines(&raw),
                in_flow,
            },
        })
    }

    fn double_quoted(&mut self, in_flow: bool) -> Result<Node, Error> {
        let start = self.pos;
        self.pos += 1;
        // Collect segments: text with escapes decoded, where a raw line break
        // is marked so it can be folded afterwards.
        let mut out = String::new();
        // Bytes of `out` that folding must not trim (escaped white space).
        let mut protected = 0;
        loop {
            let c = self.at(0);
            if self.eof() {
                return Err(self.err_syntax(start, "unterminated double-quoted string"));
            }
            match c {
                b'"' => {
                    self.pos += 1;
                    break;
                }
                b'\\' => {
                    let e = self.at(1);
                    self.pos += 2;
                    let simple = match e {
                        b'0' => Some('\0'),
                        b'a' => Some('\u{7}'),
                        b'b' => Some('\u{8}'),
                        b't' | b'\t' => Some('\t'),
                        b'n' => Some('\n'),
                        b'v' => Some('\u{b}'),
                        b'f' => Some('\u{c}'),
                        b'r' => Some('\r'),
                        b'e' => Some('\u{1b}'),
                        b' ' => Some(' '),
                        b'"' => Some('"'),
                        b'/' => Some('/'),
                        b'\\' => Some('\\'),
                        b'N' => Some('\u{85}'),
                        b'_' => Some('\u{a0}'),
                        b'L' => Some('\u{2028}'),
                        b'P' => Some('\u{2029}'),
                        _ => None,
                    };
                    if let Some(ch) = simple {
                        out.push(ch);
                        protected = out.len();
                        continue;
                    }
                    let n = match e {
                        b'x' => 2,
                        b'u' => 4,
                        b'U' => 8,
                        b'\n' | b'\r' => {
                            // Escaped line break: join without a space.
                            if e == b'\r' && self.at(0) == b'\n' {
                                self.pos += 1;
                            }
                            while is_ws(self.at(0)) {
                                self.pos += 1;
                            }
                            continue;
                        }
                        _ => {
                            return Err(self.err_syntax(
                                self.pos - 2,
                                "unknown escape in double-quoted string",
                            ));
                        }
                    };
                    let hex = self.text(self.pos..self.pos + n);
                    let ch = u32::from_str_radix(hex, 16)
                        .ok()
                        .filter(|_| hex.len() == n)
                        .and_then(char::from_u32)
                        .ok_or_else(|| {
                            self.err_syntax(self.pos - 2, "bad escape in double-quoted string")
                        })?;
                    out.push(ch);
                    self.pos += n;
                }
                b'\r' | b'\n' => {
                    // Line folding: trailing white space (not escaped) goes,
                    // one break becomes a space, each further empty line a `\n`.
                    while out.len() > protected && out.ends_with([' ', '\t']) {
                        out.pop();
                    }
                    let mut breaks = 0;
                    loop {
                        let c = self.at(0);
                        if c == b'\n' {
                            breaks += 1;
                            self.pos += 1;
                        } else if is_ws(c) || c == b'\r' {
                            self.pos += 1;
                        } else {
                            break;
                        }
                    }
                    if breaks > 1 {
                        out.push_str(&"\n".repeat(breaks - 1));
                    } else {
                        out.push(' ');
                    }
                    protected = out.len();
                }
                _ => {
                    let ch = self
                        .src
                        .get(self.pos..)
                        .and_then(|s| s.chars().next())
                        .unwrap_or('\u{fffd}');
                    out.push(ch);
                    self.pos += ch.len_utf8();
                }
            }
        }
        self.quote_balance += 1;
        Ok(Node {
            span: start..self.pos,
            anchor: None,
            tag: None,
            kind: NodeKind::Scalar {
                style: ScalarStyle::DoubleQuoted,
                value: out,
                in_flow,
            },
        })
    }

    fn block_scalar(&mut self, parent: isize) -> Result<Node, Error> {
        let start = self.pos;
        let style = if self.at(0) == b'|' {
            ScalarStyle::Literal
        } else {
            ScalarStyle::Folded
        };
        self.pos += 1;
        let mut explicit = None;
        for _ in 0..2 {
            let c = self.at(0);
            if c.is_ascii_digit() && c != b'0' {
                explicit = Some(usize::from(c - b'0'));
                self.pos += 1;
            } else if c == b'+' || c == b'-' {
                self.pos += 1;
            }
        }
        if !is_blankz(self.at(0)) {
            return Err(self.err_syntax(self.pos, "bad block scalar header"));
        }
        self.finish_line()?;
        let mut end = self.pos;
        let base = usize::try_from(parent.max(0)).unwrap_or(0);
        let mut content_indent = explicit.map(|n| if parent < 0 { n } else { base + n });
        // Walk lines.
        let mut line = self.pos;
        loop {
            // `line` is at a line break (or eof); move past it.
            let mut p = line;
            if self.b.get(p) == Some(&b'\r') {
                p += 1;
            }
            if self.b.get(p) == Some(&b'\n') {
                p += 1;
            } else {
                break;
            }
            let mut spaces = 0;
            while self.b.get(p + spaces) == Some(&b' ') {
                spaces += 1;
            }
            let after = self.b.get(p + spaces).copied().unwrap_or(0);
            let mut q = p + spaces;
            while !is_break(self.b.get(q).copied().unwrap_or(0)) && q < self.b.len() {
                q += 1;
            }
            let blank = (p + spaces..q).all(|i| self.b.get(i).is_some_and(|&c| is_ws(c)));
            if blank && !(after == 0 && q == p + spaces && p >= self.b.len()) {
                line = q;
                if q >= self.b.len() {
                    break;
                }
                continue;
            }
            if blank {
                break;
            }
            let need = match content_indent {
                Some(n) => n,
                None => {
                    if spaces as isize <= parent {
                        break;
                    }
                    content_indent = Some(spaces);
                    spaces
                }
            };
            if spaces < need || self.is_marker(p) {
                break;
            }
            end = q;
            line = q;
        }
        self.pos = end;
        let value = self.text(start..end).to_owned();
        Ok(Node {
            span: start..end,
            anchor: None,
            tag: None,
            kind: NodeKind::Scalar {
                style,
                value,
                in_flow: false,
            },
        })
    }

    fn flow_collection(&mut self) -> Result<Node, Error> {
        let start = self.pos;
        let is_map = self.at(0) == b'{';
        let close = if is_map { b'}' } else { b']' };
        self.pos += 1;
        let mut entries = Vec::new();
        let mut items = Vec::new();
        loop {
            self.next_content();
            if self.eof() {
                return Err(self.err_syntax(start, "unterminated flow collection"));
            }
            if self.at(0) == close {
                self.pos += 1;
                break;
            }
            if self.at(0) == b'?' && is_blankz(self.at(1)) {
                return Err(self.err_unsupported(self.pos, "complex mapping keys (`? `)"));
            }
            let node = self.inline_node(true, None)?;
            if node.span.is_empty()
                && node.anchor.is_none()
                && node.tag.is_none()
                && self.at(0) != b':'
            {
                return Err(self.err_syntax(self.pos, "unexpected character in flow collection"));
            }
            let key_end = self.pos;
            self.next_content();
            if is_map {
                if self.at(0) == b':' {
                    self.pos += 1;
                    let empty_at = self.pos;
                    self.next_content();
                    let value = if self.at(0) == b',' || self.at(0) == close {
                        empty_node(empty_at, true)
                    } else {
                        self.inline_node(true, None)?
                    };
                    entries.push((node, value));
                } else {
                    entries.push((node, empty_node(key_end, true)));
                }
            } else {
                if self.at(0) == b':' {
                    return Err(self
                        .err_unsupported(self.pos, "single-pair mappings inside flow sequences"));
                }
                items.push(node);
            }
            self.next_content();
            if self.at(0) == b',' {
                self.pos += 1;
            } else if self.at(0) != close {
                return Err(
                    self.err_syntax(self.pos, "expected `,` or the end of the flow collection")
                );
            }
        }
        let kind = if is_map {
            NodeKind::Mapping {
                entries,
                flow: true,
            }
        } else {
            NodeKind::Sequence { items, flow: true }
        };
        Ok(Node {
            span: start..self.pos,
            anchor: None,
            tag: None,
            kind,
        })
    }
}

fn empty_node(at: usize, in_flow: bool) -> Node {
    Node {
        span: at..at,
        anchor: None,
        tag: None,
        kind: NodeKind::Scalar {
            style: ScalarStyle::Plain,
            value: String::new(),
            in_flow,
        },
    }
}

fn with_props(mut node: Node, anchor: Option<String>, tag: Option<String>) -> Node {
    if anchor.is_some() {
        node.anchor = anchor;
    }
    if tag.is_some() {
        node.tag = tag;
    }
    node
}

/// Line folding for single-quoted scalars: a line break plus surrounding
/// whitespace becomes one space; each further empty line becomes `\n`.
fn fold_lines(raw: &str) -> String {
    if !raw.contains(['\n', '\r']) {
        return raw.to_owned();
    }
    let lines: Vec<&str> = raw.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    let mut out = String::new();
    let last = lines.len().saturating_sub(1);
    let mut pending_empty = 0;
    for (i, line) in lines.iter().enumerate() {
        let mut t: &str = line;
        if i > 0 {
            t = t.trim_start_matches([' ', '\t']);
        }
        if i < last {
            t = t.trim_end_matches([' ', '\t']);
        }
        if i > 0 && i < last && t.is_empty() {
            pending_empty += 1;
            continue;
        }
        if i > 0 {
            if pending_empty > 0 {
                out.push_str(&"\n".repeat(pending_empty));
            } else {
                out.push(' ');
            }
            pending_empty = 0;
        }
        out.push_str(t);
    }
    out
}
