//! The traits a plugin implements. Every method but [`Plugin::info`] has a default, so a plugin
//! written today keeps compiling when the contract grows.

use crate::bindings::exports::devnet::plugin::tx::GuestTxBuilder;
use crate::chain::{AccountState, BroadcastResult, ProposalState, TxOutcome};
use crate::genesis::GenesisStep;
use crate::node::{HaltInfo, NodeStatus};
use crate::tx::{Signer, TxOptions, TxRequest, UnsignedTx};
use crate::{
    Command, DevnetSpec, KeyRequest, NodeRole, NodeSlot, PluginError, PluginInfo, PublicKey, Signature, TxKind,
};

/// A chain plugin. Implement it on a unit struct and export it with [`crate::export_plugin!`].
///
/// ```no_run
/// use devnet_plugin_sdk::{Platform, Plugin, PluginError, PluginInfo};
///
/// struct MyChain;
///
/// impl Plugin for MyChain {
///     type TxBuilder = devnet_plugin_sdk::NoTxBuilder;
///
///     fn info() -> PluginInfo {
///         PluginInfo {
///             name: "mychain".into(),
///             version: "0.1.0".into(),
///             platform: Platform::Other,
///             chain_versions: vec![],
///             tx_kinds: vec![],
///             capabilities: vec![],
///             default_binary: "mychaind".into(),
///         }
///     }
///
///     // `mychaind version` prints `mychaind 1.2.3`.
///     fn parse_version_output(output: &str) -> Result<String, PluginError> {
///         output
///             .split_whitespace()
///             .nth(1)
///             .map(|v| format!("v{v}"))
///             .ok_or_else(|| PluginError::invalid(format!("no version in {output:?}")))
///     }
/// }
///
/// devnet_plugin_sdk::export_plugin!(MyChain);
/// ```
pub trait Plugin {
    /// The transaction builder; [`NoTxBuilder`] for a plugin that builds none.
    type TxBuilder: TxBuilder;

    /// Who the plugin is and what it supports.
    fn info() -> PluginInfo;

    /// The keys a devnet needs; the host generates and keeps them.
    fn genesis_keys(spec: DevnetSpec) -> Result<Vec<KeyRequest>, PluginError> {
        let _ = spec;
        Err(PluginError::unsupported("this plugin does not make genesis"))
    }

    /// Builds the genesis and each node's files (see the WIT `genesis.build`).
    fn genesis_build(
        spec: DevnetSpec,
        nodes: Vec<NodeSlot>,
        keys: Vec<PublicKey>,
        signatures: Vec<Signature>,
    ) -> Result<GenesisStep, PluginError> {
        let _ = (spec, nodes, keys, signatures);
        Err(PluginError::unsupported("this plugin does not make genesis"))
    }

    /// Names of the loopback ports a node of `role` needs.
    fn node_ports(role: NodeRole) -> Vec<String> {
        let _ = role;
        Vec::new()
    }

    /// Commands to run once before a node's first start.
    fn init_commands(spec: DevnetSpec, node: NodeSlot) -> Result<Vec<Command>, PluginError> {
        let _ = (spec, node);
        Ok(Vec::new())
    }

    /// The command that runs a node.
    fn start_command(spec: DevnetSpec, node: NodeSlot) -> Result<Command, PluginError> {
        let _ = (spec, node);
        Err(PluginError::unsupported("this plugin does not start nodes"))
    }

    /// A node's height, peers and catching-up state, read from its endpoint.
    fn node_status(node: NodeSlot) -> Result<NodeStatus, PluginError> {
        let _ = node;
        Err(PluginError::unsupported("this plugin does not read node status"))
    }

    /// Whether a log line says the node halted for a software upgrade.
    fn upgrade_halt(log_line: &str) -> Option<HaltInfo> {
        let _ = log_line;
        None
    }

    /// Arguments that make the chain binary print its version.
    fn version_args() -> Vec<String> {
        vec!["version".to_string()]
    }

    /// The chain-software version in the binary's version output.
    fn parse_version_output(output: &str) -> Result<String, PluginError> {
        let _ = output;
        Err(PluginError::unsupported("this plugin does not detect versions"))
    }

    /// The chain-software version a live node reports.
    fn detect_live(node: NodeSlot) -> Result<String, PluginError> {
        let _ = node;
        Err(PluginError::unsupported("this plugin does not detect live versions"))
    }

    /// An account's number and next sequence (nonce), read from `node`; `None` when the chain
    /// has no such account yet.
    fn account(node: NodeSlot, address: &str) -> Result<Option<AccountState>, PluginError> {
        let _ = (node, address);
        Err(PluginError::unsupported("this plugin does not read accounts"))
    }

