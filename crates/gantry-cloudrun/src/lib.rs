//! Cloud Run traffic through the Admin API v2
//! (`https://run.googleapis.com/v2/…`): what `gantry-rollback` and
//! `gantry-canary` need of a Cloud Run service.
//!
//! - [`CloudRun`]: one service ([`ServiceName`], from the full resource
//!   name `projects/P/locations/L/services/S` or from its parts). Lists
//!   its revisions ([`CloudRun::revisions`], every page, newest first),
//!   reads its split ([`CloudRun::traffic`]), sets one
//!   ([`CloudRun::set_traffic`]), and rolls back
//!   ([`CloudRun::rollback_to_previous`], [`CloudRun::rollback_to`]).
//!   A change is a PATCH of `traffic` (`updateMask=traffic`) carrying the
//!   etag just read, so a concurrent writer makes it fail with 409
//!   `ABORTED` instead of being overwritten; gantry then reads again and
//!   decides again. The PATCH answers a long-running operation, polled
//!   until done. Splits are checked (percents add up to 100, revisions
//!   exist and are Ready) before anything is written, and nothing is
//!   written when the split is already the one asked for.
//! - [`CloudRunShifter`]: a [`gantry_traffic::TrafficShifter`] that
//!   splits between a canary and a stable revision, for canary steps.
//! - [`Credentials`]: a token given explicitly,
//!   `GOOGLE_OAUTH_ACCESS_TOKEN`, an `authorized_user` ADC file (the
//!   refresh-token grant), or the metadata server; tokens never appear
//!   in errors, `Debug` output or logs.
//! - The decisions are pure and tested on their own: [`previous_ready`],
//!   [`canary_split`], [`validate_split`], [`check_revisions`],
//!   [`same_split`], [`with_tags`], [`serving`].
//!
//! Every request has a deadline, its answer included ([`Config::timeout`],
//! default [`DEFAULT_TIMEOUT`]) and reads at most [`MAX_BODY`] bytes.
//! Requests are retried on 429 `RESOURCE_EXHAUSTED`, 502, 503
//! `UNAVAILABLE`, 504 and no answer (bounded, jittered backoff,
//! `Retry-After` up to 10 s honoured; a request that ran into its
//! deadline is tried twice at most); 400, 401, 403 and 404 are answers. Errors are
//! [`Error`], with [`Error::is_input_error`] for the exit code.
//!
//! ```no_run
//! # async fn run() -> Result<(), gantry_cloudrun::Error> {
//! use gantry_cloudrun::{CloudRun, Config, Credentials, ServiceName};
//! let name = ServiceName::resolve("web", Some("acme-prod"), Some("europe-west1"))?;
//! let client = CloudRun::new(name, Credentials::from_environment(None)?, Config::default())?;
//! let outcome = client.rollback_to_previous().await?;
//! tracing::info!("{}", outcome.detail());
//! # Ok(()) }
//! ```

mod auth;
mod client;
mod error;
mod model;
mod name;
mod plan;
mod retry;
mod shifter;
mod traffic;

pub use auth::{
    ACCESS_TOKEN_ENV, CREDENTIALS_ENV, Credentials, DEFAULT_METADATA_HOST, DEFAULT_TOKEN_URI,
    METADATA_HOST_ENV, METADATA_TOKEN_PATH,
};
pub use client::{CloudRun, Config, DEFAULT_BASE_URL, DEFAULT_TIMEOUT, MAX_BODY};
pub use error::Error;
pub use model::{
    Condition, Container, Operation, Revision, RpcStatus, Service, TYPE_LATEST, TYPE_REVISION,
    TrafficStatus, TrafficTarget,
};
pub use name::ServiceName;
pub use plan::{
    canary_split, check_revisions, describe, previous_ready, same_split, serving,
    sort_newest_first, validate_split, with_tags,
};
pub use retry::RetryPolicy;
pub use shifter::CloudRunShifter;
pub use traffic::{RollbackOutcome, TrafficChange};
