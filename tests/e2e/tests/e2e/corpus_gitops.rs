//! The bad-input corpus of `gantry-gitops` (issue 12): flags, URLs,
//! repositories whose files or environments are wrong, remotes and GitHub
//! APIs that refuse, hang or answer garbage. Each case is checked by
//! `run_table` for its exit code, the input named, no secret anywhere, and
//! an unchanged `{dir}`: the bare repository a case clones from lives
//! there, so a push would show. Cases that must fail before any git
//! process name `http://{recorder}/…` as the repository and check that it
//! saw no request at all.

use std::path::Path;
use std::time::Duration;

use gantry_test_support::corpus::{Case, CaseRun, case, run_table};
use gantry_test_support::git_daemon::git;

const BIN: &str = "gantry-gitops";
/// A repository nothing may contact.
const UNTOUCHED: &str = "http://{recorder}/acme/deploy.git";
/// The bare repository of a case's set-up.
const REPO: &str = "file://{dir}/deploy.git";
const SET: &str = "ghcr.io/acme/api:2.0.0";

fn deploy(image: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: {image}\n"
    )
}

const ENVS: &str = "environments:\n  staging:\n    branch: main\n    paths: [envs/staging]\n  production:\n    branch: main\n    paths: [envs/production]\n";

/// Make `{dir}/deploy.git` with one commit on `main` holding `files` and
/// the symlinks `links` (`(path, target)`, `{dir}` in a target replaced).
fn bare(dir: &Path, files: &[(&str, &[u8])], links: &[(&str, &str)]) -> Result<(), String> {
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let err = |e: gantry_test_support::tools::RigError| e.to_string();
    git(work.path(), &["init", "-q", "-b", "main"]).map_err(err)?;
    for (path, bytes) in files {
        let file = work.path().join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&file, bytes).map_err(|e| e.to_string())?;
    }
    for (path, target) in links {
        let link = work.path().join(path);
        if let Some(parent) = link.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        let target = target.replace("{dir}", &dir.display().to_string());
        std::os::unix::fs::symlink(target, &link).map_err(|e| e.to_string())?;
    }
    git(work.path(), &["add", "-A"]).map_err(err)?;
    git(work.path(), &["commit", "-q", "-m", "Initial commit"]).map_err(err)?;
    let bare = dir.join("deploy.git");
    git(
        dir,
        &[
            "clone",
            "-q",
            "--bare",
            &work.path().display().to_string(),
            &bare.display().to_string(),
        ],
    )
    .map_err(err)?;
    Ok(())
}

/// The usual repository: two environments, one image each, and a second
/// image in staging.
fn basic(dir: &Path) -> Result<(), String> {
    let api = deploy("ghcr.io/acme/api:1.0.0");
    let web = deploy("ghcr.io/acme/web:1.0.0");
    bare(
        dir,
        &[
            (".gantry/environments.yaml", ENVS.as_bytes()),
            ("envs/staging/api.yaml", api.as_bytes()),
            ("envs/staging/web.yaml", web.as_bytes()),
            ("envs/production/api.yaml", api.as_bytes()),
        ],
        &[],
    )
}

/// One file (and the environments) in the repository.
fn with_file(dir: &Path, path: &str, bytes: &[u8]) -> Result<(), String> {
    let api = deploy("ghcr.io/acme/api:1.0.0");
    bare(
        dir,
        &[
            (".gantry/environments.yaml", ENVS.as_bytes()),
            ("envs/production/api.yaml", api.as_bytes()),
            (path, bytes),
        ],
        &[],
    )
}

/// An environments file of its own.
fn with_envs(dir: &Path, envs: &[u8]) -> Result<(), String> {
    let api = deploy("ghcr.io/acme/api:1.0.0");
    bare(
        dir,
        &[
            (".gantry/environments.yaml", envs),
            ("envs/staging/api.yaml", api.as_bytes()),
        ],
        &[],
    )
}

