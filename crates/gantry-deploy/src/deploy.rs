//! The write loop every operation shares: clone minimally, apply the
//! intent, commit, push without force; when the push is rejected, fetch
//! the new tip, apply the intent again there (not a rebase of a stale
//! diff), and retry after a jittered backoff, a bounded number of times.

use std::path::{Path, PathBuf};

use gantry_files::{Input, TreePlan};
use gantry_git::{Checkout, CloneOptions, GitProgram, Identity, PushOutcome, Remote};
use gantry_manifest::{FileOptions, Update};

use crate::error::DeployError;
use crate::message::{ImageChange, MessageInput, Provenance, render};
use crate::retry::{RetryPolicy, unit_random};
use crate::writer::{PullRequestOutcome, Writer};

/// Where to write.
#[derive(Debug, Clone)]
pub struct Target {
    /// The repository.
    pub remote: Remote,
    /// The branch.
    pub branch: String,
    /// Repository-relative files and directories to update; empty: all.
    pub paths: Vec<String>,
    /// The environment name, for messages.
    pub environment: Option<String>,
}

/// How commits are made.
#[derive(Debug, Clone)]
pub struct CommitSettings {
    /// Author.
    pub author: Identity,
    /// Committer.
    pub committer: Identity,
    /// Message template (see [`crate::render`]).
    pub template: Option<String>,
    /// Trailers linking back to the source.
    pub provenance: Provenance,
}

/// What an update whose image is found in no file of the target means.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Missing {
    /// An error naming the images: a typo in a name must not pass a
    /// pipeline as "nothing to commit".
    #[default]
    Refuse,
    /// Not an error; [`Outcome::missing`] lists them (`--allow-missing`).
    Allow,
    /// An error only when no update finds its image: promote copies every
    /// image of one environment, and the next may not run all of them.
    RefuseIfNone,
}

/// The machinery: git, retries, where clones go.
#[derive(Debug, Clone, Default)]
pub struct Deployer {
    /// The git program.
    pub git: GitProgram,
    /// Retries of a rejected push.
    pub retry: RetryPolicy,
    /// Where to make clones (a temporary directory is made inside it);
    /// the system's temporary directory when `None`.
    pub workdir: Option<PathBuf>,
    /// Clone the whole history and tree instead of a minimal clone.
    pub full_clone: bool,
    /// Read files as this (targets, anchors).
    pub file_options: FileOptions,
    /// How commits reach the repository: push, pull request, or the
    /// GitHub API.
    pub writer: Writer,
    /// What an image found nowhere means.
    pub missing: Missing,
}

/// One value changed, with its repository-relative file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// Repository-relative file.
    pub file: String,
    /// The change.
    pub change: gantry_manifest::Change,
}

/// What a deploy did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Whether a commit was pushed.
    pub changed: bool,
    /// The commit pushed (or, unchanged, the tip that already had it).
    pub commit: Option<String>,
    /// Push attempts made (0 when nothing had to be pushed).
    pub attempts: u32,
    /// Every value changed.
    pub changes: Vec<FileChange>,
    /// References that already held their new value.
    pub up_to_date: usize,
    /// The commit message, when a commit was made.
    pub message: Option<String>,
    /// Nothing to do because another writer set the same values while we
    /// were retrying.
    pub done_by_another: bool,
    /// The images changed.
    pub images: Vec<ImageChange>,
    /// Images of the updates found in no file (only with
    /// [`Missing::Allow`] or [`Missing::RefuseIfNone`]).
    pub missing: Vec<String>,
}

impl Deployer {
    fn clone_target(&self, target: &Target, dir: &Path) -> Result<Checkout, DeployError> {
        let options = CloneOptions {
            depth: (!self.full_clone).then_some(1),
            sparse: if self.full_clone {
                Vec::new()
            } else {
                target
                    .paths
                    .iter()
                    .filter(|p| !p.is_empty())
                    .cloned()
                    .collect()
            },
        };
        Ok(Checkout::clone(
            &self.git,
            &target.remote,
            &target.branch,
            dir,
            &options,
        )?)
    }

    /// Check [`Deployer::workdir`] before anything is cloned: it exists,
    /// is a directory, and a directory can be made in it.
    pub fn check_workdir(&self) -> Result<(), DeployError> {
        let Some(dir) = &self.workdir else {
            return Ok(());
        };
        let bad = |reason: String| DeployError::BadWorkDir {
            path: dir.display().to_string(),
            reason,
        };
        let meta = std::fs::metadata(dir).map_err(|e| {
            bad(if e.kind() == std::io::ErrorKind::NotFound {
                "it does not exist".to_owned()
            } else {
                e.to_string()
            })
        })?;
        if !meta.is_dir() {
            return Err(bad("it is not a directory".to_owned()));
        }
        // The only sure test of "writable" (permissions, a read-only
        // mount, ACLs): make what a run makes there, and remove it.
        tempfile::Builder::new()
            .prefix(".gantry-gitops-probe-")
            .tempdir_in(dir)
            .map(drop)
            .map_err(|e| bad(format!("a directory cannot be made in it: {e}")))
    }

