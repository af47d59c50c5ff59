//! Revert: put back the image a service had before its last deploy, found
//! from the trailers gantry writes, as a new commit that says why.

use gantry_image::ImageRef;
use gantry_manifest::Update;

use crate::deploy::{CommitSettings, Deployer, Outcome, Target, inputs};
use crate::error::DeployError;
use crate::message::{MessageInput, parse_image_trailer, parse_trailers, trailer};

/// How far back to look for the deploy to undo.
const HISTORY_LIMIT: usize = 500;

/// What to revert to.
#[derive(Debug, Clone)]
pub struct RevertRequest {
    /// The image (repository) to revert.
    pub image: ImageRef,
    /// The reference to put back; found from history when `None`.
    pub to: Option<ImageRef>,
    /// Why, for the commit message.
    pub reason: Option<String>,
}

impl Deployer {
    /// Revert `request.image` in `target`.
    pub fn revert(
        &self,
        target: &Target,
        request: &RevertRequest,
        settings: &CommitSettings,
    ) -> Result<Outcome, DeployError> {
        let (_tmp, checkout) = self.checkout(target)?;
        let current = self.current(&checkout, target, &request.image)?;
        let (to, reverts) = match &request.to {
            Some(to) => (to.clone(), None),
            None => {
                let history = checkout.log(&target.paths, HISTORY_LIMIT)?;
                match previous(&history, &request.image, &current) {
                    Found::Before(before, sha) => (before, Some(sha)),
                    Found::AlreadyReverted(sha) => {
                        return Ok(Outcome {
                            changed: false,
                            commit: Some(sha),
                            attempts: 0,
                            changes: Vec::new(),
                            up_to_date: 1,
                            message: None,
                            done_by_another: false,
                            images: Vec::new(),
                            missing: Vec::new(),
                        });
                    }
                    Found::Nothing => {
                        return Err(DeployError::NothingFound(format!(
                            "no gantry deploy of `{current}` in the last {HISTORY_LIMIT} commits of `{}`: say what to revert to with --to",
                            target.branch
                        )));
                    }
                }
            }
        };
        let update = Update::parse(&format!("{}={to}", request.image))
            .map_err(|e| DeployError::NothingFound(e.to_string()))?;
        let base = MessageInput {
            operation: "revert".to_owned(),
            environment: target.environment.clone(),
            reason: request.reason.clone(),
            reverts,
            provenance: settings.provenance.clone(),
            ..MessageInput::default()
        };
        self.apply_in(&checkout, target, &[update], &base, settings)
    }

    /// The one reference of `image` deployed in the checkout.
    fn current(
        &self,
        checkout: &gantry_git::Checkout,
        target: &Target,
        image: &ImageRef,
    ) -> Result<ImageRef, DeployError> {
        let inputs = inputs(checkout, target)?;
        let (found, errors) = gantry_files::scan_tree(&inputs, &self.file_options);
        if let Some(first) = errors.first() {
            return Err(DeployError::Refused {
                count: errors.len(),
                first: first.to_string(),
                errors,
            });
        }
        let mut current: Option<ImageRef> = None;
        for site in found
            .iter()
            .flat_map(|(_, s)| s)
            .filter(|s| s.matches(image))
        {
            match &current {
                Some(c) if c.normalized() != site.current.normalized() => {
                    return Err(DeployError::Ambiguous {
                        name: image.to_string(),
                        first: c.to_string(),
                        second: site.current.to_string(),
                        environment: target
                            .environment
                            .clone()
                            .unwrap_or_else(|| target.branch.clone()),
                    });
                }
                Some(_) => {}
                None => current = Some(site.current.clone()),
            }
        }
        current.ok_or_else(|| {
            DeployError::NothingFound(format!(
                "`{image}` is not deployed in `{}`",
                target.environment.as_deref().unwrap_or(&target.branch)
            ))
        })
    }
}

/// What the history says about the deploy of `current`.
#[derive(Debug, PartialEq, Eq)]
enum Found {
    /// Revert to this, undoing that commit.
    Before(ImageRef, String),
    /// The newest gantry commit for the image already reverted to `current`.
    AlreadyReverted(String),
    /// No gantry commit deployed `current`.
    Nothing,
}

/// Newest first: the newest gantry commit that set `image` to `current`.
fn previous(history: &[(String, String)], image: &ImageRef, current: &ImageRef) -> Found {
    for (sha, message) in history {
        let trailers = parse_trailers(message);
        let operation = trailers
            .iter()
            .find(|(k, _)| k == trailer::OPERATION)
            .map(|(_, v)| v.as_str());
        for (_, value) in trailers.iter().filter(|(k, _)| k == trailer::IMAGE) {
            let Some((name, before, after)) = parse_image_trailer(value) else {
                continue;
            };
            let same_image = ImageRef::parse(&name).is_ok_and(|n| n.same_repository(image));
            let is_current =
                ImageRef::parse(&after).is_ok_and(|a| a.normalized() == current.normalized());
            if !same_image || !is_current {
                continue;
            }
            if operation == Some("revert") {
                return Found::AlreadyReverted(sha.clone());
            }
            return match ImageRef::parse(&before) {
                Ok(before) => Found::Before(before, sha.clone()),
                Err(_) => Found::Nothing,
            };
        }
    }
    Found::Nothing
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn msg(op: &str, before: &str, after: &str) -> String {
        format!("x\n\nGantry-Operation: {op}\nGantry-Image: ghcr.io/acme/api {before} -> {after}\n")
    }

    #[test]
    fn finds_what_to_revert_to() {
        let api = ImageRef::parse("ghcr.io/acme/api").unwrap();
        let r = |s: &str| ImageRef::parse(s).unwrap();
        let h = |entries: &[(&str, String)]| {
            entries
                .iter()
                .map(|(s, m)| ((*s).to_owned(), m.clone()))
                .collect::<Vec<_>>()
        };
        let history = h(&[
            (
                "c3",
                msg("update", "ghcr.io/acme/api:2", "ghcr.io/acme/api:3"),
            ),
            (
                "c2",
                msg("update", "ghcr.io/acme/api:1", "ghcr.io/acme/api:2"),
            ),
            ("c1", "hand edit\n".to_owned()),
        ]);
        assert_eq!(
            previous(&history, &api, &r("ghcr.io/acme/api:3")),
            Found::Before(r("ghcr.io/acme/api:2"), "c3".into())
        );
        assert_eq!(
            previous(&history, &api, &r("ghcr.io/acme/api:2")),
            Found::Before(r("ghcr.io/acme/api:1"), "c2".into())
        );
        assert_eq!(
            previous(&history, &api, &r("ghcr.io/acme/api:9")),
            Found::Nothing
        );
        let reverted = h(&[
            (
                "r1",
                msg("revert", "ghcr.io/acme/api:3", "ghcr.io/acme/api:2"),
            ),
            (
                "c3",
                msg("update", "ghcr.io/acme/api:2", "ghcr.io/acme/api:3"),
            ),
        ]);
        assert_eq!(
            previous(&reverted, &api, &r("ghcr.io/acme/api:2")),
            Found::AlreadyReverted("r1".into())
        );
        let other = ImageRef::parse("ghcr.io/acme/web").unwrap();
        assert_eq!(
            previous(&history, &other, &r("ghcr.io/acme/web:3")),
            Found::Nothing
        );
    }
}
