//! The Cosmos SDK plugin: simd-style chains from v0.47 on.

mod chain;
mod decimal;
mod genesis;
mod gentx;
mod msgs;
mod node;
mod node_files;
mod requests;
mod settings;
mod tx;
mod version;

use devnet_plugin_sdk::chain::{AccountState, BroadcastResult, TxOutcome};
use devnet_plugin_sdk::genesis::GenesisStep;
use devnet_plugin_sdk::governance::{ProposalState, UpgradePlan, VoteChoice};
use devnet_plugin_sdk::node::{HaltInfo, NodeStatus};
use devnet_plugin_sdk::tx::TxRequest;
use devnet_plugin_sdk::{
    Capability, Command, DevnetSpec, KeyRequest, NodeRole, NodeSlot, Plugin, PluginError, PluginInfo, PublicKey,
    Signature, TxKindsFor, VersionRange, export_plugin,
};

/// Standard base64, as CometBFT's and the SDK's JSON carry bytes.
pub(crate) fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub struct Cosmos;

impl Plugin for Cosmos {
    type TxBuilder = tx::CosmosTxBuilder;

    fn info() -> PluginInfo {
        PluginInfo {
            name: "cosmos".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            family: "cosmos".into(),
            chain_versions: vec![VersionRange::new("v0.47.0", Some("v0.54.0"))],
            tx_kinds: vec![TxKindsFor {
                versions: VersionRange::new("v0.47.0", Some("v0.54.0")),
                kinds: requests::names(),
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

    fn genesis_keys(spec: DevnetSpec) -> Result<Vec<KeyRequest>, PluginError> {
        genesis::keys(&spec)
    }

    fn genesis_build(
        spec: DevnetSpec,
        nodes: Vec<NodeSlot>,
        keys: Vec<PublicKey>,
        signatures: Vec<Signature>,
    ) -> Result<GenesisStep, PluginError> {
        genesis::build(&spec, &nodes, &keys, &signatures)
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

    fn halting_start_command(spec: DevnetSpec, node: NodeSlot, height: u64) -> Result<Command, PluginError> {
        node::halting_start_command(&spec, &node, height)
    }

    fn export_command(
        _spec: DevnetSpec,
        node: NodeSlot,
        height: Option<u64>,
        output: &str,
    ) -> Result<Command, PluginError> {
        node::export_command(&node, height, output)
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

    fn account(node: NodeSlot, address: &str) -> Result<Option<AccountState>, PluginError> {
        chain::account(&node, address)
    }

    fn address(spec: DevnetSpec, public_key: &[u8]) -> Result<String, PluginError> {
        chain::address(&spec, public_key)
    }

    fn broadcast(node: NodeSlot, tx: &[u8]) -> Result<BroadcastResult, PluginError> {
        chain::broadcast(&node, tx)
    }

    fn tx_result(node: NodeSlot, hash: &str) -> Result<Option<TxOutcome>, PluginError> {
        chain::tx_result(&node, hash)
    }

    fn upgrade_proposal(spec: DevnetSpec, plan: UpgradePlan, height: u64) -> Result<TxRequest, PluginError> {
        let deposit = if plan.deposit.is_empty() {
            let settings = settings::Settings::from_spec(&spec)?;
            let amount = settings.min_deposit.unwrap_or_else(|| "10000000".into());
            vec![requests::Amount {
                denom: settings.denom,
                amount,
            }]
        } else {
            plan.deposit
                .into_iter()
                .map(|c| requests::Amount {
                    denom: c.denom,
                    amount: c.amount,
                })
                .collect()
        };
        let proposal = requests::GovSubmitProposal {
            title: format!("Upgrade to {}", plan.to_version),
            summary: format!("software upgrade {} at height {height}", plan.name),
            deposit,
            content: requests::Content::SoftwareUpgrade(requests::SoftwareUpgrade {
                name: plan.name,
                height,
                info: String::new(),
            }),
            expedited: false,
            memo: String::new(),
            gas_limit: None,
            fee: vec![],
        };
        Ok(TxRequest::of(requests::GOV_SUBMIT_PROPOSAL, &proposal))
    }

    fn vote(_spec: DevnetSpec, id: u64, choice: VoteChoice) -> Result<TxRequest, PluginError> {
        let choice = match choice {
            VoteChoice::Yes => requests::Choice::Yes,
            VoteChoice::No => requests::Choice::No,
            VoteChoice::Abstain => requests::Choice::Abstain,
            VoteChoice::Veto => requests::Choice::NoWithVeto,
        };
        let vote = requests::GovVote {
            proposal_id: id,
            choice,
            memo: String::new(),
            gas_limit: None,
            fee: vec![],
        };
        Ok(TxRequest::of(requests::GOV_VOTE, &vote))
    }

    fn proposal_id(outcome: TxOutcome) -> Result<u64, PluginError> {
        chain::proposal_id(&outcome)
    }

    fn proposal(node: NodeSlot, id: u64) -> Result<Option<ProposalState>, PluginError> {
        chain::proposal(&node, id)
    }
}

export_plugin!(Cosmos);
