//! A Tempo devnet on anvil's Tempo mode (`anvil --network tempo`, Foundry's node with Tempo's
//! TIP-20 precompiles and 0x76 transactions), for when no `tempo` binary is at hand: one node
//! whose chain lives in a state file (`--state`), so that it survives a restart and an upgrade
//! to a later hardfork.
//!
//! anvil makes its own stablecoins (pathUSD, AlphaUSD, BetaUSD, ThetaUSD at `0x20c0…00` to
//! `…03`) and system contracts when it starts on nothing, and a state file replaces them whole
//! (it also refuses a funded genesis, `--init`, beside one). So at genesis the plugin has anvil
//! write its own first state (it dumps it every second; the host's timeout stops it), then adds
//! the holders' balance slots of those tokens to it, never a token's own fields (its symbol or
//! total supply are anvil's).

use devnet_plugin_sdk::evm::{Address, U256, address_of};
use devnet_plugin_sdk::genesis::public_key as key;
use devnet_plugin_sdk::{Command, DevnetSpec, File, KeyAlgorithm, KeyRequest, NodeSlot, PluginError, PublicKey, host};
use serde_json::{Value, json};

use crate::genesis::{chain_id, setting};
use crate::tip20::balance_slot;

/// The chain's state, in the devnet directory: written at genesis, then anvil's own.
pub const STATE: &str = "anvil-state.json";

/// anvil's own first state, before any holder is funded.
const PRISTINE: &str = "anvil-pristine.json";

/// How long anvil runs to write [`PRISTINE`] (it dumps after 1 s), and how many tries.
const PRISTINE_MS: u32 = 3_000;
const PRISTINE_TRIES: usize = 2;

/// What anvil devnets started from before they had a state file.
pub const OLD_GENESIS: &str = "anvil-genesis.json";

/// How often anvil dumps its chain (each dump rewrites it whole).
const STATE_INTERVAL_SECS: &str = "5";

/// anvil's Tempo-mode stablecoins: symbol and address.
pub const TOKENS: [(&str, &str); 4] = [
    ("pathUSD", "0x20c0000000000000000000000000000000000000"),
    ("AlphaUSD", "0x20c0000000000000000000000000000000000001"),
    ("BetaUSD", "0x20c0000000000000000000000000000000000002"),
    ("ThetaUSD", "0x20c0000000000000000000000000000000000003"),
];

/// What the validator's key holds of each token: 1,000,000 tokens of 6 decimals.
const VALIDATOR_BALANCE: u64 = 1_000_000_000_000;

/// The settings anvil's Tempo mode takes (`client` and `hardfork` are set by `plan`;
/// `genesis-time`, which devnets of an earlier release carry, no longer changes anything: the
/// chain's clock is anvil's own).
const SETTINGS: [&str; 4] = ["block-time", "client", "genesis-time", "hardfork"];

/// Tempo's hardforks that anvil 1.7 runs, oldest first.
pub const HARDFORKS: [&str; 8] = ["t0", "t1", "t1a", "t1b", "t1c", "t2", "t3", "t4"];

/// The hardfork of a devnet that names none: anvil's own default.
pub const DEFAULT_HARDFORK: &str = "t0";

/// The devnet's hardfork (`hardfork` setting), lowercase, checked.
pub fn hardfork(spec: &DevnetSpec) -> Result<String, PluginError> {
    let name = setting(spec, "hardfork")
        .unwrap_or(DEFAULT_HARDFORK)
        .to_ascii_lowercase();
    if HARDFORKS.contains(&name.as_str()) {
        Ok(name)
    } else {
        Err(PluginError::invalid(format!(
            "hardfork {name:?} is not one of Tempo's that anvil runs; use one of {}",
            HARDFORKS.join(", ")
        )))
    }
}

fn check(spec: &DevnetSpec) -> Result<(), PluginError> {
    chain_id(spec)?;
    if spec.validators + spec.full_nodes != 1 {
        return Err(PluginError::unsupported(format!(
            "anvil's Tempo mode runs one node, not {}: use --validators 1 --full-nodes 0",
            spec.validators + spec.full_nodes
        )));
    }
    if let Some(unknown) = spec.overrides.iter().find(|o| !SETTINGS.contains(&o.key.as_str())) {
        return Err(PluginError::invalid(format!(
            "unknown setting {:?} for Tempo on anvil; the settings are {}",
            unknown.key,
            SETTINGS.join(", ")
        )));
    }
    hardfork(spec)?;
    Ok(())
}

