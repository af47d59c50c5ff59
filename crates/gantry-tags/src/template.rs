//! The Handlebars subset metadata-action's attributes use.
//!
//! Supported: text, `{{name}}`, `{{name 'arg' key='value'}}` (single or
//! double quotes), `{{{name}}}` (no HTML escaping) and whitespace inside the
//! braces. Placeholders are checked when a rule is parsed, so a typo is an
//! error naming the rule instead of an empty string in a tag.
//!
//! Like Handlebars, `{{…}}` output is HTML-escaped (`&` → `&amp;`, …);
//! tag values are sanitised afterwards anyway.

use std::fmt::Write as _;

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
    Ok(moment_format(at, &tz, format))
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Tokens in the order they must be tried (longest first).
const TOKENS: &[&str] = &[
    "YYYYYY",
    "YYYYY",
    "YYYY",
    "YY",
    "Y",
    "MMMM",
    "MMM",
    "MM",
    "Mo",
    "M",
    "DDDD",
    "DDDo",
    "DDD",
    "Do",
    "DD",
    "D",
    "dddd",
    "ddd",
    "dd",
    "do",
    "d",
    "E",
    "e",
    "WW",
    "Wo",
    "W",
    "ww",
    "wo",
    "w",
    "Qo",
    "Q",
    "HH",
    "H",
    "hh",
    "h",
    "kk",
    "k",
    "mm",
    "m",
    "ss",
    "s",
    "SSSSSSSSS",
    "SSSSSSSS",
    "SSSSSSS",
    "SSSSSS",
    "SSSSS",
    "SSSS",
    "SSS",
    "SS",
    "S",
    "A",
    "a",
    "ZZ",
    "Z",
    "zz",
    "z",
    "X",
    "x",
];

