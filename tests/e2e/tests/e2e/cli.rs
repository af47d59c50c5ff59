//! The command-line contract every binary keeps: `--help`, `--version`, exit
//! codes, environment variables, and what it writes under GitHub Actions.

use gantry_test_support::cli::{RunResult, gantry};
use gantry_test_support::tools::GANTRY_BINARIES;
use serde_json::Value;

fn run(bin: &str, args: &[&str]) -> RunResult {
    gantry(bin)
        .and_then(|cmd| cmd.args(args).run())
        .unwrap_or_else(|error| panic!("{bin} {args:?}: {error}"))
}

#[test]
fn version_names_binary_and_workspace_version() {
    for bin in GANTRY_BINARIES {
        let run = run(bin, &["--version"]);
        assert_eq!(run.code, Some(0), "{run}");
        assert_eq!(
            run.stdout,
            format!("{bin} {}\n", env!("CARGO_PKG_VERSION")),
            "{run}"
        );
    }
}

#[test]
fn help_is_stable() {
    for bin in GANTRY_BINARIES {
        let run = run(bin, &["--help"]);
        assert_eq!(run.code, Some(0), "{run}");
        assert!(
            run.stdout.contains("Examples"),
            "{bin} --help has no examples"
        );
        insta::assert_snapshot!(format!("{bin}-help"), run.stdout);
    }
}

#[test]
fn a_missing_subcommand_or_argument_is_a_usage_error() {
    let table: [(&str, &[&str], &str); 3] = [
        ("gantry-rollback", &[], "status"),
        ("gantry-rollback", &["undo"], "<DEPLOYMENT>"),
        ("gantry-rollback", &["run"], "--target"),
    ];
    for (bin, args, named) in table {
        let run = run(bin, args);
        assert_eq!(run.code, Some(2), "{run}");
        assert!(
            run.stderr.contains(named),
            "{args:?}: wanted {named:?}\n{run}"
        );
        assert_eq!(run.stdout, "", "{run}");
    }
}

#[test]
fn unknown_flag_is_a_usage_error() {
    for bin in GANTRY_BINARIES {
        let run = run(bin, &["--no-such-flag"]);
        assert_eq!(run.code, Some(2), "{run}");
        assert!(run.stderr.contains("--no-such-flag"), "{run}");
    }
}

#[test]
fn invalid_format_value_is_a_usage_error_naming_it() {
    let run = run("gantry-tag", &["inspect", "nginx", "--format", "yaml"]);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(run.stderr.contains("'yaml'"), "{run}");
}

#[test]
fn inspect_prints_normalised_parts() {
    let digest = format!("sha256:{}", "ab".repeat(32));
    let with_digest = format!("localhost:5000/team/worker:v2@{digest}");
    let table: [(&str, [&str; 7]); 5] = [
        (
            "nginx",
            [
                "docker.io/library/nginx",
                "docker.io",
                "library/nginx",
                "",
                "",
                "docker.io/library/nginx",
                "nginx",
            ],
        ),
        (
            "docker.io/library/nginx:1.27",
            [
                "docker.io/library/nginx",
                "docker.io",
                "library/nginx",
                "1.27",
                "",
                "docker.io/library/nginx:1.27",
                "nginx:1.27",
            ],
        ),
        (
            "index.docker.io/acme/api",
            [
                "docker.io/acme/api",
                "docker.io",
                "acme/api",
                "",
                "",
                "docker.io/acme/api",
                "acme/api",
            ],
        ),
        (
            "ghcr.io/acme/api:1.2.3",
            [
                "ghcr.io/acme/api",
                "ghcr.io",
                "acme/api",
                "1.2.3",
                "",
                "ghcr.io/acme/api:1.2.3",
                "ghcr.io/acme/api:1.2.3",
            ],
        ),
        (
            &with_digest,
            [
                "localhost:5000/team/worker",
                "localhost:5000",
                "team/worker",
                "v2",
                &digest,
                &with_digest,
                &with_digest,
            ],
        ),
    ];
    let keys = [
        "name",
        "registry",
        "repository",
        "tag",
        "digest",
        "reference",
        "familiar",
    ];
    for (reference, expected) in table {
        let run = run("gantry-tag", &["inspect", reference, "--format", "json"]);
        assert_eq!(run.code, Some(0), "{run}");
        let json: Value =
            serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run}"));
        let object = json
            .as_object()
            .unwrap_or_else(|| panic!("not an object: {run}"));
        assert_eq!(
            object.keys().map(String::as_str).collect::<Vec<_>>(),
            keys,
            "{run}"
        );
        for (key, want) in keys.iter().zip(expected) {
            assert_eq!(object[*key], want, "{reference}: {key}");
        }

        let human = run_human(reference);
        for (key, want) in keys.iter().zip(expected) {
            let want = if want.is_empty() { "-" } else { want };
            assert!(
                human
                    .lines()
                    .any(|line| line.split_whitespace().collect::<Vec<_>>() == [*key, want]),
                "{reference}: no line `{key} {want}` in\n{human}"
            );
        }
    }
}

