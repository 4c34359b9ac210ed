//! Errors of the plugin host. Every error about a plugin names it as `plugin-id@version`.

use std::path::PathBuf;

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
    WrongWorld { path: PathBuf, api: String, reason: String },

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

    #[error("{plugin}: {call}: {error}")]
    Plugin {
        plugin: String,
        call: String,
        error: String,
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
