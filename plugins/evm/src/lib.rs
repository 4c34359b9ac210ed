//! The EVM plugin: geth and anvil devnets.

mod anvil;
mod clique;
mod dev;
mod node;
mod plan;
mod tx;
mod units;
mod version;

use devnet_plugin_sdk::chain::{AccountState, BroadcastResult, TxOutcome};
use devnet_plugin_sdk::evm::chain;
use devnet_plugin_sdk::genesis::GenesisStep;
use devnet_plugin_sdk::node::NodeStatus;
use devnet_plugin_sdk::plan::{DevnetPlan, DevnetRequest, StartGate};
use devnet_plugin_sdk::{
    Capability, Command, DevnetSpec, KeyRequest, NodeRole, NodeSlot, Plugin, PluginError, PluginInfo, PublicKey,
    Signature, TxKindsFor, VersionRange, export_plugin,
};

pub struct Evm;

impl Plugin for Evm {
    type TxBuilder = tx::EvmTxBuilder;

    fn info() -> PluginInfo {
        let kinds = tx::kinds().into_iter().map(|k| k.name).collect();
        PluginInfo {
            name: "evm".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            family: "evm".into(),
            // geth from 1.13 (Clique) and anvil 1.x.
            chain_versions: vec![VersionRange::new("v1.0.0", Some("v2.0.0"))],
            tx_kinds: vec![TxKindsFor {
                versions: VersionRange::new("v1.0.0", Some("v2.0.0")),
                kinds,
            }],
            capabilities: vec![
                Capability::Log,
                Capability::RunBinary,
                Capability::Files,
                Capability::Http,
            ],
            default_binary: "geth".into(),
        }
    }

    /// Every client starts from a genesis that funds the host's keys. An unknown client, or a
    /// binary that is not the client's, is refused here, before anything is written.
    fn genesis_keys(spec: DevnetSpec) -> Result<Vec<KeyRequest>, PluginError> {
        match node::client(&spec)? {
            "clique" => clique::keys(&spec),
            "anvil" => anvil::keys(&spec),
            _ => dev::keys(&spec),
        }
    }

    fn genesis_build(
        spec: DevnetSpec,
        nodes: Vec<NodeSlot>,
        keys: Vec<PublicKey>,
        _signatures: Vec<Signature>,
    ) -> Result<GenesisStep, PluginError> {
        match node::client(&spec)? {
            "clique" => clique::build(&spec, &nodes, &keys),
            "anvil" => Ok(GenesisStep::Done(anvil::build(&spec, &keys)?)),
            _ => Ok(GenesisStep::Done(dev::build(&spec, &keys)?)),
        }
    }

    fn choose(request: DevnetRequest) -> Result<DevnetPlan, PluginError> {
        plan::choose(request)
    }

    fn start_after(spec: DevnetSpec, node: NodeSlot) -> Result<Option<StartGate>, PluginError> {
        plan::start_after(&spec, &node)
    }

    fn node_ports(role: NodeRole) -> Vec<String> {
        node::ports(role)
    }

    fn init_commands(spec: DevnetSpec, node: NodeSlot) -> Result<Vec<Command>, PluginError> {
        Ok(match node::client(&spec)? {
            "clique" => clique::init_commands(&node),
            "anvil" => vec![],
            _ => dev::init_commands(&node),
        })
    }

    fn start_command(spec: DevnetSpec, node: NodeSlot) -> Result<Command, PluginError> {
        node::start_command(&spec, &node)
    }

    // No chain here stops at a height: geth keeps its chain in its data directory and anvil in
    // its state file, so both are stopped at once for a switch and carry on after it. An anvil
    // devnet from before state files would begin again from its genesis: refused.
    fn halting_start_command(spec: DevnetSpec, _node: NodeSlot, _height: u64) -> Result<Command, PluginError> {
        if node::client(&spec)? == "anvil" && devnet_plugin_sdk::host::read_file(anvil::OLD_GENESIS).is_ok() {
            return Err(PluginError::invalid(
                "this anvil devnet predates anvil state files: restarted, it would begin again from its genesis; \
                 deploy it again to upgrade it in place",
            ));
        }
        Err(PluginError::unsupported(
            "no halt height: the nodes stop at once for the switch, their chain kept",
        ))
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

    fn account(node: NodeSlot, address: &str) -> Result<Option<AccountState>, PluginError> {
        chain::account(node.port("http")?, address)
    }

    fn address(_spec: DevnetSpec, public_key: &[u8]) -> Result<String, PluginError> {
        chain::address(public_key)
    }

    fn broadcast(node: NodeSlot, tx: &[u8]) -> Result<BroadcastResult, PluginError> {
        chain::broadcast(node.port("http")?, tx)
    }

    fn tx_result(node: NodeSlot, hash: &str) -> Result<Option<TxOutcome>, PluginError> {
        chain::tx_result(node.port("http")?, hash)
    }
}

export_plugin!(Evm);
