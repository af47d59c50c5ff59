//! The rollback target spec turned into clients, shifters and steps, every
//! field checked when the file is read, before anything is contacted or
//! changed: the rules docs/rollback-target.md states (one traffic kind, a
//! DaemonSet cannot be scaled down or undone, undo is for Deployments,
//! revisions from 1, image references that parse, URLs gantry can use)
//! fail the run with exit 2 and nothing done.

use std::path::Path;
use std::time::Duration;

use gantry_cli::{CliError, parse_duration};
use gantry_kube::traffic::{
    HttpRouteShifter, IstioDestination, NginxCanaryShifter, ReplicaShifter, VirtualServiceShifter,
};
use gantry_kube::{UndoTarget, WorkloadKind, WorkloadRef};
use gantry_restore::Step;
use gantry_spec::rollback::{IstioDestinationSpec, RollbackSpec, TrafficTarget};
use gantry_traffic::TrafficShifter;

use crate::gitops::GitopsCommand;
use crate::kube_args::{KubeArgs, check_namespace};

/// How long each rollout of `undo` may take unless `timeout` says.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

fn usage(message: String) -> CliError {
    CliError::usage(anyhow::anyhow!(message))
}

/// Read the target spec (a regular file of at most 1 MiB: gantry-spec
/// refuses a FIFO before it blocks) and check every field.
pub(crate) fn load(path: &Path) -> Result<RollbackSpec, CliError> {
    let spec = gantry_spec::load::<RollbackSpec>(path, &|name| std::env::var(name).ok())
        .map_err(|e| CliError::usage(anyhow::Error::new(e)))?;
    check(&spec, path)?;
    Ok(spec)
}

/// Every rule of the file that needs no cluster.
fn check(spec: &RollbackSpec, file: &Path) -> Result<(), CliError> {
    let at = |name: &str| format!("{} {name}", file.display());
    let kube = &spec.kubernetes;
    if let Some(namespace) = kube.namespace.as_deref().filter(|n| !n.trim().is_empty()) {
        check_namespace(namespace, &at("kubernetes.namespace"))?;
    }
    if let Some(context) = &kube.context
        && (context.trim().is_empty() || context.chars().any(char::is_control))
    {
        return Err(usage(format!(
            "{}: {context:?} is not a context name",
            at("kubernetes.context")
        )));
    }
    if kube
        .kubeconfig
        .as_deref()
        .is_some_and(|k| k.trim().is_empty())
    {
        return Err(usage(format!("{}: empty", at("kubernetes.kubeconfig"))));
    }
    if let Some(traffic) = &spec.traffic {
        check_traffic(traffic, file)?;
    }
    for (index, workload) in spec.scale_down.iter().enumerate() {
        let field = at(&format!("scale-down[{index}]"));
        let parsed = workload_syntax(workload, &field)?;
        if parsed.kind == WorkloadKind::DaemonSet {
            return Err(usage(format!(
                "{field}: `{workload}` is a DaemonSet, which has no replica count to scale down (give a Deployment or StatefulSet)"
            )));
        }
    }
    for (index, undo) in spec.undo.iter().enumerate() {
        undo_target(undo, &at(&format!("undo[{index}]")))?;
    }
    rollout_timeout(spec, file)?;
    if let Some(gitops) = &spec.gitops {
        GitopsCommand::check(gitops, &at("gitops"))?;
    }
    if let Some(cloud_run) = &spec.cloud_run {
        let name = gantry_cloudrun::ServiceName::parse(&cloud_run.service)
            .map_err(|e| usage(format!("{}: {e}", at("cloud-run.service"))))?;
        if let Some(revision) = &cloud_run.to_revision {
            name.short_revision(revision)
                .map_err(|e| usage(format!("{}: {e}", at("cloud-run.to-revision"))))?;
        }
    }
    if spec.traffic.is_none()
        && spec.scale_down.is_empty()
        && spec.undo.is_empty()
        && spec.gitops.is_none()
        && spec.cloud_run.is_none()
    {
        return Err(usage(format!(
            "{}: nothing to roll back: give traffic, scale-down, undo, gitops or cloud-run",
            file.display()
        )));
    }
    Ok(())
}

/// `timeout`, or the default.
pub(crate) fn rollout_timeout(spec: &RollbackSpec, file: &Path) -> Result<Duration, CliError> {
    Ok(spec
        .timeout
        .as_deref()
        .map(|t| parse_duration(&format!("{} timeout", file.display()), t, false))
        .transpose()?
        .unwrap_or(DEFAULT_TIMEOUT))
}

