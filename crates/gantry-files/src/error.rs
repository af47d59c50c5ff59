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
    /// A path resolves, through a symlink, to a place outside the
    /// checkout it was given in: writing there would change a file the
    /// run was never meant to touch.
    #[error(
        "`{path}` resolves through a symlink to `{target}`, outside {root}; refusing to follow it"
    )]
    OutsideRoot {
        /// The path as given.
        path: String,
        /// Where it resolves to.
        target: String,
        /// The checkout (or directory) it must stay in, as shown
        /// (`` `/srv/repo` ``, `the repository`).
        root: String,
    },
    /// A FIFO, socket or device where a file was expected: reading it
    /// could block forever or never end.
    #[error("`{path}` is {kind}, not a regular file")]
    NotRegular {
        /// The path.
        path: String,
        /// What it is (`a FIFO (named pipe)`, `a socket`, …).
        kind: &'static str,
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
            | FilesError::OutsideRoot { path, .. }
            | FilesError::NotRegular { path, .. }
            | FilesError::Write { path, .. } => Some((path, None)),
            FilesError::Walk { .. } => None,
        }
    }
}

impl FilesError {
    /// The error with every path under `root` shown relative to it (a
    /// clone's temporary directory means nothing to the reader).
    #[must_use]
    pub fn relative_to(self, root: &std::path::Path) -> FilesError {
        let prefix = format!("{}/", root.display());
        let rel = |p: String| match p.strip_prefix(&prefix) {
            Some(rest) => rest.to_owned(),
            None if p == prefix.trim_end_matches('/') => ".".to_owned(),
            None => p,
        };
        match self {
            FilesError::Unreadable { path, error } => FilesError::Unreadable {
                path: rel(path),
                error,
            },
            FilesError::Walk { path, reason } => FilesError::Walk {
                path: rel(path),
                reason,
            },
            FilesError::SymlinkOutside { path, target, root } => FilesError::SymlinkOutside {
                path: rel(path),
                target,
                root: rel(root),
            },
            FilesError::OutsideRoot { path, target, root } => FilesError::OutsideRoot {
                path: rel(path),
                target,
                root,
            },
            FilesError::NotRegular { path, kind } => FilesError::NotRegular {
                path: rel(path),
                kind,
            },
            FilesError::Binary { path } => FilesError::Binary { path: rel(path) },
            FilesError::Plan { path, error } => FilesError::Plan {
                path: rel(path),
                error,
            },
            FilesError::Write { path, error } => FilesError::Write {
                path: rel(path),
                error,
            },
        }
    }
}
