//! `tempo node` commands and status.
//!
//! The block producer runs in Tempo's dev mode (`--dev`, with `--dev.block-time`); full nodes
//! follow it over websocket (`--follow`). Every node takes the devnet's genesis (`--chain`), its
//! own data directory, loopback RPC ports and a devp2p key from the host's keyring. Discovery is
//! off and Tempo's public bootnodes are not asked: a devnet reaches nothing outside itself.

use devnet_plugin_sdk::node::NodeStatus;
use devnet_plugin_sdk::{Command, DevnetSpec, NodeRole, NodeSlot, PluginError, host};

use crate::genesis::{FOLLOW_FILE, GENESIS, P2P_KEY_FILE, setting};

pub fn ports(_role: NodeRole) -> Vec<String> {
    ["http", "ws", "authrpc", "p2p"].iter().map(|p| p.to_string()).collect()
}

/// `block-time` as `tempo node` takes it: whole seconds or milliseconds (`1s`, `500ms`, `2`).
pub fn block_time(spec: &DevnetSpec) -> Result<String, PluginError> {
    let text = setting(spec, "block-time").unwrap_or("1s");
    let (digits, unit) = match text.strip_suffix("ms") {
        Some(d) => (d, "ms"),
        None => (text.strip_suffix('s').unwrap_or(text), "s"),
    };
    match digits.parse::<u64>() {
        Ok(n) if n > 0 => Ok(format!("{n}{unit}")),
        _ => Err(PluginError::invalid(format!(
            "block-time {text:?} must be a positive duration such as `1s` or `500ms`"
        ))),
    }
}

pub fn init_command(_spec: &DevnetSpec, node: &NodeSlot) -> Command {
    let args = ["init", "--chain", GENESIS, "--datadir", &node.home];
    Command {
        args: args.map(str::to_string).to_vec(),
        env: vec![],
    }
}

pub fn start_command(spec: &DevnetSpec, node: &NodeSlot) -> Result<Command, PluginError> {
    // Loopback for a process; 0.0.0.0 in a container with a network of its own.
    let bind = node.bind_host();
    let home = node.home.trim_end_matches('/');
    let (http, ws, authrpc, p2p) = (
        node.port("http")?.to_string(),
        node.port("ws")?.to_string(),
        node.port("authrpc")?.to_string(),
        node.port("p2p")?.to_string(),
    );
    let mut args: Vec<String> = vec!["node".into()];
    match node.role {
        NodeRole::Validator => args.extend(["--dev".into(), "--dev.block-time".into(), block_time(spec)?]),
        NodeRole::FullNode => {
            let path = format!("{home}/{FOLLOW_FILE}");
            let url = String::from_utf8(host::read_file(&path)?)
                .map_err(|_| PluginError::invalid(format!("{path} is not text; run genesis again")))?;
            args.extend(["--follow".into(), url.trim().to_string()]);
        }
    }
    let p2p_key = format!("{home}/{P2P_KEY_FILE}");
    let rest = [
        "--chain",
        GENESIS,
        "--datadir",
        home,
        "--http",
        "--http.addr",
        &bind,
        "--http.port",
        &http,
        "--http.api",
        "eth,net,web3,txpool",
        "--ws",
        "--ws.addr",
        &bind,
        "--ws.port",
        &ws,
        "--authrpc.addr",
        &bind,
        "--authrpc.port",
        &authrpc,
        "--port",
        &p2p,
        "--discovery.port",
        &p2p,
        "--disable-discovery",
        "--no-persist-peers",
        "--tempo.bootnodes-endpoint",
        "none",
        "--p2p-secret-key",
        &p2p_key,
        "--ipcdisable",
    ];
    args.extend(rest.map(str::to_string));
    Ok(Command { args, env: vec![] })
}

pub fn status(node: &NodeSlot) -> Result<NodeStatus, PluginError> {
    devnet_plugin_sdk::evm::node_status(node.port("http")?)
}
