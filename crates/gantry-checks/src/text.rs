//! How measurements are written: numbers, durations, URLs with their
//! secrets masked, and transport errors in a few plain words.

use std::error::Error as _;
use std::time::Duration;

use url::Url;

/// What replaces a secret.
pub(crate) const MASK: &str = "***";

/// Query parameter names whose values are masked when a URL is shown.
const SECRET_WORDS: [&str; 8] = [
    "token",
    "secret",
    "password",
    "passwd",
    "key",
    "auth",
    "signature",
    "credential",
];
/// Names that are secret only when they are the whole name.
const SECRET_NAMES: [&str; 4] = ["cookie", "set-cookie", "sig", "session"];

/// Whether a header (or query parameter) of this name carries a secret:
/// `Authorization`, `Proxy-Authorization`, `Cookie`, and any name with
/// `token`, `secret`, `password`, `key`, `auth`, `signature` or
/// `credential` in it (`X-Api-Key`, `X-Auth-Token`, …), and the query
/// parameters `sig` and `session`.
pub fn is_sensitive_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_NAMES.contains(&name.as_str()) || SECRET_WORDS.iter().any(|word| name.contains(word))
}

/// `url` as it may be printed: the user name and password (`***@`: a token
/// travels as a user name too) and the values of secret looking query
/// parameters replaced by `***`.
pub fn display_url(url: &Url) -> String {
    let mut shown = url.clone();
    if !shown.username().is_empty() || shown.password().is_some() {
        let _ = shown.set_username(MASK);
        let _ = shown.set_password(None);
    }
    if shown.query().is_some() {
        let pairs: Vec<(String, String)> = shown
            .query_pairs()
            .map(|(k, v)| {
                let v = if is_sensitive_name(&k) {
                    MASK.to_owned()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        if pairs.iter().any(|(_, v)| v == MASK) {
            shown.query_pairs_mut().clear().extend_pairs(pairs);
        }
    }
    shown.to_string()
}

/// The secrets a URL carries (raw and decoded): its password, or without
/// one a user name (`https://TOKEN@host/`: the token travels as the user
/// name; beside a password a user name is not a secret, and masking a short
/// one would mask its letters everywhere), and the values of its secret
/// looking query parameters.
pub fn url_secrets(url: &Url) -> Vec<String> {
    let mut secrets = Vec::new();
    let credential = url.password().unwrap_or(url.username());
    if !credential.is_empty() {
        secrets.push(credential.to_owned());
        if let Ok(decoded) = percent_decode(credential) {
            secrets.push(decoded);
        }
    }
    for (k, v) in url.query_pairs() {
        if is_sensitive_name(&k) && !v.is_empty() {
            secrets.push(v.into_owned());
        }
    }
    secrets.retain(|s| !s.is_empty());
    secrets.sort();
    secrets.dedup();
    secrets
}

fn percent_decode(text: &str) -> Result<String, std::string::FromUtf8Error> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes.get(i), bytes.get(i + 1), bytes.get(i + 2)) {
            (Some(b'%'), Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                let value = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                out.push(value as u8);
                i += 3;
            }
            (Some(&b), _, _) => {
                out.push(b);
                i += 1;
            }
            _ => break,
        }
    }
    String::from_utf8(out)
}

/// `text` with every secret replaced by `***` (longest first, so a secret
/// that contains another is masked whole).
pub(crate) fn mask(text: &str, secrets: &[String]) -> String {
    let mut secrets: Vec<&String> = secrets.iter().filter(|s| s.len() >= 3).collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut text = text.to_owned();
    for secret in secrets {
        if text.contains(secret.as_str()) {
            text = text.replace(secret.as_str(), MASK);
        }
    }
    text
}

/// One line of at most `max` characters: control characters (newlines)
/// become spaces, runs of spaces one, and a longer text ends in `…`.
pub(crate) fn one_line(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut space = false;
    for c in text.trim().chars() {
        let c = if c.is_control() || c.is_whitespace() {
            ' '
        } else {
            c
        };
        if c == ' ' {
            if space {
                continue;
            }
            space = true;
        } else {
            space = false;
        }
        if count == max {
            out.push('…');
            return out;
        }
        out.push(c);
        count += 1;
    }
    out
}

