//! What a hook is told about the canary: environment variables for a
//! command, and the JSON payload for a webhook, both pure.
//!
//! The payload is Flagger's (`name`, `namespace`, `phase`, `checksum`,
//! `metadata`), so a receiver written for Flagger's webhooks (its load
//! tester, a gate) works unchanged, plus gantry's own fields: `hook` (the
//! hook's name), `gantryPhase` (`pre-analysis`, `step`, `promote`,
//! `rollback`, `abort`, `confirm`), `version`, and when they apply
//! `weight`, `step` (1-based), `decision` and `reason`. `phase` uses
//! Flagger's words: `Progressing` during the analysis, `Succeeded` after a
//! promotion, `Failed` after a rollback, `Waiting` at a confirm gate.

use std::collections::BTreeMap;

use gantry_analysis::Verdict;
use gantry_traffic::Weight;
use serde_json::{Map, Value};

/// `pre-analysis`, `step`, `promote` or `rollback` (or `abort`, `confirm`).
pub const PHASE_VAR: &str = "GANTRY_PHASE";
/// The hook's name.
pub const HOOK_NAME_VAR: &str = "GANTRY_HOOK_NAME";
/// The canary's name.
pub const NAME_VAR: &str = "GANTRY_CANARY_NAME";
/// The canary's namespace.
pub const NAMESPACE_VAR: &str = "GANTRY_CANARY_NAMESPACE";
/// The canary's version (a commit SHA, an image tag).
pub const VERSION_VAR: &str = "GANTRY_CANARY_VERSION";
/// The canary's weight in percent, when known.
pub const WEIGHT_VAR: &str = "GANTRY_CANARY_WEIGHT";
/// Stable's weight in percent, when known.
pub const STABLE_WEIGHT_VAR: &str = "GANTRY_STABLE_WEIGHT";
/// The traffic step, 1-based, when there are steps.
pub const STEP_VAR: &str = "GANTRY_STEP";
/// `promote`, `rollback` or `inconclusive`, once decided.
pub const DECISION_VAR: &str = "GANTRY_DECISION";
/// The decision's reason, once decided.
pub const REASON_VAR: &str = "GANTRY_REASON";
/// The deployed configuration's checksum (an image digest), when known.
pub const CHECKSUM_VAR: &str = "GANTRY_CHECKSUM";

/// The canary, as hooks are told about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HookContext {
    /// The canary's name.
    pub name: String,
    /// Its namespace.
    pub namespace: String,
    /// Its version.
    pub version: String,
    /// A checksum of what is deployed (Flagger's `checksum`), when known.
    pub checksum: Option<String>,
    /// The canary's weight now, when known.
    pub weight: Option<Weight>,
    /// The traffic step, 1-based, when there are steps.
    pub step: Option<u32>,
    /// The decision, once made.
    pub decision: Option<Verdict>,
    /// Its reason, once made.
    pub reason: Option<String>,
}

impl HookContext {
    /// The variables a command hook gets (`set`), and the ones that do not
    /// apply now and are removed from its environment (`unset`).
    pub fn env(&self, phase: &str, hook: &str) -> (BTreeMap<String, String>, Vec<String>) {
        let mut set = BTreeMap::new();
        let mut unset = Vec::new();
        let mut put = |name: &str, value: Option<String>| match value {
            Some(value) => {
                set.insert(name.to_owned(), value);
            }
            None => unset.push(name.to_owned()),
        };
        put(PHASE_VAR, Some(phase.to_owned()));
        put(HOOK_NAME_VAR, Some(hook.to_owned()));
        put(NAME_VAR, Some(self.name.clone()));
        put(NAMESPACE_VAR, Some(self.namespace.clone()));
        put(VERSION_VAR, Some(self.version.clone()));
        put(WEIGHT_VAR, self.weight.map(|w| w.canary().to_string()));
        put(
            STABLE_WEIGHT_VAR,
            self.weight.map(|w| w.stable().to_string()),
        );
        put(STEP_VAR, self.step.map(|s| s.to_string()));
        put(DECISION_VAR, self.decision.map(|d| d.as_str().to_owned()));
        put(REASON_VAR, self.reason.clone());
        put(CHECKSUM_VAR, self.checksum.clone());
        (set, unset)
    }

