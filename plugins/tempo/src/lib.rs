//! The Tempo plugin: a Tempo devnet from Tempo's own `dev` chainspec, with its accounts funded in
//! TIP-20 stablecoins, node commands for `tempo node`, version detection, and Tempo (0x76)
//! transactions.

mod genesis;
mod node;
mod tip20;
mod tx;
mod version;

use devnet_plugin_sdk::genesis::GenesisStep;
use devnet_plugin_sdk::node::NodeStatus;
use devnet_plugin_sdk::{
    Capability, Command, DevnetSpec, KeyRequest, NodeRole, NodeSlot, Plugin, PluginError, PluginInfo, PublicKey,
    Signature, TxKindsFor, VersionRange, export_plugin,
};

pub struct Tempo;

impl Plugin for Tempo {
    type TxBuilder = tx::TempoTxBuilder;

    fn info() -> PluginInfo {
        let versions = VersionRange::new("v1.0.0", Some("v2.0.0"));
        PluginInfo {
            name: "tempo".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            family: "tempo".into(),
            chain_versions: vec![versions.clone()],
            tx_kinds: vec![TxKindsFor {
                versions,
                kinds: vec![tx::TRANSFER.into()],
            }],
            capabilities: vec![
                Capability::Log,
                Capability::RunBinary,
                Capability::Files,
                Capability::Http,
            ],
            default_binary: "tempo".into(),
        }
    }

    fn genesis_keys(spec: DevnetSpec) -> Result<Vec<KeyRequest>, PluginError> {
        genesis::keys(&spec)
    }

    fn genesis_build(
        spec: DevnetSpec,
        nodes: Vec<NodeSlot>,
        keys: Vec<PublicKey>,
        _signatures: Vec<Signature>,
    ) -> Result<GenesisStep, PluginError> {
        genesis::build(&spec, &nodes, &keys)
    }

    fn node_ports(role: NodeRole) -> Vec<String> {
        node::ports(role)
    }

    fn init_commands(spec: DevnetSpec, node: NodeSlot) -> Result<Vec<Command>, PluginError> {
        Ok(vec![node::init_command(&spec, &node)])
    }

    fn start_command(spec: DevnetSpec, node: NodeSlot) -> Result<Command, PluginError> {
        node::start_command(&spec, &node)
    }

    fn node_status(node: NodeSlot) -> Result<NodeStatus, PluginError> {
        node::status(&node)
    }

    fn version_args() -> Vec<String> {
        vec!["--version".into()]
    }

    fn parse_version_output(output: &str) -> Result<String, PluginError> {
        version::from_binary_output(output)
    }

    fn detect_live(node: NodeSlot) -> Result<String, PluginError> {
        version::from_live_node(&node)
    }
}

export_plugin!(Tempo);
