//! `--mode api`: no clone. The branch's head, its tree and the blobs of
//! the files that may hold an image are read through the REST git data
//! API, each file is planned exactly as push mode plans it, and the new
//! bytes are committed with GraphQL `createCommitOnBranch` and
//! `expectedHeadOid`, which GitHub signs. When the head moved meanwhile
//! GitHub writes nothing (`STALE_DATA`): read again, apply the intent again
//! on the new head, after the same jittered backoff as a rejected push.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use gantry_files::{FilesError, Input, Planned, TreePlan};
use gantry_github::{CommitOnBranch, CommitOutcome, TreeEntry};
use gantry_manifest::{FileOptions, Update};

use crate::deploy::{CommitSettings, Deployer, Outcome, Target, changes_of, images_of};
use crate::error::DeployError;
use crate::message::{MessageInput, render};
use crate::retry::unit_random;
use crate::writer::ApiWriter;

/// A file of the branch to read: repository-relative path, blob, named
/// itself on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Candidate {
    path: String,
    sha: String,
    explicit: bool,
}

/// Regular files only: no symlinks (`120000`), no submodules.
fn is_file(entry: &TreeEntry) -> bool {
    entry.kind == "blob" && (entry.mode == "100644" || entry.mode == "100755")
}

/// Whether `rest` (a path below a directory given) has a hidden component:
/// push mode's walker skips those.
fn hidden(rest: &str) -> bool {
    rest.split('/').any(|c| c.starts_with('.'))
}

/// The files of `entries` (full repository paths) that push mode would
/// read for `paths` (empty: the whole branch), in a stable order, once each.
fn candidates(
    entries: &[TreeEntry],
    paths: &[String],
    branch: &str,
) -> Result<Vec<Candidate>, DeployError> {
    let wanted: Vec<&str> = if paths.is_empty() {
        vec![""]
    } else {
        paths.iter().map(String::as_str).collect()
    };
    let mut out: Vec<Candidate> = Vec::new();
    for path in wanted {
        let mut found = Vec::new();
        if path.is_empty() {
            found.extend(
                entries
                    .iter()
                    .filter(|e| is_file(e) && !hidden(&e.path))
                    .filter(|e| gantry_files::is_manifest_name(Path::new(&e.path)))
                    .map(|e| (e, false)),
            );
        } else if let Some(file) = entries.iter().find(|e| e.path == path) {
            if file.kind == "tree" {
                let prefix = format!("{path}/");
                found.extend(
                    entries
                        .iter()
                        .filter(|e| is_file(e))
                        .filter(|e| {
                            e.path
                                .strip_prefix(&prefix)
                                .is_some_and(|rest| !hidden(rest))
                        })
                        .filter(|e| gantry_files::is_manifest_name(Path::new(&e.path)))
                        .map(|e| (e, false)),
                );
            } else if is_file(file) {
                found.push((file, true));
            } else if file.mode == "120000" {
                // Push mode follows a link only inside the clone; the API
                // gives no clone to resolve it in.
                return Err(DeployError::NothingFound(format!(
                    "`{path}` is a symlink on branch `{branch}`; --mode api does not follow symlinks: name the file it points to, or use --mode push"
                )));
            }
        } else {
            return Err(DeployError::NoSuchPath {
                path: path.to_owned(),
                branch: branch.to_owned(),
            });
        }
        found.sort_by(|a, b| a.0.path.cmp(&b.0.path));
        for (entry, explicit) in found {
            if !out.iter().any(|c| c.path == entry.path) {
                out.push(Candidate {
                    path: entry.path.clone(),
                    sha: entry.sha.clone(),
                    explicit,
                });
            }
        }
    }
    Ok(out)
}

/// A file's text as push mode reads it: no NUL bytes, UTF-8.
fn text_of(path: &str, bytes: Vec<u8>) -> Result<String, FilesError> {
    if bytes.contains(&0) {
        return Err(FilesError::Binary {
            path: path.to_owned(),
        });
    }
    String::from_utf8(bytes).map_err(|e| {
        let error = gantry_yaml::decode(e.as_bytes())
            .err()
            .unwrap_or(gantry_yaml::Error::NotUtf8 { line: 1, column: 1 });
        FilesError::Plan {
            path: path.to_owned(),
            error: error.into(),
        }
    })
}