fn run_human(reference: &str) -> String {
    let run = run("gantry-tag", &["inspect", reference]);
    assert_eq!(run.code, Some(0), "{run}");
    run.stdout
}

#[test]
fn environment_variables_set_flags_and_flags_win() {
    let from_env = gantry("gantry-tag")
        .and_then(|cmd| {
            cmd.arg("inspect")
                .env("GANTRY_REF", "ghcr.io/acme/api:7")
                .env("GANTRY_FORMAT", "json")
                .run()
        })
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(from_env.code, Some(0), "{from_env}");
    let json: Value = serde_json::from_str(&from_env.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(json["tag"], "7");

    let flag_wins = gantry("gantry-tag")
        .and_then(|cmd| {
            cmd.args(["inspect", "redis:8", "--format", "human"])
                .env("GANTRY_REF", "ghcr.io/acme/api:7")
                .env("GANTRY_FORMAT", "json")
                .run()
        })
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(flag_wins.code, Some(0), "{flag_wins}");
    assert!(flag_wins.stdout.contains("library/redis"), "{flag_wins}");
    assert!(!flag_wins.stdout.contains('{'), "{flag_wins}");
}

#[test]
fn inspect_under_actions_writes_outputs_and_summary() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let run = gantry("gantry-tag")
        .and_then(|cmd| {
            cmd.arg("inspect")
                .env("GANTRY_REF", "ghcr.io/acme/api:1.2.3")
                .github_actions(dir.path())
        })
        .and_then(|cmd| cmd.run())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(run.code, Some(0), "{run}");
    assert!(
        !run.stdout.contains("::"),
        "workflow commands on stdout: {run}"
    );

    let outputs = run.outputs().unwrap_or_else(|e| panic!("{e}"));
    let expected = [
        ("digest", ""),
        ("familiar", "ghcr.io/acme/api:1.2.3"),
        ("name", "ghcr.io/acme/api"),
        ("reference", "ghcr.io/acme/api:1.2.3"),
        ("registry", "ghcr.io"),
        ("repository", "acme/api"),
        ("tag", "1.2.3"),
    ];
    assert_eq!(
        outputs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect::<Vec<_>>(),
        expected,
        "{run}"
    );
    // Every value is written in @actions/core's heredoc form.
    let raw = run.outputs_raw().unwrap_or_else(|e| panic!("{e}"));
    assert!(raw.starts_with("name<<ghadelimiter_"), "{raw}");

    let summary = run.step_summary().unwrap_or_else(|e| panic!("{e}"));
    assert!(summary.contains("| registry | ghcr.io |"), "{summary}");
    assert!(summary.contains("`ghcr.io/acme/api:1.2.3`"), "{summary}");
}

#[test]
fn bad_reference_fails_with_exit_2_an_annotation_and_no_outputs() {
    let table = [
        (
            "ghcr.io/Acme/api:1",
            "invalid image reference `ghcr.io/Acme/api:1`: repository name must be lowercase",
        ),
        (
            "app:-x",
            "invalid tag `-x` in image reference `app:-x`: a tag starts with a letter, digit or underscore",
        ),
    ];
    for (reference, message) in table {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let run = gantry("gantry-tag")
            .and_then(|cmd| cmd.args(["inspect", reference]).github_actions(dir.path()))
            .and_then(|cmd| cmd.run())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(run.code, Some(2), "{run}");
        assert_eq!(run.stdout, "", "{run}");
        // Once for people (coloured: the Actions log renders ANSI) and once
        // as an annotation.
        assert!(
            run.stderr
                .lines()
                .any(|line| line.starts_with("\u{1b}[") && line.ends_with(&format!(": {message}"))),
            "{run}"
        );
        let annotation = format!("::error title=gantry-tag::{message}");
        assert!(run.stderr.lines().any(|l| l == annotation), "{run}");
        assert_eq!(run.outputs_raw().unwrap_or_else(|e| panic!("{e}")), "");

        // Outside Actions: the same message, and no workflow command.
        let plain = self::run("gantry-tag", &["inspect", reference]);
        assert_eq!(plain.code, Some(2), "{plain}");
        assert_eq!(plain.stderr, format!("error: {message}\n"), "{plain}");
    }
}

#[test]
fn usage_error_under_actions_is_annotated() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let run = gantry("gantry-gitops")
        .and_then(|cmd| cmd.arg("--bogus").github_actions(dir.path()))
        .and_then(|cmd| cmd.run())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(run.code, Some(2), "{run}");
    assert!(
        run.stderr
            .lines()
            .any(|l| l.starts_with("::error title=gantry-gitops::unexpected argument '--bogus'")),
        "{run}"
    );
}
