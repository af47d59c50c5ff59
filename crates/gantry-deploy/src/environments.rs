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
use crate::paths::{branch_name, repo_path};

/// The keys an environment may have; any other is a typo, refused rather
/// than ignored (`pahts:` would silently mean "the whole branch").
const KEYS: &[&str] = &["branch", "paths", "path"];

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
        file: format!("environments file `{file}`"),
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
    let mut out: Vec<Environment> = Vec::new();
    for (key, value) in entries {
        let name =
            scalar(key).ok_or_else(|| bad("an environment name is not a string".to_owned()))?;
        check_name(name).map_err(|reason| bad(reason.to_owned()))?;
        if out.iter().any(|e| e.name == name) {
            return Err(bad(format!("environment `{name}` is defined twice")));
        }
        let NodeKind::Mapping {
            entries: fields, ..
        } = &value.kind
        else {
            return Err(bad(format!(
                "`environments.{name}` must be a mapping with `branch` and `paths`"
            )));
        };
        for (field, _) in fields {
            let field = scalar(field).unwrap_or("");
            if !KEYS.contains(&field) {
                return Err(bad(format!(
                    "`environments.{name}` has an unknown key `{field}` (known: branch, paths)"
                )));
            }
        }
        if get(value, "paths").is_some() && get(value, "path").is_some() {
            return Err(bad(format!(
                "`environments.{name}` has both `paths` and `path`; keep one"
            )));
        }
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
        branch_name(branch).map_err(|e| bad(format!("`environments.{name}`: {e}")))?;
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
        file: format!("--environment `{}`", spec.escape_debug()),
        reason: reason.to_owned(),
    };
    let (name, rest) = spec
        .split_once('=')
        .ok_or_else(|| bad("expected NAME=BRANCH[:PATH,…]"))?;
    let (branch, paths) = rest.split_once(':').unwrap_or((rest, ""));
    if name.is_empty() || branch.is_empty() {
        return Err(bad("expected NAME=BRANCH[:PATH,…]"));
    }
    check_name(name).map_err(bad)?;
    branch_name(branch)?;
    let paths = if paths.is_empty() {
        Vec::new()
    } else {
        paths
            .split(',')
            .map(|p| {
                if p.trim().is_empty() {
                    Err(bad("an empty path between commas"))
                } else {
                    repo_path(p.trim())
                }
            })
            .collect::<Result<Vec<_>, _>>()?
    };
    Ok(Environment {
        name: name.to_owned(),
        branch: branch.to_owned(),
        paths,
    })
}

/// Several `--environment` flags: each parsed, a name given twice refused.
pub fn parse_environment_flags(specs: &[&str]) -> Result<Vec<Environment>, DeployError> {
    let mut out: Vec<Environment> = Vec::new();
    for spec in specs {
        let env = parse_environment_flag(spec)?;
        if out.iter().any(|e| e.name == env.name) {
            return Err(DeployError::BadEnvironments {
                file: format!("--environment `{}`", spec.escape_debug()),
                reason: format!("environment `{}` is defined twice", env.name),
            });
        }
        out.push(env);
    }
    Ok(out)
}

/// An environment name: it goes into commit trailers and branch names, so
/// no spaces at its ends and no control characters.
fn check_name(name: &str) -> Result<(), &'static str> {
    if name.chars().any(char::is_control) {
        return Err("an environment name holds a control character");
    }
    if name.trim() != name {
        return Err("an environment name starts or ends with a space");
    }
    Ok(())
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
            "environments:\n  x:\n    branch: main\n    pahts: [a]\n",
            "environments:\n  x:\n    branch: main\n  x:\n    branch: prod\n",
            "environments:\n  x:\n    branch: main\n    paths: [a]\n    path: b\n",
            "environments:\n  x:\n    branch: a..b\n",
            "environments:\n  x: main\n",
            "environments:\n  x:\n    branch: main\n    paths: ['envs/*']\n",
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
        for bad in [
            "prod=main:a,,b",
            "prod=main:a,",
            "prod=-x",
            "prod=a b",
            "\tprod=main",
        ] {
            assert!(parse_environment_flag(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_environment_flag("prod=main:").ok().map(|e| e.paths),
            Some(vec![])
        );
        assert!(parse_environment_flags(&["a=main", "b=main"]).is_ok());
        assert_eq!(
            parse_environment_flags(&["a=main", "a=prod"])
                .err()
                .map(|e| e.to_string()),
            Some("invalid --environment `a=prod`: environment `a` is defined twice".to_owned())
        );
        assert!(
            find(&envs, "qa")
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
                .contains("staging, production, dev")
        );
    }
}
