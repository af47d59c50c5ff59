//! Which spellings name the same repository (normalize_test.go
//! TestParseRepositoryInfo and TestParseAnyReference, plus the pairs that
//! must never be confused).

use gantry_image::ImageRef;

/// Parses a reference the table says is valid, naming it if it is not.
#[allow(
    clippy::panic,
    reason = "a test helper; clippy only exempts #[test] functions"
)]
#[track_caller]
fn image(s: &str) -> ImageRef {
    ImageRef::parse(s).unwrap_or_else(|e| panic!("{e}"))
}

/// Each group: spellings of one repository, and its normalised name.
const SAME: &[(&[&str], &str)] = &[
    (
        &[
            "nginx",
            "library/nginx",
            "docker.io/nginx",
            "docker.io/library/nginx",
            "index.docker.io/nginx",
            "index.docker.io/library/nginx",
            "nginx:1.25",
            "nginx@sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c",
        ],
        "docker.io/library/nginx",
    ),
    (
        &["fooo/bar", "docker.io/fooo/bar", "index.docker.io/fooo/bar"],
        "docker.io/fooo/bar",
    ),
    (
        &[
            "ubuntu-12.04-base",
            "docker.io/library/ubuntu-12.04-base",
            "index.docker.io/library/ubuntu-12.04-base",
        ],
        "docker.io/library/ubuntu-12.04-base",
    ),
    (
        &["library/foo/bar", "docker.io/library/foo/bar"],
        "docker.io/library/foo/bar",
    ),
    (
        &["ghcr.io/acme/api", "ghcr.io/acme/api:1"],
        "ghcr.io/acme/api",
    ),
    (
        &["127.0.0.1:8000/private/moonbase"],
        "127.0.0.1:8000/private/moonbase",
    ),
    (&["Foo/bar"], "Foo/bar"),
];

/// Pairs that must not match.
const DIFFERENT: &[(&str, &str)] = &[
    ("app", "app-worker"),
    ("app", "apps"),
    ("docker.io/foo/bar", "foo"),
    ("docker.io/foo/bar", "bar"),
    ("docker.io/foo/bar", "library/foo/bar"),
    ("nginx", "ghcr.io/nginx"),
    ("nginx", "ghcr.io/library/nginx"),
    ("library/foo/bar", "foo/bar"),
    ("ghcr.io/acme/api", "ghcr.io/acme/api-worker"),
    ("ghcr.io/acme/api", "GHCR.io/acme/api"),
    ("localhost/app", "localhost:5000/app"),
    ("registry-1.docker.io/library/nginx", "nginx"),
    ("other/library", "library/other"),
    ("foo/bar", "foobar"),
    ("a/b", "a_b"),
];

#[test]
fn spellings_of_one_repository_match() {
    for (spellings, normalized) in SAME {
        for a in *spellings {
            let a_image = image(a);
            assert_eq!(a_image.normalized_name(), *normalized, "{a}");
            for b in *spellings {
                assert!(a_image.same_repository(&image(b)), "{a} should match {b}");
            }
        }
    }
}

#[test]
fn different_repositories_do_not_match() {
    for (a, b) in DIFFERENT {
        assert!(
            !image(a).same_repository(&image(b)),
            "{a} should not match {b}"
        );
        assert!(
            !image(b).same_repository(&image(a)),
            "{b} should not match {a}"
        );
        assert_ne!(image(a).normalized_name(), image(b).normalized_name());
    }
}

#[test]
fn groups_do_not_match_each_other() {
    for (i, (left, _)) in SAME.iter().enumerate() {
        for (right, _) in SAME.iter().skip(i + 1) {
            for a in *left {
                for b in *right {
                    assert!(
                        !image(a).same_repository(&image(b)),
                        "{a} should not match {b}"
                    );
                }
            }
        }
    }
}

#[test]
fn equality_is_spelling_and_matching_is_normalised() {
    assert_ne!(image("nginx"), image("docker.io/library/nginx"));
    assert!(image("nginx").same_repository(&image("docker.io/library/nginx")));
    assert_eq!(image("nginx:1"), image("nginx:1"));
}
