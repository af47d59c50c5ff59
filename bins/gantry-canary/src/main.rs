//! `gantry-canary`: watch a canary with HTTP probes and Prometheus queries,
//! every interval, and decide promote (exit 0), rollback (exit 1) or
//! inconclusive (exit 4), explaining each measurement and the decision.

mod args;
mod deployment;
mod effects;
mod kube_check;
mod outputs;
mod plan;
mod report;
mod watch;

use std::process::ExitCode;

use clap::Parser;
use gantry_cli::{CliError, ExitStatus, GlobalArgs};
use gantry_runner::Printer;

const EXAMPLES: &str = "\
Examples:
  gantry-canary --probe https://api.example.com/health --interval 10s --count 30 --failure-limit 5
  gantry-canary --probe https://api.example.com/version --expect-json /version=$GITHUB_SHA --count 3
  gantry-canary --prometheus http://prometheus:9090 \\
      --query '(sum(rate(http_requests_total{code=~\"5..\",version=\"{{version}}\"}[1m])) or vector(0)) / sum(rate(http_requests_total{version=\"{{version}}\"}[1m]))' \\
      --max 0.01 --canary-version $GITHUB_SHA --interval 30s --count 10 --failure-limit 2

Every interval prints one line per check (value, threshold, verdict); the
end prints the decision and its arithmetic. A timeout or a refused
connection fails a probe; a Prometheus outage is a provider error, counted
against --provider-error-budget, never a failure; no data is counted by
--no-data. Only a passed interval counts toward --count: it promotes after
--count passed intervals, with fewer failed ones than --failure-limit. The
--deadline always ends the run with a decision.

Exit codes: 0 promote, 1 rollback, 2 bad input, 3 Prometheus or the
Kubernetes API server unreachable at the start, 4 inconclusive.";

/// Analyse a canary and decide.
#[derive(Debug, Parser)]
#[command(name = "gantry-canary", version, after_help = EXAMPLES)]
struct Cli {
    #[command(flatten)]
    analysis: args::AnalysisArgs,
    #[command(flatten)]
    deployment: deployment::DeploymentArgs,
    #[command(flatten)]
    global: GlobalArgs,
}

fn main() -> ExitCode {
    gantry_cli::run("gantry-canary", |cli: &Cli| &cli.global, dispatch)
}

fn dispatch(cli: Cli, printer: &mut Printer) -> Result<ExitStatus, CliError> {
    // The deployment statuses' token, masked before anything can print it
    // (a hook's output, an error echoing the environment), used or not.
    if let Some(token) = printer
        .env()
        .var(gantry_cli::env_vars::GANTRY_TOKEN)
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
    {
        printer.mask(&token)?;
    }
    let plan = cli.analysis.plan(printer)?;
    let tracker = cli.deployment.tracker(printer)?;
    watch::run(&plan, tracker, printer)
}
