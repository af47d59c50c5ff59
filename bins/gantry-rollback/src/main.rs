//! `gantry-rollback`: go back to the last good state. Wait for a rollout,
//! set an image and wait, undo a Deployment, move a canary's traffic, or
//! all of a service's way back in one command (traffic to stable, canary
//! scaled down, Deployments undone, the GitOps deploy reverted, Cloud Run
//! traffic back).

mod gitops;
mod kube_args;
mod restore;
mod set_image;
mod shift;
mod status;
mod target;
mod undo;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gantry_cli::{CliError, ExitStatus, GlobalArgs};
use gantry_runner::Printer;

const EXAMPLES: &str = "\
Examples:
  gantry-rollback status deployment/web -n prod --timeout 5m
  gantry-rollback set-image deployment/web app=ghcr.io/acme/web:1.2.3 --undo-on-failure
  gantry-rollback undo deployment/web --to-image 1.2.2
  gantry-rollback shift --target rollback.yaml --weight 25
  gantry-rollback run --target rollback.yaml --reason \"canary failed: 5xx ratio 0.31 > 0.01\"

Exit codes: 0 done (or already there), 1 the rollout did not finish
(failed or timed out), 2 bad input (a missing object, a wrong namespace, an
unreadable kubeconfig, nothing to undo: nothing changed), 3 the cluster or
another service failed.";

/// Go back to the last good state.
#[derive(Debug, Parser)]
#[command(name = "gantry-rollback", version, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    kube: kube_args::KubeArgs,
    #[command(flatten)]
    global: GlobalArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Wait for a rollout to finish (`kubectl rollout status`), naming the
    /// pods that keep it from finishing.
    Status(status::StatusArgs),
    /// Set container images and wait for the rollout; optionally undo it
    /// when it fails.
    SetImage(set_image::SetImageArgs),
    /// Roll a Deployment back to a previous revision and wait.
    Undo(undo::UndoArgs),
    /// Set the canary's traffic weight through the target spec's `traffic:`.
    Shift(shift::ShiftArgs),
    /// Roll a service all the way back, as the target spec says.
    Run(restore::RunArgs),
}

fn main() -> ExitCode {
    gantry_cli::run("gantry-rollback", |cli: &Cli| &cli.global, dispatch)
}

fn dispatch(cli: Cli, printer: &mut Printer) -> Result<ExitStatus, CliError> {
    match &cli.command {
        Command::Status(args) => status::run(args, &cli.kube, printer),
        Command::SetImage(args) => set_image::run(args, &cli.kube, printer),
        Command::Undo(args) => undo::run(args, &cli.kube, printer),
        Command::Shift(args) => shift::run(args, &cli.kube, printer),
        Command::Run(args) => restore::run(args, &cli.kube, printer),
    }
}
