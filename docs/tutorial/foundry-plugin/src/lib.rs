//! The foundry plugin for devnet-builder: devnets of `anvil`, Foundry's local EVM node.

use devnet_plugin_sdk::evm;
use devnet_plugin_sdk::genesis::GenesisStep;
use devnet_plugin_sdk::node::NodeStatus;
use devnet_plugin_sdk::version_range::first_version;
use devnet_plugin_sdk::{
    Capability, Command, DevnetSpec, KeyRequest, NodeRole, NodeSlot, Platform, Plugin, PluginError, PluginInfo,
    PublicKey, Signature, VersionRange, export_plugin,
};

pub struct Foundry;

impl Plugin for Foundry {
    type TxBuilder = devnet_plugin_sdk::NoTxBuilder;

    fn info() -> PluginInfo {
        PluginInfo {
            name: "foundry".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            platform: Platform::Evm,
            chain_versions: vec![VersionRange::new("v1.0.0", Some("v2.0.0"))],
            tx_kinds: vec![],
            // JSON-RPC to the devnet's own node, for its status and version.
            capabilities: vec![Capability::Http],
            default_binary: "anvil".into(),
        }
    }

    // anvil makes its own genesis: no keys to ask for, no files to write.
    fn genesis_keys(_spec: DevnetSpec) -> Result<Vec<KeyRequest>, PluginError> {
        Ok(vec![])
    }

    fn genesis_build(
        _spec: DevnetSpec,
        _nodes: Vec<NodeSlot>,
        _keys: Vec<PublicKey>,
        _signatures: Vec<Signature>,
    ) -> Result<GenesisStep, PluginError> {
        Ok(GenesisStep::Done(vec![]))
    }

    fn node_ports(_role: NodeRole) -> Vec<String> {
        vec!["rpc".into()]
    }

    fn start_command(spec: DevnetSpec, node: NodeSlot) -> Result<Command, PluginError> {
        if spec.validators != 1 || spec.full_nodes != 0 {
            return Err(PluginError::invalid("anvil runs one node: deploy with --validators 1"));
        }
        let rpc = node.port("rpc")?;
        let args = ["--host", "127.0.0.1", "--port", &rpc.to_string(), "--block-time", "1"];
        Ok(Command {
            args: args.map(str::to_string).to_vec(),
            env: vec![],
        })
    }

    fn node_status(node: NodeSlot) -> Result<NodeStatus, PluginError> {
        evm::node_status(node.port("rpc")?)
    }

    fn version_args() -> Vec<String> {
        vec!["--version".into()]
    }

    /// `anvil Version: 1.7.1` → `v1.7.1`.
    fn parse_version_output(output: &str) -> Result<String, PluginError> {
        first_version(output).ok_or_else(|| PluginError::invalid(format!("no version in {output:?}")))
    }

    /// `web3_clientVersion` answers `anvil/v1.7.1`.
    fn detect_live(node: NodeSlot) -> Result<String, PluginError> {
        let answer = evm::client_version(node.port("rpc")?)?;
        first_version(&answer).ok_or_else(|| PluginError::Chain(format!("no version in {answer:?}")))
    }
}

export_plugin!(Foundry);
