//! One integration-test binary (one link step) with a module per area.

// Test helpers fail the test by panicking, like `assert!` does.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod act;
mod canary;
mod canary_act;
mod canary_child_env;
mod canary_deployment;
mod canary_deployment_environment;
mod canary_doc_queries;
mod canary_judge;
mod canary_kube;
mod canary_rig;
mod canary_spec;
mod canary_steps;
mod cli;
mod corpus;
mod corpus_canary;
mod corpus_gitops;
mod corpus_patch;
mod corpus_rollback;
mod corpus_tag;
mod examples_argocd;
mod examples_cloud_run_gke;
mod examples_flux_canary;
mod examples_kubernetes;
mod examples_serverless;
mod gitops;
mod gitops_act;
mod gitops_github;
mod installer;
mod installer_act;
mod installer_once;
mod kube_conformance;
mod kube_proxy;
mod patch;
mod patch_act;
mod patch_action_script;
mod patch_pr_comment;
mod release_package;
mod rig;
mod rollback;
mod rollback_act;
mod rollback_e2e;
mod tag_action_script;
mod tag_compute;
mod tag_github;
mod tag_outputs;
mod tag_push;
mod tag_secrets;
mod workflow_docs;
