//! `gantry-gitops`: commit image updates to a GitOps repository, promote
//! between environments and revert a deploy, without ever losing a
//! concurrent commit.

mod pr_flags;
mod promote;
mod repo;
mod report;
mod revert;
mod update;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gantry_cli::{CliError, ExitStatus, GlobalArgs};
use gantry_runner::Printer;

const EXAMPLES: &str = "\
Examples:
  gantry-gitops update --repo https://github.com/acme/deploy --branch main \\
      --path envs/staging --set ghcr.io/acme/api=ghcr.io/acme/api:1.2.3
  gantry-gitops update --repo git@github.com:acme/deploy.git --env staging --set ghcr.io/acme/api:1.2.3
  gantry-gitops promote --repo https://github.com/acme/deploy --from staging --to production
  gantry-gitops revert --repo https://github.com/acme/deploy --env production \\
      --image ghcr.io/acme/api --reason 'canary failed'
  GANTRY_TOKEN=… GANTRY_REPO=https://github.com/acme/deploy gantry-gitops update --set …

Environments come from `.gantry/environments.yaml` in the repository or from
--environment NAME=BRANCH[:PATH,…]. A token is read from GANTRY_TOKEN (never
from a URL printed or a child's command line). Exit codes: 0 pushed or
nothing to do, 2 bad input (nothing pushed), 3 git or the remote failed.";

/// Update a GitOps repository safely.
#[derive(Debug, Parser)]
#[command(name = "gantry-gitops", version, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    global: GlobalArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Patch images in the repository, commit and push.
    Update(update::UpdateArgs),
    /// Copy the exact image references of one environment to the next.
    Promote(promote::PromoteArgs),
    /// Restore the image a service had before its last deploy.
    Revert(revert::RevertArgs),
}

fn main() -> ExitCode {
    gantry_cli::run("gantry-gitops", |cli: &Cli| &cli.global, dispatch)
}

fn dispatch(cli: Cli, printer: &mut Printer) -> Result<ExitStatus, CliError> {
    match cli.command {
        Command::Update(args) => update::run(&args, printer),
        Command::Promote(args) => promote::run(&args, printer),
        Command::Revert(args) => revert::run(&args, printer),
    }
}
