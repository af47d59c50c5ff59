//! What every subcommand shares: reading the paths, reporting file errors.

use std::path::PathBuf;

use gantry_cli::{CliError, ResultExt};
use gantry_files::{FilesError, Input};
use gantry_runner::{Location, Printer};

/// The files under `paths`; an unreadable path, a FIFO, a path that a
/// symlink takes out of its checkout, or a symlink out of its directory is
/// bad input.
pub(crate) fn inputs(paths: &[PathBuf]) -> Result<Vec<Input>, CliError> {
    if paths.is_empty() {
        return Err(CliError::usage(anyhow::anyhow!(
            "no PATH given: name the files or directories to read (or set GANTRY_PATHS)"
        )));
    }
    let cwd = std::env::current_dir().usage_error("reading the current directory")?;
    for path in paths {
        let root = gantry_files::checkout_root(path, &cwd);
        gantry_files::resolve_inside(path, &path.display().to_string(), &root)
            .usage_error("reading the paths")?;
    }
    gantry_files::collect(paths).usage_error("reading the paths")
}

/// Templated files (Helm chart `templates/`) cannot be read for `list` and
/// `audit`: each is a warning, not a failure; the other errors stay.
pub(crate) fn skip_templates(
    printer: &mut Printer,
    errors: Vec<FilesError>,
) -> Result<Vec<FilesError>, CliError> {
    let mut rest = Vec::new();
    for error in errors {
        let is_template = matches!(
            &error,
            FilesError::Plan {
                error: gantry_manifest::PlanError::Yaml(gantry_yaml::Error::Template { .. }),
                ..
            }
        );
        if is_template {
            let file = error
                .location()
                .map(|(f, _)| f.to_owned())
                .unwrap_or_default();
            printer.warning(
                "skipped: a templated file (`{{ }}`) names no image gantry can read",
                Some(Location::new(file)),
            )?;
        } else {
            rest.push(error);
        }
    }
    Ok(rest)
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
            FilesError::Plan { error, .. } => {
                without_position(&error.to_string(), error.position())
            }
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

/// The PATH arguments, plus the lines of `GANTRY_PATHS` (trimmed, blank
/// lines dropped: a `|` block in a workflow always ends with a newline).
pub(crate) fn paths(args: &[PathBuf], from_env: Option<&str>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = args
        .iter()
        .filter(|p| !p.as_os_str().is_empty())
        .cloned()
        .collect();
    if out.is_empty() {
        out.extend(
            from_env
                .unwrap_or("")
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(PathBuf::from),
        );
    }
    out
}

/// The `--target` paths, trimmed, blank ones dropped; a malformed one is
/// bad input before any file is read (for `list` and `audit` too, which
/// would otherwise find nothing there without a word).
pub(crate) fn targets(values: &[String]) -> Result<Vec<String>, CliError> {
    let targets = clean(values);
    for target in &targets {
        gantry_manifest::check_path(target).usage_error(format!("invalid --target `{target}`"))?;
    }
    Ok(targets)
}

/// Trimmed, non-empty values of a list flag.
pub(crate) fn clean(values: &[String]) -> Vec<String> {
    values
        .iter()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `line 3, column 5: msg` without its prefix, when an annotation already
/// says where.
fn without_position(message: &str, position: Option<(usize, usize)>) -> String {
    match position {
        Some((line, column)) => message
            .strip_prefix(&format!("line {line}, column {column}: "))
            .unwrap_or(message)
            .to_owned(),
        None => message.to_owned(),
    }
}
