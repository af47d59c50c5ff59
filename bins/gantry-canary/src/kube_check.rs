//! The Kubernetes check (`--workload`, `type: kubernetes`) as the canary
//! runs it:
//!
//! - its kubeconfig files are regular files (a FIFO would block the read
//!   for ever, and a blocking read is beyond any deadline), and the
//!   credentials in them are masked before anything can print them;
//! - a deadline: reaching the API server at preflight and each reading
//!   take at most `--kube-timeout`, so an API server that accepts and never
//!   answers is an outside failure naming its address (exit 3), not a
//!   hang. gantry-kube's own requests have a longer timeout and retries
//!   (minutes in all against a silent server); this bounds the canary's
//!   wait whatever they do.

use std::path::{Path, PathBuf};
use std::time::Duration;

use gantry_cli::CliError;
use gantry_runner::Printer;
use serde_json::Value;

use crate::outputs;

use futures_util::future::BoxFuture;
use gantry_analysis::CheckOutcome;
use gantry_checks::{CheckError, Measurement, PluggedCheck, Templating, format_duration};
use gantry_kube::RolloutCheck;

/// The default of `--kube-timeout`.
pub(crate) const DEFAULT_KUBE_TIMEOUT: Duration = Duration::from_secs(15);

/// A [`RolloutCheck`] with a deadline.
#[derive(Debug)]
pub(crate) struct KubeDeadline {
    inner: RolloutCheck,
    timeout: Duration,
}

impl KubeDeadline {
    pub(crate) fn new(inner: RolloutCheck, timeout: Duration) -> KubeDeadline {
        KubeDeadline { inner, timeout }
    }

    fn silent(&self) -> String {
        format!(
            "the Kubernetes API server {} did not answer within {} (--kube-timeout)",
            server(self.inner.kubeconfig.clone(), self.inner.context.as_deref())
                .unwrap_or_else(|| "(from the kubeconfig)".to_owned()),
            format_duration(self.timeout)
        )
    }
}

/// The API server's address as the kubeconfig gives it (the context's
/// cluster), for messages; `None` when it cannot be read.
fn server(kubeconfig: Option<PathBuf>, context: Option<&str>) -> Option<String> {
    use kube::config::Kubeconfig;
    let file = match kubeconfig {
        Some(path) => Kubeconfig::read_from(path).ok()?,
        None => Kubeconfig::read().ok()?,
    };
    let context_name = context
        .map(str::to_owned)
        .or_else(|| file.current_context.clone())?;
    let cluster_name = file
        .contexts
        .iter()
        .find(|c| c.name == context_name)?
        .context
        .as_ref()?
        .cluster
        .clone();
    let server = file
        .clusters
        .iter()
        .find(|c| c.name == cluster_name)?
        .cluster
        .as_ref()?
        .server
        .clone()?;
    Some(gantry_http::display_url_str(&server))
}

impl PluggedCheck for KubeDeadline {
    fn name(&self) -> String {
        self.inner.name()
    }

    fn threshold(&self) -> String {
        self.inner.threshold()
    }

    fn validate(&self) -> Result<(), CheckError> {
        if self.timeout.is_zero() {
            return Err(CheckError::Plugged {
                check: self.name(),
                message: "--kube-timeout must be more than 0".to_owned(),
                input: true,
            });
        }
        self.inner.validate()
    }

    fn preflight(&self) -> BoxFuture<'_, Result<(), CheckError>> {
        Box::pin(async move {
            match tokio::time::timeout(self.timeout, self.inner.preflight()).await {
                // An outside failure names the API server it could not use.
                Ok(Err(CheckError::Plugged {
                    check,
                    message,
                    input: false,
                })) => {
                    let message = match server(
                        self.inner.kubeconfig.clone(),
                        self.inner.context.as_deref(),
                    ) {
                        Some(server) if !message.contains(server.trim_end_matches('/')) => {
                            format!("{message} (API server {server})")
                        }
                        _ => message,
                    };
                    Err(CheckError::Plugged {
                        check,
                        message,
                        input: false,
                    })
                }
                Ok(result) => result,
                Err(_) => Err(CheckError::Plugged {
                    check: self.name(),
                    message: self.silent(),
                    input: false,
                }),
            }
        })
    }

    fn measure<'a>(&'a self, templating: &'a Templating) -> BoxFuture<'a, Measurement> {
        Box::pin(async move {
            match tokio::time::timeout(self.timeout, self.inner.measure(templating)).await {
                Ok(measurement) => measurement,
                Err(_) => Measurement {
                    check: self.name(),
                    outcome: CheckOutcome::ProviderError,
                    value: None,
                    threshold: self.threshold(),
                    detail: self.silent(),
                },
            }
        })
    }

    fn secrets(&self) -> Vec<String> {
        self.inner.secrets()
    }
}

