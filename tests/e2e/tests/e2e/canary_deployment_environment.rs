//! `gantry-canary --deployment-id environment`: the analysis shows on the
//! deployment GitHub Actions created for the job's `environment:` (made
//! in the fake GitHub as the environment would, its statuses linking to
//! the run), never on another run's, and never a second deployment beside
//! it. Not found is a warning; the analysis decides either way. The
//! action too, under act, in a job with `environment: production`.

use std::time::{Duration, Instant};

use gantry_test_support::act::{Act, ActWorkspace};
use gantry_test_support::canary_app::{CanaryApp, CanaryConfig};
use gantry_test_support::cli::{RunResult, gantry};
use gantry_test_support::git_daemon::{bare_repo, git};
use gantry_test_support::github::{FakeDeployment, FakeGitHub};
use gantry_test_support::tools;

const TOKEN: &str = "ghs_CanaryEnvironmentToken0123456789";
const RUN: u64 = 4242;

struct Rig {
    _base: tempfile::TempDir,
    github: FakeGitHub,
    sha: String,
    app: CanaryApp,
}

fn rig() -> Rig {
    let base = tempfile::tempdir().unwrap();
    let bare = bare_repo(base.path(), "web", &[("README", "web\n")]).unwrap();
    let sha = git(&bare, &["rev-parse", "main"])
        .unwrap()
        .trim()
        .to_owned();
    let github = FakeGitHub::start(&bare, "acme/web", TOKEN).unwrap();
    let app = CanaryApp::start(CanaryConfig::new("abc123")).unwrap();
    Rig {
        _base: base,
        github,
        sha,
        app,
    }
}

/// A run as a step of run `run` in a job with `environment: production`.
fn run(rig: &Rig, run: u64, extra: &[&str]) -> (RunResult, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let api = rig.github.url();
    let health = rig.app.url_for("/health");
    let mut args = vec![
        "--probe",
        health.as_str(),
        "--interval",
        "100ms",
        "--count",
        "2",
        "--deployment-id",
        "environment",
        "--deployment-environment",
        "production",
        "--environment-url",
        "https://web.example.com",
        "--github-api-url",
        &api,
    ];
    args.extend_from_slice(extra);
    let result = gantry("gantry-canary")
        .unwrap()
        .args(&args)
        .github_actions(dir.path())
        .unwrap()
        .env("GANTRY_TOKEN", TOKEN)
        .env("GITHUB_REPOSITORY", "acme/web")
        .env("GITHUB_SHA", &rig.sha)
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_RUN_ID", run.to_string())
        .timeout(Duration::from_secs(60))
        .run()
        .unwrap();
    (result, dir)
}

fn deployment(github: &FakeGitHub, id: u64) -> FakeDeployment {
    github
        .deployments()
        .into_iter()
        .find(|d| d.id == id)
        .unwrap()
}

fn states(d: &FakeDeployment) -> Vec<&str> {
    d.statuses.iter().map(|s| s.0.as_str()).collect()
}

