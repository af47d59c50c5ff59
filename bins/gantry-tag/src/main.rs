//! `gantry-tag`: compute image tags from the git context, add tags to an
//! image in its registry without pulling it, and inspect image references.

mod compute;
mod deadline;
mod git_facts;
mod github_api;
mod github_facts;
mod inspect;
mod push;
mod registry;
mod resolve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gantry_cli::{CliError, ExitStatus, GlobalArgs};
use gantry_runner::Printer;

const EXAMPLES: &str = "\
Examples:
  gantry-tag compute --images ghcr.io/acme/api --tags 'type=semver,pattern={{version}}'
  gantry-tag compute --context git --images ghcr.io/acme/api --format json
  gantry-tag push --source ghcr.io/acme/api@sha256:… --targets '1.2.3
  latest'
  gantry-tag push --local acme-api:dev --images ghcr.io/acme/api --tags type=sha
  gantry-tag resolve ghcr.io/acme/api:1.2.3
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
    /// Compute tags, labels and annotations from the git context, with
    /// docker/metadata-action's rules.
    Compute(compute::ComputeArgs),
    /// Add tags to an image: in its registry without pulling it (--source),
    /// or from the local Docker daemon (--local).
    Push(push::PushArgs),
    /// Resolve a reference to its digest, for pinning.
    Resolve(resolve::ResolveArgs),
    /// Parse an image reference and print its parts, normalised.
    Inspect(inspect::InspectArgs),
}

fn main() -> ExitCode {
    gantry_cli::run("gantry-tag", |cli: &Cli| &cli.global, dispatch)
}

fn dispatch(cli: Cli, printer: &mut Printer) -> Result<ExitStatus, CliError> {
    match cli.command {
        Command::Compute(args) => compute::run(&args, printer),
        Command::Push(args) => push::run(&args, printer),
        Command::Resolve(args) => resolve::run(&args, printer),
        Command::Inspect(args) => inspect::run(&args, printer),
    }
}
