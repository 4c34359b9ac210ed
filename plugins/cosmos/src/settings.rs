//! A devnet's settings: defaults, and the overrides a user may give.

use devnet_plugin_sdk::{DevnetSpec, PluginError};

/// Every override key this plugin understands, with what it does.
pub const KNOWN: &[(&str, &str)] = &[
    ("bech32-prefix", "account address prefix (default `cosmos`)"),
    ("denom", "bond, mint and fee denomination (default `stake`)"),
    (
        "block-time",
        "CometBFT timeout_commit, e.g. `1s` or `500ms` (default `1s`)",
    ),
    ("gov.voting-period", "e.g. `20s` (default 48h)"),
    ("gov.expedited-voting-period", "must be shorter than the voting period"),
    ("gov.min-deposit", "amount of the bond denom (default 10000000)"),
    (
        "validator.balance",
        "each validator's account balance (default 1000000000000)",
    ),
    (
        "validator.stake",
        "each validator's self-delegation (default 100000000000)",
    ),
    (
        "genesis.<json.path>",
        "any genesis field, as a JSON value, e.g. `genesis.app_state.mint.params.inflation_max`",
    ),
];

#[derive(Debug, Clone)]
pub struct Settings {
    pub prefix: String,
    pub denom: String,
    pub block_time: String,
    pub voting_period: Option<String>,
    pub expedited_voting_period: Option<String>,
    pub min_deposit: Option<String>,
    pub validator_balance: String,
    pub validator_stake: String,
    /// (path below the genesis root, JSON value)
    pub genesis_patches: Vec<(Vec<String>, serde_json::Value)>,
}

impl Settings {
    pub fn from_spec(spec: &DevnetSpec) -> Result<Self, PluginError> {
        let mut s = Settings {
            prefix: "cosmos".into(),
            denom: "stake".into(),
            block_time: "1s".into(),
            voting_period: None,
            expedited_voting_period: None,
            min_deposit: None,
            validator_balance: "1000000000000".into(),
            validator_stake: "100000000000".into(),
            genesis_patches: Vec::new(),
        };
        for o in &spec.overrides {
            let v = o.value.trim().to_string();
            match o.key.as_str() {
                "bech32-prefix" => s.prefix = v,
                "denom" => s.denom = v,
                "block-time" => s.block_time = go_duration(&o.key, &v)?,
                "gov.voting-period" => s.voting_period = Some(proto_duration(&o.key, &v)?),
                "gov.expedited-voting-period" => s.expedited_voting_period = Some(proto_duration(&o.key, &v)?),
                "gov.min-deposit" => s.min_deposit = Some(amount(&o.key, &v)?),
                "validator.balance" => s.validator_balance = amount(&o.key, &v)?,
                "validator.stake" => s.validator_stake = amount(&o.key, &v)?,
                key if key.starts_with("genesis.") => {
                    let path: Vec<String> = key["genesis.".len()..].split('.').map(str::to_string).collect();
                    if path.iter().any(String::is_empty) {
                        return Err(PluginError::InvalidInput(format!(
                            "override {key:?}: empty path segment"
                        )));
                    }
                    let value = serde_json::from_str(&v).unwrap_or(serde_json::Value::String(v));
                    s.genesis_patches.push((path, value));
                }
                other => {
                    let known: Vec<&str> = KNOWN.iter().map(|(k, _)| *k).collect();
                    return Err(PluginError::InvalidInput(format!(
                        "unknown override {other:?}; the cosmos plugin knows: {}",
                        known.join(", ")
                    )));
                }
            }
        }
        if s.denom.is_empty()
            || !s
                .denom
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/:._-".contains(c))
        {
            return Err(PluginError::InvalidInput(format!(
                "denom {:?} is not a valid denomination",
                s.denom
            )));
        }
        let stake: u128 = s.validator_stake.parse().unwrap_or(0);
        let balance: u128 = s.validator_balance.parse().unwrap_or(0);
        if stake < 1_000_000 || stake > balance {
            return Err(PluginError::InvalidInput(format!(
                "validator.stake {stake} must be at least 1000000 (one unit of voting power) and at most validator.balance {balance}"
            )));
        }
        Ok(s)
    }
}

fn amount(key: &str, v: &str) -> Result<String, PluginError> {
    if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()) {
        Ok(v.to_string())
    } else {
        Err(PluginError::InvalidInput(format!(
            "override {key}: {v:?} is not a whole amount (digits only, in the bond denom)"
        )))
    }
}

/// Milliseconds of `500ms`, `20s`, `2m`, `1h`.
fn millis(key: &str, v: &str) -> Result<u64, PluginError> {
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (n, unit) = v.split_at(split);
    let n: u64 = n.parse().map_err(|_| bad_duration(key, v))?;
    let scale = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => return Err(bad_duration(key, v)),
    };
    if n == 0 {
        return Err(bad_duration(key, v));
    }
    Ok(n * scale)
}

fn bad_duration(key: &str, v: &str) -> PluginError {
    PluginError::InvalidInput(format!(
        "override {key}: {v:?} is not a duration; write e.g. `500ms`, `20s`, `2m` or `1h`"
    ))
}

/// A duration as CometBFT's config wants it (`500ms`, `20s`).
fn go_duration(key: &str, v: &str) -> Result<String, PluginError> {
    let ms = millis(key, v)?;
    Ok(if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    })
}

/// A duration as protobuf JSON wants it (`0.5s`, `20s`).
pub fn proto_duration(key: &str, v: &str) -> Result<String, PluginError> {
    let ms = millis(key, v)?;
    Ok(if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{}.{:03}s", ms / 1000, ms % 1000)
    })
}

/// Seconds of a protobuf JSON duration such as `172800s` or `0.5s`.
pub fn proto_seconds(v: &str) -> Option<f64> {
    v.strip_suffix('s')?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use devnet_plugin_sdk::Override;

    fn spec(overrides: &[(&str, &str)]) -> DevnetSpec {
        DevnetSpec {
            name: "t".into(),
            chain_id: "t-1".into(),
            chain_version: "v0.50.15".into(),
            validators: 1,
            full_nodes: 0,
            accounts: vec![],
            overrides: overrides
                .iter()
                .map(|(k, v)| Override {
                    key: k.to_string(),
                    value: v.to_string(),
                })
                .collect(),
        }
    }

    #[test]
    fn overrides_should_be_parsed_and_bad_ones_named() {
        let s = Settings::from_spec(&spec(&[
            ("gov.voting-period", "20s"),
            ("block-time", "500ms"),
            ("genesis.app_state.mint.params.blocks_per_year", "\"100\""),
        ]))
        .unwrap();
        assert_eq!(s.voting_period.as_deref(), Some("20s"));
        assert_eq!(s.block_time, "500ms");
        assert_eq!(
            s.genesis_patches[0].0,
            ["app_state", "mint", "params", "blocks_per_year"]
        );
        for (k, v, says) in [
            ("gov.voting-period", "soon", "not a duration"),
            ("colour", "red", "unknown override"),
            ("validator.stake", "12", "at least 1000000"),
            ("denom", "a b", "not a valid denomination"),
        ] {
            let err = Settings::from_spec(&spec(&[(k, v)])).unwrap_err().to_string();
            assert!(err.contains(says), "{k}={v}: {err}");
        }
        assert_eq!(proto_duration("k", "1500ms").unwrap(), "1.500s");
        assert_eq!(proto_seconds("172800s"), Some(172800.0));
    }
}
