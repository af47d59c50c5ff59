//! The `tags`, `flavor`, `images` and `labels` inputs (metadata-action's
//! `src/tag.ts`, `src/flavor.ts`, `src/image.ts`).

use crate::csv::{fields, input_lines};
use crate::error::RuleError;
use crate::template::{self, Template};

/// Which git ref a `type=ref` rule reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefEvent {
    /// `refs/heads/<branch>` → `<branch>`.
    Branch,
    /// `refs/tags/<tag>` → `<tag>`.
    Tag,
    /// `refs/pull/<n>/merge` → `pr-<n>`.
    Pr,
}

/// `type=sha,format=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShaFormat {
    /// The short SHA (`Options::short_sha_length`, default 7).
    Short,
    /// The full SHA.
    Long,
}

/// A compiled `pattern=` of `type=match` (`/re/flags` or a bare regex),
/// or a `match=` of `type=semver`/`type=pep440`: JavaScript syntax, as
/// metadata-action hands both to `RegExp`.
#[derive(Clone, Debug)]
pub struct MatchPattern {
    pub(crate) regex: regress::Regex,
    /// The expression without its slashes and flags, for messages.
    pub(crate) body: String,
    /// JavaScript's `g` flag: `String.match` then returns every full match
    /// instead of the capture groups.
    pub(crate) global: bool,
}

impl MatchPattern {
    /// The expression as written, without its slashes and flags.
    pub fn as_str(&self) -> &str {
        &self.body
    }

    /// The text of capture group `group` (0: the whole match) of the first
    /// match in `text` (with `g`: of the `group`-th match), as JavaScript's
    /// `text.match(re)[group]`; `None` when nothing matches or the group
    /// took no part in the match.
    pub(crate) fn group<'t>(&self, text: &'t str, group: usize) -> Option<&'t str> {
        let range = if self.global {
            self.regex.find_iter(text).nth(group).map(|m| m.range())
        } else {
            self.regex.find(text).and_then(|m| m.group(group))
        };
        range.and_then(|r| text.get(r))
    }
}

/// What a rule does; the attributes specific to its type.
#[derive(Clone, Debug)]
pub enum RuleKind {
    /// `type=schedule,pattern=…` (default `nightly`).
    Schedule {
        /// The pattern (`{{date}}`/`{{commit_date}}` allowed).
        pattern: Template,
    },
    /// `type=semver` or `type=pep440` (same attributes).
    Version {
        /// PEP 440 instead of semver.
        pep440: bool,
        /// The pattern (`{{raw}} {{version}} {{major}} {{minor}} {{patch}}`).
        pattern: Template,
        /// `value=` (global expressions); empty: the git tag.
        value: Template,
        /// `match=`: a regex whose group 1 is the version.
        matcher: Option<MatchPattern>,
    },
    /// `type=match,pattern=…,group=…`.
    Match {
        /// The regex.
        pattern: MatchPattern,
        /// The group to use (0: whole match).
        group: usize,
        /// `value=`; empty: the git tag.
        value: Template,
    },
    /// `type=edge,branch=…` (default: the repository's default branch).
    Edge {
        /// The branch; empty means the default branch.
        branch: String,
    },
    /// `type=ref,event=…`.
    Ref(RefEvent),
    /// `type=raw,value=…`.
    Raw {
        /// The value (global expressions).
        value: Template,
    },
    /// `type=sha,format=…`.
    Sha(ShaFormat),
}

/// One parsed line of the `tags` input.
#[derive(Clone, Debug)]
pub struct TagRule {
    /// The line as written (for messages).
    pub source: String,
    /// The type and its attributes.
    pub kind: RuleKind,
    /// `enable=` (global expressions; must render `true`/`false`).
    pub enable: Template,
    /// `priority=` (default per type: schedule 1000, semver/pep440 900,
    /// match 800, edge 700, ref 600, raw 200, sha 100).
    pub priority: i64,
    /// `prefix=`; `None` falls back to the flavor's prefix.
    pub prefix: Option<Template>,
    /// `suffix=`; `None` falls back to the flavor's suffix.
    pub suffix: Option<Template>,
}

