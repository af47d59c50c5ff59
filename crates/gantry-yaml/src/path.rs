//! The path language: `spec.template.spec.containers[name=app].image`,
//! `images[0].tag`, `metadata.annotations["a.b/c"]`.

use crate::error::Error;

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A mapping key.
    Key(String),
    /// A 0-based sequence index.
    Index(usize),
    /// The one sequence item that is a mapping whose `key` has the scalar value `value`.
    Select {
        /// The key inside the item.
        key: String,
        /// Its value.
        value: String,
    },
}

/// Parse a path expression. The empty string is the document root.
pub fn parse_path(path: &str) -> Result<Vec<Segment>, Error> {
    let bad = |reason: &str| Error::BadPath {
        path: path.to_owned(),
        reason: reason.to_owned(),
    };
    let chars: Vec<char> = path.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    let mut expect_key = true;
    while i < chars.len() {
        let c = chars.get(i).copied().unwrap_or('\0');
        if c == '[' {
            i += 1;
            let (seg, next) =
                bracket(&chars, i).ok_or_else(|| bad("unterminated or malformed `[...]`"))?;
            out.push(seg);
            i = next;
            expect_key = false;
        } else if c == '.' {
            if expect_key {
                return Err(bad("empty key"));
            }
            i += 1;
            expect_key = true;
            if i >= chars.len() {
                return Err(bad("path ends with `.`"));
            }
        } else {
            if !expect_key {
                return Err(bad("expected `.` or `[` between segments"));
            }
            let start = i;
            while i < chars.len() && !matches!(chars.get(i), Some('.') | Some('[')) {
                i += 1;
            }
            out.push(Segment::Key(
                chars.get(start..i).unwrap_or(&[]).iter().collect(),
            ));
            expect_key = false;
        }
    }
    Ok(out)
}

/// Inside `[`: returns the segment and the index after `]`.
fn bracket(chars: &[char], mut i: usize) -> Option<(Segment, usize)> {
    let first = *chars.get(i)?;
    if first == '"' || first == '\'' {
        let (s, next) = quoted(chars, i)?;
        if chars.get(next) != Some(&']') {
            return None;
        }
        return Some((Segment::Key(s), next + 1));
    }
    let start = i;
    while !matches!(chars.get(i), Some(']') | Some('=') | None) {
        i += 1;
    }
    let head: String = chars.get(start..i)?.iter().collect();
    match chars.get(i)? {
        ']' => {
            let n = head.trim().parse::<usize>().ok()?;
            Some((Segment::Index(n), i + 1))
        }
        _ => {
            i += 1;
            let (value, next) = if matches!(chars.get(i), Some('"') | Some('\'')) {
                quoted(chars, i)?
            } else {
                let vs = i;
                while !matches!(chars.get(i), Some(']') | None) {
                    i += 1;
                }
                (chars.get(vs..i)?.iter().collect(), i)
            };
            if chars.get(next) != Some(&']') || head.is_empty() {
                return None;
            }
            Some((Segment::Select { key: head, value }, next + 1))
        }
    }
}

/// A `"..."` (with `\"` and `\\`) or `'...'` string starting at `i`.
fn quoted(chars: &[char], mut i: usize) -> Option<(String, usize)> {
    let q = *chars.get(i)?;
    i += 1;
    let mut s = String::new();
    loop {
        let c = *chars.get(i)?;
        if c == q {
            return Some((s, i + 1));
        }
        if c == '\\' && q == '"' {
            i += 1;
            s.push(*chars.get(i)?);
        } else {
            s.push(c);
        }
        i += 1;
    }
}
