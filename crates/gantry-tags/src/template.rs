//! The Handlebars subset metadata-action's attributes use.
//!
//! Supported: text, `{{name}}`, `{{name 'arg' key='value'}}` (single or
//! double quotes), `{{{name}}}` (no HTML escaping) and whitespace inside the
//! braces. Placeholders are checked when a rule is parsed, so a typo is an
//! error naming the rule instead of an empty string in a tag.
//!
//! Like Handlebars, `{{…}}` output is HTML-escaped (`&` → `&amp;`, …);
//! tag values are sanitised afterwards anyway.

use std::sync::LazyLock;

use jiff::Timestamp;
use jiff::tz::{TimeZone, TimeZoneDatabase};

/// The tzdb bundled into the binary: no reads of `/usr/share/zoneinfo`, so
/// results do not depend on the machine.
static TZDB: LazyLock<TimeZoneDatabase> = LazyLock::new(TimeZoneDatabase::bundled);

/// Looks a time zone up by IANA name (`UTC`, `Asia/Tokyo`).
pub(crate) fn zone(name: &str) -> Option<TimeZone> {
    if name.eq_ignore_ascii_case("utc") {
        return Some(TimeZone::UTC);
    }
    TZDB.get(name).ok()
}

/// An argument of a helper call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Arg {
    /// A quoted string literal.
    Str(String),
    /// An unquoted word: Handlebars looks it up in the context, where it is
    /// undefined (so `{{date YYYYMMDD}}` formats with moment's default).
    Path(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Expr {
    pub(crate) name: String,
    pub(crate) args: Vec<Arg>,
    pub(crate) hash: Vec<(String, Arg)>,
    pub(crate) escape: bool,
    /// The placeholder as written, for messages.
    pub(crate) source: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Segment {
    Text(String),
    Expr(Expr),
}

/// A parsed template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    pub(crate) segments: Vec<Segment>,
}

/// Placeholders allowed in `prefix`, `suffix`, `value`, `enable` and flavors.
pub(crate) const GLOBAL: &[&str] = &[
    "branch",
    "tag",
    "sha",
    "base_ref",
    "is_default_branch",
    "is_not_default_branch",
    "date",
    "commit_date",
];
/// Placeholders of a `type=semver` or `type=pep440` pattern.
pub(crate) const VERSION: &[&str] = &["raw", "version", "major", "minor", "patch"];
/// Placeholders of a `type=schedule` pattern.
pub(crate) const SCHEDULE: &[&str] = &["date", "commit_date"];

fn allowed_list(allowed: &[&str]) -> String {
    allowed
        .iter()
        .map(|name| format!("{{{{{name}}}}}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Template {
    /// Parses `source`, accepting only the placeholders in `allowed`.
    pub(crate) fn parse(source: &str, allowed: &[&str]) -> Result<Template, String> {
        let mut segments = Vec::new();
        let mut rest = source;
        let mut text = String::new();
        while let Some(start) = rest.find("{{") {
            text.push_str(&rest[..start]);
            let after = &rest[start..];
            let triple = after.starts_with("{{{");
            let (open, close) = if triple { (3, "}}}") } else { (2, "}}") };
            let Some(end) = after[open..].find(close) else {
                return Err(format!(
                    "unclosed placeholder `{}` (expected `{close}`)",
                    after.trim_end()
                ));
            };
            let inner = &after[open..open + end];
            let whole = &after[..open + end + close.len()];
            let expr = parse_expr(inner, whole, !triple)?;
            if !allowed.contains(&expr.name.as_str()) {
                return Err(format!(
                    "unknown placeholder `{whole}` (allowed: {})",
                    allowed_list(allowed)
                ));
            }
            if !text.is_empty() {
                segments.push(Segment::Text(std::mem::take(&mut text)));
            }
            segments.push(Segment::Expr(expr));
            rest = &after[open + end + close.len()..];
        }
        text.push_str(rest);
        if !text.is_empty() {
            segments.push(Segment::Text(text));
        }
        Ok(Template { segments })
    }

    /// A template that renders `text` as is.
    pub(crate) fn literal(text: &str) -> Template {
        Template {
            segments: if text.is_empty() {
                Vec::new()
            } else {
                vec![Segment::Text(text.to_owned())]
            },
        }
    }

    /// True for a template made of exactly one `{{raw}}` (metadata-action's
    /// `isRawStatement`).
    pub(crate) fn is_raw_statement(&self) -> bool {
        matches!(self.segments.as_slice(), [Segment::Expr(expr)] if expr.name == "raw")
    }

    /// True when the template contains the placeholder `name`.
    pub(crate) fn uses(&self, name: &str) -> bool {
        self.segments
            .iter()
            .any(|segment| matches!(segment, Segment::Expr(expr) if expr.name == name))
    }

    /// Renders with `eval` answering each placeholder.
    pub(crate) fn render<E>(
        &self,
        mut eval: impl FnMut(&Expr) -> Result<String, E>,
    ) -> Result<String, E> {
        let mut out = String::new();
        for segment in &self.segments {
            match segment {
                Segment::Text(text) => out.push_str(text),
                Segment::Expr(expr) => {
                    let value = eval(expr)?;
                    if expr.escape {
                        out.push_str(&html_escape(&value));
                    } else {
                        out.push_str(&value);
                    }
                }
            }
        }
        Ok(out)
    }
}

/// Handlebars' `escapeExpression`.
fn html_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            '`' => out.push_str("&#x60;"),
            '=' => out.push_str("&#x3D;"),
            c => out.push(c),
        }
    }
    out
}

