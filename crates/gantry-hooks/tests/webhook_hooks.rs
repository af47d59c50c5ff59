//! Webhook hooks, the abort webhook and the confirm gate against a real
//! HTTP server on 127.0.0.1 (2xx, 4xx, 5xx, a hang, nothing listening).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::time::Duration;

use gantry_analysis::Verdict;
use gantry_hooks::{
    AbortPoll, AbortWebhook, Action, ConfirmWebhook, Confirmation, Hook, HookContext, Phase,
    run_hook,
};
use gantry_test_support::fault_server::{Fault, FaultProxy};
use gantry_test_support::ports::free_port;
use gantry_traffic::Weight;
use serde_json::json;

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

fn secret_headers() -> BTreeMap<String, String> {
    BTreeMap::from([("Authorization".to_owned(), "Bearer s3cr3t".to_owned())])
}

fn webhook(phase: Phase, url: &str, timeout: Duration) -> Hook {
    Hook {
        name: "notify".into(),
        phase,
        action: Action::Webhook {
            url: url.into(),
            headers: secret_headers(),
            metadata: BTreeMap::from([("channel".to_owned(), "#deploys".to_owned())]),
        },
        timeout,
    }
}

fn ctx() -> HookContext {
    HookContext {
        name: "web".into(),
        namespace: "prod".into(),
        version: "abc123".into(),
        checksum: Some("sha256:0f".into()),
        weight: Weight::new(50),
        step: Some(3),
        decision: None,
        reason: None,
    }
}

fn body(seen: &gantry_test_support::fault_server::Seen) -> serde_json::Value {
    serde_json::from_slice(&seen.body).unwrap()
}

#[tokio::test]
async fn a_webhook_hook_posts_flaggers_payload_and_2xx_is_a_success() {
    let server = FaultProxy::start(None).unwrap();
    server.inject("POST", "/hook", 1, Fault::status(202).body("queued"));
    let url = format!("{}/hook", server.url());
    let rollback = HookContext {
        decision: Some(Verdict::Rollback),
        reason: Some("rollback: 3 failed interval(s)".into()),
        weight: Some(Weight::ZERO),
        ..ctx()
    };
    let outcome = run_hook(
        &client(),
        &webhook(Phase::Rollback, &url, Duration::from_secs(10)),
        &rollback,
    )
    .await;
    assert!(outcome.success, "{}", outcome.detail);
    assert!(
        outcome.detail.starts_with("HTTP 202 in "),
        "{}",
        outcome.detail
    );
    assert_eq!(outcome.output, "queued");
    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].authorization.as_deref(), Some("Bearer s3cr3t"));
    assert_eq!(
        body(&seen[0]),
        json!({
            "name": "web", "namespace": "prod", "phase": "Failed",
            "checksum": "sha256:0f", "metadata": {"channel": "#deploys"},
            "hook": "notify", "gantryPhase": "rollback", "version": "abc123",
            "weight": 0, "step": 3, "decision": "rollback",
            "reason": "rollback: 3 failed interval(s)",
        })
    );
}

#[tokio::test]
async fn error_statuses_hangs_and_refusals_are_failures() {
    let server = FaultProxy::start(None).unwrap();
    server.inject(
        "POST",
        "/hook",
        1,
        Fault::status(503).body("load tester busy\n"),
    );
    server.inject("POST", "/hook", 1, Fault::Hang);
    let url = format!("{}/hook", server.url());
    let hook = webhook(Phase::Step, &url, Duration::from_millis(400));

    let outcome = run_hook(&client(), &hook, &ctx()).await;
    assert!(!outcome.success);
    assert!(
        outcome.detail.starts_with("HTTP 503 in "),
        "{}",
        outcome.detail
    );
    assert!(
        outcome.detail.ends_with(": load tester busy"),
        "{}",
        outcome.detail
    );

    let outcome = run_hook(&client(), &hook, &ctx()).await;
    assert_eq!(
        (outcome.success, outcome.detail.as_str()),
        (false, "timed out after 400 ms")
    );

    // The fake answers 404 once its rules are used up.
    let outcome = run_hook(&client(), &hook, &ctx()).await;
    assert!(!outcome.success);
    assert!(
        outcome.detail.starts_with("HTTP 404 in "),
        "{}",
        outcome.detail
    );

    let nobody = format!("http://127.0.0.1:{}/hook", free_port().unwrap());
    let outcome = run_hook(
        &client(),
        &webhook(Phase::Step, &nobody, Duration::from_secs(5)),
        &ctx(),
    )
    .await;
    assert!(!outcome.success);
    assert!(
        outcome.detail.starts_with("connection refused after "),
        "{}",
        outcome.detail
    );

    let outcome = run_hook(
        &client(),
        &webhook(Phase::Step, "gopher://example.com/", Duration::from_secs(5)),
        &ctx(),
    )
    .await;
    assert!(!outcome.success);
    assert!(
        outcome
            .detail
            .starts_with("hook \"notify\": invalid URL gopher://example.com/"),
        "{}",
        outcome.detail
    );
}

