//! `gantry-patch audit PATH…`: references that do not pin what they deploy.

use std::path::PathBuf;

use gantry_cli::{CliError, ExitStatus, env_vars};
use gantry_manifest::FileOptions;
use gantry_runner::{Location, Printer, Summary};
use serde_json::json;

use crate::report;

#[derive(Debug, clap::Args)]
pub(crate) struct AuditArgs {
    /// Files and directories to read (also from GANTRY_PATHS, one per line).
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,

    /// The PATHs, one per line, when none is given as an argument.
    #[arg(long = "paths", value_name = "LINES", env = env_vars::GANTRY_PATHS, hide = true)]
    paths_env: Option<String>,

    /// Also fail on tags without a digest (by default they are warnings).
    #[arg(long, env = env_vars::GANTRY_REQUIRE_DIGEST, action = clap::ArgAction::SetTrue, value_parser = clap::builder::FalseyValueParser::new())]
    require_digest: bool,

    /// Also read the value at this path as an image (see `gantry-patch --help`).
    #[arg(long = "target", value_name = "PATH", env = env_vars::GANTRY_PATCH_TARGETS, value_delimiter = '\n')]
    targets: Vec<String>,
}

pub(crate) fn run(args: &AuditArgs, printer: &mut Printer) -> Result<ExitStatus, CliError> {
    let targets = report::targets(&args.targets)?;
    let inputs = report::inputs(&report::paths(&args.paths, args.paths_env.as_deref()))?;
    let options = FileOptions {
        targets,
        ..FileOptions::default()
    };
    let (found, errors) = gantry_files::scan_tree(&inputs, &options);
    let errors = report::skip_templates(printer, errors)?;
    report::file_errors(printer, &errors, "the audit is incomplete")?;
    let mut items = Vec::new();
    let mut rows = Vec::new();
    let mut failed = 0;
    let mut checked = 0;
    for (input, sites) in &found {
        for site in sites {
            checked += 1;
            let Some(finding) = gantry_manifest::audit(site) else {
                continue;
            };
            let error = finding.is_error(args.require_digest);
            failed += usize::from(error);
            let message = format!("`{}`: {}", site.current, finding.message());
            let location =
                Location::at(&input.display, site.line() as u64).with_column(site.column() as u64);
            if error {
                printer.error("gantry-patch audit", &message, Some(location))?;
            } else {
                printer.warning(&message, Some(location))?;
            }
            rows.push(vec![
                format!("{}:{}", input.display, site.line()),
                format!("`{}`", site.current),
                finding.code().to_owned(),
                if error { "error" } else { "warning" }.to_owned(),
            ]);
            items.push(json!({
                "file": input.display,
                "line": site.line(),
                "column": site.column(),
                "path": site.path(),
                "image": site.current.to_string(),
                "finding": finding.code(),
                "error": error,
            }));
        }
    }
    let verdict = format!(
        "{checked} reference(s) checked, {failed} error(s), {} warning(s)",
        items.len() - failed
    );
    printer.result(
        &verdict,
        &json!({ "checked": checked, "errors": failed, "findings": items }),
    )?;
    let mut summary = Summary::new();
    summary.heading(3, &format!("gantry-patch audit: {verdict}"));
    if !rows.is_empty() {
        summary.table(&["file", "image", "finding", "level"], &rows);
    }
    printer.summary(&summary)?;
    Ok(if failed > 0 {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}
