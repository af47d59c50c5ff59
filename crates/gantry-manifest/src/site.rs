//! What the formats find: image sites, each made of one or more fields.

use gantry_image::ImageRef;

/// One scalar of a file that holds an image reference or a part of one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Path of the scalar in the path language of `gantry_yaml::parse_path`.
    pub path: String,
    /// Its value as read.
    pub value: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// Which part of a reference a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The repository name, with or without registry (`ghcr.io/acme/api`).
    Name,
    /// The tag (`1.2.3`).
    Tag,
    /// The digest (`sha256:…`).
    Digest,
}

/// How the fields of a site make up the image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// One scalar holds the whole reference, after `prefix` (Argo CD's
    /// `kustomize.images` entries are written `name=ref`).
    Whole {
        /// The scalar.
        field: Field,
        /// Text before the reference inside the value (`nginx=`), kept as is.
        prefix: String,
    },
    /// The parts sit in sibling fields: Helm values (`image.repository` +
    /// `image.tag` (+ `digest`), Bitnami's `registry`), Argo CD Helm
    /// parameters.
    Parts {
        /// Path of the mapping that holds the fields (for added keys), if
        /// keys can be added there.
        mapping: Option<String>,
        /// `registry`, when split from the repository.
        registry: Option<Field>,
        /// The repository.
        repository: Field,
        /// The tag.
        tag: Option<Field>,
        /// The digest.
        digest: Option<Field>,
    },
    /// An `images:` entry of a kustomization: `name` selects the image in
    /// the resources, `newName`/`newTag`/`digest` say what it becomes.
    Kustomize {
        /// Path of the entry (a mapping).
        entry: String,
        /// `name`.
        name: Field,
        /// `newName`.
        new_name: Option<Field>,
        /// `newTag`.
        new_tag: Option<Field>,
        /// `digest`.
        digest: Option<Field>,
    },
    /// One part of an image named elsewhere (a marker comment says which).
    Part {
        /// The scalar.
        field: Field,
        /// Which part it holds.
        part: Part,
        /// The image it belongs to.
        image: ImageRef,
    },
}

/// One place in a file where an image is referenced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// 0-based document index.
    pub doc: usize,
    /// Which format found it: `kubernetes`, `kustomize`, `helm-values`,
    /// `flux-helmrelease`, `argocd`, `marker`, `target`.
    pub format: &'static str,
    /// How the reference is spread over fields.
    pub shape: Shape,
    /// The reference as the fields spell it now.
    pub current: ImageRef,
}

impl Site {
    /// Path of the site's main field (or entry).
    pub fn path(&self) -> &str {
        match &self.shape {
            Shape::Whole { field, .. } | Shape::Part { field, .. } => &field.path,
            Shape::Parts { repository, .. } => &repository.path,
            Shape::Kustomize { entry, .. } => entry,
        }
    }

    /// 1-based line of the site's main field.
    pub fn line(&self) -> usize {
        self.main_field().line
    }

    /// 1-based column of the site's main field.
    pub fn column(&self) -> usize {
        self.main_field().column
    }

    fn main_field(&self) -> &Field {
        match &self.shape {
            Shape::Whole { field, .. } | Shape::Part { field, .. } => field,
            Shape::Parts { repository, .. } => repository,
            Shape::Kustomize { name, .. } => name,
        }
    }

    /// Every field of the site.
    pub fn fields(&self) -> Vec<&Field> {
        match &self.shape {
            Shape::Whole { field, .. } | Shape::Part { field, .. } => vec![field],
            Shape::Parts {
                registry,
                repository,
                tag,
                digest,
                ..
            } => std::iter::once(repository)
                .chain(registry.iter())
                .chain(tag.iter())
                .chain(digest.iter())
                .collect(),
            Shape::Kustomize {
                name,
                new_name,
                new_tag,
                digest,
                ..
            } => std::iter::once(name)
                .chain(new_name.iter())
                .chain(new_tag.iter())
                .chain(digest.iter())
                .collect(),
        }
    }

    /// Whether this site references the repository of `name` (tags and
    /// digests ignored; `nginx` ≡ `docker.io/library/nginx`). A
    /// kustomization entry matches by its `name` or its `newName`.
    pub fn matches(&self, name: &ImageRef) -> bool {
        if self.current.same_repository(name) {
            return true;
        }
        match &self.shape {
            Shape::Kustomize { name: n, .. } => {
                ImageRef::parse(&n.value).is_ok_and(|r| r.same_repository(name))
            }
            _ => false,
        }
    }
}
