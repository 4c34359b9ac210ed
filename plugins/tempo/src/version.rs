//! Tempo versions, from `tempo --version` and from a live node.

use devnet_plugin_sdk::evm::client_version;
use devnet_plugin_sdk::version_range::first_version;
use devnet_plugin_sdk::{NodeSlot, PluginError};

/// `tempo --version` prints `tempo Version: 1.13.1` (then commit, build time, features,
/// profile); `tempo -V` prints `tempo 1.13.1 (d656ef55)`. Both give `v1.13.1`.
pub fn from_binary_output(output: &str) -> Result<String, PluginError> {
    let line = output.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    if !line.to_ascii_lowercase().starts_with("tempo") {
        return Err(PluginError::invalid(format!(
            "expected `tempo --version` output, got {line:?}"
        )));
    }
    first_version(line).ok_or_else(|| PluginError::invalid(format!("no version number in {line:?}")))
}

/// `web3_clientVersion` of a Tempo node: `tempo/v1.13.1-d656ef55/x86_64-unknown-linux-gnu`.
pub fn from_live_node(node: &NodeSlot) -> Result<String, PluginError> {
    let client = client_version(node.port("http")?)?;
    let (name, rest) = client.split_once('/').unwrap_or((&client, ""));
    if !name.eq_ignore_ascii_case("tempo") {
        return Err(PluginError::Chain(format!(
            "the node says it is {client:?}, not a Tempo node"
        )));
    }
    first_version(rest).ok_or_else(|| PluginError::Chain(format!("no version in web3_clientVersion {client:?}")))
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
        assert!(from_binary_output("tempo Version: unknown").is_err());
    }
}
