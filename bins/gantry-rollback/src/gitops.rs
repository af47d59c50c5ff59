//! The GitOps step of a rollback: `gantry-gitops revert`, run as a child
//! process (the binary installed next to this one), so the revert is
//! exactly gantry-gitops's: found from its trailers, pushed without force,
//! retried against concurrent writers, the token only in the environment.
//!
//! The child gets a scrubbed environment: what git and gantry-gitops need
//! ([`KEPT`], [`PASSED`]) and nothing else, so a kubeconfig, a cloud
//! token or a registry password of this run does not reach it. What it
//! prints is cleaned of the credentials it could hold (the token, the
//! repository URL's user and password) before it reaches a message.

use std::path::PathBuf;
use std::process::Stdio;

use futures_util::future::BoxFuture;
use gantry_cli::{CliError, env_vars};
use gantry_restore::{GitopsFailure, GitopsRevert};
use gantry_spec::rollback::GitopsSpec;

/// The `GANTRY_*` variables gantry-gitops gets from our environment: the
/// token and how to commit, never a setting that would change what is
/// reverted (a job-wide GANTRY_MODE or GANTRY_REPO_PATHS meant for another
/// step).
const PASSED: &[&str] = &[
    env_vars::GANTRY_TOKEN,
    env_vars::GANTRY_AUTHOR,
    env_vars::GANTRY_COMMITTER,
    env_vars::GANTRY_MESSAGE,
    env_vars::GANTRY_LOG,
    env_vars::GANTRY_GITHUB_API_URL,
    // Its deadlines (gantry-gitops's --git-timeout and --github-timeout).
    "GANTRY_GIT_TIMEOUT",
    "GANTRY_GITHUB_TIMEOUT",
];

/// Other variables the child keeps: what git needs to run and reach the
/// repository (the SSH agent, proxies, CA bundles, its own settings), and
/// the workflow run's context for gantry-gitops's commit trailers.
const KEPT: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "TMPDIR",
    "TEMP",
    "TMP",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "XDG_CONFIG_HOME",
    "SSH_AUTH_SOCK",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_ALLOW_PROTOCOL",
    "GIT_PROTOCOL_FROM_USER",
    "GIT_CONFIG_GLOBAL",
    "GIT_CONFIG_SYSTEM",
    "GIT_CONFIG_NOSYSTEM",
    "GIT_SSL_CAINFO",
    "GIT_SSL_CAPATH",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
    "GITHUB_SERVER_URL",
    "GITHUB_API_URL",
    "GITHUB_REPOSITORY",
    "GITHUB_RUN_ID",
    "GITHUB_SHA",
    "GITHUB_ACTOR",
    "RUNNER_DEBUG",
    "RUNNER_TEMP",
    "SYSTEMROOT",
    "USERPROFILE",
    "APPDATA",
];

/// `gantry-gitops revert …` for the spec's `gitops:`.
pub(crate) struct GitopsCommand {
    program: PathBuf,
    args: Vec<String>,
    description: String,
    /// What the child's output must not show: the token, the URL's
    /// credentials (raw and decoded).
    secrets: Vec<String>,
}

/// `gantry-gitops` beside this binary, else on `PATH`.
fn program() -> PathBuf {
    let name = format!("gantry-gitops{}", std::env::consts::EXE_SUFFIX);
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(&name)))
        .filter(|path| path.is_file())
        .unwrap_or_else(|| PathBuf::from(name))
}

fn usage(message: String) -> CliError {
    CliError::usage(anyhow::anyhow!(message))
}

/// The secrets a repository URL carries (`https://user:pass@…`,
/// `https://TOKEN@…`).
pub(crate) fn repo_credentials(repo: &str) -> Vec<String> {
    url::Url::parse(repo)
        .map(|u| gantry_http::url_credentials(&u))
        .unwrap_or_default()
}

/// A value without control characters (a newline would forge a line of
/// the child's output or of ours).
fn plain(value: &str, field: &str) -> Result<(), CliError> {
    if value.trim().is_empty() {
        return Err(usage(format!("{field}: empty")));
    }
    if value.chars().any(char::is_control) {
        return Err(usage(format!(
            "{field}: {:?} holds control characters",
            gantry_http::display_url_str(value)
        )));
    }
    Ok(())
}

