//! gantry-canary's bad-input corpus (issue 12): flags, URLs, steps, spec
//! files, outside services that refuse, hang, answer garbage or never end
//! their answer, output paths with hooks that must not run, and secrets on
//! every failing path. Each case is checked by
//! `gantry_test_support::corpus::run_table` (exit code, the input named,
//! an unchanged tree, no write to a recorder, no secret in any output).
//!
//! Bad input is exit 2 before anything happens; an outside service that
//! fails before the analysis is exit 3. A probe target that fails is not bad
//! input but a canary failing: those cases end in a rollback (1) or an
//! inconclusive analysis (4), as docs/actions/canary.md says, and are here
//! for what they must not leak. Hooks in these cases write into `{dir}`, so
//! a hook that runs where it must not changes the tree and fails the case.

use std::path::Path;
use std::time::Duration;

use gantry_test_support::corpus::{Case, CaseRun, case, run_table};
use gantry_test_support::prometheus::Prometheus;

const BIN: &str = "gantry-canary";

fn c(name: &str, args: &[&str]) -> Case {
    case(name, BIN, args.iter().copied())
}

/// One quick interval, wherever an analysis would run.
const QUICK: [&str; 4] = ["--interval", "100ms", "--count", "1"];

/// Hooks that would write into the tree: if any runs, the case fails.
const HOOKS: [&str; 6] = [
    "--pre-analysis",
    "touch pre-analysis-ran",
    "--on-rollback",
    "touch rollback-ran",
    "--on-promote",
    "touch promote-ran",
];

fn with(base: &[&str], more: &[&str]) -> Vec<String> {
    base.iter().chain(more).map(|s| (*s).to_owned()).collect()
}

fn cv(name: &str, args: Vec<String>) -> Case {
    case(name, BIN, args)
}

/// Nothing reached the recorder (not even a GET): nothing was probed.
fn nothing_probed(run: &CaseRun<'_>) -> Result<(), String> {
    match run.servers.get("recorder") {
        Some(recorder) if !recorder.seen().is_empty() => {
            Err(format!("the recorder was called: {:?}", recorder.seen()))
        }
        _ => Ok(()),
    }
}

fn mkfifo(dir: &Path, name: &str) -> Result<(), String> {
    let status = std::process::Command::new("mkfifo")
        .arg(dir.join(name))
        .status()
        .map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("mkfifo {name}: {status}"))
    }
}

fn fifo_spec(dir: &Path) -> Result<(), String> {
    mkfifo(dir, "analysis.yaml")
}

fn fifo_report(dir: &Path) -> Result<(), String> {
    mkfifo(dir, "report.json")
}

fn fifo_kubeconfig(dir: &Path) -> Result<(), String> {
    mkfifo(dir, "kubeconfig")
}

fn big_spec(dir: &Path) -> Result<(), String> {
    let mut text = b"checks: []\n".to_vec();
    text.resize(2 * 1024 * 1024, b'#');
    std::fs::write(dir.join("analysis.yaml"), text).map_err(|e| e.to_string())
}

/// A kubeconfig whose API server is `server` (a placeholder), with a token
/// and a Basic password that must never be printed.
fn kubeconfig(server: &str) -> String {
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: http://{server}
users:
- name: u
  user:
    token: corpus-kube-t0ken
- name: basic
  user:
    username: admin
    password: corpus-kube-pa55
contexts:
- name: x
  context: {{cluster: c, user: u}}
current-context: x
"
    )
}

