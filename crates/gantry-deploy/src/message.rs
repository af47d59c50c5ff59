//! Commit messages: a subject that names each image old → new, a body, and
//! trailers that link the commit back to what made it. Revert reads the
//! trailers back ([`parse_trailers`]), so their format is a contract.

/// One image a commit changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageChange {
    /// The repository (`ghcr.io/acme/api`).
    pub name: String,
    /// The reference before (`ghcr.io/acme/api:1.0.0`), empty if unknown.
    pub before: String,
    /// The reference after.
    pub after: String,
}

/// Where a deploy came from, for the trailers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Provenance {
    /// The source repository (`acme/api` or a URL).
    pub repository: Option<String>,
    /// The source commit.
    pub commit: Option<String>,
    /// The workflow run URL.
    pub run_url: Option<String>,
    /// Who started it.
    pub actor: Option<String>,
}

/// Everything a message is made from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageInput {
    /// `update`, `promote` or `revert`.
    pub operation: String,
    /// The environment, if the target is one.
    pub environment: Option<String>,
    /// For promote: the environment the images come from.
    pub from_environment: Option<String>,
    /// The images changed.
    pub images: Vec<ImageChange>,
    /// Why (revert), shown in the body.
    pub reason: Option<String>,
    /// For revert: the commit reverted.
    pub reverts: Option<String>,
    /// Provenance trailers.
    pub provenance: Provenance,
}

/// The trailer keys.
pub mod trailer {
    /// `update`, `promote` or `revert`.
    pub const OPERATION: &str = "Gantry-Operation";
    /// The environment.
    pub const ENVIRONMENT: &str = "Gantry-Environment";
    /// `NAME BEFORE -> AFTER`, one per image.
    pub const IMAGE: &str = "Gantry-Image";
    /// The commit a revert undoes.
    pub const REVERTS: &str = "Gantry-Reverts";
    /// Source repository.
    pub const SOURCE_REPOSITORY: &str = "Gantry-Source-Repository";
    /// Source commit.
    pub const SOURCE_COMMIT: &str = "Gantry-Source-Commit";
    /// Workflow run.
    pub const RUN: &str = "Gantry-Run";
    /// Actor.
    pub const ACTOR: &str = "Gantry-Actor";
}

/// The placeholders [`render`] fills.
const PLACEHOLDERS: &[&str] = &["operation", "environment", "images", "summary", "reason"];

/// Refuse a template with a `{word}` placeholder [`render`] does not fill
/// (a typo would otherwise stay in every commit message). Braces around
/// anything but a word are text.
pub fn check_template(template: &str) -> Result<(), crate::error::DeployError> {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = rest.get(open + 1..).unwrap_or("");
        let word_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(after.len());
        let word = after.get(..word_len).unwrap_or("");
        if !word.is_empty()
            && after.get(word_len..).is_some_and(|t| t.starts_with('}'))
            && !PLACEHOLDERS.contains(&word)
        {
            return Err(crate::error::DeployError::BadTemplate {
                placeholder: word.to_owned(),
            });
        }
        rest = after;
    }
    Ok(())
}

/// Render the message. `template`, when given, replaces the subject and
/// body; it may use `{operation}`, `{environment}`, `{images}` (one line
/// per image, `name: before → after`), `{summary}` (the default subject)
/// and `{reason}`. The trailers are always added.
pub fn render(input: &MessageInput, template: Option<&str>) -> String {
    let summary = subject(input);
    let images: String = input
        .images
        .iter()
        .map(|i| format!("- {}: {} → {}\n", i.name, shown(&i.before), i.after))
        .collect();
    let mut text = match template {
        Some(t) => t
            .replace("{operation}", &input.operation)
            .replace("{environment}", input.environment.as_deref().unwrap_or(""))
            .replace("{images}", images.trim_end())
            .replace("{summary}", &summary)
            .replace("{reason}", input.reason.as_deref().unwrap_or("")),
        None => {
            let mut t = summary;
            if input.images.len() > 1 || input.reason.is_some() {
                t.push_str("\n\n");
                if let Some(reason) = &input.reason {
                    t.push_str(reason.trim());
                    t.push_str("\n\n");
                }
                if input.images.len() > 1 {
                    t.push_str(&images);
                }
            }
            t
        }
    };
    let text_trimmed = text.trim_end().to_owned();
    text = text_trimmed;
    text.push_str("\n\n");
    let mut trailers = vec![(trailer::OPERATION, input.operation.clone())];
    if let Some(env) = &input.environment {
        trailers.push((trailer::ENVIRONMENT, env.clone()));
    }
    for image in &input.images {
        trailers.push((
            trailer::IMAGE,
            format!("{} {} -> {}", image.name, shown(&image.before), image.after),
        ));
    }
    if let Some(sha) = &input.reverts {
        trailers.push((trailer::REVERTS, sha.clone()));
    }
    let p = &input.provenance;
    for (key, value) in [
        (trailer::SOURCE_REPOSITORY, &p.repository),
        (trailer::SOURCE_COMMIT, &p.commit),
        (trailer::RUN, &p.run_url),
        (trailer::ACTOR, &p.actor),
    ] {
        if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
            trailers.push((key, v.clone()));
        }
    }
    for (key, value) in trailers {
        // A trailer is one line: a newline in a value would end it.
        text.push_str(&format!("{key}: {}\n", value.replace(['\n', '\r'], " ")));
    }
    text
}

