//! Registry operations: resolve, fetch, retag, copy, list tags.

use std::collections::HashSet;

use gantry_image::{Digest, ImageRef, Tag};
use reqwest::Method;
use reqwest::header;
use serde::Deserialize;
use sha2::Digest as _;

use crate::client::{BLOB_CAP, Client, Reply, TAG_LIST_CAP};
use crate::error::{Error, Location, Result};

/// OCI image index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// Docker manifest list (schema 2).
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// Docker image manifest (schema 2).
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";

/// The `Accept` header for manifests: every type we pass through unchanged.
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

/// How deep indexes may nest (an index of indexes of manifests is 2).
const MAX_NESTING: usize = 4;
/// Most tag-list pages followed.
const MAX_TAG_PAGES: usize = 1000;

/// What a reference points to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptor {
    /// The manifest's digest.
    pub digest: Digest,
    /// Its media type (without parameters).
    pub media_type: String,
    /// Its size in bytes.
    pub size: u64,
}

/// A manifest exactly as the registry stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The bytes; PUT back unchanged.
    pub bytes: Vec<u8>,
    /// `Content-Type` as the registry sent it.
    pub content_type: String,
    /// sha256 of `bytes` (verified against the registry's digest).
    pub digest: Digest,
}

impl Manifest {
    /// Its descriptor.
    pub fn descriptor(&self) -> Descriptor {
        Descriptor {
            digest: self.digest.clone(),
            media_type: media_type_of(&self.content_type),
            size: self.bytes.len() as u64,
        }
    }

    /// Whether it is an index (OCI index or Docker manifest list).
    pub fn is_index(&self) -> bool {
        let media_type = media_type_of(&self.content_type);
        media_type == OCI_INDEX || media_type == DOCKER_MANIFEST_LIST
    }
}

/// Where to put a new tag: a tag in the source's repository, or a full
/// reference (another repository of the same registry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A tag in the source's repository.
    Tag(Tag),
    /// `registry/repository:tag` in the source's registry.
    Image(ImageRef),
}

impl From<Tag> for Target {
    fn from(tag: Tag) -> Self {
        Target::Tag(tag)
    }
}

impl From<ImageRef> for Target {
    fn from(image: ImageRef) -> Self {
        Target::Image(image)
    }
}

/// What happened to one target of [`Client::retag`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagStatus {
    /// The tag was written (created or moved).
    Created,
    /// The tag already pointed to the digest: nothing was written.
    AlreadyTagged,
}

/// The outcome for one target of [`Client::retag`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagOutcome {
    /// The full target reference.
    pub target: ImageRef,
    /// The digest it now points to (the source's).
    pub digest: Digest,
    /// Created or already tagged.
    pub status: TagStatus,
    /// Blobs mounted from the source repository (other repository only).
    pub mounted_blobs: usize,
    /// Blobs copied because the registry refused to mount them.
    pub copied_blobs: usize,
    /// Child manifests copied (an index into another repository).
    pub copied_manifests: usize,
}

/// An image reference split for the API.
struct Parts {
    registry: String,
    repository: String,
    reference: String,
}

impl Parts {
    fn of(image: &ImageRef) -> Self {
        let reference = match (image.digest(), image.tag()) {
            (Some(digest), _) => digest.to_string(),
            (None, Some(tag)) => tag.to_string(),
            (None, None) => "latest".to_owned(),
        };
        Self {
            registry: image.registry().to_owned(),
            repository: image.repository(),
            reference,
        }
    }

    fn location(&self) -> Location {
        Location::new(&self.registry, &self.repository, &self.reference)
    }

    fn at(&self, reference: &str) -> Location {
        Location::new(&self.registry, &self.repository, reference)
    }
}

fn pull_scope(repository: &str) -> String {
    format!("repository:{repository}:pull")
}

fn push_scope(repository: &str) -> String {
    format!("repository:{repository}:pull,push")
}