fn parse_expr(inner: &str, whole: &str, escape: bool) -> Result<Expr, String> {
    let inner = inner.trim_start_matches('~').trim_end_matches('~');
    let tokens =
        tokenize(inner).map_err(|problem| format!("invalid placeholder `{whole}`: {problem}"))?;
    let mut iter = tokens.into_iter();
    let Some(Token::Word(name)) = iter.next() else {
        return Err(format!("invalid placeholder `{whole}`: expected a name"));
    };
    let mut args = Vec::new();
    let mut hash = Vec::new();
    for token in iter {
        match token {
            Token::Word(word) => {
                if hash.is_empty() {
                    args.push(Arg::Path(word));
                } else {
                    return Err(format!(
                        "invalid placeholder `{whole}`: `{word}` after a key=value"
                    ));
                }
            }
            Token::Str(text) => {
                if hash.is_empty() {
                    args.push(Arg::Str(text));
                } else {
                    return Err(format!(
                        "invalid placeholder `{whole}`: `'{text}'` after a key=value"
                    ));
                }
            }
            Token::Pair(key, value) => hash.push((key, value)),
        }
    }
    Ok(Expr {
        name,
        args,
        hash,
        escape,
        source: whole.to_owned(),
    })
}

enum Token {
    Word(String),
    Str(String),
    Pair(String, Arg),
}

fn tokenize(inner: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = inner.chars().collect();
    let mut i = 0;
    let read_string = |i: &mut usize| -> Result<String, String> {
        let quote = chars[*i];
        *i += 1;
        let mut text = String::new();
        while *i < chars.len() {
            if chars[*i] == quote {
                *i += 1;
                return Ok(text);
            }
            text.push(chars[*i]);
            *i += 1;
        }
        Err(format!("unterminated {quote} string"))
    };
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' || c == '"' {
            tokens.push(Token::Str(read_string(&mut i)?));
        } else {
            let mut word = String::new();
            while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '=' {
                word.push(chars[i]);
                i += 1;
            }
            if i < chars.len() && chars[i] == '=' {
                i += 1;
                if i < chars.len() && (chars[i] == '\'' || chars[i] == '"') {
                    let value = read_string(&mut i)?;
                    tokens.push(Token::Pair(word, Arg::Str(value)));
                } else {
                    let mut value = String::new();
                    while i < chars.len() && !chars[i].is_whitespace() {
                        value.push(chars[i]);
                        i += 1;
                    }
                    if value.is_empty() {
                        return Err(format!("`{word}=` has no value"));
                    }
                    tokens.push(Token::Pair(word, Arg::Path(value)));
                }
            } else {
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

/// Checks a `{{date …}}` / `{{commit_date …}}` placeholder: at most one
/// format argument and only a `tz` attribute naming a known time zone.
pub(crate) fn check_date_helpers(template: &Template) -> Result<(), String> {
    for segment in &template.segments {
        let Segment::Expr(expr) = segment else {
            continue;
        };
        if expr.name != "date" && expr.name != "commit_date" {
            continue;
        }
        for (key, value) in &expr.hash {
            if key != "tz" {
                return Err(format!(
                    "unknown attribute `{key}` in `{}` (allowed: tz)",
                    expr.source
                ));
            }
            let Arg::Str(tz) = value else {
                return Err(format!(
                    "`tz` in `{}` must be quoted, e.g. tz='Asia/Tokyo'",
                    expr.source
                ));
            };
            if zone(tz).is_none() {
                return Err(format!("unknown time zone `{tz}` in `{}`", expr.source));
            }
        }
    }
    Ok(())
}

/// Renders a date helper: `{{date 'FORMAT' tz='ZONE'}}`.
pub(crate) fn render_date(expr: &Expr, at: Timestamp) -> Result<String, String> {
    let mut tz = TimeZone::UTC;
    for (key, value) in &expr.hash {
        if key == "tz"
            && let Arg::Str(name) = value
        {
            tz = zone(name)
                .ok_or_else(|| format!("unknown time zone `{name}` in `{}`", expr.source))?;
        }
    }
    let format = match expr.args.first() {
        Some(Arg::Str(format)) => Some(format.as_str()),
        _ => None,
    };
    Ok(crate::moment::format(at, &tz, format))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_placeholders() {
        let t = Template::parse("a-{{ date 'YYYY' tz='Asia/Tokyo' }}-b", GLOBAL).unwrap();
        assert_eq!(t.segments.len(), 3);
        assert!(
            Template::parse("{{bogus}}", GLOBAL)
                .unwrap_err()
                .contains("unknown placeholder `{{bogus}}`")
        );
        assert!(Template::parse("{{branch", GLOBAL).is_err());
        assert!(
            Template::parse("{{ raw }}", VERSION)
                .unwrap()
                .is_raw_statement()
        );
        assert!(
            !Template::parse("{{raw}}.{{version}}", VERSION)
                .unwrap()
                .is_raw_statement()
        );
        let bad_tz = Template::parse("{{date 'YYYY' tz='Mars/Olympus'}}", GLOBAL).unwrap();
        assert!(
            check_date_helpers(&bad_tz)
                .unwrap_err()
                .contains("Mars/Olympus")
        );
    }
}