/// Committed symlinks that lead out of the clone, to files in `{dir}`
/// that must stay as they are.
fn symlinks(dir: &Path) -> Result<(), String> {
    let outside = deploy("ghcr.io/acme/api:1.0.0");
    std::fs::write(dir.join("outside.yaml"), &outside).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(dir.join("outside-dir")).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("outside-dir/api.yaml"), &outside).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("outside-envs.yaml"), ENVS).map_err(|e| e.to_string())?;
    bare(
        dir,
        &[("envs/staging/api.yaml", outside.as_bytes())],
        &[
            ("envs/staging/link.yaml", "{dir}/outside.yaml"),
            ("envs/linked", "{dir}/outside-dir"),
            ("envs/dangling.yaml", "{dir}/nowhere.yaml"),
            (".gantry/environments.yaml", "{dir}/outside-envs.yaml"),
        ],
    )
}

/// A git template whose post-checkout hook puts a FIFO in the clone
/// (git cannot commit one): `{dir}/template`.
fn fifo_hook(dir: &Path, script: &str) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt as _;
    let hooks = dir.join("template/hooks");
    std::fs::create_dir_all(&hooks).map_err(|e| e.to_string())?;
    let hook = hooks.join("post-checkout");
    std::fs::write(&hook, format!("#!/bin/sh\n{script}\n")).map_err(|e| e.to_string())?;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| e.to_string())
}

/// The recorder saw no request: nothing was cloned or fetched.
fn no_request(run: &CaseRun<'_>) -> Result<(), String> {
    match run.servers.get("recorder") {
        Some(recorder) if !recorder.seen().is_empty() => Err(format!(
            "the repository was contacted: {:?}",
            recorder.seen()
        )),
        _ => Ok(()),
    }
}

/// `update --repo <nothing may be contacted> --set … <extra>`.
fn before_git(name: &str, extra: &[&str]) -> Case {
    let mut args = vec!["update", "--repo", UNTOUCHED, "--set", SET];
    args.extend_from_slice(extra);
    case(name, BIN, args).check(no_request)
}

/// `update --repo <the bare repository> <args>`.
fn on_repo(name: &str, args: &[&str]) -> Case {
    let mut all = vec!["update", "--repo", REPO];
    all.extend_from_slice(args);
    case(name, BIN, all)
}

/// `<subcommand> --repo <the bare repository> <args>`.
fn sub_on_repo(name: &str, sub: &str, args: &[&str]) -> Case {
    let mut all = vec![sub, "--repo", REPO];
    all.extend_from_slice(args);
    case(name, BIN, all)
}

