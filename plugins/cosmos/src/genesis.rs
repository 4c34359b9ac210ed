//! Genesis for N validators: accounts, balances, supply, gov settings and signed gentxs, written
//! into each node's home with its configs. simd runs once (`init`, for its templates), however
//! many validators there are.

use std::collections::BTreeMap;

use devnet_plugin_sdk::cosmos::proto::Coin;
use devnet_plugin_sdk::cosmos::{account_address, bech32_encode, node_id};
use devnet_plugin_sdk::genesis::GenesisStep;
use devnet_plugin_sdk::version_range::compare;
use devnet_plugin_sdk::{
    DevnetSpec, File, KeyAlgorithm, KeyRequest, NodeRole, NodeSlot, PluginError, PublicKey, Signature, host,
};
use serde_json::{Value, json};

use crate::gentx::Gentx;
use crate::node_files::{GENESIS_FILE, NodeKeys, Templates, node_files, peers_of};
use crate::settings::{Settings, proto_seconds};

/// Where `simd init` leaves the templates, inside the devnet directory.
const TEMPLATE_HOME: &str = ".genesis-template";

pub fn validator_key(i: usize) -> String {
    format!("validator-{i}")
}
fn consensus_key(i: usize) -> String {
    format!("validator-{i}.consensus")
}
fn p2p_key(node: u32) -> String {
    format!("node-{node}.p2p")
}

fn check_spec(spec: &DevnetSpec) -> Result<(), PluginError> {
    if spec.validators == 0 {
        return Err(PluginError::InvalidInput(
            "a Cosmos devnet needs at least 1 validator; pass --validators 1 or more".into(),
        ));
    }
    if spec.chain_id.is_empty() || spec.chain_id.chars().any(char::is_whitespace) {
        return Err(PluginError::InvalidInput(format!(
            "chain id {:?} must be non-empty and without spaces, e.g. `hub-1`",
            spec.chain_id
        )));
    }
    for a in &spec.accounts {
        if a.name.starts_with("validator-") || a.name.starts_with("node-") || a.name.is_empty() {
            return Err(PluginError::InvalidInput(format!(
                "account name {:?} is taken or empty: `validator-N` and `node-N` name the devnet's own keys",
                a.name
            )));
        }
    }
    Ok(())
}

pub fn keys(spec: &DevnetSpec) -> Result<Vec<KeyRequest>, PluginError> {
    check_spec(spec)?;
    let mut out = Vec::new();
    for i in 0..spec.validators as usize {
        out.push(KeyRequest {
            id: validator_key(i),
            algorithm: KeyAlgorithm::Secp256k1,
        });
        out.push(KeyRequest {
            id: consensus_key(i),
            algorithm: KeyAlgorithm::Ed25519,
        });
    }
    for n in 0..spec.validators + spec.full_nodes {
        out.push(KeyRequest {
            id: p2p_key(n),
            algorithm: KeyAlgorithm::Ed25519,
        });
    }
    for a in &spec.accounts {
        out.push(KeyRequest {
            id: a.name.clone(),
            algorithm: KeyAlgorithm::Secp256k1,
        });
    }
    Ok(out)
}

use devnet_plugin_sdk::genesis::public_key as key;

fn read_template(name: &str) -> Result<String, PluginError> {
    let bytes = host::read_file(&format!("{TEMPLATE_HOME}/config/{name}"))?;
    String::from_utf8(bytes).map_err(|_| PluginError::Chain(format!("simd's {name} is not UTF-8")))
}

/// simd's own defaults, from one `simd init` (skipped when an earlier round made them).
fn templates(chain_id: &str) -> Result<(Value, Templates), PluginError> {
    if host::read_file(&format!("{TEMPLATE_HOME}/config/genesis.json")).is_err() {
        let args: Vec<String> = ["init", "template", "--home", TEMPLATE_HOME, "--chain-id", chain_id]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let out = host::run_binary(&args, 60_000)?;
        if out.status != 0 {
            return Err(PluginError::Chain(format!(
                "`simd init` failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )));
        }
    }
    let genesis: Value = serde_json::from_str(&read_template("genesis.json")?)
        .map_err(|e| PluginError::Chain(format!("simd's genesis.json template: {e}")))?;
    let t = Templates::parse(
        &read_template("config.toml")?,
        &read_template("app.toml")?,
        &read_template("client.toml")?,
    )?;
    Ok((genesis, t))
}

struct Placed<'a> {
    validators: Vec<&'a NodeSlot>,
}

fn place<'a>(spec: &DevnetSpec, nodes: &'a [NodeSlot]) -> Result<Placed<'a>, PluginError> {
    let validators: Vec<&NodeSlot> = nodes.iter().filter(|n| n.role == NodeRole::Validator).collect();
    let full = nodes.len() - validators.len();
    if validators.len() != spec.validators as usize || full != spec.full_nodes as usize {
        return Err(PluginError::InvalidInput(format!(
            "the spec asks for {} validators and {} full nodes, but {} and {full} node slots were placed",
            spec.validators,
            spec.full_nodes,
            validators.len()
        )));
    }
    Ok(Placed { validators })
}

