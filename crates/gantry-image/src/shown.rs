//! Printing user input inside error messages.
//!
//! Error messages quote the offending input between backticks. Input comes
//! from workflow files and environment variables, so it can hold a newline
//! or an escape sequence; printed raw, that would split a
//! `::error::` annotation in two or repaint the terminal. Control characters
//! are therefore shown escaped (`\n`, `\u{1b}`); everything else is shown as
//! written, so the message still matches what the user typed.

use std::fmt;

/// A string shown with its control characters escaped.
pub(crate) struct Shown<'a>(pub(crate) &'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            fmt::Display::fmt(&ShownChar(c), f)?;
        }
        Ok(())
    }
}

/// A single character shown like [`Shown`] shows a string.
pub(crate) struct ShownChar(pub(crate) char);

impl fmt::Display for ShownChar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_control() {
            write!(f, "{}", self.0.escape_default())
        } else {
            write!(f, "{}", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_the_rest_is_kept() {
        assert_eq!(
            Shown("a\nb\t\u{1b}[0m é`").to_string(),
            "a\\nb\\t\\u{1b}[0m é`"
        );
        assert_eq!(ShownChar('\r').to_string(), "\\r");
        assert_eq!(ShownChar('-').to_string(), "-");
    }
}
