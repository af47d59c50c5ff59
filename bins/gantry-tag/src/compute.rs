//! `gantry-tag compute`: docker/metadata-action's `images`, `tags` and
//! `flavor` in, tags, version, labels and annotations out.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, anyhow};
use gantry_cli::{CliError, ExitStatus, env_vars};
use gantry_image::ImageRef;
use gantry_runner::{Printer, Summary};
use gantry_tags::{ComputeError, Context, GitFacts, Metadata, Options};
use jiff::Timestamp;

use crate::git_facts;

/// Where the git context comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ContextSource {
    /// `github` under GitHub Actions (GITHUB_EVENT_NAME is set), else `git`.
    Auto,
    /// The `GITHUB_*` variables and the event payload (`GITHUB_EVENT_PATH`).
    Github,
    /// The local git checkout (`--git-dir`), as a push event.
    Git,
    /// Only `--event`, `--git-ref` and `--sha`.
    Flags,
}

/// Everything that decides the tags: metadata-action's inputs plus gantry's
/// opt-in fixes. Shared by `compute` and `push`.
#[derive(Debug, clap::Args)]
pub(crate) struct RuleArgs {
    /// Images to tag, one per line or comma-separated (metadata-action's
    /// `images`), e.g. `ghcr.io/acme/api` or `name=acme/api,enable=true`.
    #[arg(long, value_name = "LIST", env = env_vars::GANTRY_IMAGES, default_value = "")]
    pub(crate) images: String,

    /// Tag rules, one per line (metadata-action's `tags`), e.g.
    /// `type=semver,pattern={{version}}`. Empty: branch, tag, PR and schedule
    /// rules, as metadata-action.
    #[arg(long, value_name = "RULES", env = env_vars::GANTRY_TAGS, default_value = "")]
    pub(crate) tags: String,

    /// Flavor, one setting per line (metadata-action's `flavor`), e.g.
    /// `latest=auto`, `prefix=`, `suffix=-alpine,onlatest=true`.
    #[arg(long, value_name = "LIST", env = env_vars::GANTRY_FLAVOR, default_value = "")]
    pub(crate) flavor: String,

    /// Extra or overriding labels, `key=value` per line.
    #[arg(long, value_name = "LIST", env = env_vars::GANTRY_LABELS, default_value = "")]
    pub(crate) labels: String,

    /// Extra or overriding annotations, `key=value` per line.
    #[arg(long, value_name = "LIST", env = env_vars::GANTRY_ANNOTATIONS, default_value = "")]
    pub(crate) annotations: String,

    /// Where the git context comes from.
    #[arg(long, value_enum, default_value_t = ContextSource::Auto, env = env_vars::GANTRY_CONTEXT)]
    pub(crate) context: ContextSource,

    /// The checkout `--context git` reads.
    #[arg(long, value_name = "DIR", default_value = ".", env = env_vars::GANTRY_GIT_DIR)]
    pub(crate) git_dir: PathBuf,

    /// Event name (`push`, `pull_request`, `schedule`, …): required with
    /// `--context flags`, an override otherwise.
    #[arg(long, env = env_vars::GANTRY_EVENT)]
    pub(crate) event: Option<String>,

    /// Full git ref (`refs/heads/main`, `refs/tags/v1.2.3`,
    /// `refs/pull/7/merge`): required with `--context flags`.
    #[arg(long, value_name = "REF", env = env_vars::GANTRY_GIT_REF)]
    pub(crate) git_ref: Option<String>,

    /// Commit SHA: required with `--context flags`.
    #[arg(long, env = env_vars::GANTRY_SHA)]
    pub(crate) sha: Option<String>,

    /// The repository's default branch (for `{{is_default_branch}}` and edge).
    #[arg(long, value_name = "BRANCH", env = env_vars::GANTRY_DEFAULT_BRANCH)]
    pub(crate) default_branch: Option<String>,

    /// Base branch of a pull request (for `{{base_ref}}`).
    #[arg(long, value_name = "BRANCH", env = env_vars::GANTRY_BASE_REF)]
    pub(crate) base_ref: Option<String>,

    /// The time `{{date}}` and `schedule` rules use, RFC 3339 (default: now).
    #[arg(long, value_name = "TIME", env = env_vars::GANTRY_NOW)]
    pub(crate) now: Option<String>,

    /// Length of the short SHA, the same in `{{sha}}`, `type=sha` and labels.
    /// metadata-action's DOCKER_METADATA_SHORT_SHA_LENGTH is read too.
    #[arg(long, value_name = "N", env = env_vars::GANTRY_SHORT_SHA_LENGTH)]
    pub(crate) short_sha_length: Option<usize>,