#[test]
fn flags_are_checked_before_any_git_process() {
    let long_label = "l".repeat(51);
    let cases = vec![
        before_git("set-bad-ref", &["--set", "ghcr.io/acme/web=UPPER:1"]).names("UPPER:1"),
        before_git(
            "set-newline-splits-to-a-bad-ref",
            &["--set", "ghcr.io/acme/web:2\nBAD"],
        )
        .names("BAD"),
        before_git("set-dash-tag", &["--set", "nginx:-x"]).names("nginx:-x"),
        before_git("set-name-with-tag", &["--set", "nginx:1=nginx:2"]).names("nginx:1"),
        before_git("set-empty-newref", &["--set", "nginx="]).names("nginx="),
        before_git("set-no-tag-no-digest", &["--set", "ghcr.io/acme/web"])
            .names("ghcr.io/acme/web"),
        before_git("set-same-image-twice", &["--set", "ghcr.io/acme/api:3"])
            .names("ghcr.io/acme/api:3"),
        before_git("set-short-digest", &["--set", "nginx:1@sha256:abc"]).names("sha256:abc"),
        before_git("require-digest", &["--require-digest"]).names(SET),
        before_git(
            "labels-empty-entry",
            &[
                "--mode",
                "pr",
                "--github-repository",
                "acme/deploy",
                "--github-api-url",
                "http://{recorder}",
                "--labels",
                "deploy,,staging",
            ],
        )
        .names("deploy,,staging"),
        before_git(
            "labels-control-character",
            &[
                "--mode",
                "pr",
                "--github-repository",
                "acme/deploy",
                "--labels",
                "deploy\u{7}",
            ],
        )
        .names("deploy\\u{7}"),
        before_git(
            "labels-too-long",
            &[
                "--mode",
                "pr",
                "--github-repository",
                "acme/deploy",
                "--labels",
                &long_label,
            ],
        )
        .names(&long_label),
        before_git("labels-without-pr-mode", &["--labels", "deploy"]).names("--labels"),
        before_git(
            "reviewers-not-a-login",
            &[
                "--mode",
                "pr",
                "--github-repository",
                "acme/deploy",
                "--github-api-url",
                "http://{recorder}",
                "--reviewers",
                "octo cat",
            ],
        )
        .names("octo cat"),
        before_git(
            "reviewers-team-of-another-org",
            &[
                "--mode",
                "pr",
                "--github-repository",
                "acme/deploy",
                "--github-api-url",
                "http://{recorder}",
                "--reviewers",
                "other/platform",
            ],
        )
        .names("other/platform"),
        before_git(
            "reviewers-trailing-comma",
            &[
                "--mode",
                "pr",
                "--github-repository",
                "acme/deploy",
                "--reviewers",
                "octocat,",
            ],
        )
        .names("octocat,"),
        before_git(
            "auto-merge-unknown",
            &["--mode", "pr", "--auto-merge", "yes"],
        )
        .names("yes"),
        before_git("branch-with-dots", &["--branch", "release..1"]).names("release..1"),
        before_git("branch-starting-with-dash", &["--branch=-x"]).names("-x"),
        before_git("path-glob", &["--path", "envs/*"]).names("envs/*"),
        before_git("path-climbs-out", &["--path", "envs/../../etc"]).names("envs/../../etc"),
        before_git("path-absolute", &["--path", "/etc"]).names("/etc"),
        before_git(
            "environment-defined-twice",
            &[
                "--environment",
                "staging=main",
                "--environment",
                "staging=prod",
                "--env",
                "staging",
            ],
        )
        .names("staging=prod"),
        before_git(
            "environment-empty-path",
            &["--environment", "staging=main:a,,b"],
        )
        .names("staging=main:a,,b"),
        before_git("environment-without-equals", &["--environment", "noequals"]).names("noequals"),
        before_git(
            "message-unknown-placeholder",
            &["--message", "deploy {summry}"],
        )
        .names("{summry}"),
        before_git("author-without-email", &["--author", "nobody"]).names("nobody"),
        before_git("git-timeout-zero", &["--git-timeout", "0s"]).names("--git-timeout"),
        before_git("git-timeout-not-a-duration", &["--git-timeout", "soon"]).names("soon"),
        before_git(
            "github-timeout-negative",
            &["--mode", "api", "--github-timeout=-1s"],
        )
        .names("--github-timeout"),
        before_git("attempts-zero", &["--attempts", "0"]).names("--attempts"),
        before_git(
            "api-mode-without-a-token",
            &["--mode", "api", "--github-repository", "acme/deploy"],
        )
        .env_remove("GANTRY_TOKEN")
        .names("needs a token"),
        before_git(
            "api-url-not-http",
            &["--mode", "api", "--github-api-url", "ftp://api.example"],
        )
        .names("ftp://api.example"),
        before_git(
            "api-url-with-credentials",
            &[
                "--mode",
                "api",
                "--github-api-url",
                "https://u:ApiUrlSecret7781@api.github.com",
            ],
        )
        .secret("ApiUrlSecret7781")
        .names("holds credentials"),
        before_git(
            "github-repository-without-slash",
            &["--mode", "api", "--github-repository", "noslash"],
        )
        .names("noslash"),
        before_git("workdir-missing", &["--workdir", "{dir}/nope"]).names("{dir}/nope"),
        before_git("workdir-is-a-file", &["--workdir", "{dir}/file.txt"])
            .file("file.txt", "x\n")
            .names("{dir}/file.txt"),
        before_git("workdir-is-a-fifo", &["--workdir", "{dir}/fifo"])
            .setup(|d| mkfifo(&d.join("fifo")))
            .names("{dir}/fifo"),
        case(
            "promote-to-itself",
            BIN,
            [
                "promote", "--repo", UNTOUCHED, "--from", "staging", "--to", "staging",
            ],
        )
        .check(no_request)
        .names("staging"),
        case(
            "revert-to-without-tag",
            BIN,
            [
                "revert",
                "--repo",
                UNTOUCHED,
                "--image",
                "ghcr.io/acme/api",
                "--to",
                "ghcr.io/acme/api",
            ],
        )
        .check(no_request)
        .names("--to `ghcr.io/acme/api`"),
        case(
            "revert-bad-image",
            BIN,
            ["revert", "--repo", UNTOUCHED, "--image", "Bad:Ref"],
        )
        .check(no_request)
        .names("Bad:Ref"),
        case(
            "promote-bad-image",
            BIN,
            [
                "promote", "--repo", UNTOUCHED, "--from", "a", "--to", "b", "--image", "a b",
            ],
        )
        .check(no_request)
        .names("a b"),
    ];
    assert!(run_table(cases) >= 40);
}

