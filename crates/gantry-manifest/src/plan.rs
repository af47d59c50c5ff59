//! Finding a file's sites and turning updates into verified byte edits.

use gantry_yaml::{Added, Edit, Options, Stream, lookup, parse};

use crate::error::PlanError;
use crate::formats::{self, FORMATS, Found, Opaque, is_kustomization};
use crate::site::Site;
use crate::update::{FieldChange, Update, changes_for, new_kustomize_entry};
use crate::walk::{Doc, get};

/// How to read and update one file.
#[derive(Debug, Clone, Default)]
pub struct FileOptions {
    /// Paths to read as image sites in every document where they resolve,
    /// besides the auto-detected ones (`--target`).
    pub targets: Vec<String>,
    /// Add an `images:` entry to a kustomization that has none for an
    /// update's image (as `kustomize edit set image` does). For files named
    /// on the command line, not for files found by walking a directory.
    pub add_to_kustomization: bool,
    /// Edit an anchored value that an alias shares.
    pub allow_shared_anchor: bool,
    /// A site with nowhere to write the update's digest is an error, not
    /// a note (`--require-digest`).
    pub require_digest: bool,
}

/// Every image site of a parsed file, and its block strings that may
/// hold images.
pub fn find_sites(
    src: &str,
    stream: &Stream,
    file_name: &str,
    options: &FileOptions,
) -> (Vec<Site>, Vec<Opaque>) {
    let mut found = Found::default();
    for (index, document) in stream.documents.iter().enumerate() {
        let doc = Doc {
            src,
            stream,
            index,
            root: &document.root,
            file_name,
        };
        // Explicit targets and markers first: they win over detection.
        for target in &options.targets {
            formats::targets::find(&doc, target, &mut found);
        }
        formats::markers::find(&doc, &mut found);
        if let Some(format) = FORMATS.iter().find(|f| f.claims(&doc)) {
            format.find(&doc, &mut found);
        }
    }
    // One site per field: the first (explicit) one wins. Fields are told
    // apart by where they are, not by their path: `containers[name=app]`
    // and `containers[0]` can be the same scalar.
    let mut seen: Vec<(usize, usize, usize)> = Vec::new();
    let mut sites = Vec::with_capacity(found.sites.len());
    for site in found.sites {
        let keys: Vec<(usize, usize, usize)> = site
            .fields()
            .iter()
            .map(|f| (site.doc, f.line, f.column))
            .collect();
        if keys.iter().any(|k| seen.contains(k)) {
            continue;
        }
        seen.extend(keys);
        sites.push(site);
    }
    (sites, found.opaque)
}

/// One change that a plan makes, for people and for `--format json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// 0-based document index.
    pub doc: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Path of the changed value (or of the mapping an entry was added to).
    pub path: String,
    /// The value before (empty for an added entry).
    pub old: String,
    /// The value after (empty for a removed entry).
    pub new: String,
    /// The `--set` that made it.
    pub update: String,
    /// The format that found the site.
    pub format: &'static str,
    /// The whole reference the site held before (`ghcr.io/acme/api:1.0`),
    /// also for a change to one of its parts.
    pub image: String,
}

/// What updating one file does.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FilePlan {
    /// Each value changed.
    pub changes: Vec<Change>,
    /// The new text, when anything changes.
    pub output: Option<String>,
    /// What the user should know (a digest a layout has no room for).
    pub notes: Vec<String>,
    /// Sites of an update's image that already hold the new value.
    pub up_to_date: usize,
    /// The updates (`--set` as given) that found at least one site here.
    pub matched: Vec<String>,
}

/// Plan the updates for one file: find its sites, compute the edits,
/// apply and verify them. Nothing is written; [`FilePlan::output`] is the
/// new text.
pub fn plan_file(
    file_name: &str,
    src: &str,
    updates: &[Update],
    options: &FileOptions,
) -> Result<FilePlan, PlanError> {
    let stream = parse(src)?;
    let (sites, opaque) = find_sites(src, &stream, file_name, options);
    let yaml_options = Options {
        allow_shared_anchor: options.allow_shared_anchor,
    };
    let mut plan = FilePlan::default();
    let mut edits: Vec<(Edit, &Update, &'static str, String)> = Vec::new();
    for update in updates {
        if let Some(block) = opaque.iter().find(|o| mentions(&o.text, update)) {
            return Err(PlanError::InBlockString {
                image: update.name.to_string(),
                path: block.path.clone(),
                line: block.line,
                column: block.column,
            });
        }
        let mut matched_docs = Vec::new();
        for site in sites.iter().filter(|s| s.matches(&update.name)) {
            matched_docs.push(site.doc);
            if !plan.matched.contains(&update.spec) {
                plan.matched.push(update.spec.clone());
            }
            let before = edits.len();
            for change in changes_for(site, update, options.require_digest, &mut plan.notes)? {
                let edit = to_edit(src, &stream, site.doc, &change, &yaml_options)?;
                if let Some(edit) = edit {
                    edits.push((edit, update, site.format, site.current.to_string()));
                }
            }
            if edits.len() == before {
                plan.up_to_date += 1;
            }
        }
        if options.add_to_kustomization {
            for (index, document) in stream.documents.iter().enumerate() {
                let doc = Doc {
                    src,
                    stream: &stream,
                    index,
                    root: &document.root,
                    file_name,
                };
                if matched_docs.contains(&index) {
                    continue;
                }
                if let Some(list_path) = is_kustomization(&doc) {
                    if !plan.matched.contains(&update.spec) {
                        plan.matched.push(update.spec.clone());
                    }
                    let edit = add_entry(&doc, list_path, update, &yaml_options)?;
                    edits.push((edit, update, "kustomize", String::new()));
                }
            }
        }
    }
    if edits.is_empty() {
        return Ok(plan);
    }
    let only_edits: Vec<Edit> = edits.iter().map(|(e, _, _, _)| e.clone()).collect();
    plan.output = Some(gantry_yaml::apply_parsed(src, &stream, &only_edits)?);
    plan.changes = edits
        .into_iter()
        .map(|(e, update, format, image)| Change {
            doc: e.doc,
            line: e.line,
            column: e.column,
            path: e.path,
            old: e.old_value,
            new: e.new_value,
            update: update.spec.clone(),
            format,
            image,
        })
        .collect();
    plan.changes.sort_by_key(|c| (c.line, c.column));
    Ok(plan)
}

/// Whether a block string mentions the update's image, in any spelling:
/// a word that parses as the same repository, or is its path as a split
/// `repository:` value would hold it (`acme/api`).
fn mentions(text: &str, update: &Update) -> bool {
    text.split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | '[' | ']' | '{' | '}'))
        .map(|word| word.trim_end_matches(':'))
        .filter(|word| !word.is_empty())
        .any(|word| {
            word == update.name.path()
                || word == update.name.name()
                || gantry_image::ImageRef::parse(word)
                    .is_ok_and(|r| r.same_repository(&update.name))
        })
}

