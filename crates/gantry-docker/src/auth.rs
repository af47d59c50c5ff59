//! Registry credentials for a push: [`RegistryAuth`] looks them up per
//! registry host; the daemon gets them in the `X-Registry-Auth` header.

use std::collections::{BTreeMap, HashMap};

use base64::Engine as _;

/// Credentials for a registry host, e.g. from the Docker config file
/// (gantry-registry's credential store implements the lookup).
pub trait RegistryAuth {
    /// `(user, secret)` for `registry` (`ghcr.io`, `127.0.0.1:5000`,
    /// `docker.io`), or `None` to push anonymously. A user of `<token>`
    /// means the secret is an identity token, as in Docker's config.
    fn credentials_for(&self, registry: &str) -> Option<(String, String)>;
}

/// No credentials for any registry.
#[derive(Debug, Clone, Copy, Default)]
pub struct Anonymous;

impl RegistryAuth for Anonymous {
    fn credentials_for(&self, _registry: &str) -> Option<(String, String)> {
        None
    }
}

impl<F> RegistryAuth for F
where
    F: Fn(&str) -> Option<(String, String)>,
{
    fn credentials_for(&self, registry: &str) -> Option<(String, String)> {
        self(registry)
    }
}

/// A fixed table, registry host → `(user, secret)`: resolve credentials
/// (e.g. with gantry-registry's async credential store and its helpers)
/// for each target's registry first, then push with the table.
impl<S: std::hash::BuildHasher> RegistryAuth for HashMap<String, (String, String), S> {
    fn credentials_for(&self, registry: &str) -> Option<(String, String)> {
        self.get(registry).cloned()
    }
}

impl RegistryAuth for BTreeMap<String, (String, String)> {
    fn credentials_for(&self, registry: &str) -> Option<(String, String)> {
        self.get(registry).cloned()
    }
}

/// The `X-Registry-Auth` header value the Engine API expects: base64url
/// (with padding, as the Docker CLI sends it) of the JSON auth config.
/// `{}` when anonymous. Never log it: it holds the secret.
pub(crate) fn registry_auth_header(
    registry: &str,
    credentials: Option<(String, String)>,
) -> String {
    let config = match credentials {
        Some((user, secret)) if user == "<token>" => serde_json::json!({
            "identitytoken": secret,
            "serveraddress": registry,
        }),
        Some((user, secret)) => serde_json::json!({
            "username": user,
            "password": secret,
            "serveraddress": registry,
        }),
        None => serde_json::json!({}),
    };
    base64::engine::general_purpose::URL_SAFE.encode(config.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(header: &str) -> serde_json::Value {
        let bytes = base64::engine::general_purpose::URL_SAFE
            .decode(header)
            .unwrap_or_default();
        serde_json::from_slice(&bytes).unwrap_or_default()
    }

    #[test]
    fn encodes_auth_headers() {
        assert_eq!(
            decode(&registry_auth_header("r:5000", None)),
            serde_json::json!({})
        );
        assert_eq!(
            decode(&registry_auth_header(
                "ghcr.io",
                Some(("me".to_owned(), "s3cr?t/+".to_owned()))
            )),
            serde_json::json!({"username": "me", "password": "s3cr?t/+", "serveraddress": "ghcr.io"})
        );
        assert_eq!(
            decode(&registry_auth_header(
                "docker.io",
                Some(("<token>".to_owned(), "tok".to_owned()))
            )),
            serde_json::json!({"identitytoken": "tok", "serveraddress": "docker.io"})
        );
        let header = registry_auth_header("r", Some(("u".to_owned(), "~~~???>>>".to_owned())));
        assert!(!header.contains('+') && !header.contains('/'), "{header}");
    }

    #[test]
    fn closures_and_anonymous_are_lookups() {
        let lookup =
            |registry: &str| (registry == "ghcr.io").then(|| ("me".to_owned(), "pw".to_owned()));
        assert_eq!(
            lookup.credentials_for("ghcr.io"),
            Some(("me".to_owned(), "pw".to_owned()))
        );
        assert_eq!(lookup.credentials_for("docker.io"), None);
        assert_eq!(Anonymous.credentials_for("ghcr.io"), None);
        let pair = ("me".to_owned(), "pw".to_owned());
        let map = HashMap::from([("ghcr.io".to_owned(), pair.clone())]);
        assert_eq!(map.credentials_for("ghcr.io"), Some(pair.clone()));
        assert_eq!(map.credentials_for("docker.io"), None);
        let map = BTreeMap::from([("ghcr.io".to_owned(), pair.clone())]);
        assert_eq!(map.credentials_for("ghcr.io"), Some(pair));
        assert_eq!(map.credentials_for("127.0.0.1:5000"), None);
    }
}
