//! Tempo versions, from `tempo --version` and from a live node.

use devnet_plugin_sdk::evm::{client_version, rpc as call_rpc};
use devnet_plugin_sdk::version_range::first_version;
use devnet_plugin_sdk::{NodeSlot, PluginError};

/// What a version of anvil's Tempo mode carries after its number, as semver build metadata
/// (`v1.7.1+anvil`; a `tempo` node's is bare), so that the plugin knows which node it runs.
const ANVIL: &str = "+anvil";

/// Whether `version` (as this plugin detected it) is anvil's.
pub fn is_anvil(version: &str) -> bool {
    version.contains(ANVIL)
}

/// The Tempo hardfork a live anvil runs, as recorded after the client's version
/// (`v1.7.1+anvil.t1`); none when the version names none.
pub fn hardfork(version: &str) -> Option<&str> {
    version.split_once(ANVIL)?.1.strip_prefix('.')
}

/// `tempo --version` prints `tempo Version: 1.13.1` (then commit, build time, features,
/// profile); `tempo -V` prints `tempo 1.13.1 (d656ef55)`. Both give `v1.13.1`. anvil's
/// `anvil Version: 1.7.1` gives `v1.7.1+anvil`.
pub fn from_binary_output(output: &str) -> Result<String, PluginError> {
    let line = output.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let lower = line.to_ascii_lowercase();
    let anvil = lower.starts_with("anvil");
    if !lower.starts_with("tempo") && !anvil {
        return Err(PluginError::invalid(format!(
            "expected `tempo --version` or `anvil --version` output, got {line:?}"
        )));
    }
    first_version(line)
        .map(|v| if anvil { v + ANVIL } else { v })
        .ok_or_else(|| PluginError::invalid(format!("no version number in {line:?}")))
}

/// `web3_clientVersion` of a Tempo node: `tempo/v1.13.1-d656ef55/x86_64-unknown-linux-gnu`.
pub fn from_live_node(node: &NodeSlot) -> Result<String, PluginError> {
    let client = client_version(node.port("http")?)?;
    let (name, rest) = client.split_once('/').unwrap_or((&client, ""));
    let anvil = name.eq_ignore_ascii_case("anvil");
    if !name.eq_ignore_ascii_case("tempo") && !anvil {
        return Err(PluginError::Chain(format!(
            "the node says it is {client:?}, not a Tempo node"
        )));
    }
    let version = first_version(rest)
        .ok_or_else(|| PluginError::Chain(format!("no version in web3_clientVersion {client:?}")))?;
    if !anvil {
        return Ok(version);
    }
    // anvil is a Tempo node only in its Tempo mode, where pathUSD answers.
    let port = node.port("http")?;
    let call = serde_json::json!([{"to": crate::tx::PATH_USD, "data": "0x95d89b41"}, "latest"]);
    let symbol = call_rpc(port, "eth_call", call);
    match symbol {
        Ok(symbol) if symbol.as_str().is_some_and(|s| s.len() > 2) => {
            let info = call_rpc(port, "anvil_nodeInfo", serde_json::json!([]))?;
            let fork = info["hardFork"]
                .as_str()
                .ok_or_else(|| PluginError::Chain(format!("anvil_nodeInfo names no hardFork: {info}")))?;
            Ok(format!("{version}{ANVIL}.{}", fork.to_ascii_lowercase()))
        }
        // A plain anvil answers `0x`: no contract there.
        Ok(_) => Err(PluginError::Chain(format!(
            "the node says it is {client:?} without Tempo's pathUSD (not started with --network tempo): not a Tempo node"
        ))),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_read_long_and_short_version_output() {
        let long = "tempo Version: 1.13.1-dev\nCommit SHA: d656ef5581\nBuild Profile: maxperf\n";
        assert_eq!(from_binary_output(long).expect("long"), "v1.13.1");
        assert_eq!(from_binary_output("tempo 1.11.0 (d656ef55)").expect("short"), "v1.11.0");
        assert!(from_binary_output("geth version 1.13.15-stable").is_err());
        let anvil = from_binary_output("anvil Version: 1.7.1\nCommit SHA: 4072e48705").expect("anvil");
        assert_eq!(anvil, "v1.7.1+anvil");
        assert!(is_anvil(&anvil) && !is_anvil("v1.13.1"));
        assert!(is_anvil("v1.7.1+anvil.t1"));
        assert_eq!(hardfork("v1.7.1+anvil.t1"), Some("t1"));
        assert_eq!(hardfork("v1.7.1+anvil"), None);
        assert!(from_binary_output("tempo Version: unknown").is_err());
    }
}
