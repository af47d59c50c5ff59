//! Property tests: references generated from the grammar parse, print back
//! exactly and normalise to something that parses to the same repository;
//! arbitrary input never panics, and whatever parses prints back exactly.

use gantry_image::{Digest, ImageRef, Tag};
use proptest::prelude::*;

/// A DNS label: `[a-zA-Z0-9]` or `[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]`.
fn label() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9]([a-zA-Z0-9-]{0,6}[a-zA-Z0-9])?"
}

fn port() -> impl Strategy<Value = String> {
    "[0-9]{1,5}"
}

/// Registries Docker recognises as such: with a `.`, a port, `localhost`,
/// an uppercase letter, or an IPv6 address in brackets.
fn domain() -> impl Strategy<Value = String> {
    let dotted = (
        prop::collection::vec(label(), 2..4),
        prop::option::of(port()),
    )
        .prop_map(|(labels, port)| with_port(labels.join("."), port));
    let with_a_port = (label(), port()).prop_map(|(host, port)| format!("{host}:{port}"));
    let localhost =
        prop::option::of(port()).prop_map(|port| with_port("localhost".to_owned(), port));
    let uppercase = "[A-Z][a-zA-Z0-9]{0,5}";
    let ipv6 = (
        "[0-9a-fA-F]{0,4}(:[0-9a-fA-F]{0,4}){1,7}",
        prop::option::of(port()),
    )
        .prop_map(|(address, port)| with_port(format!("[{address}]"), port));
    let docker_hub = prop_oneof![Just("docker.io"), Just("index.docker.io")].prop_map(String::from);
    prop_oneof![
        1 => dotted,
        1 => with_a_port,
        1 => localhost,
        1 => uppercase.prop_map(String::from),
        1 => ipv6,
        // Docker Hub, where normalisation and familiar names get subtle.
        2 => docker_hub,
    ]
}

