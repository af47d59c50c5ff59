//! Test rig shared by gantry's integration and end-to-end tests.
//!
//! Every service here is the real program (CNCF distribution registry,
//! Prometheus, `git daemon`, `act`), started on a free port on 127.0.0.1 and
//! stopped when its handle is dropped. The programs themselves are installed
//! by `tests/rig/install.sh`, which `make test` runs first. Where nothing real
//! can run here, the fakes are ours and keep real state: the GitHub API
//! (`github`, backed by a real bare repository), a fault-injecting proxy,
//! a token server, the Cloud Run Admin API with its OAuth token endpoint and
//! metadata server (`cloud_run`), the Kubernetes API server with its
//! controllers (`kube`, for kube-rs and `kubectl`); and the canary app
//! (`canary_app`) that Prometheus scrapes, with its load generator (`load`);
//! and an HTTP `CONNECT` proxy (`connect_proxy`) for clients behind one.

pub mod act;
pub mod act_workflows;
pub mod canary_app;
pub mod cli;
pub mod cloud_run;
pub mod connect_proxy;
pub mod corpus;
pub mod fault_server;
pub mod git_daemon;
pub mod github;
pub mod hostile;
pub mod http_files;
mod http_server;
pub mod kube;
pub mod load;
pub mod oci_image;
pub mod ports;
pub mod prometheus;
pub mod registry;
pub mod token_server;
pub mod tools;
