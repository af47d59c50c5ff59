//! `gantry-rollback shift --target rollback.yaml --weight 25`: set the
//! canary's traffic weight through the target's `traffic:` (HTTPRoute,
//! NGINX canary Ingress, Istio VirtualService or replica ratio). This is
//! the Kubernetes traffic shifter of gantry-canary's steps:
//! `gantry-canary --steps 10,50,100 --on-step 'gantry-rollback shift --target rollback.yaml'`
//! (the weight comes from `GANTRY_CANARY_WEIGHT`, which gantry-canary sets).

use std::path::PathBuf;

use gantry_cli::{CliError, ExitStatus, env_vars};
use gantry_runner::Printer;
use gantry_traffic::Weight;
use serde_json::json;

use crate::kube_args::{KubeArgs, block_on};
use crate::target;

#[derive(Debug, clap::Args)]
pub(crate) struct ShiftArgs {
    /// The target spec with a `traffic:` section.
    #[arg(long, value_name = "FILE", env = env_vars::GANTRY_TARGET)]
    target: PathBuf,

    /// The canary's weight in percent, 0 to 100 (default: $GANTRY_CANARY_WEIGHT).
    #[arg(long, value_name = "PERCENT", env = env_vars::GANTRY_WEIGHT)]
    weight: Option<String>,
}

pub(crate) fn run(
    args: &ShiftArgs,
    kube: &KubeArgs,
    printer: &mut Printer,
) -> Result<ExitStatus, CliError> {
    kube.check()?;
    let given = args
        .weight
        .clone()
        .or_else(|| printer.env().var("GANTRY_CANARY_WEIGHT").map(str::to_owned))
        .ok_or_else(|| {
            CliError::usage(anyhow::anyhow!(
                "no weight: give --weight PERCENT (or run under gantry-canary --on-step, which sets GANTRY_CANARY_WEIGHT)"
            ))
        })?;
    let weight = given
        .trim()
        .trim_end_matches('%')
        .parse::<u8>()
        .ok()
        .and_then(Weight::new)
        .ok_or_else(|| {
            CliError::usage(anyhow::anyhow!(
                "invalid --weight `{given}`: expected a whole percent from 0 to 100"
            ))
        })?;
    let spec = target::load(&args.target)?;
    let Some(traffic) = &spec.traffic else {
        return Err(CliError::usage(anyhow::anyhow!(
            "{}: no `traffic:` section to shift",
            args.target.display()
        )));
    };
    let kube = target::kube_args(kube, &spec);
    let cluster = kube.check()?;
    let shifted = block_on(async {
        let (client, namespace) = cluster.connect(printer).await?;
        let shifter = target::shifter(traffic, &client, &namespace);
        shifter.set_canary_weight(weight).await.map_err(|e| {
            if e.is_input_error() {
                CliError::usage(e)
            } else {
                CliError::external(e)
            }
        })
    });
    kube.mask(printer)?;
    let shifted = shifted?;
    printer.set_output("changed", if shifted.changed { "true" } else { "false" })?;
    printer.result(
        &shifted.detail,
        &json!({"weight": weight.canary(), "changed": shifted.changed, "detail": shifted.detail}),
    )?;
    Ok(ExitStatus::Success)
}