fn with_port(host: String, port: Option<String>) -> String {
    match port {
        Some(port) => format!("{host}:{port}"),
        None => host,
    }
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`.
fn path_component() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,6}(([._]|__|-{1,3})[a-z0-9]{1,6}){0,2}"
}

/// Components joined by `/`, sometimes under `library/` or starting with
/// a component Docker would read as a registry if nothing came before it.
fn path() -> impl Strategy<Value = String> {
    let first = prop_oneof![
        4 => path_component(),
        1 => Just("library".to_owned()),
        1 => Just("localhost".to_owned()),
        1 => Just("foo.bar".to_owned()),
    ];
    (first, prop::collection::vec(path_component(), 0..4)).prop_map(|(first, rest)| {
        std::iter::once(first)
            .chain(rest)
            .collect::<Vec<_>>()
            .join("/")
    })
}

/// `[\w][\w.-]{0,127}`.
fn tag() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
}

fn digest() -> impl Strategy<Value = String> {
    let other = (
        "[a-z][a-z0-9]{0,5}([+._-][a-z][a-z0-9]{0,3}){0,2}",
        "[a-fA-F0-9]{32,72}",
    )
        .prop_filter(
            "registered algorithms have fixed lengths",
            |(algorithm, _)| !matches!(algorithm.as_str(), "sha256" | "sha384" | "sha512"),
        )
        .prop_map(|(algorithm, hex)| format!("{algorithm}:{hex}"));
    prop_oneof![
        "[a-f0-9]{64}".prop_map(|hex| format!("sha256:{hex}")),
        "[a-f0-9]{96}".prop_map(|hex| format!("sha384:{hex}")),
        "[a-f0-9]{128}".prop_map(|hex| format!("sha512:{hex}")),
        other,
    ]
}

/// The parts of a valid reference.
#[derive(Debug, Clone)]
struct Parts {
    domain: Option<String>,
    path: String,
    tag: Option<String>,
    digest: Option<String>,
}

impl Parts {
    fn name(&self) -> String {
        match &self.domain {
            Some(domain) => format!("{domain}/{}", self.path),
            None => self.path.clone(),
        }
    }

    fn reference(&self) -> String {
        let mut out = self.name();
        if let Some(tag) = &self.tag {
            out.push(':');
            out.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            out.push('@');
            out.push_str(digest);
        }
        out
    }

    /// Without a registry, a first component with a `.` (or `localhost`)
    /// would be read as one; and 64 hex digits alone are an image ID.
    fn is_unambiguous(&self) -> bool {
        let first_is_registry = self.domain.is_none()
            && self
                .path
                .split_once('/')
                .is_some_and(|(first, _)| first.contains('.') || first == "localhost");
        let is_image_id =
            self.reference().len() == 64 && self.reference().bytes().all(|b| b.is_ascii_hexdigit());
        !first_is_registry && !is_image_id
    }
}

fn parts() -> impl Strategy<Value = Parts> {
    (
        prop::option::of(domain()),
        path(),
        prop::option::of(tag()),
        prop::option::of(digest()),
    )
        .prop_map(|(domain, path, tag, digest)| Parts {
            domain,
            path,
            tag,
            digest,
        })
        .prop_filter("ambiguous without a registry", Parts::is_unambiguous)
}

/// Up to 60 characters references are made of, and some they are not.
const ALPHABET_STRING: &str = "[a-zA-Z0-9._:/@\\[\\]+%-]{0,60}";

/// Up to 2 such characters, to insert into a valid reference.
const ALPHABET_INSERT: &str = "[a-zA-Z0-9._:/@\\[\\]+%-]{0,2}";

/// Checks what must hold for any input: no panic, an exact round trip when
/// it parses, and an error that names the input when it does not.
fn check_any(input: &str) -> Result<(), TestCaseError> {
    match ImageRef::parse(input) {
        Ok(image) => {
            prop_assert_eq!(image.to_string(), input);
            prop_assert_eq!(ImageRef::parse(input), Ok(image.clone()));
            let normalized = ImageRef::parse(&image.normalized());
            prop_assert!(normalized.is_ok_and(|n| n.same_repository(&image)));
        }
        Err(error) => {
            prop_assert_eq!(error.input(), input);
            if !input.chars().any(char::is_control) {
                let message = error.to_string();
                prop_assert!(message.contains(&format!("`{input}`")), "{}", message);
            }
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn generated_references_round_trip(parts in parts()) {
        let input = parts.reference();
        let image = ImageRef::parse(&input).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(image.to_string(), input.as_str());
        prop_assert_eq!(image.domain(), parts.domain.as_deref());
        prop_assert_eq!(image.path(), parts.path.as_str());
        prop_assert_eq!(image.name(), parts.name());
        prop_assert_eq!(image.tag().map(Tag::as_str), parts.tag.as_deref());
        prop_assert_eq!(image.digest().map(Digest::as_str), parts.digest.as_deref());
    }

    #[test]
    fn normalized_and_familiar_name_the_same_image(parts in parts()) {
        let image = ImageRef::parse(&parts.reference())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        for other in [image.normalized(), image.familiar()] {
            let reparsed = ImageRef::parse(&other)
                .map_err(|e| TestCaseError::fail(format!("`{other}`: {e}")))?;
            prop_assert!(reparsed.same_repository(&image), "{} vs {}", other, image);
            prop_assert!(image.same_repository(&reparsed));
            prop_assert_eq!(reparsed.tag(), image.tag());
            prop_assert_eq!(reparsed.digest(), image.digest());
            prop_assert_eq!(reparsed.normalized(), image.normalized());
            prop_assert_eq!(reparsed.familiar(), image.familiar());
        }
        prop_assert!(image.familiar().len() <= image.to_string().len());
        prop_assert_eq!(
            image.normalized(),
            format!("{}/{}", image.registry(), image.repository())
                + &image.to_string()[image.name().len()..]
        );
    }

    #[test]
    fn with_tag_and_digest_change_only_their_part(
        parts in parts(),
        new_tag in tag(),
        new_digest in digest(),
    ) {
        let image = ImageRef::parse(&parts.reference())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let tag = Tag::parse(&new_tag).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let digest = Digest::parse(&new_digest).map_err(|e| TestCaseError::fail(e.to_string()))?;

        let retagged = Parts { tag: Some(new_tag), ..parts.clone() };
        prop_assert_eq!(image.with_tag(tag).to_string(), retagged.reference());
        let repinned = Parts { digest: Some(new_digest), ..parts.clone() };
        prop_assert_eq!(image.with_digest(digest).to_string(), repinned.reference());
        let untagged = Parts { tag: None, ..parts.clone() };
        prop_assert_eq!(image.without_tag().to_string(), untagged.reference());
        let unpinned = Parts { digest: None, ..parts };
        prop_assert_eq!(image.without_digest().to_string(), unpinned.reference());
    }

    #[test]
    fn arbitrary_strings_never_panic(input in any::<String>()) {
        check_any(&input)?;
        if let Ok(tag) = Tag::parse(&input) {
            prop_assert_eq!(tag.to_string(), input.as_str());
        }
        if let Ok(digest) = Digest::parse(&input) {
            prop_assert_eq!(digest.to_string(), input.as_str());
        }
    }

    #[test]
    fn strings_over_the_reference_alphabet_never_panic(input in ALPHABET_STRING) {
        check_any(&input)?;
    }

    #[test]
    fn mutated_references_never_panic(
        parts in parts(),
        at in any::<prop::sample::Index>(),
        replacement in ALPHABET_INSERT,
        delete in 0usize..3,
    ) {
        let input = parts.reference();
        let chars: Vec<char> = input.chars().collect();
        let start = at.index(chars.len() + 1);
        let end = (start + delete).min(chars.len());
        let mutated: String = chars[..start]
            .iter()
            .chain(replacement.chars().collect::<Vec<_>>().iter())
            .chain(chars[end..].iter())
            .collect();
        check_any(&mutated)?;
    }
}
