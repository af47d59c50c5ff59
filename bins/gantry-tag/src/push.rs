//! `gantry-tag push`: add tags to an image, either in its registry without
//! pulling it (`--source`), or from the local Docker daemon (`--local`).

use std::collections::HashMap;
use std::time::Duration;

use anyhow::anyhow;
use gantry_cli::{CliError, ExitStatus, env_vars};
use gantry_image::ImageRef;
use gantry_registry::{TagStatus, Target};
use gantry_runner::{Printer, Summary};
use serde_json::json;

use crate::compute::{self, RuleArgs};
use crate::registry::{RegistryArgs, block_on_masked, registry_error};

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

    /// Deadline of each Docker Engine API request (`--local`), and of each
    /// wait for the Engine to start a push, e.g. `30s`.
    #[arg(long, value_name = "DURATION", env = env_vars::GANTRY_DOCKER_TIMEOUT, default_value = "30s")]
    docker_timeout: String,

    #[command(flatten)]
    separators: compute::Separators,

    #[command(flatten)]
    rules: RuleArgs,

    #[command(flatten)]
    registry: RegistryArgs,
}

pub(crate) fn run(args: &PushArgs, printer: &mut Printer) -> Result<ExitStatus, CliError> {
    // Every input is read and checked before the first call to GitHub, a
    // registry or the Docker Engine.
    args.registry.check()?;
    let source = match &args.source {
        Some(text) => Some(
            ImageRef::parse(text)
                .map_err(|error| CliError::usage(anyhow!("invalid --source: {error}")))?,
        ),
        None => None,
    };
    let engine = match &args.local {
        Some(local) => Some(local_engine(args, local, printer)?),
        None => None,
    };
    let client = match &source {
        Some(_) if !args.dry_run => Some(args.registry.client(printer)?),
        _ => None,
    };
    let explicit = explicit_targets(args, source.as_ref())?;
    let prepared = if explicit.is_empty() {
        Some(compute::prepare(&args.rules, &args.registry, printer)?)
    } else {
        None
    };

    let targets = match prepared {
        Some(prepared) => {
            let metadata = compute::compute(prepared, printer)?;
            compute::report_outputs(&metadata, &args.separators, printer)?;
            metadata
                .tags
                .iter()
                .map(|tag| ImageRef::parse(tag).map_err(CliError::usage))
                .collect::<Result<Vec<_>, _>>()?
        }
        None => explicit,
    };

    if args.dry_run {
        let lines: Vec<String> = targets.iter().map(|t| format!("would tag {t}")).collect();
        let json = json!({
            "dry_run": true,
            "tags": targets.iter().map(ToString::to_string).collect::<Vec<_>>(),
        });
        printer.result(&lines.join("\n"), &json)?;
        return Ok(ExitStatus::Success);
    }

    match (&source, client, &args.local, engine) {
        (Some(source), Some(client), _, _) => {
            push_in_registry(args, &client, source, &targets, printer)
        }
        (None, _, Some(local), Some(engine)) => {
            push_from_daemon(args, &engine, local, &targets, printer)
        }
        _ => Err(CliError::usage(anyhow!("give --source or --local"))),
    }
}

/// Where and how long to talk to the Docker Engine for `--local`, checked
/// before anything is contacted.
struct LocalEngine {
    host: String,
    timeout: Duration,
    credentials: gantry_registry::CredentialStore,
}

fn local_engine(
    args: &PushArgs,
    local: &str,
    printer: &mut Printer,
) -> Result<LocalEngine, CliError> {
    check_local(local)?;
    let timeout = gantry_cli::parse_duration("--docker-timeout", &args.docker_timeout, false)?;
    let host = gantry_docker::resolve_host(None, printer.env().var("DOCKER_HOST"));
    gantry_docker::parse_host(&host).map_err(CliError::usage)?;
    let credentials = args.registry.credentials(printer)?;
    Ok(LocalEngine {
        host,
        timeout,
        credentials,
    })
}

/// `--local` is an image name (`acme-api:dev`, `ghcr.io/acme/api:1.0`) or
/// an image ID (`sha256:…`, or 12 to 64 hex digits).
fn check_local(local: &str) -> Result<(), CliError> {
    let hex =
        |text: &str| (12..=64).contains(&text.len()) && text.chars().all(|c| c.is_ascii_hexdigit());
    if let Some(id) = local.strip_prefix("sha256:") {
        if id.len() == 64 && hex(id) {
            return Ok(());
        }
        return Err(CliError::usage(anyhow!(
            "invalid --local `{local}`: an image ID is `sha256:` and 64 hexadecimal digits"
        )));
    }
    if hex(local) {
        return Ok(());
    }
    ImageRef::parse(local)
        .map(|_| ())
        .map_err(|error| CliError::usage(anyhow!("invalid --local: {error}")))
}

/// The explicit --targets, parsed (empty: the tags are computed).
fn explicit_targets(args: &PushArgs, source: Option<&ImageRef>) -> Result<Vec<ImageRef>, CliError> {
    args.targets
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| {
            let bare_tag = !line.contains(['/', ':', '@']);
            let invalid = |error: &dyn std::fmt::Display| {
                CliError::usage(anyhow!("invalid --targets line `{line}`: {error}"))
            };
            match (bare_tag, source) {
                (true, Some(source)) => {
                    let tag = gantry_image::Tag::parse(line).map_err(|e| invalid(&e))?;
                    Ok(source.without_digest().with_tag(tag))
                }
                (true, None) => Err(CliError::usage(anyhow!(
                    "invalid --targets line `{line}`: with --local, a target is a full reference such as `ghcr.io/acme/api:{line}`"
                ))),
                (false, _) => {
                    let target = ImageRef::parse(line).map_err(|e| invalid(&e))?;
                    if target.digest().is_some() {
                        return Err(invalid(&"a target is a tag, not a digest"));
                    }
                    Ok(target)
                }
            }
        })
        .collect()
}

fn push_in_registry(
    args: &PushArgs,
    client: &gantry_registry::Client,
    source: &ImageRef,
    targets: &[ImageRef],
    printer: &mut Printer,
) -> Result<ExitStatus, CliError> {
    let targets: Vec<Target> = targets.iter().cloned().map(Target::from).collect();
    printer.group(&format!("Tagging {source}"))?;
    let outcomes = block_on_masked(client.revealed(), printer, client.retag(source, &targets))?
        .map_err(registry_error)?;
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
            .join(&args.separators.sep_tags),
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
    engine: &LocalEngine,
    local: &str,
    targets: &[ImageRef],
    printer: &mut Printer,
) -> Result<ExitStatus, CliError> {
    let store = &engine.credentials;
    let docker_error = |error: gantry_docker::DockerError| {
        if error.is_input_error() {
            CliError::usage(error)
        } else {
            CliError::external(error)
        }
    };
    let pushed = block_on_masked(store.revealed(), printer, async {
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
        let engine = gantry_docker::connect_with_timeout(Some(&engine.host), engine.timeout)
            .await
            .map_err(docker_error)?;
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
            .join(&args.separators.sep_tags),
    )?;
    Ok(ExitStatus::Success)
}