/// Where a pod's service account token is mounted.
const SERVICE_ACCOUNT_TOKEN: &str = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/// The kubeconfig files the check will read, as kubectl finds them: the
/// one given, else every file of `$KUBECONFIG`, else `~/.kube/config`.
fn sources(kubeconfig: Option<&Path>) -> Vec<(String, PathBuf)> {
    if let Some(path) = kubeconfig {
        return vec![("--kubeconfig".to_owned(), path.to_path_buf())];
    }
    if let Some(list) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        return std::env::split_paths(&list)
            .filter(|p| !p.as_os_str().is_empty())
            .map(|p| ("$KUBECONFIG".to_owned(), p))
            .collect();
    }
    std::env::var_os("HOME")
        .map(|home| {
            vec![(
                "~/.kube/config".to_owned(),
                PathBuf::from(home).join(".kube/config"),
            )]
        })
        .unwrap_or_default()
}

/// Before anything runs: the check's kubeconfig files are regular files,
/// and every credential in them is masked (`token`, the token in
/// `tokenFile`, `password` and its Basic forms, `client-key-data`, the
/// auth provider's and exec plugin's secret-looking values). `name` is the
/// flag or spec field that gave the kubeconfig, for messages.
pub(crate) fn prepare_kubeconfig(
    name: &str,
    kubeconfig: Option<&Path>,
    printer: &mut Printer,
) -> Result<(), CliError> {
    let files = sources(kubeconfig);
    for (source, path) in &files {
        let shown = if source == "--kubeconfig" {
            name
        } else {
            source
        };
        outputs::check_readable_file(shown, path)?;
    }
    if kubeconfig.is_none() && files.iter().all(|(_, path)| !path.exists()) {
        // In a pod: the service account's token is what the client sends.
        if let Some(token) = token_file(SERVICE_ACCOUNT_TOKEN) {
            printer.mask(&token)?;
        }
        return Ok(());
    }
    // A kubeconfig that does not read is the check's to report, at preflight.
    let read = match kubeconfig {
        Some(path) => kube::config::Kubeconfig::read_from(path),
        None => kube::config::Kubeconfig::read(),
    };
    let Ok(file) = read else {
        return Ok(());
    };
    for user in &file.auth_infos {
        let Some(auth) = &user.auth_info else {
            continue;
        };
        // Serialising exposes the secret strings: that is the point here.
        let Ok(json) = serde_json::to_value(auth) else {
            continue;
        };
        for secret in secrets_of(&json) {
            printer.mask(&secret)?;
        }
        if let (Some(user), Some(password)) = (
            json["username"].as_str(),
            json["password"].as_str().filter(|p| !p.is_empty()),
        ) {
            printer.mask_basic_auth(user, password)?;
        }
    }
    Ok(())
}

/// The secret values of one kubeconfig user (as JSON).
fn secrets_of(auth: &Value) -> Vec<String> {
    let mut secrets = Vec::new();
    for key in ["token", "password", "client-key-data"] {
        if let Some(value) = auth[key].as_str() {
            secrets.push(value.to_owned());
        }
    }
    if let Some(token) = auth["tokenFile"].as_str().and_then(token_file) {
        secrets.push(token);
    }
    if let Some(config) = auth["auth-provider"]["config"].as_object() {
        for (key, value) in config {
            if gantry_checks::is_sensitive_name(key)
                && let Some(value) = value.as_str()
            {
                secrets.push(value.to_owned());
            }
        }
    }
    if let Some(env) = auth["exec"]["env"].as_array() {
        for pair in env {
            if let (Some(name), Some(value)) = (pair["name"].as_str(), pair["value"].as_str())
                && gantry_checks::is_sensitive_name(name)
            {
                secrets.push(value.to_owned());
            }
        }
    }
    secrets.retain(|s| !s.trim().is_empty());
    secrets
}

/// The token a `tokenFile` holds (a regular file of at most 64 KiB).
fn token_file(path: &str) -> Option<String> {
    use std::io::Read as _;
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > 64 * 1024 {
        return None;
    }
    let mut text = String::new();
    std::fs::File::open(path)
        .ok()?
        .take(64 * 1024)
        .read_to_string(&mut text)
        .ok()?;
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_kind_of_kubeconfig_secret_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let token_path = dir.path().join("token");
        std::fs::write(&token_path, "file-t0ken\n").unwrap();
        let auth = serde_json::json!({
            "username": "admin",
            "password": "pa55",
            "token": "t0ken",
            "tokenFile": token_path.display().to_string(),
            "client-key-data": "a2V5",
            "client-certificate-data": "not-secret",
            "auth-provider": {"name": "oidc", "config": {"id-token": "id-t0k", "client-id": "web"}},
            "exec": {"env": [{"name": "API_TOKEN", "value": "exec-t0k"}, {"name": "REGION", "value": "eu"}]},
        });
        let mut found = secrets_of(&auth);
        found.sort();
        assert_eq!(
            found,
            ["a2V5", "exec-t0k", "file-t0ken", "id-t0k", "pa55", "t0ken"]
        );
    }
}
