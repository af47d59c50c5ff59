//! `--mode pr`: the intent is applied on the target branch's tip as in push
//! mode, but committed onto gantry's own deterministic branch
//! `gantry/<environment or branch>/<images>`, pushed there (with a lease:
//! that branch is gantry's, the target is never forced), and proposed in a
//! pull request that is opened once and updated after, never duplicated.

use gantry_files::TreePlan;
use gantry_git::{Checkout, GitError};
use gantry_github::{NewPull, PullRequest};
use gantry_manifest::Update;

use crate::deploy::{CommitSettings, Deployer, Outcome, Target, changes_of, images_of};
use crate::error::DeployError;
use crate::message::{ImageChange, MessageInput, Provenance, render};
use crate::retry::unit_random;
use crate::writer::{PullRequestOperation, PullRequestOutcome, PullRequestWriter};

/// The largest diff shown in a pull request body (GitHub allows 65,536
/// characters in all).
const MAX_DIFF_CHARS: usize = 40_000;
/// The longest branch name gantry makes.
const MAX_BRANCH: usize = 120;

/// `[a-z0-9._-]` only, runs of anything else as one `-`, no leading or
/// trailing `-`/`.` (git refuses components starting with `.`).
fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.replace("..", ".");
    let trimmed = out.trim_matches(|c| c == '-' || c == '.');
    let trimmed = trimmed.strip_suffix(".lock").unwrap_or(trimmed);
    if trimmed.is_empty() {
        "x".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// FNV-1a: a short, stable fingerprint for long branch names.
fn fingerprint(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:08x}", hash >> 32)
}

/// gantry's branch for `updates` on `target`:
/// `gantry/<environment or branch>/<image>[+<image>…]`. The same target
/// and images always give the same branch, whatever the tags.
pub fn pr_branch(target: &Target, updates: &[Update]) -> String {
    let scope: String = slug(target.environment.as_deref().unwrap_or(&target.branch))
        .chars()
        .take(40)
        .collect();
    let mut names: Vec<String> = updates
        .iter()
        .map(|u| slug(&u.name.familiar_name().replace('/', "-")))
        .collect();
    names.sort();
    names.dedup();
    let images = names.join("+");
    let branch = format!("gantry/{scope}/{images}");
    if branch.len() <= MAX_BRANCH {
        return branch;
    }
    let room = MAX_BRANCH.saturating_sub(scope.len() + 20).max(8);
    let keep: String = images.chars().take(room).collect();
    let keep = keep.trim_end_matches(['-', '.', '+']);
    format!("gantry/{scope}/{keep}-{}", fingerprint(&images))
}

/// The unified diff of every file the plan changes.
fn plan_diff(plan: &TreePlan) -> String {
    plan.files
        .iter()
        .filter_map(|f| {
            f.plan
                .output
                .as_ref()
                .map(|out| gantry_files::unified_diff(&f.input.display, &f.original, out))
        })
        .collect()
}

/// `diff` cut to `max` characters at a line boundary, and how many lines
/// were left out.
fn truncate_diff(diff: &str, max: usize) -> (String, usize) {
    if diff.len() <= max {
        return (diff.to_owned(), 0);
    }
    let mut kept = String::new();
    let mut left = 0;
    for line in diff.split_inclusive('\n') {
        if left == 0 && kept.len() + line.len() <= max {
            kept.push_str(line);
        } else {
            left += 1;
        }
    }
    (kept, left)
}

