//! Arbitrary bytes split at the first NUL into a source and a new value (no
//! NUL: the value is `x`). Every scalar reachable by a path is set to the value
//! with `set_scalar` and `apply`. Neither may panic, and when `apply` succeeds
//! the editor promises that:
//!
//! * the output parses;
//! * planning the same edit on the output succeeds and is a no-op, and
//!   applying it gives the output back byte for byte.
//!
//! At the end all planned edits are applied together (they target distinct
//! scalars, so they may not overlap); that too must not panic, and a success
//! must parse.

#![no_main]

use gantry_yaml::{Node, NodeKind, apply, decode, parse, set_scalar};
use libfuzzer_sys::fuzz_target;

/// Keeps one input's work bounded: each edit re-parses the source a few times.
const MAX_TARGETS: usize = 64;

fuzz_target!(|data: &[u8]| {
    let (src, value) = match data.iter().position(|&b| b == 0) {
        Some(i) => (
            &data[..i],
            String::from_utf8_lossy(&data[i + 1..]).into_owned(),
        ),
        None => (data, "x".to_owned()),
    };
    let Ok(src) = decode(src) else { return };
    let Ok(stream) = parse(src) else { return };

    let mut targets = Vec::new();
    for (doc, d) in stream.documents.iter().enumerate() {
        collect(&d.root, String::new(), doc, &mut targets);
    }
    targets.truncate(MAX_TARGETS);

    let mut planned = Vec::new();
    for (doc, path) in &targets {
        let Ok(edit) = set_scalar(src, *doc, path, &value) else {
            continue;
        };
        if let Ok(out) = apply(src, std::slice::from_ref(&edit)) {
            let reparsed = match parse(&out) {
                Ok(s) => s,
                Err(e) => panic!(
                    "edit {doc}:{path} = {value:?} gave output that does not parse: {e}\n{out:?}"
                ),
            };
            check_edit(src, &out, &reparsed, &edit);
            let again = match set_scalar(&out, *doc, path, &value) {
                Ok(again) => again,
                Err(e) => panic!("second edit {doc}:{path} = {value:?} failed: {e}\n{out:?}"),
            };
            assert!(
                again.is_noop(&out),
                "second edit {doc}:{path} = {value:?} is not a no-op: {again:?}\n{out:?}"
            );
            match apply(&out, &[again]) {
                Ok(twice) => assert_eq!(twice, out, "second edit {doc}:{path} changed bytes"),
                Err(e) => panic!("applying the no-op edit {doc}:{path} failed: {e}\n{out:?}"),
            }
        }
        planned.push(edit);
    }
    if let Ok(out) = apply(src, &planned)
        && let Err(e) = parse(&out)
    {
        panic!("all edits together gave output that does not parse: {e}\n{out:?}");
    }
});

/// Paths of every scalar and alias below `node` (aliases too: the editor must
/// refuse them, not panic). Keys are written as `["..."]` so any key text works.
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
