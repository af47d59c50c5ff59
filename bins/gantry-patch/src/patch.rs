//! `gantry-patch --set NAME=NEWREF PATH…`: update the images, or with
//! `--dry-run` / `--check` only show what would change.

use std::path::PathBuf;

use gantry_cli::{CliError, ExitStatus, ResultExt, env_vars};
use gantry_files::TreePlan;
use gantry_manifest::{FileOptions, Update};
use gantry_runner::{Printer, Summary};
use serde_json::json;

use crate::comment_body::{self, Report};
use crate::pr_comment::PrCommentArgs;
use crate::report;

/// The most of the diff the step summary shows: GitHub drops a step
/// summary over 1 MiB whole, and a character is up to 4 bytes.
const MAX_SUMMARY_DIFF: usize = 200_000;

#[derive(Debug, clap::Args)]
pub(crate) struct PatchArgs {
    /// An update: every image whose repository is NAME becomes NEWREF
    /// (`repo:tag`, `repo@digest` or `repo:tag@digest`). `--set repo:tag`
    /// alone is short for the same repository. Repeat for more images.
    #[arg(long = "set", value_name = "NAME=NEWREF", env = env_vars::GANTRY_SET, value_delimiter = '\n')]
    set: Vec<String>,

    /// Files and directories to update. Directories are walked, respecting
    /// .gitignore; only .yaml, .yml, .json and `Kustomization` files are read.
    /// Also from GANTRY_PATHS, one per line.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,

    /// The PATHs, one per line, when none is given as an argument.
    #[arg(long = "paths", value_name = "LINES", env = env_vars::GANTRY_PATHS, hide = true)]
    paths_env: Option<String>,

    /// Also read the value at this path as an image, in every document
    /// where it exists: a scalar with a whole reference, or a mapping with
    /// `repository`/`tag`/`digest` (e.g. `app.image`,
    /// `spec.template.spec.containers[name=app].image`).
    #[arg(long = "target", value_name = "PATH", env = env_vars::GANTRY_PATCH_TARGETS, value_delimiter = '\n')]
    targets: Vec<String>,

    /// Print a unified diff of the changes; write nothing.
    #[arg(long, env = env_vars::GANTRY_DRY_RUN, action = clap::ArgAction::SetTrue, value_parser = clap::builder::FalseyValueParser::new())]
    dry_run: bool,

    /// Exit 1 if anything would change; write nothing (for pull request checks).
    #[arg(long, env = env_vars::GANTRY_CHECK, action = clap::ArgAction::SetTrue, value_parser = clap::builder::FalseyValueParser::new())]
    check: bool,

    /// Refuse a NEWREF without a digest.
    #[arg(long, env = env_vars::GANTRY_REQUIRE_DIGEST, action = clap::ArgAction::SetTrue, value_parser = clap::builder::FalseyValueParser::new())]
    require_digest: bool,

    /// Edit an anchored value even though an alias elsewhere shares it
    /// (the alias changes too).
    #[arg(long, env = env_vars::GANTRY_ALLOW_SHARED_ANCHOR, action = clap::ArgAction::SetTrue, value_parser = clap::builder::FalseyValueParser::new())]
    allow_shared_anchor: bool,

    /// Succeed when an image of --set is found nowhere (by default that is
    /// an error: a typo in NAME must not pass a pipeline).
    #[arg(long, env = env_vars::GANTRY_ALLOW_MISSING, action = clap::ArgAction::SetTrue, value_parser = clap::builder::FalseyValueParser::new())]
    allow_missing: bool,

    #[command(flatten)]
    comment: PrCommentArgs,
}

