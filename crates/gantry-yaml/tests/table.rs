//! Table of edits, each asserting the exact output bytes or the exact error kind.

#![allow(clippy::panic)]

use gantry_yaml::{Error, Options, RefuseReason, apply, set_scalar, set_scalar_with};

enum Want {
    Out(&'static str),
    Err(&'static str),
}
use Want::{Err as E, Out};

struct Case {
    name: &'static str,
    src: &'static str,
    doc: usize,
    path: &'static str,
    value: &'static str,
    want: Want,
}

const fn c(
    name: &'static str,
    src: &'static str,
    path: &'static str,
    value: &'static str,
    want: Want,
) -> Case {
    Case {
        name,
        src,
        doc: 0,
        path,
        value,
        want,
    }
}

fn kind(e: &Error) -> &'static str {
    match e {
        Error::NotUtf8 { .. } => "utf8",
        Error::Syntax { .. } => "syntax",
        Error::Unsupported { .. } => "unsupported",
        Error::Template { .. } => "template",
        Error::BadPath { .. } => "badpath",
        Error::NoSuchDocument { .. } => "nodoc",
        Error::NotFound { .. } => "notfound",
        Error::DuplicateKey { .. } => "duplicate",
        Error::Refused {
            reason: RefuseReason::BlockScalar,
            ..
        } => "block",
        Error::Refused {
            reason: RefuseReason::Alias,
            ..
        } => "alias",
        Error::Refused {
            reason: RefuseReason::SharedAnchor,
            ..
        } => "anchor",
        Error::Refused {
            reason: RefuseReason::InsideSharedAnchor,
            ..
        } => "inside",
        Error::Refused {
            reason: RefuseReason::NotScalar,
            ..
        } => "notscalar",
        Error::Refused {
            reason: RefuseReason::NonStringTag,
            ..
        } => "tagged",
        Error::Structure { .. } => "structure",
        Error::Overlap { .. } => "overlap",
        Error::Verify { .. } => "verify",
    }
}

fn cases() -> Vec<Case> {
    vec![
        c(
            "plain",
            "image: nginx:1.0\n",
            "image",
            "nginx:1.1",
            Out("image: nginx:1.1\n"),
        ),
        c(
            "plain comment kept",
            "image: nginx:1.0 # pinned\n",
            "image",
            "nginx:1.1",
            Out("image: nginx:1.1 # pinned\n"),
        ),
        c(
            "plain tab before comment",
            "image: nginx:1.0\t# pinned\twith tab\n",
            "image",
            "x",
            Out("image: x\t# pinned\twith tab\n"),
        ),
        c(
            "single kept",
            "tag: '1.0'\n",
            "tag",
            "1.1",
            Out("tag: '1.1'\n"),
        ),
        c(
            "single escapes quote",
            "tag: 'a'\n",
            "tag",
            "it's",
            Out("tag: 'it''s'\n"),
        ),
        c(
            "double kept",
            "tag: \"1.0\"\n",
            "tag",
            "1.1",
            Out("tag: \"1.1\"\n"),
        ),
        c(
            "double escapes",
            "tag: \"a\"\n",
            "tag",
            "say \"hi\" \\ ok",
            Out("tag: \"say \\\"hi\\\" \\\\ ok\"\n"),
        ),
        c(
            "double newline escaped",
            "tag: \"a\"\n",
            "tag",
            "a\nb",
            Out("tag: \"a\\nb\"\n"),
        ),
        c(
            "single with newline goes double",
            "tag: 'a'\n",
            "tag",
            "a\nb",
            Out("tag: \"a\\nb\"\n"),
        ),
        c(
            "plain 1.10 quoted",
            "tag: latest\n",
            "tag",
            "1.10",
            Out("tag: \"1.10\"\n"),
        ),
        c(
            "plain on quoted",
            "tag: latest\n",
            "tag",
            "on",
            Out("tag: \"on\"\n"),
        ),
        c(
            "plain Yes quoted",
            "tag: latest\n",
            "tag",
            "Yes",
            Out("tag: \"Yes\"\n"),
        ),
        c(
            "plain y quoted",
            "tag: latest\n",
            "tag",
            "y",
            Out("tag: \"y\"\n"),
        ),
        c(
            "plain sha quoted",
            "tag: latest\n",
            "tag",
            "1234e56",
            Out("tag: \"1234e56\"\n"),
        ),
        c(
            "plain null quoted",
            "tag: latest\n",
            "tag",
            "null",
            Out("tag: \"null\"\n"),
        ),
        c(
            "plain tilde quoted",
            "tag: latest\n",
            "tag",
            "~",
            Out("tag: \"~\"\n"),
        ),
        c(
            "plain empty quoted",
            "tag: latest\n",
            "tag",
            "",
            Out("tag: \"\"\n"),
        ),
        c(
            "plain octal quoted",
            "mode: x\n",
            "mode",
            "0755",
            Out("mode: \"0755\"\n"),
        ),
        c(
            "plain hex quoted",
            "v: x\n",
            "v",
            "0x1f",
            Out("v: \"0x1f\"\n"),
        ),
        c(
            "plain sexagesimal quoted",
            "v: x\n",
            "v",
            "1:20",
            Out("v: \"1:20\"\n"),
        ),
        c(
            "plain underscore int quoted",
            "v: x\n",
            "v",
            "1_000",
            Out("v: \"1_000\"\n"),
        ),
        c("plain .5 quoted", "v: x\n", "v", ".5", Out("v: \".5\"\n")),
        c("plain +1 quoted", "v: x\n", "v", "+1", Out("v: \"+1\"\n")),
        c(
            "plain indicator quoted",
            "v: x\n",
            "v",
            "*star",
            Out("v: \"*star\"\n"),
        ),
        c(
            "plain colon space quoted",
            "v: x\n",
            "v",
            "a: b",
            Out("v: \"a: b\"\n"),
        ),
        c(
            "plain semver not quoted",
            "v: x\n",
            "v",
            "1.2.3",
            Out("v: 1.2.3\n"),
        ),
        c(
            "plain sha not quoted",
            "v: x\n",
            "v",
            "a1b2c3d",
            Out("v: a1b2c3d\n"),
        ),
        c(
            "prefers single when file does",
            "a: 'x'\nb: 'y'\nv: x\n",
            "v",
            "on",
            Out("a: 'x'\nb: 'y'\nv: 'on'\n"),
        ),
        c(
            "crlf",
            "a: 1\r\nimage: nginx:1.0\r\nb: 2\r\n",
            "image",
            "nginx:2",
            Out("a: 1\r\nimage: nginx:2\r\nb: 2\r\n"),
        ),
        c(
            "bom",
            "\u{feff}image: nginx:1.0\n",
            "image",
            "nginx:2",
            Out("\u{feff}image: nginx:2\n"),
        ),
        c(
            "no final newline",
            "a:\n  image: nginx:1.0",
            "a.image",
            "nginx:2",
            Out("a:\n  image: nginx:2"),
        ),
        Case {
            name: "multi-doc target in doc 2",
            src: "%YAML 1.2\n# header\n---\nimage: a\n...\n---\nimage: b # two\n",
            doc: 1,
            path: "image",
            value: "c",
            want: Out("%YAML 1.2\n# header\n---\nimage: a\n...\n---\nimage: c # two\n"),
        },
        Case {
            name: "missing doc",
            src: "a: 1\n",
            doc: 3,
            path: "a",
            value: "x",
            want: E("nodoc"),
        },
        c(
            "flow mapping",
            "img: {image: a, tag: b}\n",
            "img.tag",
            "c",
            Out("img: {image: a, tag: c}\n"),
        ),
        c(
            "flow mapping quotes comma",
            "img: {image: a, tag: b}\n",
            "img.tag",
            "x,y",
            Out("img: {image: a, tag: \"x,y\"}\n"),
        ),
        c(
            "flow sequence",
            "tags: [a, 'b', \"c\"]\n",
            "tags[1]",
            "z",
            Out("tags: [a, 'z', \"c\"]\n"),
        ),
        c(
            "flow multi-line",
            "tags: [\n  a, # one\n  b\n]\n",
            "tags[1]",
            "z",
            Out("tags: [\n  a, # one\n  z\n]\n"),
        ),
        c(
            "selector",
            "spec:\n  template:\n    spec:\n      containers:\n        - name: side\n          image: busybox\n        - name: app\n          image: app:1\n",
            "spec.template.spec.containers[name=app].image",
            "app:2",
            Out(
                "spec:\n  template:\n    spec:\n      containers:\n        - name: side\n          image: busybox\n        - name: app\n          image: app:2\n",
            ),
        ),
        c(
            "sequence not indented under key",
            "containers:\n- name: app\n  image: app:1\nafter: x\n",
            "containers[0].image",
            "app:2",
            Out("containers:\n- name: app\n  image: app:2\nafter: x\n"),
        ),
        c(
            "four space indent",
            "a:\n    b:\n        c: old\n",
            "a.b.c",
            "new",
            Out("a:\n    b:\n        c: new\n"),
        ),
        c(
            "index",
            "images:\n  - name: x\n    tag: v1\n",
            "images[0].tag",
            "v2",
            Out("images:\n  - name: x\n    tag: v2\n"),
        ),
        c(
            "quoted key",
            "\"a.b/c\": x\n'd': y\n",
            "[\"a.b/c\"]",
            "z",
            Out("\"a.b/c\": z\n'd': y\n"),
        ),
        c(
            "annotation with dotted key",
            "metadata:\n  annotations:\n    a.b/c: old\n",
            "metadata.annotations[\"a.b/c\"]",
            "new",
            Out("metadata:\n  annotations:\n    a.b/c: new\n"),
        ),
        c(
            "anchored unshared",
            "a: &x v1\nb: c\n",
            "a",
            "v2",
            Out("a: &x v2\nb: c\n"),
        ),
        c(
            "anchor shared refused",
            "a: &x v1\nb: *x\n",
            "a",
            "v2",
            E("anchor"),
        ),
        c("alias refused", "a: &x v1\nb: *x\n", "b", "v2", E("alias")),
        c(
            "anchor on the enclosing mapping, aliased",
            "defaults: &d\n  image: nginx:1.25\nworker: *d\n",
            "defaults.image",
            "nginx:1.27",
            E("inside"),
        ),
        c(
            "anchor on an enclosing flow mapping, aliased",
            "defaults: &d {image: nginx:1.25}\nworker: *d\n",
            "defaults.image",
            "nginx:1.27",
            E("inside"),
        ),
        c(
            "anchor two levels up, aliased",
            "base: &b\n  image:\n    repository: nginx\n    tag: \"1.25\"\nother: *b\n",
            "base.image.tag",
            "1.27",
            E("inside"),
        ),
        c(
            "anchor on the enclosing mapping, merged",
            "base: &b\n  image:\n    repository: nginx\n    tag: \"1.25\"\nworker:\n  <<: *b\n  name: w\n",
            "base.image.tag",
            "1.27",
            E("inside"),
        ),
        c(
            "anchor on the enclosing mapping, merged in flow",
            "base: &b {image: nginx:1.25}\nworker: {<<: *b, name: w}\n",
            "base.image",
            "nginx:1.27",
            E("inside"),
        ),
        c(
            "anchor on an enclosing sequence, aliased",
            "list: &l\n  - image: x:1\nother: *l\n",
            "list[0].image",
            "x:2",
            E("inside"),
        ),
        c(
            "anchor on an enclosing sequence item, aliased",
            "containers:\n  - &c\n    name: app\n    image: x:1\nsidecars:\n  - *c\n",
            "containers[0].image",
            "x:2",
            E("inside"),
        ),
        c(
            "a shared value that already holds the new one is no change",
            "defaults: &d\n  image: nginx:1.27\nworker: *d\n",
            "defaults.image",
            "nginx:1.27",
            Out("defaults: &d\n  image: nginx:1.27\nworker: *d\n"),
        ),
        c(
            "anchor on the enclosing mapping, not aliased",
            "defaults: &d\n  image: nginx:1.25\nworker:\n  image: nginx:1.25\n",
            "defaults.image",
            "nginx:1.27",
            Out("defaults: &d\n  image: nginx:1.27\nworker:\n  image: nginx:1.25\n"),
        ),
        c(
            "a sibling's anchor is aliased, not the target's",
            "a: &x {k: v}\nb:\n  image: x:1\nc: *x\n",
            "b.image",
            "x:2",
            Out("a: &x {k: v}\nb:\n  image: x:2\nc: *x\n"),
        ),
        c(
            "a key set beside a merge is the mapping's own",
            "base: &b\n  image: x:1\nworker:\n  <<: *b\n  image: x:1\n",
            "worker.image",
            "x:2",
            Out("base: &b\n  image: x:1\nworker:\n  <<: *b\n  image: x:2\n"),
        ),
        c(
            "the mapping that merges is not shared by merging",
            "base: &b {k: v}\nworker: &w\n  <<: *b\n  image: x:1\n",
            "worker.image",
            "x:2",
            Out("base: &b {k: v}\nworker: &w\n  <<: *b\n  image: x:2\n"),
        ),
        Case {
            name: "an alias in another document does not share",
            src: "defaults: &d\n  image: x:1\n---\ndefaults: &d\n  image: x:1\nworker: *d\n",
            doc: 0,
            path: "defaults.image",
            value: "x:2",
            want: Out("defaults: &d\n  image: x:2\n---\ndefaults: &d\n  image: x:1\nworker: *d\n"),
        },
        Case {
            name: "… but in its own document it does",
            src: "defaults: &d\n  image: x:1\n---\ndefaults: &d\n  image: x:1\nworker: *d\n",
            doc: 1,
            path: "defaults.image",
            value: "x:2",
            want: E("inside"),
        },
        c(
            "tagged kept",
            "a: !!str 1.0\n",
            "a",
            "2.0",
            Out("a: !!str \"2.0\"\n"),
        ),
        c(
            "block literal refused",
            "a: |\n  line\nb: 1\n",
            "a",
            "x",
            E("block"),
        ),
        c(
            "sibling of block scalar ok",
            "a: |\n  line\n   more\nb: old\n",
            "b",
            "new",
            Out("a: |\n  line\n   more\nb: new\n"),
        ),
        c("folded refused", "a: >-\n  line\n", "a", "x", E("block")),
        c(
            "template refused",
            "image: {{ .Values.image }}\n",
            "image",
            "x",
            E("template"),
        ),
        c(
            "template in quotes refused",
            "image: \"{{ .Values.image }}\"\n",
            "image",
            "x",
            E("template"),
        ),
        c(
            "template in comment ok",
            "# {{ not a template }}\nimage: a\n",
            "image",
            "b",
            Out("# {{ not a template }}\nimage: b\n"),
        ),
        c(
            "duplicate key refused",
            "a: 1\na: 2\n",
            "a",
            "3",
            E("duplicate"),
        ),
        c(
            "duplicate key off path ok",
            "a: 1\nb:\n  c: 1\n  c: 2\n",
            "a",
            "x",
            Out("a: x\nb:\n  c: 1\n  c: 2\n"),
        ),
        c("missing path", "a: 1\n", "b", "x", E("notfound")),
        c(
            "selector no match",
            "c:\n- name: a\n",
            "c[name=b].image",
            "x",
            E("notfound"),
        ),
        c("not scalar", "a:\n  b: 1\n", "a", "x", E("notscalar")),
        c("bad path", "a: 1\n", "a[", "x", E("badpath")),
        c("empty value", "a:\nb: 1\n", "a", "x", Out("a: x\nb: 1\n")),
        c(
            "empty value with comment",
            "a: # none\nb: 1\n",
            "a",
            "1.0",
            Out("a: \"1.0\" # none\nb: 1\n"),
        ),
        c(
            "same value is identity",
            "a: \"on\"\n",
            "a",
            "on",
            Out("a: \"on\"\n"),
        ),
        c(
            "key with spaces",
            "my key: v\n",
            "my key",
            "w",
            Out("my key: w\n"),
        ),
        c(
            "url value",
            "u: http://x/y\n",
            "u",
            "https://a:8080/b",
            Out("u: https://a:8080/b\n"),
        ),
        c(
            "unicode",
            "a: caf\u{e9}\n",
            "a",
            "th\u{e9}",
            Out("a: th\u{e9}\n"),
        ),
        c(
            "multi-line plain target",
            "d: one\n  two\n\n  three\nb: x\n",
            "d",
            "new",
            Out("d: new\nb: x\n"),
        ),
        c(
            "multi-line plain sibling",
            "d: one\n  two # c\nb: x\n",
            "b",
            "yy",
            Out("d: one\n  two # c\nb: yy\n"),
        ),
        c(
            "trailing spaces kept",
            "a: x   \nb: y  \r\n",
            "a",
            "z",
            Out("a: z   \nb: y  \r\n"),
        ),
        c("tab after colon", "a:\tx\n", "a", "z", Out("a:\tz\n")),
        c(
            "complex key refused",
            "? a\n: b\n",
            "a",
            "z",
            E("unsupported"),
        ),
        c(
            "multi-line double sibling",
            "d: \"one\n  two\\ \"\nb: x\n",
            "b",
            "z",
            Out("d: \"one\n  two\\ \"\nb: z\n"),
        ),
        c(
            "multi-line double target",
            "d: \"one\n\n  two\"\nb: x\n",
            "d",
            "z",
            Out("d: \"z\"\nb: x\n"),
        ),
        c(
            "multi-line single target",
            "d: 'one\n  two'\n",
            "d",
            "it's",
            Out("d: 'it''s'\n"),
        ),
        c(
            "empty anchored value",
            "a: &x\nb: 1\n",
            "a",
            "v",
            Out("a: &x v\nb: 1\n"),
        ),
        c(
            "empty tagged value",
            "a: !!str\nb: 1\n",
            "a",
            "v",
            Out("a: !!str v\nb: 1\n"),
        ),
        c(
            "flow key without value",
            "m: {a, b}\n",
            "m.a",
            "v",
            Out("m: {a: v, b}\n"),
        ),
        c(
            "empty seq item",
            "- \n- x\n",
            "[0]",
            "v",
            Out("- v \n- x\n"),
        ),
        c(
            "explicit empty document",
            "---\n---\na: 1\n",
            "a",
            "2",
            E("notfound"),
        ),
        c("int tag refused", "a: !!int 1\n", "a", "v", E("tagged")),
        c(
            "lone carriage return refused",
            "a: 1\rb: 2\n",
            "a",
            "v",
            E("unsupported"),
        ),
        c("top-level seq", "- a\n- b\n", "[1]", "c", Out("- a\n- c\n")),
        c(
            "nested seq in seq",
            "- - a\n  - b\n",
            "[0][1]",
            "c",
            Out("- - a\n  - c\n"),
        ),
    ]
}

#[test]
fn table() {
    let cases = cases();
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let got = set_scalar(case.src, case.doc, case.path, case.value)
            .and_then(|e| apply(case.src, &[e]));
        let ok = match (&case.want, &got) {
            (Want::Out(w), Ok(g)) => w == g,
            (Want::Err(k), Err(e)) => *k == kind(e),
            _ => false,
        };
        if !ok {
            failures.push(format!("{}: got {got:?}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn non_utf8_refused() {
    let bytes = b"a: 1\nb: \xff\xfe\n";
    match gantry_yaml::decode(bytes) {
        Err(Error::NotUtf8 { line, column }) => assert_eq!((line, column), (2, 4)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn errors_name_line_and_column() {
    let e = set_scalar("a: 1\nb: |\n  x\n", 0, "b", "y");
    assert_eq!(
        e.map_err(|e| e.to_string()),
        Err("line 2, column 4: refusing to edit `b`: the value is a block scalar (`|` or `>`); block strings are not edited".to_owned())
    );
    let e = set_scalar("a: 1\nimage: {{ x }}\n", 0, "a", "y");
    assert!(
        matches!(e, Err(Error::Template { line: 2, column: 8 })),
        "{e:?}"
    );
    let e = set_scalar("a: 1\na: 2\n", 0, "a", "y");
    assert!(
        matches!(
            e,
            Err(Error::DuplicateKey {
                line: 2,
                column: 1,
                ..
            })
        ),
        "{e:?}"
    );
}

#[test]
fn shared_anchor_allowed_when_asked() {
    let src = "a: &x v1\nb: *x\n";
    let opts = Options {
        allow_shared_anchor: true,
    };
    let edit = set_scalar_with(src, 0, "a", "v2", &opts);
    assert_eq!(
        edit.and_then(|e| apply(src, &[e])),
        Ok("a: &x v2\nb: *x\n".to_owned())
    );
}

#[test]
fn enclosing_shared_anchor_allowed_when_asked() {
    let opts = Options {
        allow_shared_anchor: true,
    };
    for (src, path, want) in [
        (
            "defaults: &d\n  image: nginx:1.25\nworker: *d\n",
            "defaults.image",
            "defaults: &d\n  image: nginx:1.27\nworker: *d\n",
        ),
        (
            "base: &b {image: nginx:1.25}\nworker:\n  <<: *b\n",
            "base.image",
            "base: &b {image: nginx:1.27}\nworker:\n  <<: *b\n",
        ),
    ] {
        let edit = set_scalar_with(src, 0, path, "nginx:1.27", &opts);
        assert_eq!(
            edit.and_then(|e| apply(src, &[e])),
            Ok(want.to_owned()),
            "{src}"
        );
    }
    let refused = set_scalar(
        "defaults: &d\n  image: nginx:1.25\nworker: *d\n",
        0,
        "defaults.image",
        "nginx:1.27",
    );
    assert_eq!(
        refused.map(|_| ()).map_err(|e| e.to_string()),
        Err("line 2, column 10: refusing to edit `defaults.image`: the value is inside an anchored mapping or sequence (`&name`) that an alias (`*name`) or a merge key (`<<: *name`) elsewhere shares; editing it would change that copy too".to_owned())
    );
}

#[test]
fn batch_edits() {
    let src =
        "image:\n  repository: nginx\n  tag: 1.0 # t\n---\nimage: {repository: x, tag: '2'}\n";
    let edits = vec![
        set_scalar(src, 0, "image.tag", "1.10"),
        set_scalar(src, 1, "image.tag", "3"),
        set_scalar(src, 0, "image.repository", "docker.io/library/nginx"),
    ];
    let edits: Result<Vec<_>, _> = edits.into_iter().collect();
    assert_eq!(
        edits.and_then(|e| apply(src, &e)),
        Ok("image:\n  repository: docker.io/library/nginx\n  tag: '1.10' # t\n---\nimage: {repository: x, tag: '3'}\n"
            .to_owned())
    );
    // The file quotes with single quotes (one single, no double), so the new quoted value follows.
    // The same target twice is an overlap.
    let twice = set_scalar(src, 0, "image.tag", "a").and_then(|e| apply(src, &[e.clone(), e]));
    assert!(matches!(twice, Err(Error::Overlap { .. })), "{twice:?}");
}

#[test]
fn verification_catches_bad_replacement() {
    let src = "a: x\nb: y\n";
    let mut edit = set_scalar(src, 0, "a", "z").unwrap_or_else(|e| panic!("{e}"));
    edit.replacement = "z\nc: w".to_owned();
    assert!(matches!(apply(src, &[edit]), Err(Error::Verify { .. })));
}

#[test]
fn write_atomic_keeps_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("values.yaml");
    std::fs::write(&path, "a: 1\n").unwrap_or_else(|e| panic!("{e}"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640))
        .unwrap_or_else(|e| panic!("{e}"));
    gantry_yaml::write_atomic(&path, b"a: 2\n").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(std::fs::read(&path).unwrap_or_default(), b"a: 2\n");
    let mode = std::fs::metadata(&path)
        .map(|m| m.permissions().mode() & 0o777)
        .unwrap_or(0);
    assert_eq!(mode, 0o640);
    let leftovers = std::fs::read_dir(dir.path())
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(leftovers, 1);
}

fn value_at(src: &str, path: &str) -> String {
    let stream = gantry_yaml::parse(src).unwrap_or_else(|e| panic!("{e}"));
    let found = gantry_yaml::lookup(src, &stream, 0, path).unwrap_or_else(|e| panic!("{e}"));
    match &found.node.kind {
        gantry_yaml::NodeKind::Scalar { value, .. } => value.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn scalar_values_are_decoded() {
    assert_eq!(value_at("d: \"one\n  two\\ \"\n", "d"), "one two ");
    assert_eq!(value_at("d: \"one  \n\n  two\"\n", "d"), "one\ntwo");
    assert_eq!(
        value_at("d: \"a\\x41\\u00e9\\n\\\"\"\n", "d"),
        "aA\u{e9}\n\""
    );
    assert_eq!(value_at("d: 'it''s'\n", "d"), "it's");
    assert_eq!(
        value_at("d: one\n  two\n\n  three\n", "d"),
        "one two\nthree"
    );
    assert_eq!(value_at("d: a#b # c\n", "d"), "a#b");
    assert_eq!(value_at("d: {k: [x, 'y z']}\n", "d.k[1]"), "y z");
}

#[test]
fn quoting_decisions() {
    for v in [
        "",
        "1",
        "1.10",
        "1e3",
        "1E3",
        "0755",
        "0x1f",
        "0o17",
        "0b101",
        ".5",
        "+1",
        "-1",
        "1_000",
        "1:20",
        "on",
        "OFF",
        "Yes",
        "n",
        "TRUE",
        "null",
        "NULL",
        "~",
        "1234e56",
        ".inf",
        "-.INF",
        ".NaN",
        "2024-01-02",
        " a",
        "a ",
        "-x",
        "?x",
        ":x",
        ",x",
        "[x",
        "]x",
        "{x",
        "}x",
        "#x",
        "&x",
        "*x",
        "!x",
        "|x",
        ">x",
        "'x",
        "\"x",
        "%x",
        "@x",
        "`x",
        "a: b",
        "a #b",
        "a:",
        "a\nb",
    ] {
        assert!(
            gantry_yaml::needs_quotes(v, false),
            "{v:?} should be quoted"
        );
    }
    for v in [
        "nginx",
        "1.2.3",
        "v1.0",
        "a1b2c3d",
        "deadbeef",
        "nginx:1.0",
        "a#b",
        "http://x:80/y",
        "1.0-alpine",
        "e3",
        "yess",
    ] {
        assert!(
            !gantry_yaml::needs_quotes(v, false),
            "{v:?} should stay plain"
        );
    }
    assert!(gantry_yaml::needs_quotes("a,b", true));
    assert!(!gantry_yaml::needs_quotes("a,b", false));
}

#[test]
fn deep_or_hostile_input_is_an_error_not_a_crash() {
    let deep_flow = "[".repeat(100_000);
    assert!(gantry_yaml::parse(&deep_flow).is_err());
    let deep_block: String = (0..1000)
        .map(|i| format!("{}k:\n", " ".repeat(i)))
        .collect();
    assert!(gantry_yaml::parse(&deep_block).is_err());
    let deep_seq = "- ".repeat(10_000) + "x\n";
    assert!(gantry_yaml::parse(&deep_seq).is_err());
    let props = "a: ".to_owned() + &"&x ".repeat(100_000) + "v\n";
    assert!(gantry_yaml::parse(&props).is_err());
    // Moderate nesting still works.
    let ok: String = (0..50)
        .map(|i| format!("{}k:\n", " ".repeat(i)))
        .collect::<String>()
        + &" ".repeat(50)
        + "v: 1\n";
    assert!(gantry_yaml::parse(&ok).is_ok());
}
