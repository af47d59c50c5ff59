//! Docker Hub normalisation, as normalize.go does it.
//!
//! A reference without a registry lives on Docker Hub, whose canonical name
//! is `docker.io` (`index.docker.io` is its legacy alias), and a single-
//! component path on Docker Hub is an official image under `library/`. So
//! `nginx`, `library/nginx`, `docker.io/nginx`, `docker.io/library/nginx`
//! and `index.docker.io/library/nginx` all name `docker.io/library/nginx`.
//! Other registries are taken as written: `ghcr.io/app` gets no `library/`.
//!
//! Registry names are compared as written, as in Go: `Docker.IO` is not
//! Docker Hub. Lowercasing them would make `Foo/bar` (a registry, by
//! Docker's rule) print as `foo/bar` (a Docker Hub repository).

use crate::domain::{self, Candidate};
use crate::reference::{ImageRef, is_image_id};

/// Docker Hub's canonical registry name.
pub const DOCKER_HUB: &str = "docker.io";

/// Docker Hub's legacy name, normalised to [`DOCKER_HUB`].
pub const LEGACY_DOCKER_HUB: &str = "index.docker.io";

/// The namespace of Docker Hub's official images.
const OFFICIAL: &str = "library/";

impl ImageRef {
    /// The registry, normalised: `docker.io` when the reference has none or
    /// says `index.docker.io`, otherwise as written (`ghcr.io`,
    /// `localhost:5000`).
    pub fn registry(&self) -> &str {
        match self.domain() {
            None | Some(LEGACY_DOCKER_HUB) => DOCKER_HUB,
            Some(domain) => domain,
        }
    }

    /// Whether the image lives on Docker Hub.
    pub fn is_docker_hub(&self) -> bool {
        self.registry() == DOCKER_HUB
    }

    /// The repository path, normalised: `library/nginx` for `nginx`,
    /// `acme/api` for `docker.io/acme/api`, `app` for `ghcr.io/app`.
    pub fn repository(&self) -> String {
        [self.official_prefix(), self.path()].concat()
    }

    /// Registry and repository, normalised: `docker.io/library/nginx`.
    pub fn normalized_name(&self) -> String {
        [self.registry(), "/", self.official_prefix(), self.path()].concat()
    }

    /// The whole reference, normalised: `docker.io/library/nginx:1.25`,
    /// with the tag and digest as written. No `:latest` is added: a
    /// reference without a tag stays without one.
    pub fn normalized(&self) -> String {
        let mut out = self.normalized_name();
        self.push_suffix(&mut out);
        out
    }

    /// The shortest name that `docker` (and [`ImageRef::parse`]) reads as
    /// the same repository: `nginx`, `acme/api`, `ghcr.io/acme/api`.
    ///
    /// Like Docker's `FamiliarName`, it drops `docker.io/` and the
    /// `library/` of official images, and keeps other registries as
    /// written. Unlike it, the result always parses back to the same
    /// repository: `docker.io/` stays when the path's first component would
    /// otherwise read as a registry (`docker.io/foo.bar/app`), and
    /// `library/` stays on an official image named like an image ID (64 hex
    /// digits) when nothing follows the name.
    pub fn familiar_name(&self) -> String {
        self.familiar_name_for(true)
    }

    /// [`familiar_name`](Self::familiar_name) with the tag and digest:
    /// `nginx:1.25`, `acme/api@sha256:…`, `ghcr.io/a/b:1`.
    pub fn familiar(&self) -> String {
        let bare = self.tag().is_none() && self.digest().is_none();
        let mut out = self.familiar_name_for(bare);
        self.push_suffix(&mut out);
        out
    }

    /// The familiar name; `bare` says nothing follows it, which is when a
    /// name made of 64 hex digits would read as an image ID.
    fn familiar_name_for(&self, bare: bool) -> String {
        if !self.is_docker_hub() {
            return self.name().to_owned();
        }
        let repository = self.repository();
        let short = match repository.strip_prefix(OFFICIAL) {
            Some(rest) if !rest.contains('/') => rest,
            _ => repository.as_str(),
        };
        match short.split_once('/') {
            Some((first, _)) if domain::candidate(first) != Candidate::No => {
                [DOCKER_HUB, "/", short].concat()
            }
            None if bare && is_image_id(short) => [OFFICIAL, short].concat(),
            _ => short.to_owned(),
        }
    }

    /// Whether both references name the same repository once normalised
    /// (tags and digests are ignored): `nginx` and
    /// `index.docker.io/library/nginx:1` do, `app` and `app-worker` do not.
    pub fn same_repository(&self, other: &ImageRef) -> bool {
        self.registry() == other.registry()
            && concat_eq(
                (self.official_prefix(), self.path()),
                (other.official_prefix(), other.path()),
            )
    }

    /// `normalized_name().len()`, without building it.
    pub(crate) fn normalized_name_len(&self) -> usize {
        self.registry().len() + 1 + self.official_prefix().len() + self.path().len()
    }

    /// `library/` when the path names an official Docker Hub image.
    fn official_prefix(&self) -> &'static str {
        if self.is_docker_hub() && !self.path().contains('/') {
            OFFICIAL
        } else {
            ""
        }
    }
}

/// Whether `a.0 + a.1 == b.0 + b.1`, without allocating.
fn concat_eq(a: (&str, &str), b: (&str, &str)) -> bool {
    a.0.len() + a.1.len() == b.0.len() + b.1.len()
        && a.0
            .bytes()
            .chain(a.1.bytes())
            .eq(b.0.bytes().chain(b.1.bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(s: &str) -> ImageRef {
        ImageRef::parse(s).unwrap()
    }

    #[test]
    fn concat_eq_compares_the_joined_strings() {
        assert!(concat_eq(("library/", "nginx"), ("", "library/nginx")));
        assert!(!concat_eq(("library/", "nginx"), ("", "library/nginz")));
        assert!(!concat_eq(("", "a"), ("", "ab")));
    }

    #[test]
    fn familiar_keeps_docker_io_where_the_path_would_read_as_a_registry() {
        assert_eq!(
            image("docker.io/foo.bar/app").familiar(),
            "docker.io/foo.bar/app"
        );
        assert_eq!(
            image("docker.io/localhost/app").familiar(),
            "docker.io/localhost/app"
        );
        assert_eq!(image("docker.io/foo.bar").familiar(), "foo.bar");
        assert_eq!(image("docker.io/library/foo.bar:1").familiar(), "foo.bar:1");
    }

    #[test]
    fn familiar_keeps_library_on_an_image_id_lookalike() {
        let hex = "a".repeat(64);
        let familiar = image(&format!("docker.io/{hex}")).familiar();
        assert_eq!(familiar, format!("library/{hex}"));
        assert!(image(&familiar).same_repository(&image(&format!("docker.io/library/{hex}"))));
        assert_eq!(
            image(&format!("docker.io/{hex}:1")).familiar(),
            format!("{hex}:1")
        );
    }

    #[test]
    fn registry_names_are_compared_as_written() {
        assert_eq!(image("Docker.IO/library/nginx").registry(), "Docker.IO");
        assert!(!image("Docker.IO/library/nginx").same_repository(&image("nginx")));
        assert_eq!(image("Foo/bar").normalized_name(), "Foo/bar");
    }
}
