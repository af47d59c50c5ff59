//! The decisions, with no I/O: the order of revisions, where a rollback
//! goes, the split for a canary weight, whether a split can be applied
//! and whether it is already in place, and keeping tags when the split
//! changes.

use std::collections::BTreeMap;

use gantry_traffic::Weight;

use crate::error::Error;
use crate::model::{Revision, Service, TrafficTarget};
use crate::name::ServiceName;

/// How many revisions an error lists.
const LISTED: usize = 8;

/// Sort newest first: by creation time (parsed, not compared as text:
/// `…:00.5Z` is later than `…:00Z`), then by name, whose sequence number
/// (`web-00012-abc`) grows; revisions without a time go last.
pub fn sort_newest_first(revisions: &mut [Revision]) {
    revisions.sort_by(|a, b| {
        b.created()
            .cmp(&a.created())
            .then_with(|| b.short_name().cmp(a.short_name()))
    });
}

/// Where a split sends the traffic, the latest ready revision resolved
/// to its name: (revision, percent), zeros left out, by name. An entry
/// for the latest ready revision when there is none is left out too.
pub fn serving(service: &Service) -> Vec<(String, u8)> {
    let mut out: BTreeMap<String, u8> = BTreeMap::new();
    for target in service.split() {
        let revision = match &target.revision {
            Some(r) => Some(r.clone()),
            None => service.latest_ready().map(str::to_owned),
        };
        if let (Some(r), true) = (revision, target.percent > 0) {
            let entry = out.entry(r).or_default();
            *entry = entry.saturating_add(target.percent);
        }
    }
    out.into_iter().collect()
}

/// A split as written: percent per target (`None`: latest), zeros left out.
fn allocation(targets: &[TrafficTarget]) -> BTreeMap<Option<&str>, u32> {
    let mut out = BTreeMap::new();
    for t in targets.iter().filter(|t| t.percent > 0) {
        *out.entry(t.revision.as_deref()).or_default() += u32::from(t.percent);
    }
    out
}

/// Whether `current` already sends the traffic where `desired` does, as
/// written (100% latest is not 100% to the revision that is latest now:
/// the next deploy would move it). Tags and 0% entries do not count.
pub fn same_split(current: &[TrafficTarget], desired: &[TrafficTarget]) -> bool {
    allocation(current) == allocation(desired)
}

/// The split for a canary weight: the canary gets `weight`, stable the
/// rest; a target at 0% is left out.
pub fn canary_split(canary: &str, stable: &str, weight: Weight) -> Vec<TrafficTarget> {
    [(canary, weight.canary()), (stable, weight.stable())]
        .into_iter()
        .filter(|(_, percent)| *percent > 0)
        .map(|(revision, percent)| TrafficTarget::revision(revision, percent))
        .collect()
}

/// A split's shape: not empty, percents summing to 100, a revision (or
/// latest) at most once untagged, each tag once.
pub fn validate_split(service: &ServiceName, targets: &[TrafficTarget]) -> Result<(), Error> {
    let invalid = |reason: String| Error::InvalidSplit {
        service: service.to_string(),
        reason,
    };
    if targets.is_empty() {
        return Err(invalid("no traffic targets given".to_owned()));
    }
    let sum: u32 = targets.iter().map(|t| u32::from(t.percent)).sum();
    if sum != 100 {
        return Err(invalid(format!(
            "the percents add up to {sum}, not 100 ({})",
            describe(targets)
        )));
    }
    let mut untagged = std::collections::BTreeSet::new();
    let mut tags = std::collections::BTreeSet::new();
    for t in targets {
        let who = t.revision.as_deref().unwrap_or("latest");
        if let Some(tag) = &t.tag {
            if !tags.insert(tag.as_str()) {
                return Err(invalid(format!("the tag {tag:?} is given twice")));
            }
        } else if !untagged.insert(t.revision.as_deref()) {
            return Err(invalid(format!("{who} is listed twice")));
        }
    }
    Ok(())
}

