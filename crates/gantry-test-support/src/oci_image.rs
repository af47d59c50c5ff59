//! Small OCI images and multi-arch indexes, uploaded to a registry through
//! the Distribution HTTP API (no Docker, no pulls): a random config and one
//! or more random layers per image, so every image has fresh digests.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use gantry_test_support::oci_image::{ImageSpec, Uploader};
//! let registry = gantry_test_support::registry::Registry::start()?;
//! let up = Uploader::for_registry(&registry);
//! let index = up.push_index("acme/api", "multi", &[ImageSpec::new("amd64"), ImageSpec::new("arm64")])?;
//! assert!(index.digest.starts_with("sha256:"));
//! # Ok(()) }
//! ```

use std::io::{self, Read};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::ports::HttpRequest;
use crate::registry::Registry;

/// OCI image manifest media type.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image index media type.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// OCI image config media type.
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// OCI layer media type (uncompressed tar; our layers are random bytes).
pub const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar";

/// One image to build: platform and layer sizes.
#[derive(Debug, Clone)]
pub struct ImageSpec {
    /// `os` of the platform (`linux`).
    pub os: String,
    /// `architecture` (`amd64`, `arm64`).
    pub architecture: String,
    /// Size in bytes of each layer (random content).
    pub layers: Vec<usize>,
}

impl ImageSpec {
    /// linux/`architecture` with two small layers (1 KiB and 2 KiB).
    pub fn new(architecture: &str) -> Self {
        Self {
            os: "linux".to_owned(),
            architecture: architecture.to_owned(),
            layers: vec![1024, 2048],
        }
    }

    /// Set the layer sizes.
    pub fn layers(mut self, sizes: &[usize]) -> Self {
        self.layers = sizes.to_vec();
        self
    }
}

/// An uploaded image.
#[derive(Debug, Clone)]
pub struct PushedImage {
    /// `sha256:…` of the manifest.
    pub digest: String,
    /// The manifest bytes as uploaded.
    pub manifest: Vec<u8>,
    /// `sha256:…` of the config blob.
    pub config: String,
    /// `sha256:…` of each layer.
    pub layers: Vec<String>,
    /// Bytes of all blobs (config + layers).
    pub blob_bytes: usize,
}

/// An uploaded index and its images.
#[derive(Debug, Clone)]
pub struct PushedIndex {
    /// `sha256:…` of the index.
    pub digest: String,
    /// The index bytes as uploaded.
    pub bytes: Vec<u8>,
    /// The images it lists, in order.
    pub images: Vec<PushedImage>,
}

/// Uploads images to one registry.
#[derive(Debug, Clone)]
pub struct Uploader {
    base: String,
    authorization: Option<String>,
}