impl GitopsCommand {
    /// Every field of `gitops:` checked, before anything is contacted.
    pub(crate) fn check(spec: &GitopsSpec, field: &str) -> Result<(), CliError> {
        let shown = gantry_http::display_url_str(&spec.repo);
        plain(&spec.repo, &format!("{field}.repo"))?;
        let scp_like = !spec.repo.contains("://")
            && spec
                .repo
                .split_once(':')
                .is_some_and(|(host, path)| host.contains('@') && !path.is_empty());
        match url::Url::parse(&spec.repo) {
            Ok(url) if matches!(url.scheme(), "https" | "http" | "ssh" | "git" | "file") => {
                if url.scheme() != "file" && url.host_str().is_none_or(str::is_empty) {
                    return Err(usage(format!("{field}.repo: `{shown}` has no host")));
                }
            }
            Ok(url) if !scp_like => {
                return Err(usage(format!(
                    "{field}.repo: `{shown}`: the scheme {}:// is not one git can push to here (https://, ssh://, git@host:path or file://)",
                    url.scheme()
                )));
            }
            _ if scp_like => {}
            _ => {
                return Err(usage(format!(
                    "{field}.repo: `{shown}` is not a repository URL (https://, ssh://, git@host:path or file://)"
                )));
            }
        }
        gantry_image::ImageRef::parse(&spec.image)
            .map_err(|e| usage(format!("{field}.image: {e}")))?;
        if let Some(branch) = &spec.branch {
            plain(branch, &format!("{field}.branch"))?;
            if branch.starts_with('-')
                || branch.contains("..")
                || branch.contains(char::is_whitespace)
                || branch.contains(['~', '^', ':', '?', '*', '[', '\\'])
            {
                return Err(usage(format!(
                    "{field}.branch: {branch:?} is not a branch name"
                )));
            }
        }
        for (index, path) in spec.paths.iter().enumerate() {
            plain(path, &format!("{field}.paths[{index}]"))?;
        }
        if let Some(environment) = &spec.environment {
            plain(environment, &format!("{field}.environment"))?;
        }
        if let Some(to) = &spec.to {
            gantry_kube::check_image_target(to).map_err(|e| usage(format!("{field}.to: {e}")))?;
        }
        Ok(())
    }

    pub(crate) fn new(spec: &GitopsSpec, reason: &str, field: &str) -> Result<Self, CliError> {
        Self::check(spec, field)?;
        // `--flag=value`: a value starting with `-` stays a value.
        let mut args = vec![
            "revert".to_owned(),
            format!("--repo={}", spec.repo),
            format!("--image={}", spec.image),
            format!("--reason={reason}"),
            "--format=json".to_owned(),
        ];
        if let Some(branch) = &spec.branch {
            args.push(format!("--branch={branch}"));
        }
        for path in &spec.paths {
            args.push(format!("--path={path}"));
        }
        if let Some(environment) = &spec.environment {
            args.push(format!("--env={environment}"));
        }
        if let Some(to) = &spec.to {
            args.push(format!("--to={to}"));
        }
        let mut secrets = repo_credentials(&spec.repo);
        if let Ok(token) = std::env::var(env_vars::GANTRY_TOKEN)
            && !token.trim().is_empty()
        {
            secrets.push(token);
        }
        secrets.retain(|s| s.len() >= 4);
        Ok(GitopsCommand {
            program: program(),
            args,
            description: format!(
                "{} in {}{}",
                spec.image,
                gantry_http::display_url_str(&spec.repo),
                spec.branch
                    .as_deref()
                    .or(spec.environment.as_deref())
                    .map(|b| format!(" ({b})"))
                    .unwrap_or_default()
            ),
            secrets,
        })
    }

    /// `text` with every credential the child could know replaced.
    fn clean(&self, text: &str) -> String {
        self.secrets.iter().fold(text.to_owned(), |t, secret| {
            t.replace(secret.as_str(), "***")
        })
    }
}

