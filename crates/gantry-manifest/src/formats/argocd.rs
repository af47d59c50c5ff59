//! Argo CD `Application`: for `spec.source` and each of `spec.sources`, the
//! Helm `parameters` (`image.repository`/`image.tag` pairs and whole
//! `image` references; `forceString` is left as it is), `valuesObject`,
//! and the `kustomize.images` overrides (`[name=]ref`). `helm.values` is a
//! block string: an update of an image it mentions is refused.

use gantry_image::ImageRef;

use super::helm_values::parts_site;
use super::{Format, Found, Opaque, walk_values};
use crate::site::{Shape, Site};
use crate::walk::{Doc, any_scalar, get, index_path, items, key_path, string_scalar};

pub(crate) struct Application;

impl Format for Application {
    fn claims(&self, doc: &Doc<'_>) -> bool {
        doc.kind() == Some("Application")
            && doc
                .api_version()
                .is_some_and(|a| a.starts_with("argoproj.io/"))
    }

    fn find(&self, doc: &Doc<'_>, found: &mut Found) {
        let Some(spec) = get(doc.root, "spec") else {
            return;
        };
        if let Some(source) = get(spec, "source") {
            find_in_source(doc, source, "spec.source", found);
        }
        if let Some(sources) = get(spec, "sources") {
            for (i, source) in items(sources).iter().enumerate() {
                find_in_source(doc, source, &index_path("spec.sources", i), found);
            }
        }
    }
}

fn find_in_source(doc: &Doc<'_>, source: &gantry_yaml::Node, path: &str, found: &mut Found) {
    if let Some(helm) = get(source, "helm") {
        let helm_path = key_path(path, "helm");
        if let Some(params) = get(helm, "parameters") {
            parameters(doc, params, &key_path(&helm_path, "parameters"), found);
        }
        if let Some(values) = get(helm, "valuesObject") {
            walk_values(
                doc,
                values,
                &key_path(&helm_path, "valuesObject"),
                "valuesObject",
                "argocd",
                found,
            );
        }
        if let Some(values) = get(helm, "values")
            && let Some(text) = any_scalar(values)
        {
            let (line, column) = gantry_yaml::line_col(doc.src, values.span.start);
            found.opaque.push(Opaque {
                doc: doc.index,
                path: key_path(&helm_path, "values"),
                text: text.to_owned(),
                line,
                column,
            });
        }
    }
    if let Some(images) = get(source, "kustomize").and_then(|k| get(k, "images")) {
        let base = key_path(&key_path(path, "kustomize"), "images");
        for (i, item) in items(images).iter().enumerate() {
            let item_path = index_path(&base, i);
            let Some(field) = doc.field(item, &item_path) else {
                continue;
            };
            let (prefix, reference) = match field.value.split_once('=') {
                Some((name, reference)) => (format!("{name}="), reference.to_owned()),
                None => (String::new(), field.value.clone()),
            };
            let Ok(current) = ImageRef::parse(&reference) else {
                continue;
            };
            found.sites.push(Site {
                doc: doc.index,
                format: "argocd",
                current,
                shape: Shape::Whole { field, prefix },
            });
        }
    }
}

/// `parameters: [{name: image.repository, value: …}, {name: image.tag, value: …}]`.
fn parameters(doc: &Doc<'_>, params: &gantry_yaml::Node, path: &str, found: &mut Found) {
    let list = items(params);
    let named: Vec<(usize, &str)> = list
        .iter()
        .enumerate()
        .filter_map(|(i, p)| get(p, "name").and_then(string_scalar).map(|n| (i, n)))
        .collect();
    let value_field = |i: usize| {
        let item = list.get(i)?;
        let value = get(item, "value")?;
        doc.field(value, &key_path(&index_path(path, i), "value"))
    };
    let find = |name: &str| {
        named
            .iter()
            .find(|(_, n)| *n == name)
            .and_then(|(i, _)| value_field(*i))
    };
    for (i, name) in &named {
        if *name == "image" || name.ends_with(".image") {
            if let Some(field) = value_field(*i)
                && let Ok(current) = ImageRef::parse(&field.value)
            {
                found.sites.push(Site {
                    doc: doc.index,
                    format: "argocd",
                    current,
                    shape: Shape::Whole {
                        field,
                        prefix: String::new(),
                    },
                });
            }
        } else if let Some(prefix) = name.strip_suffix("repository") {
            if !(prefix.is_empty() || prefix.ends_with('.')) {
                continue;
            }
            let Some(repository) = value_field(*i) else {
                continue;
            };
            let site = parts_site(
                doc,
                path,
                "argocd",
                find(&format!("{prefix}registry")),
                repository,
                find(&format!("{prefix}tag")),
                find(&format!("{prefix}digest")),
            );
            if let Some(mut site) = site {
                // Parameters are list items: no key can be added to them.
                if let Shape::Parts { mapping, .. } = &mut site.shape {
                    *mapping = None;
                }
                found.sites.push(site);
            }
        }
    }
}