impl TagRule {
    /// Whether any attribute of the rule uses the placeholder `name`
    /// (`commit_date`, `date`, …).
    pub fn uses_placeholder(&self, name: &str) -> bool {
        let own = match &self.kind {
            RuleKind::Schedule { pattern } => Some(pattern),
            RuleKind::Version { value, .. }
            | RuleKind::Match { value, .. }
            | RuleKind::Raw { value } => Some(value),
            RuleKind::Edge { .. } | RuleKind::Ref(_) | RuleKind::Sha(_) => None,
        };
        own.into_iter()
            .chain(std::iter::once(&self.enable))
            .chain(self.prefix.iter())
            .chain(self.suffix.iter())
            .any(|template| template.uses(name))
    }

    /// The rule type's name as written in `type=`.
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            RuleKind::Schedule { .. } => "schedule",
            RuleKind::Version { pep440: false, .. } => "semver",
            RuleKind::Version { pep440: true, .. } => "pep440",
            RuleKind::Match { .. } => "match",
            RuleKind::Edge { .. } => "edge",
            RuleKind::Ref(_) => "ref",
            RuleKind::Raw { .. } => "raw",
            RuleKind::Sha(_) => "sha",
        }
    }
}

/// The rules used when the `tags` input is empty.
pub const DEFAULT_RULES: &str =
    "type=schedule\ntype=ref,event=branch\ntype=ref,event=tag\ntype=ref,event=pr";

/// Parses the `tags` input: one rule per line, CSV attributes, `#` comments.
/// An empty input yields metadata-action's defaults ([`DEFAULT_RULES`]).
/// The result is sorted by priority, highest first (stable).
pub fn parse_tag_rules(text: &str) -> Result<Vec<TagRule>, RuleError> {
    let mut lines = input_lines(text);
    if lines.is_empty() {
        lines = input_lines(DEFAULT_RULES);
    }
    let mut rules = lines
        .into_iter()
        .map(parse_tag_rule)
        .collect::<Result<Vec<_>, _>>()?;
    rules.sort_by_key(|rule| std::cmp::Reverse(rule.priority));
    Ok(rules)
}

const TYPES: &[&str] = &[
    "schedule", "semver", "pep440", "match", "edge", "ref", "raw", "sha",
];

/// Attributes each type accepts besides the common ones.
fn known_attrs(kind: &str) -> &'static [&'static str] {
    match kind {
        "schedule" => &["pattern"],
        "semver" | "pep440" => &["pattern", "value", "match"],
        "match" => &["pattern", "group", "value"],
        "edge" => &["branch"],
        "ref" => &["event"],
        "raw" => &["value"],
        "sha" => &["format"],
        _ => &[],
    }
}

