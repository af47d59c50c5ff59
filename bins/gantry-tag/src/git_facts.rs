//! The git facts `--context git` reads from a local checkout, by asking
//! `git` itself (the checkout may be shallow, a worktree or detached, and git
//! knows how to read all of them).

use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, bail};

/// What a checkout says about the commit being built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LocalGit {
    /// `refs/heads/<branch>`, or `refs/tags/<tag>` when HEAD is detached at
    /// a tag (as on a tag build).
    pub(crate) git_ref: String,
    /// The full commit SHA of HEAD.
    pub(crate) sha: String,
    /// Committer date of HEAD, RFC 3339.
    pub(crate) commit_time: String,
    /// The remote's default branch, when `origin/HEAD` is known.
    pub(crate) default_branch: Option<String>,
}

pub(crate) fn read(dir: &Path) -> anyhow::Result<LocalGit> {
    let sha = git(dir, &["rev-parse", "--verify", "HEAD^{commit}"])?
        .context("the checkout has no commit at HEAD")?;
    let git_ref = match git(dir, &["symbolic-ref", "-q", "HEAD"])? {
        Some(branch) => branch,
        None => match git(dir, &["tag", "--points-at", "HEAD", "--sort=-creatordate"])? {
            Some(tags) => match tags.lines().next() {
                Some(tag) => format!("refs/tags/{tag}"),
                None => bail!("HEAD is detached and no tag points at it"),
            },
            None => bail!(
                "HEAD is detached and no tag points at it: check out a branch or a tag, or use --context flags with --ref"
            ),
        },
    };
    let commit_time = git(dir, &["log", "-1", "--format=%cI", "HEAD"])?
        .context("git log printed no committer date for HEAD")?;
    let default_branch = git(
        dir,
        &["symbolic-ref", "-q", "--short", "refs/remotes/origin/HEAD"],
    )?
    .map(|remote_head| remote_head.trim_start_matches("origin/").to_owned());
    Ok(LocalGit {
        git_ref,
        sha,
        commit_time,
        default_branch,
    })
}

/// Run git in `dir`; `None` when it exits non-zero or prints nothing (a
/// question with no answer, like `symbolic-ref` on a detached HEAD).
fn git(dir: &Path, args: &[&str]) -> anyhow::Result<Option<String>> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .with_context(|| format!("cannot run `git {}`: is git installed?", args.join(" ")))?;
    if !output.status.success() {
        if args.first() == Some(&"rev-parse") {
            bail!(
                "`{}` is not a git checkout with a commit: {}",
                dir.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        return Ok(None);
    }
    let text = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    Ok((!text.is_empty()).then_some(text))
}
