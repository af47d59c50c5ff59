use crate::CliError;

/// The error a command that a later release fills in returns, so that its
/// flags and its action can be wired now without pretending to work.
pub fn not_yet_available(command: &str) -> CliError {
    CliError::usage(anyhow::anyhow!(
        "`{command}` is not yet available in gantry {}",
        env!("CARGO_PKG_VERSION")
    ))
}
