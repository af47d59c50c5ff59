//! gantry-rollback's bad-input corpus (issue 12): workloads, images,
//! namespaces, contexts and durations on the command line; kubeconfigs and
//! target files that are wrong, unreadable or would block; Kubernetes API
//! servers and Cloud Run endpoints that refuse, hang, answer garbage or
//! never end their answer; objects that do not exist on the fake
//! Kubernetes API; and credentials (kubeconfig tokens, Basic passwords,
//! exec-plugin tokens, Cloud Run tokens and ADC secrets, URL passwords) on
//! every failing path. Each case is checked by
//! `gantry_test_support::corpus::run_table` (exit code, the input named, an
//! unchanged tree, no write to a recorder, no secret in any output).
//!
//! Bad input is exit 2 before anything is contacted: where a kubeconfig
//! points at the recorder, the case also checks that it saw no request at
//! all. An outside service that fails is exit 3, naming it.

use std::path::Path;
use std::time::Duration;

use gantry_test_support::corpus::{Case, CaseRun, case, run_table};
use gantry_test_support::kube::FakeKube;
use serde_json::json;

const BIN: &str = "gantry-rollback";

/// Secrets of the kubeconfigs below: never in any output.
const KUBE_TOKEN: &str = "corpus-kube-t0ken-9d2c";
const KUBE_PASSWORD: &str = "corpus-kube-pa55-71ab";
const CLOUD_RUN_TOKEN: &str = "ya29.corpus-cloud-run-t0ken";

fn c(name: &str, args: &[&str]) -> Case {
    case(name, BIN, args.iter().copied())
}

/// A kubeconfig (at `{dir}/kubeconfig`) whose API server is `server` (a
/// placeholder such as `{recorder}`) over http, with a token user (the
/// current context, namespace `prod`) and a Basic one.
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
    token: {KUBE_TOKEN}
- name: basic
  user:
    username: admin
    password: {KUBE_PASSWORD}
contexts:
- name: x
  context: {{cluster: c, user: u, namespace: prod}}
- name: b
  context: {{cluster: c, user: basic, namespace: prod}}
current-context: x
"
    )
}

/// `c` with the kubeconfig at `server` and its secrets.
fn k(name: &str, server: &str, args: &[&str]) -> Case {
    let mut all: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    all.extend(["--kubeconfig".to_owned(), "{dir}/kubeconfig".to_owned()]);
    case(name, BIN, all)
        .file("kubeconfig", kubeconfig(server))
        .secret(KUBE_TOKEN)
        .secret(KUBE_PASSWORD)
}

/// Bad input against a kubeconfig that points at the recorder: exit 2,
/// and the recorder saw nothing at all.
fn early(name: &str, args: &[&str], names: &str) -> Case {
    k(name, "{recorder}", args)
        .names(names)
        .check(nothing_contacted)
}

/// A target file (at `{dir}/rollback.yaml`) run with `run`, the
/// kubeconfig at the recorder: bad input, nothing contacted.
fn target(name: &str, text: &str, names: &str) -> Case {
    early(name, &["run", "--target", "{dir}/rollback.yaml"], names).file("rollback.yaml", text)
}