/// A fence longer than any run of backticks inside `text`.
fn fence(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

/// The pull request body: where, the images old → new, the diff.
pub(crate) fn pr_body(
    target: &Target,
    images: &[ImageChange],
    diff: &str,
    provenance: &Provenance,
    operation: &str,
) -> String {
    let mut body = String::new();
    let place = if target.paths.is_empty() {
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
    };
    let verb = match operation {
        "update" => "deploy",
        other => other,
    };
    match &target.environment {
        Some(env) => body.push_str(&format!(
            "gantry-gitops proposes this {verb} to **{env}** ({place}).\n\n"
        )),
        None => body.push_str(&format!(
            "gantry-gitops proposes this {verb} to {place}.\n\n"
        )),
    }
    body.push_str("### Images\n\n");
    for image in images {
        let before = if image.before.is_empty() {
            "(none)"
        } else {
            &image.before
        };
        body.push_str(&format!(
            "- `{}`: `{before}` → `{}`\n",
            image.name, image.after
        ));
    }
    let (shown, left) = truncate_diff(diff, MAX_DIFF_CHARS);
    let fence = fence(&shown);
    body.push_str(&format!("\n### Diff\n\n{fence}diff\n{shown}"));
    if !shown.ends_with('\n') {
        body.push('\n');
    }
    body.push_str(&format!("{fence}\n"));
    if left > 0 {
        body.push_str(&format!(
            "\n_The diff is truncated: {left} more line(s); see **Files changed** for all of it._\n"
        ));
    }
    let mut source = Vec::new();
    if let Some(repo) = provenance.repository.as_deref().filter(|r| !r.is_empty()) {
        match provenance.commit.as_deref().filter(|c| !c.is_empty()) {
            Some(commit) => source.push(format!("`{repo}@{}`", commit.get(..12).unwrap_or(commit))),
            None => source.push(format!("`{repo}`")),
        }
    }
    if let Some(run) = provenance.run_url.as_deref().filter(|r| !r.is_empty()) {
        source.push(format!("[workflow run]({run})"));
    }
    if let Some(actor) = provenance.actor.as_deref().filter(|a| !a.is_empty()) {
        source.push(format!("by @{actor}"));
    }
    if !source.is_empty() {
        body.push_str(&format!("\nSource: {}\n", source.join(" · ")));
    }
    body.push_str(
        "\n<sub>Opened by gantry-gitops. A run with new images updates this pull request; merging it deploys.</sub>\n",
    );
    body
}

/// Whether a failed push was refused for its lease or a moved ref (try
/// again), rather than failing for another reason.
fn lease_refused(error: &GitError) -> bool {
    match error {
        GitError::Failed { stderr, .. } => {
            let text = stderr.to_ascii_lowercase();
            [
                "stale info",
                "[rejected]",
                "fetch first",
                "cannot lock ref",
                "failed to update ref",
            ]
            .iter()
            .any(|n| text.contains(n))
        }
        _ => false,
    }
}

/// The tip of `refname` on the remote, if it exists.
fn remote_tip(checkout: &Checkout, refname: &str) -> Result<Option<String>, DeployError> {
    let out = checkout.git(&["ls-remote", "origin", refname])?;
    Ok(out.lines().find_map(|line| {
        let (sha, name) = line.split_once('\t')?;
        (name.trim() == refname).then(|| sha.trim().to_owned())
    }))
}

impl Deployer {
    /// `apply_in` for `--mode pr`, on a checkout of the target branch.
    pub(crate) fn apply_pr(
        &self,
        pr: &PullRequestWriter,
        checkout: &Checkout,
        target: &Target,
        updates: &[Update],
        base: &MessageInput,
        settings: &CommitSettings,
    ) -> Result<Outcome, DeployError> {
        let branch = pr_branch(target, updates);
        if branch == target.branch {
            return Err(DeployError::NothingFound(format!(
                "gantry's pull request branch would be the target branch `{branch}` itself; give another --branch"
            )));
        }
        let github = &pr.github;
        let repo = &pr.repository;
        // Before gantry's branch is pushed: GitHub answers and the token
        // sees the repository, or nothing is written anywhere.
        if !github.repository_exists(repo)? {
            return Err(DeployError::NoRepository {
                repository: repo.to_string(),
                api: github.api_url().to_owned(),
            });
        }
        let plan = self.plan(checkout, target, updates)?;
        let missing = self.missing_images(&plan, updates, target)?;
        let changes = changes_of(&plan);
        let up_to_date = plan.files.iter().map(|f| f.plan.up_to_date).sum();
        let tip = checkout.head()?;
        if !plan.changed() {
            let open = github.find_open_pull(repo, &repo.owner, &branch, &target.branch)?;
            pr.record(PullRequestOutcome {
                operation: PullRequestOperation::UpToDate,
                number: open.as_ref().map(|p| p.number),
                url: open.as_ref().map(|p| p.html_url.clone()),
                branch,
                base: target.branch.clone(),
                target_has_values: true,
                warnings: Vec::new(),
            });
            return Ok(Outcome {
                changed: false,
                commit: Some(tip),
                attempts: 0,
                changes,
                up_to_date,
                message: None,
                done_by_another: false,
                images: Vec::new(),
                missing,
            });
        }
        let diff = plan_diff(&plan);
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
        let (commit, pushed, attempts) =
            self.push_pr_branch(pr, checkout, &branch, &commit, &tip)?;

        let title = message.lines().next().unwrap_or_default().to_owned();
        let body = pr_body(
            target,
            &images,
            &diff,
            &settings.provenance,
            &base.operation,
        );
        let (pull, operation) = open_or_update(pr, &branch, &target.branch, &title, &body, pushed)?;
        let warnings = decorate(pr, &pull);
        tracing::info!(
            number = pull.number,
            operation = operation.as_str(),
            "pull request"
        );
        pr.record(PullRequestOutcome {
            operation,
            number: Some(pull.number),
            url: Some(pull.html_url.clone()),
            branch,
            base: target.branch.clone(),
            target_has_values: false,
            warnings,
        });
        Ok(Outcome {
            changed: pushed,
            commit: Some(commit),
            attempts,
            changes,
            up_to_date,
            message: Some(message),
            done_by_another: false,
            images,
            missing,
        })
    }

    /// Put `commit` on gantry's `branch`, unless it already holds the same
    /// change (same tree, same parent). A lease guards against another run
    /// moving it meanwhile. Returns (the branch's commit, pushed, attempts).
    fn push_pr_branch(
        &self,
        pr: &PullRequestWriter,
        checkout: &Checkout,
        branch: &str,
        commit: &str,
        parent: &str,
    ) -> Result<(String, bool, u32), DeployError> {
        let refname = format!("refs/heads/{branch}");
        let tree = checkout
            .git(&["rev-parse", &format!("{commit}^{{tree}}")])?
            .trim()
            .to_owned();
        let attempts = self.retry.attempts.max(1);
        for attempt in 1..=attempts {
            let remote = remote_tip(checkout, &refname)?;
            if let Some(sha) = &remote {
                // A re-run with the same intent: nothing new to push.
                match pr.github.commit(&pr.repository, sha) {
                    Ok(c) if c.tree == tree && c.parents == [parent.to_owned()] => {
                        return Ok((sha.clone(), false, attempt - 1));
                    }
                    Ok(_) => {}
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(e.into()),
                }
            }
            let lease = format!(
                "--force-with-lease={refname}:{}",
                remote.as_deref().unwrap_or("")
            );
            let refspec = format!("{commit}:{refname}");
            match checkout.git(&["push", "--quiet", &lease, "origin", &refspec]) {
                Ok(_) => {
                    tracing::info!(%branch, %commit, attempt, "pushed the pull request branch");
                    return Ok((commit.to_owned(), true, attempt));
                }
                Err(e) if lease_refused(&e) => {
                    let wait = self.retry.delay(attempt, unit_random());
                    tracing::info!(%branch, attempt, ?wait, "the pull request branch moved; trying again");
                    std::thread::sleep(wait);
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(DeployError::Contended {
            attempts,
            branch: branch.to_owned(),
        })
    }
}

/// The open pull request for `branch`, updated to `title` and `body`, or a
/// new one.
fn open_or_update(
    pr: &PullRequestWriter,
    branch: &str,
    base: &str,
    title: &str,
    body: &str,
    pushed: bool,
) -> Result<(PullRequest, PullRequestOperation), DeployError> {
    let github = &pr.github;
    let repo = &pr.repository;
    let refresh = |pull: PullRequest| -> Result<PullRequest, DeployError> {
        if pull.title == title && pull.body.as_deref().unwrap_or("") == body {
            Ok(pull)
        } else {
            Ok(github.update_pull(repo, pull.number, title, body)?)
        }
    };
    let updated = if pushed {
        PullRequestOperation::Updated
    } else {
        PullRequestOperation::UpToDate
    };
    if let Some(open) = github.find_open_pull(repo, &repo.owner, branch, base)? {
        return Ok((refresh(open)?, updated));
    }
    let new = NewPull {
        title: title.to_owned(),
        body: body.to_owned(),
        head: branch.to_owned(),
        base: base.to_owned(),
    };
    match github.create_pull(repo, &new) {
        Ok(pull) => Ok((pull, PullRequestOperation::Opened)),
        // Another run opened it between our look and our create.
        Err(e) if e.already_exists() => {
            match github.find_open_pull(repo, &repo.owner, branch, base)? {
                Some(open) => Ok((refresh(open)?, PullRequestOperation::Updated)),
                None => Err(e.into()),
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// Labels, reviewers, auto-merge; what could not be done, as warnings.
fn decorate(pr: &PullRequestWriter, pull: &PullRequest) -> Vec<String> {
    let github = &pr.github;
    let repo = &pr.repository;
    let mut warnings = Vec::new();
    let labels: Vec<String> = pr
        .labels
        .iter()
        .filter(|l| !pull.labels.iter().any(|have| &have.name == *l))
        .cloned()
        .collect();
    if !labels.is_empty()
        && let Err(e) = github.add_labels(repo, pull.number, &labels)
    {
        warnings.push(format!(
            "could not add label(s) {} to pull request #{}: {e}",
            labels.join(", "),
            pull.number
        ));
    }
    let users: Vec<String> = pr
        .reviewers
        .iter()
        .filter(|u| {
            !pull
                .requested_reviewers
                .iter()
                .any(|r| r.login.eq_ignore_ascii_case(u))
        })
        .cloned()
        .collect();
    let teams: Vec<String> = pr
        .team_reviewers
        .iter()
        .filter(|t| {
            !pull
                .requested_teams
                .iter()
                .any(|r| r.slug.eq_ignore_ascii_case(t))
        })
        .cloned()
        .collect();
    if (!users.is_empty() || !teams.is_empty())
        && let Err(e) = github.request_reviewers(repo, pull.number, &users, &teams)
    {
        warnings.push(format!(
            "could not request review from {} on pull request #{}: {e}",
            users
                .iter()
                .chain(&teams)
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            pull.number
        ));
    }
    if let Some(method) = pr.auto_merge
        && pull.auto_merge.is_none()
        && let Err(e) = github.enable_auto_merge(&pull.node_id, method)
    {
        warnings.push(format!(
            "could not turn on auto-merge for pull request #{}: {e}",
            pull.number
        ));
    }
    warnings
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use gantry_git::{Auth, Remote};

    fn target(env: Option<&str>) -> Target {
        Target {
            remote: Remote::new("file:///x", Auth::Ambient).unwrap(),
            branch: "main".into(),
            paths: vec!["envs/staging".into()],
            environment: env.map(str::to_owned),
        }
    }

    #[test]
    fn branches_are_deterministic_and_valid() {
        let u = |s: &str| Update::parse(s).unwrap();
        let table = [
            (
                Some("staging"),
                vec![u("ghcr.io/acme/api:1.2.3")],
                "gantry/staging/ghcr.io-acme-api",
            ),
            (
                Some("staging"),
                vec![u("ghcr.io/acme/api:9")],
                "gantry/staging/ghcr.io-acme-api",
            ),
            (None, vec![u("nginx:1.27")], "gantry/main/nginx"),
            (
                None,
                vec![u("docker.io/library/nginx:1.27")],
                "gantry/main/nginx",
            ),
            (
                Some("Prod EU"),
                vec![u("redis:7"), u("ghcr.io/acme/api:1")],
                "gantry/prod-eu/ghcr.io-acme-api+redis",
            ),
        ];
        for (env, updates, want) in table {
            assert_eq!(pr_branch(&target(env), &updates), want);
        }
        let many: Vec<Update> = (0..30)
            .map(|i| u(&format!("ghcr.io/acme/service-number-{i}:1")))
            .collect();
        let long = pr_branch(&target(Some("staging")), &many);
        assert!(long.len() <= MAX_BRANCH, "{long}");
        assert_eq!(long, pr_branch(&target(Some("staging")), &many));
        assert_ne!(long, pr_branch(&target(Some("staging")), &many[1..]));
        assert_eq!(slug(".."), "x");
        assert_eq!(slug(".hidden.lock"), "hidden");
    }

    #[test]
    fn bodies_show_images_and_a_fenced_truncated_diff() {
        let images = vec![ImageChange {
            name: "ghcr.io/acme/api".into(),
            before: "ghcr.io/acme/api:1.0.0".into(),
            after: "ghcr.io/acme/api:1.1.0".into(),
        }];
        let diff =
            "--- a/x.yaml\n+++ b/x.yaml\n@@ -1 +1 @@\n-image: a:1 # ```\n+image: a:2 # ```\n";
        let provenance = Provenance {
            repository: Some("acme/api".into()),
            commit: Some("0123456789abcdef".into()),
            run_url: Some("https://github.com/acme/api/actions/runs/7".into()),
            actor: Some("octocat".into()),
        };
        let body = pr_body(
            &target(Some("staging")),
            &images,
            diff,
            &provenance,
            "update",
        );
        assert!(body.starts_with(
            "gantry-gitops proposes this deploy to **staging** (`envs/staging` on `main`).\n\n### Images\n\n- `ghcr.io/acme/api`: `ghcr.io/acme/api:1.0.0` → `ghcr.io/acme/api:1.1.0`\n"
        ), "{body}");
        assert!(body.contains(&format!("````diff\n{diff}````\n")), "{body}");
        assert!(body.contains("Source: `acme/api@0123456789ab` · [workflow run](https://github.com/acme/api/actions/runs/7) · by @octocat"));

        let huge: String = (0..20_000).map(|i| format!("+line {i}\n")).collect();
        let body = pr_body(
            &target(None),
            &images,
            &huge,
            &Provenance::default(),
            "revert",
        );
        assert!(body.len() < 50_000, "{}", body.len());
        assert!(body.contains("The diff is truncated: "), "{body}");
        assert!(
            body.starts_with("gantry-gitops proposes this revert to `envs/staging` on `main`.")
        );
        let (kept, left) = truncate_diff("a\nb\nc\n", 4);
        assert_eq!((kept.as_str(), left), ("a\nb\n", 1));
    }
}
