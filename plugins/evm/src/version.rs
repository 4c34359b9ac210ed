//! Client versions of geth and anvil.

use devnet_plugin_sdk::evm::client_version;
use devnet_plugin_sdk::version_range::first_version;
use devnet_plugin_sdk::{NodeSlot, PluginError};

/// What an anvil version carries after its number, as semver build metadata: `v1.7.1+anvil`
/// (a geth version is bare), so that the client is known from the binary a devnet runs.
const ANVIL: &str = "+anvil";

/// Whether `version` (as this plugin detected it) is an anvil's.
pub fn is_anvil(version: &str) -> bool {
    version.contains(ANVIL)
}

/// The hardfork a live anvil runs, as this plugin records it after the client's version:
/// `v1.7.1+anvil.cancun`. None when the version names none (from the binary, or geth).
pub fn hardfork(version: &str) -> Option<&str> {
    version.split_once(ANVIL)?.1.strip_prefix('.')
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

/// `web3_clientVersion`: `Geth/v1.13.15-stable-c5ba367e/linux-amd64/go1.26.8` or `anvil/v1.7.1`;
/// for anvil the hardfork it runs too (`anvil_nodeInfo`): `v1.7.1+anvil.cancun`.
pub fn from_live_node(node: &NodeSlot) -> Result<String, PluginError> {
    let port = node.port("http")?;
    let client = client_version(port)?;
    let second = client.split('/').nth(1).unwrap_or("");
    let anvil = client.to_ascii_lowercase().starts_with("anvil/");
    let version = first_version(second)
        .map(|v| tagged(v, anvil))
        .ok_or_else(|| PluginError::Chain(format!("no version in web3_clientVersion {client:?}")))?;
    if !anvil {
        return Ok(version);
    }
    let info = devnet_plugin_sdk::evm::rpc(port, "anvil_nodeInfo", serde_json::json!([]))?;
    let fork = info["hardFork"]
        .as_str()
        .ok_or_else(|| PluginError::Chain(format!("anvil_nodeInfo names no hardFork: {info}")))?;
    Ok(format!("{version}.{}", fork.to_ascii_lowercase()))
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
        assert!(is_anvil("v1.7.1+anvil.cancun"));
        assert_eq!(hardfork("v1.7.1+anvil.cancun"), Some("cancun"));
        assert_eq!(hardfork("v1.7.1+anvil"), None);
        assert_eq!(hardfork("v1.13.15"), None);
        assert!(from_binary_output("command not found").is_err());
        assert!(from_binary_output("geth version unknown").is_err());
    }
}
