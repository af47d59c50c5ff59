//! One integration-test binary (one link step) with a module per area.

mod act;
mod cli;
mod installer;
mod rig;
