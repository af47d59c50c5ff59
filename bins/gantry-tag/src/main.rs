//! `gantry-tag`: compute image tags from the git context, add tags to an
//! image in its registry without pulling it, and inspect image references.

mod inspect;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gantry_cli::{CliError, ExitStatus, GlobalArgs, NotYetArgs, not_yet_available};
use gantry_runner::Printer;

const EXAMPLES: &str = "\
Examples:
  gantry-tag inspect nginx:1.27
  gantry-tag inspect ghcr.io/acme/api:1.2.3 --format json
  GANTRY_REF=registry.example.com:5000/team/app@sha256:… gantry-tag inspect";

/// Compute image tags and add them to images in their registry.
#[derive(Debug, Parser)]
#[command(name = "gantry-tag", version, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    global: GlobalArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compute tags, labels and annotations from the git context (not yet available).
    Compute(NotYetArgs),
    /// Add tags to an image in its registry without pulling it (not yet available).
    Push(NotYetArgs),
    /// Resolve a reference to its digest (not yet available).
    Resolve(NotYetArgs),
    /// Parse an image reference and print its parts, normalised.
    Inspect(inspect::InspectArgs),
}

fn main() -> ExitCode {
    gantry_cli::run("gantry-tag", |cli: &Cli| &cli.global, dispatch)
}

fn dispatch(cli: Cli, printer: &mut Printer) -> Result<ExitStatus, CliError> {
    match cli.command {
        Command::Compute(_) => Err(not_yet_available("gantry-tag compute")),
        Command::Push(_) => Err(not_yet_available("gantry-tag push")),
        Command::Resolve(_) => Err(not_yet_available("gantry-tag resolve")),
        Command::Inspect(args) => inspect::run(&args, printer),
    }
}
