//! Promote: copy the exact references (digest included) deployed in one
//! environment to the next, as one commit.

use std::collections::BTreeMap;

use gantry_image::ImageRef;
use gantry_manifest::Update;

use crate::deploy::{CommitSettings, Deployer, Missing, Outcome, Target, inputs};
use crate::error::DeployError;
use crate::message::MessageInput;

impl Deployer {
    /// The references deployed in `from`, one per repository (all, or only
    /// `only`), as updates for another environment.
    pub fn deployed_images(
        &self,
        from: &Target,
        only: Option<&ImageRef>,
    ) -> Result<Vec<Update>, DeployError> {
        let (_tmp, checkout) = self.checkout(from)?;
        let inputs = inputs(&checkout, from)?;
        let (found, errors) = gantry_files::scan_tree(&inputs, &self.file_options);
        if let Some(first) = errors.first() {
            return Err(DeployError::Refused {
                count: errors.len(),
                first: first.to_string(),
                errors,
            });
        }
        let mut by_name: BTreeMap<String, ImageRef> = BTreeMap::new();
        for (_, sites) in &found {
            for site in sites {
                if only.is_some_and(|o| !site.current.same_repository(o)) {
                    continue;
                }
                if site.current.tag().is_none() && site.current.digest().is_none() {
                    continue;
                }
                let name = site.current.normalized_name();
                match by_name.get(&name) {
                    Some(existing) if existing.normalized() != site.current.normalized() => {
                        return Err(DeployError::Ambiguous {
                            name: site.current.without_tag().without_digest().to_string(),
                            first: existing.to_string(),
                            second: site.current.to_string(),
                            environment: from
                                .environment
                                .clone()
                                .unwrap_or_else(|| from.branch.clone()),
                        });
                    }
                    Some(_) => {}
                    None => {
                        by_name.insert(name, site.current.clone());
                    }
                }
            }
        }
        if by_name.is_empty() {
            return Err(DeployError::NothingFound(format!(
                "no image{} found in `{}` ({})",
                only.map(|o| format!(" `{o}`")).unwrap_or_default(),
                from.environment.as_deref().unwrap_or(&from.branch),
                if from.paths.is_empty() {
                    "the whole branch".to_owned()
                } else {
                    from.paths.join(", ")
                }
            )));
        }
        by_name
            .values()
            .map(|r| {
                Update::parse(&format!("{}={r}", r.without_tag().without_digest()))
                    .map_err(|e| DeployError::NothingFound(e.to_string()))
            })
            .collect()
    }

    /// Promote the images of `from` to `to`.
    pub fn promote(
        &self,
        from: &Target,
        to: &Target,
        only: Option<&ImageRef>,
        settings: &CommitSettings,
    ) -> Result<Outcome, DeployError> {
        let updates = self.deployed_images(from, only)?;
        let base = MessageInput {
            operation: "promote".to_owned(),
            environment: to.environment.clone(),
            from_environment: Some(
                from.environment
                    .clone()
                    .unwrap_or_else(|| from.branch.clone()),
            ),
            provenance: settings.provenance.clone(),
            ..MessageInput::default()
        };
        // Every image of `from`: `to` may not run all of them, but finding
        // none of them there means the wrong place.
        let policy = match (only, self.missing) {
            (None, Missing::Refuse) => Missing::RefuseIfNone,
            (_, given) => given,
        };
        let deployer = Deployer {
            missing: policy,
            ..self.clone()
        };
        deployer.apply(to, &updates, &base, settings)
    }
}