/// Parses one rule line (see [`parse_tag_rules`]).
pub fn parse_tag_rule(line: &str) -> Result<TagRule, RuleError> {
    let err = |problem: String| RuleError::Rule {
        rule: line.to_owned(),
        problem,
    };
    let mut kind: Option<String> = None;
    let mut attrs: Vec<(String, String)> = Vec::new();
    for field in fields(line).map_err(err)? {
        // Split on the first `=` only (tag.ts: `split(/(?<=^[^=]+?)=/)`).
        match field.split_once('=') {
            Some((key, value)) if !key.trim().is_empty() => {
                let key = key.trim().to_ascii_lowercase();
                let value = value.trim().to_owned();
                if key == "type" {
                    if !TYPES.contains(&value.as_str()) {
                        return Err(RuleError::UnknownType {
                            kind: value,
                            rule: line.to_owned(),
                        });
                    }
                    kind = Some(value);
                } else {
                    attrs.retain(|(k, _)| *k != key);
                    attrs.push((key, value));
                }
            }
            _ => {
                attrs.retain(|(k, _)| k != "value");
                attrs.push(("value".to_owned(), field.trim().to_owned()));
            }
        }
    }
    let kind = kind.unwrap_or_else(|| "raw".to_owned());
    let get = |key: &str| {
        attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    for (key, _) in &attrs {
        let common = ["enable", "priority", "prefix", "suffix"];
        if !common.contains(&key.as_str()) && !known_attrs(&kind).contains(&key.as_str()) {
            let mut allowed: Vec<&str> = common.to_vec();
            allowed.extend_from_slice(known_attrs(&kind));
            return Err(err(format!(
                "unknown attribute `{key}` for type={kind} (allowed: {})",
                allowed.join(", ")
            )));
        }
    }
    let global = |key: &str, value: &str| -> Result<Template, RuleError> {
        let template =
            Template::parse(value, template::GLOBAL).map_err(|p| err(format!("`{key}`: {p}")))?;
        template::check_date_helpers(&template).map_err(|p| err(format!("`{key}`: {p}")))?;
        Ok(template)
    };
    let value_attr = || global("value", get("value").unwrap_or(""));

    let (rule_kind, default_priority, default_prefix) = match kind.as_str() {
        "schedule" => {
            let pattern = get("pattern").unwrap_or("nightly");
            let template = Template::parse(pattern, template::SCHEDULE)
                .map_err(|p| err(format!("`pattern`: {p}")))?;
            template::check_date_helpers(&template).map_err(|p| err(format!("`pattern`: {p}")))?;
            (RuleKind::Schedule { pattern: template }, 1000, None)
        }
        "semver" | "pep440" => {
            let Some(pattern) = get("pattern") else {
                return Err(err(format!(
                    "missing `pattern` attribute (e.g. `type={kind},pattern={{{{version}}}}`)"
                )));
            };
            let pattern = Template::parse(pattern, template::VERSION)
                .map_err(|p| err(format!("`pattern`: {p}")))?;
            let matcher = match get("match") {
                Some(m) if !m.is_empty() => {
                    // `vraw.match(string)`: the whole value is the
                    // expression, without flags.
                    let (regex, groups) = compile_regex(m, "")
                        .map_err(|e| err(format!("`match`: invalid regex `{m}`: {e}")))?;
                    if groups < 1 {
                        return Err(err(format!(
                            "`match`: regex `{m}` needs a capture group for the version, e.g. `v(\\d.\\d.\\d)$`"
                        )));
                    }
                    Some(MatchPattern {
                        regex,
                        body: m.to_owned(),
                        global: false,
                    })
                }
                _ => None,
            };
            (
                RuleKind::Version {
                    pep440: kind == "pep440",
                    pattern,
                    value: value_attr()?,
                    matcher,
                },
                900,
                None,
            )
        }
        "match" => {
            let Some(pattern) = get("pattern") else {
                return Err(err(
                    "missing `pattern` attribute (e.g. `type=match,pattern=v(.*),group=1`)"
                        .to_owned(),
                ));
            };
            let pattern = compile_js_regex(pattern).map_err(|p| err(format!("`pattern`: {p}")))?;
            let group = match get("group") {
                None | Some("") => 0,
                Some(group) => group
                    .parse::<usize>()
                    .map_err(|_| err(format!("`group`: `{group}` is not a group number")))?,
            };
            (
                RuleKind::Match {
                    pattern,
                    group,
                    value: value_attr()?,
                },
                800,
                None,
            )
        }
        "edge" => (
            RuleKind::Edge {
                branch: get("branch").unwrap_or("").to_owned(),
            },
            700,
            None,
        ),
        "ref" => {
            let event = match get("event") {
                Some("branch") => RefEvent::Branch,
                Some("tag") => RefEvent::Tag,
                Some("pr") => RefEvent::Pr,
                Some(other) => {
                    return Err(err(format!(
                        "invalid event `{other}` (allowed: branch, tag, pr)"
                    )));
                }
                None => {
                    return Err(err(
                        "missing `event` attribute (allowed: branch, tag, pr)".to_owned()
                    ));
                }
            };
            let prefix = (event == RefEvent::Pr).then_some("pr-");
            (RuleKind::Ref(event), 600, prefix)
        }
        "raw" => {
            if get("value").is_none() {
                return Err(err(
                    "missing `value` attribute (e.g. `type=raw,value=latest`)".to_owned(),
                ));
            }
            (
                RuleKind::Raw {
                    value: value_attr()?,
                },
                200,
                None,
            )
        }
        _ => {
            let format = match get("format") {
                None | Some("short") => ShaFormat::Short,
                Some("long") => ShaFormat::Long,
                Some(other) => {
                    return Err(err(format!(
                        "invalid format `{other}` (allowed: short, long)"
                    )));
                }
            };
            (RuleKind::Sha(format), 100, Some("sha-"))
        }
    };

    let priority = match get("priority") {
        None => default_priority,
        Some(p) => p
            .parse::<i64>()
            .map_err(|_| err(format!("`priority`: `{p}` is not an integer")))?,
    };
    let enable = global("enable", get("enable").unwrap_or("true"))?;
    let prefix = match get("prefix") {
        Some(p) => Some(global("prefix", p)?),
        None => default_prefix.map(Template::literal),
    };
    let suffix = get("suffix").map(|s| global("suffix", s)).transpose()?;
    Ok(TagRule {
        source: line.to_owned(),
        kind: rule_kind,
        enable,
        priority,
        prefix,
        suffix,
    })
}

/// Compiles a `type=match` pattern as metadata-action does: `/re/flags`
/// (split at the last `/`, `new RegExp(re, flags)`) or a bare expression.
/// JavaScript's flags: `i m s u v` change the expression, `g` makes
/// `String.match` list whole matches, `d` and `y` change nothing here.
fn compile_js_regex(pattern: &str) -> Result<MatchPattern, String> {
    let (body, flags) = match pattern
        .strip_prefix('/')
        .and_then(|rest| rest.rfind('/').map(|end| (rest, end)))
    {
        Some((rest, end)) if end > 0 => (&rest[..end], &rest[end + 1..]),
        _ => (pattern, ""),
    };
    let mut seen = String::new();
    for flag in flags.chars() {
        if !"dgimsuvy".contains(flag) {
            return Err(format!(
                "unknown regex flag `{flag}` in `{pattern}` (allowed: d, g, i, m, s, u, v, y)"
            ));
        }
        if seen.contains(flag) {
            return Err(format!("regex flag `{flag}` given twice in `{pattern}`"));
        }
        seen.push(flag);
    }
    if seen.contains('u') && seen.contains('v') {
        return Err(format!(
            "regex flags `u` and `v` cannot be combined in `{pattern}`"
        ));
    }
    let regex_flags: String = seen.chars().filter(|f| "imsuv".contains(*f)).collect();
    let (regex, _) =
        compile_regex(body, &regex_flags).map_err(|e| format!("invalid regex `{body}`: {e}"))?;
    Ok(MatchPattern {
        regex,
        body: body.to_owned(),
        global: seen.contains('g'),
    })
}

/// Compiles a JavaScript regular expression; also returns how many
/// capture groups it has.
fn compile_regex(body: &str, flags: &str) -> Result<(regress::Regex, usize), String> {
    let regex = regress::Regex::with_flags(body, flags).map_err(|e| e.to_string())?;
    // regress does not expose the group count: an empty alternative makes
    // a regex that matches "" with every group of `body` unset, and a match
    // lists every group. Only reached once `body` compiled on its own, so
    // the wrapper cannot change how it parses.
    let groups = regress::Regex::with_flags(&format!("(?:{body})|"), flags)
        .ok()
        .and_then(|counter| counter.find(""))
        .map_or(0, |m| m.captures.len());
    Ok((regex, groups))
}

/// `flavor: latest=`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LatestMode {
    /// `latest` for semver/pep440 (stable), match and ref tag rules.
    #[default]
    Auto,
    /// Always tag `latest`.
    True,
    /// Never tag `latest`.
    False,
}

