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

/// Read and parse the spec at `path`, looking variables up with `env`.
pub fn load<T: DeserializeOwned>(
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<T, SpecError> {
    let text = std::fs::read_to_string(path).map_err(|source| SpecError::Read {
        file: path.to_path_buf(),
        source,
    })?;
    parse(path, &text, env)
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
