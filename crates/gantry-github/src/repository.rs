//! `owner/name`, given or read from a repository URL.

use std::fmt;

use crate::error::Error;

/// A repository on GitHub: `owner/name`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Repository {
    /// The user or organisation.
    pub owner: String,
    /// The repository's name.
    pub name: String,
}

impl fmt::Display for Repository {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// GitHub's rules for a login or a repository name, loosely: letters,
/// digits, `-`, `_`, `.`; not `.` or `..`.
fn valid_part(part: &str) -> bool {
    !part.is_empty()
        && part != "."
        && part != ".."
        && part.len() <= 100
        && part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

impl Repository {
    /// Parse `owner/name`.
    pub fn parse(text: &str) -> Result<Repository, Error> {
        let bad = |reason: &str| Error::BadRepository {
            given: text.to_owned(),
            reason: reason.to_owned(),
        };
        let (owner, name) = text
            .trim()
            .split_once('/')
            .ok_or_else(|| bad("expected OWNER/NAME"))?;
        let name = name.strip_suffix(".git").unwrap_or(name);
        if !valid_part(owner) || !valid_part(name) {
            return Err(bad(
                "expected OWNER/NAME, each letters, digits, `-`, `_` or `.`",
            ));
        }
        Ok(Repository {
            owner: owner.to_owned(),
            name: name.to_owned(),
        })
    }

    /// The repository a git URL points at, when it is `HOST/OWNER/NAME`:
    /// `https://github.com/acme/deploy(.git)`, `git@github.com:acme/deploy.git`,
    /// `ssh://git@github.com/acme/deploy.git`. Any host (GitHub Enterprise
    /// Server too); `None` for `file://`, paths and deeper paths.
    pub fn from_url(url: &str) -> Option<Repository> {
        let url = url.trim();
        let path = if let Some((scheme, rest)) = url.split_once("://") {
            if !matches!(scheme, "https" | "http" | "ssh" | "git") {
                return None;
            }
            // Drop user info and host.
            let (_, path) = rest.split_once('/')?;
            path.to_owned()
        } else {
            // scp-like `user@host:path`; not a local path with a colon.
            let (host, path) = url.split_once(':')?;
            if host.contains('/') || path.starts_with('/') || host.is_empty() {
                return None;
            }
            path.to_owned()
        };
        let path = path.split(['?', '#']).next().unwrap_or("");
        let path = path.trim_matches('/');
        let mut parts = path.split('/');
        let (owner, name) = (parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        Repository::parse(&format!("{owner}/{name}")).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_and_name_from_urls() {
        let acme = Some(Repository {
            owner: "acme".into(),
            name: "deploy".into(),
        });
        for (url, want) in [
            ("https://github.com/acme/deploy", acme.clone()),
            ("https://github.com/acme/deploy.git", acme.clone()),
            ("https://github.com/acme/deploy/", acme.clone()),
            (
                "https://x-access-token@github.com/acme/deploy.git",
                acme.clone(),
            ),
            ("git@github.com:acme/deploy.git", acme.clone()),
            ("ssh://git@github.com/acme/deploy.git", acme.clone()),
            ("https://ghe.example.com/acme/deploy", acme.clone()),
            ("file:///tmp/acme/deploy.git", None),
            ("/tmp/deploy.git", None),
            ("https://github.com/acme", None),
            ("https://gitlab.com/group/sub/deploy.git", None),
            ("C:/repos/deploy", None),
        ] {
            assert_eq!(Repository::from_url(url), want, "{url}");
        }
        assert_eq!(
            Repository::parse("acme/deploy").ok().map(|r| r.to_string()),
            Some("acme/deploy".to_owned())
        );
        for bad in [
            "acme",
            "acme/",
            "/deploy",
            "ac me/deploy",
            "acme/../x",
            "a/b/c",
        ] {
            assert!(Repository::parse(bad).is_err(), "{bad}");
        }
    }
}
