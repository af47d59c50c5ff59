//! `gantry-patch audit`: references that do not pin what they deploy.

use crate::site::Site;

/// What is wrong with a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finding {
    /// The tag is `latest`: it moves, and rollbacks cannot name the old image.
    Latest,
    /// No tag and no digest: the same as `latest`.
    NoTag,
    /// A tag without a digest: the registry can move the tag under it.
    NoDigest,
}

impl Finding {
    /// A short machine name.
    pub fn code(self) -> &'static str {
        match self {
            Finding::Latest => "latest",
            Finding::NoTag => "no-tag",
            Finding::NoDigest => "no-digest",
        }
    }

    /// What it means, for people.
    pub fn message(self) -> &'static str {
        match self {
            Finding::Latest => {
                "the tag `latest` moves with every push; deploy an immutable tag or a digest"
            }
            Finding::NoTag => {
                "no tag and no digest: the registry serves `latest`, which moves with every push"
            }
            Finding::NoDigest => {
                "a tag without a digest can be moved in the registry; pin it with `@sha256:…`"
            }
        }
    }

    /// Whether it fails `audit` by default (`latest` and no tag do; a
    /// missing digest fails only with `--require-digest`).
    pub fn is_error(self, require_digest: bool) -> bool {
        match self {
            Finding::Latest | Finding::NoTag => true,
            Finding::NoDigest => require_digest,
        }
    }
}

/// What is wrong with the reference at `site`, if anything.
pub fn audit(site: &Site) -> Option<Finding> {
    let image = &site.current;
    match (image.tag().map(|t| t.as_str()), image.digest()) {
        (_, Some(_)) => None,
        (Some("latest"), None) => Some(Finding::Latest),
        (None, None) => Some(Finding::NoTag),
        (Some(_), None) => Some(Finding::NoDigest),
    }
}