#[test]
fn bad_flags_are_exit_2_before_anything_runs() {
    let probe = "http://{recorder}/health";
    let p = |name: &str, more: &[&str], names: &str| {
        cv(
            name,
            with(
                &["--probe", probe],
                &with(more, &HOOKS)
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            ),
        )
        .names(names)
        .check(nothing_probed)
    };
    let cases = vec![
        c("nothing-to-watch", &[]).names("nothing to watch"),
        p("interval-negative", &["--interval", "-10s"], "--interval"),
        p("interval-words", &["--interval", "ten"], "--interval `ten`"),
        p("interval-zero", &["--interval", "0s"], "--interval"),
        p(
            "initial-delay-negative",
            &["--initial-delay", "-1s"],
            "--initial-delay",
        ),
        p("deadline-zero", &["--deadline", "0s"], "--deadline"),
        p("deadline-garbage", &["--deadline", "1h30x"], "--deadline"),
        p(
            "probe-timeout-zero",
            &["--probe-timeout", "0ms"],
            "--probe-timeout",
        ),
        p(
            "latency-limit-words",
            &["--latency-limit", "fast"],
            "--latency-limit",
        ),
        p("count-zero", &["--count", "0"], "--count"),
        p("count-negative", &["--count", "-1"], "--count"),
        p("count-huge", &["--count", "100001"], "--count"),
        p(
            "failure-limit-zero",
            &["--failure-limit", "0"],
            "--failure-limit",
        ),
        p(
            "consecutive-limit-words",
            &["--consecutive-limit", "three"],
            "--consecutive-limit",
        ),
        p(
            "provider-budget-negative",
            &["--provider-error-budget", "-2"],
            "--provider-error-budget",
        ),
        p("no-data-unknown", &["--no-data", "maybe"], "maybe"),
        p(
            "expect-status-99",
            &["--expect-status", "99"],
            "--expect-status",
        ),
        p(
            "expect-status-words",
            &["--expect-status", "200,ok"],
            "`ok` is not an HTTP status",
        ),
        p(
            "expect-body-bad-regex",
            &["--expect-body", "(unclosed"],
            "--expect-body",
        ),
        p(
            "expect-json-no-slash",
            &["--expect-json", "version=abc"],
            "version=abc",
        ),
        p(
            "expect-json-empty-value",
            &["--expect-json", "/version="],
            "/version=",
        ),
        p("method-with-space", &["--method", "GE T"], "--method"),
        p(
            "hook-timeout-zero",
            &["--hook-timeout", "0s"],
            "--hook-timeout",
        ),
        p(
            "webhook-timeout-negative",
            &["--webhook-timeout", "-1s"],
            "--webhook-timeout",
        ),
        p(
            "github-timeout-words",
            &["--github-timeout", "soon"],
            "--github-timeout",
        ),
        p(
            "hook-env-bad-name",
            &["--hook-env", "BAD-NAME"],
            "--hook-env `BAD-NAME`",
        ),
        p(
            "hook-env-dollar",
            &["--hook-env", "$GH_TOKEN"],
            "--hook-env",
        ),
        p("format-unknown", &["--format", "xml"], "xml"),
        p(
            "min-above-max",
            &[
                "--prometheus",
                "http://{recorder}",
                "--query",
                "up",
                "--min",
                "2",
                "--max",
                "1",
            ],
            "nothing could pass",
        ),
        p("max-without-query", &["--max", "0.01"], "--min and --max"),
        p(
            "prometheus-without-query",
            &["--prometheus", "http://{recorder}"],
            "--prometheus needs a --query",
        ),
        p(
            "query-without-threshold",
            &["--prometheus", "http://{recorder}", "--query", "up"],
            "needs a threshold",
        ),
        p(
            "query-without-prometheus",
            &["--query", "up", "--max", "1"],
            "--prometheus",
        ),
        p(
            "query-unknown-placeholder",
            &[
                "--prometheus",
                "http://{recorder}",
                "--query",
                "up{job=\"{{jobb}}\"}",
                "--max",
                "1",
            ],
            "jobb",
        ),
        p(
            "workload-unknown-kind",
            &["--workload", "pod/web"],
            "pod/web",
        ),
        p(
            "workload-no-name",
            &["--workload", "deployment/"],
            "deployment/",
        ),
        p(
            "kube-timeout-zero",
            &["--workload", "deployment/web", "--kube-timeout", "0s"],
            "--kube-timeout",
        ),
    ];
    assert!(run_table(cases) >= 37);
}