fn gentxs(spec: &DevnetSpec, s: &Settings, placed: &Placed<'_>, keys: &[PublicKey]) -> Result<Vec<Gentx>, PluginError> {
    let with_delegator = compare(&spec.chain_version, "v0.50.0") == std::cmp::Ordering::Less;
    placed
        .validators
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let account_pubkey = key(keys, &validator_key(i))?.to_vec();
            Ok(Gentx {
                key_id: validator_key(i),
                moniker: node.name.clone(),
                account: account_address(&account_pubkey),
                account_pubkey,
                consensus_pubkey: key(keys, &consensus_key(i))?.to_vec(),
                self_delegation: Coin {
                    denom: s.denom.clone(),
                    amount: s.validator_stake.clone(),
                },
                memo: format!(
                    "{}@{}:{}",
                    node_id(key(keys, &p2p_key(node.index))?),
                    node.peer_host(),
                    node.port("p2p")?
                ),
                with_delegator,
            })
        })
        .collect()
}

pub fn build(
    spec: &DevnetSpec,
    nodes: &[NodeSlot],
    keys: &[PublicKey],
    signatures: &[Signature],
) -> Result<GenesisStep, PluginError> {
    check_spec(spec)?;
    let s = Settings::from_spec(spec)?;
    let placed = place(spec, nodes)?;
    let gentxs = gentxs(spec, &s, &placed, keys)?;

    let mut signed = Vec::with_capacity(gentxs.len());
    let mut missing = Vec::new();
    for (i, g) in gentxs.iter().enumerate() {
        let id = format!("gentx-{i}");
        match signatures.iter().find(|sig| sig.id == id) {
            Some(sig) => signed.push(g.to_json(&s.prefix, &sig.bytes)?),
            None => missing.push(g.sign_request(&id, &spec.chain_id, &s.prefix)?),
        }
    }
    if !missing.is_empty() {
        return Ok(GenesisStep::Sign(missing));
    }

    let (mut genesis, templates) = templates(&spec.chain_id)?;
    fill_genesis(&mut genesis, spec, &s, &gentxs, signed, keys)?;
    // Compact: one copy per node, so with 100 validators the size is paid 100 times.
    let genesis_bytes = serde_json::to_vec(&genesis).map_err(|e| PluginError::Internal(e.to_string()))?;

    let peer_addrs: Vec<(usize, String)> = placed
        .validators
        .iter()
        .zip(&gentxs)
        .map(|(n, g)| (n.index as usize, g.memo.clone()))
        .collect();
    let mut files = Vec::new();
    let mut validator_index = 0;
    for node in nodes {
        let p2p_id = p2p_key(node.index);
        let consensus_id = consensus_key(validator_index);
        let consensus = if node.role == NodeRole::Validator {
            validator_index += 1;
            Some((consensus_id.as_str(), key(keys, &consensus_id)?))
        } else {
            None
        };
        let node_keys = NodeKeys {
            p2p_id: &p2p_id,
            consensus,
        };
        let peers = peers_of(node.index as usize, &peer_addrs);
        files.extend(node_files(&templates, &s, &spec.chain_id, node, &peers, &node_keys)?);
    }
    // One genesis for the whole devnet, which every node's config.toml points at: written
    // once rather than once per node.
    files.push(File {
        path: GENESIS_FILE.into(),
        contents: genesis_bytes,
        with_secrets: false,
    });
    Ok(GenesisStep::Done(files))
}

fn coins_json(coins: &BTreeMap<String, u128>) -> Value {
    Value::Array(
        coins
            .iter()
            .map(|(denom, amount)| json!({"denom": denom, "amount": amount.to_string()}))
            .collect(),
    )
}