fn nothing_contacted(run: &CaseRun<'_>) -> Result<(), String> {
    match run.servers.get("recorder") {
        Some(recorder) if !recorder.seen().is_empty() => {
            Err(format!("the recorder was contacted: {:?}", recorder.seen()))
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

fn fifo_kubeconfig(dir: &Path) -> Result<(), String> {
    mkfifo(dir, "fifo-kubeconfig")
}

fn fifo_target(dir: &Path) -> Result<(), String> {
    mkfifo(dir, "rollback.yaml")
}

fn fifo_token_file(dir: &Path) -> Result<(), String> {
    mkfifo(dir, "token")
}

fn fifo_adc(dir: &Path) -> Result<(), String> {
    mkfifo(dir, "adc.json")
}

fn dir_target(dir: &Path) -> Result<(), String> {
    std::fs::create_dir(dir.join("rollback.yaml")).map_err(|e| e.to_string())
}

fn big_target(dir: &Path) -> Result<(), String> {
    let mut text = b"undo: [{workload: deployment/web}]\n".to_vec();
    text.resize(2 * 1024 * 1024, b'#');
    std::fs::write(dir.join("rollback.yaml"), text).map_err(|e| e.to_string())
}

fn big_kubeconfig(dir: &Path) -> Result<(), String> {
    let mut text = b"apiVersion: v1\n".to_vec();
    text.resize(5 * 1024 * 1024, b'#');
    std::fs::write(dir.join("big-kubeconfig"), text).map_err(|e| e.to_string())
}

const UNDO_WEB: &str = "undo:\n  - workload: deployment/web\n";
const ROUTE: &str = "traffic:\n  http-route: {name: web, stable: web-stable, canary: web-canary}\n";

#[test]
fn bad_flags_and_references_are_exit_2_before_contacting_anything() {
    let long_name = format!("deployment/{}", "a".repeat(254));
    let long_namespace = "n".repeat(64);
    let long_image = format!("app=ghcr.io/acme/{}:1", "a".repeat(300));
    let cases = vec![
        early(
            "status-bad-kind",
            &["status", "deploymnet/web"],
            "deploymnet/web",
        ),
        early("status-pod", &["status", "pod/web"], "pod/web"),
        early(
            "status-uppercase-name",
            &["status", "deployment/Web"],
            "deployment/Web",
        ),
        early(
            "status-empty-name",
            &["status", "deployment/"],
            "deployment/",
        ),
        early("status-underscore", &["status", "web_1"], "web_1"),
        early("status-long-name", &["status", &long_name], "DNS subdomain"),
        early(
            "status-namespace-uppercase",
            &["status", "web", "-n", "Prod"],
            "\"Prod\"",
        ),
        early(
            "status-namespace-dash",
            &["status", "web", "--namespace=-prod"],
            "-prod",
        ),
        early(
            "status-namespace-long",
            &["status", "web", "-n", &long_namespace],
            "--namespace",
        ),
        early(
            "status-namespace-dot",
            &["status", "web", "-n", "prod.eu"],
            "prod.eu",
        ),
        early(
            "status-timeout-words",
            &["status", "web", "--timeout", "ten"],
            "--timeout `ten`",
        ),
        early(
            "status-timeout-zero",
            &["status", "web", "--timeout", "0s"],
            "--timeout",
        ),
        early(
            "status-timeout-negative",
            &["status", "web", "--timeout", "-5m"],
            "--timeout",
        ),
        early(
            "kube-timeout-zero",
            &["status", "web", "--kube-timeout", "0s"],
            "--kube-timeout",
        ),
        early(
            "kube-timeout-words",
            &["status", "web", "--kube-timeout", "soon"],
            "--kube-timeout `soon`",
        ),
        early(
            "kube-timeout-negative",
            &["status", "web", "--kube-timeout", "-1s"],
            "--kube-timeout",
        ),
        early(
            "context-newline",
            &["status", "web", "--context", "x\ny"],
            "--context",
        ),
        early(
            "set-image-uppercase",
            &["set-image", "deployment/web", "app=Bad:Ref"],
            "Bad:Ref",
        ),
        early(
            "set-image-newline",
            &["set-image", "deployment/web", "app=nginx\n:1"],
            "whitespace",
        ),
        early(
            "set-image-dash-tag",
            &["set-image", "deployment/web", "app=nginx:-x"],
            "nginx:-x",
        ),
        early(
            "set-image-no-equals",
            &["set-image", "deployment/web", "nginx:1.27"],
            "nginx:1.27",
        ),
        early(
            "set-image-no-container",
            &["set-image", "deployment/web", "=nginx:1.27"],
            "=nginx:1.27",
        ),
        early(
            "set-image-container-uppercase",
            &["set-image", "deployment/web", "App=nginx"],
            "\"App\"",
        ),
        early(
            "set-image-empty-image",
            &["set-image", "deployment/web", "app="],
            "app=",
        ),
        early(
            "set-image-url",
            &[
                "set-image",
                "deployment/web",
                "app=https://ghcr.io/acme/web:1",
            ],
            "https://ghcr.io/acme/web:1",
        ),
        early(
            "set-image-short-digest",
            &["set-image", "deployment/web", "app=nginx@sha256:abc"],
            "sha256:abc",
        ),
        early(
            "set-image-empty-tag",
            &["set-image", "deployment/web", "app=ghcr.io/acme/web:"],
            "ghcr.io/acme/web:",
        ),
        early(
            "set-image-space-inside",
            &["set-image", "deployment/web", "app=ghcr.io/acme/web 1.2"],
            "ghcr.io/acme/web 1.2",
        ),
        early(
            "set-image-too-long",
            &["set-image", "deployment/web", &long_image],
            "app=ghcr.io/acme/",
        ),
        early(
            "set-image-second-bad",
            &[
                "set-image",
                "deployment/web",
                "app=nginx:1",
                "side=Side:Car",
            ],
            "Side:Car",
        ),
        early(
            "set-image-bad-workload",
            &["set-image", "cronjob/web", "app=nginx:1"],
            "cronjob/web",
        ),
        early(
            "set-image-undo-statefulset",
            &[
                "set-image",
                "sts/db",
                "app=postgres:16",
                "--undo-on-failure",
            ],
            "--undo-on-failure",
        ),
        early(
            "undo-to-image-uppercase",
            &["undo", "deployment/web", "--to-image", "Bad:Ref"],
            "Bad:Ref",
        ),
        early(
            "undo-to-image-dash",
            &["undo", "deployment/web", "--to-image", "nginx:-x"],
            "nginx:-x",
        ),
        early(
            "undo-to-image-space",
            &["undo", "deployment/web", "--to-image", "1.2 3"],
            "1.2 3",
        ),
        early(
            "undo-to-image-bad-digest",
            &["undo", "deployment/web", "--to-image", "sha256:xyz"],
            "sha256:xyz",
        ),
        early(
            "undo-to-revision-zero",
            &["undo", "deployment/web", "--to-revision", "0"],
            "--to-revision 0",
        ),
        early(
            "undo-to-revision-negative",
            &["undo", "deployment/web", "--to-revision", "-3"],
            "-3",
        ),
        early(
            "undo-to-revision-words",
            &["undo", "deployment/web", "--to-revision", "last"],
            "last",
        ),
        early("undo-daemonset", &["undo", "ds/agent"], "ds/agent"),
        early(
            "undo-statefulset",
            &["undo", "statefulset/db"],
            "statefulset/db",
        ),
        early(
            "undo-both-targets",
            &[
                "undo",
                "deployment/web",
                "--to-revision",
                "2",
                "--to-image",
                "1.0",
            ],
            "--to-image",
        ),
        early(
            "shift-weight-over",
            &[
                "shift",
                "--target",
                "{dir}/rollback.yaml",
                "--weight",
                "101",
            ],
            "101",
        )
        .file("rollback.yaml", ROUTE),
        early(
            "shift-weight-negative",
            &["shift", "--target", "{dir}/rollback.yaml", "--weight", "-5"],
            "-5",
        )
        .file("rollback.yaml", ROUTE),
        early(
            "shift-weight-words",
            &[
                "shift",
                "--target",
                "{dir}/rollback.yaml",
                "--weight",
                "half",
            ],
            "half",
        )
        .file("rollback.yaml", ROUTE),
        early(
            "shift-no-weight",
            &["shift", "--target", "{dir}/rollback.yaml"],
            "--weight",
        )
        .file("rollback.yaml", ROUTE)
        .env_remove("GANTRY_CANARY_WEIGHT"),
        early(
            "shift-no-traffic",
            &["shift", "--target", "{dir}/rollback.yaml", "--weight", "10"],
            "traffic",
        )
        .file("rollback.yaml", UNDO_WEB),
        early(
            "run-cloud-run-timeout-zero",
            &[
                "run",
                "--target",
                "{dir}/rollback.yaml",
                "--cloud-run-timeout",
                "0s",
            ],
            "--cloud-run-timeout",
        )
        .file("rollback.yaml", UNDO_WEB),
    ];
    assert!(run_table(cases) >= 45);
}

#[test]
fn bad_kubeconfigs_are_exit_2() {
    let with = |name: &str, file: &str, text: &str, names: &str| {
        c(
            name,
            &[
                "status",
                "deployment/web",
                "--kubeconfig",
                &format!("{{dir}}/{file}"),
            ],
        )
        .file(file, text)
        .names(names)
        .secret(KUBE_TOKEN)
        .secret(KUBE_PASSWORD)
    };
    let cases = vec![
        c(
            "kubeconfig-missing",
            &["status", "web", "--kubeconfig", "{dir}/nope.yaml"],
        )
        .names("nope.yaml"),
        c(
            "kubeconfig-directory",
            &["status", "web", "--kubeconfig", "{dir}"],
        )
        .names("directory"),
        c(
            "kubeconfig-fifo",
            &["status", "web", "--kubeconfig", "{dir}/fifo-kubeconfig"],
        )
        .setup(fifo_kubeconfig)
        .names("not a regular file")
        .timeout(Duration::from_secs(10)),
        c("kubeconfig-env-fifo", &["status", "web"])
            .env("KUBECONFIG", "{dir}/fifo-kubeconfig")
            .setup(fifo_kubeconfig)
            .names("not a regular file")
            .timeout(Duration::from_secs(10)),
        c("kubeconfig-env-missing", &["status", "web"])
            .env("KUBECONFIG", "{dir}/missing.yaml")
            .names("missing.yaml"),
        c(
            "kubeconfig-too-big",
            &["status", "web", "--kubeconfig", "{dir}/big-kubeconfig"],
        )
        .setup(big_kubeconfig)
        .names("big-kubeconfig"),
        c(
            "kubeconfig-empty-flag",
            &["status", "web", "--kubeconfig", ""],
        )
        .names("--kubeconfig"),
        with(
            "kubeconfig-malformed",
            "kubeconfig",
            &format!("users:\n- name: u\n  user:\n    token: {KUBE_TOKEN}\n    bogus: [1\n"),
            "not a kubeconfig",
        ),
        with(
            "kubeconfig-wrong-shape",
            "kubeconfig",
            &format!("users: {KUBE_TOKEN}\n"),
            "not a kubeconfig",
        ),
        with(
            "kubeconfig-no-current-context",
            "kubeconfig",
            &kubeconfig("{recorder}").replace("current-context: x\n", ""),
            "current-context",
        )
        .check(nothing_contacted),
        k(
            "kubeconfig-unknown-context",
            "{recorder}",
            &["status", "web", "--context", "prod-eu"],
        )
        .names("prod-eu")
        .check(nothing_contacted),
        with(
            "kubeconfig-ftp-server",
            "kubeconfig",
            &kubeconfig("{recorder}").replace("http://", "ftp://"),
            "not an http:// or https:// URL",
        )
        .check(nothing_contacted),
        with(
            "kubeconfig-server-not-url",
            "kubeconfig",
            &kubeconfig("{recorder}").replace("http://{recorder}", "\"not a url\""),
            "server",
        ),
        with(
            "kubeconfig-no-server",
            "kubeconfig",
            &format!(
                "clusters: [{{name: c, cluster: {{}}}}]\nusers: [{{name: u, user: {{token: {KUBE_TOKEN}}}}}]\ncontexts: [{{name: x, context: {{cluster: c, user: u}}}}]\ncurrent-context: x\n"
            ),
            "no server URL",
        ),
        // An HTTP proxy is used (kube_proxy.rs); a SOCKS one is refused.
        with(
            "kubeconfig-proxy-socks",
            "kubeconfig",
            &kubeconfig("{recorder}").replace(
                "    server: http://{recorder}\n",
                "    server: http://{recorder}\n    proxy-url: socks5://proxy.example:1080\n",
            ),
            "proxy-url \"socks5://proxy.example:1080\" is a SOCKS proxy",
        )
        .check(nothing_contacted),
        with(
            "kubeconfig-namespace-invalid",
            "kubeconfig",
            &kubeconfig("{recorder}").replace("namespace: prod}", "namespace: Prod_EU}"),
            "Prod_EU",
        )
        .check(nothing_contacted),
        with(
            "kubeconfig-token-file-fifo",
            "kubeconfig",
            &kubeconfig("{recorder}").replace(
                &format!("    token: {KUBE_TOKEN}\n"),
                "    tokenFile: {dir}/token\n",
            ),
            "not a regular file",
        )
        .setup(fifo_token_file)
        .check(nothing_contacted)
        .timeout(Duration::from_secs(10)),
        with(
            "kubeconfig-ca-fifo",
            "kubeconfig",
            &kubeconfig("{recorder}").replace(
                "    server: http://{recorder}\n",
                "    server: https://{recorder}\n    certificate-authority: {dir}/token\n",
            ),
            "certificate-authority",
        )
        .setup(fifo_token_file)
        .check(nothing_contacted)
        .timeout(Duration::from_secs(10)),
    ];
    assert!(run_table(cases) >= 18);
}

#[test]
fn bad_target_files_are_exit_2_before_contacting_anything() {
    let cases = vec![
        target("target-unknown-key", "undo:\n  - workload: deployment/web\n    to-revison: 3\n", "to-revison"),
        target("target-unknown-section", "rollback:\n  - deployment/web\n", "rollback"),
        target("target-wrong-type", "scale-down: deployment/web-canary\n", "scale-down"),
        target("target-missing-field", "traffic:\n  http-route: {name: web, stable: web-stable}\n", "canary"),
        target("target-daemonset-scale-down", "scale-down:\n  - daemonset/agent\n", "daemonset/agent"),
        target("target-ds-scale-down", "scale-down: [ds/agent]\n", "scale-down[0]"),
        target("target-undo-statefulset", "undo:\n  - workload: sts/db\n", "sts/db"),
        target("target-undo-daemonset", "undo:\n  - workload: daemonset/agent\n", "daemonset/agent"),
        target("target-undo-revision-zero", "undo:\n  - {workload: web, to-revision: 0}\n", "to-revision"),
        target(
            "target-undo-both",
            "undo:\n  - {workload: web, to-revision: 2, to-image: '1.0'}\n",
            "not both",
        ),
        target("target-undo-bad-image", "undo:\n  - {workload: web, to-image: 'Bad:Ref'}\n", "Bad:Ref"),
        target("target-undo-bad-workload", "undo:\n  - workload: Deployment/Web\n", "Deployment/Web"),
        target(
            "target-two-traffic-kinds",
            "traffic:\n  nginx: {ingress: web-canary}\n  replicas: {stable: web, canary: web-canary}\n",
            "only one",
        ),
        target("target-no-traffic-kind", "traffic: {}\n", "give one of"),
        target(
            "target-route-uppercase",
            "traffic:\n  http-route: {name: Web, stable: web-stable, canary: web-canary}\n",
            "http-route.name",
        ),
        target(
            "target-route-same-backends",
            "traffic:\n  http-route: {name: web, stable: web, canary: web}\n",
            "stable and canary",
        ),
        target(
            "target-replicas-total-zero",
            "traffic:\n  replicas: {stable: web, canary: web-canary, total: 0}\n",
            "total",
        ),
        target(
            "target-replicas-total-negative",
            "traffic:\n  replicas: {stable: web, canary: web-canary, total: -4}\n",
            "total",
        ),
        target(
            "target-istio-host-space",
            "traffic:\n  istio:\n    virtual-service: web\n    stable: {host: 'web stable'}\n    canary: {host: web-canary}\n",
            "istio.stable.host",
        ),
        target("target-nginx-bad-ingress", "traffic:\n  nginx: {ingress: 'web_canary'}\n", "web_canary"),
        target("target-nothing", "kubernetes: {namespace: prod}\n", "nothing to roll back"),
        target("target-empty-mapping", "{}\n", "nothing to roll back"),
        target("target-timeout-words", "undo: [{workload: web}]\ntimeout: soon\n", "timeout"),
        target("target-timeout-zero", "undo: [{workload: web}]\ntimeout: 0s\n", "timeout"),
        target("target-namespace-invalid", "kubernetes: {namespace: Shop}\nundo: [{workload: web}]\n", "Shop"),
        target("target-unset-variable", "kubernetes: {namespace: '${CORPUS_UNSET_NS}'}\nundo: [{workload: web}]\n", "CORPUS_UNSET_NS"),
        target("target-yaml-garbage", "undo: [{workload: web\n", "rollback.yaml"),
        target(
            "target-gitops-ftp",
            "gitops: {repo: 'ftp://deploy:corpus-ftp-pa55@git.example/deploy.git', image: ghcr.io/acme/web}\n",
            "ftp://",
        )
        .secret("corpus-ftp-pa55"),
        target(
            "target-gitops-not-url",
            "gitops: {repo: 'deploy', image: ghcr.io/acme/web}\n",
            "not a repository URL",
        ),
        target(
            "target-gitops-bad-image",
            "gitops: {repo: 'https://github.com/acme/deploy.git', image: 'Ghcr.io/Acme/Web'}\n",
            "gitops.image",
        ),
        target(
            "target-gitops-bad-branch",
            "gitops: {repo: 'https://github.com/acme/deploy.git', image: ghcr.io/acme/web, branch: 'main..x'}\n",
            "main..x",
        ),
        target(
            "target-gitops-bad-to",
            "gitops: {repo: 'https://github.com/acme/deploy.git', image: ghcr.io/acme/web, to: 'nginx:-x'}\n",
            "nginx:-x",
        ),
        target("target-cloud-run-bad-service", "cloud-run: {service: web}\n", "cloud-run.service"),
        target(
            "target-cloud-run-bad-revision",
            "cloud-run:\n  service: projects/acme/locations/europe-west1/services/web\n  to-revision: 'Web 1'\n",
            "cloud-run.to-revision",
        ),
        target(
            "target-cloud-run-adc-fifo",
            "cloud-run: {service: projects/acme/locations/europe-west1/services/web}\n",
            "adc.json",
        )
        .env_remove("GOOGLE_OAUTH_ACCESS_TOKEN")
        .env("GOOGLE_APPLICATION_CREDENTIALS", "{dir}/adc.json")
        .setup(fifo_adc)
        .timeout(Duration::from_secs(10)),
        target(
            "target-cloud-run-service-account-key",
            "cloud-run: {service: projects/acme/locations/europe-west1/services/web}\n",
            "service account keys are not supported",
        )
        .env_remove("GOOGLE_OAUTH_ACCESS_TOKEN")
        .env("GOOGLE_APPLICATION_CREDENTIALS", "{dir}/adc.json")
        .file(
            "adc.json",
            r#"{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\ncorpus-private-key\n-----END PRIVATE KEY-----\n"}"#,
        )
        .secret("corpus-private-key"),
        target(
            "target-cloud-run-api-url-ftp",
            "cloud-run: {service: projects/acme/locations/europe-west1/services/web}\n",
            "ftp://",
        )
        .env("GOOGLE_OAUTH_ACCESS_TOKEN", CLOUD_RUN_TOKEN)
        .env("GANTRY_CLOUD_RUN_API_URL", "ftp://{recorder}")
        .secret(CLOUD_RUN_TOKEN),
        target(
            "target-cloud-run-api-url-credentials",
            "cloud-run: {service: projects/acme/locations/europe-west1/services/web}\n",
            "credentials",
        )
        .env("GOOGLE_OAUTH_ACCESS_TOKEN", CLOUD_RUN_TOKEN)
        .env("GANTRY_CLOUD_RUN_API_URL", "http://user:corpus-api-pa55@{recorder}")
        .secret(CLOUD_RUN_TOKEN)
        .secret("corpus-api-pa55"),
        early("target-missing", &["run", "--target", "{dir}/nope.yaml"], "nope.yaml"),
        early("target-fifo", &["run", "--target", "{dir}/rollback.yaml"], "rollback.yaml")
            .setup(fifo_target)
            .timeout(Duration::from_secs(10)),
        early("target-directory", &["run", "--target", "{dir}/rollback.yaml"], "directory")
            .setup(dir_target),
        early("target-too-big", &["run", "--target", "{dir}/rollback.yaml"], "rollback.yaml")
            .setup(big_target),
        early("shift-target-fifo", &["shift", "--target", "{dir}/rollback.yaml", "--weight", "10"], "rollback.yaml")
            .setup(fifo_target)
            .timeout(Duration::from_secs(10)),
    ];
    assert!(run_table(cases) >= 40);
}

#[test]
fn api_servers_that_fail_are_exit_3_naming_them() {
    let fast = ["--kube-timeout", "1s"];
    let with = |name: &str, server: &str, args: &[&str], code: i32, names: &str| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(fast);
        k(name, server, &all)
            .exit(code)
            .names(names)
            .timeout(Duration::from_secs(20))
    };
    let undo_target = |c: Case| c.file("rollback.yaml", UNDO_WEB);
    let route_target = |c: Case| c.file("rollback.yaml", ROUTE);
    let cases = vec![
        with("hang-status", "{hang}", &["status", "web"], 3, "{hang}"),
        with("hang-undo", "{hang}", &["undo", "web"], 3, "{hang}"),
        with(
            "hang-set-image",
            "{hang}",
            &["set-image", "web", "app=nginx:1.27"],
            3,
            "{hang}",
        ),
        route_target(with(
            "hang-shift",
            "{hang}",
            &["shift", "--target", "{dir}/rollback.yaml", "--weight", "0"],
            3,
            "{hang}",
        )),
        undo_target(with(
            "hang-run",
            "{hang}",
            &["run", "--target", "{dir}/rollback.yaml"],
            3,
            "{hang}",
        )),
        with(
            "hang-basic-auth",
            "{hang}",
            &["status", "web", "--context", "b"],
            3,
            "did not answer within 1 s",
        ),
        with(
            "endless-status",
            "{endless}",
            &["status", "web"],
            3,
            "read limit",
        ),
        undo_target(with(
            "endless-run",
            "{endless}",
            &["run", "--target", "{dir}/rollback.yaml"],
            3,
            "read limit",
        )),
        with(
            "endless-set-image",
            "{endless}",
            &["set-image", "web", "app=nginx:1.27"],
            3,
            "{endless}",
        ),
        with(
            "garbage-status",
            "{garbage}",
            &["status", "web"],
            3,
            "{garbage}",
        ),
        with(
            "garbage-undo",
            "{garbage}",
            &["undo", "web"],
            3,
            "{garbage}",
        ),
        with(
            "refused-status",
            "{refused}",
            &["status", "web"],
            3,
            "{refused}",
        ),
        route_target(with(
            "refused-shift",
            "{refused}",
            &["shift", "--target", "{dir}/rollback.yaml", "--weight", "25"],
            3,
            "{refused}",
        )),
        // The recorder answers 404 with a body that is not a Kubernetes
        // Status: not an API server, whose "not found" it is not.
        with(
            "recorder-status",
            "{recorder}",
            &["status", "web"],
            3,
            "the server at http://{recorder} answered HTTP 404 without a Kubernetes Status",
        ),
        with(
            "recorder-set-image",
            "{recorder}",
            &["set-image", "web", "app=nginx:1.27"],
            3,
            "{recorder}",
        ),
        undo_target(with(
            "recorder-run",
            "{recorder}",
            &["run", "--target", "{dir}/rollback.yaml"],
            3,
            "{recorder}",
        )),
    ];
    assert!(run_table(cases) >= 16);
}

#[test]
fn cloud_run_that_fails_is_exit_3_naming_it() {
    const SERVICE: &str =
        "cloud-run: {service: projects/acme/locations/europe-west1/services/web}\n";
    let cloud_run = |name: &str, api: &str, code: i32, names: &str| {
        c(
            name,
            &[
                "run",
                "--target",
                "{dir}/rollback.yaml",
                "--cloud-run-timeout",
                "1s",
            ],
        )
        .file("rollback.yaml", SERVICE)
        .env("GOOGLE_OAUTH_ACCESS_TOKEN", CLOUD_RUN_TOKEN)
        .env("GANTRY_CLOUD_RUN_API_URL", api)
        .secret(CLOUD_RUN_TOKEN)
        .exit(code)
        .names(names)
        .timeout(Duration::from_secs(30))
    };
    let cases = vec![
        cloud_run("cloud-run-hang", "http://{hang}", 3, "{hang}"),
        cloud_run("cloud-run-endless", "http://{endless}", 3, "read limit"),
        cloud_run("cloud-run-garbage", "http://{garbage}", 3, "{garbage}"),
        cloud_run("cloud-run-refused", "http://{refused}", 3, "{refused}"),
        // 404: the service does not exist there; nothing written.
        cloud_run("cloud-run-missing-service", "http://{recorder}", 2, "HTTP 404"),
        c(
            "cloud-run-metadata-hangs",
            &["run", "--target", "{dir}/rollback.yaml"],
        )
        .file("rollback.yaml", SERVICE)
        .env_remove("GOOGLE_OAUTH_ACCESS_TOKEN")
        .env_remove("GOOGLE_APPLICATION_CREDENTIALS")
        .env("CLOUDSDK_CONFIG", "{dir}/no-gcloud")
        .env("GCE_METADATA_HOST", "{hang}")
        .env("GANTRY_CLOUD_RUN_API_URL", "http://{recorder}")
        .names("the metadata server at http://{hang}")
        .check(nothing_contacted)
        .timeout(Duration::from_secs(30)),
        c(
            "cloud-run-token-endpoint-refused",
            &["run", "--target", "{dir}/rollback.yaml", "--cloud-run-timeout", "1s"],
        )
        .file("rollback.yaml", SERVICE)
        .file(
            "adc.json",
            r#"{"type":"authorized_user","client_id":"corpus.apps.googleusercontent.com","client_secret":"corpus-client-s3cret","refresh_token":"1//corpus-refresh-t0ken","token_uri":"http://{refused}/token"}"#,
        )
        .env_remove("GOOGLE_OAUTH_ACCESS_TOKEN")
        .env("GOOGLE_APPLICATION_CREDENTIALS", "{dir}/adc.json")
        .env("GANTRY_CLOUD_RUN_API_URL", "http://{recorder}")
        .secret("corpus-client-s3cret")
        .secret("1//corpus-refresh-t0ken")
        .exit(3)
        .names("{refused}")
        .check(nothing_contacted)
        .timeout(Duration::from_secs(30)),
    ];
    assert!(run_table(cases) >= 7);
}

/// Objects that do not exist on the fake Kubernetes API: exit 2, the
/// object named, and not one write reached the fake.
#[test]
fn missing_objects_are_exit_2_and_nothing_is_written() {
    let kube = FakeKube::start().unwrap();
    kube.create(json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": "ghcr.io/acme/web:1.0"}]},
            },
        },
    }))
    .unwrap();
    assert!(kube.settle(Duration::from_secs(10)));
    kube.clear_requests();
    let kubeconfig = kube.kubeconfig().display().to_string();
    let f = |name: &str, args: &[&str], names: &str| {
        c(name, args)
            .env("KUBECONFIG", &kubeconfig)
            .secret(kube.token())
            .names(names)
    };
    let cases = vec![
        f(
            "fake-status-missing",
            &["status", "deployment/nope"],
            "deployment default/nope not found",
        ),
        f(
            "fake-status-missing-sts",
            &["status", "sts/nope"],
            "statefulset default/nope not found",
        ),
        f(
            "fake-status-missing-namespace",
            &["status", "web", "-n", "elsewhere"],
            "deployment elsewhere/web not found",
        ),
        f(
            "fake-set-image-missing",
            &["set-image", "deployment/nope", "app=nginx:1.27"],
            "deployment default/nope",
        ),
        f(
            "fake-set-image-unknown-container",
            &["set-image", "deployment/web", "sidecar=nginx:1.27"],
            "\"sidecar\"",
        ),
        f(
            "fake-undo-missing",
            &["undo", "deployment/nope"],
            "deployment default/nope",
        ),
        f(
            "fake-undo-nothing-to-undo",
            &["undo", "deployment/web"],
            "deployment default/web",
        ),
        f(
            "fake-undo-no-such-revision",
            &["undo", "deployment/web", "--to-revision", "99"],
            "99",
        ),
        f(
            "fake-undo-no-such-image",
            &["undo", "deployment/web", "--to-image", "9.9.9"],
            "9.9.9",
        ),
        f(
            "fake-run-scale-down-missing",
            &["run", "--target", "{dir}/rollback.yaml"],
            "deployment default/web-canary",
        )
        .file(
            "rollback.yaml",
            "scale-down: [deployment/web-canary]\nundo: [{workload: deployment/web}]\n",
        ),
        f(
            "fake-run-undo-missing",
            &["run", "--target", "{dir}/rollback.yaml"],
            "deployment default/nope",
        )
        .file("rollback.yaml", "undo: [{workload: deployment/nope}]\n"),
        f(
            "fake-run-route-missing",
            &["run", "--target", "{dir}/rollback.yaml"],
            "web",
        )
        .file("rollback.yaml", ROUTE),
        f(
            "fake-shift-route-missing",
            &["shift", "--target", "{dir}/rollback.yaml", "--weight", "10"],
            "web",
        )
        .file("rollback.yaml", ROUTE),
        f(
            "fake-shift-ingress-missing",
            &["shift", "--target", "{dir}/rollback.yaml", "--weight", "10"],
            "web-canary",
        )
        .file(
            "rollback.yaml",
            "traffic:\n  nginx: {ingress: web-canary}\n",
        ),
        f(
            "fake-shift-replicas-missing",
            &["shift", "--target", "{dir}/rollback.yaml", "--weight", "10"],
            "web-canary",
        )
        .file(
            "rollback.yaml",
            "traffic:\n  replicas: {stable: web, canary: web-canary}\n",
        ),
    ];
    assert!(run_table(cases) >= 15);
    let writes = kube.writes();
    assert!(writes.is_empty(), "writes reached the fake: {writes:?}");
    assert!(
        !kube.requests().is_empty(),
        "the cases did reach the fake (the test can fail)"
    );
}

