//! `gantry-tag push`: add tags to an image, either in its registry without
//! pulling it (`--source`), or from the local Docker daemon (`--local`).

use std::collections::HashMap;

use anyhow::anyhow;
use gantry_cli::{CliError, ExitStatus, env_vars};
use gantry_image::ImageRef;
use gantry_registry::{TagStatus, Target};
use gantry_runner::{Printer, Summary};
use serde_json::json;

use crate::compute::{self, RuleArgs};
use crate::registry::{RegistryArgs, block_on, registry_error};

#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("from").required(true).args(["source", "local"]))]
pub(crate) struct PushArgs {
    /// The image in its registry to add tags to, by tag or digest
    /// (`ghcr.io/acme/api@sha256:…`). Nothing is pulled: the manifest is
    /// copied byte for byte, so a multi-arch index keeps its digest.
    #[arg(long, value_name = "REF", env = env_vars::GANTRY_SOURCE)]
    source: Option<String>,

    /// An image in the local Docker daemon (name or ID) to tag and push.
    #[arg(long, value_name = "IMAGE", env = env_vars::GANTRY_LOCAL_IMAGE)]
    local: Option<String>,

    /// The tags to add, one per line: full references, or bare tags for the
    /// source's repository. Empty: computed from --images/--tags/--flavor.
    #[arg(long, value_name = "LIST", env = env_vars::GANTRY_TARGETS, default_value = "")]
    targets: String,

    /// Print what would be tagged; push nothing.
    #[arg(long, env = env_vars::GANTRY_DRY_RUN)]
    dry_run: bool,

    /// Separator of the `tags` output.
    #[arg(long, value_name = "SEP", env = env_vars::GANTRY_SEP_TAGS, default_value = "\n")]
    sep_tags: String,

    #[command(flatten)]
    rules: RuleArgs,

    #[command(flatten)]
    registry: RegistryArgs,
}

pub(crate) fn run(args: &PushArgs, printer: &mut Printer) -> Result<ExitStatus, CliError> {
    let source = match &args.source {
        Some(text) => Some(ImageRef::parse(text).map_err(CliError::usage)?),
        None => None,
    };
    let targets = targets(args, source.as_ref(), printer)?;

    if args.dry_run {
        let lines: Vec<String> = targets.iter().map(|t| format!("would tag {t}")).collect();
        let json = json!({
            "dry_run": true,
            "tags": targets.iter().map(ToString::to_string).collect::<Vec<_>>(),
        });
        printer.result(&lines.join("\n"), &json)?;
        return Ok(ExitStatus::Success);
    }

    match (&source, &args.local) {
        (Some(source), _) => push_in_registry(args, source, &targets, printer),
        (None, Some(local)) => push_from_daemon(args, local, &targets, printer),
        (None, None) => Err(CliError::usage(anyhow!("give --source or --local"))),
    }
}

/// The explicit --targets, or the computed tags.
fn targets(
    args: &PushArgs,
    source: Option<&ImageRef>,
    printer: &mut Printer,
) -> Result<Vec<ImageRef>, CliError> {
    let explicit: Vec<&str> = args
        .targets
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    if explicit.is_empty() {
        let metadata = compute::compute(&args.rules, &args.registry, printer)?;
        compute::report_outputs(&metadata, &args.sep_tags, printer)?;
        return metadata
            .tags
            .iter()
            .map(|tag| ImageRef::parse(tag).map_err(CliError::usage))
            .collect();
    }
    explicit
        .into_iter()
        .map(|line| {
            let bare_tag = !line.contains(['/', ':', '@']);
            match (bare_tag, source) {
                (true, Some(source)) => {
                    let tag = gantry_image::Tag::parse(line).map_err(CliError::usage)?;
                    Ok(source.without_digest().with_tag(tag))
                }
                (true, None) => Err(CliError::usage(anyhow!(
                    "invalid --targets line `{line}`: with --local, a target is a full reference such as `ghcr.io/acme/api:{line}`"
                ))),
                (false, _) => ImageRef::parse(line).map_err(CliError::usage),
            }
        })
        .collect()
}

