//! Images and container names checked before anything is sent: what
//! `set image` writes goes through the project's reference parser
//! (gantry-image, the grammar of distribution/reference), so a typo like
//! `app=Bad:Ref` is refused instead of written into a Deployment whose
//! pods then cannot pull it.

use gantry_image::{Digest, ImageRef, Tag};

use crate::KubeError;

/// `CONTAINER=IMAGE` of `set image`, checked: a container name (an RFC
/// 1123 label) or `*`, and an image reference the parser accepts.
pub fn parse_image_change(pair: &str) -> Result<(String, String), KubeError> {
    let bad = |reason: String| KubeError::InvalidImage {
        input: pair.to_owned(),
        reason,
    };
    let Some((container, image)) = pair.split_once('=') else {
        return Err(bad(
            "expected CONTAINER=IMAGE (e.g. app=ghcr.io/acme/web:1.2.3)".to_owned(),
        ));
    };
    let container = container.trim();
    if container != "*" && !is_label(container) {
        return Err(bad(format!(
            "the container name {container:?} must be `*` or at most 63 lowercase letters, digits and '-'"
        )));
    }
    // Surrounding whitespace is how inputs arrive (a YAML block, a
    // trailing newline); whitespace inside is an error.
    let image = image.trim();
    check_image(image).map_err(bad)?;
    Ok((container.to_owned(), image.to_owned()))
}

/// An image reference as a pod template takes it: parsed, as written
/// (nothing the parser refuses, whitespace included).
pub fn check_image(image: &str) -> Result<(), String> {
    if image.is_empty() {
        return Err("the image is empty".to_owned());
    }
    ImageRef::parse(image)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// What `undo --to-image` names: a full reference, a digest, or a tag or
/// commit SHA (a bare tag).
pub fn check_image_target(want: &str) -> Result<(), KubeError> {
    let want = want.trim();
    let bad = |reason: String| KubeError::InvalidImage {
        input: want.to_owned(),
        reason,
    };
    if want.is_empty() {
        return Err(bad("the image is empty".to_owned()));
    }
    if let Some((algorithm, _)) = want.split_once(':')
        && algorithm.starts_with("sha")
        && !want.contains(['/', '@'])
    {
        return Digest::parse(want)
            .map(|_| ())
            .map_err(|e| bad(e.to_string()));
    }
    if want.contains(['/', ':', '@']) {
        return check_image(want).map_err(bad);
    }
    Tag::parse(want).map(|_| ()).map_err(|e| bad(e.to_string()))
}

fn is_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn image_changes() {
        for (pair, container, image) in [
            (
                "app=ghcr.io/acme/web:1.2.3",
                "app",
                "ghcr.io/acme/web:1.2.3",
            ),
            ("*=nginx", "*", "nginx"),
            (
                "web-1=nginx@sha256:0123456789012345678901234567890123456789012345678901234567890123",
                "web-1",
                "nginx@sha256:0123456789012345678901234567890123456789012345678901234567890123",
            ),
            ("app=localhost:5000/x:y", "app", "localhost:5000/x:y"),
        ] {
            assert_eq!(
                parse_image_change(pair).unwrap(),
                (container.to_owned(), image.to_owned()),
                "{pair}"
            );
        }
        for (pair, words) in [
            ("app=Bad:Ref", "lowercase"),
            ("app=nginx:-x", "nginx:-x"),
            ("app=nginx\n:1", "nginx"),
            ("app=", "empty"),
            ("app=ngi nx", "invalid image reference"),
            ("noequals", "expected CONTAINER=IMAGE"),
            ("=nginx", "container name"),
            ("App=nginx", "container name"),
            ("app=https://ghcr.io/x", "invalid image reference"),
            ("app=nginx:1 x", "invalid image reference"),
        ] {
            let err = parse_image_change(pair).unwrap_err();
            assert!(err.is_input_error());
            let text = err.to_string();
            assert!(text.contains(words), "{pair:?}: {text}");
        }
    }

    #[test]
    fn undo_targets() {
        for ok in [
            "1.4.2",
            "abc1234",
            "sha256:0123456789012345678901234567890123456789012345678901234567890123",
            "ghcr.io/acme/web:1.4",
            "nginx:1",
            "latest",
        ] {
            assert!(check_image_target(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Bad:Ref",
            "nginx:-x",
            "-x",
            "a b",
            "1.0\nx",
            "sha256:xyz",
            "ghcr.io/Acme/web",
        ] {
            let err = check_image_target(bad).unwrap_err();
            assert!(err.is_input_error(), "{bad:?}");
        }
    }
}