/// Whether every revision of a split exists and, when it gets traffic,
/// is Ready (and, for the latest, that some revision is).
pub fn check_revisions(
    service: &ServiceName,
    targets: &[TrafficTarget],
    revisions: &[Revision],
) -> Result<(), Error> {
    for t in targets {
        match &t.revision {
            Some(name) => {
                let found = revisions.iter().find(|r| r.short_name() == name);
                match found {
                    None => {
                        return Err(Error::UnknownRevision {
                            service: service.to_string(),
                            revision: name.clone(),
                            known: known(revisions),
                        });
                    }
                    Some(r) if t.percent > 0 && !r.is_ready() => {
                        return Err(Error::InvalidSplit {
                            service: service.to_string(),
                            reason: format!(
                                "revision {name} is not Ready{}, so it cannot take {}% of the traffic",
                                r.not_ready_reason()
                                    .map(|m| format!(" ({m})"))
                                    .unwrap_or_default(),
                                t.percent
                            ),
                        });
                    }
                    Some(_) => {}
                }
            }
            None if t.percent > 0 && !revisions.iter().any(Revision::is_ready) => {
                return Err(Error::InvalidSplit {
                    service: service.to_string(),
                    reason:
                        "no revision is Ready, so the latest ready revision cannot take traffic"
                            .to_owned(),
                });
            }
            None => {}
        }
    }
    Ok(())
}

/// `desired`, keeping the tags of `current`: a tag on a revision that is
/// still in the split moves onto its (untagged) entry; a tag whose
/// revision leaves the split stays as a 0% entry, so tagged URLs keep
/// working. A tag `desired` sets itself wins.
pub fn with_tags(current: &[TrafficTarget], desired: &[TrafficTarget]) -> Vec<TrafficTarget> {
    let mut out = desired.to_vec();
    for old in current {
        let Some(tag) = &old.tag else { continue };
        if out.iter().any(|t| t.tag.as_ref() == Some(tag)) {
            continue;
        }
        match out
            .iter_mut()
            .find(|t| t.tag.is_none() && t.revision == old.revision)
        {
            Some(entry) => entry.tag = Some(tag.clone()),
            None => out.push(TrafficTarget {
                revision: old.revision.clone(),
                percent: 0,
                tag: Some(tag.clone()),
            }),
        }
    }
    out
}

/// Where [`crate::CloudRun::rollback_to_previous`] goes: the newest Ready
/// revision older than the latest one (the service's latest created
/// revision, else the newest listed). Going back from the latest, not
/// from what serves now, makes a second rollback a no-op instead of a
/// step further back, and makes a canary split (stable 90, canary 10)
/// go back to stable. `revisions` must be newest first.
pub fn previous_ready<'a>(
    service: &ServiceName,
    revisions: &'a [Revision],
    latest: Option<&str>,
) -> Result<&'a Revision, Error> {
    let start = latest
        .and_then(|l| revisions.iter().position(|r| r.short_name() == l))
        .unwrap_or(0);
    let from = revisions
        .get(start)
        .map(|r| r.short_name().to_owned())
        .or_else(|| latest.map(str::to_owned))
        .unwrap_or_else(|| "its latest revision".to_owned());
    revisions
        .iter()
        .skip(start + 1)
        .find(|r| r.is_ready())
        .ok_or_else(|| Error::NoPreviousRevision {
            service: service.to_string(),
            latest: from,
            known: known(revisions),
        })
}

/// `web-00003-c (not ready), web-00002-b, …`: a few, newest first.
fn known(revisions: &[Revision]) -> String {
    if revisions.is_empty() {
        return "none".to_owned();
    }
    let mut parts: Vec<String> = revisions
        .iter()
        .take(LISTED)
        .map(|r| {
            if r.is_ready() {
                r.short_name().to_owned()
            } else {
                format!("{} (not ready)", r.short_name())
            }
        })
        .collect();
    if revisions.len() > LISTED {
        parts.push(format!("{} more", revisions.len() - LISTED));
    }
    parts.join(", ")
}