    /// A temporary directory for clones.
    pub(crate) fn tempdir(&self) -> Result<tempfile::TempDir, DeployError> {
        let builder = {
            let mut b = tempfile::Builder::new();
            b.prefix("gantry-gitops-");
            b
        };
        match &self.workdir {
            Some(dir) => builder.tempdir_in(dir),
            None => builder.tempdir(),
        }
        .map_err(DeployError::WorkDir)
    }

    /// Clone `target` into a new temporary directory.
    pub(crate) fn checkout(
        &self,
        target: &Target,
    ) -> Result<(tempfile::TempDir, Checkout), DeployError> {
        let tmp = self.tempdir()?;
        let checkout = self.clone_target(target, &tmp.path().join("repo"))?;
        Ok((tmp, checkout))
    }

    /// Apply `updates` to `target` and push, as one commit described by
    /// `base` (its `images` are filled in from what changed).
    pub fn apply(
        &self,
        target: &Target,
        updates: &[Update],
        base: &MessageInput,
        settings: &CommitSettings,
    ) -> Result<Outcome, DeployError> {
        if let Writer::Api(api) = &self.writer {
            return self.apply_api(api, target, updates, base, settings);
        }
        let (_tmp, checkout) = self.checkout(target)?;
        self.apply_in(&checkout, target, updates, base, settings)
    }

    /// What the last deploy did to its pull request (`--mode pr`).
    pub fn take_pull_request(&self) -> Option<PullRequestOutcome> {
        match &self.writer {
            Writer::PullRequest(pr) => pr.take_outcome(),
            _ => None,
        }
    }

    /// [`apply`](Self::apply) on an existing checkout of `target`.
    pub(crate) fn apply_in(
        &self,
        checkout: &Checkout,
        target: &Target,
        updates: &[Update],
        base: &MessageInput,
        settings: &CommitSettings,
    ) -> Result<Outcome, DeployError> {
        match &self.writer {
            Writer::Push => {}
            Writer::PullRequest(pr) => {
                return self.apply_pr(pr, checkout, target, updates, base, settings);
            }
            Writer::Api(api) => return self.apply_api(api, target, updates, base, settings),
        }
        for attempt in 1..=self.retry.attempts.max(1) {
            let plan = self.plan(checkout, target, updates)?;
            let missing = self.missing_images(&plan, updates, target)?;
            let changes = changes_of(&plan);
            let up_to_date = plan.files.iter().map(|f| f.plan.up_to_date).sum();
            if !plan.changed() {
                return Ok(Outcome {
                    changed: false,
                    commit: Some(checkout.head()?),
                    attempts: attempt - 1,
                    changes,
                    up_to_date,
                    message: None,
                    done_by_another: attempt > 1,
                    images: Vec::new(),
                    missing,
                });
            }
            gantry_files::write_tree(&plan)?;
            let images = images_of(&changes, updates);
            let input = MessageInput {
                images: images.clone(),
                environment: base
                    .environment
                    .clone()
                    .or_else(|| target.environment.clone()),
                ..base.clone()
            };
            let message = render(&input, settings.template.as_deref());
            let commit = checkout.commit_all(&message, &settings.author, &settings.committer)?;
            match checkout.push()? {
                PushOutcome::Pushed => {
                    tracing::info!(commit = %commit, attempt, "pushed");
                    return Ok(Outcome {
                        changed: true,
                        commit: Some(commit),
                        attempts: attempt,
                        changes,
                        up_to_date,
                        message: Some(message),
                        done_by_another: false,
                        images,
                        missing,
                    });
                }
                PushOutcome::AlreadyThere => {
                    return Ok(Outcome {
                        changed: false,
                        commit: Some(commit),
                        attempts: attempt,
                        changes: Vec::new(),
                        up_to_date,
                        message: None,
                        done_by_another: true,
                        images: Vec::new(),
                        missing,
                    });
                }
                PushOutcome::Rejected(why) if attempt < self.retry.attempts.max(1) => {
                    let wait = self.retry.delay(attempt, unit_random());
                    tracing::info!(attempt, ?wait, reason = %why, "push rejected; re-applying on the new tip");
                    std::thread::sleep(wait);
                    checkout.reset_to_remote()?;
                }
                // The last attempt: no point waiting and fetching again.
                PushOutcome::Rejected(_) => break,
            }
        }
        Err(DeployError::Contended {
            attempts: self.retry.attempts.max(1),
            branch: target.branch.clone(),
        })
    }

    /// Plan the updates over the checkout's target paths.
    pub(crate) fn plan(
        &self,
        checkout: &Checkout,
        target: &Target,
        updates: &[Update],
    ) -> Result<TreePlan, DeployError> {
        let inputs = inputs(checkout, target)?;
        let plan = gantry_files::plan_tree(&inputs, updates, &self.file_options);
        if let Some(first) = plan.errors.first() {
            return Err(DeployError::Refused {
                count: plan.errors.len(),
                first: first.to_string(),
                errors: plan.errors,
            });
        }
        Ok(plan)
    }

