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
    /// A user name and password taken out of the URL
    /// (`https://user:password@host/…`), sent as git would send them,
    /// `Authorization: Basic base64(user:password)`.
    Basic {
        /// The user name (percent-decoded).
        user: String,
        /// The password (percent-decoded).
        password: String,
    },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Ambient => f.write_str("Ambient"),
            Auth::Token(_) => f.write_str("Token(***)"),
            Auth::Basic { .. } => f.write_str("Basic(***)"),
        }
    }
}

/// The user name a token travels under in a Basic header (GitHub's
/// convention; any user name is accepted with a token).
const TOKEN_USER: &str = "x-access-token";

/// A user name shorter than this, beside a password, is taken for a user
/// name (`git`, `oauth2`), not a secret: masking it would turn every
/// `git` in every message into `***`. Alone, or longer, it is masked.
const SHORT_USER: usize = 8;

/// A repository to clone from and push to.
#[derive(Clone)]
pub struct Remote {
    url: String,
    auth: Auth,
    /// What the URL carried (raw and percent-decoded), to hide everywhere.
    url_secrets: Vec<String>,
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

impl fmt::Debug for Remote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Remote")
            .field("url", &self.shown_url())
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

impl Remote {
    /// `url` as git takes it (`https://…`, `ssh://…`, `git@host:path`,
    /// `git://…`, `file://…`), refused unless [`check_url`] accepts it.
    ///
    /// Credentials in an HTTP(S) URL are taken out of it, so that they
    /// reach neither git's command line nor `.git/config`, and sent in the
    /// header instead: `https://user:password@host/…` as Basic
    /// `user:password`, `https://TOKEN@host/…` as a token. A token given
    /// as `auth` wins over them. A password in any other URL is refused
    /// (ssh does not take one there).
    pub fn new(url: &str, auth: Auth) -> Result<Remote, GitError> {
        check_url(url)?;
        let Ok(mut parsed) = url::Url::parse(url) else {
            // scp-like `user@host:path`: a user name, never a password.
            return Ok(Remote {
                url: url.to_owned(),
                auth,
                url_secrets: Vec::new(),
            });
        };
        let has_user = !parsed.username().is_empty();
        let has_password = parsed.password().is_some();
        if !has_user && !has_password {
            return Ok(Remote {
                url: url.to_owned(),
                auth,
                url_secrets: Vec::new(),
            });
        }
        let url_secrets = credentials_in(url);
        let user = decode(parsed.username());
        let password = parsed.password().map(decode);
        if !matches!(parsed.scheme(), "http" | "https") {
            if has_password {
                return Err(GitError::BadUrl {
                    url: gantry_http::display_url(&parsed),
                    reason: format!(
                        "a password in a {}:// URL would be handed to other programs; use an SSH key (or https:// with a token)",
                        parsed.scheme()
                    ),
                });
            }
            // ssh://git@host/…: the user name is how ssh logs in.
            return Ok(Remote {
                url: url.to_owned(),
                auth,
                url_secrets: Vec::new(),
            });
        }
        let _ = parsed.set_password(None);
        let _ = parsed.set_username("");
        let auth = match (auth, password) {
            (Auth::Ambient, Some(password)) => Auth::Basic { user, password },
            (Auth::Ambient, None) => Auth::Token(user),
            (given, _) => given,
        };
        Ok(Remote {
            url: parsed.to_string(),
            auth,
            url_secrets,
        })
    }

    /// The URL git is given (no credentials in it).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The URL for messages: any user name and password masked.
    pub fn shown_url(&self) -> String {
        gantry_http::display_url_str(&self.url)
    }

    /// The token or password, if any: what authenticates (also to the
    /// GitHub API in the GitHub modes).
    pub fn secret(&self) -> Option<&str> {
        match &self.auth {
            Auth::Token(t) => Some(t),
            Auth::Basic { password, .. } => Some(password),
            Auth::Ambient => None,
        }
    }

    /// The user name the secret travels under in the Basic header.
    fn basic_user(&self) -> &str {
        match &self.auth {
            Auth::Basic { user, .. } => user,
            _ => TOKEN_USER,
        }
    }

    /// Every secret this remote carries, in every form it could be printed
    /// in: the token or password, what the URL carried (raw and
    /// percent-decoded), and the base64 of the Basic header. Register each
    /// with the printer before anything can print.
    pub fn secrets(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut add = |s: String| {
            if !s.is_empty() && !out.contains(&s) {
                out.push(s);
            }
        };
        if let Some(secret) = self.secret() {
            add(secret.to_owned());
            let basic = base64::engine::general_purpose::STANDARD
                .encode(format!("{}:{secret}", self.basic_user()));
            add(basic.trim_end_matches('=').to_owned());
            add(basic);
        }
        for s in &self.url_secrets {
            add(s.clone());
        }
        out
    }

    /// The user name and password of the Basic header, for
    /// `Printer::mask_basic_auth`.
    pub fn basic_auth(&self) -> Option<(&str, &str)> {
        self.secret().map(|s| (self.basic_user(), s))
    }

