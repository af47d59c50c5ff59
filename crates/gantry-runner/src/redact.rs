//! Secrets replaced by `***` in everything gantry prints.
//!
//! The runner masks registered secrets in the job log, but only where it
//! reads output (the log), not in a file, a terminal or another CI. So gantry
//! redacts its own output before writing it, and also tells the runner
//! (`::add-mask::`) so output of child processes is masked too.

use std::borrow::Cow;
use std::fmt;

/// The replacement text, the same as the runner's.
pub const MASK: &str = "***";

/// A set of secret strings to hide.
///
/// `Debug` shows only how many secrets are registered, never them.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

impl Redactor {
    /// No secrets yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `secret` and returns the values newly added, which is what
    /// should be sent as `::add-mask::` commands.
    ///
    /// Follows the runner: an empty or whitespace-only value is ignored (the
    /// runner warns and ignores it), the whole value is masked, and for a
    /// multi-line value each non-blank line is also masked on its own,
    /// trimmed, because output is masked line by line and a multi-line
    /// secret never appears whole within one line. There is no minimum
    /// length, as in the runner: a one-character secret masks that character
    /// everywhere.
    pub fn register(&mut self, secret: &str) -> Vec<String> {
        let mut candidates = vec![secret];
        candidates.extend(secret.split(['\r', '\n']).map(str::trim));
        let mut added = Vec::new();
        for c in candidates {
            if c.trim().is_empty() || self.secrets.iter().any(|s| s == c) {
                continue;
            }
            self.secrets.push(c.to_owned());
            added.push(c.to_owned());
        }
        added
    }

    /// Whether no secret is registered.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// `text` with every occurrence of every secret replaced by [`MASK`].
    ///
    /// Occurrences that overlap (two secrets sharing characters, or one
    /// secret repeated into itself like `aa` in `aaa`) are merged into one
    /// masked span, so no part of any secret survives.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for secret in &self.secrets {
            let mut from = 0;
            while let Some(pos) = text[from..].find(secret.as_str()) {
                let start = from + pos;
                spans.push((start, start + secret.len()));
                // Step one character, not the whole match, to catch overlaps.
                from = start + text[start..].chars().next().map_or(1, char::len_utf8);
            }
        }
        if spans.is_empty() {
            return Cow::Borrowed(text);
        }
        spans.sort_unstable();
        let mut out = String::with_capacity(text.len());
        let mut written = 0;
        let mut current: Option<(usize, usize)> = None;
        for (start, end) in spans {
            match current {
                Some((s, e)) if start <= e => current = Some((s, e.max(end))),
                _ => {
                    if let Some((s, e)) = current {
                        out.push_str(&text[written..s]);
                        out.push_str(MASK);
                        written = e;
                    }
                    current = Some((start, end));
                }
            }
        }
        if let Some((s, e)) = current {
            out.push_str(&text[written..s]);
            out.push_str(MASK);
            written = e;
        }
        out.push_str(&text[written..]);
        Cow::Owned(out)
    }

    /// A copy of `value` with every string (and object key) redacted, so a
    /// secret is hidden in JSON output whatever JSON escaping would do to it.
    pub fn redact_json(&self, value: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        if self.is_empty() {
            return value.clone();
        }
        match value {
            Value::String(s) => Value::String(self.redact(s).into_owned()),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.redact_json(v)).collect())
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (self.redact(k).into_owned(), self.redact_json(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// The forms a Basic-auth credential takes on the wire and on disk, each a
/// secret to mask: the password, and the base64 of `user:password` (an
/// `Authorization: Basic …` header, a Docker config `auth` field), padded
/// and unpadded. Empty passwords give nothing: there is nothing to hide.
pub fn basic_auth_forms(user: &str, password: &str) -> Vec<String> {
    if password.trim().is_empty() {
        return Vec::new();
    }
    let encoded = base64_standard(format!("{user}:{password}").as_bytes());
    let unpadded = encoded.trim_end_matches('=').to_owned();
    let mut forms = vec![password.to_owned(), encoded];
    if !forms.contains(&unpadded) {
        forms.push(unpadded);
    }
    forms
}

/// RFC 4648 base64 with padding; a few lines instead of a dependency for the
/// one place the runner crate needs it.
pub fn base64_standard(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor(secrets: &[&str]) -> Redactor {
        let mut r = Redactor::new();
        for s in secrets {
            r.register(s);
        }
        r
    }

    #[test]
    fn redact_table() {
        let cases: &[(&[&str], &str, &str)] = &[
            (&[], "nothing to hide", "nothing to hide"),
            (&["tok"], "a tok b tok", "a *** b ***"),
            (&["tok"], "tokentok", "***en***"),
            (&["aa"], "aaa", "***"),
            (&["abc", "cde"], "xabcdex", "x***x"),
            (&["abc", "b"], "abc b", "*** ***"),
            (&["ünï"], "€ ünï €", "€ *** €"),
            (&["line1\nline2"], "line1\nline2", "***"),
            (&["line1\nline2"], "got line2 only", "got *** only"),
            (&["  padded  "], "[padded]", "[***]"),
            (&["", "   ", "\n"], "   \n", "   \n"),
        ];
        for (secrets, text, expected) in cases {
            assert_eq!(
                redactor(secrets).redact(text),
                *expected,
                "{secrets:?} in {text:?}"
            );
        }
    }

    #[test]
    fn unchanged_text_is_borrowed() {
        assert!(matches!(redactor(&["x"]).redact("abc"), Cow::Borrowed(_)));
    }

    #[test]
    fn register_returns_new_values_only() {
        let mut r = Redactor::new();
        assert_eq!(r.register("a\r\nb\n\n"), ["a\r\nb\n\n", "a", "b"]);
        assert!(r.register("a").is_empty());
        assert!(r.register("").is_empty());
        assert!(r.register(" \t").is_empty());
        assert_eq!(r.register("one"), ["one"]);
    }

    #[test]
    fn debug_does_not_show_secrets() {
        let r = redactor(&["hunter2"]);
        let shown = format!("{r:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(shown, "Redactor { secrets: 1 }");
    }

    #[test]
    fn json_strings_and_keys() {
        let r = redactor(&["se\"cret"]);
        let v = serde_json::json!({"se\"cret": ["x se\"cret y", 1, null], "n": {"k": "se\"cret"}});
        let out = serde_json::to_string(&r.redact_json(&v)).unwrap();
        assert_eq!(out, r#"{"***":["x *** y",1,null],"n":{"k":"***"}}"#);
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
            ("user:pa55", "dXNlcjpwYTU1"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64_standard(plain.as_bytes()), encoded, "{plain:?}");
        }
    }

    #[test]
    fn basic_auth_forms_hide_the_header_value() {
        assert_eq!(basic_auth_forms("user", "pass"), ["pass", "dXNlcjpwYXNz"]);
        assert_eq!(basic_auth_forms("u", "pw"), ["pw", "dTpwdw==", "dTpwdw"]);
        assert!(basic_auth_forms("user", "").is_empty());
        let mut r = Redactor::new();
        for form in basic_auth_forms("robot", "s3cret") {
            r.register(&form);
        }
        assert_eq!(
            r.redact("Authorization: Basic cm9ib3Q6czNjcmV0"),
            "Authorization: Basic ***"
        );
    }
}
