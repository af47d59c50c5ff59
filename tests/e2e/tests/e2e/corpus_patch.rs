//! The bad-input corpus of `gantry-patch` (issue 12): `--set` values,
//! `--target` paths and flags; images found nowhere; files that cannot be
//! edited safely (templates, block strings, anchors shared directly, on an
//! enclosing mapping or through a merge key, YAML the scanner refuses,
//! non-UTF-8, binary); paths that are FIFOs or devices, or that symlinks
//! take out of their checkout. Every case runs in `{dir}` and must leave
//! every byte of it as it was.

use std::path::Path;

use gantry_test_support::corpus::{Case, case, run_table};
use gantry_test_support::git_daemon::git;

const BIN: &str = "gantry-patch";
const SET: &str = "ghcr.io/acme/api=ghcr.io/acme/api:2.0.0";
const POD: &str = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: api\n    image: ghcr.io/acme/api:1.0.0\n";

/// `gantry-patch --set SET <path>` on a tree holding `path` = `text`.
fn file_case(name: &str, path: &str, text: impl Into<Vec<u8>>) -> Case {
    case(name, BIN, ["--set", SET, path]).file(path, text)
}

/// `gantry-patch <args> deploy.yaml` on a tree holding a Pod.
fn flag_case(name: &str, args: &[&str]) -> Case {
    let mut all: Vec<&str> = args.to_vec();
    all.push("deploy.yaml");
    case(name, BIN, all).file("deploy.yaml", POD)
}

fn mkfifo(path: &Path) -> Result<(), String> {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .map_err(|e| e.to_string())?;
    status
        .success()
        .then_some(())
        .ok_or_else(|| format!("mkfifo {}: {status}", path.display()))
}

fn link(target: &Path, at: &Path) -> Result<(), String> {
    std::os::unix::fs::symlink(target, at).map_err(|e| format!("symlink {}: {e}", at.display()))
}

/// A checkout `{dir}/checkout` of a bare repository whose commit holds a
/// symlink `envs/link.yaml` to `{dir}/outside.yaml` and a symlinked
/// directory `envs/linked` to `{dir}/outside-dir`: inside `{dir}`, outside
/// the checkout.
fn checkout_with_committed_symlinks(dir: &Path) -> Result<(), String> {
    let err = |e: gantry_test_support::tools::RigError| e.to_string();
    std::fs::write(dir.join("outside.yaml"), POD).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(dir.join("outside-dir")).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("outside-dir/pod.yaml"), POD).map_err(|e| e.to_string())?;
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    git(work.path(), &["init", "-q", "-b", "main"]).map_err(err)?;
    std::fs::create_dir_all(work.path().join("envs")).map_err(|e| e.to_string())?;
    std::fs::write(work.path().join("envs/pod.yaml"), POD).map_err(|e| e.to_string())?;
    link(
        &dir.join("outside.yaml"),
        &work.path().join("envs/link.yaml"),
    )?;
    link(&dir.join("outside-dir"), &work.path().join("envs/linked"))?;
    git(work.path(), &["add", "-A"]).map_err(err)?;
    git(work.path(), &["commit", "-q", "-m", "links"]).map_err(err)?;
    let bare = dir.join("deploy.git");
    let work_path = work.path().display().to_string();
    git(
        dir,
        &[
            "clone",
            "-q",
            "--bare",
            &work_path,
            &bare.display().to_string(),
        ],
    )
    .map_err(err)?;
    git(
        dir,
        &[
            "clone",
            "-q",
            &bare.display().to_string(),
            &dir.join("checkout").display().to_string(),
        ],
    )
    .map_err(err)?;
    Ok(())
}

