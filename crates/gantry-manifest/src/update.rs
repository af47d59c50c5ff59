//! An update (`--set NAME=NEWREF`) and what it changes in each kind of site.

use gantry_image::ImageRef;

use crate::error::{PlanError, UpdateError};
use crate::site::{Field, Part, Shape, Site};

/// One `--set`: every image whose repository is `name` becomes `new`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    /// The repository to look for (no tag, no digest).
    pub name: ImageRef,
    /// What it becomes: a repository with a tag, a digest, or both.
    pub new: ImageRef,
    /// The `--set` value as given.
    pub spec: String,
}

impl Update {
    /// Parse `NAME=NEWREF`, or `NEWREF` alone (short for the same
    /// repository: `ghcr.io/acme/api:1.2.3`).
    pub fn parse(spec: &str) -> Result<Update, UpdateError> {
        let parse = |input: &str| {
            ImageRef::parse(input).map_err(|reason| UpdateError::BadReference {
                spec: spec.to_owned(),
                input: input.to_owned(),
                reason: Box::new(reason),
            })
        };
        let (name, new) = match spec.split_once('=') {
            Some((name, new)) => {
                let name_ref = parse(name)?;
                if name_ref.tag().is_some() || name_ref.digest().is_some() {
                    return Err(UpdateError::NameWithTag {
                        spec: spec.to_owned(),
                        name: name.to_owned(),
                    });
                }
                (name_ref, parse(new)?)
            }
            None => {
                let new = parse(spec)?;
                (new.without_tag().without_digest(), new)
            }
        };
        if new.tag().is_none() && new.digest().is_none() {
            return Err(UpdateError::NoVersion {
                spec: spec.to_owned(),
                new: new.to_string(),
            });
        }
        Ok(Update {
            name,
            new,
            spec: spec.to_owned(),
        })
    }

    /// Parse every `--set`, refusing two for the same repository.
    pub fn parse_all<S: AsRef<str>>(specs: &[S]) -> Result<Vec<Update>, UpdateError> {
        let mut out: Vec<Update> = Vec::new();
        for spec in specs {
            let update = Update::parse(spec.as_ref())?;
            if let Some(first) = out.iter().find(|u| u.name.same_repository(&update.name)) {
                return Err(UpdateError::Duplicate {
                    name: update.name.to_string(),
                    first: first.spec.clone(),
                    second: update.spec,
                });
            }
            out.push(update);
        }
        Ok(out)
    }

    /// Refuse an update without a digest (`--require-digest`).
    pub fn require_digest(&self) -> Result<(), UpdateError> {
        if self.new.digest().is_none() {
            return Err(UpdateError::DigestRequired {
                spec: self.spec.clone(),
                new: self.new.to_string(),
            });
        }
        Ok(())
    }

    fn tag(&self) -> Option<&str> {
        self.new.tag().map(|t| t.as_str())
    }

    fn digest(&self) -> Option<String> {
        self.new.digest().map(|d| d.to_string())
    }

    /// The new repository name in the spelling of `current` when it is the
    /// same repository (`nginx` stays `nginx`), else as NEWREF writes it.
    fn spell(&self, current: &ImageRef) -> String {
        if current.same_repository(&self.new) {
            current.name().to_owned()
        } else {
            self.new.name().to_owned()
        }
    }
}

/// One change to a file, before it becomes an edit of its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FieldChange {
    /// Set the scalar at `field.path`.
    Set { field: Field, value: String },
    /// Add `key: value` to the mapping at `mapping`.
    Insert {
        mapping: String,
        key: String,
        value: String,
    },
    /// Remove `key` (currently `old`) from the mapping at `mapping`.
    Remove {
        mapping: String,
        field: Field,
        key: String,
    },
}

