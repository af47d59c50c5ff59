//! Which service: `projects/P/locations/L/services/S`, from the full
//! resource name or from a service name with a project and a region, and
//! the revision names that go with it.

use std::fmt;

use crate::error::Error;

const FULL_FORM: &str = "expected projects/PROJECT/locations/REGION/services/SERVICE, or a service name with a project and a region";

/// A Cloud Run service: project, region (location) and service ID.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServiceName {
    project: String,
    region: String,
    service: String,
}

impl ServiceName {
    /// From its parts, each checked.
    pub fn new(project: &str, region: &str, service: &str) -> Result<ServiceName, Error> {
        Ok(ServiceName {
            project: check_project(project.trim())?,
            region: check_region(region.trim())?,
            service: check_id("service name", service.trim())?,
        })
    }

    /// From the full resource name `projects/P/locations/L/services/S`.
    pub fn parse(full: &str) -> Result<ServiceName, Error> {
        let text = full.trim().trim_start_matches('/');
        match text.split('/').collect::<Vec<_>>().as_slice() {
            [
                "projects",
                project,
                "locations",
                region,
                "services",
                service,
            ] => ServiceName::new(project, region, service),
            _ => Err(Error::BadName {
                what: "service name",
                value: full.to_owned(),
                reason: FULL_FORM.to_owned(),
            }),
        }
    }

    /// From flags: `service` is either the full resource name (then a
    /// `project` or `region` also given must agree with it) or a service
    /// ID (then both are needed).
    pub fn resolve(
        service: &str,
        project: Option<&str>,
        region: Option<&str>,
    ) -> Result<ServiceName, Error> {
        let project = project.map(str::trim).filter(|p| !p.is_empty());
        let region = region.map(str::trim).filter(|r| !r.is_empty());
        if service.contains('/') {
            let name = ServiceName::parse(service)?;
            let clash = |what: &'static str, given: Option<&str>, inside: &str| match given {
                Some(given) if given != inside => Err(Error::BadName {
                    what,
                    value: given.to_owned(),
                    reason: format!("the service name {service:?} says {what} {inside:?}"),
                }),
                _ => Ok(()),
            };
            clash("project", project, &name.project)?;
            clash("region", region, &name.region)?;
            return Ok(name);
        }
        match (project, region) {
            (Some(project), Some(region)) => ServiceName::new(project, region, service),
            (None, _) => Err(Error::BadName {
                what: "service name",
                value: service.to_owned(),
                reason: format!("no project given; {FULL_FORM}"),
            }),
            (_, None) => Err(Error::BadName {
                what: "service name",
                value: service.to_owned(),
                reason: format!("no region given; {FULL_FORM}"),
            }),
        }
    }

    /// The project ID (or number).
    pub fn project(&self) -> &str {
        &self.project
    }

    /// The region, e.g. `europe-west1`.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The service ID.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// `projects/P/locations/L`: where operations live.
    pub fn parent(&self) -> String {
        format!("projects/{}/locations/{}", self.project, self.region)
    }

    /// A revision's full name.
    pub fn revision_name(&self, short: &str) -> String {
        format!("{self}/revisions/{short}")
    }

    /// A revision's short name (as in traffic targets) from its short or
    /// full name; a full name must be one of this service's revisions.
    pub fn short_revision(&self, revision: &str) -> Result<String, Error> {
        let text = revision.trim();
        let short = if text.contains('/') {
            let prefix = format!("{self}/revisions/");
            text.strip_prefix(&prefix).ok_or_else(|| Error::BadName {
                what: "revision",
                value: revision.to_owned(),
                reason: format!("expected a revision of {self} ({prefix}NAME, or NAME)"),
            })?
        } else {
            text
        };
        check_id("revision", short).map_err(|e| match e {
            Error::BadName { what, reason, .. } => Error::BadName {
                what,
                value: revision.to_owned(),
                reason,
            },
            other => other,
        })
    }
}

impl fmt::Display for ServiceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "projects/{}/locations/{}/services/{}",
            self.project, self.region, self.service
        )
    }
}

