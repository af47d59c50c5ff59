//! Whatever the inputs, parsing and computing return a value or an error:
//! never a panic.

use gantry_tags::{
    Context, Options, compute, parse_flavor, parse_images, parse_labels, parse_tag_rules,
};
use proptest::prelude::*;

/// Rule-ish text: fragments of the real syntax glued with arbitrary bytes.
fn ruleish() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "type=",
        "semver",
        "pep440",
        "match",
        "raw",
        "sha",
        "ref",
        "edge",
        "schedule",
        "event=",
        "branch",
        "tag",
        "pr",
        "pattern=",
        "value=",
        "group=",
        "prefix=",
        "suffix=",
        "enable=",
        "priority=",
        "format=",
        "long",
        "{{",
        "}}",
        "{{{",
        "version",
        "major",
        "date",
        "'YYYY'",
        " tz='Asia/Tokyo'",
        "commit_date",
        "\"",
        ",",
        "\n",
        "/",
        "(",
        ")",
        "\\d",
        "*",
        "-",
        ".",
        "é",
        "#",
        "=",
        "1",
        "0",
        "true",
        "false",
        "[",
        "]",
    ]);
    prop::collection::vec(prop_oneof![pieces.prop_map(str::to_owned), ".{0,3}"], 0..24)
        .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics(rules in ruleish(), flavor in ruleish(), image in ".{0,20}", git_ref in prop::sample::select(vec![
        "refs/heads/main", "refs/heads/feat/ü-#1", "refs/tags/v1.2.3", "refs/tags/1.0dev4", "refs/tags/v0.0.1-rc.1+b",
        "refs/pull/7/merge", "", "refs/tags/", "weird",
    ]), event in prop::sample::select(vec!["push", "schedule", "pull_request", "release", ""]),
       sha_len in 0usize..50, shorten: bool, fix: bool, empty_ok: bool) {
        let now = "2024-02-29T23:59:59Z".parse().unwrap();
        let mut ctx = Context::new(event, git_ref, "860c1904a1ce19322e91ac35af1ab07466440c37", now);
        ctx.default_branch = Some("main".to_owned());
        let _ = parse_images(&image);
        let _ = parse_labels(&rules);
        if let (Ok(rules), Ok(flavor)) = (parse_tag_rules(&rules), parse_flavor(&flavor)) {
            let options = Options {
                short_sha_length: sha_len,
                shorten_long_tags: shorten,
                fix_first_character: fix,
                allow_empty: empty_ok,
                existing_tags: Some(vec!["v9.9.9".to_owned(), "junk".to_owned()]),
                tag_prefix: Some("v".to_owned()),
                ..Options::default()
            };
            if let Ok(meta) = compute(&ctx, &[], &rules, &flavor, &options) {
                for tag in &meta.tags {
                    prop_assert!(gantry_image::Tag::parse(tag).is_ok(), "invalid tag {tag:?}");
                }
            }
        }
    }
}
