//! Helm values files, and the values inside Flux `HelmRelease`s and Argo CD
//! `Application`s, in the layouts charts use:
//!
//! - `image: repo:tag` (also `*Image: repo:tag`, as in `sidecarImage`);
//! - `image: {repository, tag, digest}`, and Bitnami's
//!   `{registry, repository, tag, digest}`, at any depth (per component,
//!   `global`): a mapping with a `repository` is an image when it also has
//!   `tag`, `registry` or `digest`, or when its key names an image;
//! - `image: {name, tag}` under a key that names an image;
//! - `image: {reference}` (Kubernetes image volumes).

use gantry_image::ImageRef;

use super::{Format, Found};
use crate::site::{Field, Shape, Site};
use crate::walk::{Doc, entries, get, index_path, items, key_path, string_scalar};

pub(crate) struct Values;

impl Format for Values {
    fn claims(&self, _doc: &Doc<'_>) -> bool {
        true
    }

    fn find(&self, doc: &Doc<'_>, found: &mut Found) {
        walk_values(doc, doc.root, "", "", "helm-values", found);
    }
}

/// Depth limit of the walk: the parser already refuses nesting deeper than
/// this, so it is only a guard.
const MAX_DEPTH: usize = 256;

/// Find images in `node` (at `path`, under mapping key `key`).
pub(crate) fn walk_values(
    doc: &Doc<'_>,
    node: &gantry_yaml::Node,
    path: &str,
    key: &str,
    format: &'static str,
    found: &mut Found,
) {
    walk(doc, node, path, key, format, found, 0);
}

fn walk(
    doc: &Doc<'_>,
    node: &gantry_yaml::Node,
    path: &str,
    key: &str,
    format: &'static str,
    found: &mut Found,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    if let Some(site) = split_site(doc, node, path, key, format) {
        found.sites.push(site);
    }
    for (k, v) in entries(node) {
        let Some(k) = string_scalar(k) else {
            continue;
        };
        // Most values are scalars under other keys: nothing to find there,
        // and building their paths is most of the walk's cost.
        if !names_image(k) && !is_collection(v) {
            continue;
        }
        let child = key_path(path, k);
        if names_image(k) {
            if let Some(site) = whole_site(doc, v, &child, format) {
                found.sites.push(site);
                continue;
            }
            // `image: |` holding a reference: never edited, so an update
            // of that image is refused rather than silently skipped.
            if let Some(text) = block_text(v)
                && ImageRef::parse(text.trim()).is_ok()
            {
                let (line, column) = gantry_yaml::line_col(doc.src, v.span.start);
                found.opaque.push(super::Opaque {
                    doc: doc.index,
                    path: child.clone(),
                    text: text.to_owned(),
                    line,
                    column,
                });
            }
        }
        walk(doc, v, &child, k, format, found, depth + 1);
    }
    for (i, item) in items(node).iter().enumerate() {
        walk(
            doc,
            item,
            &index_path(path, i),
            key,
            format,
            found,
            depth + 1,
        );
    }
}

fn is_collection(node: &gantry_yaml::Node) -> bool {
    matches!(
        node.kind,
        gantry_yaml::NodeKind::Mapping { .. } | gantry_yaml::NodeKind::Sequence { .. }
    )
}

/// The raw text of a block scalar (`|`, `>`), header line excluded.
fn block_text(node: &gantry_yaml::Node) -> Option<&str> {
    match &node.kind {
        gantry_yaml::NodeKind::Scalar {
            style: gantry_yaml::ScalarStyle::Literal | gantry_yaml::ScalarStyle::Folded,
            value,
            ..
        } => Some(value.split_once('\n').map_or("", |(_, body)| body)),
        _ => None,
    }
}

/// `image`, `sidecarImage`, `initImage`: a key whose scalar value is a whole
/// reference.
fn names_image(key: &str) -> bool {
    key == "image" || (key.ends_with("Image") && key.len() > "Image".len())
}

/// Whether a mapping key says its mapping describes an image (`image`,
/// `proxyImage`, `images`, `image_config`).
fn key_is_imageish(key: &str) -> bool {
    key.to_ascii_lowercase().contains("image")
}

/// The scalar `node` as a whole-reference site.
pub(crate) fn whole_site(
    doc: &Doc<'_>,
    node: &gantry_yaml::Node,
    path: &str,
    format: &'static str,
) -> Option<Site> {
    let field = doc.field(node, path)?;
    let current = ImageRef::parse(&field.value).ok()?;
    Some(Site {
        doc: doc.index,
        format,
        current,
        shape: Shape::Whole {
            field,
            prefix: String::new(),
        },
    })
}

/// A mapping whose fields hold the parts of a reference.
fn split_site(
    doc: &Doc<'_>,
    node: &gantry_yaml::Node,
    path: &str,
    key: &str,
    format: &'static str,
) -> Option<Site> {
    let field = |k: &str| get(node, k).and_then(|v| doc.field(v, &key_path(path, k)));
    let slot = |k: &str| get(node, k).and_then(|v| doc.slot(v, &key_path(path, k)));
    let has = |k: &str| get(node, k).is_some();
    // A `tag` or `digest` that is a mapping or a block string is some other
    // structure, not an image's part.
    if ["tag", "digest", "registry"]
        .iter()
        .any(|k| has(k) && slot(k).is_none())
    {
        return None;
    }
    if let Some(repository) = field("repository")
        && (has("tag") || has("registry") || has("digest") || key_is_imageish(key))
    {
        return parts_site(
            doc,
            path,
            format,
            slot("registry"),
            repository,
            slot("tag"),
            slot("digest"),
        );
    }
    if key_is_imageish(key) {
        if let (Some(name), true) = (field("name"), has("tag")) {
            return parts_site(doc, path, format, None, name, slot("tag"), slot("digest"));
        }
        if let Some(reference) = get(node, "reference") {
            return whole_site(doc, reference, &key_path(path, "reference"), format);
        }
    }
    None
}

/// A parts site from its fields, when they spell a reference.
pub(crate) fn parts_site(
    doc: &Doc<'_>,
    mapping: &str,
    format: &'static str,
    registry: Option<Field>,
    repository: Field,
    tag: Option<Field>,
    digest: Option<Field>,
) -> Option<Site> {
    let mut text = match registry.as_ref().filter(|r| !r.value.is_empty()) {
        Some(r) => format!("{}/{}", r.value.trim_end_matches('/'), repository.value),
        None => repository.value.clone(),
    };
    // Empty parts are unset (`tag: ""` means the chart's appVersion).
    if let Some(t) = tag.as_ref().filter(|t| !t.value.is_empty()) {
        text = format!("{text}:{}", t.value);
    }
    if let Some(d) = digest.as_ref().filter(|d| !d.value.is_empty()) {
        text = format!("{text}@{}", d.value);
    }
    let current = ImageRef::parse(&text).ok()?;
    Some(Site {
        doc: doc.index,
        format,
        current,
        shape: Shape::Parts {
            mapping: Some(mapping.to_owned()),
            registry,
            repository,
            tag,
            digest,
        },
    })
}