/// A measured value, short: 4 significant digits (`0.3077`, `12.35`,
/// `1234`), `1.2e-7` for tiny ones, `NaN`, `+Inf`, `-Inf`.
pub fn number(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    if value == 0.0 {
        return "0".to_owned();
    }
    let magnitude = value.abs();
    if !(1e-4..1e15).contains(&magnitude) {
        let text = format!("{value:.3e}");
        return match text.split_once('e') {
            Some((mantissa, exponent)) => format!("{}e{exponent}", trim_zeros(mantissa)),
            None => text,
        };
    }
    let decimals = (3 - magnitude.log10().floor() as i32).max(0) as usize;
    trim_zeros(&format!("{value:.decimals$}"))
}

/// `value` written so it cannot be mistaken for `against` (a threshold):
/// short unless the short form reads the same as a different threshold.
pub(crate) fn number_against(value: f64, against: f64) -> String {
    let short = number(value);
    if value != against && short == number(against) {
        format!("{value}")
    } else {
        short
    }
}

fn trim_zeros(text: &str) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text.to_owned()
    }
}

/// A configured duration: `2 s`, `500 ms`, `1.5 s`, `2 min`.
pub fn duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        return format!("{} µs", d.as_micros());
    }
    if ms.is_multiple_of(60_000) && ms >= 120_000 {
        return format!("{} min", ms / 60_000);
    }
    if ms.is_multiple_of(1000) {
        return format!("{} s", ms / 1000);
    }
    if ms < 1000 {
        return format!("{ms} ms");
    }
    format!("{} s", trim_zeros(&format!("{:.3}", d.as_secs_f64())))
}

