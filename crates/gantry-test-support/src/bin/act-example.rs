//! Lays out an example pipeline as the act tests run it, in a directory of
//! the caller's (for `make demo`, which then runs act on it in the open):
//!
//! ```text
//! act-example EXAMPLE BIN_DIR DIR [FROM=TO ...]
//! ```
//!
//! The reusable workflows and the example are rewritten exactly as
//! `gantry_test_support::act_workflows` says; `FROM=TO` pairs point the
//! example's hosts at local services. Prints the act arguments for the
//! stand-ins of remote actions, one per line.

// A developer tool of the test rig (make demo): it talks on stdout/stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use gantry_test_support::act_workflows::{add_example, add_reusable_workflows, stand_in_args};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [example, bin_dir, dir, pairs @ ..] = args.as_slice() else {
        eprintln!("usage: act-example EXAMPLE BIN_DIR DIR [FROM=TO ...]");
        return ExitCode::from(2);
    };
    let mut replace = Vec::new();
    for pair in pairs {
        let Some((from, to)) = pair.split_once('=') else {
            eprintln!("act-example: `{pair}` is not FROM=TO");
            return ExitCode::from(2);
        };
        replace.push((from, to));
    }
    let dir = PathBuf::from(dir);
    let done = add_reusable_workflows(&dir)
        .and_then(|()| add_example(&dir, example, &PathBuf::from(bin_dir), &replace))
        .and_then(|()| stand_in_args());
    match done {
        Ok(stand_ins) => {
            for arg in stand_ins {
                println!("{arg}");
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("act-example: {err}");
            ExitCode::from(1)
        }
    }
}