/// A workload's kind and name, checked (the namespace comes later).
fn workload_syntax(workload: &str, field: &str) -> Result<WorkloadRef, CliError> {
    WorkloadRef::parse(workload, "default").map_err(|e| usage(format!("{field}: {e}")))
}

/// An `undo` entry's Deployment and target.
fn undo_target(
    undo: &gantry_spec::rollback::UndoSpec,
    at: &str,
) -> Result<(WorkloadRef, UndoTarget), CliError> {
    let workload = workload_syntax(&undo.workload, &format!("{at}.workload"))?;
    if workload.kind != WorkloadKind::Deployment {
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
            return Err(usage(format!(
                "{at}.to-revision: {n}: revisions start at 1"
            )));
        }
        (Some(n), None) => UndoTarget::Revision(n),
        (None, Some(image)) => {
            gantry_kube::check_image_target(image)
                .map_err(|e| usage(format!("{at}.to-image: {e}")))?;
            UndoTarget::Image(image.clone())
        }
        (None, None) => UndoTarget::Previous,
    };
    Ok((workload, target))
}

/// A Kubernetes object name (an RFC 1123 subdomain), or a label where
/// the API wants one (Service names).
fn name(value: &str, field: &str, label: bool) -> Result<(), CliError> {
    let is_label = |s: &str| {
        !s.is_empty()
            && s.len() <= 63
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
    };
    let ok = if label {
        is_label(value)
    } else {
        value.len() <= 253 && value.split('.').all(is_label)
    };
    if ok {
        Ok(())
    } else {
        Err(usage(format!(
            "{field}: {value:?} is not a Kubernetes name ({})",
            if label {
                "at most 63 lowercase letters, digits and '-'"
            } else {
                "lowercase letters, digits, '-' and '.'"
            }
        )))
    }
}

fn check_traffic(traffic: &TrafficTarget, file: &Path) -> Result<(), CliError> {
    let at = |name: &str| format!("{} traffic.{name}", file.display());
    let kinds = [
        traffic.http_route.is_some(),
        traffic.nginx.is_some(),
        traffic.istio.is_some(),
        traffic.replicas.is_some(),
    ]
    .iter()
    .filter(|k| **k)
    .count();
    match kinds {
        1 => {}
        0 => {
            return Err(usage(format!(
                "{} traffic: give one of http-route, nginx, istio or replicas",
                file.display()
            )));
        }
        _ => {
            return Err(usage(format!(
                "{} traffic: give only one of http-route, nginx, istio or replicas",
                file.display()
            )));
        }
    }
    let distinct = |stable: &str, canary: &str, field: &str| {
        if stable == canary {
            Err(usage(format!(
                "{}: stable and canary are both {stable:?}",
                at(field)
            )))
        } else {
            Ok(())
        }
    };
    if let Some(route) = &traffic.http_route {
        name(&route.name, &at("http-route.name"), false)?;
        name(&route.stable, &at("http-route.stable"), true)?;
        name(&route.canary, &at("http-route.canary"), true)?;
        distinct(&route.stable, &route.canary, "http-route")?;
    }
    if let Some(nginx) = &traffic.nginx {
        name(&nginx.ingress, &at("nginx.ingress"), false)?;
    }
    if let Some(istio) = &traffic.istio {
        name(&istio.virtual_service, &at("istio.virtual-service"), false)?;
        for (field, destination) in [("stable", &istio.stable), ("canary", &istio.canary)] {
            let host = destination.host.trim();
            if host.is_empty()
                || host != destination.host
                || host
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || c == '/')
            {
                return Err(usage(format!(
                    "{}: {:?} is not a host",
                    at(&format!("istio.{field}.host")),
                    destination.host
                )));
            }
            if let Some(subset) = &destination.subset {
                name(subset, &at(&format!("istio.{field}.subset")), true)?;
            }
        }
        if istio.stable == istio.canary {
            return Err(usage(format!(
                "{}: stable and canary are the same destination",
                at("istio")
            )));
        }
    }
    if let Some(replicas) = &traffic.replicas {
        name(&replicas.stable, &at("replicas.stable"), false)?;
        name(&replicas.canary, &at("replicas.canary"), false)?;
        distinct(&replicas.stable, &replicas.canary, "replicas")?;
        if let Some(total) = replicas.total
            && total < 1
        {
            return Err(usage(format!(
                "{}: {total}: must be at least 1",
                at("replicas.total")
            )));
        }
    }
    Ok(())
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
        kube_timeout: flags.kube_timeout.clone(),
        secrets: flags.secrets.clone(),
    }
}

