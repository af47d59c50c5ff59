//! The rollback target spec (`gantry-rollback run --target rollback.yaml`,
//! and `gantry-rollback shift --target rollback.yaml --weight N` for a
//! canary's traffic steps): what "the last good state" is for one service,
//! restored in this order:
//!
//! 1. `traffic`: the canary's weight to 0, so users stop reaching it;
//! 2. `scale-down`: canary workloads to 0 replicas;
//! 3. `undo`: Deployments back to their previous (or a given) revision,
//!    then waited for;
//! 4. `gitops`: the deploy commit reverted, so a GitOps controller does
//!    not re-apply the bad version;
//! 5. `cloud-run`: 100% of a Cloud Run service's traffic to its previous
//!    ready revision.
//!
//! Every section is optional; each step is idempotent, so running the
//! rollback twice changes nothing the second time.

use schemars::JsonSchema;
use serde::Deserialize;

/// One service's way back.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[schemars(title = "gantry-rollback target spec")]
pub struct RollbackSpec {
    /// The cluster (default: `$KUBECONFIG` or `~/.kube/config`, its
    /// current context and namespace).
    #[serde(default)]
    pub kubernetes: KubernetesSpec,
    /// Where the canary's traffic weight lives.
    pub traffic: Option<TrafficTarget>,
    /// Workloads scaled to 0 replicas after the traffic moved, e.g.
    /// `deployment/web-canary`.
    #[serde(default)]
    pub scale_down: Vec<String>,
    /// Deployments rolled back (`kubectl rollout undo`) and waited for.
    #[serde(default)]
    pub undo: Vec<UndoSpec>,
    /// How long to wait for each rollout (default `5m`).
    pub timeout: Option<String>,
    /// The GitOps repository whose deploy commit is reverted.
    pub gitops: Option<GitopsSpec>,
    /// A Cloud Run service whose traffic goes back to a previous revision.
    pub cloud_run: Option<CloudRunSpec>,
}

/// The cluster.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct KubernetesSpec {
    /// A kubeconfig file.
    pub kubeconfig: Option<String>,
    /// Its context.
    pub context: Option<String>,
    /// The namespace of every object below (default: the context's).
    pub namespace: Option<String>,
}

/// Where the canary's weight lives; exactly one of these.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct TrafficTarget {
    /// A Gateway API `HTTPRoute` with both Services as backendRefs.
    pub http_route: Option<HttpRouteTarget>,
    /// An NGINX ingress canary (`nginx.ingress.kubernetes.io/canary-weight`).
    pub nginx: Option<NginxTarget>,
    /// An Istio `VirtualService` with both destinations.
    pub istio: Option<IstioTarget>,
    /// Two Deployments behind one Service: the weight is the replica ratio.
    pub replicas: Option<ReplicasTarget>,
}

/// A Gateway API `HTTPRoute`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct HttpRouteTarget {
    /// The route's name.
    pub name: String,
    /// The stable Service (a backendRef name).
    pub stable: String,
    /// The canary Service.
    pub canary: String,
}

/// An NGINX canary Ingress.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct NginxTarget {
    /// The canary Ingress (the one with `nginx.ingress.kubernetes.io/canary: "true"`).
    pub ingress: String,
}

/// An Istio `VirtualService`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct IstioTarget {
    /// The VirtualService's name.
    pub virtual_service: String,
    /// The stable destination.
    pub stable: IstioDestinationSpec,
    /// The canary destination.
    pub canary: IstioDestinationSpec,
}

/// An Istio destination.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct IstioDestinationSpec {
    /// The destination host.
    pub host: String,
    /// Its subset, if the route uses subsets.
    pub subset: Option<String>,
}

/// Two Deployments behind one Service.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ReplicasTarget {
    /// The stable Deployment.
    pub stable: String,
    /// The canary Deployment.
    pub canary: String,
    /// Replicas of the two together (default: what they have now).
    #[schemars(range(min = 1))]
    pub total: Option<i32>,
}

/// A Deployment to roll back.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct UndoSpec {
    /// `deployment/NAME` (or just `NAME`).
    pub workload: String,
    /// A revision number (default: the previous revision).
    pub to_revision: Option<i64>,
    /// Or the newest revision that ran this image: a tag, digest, commit
    /// SHA or full reference.
    pub to_image: Option<String>,
}

/// The GitOps repository.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct GitopsSpec {
    /// The repository URL (the token comes from `GANTRY_TOKEN`).
    pub repo: String,
    /// Its branch (default: `main`, as gantry-gitops's).
    pub branch: Option<String>,
    /// Paths inside it (default: the whole repository).
    #[serde(default)]
    pub paths: Vec<String>,
    /// An environment of `.gantry/environments.yaml` instead of branch and paths.
    pub environment: Option<String>,
    /// The image whose deploy is reverted, e.g. `ghcr.io/acme/web`.
    pub image: String,
    /// The reference to put back (default: the one before the last gantry deploy).
    pub to: Option<String>,
}

/// A Cloud Run service.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct CloudRunSpec {
    /// `projects/P/locations/L/services/S`.
    pub service: String,
    /// The revision to send all traffic to (default: the previous ready one).
    pub to_revision: Option<String>,
}
