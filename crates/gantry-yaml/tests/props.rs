//! Property tests: random well-formed documents, random targets and values.

// Helpers outside #[test] fns panic to report a broken fixture.
#![allow(clippy::panic)]

use gantry_yaml::{NodeKind, apply, lookup, needs_quotes, parse, set_scalar};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum G {
    Scalar(u8, String),
    Map(Vec<G>),
    Seq(Vec<G>),
    FlowSeq(Vec<(u8, String)>),
    FlowMap(Vec<(u8, String)>),
}

fn scalar() -> impl Strategy<Value = G> {
    prop_oneof![
        "[a-z][a-z0-9./-]{0,8}"
            .prop_filter("plain-safe", |v| !needs_quotes(v, false))
            .prop_map(|v| G::Scalar(0, v)),
        "[ -~]{0,10}"
            .prop_filter("no template", |v| !v.contains("{{"))
            .prop_map(|v| G::Scalar(1, v)),
        "[ -~]{0,10}"
            .prop_filter("no template", |v| !v.contains("{{"))
            .prop_map(|v| G::Scalar(2, v)),
    ]
}

fn flow_scalar() -> impl Strategy<Value = (u8, String)> {
    scalar().prop_map(|g| match g {
        G::Scalar(style, v) => (style, v),
        _ => (0, "x".to_owned()),
    })
}

fn tree() -> impl Strategy<Value = G> {
    let leaf = prop_oneof![
        4 => scalar(),
        1 => prop::collection::vec(flow_scalar(), 1..4).prop_map(G::FlowSeq),
        1 => prop::collection::vec(flow_scalar(), 1..4).prop_map(G::FlowMap),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..4).prop_map(G::Map),
            prop::collection::vec(inner, 1..4).prop_map(G::Seq),
        ]
    })
}

fn render_scalar(style: u8, v: &str) -> String {
    match style {
        0 => v.to_owned(),
        1 => format!("'{}'", v.replace('\'', "''")),
        _ => format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")),
    }
}

fn render(g: &G, indent: usize, comments: &mut impl Iterator<Item = bool>, out: &mut String) {
    let pad = " ".repeat(indent);
    let items: Vec<(String, &G)> = match g {
        G::Map(children) => children
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("k{i}:"), c))
            .collect(),
        G::Seq(children) => children.iter().map(|c| ("-".to_owned(), c)).collect(),
        G::Scalar(..) | G::FlowSeq(_) | G::FlowMap(_) => return,
    };
    for (head, child) in items {
        if comments.next().unwrap_or(false) {
            out.push_str(&format!("{pad}# comment\t{{ with tab\n"));
        }
        out.push_str(&pad);
        out.push_str(&head);
        match child {
            G::Scalar(style, v) => {
                out.push(' ');
                out.push_str(&render_scalar(*style, v));
                if comments.next().unwrap_or(false) {
                    out.push_str(" # trailing");
                }
                out.push('\n');
            }
            G::FlowSeq(items) => {
                let parts: Vec<String> =
                    items.iter().map(|(st, v)| render_scalar(*st, v)).collect();
                out.push_str(&format!(" [{}]\n", parts.join(", ")));
            }
            G::FlowMap(items) => {
                let parts: Vec<String> = items
                    .iter()
                    .enumerate()
                    .map(|(i, (st, v))| format!("k{i}: {}", render_scalar(*st, v)))
                    .collect();
                out.push_str(&format!(" {{{}}}\n", parts.join(", ")));
            }
            _ => {
                out.push('\n');
                render(child, indent + 2, comments, out);
            }
        }
    }
}

fn paths(g: &G, prefix: &str, out: &mut Vec<String>) {
    match g {
        G::Scalar(..) => out.push(prefix.to_owned()),
        G::FlowSeq(items) => {
            for i in 0..items.len() {
                out.push(format!("{prefix}[{i}]"));
            }
        }
        G::FlowMap(items) => {
            for i in 0..items.len() {
                out.push(if prefix.is_empty() {
                    format!("k{i}")
                } else {
                    format!("{prefix}.k{i}")
                });
            }
        }
        G::Map(children) => {
            for (i, c) in children.iter().enumerate() {
                let p = if prefix.is_empty() {
                    format!("k{i}")
                } else {
                    format!("{prefix}.k{i}")
                };
                paths(c, &p, out);
            }
        }
        G::Seq(children) => {
            for (i, c) in children.iter().enumerate() {
                paths(c, &format!("{prefix}[{i}]"), out);
            }
        }
    }
}