fn abort(url: &str) -> AbortWebhook {
    AbortWebhook {
        url: url.into(),
        headers: secret_headers(),
        timeout: Duration::from_millis(400),
    }
}

#[tokio::test]
async fn the_abort_webhook_aborts_on_2xx_continues_on_4xx_and_errs_otherwise() {
    let server = FaultProxy::start(None).unwrap();
    let url = format!("{}/abort", server.url());
    server.inject("POST", "/abort", 1, Fault::status(404));
    server.inject("POST", "/abort", 1, Fault::status(403));
    server.inject("POST", "/abort", 1, Fault::status(500).body("db down"));
    server.inject("POST", "/abort", 1, Fault::Hang);
    server.inject(
        "POST",
        "/abort",
        1,
        Fault::status(200).body("error budget burnt\n"),
    );
    server.inject("POST", "/abort", 1, Fault::status(200));
    let webhook = abort(&url);
    let mut polls = Vec::new();
    for _ in 0..6 {
        polls.push(webhook.poll(&client(), &ctx()).await);
    }
    assert_eq!(polls[0], AbortPoll::Continue);
    assert_eq!(polls[1], AbortPoll::Continue);
    match &polls[2] {
        AbortPoll::Error(detail) => {
            assert!(
                detail.starts_with("abort webhook: HTTP 500 in "),
                "{detail}"
            );
            assert!(detail.ends_with(": db down"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        polls[3],
        AbortPoll::Error("abort webhook: timed out after 400 ms".into())
    );
    assert_eq!(
        polls[4],
        AbortPoll::Abort("abort webhook answered 200: error budget burnt".into())
    );
    assert_eq!(
        polls[5],
        AbortPoll::Abort("abort webhook answered 200".into())
    );

    let seen = server.requests();
    assert_eq!(seen.len(), 6);
    let payload = body(&seen[0]);
    assert_eq!(payload["gantryPhase"], "abort");
    assert_eq!(payload["phase"], "Progressing");
    assert_eq!(payload["name"], "web");
    assert!(
        seen.iter()
            .all(|r| r.authorization.as_deref() == Some("Bearer s3cr3t"))
    );

    let nobody = format!("http://127.0.0.1:{}/abort", free_port().unwrap());
    match abort(&nobody).poll(&client(), &ctx()).await {
        AbortPoll::Error(detail) => {
            assert!(
                detail.starts_with("abort webhook: connection refused"),
                "{detail}"
            );
            assert!(!detail.contains("s3cr3t"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_confirm_gate_waits_for_a_2xx() {
    let server = FaultProxy::start(None).unwrap();
    server.inject("POST", "/confirm", 2, Fault::status(403));
    server.inject("POST", "/confirm", 1, Fault::status(200));
    let gate = ConfirmWebhook {
        url: format!("{}/confirm", server.url()),
        headers: BTreeMap::new(),
        timeout: Duration::from_secs(5),
    };
    let confirmation = gate
        .wait(
            &client(),
            &ctx(),
            Duration::from_millis(10),
            Duration::from_secs(60),
        )
        .await;
    assert!(
        matches!(confirmation, Confirmation::Confirmed { polls: 3, .. }),
        "{confirmation:?}"
    );
    assert_eq!(body(&server.requests()[0])["gantryPhase"], "confirm");

    // Never confirmed (404 from here on): the wait runs out.
    let confirmation = gate
        .wait(
            &client(),
            &ctx(),
            Duration::from_millis(10),
            Duration::from_millis(100),
        )
        .await;
    match confirmation {
        Confirmation::NotConfirmed { polls, last } => {
            assert!(polls >= 1);
            assert!(last.starts_with("HTTP 404 in "), "{last}");
        }
        other => panic!("{other:?}"),
    }
}
