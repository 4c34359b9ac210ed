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

impl From<devnet_keyring::TrustError> for DaemonError {
    fn from(e: devnet_keyring::TrustError) -> Self {
        use devnet_keyring::TrustError as T;
        match e {
            T::Invalid(m) => DaemonError::InvalidArgument(m),
            T::NotFound(m) => DaemonError::NotFound(m),
            T::AlreadyExists(m) => DaemonError::AlreadyExists(m),
            T::NothingTrusted(m) => DaemonError::FailedPrecondition(m),
            T::Io { what, source } => DaemonError::Io { what, source },
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

    /// Whether the home's store is held by another process: a devnetd (perhaps still starting,
    /// its socket not served yet) or a dvb running standalone.
    pub fn is_home_in_use(&self) -> bool {
        matches!(self, DaemonError::Store(StoreError::InUse { .. }))
    }

    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let what = what.into();
        move |source| DaemonError::Io { what, source }
    }
}

#[cfg(test)]
mod tests {
    use devnet_plugin_host::{PluginErrorKind, PluginHostError};

    use super::*;

    fn plugin(kind: PluginErrorKind) -> DaemonError {
        DaemonError::Plugin(PluginHostError::Plugin {
            plugin: "p@1".into(),
            call: "tx.tx-builder.build".into(),
            kind,
            message: "m".into(),
        })
    }

    #[test]
    fn a_plugins_refusal_for_good_should_be_permanent_and_a_fault_that_may_pass_should_not() {
        for kind in [
            PluginErrorKind::InvalidInput,
            PluginErrorKind::Unsupported,
            PluginErrorKind::Denied,
            PluginErrorKind::Internal,
        ] {
            assert!(plugin(kind).is_permanent(), "{kind}");
        }
        assert!(!plugin(PluginErrorKind::Chain).is_permanent());
        let trap = DaemonError::Plugin(PluginHostError::Trap {
            plugin: "p@1".into(),
            call: "c".into(),
            reason: "r".into(),
        });
        assert!(!trap.is_permanent());
        // A wrong sequence or a devnet not up yet is retried.
        assert!(!DaemonError::FailedPrecondition("no running node".into()).is_permanent());
        assert!(DaemonError::InvalidArgument("bad".into()).is_permanent());
        assert_eq!(
            plugin(PluginErrorKind::Unsupported).to_string(),
            "p@1: tx.tx-builder.build: unsupported: m"
        );
    }
}
