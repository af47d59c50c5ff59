//! The one place gantry talks to its runner.
//!
//! Every gantry binary prints through [`Printer`]; nothing else writes to
//! stdout or stderr. Keeping it in one crate means secrets are redacted in
//! one place, GitHub Actions workflow commands are escaped exactly like
//! `@actions/core` does it, and every piece writes to an injected
//! [`std::io::Write`] so it can be unit-tested without a runner.
//!
//! | module | job |
//! |---|---|
//! | [`env`](mod@env) | a snapshot of the runner environment (`GITHUB_*`, `INPUT_*`) |
//! | [`command`] | `::name k=v::data` workflow commands and their escaping |
//! | [`file_command`] | `$GITHUB_OUTPUT`, `$GITHUB_ENV`, `$GITHUB_PATH` |
//! | [`summary`] | the markdown step summary, including a mermaid chart |
//! | [`redact`] | secrets replaced by `***` before anything is printed |
//! | [`format`](mod@format) | `--format human|json` and `--color auto|always|never` |
//! | [`printer`] | the output policy that ties the above together |

pub mod command;
pub mod env;
pub mod error;
pub mod file_command;
pub mod format;
pub mod printer;
pub mod redact;
pub mod summary;

mod chart;
mod random;

pub use command::{Annotation, Level, WorkflowCommands, escape_data, escape_property};
pub use env::RunnerEnv;
pub use error::RunnerError;
pub use file_command::{
    DelimiterSource, FileCommand, FileCommandError, PathCommand, RandomDelimiters,
};
pub use format::{ColorChoice, OutputFormat, ParseChoiceError};
pub use printer::{Location, Printer};
pub use redact::Redactor;
pub use summary::Summary;
