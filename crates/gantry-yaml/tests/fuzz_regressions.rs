//! Inputs found by the cargo-fuzz targets in `fuzz/` (each fed as its exact
//! bytes, asserting the kind of result), the fuzz seeds, and a stable-toolchain
//! property test standing in for the fuzzer in CI: arbitrary bytes and YAML-ish
//! text through `decode`, `parse`, `set_scalar` and `apply`, which must never
//! panic and must keep the promises the `edit` fuzz target checks.

// A broken promise is reported by panicking with the input.
#![allow(clippy::panic)]

use gantry_yaml::{Error, Node, NodeKind, apply, decode, parse, set_scalar};
use proptest::prelude::*;

/// Most targets one input is edited at: each edit re-parses the source a few times.
const MAX_TARGETS: usize = 64;

/// Paths of every scalar and alias below `node`, keys written as `["..."]`.
fn collect(node: &Node, path: String, doc: usize, out: &mut Vec<(usize, String)>) {
    match &node.kind {
        NodeKind::Scalar { .. } | NodeKind::Alias(_) => out.push((doc, path)),
        NodeKind::Mapping { entries, .. } => {
            for (key, value) in entries {
                if let NodeKind::Scalar { value: k, .. } = &key.kind {
                    let quoted = k.replace('\\', "\\\\").replace('"', "\\\"");
                    collect(value, format!("{path}[\"{quoted}\"]"), doc, out);
                }
            }
        }
        NodeKind::Sequence { items, .. } => {
            for (i, item) in items.iter().enumerate() {
                collect(item, format!("{path}[{i}]"), doc, out);
            }
        }
    }
}

/// What the `edit` fuzz target does with one input: set every scalar to
/// `value`, one at a time and then all together. Returns how many single
/// edits applied. Panics (with the input) when a promise is broken.
fn edit_everything(src: &str, value: &str) -> usize {
    let Ok(stream) = parse(src) else { return 0 };
    let mut targets = Vec::new();
    for (doc, d) in stream.documents.iter().enumerate() {
        collect(&d.root, String::new(), doc, &mut targets);
    }
    targets.truncate(MAX_TARGETS);
    let mut applied = 0;
    let mut planned = Vec::new();
    for (doc, path) in &targets {
        let Ok(edit) = set_scalar(src, *doc, path, value) else {
            continue;
        };
        if let Ok(out) = apply(src, std::slice::from_ref(&edit)) {
            applied += 1;
            let reparsed = parse(&out).unwrap_or_else(|e| {
                panic!(
                    "edit {doc}:{path} = {value:?} of {src:?}: output does not parse: {e}\n{out:?}"
                )
            });
            check_edit(src, &out, &reparsed, &edit);
            let again = set_scalar(&out, *doc, path, value).unwrap_or_else(|e| {
                panic!("second edit {doc}:{path} = {value:?} of {src:?} failed: {e}\n{out:?}")
            });
            assert!(
                again.is_noop(&out),
                "second edit {doc}:{path} = {value:?} of {src:?} is not a no-op: {again:?}\n{out:?}"
            );
            let twice = apply(&out, &[again]).unwrap_or_else(|e| {
                panic!("no-op edit {doc}:{path} = {value:?} of {src:?} failed: {e}\n{out:?}")
            });
            assert_eq!(
                twice, out,
                "no-op edit {doc}:{path} of {src:?} changed bytes"
            );
        }
        planned.push(edit);
    }
    if let Ok(out) = apply(src, &planned)
        && let Err(e) = parse(&out)
    {
        panic!("all edits of {src:?} = {value:?}: output does not parse: {e}\n{out:?}");
    }
    applied
}

/// The `edit` fuzz target's input split: source, NUL, value.
fn edit_input(data: &[u8]) -> usize {
    let (src, value) = match data.iter().position(|&b| b == 0) {
        Some(i) => (
            data.get(..i).unwrap_or(&[]),
            String::from_utf8_lossy(data.get(i + 1..).unwrap_or(&[])).into_owned(),
        ),
        None => (data, "x".to_owned()),
    };
    match decode(src) {
        Ok(src) => edit_everything(src, &value),
        Err(_) => 0,
    }
}

