//! Kubernetes operations for gantry-rollback and gantry-canary, with
//! kubectl's semantics wherever kubectl has an answer, so what gantry does
//! and prints is what users already know:
//!
//! - [`connect`]: a client from `--kubeconfig`, `$KUBECONFIG`,
//!   `~/.kube/config` or the pod's service account, with `--context`.
//! - [`evaluate`] / [`wait_for_rollout`]: `kubectl rollout status` for
//!   Deployments, StatefulSets and DaemonSets, and when a rollout is not
//!   done, which of the new revision's pods are unhealthy and why
//!   ([`unhealthy_pods`]).
//! - [`set_image`]: `kubectl set image`, with `kubernetes.io/change-cause`.
//! - [`undo`] / [`choose_revision`]: `kubectl rollout undo` for
//!   Deployments, to the previous revision, a revision number, or the
//!   revision that ran an image.
//! - [`RolloutCheck`]: the canary's rollout and pods as a gantry-canary
//!   check.
//! - [`traffic`]: [`gantry_traffic::TrafficShifter`]s for Gateway API
//!   `HTTPRoute`, NGINX canary Ingress, Istio `VirtualService` and replica
//!   ratios.
//!
//! Pure logic (status, revision choice, weights, pod reasons) has no I/O.
//! Every request has a timeout ([`REQUEST_TIMEOUT`]) and is retried on
//! 429, 5xx and failed connections ([`MAX_ATTEMPTS`] tries, back-off from
//! 200 ms); every write is a read-modify-PUT guarded by the
//! `resourceVersion` read, redone on 409 ([`MAX_CONFLICT_ATTEMPTS`]
//! tries). Bad input is found before anything is written.
//! [`KubeError::is_input_error`] tells bad input (exit 2) from the cluster
//! failing (exit 3).

mod api;
mod check;
mod client;
mod error;
mod pods;
mod rollout;
mod scale;
mod set_image;
pub mod traffic;
mod undo;
mod wait;
mod workload;

pub use api::{MAX_ATTEMPTS, MAX_CONFLICT_ATTEMPTS, REQUEST_TIMEOUT};
pub use check::RolloutCheck;
pub use client::connect;
pub use error::KubeError;
pub use pods::{PodProblem, selector_query, unhealthy_pods};
pub use rollout::{PROGRESS_DEADLINE_EXCEEDED, RolloutProgress, Workload, evaluate};
pub use scale::{ScaleOutcome, scale};
pub use set_image::{CHANGE_CAUSE, ImageChange, SetImageOutcome, apply_images, set_image};
pub use undo::{
    ANNOTATIONS_TO_SKIP, Choice, POD_TEMPLATE_HASH, REVISION_ANNOTATION, UNDONE_REVISION,
    UndoError, UndoOutcome, UndoTarget, choose_revision, image_matches, rollback_annotations,
    templates_equal, undo,
};
pub use wait::{RolloutOutcome, RolloutReport, read_workload, rollout_pods, wait_for_rollout};
pub use workload::{WorkloadKind, WorkloadRef};

/// The client type, re-exported so callers need not depend on kube.
pub use kube::Client;