    /// The JSON a webhook gets (see the module docs).
    pub fn payload(
        &self,
        gantry_phase: &str,
        flagger_phase: &str,
        hook: &str,
        metadata: &BTreeMap<String, String>,
    ) -> Value {
        let mut body = Map::new();
        body.insert("name".to_owned(), self.name.clone().into());
        body.insert("namespace".to_owned(), self.namespace.clone().into());
        body.insert("phase".to_owned(), flagger_phase.into());
        if let Some(checksum) = &self.checksum {
            body.insert("checksum".to_owned(), checksum.clone().into());
        }
        if !metadata.is_empty() {
            let metadata: Map<String, Value> = metadata
                .iter()
                .map(|(k, v)| (k.clone(), Value::from(v.clone())))
                .collect();
            body.insert("metadata".to_owned(), metadata.into());
        }
        body.insert("hook".to_owned(), hook.into());
        body.insert("gantryPhase".to_owned(), gantry_phase.into());
        body.insert("version".to_owned(), self.version.clone().into());
        if let Some(weight) = self.weight {
            body.insert("weight".to_owned(), weight.canary().into());
        }
        if let Some(step) = self.step {
            body.insert("step".to_owned(), step.into());
        }
        if let Some(decision) = self.decision {
            body.insert("decision".to_owned(), decision.as_str().into());
        }
        if let Some(reason) = &self.reason {
            body.insert("reason".to_owned(), reason.clone().into());
        }
        Value::Object(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn full() -> HookContext {
        HookContext {
            name: "web".into(),
            namespace: "prod".into(),
            version: "abc123".into(),
            checksum: Some("sha256:0f".into()),
            weight: Weight::new(25),
            step: Some(2),
            decision: Some(Verdict::Rollback),
            reason: Some("rollback: 2 failed".into()),
        }
    }

    #[test]
    fn payloads_are_flaggers_plus_gantrys() {
        let metadata = BTreeMap::from([("cmd".to_owned(), "hey -z 1m".to_owned())]);
        assert_eq!(
            full().payload("rollback", "Failed", "notify", &metadata),
            json!({
                "name": "web", "namespace": "prod", "phase": "Failed",
                "checksum": "sha256:0f", "metadata": {"cmd": "hey -z 1m"},
                "hook": "notify", "gantryPhase": "rollback", "version": "abc123",
                "weight": 25, "step": 2, "decision": "rollback",
                "reason": "rollback: 2 failed",
            })
        );
        // What does not apply is left out, as Flagger leaves out empty
        // metadata.
        let bare = HookContext {
            name: "web".into(),
            ..HookContext::default()
        };
        assert_eq!(
            bare.payload("pre-analysis", "Progressing", "smoke", &BTreeMap::new()),
            json!({
                "name": "web", "namespace": "", "phase": "Progressing",
                "hook": "smoke", "gantryPhase": "pre-analysis", "version": "",
            })
        );
    }

    #[test]
    fn env_sets_what_applies_and_unsets_the_rest() {
        let (set, unset) = full().env("step", "load");
        let want: BTreeMap<String, String> = [
            ("GANTRY_PHASE", "step"),
            ("GANTRY_HOOK_NAME", "load"),
            ("GANTRY_CANARY_NAME", "web"),
            ("GANTRY_CANARY_NAMESPACE", "prod"),
            ("GANTRY_CANARY_VERSION", "abc123"),
            ("GANTRY_CANARY_WEIGHT", "25"),
            ("GANTRY_STABLE_WEIGHT", "75"),
            ("GANTRY_STEP", "2"),
            ("GANTRY_DECISION", "rollback"),
            ("GANTRY_REASON", "rollback: 2 failed"),
            ("GANTRY_CHECKSUM", "sha256:0f"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(set, want);
        assert!(unset.is_empty());

        let (set, unset) = HookContext::default().env("pre-analysis", "smoke");
        assert_eq!(set.len(), 5);
        assert_eq!(set["GANTRY_CANARY_VERSION"], "");
        assert_eq!(
            unset,
            [
                "GANTRY_CANARY_WEIGHT",
                "GANTRY_STABLE_WEIGHT",
                "GANTRY_STEP",
                "GANTRY_DECISION",
                "GANTRY_REASON",
                "GANTRY_CHECKSUM"
            ]
        );
    }
}
