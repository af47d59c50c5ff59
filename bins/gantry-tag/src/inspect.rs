//! `gantry-tag inspect`: the parts of an image reference, normalised, as
//! text, JSON or step outputs.

use gantry_cli::{CliError, ExitStatus, env_vars};
use gantry_image::ImageRef;
use gantry_runner::{Printer, Summary};
use serde_json::json;

#[derive(Debug, clap::Args)]
pub(crate) struct InspectArgs {
    /// The image reference, e.g. `nginx:1.27`, `ghcr.io/acme/api@sha256:…`.
    #[arg(value_name = "REF", env = env_vars::GANTRY_REF)]
    reference: String,
}

pub(crate) fn run(args: &InspectArgs, printer: &mut Printer) -> Result<ExitStatus, CliError> {
    let image = ImageRef::parse(&args.reference).map_err(CliError::usage)?;
    let fields = fields(&image);

    let human = fields
        .iter()
        .map(|(name, value)| match value.as_str() {
            "" => format!("{name:<10} -"),
            value => format!("{name:<10} {value}"),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let json = serde_json::Value::Object(
        fields
            .iter()
            .map(|(name, value)| ((*name).to_owned(), json!(value)))
            .collect(),
    );
    printer.result(&human, &json)?;

    for (name, value) in &fields {
        printer.set_output(name, value)?;
    }
    let mut summary = Summary::new();
    summary.heading(3, &format!("Image `{}`", image)).table(
        &["part", "value"],
        &fields
            .iter()
            .map(|(name, value)| vec![(*name).to_owned(), value.clone()])
            .collect::<Vec<_>>(),
    );
    printer.summary(&summary)?;
    Ok(ExitStatus::Success)
}

/// Output names and values, in the order they are printed.
fn fields(image: &ImageRef) -> Vec<(&'static str, String)> {
    vec![
        ("name", image.normalized_name()),
        ("registry", image.registry().to_owned()),
        ("repository", image.repository()),
        (
            "tag",
            image.tag().map(|tag| tag.to_string()).unwrap_or_default(),
        ),
        (
            "digest",
            image
                .digest()
                .map(|digest| digest.to_string())
                .unwrap_or_default(),
        ),
        ("reference", image.normalized()),
        ("familiar", image.familiar()),
    ]
}