#[test]
fn bad_steps_and_traffic_are_exit_2() {
    let s = |name: &str, more: &[&str], names: &str| {
        cv(
            name,
            with(
                &["--probe", "http://{recorder}/health"],
                &with(more, &HOOKS)
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            ),
        )
        .names(names)
        .check(nothing_probed)
    };
    let cases = vec![
        s(
            "steps-decreasing",
            &["--steps", "50,10", "--on-step", "touch shifted"],
            "50,10",
        ),
        s(
            "steps-zero",
            &["--steps", "0,50", "--on-step", "touch shifted"],
            "\"0\"",
        ),
        s(
            "steps-over-100",
            &["--steps", "150", "--on-step", "touch shifted"],
            "\"150\"",
        ),
        s(
            "steps-words",
            &["--steps", "ten", "--on-step", "touch shifted"],
            "\"ten\"",
        ),
        s("steps-without-shifter", &["--steps", "10,50"], "--on-step"),
        s(
            "shifter-without-steps",
            &["--on-step", "touch shifted"],
            "no steps",
        ),
        s(
            "step-command-and-webhook",
            &[
                "--steps",
                "50",
                "--on-step",
                "touch shifted",
                "--step-webhook",
                "http://{recorder}/w",
            ],
            "--step-webhook",
        ),
        s(
            "step-webhook-file-url",
            &["--steps", "50", "--step-webhook", "file:///etc/passwd"],
            "file:///etc/passwd",
        ),
        s(
            "step-webhook-no-host",
            &["--steps", "50", "--step-webhook", "http://"],
            "--step-webhook",
        ),
        s(
            "abort-webhook-gopher",
            &["--abort-webhook", "gopher://example.com/abort"],
            "gopher",
        ),
        s(
            "deployment-id-words",
            &["--deployment-id", "latest"],
            "latest",
        ),
        s(
            "deployment-without-token",
            &[
                "--deployment-environment",
                "production",
                "--github-repository",
                "acme/web",
                "--deployment-ref",
                "abc",
            ],
            "GANTRY_TOKEN",
        )
        .env_remove("GANTRY_TOKEN"),
        s(
            "deployment-without-repository",
            &[
                "--deployment-environment",
                "production",
                "--deployment-ref",
                "abc",
            ],
            "--github-repository",
        ),
        s(
            "deployment-bad-repository",
            &[
                "--deployment-environment",
                "production",
                "--github-repository",
                "noslash",
                "--deployment-ref",
                "abc",
            ],
            "noslash",
        ),
        s(
            "deployment-bad-api-url",
            &[
                "--deployment-environment",
                "production",
                "--github-repository",
                "acme/web",
                "--deployment-ref",
                "abc",
                "--github-api-url",
                "not a url",
            ],
            "not a url",
        ),
        s(
            "environment-url-ftp",
            &[
                "--deployment-environment",
                "production",
                "--github-repository",
                "acme/web",
                "--deployment-ref",
                "abc",
                "--environment-url",
                "ftp://web.example.com",
            ],
            "--environment-url",
        ),
    ];
    assert!(run_table(cases) >= 16);
}

#[test]
fn bad_urls_are_exit_2_without_their_credentials() {
    let u = |name: &str, args: &[&str], names: &str| {
        cv(name, with(args, &HOOKS))
            .names(names)
            .check(nothing_probed)
    };
    let cases = vec![
        u(
            "probe-ftp",
            &["--probe", "ftp://x/health"],
            "ftp://x/health",
        ),
        u(
            "probe-not-a-url",
            &["--probe", "not a url"],
            "--probe `not a url`",
        ),
        u("probe-no-host", &["--probe", "http://"], "--probe"),
        u(
            "probe-file",
            &["--probe", "file:///etc/hostname"],
            "file:///etc/hostname",
        ),
        u(
            "probe-ftp-with-password",
            &["--probe", "ftp://user:corpus-ftp-pa55@x/"],
            "ftp://***@x/",
        )
        .secret("corpus-ftp-pa55"),
        u(
            "probe-scheme-less-token",
            &["--probe", "user:corpus-bare-t0ken@host/x"],
            "***@host/x",
        )
        .secret("corpus-bare-t0ken"),
        u(
            "prometheus-ftp",
            &["--prometheus", "ftp://prom", "--query", "up", "--max", "1"],
            "--prometheus",
        ),
        u(
            "abort-webhook-password-no-host",
            &[
                "--probe",
                "http://{recorder}/",
                "--abort-webhook",
                "https://u:corpus-abort-pa55@",
            ],
            "abort webhook",
        )
        .secret("corpus-abort-pa55"),
        u(
            "step-webhook-token-user-bad-scheme",
            &[
                "--probe",
                "http://{recorder}/",
                "--steps",
                "50",
                "--step-webhook",
                "ws://corpus-ws-t0ken@example.com/",
            ],
            "--step-webhook",
        )
        .secret("corpus-ws-t0ken"),
        u(
            "header-without-colon",
            &[
                "--probe",
                "http://{recorder}/",
                "--header",
                "Bearer corpus-hdr-t0ken",
            ],
            "invalid --header (the 1st)",
        )
        .secret("corpus-hdr-t0ken"),
        u(
            "header-empty-name",
            &[
                "--probe",
                "http://{recorder}/",
                "--header",
                ": corpus-hdr-value",
            ],
            "invalid --header",
        )
        .secret("corpus-hdr-value"),
        u(
            "header-bad-name",
            &["--probe", "http://{recorder}/", "--header", "Bad Name: v"],
            "Bad Name",
        ),
        u(
            "header-control-character",
            &[
                "--probe",
                "http://{recorder}/",
                "--header",
                "X-Api-Key: corpus\u{1}key",
            ],
            "X-Api-Key",
        )
        .secret("corpus\u{1}key"),
    ];
    assert!(run_table(cases) >= 13);
}

