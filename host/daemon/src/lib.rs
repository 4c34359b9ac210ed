//! devnetd: the host library that makes declared devnets real and keeps them so, and the
//! daemon that serves it over gRPC.
//!
//! Its public face is four types: [`Host`] (one home's store, plugins and controllers, the
//! operations on devnets returning devnet-core types, and the gRPC services served on the
//! home's socket or in-process), [`Config`] (with the [`Source`] of each setting), [`Home`] and
//! [`DaemonError`]. devnetd serves a `Host`; dvb runs one in-process when no daemon serves the
//! home, and talks to either through the same gRPC client.
//!
//! Inside: `controllers/` (Devnet, Node, Health, Tx, Upgrade and Export, in the kube-runtime
//! manner), `plugins/` (registry, install), `tx/` (builders, sequences), `provision` (a devnet's
//! files from its plugin), `server` (the only place protobuf types appear) and `serve` (where
//! it is served).

mod access;
mod authority;
mod config;
mod context;
mod controllers;
mod daemon_log;
mod docker_settings;
mod error;
mod home;
mod host;
mod metrics;
mod metrics_serve;
mod plugins;
mod ports;
mod provision;
mod runtimes;
mod serve;
mod server;
mod stack_file;
mod status_cap;
mod test_pause;
mod tls;
mod tx;

pub use config::{Config, Source};
pub use daemon_log::DaemonLog;
pub use error::DaemonError;
pub use home::{HOME_ENV, Home};
pub use host::{ApplyOptions, Host, MAX_NODES};
pub use metrics_serve::bind as bind_metrics;
pub use plugins::oci::{Published, publish as publish_plugin};
pub use serve::bind_remote;
pub use tls::{TlsIdentity, identity as tls_identity};

/// Internals that this workspace's end-to-end tests and benchmarks drive directly, behind the
/// `testing` feature: not an API. dvb and devnetd never use it (a whole-workspace build compiles
/// it in, through the e2e crate that turns the feature on).
#[cfg(feature = "testing")]
pub mod testing {
    pub use crate::controllers::node::{NodeContext, node_error_policy, reconcile_node};
    pub use crate::plugins::install::InstallRequest;
    pub use crate::plugins::{GrantFor, PluginDirs, Plugins};
}