pub(crate) fn run(args: &PatchArgs, printer: &mut Printer) -> Result<ExitStatus, CliError> {
    let specs: Vec<&str> = args
        .set
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    if specs.is_empty() {
        return Err(CliError::usage(anyhow::anyhow!(
            "no --set given: say which image becomes what, e.g. `--set ghcr.io/acme/api=ghcr.io/acme/api:1.2.3` (or use `list` / `audit`)"
        )));
    }
    let updates = Update::parse_all(&specs).usage_error("invalid --set")?;
    if args.require_digest {
        for update in &updates {
            update.require_digest().usage_error("invalid --set")?;
        }
    }
    if args.dry_run && args.check {
        return Err(CliError::usage(anyhow::anyhow!(
            "--dry-run and --check exclude each other: --dry-run shows the diff and succeeds, --check fails when anything would change"
        )));
    }
    let comment = args.comment.settings(args.dry_run, printer)?;
    let targets = report::targets(&args.targets)?;
    let inputs = report::inputs(&report::paths(&args.paths, args.paths_env.as_deref()))?;
    let options = FileOptions {
        targets,
        add_to_kustomization: false,
        allow_shared_anchor: args.allow_shared_anchor,
        require_digest: args.require_digest,
    };
    let plan = gantry_files::plan_tree(&inputs, &updates, &options);
    report::file_errors(printer, &plan.errors, "nothing was written")?;
    let missing: Vec<&Update> = updates
        .iter()
        .filter(|u| !plan.files.iter().any(|f| f.plan.matched.contains(&u.spec)))
        .collect();
    if !missing.is_empty() && !args.allow_missing {
        let names: Vec<String> = missing.iter().map(|u| format!("`{}`", u.name)).collect();
        return Err(CliError::usage(anyhow::anyhow!(
            "no reference to {} found in {} file(s); nothing was written (check the image name, or pass --allow-missing)",
            names.join(", "),
            plan.read
        )));
    }

    let write = !args.dry_run && !args.check;
    // The diff is for --dry-run and, under Actions, the `diff` output and
    // the summary; a large tree should not pay for it otherwise.
    let diff = if args.dry_run || printer.is_github_actions() {
        diff_of(&plan)
    } else {
        String::new()
    };
    for file in &plan.files {
        for note in &file.plan.notes {
            printer.warning(
                note,
                Some(gantry_runner::Location::new(&file.input.display)),
            )?;
        }
    }
    let written = if write {
        gantry_files::write_tree(&plan).external_error("writing the updated files")?
    } else {
        0
    };
    let headline = report_result(printer, args, &plan, &updates, &diff, written)?;
    if let Some(comment) = comment {
        let report = comment_report(&plan, &updates, &missing, diff, headline);
        comment.post(&report, printer)?;
    }
    if args.check && plan.changed() {
        let count: usize = plan.files.iter().map(|f| f.plan.changes.len()).sum();
        printer.error(
            "gantry-patch",
            &format!("--check: {count} value(s) would change; run without --check to apply them"),
            None,
        )?;
        return Ok(ExitStatus::Failure);
    }
    Ok(ExitStatus::Success)
}

fn diff_of(plan: &TreePlan) -> String {
    plan.files
        .iter()
        .filter_map(|f| {
            f.plan
                .output
                .as_ref()
                .map(|out| gantry_files::unified_diff(&f.input.display, &f.original, out))
        })
        .collect()
}

/// What the pull request comment says: the images and files that would
/// change, the diff, the notes and the images found nowhere.
fn comment_report(
    plan: &TreePlan,
    updates: &[Update],
    missing: &[&Update],
    diff: String,
    headline: String,
) -> Report {
    let mut images: Vec<(String, String)> = Vec::new();
    let mut files = Vec::new();
    for file in plan.files.iter().filter(|f| f.plan.output.is_some()) {
        files.push((file.input.display.clone(), file.plan.changes.len()));
        for change in &file.plan.changes {
            let new = updates
                .iter()
                .find(|u| u.spec == change.update)
                .map_or_else(|| change.new.clone(), |u| u.new.to_string());
            let pair = (change.image.clone(), new);
            if !images.contains(&pair) {
                images.push(pair);
            }
        }
    }
    let mut findings: Vec<String> = plan
        .files
        .iter()
        .flat_map(|f| {
            f.plan
                .notes
                .iter()
                .map(|note| format!("{}: {note}", comment_body::code(&f.input.display)))
        })
        .collect();
    findings.extend(missing.iter().map(|u| {
        format!(
            "no reference to `{}` found in {} file(s)",
            u.name, plan.read
        )
    }));
    Report {
        headline,
        images,
        files,
        diff,
        findings,
    }
}

