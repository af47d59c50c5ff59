//! What every gantry binary shares, so each `bins/<name>/src/main.rs` can stay
//! a thin layer: parse flags, build clients, call one library function.
//!
//! - [`env_vars`]: the name of every environment variable a flag can be set
//!   from, in one place.
//! - [`GlobalArgs`]: `--format`, `--color` and `--log-level`, shared by all
//!   binaries.
//! - [`ExitStatus`] and [`CliError`]: the documented exit codes and the error
//!   that carries one.
//! - [`run`]: parse, set up logging and the printer, call the command, and
//!   report its error once, in the right place.

mod args;
mod duration;
pub mod env_vars;
mod error;
mod exit;
mod run;

pub use args::{ColorArg, FormatArg, GlobalArgs};
pub use duration::parse_duration;
pub use error::{CliError, ResultExt};
pub use exit::ExitStatus;
pub use run::run;
