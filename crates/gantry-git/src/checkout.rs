//! A minimal clone of one branch and the operations on it.

use std::path::{Path, PathBuf};

use crate::command::GitProgram;
use crate::error::GitError;
use crate::remote::Remote;

/// Who a commit is by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
}

/// How to clone.
#[derive(Debug, Clone, Default)]
pub struct CloneOptions {
    /// History depth; `None` clones everything.
    pub depth: Option<u32>,
    /// Check out only these paths (sparse checkout, no blobs outside them
    /// are fetched). Empty: the whole tree.
    pub sparse: Vec<String>,
}

/// The outcome of a push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// The branch moved to our commit.
    Pushed,
    /// The branch already was at our commit: another writer made the
    /// very same commit (same parent, tree, message and second).
    AlreadyThere,
    /// The remote has commits we do not (`! [rejected] (fetch first)`).
    Rejected(String),
}

/// A clone of one branch in a directory of its own.
#[derive(Debug)]
pub struct Checkout {
    git: GitProgram,
    remote: Remote,
    branch: String,
    dir: PathBuf,
    depth: Option<u32>,
}

impl Checkout {
    /// Clone `branch` of `remote` into `dir` (which must not exist or be
    /// empty).
    pub fn clone(
        git: &GitProgram,
        remote: &Remote,
        branch: &str,
        dir: &Path,
        options: &CloneOptions,
    ) -> Result<Checkout, GitError> {
        let git = git
            .clone()
            .with_config(remote.auth_config())
            .with_secrets(remote.secrets())
            .for_remote(remote.shown_url());
        let parent = dir.parent().unwrap_or(Path::new("."));
        let dir_str = dir.to_string_lossy().into_owned();
        let depth = options.depth.map(|d| d.to_string());
        let mut args: Vec<&str> = vec![
            "clone",
            "--quiet",
            "--single-branch",
            "--no-tags",
            "--branch",
            branch,
        ];
        if let Some(depth) = &depth {
            args.extend(["--depth", depth]);
        }
        if !options.sparse.is_empty() {
            args.extend(["--filter=blob:none", "--sparse"]);
        }
        args.extend(["--", remote.url(), &dir_str]);
        let (ok, _, stderr) = git.output(parent, &args, None)?;
        if !ok {
            if stderr.contains("Remote branch") && stderr.contains("not found") {
                return Err(GitError::NoSuchBranch {
                    branch: branch.to_owned(),
                    url: remote.shown_url(),
                });
            }
            return Err(git.failed(&["clone", remote.shown_url().as_str(), branch], &stderr));
        }
        let checkout = Checkout {
            git,
            remote: remote.clone(),
            branch: branch.to_owned(),
            dir: dir.to_path_buf(),
            depth: options.depth,
        };
        if !options.sparse.is_empty() {
            let mut args = vec!["sparse-checkout", "set", "--no-cone", "--"];
            let patterns: Vec<String> = options
                .sparse
                .iter()
                .map(|p| format!("/{}", p.trim_start_matches("./").trim_start_matches('/')))
                .collect();
            args.extend(patterns.iter().map(String::as_str));
            checkout.git(&args)?;
        }
        Ok(checkout)
    }

    /// The work tree.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The branch.
    pub fn branch(&self) -> &str {
        &self.branch
    }

    /// The remote.
    pub fn remote(&self) -> &Remote {
        &self.remote
    }

    /// Run git in the work tree.
    pub fn git(&self, args: &[&str]) -> Result<String, GitError> {
        self.git.run(&self.dir, args)
    }

    /// The commit checked out.
    pub fn head(&self) -> Result<String, GitError> {
        Ok(self.git(&["rev-parse", "HEAD"])?.trim().to_owned())
    }

