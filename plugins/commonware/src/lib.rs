//! The Commonware plugin: a network of alto validators, Commonware's reference chain, whose
//! consensus (threshold simplex) signs with BLS12-381 threshold shares.
//!
//! Every secret is the host's: each validator's ed25519 network key comes from `genesis.keys`,
//! and the consensus group (one share per validator, the public polynomial) from
//! `threshold.groups`, dealt by the host's keyring. The plugin writes the validators' configs
//! with placeholders the host fills as it writes them, and asks for no file access at all: it
//! never reads a config back. Validators report only Prometheus metrics, read through `http`.

mod config;
mod metrics;
mod plan;

use devnet_plugin_sdk::genesis::GenesisStep;
use devnet_plugin_sdk::node::NodeStatus;
use devnet_plugin_sdk::plan::{DevnetPlan, DevnetRequest};
use devnet_plugin_sdk::threshold::{GroupRequest, ThresholdScheme};
use devnet_plugin_sdk::{
    Capability, Command, DevnetSpec, KeyAlgorithm, KeyRequest, NodeRole, NodeSlot, Plugin, PluginError, PluginInfo,
    PublicKey, Signature, VersionRange, export_plugin,
};

/// The consensus group's id in the keyring: validator `i` (in the order of their network keys)
/// holds share `consensus.<i>`.
pub const GROUP: &str = "consensus";

/// The id of validator `index`'s ed25519 network key.
pub fn network_key(index: u32) -> String {
    format!("validator-{index}.p2p")
}

pub struct Commonware;

impl Plugin for Commonware {
    type TxBuilder = devnet_plugin_sdk::NoTxBuilder;

    fn info() -> PluginInfo {
        PluginInfo {
            name: "commonware".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            family: "commonware".into(),
            // alto's releases are dated: 2026.9.x speaks the encoding the host deals in.
            chain_versions: vec![VersionRange::new("2026.9.0", Some("2026.10.0"))],
            tx_kinds: vec![],
            capabilities: vec![Capability::Log, Capability::Http],
            default_binary: plan::BINARY.into(),
        }
    }

    fn choose(request: DevnetRequest) -> Result<DevnetPlan, PluginError> {
        plan::choose(request)
    }

    fn genesis_keys(spec: DevnetSpec) -> Result<Vec<KeyRequest>, PluginError> {
        plan::check(&spec)?;
        Ok((0..spec.validators)
            .map(|i| KeyRequest {
                id: network_key(i),
                algorithm: KeyAlgorithm::Ed25519,
            })
            .collect())
    }

    fn threshold_groups(spec: DevnetSpec) -> Result<Vec<GroupRequest>, PluginError> {
        plan::check(&spec)?;
        Ok(vec![GroupRequest {
            id: GROUP.into(),
            scheme: ThresholdScheme::Bls12381MinSig,
            members: spec.validators,
        }])
    }

    fn genesis_build(
        spec: DevnetSpec,
        nodes: Vec<NodeSlot>,
        keys: Vec<PublicKey>,
        _signatures: Vec<Signature>,
    ) -> Result<GenesisStep, PluginError> {
        Ok(GenesisStep::Done(config::files(
            &spec,
            &nodes,
            &keys,
            NodeSlot::peer_host,
        )?))
    }

    fn node_ports(_role: NodeRole) -> Vec<String> {
        vec!["p2p".into(), "metrics".into()]
    }

    fn init_commands(_spec: DevnetSpec, _node: NodeSlot) -> Result<Vec<Command>, PluginError> {
        Ok(vec![])
    }

    fn start_command(_spec: DevnetSpec, node: NodeSlot) -> Result<Command, PluginError> {
        Ok(Command {
            args: vec![
                "--peers".into(),
                config::PEERS.into(),
                "--config".into(),
                config::path(&node),
            ],
            env: vec![],
        })
    }

    fn node_status(node: NodeSlot) -> Result<NodeStatus, PluginError> {
        metrics::status(node.port("metrics")?)
    }

    // The validator has no version flag: the host takes the version its chain cache recorded.
    fn version_args() -> Vec<String> {
        vec![]
    }
}

export_plugin!(Commonware);
