//! The Tempo plugin: a Tempo devnet from Tempo's own `dev` chainspec, with its accounts funded in
//! TIP-20 stablecoins, node commands for `tempo node`, version detection, and Tempo (0x76)
//! transactions sent and followed through the node. Unless a `tempo` binary is asked for
//! (`--set client=tempo`), a devnet runs on anvil's Tempo mode: a real Tempo-protocol node, see
//! `anvil.rs`.

mod anvil;
mod genesis;
mod node;
mod plan;
mod tip20;
mod tx;
mod version;

use devnet_plugin_sdk::chain::{AccountState, BroadcastResult, TxOutcome};
use devnet_plugin_sdk::evm::chain;
use devnet_plugin_sdk::genesis::GenesisStep;
use devnet_plugin_sdk::node::NodeStatus;
use devnet_plugin_sdk::plan::{DevnetPlan, DevnetRequest};
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

    fn choose(request: DevnetRequest) -> Result<DevnetPlan, PluginError> {
        plan::choose(request)
    }

    // A devnet on anvil's Tempo mode (the binary's version says so) goes to `anvil`; one on a
    // `tempo` node to `genesis` and `node`.
    fn genesis_keys(spec: DevnetSpec) -> Result<Vec<KeyRequest>, PluginError> {
        if version::is_anvil(&spec.chain_version) {
            anvil::keys(&spec)
        } else {
            genesis::keys(&spec)
        }
    }

    fn genesis_build(
        spec: DevnetSpec,
        nodes: Vec<NodeSlot>,
        keys: Vec<PublicKey>,
        _signatures: Vec<Signature>,
    ) -> Result<GenesisStep, PluginError> {
        if version::is_anvil(&spec.chain_version) {
            Ok(GenesisStep::Done(anvil::build(&spec, &keys)?))
        } else {
            genesis::build(&spec, &nodes, &keys)
        }
    }

    fn node_ports(role: NodeRole) -> Vec<String> {
        node::ports(role)
    }

    fn init_commands(spec: DevnetSpec, node: NodeSlot) -> Result<Vec<Command>, PluginError> {
        Ok(if version::is_anvil(&spec.chain_version) {
            vec![]
        } else {
            vec![node::init_command(&spec, &node)]
        })
    }

    fn start_command(spec: DevnetSpec, node: NodeSlot) -> Result<Command, PluginError> {
        if version::is_anvil(&spec.chain_version) {
            anvil::start_command(&spec, &node)
        } else {
            node::start_command(&spec, &node)
        }
    }

    // Neither node stops at a height; both keep their chain across a restart (anvil in its state
    // file, a tempo node in its data directory), so they are stopped at once for a switch. An
    // anvil devnet from before state files would begin again from its genesis: refused.
    fn halting_start_command(spec: DevnetSpec, _node: NodeSlot, _height: u64) -> Result<Command, PluginError> {
        if version::is_anvil(&spec.chain_version) && devnet_plugin_sdk::host::read_file(anvil::OLD_GENESIS).is_ok() {
            return Err(PluginError::invalid(
                "this Tempo devnet on anvil predates anvil state files: restarted, it would begin again from its \
                 genesis; deploy it again to upgrade it in place",
            ));
        }
        Err(PluginError::unsupported(
            "no halt height: the node stops at once for the switch, its chain kept",
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

    // Both nodes speak Ethereum JSON-RPC: the nonce of nonce key 0, 0x76 bytes sent as raw
    // transactions, and receipts (never `eth_getRawTransactionByHash`, which anvil's Tempo
    // mode does not survive on a 0x76 transaction).
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

export_plugin!(Tempo);
