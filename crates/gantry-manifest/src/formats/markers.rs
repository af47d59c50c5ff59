//! Setter comments that mark a value as an image, in any file:
//!
//! - Flux's image automation markers, read for compatibility:
//!   `# {"$imagepolicy": "flux-system:podinfo"}` marks a whole reference;
//!   `…:podinfo:name`, `…:podinfo:tag` and `…:podinfo:digest` mark the
//!   parts, and the parts of one policy in one mapping make one image.
//! - gantry's own: `# gantry: image=ghcr.io/acme/api` (a whole reference),
//!   `# gantry: tag=ghcr.io/acme/api`, `# gantry: digest=ghcr.io/acme/api`
//!   and `# gantry: repository=ghcr.io/acme/api` (one part of that image).
//!   The image is named in the marker, so a lone tag anywhere (an
//!   environment variable, a chart's `appVersion`) can follow it.

use std::collections::BTreeMap;

use gantry_image::ImageRef;

use super::Found;
use super::helm_values::{parts_site, whole_site};
use crate::site::{Field, Part, Shape, Site};
use crate::walk::{Doc, entries, index_path, items, key_path, string_scalar};

/// What one marker comment says.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Marker {
    /// Flux: the policy and the part (`None`: the whole reference).
    Flux(String, Option<Part>),
    /// gantry: the image and the part (`None`: the whole reference).
    Gantry(ImageRef, Option<Part>),
}

/// Read a comment's text (without `#`) as a marker.
fn marker(comment: &str) -> Option<Marker> {
    if let Some(rest) = comment.strip_prefix("gantry:") {
        let (part, image) = rest.trim().split_once('=')?;
        let part = match part.trim() {
            "image" => None,
            "tag" => Some(Part::Tag),
            "digest" => Some(Part::Digest),
            "repository" | "name" => Some(Part::Name),
            _ => return None,
        };
        let image = ImageRef::parse(image.trim()).ok()?;
        return Some(Marker::Gantry(image, part));
    }
    let inner = comment.strip_prefix('{')?.strip_suffix('}')?.trim();
    let (key, value) = inner.split_once(':')?;
    if key.trim() != "\"$imagepolicy\"" {
        return None;
    }
    let policy = value.trim().strip_prefix('"')?.strip_suffix('"')?;
    let (part, policy) = match policy.rsplit_once(':') {
        Some((rest, "tag")) => (Some(Part::Tag), rest),
        Some((rest, "name")) => (Some(Part::Name), rest),
        Some((rest, "digest")) => (Some(Part::Digest), rest),
        _ => (None, policy),
    };
    Some(Marker::Flux(policy.to_owned(), part))
}

/// Every marked site of `doc`.
pub(crate) fn find(doc: &Doc<'_>, found: &mut Found) {
    // Most files have no marker at all: look at the comments first.
    let any = doc.stream.comments.iter().any(|c| {
        doc.src
            .get(c.clone())
            .is_some_and(|t| t.contains("$imagepolicy") || t.contains("gantry:"))
    });
    if any {
        walk(doc, doc.root, "", found, 0);
    }
}

fn walk(doc: &Doc<'_>, node: &gantry_yaml::Node, path: &str, found: &mut Found, depth: usize) {
    if depth > 256 {
        return;
    }
    // Flux parts of one policy, gathered per mapping.
    let mut flux_parts: BTreeMap<String, [Option<Field>; 3]> = BTreeMap::new();
    for (k, v) in entries(node) {
        let Some(key) = string_scalar(k) else {
            continue;
        };
        let child = key_path(path, key);
        match doc.trailing_comment(v).and_then(marker) {
            Some(Marker::Flux(policy, Some(part))) => {
                if let Some(field) = doc.slot(v, &child) {
                    let slot = match part {
                        Part::Name => 0,
                        Part::Tag => 1,
                        Part::Digest => 2,
                    };
                    if let Some(s) = flux_parts.entry(policy).or_default().get_mut(slot) {
                        *s = Some(field);
                    }
                }
            }
            Some(m) => scalar_marker(doc, v, &child, m, found),
            None => walk(doc, v, &child, found, depth + 1),
        }
    }
    for (i, item) in items(node).iter().enumerate() {
        let child = index_path(path, i);
        match doc.trailing_comment(item).and_then(marker) {
            Some(m @ (Marker::Gantry(..) | Marker::Flux(_, None))) => {
                scalar_marker(doc, item, &child, m, found);
            }
            _ => walk(doc, item, &child, found, depth + 1),
        }
    }
    for [name, tag, digest] in flux_parts.into_values() {
        if let Some(repository) = name
            && let Some(site) = parts_site(doc, path, "marker", None, repository, tag, digest)
        {
            found.sites.push(site);
        }
    }
}

fn scalar_marker(
    doc: &Doc<'_>,
    node: &gantry_yaml::Node,
    path: &str,
    marker: Marker,
    found: &mut Found,
) {
    let site = match marker {
        Marker::Flux(_, None) | Marker::Gantry(_, None) => whole_site(doc, node, path, "marker"),
        Marker::Flux(_, Some(_)) => None,
        Marker::Gantry(image, Some(part)) => doc.slot(node, path).and_then(|field| {
            let name = image.without_tag().without_digest();
            // An empty tag or digest is the place where the first one goes.
            let current = match part {
                Part::Tag | Part::Digest if field.value.is_empty() => name.clone(),
                Part::Name => ImageRef::parse(&field.value).ok()?,
                Part::Tag => ImageRef::parse(&format!("{name}:{}", field.value)).ok()?,
                Part::Digest => ImageRef::parse(&format!("{name}@{}", field.value)).ok()?,
            };
            Some(Site {
                doc: doc.index,
                format: "marker",
                current,
                shape: Shape::Part {
                    field,
                    part,
                    image: name,
                },
            })
        }),
    };
    if let Some(site) = site {
        found.sites.push(site);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_flux_and_gantry_markers() {
        let table: &[(&str, Option<Marker>)] = &[
            (
                r#"{"$imagepolicy": "flux-system:podinfo"}"#,
                Some(Marker::Flux("flux-system:podinfo".into(), None)),
            ),
            (
                r#"{"$imagepolicy": "flux-system:podinfo:tag"}"#,
                Some(Marker::Flux("flux-system:podinfo".into(), Some(Part::Tag))),
            ),
            (
                r#"{"$imagepolicy":"apps:web:name"}"#,
                Some(Marker::Flux("apps:web".into(), Some(Part::Name))),
            ),
            (
                r#"{"$imagepolicy": "apps:web:digest"}"#,
                Some(Marker::Flux("apps:web".into(), Some(Part::Digest))),
            ),
            (
                "gantry: tag=ghcr.io/acme/api",
                ImageRef::parse("ghcr.io/acme/api")
                    .ok()
                    .map(|i| Marker::Gantry(i, Some(Part::Tag))),
            ),
            (
                "gantry: image=nginx",
                ImageRef::parse("nginx")
                    .ok()
                    .map(|i| Marker::Gantry(i, None)),
            ),
            ("gantry: colour=nginx", None),
            ("gantry: tag=Not A Ref", None),
            ("pinned for the outage", None),
            (r#"{"$setter": "x"}"#, None),
        ];
        for (text, want) in table {
            assert_eq!(&marker(text), want, "{text}");
        }
    }
}
