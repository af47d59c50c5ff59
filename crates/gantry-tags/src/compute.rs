//! Tag, label and annotation computation (metadata-action's `src/meta.ts`).

use jiff::Timestamp;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use sha2::{Digest, Sha256};

use crate::context::Context;
use crate::error::ComputeError;
use crate::pep440::Pep440;
use crate::rules::{
    CustomLabel, Flavor, ImageSpec, LatestMode, RefEvent, RuleKind, ShaFormat, TagRule,
};
use crate::template::{self, Expr, Template};

/// Behaviour beyond metadata-action. The default is metadata-action's
/// behaviour, except that an empty result is an error
/// ([`ComputeError::NoTags`]) and a tag no registry accepts is an error
/// ([`ComputeError::InvalidTag`]) instead of a failed push later.
#[derive(Clone, Debug)]
pub struct Options {
    /// Length of the short commit SHA, used everywhere it appears:
    /// `{{sha}}`, `type=sha` (format short), and `{{sha}}` in custom labels.
    /// metadata-action reads `DOCKER_METADATA_SHORT_SHA_LENGTH`; default 7.
    pub short_sha_length: usize,
    /// Tags longer than 128 characters are shortened deterministically:
    /// the first 119 characters, `-`, and the first 8 hex digits of the
    /// SHA-256 of the full (sanitised) tag, 128 in all. Two long tags that
    /// share a prefix still differ. Off: such a tag is an error.
    pub shorten_long_tags: bool,
    /// A tag must start with `[A-Za-z0-9_]`; sanitisation can leave a `.`
    /// or `-` first (branch `-wip`, tag `.x`). On: prefix such a tag with
    /// `_` (`-wip` → `_-wip`); prefixing keeps it distinct from a branch
    /// named `wip`, where dropping the character would collide. Off: such
    /// a tag is an error.
    pub fix_first_character: bool,
    /// Tags already in the registry. When set and `flavor` is
    /// `latest=auto`, a stable release only gets `latest` when its version
    /// is at least the highest stable semver among these tags (a leading
    /// `v`, and the flavor's literal prefix/suffix, are ignored when
    /// reading them; pre-releases and non-semver tags are skipped). A
    /// backport `v1.2.9` after `v1.3.0` does not move `latest`. The
    /// release's version is the first stable `type=semver` value, else the
    /// git tag (after [`tag_prefix`](Self::tag_prefix)) read as semver; a
    /// release that is not semver (`release1`) keeps metadata-action's
    /// decision.
    pub existing_tags: Option<Vec<String>>,
    /// No tags is a success (metadata-action's behaviour: a warning and
    /// empty outputs) instead of [`ComputeError::NoTags`].
    pub allow_empty: bool,
    /// Monorepo tag prefix, e.g. `service/`: a git tag `service/v1.2.3` is
    /// read as `v1.2.3` by `type=semver`, `type=pep440` and
    /// `type=ref,event=tag`, and a git tag without this prefix yields nothing
    /// from those rules. `{{tag}}` and `type=match` still see the full tag.
    pub tag_prefix: Option<String>,
    /// Major version zero (semver.org item 4, metadata-action's README):
    /// on, a `type=semver`/`type=pep440` rule whose pattern uses
    /// `{{major}}` without `{{minor}}` yields nothing for a `0.y.z`
    /// release, so `v0.1.2` gets `0.1.2` and `0.1` but no `0`. Off
    /// (metadata-action's behaviour): `0` is tagged; its README suggests an
    /// `enable=` expression instead.
    pub skip_major_zero: bool,
    /// Custom labels (metadata-action's `labels` input); override the
    /// generated `org.opencontainers.image.*` labels with the same key.
    pub labels: Vec<CustomLabel>,
    /// Custom annotations (metadata-action's `annotations` input).
    pub annotations: Vec<CustomLabel>,
    /// Annotation levels (`DOCKER_METADATA_ANNOTATIONS_LEVELS`), default
    /// `manifest`; each annotation is emitted once per level as `level:key`.
    pub annotation_levels: Vec<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            short_sha_length: 7,
            shorten_long_tags: false,
            fix_first_character: false,
            existing_tags: None,
            allow_empty: false,
            tag_prefix: None,
            skip_major_zero: false,
            labels: Vec::new(),
            annotations: Vec::new(),
            annotation_levels: vec!["manifest".to_owned()],
        }
    }
}

