//! The bad-input corpus of `gantry-tag` (issue 12): references, rules,
//! flavors, labels, images, event payloads, flags, credentials, and
//! registries, Docker Engines and GitHub APIs that refuse, hang, flood or
//! answer garbage. Every case runs through the binary with the decoy
//! credentials in its environment; `run_table` checks the exit code, that
//! the message names the input, that nothing changed or was written, and
//! that no secret leaked.

use std::time::Duration;

use gantry_test_support::corpus::{Case, case, run_table};

const SHA: &str = "860c1904a1ce19322e91ac35af1ab07466440c37";
const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
/// A Docker config `auth` secret of the cases that carry one.
const CONFIG_PASSWORD: &str = "corpus-config-pass-7d1c";
const CONFIG_USER_PASSWORD: &str = "cfg-user:corpus-config-pass-7d1c";
const IDENTITY_TOKEN: &str = "corpus-identity-token-41f0";

fn tag(name: &str, args: &[&str]) -> Case {
    case(name, "gantry-tag", args.iter().copied())
}

/// `gantry-tag compute` in a fixed context (each default flag unless
/// `args` gives it), plus `args`.
fn compute(name: &str, args: &[&str]) -> Case {
    let sha = format!("--sha={SHA}");
    let defaults = [
        "--context=flags",
        "--event=push",
        "--git-ref=refs/tags/v1.2.3",
        "--images=ghcr.io/acme/api",
        sha.as_str(),
    ];
    let mut all = vec!["compute"];
    for default in defaults {
        let flag = default.split('=').next().unwrap_or(default);
        if !args.iter().any(|a| a.split('=').next() == Some(flag)) {
            all.push(default);
        }
    }
    all.extend_from_slice(args);
    tag(name, &all)
}

/// A Docker config whose `auth` for `registry` is a case secret.
fn with_config(c: Case, registry: &str) -> Case {
    let config = format!(
        r#"{{"auths":{{"{registry}":{{"auth":"{}"}},"other.example":{{"identitytoken":"{IDENTITY_TOKEN}"}}}}}}"#,
        gantry_test_support::ports::base64(CONFIG_USER_PASSWORD.as_bytes())
    );
    c.file("docker/config.json", config)
        .env("DOCKER_CONFIG", "{dir}/docker")
        .secret(CONFIG_PASSWORD)
        .secret(CONFIG_USER_PASSWORD)
        .secret(IDENTITY_TOKEN)
}

