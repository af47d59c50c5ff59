//! Where images live in the manifests teams deploy from, and the edits that
//! update them without touching any other byte.
//!
//! [`plan_file`] reads one file with `gantry_yaml`'s scanner, finds every
//! image site (see [`Site`]) the formats know, applies each [`Update`]
//! (`--set NAME=NEWREF`) to the sites whose repository is NAME, and returns
//! the new text, verified by re-parsing. [`find_sites`] alone is what
//! `gantry-patch list` and `audit` read. There is no I/O here: reading and
//! writing files is `gantry-files`'s job.
//!
//! Formats (one file each under `formats/`): Kubernetes objects (every pod
//! spec, image volumes, `image` fields of custom resources),
//! kustomizations (`images:`), Helm values files (common layouts), Flux
//! `HelmRelease` `spec.values`, Argo CD `Application` sources (Helm
//! parameters, `valuesObject`, `kustomize.images`), and marker comments
//! (Flux's `$imagepolicy` and gantry's own).
//!
//! Matching follows `gantry_image`: `nginx`, `library/nginx` and
//! `docker.io/library/nginx` are one image; `app` never matches
//! `app-worker`. The new reference is written in the file's own spelling
//! of the repository when it is the same repository.

mod audit;
mod error;
mod formats;
mod plan;
mod site;
mod update;
mod walk;

pub use audit::{Finding, audit};
pub use error::{PlanError, UpdateError};
pub use formats::Opaque;
pub use plan::{Change, FileOptions, FilePlan, find_sites, plan_file};
pub use site::{Field, Part, Shape, Site};
pub use update::Update;

/// A cheap test that a file can contain a site for one of `updates`, to
/// skip parsing the files of a large tree that cannot: every spelling of
/// a repository contains the last component of its path, and so does any
/// marker or kustomization entry naming it. Files with a backslash (a
/// double-quoted escape could spell the name another way) and runs with
/// explicit targets (a target may hold a lone tag) always pass.
pub fn may_contain(src: &str, updates: &[Update], options: &FileOptions) -> bool {
    if !options.targets.is_empty() || options.add_to_kustomization || src.contains('\\') {
        return true;
    }
    updates.iter().any(|u| {
        let path = u.name.path();
        let last = path.rsplit('/').next().unwrap_or(path);
        src.contains(last)
    })
}

/// [`find_sites`] on source text: parse, then find.
pub fn scan(src: &str, file_name: &str, options: &FileOptions) -> Result<Vec<Site>, PlanError> {
    let stream = gantry_yaml::parse(src)?;
    Ok(find_sites(src, &stream, file_name, options).0)
}

/// Check a `--target` path's syntax before any file is read.
pub fn check_path(path: &str) -> Result<(), gantry_yaml::Error> {
    gantry_yaml::parse_path(path).map(|_| ())
}