/// The parsed `flavor` input.
#[derive(Clone, Debug, Default)]
pub struct Flavor {
    /// `latest=auto|true|false`.
    pub latest: LatestMode,
    /// `prefix=` as written (the `latest` tag uses it unrendered, like
    /// metadata-action).
    pub prefix: String,
    /// `prefix=` parsed (global expressions).
    pub prefix_template: Option<Template>,
    /// `onlatest=true` after `prefix=`: prefix the `latest` tag too.
    pub prefix_latest: bool,
    /// `suffix=` as written.
    pub suffix: String,
    /// `suffix=` parsed.
    pub suffix_template: Option<Template>,
    /// `onlatest=true` after `suffix=`.
    pub suffix_latest: bool,
}

impl Flavor {
    /// Whether the prefix or suffix uses the placeholder `name`.
    pub fn uses_placeholder(&self, name: &str) -> bool {
        self.prefix_template
            .iter()
            .chain(self.suffix_template.iter())
            .any(|template| template.uses(name))
    }
}

/// Parses the `flavor` input: `latest=`, `prefix=`, `suffix=`, each
/// optionally followed by `,onlatest=true|false` on the same line.
pub fn parse_flavor(text: &str) -> Result<Flavor, RuleError> {
    let mut flavor = Flavor::default();
    for line in input_lines(text) {
        let err = |problem: String| RuleError::Flavor {
            entry: line.to_owned(),
            problem,
        };
        let mut onlatest_for = "";
        for field in fields(line).map_err(err)? {
            let Some((key, value)) = field.split_once('=') else {
                return Err(err(format!(
                    "`{field}` is not key=value (allowed keys: latest, prefix, suffix, onlatest)"
                )));
            };
            let key = key.trim().to_ascii_lowercase();
            let value = value.trim();
            match key.as_str() {
                "latest" => {
                    flavor.latest = match value {
                        "auto" => LatestMode::Auto,
                        "true" => LatestMode::True,
                        "false" => LatestMode::False,
                        other => {
                            return Err(err(format!(
                                "latest must be auto, true or false, not `{other}`"
                            )));
                        }
                    };
                }
                "prefix" | "suffix" => {
                    let template = Template::parse(value, template::GLOBAL)
                        .map_err(|p| err(format!("`{key}`: {p}")))?;
                    template::check_date_helpers(&template)
                        .map_err(|p| err(format!("`{key}`: {p}")))?;
                    if key == "prefix" {
                        flavor.prefix = value.to_owned();
                        flavor.prefix_template = Some(template);
                        onlatest_for = "prefix";
                    } else {
                        flavor.suffix = value.to_owned();
                        flavor.suffix_template = Some(template);
                        onlatest_for = "suffix";
                    }
                }
                "onlatest" => {
                    let on = match value {
                        "true" => true,
                        "false" => false,
                        other => {
                            return Err(err(format!(
                                "onlatest must be true or false, not `{other}`"
                            )));
                        }
                    };
                    match onlatest_for {
                        "prefix" => flavor.prefix_latest = on,
                        "suffix" => flavor.suffix_latest = on,
                        _ => {}
                    }
                }
                other => {
                    return Err(err(format!(
                        "unknown key `{other}` (allowed: latest, prefix, suffix, onlatest)"
                    )));
                }
            }
        }
    }
    Ok(flavor)
}