/// `type/subtype; charset=…` → `type/subtype`.
fn media_type_of(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or(content_type)
        .trim()
        .to_owned()
}

/// The digest of `bytes` with `algorithm` (`sha256` or `sha512`).
fn digest_bytes(algorithm: &str, bytes: &[u8]) -> Option<String> {
    let hex = match algorithm {
        "sha256" => hex(&sha2::Sha256::digest(bytes)),
        "sha512" => hex(&sha2::Sha512::digest(bytes)),
        _ => return None,
    };
    Some(format!("{algorithm}:{hex}"))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// The parts of a manifest that point elsewhere.
#[derive(Deserialize, Default)]
struct References {
    #[serde(default)]
    manifests: Vec<Referenced>,
    #[serde(default)]
    config: Option<Referenced>,
    #[serde(default)]
    layers: Vec<Referenced>,
}

#[derive(Deserialize)]
struct Referenced {
    digest: String,
    #[serde(default)]
    urls: Vec<String>,
}

impl Client {
    /// The digest, media type and size of `image`'s manifest: `HEAD`
    /// (falling back to `GET`) with every manifest type in `Accept`, then
    /// the manifest itself by that digest, so that what is reported is an
    /// image manifest or index whose bytes hash to the digest (a registry,
    /// or something posing as one, that answers anything else is
    /// [`Error::InvalidResponse`]).
    pub async fn resolve(&self, image: &ImageRef) -> Result<Descriptor> {
        let parts = Parts::of(image);
        let head = self
            .manifest_request(
                Method::HEAD,
                &parts,
                &parts.reference,
                pull_scope(&parts.repository),
            )
            .header(header::ACCEPT, MANIFEST_ACCEPT);
        let reply = self.send(&head).await?;
        if reply.status == 404 {
            return Err(reply.into_error(parts.location()));
        }
        if reply.status == 200
            && let Some(digest) = reply
                .header_str("docker-content-digest")
                .and_then(|d| Digest::parse(d).ok())
        {
            if let Some(wanted) = image.digest()
                && *wanted != digest
            {
                return Err(Error::InvalidResponse {
                    location: parts.location(),
                    message: format!("Docker-Content-Digest is {digest}"),
                });
            }
            let manifest = self
                .fetch_manifest(&parts, digest.as_str(), pull_scope(&parts.repository))
                .await?;
            return Ok(manifest.descriptor());
        }
        // HEAD without a digest (or refused): GET and hash the bytes.
        Ok(self.manifest(image).await?.descriptor())
    }

    /// `GET` `image`'s manifest, verifying its digest.
    pub async fn manifest(&self, image: &ImageRef) -> Result<Manifest> {
        let parts = Parts::of(image);
        let scope = pull_scope(&parts.repository);
        self.fetch_manifest(&parts, &parts.reference, scope).await
    }

    fn manifest_request(
        &self,
        method: Method,
        parts: &Parts,
        reference: &str,
        scope: String,
    ) -> crate::client::Req {
        self.request(
            method,
            &parts.registry,
            &format!("/v2/{}/manifests/{reference}", parts.repository),
            scope,
            parts.at(reference),
        )
    }

    async fn fetch_manifest(
        &self,
        parts: &Parts,
        reference: &str,
        scope: String,
    ) -> Result<Manifest> {
        let location = parts.at(reference);
        let req = self
            .manifest_request(Method::GET, parts, reference, scope)
            .header(header::ACCEPT, MANIFEST_ACCEPT);
        let reply = self.send(&req).await?;
        if !reply.is_success() {
            return Err(reply.into_error(location));
        }
        let invalid = |message: String| Error::InvalidResponse {
            location: location.clone(),
            message,
        };
        let content_type = match reply.header(header::CONTENT_TYPE) {
            Some(ct) if !ct.trim().is_empty() => ct.to_owned(),
            _ => serde_json::from_slice::<serde_json::Value>(&reply.body)
                .ok()
                .and_then(|v| v.get("mediaType")?.as_str().map(str::to_owned))
                .ok_or_else(|| {
                    invalid("the manifest has no Content-Type nor mediaType".to_owned())
                })?,
        };
        let sha256 = digest_bytes("sha256", &reply.body).unwrap_or_default();
        let digest = Digest::parse(&sha256).map_err(|err| invalid(err.to_string()))?;
        if let Some(header_digest) = reply.header_str("docker-content-digest") {
            check_digest(header_digest, &reply.body).map_err(|m| {
                invalid(format!(
                    "Docker-Content-Digest {header_digest} does not match the bytes ({m})"
                ))
            })?;
        }
        if reference.contains(':') {
            check_digest(reference, &reply.body)
                .map_err(|m| invalid(format!("the manifest does not match its digest ({m})")))?;
        }
        check_shape(&media_type_of(&content_type), &reply.body)
            .map_err(|m| invalid(format!("not an image manifest or index: {m}")))?;
        Ok(Manifest {
            bytes: reply.body,
            content_type,
            digest,
        })
    }

    /// The digest `reference` points to in `parts`' repository, `None` if
    /// it does not exist.
    async fn existing_digest(
        &self,
        parts: &Parts,
        reference: &str,
        scope: &str,
    ) -> Result<Option<Digest>> {
        let req = self
            .manifest_request(Method::HEAD, parts, reference, scope.to_owned())
            .header(header::ACCEPT, MANIFEST_ACCEPT);
        let reply = self.send(&req).await?;
        match reply.status {
            404 => return Ok(None),
            200 => {
                if let Some(d) = reply
                    .header_str("docker-content-digest")
                    .and_then(|d| Digest::parse(d).ok())
                {
                    return Ok(Some(d));
                }
            }
            _ if !reply.is_success() && reply.status != 405 => {
                return Err(reply.into_error(parts.at(reference)));
            }
            _ => {}
        }
        match self
            .fetch_manifest(parts, reference, scope.to_owned())
            .await
        {
            Ok(manifest) => Ok(Some(manifest.digest)),
            Err(Error::NotFound { .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    async fn put_manifest(
        &self,
        parts: &Parts,
        reference: &str,
        manifest: &Manifest,
        scope: &str,
    ) -> Result<()> {
        let location = parts.at(reference);
        let req = self
            .manifest_request(Method::PUT, parts, reference, scope.to_owned())
            .header(header::CONTENT_TYPE, manifest.content_type.clone())
            .body(manifest.bytes.clone());
        let reply = self.send(&req).await?;
        if !reply.is_success() {
            return Err(reply.into_error(location));
        }
        if let Some(written) = reply.header_str("docker-content-digest")
            && written != manifest.digest.as_str()
        {
            return Err(Error::InvalidResponse {
                location,
                message: format!(
                    "stored the manifest as {written}, not {} (the registry converted it)",
                    manifest.digest
                ),
            });
        }
        Ok(())
    }

    /// Point each target at `source`'s manifest, without pulling: the
    /// manifest bytes are fetched once and PUT unchanged (same
    /// `Content-Type`, so an index stays an index with the same digest).
    /// A target that already points to the digest is left alone. A target
    /// in another repository of the same registry gets the blobs by
    /// cross-repository mount (and an index's child manifests) first.
    ///
    /// Every target is checked before anything is fetched or written.
    pub async fn retag(&self, source: &ImageRef, targets: &[Target]) -> Result<Vec<TagOutcome>> {
        let src = Parts::of(source);
        let mut resolved = Vec::with_capacity(targets.len());
        for target in targets {
            resolved.push(target_ref(source, target)?);
        }
        let all_local = resolved.iter().all(|t| t.repository() == src.repository);
        let source_scope = if all_local {
            push_scope(&src.repository)
        } else {
            pull_scope(&src.repository)
        };
        let manifest = self
            .fetch_manifest(&src, &src.reference, source_scope)
            .await?;
        tracing::debug!(digest = %manifest.digest, content_type = %manifest.content_type, "source manifest");
        let mut outcomes = Vec::with_capacity(resolved.len());
        let mut filled: HashSet<String> = HashSet::new();
        for target in resolved {
            let parts = Parts::of(&target);
            let tag = parts.reference.clone();
            let same_repo = parts.repository == src.repository;
            let scope = if same_repo {
                push_scope(&parts.repository)
            } else {
                format!(
                    "{} {}",
                    push_scope(&parts.repository),
                    pull_scope(&src.repository)
                )
            };
            let mut outcome = TagOutcome {
                target: target.clone(),
                digest: manifest.digest.clone(),
                status: TagStatus::AlreadyTagged,
                mounted_blobs: 0,
                copied_blobs: 0,
                copied_manifests: 0,
            };
            if self.existing_digest(&parts, &tag, &scope).await?.as_ref() == Some(&manifest.digest)
            {
                outcomes.push(outcome);
                continue;
            }
            if !same_repo && filled.insert(parts.repository.clone()) {
                self.copy_references(&src, &parts, &manifest, &scope, 0, &mut outcome)
                    .await?;
            }
            self.put_manifest(&parts, &tag, &manifest, &scope).await?;
            outcome.status = TagStatus::Created;
            outcomes.push(outcome);
        }
        Ok(outcomes)
    }

    /// Make everything `manifest` references exist in `dst`: child
    /// manifests (copied by digest) and blobs (mounted from `src`).
    async fn copy_references(
        &self,
        src: &Parts,
        dst: &Parts,
        manifest: &Manifest,
        scope: &str,
        depth: usize,
        outcome: &mut TagOutcome,
    ) -> Result<()> {
        let invalid = |message: String| Error::InvalidResponse {
            location: src.at(manifest.digest.as_str()),
            message,
        };
        if depth > MAX_NESTING {
            return Err(invalid(format!(
                "indexes nest deeper than {MAX_NESTING} levels"
            )));
        }
        let refs: References = serde_json::from_slice(&manifest.bytes)
            .map_err(|err| invalid(format!("unreadable manifest JSON: {err}")))?;
        if manifest.is_index() {
            for child in &refs.manifests {
                if self
                    .existing_digest(dst, &child.digest, scope)
                    .await?
                    .is_some()
                {
                    continue;
                }
                let child_manifest = self
                    .fetch_manifest(src, &child.digest, scope.to_owned())
                    .await?;
                Box::pin(self.copy_references(
                    src,
                    dst,
                    &child_manifest,
                    scope,
                    depth + 1,
                    outcome,
                ))
                .await?;
                self.put_manifest(dst, &child.digest, &child_manifest, scope)
                    .await?;
                outcome.copied_manifests += 1;
            }
            return Ok(());
        }
        let blobs = refs
            .config
            .iter()
            .chain(refs.layers.iter())
            // Non-distributable layers live elsewhere (`urls`): nothing to copy.
            .filter(|b| b.urls.is_empty());
        for blob in blobs {
            if self.mount_blob(src, dst, &blob.digest, scope).await? {
                outcome.mounted_blobs += 1;
            } else {
                outcome.copied_blobs += 1;
            }
        }
        Ok(())
    }

    /// Mount `digest` from `src` into `dst`. `true` when mounted; `false`
    /// when the registry refused and the blob was copied instead.
    async fn mount_blob(
        &self,
        src: &Parts,
        dst: &Parts,
        digest: &str,
        scope: &str,
    ) -> Result<bool> {
        let location = dst.at(digest);
        // Built in a block: the serializer is not `Send` and must not live across an await.
        let query = {
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            query.append_pair("mount", digest);
            query.append_pair("from", &src.repository);
            query.finish()
        };
        let req = self.request(
            Method::POST,
            &dst.registry,
            &format!("/v2/{}/blobs/uploads/?{query}", dst.repository),
            scope.to_owned(),
            location.clone(),
        );
        let reply = self.send(&req).await?;
        match reply.status {
            201 => Ok(true),
            202 => {
                tracing::debug!(%digest, "mount refused: copying the blob");
                let upload = reply
                    .header(header::LOCATION)
                    .map(str::to_owned)
                    .ok_or_else(|| Error::InvalidResponse {
                        location: location.clone(),
                        message: "upload started without a Location".to_owned(),
                    })?;
                self.copy_blob(src, dst, digest, &upload, scope).await?;
                Ok(false)
            }
            _ => Err(reply.into_error(location)),
        }
    }

    /// Copy one blob through memory into an upload session (the fallback
    /// when a registry does not mount).
    async fn copy_blob(
        &self,
        src: &Parts,
        dst: &Parts,
        digest: &str,
        upload: &str,
        scope: &str,
    ) -> Result<()> {
        let get = self.request(
            Method::GET,
            &src.registry,
            &format!("/v2/{}/blobs/{digest}", src.repository),
            scope.to_owned(),
            src.at(digest),
        );
        let blob = self.send(&get.cap(BLOB_CAP)).await?;
        if !blob.is_success() {
            return Err(blob.into_error(src.at(digest)));
        }
        check_digest(digest, &blob.body).map_err(|m| Error::InvalidResponse {
            location: src.at(digest),
            message: format!("the blob does not match its digest ({m})"),
        })?;
        let base = url::Url::parse(&self.endpoint(&dst.registry))
            .map_err(|e| Error::Client(e.to_string()))?;
        let mut url = base.join(upload).map_err(|err| Error::InvalidResponse {
            location: dst.at(digest),
            message: format!("invalid upload Location: {err}"),
        })?;
        url.query_pairs_mut().append_pair("digest", digest);
        let mut put = self.request(
            Method::PUT,
            &dst.registry,
            "",
            scope.to_owned(),
            dst.at(digest),
        );
        put.url = url.to_string();
        let put = put
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(blob.body);
        let reply = self.send(&put).await?;
        if !reply.is_success() {
            return Err(reply.into_error(dst.at(digest)));
        }
        Ok(())
    }

    /// Every tag of `image`'s repository, following `Link` pagination.
    pub async fn list_tags(&self, image: &ImageRef) -> Result<Vec<String>> {
        self.list_tags_paged(image, 1000).await
    }

    /// [`Client::list_tags`] asking for `page_size` tags per request.
    pub async fn list_tags_paged(&self, image: &ImageRef, page_size: usize) -> Result<Vec<String>> {
        let parts = Parts::of(image);
        let location = Location::new(&parts.registry, &parts.repository, "");
        let base = url::Url::parse(&self.endpoint(&parts.registry))
            .map_err(|e| Error::Client(e.to_string()))?;
        let mut next = Some(format!(
            "/v2/{}/tags/list?n={}",
            parts.repository,
            page_size.max(1)
        ));
        let mut tags = Vec::new();
        let mut pages = 0;
        while let Some(path) = next.take() {
            pages += 1;
            if pages > MAX_TAG_PAGES {
                break;
            }
            let url = base.join(&path).map_err(|err| Error::InvalidResponse {
                location: location.clone(),
                message: format!("invalid Link: {err}"),
            })?;
            if url.origin() != base.origin() {
                return Err(Error::InvalidResponse {
                    location,
                    message: "the next page is on another host".to_owned(),
                });
            }
            let mut req = self.request(
                Method::GET,
                &parts.registry,
                "",
                pull_scope(&parts.repository),
                location.clone(),
            );
            req.url = url.to_string();
            let reply = self.send(&req.cap(TAG_LIST_CAP)).await?;
            if !reply.is_success() {
                return Err(reply.into_error(location));
            }
            #[derive(Deserialize)]
            struct TagList {
                #[serde(default)]
                tags: Option<Vec<String>>,
            }
            let page: TagList =
                serde_json::from_slice(&reply.body).map_err(|err| Error::InvalidResponse {
                    location: location.clone(),
                    message: format!("invalid tag list: {err}"),
                })?;
            tags.extend(page.tags.unwrap_or_default());
            next = next_link(&reply);
        }
        Ok(tags)
    }
}

/// `<…>; rel="next"` from the `Link` header.
fn next_link(reply: &Reply) -> Option<String> {
    reply
        .headers
        .get_all(header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find(|link| link.contains("rel=\"next\"") || link.contains("rel=next"))
        .and_then(|link| {
            let start = link.find('<')?;
            let end = link.find('>')?;
            link.get(start + 1..end).map(str::to_owned)
        })
}

/// `Ok` when `bytes` are an image manifest or index of `media_type`: one
/// of the four types gantry passes through, `schemaVersion` 2, a
/// `mediaType` (when present) that agrees, and `config` and `layers`, or
/// `manifests`, that are descriptors. `Err` says what is wrong.
fn check_shape(media_type: &str, bytes: &[u8]) -> std::result::Result<(), String> {
    use serde_json::Value;
    let index = match media_type {
        OCI_INDEX | DOCKER_MANIFEST_LIST => true,
        OCI_MANIFEST | DOCKER_MANIFEST => false,
        other => {
            let shown: String = other.chars().take(100).collect();
            return Err(format!("unknown media type `{}`", shown.escape_debug()));
        }
    };
    let value: Value = serde_json::from_slice(bytes).map_err(|err| format!("not JSON ({err})"))?;
    let object = value.as_object().ok_or("not a JSON object")?;
    if object.get("schemaVersion").and_then(Value::as_u64) != Some(2) {
        return Err("`schemaVersion` is not 2".to_owned());
    }
    if let Some(declared) = object.get("mediaType")
        && declared.as_str() != Some(media_type)
    {
        return Err(format!(
            "`mediaType` {declared} does not agree with the Content-Type `{media_type}`"
        ));
    }
    let descriptor = |value: &Value, what: &str| -> std::result::Result<(), String> {
        let digest = value.get("digest").and_then(Value::as_str);
        let valid = digest.is_some_and(|d| Digest::parse(d).is_ok())
            && value.get("mediaType").is_some_and(Value::is_string)
            && value.get("size").is_some_and(Value::is_u64);
        if valid {
            Ok(())
        } else {
            Err(format!(
                "{what} is not a descriptor (mediaType, digest, size)"
            ))
        }
    };
    if index {
        let manifests = object
            .get("manifests")
            .and_then(Value::as_array)
            .ok_or("an index without a `manifests` list")?;
        for (i, entry) in manifests.iter().enumerate() {
            descriptor(entry, &format!("`manifests[{i}]`"))?;
        }
    } else {
        descriptor(
            object.get("config").ok_or("a manifest without `config`")?,
            "`config`",
        )?;
        let layers = object
            .get("layers")
            .and_then(Value::as_array)
            .ok_or("a manifest without a `layers` list")?;
        for (i, entry) in layers.iter().enumerate() {
            descriptor(entry, &format!("`layers[{i}]`"))?;
        }
    }
    Ok(())
}

/// `Ok` when `bytes` hash to `digest`; `Err` says what they hash to.
fn check_digest(digest: &str, bytes: &[u8]) -> std::result::Result<(), String> {
    let algorithm = digest.split(':').next().unwrap_or_default();
    match digest_bytes(algorithm, bytes) {
        Some(actual) if actual == digest => Ok(()),
        Some(actual) => Err(format!("the bytes are {actual}")),
        None => Err(format!("unsupported digest algorithm `{algorithm}`")),
    }
}

/// The full reference for a retag target.
fn target_ref(source: &ImageRef, target: &Target) -> Result<ImageRef> {
    match target {
        Target::Tag(tag) => Ok(source.without_digest().without_tag().with_tag(tag.clone())),
        Target::Image(image) => {
            let invalid = |reason: &str| Error::InvalidReference {
                reference: image.to_string(),
                reason: reason.to_owned(),
            };
            if image.registry() != source.registry() {
                return Err(invalid(&format!(
                    "a retag target must be in the source's registry `{}` (copying between registries is not supported)",
                    source.registry()
                )));
            }
            if image.digest().is_some() {
                return Err(invalid("a retag target is a tag, not a digest"));
            }
            if image.tag().is_none() {
                return Err(invalid("a retag target needs a tag"));
            }
            Ok(image.clone())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let source = ImageRef::parse("127.0.0.1:5000/acme/api@sha256:0123456789012345678901234567890123456789012345678901234567890123").unwrap();
        let t = target_ref(&source, &Target::Tag(Tag::parse("v1").unwrap())).unwrap();
        assert_eq!(t.to_string(), "127.0.0.1:5000/acme/api:v1");
        let other = ImageRef::parse("ghcr.io/acme/api:v1").unwrap();
        let err = target_ref(&source, &Target::Image(other)).unwrap_err();
        assert!(err.is_input_error());
        assert!(err.to_string().contains("ghcr.io/acme/api:v1"), "{err}");
        let untagged = ImageRef::parse("127.0.0.1:5000/acme/web").unwrap();
        assert!(target_ref(&source, &Target::Image(untagged)).is_err());
    }

    #[test]
    fn shapes() {
        let config = r#"{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:0123456789012345678901234567890123456789012345678901234567890123","size":2}"#;
        let manifest = format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{config},"layers":[{config}]}}"#
        );
        let index = format!(r#"{{"schemaVersion":2,"manifests":[{config}]}}"#);
        let cases: Vec<(&str, String, Option<&str>)> = vec![
            (OCI_MANIFEST, manifest.clone(), None),
            (
                DOCKER_MANIFEST,
                manifest.replace(OCI_MANIFEST, DOCKER_MANIFEST),
                None,
            ),
            (OCI_INDEX, index.clone(), None),
            (DOCKER_MANIFEST_LIST, index.clone(), None),
            (
                "application/json",
                manifest.clone(),
                Some("unknown media type `application/json`"),
            ),
            (OCI_INDEX, manifest.clone(), Some("does not agree")),
            (OCI_MANIFEST, index.clone(), Some("without `config`")),
            (
                OCI_INDEX,
                r#"{"schemaVersion":2}"#.to_owned(),
                Some("without a `manifests` list"),
            ),
            (
                OCI_MANIFEST,
                r#"{"schemaVersion":1}"#.to_owned(),
                Some("`schemaVersion` is not 2"),
            ),
            (OCI_MANIFEST, "[]".to_owned(), Some("not a JSON object")),
            (OCI_MANIFEST, "<html>".to_owned(), Some("not JSON")),
            (
                OCI_MANIFEST,
                manifest.replace(r#""size":2"#, r#""size":"2""#),
                Some("`config` is not a descriptor"),
            ),
            (
                OCI_INDEX,
                index.replace("sha256:0123", "sha256:x123"),
                Some("`manifests[0]` is not a descriptor"),
            ),
        ];
        for (media_type, body, want) in cases {
            let got = check_shape(media_type, body.as_bytes());
            match want {
                None => assert_eq!(got, Ok(()), "{media_type} {body}"),
                Some(want) => {
                    let err = got.unwrap_err();
                    assert!(err.contains(want), "{media_type} {body}: {err}");
                }
            }
        }
    }

    #[test]
    fn digests() {
        assert_eq!(
            digest_bytes("sha256", b"").unwrap(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(
            check_digest(
                "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                b""
            )
            .is_ok()
        );
        assert!(check_digest("sha256:00", b"x").is_err());
    }
}