    /// Shorten tags longer than 128 characters, keeping a hash suffix,
    /// instead of failing.
    #[arg(long, env = env_vars::GANTRY_SHORTEN_LONG_TAGS)]
    pub(crate) shorten_long_tags: bool,

    /// Prefix `_` to a tag that would start with `.` or `-`, instead of failing.
    #[arg(long, env = env_vars::GANTRY_FIX_FIRST_CHARACTER)]
    pub(crate) fix_first_character: bool,

    /// Give `latest` only to a release newer than every stable semver tag
    /// already in the first image's repository (a backport does not move it).
    #[arg(long, env = env_vars::GANTRY_LATEST_FROM_REGISTRY)]
    pub(crate) latest_from_registry: bool,

    /// Succeed with no tags instead of failing.
    #[arg(long, env = env_vars::GANTRY_ALLOW_EMPTY)]
    pub(crate) allow_empty: bool,

    /// Monorepo git tag prefix: with `api/`, the git tag `api/v1.2.3` is
    /// version `1.2.3`, and tags of other services yield no version.
    #[arg(long, value_name = "PREFIX", env = env_vars::GANTRY_TAG_PREFIX)]
    pub(crate) tag_prefix: Option<String>,

    /// No major-only tag (`0`) for `0.x` versions.
    #[arg(long, env = env_vars::GANTRY_SKIP_MAJOR_ZERO)]
    pub(crate) skip_major_zero: bool,

    /// Deadline of each GitHub API read (the commit date or the repository
    /// an event payload lacks; with GITHUB_TOKEN and GITHUB_API_URL), e.g.
    /// `15s`.
    #[arg(long, value_name = "DURATION", env = env_vars::GANTRY_GITHUB_TIMEOUT, default_value = "15s")]
    pub(crate) github_timeout: String,
}

/// The separators of the list outputs, metadata-action's `sep-tags`,
/// `sep-labels` and `sep-annotations`. Shared by `compute` and `push`.
#[derive(Debug, clap::Args)]
pub(crate) struct Separators {
    /// Separator of the `tags` and `tag-names` outputs (and of push's
    /// `pushed-tags`).
    #[arg(long, value_name = "SEP", env = env_vars::GANTRY_SEP_TAGS, default_value = "\n")]
    pub(crate) sep_tags: String,

    /// Separator of the `labels` output.
    #[arg(long, value_name = "SEP", env = env_vars::GANTRY_SEP_LABELS, default_value = "\n")]
    pub(crate) sep_labels: String,

