use crate::CliError;

/// The error a command that a later release fills in returns, so that its
/// flags and its action can be wired now without pretending to work.
pub fn not_yet_available(command: &str) -> CliError {
    CliError::usage(anyhow::anyhow!(
        "`{command}` is not yet available in gantry {}",
        env!("CARGO_PKG_VERSION")
    ))
}

/// The arguments of a command that a later release fills in: accepted
/// as-is (so scripts written against the documented flags reach the "not
/// yet available" message rather than a parse error), and hidden from help.
#[derive(Debug, Clone, clap::Args)]
pub struct NotYetArgs {
    #[arg(hide = true, trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}
