//! Environments: names mapped to a branch and directories of the GitOps
//! repository, from `.gantry/environments.yaml` in the repository or from
//! flags.
//!
//! ```yaml
//! environments:
//!   staging:
//!     branch: main
//!     paths: [envs/staging]
//!   production:
//!     branch: production
//!     paths: [envs/production, clusters/prod]
//! ```

use gantry_yaml::{Node, NodeKind};

use crate::error::DeployError;
use crate::paths::repo_path;

/// Where the environments file is looked for in the repository.
pub const ENVIRONMENTS_FILE: &str = ".gantry/environments.yaml";

/// One environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    /// Its name.
    pub name: String,
    /// The branch its manifests live on.
    pub branch: String,
    /// Its directories (repository-relative); empty: the whole branch.
    pub paths: Vec<String>,
}

/// Parse an environments file.
pub fn parse_environments(file: &str, text: &str) -> Result<Vec<Environment>, DeployError> {
    let bad = |reason: String| DeployError::BadEnvironments {
        file: file.to_owned(),
        reason,
    };
    let stream = gantry_yaml::parse(text).map_err(|e| bad(e.to_string()))?;
    let root = stream
        .documents
        .first()
        .map(|d| &d.root)
        .ok_or_else(|| bad("the file is empty".to_owned()))?;
    let envs =
        get(root, "environments").ok_or_else(|| bad("no `environments:` mapping".to_owned()))?;
    let NodeKind::Mapping { entries, .. } = &envs.kind else {
        return Err(bad("`environments` must be a mapping of names".to_owned()));
    };
    let mut out = Vec::new();
    for (key, value) in entries {
        let name =
            scalar(key).ok_or_else(|| bad("an environment name is not a string".to_owned()))?;
        let branch = get(value, "branch").and_then(scalar).ok_or_else(|| {
            bad(format!(
                "`environments.{name}.branch` is missing or not a string"
            ))
        })?;
        let paths = match get(value, "paths").or_else(|| get(value, "path")) {
            None => Vec::new(),
            Some(node) => match &node.kind {
                NodeKind::Sequence { items, .. } => items
                    .iter()
                    .map(|i| {
                        scalar(i).ok_or_else(|| {
                            bad(format!("`environments.{name}.paths` holds a non-string"))
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?,
                NodeKind::Scalar { value, .. } => vec![value.as_str()],
                _ => return Err(bad(format!("`environments.{name}.paths` must be a list"))),
            },
        };
        let paths = paths
            .into_iter()
            .map(repo_path)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(format!("`environments.{name}`: {e}")))?;
        out.push(Environment {
            name: name.to_owned(),
            branch: branch.to_owned(),
            paths,
        });
    }
    Ok(out)
}

/// Parse `--environment NAME=BRANCH[:PATH[,PATH…]]`.
pub fn parse_environment_flag(spec: &str) -> Result<Environment, DeployError> {
    let bad = |reason: &str| DeployError::BadEnvironments {
        file: format!("--environment {spec}"),
        reason: reason.to_owned(),
    };
    let (name, rest) = spec
        .split_once('=')
        .ok_or_else(|| bad("expected NAME=BRANCH[:PATH,…]"))?;
    let (branch, paths) = rest.split_once(':').unwrap_or((rest, ""));
    if name.is_empty() || branch.is_empty() {
        return Err(bad("expected NAME=BRANCH[:PATH,…]"));
    }
    let paths = paths
        .split(',')
        .filter(|p| !p.is_empty())
        .map(repo_path)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Environment {
        name: name.to_owned(),
        branch: branch.to_owned(),
        paths,
    })
}

/// The environment `name` among `known`.
pub fn find<'a>(known: &'a [Environment], name: &str) -> Result<&'a Environment, DeployError> {
    known
        .iter()
        .find(|e| e.name == name)
        .ok_or_else(|| DeployError::UnknownEnvironment {
            name: name.to_owned(),
            known: if known.is_empty() {
                format!("none (add {ENVIRONMENTS_FILE} to the repository or pass --environment)")
            } else {
                known
                    .iter()
                    .map(|e| e.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        })
}

fn get<'n>(node: &'n Node, key: &str) -> Option<&'n Node> {
    match &node.kind {
        NodeKind::Mapping { entries, .. } => entries
            .iter()
            .find(|(k, _)| scalar(k) == Some(key))
            .map(|(_, v)| v),
        _ => None,
    }
}

fn scalar(node: &Node) -> Option<&str> {
    match &node.kind {
        NodeKind::Scalar { value, .. } if !value.is_empty() => Some(value),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_and_flags() {
        let text = "environments:\n  staging:\n    branch: main\n    paths: [envs/staging]\n  production:\n    branch: production\n    path: envs/production\n  dev:\n    branch: dev\n";
        let envs = parse_environments("e.yaml", text).ok().unwrap_or_default();
        assert_eq!(
            envs,
            vec![
                Environment {
                    name: "staging".into(),
                    branch: "main".into(),
                    paths: vec!["envs/staging".into()]
                },
                Environment {
                    name: "production".into(),
                    branch: "production".into(),
                    paths: vec!["envs/production".into()]
                },
                Environment {
                    name: "dev".into(),
                    branch: "dev".into(),
                    paths: vec![]
                },
            ]
        );
        let bad = [
            "environments:\n  x:\n    paths: [a]\n",
            "environments: [a]\n",
            "other: 1\n",
            "environments:\n  x:\n    branch: main\n    paths: [../up]\n",
        ];
        for text in bad {
            assert!(parse_environments("e.yaml", text).is_err(), "{text}");
        }
        let flag = parse_environment_flag("prod=production:envs/prod,clusters/prod").ok();
        assert_eq!(
            flag.map(|e| (e.branch, e.paths)),
            Some((
                "production".to_owned(),
                vec!["envs/prod".to_owned(), "clusters/prod".to_owned()]
            ))
        );
        assert!(parse_environment_flag("prod").is_err());
        assert!(
            find(&envs, "qa")
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
                .contains("staging, production, dev")
        );
    }
}
