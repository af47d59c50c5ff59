//! `gantry-gitops` against real git: bare repositories over `file://` and
//! `git daemon`, 20+ writers at once, a writer killed between commit and
//! push, revert and promote through the history, and bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gantry_test_support::cli::{RunResult, gantry};
use gantry_test_support::git_daemon::{GitDaemon, bare_repo, git};
use serde_json::Value;

fn deploy(image: &str) -> String {
    format!(
        "# deployed by CI\napiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: {image} # keep this comment\n"
    )
}

fn gitops(args: &[&str]) -> RunResult {
    gantry("gantry-gitops")
        .and_then(|cmd| cmd.args(args).run())
        .unwrap_or_else(|error| panic!("gantry-gitops {args:?}: {error}"))
}

fn file_url(bare: &Path) -> String {
    format!("file://{}", bare.display())
}

/// Every commit of `main`, newest first: (sha, subject).
fn history(bare: &Path) -> Vec<(String, String)> {
    git(bare, &["log", "--format=%H %s", "main"])
        .unwrap()
        .lines()
        .map(|l| {
            let (sha, subject) = l.split_once(' ').unwrap();
            (sha.to_owned(), subject.to_owned())
        })
        .collect()
}

fn show(bare: &Path, path: &str) -> String {
    git(bare, &["show", &format!("main:{path}")]).unwrap()
}

/// The reflog of `main` in the bare repository has only fast-forwards:
/// each update's old tip is an ancestor of its new one.
fn assert_only_fast_forwards(bare: &Path) {
    let log = std::fs::read_to_string(bare.join("logs/refs/heads/main")).unwrap();
    let mut updates = 0;
    for line in log.lines() {
        let mut parts = line.split(' ');
        let (old, new) = (parts.next().unwrap(), parts.next().unwrap());
        if old.chars().all(|c| c == '0') {
            continue;
        }
        updates += 1;
        let ok = git(bare, &["merge-base", "--is-ancestor", old, new]);
        assert!(ok.is_ok(), "not a fast-forward: {line}");
    }
    assert!(updates > 0, "the reflog recorded no update:\n{log}");
}

fn logged_bare_repo(base: &Path, name: &str, files: &[(&str, &str)]) -> PathBuf {
    let bare = bare_repo(base, name, files).unwrap();
    git(&bare, &["config", "core.logAllRefUpdates", "always"]).unwrap();
    bare
}

#[test]
fn update_pushes_one_commit_with_trailers_over_git_daemon() {
    let base = tempfile::tempdir().unwrap();
    let daemon = GitDaemon::start(base.path()).unwrap();
    let api = deploy("ghcr.io/acme/api:1.0.0");
    let bare = daemon
        .bare_repo(
            "deploy",
            &[
                ("envs/staging/api.yaml", &api),
                ("envs/prod/api.yaml", &api),
            ],
        )
        .unwrap();
    let run = gantry("gantry-gitops")
        .unwrap()
        .args([
            "update",
            "--repo",
            &daemon.url("deploy"),
            "--path",
            "envs/staging",
            "--set",
            "ghcr.io/acme/api:1.1.0",
            "--format",
            "json",
        ])
        .env("GITHUB_REPOSITORY", "acme/api")
        .env("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567")
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_RUN_ID", "42")
        .env("GITHUB_ACTOR", "octocat")
        .run()
        .unwrap();
    assert_eq!(run.code, Some(0), "{run}");
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["changed"], true);
    assert_eq!(json["changes"][0]["file"], "envs/staging/api.yaml");
    assert_eq!(
        show(&bare, "envs/staging/api.yaml"),
        api.replace("api:1.0.0 # keep", "api:1.1.0 # keep")
    );
    assert_eq!(
        show(&bare, "envs/prod/api.yaml"),
        api,
        "other paths untouched"
    );
    let message = git(&bare, &["log", "-1", "--format=%B", "main"]).unwrap();
    assert_eq!(
        message,
        "deploy: ghcr.io/acme/api 1.0.0 → 1.1.0\n\nGantry-Operation: update\nGantry-Image: ghcr.io/acme/api ghcr.io/acme/api:1.0.0 -> ghcr.io/acme/api:1.1.0\nGantry-Source-Repository: acme/api\nGantry-Source-Commit: 0123456789abcdef0123456789abcdef01234567\nGantry-Run: https://github.com/acme/api/actions/runs/42\nGantry-Actor: octocat\n\n"
    );
    assert_eq!(json["commit"].as_str(), Some(history(&bare)[0].0.as_str()));
    let author = git(&bare, &["log", "-1", "--format=%an <%ae>", "main"]).unwrap();
    assert_eq!(
        author.trim(),
        "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"
    );

    // The same again: no commit, exit 0, changed=false.
    let dir = tempfile::tempdir().unwrap();
    let again = gantry("gantry-gitops")
        .unwrap()
        .args([
            "update",
            "--repo",
            &daemon.url("deploy"),
            "--path",
            "envs/staging",
            "--set",
            "ghcr.io/acme/api:1.1.0",
        ])
        .github_actions(dir.path())
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(again.code, Some(0), "{again}");
    assert_eq!(again.outputs().unwrap()["changed"], "false");
    assert!(again.stderr.contains("already up to date"), "{again}");
    assert_eq!(history(&bare).len(), 2);
}

