//! A deadline around the Kubernetes check (`--workload`, `type:
//! kubernetes`): reaching the API server at preflight and each reading
//! take at most `--kube-timeout`, so an API server that accepts and never
//! answers is an outside failure naming its address (exit 3), not a hang.
//!
//! gantry-kube's own requests have a longer timeout and retries (minutes
//! in all against a silent server); this bounds the canary's wait
//! whatever they do.

use std::path::PathBuf;
use std::time::Duration;

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
