//! The canary's Kubernetes readiness as a gantry-canary check: every
//! interval, the workload's rollout with `kubectl rollout status`'s
//! reading, and its pods. Rolled out passes; a rollout that failed, or a
//! pod crash-looping or unable to pull its image, fails at once (a canary
//! that is not running cannot be judged healthy); a rollout still in
//! progress is no data; the API not answering is a provider error.

use std::path::PathBuf;
use std::time::Duration;

use futures_util::future::BoxFuture;
use gantry_analysis::CheckOutcome;
use gantry_checks::{CheckError, Measurement, PluggedCheck, Templating};
use tokio::sync::OnceCell;

use crate::rollout::{RolloutProgress, evaluate};
use crate::wait::{read_workload, rollout_pods};
use crate::{
    Client, ConnectOptions, DEFAULT_REQUEST_TIMEOUT, KubeError, SecretSink, WorkloadRef,
    connect_with, unhealthy_pods,
};

/// Pod reasons that fail the check even while the rollout is in progress.
const BROKEN: &[&str] = &[
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "CreateContainerConfigError",
    "OOMKilled",
];

/// How long one reading may take (longer when one request may:
/// [`RolloutCheck::request_timeout`]).
const MEASURE_TIMEOUT: Duration = Duration::from_secs(10);

/// `kubernetes` check: a workload's rollout and pods.
pub struct RolloutCheck {
    /// The display name (default `kubernetes: NAMESPACE/WORKLOAD`).
    pub name: Option<String>,
    /// `deployment/NAME`, `sts/NAME`, … as given.
    pub workload: String,
    /// Its namespace (default: the kubeconfig context's).
    pub namespace: Option<String>,
    /// The kubeconfig (default: `$KUBECONFIG`, `~/.kube/config`, in-cluster).
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context.
    pub context: Option<String>,
    /// The deadline of each request to the API server (`--kube-timeout`).
    pub request_timeout: Duration,
    /// Where the kubeconfig's credentials are recorded when it is read,
    /// for masking: keep a clone and [`SecretSink::take`] it.
    pub secrets: SecretSink,
    connected: OnceCell<(Client, WorkloadRef)>,
}

impl std::fmt::Debug for RolloutCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RolloutCheck")
            .field("workload", &self.workload)
            .field("namespace", &self.namespace)
            .field("kubeconfig", &self.kubeconfig)
            .field("context", &self.context)
            .field("request_timeout", &self.request_timeout)
            .field("connected", &self.connected.initialized())
            .finish()
    }
}

impl RolloutCheck {
    /// A check of `workload`; it connects at preflight.
    pub fn new(
        workload: &str,
        namespace: Option<String>,
        kubeconfig: Option<PathBuf>,
        context: Option<String>,
    ) -> RolloutCheck {
        RolloutCheck {
            name: None,
            workload: workload.trim().to_owned(),
            namespace,
            kubeconfig,
            context,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            secrets: SecretSink::default(),
            connected: OnceCell::new(),
        }
    }

    /// The same check with another request deadline (`--kube-timeout`).
    pub fn with_request_timeout(mut self, timeout: Duration) -> RolloutCheck {
        self.request_timeout = timeout;
        self
    }

    fn shown(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{ns}/{}", self.workload),
            None => self.workload.clone(),
        }
    }

    async fn measure_now(&self) -> Measurement {
        let name = PluggedCheck::name(self);
        let threshold = PluggedCheck::threshold(self);
        let measured = |outcome, detail: String| Measurement {
            check: name.clone(),
            outcome,
            value: None,
            threshold: threshold.clone(),
            detail,
        };
        let Some((client, workload)) = self.connected.get() else {
            return measured(
                CheckOutcome::ProviderError,
                "not connected to the cluster".to_owned(),
            );
        };
        let reading = async {
            let current = read_workload(client, workload).await?;
            let progress = evaluate(&current);
            let pods = match &progress {
                RolloutProgress::Done(_) => Vec::new(),
                _ => unhealthy_pods(&rollout_pods(client, workload, &current).await?),
            };
            Ok::<_, KubeError>((progress, pods))
        };
        let limit = MEASURE_TIMEOUT.max(self.request_timeout);
        match tokio::time::timeout(limit, reading).await {
            Err(_) => measured(
                CheckOutcome::ProviderError,
                format!(
                    "the API server did not answer within {} s",
                    limit.as_secs_f64()
                ),
            ),
            Ok(Err(KubeError::NotFound { object })) => {
                measured(CheckOutcome::Fail, format!("{object} not found (deleted?)"))
            }
            Ok(Err(error)) => measured(CheckOutcome::ProviderError, error.to_string()),
            Ok(Ok((progress, pods))) => {
                let broken: Vec<String> = pods
                    .iter()
                    .filter(|p| BROKEN.contains(&p.reason.as_str()))
                    .map(ToString::to_string)
                    .collect();
                match progress {
                    RolloutProgress::Done(message) => measured(CheckOutcome::Pass, message),
                    RolloutProgress::Failed(message) => {
                        measured(CheckOutcome::Fail, with_pods(message, &broken))
                    }
                    RolloutProgress::Unsupported(message) => measured(CheckOutcome::Fail, message),
                    RolloutProgress::Waiting(message) if !broken.is_empty() => {
                        measured(CheckOutcome::Fail, with_pods(message, &broken))
                    }
                    RolloutProgress::Waiting(message) => measured(
                        CheckOutcome::NoData,
                        format!("still rolling out: {message}"),
                    ),
                }
            }
        }
    }
}

fn with_pods(message: String, pods: &[String]) -> String {
    if pods.is_empty() {
        message
    } else {
        format!("{message}; {}", pods.join("; "))
    }
}

fn check_error(check: &str, error: KubeError) -> CheckError {
    CheckError::Plugged {
        check: check.to_owned(),
        input: error.is_input_error(),
        message: error.to_string(),
    }
}

impl PluggedCheck for RolloutCheck {
    fn name(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("kubernetes: {}", self.shown()))
    }

    fn threshold(&self) -> String {
        "rolled out, no crash-looping pods".to_owned()
    }

    fn validate(&self) -> Result<(), CheckError> {
        WorkloadRef::parse(
            &self.workload,
            self.namespace.as_deref().unwrap_or("default"),
        )
        .map(|_| ())
        .map_err(|e| check_error(&PluggedCheck::name(self), e))
    }

    fn preflight(&self) -> BoxFuture<'_, Result<(), CheckError>> {
        Box::pin(async move {
            let name = PluggedCheck::name(self);
            let client = connect_with(&ConnectOptions {
                kubeconfig: self.kubeconfig.clone(),
                context: self.context.clone(),
                request_timeout: self.request_timeout,
                secrets: self.secrets.clone(),
            })
            .await
            .map_err(|e| check_error(&name, e))?;
            let namespace = self
                .namespace
                .clone()
                .unwrap_or_else(|| client.default_namespace().to_owned());
            let workload = WorkloadRef::parse(&self.workload, &namespace)
                .map_err(|e| check_error(&name, e))?;
            // A missing workload is bad input now, not a failure later.
            read_workload(&client, &workload)
                .await
                .map_err(|e| check_error(&name, e))?;
            let _ = self.connected.set((client, workload));
            Ok(())
        })
    }

    fn measure<'a>(&'a self, _templating: &'a Templating) -> BoxFuture<'a, Measurement> {
        Box::pin(self.measure_now())
    }
}