/// A measured latency: `0.4 ms`, `12 ms`, `2350 ms`, `12.3 s`.
pub(crate) fn latency(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 1.0 {
        format!("{ms:.1} ms")
    } else if ms < 10_000.0 {
        format!("{} ms", ms.round())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// Why a request got no answer, in a few words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Transport {
    /// Nothing within the timeout.
    TimedOut,
    /// `ECONNREFUSED`: nothing listens.
    Refused,
    /// The connection was reset or closed before an answer.
    Reset(String),
    /// The host name did not resolve.
    Dns(String),
    /// More redirects than allowed.
    Redirects,
    /// Anything else (TLS, a protocol error), in the words of the
    /// innermost error.
    Other(String),
}

impl Transport {
    /// Classify a reqwest error by walking its sources (never printing
    /// the reqwest error itself, which names the URL).
    pub(crate) fn of(err: &reqwest::Error) -> Transport {
        if err.is_timeout() {
            return Transport::TimedOut;
        }
        if err.is_redirect() {
            return Transport::Redirects;
        }
        let mut messages: Vec<String> = Vec::new();
        let mut io_kind = None;
        let mut source = err.source();
        while let Some(current) = source {
            if let Some(io) = current.downcast_ref::<std::io::Error>() {
                io_kind.get_or_insert(io.kind());
            }
            if current.downcast_ref::<reqwest::Error>().is_none() {
                let message = current.to_string();
                if !message.is_empty() && !messages.contains(&message) {
                    messages.push(message);
                }
            }
            source = current.source();
        }
        let lowered: Vec<String> = messages.iter().map(|m| m.to_ascii_lowercase()).collect();
        let innermost = messages.last().cloned().unwrap_or_else(|| {
            // No source: the error's own words, without the URL.
            let mut text = String::new();
            if err.is_connect() {
                text.push_str("cannot connect");
            } else if err.is_body() || err.is_decode() {
                text.push_str("the answer's body could not be read");
            } else {
                text.push_str("request failed");
            }
            text
        });
        use std::io::ErrorKind;
        match io_kind {
            Some(ErrorKind::TimedOut) => return Transport::TimedOut,
            Some(ErrorKind::ConnectionRefused) => return Transport::Refused,
            Some(ErrorKind::ConnectionReset) => {
                return Transport::Reset("connection reset".to_owned());
            }
            Some(ErrorKind::ConnectionAborted) => {
                return Transport::Reset("connection aborted".to_owned());
            }
            Some(ErrorKind::BrokenPipe) => {
                return Transport::Reset("connection closed (broken pipe)".to_owned());
            }
            Some(ErrorKind::UnexpectedEof) => {
                return Transport::Reset("connection closed before an answer".to_owned());
            }
            _ => {}
        }
        if lowered.iter().any(|m| m.contains("dns error")) {
            return Transport::Dns(innermost);
        }
        if lowered.iter().any(|m| m.contains("connection refused")) {
            return Transport::Refused;
        }
        if lowered
            .iter()
            .any(|m| m.contains("connection closed before message completed"))
        {
            return Transport::Reset("connection closed before an answer".to_owned());
        }
        if lowered
            .iter()
            .any(|m| m.contains("connection reset") || m.contains("reset by peer"))
        {
            return Transport::Reset("connection reset".to_owned());
        }
        Transport::Other(innermost)
    }

    /// In words, for `host` and a request that may take `timeout`.
    pub(crate) fn describe(&self, host: &str, timeout: Duration) -> String {
        match self {
            Transport::TimedOut => format!("timed out after {}", duration(timeout)),
            Transport::Refused => "connection refused".to_owned(),
            Transport::Reset(what) => what.clone(),
            Transport::Dns(why) => format!("DNS lookup of {host} failed: {}", one_line(why, 120)),
            Transport::Redirects => {
                format!("too many redirects (more than {})", crate::MAX_REDIRECTS)
            }
            Transport::Other(why) => format!("request failed: {}", one_line(why, 160)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_honest() {
        for (value, text) in [
            (0.0, "0"),
            (0.01, "0.01"),
            (0.3076923, "0.3077"),
            (0.1 + 0.2, "0.3"),
            (12.3456, "12.35"),
            (1234.56, "1235"),
            (123456.0, "123456"),
            (-2.5, "-2.5"),
            (0.000012345, "1.234e-5"),
            (1.0, "1"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
        ] {
            assert_eq!(number(value), text, "{value}");
        }
        // A value just over a threshold is not written as the threshold.
        assert_eq!(number_against(0.010001, 0.01), "0.010001");
        assert_eq!(number_against(0.31, 0.01), "0.31");
    }

    #[test]
    fn durations_read_naturally() {
        for (d, text) in [
            (Duration::from_secs(2), "2 s"),
            (Duration::from_millis(500), "500 ms"),
            (Duration::from_millis(1500), "1.5 s"),
            (Duration::from_secs(120), "2 min"),
            (Duration::from_secs(90), "90 s"),
            (Duration::from_micros(300), "300 µs"),
        ] {
            assert_eq!(duration(d), text);
        }
        assert_eq!(latency(Duration::from_micros(420)), "0.4 ms");
        assert_eq!(latency(Duration::from_micros(12_400)), "12 ms");
        assert_eq!(latency(Duration::from_millis(2350)), "2350 ms");
        assert_eq!(latency(Duration::from_millis(12_340)), "12.3 s");
    }

    #[test]
    fn urls_are_shown_without_their_secrets() {
        let url =
            Url::parse("https://bot:p%40ss@example.com/x?token=abc&env=prod&api_key=k1").unwrap();
        let shown = display_url(&url);
        assert_eq!(
            shown,
            "https://***@example.com/x?token=***&env=prod&api_key=***"
        );
        assert_eq!(url_secrets(&url), ["abc", "k1", "p%40ss", "p@ss"]);
        // A token as the user name is the secret.
        let token = Url::parse("https://ghp_t0ken@example.com/x").unwrap();
        assert_eq!(display_url(&token), "https://***@example.com/x");
        assert_eq!(url_secrets(&token), ["ghp_t0ken"]);
        let plain = Url::parse("http://127.0.0.1:9090/health?x=1").unwrap();
        assert_eq!(display_url(&plain), "http://127.0.0.1:9090/health?x=1");
        assert!(url_secrets(&plain).is_empty());
    }

    #[test]
    fn sensitive_names() {
        for name in [
            "Authorization",
            "proxy-authorization",
            "Cookie",
            "X-Api-Key",
            "X-Auth-Token",
            "private-token",
            "X-Vault-Secret",
        ] {
            assert!(is_sensitive_name(name), "{name}");
        }
        for name in ["Accept", "X-Request-Id", "Host", "User-Agent"] {
            assert!(!is_sensitive_name(name), "{name}");
        }
    }

    #[test]
    fn masking_and_one_line() {
        let secrets = vec![
            "s3cret".to_owned(),
            "s3cret-longer".to_owned(),
            "ab".to_owned(),
        ];
        assert_eq!(
            mask("a s3cret-longer and s3cret, ab", &secrets),
            "a *** and ***, ab"
        );
        assert_eq!(one_line("  a\n\n b\tc  ", 80), "a b c");
        assert_eq!(one_line("abcdef", 3), "abc…");
    }
}