fn parse_bytes(data: &[u8]) -> Result<usize, Error> {
    let src = decode(data)?;
    parse(src).map(|s| s.documents.len())
}

// ---- Seeds: realistic files that must parse and take every edit. ----

const SEEDS: &[(&str, &[u8])] = &[
    (
        "deployment",
        include_bytes!("../../../fuzz/corpus/edit/seed-deployment.yaml"),
    ),
    (
        "kustomization",
        include_bytes!("../../../fuzz/corpus/edit/seed-kustomization.yaml"),
    ),
    (
        "values",
        include_bytes!("../../../fuzz/corpus/edit/seed-values.yaml"),
    ),
    (
        "json",
        include_bytes!("../../../fuzz/corpus/edit/seed-package.json"),
    ),
    (
        "crlf",
        include_bytes!("../../../fuzz/corpus/edit/seed-crlf.yaml"),
    ),
    (
        "bom",
        include_bytes!("../../../fuzz/corpus/edit/seed-bom.yaml"),
    ),
    (
        "no final newline",
        include_bytes!("../../../fuzz/corpus/edit/seed-no-final-newline.yaml"),
    ),
];

#[test]
fn seeds_parse_and_take_edits() {
    for (name, data) in SEEDS {
        let src_len = data.iter().position(|&b| b == 0).unwrap_or(data.len());
        let docs = parse_bytes(data.get(..src_len).unwrap_or(&[]))
            .unwrap_or_else(|e| panic!("seed {name} does not parse: {e}"));
        assert!(docs > 0, "seed {name} has no document");
        assert!(edit_input(data) > 0, "no edit of seed {name} applied");
    }
}

// ---- Stable-toolchain stand-in for the fuzzer. ----

/// Single characters and fragments that make YAML structure likely.
fn yamlish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => prop::sample::select(
            ":-[]{}#&*!|>'\"\n\r\t ,?%@.~\\abcxyzAB01"
                .chars()
                .map(String::from)
                .collect::<Vec<_>>()
        ),
        2 => prop::sample::select(vec![
            "a: ", "b:", "- ", "\n", "\n  ", "\n    ", "\r\n", "\n- ", "---\n", "...\n", "# c\n",
            " #x", "&x ", "*x", "!!str ", "!!int ", "|\n", ">-\n", "[", "]", "{", "}", ", ",
            "'q'", "\"d\\n\"", "\"", "'", "\u{feff}", "%YAML 1.2\n", "? ", "\t", "\\x4", "é",
        ])
        .prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

fn new_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,10}",
        prop::sample::select(vec![
            "",
            "x",
            "yes",
            "1.0",
            "~",
            "a: b",
            "#c",
            "- x",
            "line\nbreak",
            "tab\there",
            "'",
            "\"",
            "\u{85}",
            "é",
            " lead",
            "{{ t }}",
            "x\r\ny",
        ])
        .prop_map(str::to_owned),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = parse_bytes(&bytes);
        edit_input(&bytes);
    }

    #[test]
    fn yamlish_text_never_panics(src in yamlish(), value in new_value()) {
        let _ = parse(&src);
        edit_everything(&src, &value);
    }

    #[test]
    fn yamlish_chars_never_panic(
        src in "[a-zA-Z:\\-\\[\\]{}#&*!|>'\"\n\r\t ,?%@]{0,80}",
        value in new_value(),
    ) {
        let _ = parse(&src);
        edit_everything(&src, &value);
    }
}

/// Only the target's bytes changed, and the path now reads the new value.
fn check_edit(src: &str, out: &str, reparsed: &gantry_yaml::Stream, edit: &gantry_yaml::Edit) {
    let keep = src.len() - edit.span.end;
    assert!(
        src.get(..edit.span.start) == out.get(..edit.span.start)
            && out.len() >= edit.span.start + keep
            && src.get(edit.span.end..) == out.get(out.len() - keep..),
        "bytes outside the target changed: {edit:?}\n{src:?}\n{out:?}"
    );
    match gantry_yaml::lookup(out, reparsed, edit.doc, &edit.path) {
        Ok(found) => match &found.node.kind {
            NodeKind::Scalar { value, .. } => assert_eq!(
                value, &edit.new_value,
                "the target reads back differently: {edit:?}\n{out:?}"
            ),
            other => panic!("the target is no longer a scalar: {other:?}\n{out:?}"),
        },
        Err(e) => panic!("the path no longer resolves: {e}\n{edit:?}\n{out:?}"),
    }
}