    /// Configuration that makes git authenticate to this remote (given to
    /// git through `GIT_CONFIG_COUNT`/`KEY_n`/`VALUE_n`, read by git ≥
    /// 2.31), scoped to the remote's URL so the header goes nowhere else.
    pub(crate) fn auth_config(&self) -> Vec<(String, String)> {
        let Some(secret) = self.secret() else {
            return Vec::new();
        };
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{secret}", self.basic_user()));
        vec![(
            format!("http.{}.extraHeader", self.url),
            format!("Authorization: Basic {basic}"),
        )]
    }
}

/// The credentials written in `url` (user name and password, raw and
/// percent-decoded), even in a URL [`Remote::new`] refuses: mask them
/// before anything can print the URL.
pub fn credentials_in(url: &str) -> Vec<String> {
    let Ok(parsed) = url::Url::parse(url) else {
        return Vec::new();
    };
    let user = parsed.username().to_owned();
    // Over ssh the user name is the login (`ssh://git@host/…`), not a
    // secret; over HTTP a user name alone is a token.
    let user_is_login = !matches!(parsed.scheme(), "http" | "https")
        || (parsed.password().is_some() && decode(&user).chars().count() < SHORT_USER);
    gantry_http::url_credentials(&parsed)
        .into_iter()
        .filter(|s| !(user_is_login && (*s == user || *s == decode(&user))))
        .collect()
}

/// Percent-decoding of a URL's user name or password, as git does.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `url` as it may be printed: user name and password masked
/// (`https://x:tok@host/r` → `https://***@host/r`).
pub fn shown_url(url: &str) -> String {
    gantry_http::display_url_str(url)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn credentials_never_stay_in_the_url() {
        let header = |remote: &Remote| {
            let config = remote.auth_config();
            assert_eq!(config.len(), 1);
            let (key, value) = config.into_iter().next().unwrap();
            assert_eq!(key, format!("http.{}.extraHeader", remote.url()));
            value
        };
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        // (url, token flag, url git gets, header, secrets that must be masked)
        type Row<'a> = (&'a str, Option<&'a str>, &'a str, String, Vec<String>);
        let table: Vec<Row<'_>> = vec![
            (
                "https://x-access-token:ghs_secret@github.com/acme/deploy.git",
                None,
                "https://github.com/acme/deploy.git",
                format!("Authorization: Basic {}", b64("x-access-token:ghs_secret")),
                vec!["ghs_secret".into(), "x-access-token".into()],
            ),
            (
                "https://ghp_TokenAsUserName123@github.com/acme/deploy.git",
                None,
                "https://github.com/acme/deploy.git",
                format!(
                    "Authorization: Basic {}",
                    b64("x-access-token:ghp_TokenAsUserName123")
                ),
                vec!["ghp_TokenAsUserName123".into()],
            ),
            (
                "http://oauth2:p%40ss%3Aword@127.0.0.1:8080/acme/deploy.git",
                None,
                "http://127.0.0.1:8080/acme/deploy.git",
                format!("Authorization: Basic {}", b64("oauth2:p@ss:word")),
                vec!["p%40ss%3Aword".into(), "p@ss:word".into()],
            ),
            (
                "https://ghp_InUrl0000000@github.com/acme/deploy.git",
                Some("ghs_Flag"),
                "https://github.com/acme/deploy.git",
                format!("Authorization: Basic {}", b64("x-access-token:ghs_Flag")),
                vec!["ghs_Flag".into(), "ghp_InUrl0000000".into()],
            ),
        ];
        for (url, flag, git_url, want_header, must) in table {
            let auth = flag.map_or(Auth::Ambient, |t| Auth::Token(t.to_owned()));
            let remote = Remote::new(url, auth).unwrap();
            assert_eq!(remote.url(), git_url, "{url}");
            assert_eq!(header(&remote), want_header, "{url}");
            let secrets = remote.secrets();
            for s in &must {
                assert!(secrets.contains(s), "{url}: {s} not in {secrets:?}");
            }
            let basic = want_header.trim_start_matches("Authorization: Basic ");
            assert!(secrets.iter().any(|s| s == basic), "{url}: {secrets:?}");
            for shown in [format!("{remote:?}"), remote.shown_url()] {
                for s in &must {
                    assert!(!shown.contains(s.as_str()), "{shown}");
                }
            }
        }
        // A short user name beside a password is a user name, not masked.
        let remote = Remote::new(
            "https://git:hunter2hunter2@host.example/r.git",
            Auth::Ambient,
        )
        .unwrap();
        assert!(!remote.secrets().contains(&"git".to_owned()));
        // ssh keeps its user; a password there is refused.
        let ssh = Remote::new("ssh://git@example.com/r.git", Auth::Ambient).unwrap();
        assert_eq!(ssh.url(), "ssh://git@example.com/r.git");
        assert!(ssh.secrets().is_empty());
        assert!(credentials_in("ssh://deploy-user@example.com/r.git").is_empty());
        assert_eq!(
            credentials_in("ssh://git:pw123456@example.com/r.git"),
            ["pw123456"]
        );
        assert!(ssh.auth_config().is_empty());
        let err = Remote::new("ssh://git:pw123456@example.com/r.git", Auth::Ambient)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("a password in a ssh:// URL") && !err.contains("pw123456"),
            "{err}"
        );
        for (url, shown) in [
            (
                "https://u:p@example.com/r.git",
                "https://***@example.com/r.git",
            ),
            ("ssh://git@example.com/r.git", "ssh://***@example.com/r.git"),
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