#[test]
fn bad_spec_files_are_exit_2() {
    let spec = |name: &str, text: &str, names: &str| {
        cv(name, with(&["--spec", "analysis.yaml"], &HOOKS))
            .file("analysis.yaml", text)
            .names(names)
            .check(nothing_probed)
    };
    let http = "checks:\n  - type: http\n    url: http://{recorder}/\n";
    let cases = vec![
        cv("spec-missing", with(&["--spec", "nope.yaml"], &HOOKS)).names("nope.yaml"),
        cv("spec-directory", with(&["--spec", "{dir}"], &HOOKS)).names("is a directory"),
        cv("spec-fifo", with(&["--spec", "analysis.yaml"], &HOOKS))
            .setup(fifo_spec)
            .names("analysis.yaml is a FIFO")
            .timeout(Duration::from_secs(10)),
        cv("spec-char-device", with(&["--spec", "/dev/zero"], &HOOKS)).names("/dev/zero is a character device"),
        cv("spec-too-big", with(&["--spec", "analysis.yaml"], &HOOKS)).setup(big_spec).names("larger than 1 MiB"),
        spec("spec-empty", "", "is empty"),
        spec("spec-binary", "checks: [\u{0}\u{1}]", "analysis.yaml"),
        cv("spec-not-utf8", with(&["--spec", "analysis.yaml"], &HOOKS))
            .file("analysis.yaml", vec![0xff, 0xfe, b'a', b':', b' ', 0xc3])
            .names("not UTF-8"),
        spec("spec-yaml-syntax", "checks: [\n  - type: http\n", "not valid YAML"),
        spec("spec-json-syntax", "{\"checks\": [}", "not valid YAML"),
        spec("spec-unknown-top-key", &format!("intervall: 10s\n{http}"), "intervall"),
        spec("spec-schema-key", &format!("$schema: x\n{http}"), "$schema"),
        spec("spec-unknown-check-key", "checks:\n  - type: http\n    url: http://{recorder}/\n    timout: 1s\n", "checks[0].timout"),
        spec("spec-count-string", &format!("count: ten\n{http}"), "count"),
        spec("spec-count-zero", &format!("count: 0\n{http}"), "count"),
        spec("spec-checks-map", "checks: {type: http}\n", "checks"),
        spec("spec-check-type-unknown", "checks:\n  - type: tcp\n    url: x\n", "tcp"),
        spec("spec-check-type-missing", "checks:\n  - url: http://{recorder}/\n", "type"),
        spec("spec-http-no-url", "checks:\n  - type: http\n", "url"),
        spec("spec-interval-words", &format!("interval: soon\n{http}"), "interval `soon`"),
        spec("spec-check-timeout-negative", "checks:\n  - type: http\n    url: http://{recorder}/\n    timeout: -1s\n", "checks[0].timeout"),
        spec("spec-unset-variable", "checks:\n  - type: http\n    url: ${CORPUS_UNSET_URL}\n", "CORPUS_UNSET_URL"),
        spec("spec-prometheus-missing", "checks:\n  - type: prometheus\n    query: up\n    max: 1\n", "no Prometheus for this check"),
        spec("spec-min-above-max", "prometheus: {url: 'http://{recorder}'}\nchecks:\n  - type: prometheus\n    query: up\n    min: 5\n    max: 1\n", "nothing could pass"),
        spec("spec-judge-no-version", "prometheus: {url: 'http://{recorder}'}\ncanary: {baseline-version: v1}\nchecks:\n  - type: judge\n    metrics:\n      - {name: errors, query: 'sum(up)'}\n", "errors"),
        spec("spec-judge-no-metrics", "prometheus: {url: 'http://{recorder}'}\nchecks:\n  - type: judge\n    metrics: []\n", "checks[0]"),
        spec("spec-steps-decreasing", &format!("steps: [50, 10]\ntraffic: {{command: touch shifted}}\n{http}"), "steps"),
        spec("spec-steps-without-traffic", &format!("steps: [10, 50]\n{http}"), "traffic"),
        spec("spec-traffic-both", &format!("steps: [50]\ntraffic: {{command: touch shifted, webhook: {{url: 'http://{{recorder}}/'}}}}\n{http}"), "traffic"),
        spec("spec-traffic-env-on-webhook", &format!("steps: [50]\ntraffic: {{webhook: {{url: 'http://example.com/'}}, env: {{A: b}}}}\n{http}"), "traffic.env"),
        spec("spec-hook-neither", &format!("hooks:\n  - {{name: h, phase: rollback}}\n{http}"), "hooks[0]"),
        spec("spec-hook-phase-unknown", &format!("hooks:\n  - {{name: h, phase: post-rollout, command: touch hook-ran}}\n{http}"), "post-rollout"),
        spec("spec-hook-webhook-ftp", &format!("hooks:\n  - {{name: h, phase: rollback, webhook: {{url: 'ftp://example.com/'}}}}\n{http}"), "ftp://example.com/"),
        spec("spec-hook-env-bad-name", &format!("hooks:\n  - {{name: h, phase: rollback, command: touch hook-ran, env: {{BAD-NAME: x}}}}\n{http}"), "BAD-NAME"),
        spec("spec-hook-env-on-webhook", &format!("hooks:\n  - {{name: h, phase: rollback, webhook: {{url: 'http://example.com/'}}, env: {{A: b}}}}\n{http}"), "hooks[0].env"),
        spec("spec-abort-bad-url", &format!("abort: {{url: 'example.com/abort'}}\n{http}"), "abort webhook"),
        spec("spec-webhook-header-bad-name", &format!("abort: {{url: 'http://example.com/', headers: {{'Bad Name': x}}}}\n{http}"), "Bad Name"),
        spec("spec-header-newline-secret", "checks:\n  - type: http\n    url: http://{recorder}/\n    headers:\n      Authorization: \"Bearer corpus-spec\\nt0ken\"\n", "Authorization")
            .secret("corpus-spec"),
        spec("spec-kube-no-slash", "checks:\n  - type: kubernetes\n    workload: web\n", "web"),
        cv("spec-kubeconfig-fifo", with(&["--spec", "analysis.yaml"], &HOOKS))
            .file("analysis.yaml", "checks:\n  - type: kubernetes\n    workload: deployment/web\n    kubeconfig: kubeconfig\n")
            .setup(fifo_kubeconfig)
            .names("kubeconfig` is a FIFO")
            .timeout(Duration::from_secs(10)),
        cv("kubeconfig-flag-directory", with(&["--workload", "deployment/web", "--kubeconfig", "{dir}"], &HOOKS))
            .names("is a directory"),
        cv("kubeconfig-env-fifo", with(&["--workload", "deployment/web"], &HOOKS))
            .setup(fifo_kubeconfig)
            .env("KUBECONFIG", "{dir}/kubeconfig")
            .names("$KUBECONFIG")
            .timeout(Duration::from_secs(10)),
    ];
    assert!(run_table(cases) >= 42);
}