/// The result of [`compute`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metadata {
    /// The image version (the highest-priority tag), or empty.
    pub version: String,
    /// Full references `image:tag`, per image in priority order, `latest`
    /// last; bare tags when no image is given.
    pub tags: Vec<String>,
    /// The tag names alone, in the same order, once each.
    pub tag_names: Vec<String>,
    /// Whether `latest` is among the tags.
    pub latest: bool,
    /// OCI labels, sorted by key as metadata-action sorts them.
    pub labels: Vec<(String, String)>,
    /// Annotations, keys prefixed with their level (`manifest:…`).
    pub annotations: Vec<(String, String)>,
}

impl Metadata {
    /// Labels as `key=value` lines (metadata-action's `labels` output).
    pub fn label_lines(&self) -> Vec<String> {
        self.labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect()
    }

    /// Annotations as `level:key=value` lines (the `annotations` output).
    pub fn annotation_lines(&self) -> Vec<String> {
        self.annotations
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect()
    }
}

/// metadata-action v6's `json` output: `{"tags": [...], "tag-names": [...],
/// "labels": {...}, "annotations": ["manifest:key=value", ...]}` (no
/// `version`: it is an output of its own). The labels object lists its keys
/// as a JavaScript object does: integer-like keys (`"0"`, `"10"`) first, in
/// numeric order, then the others in label order.
impl Serialize for Metadata {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Labels<'a>(&'a [(String, String)]);
        impl Serialize for Labels<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut indices: Vec<(u32, &(String, String))> = self
                    .0
                    .iter()
                    .filter_map(|label| array_index(&label.0).map(|i| (i, label)))
                    .collect();
                indices.sort_by_key(|(i, _)| *i);
                let mut map = serializer.serialize_map(Some(self.0.len()))?;
                for (_, (k, v)) in &indices {
                    map.serialize_entry(k, v)?;
                }
                for (k, v) in self.0.iter().filter(|(k, _)| array_index(k).is_none()) {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
        let annotations: Vec<String> = self
            .annotations
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("tags", &self.tags)?;
        map.serialize_entry("tag-names", &self.tag_names)?;
        map.serialize_entry("labels", &Labels(&self.labels))?;
        map.serialize_entry("annotations", &annotations)?;
        map.end()
    }
}

/// A key JavaScript treats as an array index (`0`, `7`, `4294967294`; not
/// `07` nor `-1`): such keys come first in an object, in numeric order.
fn array_index(key: &str) -> Option<u32> {
    let canonical = key == "0" || (!key.starts_with('0') && !key.is_empty());
    if !canonical || !key.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    key.parse::<u32>().ok().filter(|i| *i != u32::MAX)
}

#[derive(Debug, Default)]
struct Version {
    main: Option<String>,
    partial: Vec<String>,
    latest: Option<bool>,
}

struct Eval<'a> {
    ctx: &'a Context,
    flavor: &'a Flavor,
    options: &'a Options,
}

