//! Kubernetes operations for gantry-rollback and gantry-canary, with
//! kubectl's semantics wherever kubectl has an answer, so what gantry does
//! and prints is what users already know:
//!
//! - [`connect`] / [`connect_with`]: a client from `--kubeconfig`, `$KUBECONFIG`,
//!   `~/.kube/config` or the pod's service account, with `--context`; behind
//!   an HTTP proxy as kubectl (`proxy-url`, `HTTPS_PROXY`, `NO_PROXY`).
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
//! Every request has a deadline, its answer included
//! ([`ConnectOptions::request_timeout`], default
//! [`DEFAULT_REQUEST_TIMEOUT`]), reads at most [`MAX_BODY`] bytes, and is
//! retried on 429, 5xx and failed connections ([`MAX_ATTEMPTS`] tries,
//! back-off from 200 ms; a request that ran into its deadline is tried
//! [`MAX_TIMEOUT_ATTEMPTS`] times); errors name the API server. Every
//! credential the client reads is recorded for masking
//! ([`ConnectOptions::secrets`]). Every write is a read-modify-PUT guarded by the
//! `resourceVersion` read, redone on 409 ([`MAX_CONFLICT_ATTEMPTS`]
//! tries). Bad input is found before anything is written.
//! [`KubeError::is_input_error`] tells bad input (exit 2) from the cluster
//! failing (exit 3).

mod api;
mod check;
mod client;
mod error;
mod image;
mod pods;
mod proxy;
mod rollout;
mod scale;
mod secrets;
mod set_image;
pub mod traffic;
mod transport;
mod undo;
mod wait;
mod workload;

pub use api::{MAX_ATTEMPTS, MAX_CONFLICT_ATTEMPTS, MAX_TIMEOUT_ATTEMPTS, PAGE_SIZE};
pub use check::RolloutCheck;
pub use client::{ConnectOptions, DEFAULT_REQUEST_TIMEOUT, connect, connect_with};
pub use error::KubeError;
pub use image::{check_image, check_image_target, parse_image_change};
pub use pods::{PodProblem, selector_query, unhealthy_pods};
pub use rollout::{PROGRESS_DEADLINE_EXCEEDED, RolloutProgress, Workload, evaluate};
pub use scale::{ScaleOutcome, scale};
pub use secrets::{Credential, SecretSink};
pub use set_image::{CHANGE_CAUSE, ImageChange, SetImageOutcome, apply_images, set_image};
pub use transport::MAX_BODY;
pub use undo::{
    ANNOTATIONS_TO_SKIP, Choice, POD_TEMPLATE_HASH, REVISION_ANNOTATION, UNDONE_REVISION,
    UndoError, UndoOutcome, UndoTarget, choose_revision, image_matches, rollback_annotations,
    templates_equal, undo,
};
pub use wait::{RolloutOutcome, RolloutReport, read_workload, rollout_pods, wait_for_rollout};
pub use workload::{WorkloadKind, WorkloadRef};

/// The client type, re-exported so callers need not depend on kube.
pub use kube::Client;
