//! When a plain scalar must be quoted, and how to write a value in each quote style.

/// Would a YAML 1.1 or 1.2 reader take this plain text as anything but a
/// string, or is it not a valid plain scalar at all? `in_flow` adds the flow
/// indicators `,[]{}` to the characters that force quoting.
pub fn needs_quotes(v: &str, in_flow: bool) -> bool {
    let Some(first) = v.chars().next() else {
        return true;
    };
    if v.starts_with([' ', '\t']) || v.ends_with([' ', '\t']) {
        return true;
    }
    if v.chars()
        .any(|c| c.is_control() || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}'))
    {
        return true;
    }
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        return true;
    }
    if v.contains(": ") || v.contains(" #") || v.ends_with(':') {
        return true;
    }
    if in_flow && v.contains([',', '[', ']', '{', '}']) {
        return true;
    }
    if v == "---" || v == "..." || v == "=" || v == "<<" {
        return true;
    }
    resolves_to_non_string(v)
}

/// YAML 1.1 / 1.2 core-schema implicit resolution of a plain scalar, taken
/// generously: null, booleans (1.1 includes y/n/yes/no/on/off), ints and floats
/// (1.1 octal `0755`, binary, sexagesimal `1:20`, underscores), and 1.1 timestamps.
pub fn resolves_to_non_string(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "~" | "null" | "y" | "n" | "yes" | "no" | "true" | "false" | "on" | "off"
    ) {
        return true;
    }
    let unsigned = lower.strip_prefix(['+', '-']).unwrap_or(&lower);
    if matches!(unsigned, ".inf" | ".nan") || lower == ".nan" {
        return true;
    }
    for prefix in ["0x", "0o", "0b"] {
        if let Some(rest) = unsigned.strip_prefix(prefix)
            && !rest.is_empty()
            && rest.chars().all(|c| c.is_ascii_hexdigit() || c == '_')
        {
            return true;
        }
    }
    if is_number(unsigned) {
        return true;
    }
    is_timestamp(v)
}

fn is_number(s: &str) -> bool {
    let (mantissa, exponent) = match s.find('e') {
        Some(i) => (s.get(..i).unwrap_or(""), Some(s.get(i + 1..).unwrap_or(""))),
        None => (s, None),
    };
    if !mantissa.chars().any(|c| c.is_ascii_digit()) {
        return false;
    }
    if !mantissa
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '_' | '.' | ':'))
    {
        return false;
    }
    if !mantissa.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return false;
    }
    if mantissa.matches('.').count() > 1 {
        return false;
    }
    match exponent {
        None => true,
        Some(e) => {
            let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
            !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
        }
    }
}

fn is_timestamp(v: &str) -> bool {
    let b = v.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    digits(0..4) && b.get(4) == Some(&b'-') && b.get(5).is_some_and(u8::is_ascii_digit)
}

/// The value as a double-quoted scalar.
pub(crate) fn double(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    out.push('"');
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The value as a single-quoted scalar, or `None` when it holds characters a
/// single-quoted scalar cannot carry on one line.
pub(crate) fn single(v: &str) -> Option<String> {
    if v.chars()
        .any(|c| (c.is_control() && c != '\t') || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}'))
    {
        return None;
    }
    Some(format!("'{}'", v.replace('\'', "''")))
}

/// The value quoted: double-quoted when `double`, else single-quoted (or
/// double-quoted when single quotes cannot carry it).
pub(crate) fn in_style(v: &str, double_quotes: bool) -> String {
    if double_quotes {
        double(v)
    } else {
        single(v).unwrap_or_else(|| double(v))
    }
}

/// The value as a new scalar in a file whose quote preference is
/// `prefer_double`: plain when plain reads back as the same string.
pub(crate) fn fresh(v: &str, prefer_double: bool) -> String {
    if needs_quotes(v, false) {
        in_style(v, prefer_double)
    } else {
        v.to_owned()
    }
}