fn mkfifo(path: &Path) -> Result<(), String> {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("mkfifo {}: {status}", path.display()))
    }
}

#[test]
fn repository_urls_are_checked_before_git_runs() {
    let url = |name: &str, repo: &str| case(name, BIN, ["update", "--repo", repo, "--set", SET]);
    let cases = vec![
        url("url-ftp", "ftp://example.com/acme/deploy.git").names("unsupported scheme `ftp`"),
        url("url-javascript", "javascript:alert(1)").names("javascript:alert(1)"),
        // ext:: runs a command: the file must never appear in {dir}.
        url("url-ext-with-command", "ext::sh -c touch% {dir}/pwned").names("ext::sh"),
        url("url-ext", "ext::sh").names("`ext::` is a git remote helper"),
        url("url-fd", "fd::7").names("`fd::` is a git remote helper"),
        url("url-bare-word", "deploy").names("`deploy`"),
        url("url-local-path", "{dir}/deploy.git").names("file://"),
        case(
            "url-option-injection",
            BIN,
            ["update", "--repo=-uhttps://example.com/x", "--set", SET],
        )
        .names("-uhttps://example.com/x"),
        url(
            "url-ssh-option-host",
            "ssh://-oProxyCommand=x/acme/deploy.git",
        )
        .names("does not start with `-`"),
        url("url-without-repository", "https://github.com").names("https://github.com"),
        url("url-newline", "https://github.com/acme/deploy.git\n").names("control character"),
        url(
            "url-ssh-with-password",
            "ssh://git:SshPassword4451@example.com/acme/deploy.git",
        )
        .secret("SshPassword4451")
        .names("a password in a ssh:// URL"),
        url(
            "url-ftp-with-token",
            "ftp://x-access-token:FtpUrlToken9921@example.com/deploy.git",
        )
        .secret("FtpUrlToken9921")
        .names("unsupported scheme `ftp`"),
        url(
            "url-token-as-user-refused-workdir",
            "https://ghp_UserNameToken31415926@example.com/acme/deploy.git",
        )
        .secret("ghp_UserNameToken31415926")
        .env("GANTRY_WORKDIR", "{dir}/missing")
        .names("{dir}/missing"),
    ];
    assert!(run_table(cases) >= 14);
}

