//! The bad-input corpus (issue 12): one table per binary in
//! `corpus_<binary>.rs`, run by `gantry_test_support::corpus::run_table`,
//! which checks every case for the exit code, the input named in the
//! message, an unchanged tree, no write to a recorder server and no secret
//! in any output. This module checks that the harness itself can fail.

use gantry_test_support::corpus::{case, run_table};

fn fails(c: gantry_test_support::corpus::Case) -> String {
    let result = std::panic::catch_unwind(|| run_table(vec![c]));
    match result {
        Ok(_) => panic!("the case passed, but it should have failed"),
        Err(payload) => payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default(),
    }
}

#[test]
fn the_harness_catches_each_broken_promise() {
    // A good case passes.
    assert_eq!(
        run_table(vec![
            case("good", "gantry-tag", ["inspect", "Bad:Ref"])
                .exit(2)
                .names("Bad:Ref")
        ]),
        1
    );
    // The wrong exit code, a missing name, a changed tree, a write.
    let why = fails(case("wrong-code", "gantry-tag", ["inspect", "Bad:Ref"]).exit(0));
    assert!(why.contains("exit code 2, expected 0"), "{why}");
    let why = fails(case("unnamed", "gantry-tag", ["inspect", "Bad:Ref"]).names("not-there"));
    assert!(why.contains("does not name \"not-there\""), "{why}");
    let why = fails(
        case(
            "changed-tree",
            "gantry-patch",
            ["--set", "nginx=nginx:1.27", "{dir}"],
        )
        .file(
            "deploy.yaml",
            "kind: Pod\nspec:\n  containers:\n    - name: web\n      image: nginx:1.25\n",
        )
        .exit(0),
    );
    assert!(why.contains("deploy.yaml changed"), "{why}");
    // A secret the run prints (the case's own secret is its argument).
    let why = fails(
        case("leak", "gantry-tag", ["inspect", "Bad:Ref-s3cr3t-value"])
            .secret("s3cr3t-value")
            .exit(2),
    );
    assert!(why.contains("a secret (\"s3cr3t-value\")"), "{why}");
}