/// Plan `updates` over the candidates' texts, as `gantry_files::plan_tree`
/// does for files on disk.
fn plan(files: Vec<(Candidate, Vec<u8>)>, updates: &[Update], options: &FileOptions) -> TreePlan {
    let mut out = TreePlan::default();
    for (candidate, bytes) in files {
        out.read += 1;
        out.bytes += bytes.len() as u64;
        let src = match text_of(&candidate.path, bytes) {
            Ok(src) => src,
            Err(e) => {
                out.errors.push(e);
                continue;
            }
        };
        let options = FileOptions {
            add_to_kustomization: candidate.explicit,
            ..options.clone()
        };
        if !gantry_manifest::may_contain(&src, updates, &options) {
            continue;
        }
        let name = candidate
            .path
            .rsplit('/')
            .next()
            .unwrap_or(&candidate.path)
            .to_owned();
        match gantry_manifest::plan_file(&name, &src, updates, &options) {
            Ok(plan) => {
                if plan.output.is_some()
                    || plan.up_to_date > 0
                    || !plan.notes.is_empty()
                    || !plan.matched.is_empty()
                {
                    out.files.push(Planned {
                        input: Input {
                            path: PathBuf::from(&candidate.path),
                            display: candidate.path.clone(),
                            explicit: candidate.explicit,
                        },
                        original: src,
                        plan,
                    });
                }
            }
            Err(source) => out.errors.push(FilesError::Plan {
                path: candidate.path.clone(),
                error: source,
            }),
        }
    }
    out
}

impl Deployer {
    /// The head of `target`'s branch, or why there is none.
    fn api_head(&self, api: &ApiWriter, target: &Target) -> Result<String, DeployError> {
        match api.github.branch_head(&api.repository, &target.branch)? {
            Some(head) => Ok(head),
            None if api.github.repository_exists(&api.repository)? => {
                Err(DeployError::Git(gantry_git::GitError::NoSuchBranch {
                    branch: target.branch.clone(),
                    url: format!("GitHub repository {}", api.repository),
                }))
            }
            None => Err(DeployError::NoRepository {
                repository: api.repository.to_string(),
                api: api.github.api_url().to_owned(),
            }),
        }
    }

    /// Every entry of the tree of commit `head`, with full paths; when
    /// GitHub truncates the recursive listing, only the target paths'
    /// subtrees are listed.
    fn api_tree(
        &self,
        api: &ApiWriter,
        head: &str,
        target: &Target,
    ) -> Result<Vec<TreeEntry>, DeployError> {
        let github = &api.github;
        let repo = &api.repository;
        let root = github.commit(repo, head)?.tree;
        let tree = github.tree(repo, &root, true)?;
        if !tree.truncated {
            return Ok(tree.tree);
        }
        let too_large = |path: &str| {
            DeployError::NothingFound(format!(
                "the tree of `{}`{} is too large for GitHub's tree API; give a narrower --path, or use --mode push",
                target.branch,
                if path.is_empty() {
                    String::new()
                } else {
                    format!(" under `{path}`")
                }
            ))
        };
        if target.paths.is_empty() {
            return Err(too_large(""));
        }
        let mut entries = Vec::new();
        for path in &target.paths {
            // Walk down to the path's parent one level at a time.
            let mut sha = root.clone();
            let mut prefix = String::new();
            let parts: Vec<&str> = path.split('/').collect();
            let mut found: Option<TreeEntry> = None;
            for (i, part) in parts.iter().enumerate() {
                let level = github.tree(repo, &sha, false)?;
                let Some(entry) = level.tree.into_iter().find(|e| e.path == *part) else {
                    break;
                };
                let full = format!("{prefix}{part}");
                if i + 1 == parts.len() {
                    found = Some(TreeEntry {
                        path: full,
                        ..entry
                    });
                    break;
                }
                if entry.kind != "tree" {
                    break;
                }
                sha = entry.sha;
                prefix = format!("{full}/");
            }
            let Some(entry) = found else {
                continue;
            };
            if entry.kind == "tree" {
                let sub = github.tree(repo, &entry.sha, true)?;
                if sub.truncated {
                    return Err(too_large(path));
                }
                entries.extend(sub.tree.into_iter().map(|e| TreeEntry {
                    path: format!("{}/{}", entry.path, e.path),
                    ..e
                }));
            }
            entries.push(entry);
        }
        Ok(entries)
    }