#[test]
fn repository_contents_are_checked_before_anything_is_pushed() {
    let cases = vec![
        on_repo("image-found-nowhere", &["--set", "ghcr.io/acme/apii:2.0.0"])
            .setup(basic)
            .names("no reference to `ghcr.io/acme/apii`"),
        on_repo(
            "image-found-nowhere-in-env",
            &["--env", "production", "--set", "ghcr.io/acme/web:2.0.0"],
        )
        .setup(basic)
        .names("`ghcr.io/acme/web`"),
        on_repo(
            "one-of-two-images-found-nowhere",
            &["--set", SET, "--set", "ghcr.io/acme/wbe:2.0.0"],
        )
        .setup(basic)
        .names("`ghcr.io/acme/wbe`"),
        sub_on_repo(
            "promote-image-the-target-does-not-run",
            "promote",
            &[
                "--from",
                "staging",
                "--to",
                "production",
                "--image",
                "ghcr.io/acme/web",
            ],
        )
        .setup(basic)
        .names("`ghcr.io/acme/web`"),
        on_repo("unknown-environment", &["--env", "qa", "--set", SET])
            .setup(basic)
            .names("`qa`"),
        on_repo("path-not-on-branch", &["--path", "envs/nope", "--set", SET])
            .setup(basic)
            .names("envs/nope"),
        on_repo("branch-not-on-remote", &["--branch", "nope", "--set", SET])
            .setup(basic)
            .names("`nope`"),
        sub_on_repo(
            "revert-without-gantry-history",
            "revert",
            &["--env", "staging", "--image", "ghcr.io/acme/api"],
        )
        .setup(basic)
        .names("no gantry deploy of `ghcr.io/acme/api:1.0.0`"),
        sub_on_repo(
            "revert-image-not-deployed",
            "revert",
            &["--env", "staging", "--image", "ghcr.io/acme/db"],
        )
        .setup(basic)
        .names("`ghcr.io/acme/db` is not deployed"),
        sub_on_repo(
            "promote-ambiguous-source",
            "promote",
            &["--from", "staging", "--to", "production"],
        )
        .setup(|d| {
            let one = deploy("ghcr.io/acme/api:1.0.0");
            let two = deploy("ghcr.io/acme/api:2.0.0");
            bare(
                d,
                &[
                    (".gantry/environments.yaml", ENVS.as_bytes()),
                    ("envs/staging/a.yaml", one.as_bytes()),
                    ("envs/staging/b.yaml", two.as_bytes()),
                    ("envs/production/api.yaml", one.as_bytes()),
                ],
                &[],
            )
        })
        .names("deployed as both"),
        // Symlinks committed in the repository that lead out of the clone.
        on_repo(
            "symlink-file-out-of-the-clone",
            &["--path", "envs/staging/link.yaml", "--set", SET],
        )
        .setup(symlinks)
        .names("`envs/staging/link.yaml` resolves through a symlink"),
        on_repo(
            "symlink-directory-out-of-the-clone",
            &["--path", "envs/linked", "--set", SET],
        )
        .setup(symlinks)
        .names("`envs/linked` resolves through a symlink"),
        on_repo(
            "symlink-found-in-a-walked-directory",
            &["--path", "envs/staging", "--set", SET],
        )
        .setup(symlinks)
        .names("`envs/staging/link.yaml` is a symlink to"),
        on_repo(
            "symlink-dangling",
            &["--path", "envs/dangling.yaml", "--set", SET],
        )
        .setup(symlinks)
        .names("envs/dangling.yaml"),
        on_repo("symlink-environments-file", &["--env", "staging", "--set", SET])
            .setup(symlinks)
            .names("`.gantry/environments.yaml` resolves through a symlink"),
        // FIFOs a hook puts in the clone: refused, not read.
        on_repo("fifo-in-a-walked-directory", &["--path", "envs/staging", "--set", SET])
            .setup(|d| {
                basic(d)?;
                fifo_hook(d, "mkdir -p envs/staging && mkfifo envs/staging/pipe.yaml")
            })
            .env("GIT_TEMPLATE_DIR", "{dir}/template")
            .timeout(Duration::from_secs(30))
            .names("`envs/staging/pipe.yaml` is a FIFO"),
        on_repo("fifo-environments-file", &["--env", "staging", "--set", SET])
            .setup(|d| {
                basic(d)?;
                fifo_hook(
                    d,
                    "mkdir -p .gantry && rm -f .gantry/environments.yaml && mkfifo .gantry/environments.yaml",
                )
            })
            .env("GIT_TEMPLATE_DIR", "{dir}/template")
            .timeout(Duration::from_secs(30))
            .names("`.gantry/environments.yaml` is a FIFO"),
        // Files that cannot be edited safely.
        on_repo("templated-file", &["--path", "charts", "--set", SET])
            .setup(|d| {
                with_file(
                    d,
                    "charts/templates/deploy.yaml",
                    b"image: \"ghcr.io/acme/api:{{ .Values.tag }}\"\n",
                )
            })
            .names("charts/templates/deploy.yaml"),
        on_repo("anchor-shared", &["--path", "values.yaml", "--set", SET])
            .setup(|d| {
                with_file(
                    d,
                    "values.yaml",
                    b"image: &img ghcr.io/acme/api:1.0.0\nsidecarImage: *img\n",
                )
            })
            .names("an alias elsewhere shares it"),
        on_repo("anchor-on-enclosing-mapping", &["--path", "values.yaml", "--set", SET])
            .setup(|d| {
                with_file(
                    d,
                    "values.yaml",
                    b"defaults: &d\n  image: ghcr.io/acme/api:1.0.0\nworker: *d\n",
                )
            })
            .names("inside an anchored mapping"),
        on_repo("anchor-merge-key", &["--path", "values.yaml", "--set", SET])
            .setup(|d| {
                with_file(
                    d,
                    "values.yaml",
                    b"base: &b\n  image:\n    repository: ghcr.io/acme/api\n    tag: \"1.0.0\"\nworker:\n  <<: *b\n",
                )
            })
            .names("merge key"),
        on_repo("yaml-syntax-error", &["--path", "bad.yaml", "--set", SET])
            .setup(|d| with_file(d, "bad.yaml", b"image: ghcr.io/acme/api:1.0.0\n  x: [\n"))
            .names("bad.yaml"),
        on_repo("not-utf8", &["--path", "latin1.yaml", "--set", SET])
            .setup(|d| with_file(d, "latin1.yaml", b"image: ghcr.io/acme/api:1.0.0 # caf\xe9\n"))
            .names("not valid UTF-8"),
        on_repo("binary-file", &["--path", "blob.yaml", "--set", SET])
            .setup(|d| with_file(d, "blob.yaml", b"ghcr.io/acme/api\0\x01\x02"))
            .names("`blob.yaml` is a binary file"),
        on_repo("image-in-a-block-string", &["--path", "app.yaml", "--set", SET])
            .setup(|d| {
                with_file(
                    d,
                    "app.yaml",
                    b"apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    helm:\n      values: |\n        image: ghcr.io/acme/api:1.0.0\n",
                )
            })
            .names("block string"),
        // Environments files with typos.
        on_repo("environments-unknown-key", &["--env", "staging", "--set", SET])
            .setup(|d| with_envs(d, b"environments:\n  staging:\n    branch: main\n    pahts: [envs/staging]\n"))
            .names("`pahts`"),
        on_repo("environments-defined-twice", &["--env", "staging", "--set", SET])
            .setup(|d| with_envs(d, b"environments:\n  staging:\n    branch: main\n  staging:\n    branch: prod\n"))
            .names("defined twice"),
        on_repo("environments-bad-branch", &["--env", "staging", "--set", SET])
            .setup(|d| with_envs(d, b"environments:\n  staging:\n    branch: main~1\n"))
            .names("main~1"),
        on_repo("environments-path-outside", &["--env", "staging", "--set", SET])
            .setup(|d| with_envs(d, b"environments:\n  staging:\n    branch: main\n    paths: [../../etc]\n"))
            .names("../../etc"),
        on_repo("environments-yaml-error", &["--env", "staging", "--set", SET])
            .setup(|d| with_envs(d, b"environments: [\n"))
            .names(".gantry/environments.yaml"),
        on_repo("environments-not-utf8", &["--env", "staging", "--set", SET])
            .setup(|d| with_envs(d, b"environments:\n  staging: # \xff\n    branch: main\n"))
            .names(".gantry/environments.yaml"),
    ];
    assert!(run_table(cases) >= 30);
}

