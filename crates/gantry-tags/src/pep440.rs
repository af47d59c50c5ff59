//! The part of PEP 440 metadata-action uses (through `@renovate/pep440`):
//! validity, the normalised ("clean") form, major/minor/patch and whether a
//! version is a pre-, post- or dev-release.

use std::sync::LazyLock;

use regex::Regex;

/// PEP 440 appendix B's `VERSION_PATTERN`, anchored, case-insensitive.
static PATTERN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^\s*
        v?
        (?:
            (?:(?P<epoch>[0-9]+)!)?
            (?P<release>[0-9]+(?:\.[0-9]+)*)
            (?P<pre>
                [-_\.]?
                (?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)
                [-_\.]?
                (?P<pre_n>[0-9]+)?
            )?
            (?P<post>
                (?:-(?P<post_n1>[0-9]+))
                |
                (?:
                    [-_\.]?
                    (?P<post_l>post|rev|r)
                    [-_\.]?
                    (?P<post_n2>[0-9]+)?
                )
            )?
            (?P<dev>
                [-_\.]?
                (?P<dev_l>dev)
                [-_\.]?
                (?P<dev_n>[0-9]+)?
            )?
        )
        (?:\+(?P<local>[a-z0-9]+(?:[-_\.][a-z0-9]+)*))?
        \s*$",
    )
    .ok()
});

/// A parsed PEP 440 version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pep440 {
    epoch: u64,
    release: Vec<u64>,
    pre: Option<(&'static str, u64)>,
    post: Option<u64>,
    dev: Option<u64>,
    local: Option<String>,
}

fn number(text: Option<regex::Match<'_>>) -> Option<u64> {
    text.and_then(|m| m.as_str().parse().ok())
}

impl Pep440 {
    /// Parses `input`; `None` when it does not conform to PEP 440.
    pub(crate) fn parse(input: &str) -> Option<Pep440> {
        let pattern = PATTERN.as_ref()?;
        let caps = pattern.captures(input)?;
        let release = caps
            .name("release")?
            .as_str()
            .split('.')
            .map(|part| part.parse::<u64>().ok())
            .collect::<Option<Vec<_>>>()?;
        let pre = match caps.name("pre_l") {
            Some(label) => {
                let label = match label.as_str().to_ascii_lowercase().as_str() {
                    "a" | "alpha" => "a",
                    "b" | "beta" => "b",
                    _ => "rc",
                };
                Some((label, number(caps.name("pre_n")).unwrap_or(0)))
            }
            None => None,
        };
        let post = if caps.name("post").is_some() {
            Some(
                number(caps.name("post_n1"))
                    .or(number(caps.name("post_n2")))
                    .unwrap_or(0),
            )
        } else {
            None
        };
        let dev = if caps.name("dev").is_some() {
            Some(number(caps.name("dev_n")).unwrap_or(0))
        } else {
            None
        };
        let local = caps
            .name("local")
            .map(|m| m.as_str().to_ascii_lowercase().replace(['-', '_'], "."));
        Some(Pep440 {
            epoch: number(caps.name("epoch")).unwrap_or(0),
            release,
            pre,
            post,
            dev,
            local,
        })
    }

    /// The normalised form, e.g. `1.1beta2` → `1.1b2`, `1.2post1` → `1.2.post1`.
    pub(crate) fn clean(&self) -> String {
        let mut out = String::new();
        if self.epoch != 0 {
            out.push_str(&format!("{}!", self.epoch));
        }
        out.push_str(
            &self
                .release
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join("."),
        );
        if let Some((label, n)) = self.pre {
            out.push_str(&format!("{label}{n}"));
        }
        if let Some(n) = self.post {
            out.push_str(&format!(".post{n}"));
        }
        if let Some(n) = self.dev {
            out.push_str(&format!(".dev{n}"));
        }
        if let Some(local) = &self.local {
            out.push('+');
            out.push_str(local);
        }
        out
    }

    /// Pre-, post- or dev-release: only `{{version}}`/`{{raw}}` are tagged.
    pub(crate) fn is_unstable(&self) -> bool {
        self.pre.is_some() || self.post.is_some() || self.dev.is_some()
    }

    pub(crate) fn major(&self) -> u64 {
        self.release.first().copied().unwrap_or(0)
    }

    pub(crate) fn minor(&self) -> u64 {
        self.release.get(1).copied().unwrap_or(0)
    }

    pub(crate) fn patch(&self) -> u64 {
        self.release.get(2).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_like_renovate_pep440() {
        let clean = |s: &str| Pep440::parse(s).map(|v| v.clean());
        assert_eq!(clean("v1.1.1").as_deref(), Some("1.1.1"));
        assert_eq!(clean("1.1beta2").as_deref(), Some("1.1b2"));
        assert_eq!(clean("1.0dev4").as_deref(), Some("1.0.dev4"));
        assert_eq!(clean("1.2post1").as_deref(), Some("1.2.post1"));
        assert_eq!(clean("v1.2.3rc2").as_deref(), Some("1.2.3rc2"));
        assert_eq!(clean("1!2.0-r3").as_deref(), Some("1!2.0.post3"));
        assert_eq!(clean("sometag"), None);
        assert_eq!(clean("p1/v1.0.0"), None);
        let v = Pep440::parse("1.2").unwrap();
        assert_eq!((v.major(), v.minor(), v.patch()), (1, 2, 0));
        assert!(Pep440::parse("1.0dev4").unwrap().is_unstable());
        assert!(!Pep440::parse("1.2.3").unwrap().is_unstable());
    }
}
