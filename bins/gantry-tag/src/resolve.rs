//! `gantry-tag resolve REF`: the digest a tag points to, for pinning.

use gantry_cli::{CliError, ExitStatus, env_vars};
use gantry_image::ImageRef;
use gantry_runner::Printer;
use serde_json::json;

use crate::registry::{RegistryArgs, block_on_masked, registry_error};

#[derive(Debug, clap::Args)]
pub(crate) struct ResolveArgs {
    /// The image reference to resolve, e.g. `ghcr.io/acme/api:1.2.3`.
    #[arg(value_name = "REF", env = env_vars::GANTRY_REF)]
    reference: String,

    #[command(flatten)]
    registry: RegistryArgs,
}

pub(crate) fn run(args: &ResolveArgs, printer: &mut Printer) -> Result<ExitStatus, CliError> {
    let image = ImageRef::parse(&args.reference).map_err(CliError::usage)?;
    let client = args.registry.client(printer)?;
    let descriptor = block_on_masked(client.revealed(), printer, client.resolve(&image))?
        .map_err(registry_error)?;
    let digest = descriptor.digest;
    // The pinned reference keeps the user's spelling and the tag, for
    // readability: `nginx:1.27@sha256:…`.
    let pinned = image.with_digest(digest.clone());
    let json = json!({
        "reference": image.to_string(),
        "digest": digest.to_string(),
        "pinned": pinned.to_string(),
        "media_type": descriptor.media_type,
        "size": descriptor.size,
    });
    printer.result(&pinned.to_string(), &json)?;
    printer.set_output("digest", digest.as_str())?;
    printer.set_output("pinned", &pinned.to_string())?;
    printer.set_output("media-type", &descriptor.media_type)?;
    Ok(ExitStatus::Success)
}
