//! Registry flags and client, shared by `compute --latest-from-registry`,
//! `push` and `resolve`.

use std::future::Future;

use anyhow::{Context as _, anyhow};
use gantry_cli::{CliError, env_vars};
use gantry_image::ImageRef;
use gantry_registry::{Client, ClientConfig, CredentialStore, Credentials, RetryPolicy};
use gantry_runner::Printer;

#[derive(Debug, Clone, clap::Args)]
pub(crate) struct RegistryArgs {
    /// Registry user name. Without it, credentials come from the Docker
    /// config file (`$DOCKER_CONFIG/config.json`, what docker/login-action
    /// writes) and its credential helpers.
    #[arg(long, env = env_vars::GANTRY_REGISTRY_USERNAME)]
    username: Option<String>,

    /// Registry password or token (masked in all output).
    #[arg(long, env = env_vars::GANTRY_REGISTRY_PASSWORD, hide_env_values = true)]
    password: Option<String>,

    /// Registries to speak plain HTTP to, `host[:port]` each,
    /// comma-separated (localhost and 127.0.0.0/8 always are).
    #[arg(long, value_name = "HOSTS", env = env_vars::GANTRY_INSECURE_REGISTRIES, default_value = "")]
    insecure_registries: String,

    /// Deadline of one registry request, e.g. `20s`. A request that timed
    /// out is retried once at most, so a registry that never answers ends
    /// the run after about two deadlines.
    #[arg(long, value_name = "DURATION", env = env_vars::GANTRY_REGISTRY_TIMEOUT, default_value = "20s")]
    registry_timeout: String,

    /// Attempts per registry request on 429, 5xx and connection errors (a
    /// timed-out request: 2 at most).
    #[arg(long, value_name = "N", env = env_vars::GANTRY_REGISTRY_ATTEMPTS, default_value_t = 5)]
    registry_attempts: u32,
}

impl RegistryArgs {
    /// A client for `registry`, with its credentials; the password is
    /// masked before anything can print it.
    pub(crate) fn client(&self, printer: &mut Printer) -> Result<Client, CliError> {
        let (timeout, insecure) = self.check()?;
        let credentials = self.credentials(printer)?;
        let retry = RetryPolicy {
            max_attempts: self.registry_attempts,
            ..RetryPolicy::default()
        };
        Client::new(ClientConfig {
            credentials,
            retry,
            insecure,
            timeout,
            ..ClientConfig::default()
        })
        .map_err(CliError::external)
    }

    /// The registry flags, checked (also when no registry is called, so a
    /// typo shows at once): the deadline and the insecure registries.
    pub(crate) fn check(&self) -> Result<(std::time::Duration, Vec<String>), CliError> {
        let timeout =
            gantry_cli::parse_duration("--registry-timeout", &self.registry_timeout, false)?;
        if self.registry_attempts == 0 {
            return Err(CliError::usage(anyhow!(
                "invalid --registry-attempts `0`: at least one attempt"
            )));
        }
        Ok((timeout, self.insecure()?))
    }

    /// The `--insecure-registries` entries, each a registry as written in an
    /// image reference (`host[:port]`, no scheme, no path).
    fn insecure(&self) -> Result<Vec<String>, CliError> {
        self.insecure_registries
            .split([',', '\n'])
            .map(str::trim)
            .filter(|host| !host.is_empty())
            .map(|host| {
                gantry_image::check_registry(host)
                    .map(|()| host.to_owned())
                    .map_err(|problem| {
                        CliError::usage(anyhow!(
                            "invalid --insecure-registries entry `{host}`: {problem} (expected host[:port], e.g. `registry.internal:5000`)"
                        ))
                    })
            })
            .collect()
    }

    /// Credentials from the flags, else the Docker config file.
    pub(crate) fn credentials(&self, printer: &mut Printer) -> Result<CredentialStore, CliError> {
        // Docker's own rule: `$DOCKER_CONFIG/config.json`, else
        // `~/.docker/config.json`.
        let config_file = printer
            .env()
            .var(env_vars::DOCKER_CONFIG)
            .map(|dir| std::path::Path::new(dir).join("config.json"));
        // The password first: nothing below may print before it is masked.
        if let Some(password) = &self.password {
            printer.mask(password)?;
        }
        let mut credentials =
            CredentialStore::from_docker_config(config_file.as_deref()).map_err(CliError::usage)?;
        mask_revealed(credentials.revealed(), printer)?;
        match (&self.username, &self.password) {
            (Some(username), Some(password)) => {
                printer.mask_basic_auth(username, password)?;
                credentials =
                    credentials.with_default_credentials(Credentials::new(username, password));
            }
            (None, None) => {}
            (Some(_), None) => {
                return Err(CliError::usage(anyhow!("--username needs --password")));
            }
            (None, Some(_)) => {
                return Err(CliError::usage(anyhow!("--password needs --username")));
            }
        }
        Ok(credentials)
    }
}

/// Map a registry error to its exit code: the user's (2) or the
/// registry's (3).
pub(crate) fn registry_error(error: gantry_registry::Error) -> CliError {
    if error.is_input_error() {
        CliError::usage(error)
    } else {
        CliError::external(error)
    }
}

/// The tags already in `image`'s repository.
pub(crate) fn existing_tags(
    client: &Client,
    image: &ImageRef,
    printer: &mut Printer,
) -> Result<Vec<String>, CliError> {
    match block_on_masked(client.revealed(), printer, client.list_tags(image))? {
        Ok(tags) => Ok(tags),
        // A repository that does not exist yet has no tags.
        Err(gantry_registry::Error::NotFound { .. }) => Ok(Vec::new()),
        Err(error) => Err(registry_error(error)),
    }
}

/// Mask every secret the credential store or client read since the last
/// call (a helper's answer, a bearer token), in each form it travels in.
pub(crate) fn mask_revealed(
    revealed: &gantry_registry::Revealed,
    printer: &mut Printer,
) -> Result<(), CliError> {
    for secret in revealed.take() {
        match secret {
            gantry_registry::Secret::Basic { username, password } => {
                printer.mask_basic_auth(&username, &password)?;
            }
            gantry_registry::Secret::Value(value) => printer.mask(&value)?,
        }
    }
    Ok(())
}

/// [`block_on`], then [`mask_revealed`] before the result can be printed.
pub(crate) fn block_on_masked<F: Future>(
    revealed: &gantry_registry::Revealed,
    printer: &mut Printer,
    future: F,
) -> Result<F::Output, CliError> {
    let output = block_on(future)?;
    mask_revealed(revealed, printer)?;
    Ok(output)
}

/// Run a future on a single-threaded runtime: gantry makes a handful of
/// requests, one after another.
pub(crate) fn block_on<F: Future>(future: F) -> Result<F::Output, CliError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
        .map_err(CliError::external)?;
    Ok(runtime.block_on(future))
}
