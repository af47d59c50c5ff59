//! Repository-relative paths given on the command line.

use std::path::{Component, Path};

use crate::error::DeployError;

/// Check that `path` stays inside the repository: relative, no `..`.
/// Returns it normalised (`./a//b/` → `a/b`; `.` or empty → the root, `""`).
pub fn repo_path(path: &str) -> Result<String, DeployError> {
    let outside = || DeployError::PathOutside {
        path: path.to_owned(),
    };
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
    Ok(parts.join("/"))
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
        ] {
            assert_eq!(repo_path(given).ok().as_deref(), want, "{given}");
        }
    }
}
