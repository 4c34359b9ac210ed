//! The foundry plugin for devnet-builder: devnets of `anvil`, Foundry's local EVM node, and a
//! transaction kind of its own, `send`.

use devnet_plugin_sdk::chain::{AccountState, BroadcastResult, TxOutcome};
use devnet_plugin_sdk::evm::{self, U256, transaction::EvmTx};
use devnet_plugin_sdk::genesis::{GenesisStep, public_key};
use devnet_plugin_sdk::node::NodeStatus;
use devnet_plugin_sdk::tx::{Signer, TxOptions, TxRequest, UnsignedTx, kind_of};
use devnet_plugin_sdk::version_range::first_version;
use devnet_plugin_sdk::{
    Capability, Command, DevnetSpec, File, KeyAlgorithm, KeyRequest, NodeRole, NodeSlot, Plugin, PluginError,
    PluginInfo, PublicKey, Signature, TxBuilder, TxKind, TxKindsFor, VersionRange, export_plugin,
};

pub struct Foundry;

/// The account the genesis funds: the host makes its key, the plugin only sees the public half.
const ACCOUNT: &str = "alice";
/// 1000 ether, in wei.
const FUNDS: &str = "0x3635c9adc5dea00000";

/// The chain id: the devnet's when it is a number, anvil's own 31337 otherwise.
fn chain_number(chain_id: &str) -> u64 {
    chain_id.parse().unwrap_or(31337)
}

/// The one kind this plugin sends: `{"to": "0x…", "wei": "1000"}`.
fn kinds() -> Vec<TxKind> {
    vec![TxKind::example(
        "send",
        "send wei to an address",
        r#"{"to":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8","wei":"1000"}"#,
    )]
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Send {
    to: String,
    wei: String,
}

impl Plugin for Foundry {
    type TxBuilder = FoundryTx;

    fn info() -> PluginInfo {
        let all = VersionRange::new("v1.0.0", Some("v2.0.0"));
        PluginInfo {
            name: "foundry".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            family: "evm".into(),
            chain_versions: vec![all.clone()],
            tx_kinds: vec![TxKindsFor {
                versions: all,
                kinds: vec!["send".into()],
            }],
            // JSON-RPC to the devnet's own node: status, version, accounts, transactions.
            capabilities: vec![Capability::Http],
            default_binary: "anvil".into(),
        }
    }

    // One account key, funded in the genesis.
    fn genesis_keys(_spec: DevnetSpec) -> Result<Vec<KeyRequest>, PluginError> {
        Ok(vec![KeyRequest {
            id: ACCOUNT.into(),
            algorithm: KeyAlgorithm::Secp256k1,
        }])
    }

    fn genesis_build(
        spec: DevnetSpec,
        _nodes: Vec<NodeSlot>,
        keys: Vec<PublicKey>,
        _signatures: Vec<Signature>,
    ) -> Result<GenesisStep, PluginError> {
        let alice = evm::chain::address(public_key(&keys, ACCOUNT)?)?;
        let genesis = serde_json::json!({
            "config": { "chainId": chain_number(&spec.chain_id) },
            "alloc": { alice: { "balance": FUNDS } },
            "gasLimit": "0x1c9c380",
            "difficulty": "0x0",
            "timestamp": "0x0",
            "nonce": "0x0",
            "extraData": "0x",
        });
        Ok(GenesisStep::Done(vec![File {
            path: "genesis.json".into(),
            contents: genesis.to_string().into_bytes(),
            with_secrets: false,
        }]))
    }

    fn node_ports(_role: NodeRole) -> Vec<String> {
        vec!["rpc".into()]
    }

    fn start_command(spec: DevnetSpec, node: NodeSlot) -> Result<Command, PluginError> {
        if spec.validators != 1 || spec.full_nodes != 0 {
            return Err(PluginError::invalid("anvil runs one node: deploy with --validators 1"));
        }
        let rpc = node.port("rpc")?;
        // 127.0.0.1 for a process; 0.0.0.0 in a container on a network of the devnet's own.
        let host = node.bind_host();
        let args = [
            "--host",
            &host,
            "--port",
            &rpc.to_string(),
            "--block-time",
            "1",
            "--init",
            "genesis.json",
        ];
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
        first_version(&answer).ok_or_else(|| PluginError::chain(format!("no version in {answer:?}")))
    }

    fn account(node: NodeSlot, address: &str) -> Result<Option<AccountState>, PluginError> {
        evm::chain::account(node.port("rpc")?, address)
    }

    fn address(_spec: DevnetSpec, public_key: &[u8]) -> Result<String, PluginError> {
        evm::chain::address(public_key)
    }

    fn broadcast(node: NodeSlot, tx: &[u8]) -> Result<BroadcastResult, PluginError> {
        evm::chain::broadcast(node.port("rpc")?, tx)
    }

    fn tx_result(node: NodeSlot, hash: &str) -> Result<Option<TxOutcome>, PluginError> {
        evm::chain::tx_result(node.port("rpc")?, hash)
    }
}

/// Builds `send` transactions: EIP-1559 transfers.
pub struct FoundryTx {
    chain_id: u64,
}

impl TxBuilder for FoundryTx {
    fn create(chain_id: String, _chain_version: String) -> Result<Self, PluginError> {
        Ok(Self {
            chain_id: chain_number(&chain_id),
        })
    }

    fn kinds(&self) -> Vec<TxKind> {
        kinds()
    }

    fn build(&self, request: TxRequest, signer: Signer, options: TxOptions) -> Result<UnsignedTx, PluginError> {
        if !options.ordered {
            return Err(PluginError::unsupported("anvil orders every transaction by nonce"));
        }
        let all = kinds();
        let send: Send = request.fields(kind_of(&all, &request)?)?;
        let wei = U256::from_str_radix(&send.wei, 10)
            .map_err(|_| PluginError::invalid(format!("wei {:?} must be a whole number", send.wei)))?;
        let tx = EvmTx::transfer(self.chain_id, signer.sequence, evm::parse_address(&send.to)?, wei);
        Ok(tx.unsigned(signer.address))
    }

    fn assemble(&self, tx: UnsignedTx, signature: Vec<u8>) -> Result<Vec<u8>, PluginError> {
        evm::transaction::assemble(self.chain_id, tx, &signature)
    }
}

export_plugin!(Foundry);
