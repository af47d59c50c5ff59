//! The rollback target spec turned into clients, shifters and steps, every
//! field checked before anything is changed.

use std::path::Path;
use std::time::Duration;

use gantry_cli::{CliError, parse_duration};
use gantry_kube::traffic::{
    HttpRouteShifter, IstioDestination, NginxCanaryShifter, ReplicaShifter, VirtualServiceShifter,
};
use gantry_kube::{UndoTarget, WorkloadRef};
use gantry_restore::Step;
use gantry_spec::rollback::{IstioDestinationSpec, RollbackSpec, TrafficTarget};
use gantry_traffic::TrafficShifter;

use crate::gitops::GitopsCommand;
use crate::kube_args::KubeArgs;

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

fn usage(message: String) -> CliError {
    CliError::usage(anyhow::anyhow!(message))
}

/// Read the target spec.
pub(crate) fn load(path: &Path) -> Result<RollbackSpec, CliError> {
    gantry_spec::load::<RollbackSpec>(path, &|name| std::env::var(name).ok())
        .map_err(|e| CliError::usage(anyhow::Error::new(e)))
}

/// The cluster flags, with the spec's `kubernetes:` where a flag is not given.
pub(crate) fn kube_args(flags: &KubeArgs, spec: &RollbackSpec) -> KubeArgs {
    KubeArgs {
        kubeconfig: flags
            .kubeconfig
            .clone()
            .or_else(|| spec.kubernetes.kubeconfig.as_ref().map(Into::into)),
        context: flags
            .context
            .clone()
            .or_else(|| spec.kubernetes.context.clone()),
        namespace: flags
            .namespace
            .clone()
            .or_else(|| spec.kubernetes.namespace.clone()),
    }
}

/// Whether the spec has anything for Kubernetes.
pub(crate) fn needs_kube(spec: &RollbackSpec) -> bool {
    spec.traffic.is_some() || !spec.scale_down.is_empty() || !spec.undo.is_empty()
}

/// The traffic shifter of `traffic:`.
pub(crate) fn shifter(
    traffic: &TrafficTarget,
    client: &gantry_kube::Client,
    namespace: &str,
    file: &Path,
) -> Result<Box<dyn TrafficShifter>, CliError> {
    let destination = |d: &IstioDestinationSpec| match &d.subset {
        Some(subset) => IstioDestination::subset(&d.host, subset),
        None => IstioDestination::host(&d.host),
    };
    let mut chosen: Vec<Box<dyn TrafficShifter>> = Vec::new();
    if let Some(route) = &traffic.http_route {
        chosen.push(Box::new(HttpRouteShifter::new(
            client.clone(),
            namespace,
            &route.name,
            &route.stable,
            &route.canary,
        )));
    }
    if let Some(nginx) = &traffic.nginx {
        chosen.push(Box::new(NginxCanaryShifter::new(
            client.clone(),
            namespace,
            &nginx.ingress,
        )));
    }
    if let Some(istio) = &traffic.istio {
        chosen.push(Box::new(VirtualServiceShifter::new(
            client.clone(),
            namespace,
            &istio.virtual_service,
            destination(&istio.stable),
            destination(&istio.canary),
        )));
    }
    if let Some(replicas) = &traffic.replicas {
        let mut shifter = ReplicaShifter::new(
            client.clone(),
            namespace,
            &replicas.stable,
            &replicas.canary,
        );
        if let Some(total) = replicas.total {
            if total < 1 {
                return Err(usage(format!(
                    "{} traffic.replicas.total: must be at least 1",
                    file.display()
                )));
            }
            shifter = shifter.with_total(total);
        }
        chosen.push(Box::new(shifter));
    }
    match chosen.len() {
        1 => Ok(chosen.remove(0)),
        0 => Err(usage(format!(
            "{} traffic: give one of http-route, nginx, istio or replicas",
            file.display()
        ))),
        _ => Err(usage(format!(
            "{} traffic: give only one of http-route, nginx, istio or replicas",
            file.display()
        ))),
    }
}

