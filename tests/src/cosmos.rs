//! Cosmos chains from the outside: the cosmos plugin's tx builders in the real host (signed by
//! the host keyring), and the node's REST API for accounts, broadcasts and committed txs.

use std::time::Duration;

use base64::Engine as _;
use devnet_keyring::Keyring;
use devnet_plugin_host::wit::{Signer, TxOptions, TxRequest, UnsignedTx};
use devnet_plugin_host::{DevnetGrant, EngineLimits, PluginEngine, PluginInstance, sign_request};

use crate::plugins::component;

/// The chain id of the devnets `plugin_devnet::spec` describes.
pub const CHAIN: &str = "test-1";
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// How long the cosmos plugin keeps an unordered transaction valid.
pub const UNORDERED_TTL_SECS: u64 = 60;

/// Tx options; for an unordered one, the host's clock set so that it expires at `expires`
/// (the plugin adds [`UNORDERED_TTL_SECS`] to the clock), or the real clock when none.
pub fn options(unordered: bool, expires: Option<u64>) -> TxOptions {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    TxOptions {
        ordered: !unordered,
        now_unix_secs: expires.map_or(now, |t| t - UNORDERED_TTL_SECS),
    }
}

/// A request of one of the cosmos plugin's kinds.
pub fn request(kind: &str, fields: serde_json::Value) -> TxRequest {
    TxRequest {
        kind: kind.into(),
        json: fields.to_string(),
    }
}

/// A signer with the account data the cosmos plugin's `chain.account` makes.
pub fn signer(address: &str, public_key: &[u8], number: u64, sequence: u64) -> Signer {
    Signer {
        address: address.into(),
        public_key: public_key.to_vec(),
        sequence,
        account: serde_json::json!({ "number": number }).to_string(),
    }
}

pub struct TxBuilders {
    plugin: PluginInstance,
    chain: String,
    _cache: tempfile::TempDir,
}

impl TxBuilders {
    /// A cosmos plugin instance of its own, granted nothing: building needs no capability.
    /// Its transactions are for [`CHAIN`].
    pub async fn new() -> Self {
        Self::for_chain(CHAIN).await
    }

    /// [`TxBuilders::new`] for chain id `chain`.
    pub async fn for_chain(chain: &str) -> Self {
        let cache = tempfile::tempdir().unwrap();
        let engine = PluginEngine::new(cache.path(), EngineLimits::default()).unwrap();
        let loaded = engine.load(&component("cosmos")).await.unwrap();
        let plugin = loaded.instantiate(DevnetGrant::none("tx")).await.unwrap();
        Self {
            plugin,
            chain: chain.to_string(),
            _cache: cache,
        }
    }

    /// Builds with a builder made for `version`, then drops the builder.
    pub async fn build(
        &mut self,
        version: &str,
        request: &TxRequest,
        signer: &Signer,
        options: &TxOptions,
    ) -> Result<UnsignedTx, String> {
        let h = self
            .plugin
            .tx_builder(&self.chain, version)
            .await
            .map_err(|e| e.to_string())?;
        let r = self.plugin.tx_build(&h, request, signer, options).await;
        self.plugin.drop_tx_builder(h).await.unwrap();
        r.map_err(|e| e.to_string())
    }

    /// Signs `tx` with `key` from `keyring` (in the host) and assembles it.
    pub async fn signed(&mut self, version: &str, keyring: &Keyring, key: &str, tx: &UnsignedTx) -> Vec<u8> {
        let mut request = tx.sign.clone();
        request.key_id = key.to_string();
        let signature = sign_request(keyring, &request).unwrap();
        let h = self.plugin.tx_builder(&self.chain, version).await.unwrap();
        let bytes = self.plugin.tx_assemble(&h, tx, &signature).await.unwrap();
        self.plugin.drop_tx_builder(h).await.unwrap();
        bytes
    }
}

/// A REST GET that must answer with JSON.
pub fn rest(port: u16, path: &str) -> serde_json::Value {
    ureq::get(&format!("http://127.0.0.1:{port}{path}"))
        .call()
        .map_err(|e| format!("{path}: {e}"))
        .unwrap()
        .into_json()
        .unwrap()
}

/// `BROADCAST_MODE_SYNC` through the REST API: the `tx_response` (CheckTx's answer).
pub fn broadcast(port: u16, tx: &[u8]) -> serde_json::Value {
    let response: serde_json::Value = ureq::post(&format!("http://127.0.0.1:{port}/cosmos/tx/v1beta1/txs"))
        .send_json(serde_json::json!({"tx_bytes": B64.encode(tx), "mode": "BROADCAST_MODE_SYNC"}))
        .unwrap()
        .into_json()
        .unwrap();
    response["tx_response"].clone()
}

/// A REST GET answered with JSON, polled until it is (an account or a tx not there yet is 404).
pub fn rest_eventually(api: u16, what: &str, path: &str) -> serde_json::Value {
    crate::wait_for(what, Duration::from_secs(30), || {
        Ok(ureq::get(&format!("http://127.0.0.1:{api}{path}"))
            .call()
            .ok()
            .and_then(|r| r.into_json::<serde_json::Value>().ok()))
    })
    .unwrap()
}

/// The account's number and sequence from the REST API, once it answers.
pub fn account_of(api: u16, address: &str) -> (u64, u64) {
    let account = rest_eventually(api, "the account", &format!("/cosmos/auth/v1beta1/accounts/{address}"));
    let field = |name: &str| account["account"][name].as_str().unwrap().parse().unwrap();
    (field("account_number"), field("sequence"))
}

/// The committed tx of a broadcast's response.
pub fn committed(api: u16, response: &serde_json::Value) -> serde_json::Value {
    let hash = response["txhash"].as_str().unwrap();
    rest_eventually(api, "the tx to be committed", &format!("/cosmos/tx/v1beta1/txs/{hash}"))
}