impl GitopsRevert for GitopsCommand {
    fn describe(&self) -> String {
        self.description.clone()
    }

    fn revert(&self) -> BoxFuture<'_, Result<(bool, String), GitopsFailure>> {
        Box::pin(async move {
            let failed = |message: String, input: bool| GitopsFailure {
                message: self.clean(&message),
                input,
            };
            let mut command = tokio::process::Command::new(&self.program);
            command
                .args(&self.args)
                .env_clear()
                .stdin(Stdio::null())
                .kill_on_drop(true);
            for (name, value) in std::env::vars_os() {
                let text = name.to_string_lossy();
                if KEPT.contains(&text.as_ref()) || PASSED.contains(&text.as_ref()) {
                    command.env(&name, value);
                }
            }
            let output = command.output().await.map_err(|e| {
                failed(format!("cannot run {}: {e}", self.program.display()), false)
            })?;
            let stdout = String::from_utf8_lossy(&output.stdout);
            let stderr = String::from_utf8_lossy(&output.stderr);
            if !output.status.success() {
                let last = stderr
                    .lines()
                    .rev()
                    .map(str::trim)
                    .find(|l| !l.is_empty())
                    .unwrap_or("no message");
                // gantry-gitops's exit 2 is bad input (nothing to revert,
                // an unknown environment), as it is for us.
                return Err(failed(
                    format!("gantry-gitops revert failed ({}): {last}", output.status),
                    output.status.code() == Some(2),
                ));
            }
            let json: serde_json::Value = serde_json::from_str(stdout.trim()).map_err(|e| {
                failed(
                    format!(
                        "gantry-gitops revert answered something that is not its JSON report: {e}"
                    ),
                    false,
                )
            })?;
            let changed = json["changed"].as_bool().unwrap_or(false);
            let detail = match (changed, json["commit"].as_str()) {
                (true, Some(commit)) => format!("reverted in commit {commit}"),
                (false, Some(commit)) => format!("already reverted (commit {commit})"),
                _ => json["summary"].as_str().unwrap_or("reverted").to_owned(),
            };
            Ok((changed, self.clean(&detail)))
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn spec(repo: &str) -> GitopsSpec {
        GitopsSpec {
            repo: repo.to_owned(),
            branch: None,
            paths: Vec::new(),
            environment: None,
            image: "ghcr.io/acme/web".to_owned(),
            to: None,
        }
    }

    #[test]
    fn repositories_git_can_push_to() {
        for ok in [
            "https://github.com/acme/deploy.git",
            "ssh://git@github.com/acme/deploy.git",
            "git@github.com:acme/deploy.git",
            "file:///srv/deploy.git",
            "http://127.0.0.1:9418/deploy.git",
        ] {
            assert!(GitopsCommand::check(&spec(ok), "gitops").is_ok(), "{ok}");
        }
        for (bad, words) in [
            ("ftp://host/deploy.git", "ftp://"),
            ("https://", "not a repository URL"),
            ("deploy", "not a repository URL"),
            ("", "empty"),
            ("https://github.com/a\n/b", "control characters"),
        ] {
            let err = GitopsCommand::check(&spec(bad), "gitops").unwrap_err();
            let text = format!("{:#}", err.error());
            assert!(text.contains(words), "{bad:?}: {text}");
        }
        let err = GitopsCommand::check(&spec("ftp://user:pa55word@host/x"), "gitops").unwrap_err();
        assert!(!format!("{:#}", err.error()).contains("pa55word"));
    }

    #[test]
    fn output_loses_the_urls_credentials() {
        let command = GitopsCommand::new(
            &spec("https://x-access-token:ghs_s3cr3t@github.com/acme/deploy.git"),
            "r",
            "gitops",
        )
        .unwrap();
        assert_eq!(
            command.describe(),
            "ghcr.io/acme/web in https://***@github.com/acme/deploy.git"
        );
        let cleaned = command.clean("fatal: https://x-access-token:ghs_s3cr3t@github.com refused");
        assert!(!cleaned.contains("ghs_s3cr3t"), "{cleaned}");
        assert!(command.args.iter().any(|a| a == "--format=json"));
    }
}
