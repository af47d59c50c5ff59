//! `{{name}}`, `{{namespace}}`, `{{version}}` and `{{interval}}` in queries
//! (and in the expected value of a JSON pointer check).

use std::time::Duration;

use crate::CheckError;

/// What a check's templates are filled with: the canary's identity and
/// the analysis interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Templating {
    /// The canary's name (`{{name}}`, also `{{target}}` as in Flagger).
    pub name: String,
    /// Its namespace (`{{namespace}}`).
    pub namespace: String,
    /// The version under test, e.g. a commit SHA (`{{version}}`).
    pub version: String,
    /// The analysis interval (`{{interval}}`, as a PromQL duration: `10s`,
    /// `1500ms`).
    pub interval: Duration,
}

/// The placeholders a template may use.
pub const PLACEHOLDERS: [&str; 5] = ["name", "target", "namespace", "version", "interval"];

impl Templating {
    /// `template` with every `{{placeholder}}` (spaces inside the braces
    /// allowed: `{{ version }}`) replaced by its value. Values are put in
    /// as they are, without PromQL quoting: put them inside the quotes of
    /// a label matcher (`version="{{version}}"`). A `{{` without a closing
    /// `}}` is kept as text; an unknown placeholder is an error.
    pub fn render(&self, template: &str) -> Result<String, CheckError> {
        substitute(template, |key| match key {
            "name" | "target" => Some(self.name.clone()),
            "namespace" => Some(self.namespace.clone()),
            "version" => Some(self.version.clone()),
            "interval" => Some(promql_duration(self.interval)),
            _ => None,
        })
    }
}

/// Check that `template` uses only known placeholders (before any
/// measurement, so a typo is exit 2, not a provider error every interval).
pub fn check_template(template: &str) -> Result<(), CheckError> {
    substitute(template, |key| {
        PLACEHOLDERS.contains(&key).then(String::new)
    })
    .map(|_| ())
}

fn substitute(
    template: &str,
    value: impl Fn(&str) -> Option<String>,
) -> Result<String, CheckError> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            break;
        };
        let key = after[..close].trim();
        out.push_str(&rest[..open]);
        match value(key) {
            Some(v) => out.push_str(&v),
            None => {
                return Err(CheckError::Template {
                    template: template.to_owned(),
                    placeholder: key.to_owned(),
                });
            }
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `d` as a PromQL duration: whole seconds as `10s`, anything else in
/// milliseconds (`1500ms`); below a millisecond, `1ms`.
pub fn promql_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        return "1ms".to_owned();
    }
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn templating() -> Templating {
        Templating {
            name: "api".to_owned(),
            namespace: "prod".to_owned(),
            version: "abc123".to_owned(),
            interval: Duration::from_secs(10),
        }
    }

    #[test]
    fn renders_every_placeholder() {
        let t = templating();
        assert_eq!(
            t.render(r#"rate(x{app="{{name}}",ns="{{ namespace }}",v="{{version}}"}[{{interval}}]) {{target}}"#)
                .unwrap(),
            r#"rate(x{app="api",ns="prod",v="abc123"}[10s]) api"#
        );
        assert_eq!(t.render("no placeholders").unwrap(), "no placeholders");
        assert_eq!(t.render("open {{ only").unwrap(), "open {{ only");
        assert_eq!(t.render("{{version}}{{version}}").unwrap(), "abc123abc123");
    }

    #[test]
    fn unknown_placeholders_are_named() {
        let err = templating().render("x{v=\"{{ verison }}\"}").unwrap_err();
        assert_eq!(
            err,
            CheckError::Template {
                template: "x{v=\"{{ verison }}\"}".to_owned(),
                placeholder: "verison".to_owned()
            }
        );
        assert!(err.to_string().contains("{{verison}}"), "{err}");
        assert!(err.is_input_error());
        assert!(check_template("{{ version }} {{interval}}").is_ok());
        assert!(check_template("{{ build }}").is_err());
    }

    #[test]
    fn promql_durations() {
        assert_eq!(promql_duration(Duration::from_secs(10)), "10s");
        assert_eq!(promql_duration(Duration::from_secs(90)), "90s");
        assert_eq!(promql_duration(Duration::from_millis(1500)), "1500ms");
        assert_eq!(promql_duration(Duration::ZERO), "1ms");
    }
}
