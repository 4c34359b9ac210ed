//! Node commands and JSON-RPC status for geth (dev mode) and anvil.

use devnet_plugin_sdk::node::NodeStatus;
use devnet_plugin_sdk::{Command, DevnetSpec, NodeRole, NodeSlot, PluginError, host};

pub fn ports(_role: NodeRole) -> Vec<String> {
    ["http", "authrpc", "p2p"].iter().map(|p| p.to_string()).collect()
}

pub(crate) fn setting<'a>(spec: &'a DevnetSpec, key: &str) -> Option<&'a str> {
    spec.overrides.iter().find(|o| o.key == key).map(|o| o.value.as_str())
}

/// The client a devnet runs: the `client` setting (`geth-dev`, geth's dev mode; `anvil`; or
/// `clique`, geth ≤ 1.13 proof of authority), which [`crate::plan::choose`] always sets, else
/// (a devnet of an older host) what fits the binary and the node count: anvil for the anvil
/// binary, Clique for more than one node, geth dev mode for one. A client asked for on the other
/// client's binary is refused, saying which binary to pick.
pub fn client(spec: &DevnetSpec) -> Result<&'static str, PluginError> {
    let anvil_binary = crate::version::is_anvil(&spec.chain_version);
    let many = spec.validators + spec.full_nodes > 1;
    let client = match setting(spec, "client") {
        Some(name) => crate::plan::named(name)?,
        None if anvil_binary => "anvil",
        None if many => "clique",
        None => "geth-dev",
    };
    // An empty version: nothing detected yet (a plugin-level call without a binary).
    if !spec.chain_version.is_empty() && (client == "anvil") != anvil_binary {
        return Err(PluginError::invalid(if anvil_binary {
            format!(
                "client {client} runs geth, but this devnet's binary is anvil {}: deploy with --set client=anvil, or without --binary anvil",
                spec.chain_version
            )
        } else {
            format!(
                "client anvil runs the anvil binary, but this devnet's is geth {}: deploy with --set client=anvil and no --binary",
                spec.chain_version
            )
        }));
    }
    Ok(client)
}

/// `block-time` in whole seconds (default 1).
pub fn start_command(spec: &DevnetSpec, node: &NodeSlot) -> Result<Command, PluginError> {
    // Loopback for a process; 0.0.0.0 in a container with a network of its own.
    let bind = node.bind_host();
    let client = client(spec)?;
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
    if spec.validators + spec.full_nodes > 1 {
        return Err(PluginError::unsupported(format!(
            "client {client} runs a single node; for several nodes use client `clique` (geth v1.13)"
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
        let mut a: Vec<String> = ["--host", &bind, "--port", &http, "--block-time", &block_time]
            .map(str::to_string)
            .to_vec();
        a.extend(crate::anvil::chain_args(spec)?);
        a
    } else {
        let authrpc = node.port("authrpc")?.to_string();
        let p2p = node.port("p2p")?.to_string();
        let mut a = vec!["--dev", "--dev.period", &block_time, "--datadir", &node.home, "--http"];
        a.extend(["--http.addr", &bind, "--http.port", &http, "--authrpc.addr", &bind]);
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
