//! Reading a spec file: YAML (or JSON, which is YAML) into a
//! `serde_json::Value`, `${VARIABLE}` expanded from the environment, then
//! into the typed spec with the path of the first bad field.
//!
//! Two passes on purpose: the YAML parser reports syntax errors with a
//! line and column, and `serde_path_to_error` over the value reports
//! type errors with the field's path (`checks[1].max`), which is what a
//! user needs to find the typo.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::SpecError;

/// The largest spec read: a spec is a page of YAML; anything this big is
/// the wrong file (a log, a binary), and reading it all would only delay
/// the error.
pub const MAX_SPEC_BYTES: u64 = 1024 * 1024;

/// Read and parse the spec at `path`, looking variables up with `env`.
///
/// Only a regular file is read: a FIFO would block the read until a
/// writer comes (for ever, in CI), a device or a directory is not a spec.
/// Its kind is checked before it is opened, and again on what was opened.
pub fn load<T: DeserializeOwned>(
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<T, SpecError> {
    let text = read_spec(path)?;
    parse(path, &text, env)
}

fn read_spec(path: &Path) -> Result<String, SpecError> {
    use std::io::Read as _;
    let file = path.to_path_buf();
    let read_error = |source| SpecError::Read {
        file: file.clone(),
        source,
    };
    let regular = |meta: &std::fs::Metadata| {
        if meta.is_file() {
            Ok(())
        } else {
            Err(SpecError::NotAFile {
                file: file.clone(),
                kind: kind_word(&meta.file_type()),
            })
        }
    };
    regular(&std::fs::metadata(path).map_err(read_error)?)?;
    let opened = std::fs::File::open(path).map_err(read_error)?;
    regular(&opened.metadata().map_err(read_error)?)?;
    let mut bytes = Vec::new();
    opened
        .take(MAX_SPEC_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_SPEC_BYTES {
        return Err(SpecError::TooLarge {
            file,
            max: MAX_SPEC_BYTES,
        });
    }
    String::from_utf8(bytes).map_err(|_| SpecError::NotText { file })
}

fn kind_word(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Parse spec text; `file` only names it in errors.
pub fn parse<T: DeserializeOwned>(
    file: &Path,
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<T, SpecError> {
    let file = file.to_path_buf();
    let mut value: Value = serde_saphyr::from_str(text).map_err(|error| SpecError::Syntax {
        file: file.clone(),
        message: error.to_string(),
    })?;
    if value.is_null() {
        return Err(SpecError::Empty { file });
    }
    expand(&mut value, &mut String::new(), env, &file)?;
    serde_path_to_error::deserialize(value).map_err(|error| {
        let outer = error.path().to_string();
        let message = error.into_inner().to_string();
        let (field, message) = match crate::tagged::split_inner_path(&message) {
            Some((inner, rest)) => (format!("{outer}.{inner}"), rest.to_owned()),
            None => (outer, message),
        };
        SpecError::Field {
            file,
            field,
            message,
        }
    })
}

/// Keys whose values are shell commands: the shell expands their
/// variables itself, at the time it runs them.
const NOT_EXPANDED: &[&str] = &["command"];

fn expand(
    value: &mut Value,
    field: &mut String,
    env: &dyn Fn(&str) -> Option<String>,
    file: &PathBuf,
) -> Result<(), SpecError> {
    match value {
        Value::String(text) => {
            if text.contains('$') {
                *text = expand_text(text, env).map_err(|name| SpecError::Variable {
                    file: file.clone(),
                    field: field.clone(),
                    name,
                })?;
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                let len = field.len();
                field.push_str(&format!("[{index}]"));
                expand(item, field, env, file)?;
                field.truncate(len);
            }
        }
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                if NOT_EXPANDED.contains(&key.as_str()) {
                    continue;
                }
                let len = field.len();
                if !field.is_empty() {
                    field.push('.');
                }
                field.push_str(key);
                expand(item, field, env, file)?;
                field.truncate(len);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
    Ok(())
}

/// `${NAME}` replaced by the variable's value, `$${` kept as a literal
/// `${`; any other `$` is left alone. Returns the name of an unset (or
/// empty) variable as the error: an empty token or URL is never what the
/// author meant.
fn expand_text(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        if let Some(tail) = after.strip_prefix("$${") {
            out.push_str("${");
            rest = tail;
        } else if let Some(tail) = after.strip_prefix("${") {
            match tail.find('}') {
                Some(end) if is_variable_name(&tail[..end]) => {
                    let name = &tail[..end];
                    match env(name).filter(|v| !v.is_empty()) {
                        Some(value) => out.push_str(&value),
                        None => return Err(name.to_owned()),
                    }
                    rest = &tail[end + 1..];
                }
                _ => {
                    out.push_str("${");
                    rest = tail;
                }
            }
        } else {
            out.push('$');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_within_the_cap_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("spec.yaml");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        let big = dir.path().join("big.yaml");
        std::fs::write(&big, vec![b'#'; MAX_SPEC_BYTES as usize + 1]).unwrap();
        let binary = dir.path().join("binary.yaml");
        std::fs::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
        for (path, want) in [
            (fifo.as_path(), "is a FIFO, not a regular file"),
            (dir.path(), "is a directory, not a regular file"),
            (
                Path::new("/dev/null"),
                "is a character device, not a regular file",
            ),
            (big.as_path(), "is larger than 1 MiB"),
            (binary.as_path(), "is not UTF-8 text"),
            (Path::new("/nonexistent/spec.yaml"), "cannot read the spec"),
        ] {
            let err = read_spec(path).unwrap_err().to_string();
            assert!(err.contains(want), "{}: {err}", path.display());
            assert!(err.contains(&path.display().to_string()), "{err}");
        }
    }

    fn env(name: &str) -> Option<String> {
        match name {
            "TOKEN" => Some("s3cret".to_owned()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn variables() {
        let cases: &[(&str, Result<&str, &str>)] = &[
            ("Bearer ${TOKEN}", Ok("Bearer s3cret")),
            ("${TOKEN}${TOKEN}", Ok("s3crets3cret")),
            ("cost $5", Ok("cost $5")),
            ("$${TOKEN}", Ok("${TOKEN}")),
            ("${not a name}", Ok("${not a name}")),
            ("${TOKEN", Ok("${TOKEN")),
            ("trailing $", Ok("trailing $")),
            ("${MISSING}", Err("MISSING")),
            ("${EMPTY}", Err("EMPTY")),
        ];
        for (text, want) in cases {
            let got = expand_text(text, &env);
            assert_eq!(
                got.as_deref().map_err(String::as_str),
                want.map_err(|e| e),
                "{text}"
            );
        }
    }
}