/// Every step of the spec, in the rollback's order.
pub(crate) fn steps(
    spec: &RollbackSpec,
    kube: Option<(&gantry_kube::Client, &str)>,
    file: &Path,
    reason: &str,
) -> Result<Vec<Step>, CliError> {
    let field = |name: &str| format!("{} {name}", file.display());
    let timeout = spec
        .timeout
        .as_deref()
        .map(|t| parse_duration(&field("timeout"), t, false))
        .transpose()?
        .unwrap_or(DEFAULT_TIMEOUT);
    let mut steps = Vec::new();
    if let Some((client, namespace)) = kube {
        if let Some(traffic) = &spec.traffic {
            steps.push(Step::Traffic(shifter(traffic, client, namespace, file)?));
        }
        for (index, workload) in spec.scale_down.iter().enumerate() {
            let workload = WorkloadRef::parse(workload, namespace)
                .map_err(|e| usage(format!("{}: {e}", field(&format!("scale-down[{index}]")))))?;
            steps.push(Step::ScaleDown(workload));
        }
        for (index, undo) in spec.undo.iter().enumerate() {
            let at = field(&format!("undo[{index}]"));
            let workload = WorkloadRef::parse(&undo.workload, namespace)
                .map_err(|e| usage(format!("{at}.workload: {e}")))?;
            if workload.kind != gantry_kube::WorkloadKind::Deployment {
                return Err(usage(format!(
                    "{at}.workload: undo is for Deployments (`{}` is a {}; StatefulSets and DaemonSets keep no ReplicaSet history to undo to)",
                    undo.workload,
                    workload.kind.as_str()
                )));
            }
            let target = match (undo.to_revision, &undo.to_image) {
                (Some(_), Some(_)) => {
                    return Err(usage(format!(
                        "{at}: give to-revision or to-image, not both"
                    )));
                }
                (Some(n), None) if n < 1 => {
                    return Err(usage(format!("{at}.to-revision: revisions start at 1")));
                }
                (Some(n), None) => UndoTarget::Revision(n),
                (None, Some(image)) => UndoTarget::Image(image.clone()),
                (None, None) => UndoTarget::Previous,
            };
            steps.push(Step::Undo {
                workload,
                target,
                timeout,
            });
        }
    }
    if let Some(gitops) = &spec.gitops {
        steps.push(Step::Gitops(Box::new(GitopsCommand::new(
            gitops,
            reason,
            &field("gitops"),
        )?)));
    }
    if let Some(cloud_run) = &spec.cloud_run {
        let name = gantry_cloudrun::ServiceName::parse(&cloud_run.service)
            .map_err(|e| usage(format!("{}: {e}", field("cloud-run.service"))))?;
        let credentials = gantry_cloudrun::Credentials::from_environment(None)
            .map_err(|e| usage(format!("{}: {e}", field("cloud-run"))))?;
        let mut config = gantry_cloudrun::Config::default();
        if let Ok(base) = std::env::var("GANTRY_CLOUD_RUN_API_URL")
            && !base.trim().is_empty()
        {
            config.base_url = base.trim().to_owned();
        }
        let service = gantry_cloudrun::CloudRun::new(name, credentials, config)
            .map_err(|e| usage(format!("{}: {e}", field("cloud-run"))))?;
        steps.push(Step::CloudRun {
            service,
            to: cloud_run.to_revision.clone(),
        });
    }
    if steps.is_empty() {
        return Err(usage(format!(
            "{}: nothing to roll back: give traffic, scale-down, undo, gitops or cloud-run",
            file.display()
        )));
    }
    Ok(steps)
}

/// Connect when the spec needs the cluster.
pub(crate) async fn connect(
    flags: &KubeArgs,
    spec: &RollbackSpec,
) -> Result<Option<(gantry_kube::Client, String)>, CliError> {
    if !needs_kube(spec) {
        return Ok(None);
    }
    kube_args(flags, spec).connect().await.map(Some)
}