impl Uploader {
    /// For a registry at `base` (`http://127.0.0.1:PORT`) with an optional
    /// `Authorization` header value.
    pub fn new(base: &str, authorization: Option<String>) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            authorization,
        }
    }

    /// For a rig registry (with its basic-auth credentials, if any).
    pub fn for_registry(registry: &Registry) -> Self {
        let authorization = registry
            .credentials()
            .map(|(user, password)| crate::ports::basic_auth(user, password));
        Self::new(&registry.url(), authorization)
    }

    fn request(&self, method: &str, url: &str) -> HttpRequest {
        let url = if url.starts_with("http://") {
            url.to_owned()
        } else {
            format!("{}{url}", self.base)
        };
        let request = HttpRequest::new(method, &url).timeout(Duration::from_secs(30));
        match &self.authorization {
            Some(auth) => request.header("Authorization", auth),
            None => request,
        }
    }

    /// Upload a blob (monolithic: POST then PUT); returns its digest.
    pub fn push_blob(&self, repository: &str, bytes: &[u8]) -> io::Result<String> {
        let digest = sha256_digest(bytes);
        let start = self
            .request("POST", &format!("/v2/{repository}/blobs/uploads/"))
            .send()?;
        if start.status != 202 {
            return Err(io::Error::other(format!(
                "POST blob upload to {repository}: {start:?}"
            )));
        }
        let location = start
            .header("location")
            .ok_or_else(|| io::Error::other("blob upload without Location"))?;
        let sep = if location.contains('?') { '&' } else { '?' };
        let put = self
            .request("PUT", &format!("{location}{sep}digest={digest}"))
            .header("Content-Type", "application/octet-stream")
            .body(bytes.to_vec())
            .send()?;
        if put.status != 201 {
            return Err(io::Error::other(format!(
                "PUT blob {digest} to {repository}: {put:?}"
            )));
        }
        Ok(digest)
    }

    /// Upload a manifest under `reference` (tag or digest); returns its digest.
    pub fn push_manifest(
        &self,
        repository: &str,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> io::Result<String> {
        let digest = sha256_digest(bytes);
        let put = self
            .request("PUT", &format!("/v2/{repository}/manifests/{reference}"))
            .header("Content-Type", media_type)
            .body(bytes.to_vec())
            .send()?;
        if put.status != 201 {
            return Err(io::Error::other(format!(
                "PUT manifest {repository}:{reference}: {put:?}"
            )));
        }
        if put.header("docker-content-digest") != Some(digest.as_str()) {
            return Err(io::Error::other(format!(
                "PUT manifest {repository}:{reference}: digest {:?}, expected {digest}",
                put.header("docker-content-digest")
            )));
        }
        Ok(digest)
    }

    /// Build and upload one image; tag it `tag` unless `tag` is empty
    /// (then it is stored by digest only).
    pub fn push_image(
        &self,
        repository: &str,
        tag: &str,
        spec: &ImageSpec,
    ) -> io::Result<PushedImage> {
        let mut layers = Vec::new();
        let mut layer_descriptors = Vec::new();
        let mut blob_bytes = 0;
        for size in &spec.layers {
            let bytes = random_bytes(*size)?;
            let digest = self.push_blob(repository, &bytes)?;
            blob_bytes += bytes.len();
            layer_descriptors.push(serde_json::json!({
                "mediaType": OCI_LAYER, "digest": digest, "size": bytes.len()
            }));
            layers.push(digest);
        }
        let nonce = hex(&random_bytes(16)?);
        let config = serde_json::json!({
            "architecture": spec.architecture,
            "os": spec.os,
            "created": "2026-01-01T00:00:00Z",
            "config": { "Labels": { "dev.gantry.test.nonce": nonce } },
            "rootfs": { "type": "layers", "diff_ids": layers },
        });
        let config_bytes = serde_json::to_vec(&config).map_err(io::Error::other)?;
        let config_digest = self.push_blob(repository, &config_bytes)?;
        blob_bytes += config_bytes.len();
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": { "mediaType": OCI_CONFIG, "digest": config_digest, "size": config_bytes.len() },
            "layers": layer_descriptors,
        });
        let manifest = serde_json::to_vec_pretty(&manifest).map_err(io::Error::other)?;
        let digest = sha256_digest(&manifest);
        let reference = if tag.is_empty() { digest.as_str() } else { tag };
        self.push_manifest(repository, reference, OCI_MANIFEST, &manifest)?;
        Ok(PushedImage {
            digest,
            manifest,
            config: config_digest,
            layers,
            blob_bytes,
        })
    }

    /// Upload one image per spec (by digest) and an OCI index of them tagged `tag`.
    pub fn push_index(
        &self,
        repository: &str,
        tag: &str,
        specs: &[ImageSpec],
    ) -> io::Result<PushedIndex> {
        let mut images = Vec::new();
        let mut entries = Vec::new();
        for spec in specs {
            let image = self.push_image(repository, "", spec)?;
            entries.push(serde_json::json!({
                "mediaType": OCI_MANIFEST,
                "digest": image.digest,
                "size": image.manifest.len(),
                "platform": { "os": spec.os, "architecture": spec.architecture },
            }));
            images.push(image);
        }
        let index = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": entries,
        });
        // Pretty-printed on purpose: a client that re-serialises would change the digest.
        let bytes = serde_json::to_vec_pretty(&index).map_err(io::Error::other)?;
        let digest = self.push_manifest(repository, tag, OCI_INDEX, &bytes)?;
        Ok(PushedIndex {
            digest,
            bytes,
            images,
        })
    }
}

/// `len` random bytes from `/dev/urandom` (time-seeded fallback).
pub fn random_bytes(len: usize) -> io::Result<Vec<u8>> {
    let mut out = vec![0u8; len];
    match std::fs::File::open("/dev/urandom") {
        Ok(mut file) => file.read_exact(&mut out)?,
        Err(_) => {
            let mut state = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
                | 1;
            for b in &mut out {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *b = state as u8;
            }
        }
    }
    Ok(out)
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&sha256(bytes)))
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 (FIPS 180-4), std only, for test fixtures.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut message = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&bit_len.to_be_bytes());
    for block in message.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (slot, v) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *slot = slot.wrapping_add(v);
        }
    }
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_known_values() {
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let long = vec![b'a'; 1000];
        assert_eq!(
            hex(&sha256(&long)),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"
        );
    }
}