fn shown(before: &str) -> &str {
    if before.is_empty() { "(none)" } else { before }
}

/// The default subject: `deploy(staging): ghcr.io/acme/api 1.0 → 1.1`.
fn subject(input: &MessageInput) -> String {
    let verb = match input.operation.as_str() {
        "update" => "deploy",
        other => other,
    };
    let scope = match (&input.from_environment, &input.environment) {
        (Some(from), Some(to)) => format!("({from} → {to})"),
        (None, Some(env)) => format!("({env})"),
        _ => String::new(),
    };
    match input.images.as_slice() {
        [one] => format!(
            "{verb}{scope}: {} {} → {}",
            one.name,
            short(&one.before, &one.name),
            short(&one.after, &one.name)
        ),
        many => format!("{verb}{scope}: {} images", many.len()),
    }
}

/// `ghcr.io/acme/api:1.0` → `1.0` when the name is the same.
fn short<'a>(reference: &'a str, name: &str) -> &'a str {
    if reference.is_empty() {
        return "(none)";
    }
    reference
        .strip_prefix(name)
        .and_then(|rest| {
            rest.strip_prefix(':')
                .or_else(|| rest.strip_prefix('@').map(|_| rest))
        })
        .unwrap_or(reference)
}

/// The trailers of a message: `(key, value)` in order, from its last
/// paragraph.
pub fn parse_trailers(message: &str) -> Vec<(String, String)> {
    let last = message.trim_end().rsplit("\n\n").next().unwrap_or("");
    last.lines()
        .filter_map(|line| {
            let (k, v) = line.split_once(": ")?;
            (!k.is_empty() && !k.contains(' ')).then(|| (k.to_owned(), v.trim().to_owned()))
        })
        .collect()
}

