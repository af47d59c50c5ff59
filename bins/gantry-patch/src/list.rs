//! `gantry-patch list PATH…`: every image reference found, where it is.

use std::path::PathBuf;

use gantry_cli::{CliError, ExitStatus, env_vars};
use gantry_manifest::FileOptions;
use gantry_runner::{Printer, Summary};
use serde_json::json;

use crate::report;

#[derive(Debug, clap::Args)]
pub(crate) struct ListArgs {
    /// Files and directories to read (also from GANTRY_PATHS, one per line).
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,

    /// The PATHs, one per line, when none is given as an argument.
    #[arg(long = "paths", value_name = "LINES", env = env_vars::GANTRY_PATHS, hide = true)]
    paths_env: Option<String>,

    /// Also read the value at this path as an image (see `gantry-patch --help`).
    #[arg(long = "target", value_name = "PATH", env = env_vars::GANTRY_PATCH_TARGETS, value_delimiter = '\n')]
    targets: Vec<String>,
}

pub(crate) fn run(args: &ListArgs, printer: &mut Printer) -> Result<ExitStatus, CliError> {
    let targets = report::targets(&args.targets)?;
    let inputs = report::inputs(&report::paths(&args.paths, args.paths_env.as_deref()))?;
    let options = FileOptions {
        targets,
        ..FileOptions::default()
    };
    let (found, errors) = gantry_files::scan_tree(&inputs, &options);
    let errors = report::skip_templates(printer, errors)?;
    report::file_errors(printer, &errors, "the list is incomplete")?;
    let mut human = String::new();
    let mut rows = Vec::new();
    let mut items = Vec::new();
    for (input, sites) in &found {
        for site in sites {
            human.push_str(&format!(
                "{}:{}:{}: {} ({}, {})\n",
                input.display,
                site.line(),
                site.column(),
                site.current,
                site.format,
                site.path()
            ));
            rows.push(vec![
                format!("{}:{}", input.display, site.line()),
                format!("`{}`", site.current),
                site.format.to_owned(),
                format!("`{}`", site.path()),
            ]);
            items.push(json!({
                "file": input.display,
                "line": site.line(),
                "column": site.column(),
                "document": site.doc,
                "path": site.path(),
                "image": site.current.to_string(),
                "normalized": site.current.normalized(),
                "format": site.format,
            }));
        }
    }
    printer.result(&human, &json!({ "images": items }))?;
    printer.set_output(
        "images",
        &serde_json::Value::Array(items.clone()).to_string(),
    )?;
    let mut summary = Summary::new();
    summary
        .heading(
            3,
            &format!("gantry-patch list: {} image reference(s)", items.len()),
        )
        .table(&["file", "image", "format", "path"], &rows);
    printer.summary(&summary)?;
    Ok(ExitStatus::Success)
}