#[test]
fn git_remotes_that_refuse_hang_or_babble_end_in_exit_3() {
    let remote = |name: &str, repo: &str| {
        case(
            name,
            BIN,
            [
                "update",
                "--repo",
                repo,
                "--set",
                SET,
                "--git-timeout",
                "2s",
            ],
        )
        .exit(3)
    };
    let cases = vec![
        remote("git-http-hangs", "http://{hang}/acme/deploy.git").names("{hang}"),
        remote(
            "git-http-hangs-token-in-url",
            "http://x-access-token:HangUrlToken5150@{hang}/acme/deploy.git",
        )
        .secret("HangUrlToken5150")
        .names("{hang}"),
        remote(
            "git-http-hangs-token-as-user",
            "http://ghp_HangUserToken27182818@{hang}/acme/deploy.git",
        )
        .secret("ghp_HangUserToken27182818")
        .names("{hang}"),
        remote("git-protocol-hangs", "git://{hang}/acme/deploy.git")
            .names("got no answer from git://{hang}/acme/deploy.git"),
        remote("git-http-refused", "http://{refused}/acme/deploy.git").names("{refused}"),
        remote(
            "git-https-refused-token-in-url",
            "https://user:RefusedUrlPass6626@{refused}/acme/deploy.git",
        )
        .secret("RefusedUrlPass6626")
        .names("{refused}"),
        remote("git-http-garbage", "http://{garbage}/acme/deploy.git").names("{garbage}"),
        remote("git-http-404", "http://{recorder}/acme/deploy.git").names("{recorder}"),
        case(
            "git-hangs-reading-environments",
            BIN,
            [
                "update",
                "--repo",
                "http://{hang}/acme/deploy.git",
                "--env",
                "staging",
                "--set",
                SET,
                "--git-timeout",
                "2s",
            ],
        )
        .exit(3)
        .names("{hang}"),
        case(
            "git-hangs-on-promote",
            BIN,
            [
                "promote",
                "--repo",
                "git://{hang}/acme/deploy.git",
                "--environment",
                "a=main:envs/a",
                "--environment",
                "b=main:envs/b",
                "--from",
                "a",
                "--to",
                "b",
                "--git-timeout",
                "1s",
            ],
        )
        .exit(3)
        .names("git://{hang}/acme/deploy.git"),
        case(
            "git-hangs-on-revert",
            BIN,
            [
                "revert",
                "--repo",
                "git://{hang}/acme/deploy.git",
                "--image",
                "ghcr.io/acme/api",
                "--git-timeout",
                "1s",
            ],
        )
        .exit(3)
        .names("git://{hang}/acme/deploy.git"),
    ];
    assert!(run_table(cases) >= 10);
}