fn ordinal(n: i64) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// Formats `at` in `zone` with a moment.js format string. `None` is
/// moment's default format (`YYYY-MM-DDTHH:mm:ssZ`, with a literal `Z`
/// when the offset is zero).
///
/// Supported tokens: `YYYY YY Y MMMM MMM MM Mo M DDDD DDD DDDo DD Do D
/// dddd ddd dd do d E e WW W Wo ww w wo Q Qo HH H hh h kk k mm m ss s
/// S…SSSSSSSSS A a ZZ Z zz z X x`, `[literal]` text and `\x` escapes; any
/// other character is copied. `w`/`ww` use ISO weeks (moment's `en`
/// locale weeks start on Sunday; they differ only around New Year).
pub(crate) fn moment_format(at: Timestamp, zone: &TimeZone, format: Option<&str>) -> String {
    let zoned = at.to_zoned(zone.clone());
    let offset_seconds = zoned.offset().seconds();
    let format = match format {
        Some(format) => format,
        None if offset_seconds == 0 => "YYYY-MM-DDTHH:mm:ss[Z]",
        None => "YYYY-MM-DDTHH:mm:ssZ",
    };
    let year = i64::from(zoned.year());
    let month = i64::from(zoned.month());
    let day = i64::from(zoned.day());
    let hour = i64::from(zoned.hour());
    let minute = i64::from(zoned.minute());
    let second = i64::from(zoned.second());
    let nanos = i64::from(zoned.subsec_nanosecond());
    let weekday = i64::from(zoned.weekday().to_sunday_zero_offset());
    let iso_weekday = i64::from(zoned.weekday().to_monday_one_offset());
    let day_of_year = i64::from(zoned.day_of_year());
    let iso_week = i64::from(zoned.date().iso_week_date().week());
    let offset = |colon: bool| {
        let sign = if offset_seconds < 0 { '-' } else { '+' };
        let abs = offset_seconds.abs();
        let (h, m) = (abs / 3600, (abs % 3600) / 60);
        if colon {
            format!("{sign}{h:02}:{m:02}")
        } else {
            format!("{sign}{h:02}{m:02}")
        }
    };
    let hour12 = if hour % 12 == 0 { 12 } else { hour % 12 };
    let month_name = MONTHS.get((month - 1) as usize).copied().unwrap_or("");
    let day_name = WEEKDAYS.get(weekday as usize).copied().unwrap_or("");

    let mut out = String::new();
    let mut rest = format;
    while let Some(c) = rest.chars().next() {
        if c == '['
            && let Some(end) = rest.find(']')
        {
            out.push_str(&rest[1..end]);
            rest = &rest[end + 1..];
            continue;
        }
        if c == '\\' {
            let mut chars = rest.chars();
            chars.next();
            if let Some(next) = chars.next() {
                out.push(next);
                rest = chars.as_str();
                continue;
            }
        }
        let Some(token) = TOKENS.iter().find(|token| rest.starts_with(**token)) else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        };
        let _ = match *token {
            "YYYYYY" => write!(out, "{}{:06}", if year < 0 { "-" } else { "+" }, year.abs()),
            "YYYYY" => write!(out, "{year:05}"),
            "YYYY" => write!(out, "{year:04}"),
            "YY" => write!(out, "{:02}", year.rem_euclid(100)),
            "Y" => write!(out, "{year}"),
            "MMMM" => write!(out, "{month_name}"),
            "MMM" => write!(out, "{}", month_name.get(..3).unwrap_or("")),
            "MM" => write!(out, "{month:02}"),
            "Mo" => write!(out, "{}", ordinal(month)),
            "M" => write!(out, "{month}"),
            "DDDD" => write!(out, "{day_of_year:03}"),
            "DDDo" => write!(out, "{}", ordinal(day_of_year)),
            "DDD" => write!(out, "{day_of_year}"),
            "Do" => write!(out, "{}", ordinal(day)),
            "DD" => write!(out, "{day:02}"),
            "D" => write!(out, "{day}"),
            "dddd" => write!(out, "{day_name}"),
            "ddd" => write!(out, "{}", day_name.get(..3).unwrap_or("")),
            "dd" => write!(out, "{}", day_name.get(..2).unwrap_or("")),
            "do" => write!(out, "{}", ordinal(weekday)),
            "d" | "e" => write!(out, "{weekday}"),
            "E" => write!(out, "{iso_weekday}"),
            "WW" | "ww" => write!(out, "{iso_week:02}"),
            "Wo" | "wo" => write!(out, "{}", ordinal(iso_week)),
            "W" | "w" => write!(out, "{iso_week}"),
            "Qo" => write!(out, "{}", ordinal((month - 1) / 3 + 1)),
            "Q" => write!(out, "{}", (month - 1) / 3 + 1),
            "HH" => write!(out, "{hour:02}"),
            "H" => write!(out, "{hour}"),
            "hh" => write!(out, "{hour12:02}"),
            "h" => write!(out, "{hour12}"),
            "kk" => write!(out, "{:02}", if hour == 0 { 24 } else { hour }),
            "k" => write!(out, "{}", if hour == 0 { 24 } else { hour }),
            "mm" => write!(out, "{minute:02}"),
            "m" => write!(out, "{minute}"),
            "ss" => write!(out, "{second:02}"),
            "s" => write!(out, "{second}"),
            "A" => write!(out, "{}", if hour < 12 { "AM" } else { "PM" }),
            "a" => write!(out, "{}", if hour < 12 { "am" } else { "pm" }),
            "ZZ" => write!(out, "{}", offset(false)),
            "Z" => write!(out, "{}", offset(true)),
            "zz" | "z" => write!(out, "{}", zone_abbreviation(&zoned)),
            "X" => write!(out, "{}", at.as_second()),
            "x" => write!(out, "{}", at.as_millisecond()),
            fraction => {
                // S, SS, … SSSSSSSSS: fractional seconds, truncated.
                let digits = fraction.len();
                let all = format!("{nanos:09}");
                write!(out, "{}", all.get(..digits).unwrap_or(&all))
            }
        };
        rest = &rest[token.len()..];
    }
    out
}

fn zone_abbreviation(zoned: &jiff::Zoned) -> String {
    let info = zoned.time_zone().to_offset_info(zoned.timestamp());
    info.abbreviation().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> Timestamp {
        "2020-01-10T00:30:00Z".parse().unwrap()
    }

    #[test]
    fn formats_like_moment() {
        let utc = TimeZone::UTC;
        assert_eq!(moment_format(at(), &utc, Some("YYYYMMDD")), "20200110");
        assert_eq!(
            moment_format(at(), &utc, Some("YYYYMMDD-HHmmss")),
            "20200110-003000"
        );
        let tokyo = super::zone("Asia/Tokyo").unwrap();
        assert_eq!(
            moment_format(at(), &tokyo, Some("YYYYMMDD-HHmmss")),
            "20200110-093000"
        );
        assert_eq!(
            moment_format(at(), &utc, Some("dddd, MMMM Do YYYY, h:mm:ss a")),
            "Friday, January 10th 2020, 12:30:00 am"
        );
        assert_eq!(
            moment_format(at(), &utc, Some("YYYY-MM-DDTHH:mm:ss.SSS[Z]")),
            "2020-01-10T00:30:00.000Z"
        );
        assert_eq!(moment_format(at(), &utc, None), "2020-01-10T00:30:00Z");
        assert_eq!(
            moment_format(at(), &tokyo, None),
            "2020-01-10T09:30:00+09:00"
        );
    }

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
