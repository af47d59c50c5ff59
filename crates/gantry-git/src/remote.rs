//! A remote repository and its credentials.

use std::fmt;

use base64::Engine as _;

use crate::error::GitError;

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

/// The URL schemes gantry hands to git. Anything else is refused before
/// git runs: `ext::` and `fd::` remote helpers run commands, and a bare word
/// or a path is too easily a typo.
const SCHEMES: &[&str] = &["https", "http", "ssh", "git", "file"];

/// Check that `url` is one of the forms gantry gives git: `https://`,
/// `http://`, `ssh://`, `git://`, `file://` with what each needs, or
/// scp-like `user@host:path`.
pub fn check_url(url: &str) -> Result<(), GitError> {
    let bad = |reason: String| GitError::BadUrl {
        url: gantry_http::display_url_str(&url.escape_debug().to_string()),
        reason,
    };
    if url.is_empty() {
        return Err(bad("it is empty".to_owned()));
    }
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(bad("it holds a space or a control character".to_owned()));
    }
    if url.starts_with('-') {
        return Err(bad("a repository URL does not start with `-`".to_owned()));
    }
    // git's `<transport>::<address>`: a remote helper, `ext::` runs any
    // command.
    let scheme_len = url
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
        .unwrap_or(url.len());
    if url
        .get(scheme_len..)
        .is_some_and(|rest| rest.starts_with("::"))
    {
        return Err(bad(format!(
            "`{}::` is a git remote helper, which can run commands; use https://, ssh://, git://, file:// or user@host:path",
            url.get(..scheme_len).unwrap_or("")
        )));
    }
    if url.contains("://") {
        let parsed = url::Url::parse(url).map_err(|e| bad(e.to_string()))?;
        let scheme = parsed.scheme();
        if !SCHEMES.contains(&scheme) {
            return Err(bad(format!(
                "unsupported scheme `{scheme}`: use https://, http://, ssh://, git://, file:// or user@host:path"
            )));
        }
        if scheme == "file" {
            if parsed.path().len() <= 1 {
                return Err(bad(
                    "a file:// URL needs the path of the repository".to_owned()
                ));
            }
            return Ok(());
        }
        let host = parsed.host_str().unwrap_or("");
        if host.is_empty() {
            return Err(bad(format!("a {scheme}:// URL needs a host")));
        }
        if host.starts_with('-') {
            return Err(bad("a host name does not start with `-`".to_owned()));
        }
        if parsed.path().len() <= 1 {
            return Err(bad(
                "it names no repository (no path after the host)".to_owned()
            ));
        }
        return Ok(());
    }
    scp_like(url).map_err(|why| bad(why.to_owned()))
}

/// `user@host:path`, as git reads it (a `:` before any `/`).
fn scp_like(url: &str) -> Result<(), &'static str> {
    const HINT: &str = "expected https://, http://, ssh://, git://, file:// or user@host:path (a local path needs file://)";
    let Some((authority, path)) = url.split_once(':') else {
        return Err(HINT);
    };
    if authority.contains('/') {
        return Err(HINT);
    }
    // The user is required: `word:rest` is more often a typo (or
    // `javascript:`) than a host.
    let Some((user, host)) = authority.rsplit_once('@') else {
        return Err(HINT);
    };
    if user.is_empty()
        || !user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err("the user name before `@` is empty or holds characters git does not expect");
    }
    let host_ok = !host.is_empty()
        && !host.starts_with('-')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if !host_ok {
        return Err(HINT);
    }
    if path.is_empty() || path.starts_with([':', '-']) {
        return Err("it names no repository after `host:`");
    }
    Ok(())
}

impl Remote {
    /// `url` as git takes it (`https://…`, `ssh://…`, `git@host:path`,
    /// `git://…`, `file://…`), refused unless [`check_url`] accepts it.
    /// User info in an HTTPS URL is moved out of it into [`Auth::Token`]
    /// when no token is given, so it is never printed or stored in the
    /// clone's config.
    pub fn new(url: &str, auth: Auth) -> Result<Remote, GitError> {
        check_url(url)?;
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
            return Ok(Remote {
                url: parsed.to_string(),
                auth,
            });
        }
        Ok(Remote {
            url: url.to_owned(),
            auth,
        })
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

    /// Configuration that makes git authenticate to this remote (given to
    /// git through `GIT_CONFIG_COUNT`/`KEY_n`/`VALUE_n`, read by git ≥
    /// 2.31), scoped to the remote's URL so the header goes nowhere else.
    pub(crate) fn auth_config(&self) -> Vec<(String, String)> {
        match &self.auth {
            Auth::Ambient => Vec::new(),
            Auth::Token(token) => {
                let basic = base64::engine::general_purpose::STANDARD
                    .encode(format!("x-access-token:{token}"));
                vec![(
                    format!("http.{}.extraHeader", self.url),
                    format!("Authorization: Basic {basic}"),
                )]
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
        )
        .unwrap();
        assert_eq!(remote.url(), "https://github.com/acme/deploy.git");
        assert_eq!(remote.secret(), Some("ghs_secret"));
        assert!(!format!("{remote:?}").contains("ghs_secret"));
        let env = remote.auth_config();
        assert_eq!(env.len(), 1);
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

    #[test]
    fn only_the_url_forms_gantry_supports_reach_git() {
        for good in [
            "https://github.com/acme/deploy.git",
            "http://127.0.0.1:8080/acme/deploy.git",
            "ssh://git@github.com/acme/deploy.git",
            "ssh://git@[::1]:22/acme/deploy.git",
            "git://127.0.0.1:9418/deploy.git",
            "file:///srv/git/deploy.git",
            "git@github.com:acme/deploy.git",
            "deploy@host.example:repos/x",
        ] {
            assert!(check_url(good).is_ok(), "{good}: {:?}", check_url(good));
        }
        for (bad, why) in [
            ("", "it is empty"),
            ("deploy", "expected https://"),
            ("/srv/git/deploy.git", "a local path needs file://"),
            ("./deploy", "expected https://"),
            ("ftp://example.com/deploy.git", "unsupported scheme `ftp`"),
            ("javascript:alert(1)", "expected https://"),
            (
                "javascript://x/%0aalert(1)",
                "unsupported scheme `javascript`",
            ),
            ("ext::sh -c touch% /tmp/pwned", "space"),
            ("ext::sh", "`ext::` is a git remote helper"),
            ("fd::17", "`fd::` is a git remote helper"),
            ("git+ext::x", "`git+ext::` is a git remote helper"),
            ("https://", "empty host"),
            ("https://github.com", "it names no repository"),
            ("https://github.com/", "it names no repository"),
            ("file://", "needs the path"),
            ("-uhttps://x/y", "does not start with `-`"),
            ("ssh://-oProxyCommand=x/y", "does not start with `-`"),
            ("-oProxyCommand=x:y", "does not start with `-`"),
            ("github.com:acme/deploy.git", "expected https://"),
            ("git@host:-x", "names no repository"),
            ("@host:x", "user name"),
            ("https://github.com/a\nb", "control"),
            ("https://github.com/a b", "space"),
            ("https://github.com/acme/x\n", "control"),
        ] {
            let bad = bad.replace("\\n", "\n");
            let err = check_url(&bad).map(|_| ()).unwrap_err().to_string();
            assert!(err.contains(why), "{bad:?}: {err}");
            assert!(err.starts_with("invalid repository URL `"), "{err}");
        }
    }
}
