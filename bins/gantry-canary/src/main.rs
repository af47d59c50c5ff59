//! `gantry-canary`: watch a canary with HTTP probes, Prometheus queries and
//! canary-versus-baseline statistics, and decide promote, rollback or
//! inconclusive.

use std::process::ExitCode;

use clap::Parser;
use gantry_cli::{CliError, ExitStatus, GlobalArgs, NotYetArgs, not_yet_available};
use gantry_runner::Printer;

const EXAMPLES: &str = "\
Examples (available in a later release):
  gantry-canary --probe https://api.example.com/health --interval 10s --count 30 --failure-limit 5
  gantry-canary --prometheus http://prometheus:9090 --query 'sum(rate(errors[1m]))' --max 0.01";

/// Analyse a canary and decide.
#[derive(Debug, Parser)]
#[command(name = "gantry-canary", version, after_help = EXAMPLES)]
struct Cli {
    #[command(flatten)]
    analysis: NotYetArgs,
    #[command(flatten)]
    global: GlobalArgs,
}

fn main() -> ExitCode {
    gantry_cli::run("gantry-canary", |cli: &Cli| &cli.global, dispatch)
}

fn dispatch(_cli: Cli, _printer: &mut Printer) -> Result<ExitStatus, CliError> {
    Err(not_yet_available("gantry-canary"))
}