#[test]
fn flags_and_set_values() {
    let cases = vec![
        flag_case("no-set", &[]).names("no --set given"),
        flag_case("set-blank", &["--set", "  "]).names("no --set given"),
        case("no-path", BIN, ["--set", SET]).names("no PATH given"),
        flag_case("set-uppercase", &["--set", "ghcr.io/acme/api=UPPER:1"]).names("UPPER:1"),
        flag_case("set-dash-tag", &["--set", "nginx:-x"]).names("nginx:-x"),
        flag_case("set-newline", &["--set", "ghcr.io/acme/api:2\nbad"]).names("`bad`"),
        flag_case("set-name-with-tag", &["--set", "nginx:1=nginx:2"]).names("nginx:1"),
        flag_case("set-empty-newref", &["--set", "nginx="]).names("nginx="),
        flag_case("set-empty-name", &["--set", "=nginx:1"]).names("=nginx:1"),
        flag_case("set-no-tag", &["--set", "ghcr.io/acme/api"]).names("has no tag and no digest"),
        flag_case("set-short-digest", &["--set", "nginx:1@sha256:abc"]).names("sha256:abc"),
        flag_case("set-bad-digest-algorithm", &["--set", "nginx@md5:abcd"]).names("md5:abcd"),
        flag_case(
            "set-same-repository-twice",
            &["--set", "nginx:1", "--set", "docker.io/library/nginx:2"],
        )
        .names("docker.io/library/nginx:2"),
        flag_case("set-space", &["--set", "nginx:1 2"]).names("nginx:1 2"),
        flag_case(
            "set-tag-too-long",
            &["--set", &format!("nginx:{}", "t".repeat(129))],
        )
        .names("nginx:ttt"),
        flag_case("require-digest", &["--set", SET, "--require-digest"])
            .names("ghcr.io/acme/api:2.0.0"),
        flag_case("dry-run-and-check", &["--set", SET, "--dry-run", "--check"])
            .names("exclude each other"),
        flag_case("target-bad-path", &["--set", SET, "--target", "a..b"]).names("a..b"),
        flag_case(
            "target-unclosed-selector",
            &["--set", SET, "--target", "containers[name=app"],
        )
        .names("containers[name=app"),
        flag_case("unknown-flag", &["--set", SET, "--sett", "x"]).names("--sett"),
        case("gantry-set-env-bad-line", BIN, ["deploy.yaml"])
            .env("GANTRY_SET", "ghcr.io/acme/api:2.0.0\nNOT/OK:1\n")
            .file("deploy.yaml", POD)
            .names("NOT/OK:1"),
        case(
            "list-bad-target",
            BIN,
            ["list", "--target", "x[", "deploy.yaml"],
        )
        .file("deploy.yaml", POD)
        .names("x["),
        case("audit-no-path", BIN, ["audit"]).names("no PATH given"),
    ];
    assert!(run_table(cases) >= 20);
}

#[test]
fn images_found_nowhere() {
    let cases = vec![
        case(
            "typo-in-name",
            BIN,
            ["--set", "ghcr.io/acme/apii=ghcr.io/acme/apii:2", "."],
        )
        .file("deploy.yaml", POD)
        .names("no reference to `ghcr.io/acme/apii`"),
        case(
            "other-registry",
            BIN,
            [
                "--set",
                "docker.io/acme/api=docker.io/acme/api:2",
                "deploy.yaml",
            ],
        )
        .file("deploy.yaml", POD)
        .names("`docker.io/acme/api`"),
        case(
            "one-of-two",
            BIN,
            [
                "--set",
                SET,
                "--set",
                "ghcr.io/acme/web=ghcr.io/acme/web:2",
                ".",
            ],
        )
        .file("deploy.yaml", POD)
        .names("`ghcr.io/acme/web`"),
        case("only-in-a-readme", BIN, ["--set", SET, "."])
            .file("README.md", "image: ghcr.io/acme/api:1.0.0\n")
            .file("values.yaml", "replicas: 2\n")
            .names("no reference to `ghcr.io/acme/api`"),
        case("only-in-a-gitignored-file", BIN, ["--set", SET, "."])
            .file(".gitignore", "build/\n")
            .file("build/rendered.yaml", POD)
            .file("values.yaml", "replicas: 2\n")
            .names("no reference to `ghcr.io/acme/api`"),
        case("only-in-a-hidden-directory", BIN, ["--set", SET, "."])
            .file(".hidden/pod.yaml", POD)
            .file("values.yaml", "replicas: 2\n")
            .names("no reference to `ghcr.io/acme/api`"),
        case("only-in-a-comment", BIN, ["--set", SET, "values.yaml"])
            .file(
                "values.yaml",
                "# image: ghcr.io/acme/api:1.0.0\nreplicas: 2\n",
            )
            .names("no reference to `ghcr.io/acme/api`"),
        case("empty-directory", BIN, ["--set", SET, "empty"])
            .setup(|d| std::fs::create_dir_all(d.join("empty")).map_err(|e| e.to_string()))
            .names("found in 0 file(s)"),
    ];
    assert!(run_table(cases) >= 8);
}

