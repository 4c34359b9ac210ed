//! Client versions of geth and anvil.

use devnet_plugin_sdk::evm::client_version;
use devnet_plugin_sdk::version_range::first_version;
use devnet_plugin_sdk::{NodeSlot, PluginError};

/// What an anvil version carries after its number, as semver build metadata: `v1.7.1+anvil`
/// (a geth version is bare), so that the client is known from the binary a devnet runs.
const ANVIL: &str = "+anvil";

/// Whether `version` (as this plugin detected it) is an anvil's.
pub fn is_anvil(version: &str) -> bool {
    version.ends_with(ANVIL)
}

fn tagged(version: String, anvil: bool) -> String {
    if anvil { version + ANVIL } else { version }
}

/// `geth version 1.13.15-stable` or `anvil Version: 1.7.1` (the first line of `--version`)
/// gives `v1.13.15` / `v1.7.1+anvil`.
pub fn from_binary_output(output: &str) -> Result<String, PluginError> {
    let line = output.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let lower = line.to_ascii_lowercase();
    let rest = lower
        .split_once("version")
        .map(|(_, r)| r.trim_start_matches([':', ' ']))
        .ok_or_else(|| {
            PluginError::invalid(format!(
                "expected `geth --version` or `anvil --version` output, got {line:?}"
            ))
        })?;
    first_version(rest)
        .map(|v| tagged(v, lower.starts_with("anvil")))
        .ok_or_else(|| PluginError::invalid(format!("no version number in {line:?}")))
}

/// `web3_clientVersion`: `Geth/v1.13.15-stable-c5ba367e/linux-amd64/go1.26.8` or `anvil/v1.7.1`.
pub fn from_live_node(node: &NodeSlot) -> Result<String, PluginError> {
    let client = client_version(node.port("http")?)?;
    let second = client.split('/').nth(1).unwrap_or("");
    first_version(second)
        .map(|v| tagged(v, client.to_ascii_lowercase().starts_with("anvil/")))
        .ok_or_else(|| PluginError::Chain(format!("no version in web3_clientVersion {client:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_read_geth_and_anvil_version_lines() {
        assert_eq!(from_binary_output("geth version 1.13.15-stable\n").unwrap(), "v1.13.15");
        assert_eq!(
            from_binary_output("anvil Version: 1.7.1\nCommit SHA: 40\n").unwrap(),
            "v1.7.1+anvil"
        );
        assert!(is_anvil("v1.7.1+anvil") && !is_anvil("v1.13.15"));
        assert!(from_binary_output("command not found").is_err());
        assert!(from_binary_output("geth version unknown").is_err());
    }
}
