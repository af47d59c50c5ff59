//! The check [`crate::apply`] runs before returning an edited text: re-parse
//! it and walk both trees together. Every node must be where it was with the
//! same bytes, except the targets of the edits, which must hold exactly
//! their new values (and, for added or removed entries, exactly those).

use crate::error::Error;
use crate::parse::{Node, NodeKind, ScalarStyle, Stream, line_col, parse};
use crate::quote::resolves_to_non_string;
use crate::structure::Added;
use crate::{Change, Edit};

/// Check `edited` against `original`: same documents and shape, every
/// scalar but the targets identical in bytes and value, targets hold their
/// new value, added and removed entries are exactly the planned ones.
pub(crate) fn verify(
    source: &str,
    original: &Stream,
    edited: &str,
    edits: &[&Edit],
) -> Result<(), Error> {
    let after = parse(edited).map_err(|e| Error::Verify {
        reason: format!("the result does not parse: {e}"),
    })?;
    if after.documents.len() != original.documents.len() {
        return Err(Error::Verify {
            reason: format!(
                "{} document(s) before, {} after",
                original.documents.len(),
                after.documents.len()
            ),
        });
    }
    let mut cx = Verifier {
        source,
        edited,
        edits,
        hits: 0,
    };
    for (a, b) in original.documents.iter().zip(&after.documents) {
        cx.node(&a.root, &b.root)?;
    }
    if cx.hits != edits.len() {
        return Err(Error::Verify {
            reason: "not every edit found its target".to_owned(),
        });
    }
    Ok(())
}

struct Verifier<'a> {
    source: &'a str,
    edited: &'a str,
    edits: &'a [&'a Edit],
    hits: usize,
}

impl Verifier<'_> {
    fn fail(&self, a: &Node, what: &str) -> Error {
        let (line, column) = line_col(self.source, a.span.start);
        Error::Verify {
            reason: format!("line {line}, column {column}: {what}"),
        }
    }

    fn node(&mut self, a: &Node, b: &Node) -> Result<(), Error> {
        if a.anchor != b.anchor || a.tag != b.tag {
            return Err(self.fail(a, "anchor or tag changed"));
        }
        match (&a.kind, &b.kind) {
            (
                NodeKind::Mapping {
                    entries: x,
                    flow: f,
                },
                NodeKind::Mapping {
                    entries: y,
                    flow: g,
                },
            ) => {
                if f != g {
                    return Err(self.fail(a, "mapping changed shape"));
                }
                let removed: Vec<usize> = self
                    .edits
                    .iter()
                    .filter_map(|e| match e.change {
                        Change::Remove { container, key } if container == a.span.start => Some(key),
                        _ => None,
                    })
                    .collect();
                let added: Vec<(String, Added)> = self
                    .edits
                    .iter()
                    .filter_map(|e| match &e.change {
                        Change::Insert { container, entries } if *container == a.span.start => {
                            Some(entries.clone())
                        }
                        _ => None,
                    })
                    .flatten()
                    .collect();
                let kept: Vec<&(Node, Node)> = x
                    .iter()
                    .filter(|(k, _)| !removed.contains(&k.span.start))
                    .collect();
                if x.len() - kept.len() != removed.len() || y.len() != kept.len() + added.len() {
                    return Err(self.fail(a, "mapping changed shape"));
                }
                self.hits += removed.len();
                let (same, new) = y.split_at(kept.len());
                for ((ka, va), (kb, vb)) in kept.into_iter().zip(same) {
                    self.node(ka, kb)?;
                    self.node(va, vb)?;
                }
                if !added.is_empty() {
                    self.hits += self
                        .edits
                        .iter()
                        .filter(|e| matches!(&e.change, Change::Insert { container, .. } if *container == a.span.start))
                        .count();
                }
                for ((key, value), (kb, vb)) in added.iter().zip(new) {
                    if scalar(kb) != Some(key.as_str()) || !added_matches(value, vb) {
                        return Err(self.fail(
                            a,
                            &format!("the added entry `{key}` reads back differently"),
                        ));
                    }
                }
                Ok(())
            }
            (
                NodeKind::Sequence { items: x, flow: f },
                NodeKind::Sequence { items: y, flow: g },
            ) => {
                let appended: Vec<Vec<(String, String)>> = self
                    .edits
                    .iter()
                    .filter_map(|e| match &e.change {
                        Change::Append { container, items } if *container == a.span.start => {
                            Some(items.clone())
                        }
                        _ => None,
                    })
                    .flatten()
                    .collect();
                if y.len() != x.len() + appended.len() || f != g {
                    return Err(self.fail(a, "sequence changed shape"));
                }
                if !appended.is_empty() {
                    self.hits += self
                        .edits
                        .iter()
                        .filter(|e| matches!(&e.change, Change::Append { container, .. } if *container == a.span.start))
                        .count();
                }
                let (same, new) = y.split_at(x.len());
                for (ia, ib) in x.iter().zip(same) {
                    self.node(ia, ib)?;
                }
                for (want, got) in appended.iter().zip(new) {
                    if !item_matches(want, got) {
                        return Err(self.fail(a, "an added item reads back differently"));
                    }
                }
                Ok(())
            }
            (NodeKind::Alias(x), NodeKind::Alias(y)) if x == y => Ok(()),
            (
                NodeKind::Scalar {
                    style: sa,
                    value: va,
                    ..
                },
                NodeKind::Scalar {
                    style: sb,
                    value: vb,
                    ..
                },
            ) => {
                let target = self
                    .edits
                    .iter()
                    .find(|e| e.change == Change::Set && e.span == a.span);
                if let Some(e) = target {
                    self.hits += 1;
                    let typed = *sb == ScalarStyle::Plain
                        && b.tag.is_none()
                        && (vb.is_empty() || resolves_to_non_string(vb));
                    if vb != &e.new_value
                        || typed
                        || matches!(sb, ScalarStyle::Literal | ScalarStyle::Folded)
                    {
                        return Err(self.fail(
                            a,
                            &format!("the new value reads as {vb:?}, not {:?}", e.new_value),
                        ));
                    }
                    return Ok(());
                }
                if sa != sb
                    || va != vb
                    || self.source.get(a.span.clone()) != self.edited.get(b.span.clone())
                {
                    return Err(self.fail(a, "a value that was not targeted changed"));
                }
                Ok(())
            }
            _ => Err(self.fail(a, "node kind changed")),
        }
    }
}

fn scalar(node: &Node) -> Option<&str> {
    match &node.kind {
        NodeKind::Scalar { value, style, .. } => {
            let typed = *style == ScalarStyle::Plain
                && node.tag.is_none()
                && (value.is_empty() || resolves_to_non_string(value));
            (!typed).then_some(value.as_str())
        }
        _ => None,
    }
}

fn added_matches(want: &Added, got: &Node) -> bool {
    match (want, &got.kind) {
        (Added::Scalar(v), _) => scalar(got) == Some(v.as_str()),
        (Added::Items(items), NodeKind::Sequence { items: got, .. }) => {
            items.len() == got.len() && items.iter().zip(got).all(|(w, g)| item_matches(w, g))
        }
        _ => false,
    }
}

fn item_matches(want: &[(String, String)], got: &Node) -> bool {
    match &got.kind {
        NodeKind::Mapping { entries, .. } => {
            entries.len() == want.len()
                && want
                    .iter()
                    .zip(entries)
                    .all(|((k, v), (kb, vb))| scalar(kb) == Some(k) && scalar(vb) == Some(v))
        }
        _ => false,
    }
}
