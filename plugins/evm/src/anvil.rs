//! anvil devnets: one node whose chain lives in a state file (`--state`): at genesis the plugin
//! writes it with the host's keys funded (the validator's and every `--account`), and anvil
//! dumps its whole chain back into it every [`STATE_INTERVAL_SECS`] and on exit (SIGTERM, how the
//! host stops nodes), so a restart (after a crash or an upgrade) carries on from where the chain
//! was. A SIGKILL loses what came after the last dump; one during a dump can leave the file torn
//! (anvil writes it in place), and the node then fails to start with anvil's message. The
//! hardfork is a setting, and an upgrade without governance moves it to a later one.

use devnet_plugin_sdk::evm::{U256, address_of};
use devnet_plugin_sdk::genesis::public_key as key;
use devnet_plugin_sdk::{DevnetSpec, File, KeyRequest, PluginError, PublicKey};
use serde_json::json;

use crate::clique::{chain_id, funded};
use crate::node::setting;

/// The chain's state, in the devnet directory: written at genesis, then anvil's own.
pub const STATE: &str = "anvil-state.json";

/// How often anvil dumps its chain: each dump rewrites the whole chain, so not every block.
pub const STATE_INTERVAL_SECS: u32 = 5;

/// What anvil devnets started from before they had a state file.
pub const OLD_GENESIS: &str = "anvil-genesis.json";

/// The hardforks anvil 1.x runs, oldest first: `--set hardfork=…` takes one of them.
pub const HARDFORKS: [&str; 7] = ["berlin", "london", "paris", "shanghai", "cancun", "prague", "osaka"];

/// The hardfork of a devnet that names none.
pub const DEFAULT_HARDFORK: &str = "prague";

/// The devnet's hardfork (`hardfork` setting), lowercase, checked.
pub fn hardfork(spec: &DevnetSpec) -> Result<String, PluginError> {
    let name = setting(spec, "hardfork")
        .unwrap_or(DEFAULT_HARDFORK)
        .to_ascii_lowercase();
    if HARDFORKS.contains(&name.as_str()) {
        Ok(name)
    } else {
        Err(PluginError::invalid(format!(
            "hardfork {name:?} is not one anvil runs here; use one of {}",
            HARDFORKS.join(", ")
        )))
    }
}

/// Where `name` stands among [`HARDFORKS`]; none for a name this plugin does not know (a later
/// anvil's), which is then taken to have everything.
pub fn rank(name: &str) -> Option<usize> {
    HARDFORKS.iter().position(|h| *h == name)
}

/// The validator's key (the devnet's first sender) and one per funded account.
pub fn keys(spec: &DevnetSpec) -> Result<Vec<KeyRequest>, PluginError> {
    if spec.validators + spec.full_nodes != 1 {
        return Err(PluginError::unsupported(format!(
            "anvil runs one node, not {}: for several, use client clique (drop --set client=anvil)",
            spec.validators + spec.full_nodes
        )));
    }
    hardfork(spec)?;
    crate::dev::keys(spec)
}

/// The first state: the validator and the accounts funded, in anvil's state-file format (what
/// `--dump-state` writes), with no block yet.
pub fn build(spec: &DevnetSpec, keys: &[PublicKey]) -> Result<Vec<File>, PluginError> {
    let validator = address_of(key(keys, "validator-0")?)?;
    let mut accounts = serde_json::Map::new();
    for (address, entry) in funded(spec, keys, &[validator])? {
        let wei = entry["balance"].as_str().unwrap_or("0");
        let wei = U256::from_str_radix(wei, 10)
            .map_err(|_| PluginError::internal(format!("balance {wei:?} of {address} is not decimal")))?;
        accounts.insert(
            format!("0x{address}"),
            json!({"nonce": 0, "balance": format!("{wei:#x}"), "code": "0x", "storage": {}}),
        );
    }
    let state = json!({
        "block": null,
        "accounts": accounts,
        "best_block_number": 0,
        "blocks": [],
        "transactions": [],
    });
    Ok(vec![File {
        path: STATE.into(),
        contents: serde_json::to_vec_pretty(&state).map_err(|e| PluginError::Internal(e.to_string()))?,
        with_secrets: false,
    }])
}

/// anvil's arguments after its ports: the chain id, the hardfork and the state file.
pub fn chain_args(spec: &DevnetSpec) -> Result<Vec<String>, PluginError> {
    Ok(vec![
        "--chain-id".into(),
        chain_id(spec)?.to_string(),
        "--hardfork".into(),
        hardfork(spec)?,
        "--state".into(),
        STATE.into(),
        "--state-interval".into(),
        STATE_INTERVAL_SECS.to_string(),
    ])
}
