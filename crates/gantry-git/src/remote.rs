//! A remote repository and its credentials.

use std::fmt;

use base64::Engine as _;

/// How to authenticate to a remote.
#[derive(Clone, Default)]
pub enum Auth {
    /// Whatever git is set up with (SSH agent, credential helpers), or none.
    #[default]
    Ambient,
    /// An HTTPS token (a GitHub token or App installation token), sent as
    /// `Authorization: Basic base64(x-access-token:TOKEN)`.
    Token(String),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Ambient => f.write_str("Ambient"),
            Auth::Token(_) => f.write_str("Token(***)"),
        }
    }
}

/// A repository to clone from and push to.
#[derive(Debug, Clone)]
pub struct Remote {
    url: String,
    auth: Auth,
}

impl Remote {
    /// `url` as git takes it (`https://…`, `ssh://…`, `git@host:path`,
    /// `git://…`, `file://…`, a path). User info in an HTTPS URL is moved
    /// out of it into [`Auth::Token`] when no token is given, so it is never
    /// printed or stored in the clone's config.
    pub fn new(url: &str, auth: Auth) -> Remote {
        if let Ok(mut parsed) = url::Url::parse(url)
            && matches!(parsed.scheme(), "http" | "https")
            && parsed.password().is_some()
        {
            let token = parsed.password().unwrap_or_default().to_owned();
            let _ = parsed.set_password(None);
            let _ = parsed.set_username("");
            let auth = match auth {
                Auth::Ambient => Auth::Token(token),
                given => given,
            };
            return Remote {
                url: parsed.to_string(),
                auth,
            };
        }
        Remote {
            url: url.to_owned(),
            auth,
        }
    }

    /// The URL git is given (no credentials in it).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The URL for messages: user info removed.
    pub fn shown_url(&self) -> String {
        shown_url(&self.url)
    }

    /// The secret, if any, for redaction.
    pub fn secret(&self) -> Option<&str> {
        match &self.auth {
            Auth::Token(t) => Some(t),
            Auth::Ambient => None,
        }
    }

    /// Environment that configures git to authenticate to this remote
    /// (`GIT_CONFIG_COUNT`/`KEY_n`/`VALUE_n`, read by git ≥ 2.31), scoped
    /// to the remote's URL so the header goes nowhere else.
    pub(crate) fn auth_env(&self) -> Vec<(String, String)> {
        match &self.auth {
            Auth::Ambient => Vec::new(),
            Auth::Token(token) => {
                let basic = base64::engine::general_purpose::STANDARD
                    .encode(format!("x-access-token:{token}"));
                vec![
                    ("GIT_CONFIG_COUNT".to_owned(), "1".to_owned()),
                    (
                        "GIT_CONFIG_KEY_0".to_owned(),
                        format!("http.{}.extraHeader", self.url),
                    ),
                    (
                        "GIT_CONFIG_VALUE_0".to_owned(),
                        format!("Authorization: Basic {basic}"),
                    ),
                ]
            }
        }
    }
}

/// `url` with any user info removed (`https://x:tok@host/r` → `https://host/r`).
pub fn shown_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
            let _ = parsed.set_password(None);
            let _ = parsed.set_username("");
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn credentials_never_stay_in_the_url() {
        let remote = Remote::new(
            "https://x-access-token:ghs_secret@github.com/acme/deploy.git",
            Auth::Ambient,
        );
        assert_eq!(remote.url(), "https://github.com/acme/deploy.git");
        assert_eq!(remote.secret(), Some("ghs_secret"));
        assert!(!format!("{remote:?}").contains("ghs_secret"));
        let env = remote.auth_env();
        assert_eq!(env.len(), 3);
        assert!(
            env.iter()
                .all(|(k, v)| !k.contains("ghs_secret") && !v.contains("ghs_secret"))
        );
        for (url, shown) in [
            ("https://u:p@example.com/r.git", "https://example.com/r.git"),
            ("ssh://git@example.com/r.git", "ssh://example.com/r.git"),
            ("git@github.com:acme/r.git", "git@github.com:acme/r.git"),
            ("file:///tmp/r.git", "file:///tmp/r.git"),
        ] {
            assert_eq!(shown_url(url), shown, "{url}");
        }
    }
}
