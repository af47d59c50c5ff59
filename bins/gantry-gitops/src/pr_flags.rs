//! `--labels` and `--reviewers`: each entry checked, none dropped. A
//! malformed entry is refused before anything is cloned, rather than sent
//! to GitHub (which would refuse it after the pull request is open) or left
//! out without a word.

use gantry_cli::CliError;

/// GitHub's longest label name.
const MAX_LABEL: usize = 50;
/// GitHub's longest login.
const MAX_LOGIN: usize = 39;

fn usage(message: String) -> CliError {
    CliError::usage(anyhow::anyhow!(message))
}

/// The entries of a comma-separated flag, trimmed; an empty entry (`a,,b`,
/// a trailing comma) is refused, naming the flag and what was given.
fn entries<'a>(flag: &str, values: &'a [String]) -> Result<Vec<&'a str>, CliError> {
    let all: Vec<&str> = values.iter().map(|v| v.trim()).collect();
    if all.iter().all(|v| v.is_empty()) {
        return Ok(Vec::new());
    }
    if all.iter().any(|v| v.is_empty()) {
        return Err(usage(format!(
            "invalid {flag} `{}`: an empty entry (two commas in a row, or one at an end)",
            values.join(",").escape_debug()
        )));
    }
    Ok(all)
}

/// `--labels`: names GitHub accepts (1 to 50 characters, no control
/// characters).
pub(crate) fn labels(values: &[String]) -> Result<Vec<String>, CliError> {
    let mut out: Vec<String> = Vec::new();
    for label in entries("--labels", values)? {
        if label.chars().any(char::is_control) {
            return Err(usage(format!(
                "invalid --labels entry `{}`: it holds a control character (a newline?)",
                label.escape_debug()
            )));
        }
        if label.chars().count() > MAX_LABEL {
            return Err(usage(format!(
                "invalid --labels entry `{label}`: GitHub label names have at most {MAX_LABEL} characters"
            )));
        }
        if !out.iter().any(|l| l == label) {
            out.push(label.to_owned());
        }
    }
    Ok(out)
}

/// A GitHub login: letters, digits and single hyphens inside, at most 39.
fn login(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= MAX_LOGIN
        && !text.starts_with('-')
        && !text.ends_with('-')
        && !text.contains("--")
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// A team slug: lower-case letters, digits, `-` and `_` (GitHub makes the
/// slug from the team's name).
fn slug(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 100
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// `--reviewers`: users (`octocat`, `@octocat`) and teams (`org/team`) of
/// the repository's `owner`. Returns (users, team slugs).
pub(crate) fn reviewers(
    values: &[String],
    owner: Option<&str>,
) -> Result<(Vec<String>, Vec<String>), CliError> {
    let mut users: Vec<String> = Vec::new();
    let mut teams: Vec<String> = Vec::new();
    for entry in entries("--reviewers", values)? {
        let bare = entry.strip_prefix('@').unwrap_or(entry);
        let bad = |why: &str| {
            usage(format!(
                "invalid --reviewers entry `{}`: {why}",
                entry.escape_debug()
            ))
        };
        match bare.split_once('/') {
            None => {
                if !login(bare) {
                    return Err(bad(
                        "not a GitHub login (letters, digits and single hyphens, at most 39)",
                    ));
                }
                if !users.iter().any(|u| u.eq_ignore_ascii_case(bare)) {
                    users.push(bare.to_owned());
                }
            }
            Some((org, team)) => {
                if !login(org) || !slug(team) {
                    return Err(bad("a team is `org/team-slug`"));
                }
                if let Some(owner) = owner
                    && !org.eq_ignore_ascii_case(owner)
                {
                    return Err(bad(&format!(
                        "team `{bare}` is not in `{owner}`, the repository's owner: only its teams can review"
                    )));
                }
                if !teams.iter().any(|t| t.eq_ignore_ascii_case(team)) {
                    teams.push(team.to_owned());
                }
            }
        }
    }
    Ok((users, teams))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn v(text: &str) -> Vec<String> {
        text.split(',').map(str::to_owned).collect()
    }

    fn err(result: Result<impl std::fmt::Debug, CliError>) -> String {
        format!("{:#}", result.unwrap_err().error())
    }

    #[test]
    fn labels_are_checked_not_dropped() {
        assert_eq!(
            labels(&v("deploy, staging ,deploy")).unwrap(),
            ["deploy", "staging"]
        );
        assert!(labels(&[]).unwrap().is_empty());
        assert!(labels(&v(" ")).unwrap().is_empty());
        assert_eq!(labels(&v("noequals")).unwrap(), ["noequals"]);
        for (given, want) in [
            ("a,,b", "invalid --labels `a,,b`: an empty entry"),
            ("a,", "invalid --labels `a,`: an empty entry"),
            (
                "a\nb",
                "invalid --labels entry `a\\nb`: it holds a control character",
            ),
            (
                &"x".repeat(51),
                "GitHub label names have at most 50 characters",
            ),
        ] {
            let got = err(labels(&v(given)));
            assert!(got.contains(want), "{given:?}: {got}");
        }
    }

    #[test]
    fn reviewers_are_users_or_teams_of_the_owner() {
        assert_eq!(
            reviewers(
                &v("octocat,@hubot,acme/platform-team,Octocat"),
                Some("acme")
            )
            .unwrap(),
            (
                vec!["octocat".to_owned(), "hubot".to_owned()],
                vec!["platform-team".to_owned()]
            )
        );
        for (given, want) in [
            ("a b", "not a GitHub login"),
            ("-x", "not a GitHub login"),
            ("a--b", "not a GitHub login"),
            (&"a".repeat(40), "not a GitHub login"),
            ("acme/", "a team is `org/team-slug`"),
            ("/team", "a team is `org/team-slug`"),
            ("acme/a/b", "a team is `org/team-slug`"),
            ("other/team", "team `other/team` is not in `acme`"),
            ("x,,y", "an empty entry"),
        ] {
            let got = err(reviewers(&v(given), Some("acme")));
            assert!(got.contains(want), "{given:?}: {got}");
        }
    }
}
