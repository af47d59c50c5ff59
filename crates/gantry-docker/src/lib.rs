//! The Docker Engine path of `gantry-tag`: tag a locally built image with
//! the computed tags and push them through the daemon, streaming progress
//! and reporting each pushed digest.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use gantry_docker::{Anonymous, connect, format_progress, tag_and_push};
//! use gantry_image::ImageRef;
//!
//! let engine = connect(None).await?; // DOCKER_HOST, else /var/run/docker.sock
//! let targets = [ImageRef::parse("127.0.0.1:5000/acme/api:1.0")?];
//! let pushed = tag_and_push(&engine, "acme/api:dev", &targets, &Anonymous, &mut |p| {
//!     tracing::info!("{}", format_progress(&p));
//! })
//! .await?;
//! assert!(pushed[0].digest.starts_with("sha256:"));
//! # Ok(()) }
//! ```
//!
//! | module | job |
//! |---|---|
//! | `connect` | [`connect`], [`Engine`]: which daemon, API version negotiation |
//! | `push` | [`tag_and_push`]: inspect, tag, push, progress, digest |
//! | `progress` | [`PushProgress`] and [`format_progress`] |
//! | `auth` | [`RegistryAuth`]: credentials per registry host |
//! | `error` | [`DockerError`]: input vs outside-service failures |

mod auth;
mod connect;
mod error;
mod progress;
mod push;

pub use auth::{Anonymous, RegistryAuth};
pub use connect::{
    DEFAULT_DOCKER_HOST, DEFAULT_TIMEOUT, Endpoint, Engine, connect, connect_with_timeout,
    parse_host, resolve_host,
};
pub use error::DockerError;
pub use progress::{PushProgress, format_progress, human_bytes};
pub use push::{Pushed, tag_and_push};
