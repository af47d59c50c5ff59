//! A user's own command sets the weight: `sh -c COMMAND` with
//! `GANTRY_CANARY_WEIGHT` and `GANTRY_STABLE_WEIGHT` in its environment
//! (whole percent, e.g. `25` and `75`). Exit 0 means shifted; anything
//! else (a non-zero exit, the time limit) is a failed shift with the
//! status and the output's last line.
//!
//! Whether running it twice for the same weight changes anything is the
//! command's business: every call reports `changed`.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::future::BoxFuture;

use crate::exec::{Shell, run_shell};
use crate::{ShiftError, Shifted, TrafficShifter, Weight};

/// A shift's default time limit.
pub const DEFAULT_SHIFT_TIMEOUT: Duration = Duration::from_secs(30);

/// The variable holding the canary's percent.
pub const CANARY_WEIGHT_VAR: &str = "GANTRY_CANARY_WEIGHT";
/// The variable holding stable's percent.
pub const STABLE_WEIGHT_VAR: &str = "GANTRY_STABLE_WEIGHT";

/// Shifts traffic by running a shell command (in gantry's environment
/// scrubbed of its credentials and `GANTRY_*` settings, see
/// [`crate::exec`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandShifter {
    shell: String,
    timeout: Duration,
    env: BTreeMap<String, String>,
    pass: Vec<String>,
}

impl CommandShifter {
    /// `shell` (given to `sh -c`) with a time limit; refuses an empty
    /// command or a zero timeout (bad input).
    pub fn new(shell: &str, timeout: Duration) -> Result<CommandShifter, ShiftError> {
        let shifter = CommandShifter {
            shell: shell.to_owned(),
            timeout,
            env: BTreeMap::new(),
            pass: Vec::new(),
        };
        if shell.trim().is_empty() {
            return Err(ShiftError::Invalid {
                target: "traffic command".to_owned(),
                message: "the command is empty".to_owned(),
            });
        }
        if timeout.is_zero() {
            return Err(ShiftError::Invalid {
                target: shifter.describe(),
                message: "the timeout must be more than 0".to_owned(),
            });
        }
        Ok(shifter)
    }

    /// Set these variables for the command too (the weights win).
    pub fn with_env(mut self, env: BTreeMap<String, String>) -> CommandShifter {
        self.env = env;
        self
    }

    /// Pass these variables of gantry's environment through, though
    /// scrubbed (`--hook-env NAME`).
    pub fn with_pass(mut self, names: Vec<String>) -> CommandShifter {
        self.pass = names;
        self
    }

    /// The command line.
    pub fn shell(&self) -> &str {
        &self.shell
    }

    /// The time limit of one shift.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    async fn shift(&self, weight: Weight) -> Result<Shifted, ShiftError> {
        let mut shell = Shell::new(self.shell.clone(), self.timeout).pass(&self.pass);
        shell.env.extend(self.env.clone());
        let shell = shell
            .env(CANARY_WEIGHT_VAR, weight.canary().to_string())
            .env(STABLE_WEIGHT_VAR, weight.stable().to_string());
        let run = run_shell(&shell).await;
        let mut message = run.summary();
        if let Some(line) = run.last_line() {
            message.push_str(": ");
            message.push_str(&line);
        }
        if !run.success() {
            return Err(ShiftError::Failed {
                target: self.describe(),
                message,
            });
        }
        Ok(Shifted {
            detail: format!(
                "{}: canary {weight}, stable {}% ({message})",
                self.describe(),
                weight.stable()
            ),
            changed: true,
        })
    }
}

impl TrafficShifter for CommandShifter {
    fn describe(&self) -> String {
        format!("command {}", crate::exec::command_label(&self.shell))
    }

    fn set_canary_weight(&self, weight: Weight) -> BoxFuture<'_, Result<Shifted, ShiftError>> {
        Box::pin(self.shift(weight))
    }
}
