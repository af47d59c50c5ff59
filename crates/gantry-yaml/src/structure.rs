//! Adding and removing whole entries: a key in a block mapping, an item in a
//! block sequence. Only whole lines are written or removed, at the
//! indentation the collection already uses, so every other byte stays.
//! Flow collections (`{…}`, `[…]`) are refused: adding to them would mean
//! re-flowing a line.

use crate::error::Error;
use crate::parse::{Node, NodeKind, ScalarStyle, Stream, line_col};
use crate::quote;
use crate::{Change, Edit};

/// A value written by [`plan_insert_entries`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Added {
    /// A string scalar (quoted when plain would read as something else).
    Scalar(String),
    /// A block sequence of mappings, each with these keys and string values.
    Items(Vec<Vec<(String, String)>>),
}

/// Plan adding `entries` at the end of the block mapping `mapping` (a node
/// of document `doc` of `stream`). `path` names the mapping in errors.
pub fn plan_insert_entries(
    source: &str,
    stream: &Stream,
    doc: usize,
    mapping: &Node,
    path: &str,
    entries: &[(String, Added)],
) -> Result<Edit, Error> {
    let fail = structure_error(source, mapping, path);
    let NodeKind::Mapping {
        entries: existing,
        flow: false,
    } = &mapping.kind
    else {
        return Err(fail("only a block mapping can get new entries"));
    };
    if existing.is_empty() {
        return Err(fail("the mapping is empty"));
    }
    let indent = column_of(source, mapping.span.start);
    let style = Style::of(source, stream);
    let mut text = String::new();
    for (key, value) in entries {
        let key_text = style.scalar(key);
        match value {
            Added::Scalar(v) => {
                text.push_str(&format!(
                    "{indent}{key_text}: {}{}",
                    style.scalar(v),
                    style.nl
                ));
            }
            Added::Items(items) => {
                text.push_str(&format!("{indent}{key_text}:{}", style.nl));
                for item in items {
                    text.push_str(&style.item(&indent, item));
                }
            }
        }
    }
    let summary = entries
        .iter()
        .map(|(k, v)| match v {
            Added::Scalar(v) => format!("{k}: {v}"),
            Added::Items(items) => format!("{k}: {} item(s)", items.len()),
        })
        .collect::<Vec<_>>()
        .join(", ");
    Ok(insertion(
        source,
        doc,
        mapping,
        path,
        &text,
        style.nl,
        summary,
        Change::Insert {
            container: mapping.span.start,
            entries: entries.to_vec(),
        },
    ))
}

