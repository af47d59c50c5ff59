//! The canary spec as a user writes it: every documented example parses,
//! and every kind of mistake names the field it is in.

use std::path::Path;

use gantry_spec::canary::{CanarySpec, CheckSpec, HookPhase, NoData};
use gantry_spec::{SpecError, parse};

fn env(name: &str) -> Option<String> {
    (name == "PROM_TOKEN").then(|| "t0ken".to_owned())
}

fn spec(text: &str) -> Result<CanarySpec, SpecError> {
    parse(Path::new("analysis.yaml"), text, &env)
}

#[test]
fn a_full_spec_parses() {
    let spec = spec(
        r#"
canary: {name: web, namespace: prod, version: abc123, baseline-version: 9f8e7d}
prometheus: {url: "http://prometheus:9090", token: "${PROM_TOKEN}"}
interval: 10s
count: 30
failure-limit: 5
no-data: fail
steps: [10, 25, 50, 100]
traffic: {command: "./shift.sh $GANTRY_CANARY_WEIGHT"}
checks:
  - type: http
    url: https://web.example.com/version
    expect-json: {pointer: /version, equals: "{{version}}"}
  - type: prometheus
    query: sum(rate(http_requests_total{code=~"5.."}[1m]))
    max: 0.01
  - type: judge
    metrics:
      - {name: errors, query: 'rate(errors{version="{{version}}"}[30s])', floor: 0.01}
hooks:
  - {name: smoke, phase: pre-analysis, command: "curl -f ${URL}/smoke", timeout: 30s}
"#,
    )
    .unwrap();
    assert_eq!(spec.canary.version.as_deref(), Some("abc123"));
    assert_eq!(spec.prometheus.unwrap().token.as_deref(), Some("t0ken"));
    assert_eq!(spec.no_data, Some(NoData::Fail));
    assert_eq!(spec.steps, Some(vec![10, 25, 50, 100]));
    assert!(matches!(spec.checks[0], CheckSpec::Http(_)));
    assert!(matches!(spec.checks[2], CheckSpec::Judge(_)));
    // The shell expands a command's variables, not the spec loader.
    assert_eq!(
        spec.hooks[0].command.as_deref(),
        Some("curl -f ${URL}/smoke")
    );
    assert_eq!(spec.hooks[0].phase, HookPhase::PreAnalysis);
    assert_eq!(
        spec.traffic.unwrap().command.as_deref(),
        Some("./shift.sh $GANTRY_CANARY_WEIGHT")
    );
}

#[test]
fn mistakes_name_their_field() {
    let cases = [
        (
            "checks: [{type: grpc, url: x}]",
            "checks[0]",
            "unknown variant `grpc`",
        ),
        (
            "checks: [{type: prometheus, query: up, max: high}]",
            "checks[0].max",
            "invalid type",
        ),
        (
            "checks: [{type: http, url: x, timout: 5s}]",
            "checks[0]",
            "unknown field `timout`",
        ),
        ("checks: [{type: http}]", "checks[0]", "missing field `url`"),
        (
            "intervall: 10s",
            "analysis.yaml",
            "unknown field `intervall`",
        ),
        ("count: -3", "count", "invalid value"),
        ("no-data: ignore", "no-data", "unknown variant `ignore`"),
        ("steps: [10, 300]", "steps[1]", "invalid value"),
        (
            "hooks: [{name: a, phase: later}]",
            "hooks[0].phase",
            "unknown variant `later`",
        ),
        (
            "prometheus: {url: 'http://p', token: '${NOPE}'}",
            "prometheus.token",
            "NOPE is not set",
        ),
        ("checks: [{type: http, url: [a}", "not valid YAML", "line"),
        ("", "is empty", "analysis.yaml"),
        ("- just\n- a list", "analysis.yaml", "invalid type"),
    ];
    for (text, field, words) in cases {
        let error = spec(text).unwrap_err().to_string();
        assert!(
            error.contains(field) && error.contains(words),
            "{text:?}: wanted {field:?} and {words:?} in: {error}"
        );
    }
}

#[test]
fn the_rollback_schema_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/schemas/rollback-target.schema.json");
    let generated = gantry_spec::schema::<gantry_spec::rollback::RollbackSpec>();
    if std::env::var_os("GANTRY_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let published = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        published == generated,
        "{} is out of date: run GANTRY_UPDATE_SCHEMA=1 cargo test -p gantry-spec",
        path.display()
    );
}

#[test]
fn a_rollback_target_parses_and_mistakes_name_their_field() {
    use gantry_spec::rollback::RollbackSpec;
    let target: RollbackSpec = parse(
        Path::new("rollback.yaml"),
        "kubernetes: {namespace: prod}\ntraffic: {http-route: {name: web, stable: web-stable, canary: web-canary}}\nscale-down: [deployment/web-canary]\nundo: [{workload: deployment/web}]\ngitops: {repo: 'https://github.com/acme/deploy.git', image: ghcr.io/acme/web}\n",
        &env,
    )
    .unwrap();
    assert_eq!(target.kubernetes.namespace.as_deref(), Some("prod"));
    assert_eq!(
        target.traffic.unwrap().http_route.unwrap().canary,
        "web-canary"
    );
    assert_eq!(target.scale_down, ["deployment/web-canary"]);
    for (text, words) in [
        (
            "undo: [{workload: web, to-revison: 2}]",
            "undo[0].to-revison: unknown field `to-revison`",
        ),
        (
            "traffic: {gateway: {}}",
            "traffic.gateway: unknown field `gateway`",
        ),
        ("gitops: {repo: x}", "gitops: missing field `image`"),
    ] {
        let error = parse::<RollbackSpec>(Path::new("rollback.yaml"), text, &env)
            .unwrap_err()
            .to_string();
        assert!(error.contains(words), "{text}: {error}");
    }
}

/// The published schema is the one the types generate: run with
/// `GANTRY_UPDATE_SCHEMA=1` to rewrite it after changing the spec.
#[test]
fn the_published_schema_is_current() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/schemas/canary-spec.schema.json");
    let generated = gantry_spec::schema::<CanarySpec>();
    if std::env::var_os("GANTRY_UPDATE_SCHEMA").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
    }
    let published = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        published == generated,
        "{} is out of date: run GANTRY_UPDATE_SCHEMA=1 cargo test -p gantry-spec",
        path.display()
    );
    let schema: serde_json::Value = serde_json::from_str(&published).unwrap();
    let check_types = schema.to_string();
    for word in [
        "\"http\"",
        "\"prometheus\"",
        "\"judge\"",
        "failure-limit",
        "baseline-version",
    ] {
        assert!(check_types.contains(word), "{word} missing from the schema");
    }
}
