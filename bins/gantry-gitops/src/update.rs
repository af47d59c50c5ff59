//! `gantry-gitops update`: patch images in the repository, commit, push.

use gantry_cli::{CliError, ExitStatus, ResultExt, env_vars};
use gantry_deploy::MessageInput;
use gantry_manifest::Update;
use gantry_runner::Printer;

use crate::repo::RepoArgs;
use crate::report;

#[derive(Debug, clap::Args)]
pub(crate) struct UpdateArgs {
    #[command(flatten)]
    repo: RepoArgs,

    /// The environment to update (its branch and paths).
    #[arg(long = "env", value_name = "NAME", env = env_vars::GANTRY_ENVIRONMENT)]
    env: Option<String>,

    /// An update, as in gantry-patch: `NAME=NEWREF` or `NEWREF`. Repeatable.
    #[arg(long = "set", value_name = "NAME=NEWREF", env = env_vars::GANTRY_SET, value_delimiter = '\n', required = true)]
    set: Vec<String>,

    /// Succeed when an image of --set is found in no file of the target
    /// (by default that is an error: a typo in NAME must not pass a
    /// pipeline as "nothing to commit").
    #[arg(long, env = env_vars::GANTRY_ALLOW_MISSING, action = clap::ArgAction::SetTrue, value_parser = clap::builder::FalseyValueParser::new())]
    allow_missing: bool,

    /// Refuse a NEWREF without a digest.
    #[arg(long, env = env_vars::GANTRY_REQUIRE_DIGEST, action = clap::ArgAction::SetTrue, value_parser = clap::builder::FalseyValueParser::new())]
    require_digest: bool,
}

pub(crate) fn run(args: &UpdateArgs, printer: &mut Printer) -> Result<ExitStatus, CliError> {
    let specs: Vec<&str> = args
        .set
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    let updates = Update::parse_all(&specs).usage_error("invalid --set")?;
    if args.require_digest {
        for u in &updates {
            u.require_digest().usage_error("invalid --set")?;
        }
    }
    let mut repo = args.repo.build(printer)?;
    if args.allow_missing {
        repo.deployer.missing = gantry_deploy::Missing::Allow;
    }
    let target = repo.target(args.env.as_deref())?;
    let base = MessageInput {
        operation: "update".to_owned(),
        provenance: repo.settings.provenance.clone(),
        ..MessageInput::default()
    };
    let outcome = repo
        .deployer
        .apply(&target, &updates, &base, &repo.settings)
        .map_err(|e| report::failure(printer, e))?;
    report::outcome(printer, "update", &target, &outcome, &repo)?;
    Ok(ExitStatus::Success)
}
