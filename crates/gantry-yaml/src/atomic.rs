//! Atomic file replacement that keeps the original file's permissions.

use std::io::Write;
use std::path::Path;

/// Write `bytes` to `path` atomically: write a temporary file in the same
/// directory, fsync it, copy the original's permissions, and rename it over
/// the original. A reader sees the old file or the new one, never a part;
/// after a crash the file is the old one or the new one, whole (the data is
/// on disk before the rename). The directory is not fsynced: after a power
/// loss the rename itself may be lost, which leaves the old file, a
/// consistent state, and one fsync per file instead of two keeps a
/// 2,500-file deploy fast.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let perms = std::fs::metadata(path).ok().map(|m| m.permissions());
    let mut attempt = 0u32;
    let (tmp, mut file) = loop {
        let tmp = dir.join(format!(
            ".{name}.gantry-tmp-{}-{attempt}",
            std::process::id()
        ));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1
            }
            Err(e) => return Err(e),
        }
    };
    let result = (|| {
        file.write_all(bytes)?;
        if let Some(p) = perms {
            file.set_permissions(p)?;
        }
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
        return result;
    }
    Ok(())
}