#[test]
fn github_apis_that_refuse_hang_or_babble_end_in_exit_3() {
    let api = |name: &str, server: &str, extra: &[&str]| {
        let url = format!("http://{{{server}}}");
        let mut args = vec![
            "update".to_owned(),
            "--repo".to_owned(),
            "https://github.com/acme/deploy.git".to_owned(),
            "--mode".to_owned(),
            "api".to_owned(),
            "--github-api-url".to_owned(),
            url,
            "--github-timeout".to_owned(),
            "1s".to_owned(),
            "--api-attempts".to_owned(),
            "2".to_owned(),
            "--set".to_owned(),
            SET.to_owned(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        case(name, BIN, args).exit(3)
    };
    let pr = |name: &str, server: &str| {
        case(
            name,
            BIN,
            [
                "update",
                "--repo",
                REPO,
                "--mode",
                "pr",
                "--github-repository",
                "acme/deploy",
                "--github-api-url",
                &format!("http://{{{server}}}"),
                "--github-timeout",
                "1s",
                "--api-attempts",
                "2",
                "--set",
                SET,
            ],
        )
        .setup(basic)
        .exit(3)
    };
    let cases = vec![
        api("api-hangs", "hang", &[]).names("GitHub API GET http://{hang}/repos/acme/deploy/"),
        api("api-endless-body", "endless", &[]).names("read limit"),
        api("api-garbage", "garbage", &[]).names("GitHub API GET http://{garbage}/"),
        api("api-refused", "refused", &[]).names("GitHub API GET http://{refused}/"),
        api("api-not-found", "recorder", &[]).names("acme/deploy"),
        api(
            "api-hangs-reading-environments",
            "hang",
            &["--env", "staging"],
        )
        .names("http://{hang}/repos/acme/deploy/"),
        api(
            "api-hangs-token-flag",
            "hang",
            &["--token", "ghs_CorpusFlagToken8080"],
        )
        .secret("ghs_CorpusFlagToken8080")
        .names("{hang}"),
        api(
            "api-endless-with-path",
            "endless",
            &["--path", "envs/staging"],
        )
        .names("16 MiB"),
        case(
            "api-token-in-repo-url-hangs",
            BIN,
            [
                "update",
                "--repo",
                "https://x-access-token:ghs_RepoUrlToken4242@github.com/acme/deploy.git",
                "--mode",
                "api",
                "--github-api-url",
                "http://{hang}",
                "--github-timeout",
                "1s",
                "--set",
                SET,
            ],
        )
        .env_remove("GANTRY_TOKEN")
        .secret("ghs_RepoUrlToken4242")
        .exit(3)
        .names("{hang}"),
        // pr mode clones, then asks GitHub before it pushes anything.
        pr("pr-api-hangs", "hang").names("http://{hang}/repos/acme/deploy"),
        pr("pr-api-endless-body", "endless").names("read limit"),
        pr("pr-api-garbage", "garbage").names("http://{garbage}/repos/acme/deploy"),
        pr("pr-api-not-found", "recorder").names("acme/deploy"),
    ];
    assert!(run_table(cases) >= 12);
}
