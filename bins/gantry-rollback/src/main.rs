//! `gantry-rollback`: restore the last good state: undo a Kubernetes
//! rollout, send traffic back to stable, revert the GitOps commit, move Cloud
//! Run traffic back.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gantry_cli::{CliError, ExitStatus, GlobalArgs, NotYetArgs, not_yet_available};
use gantry_runner::Printer;

const EXAMPLES: &str = "\
Examples (available in a later release):
  gantry-rollback status deployment/api --timeout 5m
  gantry-rollback set-image deployment/api api=ghcr.io/acme/api:1.2.3 --undo-on-failure
  gantry-rollback undo deployment/api";

/// Go back to the last good state.
#[derive(Debug, Parser)]
#[command(name = "gantry-rollback", version, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    global: GlobalArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Wait for a rollout to finish (not yet available).
    Status(NotYetArgs),
    /// Set container images and wait for the rollout (not yet available).
    SetImage(NotYetArgs),
    /// Go back to the previous revision (not yet available).
    Undo(NotYetArgs),
}

fn main() -> ExitCode {
    gantry_cli::run("gantry-rollback", |cli: &Cli| &cli.global, dispatch)
}

fn dispatch(cli: Cli, _printer: &mut Printer) -> Result<ExitStatus, CliError> {
    let command = match cli.command {
        None => "gantry-rollback",
        Some(Command::Status(_)) => "gantry-rollback status",
        Some(Command::SetImage(_)) => "gantry-rollback set-image",
        Some(Command::Undo(_)) => "gantry-rollback undo",
    };
    Err(not_yet_available(command))
}