    /// [`apply`](Self::apply) for `--mode api`.
    pub(crate) fn apply_api(
        &self,
        api: &ApiWriter,
        target: &Target,
        updates: &[Update],
        base: &MessageInput,
        settings: &CommitSettings,
    ) -> Result<Outcome, DeployError> {
        let github = &api.github;
        let repo = &api.repository;
        // Blobs are content-addressed: what was read once stays true.
        let mut blobs: HashMap<String, Vec<u8>> = HashMap::new();
        let attempts = self.retry.attempts.max(1);
        for attempt in 1..=attempts {
            let head = self.api_head(api, target)?;
            let entries = self.api_tree(api, &head, target)?;
            let wanted = candidates(&entries, &target.paths, &target.branch)?;
            let unread: Vec<String> = wanted
                .iter()
                .filter(|c| !blobs.contains_key(&c.sha))
                .map(|c| c.sha.clone())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            for (sha, bytes) in unread.iter().zip(github.blobs(repo, &unread)?) {
                blobs.insert(sha.clone(), bytes);
            }
            let files: Vec<(Candidate, Vec<u8>)> = wanted
                .into_iter()
                .map(|c| {
                    let bytes = blobs.get(&c.sha).cloned().unwrap_or_default();
                    (c, bytes)
                })
                .collect();
            let tree_plan = plan(files, updates, &self.file_options);
            if let Some(first) = tree_plan.errors.first() {
                return Err(DeployError::Refused {
                    count: tree_plan.errors.len(),
                    first: first.to_string(),
                    errors: tree_plan.errors,
                });
            }
            let missing = self.missing_images(&tree_plan, updates, target)?;
            let changes = changes_of(&tree_plan);
            let up_to_date = tree_plan.files.iter().map(|f| f.plan.up_to_date).sum();
            if !tree_plan.changed() {
                return Ok(Outcome {
                    changed: false,
                    commit: Some(head),
                    attempts: attempt - 1,
                    changes,
                    up_to_date,
                    message: None,
                    done_by_another: attempt > 1,
                    images: Vec::new(),
                    missing,
                });
            }
            let images = images_of(&changes, updates);
            let input = MessageInput {
                images: images.clone(),
                environment: base
                    .environment
                    .clone()
                    .or_else(|| target.environment.clone()),
                ..base.clone()
            };
            let message = render(&input, settings.template.as_deref());
            let additions: Vec<(String, Vec<u8>)> = tree_plan
                .files
                .iter()
                .filter_map(|f| {
                    f.plan
                        .output
                        .as_ref()
                        .map(|out| (f.input.display.clone(), out.clone().into_bytes()))
                })
                .collect();
            let write = CommitOnBranch {
                repository: repo.clone(),
                branch: target.branch.clone(),
                expected_head: head.clone(),
                message: message.clone(),
                additions,
                deletions: Vec::new(),
            };
            match github.create_commit_on_branch(&write)? {
                CommitOutcome::Created { oid, .. } => {
                    tracing::info!(commit = %oid, attempt, "committed through the GitHub API");
                    return Ok(Outcome {
                        changed: true,
                        commit: Some(oid),
                        attempts: attempt,
                        changes,
                        up_to_date,
                        message: Some(message),
                        done_by_another: false,
                        images,
                        missing,
                    });
                }
                CommitOutcome::Stale { message } => {
                    let wait = self.retry.delay(attempt, unit_random());
                    tracing::info!(attempt, ?wait, reason = %message, "the branch moved; re-applying on the new head");
                    std::thread::sleep(wait);
                }
            }
        }
        Err(DeployError::Contended {
            attempts,
            branch: target.branch.clone(),
        })
    }