#[test]
fn output_paths_are_checked_before_any_hook() {
    let r = |name: &str, report: &str, names: &str| {
        cv(
            name,
            with(
                &["--probe", "http://{recorder}/", "--report", report],
                &with(&QUICK, &HOOKS)
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            ),
        )
        .names(names)
        .check(nothing_probed)
    };
    let cases = vec![
        r(
            "report-missing-dir",
            "/nonexistent/dir/r.json",
            "/nonexistent/dir/r.json",
        ),
        r("report-is-dir", "{dir}", "is a directory"),
        r(
            "report-under-file",
            "{dir}/plain.txt/r.json",
            "is not a directory",
        )
        .file("plain.txt", "x"),
        r("report-fifo", "{dir}/report.json", "is a FIFO").setup(fifo_report),
        r("report-empty", "", "--report"),
    ];
    assert!(run_table(cases) >= 5);
}

#[test]
fn outside_services_fail_without_hanging_or_leaking() {
    let prometheus = Prometheus::start(&[]).unwrap();
    let prom = prometheus.url();
    let q = |name: &str, url: &str, query: &str, code: i32, names: &str| {
        cv(
            name,
            with(
                &[
                    "--prometheus",
                    url,
                    "--query",
                    query,
                    "--max",
                    "1",
                    "--probe-timeout",
                    "1s",
                ],
                &with(&QUICK, &HOOKS)
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            ),
        )
        .exit(code)
        .names(names)
    };
    // A probe that passes against the recorder (its 404 is expected), so
    // the analysis itself promotes while another service misbehaves.
    let ok_probe = ["--probe", "http://{recorder}/", "--expect-status", "404"];
    let kube = |name: &str, server: &str, code: i32, names: &str| {
        cv(
            name,
            with(
                &[
                    "--workload",
                    "deployment/web",
                    "--kubeconfig",
                    "kubeconfig",
                    "--kube-timeout",
                    "2s",
                ],
                &with(&QUICK, &HOOKS)
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            ),
        )
        .file("kubeconfig", kubeconfig(server))
        .exit(code)
        .names(names)
        .secret("corpus-kube-t0ken")
        .secret("corpus-kube-pa55")
        .secret("admin:corpus-kube-pa55")
    };
    let github = |name: &str, api: &str, names: &str| {
        cv(
            name,
            with(
                &ok_probe,
                &with(
                    &[
                        "--deployment-environment",
                        "production",
                        "--github-repository",
                        "acme/web",
                        "--deployment-ref",
                        "abc123",
                        "--github-api-url",
                        api,
                        "--github-timeout",
                        "1s",
                    ],
                    &QUICK,
                )
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            ),
        )
        .exit(0)
        .names(names)
    };
    let cases = vec![
        // Prometheus before the analysis: unreachable is exit 3, a query it
        // refuses exit 2; no hook runs either way.
        q("prometheus-refused", "http://{refused}", "up", 3, "{refused}"),
        q("prometheus-hangs", "http://{hang}", "up", 3, "{hang}"),
        q("prometheus-garbage", "http://{garbage}", "up", 3, "{garbage}"),
        q("prometheus-endless", "http://{endless}", "up", 3, "{endless}"),
        q("prometheus-not-prometheus", "http://{recorder}", "up", 3, "{recorder}"),
        q("promql-unclosed", &prom, "sum(rate(http_requests_total[1m]", 2, "sum(rate(http_requests_total[1m]"),
        q("promql-unknown-function", &prom, "frobnicate(up)", 2, "frobnicate"),
        q("promql-range-vector", &prom, "up[5m]", 2, "up[5m]"),
        q("promql-bad-duration", &prom, "rate(up[5x])", 2, "rate(up[5x])"),
        cv("promql-bad-in-judge", with(&["--spec", "analysis.yaml"], &HOOKS))
            .file("analysis.yaml", format!("prometheus: {{url: '{prom}'}}\ncanary: {{version: v2, baseline-version: v1}}\nchecks:\n  - type: judge\n    window: 10s\n    step: 1s\n    metrics:\n      - {{name: errors, query: 'sum(rate(x{{version=\"{{{{version}}}}\"}}[1m]'}}\n"))
            .names("cannot run the query"),
        // Prometheus's bad query is found before the deployment is created
        // (the recorder as GitHub fails the case on any POST).
        cv(
            "promql-bad-before-deployment",
            with(&["--prometheus", &prom, "--query", "sum(", "--max", "1", "--deployment-environment", "production", "--github-repository", "acme/web", "--deployment-ref", "abc", "--github-api-url", "http://{recorder}"], &HOOKS),
        )
        .names("sum("),
        cv(
            "prometheus-down-before-deployment",
            with(&["--prometheus", "http://{refused}", "--query", "up", "--max", "1", "--deployment-environment", "production", "--github-repository", "acme/web", "--deployment-ref", "abc", "--github-api-url", "http://{recorder}"], &HOOKS),
        )
        .exit(3)
        .names("{refused}"),
        // The Kubernetes API server.
        kube("kube-refused", "{refused}", 3, "{refused}"),
        kube("kube-hangs", "{hang}", 3, "{hang}"),
        kube("kube-garbage", "{garbage}", 3, "{garbage}"),
        // Not an API server at all: its 404 is not Kubernetes's "not found".
        kube("kube-not-an-api-server", "{recorder}", 3, "{recorder}"),
        // GitHub deployment statuses: a warning naming the API, the
        // analysis decides as if GitHub were fine.
        github("github-refused", "http://{refused}", "{refused}"),
        github("github-hangs", "http://{hang}", "{hang}"),
        github("github-garbage", "http://{garbage}", "{garbage}"),
        github("github-endless", "http://{endless}", "read limit"),
        // Webhooks: the step webhook's failure rolls back, the abort
        // webhook's is a provider error (budget 0: inconclusive at once).
        cv("step-webhook-hangs", with(&ok_probe, &["--steps", "50", "--step-webhook", "http://{hang}/shift", "--webhook-timeout", "1s", "--interval", "100ms", "--count", "1"]))
            .exit(1)
            .names("timed out after 1 s"),
        cv("step-webhook-endless", with(&ok_probe, &["--steps", "50", "--step-webhook", "http://{endless}/shift", "--interval", "100ms", "--count", "1"]))
            .exit(1)
            .names("exceeds 64 KiB (read limit)"),
        cv("step-webhook-garbage", with(&ok_probe, &["--steps", "50", "--step-webhook", "http://{garbage}/shift", "--interval", "100ms", "--count", "1"]))
            .exit(1)
            .names("{garbage}"),
        cv("abort-webhook-hangs", with(&ok_probe, &["--abort-webhook", "http://{hang}/abort", "--webhook-timeout", "1s", "--provider-error-budget", "0", "--interval", "100ms", "--count", "3"]))
            .exit(4)
            .names("timed out after 1 s"),
        cv("abort-webhook-endless", with(&ok_probe, &["--abort-webhook", "http://{endless}/abort", "--provider-error-budget", "0", "--interval", "100ms", "--count", "3"]))
            .exit(4)
            .names("exceeds 64 KiB (read limit)"),
        cv("abort-webhook-refused", with(&ok_probe, &["--abort-webhook", "http://{refused}/abort", "--provider-error-budget", "0", "--interval", "100ms", "--count", "3"]))
            .exit(4)
            .names("connection refused"),
        cv("hook-webhook-hangs", with(&ok_probe, &["--spec", "analysis.yaml", "--interval", "100ms", "--count", "1"]))
            .file("analysis.yaml", "hooks:\n  - name: gate\n    phase: pre-analysis\n    webhook: {url: 'http://{hang}/gate', timeout: 1s}\n")
            .exit(1)
            .names("the pre-analysis hook `gate` failed"),
    ];
    assert!(run_table(cases) >= 27);
}