    /// Separator of the `annotations` output.
    #[arg(long, value_name = "SEP", env = env_vars::GANTRY_SEP_ANNOTATIONS, default_value = "\n")]
    pub(crate) sep_annotations: String,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ComputeArgs {
    #[command(flatten)]
    pub(crate) rules: RuleArgs,

    #[command(flatten)]
    separators: Separators,

    #[command(flatten)]
    registry: crate::registry::RegistryArgs,
}

pub(crate) fn run(args: &ComputeArgs, printer: &mut Printer) -> Result<ExitStatus, CliError> {
    args.registry.check()?;
    let prepared = prepare(&args.rules, &args.registry, printer)?;
    let metadata = compute(prepared, printer)?;
    report(&metadata, &args.separators, printer)?;
    Ok(ExitStatus::Success)
}

/// Every input of a computation, read and checked, before anything is
/// asked of GitHub or a registry.
pub(crate) struct Prepared {
    images: Vec<gantry_tags::ImageSpec>,
    rules: Vec<gantry_tags::TagRule>,
    flavor: gantry_tags::Flavor,
    options: Options,
    context: Context,
    source: ContextSource,
    /// Whether the event payload carried a `repository` object.
    payload_has_repository: bool,
    github_timeout: Duration,
    /// `--latest-from-registry`: the client and the first image.
    latest_from: Option<(gantry_registry::Client, ImageRef)>,
}

/// Read and check every input of a computation: rules, flavor, images,
/// labels, options and the git context. No network call.
pub(crate) fn prepare(
    args: &RuleArgs,
    registry: &crate::registry::RegistryArgs,
    printer: &mut Printer,
) -> Result<Prepared, CliError> {
    let images = gantry_tags::parse_images(&args.images).map_err(CliError::usage)?;
    let rules = gantry_tags::parse_tag_rules(&args.tags).map_err(CliError::usage)?;
    let flavor = gantry_tags::parse_flavor(&args.flavor).map_err(CliError::usage)?;
    let github_timeout =
        gantry_cli::parse_duration("--github-timeout", &args.github_timeout, false)?;

    let vars = |name: &str| printer.env().var(name).map(str::to_owned);
    let mut options = Options {
        shorten_long_tags: args.shorten_long_tags,
        fix_first_character: args.fix_first_character,
        allow_empty: args.allow_empty,
        tag_prefix: args.tag_prefix.clone().filter(|p| !p.is_empty()),
        skip_major_zero: args.skip_major_zero,
        labels: gantry_tags::parse_labels(&args.labels).map_err(CliError::usage)?,
        annotations: gantry_tags::parse_annotations(&args.annotations).map_err(CliError::usage)?,
        ..Options::default()
    };
    gantry_tags::apply_metadata_action_env(&vars, &mut options).map_err(CliError::usage)?;
    if let Some(length) = args.short_sha_length {
        if !(4..=40).contains(&length) {
            return Err(CliError::usage(anyhow!(
                "invalid --short-sha-length `{length}`: a short SHA has 4 to 40 characters"
            )));
        }
        options.short_sha_length = length;
    }
    let latest_from = if args.latest_from_registry {
        let first = images.iter().find(|image| image.enable).ok_or_else(|| {
            CliError::usage(anyhow!("--latest-from-registry needs an image in --images"))
        })?;
        let image = ImageRef::parse(&first.name).map_err(CliError::usage)?;
        Some((registry.client(printer)?, image))
    } else {
        None
    };
    let (context, source, payload_has_repository) = context(args, printer)?;
    Ok(Prepared {
        images,
        rules,
        flavor,
        options,
        context,
        source,
        payload_has_repository,
        github_timeout,
        latest_from,
    })
}

/// The tags, version, labels and annotations the rules give in this
/// context: first what the event payload lacks is read from the GitHub
/// API (as metadata-action does), and with `--latest-from-registry` the
/// registry's tags.
pub(crate) fn compute(mut prepared: Prepared, printer: &mut Printer) -> Result<Metadata, CliError> {
    let needs_commit_date = gantry_tags::uses_placeholder(
        "commit_date",
        &prepared.rules,
        &prepared.flavor,
        &prepared.options,
    );
    if prepared.source == ContextSource::Github {
        crate::github_facts::fill(
            &mut prepared.context,
            crate::github_facts::Needs {
                commit_date: needs_commit_date,
                repository: !prepared.payload_has_repository,
            },
            prepared.github_timeout,
            printer,
        )?;
    }
    if needs_commit_date
        && prepared.context.commit_time.is_none()
        && prepared.source != ContextSource::Github
    {
        printer.warning(
            &format!(
                "`{{{{commit_date}}}}`: the commit's date is unknown with --context flags: using the current time ({}) instead",
                prepared.context.now
            ),
            None,
        )?;
    }
    if let Some((client, image)) = &prepared.latest_from {
        prepared.options.existing_tags =
            Some(crate::registry::existing_tags(client, image, printer)?);
    }
    let Prepared {
        images,
        rules,
        flavor,
        options,
        context,
        ..
    } = prepared;
    gantry_tags::compute(&context, &images, &rules, &flavor, &options).map_err(
        |error| match error {
            // The rules ran and matched nothing: the check "is there a tag" failed.
            ComputeError::NoTags { .. } => CliError::failure(error),
            _ => CliError::usage(error),
        },
    )
}

/// The context, where it came from, and whether the event payload had a
/// `repository` object.
fn context(args: &RuleArgs, printer: &Printer) -> Result<(Context, ContextSource, bool), CliError> {
    let now = match args.now.as_deref() {
        Some(text) => text.parse::<Timestamp>().map_err(|error| {
            CliError::usage(anyhow!(
                "invalid --now `{text}`: {error} (expected RFC 3339, e.g. 2026-11-22T06:00:00Z)"
            ))
        })?,
        None => Timestamp::now(),
    };
    let env = printer.env();
    let source = match args.context {
        ContextSource::Auto if env.var("GITHUB_EVENT_NAME").is_some() => ContextSource::Github,
        ContextSource::Auto => ContextSource::Git,
        other => other,
    };
    let mut payload_has_repository = false;
    let mut context = match source {
        ContextSource::Github | ContextSource::Auto => {
            let payload = match env.var("GITHUB_EVENT_PATH") {
                Some(path) => Some(read_payload(path)?),
                None => None,
            };
            payload_has_repository = payload
                .as_ref()
                .and_then(|p| p.get("repository"))
                .is_some_and(serde_json::Value::is_object);
            let vars = |name: &str| env.var(name).map(str::to_owned);
            Context::from_github_env(&vars, payload, now).map_err(CliError::usage)?
        }
        ContextSource::Git => {
            let local = git_facts::read(&args.git_dir).map_err(CliError::usage)?;
            let commit_time = local.commit_time.parse::<Timestamp>().ok();
            Context::from_git(
                GitFacts {
                    head_ref: local.git_ref,
                    sha: local.sha,
                    commit_time,
                    default_branch: local.default_branch,
                },
                now,
            )
        }
        ContextSource::Flags => {
            let missing = |flag: &str| CliError::usage(anyhow!("--context flags needs {flag}"));
            let event = args.event.clone().ok_or_else(|| missing("--event"))?;
            let git_ref = args.git_ref.clone().ok_or_else(|| missing("--git-ref"))?;
            let sha = args.sha.clone().ok_or_else(|| missing("--sha"))?;
            Context::new(event, git_ref, sha, now)
        }
    };
    if let Some(event) = &args.event {
        context.event_name.clone_from(event);
    }
    if let Some(git_ref) = &args.git_ref {
        context.git_ref.clone_from(git_ref);
    }
    if let Some(sha) = &args.sha {
        if !sha.chars().all(|c| c.is_ascii_hexdigit()) || sha.is_empty() {
            return Err(CliError::usage(anyhow!(
                "invalid --sha `{sha}`: a commit SHA is hexadecimal"
            )));
        }
        context.sha.clone_from(sha);
    }
    if args.default_branch.is_some() {
        context.default_branch.clone_from(&args.default_branch);
    }
    if args.base_ref.is_some() {
        context.base_ref.clone_from(&args.base_ref);
    }
    Ok((context, source, payload_has_repository))
}

fn read_payload(path: &str) -> Result<serde_json::Value, CliError> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the event payload GITHUB_EVENT_PATH=`{path}`"))
        .map_err(CliError::usage)?;
    serde_json::from_str(&text)
        .with_context(|| format!("the event payload `{path}` is not JSON"))
        .map_err(CliError::usage)
}

