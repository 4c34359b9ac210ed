//! TIP-20 token balances in a Tempo genesis `alloc`.
//!
//! Tempo pays fees in TIP-20 stablecoins, not in a native coin (native balances stay 0), so
//! funding an account means writing its balance into a token's storage. The tokens live at
//! addresses starting `0x20c0`; their storage layout is the field order of `TIP20Token` in
//! `tempo-precompiles`: `symbol` in slot 3 (a Solidity short string), `total_supply` in slot 8,
//! and the `balances` mapping in slot 9, so a holder's balance sits at
//! `keccak256(pad32(holder) ++ pad32(9))`.

use devnet_plugin_sdk::PluginError;
use devnet_plugin_sdk::evm::{Address, U256, keccak256};
use serde_json::Value;

const SYMBOL_SLOT: u64 = 3;
const TOTAL_SUPPLY_SLOT: u64 = 8;
const BALANCES_SLOT: u64 = 9;
/// The first two bytes of every TIP-20 token address.
const PREFIX: [u8; 2] = [0x20, 0xc0];

/// The decimals of Tempo's TIP-20 stablecoins.
pub const DECIMALS: usize = 6;

/// An amount of whole tokens, with up to [`DECIMALS`] fractional digits (`1000`, `1.5`,
/// `0.000001`), in the token's base units; `what` names it in the error.
pub fn base_units(amount: &str, what: &str) -> Result<U256, PluginError> {
    let bad = || {
        PluginError::invalid(format!(
            "{what}: amount {amount:?} is a number of tokens with at most {DECIMALS} decimals, e.g. 1000 or 1.5"
        ))
    };
    let (whole, fraction) = amount.split_once('.').unwrap_or((amount, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) || fraction.len() > DECIMALS {
        return Err(bad());
    }
    let text = format!("{whole}{fraction:0<DECIMALS$}");
    U256::from_str_radix(&text, 10).map_err(|_| bad())
}

/// The storage key of `slot`, as a genesis writes it: `0x` and 64 hex digits.
fn key(slot: U256) -> String {
    format!("0x{:064x}", slot)
}

/// The storage slot of `holder`'s balance.
pub fn balance_slot(holder: &Address) -> U256 {
    let mut preimage = [0u8; 64];
    preimage[12..32].copy_from_slice(holder.as_slice());
    preimage[32..].copy_from_slice(&U256::from(BALANCES_SLOT).to_be_bytes::<32>());
    U256::from_be_bytes(keccak256(preimage).0)
}

fn read(storage: &serde_json::Map<String, Value>, slot: U256) -> Result<U256, PluginError> {
    match storage.get(&key(slot)) {
        None => Ok(U256::ZERO),
        Some(v) => v
            .as_str()
            .and_then(|s| U256::from_str_radix(s.trim_start_matches("0x"), 16).ok())
            .ok_or_else(|| {
                PluginError::invalid(format!("genesis storage slot {} holds {v}, not a hex word", key(slot)))
            }),
    }
}

/// A Solidity short string (at most 31 bytes, left-aligned, length × 2 in the last byte).
fn short_string(word: U256) -> Option<String> {
    let bytes = word.to_be_bytes::<32>();
    let len = usize::from(bytes[31]);
    (len % 2 == 0 && len / 2 < 32)
        .then(|| String::from_utf8(bytes[..len / 2].to_vec()).ok())
        .flatten()
}

/// The TIP-20 tokens in `genesis`: (address, symbol).
pub fn tokens(genesis: &Value) -> Vec<(Address, String)> {
    let Some(alloc) = genesis["alloc"].as_object() else {
        return vec![];
    };
    let mut out: Vec<(Address, String)> = alloc
        .iter()
        .filter_map(|(addr, account)| {
            let address: Address = addr.parse().ok()?;
            if address.as_slice()[..2] != PREFIX {
                return None;
            }
            let storage = account["storage"].as_object()?;
            let symbol = short_string(read(storage, U256::from(SYMBOL_SLOT)).ok()?)?;
            Some((address, symbol))
        })
        .collect();
    out.sort();
    out
}

/// The token a coin's denomination names: a symbol such as `pathUSD` (any case) or a token
/// address.
pub fn resolve(genesis: &Value, denom: &str) -> Result<Address, PluginError> {
    let known = tokens(genesis);
    let found = known.iter().find(|(address, symbol)| {
        symbol.eq_ignore_ascii_case(denom) || address.to_string().eq_ignore_ascii_case(denom)
    });
    found.map(|(address, _)| *address).ok_or_else(|| {
        let names: Vec<&str> = known.iter().map(|(_, s)| s.as_str()).collect();
        PluginError::invalid(format!(
            "denomination {denom:?} is not a TIP-20 token of this genesis; use one of {}",
            names.join(", ")
        ))
    })
}

/// Adds `amount` of `token` to `holder`'s balance and to the token's total supply.
pub fn credit(genesis: &mut Value, token: &Address, holder: &Address, amount: U256) -> Result<(), PluginError> {
    let storage = genesis["alloc"]
        .as_object_mut()
        .and_then(|alloc| {
            alloc
                .iter_mut()
                .find(|(a, _)| a.parse::<Address>().ok().as_ref() == Some(token))
                .map(|(_, account)| account)
        })
        .and_then(|account| account["storage"].as_object_mut())
        .ok_or_else(|| PluginError::invalid(format!("token {token} has no storage in the genesis")))?;
    for slot in [balance_slot(holder), U256::from(TOTAL_SUPPLY_SLOT)] {
        let sum = read(storage, slot)?
            .checked_add(amount)
            .ok_or_else(|| PluginError::invalid(format!("the {token} balance of {holder} overflows 256 bits")))?;
        storage.insert(key(slot), Value::String(key(sum)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_amounts_should_be_whole_tokens_with_up_to_six_decimals() {
        assert_eq!(base_units("1000", "a").unwrap(), U256::from(1_000_000_000u64));
        assert_eq!(base_units("1.5", "a").unwrap(), U256::from(1_500_000u64));
        assert_eq!(base_units("0.000001", "a").unwrap(), U256::from(1u64));
        assert_eq!(base_units(".25", "a").unwrap(), U256::from(250_000u64));
        for bad in ["", ".", "1.0000001", "1e6", "-1", "1,5", "one"] {
            let e = base_units(bad, "alice").unwrap_err();
            assert!(e.message().contains("at most 6 decimals"), "{bad}: {e:?}");
        }
    }
    use serde_json::json;

    fn word(text: &str, len: usize) -> String {
        let mut bytes = [0u8; 32];
        bytes[..text.len()].copy_from_slice(text.as_bytes());
        bytes[31] = (len * 2) as u8;
        format!("0x{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
    }

    fn genesis() -> Value {
        json!({"alloc": {
            "0x20c0000000000000000000000000000000000000": {"storage": {
                key(U256::from(3)): word("pathUSD", 7),
                key(U256::from(8)): key(U256::from(100)),
            }},
            "0x4e59b44847b379578588920ca78fbf26c0b4956c": {"code": "0x00"}
        }})
    }

    #[test]
    fn tokens_should_be_found_by_symbol_or_address_and_others_named() {
        let g = genesis();
        let path_usd: Address = "0x20c0000000000000000000000000000000000000".parse().expect("address");
        assert_eq!(tokens(&g), vec![(path_usd, "pathUSD".to_string())]);
        assert_eq!(resolve(&g, "pathusd").expect("by symbol"), path_usd);
        assert_eq!(
            resolve(&g, "0x20C0000000000000000000000000000000000000").expect("by address"),
            path_usd
        );
        let err = resolve(&g, "stake").expect_err("no such token");
        assert!(err.message().contains("pathUSD"), "{err:?}");
    }

    #[test]
    fn credit_should_add_to_balance_and_supply() {
        let mut g = genesis();
        let token: Address = "0x20c0000000000000000000000000000000000000".parse().expect("address");
        let holder = Address::repeat_byte(0x11);
        credit(&mut g, &token, &holder, U256::from(5)).expect("credit");
        credit(&mut g, &token, &holder, U256::from(7)).expect("credit again");
        let storage = g["alloc"]["0x20c0000000000000000000000000000000000000"]["storage"]
            .as_object()
            .expect("storage");
        assert_eq!(read(storage, balance_slot(&holder)).expect("balance"), U256::from(12));
        assert_eq!(read(storage, U256::from(8)).expect("supply"), U256::from(112));
    }
}