#[test]
fn files_that_cannot_be_edited_safely() {
    let deep: String = (0..210).fold(String::new(), |mut s, i| {
        s.push_str(&" ".repeat(i));
        s.push_str("a:\n");
        s
    }) + &" ".repeat(210)
        + "image: ghcr.io/acme/api:1.0.0\n";
    let cases = vec![
        file_case(
            "helm-template",
            "templates/deploy.yaml",
            "image: \"ghcr.io/acme/api:{{ .Values.tag }}\"\n",
        )
        .names("template marker"),
        file_case(
            "workflow-expression",
            "ci.yaml",
            "image: ghcr.io/acme/api:${{ github.sha }}\n",
        )
        .names("template marker"),
        file_case(
            "argo-block-string",
            "app.yaml",
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    helm:\n      values: |\n        image: ghcr.io/acme/api:1.0.0\n",
        )
        .names("block string"),
        file_case(
            "anchor-shared-by-alias",
            "values.yaml",
            "image: &img ghcr.io/acme/api:1.0.0\nsidecarImage: *img\n",
        )
        .names("an alias elsewhere shares it"),
        file_case(
            "anchor-on-enclosing-mapping",
            "values.yaml",
            "defaults: &d\n  image: ghcr.io/acme/api:1.0.0\nworker: *d\n",
        )
        .names("inside an anchored mapping or sequence"),
        file_case(
            "anchor-on-enclosing-flow-mapping",
            "values.yaml",
            "defaults: &d {image: ghcr.io/acme/api:1.0.0}\nworker: *d\n",
        )
        .names("inside an anchored mapping or sequence"),
        file_case(
            "anchor-merge-key",
            "values.yaml",
            "base: &b\n  image:\n    repository: ghcr.io/acme/api\n    tag: \"1.0.0\"\nworker:\n  <<: *b\n  replicas: 2\n",
        )
        .names("merge key"),
        file_case(
            "anchor-merge-key-in-flow",
            "values.yaml",
            "base: &b {image: ghcr.io/acme/api:1.0.0}\nworker: {<<: *b, replicas: 2}\n",
        )
        .names("merge key"),
        file_case(
            "anchor-on-container-list",
            "pod.yaml",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers: &cs\n  - name: api\n    image: ghcr.io/acme/api:1.0.0\n  initContainers: *cs\n",
        )
        .names("inside an anchored mapping or sequence"),
        file_case(
            "anchor-two-levels-up",
            "values.yaml",
            "app: &a\n  image:\n    repository: ghcr.io/acme/api\n    tag: \"1.0.0\"\ncopy: *a\n",
        )
        .names("inside an anchored mapping or sequence"),
        file_case(
            "duplicate-key-on-path",
            "pod.yaml",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/api:1.0.0\n    image: ghcr.io/acme/api:1.0.0\n",
        )
        .names("duplicate key"),
        file_case(
            "syntax-unclosed-flow",
            "values.yaml",
            "image: ghcr.io/acme/api:1.0.0\nlist: [a, b\n",
        )
        .names("values.yaml:3:1: YAML syntax error: expected `,`"),
        file_case(
            "syntax-bad-indent",
            "values.yaml",
            "image: ghcr.io/acme/api:1.0.0\n  x: 1\n",
        )
        .names("a mapping cannot start on the line of its key"),
        file_case(
            "syntax-unclosed-quote",
            "values.yaml",
            "image: \"ghcr.io/acme/api:1.0.0\n",
        )
        .names("unterminated double-quoted string"),
        file_case(
            "complex-key",
            "values.yaml",
            "? image\n: ghcr.io/acme/api:1.0.0\n",
        )
        .names("unsupported YAML construct"),
        file_case(
            "tab-in-plain-scalar",
            "values.yaml",
            "image: ghcr.io/acme/api:1.0.0\tx\n",
        )
        .names("tabs inside plain scalars"),
        file_case("lone-carriage-return", "values.yaml", "a: 1\rimage: ghcr.io/acme/api:1.0.0\n")
            .names("carriage return"),
        file_case("nesting-too-deep", "values.yaml", deep).names("nesting too deep"),
        file_case(
            "not-utf8",
            "values.yaml",
            b"image: ghcr.io/acme/api:1.0.0 # caf\xe9\n".to_vec(),
        )
        .names("not valid UTF-8"),
        file_case(
            "utf16",
            "values.yaml",
            b"\xff\xfei\x00m\x00a\x00g\x00e\x00:\x00 \x00a\x00p\x00i\x00".to_vec(),
        )
        .names("`values.yaml` is a binary file"),
        file_case("binary", "logo.yaml", b"\x89PNG\r\n\x1a\n\0ghcr.io/acme/api".to_vec())
            .names("`logo.yaml` is a binary file"),
        file_case(
            "non-string-tag",
            "values.yaml",
            "image:\n  repository: ghcr.io/acme/api\n  tag: !!int 1\n",
        )
        .names("tag other than"),
        case(
            "digest-only-without-digest-field",
            BIN,
            [
                "--set",
                "ghcr.io/acme/api=ghcr.io/acme/api@sha256:1111111111111111111111111111111111111111111111111111111111111111",
                "values.yaml",
            ],
        )
        .file(
            "values.yaml",
            "image:\n  repository: ghcr.io/acme/api\n  tag: \"1.0.0\"\n",
        )
        .names("no `digest` field"),
        case("one-bad-file-stops-all", BIN, ["--set", SET, "."])
            .file("a-good.yaml", POD)
            .file("b-bad.yaml", "image: ghcr.io/acme/api:1.0.0\n  x: [\n")
            .names("b-bad.yaml"),
    ];
    assert!(run_table(cases) >= 24);
}

