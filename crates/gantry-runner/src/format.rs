//! `--format` and `--color` values, and when colour is on.
//!
//! This crate has no clap; these types implement `FromStr` and `Display`,
//! so a binary can use them with `#[arg(value_parser = ...)]` or wrap them
//! in its own `ValueEnum`.

use std::fmt;
use std::str::FromStr;

use crate::env::{RunnerEnv, vars};

/// What a command's result on stdout looks like.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    /// Text for people.
    #[default]
    Human,
    /// One pretty-printed JSON document for machines; stdout carries nothing
    /// else.
    Json,
}

/// Whether human text on a stream is styled with ANSI escapes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ColorChoice {
    /// Decide from the environment; see [`ColorChoice::enabled`].
    #[default]
    Auto,
    /// Always style, whatever the environment says.
    Always,
    /// Never style.
    Never,
}

/// A `--format` / `--color` value that is not one of the choices.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} `{value}`: expected one of {expected}")]
pub struct ParseChoiceError {
    what: &'static str,
    value: String,
    expected: &'static str,
}

impl OutputFormat {
    /// The value as written on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Human => "human",
            Self::Json => "json",
        }
    }
}

impl FromStr for OutputFormat {
    type Err = ParseChoiceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "human" => Ok(Self::Human),
            "json" => Ok(Self::Json),
            _ => Err(ParseChoiceError {
                what: "output format",
                value: s.to_owned(),
                expected: "`human`, `json`",
            }),
        }
    }
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ColorChoice {
    /// The value as written on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Always => "always",
            Self::Never => "never",
        }
    }

    /// Whether to style a stream.
    ///
    /// `Always` and `Never` are explicit and win over the environment. `Auto`
    /// decides, first match wins:
    /// 1. `NO_COLOR` set (non-empty): no colour (<https://no-color.org>);
    /// 2. `CLICOLOR_FORCE` or `FORCE_COLOR` set and not `0`/`false`: colour;
    /// 3. under GitHub Actions: colour. Steps never get a TTY there, but the
    ///    log viewer renders ANSI colours, so colour is what a person reading
    ///    the log wants;
    /// 4. otherwise colour only if the stream is a terminal and `TERM` is not
    ///    `dumb`.
    pub fn enabled(self, env: &RunnerEnv, is_tty: bool) -> bool {
        match self {
            Self::Always => true,
            Self::Never => false,
            Self::Auto => {
                let forced = |name| env.var(name).is_some_and(|v| v != "0" && v != "false");
                if env.var(vars::NO_COLOR).is_some() {
                    return false;
                }
                forced(vars::CLICOLOR_FORCE)
                    || forced(vars::FORCE_COLOR)
                    || env.is_github_actions()
                    || (is_tty && env.var(vars::TERM) != Some("dumb"))
            }
        }
    }
}

impl FromStr for ColorChoice {
    type Err = ParseChoiceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Self::Auto),
            "always" => Ok(Self::Always),
            "never" => Ok(Self::Never),
            _ => Err(ParseChoiceError {
                what: "color choice",
                value: s.to_owned(),
                expected: "`auto`, `always`, `never`",
            }),
        }
    }
}

impl fmt::Display for ColorChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display_round_trip() {
        for f in [OutputFormat::Human, OutputFormat::Json] {
            assert_eq!(f.to_string().parse::<OutputFormat>(), Ok(f));
        }
        for c in [ColorChoice::Auto, ColorChoice::Always, ColorChoice::Never] {
            assert_eq!(c.to_string().parse::<ColorChoice>(), Ok(c));
        }
        assert_eq!(
            "yaml".parse::<OutputFormat>().unwrap_err().to_string(),
            "invalid output format `yaml`: expected one of `human`, `json`"
        );
        assert_eq!(
            "Always".parse::<ColorChoice>().unwrap_err().to_string(),
            "invalid color choice `Always`: expected one of `auto`, `always`, `never`"
        );
    }

    #[test]
    fn auto_color_decision() {
        use ColorChoice::*;
        type Vars = &'static [(&'static str, &'static str)];
        let cases: &[(ColorChoice, Vars, bool, bool)] = &[
            (Always, &[("NO_COLOR", "1")], false, true),
            (Never, &[("CLICOLOR_FORCE", "1")], true, false),
            (Auto, &[], true, true),
            (Auto, &[], false, false),
            (Auto, &[("TERM", "dumb")], true, false),
            (Auto, &[("NO_COLOR", "1")], true, false),
            (Auto, &[("NO_COLOR", "")], true, true),
            (Auto, &[("CLICOLOR_FORCE", "1")], false, true),
            (Auto, &[("CLICOLOR_FORCE", "0")], false, false),
            (Auto, &[("FORCE_COLOR", "3")], false, true),
            (Auto, &[("FORCE_COLOR", "false")], false, false),
            (
                Auto,
                &[("NO_COLOR", "1"), ("FORCE_COLOR", "1")],
                true,
                false,
            ),
            (Auto, &[("GITHUB_ACTIONS", "true")], false, true),
            (
                Auto,
                &[("GITHUB_ACTIONS", "true"), ("NO_COLOR", "1")],
                false,
                false,
            ),
        ];
        for (choice, pairs, tty, expected) in cases {
            let env = RunnerEnv::from_pairs(pairs.iter().copied());
            assert_eq!(
                choice.enabled(&env, *tty),
                *expected,
                "{choice} {pairs:?} tty={tty}"
            );
        }
    }
}
