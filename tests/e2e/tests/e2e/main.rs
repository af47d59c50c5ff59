//! One integration-test binary (one link step) with a module per area.

// Test helpers fail the test by panicking, like `assert!` does.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod act;
mod canary;
mod canary_act;
mod canary_child_env;
mod canary_deployment;
mod canary_doc_queries;
mod canary_judge;
mod canary_kube;
mod canary_rig;
mod canary_spec;
mod canary_steps;
mod cli;
mod corpus;
mod corpus_canary;
mod gitops;
mod gitops_act;
mod gitops_github;
mod installer;
mod installer_act;
mod installer_once;
mod kube_conformance;
mod patch;
mod patch_act;
mod release_package;
mod rig;
mod rollback;
mod rollback_act;
mod rollback_e2e;
mod tag_compute;
mod tag_push;