/// One entry of the `images` input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageSpec {
    /// The image name, lowercased (metadata-action's sanitisation).
    pub name: String,
    /// `enable=false` drops the image.
    pub enable: bool,
}

/// Parses the `images` input: one image per line (`name/app` or
/// `name=name/app,enable=false`), or several plain names on one line
/// separated by commas. Names are lowercased, then must be a repository
/// reference without tag or digest.
pub fn parse_images(text: &str) -> Result<Vec<ImageSpec>, RuleError> {
    let lines = input_lines(text);
    let mut images = Vec::new();
    if lines.len() == 1 {
        let line = lines[0];
        let parts = fields(line).map_err(|problem| RuleError::Image {
            image: line.to_owned(),
            problem,
        })?;
        if parts.iter().all(|f| !f.contains('=')) {
            for name in parts {
                let name = name.trim();
                if name.is_empty() {
                    continue;
                }
                images.push(ImageSpec {
                    name: check_image(name, line)?,
                    enable: true,
                });
            }
            return Ok(images);
        }
    }
    for line in lines {
        let err = |problem: String| RuleError::Image {
            image: line.to_owned(),
            problem,
        };
        let mut name: Option<String> = None;
        let mut enable = true;
        for field in fields(line).map_err(err)? {
            match field.split_once('=') {
                None => {
                    if name.is_some() {
                        return Err(err(
                            "several names on one line (put one image per line)".to_owned()
                        ));
                    }
                    name = Some(field.trim().to_owned());
                }
                Some((key, value)) => match key.trim().to_ascii_lowercase().as_str() {
                    "name" => name = Some(value.trim().to_owned()),
                    "enable" => {
                        enable = match value.trim() {
                            "true" => true,
                            "false" => false,
                            other => {
                                return Err(err(format!(
                                    "enable must be true or false, not `{other}`"
                                )));
                            }
                        }
                    }
                    other => {
                        return Err(err(format!(
                            "unknown attribute `{other}` (allowed: name, enable)"
                        )));
                    }
                },
            }
        }
        let name = name.unwrap_or_default();
        if name.is_empty() {
            return Err(err("empty image name".to_owned()));
        }
        images.push(ImageSpec {
            name: check_image(&name, line)?,
            enable,
        });
    }
    Ok(images)
}