    /// [`read_file`](Self::read_file) through the API.
    pub(crate) fn read_file_api(
        &self,
        api: &ApiWriter,
        target: &Target,
        path: &str,
    ) -> Result<Option<String>, DeployError> {
        self.api_head(api, target)?;
        let Some(bytes) = api.github.file(&api.repository, path, &target.branch)? else {
            return Ok(None);
        };
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| DeployError::BadEnvironments {
                file: format!("environments file `{path}`"),
                reason: "the file is not UTF-8".to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn entry(path: &str, kind: &str, mode: &str) -> TreeEntry {
        TreeEntry {
            path: path.into(),
            mode: mode.into(),
            kind: kind.into(),
            sha: format!("sha-{path}"),
            size: None,
        }
    }

    #[test]
    fn candidates_are_what_push_mode_reads() {
        let entries = vec![
            entry(".gantry", "tree", "040000"),
            entry(".gantry/environments.yaml", "blob", "100644"),
            entry("README.md", "blob", "100644"),
            entry("envs", "tree", "040000"),
            entry("envs/prod", "tree", "040000"),
            entry("envs/prod/api.yaml", "blob", "100644"),
            entry("envs/prod/run.sh", "blob", "100755"),
            entry("envs/prod/.hidden.yaml", "blob", "100644"),
            entry("envs/prod/link.yaml", "blob", "120000"),
            entry("envs/prod/Kustomization", "blob", "100644"),
            entry("envs/staging", "tree", "040000"),
            entry("envs/staging/api.json", "blob", "100644"),
            entry("vendor", "commit", "160000"),
            entry("values.txt", "blob", "100644"),
        ];
        let paths = |ps: &[&str]| -> Vec<String> {
            candidates(
                &entries,
                &ps.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>(),
                "main",
            )
            .unwrap()
            .into_iter()
            .map(|c| format!("{}{}", c.path, if c.explicit { "!" } else { "" }))
            .collect()
        };
        assert_eq!(
            paths(&[]),
            [
                "envs/prod/Kustomization",
                "envs/prod/api.yaml",
                "envs/staging/api.json"
            ]
        );
        assert_eq!(
            paths(&["envs/staging", "values.txt", "envs"]),
            [
                "envs/staging/api.json",
                "values.txt!",
                "envs/prod/Kustomization",
                "envs/prod/api.yaml"
            ]
        );
        assert_eq!(paths(&[".gantry"]), [".gantry/environments.yaml"]);
        let link = candidates(&entries, &["envs/prod/link.yaml".to_owned()], "main").unwrap_err();
        assert!(
            link.to_string()
                .starts_with("`envs/prod/link.yaml` is a symlink on branch `main`; --mode api does not follow symlinks"),
            "{link}"
        );
        let missing = candidates(&entries, &["nope".to_owned()], "main").unwrap_err();
        assert_eq!(
            missing.to_string(),
            "path `nope` does not exist on branch `main`"
        );
    }

    #[test]
    fn files_plan_byte_exactly_and_refusals_name_the_file() {
        let updates = vec![Update::parse("ghcr.io/acme/api:2").unwrap()];
        let text = "\u{feff}kind: Deployment\r\nspec:\r\n  template:\r\n    spec:\r\n      containers:\r\n      - image: ghcr.io/acme/api:1 # keep\r\n        name: api";
        let c = |p: &str| Candidate {
            path: p.into(),
            sha: p.into(),
            explicit: false,
        };
        let plan_ = plan(
            vec![
                (c("a.yaml"), text.as_bytes().to_vec()),
                (c("other.yaml"), b"x: 1\n".to_vec()),
            ],
            &updates,
            &FileOptions::default(),
        );
        assert!(plan_.errors.is_empty());
        assert_eq!(plan_.files.len(), 1);
        assert_eq!(
            plan_.files[0].plan.output.as_deref(),
            Some(text.replace("api:1 #", "api:2 #").as_str())
        );
        let bad = plan(
            vec![
                (c("bin.yaml"), b"ghcr.io/acme/api\0".to_vec()),
                (
                    c("latin1.yaml"),
                    b"image: ghcr.io/acme/api:1 # \xe9\n".to_vec(),
                ),
            ],
            &updates,
            &FileOptions::default(),
        );
        let errors: Vec<String> = bad.errors.iter().map(ToString::to_string).collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors[0].contains("bin.yaml") && errors[1].contains("latin1.yaml"),
            "{errors:?}"
        );
    }
}
