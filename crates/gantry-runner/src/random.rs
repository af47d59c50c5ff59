//! Random identifiers: heredoc delimiters and stop-commands tokens.
//!
//! Both must be unguessable by whoever controls the text they guard (an
//! output value, a log line), so they come from the OS generator.

use std::io;

/// A random (version 4) UUID, lowercase and hyphenated, as `uuid.v4()`
/// formats it in `@actions/core`.
pub(crate) fn uuid_v4() -> io::Result<String> {
    let mut b = [0u8; 16];
    fill(&mut b)?;
    b[6] = (b[6] & 0x0f) | 0x40; // version 4
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    let hex = to_hex(&b);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}

/// `bytes` random bytes as lowercase hex.
pub(crate) fn hex_token(bytes: usize) -> io::Result<String> {
    let mut b = vec![0u8; bytes];
    fill(&mut b)?;
    Ok(to_hex(&b))
}

fn fill(buf: &mut [u8]) -> io::Result<()> {
    // getrandom's error only implements std::error::Error with its `std`
    // feature; its message is all we need.
    getrandom::fill(buf).map_err(|e| io::Error::other(format!("no OS randomness: {e}")))
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_v4_has_the_version_and_variant_bits() {
        let u = uuid_v4().unwrap();
        assert_eq!(u.len(), 36);
        let parts: Vec<&str> = u.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'), "{u}");
        assert!(matches!(&parts[3][..1], "8" | "9" | "a" | "b"), "{u}");
        assert!(u.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
        assert_ne!(u, uuid_v4().unwrap());
    }

    #[test]
    fn hex_token_length() {
        assert_eq!(hex_token(16).unwrap().len(), 32);
        assert_eq!(to_hex(&[0x00, 0xab, 0xff]), "00abff");
    }
}
