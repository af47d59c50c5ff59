//! Explicit targets (`--target PATH`): a path in the path language that
//! points at a scalar holding a whole reference, or at a mapping in one of
//! the Helm layouts (`repository`/`tag`/`digest`, `registry`, `name`/`tag`),
//! whatever its key is called.

use super::Found;
use super::helm_values::{parts_site, whole_site};
use crate::walk::{Doc, get, key_path};

/// The site at `path` in `doc`, if the path resolves there.
pub(crate) fn find(doc: &Doc<'_>, path: &str, found: &mut Found) {
    let Ok(located) = gantry_yaml::lookup(doc.src, doc.stream, doc.index, path) else {
        return;
    };
    let node = located.node;
    if let Some(site) = whole_site(doc, node, path, "target") {
        found.sites.push(site);
        return;
    }
    let field = |k: &str| get(node, k).and_then(|v| doc.field(v, &key_path(path, k)));
    let slot = |k: &str| get(node, k).and_then(|v| doc.slot(v, &key_path(path, k)));
    let repository = field("repository").or_else(|| field("name"));
    if let Some(repository) = repository
        && let Some(site) = parts_site(
            doc,
            path,
            "target",
            slot("registry"),
            repository,
            slot("tag"),
            slot("digest"),
        )
    {
        found.sites.push(site);
    }
}
