//! The command shifter against real processes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(unix)]

use std::time::Duration;

use gantry_traffic::{CommandShifter, ShiftError, TrafficShifter, Weight};

#[tokio::test]
async fn the_command_gets_both_weights_and_exit_0_is_a_shift() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("shift.sh");
    let out = dir.path().join("weights");
    std::fs::write(
        &script,
        format!(
            "echo \"$GANTRY_CANARY_WEIGHT/$GANTRY_STABLE_WEIGHT\" >> '{}'\necho route updated\n",
            out.display()
        ),
    )
    .unwrap();
    let shifter = CommandShifter::new(
        &format!("sh '{}'", script.display()),
        Duration::from_secs(20),
    )
    .unwrap();
    for percent in [10, 100, 0] {
        let shifted = shifter
            .set_canary_weight(Weight::new(percent).unwrap())
            .await
            .unwrap();
        assert!(shifted.changed);
        assert!(
            shifted.detail.starts_with(&format!(
                "command sh '{}': canary {percent}%, stable {}% (exit 0 in ",
                script.display(),
                100 - percent
            )),
            "{}",
            shifted.detail
        );
        assert!(
            shifted.detail.ends_with(": route updated)"),
            "{}",
            shifted.detail
        );
    }
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "10/90\n100/0\n0/100\n"
    );
}

#[tokio::test]
async fn a_non_zero_exit_fails_with_the_status_and_the_last_line() {
    let shifter = CommandShifter::new(
        "echo progress; echo 'error: route web not found' >&2; exit 4",
        Duration::from_secs(20),
    )
    .unwrap();
    let err = shifter.set_canary_weight(Weight::FULL).await.unwrap_err();
    assert!(!err.is_input_error());
    let ShiftError::Failed { target, message } = &err else {
        panic!("{err:?}");
    };
    assert!(target.starts_with("command echo progress;"), "{target}");
    assert!(message.starts_with("exit 4 in "), "{message}");
    assert!(
        message.ends_with(": error: route web not found"),
        "{message}"
    );
}

#[tokio::test]
async fn a_command_over_its_time_limit_fails() {
    let shifter = CommandShifter::new("echo waiting; sleep 60", Duration::from_secs(1)).unwrap();
    let err = shifter.set_canary_weight(Weight::ZERO).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "command echo waiting; sleep 60: timed out after 1 s (process group killed): waiting"
    );
}

#[test]
fn bad_settings_are_input_errors() {
    for (shell, timeout, want) in [
        (
            " ",
            Duration::from_secs(1),
            "traffic command: the command is empty",
        ),
        (
            "./shift.sh",
            Duration::ZERO,
            "command ./shift.sh: the timeout must be more than 0",
        ),
    ] {
        let err = CommandShifter::new(shell, timeout).unwrap_err();
        assert!(err.is_input_error());
        assert_eq!(err.to_string(), want);
    }
    let shifter = CommandShifter::new("./shift.sh\n--all", Duration::from_secs(3)).unwrap();
    assert_eq!(shifter.describe(), "command ./shift.sh …");
    assert_eq!(shifter.timeout(), Duration::from_secs(3));
}