/// The lines about the deployment, as a user reads them, with the commit
/// and the fake's address (they change with every run) named.
fn deployment_lines(rig: &Rig, result: &RunResult) -> String {
    plain(&format!("{}\n{}", result.stdout, result.stderr))
        .lines()
        .filter(|l| l.contains("GitHub deployment"))
        .map(|l| {
            l.replace(&rig.sha, "{sha}")
                .replace(&rig.github.url(), "{github}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `text` without terminal colours (whether the printer styles its
/// prefixes is not what these snapshots pin).
fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn no_writes(github: &FakeGitHub) -> Vec<String> {
    github
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[test]
fn the_environments_deployment_gets_the_analysis() {
    let rig = rig();
    let github = &rig.github;
    // This run's job, and, newer, another run's job of the same
    // environment at the same commit (a re-run elsewhere, a second
    // workflow): only this run's is touched.
    let ours = github.environment_deployment("production", &rig.sha, "main", RUN);
    let other = github.environment_deployment("production", &rig.sha, "main", RUN + 1);
    let staging = github.environment_deployment("staging", &rig.sha, "main", RUN);

    let (promoted, _dir) = run(&rig, RUN, &[]);
    assert_eq!(promoted.code, Some(0), "{promoted}");
    let found = deployment(github, ours);
    assert_eq!(
        states(&found),
        ["queued", "in_progress", "in_progress", "success"]
    );
    assert!(found.statuses[3].1.starts_with("promote: "), "{found:?}");
    // gantry's statuses link to the job's page, as the environment's do.
    let job_page = found.statuses[0].2.clone().unwrap();
    assert!(
        job_page.starts_with(&format!(
            "https://github.com/acme/web/actions/runs/{RUN}/job/"
        )),
        "{job_page}"
    );
    assert_eq!(found.statuses[3].2.as_deref(), Some(job_page.as_str()));
    assert_eq!(
        states(&deployment(github, other)),
        ["queued", "in_progress"]
    );
    assert_eq!(
        states(&deployment(github, staging)),
        ["queued", "in_progress"]
    );
    // No deployment of gantry's own beside it.
    assert_eq!(github.deployments().len(), 3);
    assert!(
        !github
            .requests()
            .iter()
            .any(|r| r.method == "POST" && r.path.ends_with("/deployments")),
        "{:?}",
        github.requests()
    );
    assert_eq!(
        promoted.outputs().unwrap()["deployment-id"],
        ours.to_string()
    );
    insta::assert_snapshot!(
        "environment-deployment-found",
        deployment_lines(&rig, &promoted)
    );

    // A rollback in the next run: failure on that run's deployment, the
    // earlier one left as it was.
    rig.app.crash();
    let next = github.environment_deployment("production", &rig.sha, "main", RUN + 2);
    let (rolled_back, _dir) = run(&rig, RUN + 2, &[]);
    assert_eq!(rolled_back.code, Some(1), "{rolled_back}");
    let failed = deployment(github, next);
    assert_eq!(
        states(&failed),
        ["queued", "in_progress", "in_progress", "failure"]
    );
    assert!(failed.statuses[3].1.starts_with("rollback: "), "{failed:?}");
    assert_eq!(
        states(&deployment(github, ours)),
        ["queued", "in_progress", "in_progress", "success"]
    );
    assert_eq!(
        states(&deployment(github, other)),
        ["queued", "in_progress"]
    );
}

#[test]
fn none_found_is_a_warning_and_the_analysis_decides() {
    let rig = rig();
    // Only another run's deployment.
    let other = rig
        .github
        .environment_deployment("production", &rig.sha, "main", RUN + 1);
    rig.app.crash();
    let started = Instant::now();
    let (result, _dir) = run(&rig, RUN, &[]);
    let elapsed = started.elapsed();
    assert_eq!(result.code, Some(1), "{result}");
    assert!(result.stdout.contains("rollback: "), "{result}");
    // Waited for it, briefly.
    assert!(
        elapsed >= Duration::from_secs(9) && elapsed < Duration::from_secs(30),
        "{elapsed:?}"
    );
    assert_eq!(no_writes(&rig.github), Vec::<String>::new());
    assert_eq!(
        states(&deployment(&rig.github, other)),
        ["queued", "in_progress"]
    );
    assert!(!result.outputs().unwrap().contains_key("deployment-id"));
    insta::assert_snapshot!(
        "environment-deployment-not-found",
        deployment_lines(&rig, &result)
    );
}

#[test]
fn a_deployment_that_appears_late_is_found() {
    let rig = rig();
    let (result, created) = std::thread::scope(|scope| {
        let late = scope.spawn(|| {
            std::thread::sleep(Duration::from_secs(1));
            rig.github
                .environment_deployment("production", &rig.sha, "main", RUN)
        });
        let result = run(&rig, RUN, &[]);
        (result, late.join().unwrap())
    });
    let (result, _dir) = result;
    assert_eq!(result.code, Some(0), "{result}");
    assert_eq!(
        states(&deployment(&rig.github, created)),
        ["queued", "in_progress", "in_progress", "success"]
    );
    assert_eq!(
        result.outputs().unwrap()["deployment-id"],
        created.to_string()
    );
    // Looked for more than once.
    let lists = rig
        .github
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.contains("/deployments?"))
        .count();
    assert!(lists >= 2, "{:?}", rig.github.requests());
}

/// A refused run: name, extra flags, variables removed, GITHUB_RUN_ID,
/// what the message names.
type Refused<'a> = (&'a str, &'a [&'a str], &'a [&'a str], &'a str, &'a str);

#[test]
fn bad_combinations_are_refused_before_anything_is_sent() {
    let rig = rig();
    rig.github
        .environment_deployment("production", &rig.sha, "main", RUN);
    let api = rig.github.url();
    let health = rig.app.url_for("/health");
    let base = [
        "--probe",
        health.as_str(),
        "--interval",
        "100ms",
        "--count",
        "1",
        "--github-api-url",
        api.as_str(),
    ];
    let table: &[Refused] = &[
        (
            "without-environment",
            &["--deployment-id", "environment"],
            &[],
            "4242",
            "--deployment-environment",
        ),
        (
            "without-run-id",
            &[
                "--deployment-id",
                "environment",
                "--deployment-environment",
                "production",
            ],
            &["GITHUB_RUN_ID"],
            "",
            "GITHUB_RUN_ID",
        ),
        (
            "run-id-not-a-number",
            &[
                "--deployment-id",
                "environment",
                "--deployment-environment",
                "production",
            ],
            &[],
            "42x",
            "GITHUB_RUN_ID `42x`",
        ),
        (
            "without-sha",
            &[
                "--deployment-id",
                "environment",
                "--deployment-environment",
                "production",
            ],
            &["GITHUB_SHA"],
            "4242",
            "GITHUB_SHA",
        ),
        (
            "with-deployment-ref",
            &[
                "--deployment-id",
                "environment",
                "--deployment-environment",
                "production",
                "--deployment-ref",
                "main",
            ],
            &[],
            "4242",
            "--deployment-ref",
        ),
        (
            "misspelt",
            &[
                "--deployment-id",
                "enviroment",
                "--deployment-environment",
                "production",
            ],
            &[],
            "4242",
            "'enviroment'",
        ),
        (
            "zero",
            &[
                "--deployment-id",
                "0",
                "--deployment-environment",
                "production",
            ],
            &[],
            "4242",
            "'0'",
        ),
    ];
    let mut messages = Vec::new();
    for (name, extra, removed, run_id, names) in table {
        let dir = tempfile::tempdir().unwrap();
        let mut command = gantry("gantry-canary")
            .unwrap()
            .args(base)
            .args(*extra)
            .github_actions(dir.path())
            .unwrap()
            .env("GANTRY_TOKEN", TOKEN)
            .env("GITHUB_REPOSITORY", "acme/web")
            .env("GITHUB_SHA", &rig.sha)
            .env("GITHUB_RUN_ID", run_id);
        for variable in *removed {
            command = command.env_remove(variable);
        }
        let result = command.run().unwrap();
        assert_eq!(result.code, Some(2), "{name}: {result}");
        assert!(result.stderr.contains(names), "{name}: {result}");
        // Masked as soon as read: only the runner's mask line holds it.
        let shown: Vec<&str> = result
            .stderr
            .lines()
            .filter(|l| !l.starts_with("::add-mask::"))
            .collect();
        assert!(shown.iter().all(|l| !l.contains(TOKEN)), "{name}: {result}");
        assert_eq!(
            rig.github.requests(),
            Vec::new(),
            "{name}: something was sent"
        );
        messages.push(format!(
            "{name}:\n{}",
            plain(&shown.join("\n")).replace(&rig.sha, "{sha}")
        ));
    }
    insta::assert_snapshot!("environment-deployment-refused", messages.join("\n\n"));
    // The deployment was never touched.
    assert_eq!(
        states(&rig.github.deployments()[0]),
        ["queued", "in_progress"]
    );
}

/// `actions/canary` with `deployment-id: environment` in a job with
/// `environment: production`, run by act: act creates no deployment, so
/// the test does it as GitHub would once the job has started (when a
/// first step tells it the run's id and commit); the action finds it,
/// reports on it, and gives its id as the `deployment-id` output.
#[test]
fn the_action_reports_on_the_jobs_environment_deployment() {
    let bin = tools::target_bin_dir().unwrap();
    tools::gantry_bin("gantry-canary").unwrap();
    let rig = rig();
    let signal = tempfile::tempdir().unwrap();
    let workspace = ActWorkspace::new().unwrap();
    workspace
        .copy_from_repo(&["action.yml", "actions", "install", "manifests"])
        .unwrap();
    let workflow = format!(
        r#"name: canary
on: push
jobs:
  canary:
    runs-on: ubuntu-latest
    environment: production
    permissions:
      deployments: write
    steps:
      - uses: actions/checkout@v4
      - name: Say which run this is
        shell: bash
        run: echo "$GITHUB_RUN_ID $GITHUB_SHA" > "$SIGNAL/run"
      - id: canary
        uses: ./actions/canary
        env:
          GANTRY_GITHUB_API_URL: {api}
          GANTRY_GITHUB_REPOSITORY: acme/web
        with:
          probes: {health}
          interval: 200ms
          count: "2"
          deployment-id: environment
          deployment-environment: production
          environment-url: https://web.example.com
          gantry-source: path
          gantry-path: {bin}
      - name: Record the outputs
        shell: bash
        env:
          DECISION: ${{{{ steps.canary.outputs.decision }}}}
          DEPLOYMENT: ${{{{ steps.canary.outputs.deployment-id }}}}
        run: |
          {{
            echo "decision=$DECISION"
            echo "deployment=$DEPLOYMENT"
          }} > "$RIG_OUT/outputs"
"#,
        api = rig.github.url(),
        health = rig.app.url_for("/health"),
        bin = bin.display()
    );
    let (run, created) = std::thread::scope(|scope| {
        let environment = scope.spawn(|| {
            let file = signal.path().join("run");
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(150) {
                if let Ok(text) = std::fs::read_to_string(&file)
                    && let Some((run, sha)) = text.trim().split_once(' ')
                {
                    let run: u64 = run.parse().unwrap();
                    return Some((
                        rig.github
                            .environment_deployment("production", sha, "main", run),
                        sha.to_owned(),
                    ));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            None
        });
        let run = Act::new(workflow)
            .env("SIGNAL", &signal.path().display().to_string())
            .arg("-s")
            .arg(&format!("GITHUB_TOKEN={TOKEN}"))
            .run(&workspace)
            .unwrap();
        (run, environment.join().unwrap())
    });
    assert!(run.success(), "{run}");
    let (id, sha) = created.unwrap_or_else(|| panic!("the first step never ran:\n{run}"));
    let outputs = run.read_out_vars("outputs").unwrap();
    assert_eq!(outputs["decision"], "promote", "{run}");
    assert_eq!(outputs["deployment"], id.to_string(), "{run}");
    let deployments = rig.github.deployments();
    assert_eq!(deployments.len(), 1, "{deployments:?}\n{run}");
    assert_eq!(deployments[0].sha, sha);
    assert_eq!(
        states(&deployments[0]),
        ["queued", "in_progress", "in_progress", "success"],
        "{run}"
    );
    assert!(
        !run.output.stdout.contains(TOKEN),
        "the token is not in the job's log:\n{run}"
    );
}
