//! Internally tagged enums (`- type: http`) that keep the path of a bad
//! field: the tag is read from a buffered value, and the rest is
//! deserialised into the variant with its own path tracking, whose path is
//! passed up inside the message (between [`PATH_MARK`]s) for `load` to join
//! to the outer path.

use serde::de::{DeserializeOwned, Error};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Brackets an inner path at the start of an error message.
pub(crate) const PATH_MARK: char = '\u{1f}';

pub(crate) struct Tagged {
    pub(crate) kind: String,
    pub(crate) body: Value,
}

impl Tagged {
    /// Read the map and its `type`, which must be one of `known`.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
        known: &'static [&'static str],
    ) -> Result<Tagged, D::Error> {
        let mut body = Value::deserialize(deserializer)?;
        let Some(map) = body.as_object_mut() else {
            return Err(D::Error::custom(format!(
                "expected a map with a `type` ({}), found {}",
                known.join(", "),
                describe(&body)
            )));
        };
        let kind = match map.remove("type") {
            Some(Value::String(kind)) => kind,
            Some(other) => {
                return Err(D::Error::custom(format!(
                    "`type` must be one of {}, found {}",
                    known.join(", "),
                    describe(&other)
                )));
            }
            None => return Err(D::Error::missing_field("type")),
        };
        if !known.contains(&kind.as_str()) {
            return Err(D::Error::unknown_variant(&kind, known));
        }
        Ok(Tagged { kind, body })
    }
}

/// Deserialise a variant's body, its inner path kept in the message.
pub(crate) fn variant<T: DeserializeOwned, E: Error>(body: Value) -> Result<T, E> {
    serde_path_to_error::deserialize(body).map_err(|error| {
        let path = error.path().to_string();
        let message = error.into_inner().to_string();
        if path.is_empty() || path == "." {
            E::custom(message)
        } else {
            E::custom(format!("{PATH_MARK}{path}{PATH_MARK}{message}"))
        }
    })
}

/// Split a message made by [`variant`] into its inner path and the rest.
pub(crate) fn split_inner_path(message: &str) -> Option<(&str, &str)> {
    let rest = message.strip_prefix(PATH_MARK)?;
    rest.split_once(PATH_MARK)
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing".to_owned(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "a map".to_owned(),
    }
}
