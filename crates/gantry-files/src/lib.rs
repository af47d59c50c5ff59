//! A manifest tree on disk, for `gantry-patch` and `gantry-gitops`: which
//! files to read ([`collect`]), reading them safely, planning updates over
//! all of them in parallel ([`plan_tree`]) before writing any, atomic
//! writes that keep each file's mode ([`write_tree`]), and diffs.

mod collect;
mod diff;
mod error;
mod guard;
mod tree;

pub use collect::{Input, collect, is_manifest_name};
pub use diff::unified_diff;
pub use error::FilesError;
pub use guard::{checkout_root, lexical, resolve_inside};
pub use tree::{Planned, TreePlan, plan_tree, read_text, scan_tree, write_tree};