/// Credentials on failing paths: an exec plugin's token, the GitOps
/// repository's password and a token given as its user name, the
/// kubeconfig's token and Basic password.
#[test]
fn credentials_never_reach_the_output() {
    let exec_kubeconfig = |server: &str, script: &str| {
        format!(
            "apiVersion: v1
kind: Config
clusters:
- {{name: c, cluster: {{server: 'http://{server}'}}}}
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: sh
      args: ['-c', '{script}']
      interactiveMode: Never
contexts:
- {{name: x, context: {{cluster: c, user: u}}}}
current-context: x
"
        )
    };
    const EXEC_TOKEN: &str = "corpus-exec-t0ken-5e1f";
    // The plugin prints this file: an ExecCredential with the token.
    let credential_file = format!(
        "{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{EXEC_TOKEN}\"}}}}\n"
    );
    let credential = "cat {dir}/credential.json";
    let gitops = |name: &str, repo: &str, secret: &str| {
        c(name, &["run", "--target", "{dir}/rollback.yaml"])
            .file(
                "rollback.yaml",
                format!("gitops: {{repo: '{repo}', image: ghcr.io/acme/web, branch: main}}\n"),
            )
            .env("GIT_TERMINAL_PROMPT", "0")
            .secret(secret)
            .exit(3)
            .names("gantry-gitops revert failed")
            .timeout(Duration::from_secs(40))
    };
    let cases = vec![
        c(
            "exec-token-refused",
            &[
                "status",
                "web",
                "--kubeconfig",
                "{dir}/kubeconfig",
                "--kube-timeout",
                "1s",
            ],
        )
        .file("kubeconfig", exec_kubeconfig("{refused}", credential))
        .file("credential.json", credential_file.clone())
        .secret(EXEC_TOKEN)
        .exit(3)
        .names("{refused}"),
        c(
            "exec-token-hang",
            &[
                "status",
                "web",
                "--kubeconfig",
                "{dir}/kubeconfig",
                "--kube-timeout",
                "1s",
            ],
        )
        .file("kubeconfig", exec_kubeconfig("{hang}", credential))
        .file("credential.json", credential_file.clone())
        .secret(EXEC_TOKEN)
        .exit(3)
        .names("{hang}")
        .timeout(Duration::from_secs(20)),
        c(
            "exec-fails-after-printing",
            &["status", "web", "--kubeconfig", "{dir}/kubeconfig"],
        )
        .file(
            "kubeconfig",
            exec_kubeconfig(
                "{recorder}",
                &format!("{credential}; echo {EXEC_TOKEN} >&2; exit 1"),
            ),
        )
        .file("credential.json", credential_file.clone())
        .secret(EXEC_TOKEN)
        .names("exec plugin failed")
        .check(nothing_contacted),
        c(
            "exec-prints-garbage",
            &["status", "web", "--kubeconfig", "{dir}/kubeconfig"],
        )
        .file(
            "kubeconfig",
            exec_kubeconfig("{recorder}", &format!("echo not-a-credential {EXEC_TOKEN}")),
        )
        .file("credential.json", credential_file.clone())
        .secret(EXEC_TOKEN)
        .names("ExecCredential")
        .check(nothing_contacted),
        c(
            "exec-hangs",
            &[
                "status",
                "web",
                "--kubeconfig",
                "{dir}/kubeconfig",
                "--kube-timeout",
                "1s",
            ],
        )
        .file("kubeconfig", exec_kubeconfig("{recorder}", "sleep 30"))
        .exit(3)
        .names("did not finish within 1 s")
        .check(nothing_contacted)
        .timeout(Duration::from_secs(10)),
        gitops(
            "gitops-password-in-url",
            "http://deploy:corpus-git-pa55@{refused}/deploy.git",
            "corpus-git-pa55",
        ),
        gitops(
            "gitops-token-as-user",
            "https://corpus-git-t0ken-as-user@{refused}/deploy.git",
            "corpus-git-t0ken-as-user",
        ),
    ];
    assert!(run_table(cases) >= 7);
}
