//! The manifest formats gantry knows. Each is one file behind [`Format`]:
//! it says whether it reads a document and where that document keeps its
//! images. Adding a format is adding a file and a line to [`FORMATS`].

mod argocd;
mod flux;
mod helm_values;
mod kubernetes;
mod kustomize;
pub(crate) mod markers;
pub(crate) mod targets;

use crate::site::Site;
use crate::walk::Doc;

pub(crate) use helm_values::walk_values;
pub(crate) use kustomize::is_kustomization;

/// A block string that may hold images we cannot edit (Argo CD's
/// `helm.values: |`): an update whose image it mentions is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opaque {
    /// 0-based document index.
    pub doc: usize,
    /// Path of the block string.
    pub path: String,
    /// Its text.
    pub text: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// What a format found in a document.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub(crate) sites: Vec<Site>,
    pub(crate) opaque: Vec<Opaque>,
}

/// One manifest format.
pub(crate) trait Format: Sync {
    /// Whether this format reads `doc` (the first format that does, wins).
    fn claims(&self, doc: &Doc<'_>) -> bool;
    /// Add the document's image sites to `found`.
    fn find(&self, doc: &Doc<'_>, found: &mut Found);
}

/// Every format, most specific first. Documents no format claims are
/// read as Helm values (the last entry claims everything).
pub(crate) const FORMATS: &[&dyn Format] = &[
    &kustomize::Kustomize,
    &flux::HelmRelease,
    &argocd::Application,
    &kubernetes::Objects,
    &helm_values::Values,
];
