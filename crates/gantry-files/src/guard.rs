//! What a path must be before it is read or written: a regular file (a
//! FIFO would block the read forever, a device would never end), and,
//! through whatever symlinks it passes, still inside the checkout it was
//! given in (a symlink committed in a repository must not make a run
//! rewrite a file outside it).

use std::fs::FileType;
use std::os::unix::fs::FileTypeExt as _;
use std::path::{Component, Path, PathBuf};

use crate::error::FilesError;

/// What a file type is when it is neither a regular file, a directory nor
/// a symlink; `None` for those three.
pub(crate) fn special_kind(kind: FileType) -> Option<&'static str> {
    if kind.is_file() || kind.is_dir() || kind.is_symlink() {
        None
    } else if kind.is_fifo() {
        Some("a FIFO (named pipe)")
    } else if kind.is_socket() {
        Some("a socket")
    } else if kind.is_char_device() {
        Some("a character device")
    } else if kind.is_block_device() {
        Some("a block device")
    } else {
        Some("not a regular file")
    }
}

/// Refuse `path` (shown as `display`) unless it is a regular file, after
/// following symlinks. Checked before opening: opening a FIFO blocks until
/// a writer comes.
pub(crate) fn require_regular(path: &Path, display: &str) -> Result<(), FilesError> {
    let meta = std::fs::metadata(path).map_err(|error| FilesError::Unreadable {
        path: display.to_owned(),
        error,
    })?;
    if meta.is_file() {
        return Ok(());
    }
    Err(FilesError::NotRegular {
        path: display.to_owned(),
        kind: if meta.is_dir() {
            "a directory"
        } else {
            special_kind(meta.file_type()).unwrap_or("not a regular file")
        },
    })
}

/// `path` made absolute against `cwd` and with `.` and `..` resolved as
/// text, without following any symlink: where the user pointed, as opposed
/// to where the links lead.
pub fn lexical(path: &Path, cwd: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The checkout a path given on the command line belongs to: the nearest
/// directory above it (itself included, for a directory, unless it is a
/// symlink) holding `.git`;
/// else the current directory when the path is under it; else the
/// directory the path is in. Symlinks are not followed to find it.
pub fn checkout_root(path: &Path, cwd: &Path) -> PathBuf {
    let lexical = lexical(path, cwd);
    let cwd = lexical_cwd(cwd);
    let mut dir = Some(lexical.as_path());
    while let Some(d) = dir {
        // A symlinked directory is where the link leads, not a checkout of
        // its own: `deploy -> /elsewhere/repo` must not make that its root.
        let is_link = std::fs::symlink_metadata(d).is_ok_and(|m| m.file_type().is_symlink());
        if !is_link && d.join(".git").exists() {
            return d.to_path_buf();
        }
        dir = d.parent();
    }
    if lexical.starts_with(&cwd) {
        return cwd;
    }
    lexical
        .parent()
        .map_or_else(|| lexical.clone(), Path::to_path_buf)
}

fn lexical_cwd(cwd: &Path) -> PathBuf {
    lexical(cwd, Path::new("/"))
}

/// Resolve `path` (shown as `display`) through its symlinks and refuse it
/// when it lands outside `root`. Returns the resolved path.
pub fn resolve_inside(path: &Path, display: &str, root: &Path) -> Result<PathBuf, FilesError> {
    let resolved = path
        .canonicalize()
        .map_err(|error| FilesError::Unreadable {
            path: display.to_owned(),
            error,
        })?;
    let real_root = root
        .canonicalize()
        .map_err(|error| FilesError::Unreadable {
            path: root.display().to_string(),
            error,
        })?;
    if resolved.starts_with(&real_root) {
        return Ok(resolved);
    }
    Err(FilesError::OutsideRoot {
        path: display.to_owned(),
        target: resolved.display().to_string(),
        root: format!("`{}`", root.display()),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn paths_resolve_as_text_and_roots_are_found() {
        let cwd = Path::new("/work/repo/sub");
        for (given, want) in [
            ("a.yaml", "/work/repo/sub/a.yaml"),
            ("../b/./c.yaml", "/work/repo/b/c.yaml"),
            ("/etc/x", "/etc/x"),
            ("../../../../x", "/x"),
        ] {
            assert_eq!(lexical(Path::new(given), cwd), Path::new(want), "{given}");
        }
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("envs")).unwrap();
        let elsewhere = tmp.path().join("elsewhere");
        std::fs::create_dir_all(&elsewhere).unwrap();
        let cwd = repo.join("envs");
        assert_eq!(checkout_root(Path::new("a.yaml"), &cwd), repo);
        assert_eq!(checkout_root(Path::new("."), &cwd), repo);
        assert_eq!(checkout_root(&elsewhere.join("x.yaml"), &cwd), elsewhere);
        assert_eq!(
            checkout_root(Path::new("x.yaml"), &elsewhere),
            elsewhere,
            "no .git: the current directory"
        );
        std::os::unix::fs::symlink(&repo, elsewhere.join("link")).unwrap();
        assert_eq!(
            checkout_root(Path::new("link"), &elsewhere),
            elsewhere,
            "a link to another checkout is not a root"
        );
    }

    #[test]
    fn symlinks_out_of_the_root_and_special_files_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("root");
        std::fs::create_dir_all(root.join("d")).unwrap();
        std::fs::write(root.join("d/in.yaml"), "a: 1\n").unwrap();
        std::fs::write(tmp.path().join("out.yaml"), "a: 1\n").unwrap();
        std::os::unix::fs::symlink("in.yaml", root.join("d/ok.yaml")).unwrap();
        std::os::unix::fs::symlink("../../out.yaml", root.join("d/bad.yaml")).unwrap();
        std::os::unix::fs::symlink(tmp.path(), root.join("up")).unwrap();
        assert_eq!(
            resolve_inside(&root.join("d/ok.yaml"), "d/ok.yaml", &root).unwrap(),
            root.canonicalize().unwrap().join("d/in.yaml")
        );
        for bad in ["d/bad.yaml", "up/out.yaml"] {
            let err = resolve_inside(&root.join(bad), bad, &root).unwrap_err();
            assert!(
                matches!(err, FilesError::OutsideRoot { .. }),
                "{bad}: {err}"
            );
            assert!(
                err.to_string()
                    .starts_with(&format!("`{bad}` resolves through a symlink to `")),
                "{err}"
            );
        }
        let fifo = root.join("pipe.yaml");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        assert_eq!(
            require_regular(&fifo, "pipe.yaml").unwrap_err().to_string(),
            "`pipe.yaml` is a FIFO (named pipe), not a regular file"
        );
        assert_eq!(
            require_regular(&root, "root").unwrap_err().to_string(),
            "`root` is a directory, not a regular file"
        );
        require_regular(&root.join("d/ok.yaml"), "ok").unwrap();
    }
}
