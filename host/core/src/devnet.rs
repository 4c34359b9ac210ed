//! A devnet: one chain, its nodes and its keys, made by one plugin.

use serde::{Deserialize, Serialize};

use crate::Meta;
use crate::resource::resource;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coin {
    pub denom: String,
    /// Decimal; EVM amounts exceed 64 bits.
    pub amount: String,
}

impl Coin {
    /// `5stake,2atom` as coins; an error that says how to write them.
    pub fn parse_list(text: &str) -> Result<Vec<Coin>, String> {
        text.split(',')
            .map(|part| {
                let part = part.trim();
                let digits = part.chars().take_while(char::is_ascii_digit).count();
                let (amount, denom) = part.split_at(digits);
                if amount.is_empty() || denom.is_empty() {
                    return Err(format!(
                        "amount {part:?}: write a number then a denomination, e.g. `1stake`"
                    ));
                }
                Ok(Coin {
                    denom: denom.to_string(),
                    amount: amount.to_string(),
                })
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub name: String,
    pub balances: Vec<Coin>,
}

impl Account {
    /// Account `name` funded with `coins`, `amount+denom[,…]` (e.g. `1000stake,5atom`; a
    /// fraction such as `1.5ether` is the plugin's to read); an error that says how to write it.
    pub fn parse(name: &str, coins: &str) -> Result<Account, String> {
        if name.is_empty() {
            return Err("an account needs a name, e.g. alice=1000stake".into());
        }
        let balances = coins
            .split(',')
            .map(|c| {
                let c = c.trim();
                let digits = c.chars().take_while(|ch| ch.is_ascii_digit() || *ch == '.').count();
                let (amount, denom) = c.split_at(digits);
                if amount.is_empty() || denom.is_empty() {
                    return Err(format!("{c:?} is not amount+denom (e.g. 1000stake)"));
                }
                Ok(Coin {
                    denom: denom.to_string(),
                    amount: amount.to_string(),
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Account {
            name: name.to_string(),
            balances,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum RuntimeKind {
    /// Nodes as local processes.
    #[default]
    Local,
    /// Nodes as Docker containers.
    Docker,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevnetSpec {
    /// The plugin that knows this chain family: `cosmos`, `evm`, `tempo`, or an installed one.
    pub network: String,
    /// The chain-software version asked for: a release line such as `v0.50` or an exact one.
    pub version: String,
    /// The chain binary of the chain cache the nodes run, e.g. `anvil`; empty for the plugin's
    /// default binary (`simd`, `geth`).
    #[serde(default)]
    pub binary: String,
    pub chain_id: String,
    pub validators: u32,
    pub full_nodes: u32,
    pub accounts: Vec<Account>,
    /// Chain settings, e.g. `gov.voting-period` = `20s`, in the order given.
    pub overrides: Vec<(String, String)>,
    pub runtime: RuntimeKind,
    /// Whether the nodes should run; `dvb stop` clears it, `dvb start` sets it.
    pub running: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum DevnetPhase {
    /// Accepted, nothing done yet.
    #[default]
    Pending,
    /// Genesis and node files being made.
    Provisioning,
    /// Nodes started; no block yet.
    Starting,
    /// Every node running and the chain making blocks.
    Running,
    /// Some nodes down or the chain stuck; the message says which.
    Degraded,
    /// Stop asked for; nodes still shutting down.
    Stopping,
    /// Stopped on request.
    Stopped,
    /// Could not be made; the message says why.
    Failed,
}

/// A change of the chain-software version the plugin detected, e.g. after an upgrade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionChange {
    pub version: String,
    pub at_height: u64,
    pub unix_ms: u64,
    /// What changed it: `genesis`, or the upgrade's name.
    pub cause: String,
}

/// A key of the devnet's keyring that holds an account on the chain, and that account's
/// address as the devnet's plugin derives it: what `--from <name>` signs as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyAddress {
    pub name: String,
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct DevnetStatus {
    pub phase: DevnetPhase,
    pub message: String,
    /// The spec generation this status describes.
    pub observed_generation: u64,
    /// The version the plugin detected from the running chain.
    pub detected_version: String,
    pub version_history: Vec<VersionChange>,
    /// The highest block height any node reported.
    pub height: u64,
    /// The validators' and the funded accounts' addresses, from genesis on (empty for a plugin
    /// without the `chain` interface).
    #[serde(default)]
    pub addresses: Vec<KeyAddress>,
    /// Whether the version was asked of the live chain once it first ran (the binary does not
    /// always say everything, e.g. the hardfork an EVM node runs).
    #[serde(default)]
    pub live_version_checked: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Devnet {
    pub meta: Meta,
    pub spec: DevnetSpec,
    pub status: DevnetStatus,
}

resource!(Devnet, DevnetSpec, Devnet);

impl Devnet {
    pub fn new(name: impl Into<String>, spec: DevnetSpec) -> Self {
        Self {
            meta: Meta::named(name),
            spec,
            status: DevnetStatus::default(),
        }
    }
}

#[cfg(test)]
mod coin_tests {
    use super::Coin;

    #[test]
    fn amounts_should_parse_or_say_how_to_write_them() {
        let coins = Coin::parse_list("5stake, 2atom").unwrap_or_default();
        assert_eq!(coins.len(), 2);
        assert_eq!((coins[1].amount.as_str(), coins[1].denom.as_str()), ("2", "atom"));
        for bad in ["stake", "5", "", "x5stake"] {
            let err = Coin::parse_list(bad).map(|_| ()).unwrap_err();
            assert!(err.contains("e.g. `1stake`"), "{bad}: {err}");
        }
    }
}
