//! Arbitrary bytes through `decode` and `parse`: an error is fine, a panic
//! (including an overflow or an out-of-bounds slice) is a bug.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(src) = gantry_yaml::decode(data)
        && let Ok(stream) = gantry_yaml::parse(src)
    {
        // Every span the scanner reports lies on character boundaries of the source.
        for doc in &stream.documents {
            check_spans(src, &doc.root);
        }
        for c in &stream.comments {
            assert!(src.get(c.clone()).is_some(), "comment span {c:?}");
        }
    }
});

fn check_spans(src: &str, node: &gantry_yaml::Node) {
    assert!(
        src.get(node.span.clone()).is_some(),
        "span {:?} is not a slice of the source",
        node.span
    );
    match &node.kind {
        gantry_yaml::NodeKind::Mapping { entries, .. } => {
            for (k, v) in entries {
                check_spans(src, k);
                check_spans(src, v);
            }
        }
        gantry_yaml::NodeKind::Sequence { items, .. } => {
            for i in items {
                check_spans(src, i);
            }
        }
        gantry_yaml::NodeKind::Scalar { .. } | gantry_yaml::NodeKind::Alias(_) => {}
    }
}
