//! The Cosmos SDK plugin: simd-style chains from v0.47 on.

mod node;
mod version;

use devnet_plugin_sdk::node::{HaltInfo, NodeStatus};
use devnet_plugin_sdk::{
    Capability, Command, DevnetSpec, NodeRole, NodeSlot, Platform, Plugin, PluginError, PluginInfo, TxKind, TxKindsFor,
    VersionRange, export_plugin,
};

pub struct Cosmos;

impl Plugin for Cosmos {
    type TxBuilder = devnet_plugin_sdk::NoTxBuilder;

    fn info() -> PluginInfo {
        let classic = vec![
            TxKind::BankSend,
            TxKind::StakingDelegate,
            TxKind::GovSubmitProposal,
            TxKind::GovVote,
        ];
        PluginInfo {
            name: "cosmos".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            platform: Platform::Cosmos,
            chain_versions: vec![VersionRange::new("v0.47.0", Some("v0.54.0"))],
            tx_kinds: vec![TxKindsFor {
                versions: VersionRange::new("v0.47.0", Some("v0.54.0")),
                kinds: classic,
            }],
            capabilities: vec![
                Capability::Log,
                Capability::RunBinary,
                Capability::Files,
                Capability::Http,
            ],
            default_binary: "simd".into(),
        }
    }

    fn node_ports(role: NodeRole) -> Vec<String> {
        node::ports(role)
    }

    fn start_command(spec: DevnetSpec, node: NodeSlot) -> Result<Command, PluginError> {
        node::start_command(&spec, &node)
    }

    fn node_status(node: NodeSlot) -> Result<NodeStatus, PluginError> {
        node::status(&node)
    }

    fn upgrade_halt(log_line: &str) -> Option<HaltInfo> {
        node::upgrade_halt(log_line)
    }

    fn version_args() -> Vec<String> {
        version::ARGS.iter().map(|a| a.to_string()).collect()
    }

    fn parse_version_output(output: &str) -> Result<String, PluginError> {
        version::from_binary_output(output)
    }

    fn detect_live(node: NodeSlot) -> Result<String, PluginError> {
        version::from_live_node(&node)
    }
}

export_plugin!(Cosmos);
