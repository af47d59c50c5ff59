//! One git process with a deadline: started in a process group of its own
//! (git runs helpers: `git-remote-http`, `ssh`, `upload-pack`), its output
//! read on threads within caps, and the whole group killed when the
//! deadline passes, so a remote that accepts and never answers cannot hold
//! the run.

use std::io::{Read, Write};
use std::os::unix::process::CommandExt as _;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// The most of git's stdout kept: `git log` of 500 commits and `ls-remote`
/// of a large repository fit many times over; a remote that floods does not.
pub(crate) const MAX_STDOUT: usize = 16 * 1024 * 1024;
/// The most of git's stderr kept: its messages are lines, and a remote's
/// `remote: …` lines beyond this are noise (or a flood).
pub(crate) const MAX_STDERR: usize = 64 * 1024;
/// How long to wait for the pipes to close after git exited or was killed:
/// a helper that left the group (an ssh control master) may hold them open.
const PIPE_GRACE: Duration = Duration::from_millis(500);

/// How one run ended.
#[derive(Debug)]
pub(crate) enum Ended {
    /// git exited: its status, stdout, stderr, and whether stdout was cut at
    /// [`MAX_STDOUT`].
    Exited {
        status: ExitStatus,
        stdout: Vec<u8>,
        stderr: Vec<u8>,
        stdout_cut: bool,
    },
    /// The deadline passed: the group was killed. What git had said so far.
    TimedOut { stderr: Vec<u8> },
}

/// Run `cmd` (stdin `input`, or none), killing its process group at
/// `timeout`.
pub(crate) fn run(
    mut cmd: Command,
    input: Option<&str>,
    timeout: Duration,
) -> std::io::Result<Ended> {
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .process_group(0);
    let started = Instant::now();
    let mut child = cmd.spawn()?;
    let group = Group::of(&child);
    let stdout = child.stdout.take().map(|p| reader(p, MAX_STDOUT));
    let stderr = child.stderr.take().map(|p| reader(p, MAX_STDERR));
    if let (Some(mut stdin), Some(text)) = (child.stdin.take(), input) {
        let text = text.to_owned();
        // A thread, so that git not reading its input cannot stall us
        // past the deadline.
        thread::spawn(move || {
            let _ = stdin.write_all(text.as_bytes());
        });
    }
    let status = wait_until(&mut child, &group, started + timeout)?;
    let collect = |r: Option<mpsc::Receiver<(Vec<u8>, bool)>>| {
        r.and_then(|r| r.recv_timeout(PIPE_GRACE).ok())
            .unwrap_or_default()
    };
    let (stdout, stdout_cut) = collect(stdout);
    let (stderr, _) = collect(stderr);
    Ok(match status {
        Some(status) => Ended::Exited {
            status,
            stdout,
            stderr,
            stdout_cut,
        },
        None => Ended::TimedOut { stderr },
    })
}

/// Wait for `child` until `deadline`; past it, kill its group and return
/// `None`.
fn wait_until(
    child: &mut Child,
    group: &Group,
    deadline: Instant,
) -> std::io::Result<Option<ExitStatus>> {
    // Short polls first: most git commands end in milliseconds.
    let mut poll = Duration::from_millis(1);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        let now = Instant::now();
        if now >= deadline {
            // Kill before reaping, while the pid still names the group.
            group.kill();
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        thread::sleep(poll.min(deadline - now));
        poll = (poll * 2).min(Duration::from_millis(25));
    }
}

/// Read `pipe` to its end on a thread, keeping at most `cap` bytes (the
/// rest is read and dropped, so git never blocks on a full pipe). Sends
/// (bytes, whether any were dropped).
fn reader<R: Read + Send + 'static>(mut pipe: R, cap: usize) -> mpsc::Receiver<(Vec<u8>, bool)> {
    let (send, receive) = mpsc::channel();
    thread::spawn(move || {
        let mut kept = Vec::new();
        let mut cut = false;
        let mut buf = [0u8; 8192];
        loop {
            match pipe.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = cap.saturating_sub(kept.len());
                    kept.extend_from_slice(buf.get(..n.min(room)).unwrap_or_default());
                    cut |= n > room;
                }
            }
        }
        let _ = send.send((kept, cut));
    });
    receive
}

/// The process group a child leads.
struct Group(Option<rustix::process::Pid>);

impl Group {
    fn of(child: &Child) -> Group {
        Group(
            i32::try_from(child.id())
                .ok()
                .and_then(rustix::process::Pid::from_raw),
        )
    }

    fn kill(&self) {
        if let Some(pid) = self.0 {
            // ESRCH (the group is already gone) is fine.
            let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    fn sh(script: &str) -> Command {
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(script);
        cmd
    }

    #[test]
    fn output_input_and_status() {
        let Ended::Exited {
            status,
            stdout,
            stderr,
            stdout_cut,
        } = run(
            sh("cat; echo err >&2; exit 3"),
            Some("in\n"),
            Duration::from_secs(10),
        )
        .unwrap()
        else {
            panic!("timed out");
        };
        assert_eq!(status.code(), Some(3));
        assert_eq!(stdout, b"in\n");
        assert_eq!(stderr, b"err\n");
        assert!(!stdout_cut);
    }

    #[test]
    fn the_whole_group_is_killed_at_the_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("survived");
        // A grandchild that would outlive a kill of the child alone.
        let script = format!(
            "(sleep 2; touch '{}') & echo started >&2; sleep 30",
            marker.display()
        );
        let started = Instant::now();
        let ended = run(sh(&script), None, Duration::from_millis(300)).unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        let Ended::TimedOut { stderr } = ended else {
            panic!("not timed out: {ended:?}");
        };
        assert_eq!(stderr, b"started\n");
        thread::sleep(Duration::from_millis(2500));
        assert!(!marker.exists(), "a process of the group survived the kill");
    }

    #[test]
    fn a_flood_is_cut_at_the_cap() {
        let Ended::Exited {
            stdout,
            stderr,
            stdout_cut,
            ..
        } = run(
            sh("head -c 20000000 /dev/zero; head -c 200000 /dev/zero >&2"),
            None,
            Duration::from_secs(20),
        )
        .unwrap()
        else {
            panic!("timed out");
        };
        assert_eq!(stdout.len(), MAX_STDOUT);
        assert!(stdout_cut);
        assert_eq!(stderr.len(), MAX_STDERR);
    }
}