fn check_image(name: &str, entry: &str) -> Result<String, RuleError> {
    let lower = name.to_lowercase();
    let err = |problem: String| RuleError::Image {
        image: if entry == name {
            name.to_owned()
        } else {
            format!("{name}` (in `{entry}")
        },
        problem,
    };
    let parsed = gantry_image::ImageRef::parse(&lower).map_err(|e| err(e.to_string()))?;
    if parsed.tag().is_some() || parsed.digest().is_some() {
        return Err(err(
            "give the repository without a tag or digest; tags come from the `tags` rules"
                .to_owned(),
        ));
    }
    Ok(lower)
}

/// A custom label or annotation line (`key=value`, global expressions).
#[derive(Clone, Debug)]
pub struct CustomLabel {
    /// The line as written.
    pub source: String,
    pub(crate) template: Template,
}

impl CustomLabel {
    /// Whether the line uses the placeholder `name`.
    pub fn uses_placeholder(&self, name: &str) -> bool {
        self.template.uses(name)
    }
}

/// Parses the `labels` input: `key=value` per line; the whole line may
/// use global expressions. They override the generated
/// `org.opencontainers.image.*` values with the same key. A line without
/// `key=` is an error (metadata-action ignores it).
pub fn parse_labels(text: &str) -> Result<Vec<CustomLabel>, RuleError> {
    parse_key_values(text, "label")
}

/// Parses the `annotations` input, as [`parse_labels`].
pub fn parse_annotations(text: &str) -> Result<Vec<CustomLabel>, RuleError> {
    parse_key_values(text, "annotation")
}