/// Plan adding mapping items at the end of the block sequence `sequence`.
pub fn plan_append_item(
    source: &str,
    stream: &Stream,
    doc: usize,
    sequence: &Node,
    path: &str,
    items: &[Vec<(String, String)>],
) -> Result<Edit, Error> {
    let fail = structure_error(source, sequence, path);
    let NodeKind::Sequence {
        items: existing,
        flow: false,
    } = &sequence.kind
    else {
        return Err(fail("only a block sequence can get new items"));
    };
    if existing.is_empty() {
        return Err(fail("the sequence is empty"));
    }
    let indent = column_of(source, sequence.span.start);
    let style = Style::of(source, stream);
    let text: String = items.iter().map(|item| style.item(&indent, item)).collect();
    let summary = items
        .iter()
        .map(|item| {
            item.iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect::<Vec<_>>()
        .join("; ");
    Ok(insertion(
        source,
        doc,
        sequence,
        path,
        &text,
        style.nl,
        summary,
        Change::Append {
            container: sequence.span.start,
            items: items.to_vec(),
        },
    ))
}

/// Plan removing the entry `key` from the block mapping `mapping`: its
/// whole line goes. Refused where the entry is not alone on its lines (the
/// first entry of a `- key: v` item, a multi-line value) or is the only one.
pub fn plan_remove_entry(
    source: &str,
    doc: usize,
    mapping: &Node,
    path: &str,
    key: &str,
) -> Result<Edit, Error> {
    let fail = structure_error(source, mapping, path);
    let NodeKind::Mapping {
        entries,
        flow: false,
    } = &mapping.kind
    else {
        return Err(fail("entries are only removed from a block mapping"));
    };
    let Some((k, v)) = entries.iter().find(|(k, _)| scalar_value(k) == Some(key)) else {
        return Err(fail(&format!("no key `{key}`")));
    };
    if entries.len() < 2 {
        return Err(fail(&format!("`{key}` is its only entry")));
    }
    let bytes = source.as_bytes();
    let line_start = source
        .get(..k.span.start)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1);
    let lead = source.get(line_start..k.span.start).unwrap_or("");
    let scalar_value_node = matches!(
        &v.kind,
        NodeKind::Scalar { style, .. } if !matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
    );
    let value_end = v.span.end.max(k.span.end);
    let one_line = !source
        .get(k.span.start..value_end)
        .unwrap_or("\n")
        .contains('\n');
    if !lead.bytes().all(|b| b == b' ') || k.anchor.is_some() || !scalar_value_node || !one_line {
        return Err(fail(&format!(
            "`{key}` does not stand alone on its line, so it cannot be removed without rewriting others"
        )));
    }
    let mut end = value_end;
    while end < bytes.len() && bytes.get(end) != Some(&b'\n') {
        end += 1;
    }
    let removed_last_line = end >= bytes.len();
    let start = if removed_last_line {
        // No line break after it: take the one before it instead, so the
        // file still ends the way it did.
        line_start.saturating_sub(if bytes.get(line_start.wrapping_sub(2)) == Some(&b'\r') {
            2
        } else {
            1
        })
    } else {
        line_start
    };
    let end = if removed_last_line { end } else { end + 1 };
    let (line, column) = line_col(source, k.span.start);
    Ok(Edit {
        doc,
        path: format!("{path}.{key}"),
        span: start..end,
        replacement: String::new(),
        old_value: scalar_value(v).unwrap_or_default().to_owned(),
        new_value: String::new(),
        line,
        column,
        change: Change::Remove {
            container: mapping.span.start,
            key: k.span.start,
        },
    })
}

#[allow(clippy::too_many_arguments)]
fn insertion(
    source: &str,
    doc: usize,
    container: &Node,
    path: &str,
    text: &str,
    nl: &str,
    summary: String,
    change: Change,
) -> Edit {
    let bytes = source.as_bytes();
    let mut at = container.span.end;
    while at < bytes.len() && bytes.get(at) != Some(&b'\n') {
        at += 1;
    }
    let replacement = if at >= bytes.len() {
        // The collection ends the file without a final line break: start a
        // line, and leave the file without one, as it was.
        format!("{nl}{}", text.strip_suffix(nl).unwrap_or(text))
    } else {
        at += 1;
        text.to_owned()
    };
    let (line, column) = line_col(source, at.min(source.len()));
    Edit {
        doc,
        path: path.to_owned(),
        span: at..at,
        replacement,
        old_value: String::new(),
        new_value: summary,
        line,
        column,
        change,
    }
}

fn structure_error<'a>(
    source: &'a str,
    node: &'a Node,
    path: &'a str,
) -> impl Fn(&str) -> Error + 'a {
    move |reason| {
        let (line, column) = line_col(source, node.span.start);
        Error::Structure {
            path: path.to_owned(),
            line,
            column,
            reason: reason.to_owned(),
        }
    }
}

/// The spaces before `offset` on its line, as the indentation to write.
fn column_of(source: &str, offset: usize) -> String {
    let line_start = source
        .get(..offset)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1);
    let lead = source.get(line_start..offset).unwrap_or("");
    let lead = lead.strip_prefix('\u{feff}').unwrap_or(lead);
    // `- key: v`: the mapping starts after the dash; its entries line up there.
    " ".repeat(lead.chars().count())
}

fn scalar_value(node: &Node) -> Option<&str> {
    match &node.kind {
        NodeKind::Scalar { value, .. } => Some(value),
        _ => None,
    }
}

/// How new lines are written in this file.
struct Style {
    nl: &'static str,
    prefer_double: bool,
}

impl Style {
    fn of(source: &str, stream: &Stream) -> Self {
        let crlf = source
            .find('\n')
            .is_some_and(|i| i > 0 && source.as_bytes().get(i - 1) == Some(&b'\r'));
        Self {
            nl: if crlf { "\r\n" } else { "\n" },
            prefer_double: stream.quote_balance >= 0,
        }
    }

    fn scalar(&self, v: &str) -> String {
        quote::fresh(v, self.prefer_double)
    }

    /// `- k: v` and its following `  k: v` lines.
    fn item(&self, indent: &str, entries: &[(String, String)]) -> String {
        let mut out = String::new();
        for (i, (k, v)) in entries.iter().enumerate() {
            let lead = if i == 0 { "- " } else { "  " };
            out.push_str(&format!(
                "{indent}{lead}{}: {}{}",
                self.scalar(k),
                self.scalar(v),
                self.nl
            ));
        }
        out
    }
}
