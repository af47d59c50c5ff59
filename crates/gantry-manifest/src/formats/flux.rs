//! Flux `HelmRelease`: the chart's values under `spec.values`.

use super::{Format, Found, walk_values};
use crate::walk::{Doc, get};

pub(crate) struct HelmRelease;

impl Format for HelmRelease {
    fn claims(&self, doc: &Doc<'_>) -> bool {
        doc.kind() == Some("HelmRelease")
            && doc
                .api_version()
                .is_some_and(|a| a.starts_with("helm.toolkit.fluxcd.io/"))
    }

    fn find(&self, doc: &Doc<'_>, found: &mut Found) {
        if let Some(values) = get(doc.root, "spec").and_then(|s| get(s, "values")) {
            walk_values(
                doc,
                values,
                "spec.values",
                "values",
                "flux-helmrelease",
                found,
            );
        }
    }
}
