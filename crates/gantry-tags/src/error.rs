//! Errors. Each names the input it is about.

use thiserror::Error;

/// An `images`, `tags`, `flavor` or `labels` input that cannot be read.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum RuleError {
    /// A tag rule line is malformed.
    #[error("invalid tag rule `{rule}`: {problem}")]
    Rule {
        /// The line as written.
        rule: String,
        /// What is wrong.
        problem: String,
    },
    /// `type=` names no known rule type.
    #[error(
        "unknown rule type `{kind}` in `{rule}` (allowed: schedule, semver, pep440, match, edge, ref, raw, sha)"
    )]
    UnknownType {
        /// The type as written.
        kind: String,
        /// The line as written.
        rule: String,
    },
    /// An image entry is malformed.
    #[error("invalid image `{image}` in images: {problem}")]
    Image {
        /// The entry as written.
        image: String,
        /// What is wrong.
        problem: String,
    },
    /// A flavor entry is malformed.
    #[error("invalid flavor `{entry}`: {problem}")]
    Flavor {
        /// The entry as written.
        entry: String,
        /// What is wrong.
        problem: String,
    },
    /// A custom label or annotation line is malformed.
    #[error("invalid {what} `{label}`: {problem}")]
    Label {
        /// `label` or `annotation`.
        what: &'static str,
        /// The line as written.
        label: String,
        /// What is wrong.
        problem: String,
    },
}

/// Why [`compute`](crate::compute) produced no metadata.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum ComputeError {
    /// No rule produced a tag for this context (and `allow_empty` is off).
    #[error(
        "no tags computed for event `{event}` on ref `{git_ref}`: no rule matched (add e.g. `type=sha` or `type=raw,value=…`, or allow an empty result)"
    )]
    NoTags {
        /// The event name of the context.
        event: String,
        /// The ref of the context.
        git_ref: String,
    },
    /// `enable=` rendered to something other than `true` or `false`.
    #[error("invalid tag rule `{rule}`: `enable` must render to `true` or `false`, got `{value}`")]
    InvalidEnable {
        /// The rule as written.
        rule: String,
        /// What `enable` rendered to.
        value: String,
    },
    /// A computed tag is not a valid image tag and no fix option applies.
    #[error("computed tag `{tag}` is invalid: {problem}{hint}")]
    InvalidTag {
        /// The tag.
        tag: String,
        /// What is wrong with it.
        problem: String,
        /// Which option would fix it, if any.
        hint: String,
    },
    /// A date placeholder could not be rendered.
    #[error("invalid tag rule `{rule}`: {problem}")]
    Render {
        /// The rule or attribute as written.
        rule: String,
        /// What is wrong.
        problem: String,
    },
}

/// Why a [`Context`](crate::Context) could not be built.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum ContextError {
    /// A required variable is unset or empty.
    #[error(
        "environment variable `{0}` is not set (is this running in GitHub Actions? use `--context git` or flags otherwise)"
    )]
    Missing(&'static str),
    /// A variable or payload field has an unusable value.
    #[error("invalid `{name}` value `{value}`: {problem}")]
    Invalid {
        /// Variable or field name.
        name: String,
        /// The value.
        value: String,
        /// What is wrong.
        problem: String,
    },
}
