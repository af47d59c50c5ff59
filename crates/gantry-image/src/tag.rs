//! Image tags: `[\w][\w.-]{0,127}`, as in distribution/reference.
//!
//! Tags are checked on their own (the tag computation builds them from
//! branch names and versions before any image reference exists) and inside
//! a reference; the two report the same [`TagProblem`], only the wording
//! around it differs.

use std::fmt;
use std::str::FromStr;

use crate::shown::{Shown, ShownChar};

/// The longest tag a registry accepts (distribution/reference `tag`).
pub const MAX_TAG_LENGTH: usize = 128;

/// A valid image tag, e.g. `1.25`, `latest`, `main-3f2a1b9`.
///
/// Tags are case-sensitive and compared byte for byte: `V1` and `v1` are
/// different tags to every registry.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(String);

impl Tag {
    /// Parses a tag on its own. Errors name the tag.
    pub fn parse(tag: &str) -> Result<Tag, TagError> {
        match check(tag) {
            Ok(()) => Ok(Tag(tag.to_owned())),
            Err(problem) => Err(TagError {
                tag: tag.to_owned(),
                problem,
            }),
        }
    }

    /// The tag as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks `tag` against `[\w][\w.-]{0,127}` (`\w` is ASCII in Go's RE2).
///
/// Characters are checked before the length so that a long string of
/// garbage is reported by its first bad character, which is what the user
/// needs to fix; once every character is ASCII, characters and bytes agree
/// and the length is reported in characters.
fn check(tag: &str) -> Result<(), TagProblem> {
    let mut chars = tag.chars();
    let Some(first) = chars.next() else {
        return Err(TagProblem::Empty);
    };
    if !is_word(first) {
        return Err(TagProblem::InvalidStart { character: first });
    }
    if let Some(character) = chars.find(|&c| !(is_word(c) || c == '.' || c == '-')) {
        return Err(TagProblem::InvalidCharacter { character });
    }
    if tag.len() > MAX_TAG_LENGTH {
        return Err(TagProblem::TooLong { length: tag.len() });
    }
    Ok(())
}

/// `\w` in Go's RE2 without the `u` flag: ASCII letters, digits and `_`.
fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl FromStr for Tag {
    type Err = TagError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Tag::parse(s)
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Tag {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// What is wrong with a tag.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TagProblem {
    /// The tag is the empty string (e.g. `app:`).
    Empty,
    /// The first character is `.`, `-` or something outside `\w`.
    InvalidStart {
        /// The offending first character.
        character: char,
    },
    /// A character other than ASCII letters, digits, `_`, `.` and `-`.
    InvalidCharacter {
        /// The first offending character.
        character: char,
    },
    /// More than [`MAX_TAG_LENGTH`] characters.
    TooLong {
        /// The tag's length in characters.
        length: usize,
    },
}

impl fmt::Display for TagProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TagProblem::Empty => write!(
                f,
                "empty; a tag is 1 to {MAX_TAG_LENGTH} ASCII letters, digits, `_`, `.` or `-`"
            ),
            TagProblem::InvalidStart { .. } => {
                f.write_str("a tag starts with a letter, digit or underscore")
            }
            TagProblem::InvalidCharacter { character } => write!(
                f,
                "a tag contains only ASCII letters, digits, `_`, `.` and `-` (found `{}`)",
                ShownChar(*character)
            ),
            TagProblem::TooLong { length } => write!(
                f,
                "tags are at most {MAX_TAG_LENGTH} characters (this one has {length})"
            ),
        }
    }
}

/// A tag that failed [`Tag::parse`].
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[error("invalid tag `{}`: {problem}", Shown(.tag))]
pub struct TagError {
    tag: String,
    problem: TagProblem,
}

impl TagError {
    /// The tag as given.
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// What is wrong with it.
    pub fn problem(&self) -> &TagProblem {
        &self.problem
    }

    /// What is wrong with it, by value.
    pub fn into_problem(self) -> TagProblem {
        self.problem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(tag: &str) -> String {
        match Tag::parse(tag) {
            Ok(tag) => format!("unexpectedly valid: {tag}"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn valid_tags_keep_their_spelling() {
        for tag in [
            "latest",
            "1.25",
            "V1",
            "_x",
            "a-b.c_d",
            "0",
            &"a".repeat(128),
        ] {
            let parsed = Tag::parse(tag).map(|t| t.to_string());
            assert_eq!(parsed.as_deref(), Ok(tag));
        }
        let tag: Tag = "1.0".parse().unwrap();
        assert_eq!(tag.as_str(), "1.0");
        assert_eq!(tag.as_ref(), "1.0");
    }

    #[test]
    fn errors_name_the_tag_and_the_rule() {
        assert_eq!(
            message(""),
            "invalid tag ``: empty; a tag is 1 to 128 ASCII letters, digits, `_`, `.` or `-`"
        );
        assert_eq!(
            message("-x"),
            "invalid tag `-x`: a tag starts with a letter, digit or underscore"
        );
        assert_eq!(
            message(".x"),
            "invalid tag `.x`: a tag starts with a letter, digit or underscore"
        );
        assert_eq!(
            message("feature/x"),
            "invalid tag `feature/x`: a tag contains only ASCII letters, digits, `_`, `.` and `-` (found `/`)"
        );
        assert_eq!(
            message("v1\n"),
            "invalid tag `v1\\n`: a tag contains only ASCII letters, digits, `_`, `.` and `-` (found `\\n`)"
        );
        let long = "a".repeat(130);
        assert_eq!(
            message(&long),
            format!("invalid tag `{long}`: tags are at most 128 characters (this one has 130)")
        );
        assert_eq!(
            Tag::parse("é").map_err(|e| e.problem().clone()),
            Err(TagProblem::InvalidStart { character: 'é' })
        );
    }
}