    /// The images of `updates` that no file of `plan` holds: an error
    /// naming them unless [`Deployer::missing`] allows them.
    pub(crate) fn missing_images(
        &self,
        plan: &TreePlan,
        updates: &[Update],
        target: &Target,
    ) -> Result<Vec<String>, DeployError> {
        let missing: Vec<String> = updates
            .iter()
            .filter(|u| !plan.files.iter().any(|f| f.plan.matched.contains(&u.spec)))
            .map(|u| u.name.to_string())
            .collect();
        let refuse = match self.missing {
            Missing::Refuse => !missing.is_empty(),
            Missing::RefuseIfNone => !updates.is_empty() && missing.len() == updates.len(),
            Missing::Allow => false,
        };
        if refuse {
            return Err(DeployError::ImagesNotFound {
                images: missing
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                place: place(target),
                read: plan.read,
            });
        }
        Ok(missing)
    }
}

/// `` `main` `` or `` `envs/staging` on `main` ``, for messages.
pub(crate) fn place(target: &Target) -> String {
    if target.paths.is_empty() || target.paths.iter().all(String::is_empty) {
        format!("`{}`", target.branch)
    } else {
        format!(
            "{} on `{}`",
            target
                .paths
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", "),
            target.branch
        )
    }
}

/// The files of `target.paths` in the checkout, shown repository-relative.
pub(crate) fn inputs(checkout: &Checkout, target: &Target) -> Result<Vec<Input>, DeployError> {
    let root = checkout.dir();
    let mut paths = Vec::new();
    let wanted: Vec<&str> = if target.paths.is_empty() {
        vec![""]
    } else {
        target.paths.iter().map(String::as_str).collect()
    };
    for path in wanted {
        let full = if path.is_empty() {
            root.to_path_buf()
        } else {
            root.join(path)
        };
        // A dangling symlink exists too: it is refused below, not missing.
        if std::fs::symlink_metadata(&full).is_err() {
            return Err(DeployError::NoSuchPath {
                path: path.to_owned(),
                branch: target.branch.clone(),
            });
        }
        // A symlink committed in the repository must not take a write out
        // of the clone.
        inside_clone(&full, if path.is_empty() { "." } else { path }, root)?;
        paths.push(full);
    }
    let mut inputs = gantry_files::collect(&paths).map_err(|e| e.relative_to(root))?;
    for input in &mut inputs {
        if let Ok(rel) = input.path.strip_prefix(root) {
            input.display = rel.display().to_string();
        }
    }
    // `.git` is hidden and skipped by the walker; nothing else to filter.
    Ok(inputs)
}

/// Refuse `full` (shown as `shown`) when its symlinks lead out of the
/// clone at `root`.
pub(crate) fn inside_clone(full: &Path, shown: &str, root: &Path) -> Result<(), DeployError> {
    match gantry_files::resolve_inside(full, shown, root) {
        Ok(_) => Ok(()),
        Err(gantry_files::FilesError::OutsideRoot { path, target, .. }) => {
            Err(DeployError::Files(gantry_files::FilesError::OutsideRoot {
                path,
                target,
                root: "the repository".to_owned(),
            }))
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn changes_of(plan: &TreePlan) -> Vec<FileChange> {
    plan.files
        .iter()
        .flat_map(|f| {
            f.plan.changes.iter().map(|c| FileChange {
                file: f.input.display.clone(),
                change: c.clone(),
            })
        })
        .collect()
}

/// One entry per image changed: what it was (the first reference seen) and
/// what it became.
pub(crate) fn images_of(changes: &[FileChange], updates: &[Update]) -> Vec<ImageChange> {
    let mut out: Vec<ImageChange> = Vec::new();
    for update in updates {
        let touched: Vec<&FileChange> = changes
            .iter()
            .filter(|c| c.change.update == update.spec)
            .collect();
        if touched.is_empty() {
            continue;
        }
        let before = touched
            .iter()
            .map(|c| c.change.image.as_str())
            .find(|i| !i.is_empty())
            .unwrap_or("")
            .to_owned();
        out.push(ImageChange {
            name: update.name.to_string(),
            before,
            after: update.new.to_string(),
        });
    }
    out
}

impl Deployer {
    /// The text of one file of `target`'s branch, if it exists (a sparse,
    /// shallow clone of just that file).
    pub fn read_file(&self, target: &Target, path: &str) -> Result<Option<String>, DeployError> {
        if let Writer::Api(api) = &self.writer {
            return self.read_file_api(api, target, path);
        }
        let only_file = Target {
            paths: vec![path.to_owned()],
            ..target.clone()
        };
        let minimal = Deployer {
            full_clone: false,
            ..self.clone()
        };
        let (_tmp, checkout) = minimal.checkout(&only_file)?;
        let full = checkout.dir().join(path);
        if std::fs::symlink_metadata(&full).is_err() {
            return Ok(None);
        }
        inside_clone(&full, path, checkout.dir())?;
        let text = gantry_files::read_text(&Input {
            path: full,
            display: path.to_owned(),
            explicit: true,
        })?;
        Ok(Some(text))
    }
}
