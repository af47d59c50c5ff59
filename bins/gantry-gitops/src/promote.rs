//! `gantry-gitops promote --from A --to B`: the exact references of one
//! environment, copied to the next as one commit.

use gantry_cli::{CliError, ExitStatus, ResultExt, env_vars};
use gantry_image::ImageRef;
use gantry_runner::Printer;

use crate::repo::RepoArgs;
use crate::report;

#[derive(Debug, clap::Args)]
pub(crate) struct PromoteArgs {
    #[command(flatten)]
    repo: RepoArgs,

    /// The environment whose images are copied.
    #[arg(long, value_name = "ENV", env = env_vars::GANTRY_FROM)]
    from: String,

    /// The environment they are copied to.
    #[arg(long, value_name = "ENV", env = env_vars::GANTRY_TO)]
    to: String,

    /// Succeed when none of the images is found in the target environment
    /// (or, with --image, when that one is not); by default that is an
    /// error. Images of the source that the target does not run are left
    /// out either way.
    #[arg(long, env = env_vars::GANTRY_ALLOW_MISSING, action = clap::ArgAction::SetTrue, value_parser = clap::builder::FalseyValueParser::new())]
    allow_missing: bool,

    /// Promote only this image (repository); default: every image.
    #[arg(long, value_name = "NAME", env = env_vars::GANTRY_IMAGE)]
    image: Option<String>,
}

pub(crate) fn run(args: &PromoteArgs, printer: &mut Printer) -> Result<ExitStatus, CliError> {
    let only = args
        .image
        .as_deref()
        .filter(|i| !i.is_empty())
        .map(ImageRef::parse)
        .transpose()
        .usage_error("invalid --image")?;
    if args.from == args.to {
        return Err(CliError::usage(anyhow::anyhow!(
            "--from and --to are both `{}`: promote copies between two environments",
            args.from
        )));
    }
    let mut repo = args.repo.build(printer)?;
    if args.allow_missing {
        repo.deployer.missing = gantry_deploy::Missing::Allow;
    }
    let from = repo.target(Some(&args.from))?;
    let to = repo.target(Some(&args.to))?;
    // --path narrows the target; the source keeps its own paths.
    let outcome = repo
        .deployer
        .promote(&from, &to, only.as_ref(), &repo.settings)
        .map_err(|e| report::failure(printer, e))?;
    report::outcome(printer, "promote", &to, &outcome, &repo)?;
    Ok(ExitStatus::Success)
}
