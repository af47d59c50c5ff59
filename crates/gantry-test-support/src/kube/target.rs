//! Where Kubernetes tests run: the fake, or a real cluster when
//! `GANTRY_TEST_KUBECONFIG` names its kubeconfig.

use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::FakeKube;
use crate::tools;

/// The variable that points the tests at a real cluster.
pub const KUBECONFIG_ENV: &str = "GANTRY_TEST_KUBECONFIG";

/// A cluster to test against.
#[derive(Debug)]
pub enum KubeTarget {
    /// The fake API server, started for this test.
    Fake(FakeKube),
    /// A real cluster, by its kubeconfig.
    Real(PathBuf),
}

/// [`KubeTarget::from_env`].
pub fn target() -> io::Result<KubeTarget> {
    KubeTarget::from_env()
}

impl KubeTarget {
    /// The cluster of `GANTRY_TEST_KUBECONFIG` when it is set (and not
    /// empty), else a freshly started [`FakeKube`].
    pub fn from_env() -> io::Result<KubeTarget> {
        match std::env::var_os(KUBECONFIG_ENV) {
            Some(path) if !path.is_empty() => {
                let path = PathBuf::from(path);
                if path.is_file() {
                    Ok(KubeTarget::Real(path))
                } else {
                    Err(io::Error::new(
                        io::ErrorKind::NotFound,
                        format!("{KUBECONFIG_ENV}={} is not a file", path.display()),
                    ))
                }
            }
            _ => FakeKube::start().map(KubeTarget::Fake),
        }
    }

    /// The kubeconfig to hand to clients (`KUBECONFIG=…`).
    pub fn kubeconfig(&self) -> &Path {
        match self {
            KubeTarget::Fake(fake) => fake.kubeconfig(),
            KubeTarget::Real(path) => path,
        }
    }

    /// The fake, when testing against it (for its inspection and fault
    /// injection; tests that need those skip on a real cluster).
    pub fn fake(&self) -> Option<&FakeKube> {
        match self {
            KubeTarget::Fake(fake) => Some(fake),
            KubeTarget::Real(_) => None,
        }
    }

    /// Whether this is a real cluster.
    pub fn is_real(&self) -> bool {
        matches!(self, KubeTarget::Real(_))
    }

    /// `kubectl` pointed at this cluster (`KUBECONFIG` set; for the fake,
    /// its discovery cache kept in the fake's own directory), or `None`
    /// when kubectl is not installed.
    pub fn kubectl(&self) -> Option<Command> {
        match self {
            KubeTarget::Fake(fake) => fake.kubectl(),
            KubeTarget::Real(path) => {
                let mut cmd = Command::new(tools::tool("kubectl").ok()?);
                cmd.env("KUBECONFIG", path);
                Some(cmd)
            }
        }
    }
}