impl Eval<'_> {
    fn short_sha(&self) -> String {
        self.ctx
            .sha
            .chars()
            .take(self.options.short_sha_length)
            .collect()
    }

    fn branch(&self) -> &str {
        self.ctx.git_ref.strip_prefix("refs/heads/").unwrap_or("")
    }

    fn tag(&self) -> &str {
        self.ctx.git_ref.strip_prefix("refs/tags/").unwrap_or("")
    }

    /// The git tag as the version rules see it (monorepo prefix removed);
    /// `None` when not on a tag or the tag lacks the prefix.
    fn version_tag(&self) -> Option<&str> {
        let tag = self.ctx.git_ref.strip_prefix("refs/tags/")?;
        match &self.options.tag_prefix {
            Some(prefix) if !prefix.is_empty() => tag.strip_prefix(prefix.as_str()),
            _ => Some(tag),
        }
    }

    fn is_default_branch(&self) -> bool {
        let branch = self
            .ctx
            .git_ref
            .strip_prefix("refs/heads/")
            .unwrap_or(&self.ctx.git_ref);
        if branch.is_empty() {
            return false;
        }
        if self.ctx.default_branch.as_deref() == Some(branch) {
            return true;
        }
        // These events always run on the default branch's last commit.
        let event = &self.ctx.event_name;
        ["create", "discussion", "issues", "schedule"]
            .iter()
            .any(|e| event.contains(e))
    }

    fn global(&self, template: &Template, what: &str) -> Result<String, ComputeError> {
        template.render(|expr: &Expr| -> Result<String, ComputeError> {
            Ok(match expr.name.as_str() {
                "branch" => self.branch().to_owned(),
                "tag" => self.tag().to_owned(),
                "sha" => self.short_sha(),
                "base_ref" => {
                    if self.ctx.git_ref.starts_with("refs/tags/")
                        || self.ctx.git_ref.starts_with("refs/pull/")
                    {
                        let base = self.ctx.base_ref.as_deref().unwrap_or("");
                        base.strip_prefix("refs/heads/").unwrap_or(base).to_owned()
                    } else {
                        String::new()
                    }
                }
                "is_default_branch" => self.is_default_branch().to_string(),
                "is_not_default_branch" => (!self.is_default_branch()).to_string(),
                "date" | "commit_date" => self.date(expr, what)?,
                _ => String::new(),
            })
        })
    }

    fn date(&self, expr: &Expr, what: &str) -> Result<String, ComputeError> {
        let at: Timestamp = if expr.name == "commit_date" {
            self.ctx.commit_time.unwrap_or(self.ctx.now)
        } else {
            self.ctx.now
        };
        template::render_date(expr, at).map_err(|problem| ComputeError::Render {
            rule: what.to_owned(),
            problem,
        })
    }

    /// metadata-action's `setValue`: the rule's prefix/suffix, else the flavor's.
    fn set_value(&self, value: &str, rule: &TagRule) -> Result<String, ComputeError> {
        let mut out = String::new();
        match (&rule.prefix, &self.flavor.prefix_template) {
            (Some(prefix), _) => out.push_str(&self.global(prefix, &rule.source)?),
            (None, Some(prefix)) => out.push_str(&self.global(prefix, &rule.source)?),
            (None, None) => {}
        }
        out.push_str(value);
        match (&rule.suffix, &self.flavor.suffix_template) {
            (Some(suffix), _) => out.push_str(&self.global(suffix, &rule.source)?),
            (None, Some(suffix)) => out.push_str(&self.global(suffix, &rule.source)?),
            (None, None) => {}
        }
        Ok(out)
    }

    fn latest_for(&self, auto: bool) -> bool {
        match self.flavor.latest {
            LatestMode::Auto => auto,
            LatestMode::True => true,
            LatestMode::False => false,
        }
    }

    /// metadata-action's `sanitizeTag`, then the opt-in fixes.
    fn finish_tag(&self, value: &str) -> String {
        let mut tag = String::with_capacity(value.len());
        let mut in_bad = false;
        for c in value.chars() {
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-' {
                tag.push(c);
                in_bad = false;
            } else if !in_bad {
                tag.push('-');
                in_bad = true;
            }
        }
        if self.options.fix_first_character && tag.starts_with(['.', '-']) {
            tag.insert(0, '_');
        }
        if self.options.shorten_long_tags && tag.len() > gantry_image::MAX_TAG_LENGTH {
            tag = shorten(&tag);
        }
        tag
    }

    fn set_version(&self, version: &mut Version, value: &str, latest: bool) {
        if value.is_empty() {
            return;
        }
        let value = self.finish_tag(value);
        match &version.main {
            None => version.main = Some(value),
            Some(main) if *main != value => version.partial.push(value),
            Some(_) => {}
        }
        if version.latest.is_none() {
            version.latest = Some(latest);
        }
    }
}

