//! Node commands and JSON-RPC status for geth (dev mode) and anvil.

use devnet_plugin_sdk::node::NodeStatus;
use devnet_plugin_sdk::{Command, DevnetSpec, NodeRole, NodeSlot, PluginError, host};

pub fn ports(_role: NodeRole) -> Vec<String> {
    ["http", "authrpc", "p2p"].iter().map(|p| p.to_string()).collect()
}

pub(crate) fn setting<'a>(spec: &'a DevnetSpec, key: &str) -> Option<&'a str> {
    spec.overrides.iter().find(|o| o.key == key).map(|o| o.value.as_str())
}

/// `client` = `geth` (dev mode, default), `anvil`, or `clique` (geth ≤ 1.13 proof of authority,
/// many nodes); `block-time` in whole seconds (default 1).
pub fn start_command(spec: &DevnetSpec, node: &NodeSlot) -> Result<Command, PluginError> {
    let client = setting(spec, "client").unwrap_or("geth");
    if client == "clique" {
        let signer = if node.role == NodeRole::Validator {
            let path = format!("{}/signer.address", node.home.trim_end_matches('/'));
            let text = String::from_utf8(host::read_file(&path)?)
                .map_err(|_| PluginError::invalid(format!("{path} is not text")))?;
            Some(
                text.trim()
                    .parse()
                    .map_err(|_| PluginError::invalid(format!("{path}: not an address; run genesis again")))?,
            )
        } else {
            None
        };
        return crate::clique::start_command(spec, node, signer);
    }
    if client != "geth" && client != "anvil" {
        return Err(PluginError::invalid(format!(
            "client {client:?}: use `geth`, `anvil` or `clique`"
        )));
    }
    if spec.validators + spec.full_nodes > 1 {
        return Err(PluginError::unsupported(format!(
            "{client} dev mode runs a single node; for many nodes use client `clique` with geth v1.13"
        )));
    }
    let block_time = setting(spec, "block-time")
        .unwrap_or("1")
        .trim_end_matches('s')
        .to_string();
    if block_time.parse::<u32>().is_err() {
        return Err(PluginError::invalid(format!(
            "block-time {block_time:?} must be whole seconds, e.g. `2s`"
        )));
    }
    let http = node.port("http")?.to_string();
    let args: Vec<String> = if client == "anvil" {
        ["--host", "127.0.0.1", "--port", &http, "--block-time", &block_time]
            .map(str::to_string)
            .to_vec()
    } else {
        let authrpc = node.port("authrpc")?.to_string();
        let p2p = node.port("p2p")?.to_string();
        let mut a = vec!["--dev", "--dev.period", &block_time, "--datadir", &node.home, "--http"];
        a.extend([
            "--http.addr",
            "127.0.0.1",
            "--http.port",
            &http,
            "--authrpc.addr",
            "127.0.0.1",
        ]);
        a.extend([
            "--authrpc.port",
            &authrpc,
            "--port",
            &p2p,
            "--nodiscover",
            "--maxpeers",
            "0",
            "--ipcdisable",
        ]);
        a.into_iter().map(str::to_string).collect()
    };
    Ok(Command { args, env: vec![] })
}

pub fn status(node: &NodeSlot) -> Result<NodeStatus, PluginError> {
    devnet_plugin_sdk::evm::node_status(node.port("http")?)
}