/// 20 writers, each for its own service, and 4 more that all set the same
/// shared value, started at once against one bare repository.
#[test]
fn twenty_four_concurrent_writers_lose_nothing_and_never_force() {
    let base = tempfile::tempdir().unwrap();
    let services: Vec<(String, String)> = (0..20)
        .map(|i| {
            (
                format!("apps/svc-{i:02}/deploy.yaml"),
                deploy(&format!("ghcr.io/acme/svc-{i:02}:1.0.0")),
            )
        })
        .collect();
    let shared = deploy("ghcr.io/acme/shared:1.0.0");
    let mut files: Vec<(&str, &str)> = services
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    files.push(("apps/shared/deploy.yaml", &shared));
    let bare = logged_bare_repo(base.path(), "deploy", &files);
    let url = file_url(&bare);

    let started = Instant::now();
    let mut writers = Vec::new();
    for i in 0..24 {
        let url = url.clone();
        writers.push(std::thread::spawn(move || {
            let set = if i < 20 {
                format!("ghcr.io/acme/svc-{i:02}:2.0.0")
            } else {
                "ghcr.io/acme/shared:2.0.0".to_owned()
            };
            gantry("gantry-gitops")
                .unwrap()
                .args(["update", "--repo", &url, "--set", &set, "--format", "json"])
                .timeout(Duration::from_secs(240))
                .run()
                .unwrap()
        }));
    }
    let runs: Vec<RunResult> = writers.into_iter().map(|w| w.join().unwrap()).collect();
    eprintln!("24 writers finished in {:?}", started.elapsed());
    for run in &runs {
        assert_eq!(run.code, Some(0), "{run}");
    }
    let pushed = runs
        .iter()
        .filter(|r| serde_json::from_str::<Value>(&r.stdout).unwrap()["changed"] == true)
        .count();
    if pushed != 21 {
        for run in &runs {
            eprintln!("{}", run.stdout);
        }
        eprintln!("{:#?}", history(&bare));
    }
    assert_eq!(
        pushed, 21,
        "20 services plus one of the shared writers commit"
    );
    let same = runs
        .iter()
        .skip(20)
        .filter(|r| r.stderr.contains("already up to date"))
        .count();
    assert_eq!(
        same, 3,
        "the other shared writers report the value already set"
    );

    for i in 0..20 {
        let text = show(&bare, &format!("apps/svc-{i:02}/deploy.yaml"));
        assert_eq!(
            text,
            deploy(&format!("ghcr.io/acme/svc-{i:02}:2.0.0")),
            "svc-{i:02} lost its update"
        );
    }
    assert_eq!(
        show(&bare, "apps/shared/deploy.yaml"),
        deploy("ghcr.io/acme/shared:2.0.0")
    );
    assert_eq!(history(&bare).len(), 22, "initial + 21 commits");
    let merges = git(&bare, &["rev-list", "--merges", "main"]).unwrap();
    assert_eq!(merges, "", "the history is linear");
    assert_only_fast_forwards(&bare);
}

