use std::io::IsTerminal;
use std::process::ExitCode;

use gantry_runner::{Annotation, Level, Printer, RunnerEnv, WorkflowCommands};
use tracing_subscriber::EnvFilter;

use crate::{CliError, ExitStatus, GlobalArgs};

/// The body of every gantry `main`: parse the command line, set up logging
/// and the printer, run `command`, and turn its outcome into an exit code.
///
/// Errors are reported here and only here, once: on stderr for people and,
/// under GitHub Actions, also as an `::error title=<binary>::` annotation.
/// A closed stdout (`gantry-tag … | head -1`) ends the program quietly with
/// success, as ripgrep does.
pub fn run<C, G, F>(binary: &str, globals: G, command: F) -> ExitCode
where
    C: clap::Parser,
    G: FnOnce(&C) -> &GlobalArgs,
    F: FnOnce(C, &mut Printer) -> Result<ExitStatus, CliError>,
{
    let env = RunnerEnv::from_process();
    let cli = match C::try_parse() {
        Ok(cli) => cli,
        Err(error) => return report_usage_error(binary, &env, &error),
    };
    let global = globals(&cli).clone();
    let filter = log_filter(global.log_level.as_deref(), &env);
    let mut printer = Printer::stdio(env, global.format.into(), global.color.into());
    match filter {
        Ok(filter) => init_tracing(filter),
        Err(message) => {
            let _ = printer.error(binary, &message, None);
            return ExitStatus::Usage.into();
        }
    }

    match command(cli, &mut printer) {
        Ok(status) => status.into(),
        Err(error) if error.is_broken_pipe() => ExitCode::SUCCESS,
        Err(error) => {
            let message = format!("{:#}", error.error());
            // If even stderr is gone there is nowhere left to say so; the
            // exit code still tells.
            let _ = printer.error(binary, &message, error.location().cloned());
            error.status().into()
        }
    }
}

/// clap's own message for `--help`, `--version` and usage errors, plus an
/// annotation under Actions so a bad input shows on the run's summary page.
fn report_usage_error(binary: &str, env: &RunnerEnv, error: &clap::Error) -> ExitCode {
    let _ = error.print();
    if !error.use_stderr() {
        return ExitCode::SUCCESS;
    }
    if env.is_github_actions() {
        let rendered = error.render().to_string();
        let message = rendered
            .lines()
            .next()
            .unwrap_or("invalid usage")
            .trim_start_matches("error: ");
        let annotation = Annotation {
            title: Some(binary),
            ..Annotation::new(Level::Error, message)
        };
        // Workflow commands go to stderr, as everywhere in gantry: stdout
        // carries only results.
        let _ = WorkflowCommands::new(std::io::stderr()).annotation(&annotation);
    }
    ExitStatus::Usage.into()
}

/// The `--log-level` filter, or the default: `warn`, or `debug` when the
/// workflow was re-run with debug logging.
fn log_filter(flag: Option<&str>, env: &RunnerEnv) -> Result<EnvFilter, String> {
    let default = if env.var("RUNNER_DEBUG") == Some("1") {
        "debug"
    } else {
        "warn"
    };
    let wanted = flag.unwrap_or(default);
    EnvFilter::try_new(wanted).map_err(|error| {
        format!("invalid --log-level `{wanted}`: {error} (examples: `info`, `debug`, `gantry_image=trace`)")
    })
}

fn init_tracing(filter: EnvFilter) {
    let stderr_is_tty = std::io::stderr().is_terminal();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(stderr_is_tty)
        .with_target(false)
        .without_time()
        .finish();
    // Fails only if a subscriber is already set, in which case that one wins.
    let _ = tracing::subscriber::set_global_default(subscriber);
}
