//! geth dev mode devnets: one node, chain id 1337, a block every `block-time`, started from
//! geth's own dev genesis (`geth --dev dumpgenesis`: every fork that geth has, with the system
//! contracts they need) with the host's keys added to it, the validator's and every `--account`
//! (`geth init`), so that transactions signed by the host land.

use devnet_plugin_sdk::evm::address_of;
use devnet_plugin_sdk::genesis::public_key as key;
use devnet_plugin_sdk::{Command, DevnetSpec, File, KeyAlgorithm, KeyRequest, NodeSlot, PluginError, PublicKey, host};
use serde_json::Value;

use crate::clique::{chain_id, funded};

/// The genesis, in the devnet directory.
const GENESIS: &str = "genesis.json";

/// The validator's key (the devnet's first sender) and one per funded account: what a
/// one-node devnet of either client (dev mode, anvil) asks for.
pub fn keys(spec: &DevnetSpec) -> Result<Vec<KeyRequest>, PluginError> {
    chain_id(spec)?;
    let secp = |id: String| KeyRequest {
        id,
        algorithm: KeyAlgorithm::Secp256k1,
    };
    let mut out = vec![secp("validator-0".into())];
    out.extend(spec.accounts.iter().map(|a| secp(a.name.clone())));
    Ok(out)
}

/// The genesis: geth's own dev genesis, with the validator and the accounts funded.
pub fn build(spec: &DevnetSpec, keys: &[PublicKey]) -> Result<Vec<File>, PluginError> {
    let validator = address_of(key(keys, "validator-0")?)?;
    let out = host::run_binary(&["--dev".into(), "dumpgenesis".into()], 60_000)?;
    if out.status != 0 {
        return Err(PluginError::chain(format!(
            "geth --dev dumpgenesis exited {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let mut genesis: Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| PluginError::chain(format!("geth --dev dumpgenesis printed no genesis: {e}")))?;
    if genesis["config"]["chainId"].as_u64() != Some(chain_id(spec)?) {
        return Err(PluginError::invalid(format!(
            "geth's dev genesis has chain id {}, not {}",
            genesis["config"]["chainId"], spec.chain_id
        )));
    }
    let alloc = genesis["alloc"]
        .as_object_mut()
        .ok_or_else(|| PluginError::chain("geth's dev genesis has no alloc"))?;
    alloc.extend(funded(spec, keys, &[validator])?);
    Ok(vec![File {
        path: GENESIS.into(),
        contents: serde_json::to_vec_pretty(&genesis).map_err(|e| PluginError::Internal(e.to_string()))?,
        with_secrets: false,
    }])
}

/// `geth init` of the genesis into the node's data directory.
pub fn init_commands(node: &NodeSlot) -> Vec<Command> {
    let home = node.home.trim_end_matches('/');
    vec![Command {
        args: ["init", "--datadir", home, GENESIS].map(str::to_string).to_vec(),
        env: vec![],
    }]
}