#[test]
fn paths_that_are_not_files_or_lead_out() {
    let cases = vec![
        case("path-does-not-exist", BIN, ["--set", SET, "nope.yaml"]).names("nope.yaml"),
        case("fifo-named", BIN, ["--set", SET, "pipe.yaml"])
            .setup(|d| mkfifo(&d.join("pipe.yaml")))
            .names("`pipe.yaml` is a FIFO (named pipe), not a regular file"),
        case("fifo-in-directory", BIN, ["--set", SET, "deploy"])
            .file("deploy/pod.yaml", POD)
            .setup(|d| mkfifo(&d.join("deploy/pipe.yaml")))
            .names("`deploy/pipe.yaml` is a FIFO"),
        case("fifo-through-symlink", BIN, ["--set", SET, "link.yaml"])
            .setup(|d| {
                mkfifo(&d.join("pipe"))?;
                link(&d.join("pipe"), &d.join("link.yaml"))
            })
            .names("`link.yaml` is a FIFO"),
        case("fifo-in-gantry-paths", BIN, ["--set", SET])
            .env("GANTRY_PATHS", "pod.yaml\npipe.yaml\n")
            .file("pod.yaml", POD)
            .setup(|d| mkfifo(&d.join("pipe.yaml")))
            .names("`pipe.yaml` is a FIFO"),
        case("fifo-list", BIN, ["list", "pipe.yaml"])
            .setup(|d| mkfifo(&d.join("pipe.yaml")))
            .names("`pipe.yaml` is a FIFO"),
        case("fifo-audit", BIN, ["audit", "pipe.yaml"])
            .setup(|d| mkfifo(&d.join("pipe.yaml")))
            .names("`pipe.yaml` is a FIFO"),
        case("character-device", BIN, ["--set", SET, "/dev/zero"])
            .names("`/dev/zero` is a character device"),
        case("symlink-in-directory-out", BIN, ["--set", SET, "tree"])
            .file("tree/pod.yaml", POD)
            .file("elsewhere/secret.yaml", POD)
            .setup(|d| link(&d.join("elsewhere/secret.yaml"), &d.join("tree/x.yaml")))
            .names("is a symlink to"),
        case("symlink-dangling-in-directory", BIN, ["--set", SET, "tree"])
            .file("tree/pod.yaml", POD)
            .setup(|d| link(&d.join("nowhere.yaml"), &d.join("tree/x.yaml")))
            .names("tree/x.yaml"),
        case("symlink-named-out-of-cwd", BIN, ["--set", SET, "link.yaml"])
            .setup(|d| link(Path::new("/etc/passwd"), &d.join("link.yaml")))
            .names("`link.yaml` resolves through a symlink to `/etc/passwd`"),
        case(
            "symlink-committed-file-out-of-checkout",
            BIN,
            ["--set", SET, "checkout/envs/link.yaml"],
        )
        .setup(checkout_with_committed_symlinks)
        .names("`checkout/envs/link.yaml` resolves through a symlink"),
        case(
            "symlink-committed-directory-out-of-checkout",
            BIN,
            ["--set", SET, "checkout/envs/linked"],
        )
        .setup(checkout_with_committed_symlinks)
        .names("`checkout/envs/linked` resolves through a symlink"),
        case(
            "symlink-committed-through-parent",
            BIN,
            ["--set", SET, "checkout/envs/linked/pod.yaml"],
        )
        .setup(checkout_with_committed_symlinks)
        .names("`checkout/envs/linked/pod.yaml` resolves through a symlink"),
        case(
            "symlink-committed-walked",
            BIN,
            ["--set", SET, "checkout/envs"],
        )
        .setup(checkout_with_committed_symlinks)
        .names("is a symlink to"),
    ];
    assert!(run_table(cases) >= 15);
}

