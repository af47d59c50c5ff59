//! `gantry-patch`: update image references in Kubernetes manifests,
//! kustomizations, Helm values, Flux HelmReleases and Argo CD Applications,
//! changing only the bytes of the value.

mod audit;
mod comment_body;
mod list;
mod patch;
mod pr_comment;
mod report;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gantry_cli::{CliError, ExitStatus, GlobalArgs};
use gantry_runner::Printer;

const EXAMPLES: &str = "\
Examples:
  gantry-patch --set ghcr.io/acme/api=ghcr.io/acme/api:1.2.3 deploy/
  gantry-patch --set ghcr.io/acme/api:1.2.3 --set nginx=nginx:1.27@sha256:… deploy/ charts/values.yaml
  gantry-patch --dry-run --set ghcr.io/acme/api:1.2.3 deploy/      # print a diff, write nothing
  gantry-patch --check --set ghcr.io/acme/api:1.2.3 deploy/        # exit 1 if anything would change
  gantry-patch --dry-run --pr-comment --set ghcr.io/acme/api:1.2.3 deploy/
  gantry-patch --target 'app.image' --set ghcr.io/acme/api:1.2.3 values.yaml
  gantry-patch list deploy/
  gantry-patch audit --require-digest deploy/
  GANTRY_SET='ghcr.io/acme/api:1.2.3' GANTRY_PATHS=deploy gantry-patch --format json

Exit codes: 0 done (or nothing to change), 1 --check found changes / audit
found problems, 2 bad input (nothing written), 3 a file could not be written.";

/// Update image references in manifests without touching any other byte.
#[derive(Debug, Parser)]
#[command(name = "gantry-patch", version, after_help = EXAMPLES, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    patch: patch::PatchArgs,
    #[command(flatten)]
    global: GlobalArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print every image reference found, with its file, line and path.
    List(list::ListArgs),
    /// Flag `latest`, missing tags and (with --require-digest) tags without digests.
    Audit(audit::AuditArgs),
}

fn main() -> ExitCode {
    gantry_cli::run("gantry-patch", |cli: &Cli| &cli.global, dispatch)
}

fn dispatch(cli: Cli, printer: &mut Printer) -> Result<ExitStatus, CliError> {
    match cli.command {
        None => patch::run(&cli.patch, printer),
        Some(Command::List(args)) => list::run(&args, printer),
        Some(Command::Audit(args)) => audit::run(&args, printer),
    }
}