    /// The chain address of an account key the host holds, on the devnet `spec` describes.
    fn address(spec: DevnetSpec, public_key: &[u8]) -> Result<String, PluginError> {
        let _ = (spec, public_key);
        Err(PluginError::unsupported("this plugin does not derive addresses"))
    }

    /// Sends signed transaction bytes to `node`: its hash, or the node's refusal.
    fn broadcast(node: NodeSlot, tx: &[u8]) -> Result<BroadcastResult, PluginError> {
        let _ = (node, tx);
        Err(PluginError::unsupported("this plugin does not broadcast transactions"))
    }

    /// A transaction's outcome once it is in a block; `None` before.
    fn tx_result(node: NodeSlot, hash: &str) -> Result<Option<TxOutcome>, PluginError> {
        let _ = (node, hash);
        Err(PluginError::unsupported(
            "this plugin does not read transaction results",
        ))
    }

    /// A governance proposal's phase; `None` when there is no such proposal.
    fn proposal(node: NodeSlot, id: u64) -> Result<Option<ProposalState>, PluginError> {
        let _ = (node, id);
        Err(PluginError::unsupported("this plugin does not read proposals"))
    }

    /// The start command of a node that stops making blocks at `height` by the chain's own
    /// setting, for a software upgrade without governance (API 0.3.0). `upgrade_halt` should
    /// then read that stop from the log, with an empty name.
    fn halting_start_command(spec: DevnetSpec, node: NodeSlot, height: u64) -> Result<Command, PluginError> {
        let _ = (spec, node, height);
        Err(PluginError::unsupported(
            "this plugin cannot stop a node at a chosen height (no upgrade without governance)",
        ))
    }

    /// The command that writes the chain's state (at `height`, the latest when none) to
    /// `output`, relative to the devnet's directory; the host runs it on the stopped node with
    /// the devnet's binary (API 0.3.0).
    fn export_command(
        spec: DevnetSpec,
        node: NodeSlot,
        height: Option<u64>,
        output: &str,
    ) -> Result<Command, PluginError> {
        let _ = (spec, node, height, output);
        Err(PluginError::unsupported("this plugin cannot export the chain's state"))
    }
}

/// Builds transactions for one chain at one chain-software version.
pub trait TxBuilder: Sized + 'static {
    /// A builder for `chain_version`, or `unsupported` when this plugin cannot build for it.
    fn create(chain_id: String, chain_version: String) -> Result<Self, PluginError>;

    /// The transaction kinds this builder accepts.
    fn kinds(&self) -> Vec<TxKind>;

    /// What the host must sign for `request`, and the body `assemble` needs.
    fn build(&self, request: TxRequest, signer: Signer, options: TxOptions) -> Result<UnsignedTx, PluginError>;

    /// The signed transaction, ready to broadcast.
    fn assemble(&self, tx: UnsignedTx, signature: Vec<u8>) -> Result<Vec<u8>, PluginError>;
}

/// The builder of a plugin that builds no transactions: `create` always answers `unsupported`.
pub struct NoTxBuilder;

impl TxBuilder for NoTxBuilder {
    fn create(_chain_id: String, chain_version: String) -> Result<Self, PluginError> {
        Err(PluginError::unsupported(format!(
            "this plugin builds no transactions (asked for {chain_version})"
        )))
    }
    fn kinds(&self) -> Vec<TxKind> {
        Vec::new()
    }
    fn build(&self, _: TxRequest, _: Signer, _: TxOptions) -> Result<UnsignedTx, PluginError> {
        Err(PluginError::unsupported("this plugin builds no transactions"))
    }
    fn assemble(&self, _: UnsignedTx, _: Vec<u8>) -> Result<Vec<u8>, PluginError> {
        Err(PluginError::unsupported("this plugin builds no transactions"))
    }
}

/// Adapts a [`TxBuilder`] to the generated resource trait.
#[doc(hidden)]
pub struct TxBuilderExport<B>(B);

impl<B: TxBuilder> GuestTxBuilder for TxBuilderExport<B> {
    fn create(
        chain_id: String,
        chain_version: String,
    ) -> Result<crate::bindings::exports::devnet::plugin::tx::TxBuilder, PluginError> {
        B::create(chain_id, chain_version)
            .map(|b| crate::bindings::exports::devnet::plugin::tx::TxBuilder::new(TxBuilderExport(b)))
    }
    fn kinds(&self) -> Vec<TxKind> {
        self.0.kinds()
    }
    fn build(&self, request: TxRequest, signer: Signer, options: TxOptions) -> Result<UnsignedTx, PluginError> {
        self.0.build(request, signer, options)
    }
    fn assemble(&self, tx: UnsignedTx, signature: Vec<u8>) -> Result<Vec<u8>, PluginError> {
        self.0.assemble(tx, signature)
    }
}
