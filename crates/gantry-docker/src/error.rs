//! [`DockerError`]: every failure names the image, target or daemon it is
//! about, and says whether the user's input or an outside service is at
//! fault ([`DockerError::is_input_error`]).

/// What went wrong talking to the Docker Engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DockerError {
    /// The image to push is not in the local daemon (input).
    #[error("image `{image}` is not in the local Docker daemon")]
    ImageNotFound {
        /// The image ID or name as given.
        image: String,
    },
    /// A target reference cannot be pushed (input), e.g. it carries a
    /// digest.
    #[error("cannot push to `{target}`: {reason}")]
    InvalidTarget {
        /// The target as written.
        target: String,
        /// Why not.
        reason: String,
    },
    /// No target was given (input).
    #[error("no target to push `{image}` to")]
    NoTargets {
        /// The local image.
        image: String,
    },
    /// The Docker host address cannot be used (input).
    #[error("invalid Docker host `{host}`: {reason}")]
    InvalidHost {
        /// The address as given (`DOCKER_HOST` or a flag).
        host: String,
        /// Why not.
        reason: String,
    },
    /// The daemon does not answer (outside service).
    #[error("cannot reach the Docker Engine at `{host}`: {message}")]
    Unreachable {
        /// The address tried.
        host: String,
        /// The underlying error.
        message: String,
    },
    /// The daemon answered with an error to something other than a push
    /// (outside service).
    #[error("Docker daemon: {action} failed: {message}")]
    Daemon {
        /// What was being done, naming the image (`inspect image \`x\``).
        action: String,
        /// The daemon's message.
        message: String,
    },
    /// A push failed: the daemon's `errorDetail`, or a broken stream
    /// (outside service).
    #[error("push of `{target}` failed: {message}")]
    Push {
        /// The target reference.
        target: String,
        /// The daemon's message.
        message: String,
    },
    /// The push finished without reporting a digest (outside service).
    #[error("push of `{target}` finished without reporting a digest")]
    NoDigest {
        /// The target reference.
        target: String,
    },
}

impl DockerError {
    /// Whether the user's input is at fault (exit code 2) rather than an
    /// outside service (exit code 3).
    pub fn is_input_error(&self) -> bool {
        match self {
            DockerError::ImageNotFound { .. }
            | DockerError::InvalidTarget { .. }
            | DockerError::NoTargets { .. }
            | DockerError::InvalidHost { .. } => true,
            DockerError::Unreachable { .. }
            | DockerError::Daemon { .. }
            | DockerError::Push { .. }
            | DockerError::NoDigest { .. } => false,
        }
    }
}
