//! `gantry-patch`: update image references in Kubernetes manifests,
//! kustomizations, Helm values, Flux HelmReleases and Argo CD Applications,
//! changing only the bytes of the value.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gantry_cli::{CliError, ExitStatus, GlobalArgs, NotYetArgs, not_yet_available};
use gantry_runner::Printer;

const EXAMPLES: &str = "\
Examples (available in a later release):
  gantry-patch --set ghcr.io/acme/api=ghcr.io/acme/api:1.2.3 deploy/
  gantry-patch list deploy/
  gantry-patch audit deploy/";

/// Update image references in manifests without touching any other byte.
#[derive(Debug, Parser)]
#[command(name = "gantry-patch", version, after_help = EXAMPLES, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Files and directories to patch.
    #[arg(value_name = "PATH")]
    paths: Vec<String>,
    #[command(flatten)]
    global: GlobalArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print every image reference found, with its location (not yet available).
    List(NotYetArgs),
    /// Flag `latest`, missing tags and mutable tags without digests (not yet available).
    Audit(NotYetArgs),
}

fn main() -> ExitCode {
    gantry_cli::run("gantry-patch", |cli: &Cli| &cli.global, dispatch)
}

fn dispatch(cli: Cli, _printer: &mut Printer) -> Result<ExitStatus, CliError> {
    match cli.command {
        None => Err(not_yet_available("gantry-patch")),
        Some(Command::List(_)) => Err(not_yet_available("gantry-patch list")),
        Some(Command::Audit(_)) => Err(not_yet_available("gantry-patch audit")),
    }
}