// ---- Edge inputs at the scanner's byte-level boundaries. ----
//
// The fuzzers have not found a crash yet; these pin the result kind of inputs
// that end inside a construct or put odd bytes where the scanner looks ahead.

fn kind(r: &Result<usize, Error>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(Error::NotUtf8 { .. }) => "not-utf8",
        Err(Error::Syntax { .. }) => "syntax",
        Err(Error::Unsupported { .. }) => "unsupported",
        Err(Error::Template { .. }) => "template",
        Err(_) => "other",
    }
}

#[test]
fn edge_inputs_have_the_expected_result_kind() {
    let cases: &[(&[u8], &str)] = &[
        (b"", "ok"),
        (b"\xef\xbb\xbf", "ok"),
        (b"\xef\xbb", "not-utf8"),
        (b"a: \xff\n", "not-utf8"),
        (b"a: \"\\", "syntax"),
        (b"a: \"\\x4", "syntax"),
        (b"a: \"\\u00e", "syntax"),
        (b"a: \"\\\xc3\xa9\"", "syntax"),
        (b"a: \"\\x\xc3\xa9\"", "syntax"),
        (b"a: \"\\\r\n b\"", "ok"),
        (b"a: 'x", "syntax"),
        (b"a: \"x\n", "syntax"),
        (b"a: [b, ", "syntax"),
        (b"a: {b: ", "syntax"),
        (b"a: b\rc", "unsupported"),
        // NUL is not printable YAML; the scanner's end-of-input sentinel is 0 too.
        (b"a: \0\n", "syntax"),
        (b"\0", "syntax"),
        (b"- \0: x", "syntax"),
        (b"a: \"\0\"", "ok"),
        (b"a: 'x\0'", "ok"),
        (b"a: |", "ok"),
        (b"a: >9\n", "ok"),
        (b"a: |0\n", "syntax"),
        (b"&", "ok"),
        (b"*", "ok"),
        (b"! &", "ok"),
        (b"a: &x &y b", "syntax"),
        (b"---", "ok"),
        (b"...", "ok"),
        (b"%", "ok"),
        (b"a: {{", "template"),
        (b"a: b\t\n", "ok"),
        (b"a:\n\tb: c", "syntax"),
    ];
    let mut wrong = Vec::new();
    for (input, want) in cases {
        let got = kind(&parse_bytes(input));
        if got != *want {
            wrong.push(format!("{input:?}: want {want}, got {got}"));
        }
        edit_input(input);
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn nesting_at_and_past_the_limit_is_refused_not_overflowed() {
    let block_map =
        |n: usize| -> String { (0..n).map(|i| format!("{}a:\n", "  ".repeat(i))).collect() };
    for n in [199, 200, 201, 10_000] {
        let mut inputs = vec!["[".repeat(n), "{a: ".repeat(n), "- ".repeat(n)];
        if n < 1000 {
            inputs.push(block_map(n));
        }
        for src in inputs {
            let got = kind(&parse_bytes(src.as_bytes()));
            let head = src.get(..8).unwrap_or(&src);
            assert!(
                matches!(got, "syntax" | "unsupported" | "ok"),
                "{head:?}... x {n}: {got}"
            );
            if n > 200 {
                assert_ne!(got, "ok", "{head:?}... x {n} nests deeper than 200");
            }
            edit_everything(&src, "x");
        }
    }
    // Deep enough to parse: 100 levels of each kind, closed.
    let ok = ["[".repeat(100) + "x" + &"]".repeat(100), block_map(100)];
    for src in ok {
        assert_eq!(kind(&parse_bytes(src.as_bytes())), "ok", "{src:?}");
        assert!(edit_everything(&src, "x") > 0, "no edit applied in {src:?}");
    }
}