/// A writer killed after its commit and before its push leaves the remote
/// as it was; running it again completes the update.
#[test]
fn killed_between_commit_and_push_leaves_the_remote_untouched() {
    let base = tempfile::tempdir().unwrap();
    let bare = logged_bare_repo(
        base.path(),
        "deploy",
        &[("api.yaml", &deploy("ghcr.io/acme/api:1.0.0"))],
    );
    let before = history(&bare);
    // git installs hooks from the template into every new clone: this
    // pre-push hook says it got there, then waits to be killed.
    let template = base.path().join("template");
    std::fs::create_dir_all(template.join("hooks")).unwrap();
    let marker = base.path().join("at-pre-push");
    let hook = template.join("hooks/pre-push");
    std::fs::write(
        &hook,
        format!("#!/bin/sh\ntouch '{}'\nsleep 60\n", marker.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();

    let bin = gantry_test_support::tools::gantry_bin("gantry-gitops").unwrap();
    use std::os::unix::process::CommandExt as _;
    let mut child = Command::new(&bin)
        .args([
            "update",
            "--repo",
            &file_url(&bare),
            "--set",
            "ghcr.io/acme/api:2.0.0",
        ])
        .env("GIT_TEMPLATE_DIR", &template)
        // The killed run cannot remove its clone: keep it in the test's dir.
        .env("GANTRY_WORKDIR", base.path())
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !marker.exists() {
        assert!(Instant::now() < deadline, "the hook never ran");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SIGKILL the whole group: gantry, git push and the hook.
    let pgid = child.id().to_string();
    let status = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .status()
        .unwrap();
    assert!(status.success());
    let _ = child.wait();
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(history(&bare), before, "the remote is untouched");

    let rerun = gitops(&[
        "update",
        "--repo",
        &file_url(&bare),
        "--set",
        "ghcr.io/acme/api:2.0.0",
    ]);
    assert_eq!(rerun.code, Some(0), "{rerun}");
    assert_eq!(history(&bare).len(), 2);
    assert_eq!(show(&bare, "api.yaml"), deploy("ghcr.io/acme/api:2.0.0"));
    assert_only_fast_forwards(&bare);
}

#[test]
fn revert_and_promote_through_environments() {
    let base = tempfile::tempdir().unwrap();
    let envs = "environments:\n  staging:\n    branch: main\n    paths: [envs/staging]\n  production:\n    branch: production\n    paths: [envs/production]\n";
    let bare = logged_bare_repo(
        base.path(),
        "deploy",
        &[
            (".gantry/environments.yaml", envs),
            ("envs/staging/api.yaml", &deploy("ghcr.io/acme/api:1.0.0")),
            (
                "envs/production/api.yaml",
                &deploy("ghcr.io/acme/api:1.0.0"),
            ),
        ],
    );
    git(&bare, &["branch", "production", "main"]).unwrap();
    let url = file_url(&bare);
    let digest = format!("sha256:{}", "1".repeat(64));
    let pinned = format!("ghcr.io/acme/api:1.2.0@{digest}");

    for set in ["ghcr.io/acme/api:1.1.0", pinned.as_str()] {
        let run = gitops(&["update", "--repo", &url, "--env", "staging", "--set", set]);
        assert_eq!(run.code, Some(0), "{run}");
    }
    // Promote copies the exact reference, digest included, to another branch.
    let promote = gitops(&[
        "promote",
        "--repo",
        &url,
        "--from",
        "staging",
        "--to",
        "production",
    ]);
    assert_eq!(promote.code, Some(0), "{promote}");
    let prod = git(&bare, &["show", "production:envs/production/api.yaml"]).unwrap();
    assert_eq!(prod, deploy(&pinned));
    let subject = git(&bare, &["log", "-1", "--format=%s", "production"]).unwrap();
    assert_eq!(
        subject.trim(),
        format!(
            "promote(staging → production): ghcr.io/acme/api 1.0.0 → {}",
            pinned.trim_start_matches("ghcr.io/acme/api:")
        )
    );

    // Revert staging: back to the image before the last deploy, with the reason.
    let revert = gitops(&[
        "revert",
        "--repo",
        &url,
        "--env",
        "staging",
        "--image",
        "ghcr.io/acme/api",
        "--reason",
        "canary failed: error rate 31% > 1%",
    ]);
    assert_eq!(revert.code, Some(0), "{revert}");
    assert_eq!(
        show(&bare, "envs/staging/api.yaml"),
        deploy("ghcr.io/acme/api:1.1.0")
    );
    let message = git(&bare, &["log", "-1", "--format=%B", "main"]).unwrap();
    assert!(
        message.starts_with("revert(staging): ghcr.io/acme/api 1.2.0@sha256:"),
        "{message}"
    );
    assert!(
        message.contains("\n\ncanary failed: error rate 31% > 1%\n\n"),
        "{message}"
    );
    assert!(message.contains("Gantry-Reverts: "), "{message}");
    // Again: already reverted, no commit.
    let count = history(&bare).len();
    let again = gitops(&[
        "revert",
        "--repo",
        &url,
        "--env",
        "staging",
        "--image",
        "ghcr.io/acme/api",
    ]);
    assert_eq!(again.code, Some(0), "{again}");
    assert_eq!(history(&bare).len(), count, "{again}");
    // An explicit target.
    let to = gitops(&[
        "revert",
        "--repo",
        &url,
        "--env",
        "staging",
        "--image",
        "ghcr.io/acme/api",
        "--to",
        "ghcr.io/acme/api:1.0.0",
    ]);
    assert_eq!(to.code, Some(0), "{to}");
    assert_eq!(
        show(&bare, "envs/staging/api.yaml"),
        deploy("ghcr.io/acme/api:1.0.0")
    );
    assert_only_fast_forwards(&bare);
}

/// A server on 127.0.0.1 that answers every request with 401, as a git
/// host does for a bad token.
fn unauthorised_server() -> (u16, std::thread::JoinHandle<()>) {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        for stream in listener.incoming().take(6) {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"git\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    (port, handle)
}

#[test]
fn bad_input_and_bad_remotes_are_clear_errors() {
    let base = tempfile::tempdir().unwrap();
    let bare = logged_bare_repo(
        base.path(),
        "deploy",
        &[("api.yaml", &deploy("ghcr.io/acme/api:1.0.0"))],
    );
    let url = file_url(&bare);
    let before = history(&bare);
    let cases: [(&str, Vec<&str>, i32, &str); 9] = [
        (
            "unknown environment",
            vec![
                "update",
                "--repo",
                &url,
                "--env",
                "qa",
                "--set",
                "ghcr.io/acme/api:2",
            ],
            2,
            "unknown environment `qa`",
        ),
        (
            "path outside",
            vec![
                "update",
                "--repo",
                &url,
                "--path",
                "../etc",
                "--set",
                "ghcr.io/acme/api:2",
            ],
            2,
            "path `../etc` is outside the repository",
        ),
        (
            "missing path",
            vec![
                "update",
                "--repo",
                &url,
                "--path",
                "nope",
                "--set",
                "ghcr.io/acme/api:2",
            ],
            2,
            "path `nope` does not exist on branch `main`",
        ),
        (
            "unknown branch",
            vec![
                "update",
                "--repo",
                &url,
                "--branch",
                "nope",
                "--set",
                "ghcr.io/acme/api:2",
            ],
            2,
            "branch `nope` does not exist",
        ),
        (
            "bad NEWREF",
            vec![
                "update",
                "--repo",
                &url,
                "--set",
                "ghcr.io/acme/api=UPPER:1",
            ],
            2,
            "invalid image reference `UPPER:1`",
        ),
        (
            "bad author",
            vec![
                "update",
                "--repo",
                &url,
                "--author",
                "nobody",
                "--set",
                "ghcr.io/acme/api:2",
            ],
            2,
            "invalid --author `nobody`",
        ),
        (
            "pr mode without a GitHub repository",
            vec![
                "update",
                "--repo",
                &url,
                "--mode",
                "pr",
                "--set",
                "ghcr.io/acme/api:2",
            ],
            2,
            "give --github-repository OWNER/NAME",
        ),
        (
            "unreachable repository",
            vec![
                "update",
                "--repo",
                "git://127.0.0.1:9/deploy.git",
                "--set",
                "ghcr.io/acme/api:2",
            ],
            3,
            "failed",
        ),
        (
            "revert without history",
            vec!["revert", "--repo", &url, "--image", "ghcr.io/acme/api"],
            2,
            "no gantry deploy of `ghcr.io/acme/api:1.0.0`",
        ),
    ];
    for (name, args, code, want) in cases {
        let run = gitops(&args);
        assert_eq!(run.code, Some(code), "{name}: {run}");
        assert!(run.stderr.contains(want), "{name}: wanted {want:?}\n{run}");
        assert!(!run.stderr.contains("panicked"), "{name}: {run}");
    }
    assert_eq!(history(&bare), before, "nothing was pushed");

    // Bad credentials: the token is refused, and appears nowhere: not in
    // the output, not in any git command line (a wrapper logs them).
    let secret = "ghs_SuperSecretToken1234567890";
    let bin_dir = base.path().join("bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    let argv_log = base.path().join("git-argv.log");
    let real_git = gantry_test_support::tools::tool("git").unwrap();
    let wrapper = bin_dir.join("git");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\nexec '{}' \"$@\"\n",
            argv_log.display(),
            real_git.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (port, server) = unauthorised_server();
    let secret_b64 = [
        base64_of(&format!("x-access-token:{secret}")),
        base64_of(&format!("x-access-token:{secret}"))
            .trim_end_matches('=')
            .to_owned(),
    ];
    for (label, extra_env, repo) in [
        (
            "token flag env",
            true,
            format!("http://127.0.0.1:{port}/acme/deploy.git"),
        ),
        (
            "token in URL",
            false,
            format!("http://x-access-token:{secret}@127.0.0.1:{port}/acme/deploy.git"),
        ),
        (
            "token as the URL's user name",
            false,
            format!("http://{secret}@127.0.0.1:{port}/acme/deploy.git"),
        ),
    ] {
        let mut cmd = gantry("gantry-gitops")
            .unwrap()
            .args(["update", "--repo", &repo, "--set", "ghcr.io/acme/api:2"])
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    bin_dir.display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
            .timeout(Duration::from_secs(60));
        if extra_env {
            cmd = cmd.env("GANTRY_TOKEN", secret);
        }
        let dir = tempfile::tempdir().unwrap();
        let run = cmd.github_actions(dir.path()).unwrap().run().unwrap();
        assert_eq!(run.code, Some(3), "{label}: {run}");
        assert!(
            !run.stdout.contains(secret)
                && !run
                    .stderr
                    .replace(&format!("::add-mask::{secret}"), "")
                    .contains(secret),
            "{label}: the token leaked:\n{run}"
        );
        assert!(
            run.stderr.contains(&format!("::add-mask::{secret}")),
            "{label}: the token is masked for the runner\n{run}"
        );
        for b64 in &secret_b64 {
            assert!(
                !run.stdout.contains(b64.as_str())
                    && !run
                        .stderr
                        .replace(&format!("::add-mask::{b64}"), "")
                        .contains(b64.as_str()),
                "{label}: the Basic header leaked:\n{run}"
            );
        }
        assert!(run.stderr.contains("127.0.0.1"), "{label}: {run}");
    }
    let argv = std::fs::read_to_string(&argv_log).unwrap();
    assert!(argv.contains("clone"), "{argv}");
    assert!(
        !argv.contains(secret),
        "the token reached git's command line:\n{argv}"
    );
    drop(server);
}

/// An image found nowhere is exit 2 naming it, as in gantry-patch, unless
/// `--allow-missing`; promote leaves out what the target does not run but
/// refuses when it runs none of it.
#[test]
fn images_found_nowhere_are_refused_unless_allowed() {
    let base = tempfile::tempdir().unwrap();
    let envs = "environments:\n  staging:\n    branch: main\n    paths: [envs/staging]\n  production:\n    branch: main\n    paths: [envs/production]\n";
    let web = deploy("ghcr.io/acme/web:1.0.0");
    let bare = logged_bare_repo(
        base.path(),
        "deploy",
        &[
            (".gantry/environments.yaml", envs),
            ("envs/staging/api.yaml", &deploy("ghcr.io/acme/api:2.0.0")),
            ("envs/staging/web.yaml", &web),
            (
                "envs/production/api.yaml",
                &deploy("ghcr.io/acme/api:1.0.0"),
            ),
        ],
    );
    let url = file_url(&bare);
    let before = history(&bare);

    let typo = gitops(&[
        "update",
        "--repo",
        &url,
        "--env",
        "staging",
        "--set",
        "ghcr.io/acme/apii:2.1.0",
    ]);
    assert_eq!(typo.code, Some(2), "{typo}");
    assert!(
        typo.stderr.contains(
            "no reference to `ghcr.io/acme/apii` found in `envs/staging` on `main` (2 file(s) read); nothing was committed"
        ),
        "{typo}"
    );
    // One of two found: still refused, naming the one.
    let half = gitops(&[
        "update",
        "--repo",
        &url,
        "--env",
        "staging",
        "--set",
        "ghcr.io/acme/api:2.1.0",
        "--set",
        "ghcr.io/acme/apii:2.1.0",
    ]);
    assert_eq!(half.code, Some(2), "{half}");
    assert!(half.stderr.contains("`ghcr.io/acme/apii`"), "{half}");
    assert!(!half.stderr.contains("`ghcr.io/acme/api`,"), "{half}");
    assert_eq!(history(&bare), before, "nothing was pushed");

    let allowed = gantry("gantry-gitops")
        .unwrap()
        .args([
            "update",
            "--repo",
            &url,
            "--env",
            "staging",
            "--set",
            "ghcr.io/acme/apii:2.1.0",
            "--format",
            "json",
        ])
        .env("GANTRY_ALLOW_MISSING", "true")
        .run()
        .unwrap();
    assert_eq!(allowed.code, Some(0), "{allowed}");
    assert!(
        allowed
            .stderr
            .contains("warning: no reference to `ghcr.io/acme/apii` found on `main` under envs/staging; left out"),
        "{allowed}"
    );
    let json: Value = serde_json::from_str(&allowed.stdout).unwrap();
    assert_eq!(json["missing"][0], "ghcr.io/acme/apii");
    assert_eq!(history(&bare), before);

    // Promote: production does not run web; api is promoted, web left out.
    let promote = gitops(&[
        "promote",
        "--repo",
        &url,
        "--from",
        "staging",
        "--to",
        "production",
    ]);
    assert_eq!(promote.code, Some(0), "{promote}");
    assert!(
        promote
            .stderr
            .contains("no reference to `ghcr.io/acme/web` found"),
        "{promote}"
    );
    assert_eq!(
        show(&bare, "envs/production/api.yaml"),
        deploy("ghcr.io/acme/api:2.0.0")
    );
    let after_promote = history(&bare);
    // Only web, which production does not run: refused, unless allowed.
    let only_web = gitops(&[
        "promote",
        "--repo",
        &url,
        "--from",
        "staging",
        "--to",
        "production",
        "--image",
        "ghcr.io/acme/web",
    ]);
    assert_eq!(only_web.code, Some(2), "{only_web}");
    assert!(
        only_web
            .stderr
            .contains("no reference to `ghcr.io/acme/web` found in `envs/production` on `main`"),
        "{only_web}"
    );
    let allowed_web = gitops(&[
        "promote",
        "--repo",
        &url,
        "--from",
        "staging",
        "--to",
        "production",
        "--image",
        "ghcr.io/acme/web",
        "--allow-missing",
    ]);
    assert_eq!(allowed_web.code, Some(0), "{allowed_web}");
    assert_eq!(history(&bare), after_promote);
}

fn base64_of(text: &str) -> String {
    gantry_test_support::ports::base64(text.as_bytes())
}

/// git (and the hooks it runs) get a scrubbed environment: none of the
/// run's credentials, no `GANTRY_*`; the token reaches git only as a header
/// in `GIT_CONFIG_*`, never on its command line.
#[test]
fn git_runs_with_a_scrubbed_environment() {
    use std::os::unix::fs::PermissionsExt as _;
    let base = tempfile::tempdir().unwrap();
    let bare = logged_bare_repo(
        base.path(),
        "deploy",
        &[("api.yaml", &deploy("ghcr.io/acme/api:1.0.0"))],
    );
    let log = base.path().join("git.log");
    let bin_dir = base.path().join("bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    let real_git = gantry_test_support::tools::tool("git").unwrap();
    let wrapper = bin_dir.join("git");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\n{{ echo \"ARGV $*\"; env | sed 's/^/ENV /'; }} >> '{log}'\nexec '{git}' \"$@\"\n",
            log = log.display(),
            git = real_git.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    // A hook from the template: what a hook of the clone would see.
    let template = base.path().join("template");
    std::fs::create_dir_all(template.join("hooks")).unwrap();
    let hook = template.join("hooks/post-checkout");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\nenv | sed 's/^/HOOK /' >> '{log}'\nsed 's/^/CONFIG /' .git/config >> '{log}'\n",
            log = log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    let token = "ghs_ScrubbedEnvToken0987654321";
    let run = gantry("gantry-gitops")
        .unwrap()
        .args([
            "update",
            "--repo",
            &file_url(&bare),
            "--set",
            "ghcr.io/acme/api:2.0.0",
        ])
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin_dir.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("GIT_TEMPLATE_DIR", &template)
        .env("GANTRY_TOKEN", token)
        .env("GITHUB_TOKEN", "ghs_OuterGithubToken111")
        .env("GANTRY_REGISTRY_PASSWORD", "outer-registry-pass-222")
        .env("AWS_SECRET_ACCESS_KEY", "outer-aws-secret-333")
        .env("GIT_CONFIG_PARAMETERS", "'core.hooksPath'='/nonexistent'")
        .run()
        .unwrap();
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(show(&bare, "api.yaml"), deploy("ghcr.io/acme/api:2.0.0"));
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("ARGV clone"), "{text}");
    assert!(text.contains("HOOK "), "the hook did not run:\n{text}");
    for line in text.lines() {
        let Some((_, rest)) = line.split_once(' ') else {
            continue;
        };
        assert!(
            !rest.starts_with("GANTRY_")
                && !rest.starts_with("GITHUB_TOKEN")
                && !rest.starts_with("AWS_")
                && !rest.starts_with("GIT_CONFIG_PARAMETERS"),
            "git got {line}"
        );
        for outer in [
            "ghs_OuterGithubToken111",
            "outer-registry-pass-222",
            "outer-aws-secret-333",
        ] {
            assert!(!line.contains(outer), "git got {line}");
        }
        if line.starts_with("ARGV") || line.starts_with("CONFIG") {
            assert!(
                !line.contains(token),
                "on git's command line or in .git/config: {line}"
            );
            let b64 = base64_of(&format!("x-access-token:{token}"));
            assert!(!line.contains(&b64), "{line}");
        }
    }
    // The token is there, as the header, for the remote's URL only.
    assert!(
        text.lines().any(|l| l.starts_with("ENV GIT_CONFIG_KEY_")
            && l.ends_with(&format!("http.{}.extraHeader", file_url(&bare)))),
        "{text}"
    );
}
