//! The shell runner against real processes: environment, exit statuses,
//! bounded output, and the whole process group killed at the timeout or
//! when the caller gives up.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(unix)]

use std::path::Path;
use std::time::{Duration, Instant};

use gantry_traffic::exec::{Exit, MAX_OUTPUT, Shell, run_shell};

/// Whether `pid` is gone (or a zombie nobody reaps yet: it no longer runs).
#[cfg(target_os = "linux")]
fn is_dead(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        // "pid (comm) S …": the state follows the last ')'.
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with(['Z', 'X'])),
    }
}

#[cfg(not(target_os = "linux"))]
fn is_dead(pid: u32) -> bool {
    !std::process::Command::new("kill")
        .args(["-0", &pid.to_string()])
        .status()
        .unwrap()
        .success()
}

/// Wait (up to 10 s) for `pid` to die; a signal takes a moment to land.
fn wait_dead(pid: u32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if is_dead(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

fn read_pids(path: &Path) -> Vec<u32> {
    std::fs::read_to_string(path)
        .unwrap()
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect()
}

fn kill(pid: u32) {
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status();
}

#[tokio::test]
async fn the_command_gets_its_environment_and_its_exit_status_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("env.txt");
    let script = format!(
        "echo \"w=$MY_WEIGHT home=${{HOME-unset}} stdin=$(cat)\" > '{}'; echo to-stderr >&2; echo last; exit 3",
        out.display()
    );
    let run = run_shell(
        &Shell::new(script, Duration::from_secs(20))
            .env("MY_WEIGHT", "25")
            .env_remove("HOME"),
    )
    .await;
    assert_eq!(run.exit, Exit::Code(3));
    assert!(!run.success());
    assert!(run.summary().starts_with("exit 3 in "), "{}", run.summary());
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "w=25 home=unset stdin=\n"
    );
    assert!(run.output.contains("to-stderr"), "{:?}", run.output);
    assert_eq!(run.last_line().as_deref(), Some("last"));

    let ok = run_shell(&Shell::new("true", Duration::from_secs(20))).await;
    assert!(ok.success() && ok.output.is_empty() && ok.cut == 0);
}

#[tokio::test]
async fn a_missing_command_is_sh_exit_127_and_a_missing_sh_does_not_start() {
    let run = run_shell(&Shell::new(
        "no-such-command-gantry-test",
        Duration::from_secs(20),
    ))
    .await;
    assert_eq!(run.exit, Exit::Code(127));
    assert!(
        run.last_line().unwrap().contains("not found"),
        "{:?}",
        run.output
    );

    // With no PATH that has `sh`, there is nothing to start.
    let run =
        run_shell(&Shell::new("true", Duration::from_secs(20)).env("PATH", "/nonexistent")).await;
    assert!(matches!(run.exit, Exit::NotStarted(_)), "{:?}", run.exit);
    assert!(
        run.summary().starts_with("cannot start sh: "),
        "{}",
        run.summary()
    );
}

#[tokio::test]
async fn a_signal_from_elsewhere_is_reported_as_such() {
    let run = run_shell(&Shell::new("kill -TERM $$", Duration::from_secs(20))).await;
    assert_eq!(run.exit, Exit::Signal(15));
    assert!(run.summary().starts_with("killed by signal 15 in "));
}

#[tokio::test]
async fn the_timeout_kills_the_whole_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    // The shell starts a sleeping child and a nested shell with a sleeping
    // grandchild, records their pids, and waits.
    let script = format!(
        "sleep 60 & echo $! >> '{p}'; sh -c 'sleep 61 & echo $! >> \"$0\"; wait' '{p}' & echo $! >> '{p}'; echo started; wait",
        p = pids.display()
    );
    let run = run_shell(&Shell::new(script, Duration::from_millis(1500))).await;
    assert_eq!(run.exit, Exit::TimedOut);
    assert_eq!(
        run.summary(),
        "timed out after 1.5 s (process group killed)"
    );
    assert_eq!(run.last_line().as_deref(), Some("started"));
    let pids = read_pids(&pids);
    assert_eq!(pids.len(), 3, "{pids:?}");
    for pid in pids {
        let dead = wait_dead(pid);
        if !dead {
            kill(pid);
        }
        assert!(dead, "process {pid} outlived the timeout");
    }
}

#[tokio::test]
async fn giving_up_on_the_future_kills_the_group_too() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let script = format!("sleep 60 & echo $! > '{}'; wait", pids.display());
    let shell = Shell::new(script, Duration::from_secs(60));
    // Boxed, so that dropping it drops the future itself.
    let mut run = Box::pin(run_shell(&shell));
    // Poll the run until the child is up, then drop it.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !pids.exists() || std::fs::read_to_string(&pids).unwrap().trim().is_empty() {
        assert!(Instant::now() < deadline, "the script never started");
        let _ = tokio::time::timeout(Duration::from_millis(20), &mut run).await;
    }
    drop(run);
    let pid = read_pids(&pids)[0];
    let dead = wait_dead(pid);
    if !dead {
        kill(pid);
    }
    assert!(dead, "process {pid} outlived the dropped future");
}

#[tokio::test]
async fn leftovers_of_a_finished_command_are_neither_killed_nor_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    // The background sleep keeps stdout open; the run must still end.
    let script = format!("sleep 60 & echo $! > '{}'; echo done", pids.display());
    let run = run_shell(&Shell::new(script, Duration::from_secs(30))).await;
    assert!(run.success(), "{}", run.summary());
    assert_eq!(run.last_line().as_deref(), Some("done"));
    let pid = read_pids(&pids)[0];
    let alive = !is_dead(pid);
    kill(pid);
    assert!(
        alive,
        "a background process of a successful command was killed"
    );
}

#[tokio::test]
async fn output_keeps_its_tail_within_bounds() {
    let run = run_shell(&Shell::new(
        "i=0; while [ $i -lt 3000 ]; do echo \"line $i of a rather long output, padded to make it longer\"; i=$((i+1)); done; echo END >&2",
        Duration::from_secs(60),
    ))
    .await;
    assert!(run.success(), "{}", run.summary());
    assert!(run.output.len() <= MAX_OUTPUT);
    assert!(run.cut > 0);
    let written: usize = (0..3000)
        .map(|i| format!("line {i} of a rather long output, padded to make it longer\n").len())
        .sum::<usize>()
        + "END\n".len();
    assert_eq!(run.output.len() as u64 + run.cut, written as u64);
    assert_eq!(run.last_line().as_deref(), Some("END"));
    assert!(run.output.contains("line 2999 of"));
    assert!(!run.output.contains("line 0 of"));
}
