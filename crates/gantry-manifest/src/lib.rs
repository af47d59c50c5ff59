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
/// a repository contains the last component of its path as a whole word
/// (`api` in `ghcr.io/acme/api:1`, in `repository: api` under a split
/// `registry: ghcr.io/acme`, in a marker `# gantry: tag=ghcr.io/acme/api`),
/// and never as part of a longer name (`apiVersion`, `api-worker`,
/// `myapi`, `api/sub`). Files with a backslash (a double-quoted escape could
/// spell the name another way) and runs with explicit targets (a target may
/// hold a lone tag) always pass.
pub fn may_contain(src: &str, updates: &[Update], options: &FileOptions) -> bool {
    if !options.targets.is_empty() || options.add_to_kustomization || src.contains('\\') {
        return true;
    }
    updates.iter().any(|u| {
        let path = u.name.path();
        let last = path.rsplit('/').next().unwrap_or(path);
        contains_word(src, last)
    })
}

/// Whether `word` occurs in `text` with no name character right before it
/// and no name character or `/` right after it.
fn contains_word(text: &str, word: &str) -> bool {
    let name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    text.match_indices(word).any(|(at, _)| {
        let before = text.get(..at).and_then(|s| s.chars().next_back());
        let after = text.get(at + word.len()..).and_then(|s| s.chars().next());
        !before.is_some_and(name_char) && !after.is_some_and(|c| name_char(c) || c == '/')
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prefilter_looks_for_the_name_as_a_word() {
        let table = [
            ("image: ghcr.io/acme/api:1.0", true),
            ("image: ghcr.io/acme/api", true),
            ("repository: api\n", true),
            ("x: 1 # gantry: tag=ghcr.io/acme/api\n", true),
            ("image: \"ghcr.io/acme/api@sha256:ab\"", true),
            ("apiVersion: v1\nkind: Pod\n", false),
            ("image: ghcr.io/acme/api-worker:1", false),
            ("image: ghcr.io/acme/myapi:1", false),
            ("image: ghcr.io/acme/api/sub:1", false),
            ("name: my.api.service", false),
        ];
        let updates = Update::parse_all(&["ghcr.io/acme/api:2"]).unwrap_or_default();
        for (text, want) in table {
            assert_eq!(
                may_contain(text, &updates, &FileOptions::default()),
                want,
                "{text}"
            );
        }
    }
}
