//! anvil devnets: one node started from a genesis (`--init`) that funds the host's keys, the
//! validator's and every `--account`, so that transactions signed by the host land.

use devnet_plugin_sdk::evm::address_of;
use devnet_plugin_sdk::genesis::public_key as key;
use devnet_plugin_sdk::{DevnetSpec, File, KeyAlgorithm, KeyRequest, PluginError, PublicKey};
use serde_json::json;

use crate::clique::{chain_id, funded};

/// The genesis anvil starts from, in the devnet directory.
pub const GENESIS: &str = "anvil-genesis.json";

/// The validator's key (the devnet's first sender) and one per funded account.
pub fn keys(spec: &DevnetSpec) -> Result<Vec<KeyRequest>, PluginError> {
    if spec.validators + spec.full_nodes != 1 {
        return Err(PluginError::unsupported(format!(
            "anvil runs one node, not {}: for several, use client clique (drop --set client=anvil)",
            spec.validators + spec.full_nodes
        )));
    }
    chain_id(spec)?;
    let secp = |id: String| KeyRequest {
        id,
        algorithm: KeyAlgorithm::Secp256k1,
    };
    let mut out = vec![secp("validator-0".into())];
    out.extend(spec.accounts.iter().map(|a| secp(a.name.clone())));
    Ok(out)
}

/// The genesis: the chain id, and the validator and the accounts funded.
pub fn build(spec: &DevnetSpec, keys: &[PublicKey]) -> Result<Vec<File>, PluginError> {
    let validator = address_of(key(keys, "validator-0")?)?;
    let alloc = funded(spec, keys, &[validator])?;
    let genesis = json!({
        "config": { "chainId": chain_id(spec)? },
        "gasLimit": "0x1c9c380",
        "timestamp": format!("{:#x}", devnet_plugin_sdk::evm::genesis_time(spec)?),
        "alloc": alloc,
    });
    Ok(vec![File {
        path: GENESIS.into(),
        contents: serde_json::to_vec_pretty(&genesis).map_err(|e| PluginError::Internal(e.to_string()))?,
        with_secrets: false,
    }])
}