#[test]
fn secrets_never_reach_the_output_on_failing_paths() {
    let cases = vec![
        cv("secret-header-probe-refused", with(&["--probe", "http://{refused}/", "--header", "Authorization: Bearer corpus-probe-t0ken"], &QUICK))
            .exit(1)
            .names("{refused}")
            .secret("corpus-probe-t0ken"),
        cv("secret-url-password-probe-refused", with(&["--probe", "http://user:corpus-url-pa55@{refused}/"], &QUICK))
            .exit(1)
            .names("***@{refused}")
            .secret("corpus-url-pa55"),
        cv("secret-url-token-user-probe-garbage", with(&["--probe", "http://corpus-user-t0ken@{garbage}/"], &QUICK))
            .exit(1)
            .names("***@{garbage}")
            .secret("corpus-user-t0ken"),
        cv("secret-query-token-probe-hangs", with(&["--probe", "http://{hang}/?token=corpus-query-t0ken", "--probe-timeout", "500ms"], &QUICK))
            .exit(1)
            .names("timed out")
            .secret("corpus-query-t0ken"),
        c("secret-prometheus-token-hangs", &["--prometheus", "http://{hang}", "--query", "up", "--max", "1", "--probe-timeout", "1s", "--prometheus-token", "corpus-prom-t0ken"])
            .exit(3)
            .names("{hang}")
            .secret("corpus-prom-t0ken"),
        cv("secret-prometheus-token-env-garbage", vec!["--prometheus".into(), "http://{garbage}".into(), "--query".into(), "up".into(), "--max".into(), "1".into()])
            .env("GANTRY_PROMETHEUS_TOKEN", "corpus-prom-env-t0ken")
            .exit(3)
            .names("{garbage}")
            .secret("corpus-prom-env-t0ken"),
        cv("secret-spec-token-refused", vec!["--spec".into(), "analysis.yaml".into()])
            .file("analysis.yaml", "prometheus: {url: 'http://{refused}', token: '${CORPUS_PROM_TOKEN}'}\nchecks:\n  - type: prometheus\n    query: up\n    max: 1\n")
            .env("CORPUS_PROM_TOKEN", "corpus-spec-prom-t0ken")
            .exit(3)
            .names("{refused}")
            .secret("corpus-spec-prom-t0ken"),
        cv("secret-abort-query-token", with(&["--probe", "http://{recorder}/", "--expect-status", "404", "--abort-webhook", "http://{hang}/abort?token=corpus-abort-t0ken", "--webhook-timeout", "500ms", "--provider-error-budget", "0"], &QUICK))
            .exit(4)
            .names("abort webhook")
            .secret("corpus-abort-t0ken"),
        cv("secret-step-webhook-password", with(&["--probe", "http://{recorder}/", "--expect-status", "404", "--steps", "50", "--step-webhook", "http://u:corpus-step-pa55@{refused}/shift"], &QUICK))
            .exit(1)
            .names("***@{refused}")
            .secret("corpus-step-pa55"),
        cv("secret-hook-webhook-header", with(&["--probe", "http://{refused}/", "--spec", "analysis.yaml"], &QUICK))
            .file("analysis.yaml", "hooks:\n  - name: notify\n    phase: rollback\n    webhook:\n      url: 'http://{garbage}/notify'\n      headers: {Authorization: 'Bearer ${CORPUS_HOOK_TOKEN}'}\n")
            .env("CORPUS_HOOK_TOKEN", "corpus-hook-t0ken")
            .exit(1)
            .names("notify")
            .secret("corpus-hook-t0ken"),
        // A hook that prints a credential it was given by name: masked in
        // its last output line; one it was not given is not there at all.
        cv("secret-hook-env-printed", with(&["--probe", "http://{recorder}/", "--expect-status", "404", "--hook-env", "GH_TOKEN", "--pre-analysis", "echo \"$GH_TOKEN\"; exit 1"], &QUICK))
            .env("GH_TOKEN", "corpus-gh-cli-t0ken")
            .exit(1)
            .names("pre-analysis")
            .secret("corpus-gh-cli-t0ken"),
        cv("secret-decoy-not-inherited", with(&["--probe", "http://{recorder}/", "--expect-status", "404", "--pre-analysis", "echo \"token=$GANTRY_TOKEN github=$GITHUB_TOKEN\"; exit 1"], &QUICK))
            .exit(1)
            .names("token= github="),
        cv("secret-spec-hook-env-printed", with(&["--probe", "http://{recorder}/", "--expect-status", "404", "--spec", "analysis.yaml"], &QUICK))
            .file("analysis.yaml", "hooks:\n  - name: smoke\n    phase: pre-analysis\n    command: echo \"$DEPLOY_TOKEN\"; exit 3\n    env: {DEPLOY_TOKEN: corpus-spec-env-t0ken}\n")
            .exit(1)
            .names("smoke")
            .secret("corpus-spec-env-t0ken"),
    ];
    assert!(run_table(cases) >= 13);
}
