//! Repository-relative paths and branch names given on the command line or
//! in `.gantry/environments.yaml`, checked before anything is cloned.

use std::path::{Component, Path};

use crate::error::DeployError;

/// Characters a sparse-checkout pattern reads as a glob or an escape: a
/// path holding one would select other files than the one named.
const GLOB: &[char] = &['*', '?', '[', '\\'];

/// Check that `path` stays inside the repository: relative, no `..`, no
/// control characters, no glob characters (the paths become sparse-checkout
/// patterns). Returns it normalised (`./a//b/` → `a/b`; `.` or empty → the
/// root, `""`).
pub fn repo_path(path: &str) -> Result<String, DeployError> {
    let outside = || DeployError::PathOutside {
        path: path.to_owned(),
    };
    let bad = |reason: &str| DeployError::BadPath {
        path: path.escape_debug().to_string(),
        reason: reason.to_owned(),
    };
    if path.chars().any(char::is_control) {
        return Err(bad("it holds a control character (a newline?)"));
    }
    if path.contains(GLOB) {
        return Err(bad(
            "`*`, `?`, `[` and `\\` are not allowed: name files and directories, not patterns",
        ));
    }
    let mut parts = Vec::new();
    for component in Path::new(path).components() {
        match component {
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                return Err(outside());
            }
        }
    }
    if parts.first().is_some_and(|p| p.starts_with(['!', '#'])) {
        return Err(bad(
            "a path starting with `!` or `#` would be read as a negation or a comment",
        ));
    }
    Ok(parts.join("/"))
}

/// Check a branch name against git's rules for ref names
/// (`git check-ref-format --branch`), so that a typo is refused before
/// anything is cloned rather than by git after.
pub fn branch_name(branch: &str) -> Result<(), DeployError> {
    let bad = |reason: &str| DeployError::BadBranch {
        branch: branch.escape_debug().to_string(),
        reason: reason.to_owned(),
    };
    if branch.is_empty() {
        return Err(bad("it is empty"));
    }
    if branch.chars().any(|c| c.is_control() || c == ' ') {
        return Err(bad("it holds a space or a control character"));
    }
    if let Some(c) = branch
        .chars()
        .find(|c| matches!(c, '~' | '^' | ':' | '?' | '*' | '[' | '\\'))
    {
        return Err(bad(&format!("git does not allow `{c}` in a branch name")));
    }
    if branch.starts_with('-') {
        return Err(bad("a branch name does not start with `-`"));
    }
    if branch == "@" || branch.contains("@{") {
        return Err(bad("git does not allow `@` alone or `@{` in a branch name"));
    }
    if branch.contains("..") {
        return Err(bad("git does not allow `..` in a branch name"));
    }
    if branch.ends_with('.') || branch.ends_with('/') {
        return Err(bad("a branch name does not end with `.` or `/`"));
    }
    for part in branch.split('/') {
        if part.is_empty() {
            return Err(bad(
                "a branch name has no empty component (`//`, leading `/`)",
            ));
        }
        if part.starts_with('.') || part.ends_with(".lock") {
            return Err(bad(
                "no component of a branch name starts with `.` or ends with `.lock`",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside() {
        for (given, want) in [
            ("envs/staging", Some("envs/staging")),
            ("./envs//staging/", Some("envs/staging")),
            (".", Some("")),
            ("", Some("")),
            ("../other", None),
            ("envs/../../x", None),
            ("/etc", None),
            ("envs/*", None),
            ("envs/a?", None),
            ("[abc]", None),
            ("a\\b", None),
            ("!envs", None),
            ("#envs", None),
            ("a/!b", Some("a/!b")),
            ("envs\nstaging", None),
        ] {
            assert_eq!(repo_path(given).ok().as_deref(), want, "{given}");
        }
        assert_eq!(
            repo_path("envs/*")
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default(),
            "invalid path `envs/*`: `*`, `?`, `[` and `\\` are not allowed: name files and directories, not patterns"
        );
    }

    #[test]
    fn branch_names_follow_git() {
        for good in [
            "main",
            "release/1.2",
            "feature/a-b_c",
            "v1.0",
            "gantry/staging/api+web",
        ] {
            assert!(branch_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "a b",
            "a\nb",
            "-x",
            "a..b",
            "a~1",
            "a^",
            "a:b",
            "a?",
            "a*",
            "a[b",
            "a\\b",
            "@",
            "a@{1}",
            "a/",
            "a.",
            "/a",
            "a//b",
            ".a",
            "a/.b",
            "a.lock",
            "a/b.lock/c",
        ] {
            assert!(branch_name(bad).is_err(), "{bad:?}");
        }
    }
}