/// Print the result and, under Actions, set metadata-action's outputs and a
/// summary. `--format json` prints the `json` output plus `version`, which
/// metadata-action gives only as an output of its own.
fn report(
    metadata: &Metadata,
    separators: &Separators,
    printer: &mut Printer,
) -> Result<(), CliError> {
    let mut json = metadata_json(metadata)?;
    if let Some(object) = json.as_object_mut() {
        object.insert("version".to_owned(), metadata.version.clone().into());
    }
    printer.result(&metadata.tags.join("\n"), &json)?;
    report_outputs(metadata, separators, printer)
}

/// metadata-action v6's `json` output: tags, tag-names, labels, annotations.
fn metadata_json(metadata: &Metadata) -> Result<serde_json::Value, CliError> {
    serde_json::to_value(metadata)
        .context("cannot serialise the computed metadata")
        .map_err(CliError::external)
}

/// metadata-action's outputs and a summary (also set by `push` when it
/// computes its tags).
pub(crate) fn report_outputs(
    metadata: &Metadata,
    separators: &Separators,
    printer: &mut Printer,
) -> Result<(), CliError> {
    let json = metadata_json(metadata)?;
    printer.info(&format!(
        "version {}, {} tag{}",
        if metadata.version.is_empty() {
            "(none)"
        } else {
            &metadata.version
        },
        metadata.tags.len(),
        if metadata.tags.len() == 1 { "" } else { "s" }
    ))?;

    let labels = metadata.label_lines().join(&separators.sep_labels);
    let annotations = metadata
        .annotation_lines()
        .join(&separators.sep_annotations);
    printer.set_output("version", &metadata.version)?;
    printer.set_output("tags", &metadata.tags.join(&separators.sep_tags))?;
    printer.set_output("tag-names", &metadata.tag_names.join(&separators.sep_tags))?;
    printer.set_output("labels", &labels)?;
    printer.set_output("annotations", &annotations)?;
    printer.set_output("json", &json.to_string())?;

    let mut summary = Summary::new();
    summary.heading(3, "Image tags").table(
        &["tag"],
        &metadata
            .tags
            .iter()
            .map(|tag| vec![format!("`{tag}`")])
            .collect::<Vec<_>>(),
    );
    summary.details(
        "Labels and annotations",
        &format!(
            "```\n{}\n{}\n```",
            metadata.label_lines().join("\n"),
            metadata.annotation_lines().join("\n")
        ),
    );
    printer.summary(&summary)?;
    Ok(())
}
