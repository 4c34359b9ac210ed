//! Node commands, ports and status for CometBFT-based nodes.

use devnet_plugin_sdk::node::{HaltInfo, NodeStatus};
use devnet_plugin_sdk::{Command, DevnetSpec, NodeRole, NodeSlot, PluginError, json};

/// CometBFT RPC and P2P, the app's gRPC and REST API.
pub fn ports(_role: NodeRole) -> Vec<String> {
    ["rpc", "p2p", "grpc", "api"].iter().map(|p| p.to_string()).collect()
}

pub fn start_command(_spec: &DevnetSpec, node: &NodeSlot) -> Result<Command, PluginError> {
    Ok(Command {
        // Plain text in the log file: no terminal colour codes.
        args: vec![
            "start".into(),
            "--home".into(),
            node.home.clone(),
            "--log_no_color".into(),
        ],
        env: vec![],
    })
}

/// The node started with `--halt-height`: the app refuses to finalize block `height`, so the last
/// block is `height - 1` and the log says `halt per configuration height <height>`.
pub fn halting_start_command(spec: &DevnetSpec, node: &NodeSlot, height: u64) -> Result<Command, PluginError> {
    if height == 0 {
        return Err(PluginError::invalid("a halt height must be above 0"));
    }
    let mut command = start_command(spec, node)?;
    command.args.extend(["--halt-height".to_string(), height.to_string()]);
    Ok(command)
}

/// `export` on the stopped node's data: the state as a genesis document, written to `output`.
pub fn export_command(node: &NodeSlot, height: Option<u64>, output: &str) -> Result<Command, PluginError> {
    if output.is_empty() {
        return Err(PluginError::invalid("the export needs an output path"));
    }
    let mut args = vec![
        "export".to_string(),
        "--home".to_string(),
        node.home.clone(),
        "--output-document".to_string(),
        output.to_string(),
    ];
    if let Some(h) = height {
        args.extend(["--height".to_string(), h.to_string()]);
    }
    Ok(Command { args, env: vec![] })
}

/// Height and catching-up from `/status`, peers from `/net_info`.
pub fn status(node: &NodeSlot) -> Result<NodeStatus, PluginError> {
    let rpc = node.port("rpc")?;
    let status = json::get_ok(&format!("http://127.0.0.1:{rpc}/status"))?;
    let sync = &status["result"]["sync_info"];
    let height = sync["latest_block_height"]
        .as_str()
        .and_then(|h| h.parse().ok())
        .ok_or_else(|| PluginError::Chain(format!("/status has no latest_block_height: {status}")))?;
    let catching_up = sync["catching_up"].as_bool().unwrap_or(false);
    let net = json::get_ok(&format!("http://127.0.0.1:{rpc}/net_info"))?;
    let peers = net["result"]["n_peers"]
        .as_str()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    Ok(NodeStatus {
        height,
        catching_up,
        peers,
    })
}

/// x/upgrade logs `UPGRADE "v050-to-v053" NEEDED at height: 20: ...` when it halts the chain;
/// baseapp's `halt per configuration height 20 time 0` is a stop set by `--halt-height` (no plan:
/// an empty name).
pub fn upgrade_halt(line: &str) -> Option<HaltInfo> {
    const HALT_HEIGHT: &str = "halt per configuration height ";
    if let Some(at) = line.find(HALT_HEIGHT) {
        let digits: String = line[at + HALT_HEIGHT.len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        return Some(HaltInfo {
            name: String::new(),
            height: digits.parse().ok()?,
        });
    }
    let rest = &line[line.find("UPGRADE \"")? + "UPGRADE \"".len()..];
    let (name, rest) = rest.split_once('"')?;
    let rest = rest.trim_start().strip_prefix("NEEDED at height:")?.trim_start();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some(HaltInfo {
        name: name.to_string(),
        height: digits.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upgrade_halt_should_read_the_name_and_height() {
        let line = r#"3:04PM ERR UPGRADE "v050-to-v053" NEEDED at height: 20: {} module=x/upgrade"#;
        assert_eq!(
            upgrade_halt(line),
            Some(HaltInfo {
                name: "v050-to-v053".into(),
                height: 20
            })
        );
        assert_eq!(upgrade_halt("3:04PM INF committed state height=20"), None);
        assert_eq!(upgrade_halt(r#"UPGRADE "x" NEEDED at height: soon"#), None);
        let line = r#"10:04PM ERR CONSENSUS FAILURE!!! err="failed to apply block; error halt per configuration height 40 time 0" module=consensus"#;
        assert_eq!(
            upgrade_halt(line),
            Some(HaltInfo {
                name: String::new(),
                height: 40
            })
        );
        assert_eq!(upgrade_halt("halt per configuration height  time 0"), None);
    }
}
