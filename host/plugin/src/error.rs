//! Errors of the plugin host. Every error about a plugin names it as `plugin-id@version`.

use std::path::PathBuf;

/// The kind of a plugin's own error (`plugin-error` in the WIT), kept from the plugin to the
/// daemon's error policies and the gRPC status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PluginErrorKind {
    /// The request is malformed or out of range: the caller must change it.
    InvalidInput,
    /// Valid, but this plugin or this chain version cannot do it.
    Unsupported,
    /// A capability call was refused by the host.
    Denied,
    /// The chain binary or a node answered with an error, or could not be reached: may pass later.
    Chain,
    /// A bug the plugin reports in itself.
    Internal,
}

impl std::fmt::Display for PluginErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PluginErrorKind::InvalidInput => "invalid input",
            PluginErrorKind::Unsupported => "unsupported",
            PluginErrorKind::Denied => "denied",
            PluginErrorKind::Chain => "chain error",
            PluginErrorKind::Internal => "plugin bug",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PluginHostError {
    #[error("starting the plugin engine: {0}")]
    Engine(String),

    #[error(
        "{path}: not a WebAssembly component ({reason}); build the plugin with `cargo build --target wasm32-wasip2`"
    )]
    NotAComponent { path: PathBuf, reason: String },

    #[error(
        "{path}: no `devnet-plugin-api` section, so its API version is unknown; build it with devnet-plugin-sdk's `export_plugin!`"
    )]
    NoApiVersion { path: PathBuf },

    #[error(
        "{path}: built for plugin API {found}, which this host does not support (it supports {supported}); rebuild it against a supported devnet-plugin-sdk"
    )]
    UnsupportedApi {
        path: PathBuf,
        found: String,
        supported: String,
    },

    #[error("{path}: compiling the component: {reason}")]
    Compile { path: PathBuf, reason: String },

    #[error("{path}: the component does not fit the devnet:plugin@{api} world: {reason}")]
    WrongWorld {
        path: PathBuf,
        api: crate::ApiVersion,
        reason: String,
    },

    #[error("{plugin}: {call} did not finish within {limit_ms} ms and was stopped")]
    Deadline {
        plugin: String,
        call: String,
        limit_ms: u64,
    },

    #[error("{plugin}: {call} trapped: {reason}")]
    Trap {
        plugin: String,
        call: String,
        reason: String,
    },

    /// The plugin answered with an error of its own: its kind decides what the host does next.
    #[error("{plugin}: {call}: {kind}: {message}")]
    Plugin {
        plugin: String,
        call: String,
        kind: PluginErrorKind,
        message: String,
    },

    /// A tx builder of an instance that has since been replaced (after a trap).
    #[error("{plugin}: {call}: this tx builder was lost when the plugin was restarted after a fault; create it again")]
    StaleBuilder { plugin: String, call: String },

    /// The plugin was built against an API version that lacks this export.
    #[error(
        "{plugin}: {call} is not in devnet:plugin@{api}, the API this plugin was built against; rebuild it on the current SDK"
    )]
    NotInApi {
        plugin: String,
        call: String,
        api: crate::ApiVersion,
    },

    #[error("AOT cache {path}: {source}")]
    Cache {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("reading plugin {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl PluginHostError {
    /// The plugin's own error kind, when the plugin answered with one.
    pub fn plugin_kind(&self) -> Option<PluginErrorKind> {
        match self {
            PluginHostError::Plugin { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// Whether the same call may succeed when tried again unchanged: a node that could not be
    /// reached, a call cut off at its deadline, a trap (the next call runs in a fresh instance),
    /// an I/O error reading a component or the AOT cache. Bad input, a missing export or
    /// capability, and a bug the plugin reports do not pass by themselves.
    pub fn is_transient(&self) -> bool {
        match self {
            PluginHostError::Plugin { kind, .. } => *kind == PluginErrorKind::Chain,
            PluginHostError::Deadline { .. }
            | PluginHostError::Trap { .. }
            | PluginHostError::StaleBuilder { .. }
            | PluginHostError::Cache { .. }
            | PluginHostError::Read { .. } => true,
            _ => false,
        }
    }
}
