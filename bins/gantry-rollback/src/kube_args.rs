//! The cluster flags every Kubernetes subcommand shares, and the async
//! runtime they run on.

use std::path::PathBuf;

use gantry_cli::{CliError, env_vars, parse_duration};
use gantry_kube::{ConnectOptions, Credential, KubeError, SecretSink, WorkloadKind, WorkloadRef};
use gantry_runner::Printer;

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

    /// The deadline of each request to the Kubernetes API server, its
    /// answer included; a request that runs into it is tried once more.
    #[arg(long, value_name = "DURATION", default_value = "15s", env = env_vars::GANTRY_KUBE_TIMEOUT, global = true, allow_hyphen_values = true)]
    pub(crate) kube_timeout: String,

    /// The credentials the client read or sent, masked before anything
    /// prints.
    #[arg(skip)]
    pub(crate) secrets: SecretSink,
}

/// The cluster flags, checked: what connecting needs.
#[derive(Debug, Clone)]
pub(crate) struct Cluster {
    options: ConnectOptions,
    namespace: Option<String>,
}

impl KubeArgs {
    /// Every cluster flag checked, before anything is contacted.
    pub(crate) fn check(&self) -> Result<Cluster, CliError> {
        let request_timeout = parse_duration("--kube-timeout", &self.kube_timeout, false)?;
        if let Some(path) = &self.kubeconfig
            && path.as_os_str().is_empty()
        {
            return Err(usage("invalid --kubeconfig ``: expected a file"));
        }
        let context = match self.context.as_deref() {
            None => None,
            Some(c) if c.trim().is_empty() => None,
            Some(c) if c.chars().any(char::is_control) => {
                return Err(usage(&format!(
                    "invalid --context {c:?}: it holds control characters"
                )));
            }
            Some(c) => Some(c.to_owned()),
        };
        let namespace = match self.namespace.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(n) => Some(check_namespace(n, "--namespace")?),
        };
        Ok(Cluster {
            options: ConnectOptions {
                kubeconfig: self.kubeconfig.clone(),
                context,
                request_timeout,
                secrets: self.secrets.clone(),
            },
            namespace,
        })
    }

    /// Mask every credential the client read or sent since the last call.
    pub(crate) fn mask(&self, printer: &mut Printer) -> Result<(), CliError> {
        mask_credentials(&self.secrets, printer)
    }
}

/// Register `sink`'s new credentials with the printer.
pub(crate) fn mask_credentials(sink: &SecretSink, printer: &mut Printer) -> Result<(), CliError> {
    for credential in sink.take() {
        match credential {
            Credential::Secret(secret) => printer.mask(&secret)?,
            Credential::BasicAuth { user, password } => {
                printer.mask_basic_auth(&user, &password)?
            }
            _ => {}
        }
    }
    Ok(())
}

impl Cluster {
    /// A client, and the namespace to use. Sends nothing to the cluster.
    /// The kubeconfig's credentials are masked as soon as it is read,
    /// whether or not it can be used.
    pub(crate) async fn connect(
        &self,
        printer: &mut Printer,
    ) -> Result<(gantry_kube::Client, String), CliError> {
        let connected = gantry_kube::connect_with(&self.options).await;
        mask_credentials(&self.options.secrets, printer)?;
        let client = connected.map_err(kube_error)?;
        let namespace = match &self.namespace {
            Some(n) => n.clone(),
            None => check_namespace(client.default_namespace(), "the context's namespace")?,
        };
        Ok((client, namespace))
    }
}

/// A workload's kind and name checked before connecting (the namespace
/// comes from the flags or the context); its kind.
pub(crate) fn check_workload(spec: &str) -> Result<WorkloadKind, CliError> {
    WorkloadRef::parse(spec, "default")
        .map(|w| w.kind)
        .map_err(kube_error)
}

/// A namespace as Kubernetes defines one: an RFC 1123 label.
pub(crate) fn check_namespace(namespace: &str, what: &str) -> Result<String, CliError> {
    let ok = !namespace.is_empty()
        && namespace.len() <= 63
        && namespace
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !namespace.starts_with('-')
        && !namespace.ends_with('-');
    if ok {
        Ok(namespace.to_owned())
    } else {
        Err(usage(&format!(
            "invalid {what} {namespace:?}: a namespace is at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit"
        )))
    }
}

fn usage(message: &str) -> CliError {
    CliError::usage(anyhow::anyhow!(message.to_owned()))
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

/// Run `future` on a current-thread runtime. The runtime is shut down
/// without waiting for blocking work: an exec plugin that hangs past the
/// deadline must not hold the exit.
pub(crate) fn block_on<T>(
    future: impl std::future::Future<Output = Result<T, CliError>>,
) -> Result<T, CliError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::external(anyhow::anyhow!("cannot start the async runtime: {e}")))?;
    let result = runtime.block_on(future);
    runtime.shutdown_background();
    result
}
