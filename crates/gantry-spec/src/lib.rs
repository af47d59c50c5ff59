//! gantry's spec files, as typed data.
//!
//! [`canary::CanarySpec`] is `gantry-canary --spec analysis.yaml`;
//! [`rollback::RollbackSpec`] is `gantry-rollback run --target rollback.yaml`. A spec is
//! YAML or JSON; [`load`] reads it, expands `${VARIABLE}` from the
//! environment (except in `command` values, which the shell expands), and
//! reports a bad field by its path (`analysis.yaml: checks[1].max: invalid
//! type: string "high", expected f64`). [`schema`] is the JSON Schema that
//! `docs/schemas/` publishes, generated from the same types.

pub mod canary;
mod error;
mod load;
pub mod rollback;
mod tagged;

pub use error::SpecError;
pub use load::{MAX_SPEC_BYTES, load, parse};

/// The JSON Schema of `T`, pretty-printed with a trailing newline.
pub fn schema<T: schemars::JsonSchema>() -> String {
    let schema = schemars::schema_for!(T);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
