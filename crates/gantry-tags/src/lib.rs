//! Image tag computation compatible with
//! [docker/metadata-action](https://github.com/docker/metadata-action)'s
//! rule language, so its `images:`, `tags:` and `flavor:` inputs can be
//! pasted unchanged, plus opt-in fixes for what its users keep asking for
//! (see [`Options`]).
//!
//! ```
//! use gantry_tags::{compute, parse_flavor, parse_images, parse_tag_rules, Context, Options};
//!
//! let now = "2020-01-10T00:30:00Z".parse()?;
//! let ctx = Context::new("push", "refs/tags/v1.2.3", "90dd6032fac8bda1b6c4436a2e65de27961ed071", now);
//! let images = parse_images("ghcr.io/acme/app")?;
//! let rules = parse_tag_rules("type=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}\ntype=sha")?;
//! let meta = compute(&ctx, &images, &rules, &parse_flavor("")?, &Options::default())?;
//! assert_eq!(meta.version, "1.2.3");
//! assert_eq!(meta.tags, [
//!     "ghcr.io/acme/app:1.2.3",
//!     "ghcr.io/acme/app:1.2",
//!     "ghcr.io/acme/app:sha-90dd603",
//!     "ghcr.io/acme/app:latest",
//! ]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! | module | job |
//! |---|---|
//! | `rules` | parse `tags` (rules), `flavor`, `images`, `labels` inputs |
//! | `compute` | evaluate rules into version, tags, labels, annotations |
//! | `context` | build a [`Context`] from GitHub's env + payload, git facts, or flags |
//! | `template` | the Handlebars subset of rules, flavors and labels |
//! | `moment` | moment.js's date formats, as metadata-action's `{{date}}` renders them |
//! | `pep440` | the PEP 440 subset `type=pep440` needs |
//! | `csv` | metadata-action's list-input and CSV conventions |
//!
//! No I/O anywhere: the caller passes the environment, payload and "now"
//! (time zones come from the tzdb bundled into the binary).
//!
//! # Where we differ from metadata-action, on purpose
//!
//! - **Errors instead of silence.** Unknown placeholders (`{{brnch}}`),
//!   unknown attributes (`patern=`), unknown `tz=` zones, invalid regex
//!   syntax and a non-integer `priority=` are errors naming the rule line
//!   when the rules are parsed; metadata-action renders them as empty
//!   strings or ignores them. `${{ … }}` left unexpanded in a rule is an
//!   unknown placeholder.
//! - **No tags is an error** ([`ComputeError::NoTags`]) unless
//!   [`Options::allow_empty`]; metadata-action warns and outputs nothing.
//! - **A tag no registry accepts is an error** ([`ComputeError::InvalidTag`]:
//!   longer than 128 characters, or starting with `.`/`-` after
//!   sanitisation) unless [`Options::shorten_long_tags`] /
//!   [`Options::fix_first_character`] fix it; metadata-action outputs it
//!   and the push fails later.
//! - **Images**: names are checked as repository references (after
//!   metadata-action's lowercasing); a name with a tag or digest, or two
//!   plain names on one line of a multi-line input, is an error.
//!   Identical `image:tag` references are listed once.
//! - **Regexes** (`type=match` patterns, `match=`) are JavaScript's, as in
//!   metadata-action (look-around, back-references, named groups, flags;
//!   `\d` and `\w` are ASCII), except that `/re/i` folds case with
//!   Unicode's simple folding (`ſ` matches `s`, JavaScript's does not); a
//!   regex JavaScript rejects is an error when the rules are parsed, also
//!   in a rule that is disabled; a `match=` without a capture group is an
//!   error too (metadata-action fails on it at run time).
//! - **Labels and annotations** without `key=` are an error
//!   (metadata-action ignores them).
//! - **Commit date and repository facts**: this crate does no I/O. When the
//!   event payload lacks the commit's date or the repository, the caller
//!   asks the GitHub API, as metadata-action does (gantry-tag does), and
//!   fills [`Context::commit_time`] and the repository fields;
//!   [`uses_placeholder`] tells whether the commit date is needed.
//!
//! What matches metadata-action exactly, and is easy to get wrong: date
//! formats are moment's, token for token, with the `en` locale's weeks
//! for `w`/`ww`/`wo`/`gg…` (they start on Sunday and week 1 holds
//! January 1st) and ISO weeks for `W`/`WW`/`Wo`/`GG…`; labels and
//! annotations are sorted by key as JavaScript's `localeCompare` sorts
//! them (ICU root collation: `_` `-` `.` before digits, then letters with
//! case deciding last, lower case first); [`Metadata`] serialises to
//! metadata-action v6's `json` output (`tags`, `tag-names`, `labels`,
//! `annotations`). docs/actions/tag.md lists every remaining difference.

mod collate;
mod compute;
mod context;
mod csv;
mod error;
mod moment;
mod pep440;
mod rules;
mod template;

pub use compute::{Metadata, Options, compute, uses_placeholder};
pub use context::{Context, GitFacts, apply_metadata_action_env};
pub use error::{ComputeError, ContextError, RuleError};
pub use rules::{
    CustomLabel, DEFAULT_RULES, Flavor, ImageSpec, LatestMode, MatchPattern, RefEvent, RuleKind,
    ShaFormat, TagRule, parse_annotations, parse_flavor, parse_images, parse_labels,
    parse_tag_rule, parse_tag_rules,
};
pub use template::Template;
