//! Which files a run reads: the files named, and the YAML and JSON files
//! under the directories named, as git would see them (`.gitignore`,
//! `.git/info/exclude` and global excludes respected; hidden files
//! skipped). A symlink under a directory must point inside it; a FIFO,
//! socket or device named or found where a manifest would be is refused.

use std::path::{Path, PathBuf};

use crate::error::FilesError;
use crate::guard::{require_regular, special_kind};

/// One file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The path to open.
    pub path: PathBuf,
    /// The path as shown to the user (as given, or under the directory as given).
    pub display: String,
    /// Named on the command line rather than found in a directory.
    pub explicit: bool,
}

/// Whether a file found in a directory is read: YAML or JSON by extension,
/// or kustomize's extension-less `Kustomization`.
pub fn is_manifest_name(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name == "Kustomization" {
        return true;
    }
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// The files to read for `paths`, in a stable order, each once.
pub fn collect(paths: &[PathBuf]) -> Result<Vec<Input>, FilesError> {
    let mut out: Vec<Input> = Vec::new();
    for given in paths {
        let shown = given.display().to_string();
        let meta = std::fs::metadata(given).map_err(|error| FilesError::Unreadable {
            path: shown.clone(),
            error,
        })?;
        if !meta.is_dir() {
            // A FIFO would block the read forever: refuse it now.
            require_regular(given, &shown)?;
            // A file named through a symlink is written where the link
            // points: replacing the link with a file would cut it.
            let path = given
                .canonicalize()
                .map_err(|error| FilesError::Unreadable {
                    path: shown.clone(),
                    error,
                })?;
            out.push(Input {
                path,
                display: shown,
                explicit: true,
            });
            continue;
        }
        let root = given
            .canonicalize()
            .map_err(|error| FilesError::Unreadable {
                path: shown.clone(),
                error,
            })?;
        let walker = ignore::WalkBuilder::new(given)
            .follow_links(false)
            .require_git(false)
            .sort_by_file_name(|a, b| a.cmp(b))
            .build();
        for entry in walker {
            let entry = entry.map_err(|e| FilesError::Walk {
                path: shown.clone(),
                reason: e.to_string(),
            })?;
            let Some(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if kind.is_symlink() {
                let target = path
                    .canonicalize()
                    .map_err(|error| FilesError::Unreadable {
                        path: path.display().to_string(),
                        error,
                    })?;
                if !target.starts_with(&root) {
                    return Err(FilesError::SymlinkOutside {
                        path: path.display().to_string(),
                        target: target.display().to_string(),
                        root: shown.clone(),
                    });
                }
                // Inside the tree: its target is read under its own name.
                continue;
            }
            if let Some(special) = special_kind(kind)
                && is_manifest_name(path)
            {
                return Err(FilesError::NotRegular {
                    path: path.display().to_string(),
                    kind: special,
                });
            }
            if kind.is_file() && is_manifest_name(path) {
                let display = path.display().to_string();
                // `gantry-patch .` shows `deploy/api.yaml`, not `./deploy/api.yaml`.
                let display = match display.strip_prefix("./") {
                    Some(rest) if given.as_os_str() == "." => rest.to_owned(),
                    _ => display,
                };
                out.push(Input {
                    path: path.to_path_buf(),
                    display,
                    explicit: false,
                });
            }
        }
    }
    // A file named twice (or named and found under a directory) is read
    // once, as named. One walk never yields a file twice, so with a single
    // path there is nothing to resolve (resolving every path of a large
    // tree costs more than reading it).
    out.sort_by_key(|i| !i.explicit);
    let unique = if paths.len() <= 1 {
        out
    } else {
        let mut seen = std::collections::HashSet::new();
        let mut unique = Vec::with_capacity(out.len());
        for input in out {
            let key = input
                .path
                .canonicalize()
                .unwrap_or_else(|_| input.path.clone());
            if seen.insert(key) {
                unique.push(input);
            }
        }
        unique
    };
    let mut unique = unique;
    unique.sort_by(|a, b| a.display.cmp(&b.display));
    Ok(unique)
}