/// The token a denomination names: a symbol of [`TOKENS`] (any case) or its address.
pub fn token(denom: &str) -> Result<Address, PluginError> {
    TOKENS
        .iter()
        .find(|(symbol, address)| symbol.eq_ignore_ascii_case(denom) || address.eq_ignore_ascii_case(denom))
        .and_then(|(_, address)| address.parse().ok())
        .ok_or_else(|| {
            let names: Vec<&str> = TOKENS.iter().map(|(s, _)| *s).collect();
            PluginError::invalid(format!(
                "{denom:?} is not one of Tempo's stablecoins; use one of {} or a token's address",
                names.join(", ")
            ))
        })
}

/// The validator's key (the devnet's first sender) and one per funded account.
pub fn keys(spec: &DevnetSpec) -> Result<Vec<KeyRequest>, PluginError> {
    check(spec)?;
    let secp = |id: String| KeyRequest {
        id,
        algorithm: KeyAlgorithm::Secp256k1,
    };
    let mut out = vec![secp("validator-0".into())];
    out.extend(spec.accounts.iter().map(|a| secp(a.name.clone())));
    Ok(out)
}

fn credit(
    alloc: &mut serde_json::Map<String, Value>,
    token: &Address,
    holder: &Address,
    amount: U256,
) -> Result<(), PluginError> {
    let account = alloc
        .entry(format!("{token:x}"))
        .or_insert_with(|| json!({ "balance": "0x0", "storage": {} }));
    let slot = format!("0x{:064x}", balance_slot(holder));
    let storage = account["storage"]
        .as_object_mut()
        .ok_or_else(|| PluginError::Internal(format!("token {token} has no storage object")))?;
    let before = storage
        .get(&slot)
        .and_then(Value::as_str)
        .and_then(|s| U256::from_str_radix(s.trim_start_matches("0x"), 16).ok())
        .unwrap_or(U256::ZERO);
    let after = before
        .checked_add(amount)
        .ok_or_else(|| PluginError::invalid(format!("the {token} balance of {holder} overflows 256 bits")))?;
    storage.insert(slot, Value::String(format!("0x{after:064x}")));
    Ok(())
}

/// The first state: anvil's own, with the validator holding
/// [`VALIDATOR_BALANCE`] of every token, and each account what it asked for, in whole tokens
/// (`1000pathUSD`, `1.5AlphaUSD`).
pub fn build(spec: &DevnetSpec, keys: &[PublicKey]) -> Result<Vec<File>, PluginError> {
    check(spec)?;
    let mut alloc = serde_json::Map::new();
    let validator = address_of(key(keys, "validator-0")?)?;
    for (symbol, _) in TOKENS {
        credit(&mut alloc, &token(symbol)?, &validator, U256::from(VALIDATOR_BALANCE))?;
    }
    for account in &spec.accounts {
        let holder = address_of(key(keys, &account.name)?)?;
        for coin in &account.balances {
            let amount = crate::tip20::base_units(&coin.amount, &account.name)?;
            credit(&mut alloc, &token(&coin.denom)?, &holder, amount)?;
        }
    }
    let mut state = pristine(spec)?;
    fund(&mut state, alloc)?;
    Ok(vec![File {
        path: STATE.into(),
        contents: serde_json::to_vec(&state).map_err(|e| PluginError::Internal(e.to_string()))?,
        with_secrets: false,
    }])
}

