//! The repository path: `/`-separated components, each
//! `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*` (regexp.go `pathComponent`).
//!
//! Structure is checked with ASCII uppercase letters counted as letters, and
//! case only afterwards. That reproduces Go's rule ("the input fails, but its
//! lowercase form parses: the name must be lowercase") without parsing twice,
//! and means `Acme/API` is told to use lowercase rather than that `A` is an
//! invalid character.

use std::fmt;

use crate::shown::{Shown, ShownChar};

/// Checks the structure of `path`, ignoring the case of ASCII letters.
pub(crate) fn check_structure(path: &str) -> Result<(), PathProblem> {
    if path.starts_with('/') {
        return Err(PathProblem::LeadingSlash);
    }
    if path.is_empty() || path.ends_with('/') {
        return Err(PathProblem::TrailingSlash);
    }
    path.split('/').try_for_each(check_component)
}

/// Whether the (structurally valid) path has an uppercase letter.
pub(crate) fn has_uppercase(path: &str) -> bool {
    path.bytes().any(|b| b.is_ascii_uppercase())
}

fn is_alphanumeric(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

fn is_separator(c: char) -> bool {
    matches!(c, '.' | '_' | '-')
}

/// One component: alphanumeric runs separated by `.`, `_`, `__` or `-+`.
fn check_component(component: &str) -> Result<(), PathProblem> {
    if component.is_empty() {
        return Err(PathProblem::EmptyComponent);
    }
    if let Some(character) = component
        .chars()
        .find(|&c| !(is_alphanumeric(c) || is_separator(c)))
    {
        return Err(PathProblem::InvalidCharacter {
            component: component.to_owned(),
            character,
        });
    }
    if let Some(separator) = component.chars().next().filter(|&c| is_separator(c)) {
        return Err(PathProblem::StartsWithSeparator {
            component: component.to_owned(),
            separator,
        });
    }
    if let Some(separator) = component.chars().next_back().filter(|&c| is_separator(c)) {
        return Err(PathProblem::EndsWithSeparator {
            component: component.to_owned(),
            separator,
        });
    }
    for run in component
        .split(is_alphanumeric)
        .filter(|run| !run.is_empty())
    {
        let allowed = matches!(run, "." | "_" | "__") || run.chars().all(|c| c == '-');
        if !allowed {
            return Err(PathProblem::InvalidSeparator {
                component: component.to_owned(),
                separator: run.to_owned(),
            });
        }
    }
    Ok(())
}

/// What is wrong with a repository path.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PathProblem {
    /// The name starts with `/`.
    LeadingSlash,
    /// The name ends with `/` (or a registry is followed by nothing).
    TrailingSlash,
    /// `//` in the middle of the name.
    EmptyComponent,
    /// A character other than letters, digits, `.`, `_` and `-`.
    InvalidCharacter {
        /// The component holding it.
        component: String,
        /// The first offending character.
        character: char,
    },
    /// A component starting with `.`, `_` or `-`.
    StartsWithSeparator {
        /// The component.
        component: String,
        /// Its first character.
        separator: char,
    },
    /// A component ending with `.`, `_` or `-`.
    EndsWithSeparator {
        /// The component.
        component: String,
        /// Its last character.
        separator: char,
    },
    /// A run of separators other than `.`, `_`, `__` or `-+` (e.g. `___`, `.-`).
    InvalidSeparator {
        /// The component.
        component: String,
        /// The run of separators.
        separator: String,
    },
}

const COMPONENTS: &str = "path components are lowercase letters and digits, joined by one `.`, \
                          one or two `_`, or any number of `-`";

impl fmt::Display for PathProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathProblem::LeadingSlash => {
                write!(
                    f,
                    "starts with `/`; a name starts with a registry or a path component"
                )
            }
            PathProblem::TrailingSlash => {
                write!(
                    f,
                    "ends with `/`; every `/` must be followed by a path component"
                )
            }
            PathProblem::EmptyComponent => {
                write!(
                    f,
                    "empty path component (`//`); components are separated by one `/`"
                )
            }
            PathProblem::InvalidCharacter {
                component,
                character,
            } => write!(
                f,
                "path component `{}` contains `{}`; {COMPONENTS}",
                Shown(component),
                ShownChar(*character)
            ),
            PathProblem::StartsWithSeparator {
                component,
                separator,
            } => write!(
                f,
                "path component `{}` starts with `{separator}`; {COMPONENTS}",
                Shown(component)
            ),
            PathProblem::EndsWithSeparator {
                component,
                separator,
            } => write!(
                f,
                "path component `{}` ends with `{separator}`; {COMPONENTS}",
                Shown(component)
            ),
            PathProblem::InvalidSeparator {
                component,
                separator,
            } => write!(
                f,
                "path component `{}` contains `{separator}`; {COMPONENTS}",
                Shown(component)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_paths() {
        for path in [
            "a",
            "nginx",
            "library/nginx",
            "a.b",
            "a_b",
            "a__b",
            "a-b",
            "a--b",
            "a---b",
            "docker---rules/docker",
            "ubuntu-12.04-base",
            "a.b_c__d-e--f",
            "Acme/API",
        ] {
            assert_eq!(check_structure(path), Ok(()), "{path}");
        }
    }

    #[test]
    fn invalid_paths() {
        let component = |s: &str| s.to_owned();
        let cases = [
            ("", PathProblem::TrailingSlash),
            ("/a", PathProblem::LeadingSlash),
            ("a/", PathProblem::TrailingSlash),
            ("a//b", PathProblem::EmptyComponent),
            (
                "a/b$",
                PathProblem::InvalidCharacter {
                    component: component("b$"),
                    character: '$',
                },
            ),
            (
                "-a",
                PathProblem::StartsWithSeparator {
                    component: component("-a"),
                    separator: '-',
                },
            ),
            (
                "a_",
                PathProblem::EndsWithSeparator {
                    component: component("a_"),
                    separator: '_',
                },
            ),
            (
                "a___b",
                PathProblem::InvalidSeparator {
                    component: component("a___b"),
                    separator: "___".to_owned(),
                },
            ),
            (
                "a..b",
                PathProblem::InvalidSeparator {
                    component: component("a..b"),
                    separator: "..".to_owned(),
                },
            ),
            (
                "dock_.er",
                PathProblem::InvalidSeparator {
                    component: component("dock_.er"),
                    separator: "_.".to_owned(),
                },
            ),
            (
                "a-.b",
                PathProblem::InvalidSeparator {
                    component: component("a-.b"),
                    separator: "-.".to_owned(),
                },
            ),
        ];
        for (path, problem) in cases {
            assert_eq!(check_structure(path), Err(problem), "{path}");
        }
    }

    #[test]
    fn uppercase_is_found_after_structure() {
        assert!(has_uppercase("acme/Api"));
        assert!(!has_uppercase("acme/api"));
    }
}