/// Print the result, set the outputs, write the step summary; the
/// one-line result.
fn report_result(
    printer: &mut Printer,
    args: &PatchArgs,
    plan: &TreePlan,
    updates: &[Update],
    diff: &str,
    written: usize,
) -> Result<String, CliError> {
    let changes: Vec<serde_json::Value> = plan
        .files
        .iter()
        .flat_map(|f| {
            f.plan.changes.iter().map(|c| {
                json!({
                    "file": f.input.display,
                    "line": c.line,
                    "column": c.column,
                    "document": c.doc,
                    "path": c.path,
                    "old": c.old,
                    "new": c.new,
                    "set": c.update,
                    "format": c.format,
                })
            })
        })
        .collect();
    let files_changed = plan
        .files
        .iter()
        .filter(|f| f.plan.output.is_some())
        .count();
    let up_to_date: usize = plan.files.iter().map(|f| f.plan.up_to_date).sum();
    let notes: Vec<&String> = plan.files.iter().flat_map(|f| &f.plan.notes).collect();

    let verb = if args.dry_run || args.check {
        "would change"
    } else {
        "changed"
    };
    let mut human = String::new();
    {
        for f in &plan.files {
            for c in &f.plan.changes {
                human.push_str(&format!(
                    "{}:{}:{}: {}: {} -> {}\n",
                    f.input.display,
                    c.line,
                    c.column,
                    c.path,
                    shown(&c.old),
                    shown(&c.new)
                ));
            }
        }
    }
    let json = json!({
        "changed": plan.changed(),
        "dry_run": args.dry_run,
        "check": args.check,
        "files_read": plan.read,
        "files_changed": files_changed,
        "files_written": written,
        "up_to_date": up_to_date,
        "changes": changes,
        "notes": notes,
        "diff": diff,
    });
    // People get the diff for --dry-run, the list of changes otherwise.
    printer.result(if args.dry_run { diff } else { &human }, &json)?;
    let summary_line = if changes.is_empty() && up_to_date > 0 {
        format!(
            "already up to date: {up_to_date} reference(s) hold the new value; nothing to change ({} file(s) read)",
            plan.read
        )
    } else if changes.is_empty() {
        let names: Vec<String> = updates.iter().map(|u| format!("`{}`", u.name)).collect();
        printer.warning(
            &format!(
                "no reference to {} found in {} file(s)",
                names.join(", "),
                plan.read
            ),
            None,
        )?;
        "nothing to change".to_owned()
    } else {
        format!(
            "{verb} {} value(s) in {files_changed} file(s) ({} file(s) read)",
            changes.len(),
            plan.read
        )
    };
    printer.info(&summary_line)?;

    printer.set_output("changed", if plan.changed() { "true" } else { "false" })?;
    printer.set_output(
        "changes",
        &serde_json::Value::Array(changes.clone()).to_string(),
    )?;
    printer.set_output("diff", diff)?;
    let files: Vec<&str> = plan
        .files
        .iter()
        .filter(|f| f.plan.output.is_some())
        .map(|f| f.input.display.as_str())
        .collect();
    printer.set_output("files", &files.join("\n"))?;

    let mut summary = Summary::new();
    summary.heading(3, &format!("gantry-patch: {summary_line}"));
    if !changes.is_empty() {
        let rows: Vec<Vec<String>> = plan
            .files
            .iter()
            .flat_map(|f| {
                f.plan.changes.iter().map(|c| {
                    vec![
                        format!("{}:{}", f.input.display, c.line),
                        format!("`{}`", c.path),
                        format!("`{}`", shown(&c.old)),
                        format!("`{}`", shown(&c.new)),
                    ]
                })
            })
            .collect();
        summary.table(&["file", "path", "old", "new"], &rows);
        summary.details("diff", &summary_diff(diff));
    }
    printer.summary(&summary)?;
    Ok(summary_line)
}

/// The diff as a fenced block no line of it can close, cut to what a step
/// summary holds.
fn summary_diff(diff: &str) -> String {
    let (shown, cut) = comment_body::cut_lines(diff, MAX_SUMMARY_DIFF);
    let mut block = Summary::new();
    block.code_block("diff", shown);
    if cut > 0 {
        block.paragraph(&format!(
            "The diff is cut here: {cut} more line(s), more than a step summary holds; the step's `diff` output has all of it."
        ));
    }
    format!("\n{}", block.as_str())
}

fn shown(value: &str) -> &str {
    if value.is_empty() { "(none)" } else { value }
}