fn raw_and_value(src: &str, doc: usize, path: &str) -> (String, String) {
    let stream = parse(src).unwrap_or_else(|e| panic!("parse: {e}\n{src}"));
    let found =
        lookup(src, &stream, doc, path).unwrap_or_else(|e| panic!("lookup {path}: {e}\n{src}"));
    let value = match &found.node.kind {
        NodeKind::Scalar { value, .. } => value.clone(),
        other => panic!("not a scalar at {path}: {other:?}"),
    };
    (
        src.get(found.node.span.clone()).unwrap_or("").to_owned(),
        value,
    )
}

fn new_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,12}".prop_filter("no template", |v| !v.contains("{{")),
        prop::sample::select(vec![
            "1.10", "on", "Off", "y", "null", "~", "", "1234e56", "0755", "1:20", "a: b", "x #y"
        ])
        .prop_map(str::to_owned),
        "[a-z0-9.:/-]{1,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn only_the_target_changes(
        roots in prop::collection::vec(tree(), 1..4),
        crlf in any::<bool>(),
        comments in prop::collection::vec(any::<bool>(), 128),
        pick in any::<prop::sample::Index>(),
        value in new_value(),
    ) {
        let roots: Vec<G> = roots
            .into_iter()
            .map(|root| match root {
                G::Map(_) | G::Seq(_) => root,
                other => G::Map(vec![other]),
            })
            .collect();
        let mut src = String::new();
        let mut comments = comments.into_iter();
        let mut all = Vec::new();
        for (doc, root) in roots.iter().enumerate() {
            if doc > 0 || comments.next().unwrap_or(false) {
                src.push_str("---\n");
            }
            render(root, 0, &mut comments, &mut src);
            let mut paths_here = Vec::new();
            paths(root, "", &mut paths_here);
            all.extend(paths_here.into_iter().map(|p| (doc, p)));
        }
        if crlf {
            src = src.replace('\n', "\r\n");
        }
        let (doc, target) = pick.get(&all).clone();

        let out = set_scalar(&src, doc, &target, &value)
            .and_then(|e| apply(&src, &[e]))
            .unwrap_or_else(|e| panic!("edit {doc}:{target} = {value:?}: {e}\n{src}"));
        prop_assert_eq!(raw_and_value(&out, doc, &target).1, value.clone());
        for (d, p) in all.iter().filter(|(d, p)| (*d, p) != (doc, &target)) {
            prop_assert_eq!(raw_and_value(&src, *d, p), raw_and_value(&out, *d, p));
        }
        // Outside the target's bytes, nothing changed.
        let stream = parse(&src).unwrap_or_else(|e| panic!("{e}"));
        prop_assert_eq!(stream.documents.len(), roots.len());
        let span = lookup(&src, &stream, doc, &target).map(|l| l.node.span.clone()).unwrap_or_else(|e| panic!("{e}"));
        prop_assert_eq!(src.get(..span.start), out.get(..span.start));
        prop_assert_eq!(src.get(span.end..), out.get(out.len() - (src.len() - span.end)..));
        // Applying the same edit again changes nothing.
        let again = set_scalar(&out, doc, &target, &value)
            .and_then(|e| apply(&out, &[e]))
            .unwrap_or_else(|e| panic!("second edit: {e}\n{out}"));
        prop_assert_eq!(again, out);
    }

    #[test]
    fn no_panic_on_arbitrary_bytes(bytes in any::<Vec<u8>>()) {
        if let Ok(s) = gantry_yaml::decode(&bytes) {
            let _ = parse(s);
            if let Ok(e) = set_scalar(s, 0, "a", "x") {
                let _ = apply(s, &[e]);
            }
        }
    }

    #[test]
    fn no_panic_on_yamlish_text(s in "[a-c:#\\-\\[\\]{},'\"&*!|>%?.~ \t\r\n\u{feff}\\\\]{0,80}", path in "[a-c.\\[\\]0-2=]{0,6}") {
        let _ = parse(&s);
        if let Ok(e) = set_scalar(&s, 0, &path, "x y") {
            let _ = apply(&s, &[e]);
        }
        if let Ok(e) = set_scalar(&s, 0, "[0]", "") {
            let _ = apply(&s, &[e]);
        }
    }
}