/// `web-00002-b 25, web-00001-a 75`: a split for messages, 0% entries left
/// out (`none` when nothing is left).
pub fn describe(targets: &[TrafficTarget]) -> String {
    let parts: Vec<String> = targets
        .iter()
        .filter(|t| t.percent > 0)
        .map(|t| match &t.revision {
            Some(r) => format!("{r} {}", t.percent),
            None => format!("latest {}", t.percent),
        })
        .collect();
    if parts.is_empty() {
        "none".to_owned()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Condition;

    fn rev(name: &str, created: &str, ready: bool) -> Revision {
        Revision {
            name: format!("projects/p/locations/r/services/web/revisions/{name}"),
            create_time: (!created.is_empty()).then(|| created.to_owned()),
            conditions: vec![Condition {
                kind: "Ready".to_owned(),
                state: if ready {
                    "CONDITION_SUCCEEDED"
                } else {
                    "CONDITION_FAILED"
                }
                .to_owned(),
                ..Condition::default()
            }],
            ..Revision::default()
        }
    }

    fn svc() -> ServiceName {
        ServiceName::new("p", "r", "web").unwrap()
    }

    fn names(revisions: &[Revision]) -> Vec<&str> {
        revisions.iter().map(Revision::short_name).collect()
    }

    #[test]
    fn sorts_by_parsed_time_then_name() {
        let mut revisions = vec![
            rev("web-1", "2025-01-01T00:00:00Z", true),
            rev("web-2", "2025-01-01T00:00:00.5Z", true),
            rev("web-x", "", true),
            rev("web-4", "2025-01-01T00:01:00Z", true),
            rev("web-3", "2025-01-01T00:01:00Z", true),
            rev("web-5", "2025-01-01T01:00:00+01:00", true),
        ];
        sort_newest_first(&mut revisions);
        assert_eq!(
            names(&revisions),
            ["web-4", "web-3", "web-2", "web-5", "web-1", "web-x"]
        );
    }

    #[test]
    fn chooses_the_previous_ready_revision() {
        // Newest first.
        let revisions = vec![
            rev("web-5", "2025-01-05T00:00:00Z", true),
            rev("web-4", "2025-01-04T00:00:00Z", false),
            rev("web-3", "2025-01-03T00:00:00Z", true),
            rev("web-2", "2025-01-02T00:00:00Z", true),
            rev("web-1", "2025-01-01T00:00:00Z", false),
        ];
        let table: [(Option<&str>, Option<&str>); 7] = [
            (Some("web-5"), Some("web-3")),
            (None, Some("web-3")),
            (Some("web-gone"), Some("web-3")),
            (Some("web-4"), Some("web-3")),
            (Some("web-3"), Some("web-2")),
            (Some("web-2"), None),
            (Some("web-1"), None),
        ];
        for (latest, want) in table {
            let got = previous_ready(&svc(), &revisions, latest);
            assert_eq!(
                got.as_ref().ok().map(|r| r.short_name()),
                want,
                "{latest:?}"
            );
            if let Err(err) = got {
                assert!(err.is_input_error());
                assert!(err.to_string().contains("web-4 (not ready)"), "{err}");
            }
        }
        let err = previous_ready(&svc(), &[], None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot roll back projects/p/locations/r/services/web: no Ready revision is older than its latest revision (revisions, newest first: none)"
        );
    }

    #[test]
    fn canary_splits() {
        let table: [(u8, Vec<TrafficTarget>); 4] = [
            (0, vec![TrafficTarget::revision("stable", 100)]),
            (
                10,
                vec![
                    TrafficTarget::revision("canary", 10),
                    TrafficTarget::revision("stable", 90),
                ],
            ),
            (
                50,
                vec![
                    TrafficTarget::revision("canary", 50),
                    TrafficTarget::revision("stable", 50),
                ],
            ),
            (100, vec![TrafficTarget::revision("canary", 100)]),
        ];
        for (w, want) in table {
            let split = canary_split("canary", "stable", Weight::new(w).unwrap());
            assert_eq!(split, want, "{w}");
            assert!(validate_split(&svc(), &split).is_ok());
        }
    }

    #[test]
    fn validates_splits() {
        let r = TrafficTarget::revision;
        let table: [(Vec<TrafficTarget>, Option<&str>); 8] = [
            (vec![r("a", 60), r("b", 40)], None),
            (vec![r("a", 100), r("b", 0).tagged("b")], None),
            (vec![TrafficTarget::latest(100)], None),
            (vec![], Some("no traffic targets")),
            (
                vec![r("a", 60), r("b", 30)],
                Some("add up to 90, not 100 (a 60, b 30)"),
            ),
            (vec![r("a", 100), r("b", 10)], Some("add up to 110")),
            (vec![r("a", 50), r("a", 50)], Some("a is listed twice")),
            (
                vec![r("a", 50).tagged("t"), r("b", 50).tagged("t")],
                Some("the tag \"t\" is given twice"),
            ),
        ];
        for (split, want) in table {
            let got = validate_split(&svc(), &split);
            match want {
                None => assert!(got.is_ok(), "{split:?}: {got:?}"),
                Some(want) => {
                    let err = got.unwrap_err();
                    assert!(err.is_input_error());
                    assert!(err.to_string().contains(want), "{err}");
                }
            }
        }
    }

    #[test]
    fn checks_revisions() {
        let revisions = vec![
            rev("web-2", "2025-01-02T00:00:00Z", false),
            rev("web-1", "2025-01-01T00:00:00Z", true),
        ];
        let r = TrafficTarget::revision;
        let table: [(Vec<TrafficTarget>, Option<&str>); 5] = [
            (vec![r("web-1", 100)], None),
            (vec![r("web-1", 100), r("web-2", 0).tagged("t")], None),
            (
                vec![r("web-2", 100)],
                Some("revision web-2 is not Ready, so it cannot take 100% of the traffic"),
            ),
            (
                vec![r("web-9", 100)],
                Some("has no revision \"web-9\" (it has: web-2 (not ready), web-1)"),
            ),
            (vec![TrafficTarget::latest(100)], None),
        ];
        for (split, want) in table {
            let got = check_revisions(&svc(), &split, &revisions);
            match want {
                None => assert!(got.is_ok(), "{split:?}: {got:?}"),
                Some(want) => {
                    let err = got.unwrap_err();
                    assert!(err.is_input_error());
                    assert!(err.to_string().contains(want), "{err}");
                }
            }
        }
        let none_ready = vec![rev("web-2", "2025-01-02T00:00:00Z", false)];
        let err = check_revisions(&svc(), &[TrafficTarget::latest(100)], &none_ready).unwrap_err();
        assert!(err.to_string().contains("no revision is Ready"), "{err}");
    }

    #[test]
    fn compares_splits_as_written() {
        let r = TrafficTarget::revision;
        let table: [(Vec<TrafficTarget>, Vec<TrafficTarget>, bool); 5] = [
            (
                vec![r("a", 90), r("b", 10)],
                vec![r("b", 10), r("a", 90)],
                true,
            ),
            (
                vec![r("a", 100), r("b", 0).tagged("canary")],
                vec![r("a", 100)],
                true,
            ),
            (
                vec![r("a", 90), r("b", 10)],
                vec![r("a", 50), r("b", 50)],
                false,
            ),
            (vec![TrafficTarget::latest(100)], vec![r("a", 100)], false),
            (
                vec![r("a", 50).tagged("x"), r("a", 50)],
                vec![r("a", 100)],
                true,
            ),
        ];
        for (current, desired, same) in table {
            assert_eq!(
                same_split(&current, &desired),
                same,
                "{current:?} {desired:?}"
            );
        }
    }

    #[test]
    fn keeps_tags() {
        let r = TrafficTarget::revision;
        let current = vec![
            r("web-1", 90).tagged("stable"),
            r("web-2", 10).tagged("canary"),
            TrafficTarget::latest(0).tagged("head"),
        ];
        assert_eq!(
            with_tags(&current, &[r("web-1", 100)]),
            vec![
                r("web-1", 100).tagged("stable"),
                r("web-2", 0).tagged("canary"),
                TrafficTarget::latest(0).tagged("head"),
            ]
        );
        assert_eq!(
            with_tags(&current, &[r("web-2", 50), r("web-1", 50).tagged("canary")]),
            vec![
                r("web-2", 50),
                r("web-1", 50).tagged("canary"),
                r("web-1", 0).tagged("stable"),
                TrafficTarget::latest(0).tagged("head"),
            ]
        );
        assert_eq!(with_tags(&[r("a", 100)], &[r("b", 100)]), vec![r("b", 100)]);
    }

    #[test]
    fn resolves_what_serves() {
        let service = Service {
            traffic: vec![
                TrafficTarget::latest(60),
                TrafficTarget::revision("web-1", 30),
                TrafficTarget::revision("web-2", 10),
                TrafficTarget::revision("web-3", 0).tagged("t"),
            ],
            latest_ready_revision: Some(
                "projects/p/locations/r/services/web/revisions/web-2".to_owned(),
            ),
            ..Service::default()
        };
        assert_eq!(
            serving(&service),
            vec![("web-1".to_owned(), 30), ("web-2".to_owned(), 70)]
        );
        assert_eq!(serving(&Service::default()), vec![]);
        assert_eq!(describe(&service.traffic), "latest 60, web-1 30, web-2 10");
        assert_eq!(describe(&[]), "none");
    }
}
