//! URLs as they may be printed.

use url::Url;

const MASK: &str = "***";

/// `url` with its user name and password replaced by `***`. A user name is
/// masked too: `https://TOKEN@github.com/…` and `https://x-access-token:TOKEN@…`
/// are how tokens travel in URLs, and telling a user name from a token is
/// guesswork.
pub fn display_url(url: &Url) -> String {
    if url.username().is_empty() && url.password().is_none() {
        return url.to_string();
    }
    let mut shown = url.clone();
    // Only fails for URLs that cannot have credentials, which have none.
    let _ = shown.set_username(MASK);
    let _ = shown.set_password(None);
    shown.to_string()
}

/// [`display_url`] for text that may not be a URL at all (`git@host:repo`,
/// a path): parsed when it is one, else returned with anything before an
/// `@` in its authority masked.
pub fn display_url_str(text: &str) -> String {
    if let Ok(url) = Url::parse(text)
        && url.has_authority()
    {
        return display_url(&url);
    }
    match text.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((userinfo, host)) if !userinfo.contains('/') => {
                format!("{scheme}://{MASK}@{host}")
            }
            _ => text.to_owned(),
        },
        None => text.to_owned(),
    }
}

/// The secrets a URL carries in its authority, raw and percent-decoded:
/// register each with the printer before anything can print the URL.
pub fn url_credentials(url: &Url) -> Vec<String> {
    let mut secrets = Vec::new();
    for part in [url.username(), url.password().unwrap_or("")] {
        if part.is_empty() {
            continue;
        }
        secrets.push(part.to_owned());
        let decoded = percent_decode(part);
        if decoded != part {
            secrets.push(decoded);
        }
    }
    secrets
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn credentials_never_print() {
        let cases = [
            (
                "https://github.com/acme/gitops.git",
                "https://github.com/acme/gitops.git",
            ),
            (
                "https://ghp_abc@github.com/acme/g.git",
                "https://***@github.com/acme/g.git",
            ),
            (
                "https://x-access-token:ghs_1@github.com/acme/g.git",
                "https://***@github.com/acme/g.git",
            ),
            (
                "http://u:p%40ss@127.0.0.1:8080/x",
                "http://***@127.0.0.1:8080/x",
            ),
            ("file:///srv/repo.git", "file:///srv/repo.git"),
        ];
        for (input, shown) in cases {
            assert_eq!(display_url(&Url::parse(input).unwrap()), shown, "{input}");
            assert_eq!(display_url_str(input), shown, "{input}");
        }
        assert_eq!(
            display_url_str("git@github.com:acme/g.git"),
            "git@github.com:acme/g.git"
        );
        assert_eq!(display_url_str("/srv/repo.git"), "/srv/repo.git");
        assert_eq!(
            display_url_str("weird://tok@en@host/x"),
            "weird://***@host/x"
        );
    }

    #[test]
    fn credentials_are_listed_raw_and_decoded() {
        let url = Url::parse("https://user:p%40ss@host/").unwrap();
        assert_eq!(url_credentials(&url), ["user", "p%40ss", "p@ss"]);
        assert!(url_credentials(&Url::parse("https://host/").unwrap()).is_empty());
    }
}