fn push_in_registry(
    args: &PushArgs,
    source: &ImageRef,
    targets: &[ImageRef],
    printer: &mut Printer,
) -> Result<ExitStatus, CliError> {
    let client = args.registry.client(printer)?;
    let targets: Vec<Target> = targets.iter().cloned().map(Target::from).collect();
    printer.group(&format!("Tagging {source}"))?;
    let outcomes = block_on(client.retag(source, &targets))?.map_err(registry_error)?;
    printer.end_group()?;

    let digest = outcomes
        .first()
        .map(|outcome| outcome.digest.to_string())
        .unwrap_or_default();
    let lines: Vec<String> = outcomes
        .iter()
        .map(|outcome| match outcome.status {
            TagStatus::Created => format!("tagged         {}", outcome.target),
            TagStatus::AlreadyTagged => format!("already tagged {}", outcome.target),
        })
        .collect();
    let json = json!({
        "source": source.to_string(),
        "digest": digest,
        "tags": outcomes.iter().map(|outcome| json!({
            "reference": outcome.target.to_string(),
            "status": match outcome.status {
                TagStatus::Created => "tagged",
                TagStatus::AlreadyTagged => "already-tagged",
            },
            "mounted_blobs": outcome.mounted_blobs,
        })).collect::<Vec<_>>(),
    });
    printer.result(&lines.join("\n"), &json)?;
    let created = outcomes
        .iter()
        .filter(|outcome| outcome.status == TagStatus::Created)
        .count();
    if created == 0 {
        printer.info(&format!(
            "already tagged: all {} tags point to {digest}",
            outcomes.len()
        ))?;
    }
    printer.set_output("digest", &digest)?;
    printer.set_output(
        "pushed-tags",
        &outcomes
            .iter()
            .map(|outcome| outcome.target.to_string())
            .collect::<Vec<_>>()
            .join(&args.sep_tags),
    )?;
    let mut summary = Summary::new();
    summary.heading(3, &format!("Tagged `{source}`")).table(
        &["tag", "result", "digest"],
        &outcomes
            .iter()
            .map(|outcome| {
                vec![
                    format!("`{}`", outcome.target),
                    match outcome.status {
                        TagStatus::Created => "tagged".to_owned(),
                        TagStatus::AlreadyTagged => "already tagged".to_owned(),
                    },
                    format!("`{}`", outcome.digest),
                ]
            })
            .collect::<Vec<_>>(),
    );
    printer.summary(&summary)?;
    Ok(ExitStatus::Success)
}

fn push_from_daemon(
    args: &PushArgs,
    local: &str,
    targets: &[ImageRef],
    printer: &mut Printer,
) -> Result<ExitStatus, CliError> {
    let store = args.registry.credentials(printer)?;
    let docker_error = |error: gantry_docker::DockerError| {
        if error.is_input_error() {
            CliError::usage(error)
        } else {
            CliError::external(error)
        }
    };
    let pushed = block_on(async {
        // Look every registry's credentials up first, so a broken helper
        // fails before anything is tagged.
        let mut auth: HashMap<String, (String, String)> = HashMap::new();
        for target in targets {
            let registry = target.registry().to_owned();
            if auth.contains_key(&registry) {
                continue;
            }
            if let Some(credentials) = store.get(&registry).await.map_err(registry_error)? {
                auth.insert(registry, (credentials.username, credentials.password));
            }
        }
        let engine = gantry_docker::connect(None).await.map_err(docker_error)?;
        let mut lines = Vec::new();
        let pushed = gantry_docker::tag_and_push(&engine, local, targets, &auth, &mut |progress| {
            lines.push(gantry_docker::format_progress(&progress));
        })
        .await
        .map_err(docker_error)?;
        Ok::<_, CliError>((pushed, lines))
    })??;
    let (pushed, progress) = pushed;
    printer.group(&format!("docker push of {local}"))?;
    for line in &progress {
        printer.info(line)?;
    }
    printer.end_group()?;

    let lines: Vec<String> = pushed
        .iter()
        .map(|p| format!("pushed {} {}", p.target, p.digest))
        .collect();
    let json = json!({
        "local": local,
        "tags": pushed.iter().map(|p| json!({"reference": p.target.to_string(), "digest": p.digest})).collect::<Vec<_>>(),
    });
    printer.result(&lines.join("\n"), &json)?;
    let digest = pushed.first().map(|p| p.digest.clone()).unwrap_or_default();
    printer.set_output("digest", &digest)?;
    printer.set_output(
        "pushed-tags",
        &pushed
            .iter()
            .map(|p| p.target.to_string())
            .collect::<Vec<_>>()
            .join(&args.sep_tags),
    )?;
    Ok(ExitStatus::Success)
}