fn parse_key_values(text: &str, what: &'static str) -> Result<Vec<CustomLabel>, RuleError> {
    input_lines(text)
        .into_iter()
        .map(|line| {
            let err = |problem: String| RuleError::Label {
                what,
                label: line.to_owned(),
                problem,
            };
            let template = Template::parse(line, template::GLOBAL).map_err(err)?;
            template::check_date_helpers(&template).map_err(err)?;
            // Rendered placeholders are HTML-escaped (`=` → `&#x3D;`): only
            // the line's own text can hold the `=`.
            let has_equals = template
                .segments
                .iter()
                .any(|segment| matches!(segment, template::Segment::Text(t) if t.contains('=')));
            if !has_equals {
                return Err(err(
                    "expected `key=value` (e.g. `org.opencontainers.image.vendor=Acme`)".to_owned(),
                ));
            }
            if line.trim_start().starts_with('=') {
                return Err(err("the key before `=` is empty".to_owned()));
            }
            Ok(CustomLabel {
                source: line.to_owned(),
                template,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(text: &str) -> String {
        parse_tag_rules(text).unwrap_err().to_string()
    }

    #[test]
    fn defaults_when_empty() {
        let rules = parse_tag_rules("\n# nothing\n").unwrap();
        let names: Vec<_> = rules.iter().map(TagRule::type_name).collect();
        assert_eq!(names, ["schedule", "ref", "ref", "ref"]);
    }

    #[test]
    fn sorted_by_priority_stably() {
        let rules =
            parse_tag_rules("type=sha\ntype=raw,a\ntype=raw,b\ntype=semver,pattern={{version}}")
                .unwrap();
        let names: Vec<_> = rules.iter().map(|r| r.source.as_str()).collect();
        assert_eq!(
            names,
            [
                "type=semver,pattern={{version}}",
                "type=raw,a",
                "type=raw,b",
                "type=sha"
            ]
        );
    }

    #[test]
    fn rule_errors_name_the_rule() {
        assert_eq!(
            msg("type=foo"),
            "unknown rule type `foo` in `type=foo` (allowed: schedule, semver, pep440, match, edge, ref, raw, sha)"
        );
        assert_eq!(
            msg("type=semver,pattern={{bogus}}"),
            "invalid tag rule `type=semver,pattern={{bogus}}`: `pattern`: unknown placeholder `{{bogus}}` (allowed: {{raw}}, {{version}}, {{major}}, {{minor}}, {{patch}})"
        );
        assert!(msg("type=semver").contains("missing `pattern` attribute"));
        assert!(msg("type=pep440").contains("missing `pattern` attribute"));
        assert!(msg("type=match").contains("missing `pattern`"));
        assert!(
            msg("type=match,pattern=v(.*),group=x").contains("`group`: `x` is not a group number")
        );
        assert!(msg("type=match,pattern=v(").contains("`pattern`: invalid regex `v(`"));
        assert!(
            msg("type=semver,pattern={{version}},match=v(\\d")
                .contains("`match`: invalid regex `v(\\d`")
        );
        assert!(msg("type=match,pattern=/v(.*)/gg").contains("flag `g` given twice"));
        assert!(msg("type=match,pattern=/v(.*)/q").contains("unknown regex flag `q`"));
        assert!(msg("type=ref").contains("missing `event`"));
        assert!(msg("type=ref,event=push").contains("invalid event `push`"));
        assert!(msg("type=sha,format=medium").contains("invalid format `medium`"));
        assert!(msg("type=raw").contains("missing `value`"));
        assert!(
            msg("type=raw,value=x,priority=high").contains("`priority`: `high` is not an integer")
        );
        assert!(msg("type=raw,value={{brnch}}").contains("unknown placeholder `{{brnch}}`"));
        assert!(
            msg("type=raw,value={{date 'YYYY' tz='Nowhere/City'}}")
                .contains("unknown time zone `Nowhere/City`")
        );
        assert!(
            msg("type=raw,value={{date 'YYYY' zone='UTC'}}").contains("unknown attribute `zone`")
        );
        assert!(
            msg("type=schedule,pattern={{branch}}").contains("allowed: {{date}}, {{commit_date}}")
        );
        assert!(msg("type=sha,event=tag").contains("unknown attribute `event` for type=sha"));
        assert!(
            msg("type=semver,pattern={{version}},match=v\\d").contains("needs a capture group")
        );
        assert!(msg(r#"type=raw,"value=a"b"#).contains("after a closing"));
    }

    #[test]
    fn quoted_values_keep_commas() {
        let rules = parse_tag_rules(r#"type=match,"pattern=\d{1,3}",group=0"#).unwrap();
        let RuleKind::Match { pattern, .. } = &rules[0].kind else {
            panic!("not a match rule")
        };
        assert_eq!(pattern.body, r"\d{1,3}");
    }

    #[test]
    fn javascript_regex_syntax() {
        let group = |rule: &str, text: &str| {
            let rules = parse_tag_rules(rule).unwrap();
            match &rules[0].kind {
                RuleKind::Match { pattern, group, .. } => {
                    pattern.group(text, *group).map(str::to_owned)
                }
                RuleKind::Version {
                    matcher: Some(m), ..
                } => m.group(text, 1).map(str::to_owned),
                _ => panic!("no regex in {rule}"),
            }
        };
        let cases: &[(&str, &str, Option<&str>)] = &[
            // Look-behind and look-ahead.
            (
                "type=match,pattern=(?<=v)\\d+(?=-),group=0",
                "v12-rc",
                Some("12"),
            ),
            // A back-reference.
            (
                "type=match,pattern=(\\d)\\1(\\d),group=2",
                "v1.335",
                Some("5"),
            ),
            // A named group and its back-reference.
            (
                "type=match,pattern=(?<n>x)\\k<n>,group=1",
                "axxb",
                Some("x"),
            ),
            // `\\d` is ASCII only, as in JavaScript.
            ("type=match,pattern=\\d+,group=0", "v\u{0663}7", Some("7")),
            // Flags.
            ("type=match,pattern=/V(\\d)/i,group=1", "v4", Some("4")),
            ("type=match,pattern=/\\d/g,group=1", "a1b2c3", Some("2")),
            ("type=match,pattern=/\\d/g,group=3", "a1b2c3", None),
            // A group that took no part in the match.
            ("type=match,pattern=(a)|(b),group=1", "b", None),
            (
                "type=semver,pattern={{version}},match=^(?!old-)\\w+-(\\d.\\d.\\d)$",
                "api-1.2.3",
                Some("1.2.3"),
            ),
            (
                "type=semver,pattern={{version}},match=^(?!old-)\\w+-(\\d.\\d.\\d)$",
                "old-1.2.3",
                None,
            ),
        ];
        for (rule, text, want) in cases {
            assert_eq!(group(rule, text).as_deref(), *want, "{rule} on {text}");
        }
        // Rust-only syntax is not JavaScript.
        assert!(msg("type=match,pattern=(?i)v1").contains("invalid regex"));
    }

    #[test]
    fn flavor_parsing() {
        let f = parse_flavor("latest=false\nprefix=foo-,onlatest=true\nsuffix=-bar").unwrap();
        assert_eq!(f.latest, LatestMode::False);
        assert!(f.prefix_latest);
        assert!(!f.suffix_latest);
        assert_eq!(f.suffix, "-bar");
        assert_eq!(
            parse_flavor("latest=maybe").unwrap_err().to_string(),
            "invalid flavor `latest=maybe`: latest must be auto, true or false, not `maybe`"
        );
        assert!(
            parse_flavor("foo=bar")
                .unwrap_err()
                .to_string()
                .contains("unknown key `foo`")
        );
        assert!(
            parse_flavor("prefix")
                .unwrap_err()
                .to_string()
                .contains("not key=value")
        );
        assert!(parse_flavor("prefix=a,onlatest=yes").is_err());
    }

    #[test]
    fn image_parsing() {
        let images = parse_images("name/foo,ghcr.io/name/bar").unwrap();
        assert_eq!(images.len(), 2);
        let images = parse_images("name=ghcr.io/MyUser/App,enable=false\norg/app").unwrap();
        assert_eq!(images[0].name, "ghcr.io/myuser/app");
        assert!(!images[0].enable);
        assert!(parse_images("").unwrap().is_empty());
        let err = parse_images("foo bar").unwrap_err().to_string();
        assert!(
            err.starts_with("invalid image `foo bar` in images: "),
            "{err}"
        );
        let err = parse_images("org/app:1.0").unwrap_err().to_string();
        assert!(err.contains("without a tag or digest"), "{err}");
        assert!(parse_images("name=org/app,enable=maybe").is_err());
        assert!(parse_images("name=org/app,color=red").is_err());
        assert!(parse_images("enable=true\norg/app").is_err());
        let images = parse_images(
            "localhost:5000/app\n127.0.0.1:5000/org/app\nnginx\ndocker.io/library/nginx",
        )
        .unwrap();
        let names: Vec<_> = images.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "localhost:5000/app",
                "127.0.0.1:5000/org/app",
                "nginx",
                "docker.io/library/nginx"
            ]
        );
        assert!(
            parse_images(
                "org/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
            )
            .is_err()
        );
        assert!(parse_images("a/one,b/two\nc/three").is_err());
    }

    #[test]
    fn labels_need_a_key_and_an_equals_sign() {
        assert_eq!(parse_labels("a=1\nb=\nc={{sha}}").unwrap().len(), 3);
        assert_eq!(
            parse_labels("noequals").unwrap_err().to_string(),
            "invalid label `noequals`: expected `key=value` (e.g. `org.opencontainers.image.vendor=Acme`)"
        );
        assert!(
            parse_annotations("=value")
                .unwrap_err()
                .to_string()
                .starts_with("invalid annotation `=value`: the key before `=` is empty")
        );
        // An `=` inside a placeholder is not the line's separator.
        assert!(parse_labels("{{date 'YYYY=MM'}}").is_err());
    }
}
