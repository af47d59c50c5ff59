//! The git command line, driven safely, for `gantry-gitops`.
//!
//! Why the CLI and not a library: pushing needs the transports, credential
//! helpers, SSH agents and server quirks git itself handles (gix cannot
//! push; libgit2 needs OpenSSL and lags on protocol v2 and partial clones).
//!
//! - [`Remote`]: a repository URL and its credentials. A token is sent as
//!   an HTTP header configured through `GIT_CONFIG_*` environment
//!   variables, so it is never on a command line (visible in `ps`), in a
//!   URL or in `.git/config`, and [`Remote::shown_url`] strips any user
//!   info from what is printed.
//! - [`Checkout`]: a minimal clone (shallow, one branch, sparse when paths
//!   are given) and the operations gitops needs: fetch the new tip, reset
//!   onto it, commit, push without force, read history and trailers.
//! - Every failure is a [`GitError`] naming the command (never its
//!   environment) and git's own message, with secrets removed.

mod checkout;
mod command;
mod error;
mod process;
mod remote;

pub use checkout::{Checkout, CloneOptions, Identity, PushOutcome};
pub use command::{DEFAULT_TIMEOUT, GitProgram};
pub use error::GitError;
pub use remote::{Auth, Remote, check_url, credentials_in, shown_url};