/// Shortens a tag to 128 characters: 119 kept, `-`, 8 hex of its SHA-256.
fn shorten(tag: &str) -> String {
    let digest = Sha256::digest(tag.as_bytes());
    let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    let keep = gantry_image::MAX_TAG_LENGTH - 1 - hex.len();
    // Sanitised tags are ASCII, so byte slicing is on a char boundary.
    let head = tag.get(..keep).unwrap_or(tag);
    format!("{head}-{hex}")
}

/// Reads `v1.2.3` / `1.2.3` like node-semver's `valid` (a leading `v`,
/// surrounding whitespace).
fn parse_semver(text: &str) -> Option<semver::Version> {
    let trimmed = text.trim();
    let bare = trimmed.strip_prefix('v').unwrap_or(trimmed);
    semver::Version::parse(bare).ok()
}

/// Whether anything [`compute`] renders with these inputs uses the
/// placeholder `name`: a rule, the flavor, a custom label or annotation.
/// Tells the caller whether `{{commit_date}}` needs a commit time it has
/// yet to look up.
pub fn uses_placeholder(name: &str, rules: &[TagRule], flavor: &Flavor, options: &Options) -> bool {
    rules.iter().any(|rule| rule.uses_placeholder(name))
        || flavor.uses_placeholder(name)
        || options
            .labels
            .iter()
            .chain(options.annotations.iter())
            .any(|label| label.uses_placeholder(name))
}

