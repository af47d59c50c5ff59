//! `kustomization.yaml` `images:` entries, and Flux `Kustomization`'s
//! `spec.images`, which have the same shape.

use gantry_image::ImageRef;

use super::{Format, Found};
use crate::site::{Shape, Site};
use crate::walk::{Doc, get, index_path, items, key_path, string_scalar};

pub(crate) struct Kustomize;

/// Whether `doc` is a kustomize `Kustomization` (by kind, or by file name
/// for kustomizations that omit `kind`). Returns the path of its images
/// list: `images` or, for Flux, `spec.images`.
pub(crate) fn is_kustomization(doc: &Doc<'_>) -> Option<&'static str> {
    let api = doc.api_version().unwrap_or("");
    match doc.kind() {
        Some("Kustomization") if api.starts_with("kustomize.config.k8s.io/") => Some("images"),
        Some("Kustomization") if api.starts_with("kustomize.toolkit.fluxcd.io/") => {
            Some("spec.images")
        }
        None if matches!(
            doc.file_name,
            "kustomization.yaml" | "kustomization.yml" | "Kustomization"
        ) =>
        {
            Some("images")
        }
        _ => None,
    }
}

impl Format for Kustomize {
    fn claims(&self, doc: &Doc<'_>) -> bool {
        is_kustomization(doc).is_some()
    }

    fn find(&self, doc: &Doc<'_>, found: &mut Found) {
        let Some(list_path) = is_kustomization(doc) else {
            return;
        };
        let list = list_path
            .split('.')
            .try_fold(doc.root, |node, key| get(node, key));
        let Some(list) = list else {
            return;
        };
        for (i, entry) in items(list).iter().enumerate() {
            let entry_path = index_path(list_path, i);
            let field =
                |key: &str| get(entry, key).and_then(|v| doc.field(v, &key_path(&entry_path, key)));
            let Some(name) = field("name") else {
                continue;
            };
            let new_name = field("newName");
            let new_tag = field("newTag");
            let digest = field("digest");
            let new_name_set = new_name.as_ref().filter(|n| !n.value.is_empty());
            let mut current = new_name_set.unwrap_or(&name).value.clone();
            if let Some(tag) = new_tag.as_ref().filter(|t| !t.value.is_empty()) {
                current = format!("{current}:{}", tag.value);
            }
            if let Some(d) = digest.as_ref().filter(|d| !d.value.is_empty()) {
                current = format!("{current}@{}", d.value);
            }
            let Ok(current) = ImageRef::parse(&current) else {
                continue;
            };
            // `name` may carry a tag (`nginx:1.0` selects only that tag);
            // it must still be a reference.
            if get(entry, "name").and_then(string_scalar).is_none() {
                continue;
            }
            found.sites.push(Site {
                doc: doc.index,
                format: "kustomize",
                current,
                shape: Shape::Kustomize {
                    entry: entry_path,
                    name,
                    new_name,
                    new_tag,
                    digest,
                },
            });
        }
    }
}
