use std::path::PathBuf;

/// Why a spec file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The file could not be read.
    #[error("cannot read the spec {}: {source}", file.display())]
    Read {
        /// The spec file.
        file: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// Not a regular file: a FIFO (whose read would block), a device, a
    /// directory.
    #[error("the spec {} is {kind}, not a regular file", file.display())]
    NotAFile {
        /// The spec file.
        file: PathBuf,
        /// What it is: `a FIFO`, `a directory`, …
        kind: &'static str,
    },
    /// Larger than any spec.
    #[error("the spec {} is larger than {} MiB: is it the right file?", file.display(), max / 1024 / 1024)]
    TooLarge {
        /// The spec file.
        file: PathBuf,
        /// The limit, in bytes.
        max: u64,
    },
    /// Not UTF-8.
    #[error("the spec {} is not UTF-8 text", file.display())]
    NotText {
        /// The spec file.
        file: PathBuf,
    },
    /// The file is not YAML (or JSON).
    #[error("the spec {} is not valid YAML: {message}", file.display())]
    Syntax {
        /// The spec file.
        file: PathBuf,
        /// The parser's message, with the line and column.
        message: String,
    },
    /// The file holds nothing.
    #[error("the spec {} is empty", file.display())]
    Empty {
        /// The spec file.
        file: PathBuf,
    },
    /// A field has the wrong type or value, or is unknown or missing.
    #[error("{}: {}{message}", file.display(), field_prefix(field))]
    Field {
        /// The spec file.
        file: PathBuf,
        /// The field's path, e.g. `checks[1].max` (`.` for the top level).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// A `${VARIABLE}` is not set.
    #[error("{}: {field}: the variable {name} is not set (or empty)", file.display())]
    Variable {
        /// The spec file.
        file: PathBuf,
        /// The field's path.
        field: String,
        /// The variable.
        name: String,
    },
}

fn field_prefix(field: &str) -> String {
    if field.is_empty() || field == "." {
        String::new()
    } else {
        format!("{field}: ")
    }
}
