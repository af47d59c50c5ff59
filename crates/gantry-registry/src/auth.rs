//! `WWW-Authenticate` challenges and token caching.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How a registry asked to be authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Challenge {
    /// `Basic realm=…`: send the credentials on every request.
    Basic,
    /// `Bearer realm=…,service=…`: get a token from `realm`.
    Bearer {
        realm: String,
        service: Option<String>,
    },
}

/// Parse `WWW-Authenticate` header values; a Bearer challenge wins over Basic.
pub(crate) fn parse_challenges<'a>(values: impl Iterator<Item = &'a str>) -> Option<Challenge> {
    let mut basic = false;
    for value in values {
        let value = value.trim();
        let (scheme, params) = value.split_once(' ').unwrap_or((value, ""));
        if scheme.eq_ignore_ascii_case("bearer") {
            let params = parse_params(params);
            let realm = params.get("realm").cloned().filter(|r| !r.is_empty());
            if let Some(realm) = realm {
                return Some(Challenge::Bearer {
                    realm,
                    service: params.get("service").cloned(),
                });
            }
        } else if scheme.eq_ignore_ascii_case("basic") {
            basic = true;
        }
    }
    basic.then_some(Challenge::Basic)
}

/// `realm="a,b",service=x` → {realm: "a,b", service: "x"} (keys lower-cased).
fn parse_params(input: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut chars = input.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ',' {
                break;
            }
            key.push(c);
            chars.next();
        }
        if key.is_empty() && chars.peek().is_none() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'=') {
            chars.next();
            if chars.peek() == Some(&'"') {
                chars.next();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some(next) = chars.next() {
                                value.push(next);
                            }
                        }
                        '"' => break,
                        c => value.push(c),
                    }
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c == ',' {
                        break;
                    }
                    value.push(c);
                    chars.next();
                }
            }
        }
        let key = key.trim().to_ascii_lowercase();
        if !key.is_empty() {
            out.insert(key, value.trim().to_owned());
        }
        if chars.peek().is_none() {
            break;
        }
    }
    out
}

/// Bearer tokens by registry and scope.
#[derive(Default)]
pub(crate) struct TokenCache {
    tokens: HashMap<(String, String), (String, Instant)>,
}

impl TokenCache {
    pub(crate) fn get(&self, registry: &str, scope: &str) -> Option<String> {
        self.tokens
            .get(&(registry.to_owned(), scope.to_owned()))
            .filter(|(_, until)| Instant::now() < *until)
            .map(|(token, _)| token.clone())
    }

    pub(crate) fn insert(&mut self, registry: &str, scope: &str, token: String, ttl: Duration) {
        // Renew a little early so a token never expires in flight.
        let ttl = ttl
            .saturating_sub(Duration::from_secs(5))
            .max(Duration::from_secs(1));
        self.tokens.insert(
            (registry.to_owned(), scope.to_owned()),
            (token, Instant::now() + ttl),
        );
    }

    pub(crate) fn remove(&mut self, registry: &str, scope: &str) {
        self.tokens.remove(&(registry.to_owned(), scope.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bearer() {
        let c = parse_challenges(
            [r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a/b:pull,push""#]
                .into_iter(),
        );
        assert_eq!(
            c,
            Some(Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into())
            })
        );
    }

    #[test]
    fn parses_basic_and_prefers_bearer() {
        assert_eq!(
            parse_challenges([r#"Basic realm="x""#].into_iter()),
            Some(Challenge::Basic)
        );
        assert_eq!(
            parse_challenges([r#"Basic realm="x""#, "bearer realm=http://t/token"].into_iter()),
            Some(Challenge::Bearer {
                realm: "http://t/token".into(),
                service: None
            })
        );
        assert_eq!(parse_challenges(["Negotiate"].into_iter()), None);
    }
}