/// Computes version, tags, labels and annotations.
///
/// `rules` are evaluated in priority order (highest first, stable); an
/// empty slice means metadata-action's default rules.
pub fn compute(
    context: &Context,
    images: &[ImageSpec],
    rules: &[TagRule],
    flavor: &Flavor,
    options: &Options,
) -> Result<Metadata, ComputeError> {
    let eval = Eval {
        ctx: context,
        flavor,
        options,
    };
    let defaults;
    let rules = if rules.is_empty() {
        defaults = crate::rules::parse_tag_rules("").unwrap_or_default();
        defaults.as_slice()
    } else {
        rules
    };
    let mut ordered: Vec<&TagRule> = rules.iter().collect();
    ordered.sort_by_key(|rule| std::cmp::Reverse(rule.priority));

    let mut version = Version::default();
    // The stable semver this run releases, for `existing_tags`.
    let mut released: Option<semver::Version> = None;
    for rule in ordered {
        let enabled = eval.global(&rule.enable, &rule.source)?;
        match enabled.as_str() {
            "true" => {}
            "false" => continue,
            _ => {
                return Err(ComputeError::InvalidEnable {
                    rule: rule.source.clone(),
                    value: enabled,
                });
            }
        }
        process_rule(&eval, rule, &mut version, &mut released)?;
    }
    let mut seen = Vec::new();
    version.partial.retain(|p| {
        if seen.contains(p) {
            false
        } else {
            seen.push(p.clone());
            true
        }
    });
    let mut latest = version.latest.unwrap_or(false);

    if latest
        && flavor.latest == LatestMode::Auto
        && let Some(existing) = &options.existing_tags
    {
        let current = released.or_else(|| eval.version_tag().and_then(parse_semver));
        if let Some(current) = current {
            let highest = existing
                .iter()
                .filter_map(|tag| {
                    let mut t = tag.as_str();
                    if !flavor.prefix.contains("{{") {
                        t = t.strip_prefix(flavor.prefix.as_str()).unwrap_or(t);
                    }
                    if !flavor.suffix.contains("{{") {
                        t = t.strip_suffix(flavor.suffix.as_str()).unwrap_or(t);
                    }
                    parse_semver(t)
                })
                .filter(|v| v.pre.is_empty())
                .max_by(|a, b| a.cmp_precedence(b));
            if let Some(highest) = highest
                && current.cmp_precedence(&highest) == std::cmp::Ordering::Less
            {
                latest = false;
            }
        }
    }

    let mut names: Vec<String> = Vec::new();
    if let Some(main) = &version.main {
        names.push(main.clone());
        names.extend(version.partial.iter().cloned());
        if latest {
            let mut raw = String::new();
            if flavor.prefix_latest {
                raw.push_str(&flavor.prefix);
            }
            raw.push_str("latest");
            if flavor.suffix_latest {
                raw.push_str(&flavor.suffix);
            }
            names.push(eval.finish_tag(&raw));
        }
    }
    let mut tag_names: Vec<String> = Vec::new();
    for name in &names {
        if !tag_names.contains(name) {
            tag_names.push(name.clone());
        }
    }
    for name in &tag_names {
        if let Err(e) = gantry_image::Tag::parse(name) {
            let hint = match e.problem() {
                gantry_image::TagProblem::TooLong { .. } => {
                    " (set shorten_long_tags / --shorten-long-tags to shorten it with a hash suffix)"
                }
                gantry_image::TagProblem::InvalidStart { .. } => {
                    " (set fix_first_character / --fix-first-character to prefix it with `_`)"
                }
                _ => "",
            };
            return Err(ComputeError::InvalidTag {
                tag: name.clone(),
                problem: e.problem().to_string(),
                hint: hint.to_owned(),
            });
        }
    }
    if tag_names.is_empty() && !options.allow_empty {
        return Err(ComputeError::NoTags {
            event: context.event_name.clone(),
            git_ref: context.git_ref.clone(),
        });
    }

    let enabled: Vec<&ImageSpec> = images.iter().filter(|i| i.enable).collect();
    let mut tags: Vec<String> = Vec::new();
    if enabled.is_empty() {
        tags.extend(tag_names.iter().cloned());
    } else {
        for image in enabled {
            for name in &tag_names {
                let full = format!("{}:{name}", image.name);
                if !tags.contains(&full) {
                    tags.push(full);
                }
            }
        }
    }

    let main = version.main.clone().unwrap_or_default();
    let labels = oci_labels(&eval, &main, &options.labels)?;
    let base_annotations = oci_labels(&eval, &main, &options.annotations)?;
    let mut annotations = Vec::new();
    for level in &options.annotation_levels {
        for (k, v) in &base_annotations {
            annotations.push((format!("{level}:{k}"), v.clone()));
        }
    }
    Ok(Metadata {
        version: main,
        tags,
        tag_names,
        latest,
        labels,
        annotations,
    })
}

