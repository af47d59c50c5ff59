//! What every subcommand shares: reading the paths, reporting file errors.

use std::path::PathBuf;

use gantry_cli::{CliError, ResultExt};
use gantry_files::{FilesError, Input};
use gantry_runner::{Location, Printer};

/// The files under `paths`; an unreadable path or a symlink out of its
/// directory is bad input.
pub(crate) fn inputs(paths: &[PathBuf]) -> Result<Vec<Input>, CliError> {
    if paths.is_empty() {
        return Err(CliError::usage(anyhow::anyhow!(
            "no PATH given: name the files or directories to read (or set GANTRY_PATHS)"
        )));
    }
    gantry_files::collect(paths).usage_error("reading the paths")
}

/// Report each file error on stderr (and as an annotation under Actions),
/// then fail with one summary error: bad input, exit 2.
pub(crate) fn file_errors(
    printer: &mut Printer,
    errors: &[FilesError],
    what: &str,
) -> Result<(), CliError> {
    if errors.is_empty() {
        return Ok(());
    }
    for error in errors {
        // The location says which file; a plan error's own text says
        // where in it.
        let message = match error {
            FilesError::Plan { source, .. } => source.to_string(),
            other => other.to_string(),
        };
        printer.error("gantry-patch", &message, location(error))?;
    }
    Err(CliError::usage(anyhow::anyhow!(
        "{} file(s) could not be read or edited safely; {what}",
        errors.len()
    )))
}

fn location(error: &FilesError) -> Option<Location> {
    let (file, position) = error.location()?;
    Some(match position {
        Some((line, column)) => Location::at(file, line as u64).with_column(column as u64),
        None => Location::new(file),
    })
}