/// Whether the spec has anything for Kubernetes.
pub(crate) fn needs_kube(spec: &RollbackSpec) -> bool {
    spec.traffic.is_some() || !spec.scale_down.is_empty() || !spec.undo.is_empty()
}

/// The traffic shifter of `traffic:` (checked by [`load`]).
pub(crate) fn shifter(
    traffic: &TrafficTarget,
    client: &gantry_kube::Client,
    namespace: &str,
) -> Box<dyn TrafficShifter> {
    let destination = |d: &IstioDestinationSpec| match &d.subset {
        Some(subset) => IstioDestination::subset(&d.host, subset),
        None => IstioDestination::host(&d.host),
    };
    if let Some(route) = &traffic.http_route {
        return Box::new(HttpRouteShifter::new(
            client.clone(),
            namespace,
            &route.name,
            &route.stable,
            &route.canary,
        ));
    }
    if let Some(nginx) = &traffic.nginx {
        return Box::new(NginxCanaryShifter::new(
            client.clone(),
            namespace,
            &nginx.ingress,
        ));
    }
    if let Some(istio) = &traffic.istio {
        return Box::new(VirtualServiceShifter::new(
            client.clone(),
            namespace,
            &istio.virtual_service,
            destination(&istio.stable),
            destination(&istio.canary),
        ));
    }
    // `load` made sure one kind is given: replicas.
    let replicas = traffic.replicas.as_ref();
    let (stable, canary, total) = replicas
        .map(|r| (r.stable.as_str(), r.canary.as_str(), r.total))
        .unwrap_or_default();
    let mut shifter = ReplicaShifter::new(client.clone(), namespace, stable, canary);
    if let Some(total) = total {
        shifter = shifter.with_total(total);
    }
    Box::new(shifter)
}

/// The Kubernetes steps of the spec, in the rollback's order.
pub(crate) fn kube_steps(
    spec: &RollbackSpec,
    client: &gantry_kube::Client,
    namespace: &str,
    file: &Path,
) -> Result<Vec<Step>, CliError> {
    let field = |name: &str| format!("{} {name}", file.display());
    let timeout = rollout_timeout(spec, file)?;
    let mut steps = Vec::new();
    if let Some(traffic) = &spec.traffic {
        steps.push(Step::Traffic(shifter(traffic, client, namespace)));
    }
    for (index, workload) in spec.scale_down.iter().enumerate() {
        let workload = WorkloadRef::parse(workload, namespace)
            .map_err(|e| usage(format!("{}: {e}", field(&format!("scale-down[{index}]")))))?;
        steps.push(Step::ScaleDown(workload));
    }
    for (index, undo) in spec.undo.iter().enumerate() {
        let (workload, target) = undo_target(undo, &field(&format!("undo[{index}]")))?;
        steps.push(Step::Undo {
            workload: WorkloadRef {
                namespace: namespace.to_owned(),
                ..workload
            },
            target,
            timeout,
        });
    }
    Ok(steps)
}

/// The steps after the cluster's: the GitOps revert and Cloud Run, built
/// (Cloud Run credentials found and read) before anything is contacted.
pub(crate) fn outside_steps(
    spec: &RollbackSpec,
    file: &Path,
    reason: &str,
    cloud_run_timeout: Duration,
) -> Result<Vec<Step>, CliError> {
    let field = |name: &str| format!("{} {name}", file.display());
    let mut steps = Vec::new();
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
        let mut config = gantry_cloudrun::Config {
            timeout: cloud_run_timeout,
            operation_timeout: rollout_timeout(spec, file)?,
            ..gantry_cloudrun::Config::default()
        };
        if let Ok(base) = std::env::var("GANTRY_CLOUD_RUN_API_URL")
            && !base.trim().is_empty()
        {
            config.base_url = base.trim().to_owned();
        }
        let service = gantry_cloudrun::CloudRun::new(name, credentials, config).map_err(|e| {
            usage(format!(
                "{}: {e} (GANTRY_CLOUD_RUN_API_URL)",
                field("cloud-run")
            ))
        })?;
        steps.push(Step::CloudRun {
            service,
            to: cloud_run.to_revision.clone(),
        });
    }
    Ok(steps)
}
