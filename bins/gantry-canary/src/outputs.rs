//! The files gantry-canary writes at the end (`--report`, and under
//! GitHub Actions `$GITHUB_OUTPUT` and `$GITHUB_STEP_SUMMARY`) and the
//! kubeconfigs it reads, checked before anything happens: a report that
//! cannot be written is bad input (exit 2) before the first hook runs,
//! not an error after the analysis and its rollback hook.

use std::fs::FileType;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;

use gantry_cli::CliError;

use crate::plan::usage;

/// `path` can be written as `name`: not a directory, a FIFO or a socket
/// (writing to one would block or fail), and, when it does not exist yet,
/// in a directory that exists and this process may write in. Nothing is
/// created.
pub(crate) fn check_writable(name: &str, path: &Path) -> Result<(), CliError> {
    let shown = path.display();
    if path.as_os_str().is_empty() {
        return Err(usage(format!("{name} is empty: give a file to write")));
    }
    match std::fs::metadata(path) {
        Ok(meta) => {
            let kind = meta.file_type();
            if kind.is_dir() {
                return Err(usage(format!(
                    "{name} `{shown}` is a directory: give a file to write"
                )));
            }
            if blocks(kind) && !is_std_stream(path) {
                return Err(usage(format!(
                    "{name} `{shown}` is {}: give a regular file",
                    kind_word(kind)
                )));
            }
            if !writable(path) {
                return Err(usage(format!(
                    "{name} `{shown}` cannot be written (permission denied)"
                )));
            }
            Ok(())
        }
        Err(error)
            if matches!(
                error.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            let parent = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            match std::fs::metadata(parent) {
                Ok(meta) if meta.is_dir() => {
                    if writable(parent) {
                        Ok(())
                    } else {
                        Err(usage(format!(
                            "{name} `{shown}`: the directory `{}` cannot be written in (permission denied)",
                            parent.display()
                        )))
                    }
                }
                Ok(_) => Err(usage(format!(
                    "{name} `{shown}`: `{}` is not a directory",
                    parent.display()
                ))),
                Err(_) => Err(usage(format!(
                    "{name} `{shown}`: the directory `{}` does not exist",
                    parent.display()
                ))),
            }
        }
        Err(error) => Err(usage(format!("{name} `{shown}`: {error}"))),
    }
}

/// `path`, given as `name`, is a file that can be read at once: a FIFO
/// (or a socket, a directory) would block or fail the read later, after
/// something already happened. A missing file is left to its reader, which
/// says so in its own words.
pub(crate) fn check_readable_file(name: &str, path: &Path) -> Result<(), CliError> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    let kind = meta.file_type();
    if kind.is_file() {
        return Ok(());
    }
    Err(usage(format!(
        "{name} `{}` is {}, not a regular file",
        path.display(),
        kind_word(kind)
    )))
}

fn blocks(kind: FileType) -> bool {
    kind.is_fifo() || kind.is_socket()
}

/// `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`: a pipe
/// already open on this process, which a write does not block on.
fn is_std_stream(path: &Path) -> bool {
    let text = path.to_string_lossy();
    matches!(text.as_ref(), "/dev/stdout" | "/dev/stderr")
        || text.starts_with("/dev/fd/")
        || text.starts_with("/proc/self/fd/")
}

fn kind_word(kind: FileType) -> &'static str {
    if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_char_device() {
        "a character device"
    } else {
        "not a regular file"
    }
}

fn writable(path: &Path) -> bool {
    rustix::fs::access(path, rustix::fs::Access::WRITE_OK).is_ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn output_paths_are_checked_without_creating_anything() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("r.json");
        std::fs::write(&file, "old").unwrap();
        let fifo = dir.path().join("fifo");
        rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::RWXU).unwrap();
        let missing_dir = dir.path().join("nope/r.json");
        let under_file = file.join("r.json");
        for (path, want) in [
            (dir.path().join("new.json"), None),
            (file.clone(), None),
            (dir.path().to_path_buf(), Some("is a directory")),
            (fifo.clone(), Some("is a FIFO")),
            (missing_dir.clone(), Some("does not exist")),
            (under_file, Some("is not a directory")),
            (Path::new("").to_path_buf(), Some("is empty")),
        ] {
            let got = check_writable("--report", &path)
                .err()
                .map(|e| e.error().to_string());
            match (got, want) {
                (None, None) => {}
                (Some(got), Some(want)) => assert!(got.contains(want), "{path:?}: {got}"),
                (got, want) => panic!("{path:?}: {got:?}, want {want:?}"),
            }
        }
        assert!(!dir.path().join("new.json").exists());
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "old");
        assert!(check_readable_file("--kubeconfig", &fifo).is_err());
        assert!(check_readable_file("--kubeconfig", &file).is_ok());
        assert!(check_readable_file("--kubeconfig", &missing_dir).is_ok());
    }
}