/// A `schedule` run under Actions (its payload has no repository, so the
/// GitHub API is asked) with the API at `api_url`.
fn schedule(name: &str, api_url: &str) -> Case {
    compute_github(name, "schedule", r#"{"schedule":"0 3 * * *"}"#)
        .env("GITHUB_API_URL", api_url)
        .env("GITHUB_REF", "refs/heads/main")
}

/// `gantry-tag compute --context github` for `event` with `payload`.
fn compute_github(name: &str, event: &str, payload: &str) -> Case {
    tag(
        name,
        &[
            "compute",
            "--context=github",
            "--images=ghcr.io/acme/api",
            "--tags=type=edge\ntype=sha",
            "--github-timeout=1s",
        ],
    )
    .file("event.json", payload)
    .env("GITHUB_EVENT_NAME", event)
    .env("GITHUB_EVENT_PATH", "{dir}/event.json")
    .env("GITHUB_REF", "refs/tags/v1.2.3")
    .env("GITHUB_SHA", SHA)
    .env("GITHUB_REPOSITORY", "acme/api")
}

/// Short deadlines, so a hang case takes seconds.
const FAST: &[&str] = &["--registry-timeout=1s", "--registry-attempts=2"];

fn resolve(name: &str, reference: &str) -> Case {
    let mut args = vec!["resolve", reference];
    args.extend_from_slice(FAST);
    tag(name, &args)
}

#[test]
fn references() {
    let too_long = format!("nginx:{}", "a".repeat(129));
    let cases = vec![
        tag("ref-bad-case-tag", &["inspect", "Bad:Ref"]).names("Bad:Ref"),
        tag("ref-dash-tag", &["inspect", "nginx:-x"]).names("nginx:-x"),
        tag("ref-newline", &["inspect", "nginx\n:1.27"])
            .names("`nginx\\n:1.27`: contains whitespace"),
        tag(
            "ref-newline-forging-a-command",
            &["inspect", "nginx\n::add-mask::x"],
        )
        .names("`nginx\\n::add-mask::x`")
        .check(|run| {
            if run
                .run
                .stderr
                .lines()
                .any(|l| l.starts_with("::add-mask::x"))
            {
                Err("a newline in the reference started a workflow command".to_owned())
            } else {
                Ok(())
            }
        }),
        tag("ref-uppercase-repo", &["inspect", "ghcr.io/Acme/App:1"]).names("Acme/App"),
        tag("ref-tag-too-long", &["inspect", &too_long]).names("128"),
        tag("ref-short-digest", &["inspect", "nginx@sha256:abc"]).names("sha256:abc"),
        tag(
            "ref-digest-63-hex",
            &[
                "inspect",
                &DIGEST[..DIGEST.len() - 1].replace("sha256", "nginx@sha256"),
            ],
        )
        .names("nginx@sha256:0123"),
        tag("ref-empty", &["inspect", ""]).names("empty"),
        tag("ref-double-slash", &["inspect", "ghcr.io//app"]).names("ghcr.io//app"),
        tag("ref-leading-dash", &["inspect", "--", "-nginx"]).names("-nginx"),
        tag("ref-two-tags", &["inspect", "nginx:1.0:2"]).names("nginx:1.0:2"),
        tag("ref-scheme", &["inspect", "https://ghcr.io/acme/app"])
            .names("https://ghcr.io/acme/app"),
        tag("ref-bad-port", &["inspect", "ghcr.io:port/app"]).names("port"),
        tag("ref-space", &["inspect", "acme/my app"]).names("acme/my app"),
        tag("ref-env", &["inspect"])
            .env("GANTRY_REF", "Acme:Bad")
            .names("Acme:Bad"),
        resolve("resolve-bad-ref", "Bad:Ref").names("Bad:Ref"),
        resolve("resolve-uppercase-before-any-call", "{recorder}/acme/API:1").names("acme/API"),
        tag(
            "push-bad-source",
            &[
                "push",
                "--source",
                "{recorder}/acme/api:-x",
                "--targets",
                "2",
            ],
        )
        .names("--source")
        .names("-x"),
        tag(
            "push-bad-bare-target",
            &[
                "push",
                "--source",
                "{recorder}/acme/api:1",
                "--targets",
                "bad tag!",
            ],
        )
        .names("bad tag!"),
        tag(
            "push-target-with-digest",
            &[
                "push",
                "--source",
                "{recorder}/acme/api:1",
                "--targets",
                &format!("{{recorder}}/acme/api@{DIGEST}"),
            ],
        )
        .names("not a digest"),
        tag(
            "push-second-target-bad",
            &[
                "push",
                "--source",
                "{recorder}/acme/api:1",
                "--targets",
                "ok\n-bad",
            ],
        )
        .names("-bad"),
        tag(
            "push-local-bad-name",
            &[
                "push",
                "--local",
                "Bad Image!",
                "--targets",
                "{recorder}/acme/api:1",
            ],
        )
        .names("--local")
        .names("Bad Image!"),
        tag(
            "push-local-short-id",
            &[
                "push",
                "--local",
                "sha256:abc",
                "--targets",
                "{recorder}/acme/api:1",
            ],
        )
        .names("sha256:abc"),
        tag(
            "push-local-bare-target",
            &["push", "--local", "acme/api:dev", "--targets", "1.0"],
        )
        .names("with --local, a target is a full reference"),
        tag(
            "push-neither-source-nor-local",
            &["push", "--targets", "1.0"],
        )
        .names("--source"),
    ];
    assert!(run_table(cases) >= 26);
}

#[test]
fn rules_flavors_labels_and_images() {
    let long = format!("--tags=type=raw,value={}", "a".repeat(130));
    let cases = vec![
        compute("rule-unknown-type", &["--tags=type=nope"]).names("type=nope"),
        compute("rule-semver-no-pattern", &["--tags=type=semver"]).names("missing `pattern`"),
        compute(
            "rule-unknown-placeholder",
            &["--tags=type=semver,pattern={{bogus}}"],
        )
        .names("{{bogus}}"),
        compute("rule-invalid-js-regex", &["--tags=type=match,pattern=v("]).names("v("),
        compute(
            "rule-rust-inline-flag",
            &["--tags=type=match,pattern=(?i)v1"],
        )
        .names("(?i)v1"),
        compute(
            "rule-unknown-regex-flag",
            &["--tags=type=match,pattern=/v(.*)/q"],
        )
        .names("unknown regex flag `q`"),
        compute(
            "rule-match-without-group",
            &["--tags=type=semver,pattern={{version}},match=v\\d"],
        )
        .names("needs a capture group"),
        compute("rule-ref-bad-event", &["--tags=type=ref,event=push"])
            .names("invalid event `push`"),
        compute("rule-sha-bad-format", &["--tags=type=sha,format=medium"]).names("medium"),
        compute(
            "rule-priority-not-int",
            &["--tags=type=raw,value=x,priority=high"],
        )
        .names("high"),
        compute(
            "rule-unknown-zone",
            &["--tags=type=raw,value={{date 'YYYY' tz='Mars/Base'}}"],
        )
        .names("Mars/Base"),
        compute(
            "rule-unclosed-placeholder",
            &["--tags=type=raw,value={{branch"],
        )
        .names("{{branch"),
        compute("rule-unterminated-quote", &["--tags=type=raw,\"value=a"]).names("unterminated"),
        compute(
            "rule-quote-cut-by-comma",
            &["--tags=type=raw,value=\"a,b\""],
        )
        .names("unbalanced `\"` in `value=\"a`"),
        compute(
            "rule-unexpanded-expression",
            &["--tags=type=raw,value=${{ github.ref }}"],
        )
        .names("github.ref"),
        compute(
            "rule-group-not-number",
            &["--tags=type=match,pattern=x,group=one"],
        )
        .names("one"),
        compute("rule-unknown-attribute", &["--tags=type=sha,patern=x"]).names("patern"),
        compute(
            "rule-enable-not-bool",
            &["--tags=type=raw,value=x,enable={{tag}}"],
        )
        .names("`enable` must render to `true` or `false`"),
        compute("rule-tag-too-long", &[&long]).names("shorten-long-tags"),
        compute("rule-tag-bad-start", &["--tags=type=raw,value=-wip"]).names("-wip"),
        compute(
            "rule-no-tags",
            &[
                "--git-ref=refs/heads/main",
                "--tags=type=semver,pattern={{version}}",
            ],
        )
        .exit(1)
        .names("no tags computed"),
        compute("flavor-bad-latest", &["--flavor=latest=maybe"]).names("latest=maybe"),
        compute("flavor-unknown-key", &["--flavor=foo=bar"]).names("foo=bar"),
        compute("flavor-no-equals", &["--flavor=prefix"]).names("prefix"),
        compute("flavor-bad-onlatest", &["--flavor=prefix=a,onlatest=yes"]).names("onlatest"),
        compute("labels-no-equals", &["--labels=noequals"]).names("invalid label `noequals`"),
        compute("annotations-empty-key", &["--annotations==value"])
            .names("invalid annotation `=value`"),
        compute("labels-unknown-placeholder", &["--labels=a={{nope}}"]).names("{{nope}}"),
        compute("images-space", &["--images=Foo Bar"]).names("Foo Bar"),
        compute("images-with-tag", &["--images=org/app:1.0"]).names("org/app:1.0"),
        compute("images-bad-enable", &["--images=name=org/app,enable=maybe"]).names("maybe"),
        compute(
            "images-several-per-line",
            &["--images=a/one,b/two\nc/three"],
        )
        .names("several names on one line"),
        compute(
            "images-unknown-attribute",
            &["--images=name=org/app,color=red"],
        )
        .names("color"),
        compute("short-sha-length-too-short", &["--short-sha-length=2"])
            .names("--short-sha-length"),
        compute("now-not-a-time", &["--now=yesterday"]).names("--now `yesterday`"),
        compute("sha-not-hex", &["--sha=not-hex"]).names("--sha `not-hex`"),
        tag(
            "context-flags-without-event",
            &["compute", "--context=flags"],
        )
        .names("--event"),
        compute("context-unknown", &["--context=bogus"]).names("bogus"),
        compute("github-timeout-zero", &["--github-timeout=0s"]).names("--github-timeout"),
        compute("github-timeout-word", &["--github-timeout=forever"]).names("forever"),
    ];
    assert!(run_table(cases) >= 39);
}

#[test]
fn event_payloads_and_the_github_api() {
    let cases = vec![
        compute_github("payload-not-json", "push", "{not json").names("event.json"),
        tag("payload-missing-file", &["compute", "--context=github"])
            .env("GITHUB_EVENT_NAME", "push")
            .env("GITHUB_EVENT_PATH", "{dir}/missing.json")
            .names("missing.json"),
        compute_github("payload-sha-not-hex", "push", "{}")
            .env("GITHUB_SHA", "zzz")
            .names("GITHUB_SHA"),
        compute_github(
            "payload-pr-target-without-number",
            "pull_request_target",
            "{}",
        )
        .names("pull request `number`"),
        compute_github(
            "payload-bad-commit-timestamp",
            "push",
            &format!(r#"{{"head_commit":{{"id":"{SHA}","timestamp":"yesterday"}}}}"#),
        )
        .names("yesterday"),
        compute_github("short-sha-env-not-number", "push", "{}")
            .env("DOCKER_METADATA_SHORT_SHA_LENGTH", "seven")
            .names("DOCKER_METADATA_SHORT_SHA_LENGTH"),
        schedule("github-api-url-not-a-url", "not a url").names("GITHUB_API_URL"),
        schedule("github-api-url-ftp", "ftp://{recorder}").names("not an http(s) URL"),
        schedule("github-repository-bad", "http://{recorder}")
            .env("GITHUB_REPOSITORY", "not a repo")
            .names("GITHUB_REPOSITORY"),
        schedule("github-api-hangs", "http://{hang}")
            .exit(3)
            .names("GitHub API at http://{hang}")
            .timeout(Duration::from_secs(20)),
        schedule("github-api-refused", "http://{refused}")
            .exit(3)
            .names("GitHub API at http://{refused}"),
        schedule("github-api-garbage", "http://{garbage}")
            .exit(3)
            .names("GitHub API at http://{garbage}"),
        schedule("github-api-endless", "http://{endless}")
            .exit(3)
            .names("read limit"),
        schedule("github-api-not-found", "http://{recorder}").names("HTTP 404"),
        schedule(
            "github-api-token-in-url",
            "http://x-access-token:ghs_urlTokenSecret99@{refused}",
        )
        .exit(3)
        .secret("ghs_urlTokenSecret99")
        .names("{refused}"),
    ];
    assert!(run_table(cases) >= 15);
}

#[test]
fn registry_flags_and_credentials() {
    let cases = vec![
        resolve("insecure-with-scheme", "{recorder}/acme/api:1")
            .env("GANTRY_INSECURE_REGISTRIES", "http://reg.internal:5000")
            .names("http://reg.internal:5000"),
        resolve("insecure-with-path", "{recorder}/acme/api:1")
            .env("GANTRY_INSECURE_REGISTRIES", "reg.internal/v2")
            .names("reg.internal/v2"),
        resolve("insecure-bad-port", "{recorder}/acme/api:1")
            .env(
                "GANTRY_INSECURE_REGISTRIES",
                "ok.internal,reg.internal:port",
            )
            .names("reg.internal:port"),
        resolve("insecure-broken-ipv6", "{recorder}/acme/api:1")
            .env("GANTRY_INSECURE_REGISTRIES", "[::1")
            .names("[::1"),
        tag(
            "insecure-on-push",
            &[
                "push",
                "--source",
                "{recorder}/acme/api:1",
                "--targets",
                "2",
            ],
        )
        .env("GANTRY_INSECURE_REGISTRIES", "bad host!")
        .names("bad host!"),
        tag(
            "insecure-on-push-local",
            &[
                "push",
                "--local",
                "acme/api:dev",
                "--targets",
                "{recorder}/acme/api:1",
            ],
        )
        .env("GANTRY_INSECURE_REGISTRIES", "reg.internal:5000,ftp://x")
        .env("DOCKER_HOST", "unix://{hang-socket}")
        .names("ftp://x"),
        compute("insecure-on-compute", &["--insecure-registries=a b"]).names("`a b`"),
        tag(
            "registry-timeout-zero",
            &["resolve", "{recorder}/acme/api:1", "--registry-timeout=0s"],
        )
        .names("--registry-timeout"),
        tag(
            "registry-timeout-word",
            &[
                "resolve",
                "{recorder}/acme/api:1",
                "--registry-timeout=soon",
            ],
        )
        .names("soon"),
        tag(
            "registry-attempts-zero",
            &["resolve", "{recorder}/acme/api:1", "--registry-attempts=0"],
        )
        .names("--registry-attempts"),
        resolve("username-without-password", "{recorder}/acme/api:1")
            .env_remove("GANTRY_REGISTRY_PASSWORD")
            .env("GANTRY_REGISTRY_USERNAME", "someone")
            .names("--username needs --password"),
        resolve("docker-config-malformed", "{recorder}/acme/api:1")
            .file(
                "docker/config.json",
                format!(r#"{{"auths":{{"r":{{"auth":["{CONFIG_PASSWORD}"]}}}}}}"#),
            )
            .env("DOCKER_CONFIG", "{dir}/docker")
            .secret(CONFIG_PASSWORD)
            .names("config.json"),
        resolve("docker-config-auth-not-base64", "{recorder}/acme/api:1")
            .file(
                "docker/config.json",
                format!(r#"{{"auths":{{"r.example":{{"auth":"!{CONFIG_PASSWORD}!"}}}}}}"#),
            )
            .env("DOCKER_CONFIG", "{dir}/docker")
            .secret(CONFIG_PASSWORD)
            .names("auths.r.example.auth"),
        tag(
            "docker-config-helper-missing",
            &[
                "push",
                "--local",
                "acme/api:dev",
                "--targets",
                "helped.example/acme/api:1",
            ],
        )
        .env("DOCKER_CONFIG", "{dir}/docker")
        .file(
            "docker/config.json",
            r#"{"credHelpers":{"helped.example":"gantry-corpus-nonexistent"}}"#,
        )
        .env("DOCKER_HOST", "unix://{hang-socket}")
        .names("docker-credential-gantry-corpus-nonexistent"),
    ];
    assert!(run_table(cases) >= 14);
}

#[test]
fn registries_that_refuse_hang_flood_or_lie() {
    let cases = vec![
        with_config(resolve("resolve-hangs", "{hang}/acme/api:1"), "{hang}")
            .exit(3)
            .names("{hang}")
            .names("timed out"),
        with_config(
            resolve("resolve-refused", "{refused}/acme/api:1"),
            "{refused}",
        )
        .exit(3)
        .names("{refused}"),
        with_config(
            resolve("resolve-garbage", "{garbage}/acme/api:1"),
            "{garbage}",
        )
        .exit(3)
        .names("{garbage}"),
        with_config(
            resolve("resolve-endless-json", "{endless}/acme/api:1"),
            "{endless}",
        )
        .exit(3)
        .names("{endless}")
        .names("read limit"),
        with_config(
            resolve("resolve-endless-manifest", "{endless-manifest}/acme/api:1"),
            "{endless-manifest}",
        )
        .exit(3)
        .names("{endless-manifest}")
        .names("exceeds 4 MiB (read limit)"),
        with_config(
            resolve("resolve-not-a-manifest", "{not-a-manifest}/acme/api:1"),
            "{not-a-manifest}",
        )
        .exit(3)
        .names("{not-a-manifest}/acme/api")
        .names("not an image manifest or index"),
        resolve(
            "resolve-not-a-manifest-by-digest",
            &format!("{{not-a-manifest}}/acme/api@{DIGEST}"),
        )
        .exit(3)
        .names("{not-a-manifest}"),
        with_config(
            resolve("resolve-not-found", "{recorder}/acme/api:1"),
            "{recorder}",
        )
        .names("not found")
        .names("{recorder}"),
        with_config(
            tag(
                "push-source-hangs",
                &[
                    "push",
                    "--source",
                    "{hang}/acme/api:1",
                    "--targets",
                    "2",
                    "--registry-timeout=1s",
                ],
            ),
            "{hang}",
        )
        .exit(3)
        .names("{hang}"),
        with_config(
            tag(
                "push-source-endless",
                &[
                    "push",
                    "--source",
                    "{endless-manifest}/acme/api:1",
                    "--targets",
                    "2",
                ],
            ),
            "{endless-manifest}",
        )
        .exit(3)
        .names("read limit"),
        tag(
            "push-source-not-a-manifest",
            &[
                "push",
                "--source",
                "{not-a-manifest}/acme/api:1",
                "--targets",
                "2",
            ],
        )
        .exit(3)
        .names("not an image manifest"),
        tag(
            "push-source-missing",
            &[
                "push",
                "--source",
                "{recorder}/acme/api:1",
                "--targets",
                "2",
            ],
        )
        .names("not found"),
        tag(
            "push-computed-to-recorder",
            &[
                "push",
                "--source",
                "{recorder}/acme/api:1",
                "--context=flags",
                "--event=push",
                "--git-ref=refs/tags/v1.2.3",
                "--sha",
                SHA,
                "--images={recorder}/acme/api",
                "--tags=type=semver,pattern={{version}}",
            ],
        )
        .names("not found"),
        compute(
            "latest-from-registry-hangs",
            &[
                "--images={hang}/acme/api",
                "--tags=type=semver,pattern={{version}}",
                "--latest-from-registry",
                "--registry-timeout=1s",
            ],
        )
        .exit(3)
        .names("{hang}"),
        compute(
            "latest-from-registry-endless",
            &[
                "--images={endless}/acme/api",
                "--tags=type=semver,pattern={{version}}",
                "--latest-from-registry",
            ],
        )
        .exit(3)
        .names("read limit"),
        compute(
            "latest-from-registry-garbage",
            &[
                "--images={garbage}/acme/api",
                "--tags=type=semver,pattern={{version}}",
                "--latest-from-registry",
                "--registry-attempts=1",
            ],
        )
        .exit(3)
        .names("{garbage}"),
    ];
    assert!(run_table(cases) >= 16);
}

#[test]
fn docker_engines_that_hang_or_are_not_there() {
    let push_local = |name: &str| {
        tag(
            name,
            &[
                "push",
                "--local",
                "acme/api:dev",
                "--targets",
                "{recorder}/acme/api:1",
                "--docker-timeout=1s",
            ],
        )
    };
    let cases = vec![
        with_config(push_local("docker-socket-hangs"), "{recorder}")
            .env("DOCKER_HOST", "unix://{hang-socket}")
            .exit(3)
            .names("Docker Engine at `unix://{hang-socket}`")
            .names("no answer within 1s"),
        push_local("docker-tcp-hangs")
            .env("DOCKER_HOST", "tcp://{hang}")
            .exit(3)
            .names("Docker Engine at `tcp://{hang}`"),
        push_local("docker-tcp-refused")
            .env("DOCKER_HOST", "tcp://{refused}")
            .exit(3)
            .names("tcp://{refused}"),
        push_local("docker-tcp-garbage")
            .env("DOCKER_HOST", "tcp://{garbage}")
            .exit(3)
            .names("tcp://{garbage}"),
        push_local("docker-socket-missing")
            .env("DOCKER_HOST", "unix://{dir}/no-docker.sock")
            .exit(3)
            .names("no-docker.sock"),
        push_local("docker-host-ssh")
            .env("DOCKER_HOST", "ssh://me@docker")
            .names("ssh://me@docker"),
        push_local("docker-host-empty-socket")
            .env("DOCKER_HOST", "unix://")
            .names("unix://"),
        push_local("docker-host-bad-port")
            .env("DOCKER_HOST", "tcp://docker:port")
            .names("tcp://docker:port"),
        tag(
            "docker-timeout-zero",
            &[
                "push",
                "--local",
                "acme/api:dev",
                "--targets",
                "{recorder}/acme/api:1",
                "--docker-timeout=0s",
            ],
        )
        .names("--docker-timeout"),
    ];
    assert!(run_table(cases) >= 9);
}
