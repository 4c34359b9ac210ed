//! devnetd: the host library that makes declared devnets real and keeps them so, and the
//! daemon that serves it over gRPC.
//!
//! - [`Host`]: one home's store, plugins and controllers, and the operations on devnets
//!   (deploy, start, stop, destroy, restart a node). devnetd serves it; dvb runs it in-process
//!   when no daemon is running.
//! - [`controllers`], in the kube-runtime manner: Devnet, Node, Health, Tx, Upgrade and Export.
//! - [`plugins`]: the registry of networks and their instances, install and trust.
//! - [`server`]: the gRPC services over a [`Host`].

mod config;
mod context;
pub mod controllers;
mod error;
mod home;
mod host;
pub mod plugins;
mod ports;
pub mod provision;
pub mod server;
mod test_pause;
pub mod tx;

pub use config::{Config, Source};
pub use context::DaemonContext;
pub use error::DaemonError;
pub use home::{HOME_ENV, Home};
pub use host::{Host, MAX_NODES};

/// A plugin's transaction kinds on the wire.
pub fn tx_kinds_to(
    version: String,
    kinds: Vec<devnet_plugin_host::wit::TxKind>,
) -> devnet_api::pb::ListTxKindsResponse {
    devnet_api::pb::ListTxKindsResponse {
        version,
        kinds: kinds
            .into_iter()
            .map(|k| devnet_api::pb::TxKind {
                name: k.name,
                summary: k.summary,
                schema: k.schema,
                example: k.example,
            })
            .collect(),
    }
}

/// A proposal as the API carries it.
pub fn proposal_to(p: devnet_plugin_host::wit::ProposalState) -> devnet_api::pb::Proposal {
    devnet_api::pb::Proposal {
        id: p.id,
        // The variant's name, `Voting`: its serde form.
        phase: serde_json::to_value(p.phase)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        detail: p.detail,
    }
}