fn to_edit(
    src: &str,
    stream: &Stream,
    doc: usize,
    change: &FieldChange,
    options: &Options,
) -> Result<Option<Edit>, PlanError> {
    let edit = match change {
        FieldChange::Set { field, value } => {
            let node = lookup(src, stream, doc, &field.path)?.node;
            gantry_yaml::plan_node(src, stream, doc, node, &field.path, value, options)?
        }
        FieldChange::Insert {
            mapping,
            key,
            value,
        } => {
            let node = lookup(src, stream, doc, mapping)?.node;
            refuse_shared(src, stream, doc, node, mapping, options)?;
            let mut edit = gantry_yaml::plan_insert_entries(
                src,
                stream,
                doc,
                node,
                mapping,
                &[(key.clone(), Added::Scalar(value.clone()))],
            )?;
            // Reported like a set: the new key's path and value.
            edit.path = crate::walk::key_path(mapping, key);
            edit.new_value = value.clone();
            edit
        }
        FieldChange::Remove {
            mapping,
            key,
            field: _,
        } => {
            let node = lookup(src, stream, doc, mapping)?.node;
            refuse_shared(src, stream, doc, node, mapping, options)?;
            gantry_yaml::plan_remove_entry(src, doc, node, mapping, key)?
        }
    };
    Ok((!edit.is_noop(src)).then_some(edit))
}

/// A structural edit (a key added or removed, an item appended) of a
/// mapping or sequence that an alias or merge key shares would change the
/// copy too: refused like a shared scalar, unless allowed.
fn refuse_shared(
    src: &str,
    stream: &Stream,
    doc: usize,
    node: &gantry_yaml::Node,
    path: &str,
    options: &Options,
) -> Result<(), PlanError> {
    if options.allow_shared_anchor {
        return Ok(());
    }
    match gantry_yaml::shared_anchor(stream, doc, node) {
        None => Ok(()),
        Some(reason) => {
            let (line, column) = gantry_yaml::line_col(src, node.span.start);
            Err(PlanError::Yaml(gantry_yaml::Error::Refused {
                path: path.to_owned(),
                line,
                column,
                reason: match reason {
                    gantry_yaml::RefuseReason::SharedAnchor => {
                        gantry_yaml::RefuseReason::InsideSharedAnchor
                    }
                    other => other,
                },
            }))
        }
    }
}

/// Add an `images:` entry for `update` to a kustomization.
fn add_entry(
    doc: &Doc<'_>,
    list_path: &str,
    update: &Update,
    options: &Options,
) -> Result<Edit, PlanError> {
    let entry = new_kustomize_entry(update);
    let list = list_path
        .split('.')
        .try_fold(doc.root, |node, key| get(node, key));
    let has_items = list.is_some_and(|l| !crate::walk::items(l).is_empty());
    let edit = if has_items {
        let node = lookup(doc.src, doc.stream, doc.index, list_path)?.node;
        refuse_shared(doc.src, doc.stream, doc.index, node, list_path, options)?;
        gantry_yaml::plan_append_item(doc.src, doc.stream, doc.index, node, list_path, &[entry])?
    } else {
        // No `images:` yet (or `images: []`): add the key to the mapping
        // that should hold it.
        let (parent_path, key) = list_path.rsplit_once('.').unwrap_or(("", list_path));
        if list.is_some() {
            let node = lookup(doc.src, doc.stream, doc.index, list_path)?.node;
            return Err(PlanError::Yaml(gantry_yaml::Error::Structure {
                path: list_path.to_owned(),
                line: gantry_yaml::line_col(doc.src, node.span.start).0,
                column: gantry_yaml::line_col(doc.src, node.span.start).1,
                reason: "it is empty or not a block sequence; write the first entry by hand"
                    .to_owned(),
            }));
        }
        let node = lookup(doc.src, doc.stream, doc.index, parent_path)?.node;
        refuse_shared(doc.src, doc.stream, doc.index, node, parent_path, options)?;
        gantry_yaml::plan_insert_entries(
            doc.src,
            doc.stream,
            doc.index,
            node,
            parent_path,
            &[(key.to_owned(), Added::Items(vec![entry]))],
        )?
    };
    Ok(edit)
}