/// An `Gantry-Image` trailer's value: (name, before, after).
pub fn parse_image_trailer(value: &str) -> Option<(String, String, String)> {
    let (name, rest) = value.split_once(' ')?;
    let (before, after) = rest.split_once(" -> ")?;
    let before = if before == "(none)" { "" } else { before };
    Some((name.to_owned(), before.to_owned(), after.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(name: &str, before: &str, after: &str) -> ImageChange {
        ImageChange {
            name: name.into(),
            before: before.into(),
            after: after.into(),
        }
    }

    #[test]
    fn templates_name_only_known_placeholders() {
        for good in [
            "{summary}",
            "deploy {environment}: {images}\n\n{reason} {operation}",
            "json {\"a\": 1} { x } {}",
            "no braces",
        ] {
            assert!(check_template(good).is_ok(), "{good}");
        }
        for (bad, word) in [("{summry}", "summry"), ("ok {summary} {env}", "env")] {
            assert_eq!(
                check_template(bad).err().map(|e| e.to_string()),
                Some(format!(
                    "invalid --message: unknown placeholder `{{{word}}}`; known: {{summary}}, {{images}}, {{environment}}, {{operation}}, {{reason}}"
                )),
                "{bad}"
            );
        }
    }

    #[test]
    fn messages_name_each_image_and_carry_trailers() {
        let one = MessageInput {
            operation: "update".into(),
            environment: Some("staging".into()),
            images: vec![change(
                "ghcr.io/acme/api",
                "ghcr.io/acme/api:1.0.0",
                "ghcr.io/acme/api:1.1.0",
            )],
            provenance: Provenance {
                repository: Some("acme/api".into()),
                commit: Some("abc123".into()),
                run_url: Some("https://github.com/acme/api/actions/runs/7".into()),
                actor: Some("octocat".into()),
            },
            ..MessageInput::default()
        };
        let table: Vec<(MessageInput, Option<&str>, &str)> = vec![
            (
                one.clone(),
                None,
                "deploy(staging): ghcr.io/acme/api 1.0.0 → 1.1.0\n\nGantry-Operation: update\nGantry-Environment: staging\nGantry-Image: ghcr.io/acme/api ghcr.io/acme/api:1.0.0 -> ghcr.io/acme/api:1.1.0\nGantry-Source-Repository: acme/api\nGantry-Source-Commit: abc123\nGantry-Run: https://github.com/acme/api/actions/runs/7\nGantry-Actor: octocat\n",
            ),
            (
                MessageInput {
                    operation: "update".into(),
                    images: vec![
                        change("nginx", "nginx:1.25", "nginx:1.27"),
                        change("redis", "", "redis:7"),
                    ],
                    ..MessageInput::default()
                },
                None,
                "deploy: 2 images\n\n- nginx: nginx:1.25 → nginx:1.27\n- redis: (none) → redis:7\n\nGantry-Operation: update\nGantry-Image: nginx nginx:1.25 -> nginx:1.27\nGantry-Image: redis (none) -> redis:7\n",
            ),
            (
                MessageInput {
                    operation: "revert".into(),
                    environment: Some("production".into()),
                    images: vec![change(
                        "ghcr.io/acme/api",
                        "ghcr.io/acme/api:1.1.0",
                        "ghcr.io/acme/api:1.0.0",
                    )],
                    reason: Some("canary failed: error rate 31% > 1%".into()),
                    reverts: Some("deadbeef".into()),
                    ..MessageInput::default()
                },
                None,
                "revert(production): ghcr.io/acme/api 1.1.0 → 1.0.0\n\ncanary failed: error rate 31% > 1%\n\nGantry-Operation: revert\nGantry-Environment: production\nGantry-Image: ghcr.io/acme/api ghcr.io/acme/api:1.1.0 -> ghcr.io/acme/api:1.0.0\nGantry-Reverts: deadbeef\n",
            ),
            (
                MessageInput {
                    operation: "promote".into(),
                    environment: Some("production".into()),
                    from_environment: Some("staging".into()),
                    images: vec![change(
                        "ghcr.io/acme/api",
                        "ghcr.io/acme/api:1.0.0",
                        "ghcr.io/acme/api@sha256:ab",
                    )],
                    ..MessageInput::default()
                },
                None,
                "promote(staging → production): ghcr.io/acme/api 1.0.0 → @sha256:ab\n\nGantry-Operation: promote\nGantry-Environment: production\nGantry-Image: ghcr.io/acme/api ghcr.io/acme/api:1.0.0 -> ghcr.io/acme/api@sha256:ab\n",
            ),
            (
                one.clone(),
                Some("chore: {summary} [skip ci]\n\n{images}"),
                "chore: deploy(staging): ghcr.io/acme/api 1.0.0 → 1.1.0 [skip ci]\n\n- ghcr.io/acme/api: ghcr.io/acme/api:1.0.0 → ghcr.io/acme/api:1.1.0\n\nGantry-Operation: update\nGantry-Environment: staging\nGantry-Image: ghcr.io/acme/api ghcr.io/acme/api:1.0.0 -> ghcr.io/acme/api:1.1.0\nGantry-Source-Repository: acme/api\nGantry-Source-Commit: abc123\nGantry-Run: https://github.com/acme/api/actions/runs/7\nGantry-Actor: octocat\n",
            ),
        ];
        for (input, template, want) in table {
            assert_eq!(render(&input, template), want);
        }
    }

    #[test]
    fn trailers_read_back() {
        let text = "deploy: x\n\nbody\n\nGantry-Operation: update\nGantry-Image: nginx nginx:1.25 -> nginx:1.27\nGantry-Image: redis (none) -> redis:7\n";
        let trailers = parse_trailers(text);
        assert_eq!(trailers.len(), 3);
        assert_eq!(
            parse_image_trailer(&trailers[1].1),
            Some(("nginx".into(), "nginx:1.25".into(), "nginx:1.27".into()))
        );
        assert_eq!(
            parse_image_trailer(&trailers[2].1),
            Some(("redis".into(), String::new(), "redis:7".into()))
        );
        assert!(parse_trailers("just a subject").is_empty());
    }
}
