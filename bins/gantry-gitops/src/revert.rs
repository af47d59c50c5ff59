//! `gantry-gitops revert --image NAME`: back to the image before the last
//! deploy (or `--to REF`), as a new commit that says why.

use gantry_cli::{CliError, ExitStatus, ResultExt, env_vars};
use gantry_deploy::RevertRequest;
use gantry_image::ImageRef;
use gantry_runner::Printer;

use crate::repo::RepoArgs;
use crate::report;

#[derive(Debug, clap::Args)]
pub(crate) struct RevertArgs {
    #[command(flatten)]
    repo: RepoArgs,

    /// The environment to revert in.
    #[arg(long = "env", value_name = "NAME", env = env_vars::GANTRY_ENVIRONMENT)]
    env: Option<String>,

    /// The image (repository) to revert, e.g. `ghcr.io/acme/api`.
    #[arg(long, value_name = "NAME", env = env_vars::GANTRY_IMAGE)]
    image: String,

    /// The reference to put back; default: the one before the last gantry deploy.
    #[arg(long = "to", value_name = "REF", env = env_vars::GANTRY_REVERT_TO)]
    to: Option<String>,

    /// Why, for the commit message (e.g. the canary's verdict).
    #[arg(long, value_name = "TEXT", env = env_vars::GANTRY_REASON)]
    reason: Option<String>,
}

pub(crate) fn run(args: &RevertArgs, printer: &mut Printer) -> Result<ExitStatus, CliError> {
    let image = ImageRef::parse(&args.image).usage_error("invalid --image")?;
    let to = args
        .to
        .as_deref()
        .filter(|t| !t.is_empty())
        .map(ImageRef::parse)
        .transpose()
        .usage_error("invalid --to")?;
    if let Some(to) = &to
        && to.tag().is_none()
        && to.digest().is_none()
    {
        return Err(CliError::usage(anyhow::anyhow!(
            "--to `{to}` has no tag and no digest: say which image to put back"
        )));
    }
    let mut repo = args.repo.build(printer)?;
    let target = repo.target(args.env.as_deref())?;
    let request = RevertRequest {
        image: image.without_tag().without_digest(),
        to,
        reason: args.reason.clone().filter(|r| !r.is_empty()),
    };
    let outcome = repo
        .deployer
        .revert(&target, &request, &repo.settings)
        .map_err(|e| report::failure(printer, e))?;
    report::outcome(printer, "revert", &target, &outcome, &repo)?;
    Ok(ExitStatus::Success)
}