fn process_rule(
    eval: &Eval<'_>,
    rule: &TagRule,
    version: &mut Version,
    released: &mut Option<semver::Version>,
) -> Result<(), ComputeError> {
    let ctx = eval.ctx;
    match &rule.kind {
        RuleKind::Schedule { pattern } => {
            if !ctx.event_name.contains("schedule") {
                return Ok(());
            }
            let rendered = pattern.render(|expr| eval.date(expr, &rule.source))?;
            let value = eval.set_value(&rendered, rule)?;
            eval.set_version(version, &value, eval.latest_for(false));
        }
        RuleKind::Version {
            pep440,
            pattern,
            value,
            matcher,
        } => {
            let mut raw = if value.segments.is_empty() {
                match eval.version_tag() {
                    Some(tag) => tag.to_owned(),
                    None => return Ok(()),
                }
            } else {
                eval.global(value, &rule.source)?
            };
            if let Some(matcher) = matcher {
                // No match: metadata-action warns and keeps the value.
                if let Some(group) = matcher.group(&raw, 1) {
                    raw = group.to_owned();
                }
            }
            let raw = raw.replace('/', "-");
            let major_only =
                eval.options.skip_major_zero && pattern.uses("major") && !pattern.uses("minor");
            let (rendered, stable) = if *pep440 {
                let Some(parsed) = Pep440::parse(&raw) else {
                    return Ok(());
                };
                if parsed.is_unstable() {
                    let text = if pattern.is_raw_statement() {
                        raw.clone()
                    } else {
                        parsed.clean()
                    };
                    (text, false)
                } else if major_only && parsed.major() == 0 {
                    return Ok(());
                } else {
                    let text = pattern.render(|expr| -> Result<String, ComputeError> {
                        Ok(match expr.name.as_str() {
                            "raw" => raw.clone(),
                            "version" => parsed.clean(),
                            "major" => parsed.major().to_string(),
                            "minor" => parsed.minor().to_string(),
                            "patch" => parsed.patch().to_string(),
                            _ => String::new(),
                        })
                    })?;
                    (text, true)
                }
            } else {
                let Some(parsed) = parse_semver(&raw) else {
                    return Ok(());
                };
                let mut full = format!("{}.{}.{}", parsed.major, parsed.minor, parsed.patch);
                if !parsed.pre.is_empty() {
                    full.push('-');
                    full.push_str(parsed.pre.as_str());
                }
                let render = |pattern: &Template| {
                    pattern.render(|expr| -> Result<String, ComputeError> {
                        Ok(match expr.name.as_str() {
                            "raw" => raw.clone(),
                            "version" => full.clone(),
                            "major" => parsed.major.to_string(),
                            "minor" => parsed.minor.to_string(),
                            "patch" => parsed.patch.to_string(),
                            _ => String::new(),
                        })
                    })
                };
                if parsed.pre.is_empty() && major_only && parsed.major == 0 {
                    return Ok(());
                }
                if parsed.pre.is_empty() {
                    if released.is_none() {
                        *released = Some(parsed.clone());
                    }
                    (render(pattern)?, true)
                } else if pattern.is_raw_statement() {
                    (render(pattern)?, false)
                } else {
                    (full.clone(), false)
                }
            };
            let value = eval.set_value(&rendered, rule)?;
            eval.set_version(version, &value, eval.latest_for(stable));
        }
        RuleKind::Match {
            pattern,
            group,
            value,
        } => {
            let raw = if value.segments.is_empty() {
                match ctx.git_ref.strip_prefix("refs/tags/") {
                    Some(tag) => tag.to_owned(),
                    None => return Ok(()),
                }
            } else {
                eval.global(value, &rule.source)?
            };
            let Some(found) = pattern.group(&raw, *group).map(str::to_owned) else {
                return Ok(());
            };
            let value = eval.set_value(&found, rule)?;
            eval.set_version(version, &value, eval.latest_for(true));
        }
        RuleKind::Edge { branch } => {
            let Some(current) = ctx.git_ref.strip_prefix("refs/heads/") else {
                return Ok(());
            };
            let wanted = if branch.is_empty() {
                ctx.default_branch.as_deref().unwrap_or("")
            } else {
                branch.as_str()
            };
            if wanted.is_empty() || wanted != current {
                return Ok(());
            }
            let value = eval.set_value("edge", rule)?;
            eval.set_version(version, &value, eval.latest_for(false));
        }
        RuleKind::Ref(RefEvent::Branch) => {
            let Some(branch) = ctx.git_ref.strip_prefix("refs/heads/") else {
                return Ok(());
            };
            let value = eval.set_value(branch, rule)?;
            eval.set_version(version, &value, eval.latest_for(false));
        }
        RuleKind::Ref(RefEvent::Tag) => {
            let Some(tag) = eval.version_tag() else {
                return Ok(());
            };
            let value = eval.set_value(tag, rule)?;
            eval.set_version(version, &value, eval.latest_for(true));
        }
        RuleKind::Ref(RefEvent::Pr) => {
            let Some(rest) = ctx.git_ref.strip_prefix("refs/pull/") else {
                return Ok(());
            };
            let number = rest.strip_suffix("/merge").unwrap_or(rest);
            let value = eval.set_value(number, rule)?;
            eval.set_version(version, &value, eval.latest_for(false));
        }
        RuleKind::Raw { value } => {
            let rendered = eval.global(value, &rule.source)?;
            let value = eval.set_value(&rendered, rule)?;
            eval.set_version(version, &value, eval.latest_for(false));
        }
        RuleKind::Sha(format) => {
            if ctx.sha.is_empty() {
                return Ok(());
            }
            let sha = match format {
                ShaFormat::Short => eval.short_sha(),
                ShaFormat::Long => ctx.sha.clone(),
            };
            let value = eval.set_value(&sha, rule)?;
            eval.set_version(version, &value, eval.latest_for(false));
        }
    }
    Ok(())
}