fn fill_genesis(
    g: &mut Value,
    spec: &DevnetSpec,
    s: &Settings,
    gentxs: &[Gentx],
    signed: Vec<Value>,
    keys: &[PublicKey],
) -> Result<(), PluginError> {
    // Balances by address; several entries for one address are added up.
    let mut balances: BTreeMap<String, BTreeMap<String, u128>> = BTreeMap::new();
    fn add(
        balances: &mut BTreeMap<String, BTreeMap<String, u128>>,
        address: String,
        denom: &str,
        amount: &str,
    ) -> Result<(), PluginError> {
        let n: u128 = amount
            .parse()
            .map_err(|_| PluginError::InvalidInput(format!("amount {amount:?} of {denom} is not a whole number")))?;
        *balances
            .entry(address)
            .or_default()
            .entry(denom.to_string())
            .or_default() += n;
        Ok(())
    }
    for gtx in gentxs {
        let address = bech32_encode(&s.prefix, &gtx.account)?;
        add(&mut balances, address, &s.denom, &s.validator_balance)?;
    }
    for account in &spec.accounts {
        let address = bech32_encode(&s.prefix, &account_address(key(keys, &account.name)?))?;
        balances.entry(address.clone()).or_default();
        for coin in &account.balances {
            add(&mut balances, address.clone(), &coin.denom, &coin.amount)?;
        }
    }
    let mut supply: BTreeMap<String, u128> = BTreeMap::new();
    for coins in balances.values() {
        for (denom, amount) in coins {
            *supply.entry(denom.clone()).or_default() += amount;
        }
    }

    g["chain_id"] = json!(spec.chain_id);
    let app = &mut g["app_state"];
    app["auth"]["accounts"] = Value::Array(
        balances
            .keys()
            .map(|address| {
                json!({
                    "@type": "/cosmos.auth.v1beta1.BaseAccount",
                    "address": address, "pub_key": null, "account_number": "0", "sequence": "0"
                })
            })
            .collect(),
    );
    app["bank"]["balances"] = Value::Array(
        balances
            .iter()
            .map(|(address, coins)| json!({"address": address, "coins": coins_json(coins)}))
            .collect(),
    );
    app["bank"]["supply"] = coins_json(&supply);
    app["genutil"]["gen_txs"] = Value::Array(signed);

    app["staking"]["params"]["bond_denom"] = json!(s.denom);
    let max = app["staking"]["params"]["max_validators"].as_u64().unwrap_or(100);
    if u64::from(spec.validators) > max {
        app["staking"]["params"]["max_validators"] = json!(spec.validators);
    }
    if app["mint"].is_object() {
        app["mint"]["params"]["mint_denom"] = json!(s.denom);
    }
    if app["crisis"].is_object() {
        app["crisis"]["constant_fee"]["denom"] = json!(s.denom);
    }
    let gov = &mut app["gov"]["params"];
    if gov.is_object() {
        for field in ["min_deposit", "expedited_min_deposit"] {
            if let Some(coins) = gov[field].as_array_mut() {
                for c in coins {
                    c["denom"] = json!(s.denom);
                }
            }
        }
        if let Some(amount) = &s.min_deposit {
            gov["min_deposit"] = json!([{"denom": s.denom, "amount": amount}]);
        }
        if let Some(period) = &s.voting_period {
            gov["voting_period"] = json!(period);
            let voting = proto_seconds(period).unwrap_or(0.0);
            let expedited = match &s.expedited_voting_period {
                Some(e) => e.clone(),
                None => {
                    let current = gov["expedited_voting_period"].as_str().and_then(proto_seconds);
                    match current {
                        Some(c) if c < voting => format!("{c}s"),
                        _ => format!("{}s", (voting / 2.0).max(0.001)),
                    }
                }
            };
            if gov.get("expedited_voting_period").is_some() {
                gov["expedited_voting_period"] = json!(expedited);
            }
        }
    }
    for (path, value) in &s.genesis_patches {
        let mut at = &mut *g;
        for segment in path {
            if !at.is_object() {
                return Err(PluginError::InvalidInput(format!(
                    "override genesis.{}: `{segment}` is not inside an object in simd's genesis",
                    path.join(".")
                )));
            }
            at = &mut at[segment.as_str()];
        }
        *at = value.clone();
    }
    Ok(())
}
