//! Whether a container image is the one a user names when undoing "to the
//! revision that ran X": a full reference (`ghcr.io/org/app:1.4`,
//! normalised, so `nginx:1` is `docker.io/library/nginx:1`), a digest
//! (`sha256:…`), a tag (`1.4`), or a commit SHA that images are tagged
//! with (`abc1234` matches `sha-abc1234`, and a full SHA matches its short
//! form).

use gantry_image::ImageRef;

/// The shortest hex string taken as a commit SHA (git's default
/// abbreviation).
const MIN_SHA: usize = 7;

/// Whether `image` (as in a pod template) is what `want` names.
pub fn image_matches(image: &str, want: &str) -> bool {
    let want = want.trim();
    if want.is_empty() {
        return false;
    }
    if image == want {
        return true;
    }
    let parsed = ImageRef::parse(image).ok();
    if is_digest(want) {
        return parsed
            .as_ref()
            .and_then(|r| r.digest())
            .is_some_and(|d| d.as_str().eq_ignore_ascii_case(want));
    }
    if want.contains(['/', ':', '@']) {
        let (Some(have), Ok(wanted)) = (parsed, ImageRef::parse(want)) else {
            return false;
        };
        let tag_ok = match wanted.tag() {
            Some(tag) => have.tag().is_some_and(|t| t.as_str() == tag.as_str()),
            None => true,
        };
        let digest_ok = match wanted.digest() {
            Some(digest) => have.digest().is_some_and(|d| d.as_str() == digest.as_str()),
            None => true,
        };
        return have.same_repository(&wanted) && tag_ok && digest_ok;
    }
    let Some(have) = parsed else {
        return false;
    };
    if let Some(tag) = have.tag() {
        if tag.as_str() == want {
            return true;
        }
        if is_sha(want) {
            let want = want.to_ascii_lowercase();
            let sha_part = |part: &str| {
                let part = part.to_ascii_lowercase();
                is_sha(&part) && (part.starts_with(&want) || want.starts_with(&part))
            };
            if tag.as_str().split(['-', '_', '.']).any(sha_part) {
                return true;
            }
        }
    }
    is_sha(want)
        && have
            .digest()
            .is_some_and(|d| d.hex().starts_with(&want.to_ascii_lowercase()))
}

fn is_digest(want: &str) -> bool {
    want.split_once(':').is_some_and(|(algorithm, hex)| {
        algorithm.starts_with("sha")
            && !hex.is_empty()
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

fn is_sha(s: &str) -> bool {
    s.len() >= MIN_SHA && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_matches() {
        let digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let pinned = format!("ghcr.io/org/app:1.4@{digest}");
        let cases: &[(&str, &str, bool)] = &[
            ("ghcr.io/org/app:1.4", "ghcr.io/org/app:1.4", true),
            ("ghcr.io/org/app:1.4", "1.4", true),
            ("ghcr.io/org/app:1.4", "1.5", false),
            ("ghcr.io/org/app:1.4", "1", false),
            ("nginx:1.25", "docker.io/library/nginx:1.25", true),
            ("docker.io/library/nginx:1.25", "nginx:1.25", true),
            ("nginx:1.25", "nginx:1.26", false),
            ("nginx:1.25", "ghcr.io/nginx:1.25", false),
            ("ghcr.io/org/app:1.4", "ghcr.io/org/app", true),
            ("ghcr.io/org/app:1.4", "ghcr.io/org/other", false),
            ("ghcr.io/org/app:sha-abc1234", "abc1234", true),
            (
                "ghcr.io/org/app:sha-abc1234",
                "abc1234def5678abc1234def5678abc1234def56",
                true,
            ),
            ("ghcr.io/org/app:sha-abc1234", "abc1235", false),
            ("ghcr.io/org/app:main-abc1234-20250101", "ABC1234", true),
            ("ghcr.io/org/app:1.4", "abc1234", false),
            // Too short to be a SHA: only a whole tag matches.
            ("ghcr.io/org/app:sha-abc1", "abc1", false),
            (&pinned, digest, true),
            (&pinned, "0123456789ab", true),
            (
                &pinned,
                "sha256:1111111111111111111111111111111111111111111111111111111111111111",
                false,
            ),
            (&pinned, &format!("ghcr.io/org/app@{digest}"), true),
            ("ghcr.io/org/app:1.4", digest, false),
            ("ghcr.io/org/app:1.4", "", false),
            ("not a ref", "not", false),
        ];
        for (image, want, expected) in cases {
            assert_eq!(image_matches(image, want), *expected, "{image} vs {want}");
        }
    }
}