/// The `org.opencontainers.image.*` set plus custom entries: a custom entry
/// replaces the value of a key already there, in its place (a JavaScript
/// `Map`), then the keys are sorted as metadata-action sorts them
/// (`localeCompare`; the sort is stable).
fn oci_labels(
    eval: &Eval<'_>,
    version: &str,
    extra: &[CustomLabel],
) -> Result<Vec<(String, String)>, ComputeError> {
    let ctx = eval.ctx;
    let url = ctx.repo_url().unwrap_or_default();
    let created = ctx.now.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    let mut out: Vec<(String, String)> = Vec::new();
    let mut insert = |key: &str, value: String| match out.iter_mut().find(|(k, _)| k == key) {
        Some(entry) => entry.1 = value,
        None => out.push((key.to_owned(), value)),
    };
    let base = [
        (
            "org.opencontainers.image.title",
            ctx.repo_name.clone().unwrap_or_default(),
        ),
        (
            "org.opencontainers.image.description",
            ctx.repo_description.clone().unwrap_or_default(),
        ),
        ("org.opencontainers.image.url", url.clone()),
        ("org.opencontainers.image.source", url),
        ("org.opencontainers.image.version", version.to_owned()),
        ("org.opencontainers.image.created", created),
        ("org.opencontainers.image.revision", ctx.sha.clone()),
        (
            "org.opencontainers.image.licenses",
            ctx.license.clone().unwrap_or_default(),
        ),
    ];
    for (k, v) in base {
        insert(k, v);
    }
    for label in extra {
        let line = eval.global(&label.template, &label.source)?;
        if let Some((k, v)) = line.split_once('=') {
            insert(k, v.to_owned());
        }
    }
    out.sort_by(|a, b| crate::collate::locale_compare(&a.0, &b.0));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn javascript_array_index_keys() {
        let table: [(&str, Option<u32>); 9] = [
            ("0", Some(0)),
            ("9", Some(9)),
            ("10", Some(10)),
            ("4294967294", Some(4_294_967_294)),
            ("4294967295", None),
            ("01", None),
            ("-1", None),
            ("1.5", None),
            ("", None),
        ];
        for (key, want) in table {
            assert_eq!(array_index(key), want, "{key}");
        }
    }

    #[test]
    fn json_labels_list_integer_keys_first_like_javascript() {
        let meta = Metadata {
            version: String::new(),
            tags: Vec::new(),
            tag_names: Vec::new(),
            latest: false,
            labels: [("a", "1"), ("10", "2"), ("01", "3"), ("9", "4")]
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            annotations: Vec::new(),
        };
        assert_eq!(
            serde_json::to_string(&meta).unwrap(),
            r#"{"tags":[],"tag-names":[],"labels":{"9":"4","10":"2","a":"1","01":"3"},"annotations":[]}"#
        );
    }

    #[test]
    fn shortening_is_deterministic_and_bounded() {
        let long = "a".repeat(300);
        let short = shorten(&long);
        assert_eq!(short.len(), 128);
        assert_eq!(short, shorten(&long));
        assert_ne!(shorten(&"a".repeat(301)), short);
        assert!(short.starts_with(&"a".repeat(119)));
    }
}
