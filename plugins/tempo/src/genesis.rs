//! A Tempo devnet genesis, made from Tempo's own `dev` chainspec.
//!
//! Tempo's genesis holds the state of its precompiles and stablecoins, which only Tempo itself
//! can produce, so the plugin starts from the chain's own: `tempo-genesis-template.json` in the
//! devnet's directory when the host placed one there, otherwise the output of
//! `tempo dump-genesis --chain dev` (one run of the binary, whatever the node count). It then sets
//! the chain id and the overrides, and funds each account in TIP-20 tokens.
//!
//! The devnet is one block-producing node in Tempo's dev mode (`tempo node --dev`), plus any number
//! of full nodes that follow it. A network of several validators needs a DKG ceremony whose
//! outcome (BLS12-381 threshold shares) goes into the genesis `extraData`; this plugin refuses
//! such a spec with an error that says so rather than writing a genesis that cannot start.

use devnet_plugin_sdk::evm::address_of;
use devnet_plugin_sdk::genesis::{GenesisStep, public_key as key};
use devnet_plugin_sdk::{DevnetSpec, File, KeyAlgorithm, KeyRequest, NodeRole, NodeSlot, PluginError, PublicKey, host};
use serde_json::Value;

use crate::tip20;

pub const GENESIS: &str = "genesis.json";
pub const TEMPLATE: &str = "tempo-genesis-template.json";
/// A full node's file holding the websocket URL of the node it follows.
pub const FOLLOW_FILE: &str = "follow.url";
/// A node's devp2p secret key (hex), written by the host from its keyring.
pub const P2P_KEY_FILE: &str = "p2p.key";

pub fn p2p_key(node: u32) -> String {
    format!("node-{node}.p2p")
}

pub fn setting<'a>(spec: &'a DevnetSpec, key: &str) -> Option<&'a str> {
    spec.overrides.iter().find(|o| o.key == key).map(|o| o.value.as_str())
}

/// The settings this plugin understands, for the error that names an unknown one.
const SETTINGS: [&str; 4] = ["block-time", "client", "epoch-length", "gas-limit"];

pub fn chain_id(spec: &DevnetSpec) -> Result<u64, PluginError> {
    spec.chain_id.parse().map_err(|_| {
        PluginError::invalid(format!(
            "chain id {:?}: a Tempo chain id is a number, e.g. 1337",
            spec.chain_id
        ))
    })
}

fn check(spec: &DevnetSpec) -> Result<(), PluginError> {
    chain_id(spec)?;
    if spec.validators != 1 {
        return Err(PluginError::unsupported(format!(
            "{} Tempo validators: this plugin runs one block-producing node in Tempo's dev mode, \
             with full nodes following it; several validators need a DKG ceremony (BLS12-381 \
             threshold shares in the genesis extraData) that it does not run. Use --validators 1.",
            spec.validators
        )));
    }
    if let Some(unknown) = spec.overrides.iter().find(|o| !SETTINGS.contains(&o.key.as_str())) {
        return Err(PluginError::invalid(format!(
            "unknown Tempo setting {:?}; the settings are {}",
            unknown.key,
            SETTINGS.join(", ")
        )));
    }
    Ok(())
}

pub fn keys(spec: &DevnetSpec) -> Result<Vec<KeyRequest>, PluginError> {
    check(spec)?;
    let secp = |id: String| KeyRequest {
        id,
        algorithm: KeyAlgorithm::Secp256k1,
    };
    let mut out: Vec<KeyRequest> = (0..spec.validators + spec.full_nodes)
        .map(|n| secp(p2p_key(n)))
        .collect();
    out.extend(spec.accounts.iter().map(|a| secp(a.name.clone())));
    Ok(out)
}

/// Tempo's own dev genesis: the template file, or `tempo dump-genesis --chain dev`.
fn template() -> Result<(Value, Option<File>), PluginError> {
    if let Ok(bytes) = host::read_file(TEMPLATE) {
        let value =
            serde_json::from_slice(&bytes).map_err(|e| PluginError::invalid(format!("{TEMPLATE} is not JSON: {e}")))?;
        return Ok((value, None));
    }
    let out = host::run_binary(&["dump-genesis".into(), "--chain".into(), "dev".into()], 60_000)?;
    if out.status != 0 {
        return Err(PluginError::Chain(format!(
            "no {TEMPLATE} in the devnet directory, and `tempo dump-genesis --chain dev` exited {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let value: Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| PluginError::Chain(format!("`tempo dump-genesis --chain dev` printed no JSON genesis: {e}")))?;
    // Kept, so the next genesis of this devnet needs no run of the binary.
    let file = File {
        path: TEMPLATE.into(),
        contents: out.stdout,
        with_secrets: false,
    };
    Ok((value, Some(file)))
}

fn hex_quantity(key: &str, value: &str) -> Result<Value, PluginError> {
    let n: u64 = value
        .parse()
        .map_err(|_| PluginError::invalid(format!("{key} {value:?} must be a whole number")))?;
    Ok(Value::String(format!("{n:#x}")))
}

pub fn build(spec: &DevnetSpec, nodes: &[NodeSlot], keys: &[PublicKey]) -> Result<GenesisStep, PluginError> {
    check(spec)?;
    let (mut genesis, template_file) = template()?;
    if !genesis["config"].is_object() {
        return Err(PluginError::invalid(
            "the Tempo genesis template has no `config` object",
        ));
    }
    genesis["config"]["chainId"] = chain_id(spec)?.into();
    if let Some(epoch) = setting(spec, "epoch-length") {
        let n: u64 = epoch.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
            PluginError::invalid(format!("epoch-length {epoch:?} must be a positive number of blocks"))
        })?;
        genesis["config"]["epochLength"] = n.into();
    }
    if let Some(gas) = setting(spec, "gas-limit") {
        genesis["gasLimit"] = hex_quantity("gas-limit", gas)?;
    }
    crate::node::block_time(spec)?;

    for account in &spec.accounts {
        let holder = address_of(key(keys, &account.name)?)?;
        for coin in &account.balances {
            let amount = tip20::base_units(&coin.amount, &account.name)?;
            let token = tip20::resolve(&genesis, &coin.denom)?;
            tip20::credit(&mut genesis, &token, &holder, amount)?;
        }
    }

    let producer = nodes
        .iter()
        .find(|n| n.role == NodeRole::Validator)
        .ok_or_else(|| PluginError::invalid("no validator slot was placed for the block producer"))?;
    let follow = format!("ws://{}:{}", producer.peer_host(), producer.port("ws")?);

    let json = serde_json::to_vec(&genesis).map_err(|e| PluginError::Internal(e.to_string()))?;
    let mut files = vec![File {
        path: GENESIS.into(),
        contents: json,
        with_secrets: false,
    }];
    files.extend(template_file);
    for node in nodes {
        let home = node.home.trim_end_matches('/');
        files.push(File {
            path: format!("{home}/{P2P_KEY_FILE}"),
            contents: format!("${{secret:{}:hex}}", p2p_key(node.index)).into_bytes(),
            with_secrets: true,
        });
        if node.role == NodeRole::FullNode {
            files.push(File {
                path: format!("{home}/{FOLLOW_FILE}"),
                contents: follow.clone().into_bytes(),
                with_secrets: false,
            });
        }
    }
    Ok(GenesisStep::Done(files))
}