    /// Fetch the branch's current tip and move the work tree onto it,
    /// dropping local commits and changes (the caller re-applies its intent
    /// there). Returns the new tip.
    pub fn reset_to_remote(&self) -> Result<String, GitError> {
        let depth = self.depth.map(|d| d.to_string());
        let refspec = format!("+refs/heads/{0}:refs/remotes/origin/{0}", self.branch);
        let mut args = vec!["fetch", "--quiet", "--no-tags"];
        if let Some(depth) = &depth {
            args.extend(["--depth", depth]);
        }
        args.extend(["origin", &refspec]);
        self.git(&args)?;
        let tracking = format!("refs/remotes/origin/{}", self.branch);
        self.git(&["reset", "--quiet", "--hard", &tracking])?;
        self.git(&["clean", "-qfd"])?;
        self.head()
    }

    /// Whether the work tree differs from HEAD.
    pub fn is_dirty(&self) -> Result<bool, GitError> {
        Ok(!self.git(&["status", "--porcelain"])?.trim().is_empty())
    }

    /// Commit every change in the work tree; returns the new commit.
    pub fn commit_all(
        &self,
        message: &str,
        author: &Identity,
        committer: &Identity,
    ) -> Result<String, GitError> {
        self.git(&["add", "--all"])?;
        let git = self.git.clone().with_env(vec![
            ("GIT_AUTHOR_NAME".into(), author.name.clone()),
            ("GIT_AUTHOR_EMAIL".into(), author.email.clone()),
            ("GIT_COMMITTER_NAME".into(), committer.name.clone()),
            ("GIT_COMMITTER_EMAIL".into(), committer.email.clone()),
        ]);
        git.run_with_input(
            &self.dir,
            &[
                "-c",
                "commit.gpgsign=false",
                "commit",
                "--quiet",
                "--no-verify",
                "--file=-",
            ],
            Some(message),
        )?;
        self.head()
    }

    /// Push HEAD to the branch, never forcing: a branch that moved meanwhile
    /// is [`PushOutcome::Rejected`].
    pub fn push(&self) -> Result<PushOutcome, GitError> {
        let refspec = format!("HEAD:refs/heads/{}", self.branch);
        let args = ["push", "--porcelain", "origin", refspec.as_str()];
        let (ok, stdout, stderr) = self.git.output(&self.dir, &args, None)?;
        if ok {
            // `--porcelain` marks a ref that needed no update with `=`
            // (and `--quiet` would hide that line).
            let up_to_date = stdout
                .lines()
                .any(|l| l.starts_with('=') && l.contains("[up to date]"));
            return Ok(if up_to_date {
                PushOutcome::AlreadyThere
            } else {
                PushOutcome::Pushed
            });
        }
        let text = format!("{stdout}\n{stderr}");
        let rejected = text.contains("[rejected]")
            || text.contains("fetch first")
            || text.contains("non-fast-forward")
            || text.contains("cannot lock ref")
            || text.contains("failed to update ref");
        if rejected {
            return Ok(PushOutcome::Rejected(
                text.lines()
                    .find(|l| l.contains("rejected") || l.contains("lock"))
                    .unwrap_or("rejected")
                    .trim()
                    .to_owned(),
            ));
        }
        Err(self.git.failed(&args, &stderr))
    }

    /// Commits of the branch touching `paths`, newest first: (sha, full
    /// message). Deepens a shallow clone as needed, up to `limit` commits.
    pub fn log(&self, paths: &[String], limit: usize) -> Result<Vec<(String, String)>, GitError> {
        if self.depth.is_some() {
            let deepen = limit.to_string();
            let refspec = format!("+refs/heads/{0}:refs/remotes/origin/{0}", self.branch);
            // Best effort: a full clone or a short history has nothing more.
            let _ = self.git(&[
                "fetch",
                "--quiet",
                "--no-tags",
                "--depth",
                &deepen,
                "origin",
                &refspec,
            ]);
        }
        let max = format!("--max-count={limit}");
        let mut args = vec!["log", "--format=%H%x00%B%x1e", max.as_str(), "HEAD", "--"];
        args.extend(paths.iter().map(String::as_str));
        let out = self.git(&args)?;
        Ok(out
            .split('\u{1e}')
            .filter_map(|entry| {
                let entry = entry.trim_start_matches('\n');
                let (sha, message) = entry.split_once('\0')?;
                Some((sha.to_owned(), message.trim_end().to_owned()))
            })
            .collect())
    }
}