/// The short name of a full revision name (what follows `/revisions/`),
/// or the name itself.
pub(crate) fn last_segment(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

fn bad(what: &'static str, value: &str, reason: &str) -> Error {
    Error::BadName {
        what,
        value: value.to_owned(),
        reason: reason.to_owned(),
    }
}

/// Project IDs are 6–30 lowercase letters, digits and hyphens; numbers and
/// the old domain-scoped `example.com:project` form are also accepted.
fn check_project(project: &str) -> Result<String, Error> {
    let ok = !project.is_empty()
        && project.len() <= 100
        && project
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-.:".contains(c));
    if ok {
        Ok(project.to_owned())
    } else {
        Err(bad(
            "project",
            project,
            "expected a project ID (lowercase letters, digits and hyphens) or number",
        ))
    }
}

fn check_region(region: &str) -> Result<String, Error> {
    let ok = !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && region.starts_with(|c: char| c.is_ascii_lowercase());
    if ok {
        Ok(region.to_owned())
    } else {
        Err(bad(
            "region",
            region,
            "expected a region such as us-central1",
        ))
    }
}

/// Service and revision IDs: lowercase letters, digits and hyphens,
/// starting with a letter, not ending with a hyphen, at most 63.
fn check_id(what: &'static str, id: &str) -> Result<String, Error> {
    if id.is_empty() {
        return Err(bad(what, id, "it is empty"));
    }
    let ok = id.len() <= 63
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && !id.ends_with('-')
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(id.to_owned())
    } else {
        Err(bad(
            what,
            id,
            "expected lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen, at most 63 characters",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_resolves() {
        let full = "projects/acme-prod/locations/europe-west1/services/web";
        let name = ServiceName::parse(full).unwrap();
        assert_eq!(
            (name.project(), name.region(), name.service()),
            ("acme-prod", "europe-west1", "web")
        );
        assert_eq!(name.to_string(), full);
        assert_eq!(name.parent(), "projects/acme-prod/locations/europe-west1");
        let ok: [(&str, Option<&str>, Option<&str>); 4] = [
            (full, None, None),
            (full, Some("acme-prod"), Some("europe-west1")),
            ("web", Some("acme-prod"), Some("europe-west1")),
            (
                " /projects/acme-prod/locations/europe-west1/services/web ",
                None,
                None,
            ),
        ];
        for (service, project, region) in ok {
            assert_eq!(
                ServiceName::resolve(service, project, region).unwrap(),
                name,
                "{service}"
            );
        }
        let bad: [(&str, Option<&str>, Option<&str>, &str); 8] = [
            ("web", None, Some("r"), "no project given"),
            ("web", Some("p-123456"), None, "no region given"),
            ("projects/p/services/web", None, None, "expected projects/"),
            (full, Some("other"), None, "says project \"acme-prod\""),
            (full, None, Some("us-east1"), "says region"),
            ("Web", Some("acme"), Some("r1"), "lowercase"),
            ("web-", Some("acme"), Some("r1"), "hyphen"),
            (
                "projects/a b/locations/r/services/s",
                None,
                None,
                "project ID",
            ),
        ];
        for (service, project, region, want) in bad {
            let err = ServiceName::resolve(service, project, region).unwrap_err();
            assert!(err.is_input_error());
            assert!(err.to_string().contains(want), "{service}: {err}");
        }
        let err = ServiceName::parse("projects/p/locations/l/services/s/x").unwrap_err();
        assert!(
            err.to_string()
                .contains("\"projects/p/locations/l/services/s/x\""),
            "names the value: {err}"
        );
    }

    #[test]
    fn revision_names() {
        let name = ServiceName::new("p", "r1", "web").unwrap();
        let table: [(&str, Option<&str>); 5] = [
            ("web-00001-abc", Some("web-00001-abc")),
            (
                "projects/p/locations/r1/services/web/revisions/web-00002-x",
                Some("web-00002-x"),
            ),
            ("projects/p/locations/r1/services/api/revisions/api-1", None),
            ("WEB", None),
            ("", None),
        ];
        for (given, want) in table {
            assert_eq!(name.short_revision(given).ok().as_deref(), want, "{given}");
        }
        assert_eq!(
            name.revision_name("web-1"),
            "projects/p/locations/r1/services/web/revisions/web-1"
        );
        assert_eq!(last_segment("a/b/revisions/c"), "c");
        assert_eq!(last_segment("c"), "c");
    }
}
