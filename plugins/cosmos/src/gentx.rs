//! Genesis transactions: each validator's signed MsgCreateValidator, as simd's own `genesis gentx`
//! writes it (SIGN_MODE_DIRECT, account number 0, sequence 0).

use devnet_plugin_sdk::cosmos::bech32_encode;
use devnet_plugin_sdk::cosmos::proto::{self, Any, AuthInfo, Coin, Fee, SignDoc, SignerInfo, TxBody, encode};
use devnet_plugin_sdk::{Digest, PluginError, SignRequest, SignatureFormat};
use serde_json::json;

use crate::decimal::Dec;

pub const MSG_CREATE_VALIDATOR: &str = "/cosmos.staking.v1beta1.MsgCreateValidator";
const GAS: u64 = 200_000;

#[derive(Clone, PartialEq, prost::Message)]
pub struct Description {
    #[prost(string, tag = "1")]
    pub moniker: String,
    #[prost(string, tag = "2")]
    pub identity: String,
    #[prost(string, tag = "3")]
    pub website: String,
    #[prost(string, tag = "4")]
    pub security_contact: String,
    #[prost(string, tag = "5")]
    pub details: String,
}

/// Rates are `LegacyDec`: on the wire, the integer of value × 10^18.
#[derive(Clone, PartialEq, prost::Message)]
pub struct CommissionRates {
    #[prost(string, tag = "1")]
    pub rate: String,
    #[prost(string, tag = "2")]
    pub max_rate: String,
    #[prost(string, tag = "3")]
    pub max_change_rate: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct MsgCreateValidator {
    #[prost(message, optional, tag = "1")]
    pub description: Option<Description>,
    #[prost(message, optional, tag = "2")]
    pub commission: Option<CommissionRates>,
    #[prost(string, tag = "3")]
    pub min_self_delegation: String,
    /// Deprecated from v0.50 (the validator operator signs); v0.47 still wants it.
    #[prost(string, tag = "4")]
    pub delegator_address: String,
    #[prost(string, tag = "5")]
    pub validator_address: String,
    #[prost(message, optional, tag = "6")]
    pub pubkey: Option<Any>,
    #[prost(message, optional, tag = "7")]
    pub value: Option<Coin>,
}

/// One validator's part of the genesis.
pub struct Gentx {
    pub key_id: String,
    pub moniker: String,
    /// 20-byte account address.
    pub account: [u8; 20],
    pub account_pubkey: Vec<u8>,
    pub consensus_pubkey: Vec<u8>,
    pub self_delegation: Coin,
    /// `id@host:port` (the node's peer host), as `collect-gentxs` reads it.
    pub memo: String,
    /// v0.47 fills the deprecated delegator address.
    pub with_delegator: bool,
}

struct Encoded {
    body: TxBody,
    body_bytes: Vec<u8>,
    auth_info_bytes: Vec<u8>,
    msg: MsgCreateValidator,
}

fn commission() -> (Dec, Dec, Dec) {
    (Dec::parse("0.1"), Dec::parse("0.2"), Dec::parse("0.01"))
}

impl Gentx {
    fn encode(&self, prefix: &str) -> Result<Encoded, PluginError> {
        let (rate, max_rate, max_change) = commission();
        let operator = bech32_encode(&format!("{prefix}valoper"), &self.account)?;
        let delegator = if self.with_delegator {
            bech32_encode(prefix, &self.account)?
        } else {
            String::new()
        };
        let msg = MsgCreateValidator {
            description: Some(Description {
                moniker: self.moniker.clone(),
                ..Description::default()
            }),
            commission: Some(CommissionRates {
                rate: rate.wire(),
                max_rate: max_rate.wire(),
                max_change_rate: max_change.wire(),
            }),
            min_self_delegation: "1".into(),
            delegator_address: delegator,
            validator_address: operator,
            pubkey: Some(Any::pack(
                proto::ED25519_PUBKEY,
                &proto::PubKey {
                    key: self.consensus_pubkey.clone(),
                },
            )),
            value: Some(self.self_delegation.clone()),
        };
        let body = TxBody {
            messages: vec![Any::pack(MSG_CREATE_VALIDATOR, &msg)],
            memo: self.memo.clone(),
            ..TxBody::default()
        };
        let auth_info = AuthInfo {
            signer_infos: vec![SignerInfo::direct_secp256k1(&self.account_pubkey, 0)],
            fee: Some(Fee {
                gas_limit: GAS,
                ..Fee::default()
            }),
        };
        Ok(Encoded {
            body_bytes: encode(&body),
            auth_info_bytes: encode(&auth_info),
            body,
            msg,
        })
    }

    /// What the validator's account key signs: the DIRECT sign doc at genesis (account number 0).
    pub fn sign_request(&self, id: &str, chain_id: &str, prefix: &str) -> Result<SignRequest, PluginError> {
        let e = self.encode(prefix)?;
        let doc = SignDoc {
            body_bytes: e.body_bytes,
            auth_info_bytes: e.auth_info_bytes,
            chain_id: chain_id.to_string(),
            account_number: 0,
        };
        Ok(SignRequest {
            id: id.to_string(),
            key_id: self.key_id.clone(),
            payload: encode(&doc),
            digest: Digest::Sha256,
            format: SignatureFormat::Secp256k1Compact,
        })
    }

    /// The signed gentx in the protobuf JSON that `genutil.gen_txs` holds.
    pub fn to_json(&self, prefix: &str, signature: &[u8]) -> Result<serde_json::Value, PluginError> {
        let e = self.encode(prefix)?;
        let (rate, max_rate, max_change) = commission();
        let msg = &e.msg;
        let value = msg.value.clone().unwrap_or_default();
        Ok(json!({
            "body": {
                "messages": [{
                    "@type": MSG_CREATE_VALIDATOR,
                    "description": {
                        "moniker": self.moniker, "identity": "", "website": "", "security_contact": "", "details": ""
                    },
                    "commission": {
                        "rate": rate.json(), "max_rate": max_rate.json(), "max_change_rate": max_change.json()
                    },
                    "min_self_delegation": msg.min_self_delegation,
                    "delegator_address": msg.delegator_address,
                    "validator_address": msg.validator_address,
                    "pubkey": { "@type": proto::ED25519_PUBKEY, "key": crate::b64(&self.consensus_pubkey) },
                    "value": { "denom": value.denom, "amount": value.amount },
                }],
                "memo": e.body.memo,
                "timeout_height": "0",
                "extension_options": [],
                "non_critical_extension_options": [],
            },
            "auth_info": {
                "signer_infos": [{
                    "public_key": { "@type": proto::SECP256K1_PUBKEY, "key": crate::b64(&self.account_pubkey) },
                    "mode_info": { "single": { "mode": "SIGN_MODE_DIRECT" } },
                    "sequence": "0",
                }],
                "fee": { "amount": [], "gas_limit": GAS.to_string(), "payer": "", "granter": "" },
                "tip": null,
            },
            "signatures": [crate::b64(signature)],
        }))
    }
}
