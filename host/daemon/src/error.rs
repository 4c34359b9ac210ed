//! What can go wrong in the daemon, by kind: the gRPC edge maps each kind to a status code, and
//! dvb shows the message as it is.

use devnet_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The request is wrong; the message says what and how to fix it.
    #[error("{0}")]
    InvalidArgument(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    AlreadyExists(String),
    /// Valid, but not now (e.g. the devnet is being destroyed).
    #[error("{0}")]
    FailedPrecondition(String),
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Plugin(#[from] devnet_plugin_host::PluginHostError),
    #[error(transparent)]
    Runtime(#[from] devnet_runtime::RuntimeError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Internal(String),
}

impl From<StoreError> for DaemonError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::AlreadyExists { .. } => DaemonError::AlreadyExists(e.to_string()),
            StoreError::NotFound { .. } => DaemonError::NotFound(e.to_string()),
            StoreError::Invalid(m) => DaemonError::InvalidArgument(m),
            other => DaemonError::Store(other),
        }
    }
}

impl DaemonError {
    /// Whether trying the same thing again cannot help: the request is wrong, or names what
    /// is not there, or the plugin refused it for good (bad input, unsupported, a capability it
    /// lacks, an export its API does not have, a bug it reports). Everything else (a node out of
    /// reach, a call cut off at its deadline, a trap, a devnet not up yet) may pass on a retry.
    pub fn is_permanent(&self) -> bool {
        match self {
            DaemonError::InvalidArgument(_) | DaemonError::NotFound(_) | DaemonError::AlreadyExists(_) => true,
            DaemonError::Plugin(e) => !e.is_transient(),
            _ => false,
        }
    }

    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let what = what.into();
        move |source| DaemonError::Io { what, source }
    }
}
