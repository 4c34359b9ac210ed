//! geth dev mode devnets: one node, chain id 1337, a block every `block-time`, started from a
//! genesis (`geth init`) that funds the host's keys, the validator's and every `--account`, so
//! that transactions signed by the host land. Shanghai and Cancun from block 0; Prague would need
//! its system contracts in the genesis, which dev mode adds only to a genesis of its own.

use devnet_plugin_sdk::evm::address_of;
use devnet_plugin_sdk::genesis::public_key as key;
use devnet_plugin_sdk::{Command, DevnetSpec, File, KeyAlgorithm, KeyRequest, NodeSlot, PluginError, PublicKey};
use serde_json::json;

use crate::clique::{chain_id, funded};

/// The genesis, in the devnet directory.
const GENESIS: &str = "genesis.json";

/// The validator's key (the devnet's first sender) and one per funded account.
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

/// The genesis: every fork to Cancun at block 0, the validator and the accounts funded.
pub fn build(spec: &DevnetSpec, keys: &[PublicKey]) -> Result<Vec<File>, PluginError> {
    let validator = address_of(key(keys, "validator-0")?)?;
    let genesis = json!({
        "config": {
            "chainId": chain_id(spec)?,
            "homesteadBlock": 0, "eip150Block": 0, "eip155Block": 0, "eip158Block": 0,
            "byzantiumBlock": 0, "constantinopleBlock": 0, "petersburgBlock": 0, "istanbulBlock": 0,
            "berlinBlock": 0, "londonBlock": 0, "mergeNetsplitBlock": 0,
            "shanghaiTime": 0, "cancunTime": 0, "terminalTotalDifficulty": 0,
            "blobSchedule": {"cancun": {"target": 3, "max": 6, "baseFeeUpdateFraction": 3_338_477}}
        },
        "difficulty": "0x0",
        "gasLimit": "0x1c9c380",
        "alloc": funded(spec, keys, &[validator])?,
    });
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