/// What `update` changes at `site`; `notes` gets what the user should know
/// (a digest that could not be written).
pub(crate) fn changes_for(
    site: &Site,
    update: &Update,
    require_digest: bool,
    notes: &mut Vec<String>,
) -> Result<Vec<FieldChange>, PlanError> {
    let set = |field: &Field, value: String| FieldChange::Set {
        field: field.clone(),
        value,
    };
    let mut out = Vec::new();
    match &site.shape {
        Shape::Whole { field, prefix } => {
            let mut value = format!("{prefix}{}", update.spell(&site.current));
            if let Some(tag) = update.tag() {
                value = format!("{value}:{tag}");
            }
            if let Some(digest) = update.digest() {
                value = format!("{value}@{digest}");
            }
            out.push(set(field, value));
        }
        Shape::Parts {
            mapping,
            registry,
            repository,
            tag,
            digest,
        } => {
            if !site.current.same_repository(&update.new) {
                match registry {
                    Some(registry) => {
                        out.push(set(registry, update.new.registry().to_owned()));
                        out.push(set(repository, update.new.repository()));
                    }
                    None => out.push(set(repository, update.new.name().to_owned())),
                }
            }
            match (update.tag(), tag, mapping) {
                (Some(new), Some(field), _) => out.push(set(field, new.to_owned())),
                (Some(new), None, Some(mapping)) => out.push(FieldChange::Insert {
                    mapping: mapping.clone(),
                    key: "tag".to_owned(),
                    value: new.to_owned(),
                }),
                (Some(_), None, None) => notes.push(format!(
                    "`{}`: no tag field next to it, so the tag of `{}` is not written",
                    repository.path, update.new
                )),
                // A digest-only update keeps the tag: charts read an empty
                // tag as "the chart's appVersion", another image.
                (None, _, _) => {}
            }
            match (update.digest(), digest) {
                (Some(new), Some(field)) => out.push(set(field, new)),
                (Some(_), None) if update.tag().is_none() || require_digest => {
                    return Err(PlanError::NoDigestField {
                        new: update.new.to_string(),
                        path: repository.path.clone(),
                        line: repository.line,
                        column: repository.column,
                    });
                }
                (Some(_), None) => notes.push(format!(
                    "`{}`: no digest field next to it, so only the tag of `{}` is written",
                    repository.path, update.new
                )),
                // The old digest would pin the old image: clear it.
                (None, Some(field)) if !field.value.is_empty() => {
                    out.push(set(field, String::new()));
                }
                (None, _) => {}
            }
        }
        Shape::Kustomize {
            entry,
            name,
            new_name,
            new_tag,
            digest,
        } => {
            // Only a rename (NEWREF names another repository than NAME)
            // touches `newName`: `--set nginx:1.27` keeps a mirror that
            // `newName: registry.internal/mirror/nginx` points at.
            if !update.name.same_repository(&update.new) {
                match new_name {
                    Some(field) => {
                        let is_same = ImageRef::parse(&field.value)
                            .is_ok_and(|r| r.same_repository(&update.new));
                        if !is_same {
                            out.push(set(field, update.new.name().to_owned()));
                        }
                    }
                    None => {
                        let named = ImageRef::parse(&name.value).ok();
                        if !named.is_some_and(|n| n.same_repository(&update.new)) {
                            out.push(FieldChange::Insert {
                                mapping: entry.clone(),
                                key: "newName".to_owned(),
                                value: update.new.name().to_owned(),
                            });
                        }
                    }
                }
            }
            // kustomize writes `name:newTag@digest` when both are set, and
            // keeps what is set: a tag-only update drops an old digest and a
            // digest-only update drops an old tag, or the old one would stay
            // in the image.
            for (key, want, have) in [
                ("newTag", update.tag().map(str::to_owned), new_tag),
                ("digest", update.digest(), digest),
            ] {
                match (want, have) {
                    (Some(v), Some(field)) => out.push(set(field, v)),
                    (Some(v), None) => out.push(FieldChange::Insert {
                        mapping: entry.clone(),
                        key: key.to_owned(),
                        value: v,
                    }),
                    (None, Some(field)) => out.push(FieldChange::Remove {
                        mapping: entry.clone(),
                        field: field.clone(),
                        key: key.to_owned(),
                    }),
                    (None, None) => {}
                }
            }
        }
        Shape::Part { field, part, image } => match part {
            Part::Name => out.push(set(field, update.spell(image))),
            Part::Tag => match update.tag() {
                Some(tag) => out.push(set(field, tag.to_owned())),
                None => {
                    return Err(PlanError::NoTag {
                        image: image.to_string(),
                        new: update.new.to_string(),
                        path: field.path.clone(),
                        line: field.line,
                        column: field.column,
                    });
                }
            },
            Part::Digest => out.push(set(field, update.digest().unwrap_or_default())),
        },
    }
    Ok(out)
}

/// The `images:` entry a kustomization gets for an update it does not
/// have yet, as `kustomize edit set image` writes it.
pub(crate) fn new_kustomize_entry(update: &Update) -> Vec<(String, String)> {
    let mut entry = vec![("name".to_owned(), update.name.name().to_owned())];
    if !update.name.same_repository(&update.new) {
        entry.push(("newName".to_owned(), update.new.name().to_owned()));
    }
    if let Some(tag) = update.tag() {
        entry.push(("newTag".to_owned(), tag.to_owned()));
    }
    if let Some(digest) = update.digest() {
        entry.push(("digest".to_owned(), digest));
    }
    entry
}
