//! `gantry-gitops`: commit image updates to a GitOps repository, promote
//! between environments and revert a deploy, without ever losing a
//! concurrent commit.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gantry_cli::{CliError, ExitStatus, GlobalArgs, NotYetArgs, not_yet_available};
use gantry_runner::Printer;

const EXAMPLES: &str = "\
Examples (available in a later release):
  gantry-gitops update --repo https://github.com/acme/deploy --branch main --set api=ghcr.io/acme/api:1.2.3
  gantry-gitops promote --from staging --to production
  gantry-gitops revert --env production --image api";

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
    /// Patch images in the repository and commit (not yet available).
    Update(NotYetArgs),
    /// Copy the images deployed in one environment to the next (not yet available).
    Promote(NotYetArgs),
    /// Restore the previous image of a service (not yet available).
    Revert(NotYetArgs),
}

fn main() -> ExitCode {
    gantry_cli::run("gantry-gitops", |cli: &Cli| &cli.global, dispatch)
}

fn dispatch(cli: Cli, _printer: &mut Printer) -> Result<ExitStatus, CliError> {
    let command = match cli.command {
        Command::Update(_) => "gantry-gitops update",
        Command::Promote(_) => "gantry-gitops promote",
        Command::Revert(_) => "gantry-gitops revert",
    };
    Err(not_yet_available(command))
}
