//! One git process with a deadline: started in a process group of its own
//! (git runs helpers: `git-remote-http`, `ssh`, `upload-pack`), its output
//! read on threads within caps, and the whole group killed when the
//! deadline passes, so a remote that accepts and never answers cannot hold
//! the run.

use std::io::{Read, Write};
use std::os::unix::process::CommandExt as _;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
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
    let grace = Instant::now() + PIPE_GRACE;
    let (stdout, stdout_cut) = stdout.map(|r| r.collect(grace)).unwrap_or_default();
    let (stderr, _) = stderr.map(|r| r.collect(grace)).unwrap_or_default();
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

/// A pipe read to its end on a thread, keeping at most `cap` bytes (the
/// rest is read and dropped, so git never blocks on a full pipe).
struct Reader {
    kept: Arc<Mutex<(Vec<u8>, bool)>>,
    done: mpsc::Receiver<()>,
}

impl Reader {
    /// What was read: all of it once the pipe closed, or, when a process
    /// that left the group still holds it open at `until`, what came so far.
    /// (bytes, whether any were dropped).
    fn collect(self, until: Instant) -> (Vec<u8>, bool) {
        let _ = self
            .done
            .recv_timeout(until.saturating_duration_since(Instant::now()));
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        (std::mem::take(&mut kept.0), kept.1)
    }
}

fn reader<R: Read + Send + 'static>(mut pipe: R, cap: usize) -> Reader {
    let kept = Arc::new(Mutex::new((Vec::new(), false)));
    let (send, done) = mpsc::channel();
    let shared = Arc::clone(&kept);
    thread::spawn(move || {
        let mut buf = [0u8; 8192];
        loop {
            match pipe.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let mut kept = shared.lock().unwrap_or_else(PoisonError::into_inner);
                    let room = cap.saturating_sub(kept.0.len());
                    kept.0
                        .extend_from_slice(buf.get(..n.min(room)).unwrap_or_default());
                    kept.1 |= n > room;
                }
            }
        }
        let _ = send.send(());
    });
    Reader { kept, done }
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
    fn output_held_open_by_a_leftover_is_still_read() {
        // The shell leaves a process behind that keeps stdout open; what
        // was written before the exit is kept anyway.
        let started = Instant::now();
        let Ended::Exited { status, stdout, .. } = run(
            sh("echo done; (sleep 5 &) ; exit 0"),
            None,
            Duration::from_secs(10),
        )
        .unwrap() else {
            panic!("timed out");
        };
        assert!(status.success());
        assert_eq!(stdout, b"done\n");
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
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
