//! File commands: `$GITHUB_OUTPUT`, `$GITHUB_ENV` and `$GITHUB_PATH`.
//!
//! Key/value files are written the way `@actions/core` writes them
//! (`prepareKeyValueMessage` in `packages/core/src/file-command.ts`): always
//! the heredoc form with a fresh random delimiter, never `name=value`, so
//! multi-line values and values that look like the grammar are safe:
//!
//! ```text
//! name<<ghadelimiter_1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed
//! value
//! ghadelimiter_1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed
//! ```
//!
//! Lines end in `\n` on every platform (the runner accepts it on Windows
//! too); a value's own line endings, CRLF included, are written unchanged.
//! Values are never redacted here: they are data for later steps, and the
//! runner already masks registered secrets wherever it shows them (and
//! refuses to pass job outputs that contain one to other jobs).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::random;

/// Why a file command was refused or could not be written. Messages name
/// the key, never the value (which may be a secret).
#[derive(Debug, thiserror::Error)]
pub enum FileCommandError {
    /// The name is empty.
    #[error("the name is empty")]
    EmptyName,
    /// The name would break the `name<<delimiter` line.
    #[error(
        "name `{name}` contains {what}, which the runner's file-command grammar does not allow"
    )]
    InvalidName {
        /// The refused name (escaped for display).
        name: String,
        /// What it contains.
        what: &'static str,
    },
    /// The name contains the delimiter (never happens with random delimiters).
    #[error("name `{name}` contains the heredoc delimiter")]
    DelimiterInName {
        /// The refused name.
        name: String,
    },
    /// The value contains the delimiter, so it could end the heredoc early
    /// and inject other keys.
    #[error("the value of `{name}` contains the heredoc delimiter")]
    DelimiterInValue {
        /// The name whose value was refused.
        name: String,
    },
    /// A `$GITHUB_PATH` entry is empty or spans lines.
    #[error("path entry `{path}` is {what}")]
    InvalidPathEntry {
        /// The refused entry (escaped for display).
        path: String,
        /// What is wrong with it.
        what: &'static str,
    },
    /// No random delimiter could be made.
    #[error("cannot make a heredoc delimiter for `{name}`")]
    Delimiter {
        /// The name being written.
        name: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The file could not be opened for appending. Like `@actions/core`,
    /// a missing file is an error: the runner creates these files, so a
    /// missing one means the variable points somewhere else.
    #[error("cannot open `{}` for appending", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// Writing failed.
    #[error("cannot write `{name}`")]
    Write {
        /// The name (or path entry) being written.
        name: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
}

/// Makes heredoc delimiters. Injectable so tests can force a collision.
pub trait DelimiterSource {
    /// A new delimiter, different every call.
    fn next_delimiter(&mut self) -> io::Result<String>;
}

/// `ghadelimiter_<random UUID v4>`, as `@actions/core` makes them (its newer
/// releases use a v7 UUID; both have at least 74 random bits, and the runner
/// accepts any delimiter).
#[derive(Clone, Copy, Debug, Default)]
pub struct RandomDelimiters;

impl DelimiterSource for RandomDelimiters {
    fn next_delimiter(&mut self) -> io::Result<String> {
        Ok(format!("ghadelimiter_{}", random::uuid_v4()?))
    }
}

impl<F: FnMut() -> String> DelimiterSource for F {
    fn next_delimiter(&mut self) -> io::Result<String> {
        Ok(self())
    }
}

/// Appends `name<<delimiter` records to a key/value file command
/// (`$GITHUB_OUTPUT`, `$GITHUB_ENV`, `$GITHUB_STATE`).
#[derive(Debug)]
pub struct FileCommand<W: Write, D = RandomDelimiters> {
    out: W,
    delimiters: D,
}

impl FileCommand<File> {
    /// Opens `path` for appending. The file must exist (see
    /// [`FileCommandError::Open`]).
    pub fn append_to(path: &Path) -> Result<Self, FileCommandError> {
        Ok(Self::new(open_append(path)?))
    }
}

impl<W: Write> FileCommand<W> {
    /// Records written to `out` with random delimiters.
    pub fn new(out: W) -> Self {
        Self::with_delimiters(out, RandomDelimiters)
    }
}

impl<W: Write, D: DelimiterSource> FileCommand<W, D> {
    /// Records written to `out` with delimiters from `delimiters`.
    pub fn with_delimiters(out: W, delimiters: D) -> Self {
        Self { out, delimiters }
    }

    /// Appends `name` = `value` as one heredoc record, written with a single
    /// `write_all` so appenders in parallel never interleave within it.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), FileCommandError> {
        check_name(name)?;
        let delimiter =
            self.delimiters
                .next_delimiter()
                .map_err(|source| FileCommandError::Delimiter {
                    name: name.to_owned(),
                    source,
                })?;
        // As in @actions/core: "should realistically never happen", but a
        // delimiter inside the data would let the value end the record.
        if name.contains(&delimiter) {
            return Err(FileCommandError::DelimiterInName {
                name: name.to_owned(),
            });
        }
        if value.contains(&delimiter) {
            return Err(FileCommandError::DelimiterInValue {
                name: name.to_owned(),
            });
        }
        let record = format!("{name}<<{delimiter}\n{value}\n{delimiter}\n");
        write_record(&mut self.out, record.as_bytes(), name)
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// Refuses names that would not parse as `name<<delimiter`: the runner reads
/// a line with `=` before any `<<` as `name=value`, and the name ends at the
/// first `<<`.
fn check_name(name: &str) -> Result<(), FileCommandError> {
    if name.is_empty() {
        return Err(FileCommandError::EmptyName);
    }
    let what = if name.contains(['\n', '\r']) {
        "a line break"
    } else if name.contains('=') {
        "`=`"
    } else if name.contains("<<") {
        "`<<`"
    } else {
        return Ok(());
    };
    Err(FileCommandError::InvalidName {
        name: name.escape_debug().to_string(),
        what,
    })
}

/// Appends directories to `$GITHUB_PATH`, one per line; the runner prepends
/// them to `PATH` for the following steps (not this one).
#[derive(Debug)]
pub struct PathCommand<W: Write> {
    out: W,
}

impl PathCommand<File> {
    /// Opens `path` for appending. The file must exist.
    pub fn append_to(path: &Path) -> Result<Self, FileCommandError> {
        Ok(Self::new(open_append(path)?))
    }
}

impl<W: Write> PathCommand<W> {
    /// Entries written to `out`.
    pub fn new(out: W) -> Self {
        Self { out }
    }

    /// Appends `dir` as one line. Refuses an empty entry or one with a line
    /// break, which would add a second, unintended entry.
    pub fn add(&mut self, dir: &str) -> Result<(), FileCommandError> {
        let what = if dir.is_empty() {
            "empty"
        } else if dir.contains(['\n', '\r']) {
            "split over lines"
        } else {
            let line = format!("{dir}\n");
            return write_record(&mut self.out, line.as_bytes(), dir);
        };
        Err(FileCommandError::InvalidPathEntry {
            path: dir.escape_debug().to_string(),
            what,
        })
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        self.out
    }
}

fn open_append(path: &Path) -> Result<File, FileCommandError> {
    OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|source| FileCommandError::Open {
            path: path.to_owned(),
            source,
        })
}

fn write_record(out: &mut impl Write, bytes: &[u8], name: &str) -> Result<(), FileCommandError> {
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|source| FileCommandError::Write {
            name: name.to_owned(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(d: &'static str) -> impl FnMut() -> String {
        move || d.to_owned()
    }

    fn set_fixed(name: &str, value: &str) -> Result<String, FileCommandError> {
        let mut f = FileCommand::with_delimiters(Vec::new(), fixed("ghadelimiter_X"));
        f.set(name, value)?;
        Ok(String::from_utf8(f.into_inner()).unwrap())
    }

    #[test]
    fn heredoc_format() {
        let cases = [
            ("tags", "a", "tags<<ghadelimiter_X\na\nghadelimiter_X\n"),
            ("tags", "", "tags<<ghadelimiter_X\n\nghadelimiter_X\n"),
            (
                "tags",
                "img:1.0\nimg:latest",
                "tags<<ghadelimiter_X\nimg:1.0\nimg:latest\nghadelimiter_X\n",
            ),
            (
                "crlf",
                "a\r\nb",
                "crlf<<ghadelimiter_X\na\r\nb\nghadelimiter_X\n",
            ),
            ("eq", "a=b", "eq<<ghadelimiter_X\na=b\nghadelimiter_X\n"),
            (
                "trail",
                "x\n",
                "trail<<ghadelimiter_X\nx\n\nghadelimiter_X\n",
            ),
        ];
        for (name, value, expected) in cases {
            assert_eq!(
                set_fixed(name, value).unwrap(),
                expected,
                "{name}={value:?}"
            );
        }
    }

    #[test]
    fn random_delimiter_is_fresh_per_value() {
        let mut f = FileCommand::new(Vec::new());
        f.set("a", "1").unwrap();
        f.set("a", "1").unwrap();
        let out = String::from_utf8(f.into_inner()).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 6, "{out}");
        let d1 = lines[0].strip_prefix("a<<").unwrap();
        let d2 = lines[3].strip_prefix("a<<").unwrap();
        assert!(d1.starts_with("ghadelimiter_"), "{d1}");
        assert_eq!(d1.len(), "ghadelimiter_".len() + 36);
        assert_eq!(lines[2], d1);
        assert_eq!(lines[5], d2);
        assert_ne!(d1, d2);
    }

    #[test]
    fn delimiter_in_value_or_name_is_refused() {
        let err = set_fixed("out", "x\nghadelimiter_X\nevil<<y").unwrap_err();
        assert!(matches!(err, FileCommandError::DelimiterInValue { ref name } if name == "out"));
        assert_eq!(
            err.to_string(),
            "the value of `out` contains the heredoc delimiter"
        );
        let err = set_fixed("aghadelimiter_X", "v").unwrap_err();
        assert!(
            matches!(err, FileCommandError::DelimiterInName { .. }),
            "{err}"
        );
    }

    #[test]
    fn bad_names_are_refused_and_named() {
        let cases = [
            ("", "the name is empty"),
            (
                "a=b",
                "name `a=b` contains `=`, which the runner's file-command grammar does not allow",
            ),
            (
                "a\nb",
                "name `a\\nb` contains a line break, which the runner's file-command grammar does not allow",
            ),
            (
                "a\rb",
                "name `a\\rb` contains a line break, which the runner's file-command grammar does not allow",
            ),
            (
                "a<<b",
                "name `a<<b` contains `<<`, which the runner's file-command grammar does not allow",
            ),
        ];
        for (name, message) in cases {
            let err = set_fixed(name, "v").unwrap_err();
            assert_eq!(err.to_string(), message, "name {name:?}");
        }
    }

    #[test]
    fn nothing_is_written_when_refused() {
        let mut f = FileCommand::with_delimiters(Vec::new(), fixed("D"));
        assert!(f.set("a", "xDx").is_err());
        assert!(f.into_inner().is_empty());
    }

    #[test]
    fn path_entries() {
        let mut p = PathCommand::new(Vec::new());
        p.add("/opt/gantry/bin").unwrap();
        p.add("C:\\tools\\gantry").unwrap();
        for bad in ["", "a\nb", "a\r"] {
            assert!(p.add(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            String::from_utf8(p.into_inner()).unwrap(),
            "/opt/gantry/bin\nC:\\tools\\gantry\n"
        );
    }

    #[test]
    fn append_to_appends_and_requires_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("output");
        let err = FileCommand::append_to(&path).unwrap_err();
        assert!(err.to_string().contains("output"), "{err}");

        std::fs::write(&path, "existing=1\n").unwrap();
        FileCommand::append_to(&path)
            .unwrap()
            .set("a", "1")
            .unwrap();
        FileCommand::append_to(&path)
            .unwrap()
            .set("b", "2")
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("existing=1\na<<ghadelimiter_"), "{text}");
        assert_eq!(text.lines().count(), 7, "{text}");

        let pp = dir.path().join("path");
        std::fs::write(&pp, "").unwrap();
        PathCommand::append_to(&pp).unwrap().add("/x").unwrap();
        assert_eq!(std::fs::read_to_string(&pp).unwrap(), "/x\n");
    }
}
