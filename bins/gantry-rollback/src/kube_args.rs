//! The cluster flags every Kubernetes subcommand shares, and the async
//! runtime they run on.

use std::path::PathBuf;

use gantry_cli::{CliError, env_vars};
use gantry_kube::KubeError;

#[derive(Debug, Clone, clap::Args)]
pub(crate) struct KubeArgs {
    /// The kubeconfig (default: $KUBECONFIG, else ~/.kube/config, else
    /// the pod's service account).
    #[arg(long, value_name = "FILE", env = env_vars::GANTRY_KUBECONFIG, global = true)]
    pub(crate) kubeconfig: Option<PathBuf>,

    /// The kubeconfig context (default: its current context).
    #[arg(long, value_name = "NAME", env = env_vars::GANTRY_KUBE_CONTEXT, global = true)]
    pub(crate) context: Option<String>,

    /// The namespace (default: the context's).
    #[arg(short = 'n', long, value_name = "NAMESPACE", env = env_vars::GANTRY_NAMESPACE, global = true)]
    pub(crate) namespace: Option<String>,
}

impl KubeArgs {
    /// A client, and the namespace to use.
    pub(crate) async fn connect(&self) -> Result<(gantry_kube::Client, String), CliError> {
        let client = gantry_kube::connect(self.kubeconfig.as_deref(), self.context.as_deref())
            .await
            .map_err(kube_error)?;
        let namespace = self
            .namespace
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| client.default_namespace().to_owned());
        Ok((client, namespace))
    }
}

/// Bad input (a missing object, a wrong namespace, an unreadable
/// kubeconfig, nothing to undo) is exit 2; the cluster failing is exit 3.
pub(crate) fn kube_error(error: KubeError) -> CliError {
    if error.is_input_error() {
        CliError::usage(error)
    } else {
        CliError::external(error)
    }
}

/// Run `future` on a current-thread runtime.
pub(crate) fn block_on<T>(
    future: impl std::future::Future<Output = Result<T, CliError>>,
) -> Result<T, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::external(anyhow::anyhow!("cannot start the async runtime: {e}")))?
        .block_on(future)
}
