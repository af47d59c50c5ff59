//! Environment variables gantry reads, one constant each.
//!
//! Every flag of every binary can also be set through the variable named
//! here (clap's `env = …`), which is how the composite actions pass their
//! inputs without putting `${{ }}` inside a script.

/// Output format: `human` (default) or `json`.
pub const GANTRY_FORMAT: &str = "GANTRY_FORMAT";
/// Colour: `auto` (default), `always` or `never`.
pub const GANTRY_COLOR: &str = "GANTRY_COLOR";
/// Log filter for diagnostics on stderr, in `tracing` syntax (`debug`,
/// `gantry_image=trace`).
pub const GANTRY_LOG: &str = "GANTRY_LOG";
/// The image reference `gantry-tag inspect` reads.
pub const GANTRY_REF: &str = "GANTRY_REF";