/// anvil's own first state for `spec` (its tokens, system contracts, no funded account), as it
/// dumps it: run until the host's timeout stops it, a second time if the first left no whole
/// dump.
fn pristine(spec: &DevnetSpec) -> Result<Value, PluginError> {
    let args: Vec<String> = [
        "--network",
        "tempo",
        "--hardfork",
        &hardfork(spec)?,
        "--chain-id",
        &chain_id(spec)?.to_string(),
        "--accounts",
        "0",
        "--port",
        "0",
        "--dump-state",
        PRISTINE,
        "--state-interval",
        "1",
    ]
    .map(str::to_string)
    .to_vec();
    let mut why = String::from("no dump");
    for _ in 0..PRISTINE_TRIES {
        // The timeout is how it ends: anvil never exits by itself.
        if let Err(e) = host::run_binary(&args, PRISTINE_MS) {
            why = e.message().to_string();
        }
        let dump = host::read_file(PRISTINE)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok());
        if let Some(state) = dump.filter(|s| s["accounts"].get(TOKENS[0].1).is_some()) {
            return Ok(state);
        }
    }
    Err(PluginError::chain(format!(
        "anvil's Tempo mode wrote no first state within {PRISTINE_MS} ms ({why}); is the machine loaded? deploy again"
    )))
}

/// Adds `alloc`'s balance slots to the tokens of `state` (anvil's state-file format).
fn fund(state: &mut Value, alloc: serde_json::Map<String, Value>) -> Result<(), PluginError> {
    let accounts = state["accounts"]
        .as_object_mut()
        .ok_or_else(|| PluginError::chain("anvil's first state has no accounts"))?;
    for (token, entry) in alloc {
        let address = format!("0x{}", token.trim_start_matches("0x"));
        let storage = accounts
            .get_mut(&address)
            .and_then(|a| a["storage"].as_object_mut())
            .ok_or_else(|| PluginError::chain(format!("anvil's first state has no token at {address}")))?;
        for (slot, value) in entry["storage"].as_object().into_iter().flatten() {
            storage.insert(slot.clone(), value.clone());
        }
    }
    Ok(())
}

/// `anvil --network tempo` on the node's HTTP port, from the genesis, a block every
/// `block-time` whole seconds (default 1).
pub fn start_command(spec: &DevnetSpec, node: &NodeSlot) -> Result<Command, PluginError> {
    // Loopback for a process; 0.0.0.0 in a container with a network of its own.
    let bind = node.bind_host();
    let text = setting(spec, "block-time").unwrap_or("1s");
    let block_time = text
        .strip_suffix('s')
        .unwrap_or(text)
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| PluginError::invalid(format!("block-time {text:?}: anvil takes whole seconds, e.g. `1s`")))?;
    let http = node.port("http")?.to_string();
    let block_time = block_time.to_string();
    let hardfork = hardfork(spec)?;
    let args = [
        "--network",
        "tempo",
        "--hardfork",
        &hardfork,
        "--host",
        &bind,
        "--port",
        &http,
        "--block-time",
        &block_time,
        "--chain-id",
        &chain_id(spec)?.to_string(),
        "--accounts",
        "0",
        "--state",
        STATE,
        "--state-interval",
        STATE_INTERVAL_SECS,
    ];
    Ok(Command {
        args: args.map(str::to_string).to_vec(),
        env: vec![],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_should_be_known_by_symbol_or_address_and_others_refused_naming_them() {
        let path_usd: Address = TOKENS[0].1.parse().expect("address");
        assert_eq!(token("PATHUSD").expect("symbol"), path_usd);
        assert_eq!(
            token("0x20C0000000000000000000000000000000000000").expect("address"),
            path_usd
        );
        let err = token("stake").expect_err("no such token");
        assert!(err.message().contains("AlphaUSD"), "{err:?}");
    }

    #[test]
    fn credits_should_add_up_in_the_balance_slot_only() {
        let mut alloc = serde_json::Map::new();
        let (token, holder) = (token("pathUSD").expect("token"), Address::repeat_byte(0x11));
        credit(&mut alloc, &token, &holder, U256::from(5)).expect("credit");
        credit(&mut alloc, &token, &holder, U256::from(7)).expect("credit again");
        let storage = alloc[&format!("{token:x}")]["storage"].as_object().expect("storage");
        assert_eq!(storage.len(), 1, "only the balance slot: {storage:?}");
        let slot = format!("0x{:064x}", balance_slot(&holder));
        assert_eq!(storage[&slot], format!("0x{:064x}", 12));
    }
}
