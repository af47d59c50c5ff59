//! Canary steps through the TrafficShifter against the fake Admin API.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use gantry_cloudrun::CloudRunShifter;
use gantry_test_support::cloud_run::FakeTraffic;
use gantry_traffic::{TrafficShifter, Weight};

const STABLE: &str = "web-00001-aaa";
const CANARY: &str = "web-00002-bbb";

#[tokio::test]
async fn steps_ten_fifty_hundred_then_back_to_zero() {
    let fake = fake_with(&[(STABLE, true), (CANARY, true)]);
    // Before the canary starts, stable has everything.
    fake.set_traffic(SERVICE, &[FakeTraffic::to(STABLE, 100)]);
    let shifter = CloudRunShifter::new(client(&fake), CANARY, STABLE).unwrap();
    assert_eq!(shifter.describe(), format!("Cloud Run service {SERVICE}"));

    type Step = (u8, Vec<(&'static str, u8)>, &'static str);
    let steps: [Step; 4] = [
        (10, vec![(STABLE, 90), (CANARY, 10)], "web-00001-aaa 100"),
        (
            50,
            vec![(STABLE, 50), (CANARY, 50)],
            "web-00002-bbb 10, web-00001-aaa 90",
        ),
        (
            100,
            vec![(CANARY, 100)],
            "web-00002-bbb 50, web-00001-aaa 50",
        ),
        (0, vec![(STABLE, 100)], "web-00002-bbb 100"),
    ];
    for (percent, want, was) in steps {
        let weight = Weight::new(percent).unwrap();
        let shifted = shifter.set_canary_weight(weight).await.unwrap();
        assert!(shifted.changed, "{percent}");
        assert_eq!(
            shifted.detail,
            format!(
                "Cloud Run service {SERVICE}: {CANARY} {}, {STABLE} {} (was {was})",
                weight.canary(),
                weight.stable()
            )
        );
        assert_eq!(fake.serving(SERVICE), serving(&want), "{percent}");
    }
    assert_eq!(patches(&fake), 4);

    // Idempotent: the weight it already has changes nothing.
    let again = shifter.set_canary_weight(Weight::ZERO).await.unwrap();
    assert!(!again.changed);
    assert_eq!(
        again.detail,
        format!("Cloud Run service {SERVICE}: already {CANARY} 0, {STABLE} 100")
    );
    assert_eq!(patches(&fake), 4);
}

#[tokio::test]
async fn a_canary_that_is_not_ready_is_refused_as_input() {
    let fake = fake_with(&[(STABLE, true), (CANARY, false)]);
    let shifter = CloudRunShifter::new(client(&fake), CANARY, STABLE).unwrap();
    let err = shifter
        .set_canary_weight(Weight::new(10).unwrap())
        .await
        .unwrap_err();
    assert!(err.is_input_error(), "{err}");
    assert!(
        err.to_string().starts_with(&format!("Cloud Run service {SERVICE}: cannot split the traffic of {SERVICE}: revision {CANARY} is not Ready")),
        "{err}"
    );
    assert_eq!(patches(&fake), 0);

    // Stable alone at 100% does not need the canary to be ready.
    let shifted = shifter.set_canary_weight(Weight::ZERO).await.unwrap();
    assert!(shifted.changed);
    assert_eq!(fake.traffic(SERVICE), vec![FakeTraffic::to(STABLE, 100)]);
}

#[tokio::test]
async fn outside_failures_are_failed_not_invalid() {
    let fake = fake_with(&[(STABLE, true), (CANARY, true)]);
    fake.fail_operations(1, "Revision failed to receive traffic.");
    let shifter = CloudRunShifter::new(client(&fake), CANARY, STABLE).unwrap();
    let err = shifter
        .set_canary_weight(Weight::new(25).unwrap())
        .await
        .unwrap_err();
    assert!(!err.is_input_error(), "{err}");
    assert!(
        err.to_string().contains("the traffic change failed"),
        "{err}"
    );
}

#[test]
fn the_same_revision_twice_is_refused() {
    let fake = fake_with(&[]);
    let err = CloudRunShifter::new(
        client(&fake),
        CANARY,
        &format!("{SERVICE}/revisions/{CANARY}"),
    )
    .unwrap_err();
    assert!(err.is_input_error());
    assert!(err.to_string().contains("both web-00002-bbb"), "{err}");
    assert!(CloudRunShifter::new(client(&fake), "Bad!", STABLE).is_err());
}