/// `gantry-patch --dry-run --pr-comment --set SET deploy.yaml` on a tree
/// holding a Pod, for pull request 7 of `acme/web` (the decoy GITHUB_TOKEN
/// is the token), with `extra` flags.
fn comment_case(name: &str, extra: &[&str]) -> Case {
    let mut all = vec!["--dry-run", "--pr-comment", "--set", SET];
    all.extend_from_slice(extra);
    all.push("deploy.yaml");
    case(name, BIN, all)
        .file("deploy.yaml", POD)
        .env("GITHUB_REPOSITORY", "acme/web")
}

/// The same against a hostile GitHub API at `server` (`{hang}`, …), with
/// one-second deadlines: the dry run stands (exit 0), a warning names the
/// server.
fn comment_server_case(name: &str, server: &str) -> Case {
    comment_case(name, &["--pr", "7", "--github-timeout", "1s"])
        .env("GITHUB_API_URL", &format!("http://{server}"))
        .exit(0)
        .names("the pull request comment was not posted (the dry run's result stands)")
        .names(server)
}

#[test]
fn pull_request_comment_settings_and_servers() {
    let cases = vec![
        flag_case(
            "pr-comment-without-dry-run",
            &["--set", SET, "--pr-comment"],
        )
        .names("--pr-comment goes with --dry-run"),
        flag_case(
            "pr-comment-with-check",
            &["--set", SET, "--check", "--pr-comment", "--pr", "7"],
        )
        .env("GITHUB_REPOSITORY", "acme/web")
        .names("--pr-comment goes with --dry-run"),
        flag_case(
            "pr-without-pr-comment",
            &["--set", SET, "--dry-run", "--pr", "7"],
        )
        .names("--pr goes with --pr-comment"),
        flag_case(
            "pr-comment-key-without-pr-comment",
            &["--set", SET, "--dry-run", "--pr-comment-key", "x"],
        )
        .names("--pr-comment-key goes with --pr-comment"),
        flag_case(
            "github-timeout-zero",
            &["--set", SET, "--github-timeout", "0s"],
        )
        .names("invalid --github-timeout `0s`: must be more than zero"),
        comment_case("pr-comment-no-event", &[]).names("GITHUB_EVENT_PATH is not set"),
        comment_case("pr-comment-push-event", &[])
            .env("GITHUB_EVENT_NAME", "push")
            .names("(GITHUB_EVENT_NAME) is `push`"),
        comment_case("pr-comment-payload-missing", &[])
            .env("GITHUB_EVENT_PATH", "{dir}/nope.json")
            .names("GITHUB_EVENT_PATH=`{dir}/nope.json`"),
        comment_case("pr-comment-payload-fifo", &[])
            .env("GITHUB_EVENT_PATH", "{dir}/event.json")
            .setup(|d| mkfifo(&d.join("event.json")))
            .timeout(std::time::Duration::from_secs(10))
            .names("not a regular file"),
        comment_case("pr-comment-payload-garbage", &[])
            .env("GITHUB_EVENT_PATH", "{dir}/event.json")
            .file("event.json", "{\"pull_request\": ")
            .names("not JSON"),
        comment_case("pr-comment-payload-no-pull-request", &[])
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", "{dir}/event.json")
            .file("event.json", r#"{"pull_request": {"number": "7"}}"#)
            .names("has no pull_request.number"),
        comment_case("pr-comment-pr-not-a-number", &["--pr", "#7"]).names("invalid --pr `#7`"),
        comment_case("pr-comment-pr-zero", &["--pr", "0"]).names("invalid --pr `0`"),
        comment_case("pr-comment-no-repository", &["--pr", "7"])
            .env_remove("GITHUB_REPOSITORY")
            .names("set GITHUB_REPOSITORY"),
        comment_case("pr-comment-bad-repository", &["--pr", "7"])
            .env("GITHUB_REPOSITORY", "acme/web/extra")
            .names("invalid GITHUB_REPOSITORY"),
        comment_case("pr-comment-no-token", &["--pr", "7"])
            .env_remove("GITHUB_TOKEN")
            .names("needs a token: set GITHUB_TOKEN"),
        comment_case(
            "pr-comment-bad-key",
            &["--pr", "7", "--pr-comment-key", "a -->"],
        )
        .names("invalid --pr-comment-key `a -->`"),
        comment_case("pr-comment-bad-job-name", &["--pr", "7"])
            .env("GITHUB_JOB", "my job")
            .names("invalid GITHUB_JOB `my job`"),
        comment_case("pr-comment-api-url-with-token", &["--pr", "7"])
            .env(
                "GITHUB_API_URL",
                "https://x-access-token:ghp_corpusUrlToken9f3e@api.github.com",
            )
            .secret("ghp_corpusUrlToken9f3e")
            .names("invalid GITHUB_API_URL"),
        comment_server_case("pr-comment-github-hangs", "{hang}"),
        comment_server_case("pr-comment-github-refused", "{refused}"),
        comment_server_case("pr-comment-github-garbage", "{garbage}"),
        comment_server_case("pr-comment-github-endless", "{endless}").names("read limit"),
        // 404 to every GET, and any write would fail the case: a token
        // that cannot see the comments is a notice, nothing is sent.
        comment_case("pr-comment-github-not-found", &["--pr", "7"])
            .env("GITHUB_API_URL", "http://{recorder}")
            .exit(0)
            .names("the pull request comment was skipped: the token cannot write to pull requests"),
    ];
    assert!(run_table(cases) >= 24);
}
