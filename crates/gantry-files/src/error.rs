/// Why a path given on the command line, or found under one, cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    /// The path does not exist or cannot be read.
    #[error("cannot read `{path}`: {error}")]
    Unreadable {
        /// The path.
        path: String,
        /// The I/O error.
        error: std::io::Error,
    },
    /// Walking a directory failed (permissions, a loop).
    #[error("cannot walk `{path}`: {reason}")]
    Walk {
        /// The directory.
        path: String,
        /// What the walker said.
        reason: String,
    },
    /// A symlink under a directory points outside it.
    #[error("`{path}` is a symlink to `{target}`, outside `{root}`; refusing to follow it")]
    SymlinkOutside {
        /// The link.
        path: String,
        /// Where it points.
        target: String,
        /// The directory given.
        root: String,
    },
    /// The file holds NUL bytes.
    #[error("`{path}` is a binary file, not YAML or JSON")]
    Binary {
        /// The file.
        path: String,
    },
    /// The file is not UTF-8, or the editor refused it.
    #[error("{path}: {error}")]
    Plan {
        /// The file.
        path: String,
        /// Why.
        error: gantry_manifest::PlanError,
    },
    /// Writing the new text failed.
    #[error("cannot write `{path}`: {error}")]
    Write {
        /// The file.
        path: String,
        /// The I/O error.
        error: std::io::Error,
    },
}

impl FilesError {
    /// The file and 1-based line and column the error is about, for an
    /// `::error file=…,line=…::` annotation.
    pub fn location(&self) -> Option<(&str, Option<(usize, usize)>)> {
        match self {
            FilesError::Plan { path, error } => Some((path, error.position())),
            FilesError::Binary { path }
            | FilesError::Unreadable { path, .. }
            | FilesError::SymlinkOutside { path, .. }
            | FilesError::Write { path, .. } => Some((path, None)),
            FilesError::Walk { .. } => None,
        }
    }
}
