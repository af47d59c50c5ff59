//! A client from a kubeconfig, as kubectl finds one: `--kubeconfig`, else
//! `$KUBECONFIG` (a list of files, merged), else `~/.kube/config`, else
//! the pod's service account when running in a cluster.

use std::path::Path;

use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};
use kube::{Client, Config};

use crate::KubeError;
use crate::error::chain;

/// Connect to the cluster of `context` (the kubeconfig's current context
/// when `None`) in `kubeconfig` (found as kubectl does when `None`). The
/// client's default namespace is the context's (`default` when it has
/// none): [`Client::default_namespace`].
///
/// Nothing is sent to the cluster: a wrong server shows at the first
/// request. Retries are this crate's (bounded, see the crate docs), not
/// kube's default policy, whose back-off can grow to minutes.
pub async fn connect(
    kubeconfig: Option<&Path>,
    context: Option<&str>,
) -> Result<Client, KubeError> {
    let from_env = std::env::var_os("KUBECONFIG").is_some_and(|v| !v.is_empty());
    let source_name = match kubeconfig {
        Some(path) => path.display().to_string(),
        None if from_env => "$KUBECONFIG".to_owned(),
        None => "~/.kube/config".to_owned(),
    };
    let bad_file = |err: &KubeconfigError| KubeError::Kubeconfig {
        source_name: source_name.clone(),
        reason: reason(err),
    };
    let file = match kubeconfig {
        Some(path) => Some(Kubeconfig::read_from(path).map_err(|err| bad_file(&err))?),
        None => match Kubeconfig::read() {
            Ok(file) => Some(file),
            // No kubeconfig at all: maybe a pod with a service account.
            Err(err) if !from_env && context.is_none() && is_missing(&err) => {
                tracing::debug!(error = %err, "no kubeconfig; trying the in-cluster configuration");
                None
            }
            Err(err) => return Err(bad_file(&err)),
        },
    };
    let mut config = match file {
        Some(file) => from_file(file, &source_name, context).await?,
        None => Config::incluster().map_err(|in_cluster| KubeError::NoConfig {
            reason: format!(
                "no --kubeconfig, $KUBECONFIG is unset, {source_name} does not exist, and this is not a pod in a cluster ({})",
                chain(&in_cluster)
            ),
        })?,
    };
    config.default_retry = false;
    Client::try_from(config).map_err(|err| KubeError::Kubeconfig {
        source_name,
        reason: chain(&err),
    })
}

async fn from_file(
    file: Kubeconfig,
    source_name: &str,
    context: Option<&str>,
) -> Result<Config, KubeError> {
    if let Some(context) = context
        && !file.contexts.iter().any(|c| c.name == context)
    {
        return Err(KubeError::UnknownContext {
            source_name: source_name.to_owned(),
            context: context.to_owned(),
            known: file.contexts.iter().map(|c| c.name.clone()).collect(),
        });
    }
    let options = KubeConfigOptions {
        context: context.map(str::to_owned),
        ..KubeConfigOptions::default()
    };
    Config::from_custom_kubeconfig(file, &options)
        .await
        .map_err(|err| KubeError::Kubeconfig {
            source_name: source_name.to_owned(),
            reason: reason(&err),
        })
}

fn is_missing(err: &KubeconfigError) -> bool {
    match err {
        KubeconfigError::FindPath => true,
        KubeconfigError::ReadConfig(io, _) => io.kind() == std::io::ErrorKind::NotFound,
        _ => false,
    }
}

fn reason(err: &KubeconfigError) -> String {
    match err {
        KubeconfigError::CurrentContextNotSet => {
            "it has no current-context (pass --context)".to_owned()
        }
        KubeconfigError::MissingClusterUrl => "its cluster has no server URL".to_owned(),
        KubeconfigError::ReadConfig(io, _) => io.to_string(),
        KubeconfigError::Parse(parse) => {
            format!("not a kubeconfig: {}", redact(&parse.to_string()))
        }
        other => chain(other),
    }
}

/// A YAML error without what could be a secret: its first line (the
/// rest quotes the file), with quoted values elided.
fn redact(message: &str) -> String {
    let line = message.lines().next().unwrap_or_default();
    let line = line.strip_prefix("error: ").unwrap_or(line);
    let mut out = String::new();
    let mut quoted = false;
    for c in line.chars() {
        if c == '"' {
            if !quoted {
                out.push_str("\"…\"");
            }
            quoted = !quoted;
        } else if !quoted {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn broken_files_are_named_and_secrets_kept_out() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            ("clusters: [\n  token: s3cr3t-t0ken\n", "broken.yaml"),
            (
                "users:\n- name: u\n  user:\n    token: s3cr3t-t0ken\n    bogus: [1\n",
                "broken.yaml",
            ),
            ("users: s3cr3t-t0ken\n", "broken.yaml"),
        ];
        for (text, words) in cases {
            let path = dir.path().join("broken.yaml");
            std::fs::write(&path, text).unwrap();
            let err = connect(Some(&path), None).await.err().unwrap();
            let message = err.to_string();
            assert!(err.is_input_error(), "{message}");
            assert!(message.contains(words), "{message}");
            assert!(!message.contains("s3cr3t"), "the token leaked: {message}");
        }
    }

    #[test]
    fn yaml_errors_lose_their_quotes_and_snippets() {
        assert_eq!(
            redact(
                "invalid type: string \"s3cr3t\", expected a sequence\n --> <input>:1:8\n1 | users: s3cr3t"
            ),
            "invalid type: string \"…\", expected a sequence"
        );
        assert_eq!(
            redact("error: line 1 column 2: bad"),
            "line 1 column 2: bad"
        );
    }
}
