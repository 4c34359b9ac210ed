//! The protobuf messages of a Cosmos transaction (`cosmos.tx.v1beta1`), its keys and coins.
//!
//! Encoding follows the SDK's own: fields in tag order, defaults left out, so the bytes match what
//! a node re-encodes and signatures over them verify.
//!
//! ```
//! use devnet_plugin_sdk::cosmos::proto::{Any, Coin, TxBody, encode};
//!
//! let send = Coin { denom: "stake".into(), amount: "10".into() };
//! let body = TxBody {
//!     messages: vec![Any::pack("/cosmos.bank.v1beta1.MsgSend", &send)],
//!     memo: "hello".into(),
//!     ..TxBody::default()
//! };
//! let bytes = encode(&body);
//! assert_eq!(bytes[0], 0x0a); // field 1, length-delimited
//! ```

use prost::Message;

/// Encodes `message` to its protobuf bytes.
pub fn encode(message: &impl Message) -> Vec<u8> {
    message.encode_to_vec()
}

/// `google.protobuf.Any`.
#[derive(Clone, PartialEq, Message)]
pub struct Any {
    #[prost(string, tag = "1")]
    pub type_url: String,
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

impl Any {
    /// Wraps `message` under `type_url` (e.g. `/cosmos.bank.v1beta1.MsgSend`).
    pub fn pack(type_url: &str, message: &impl Message) -> Self {
        Self {
            type_url: type_url.to_string(),
            value: message.encode_to_vec(),
        }
    }
}

/// `google.protobuf.Timestamp`.
#[derive(Clone, PartialEq, Message)]
pub struct Timestamp {
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

/// `cosmos.base.v1beta1.Coin`; the amount is a decimal integer string.
#[derive(Clone, PartialEq, Message)]
pub struct Coin {
    #[prost(string, tag = "1")]
    pub denom: String,
    #[prost(string, tag = "2")]
    pub amount: String,
}

/// `cosmos.crypto.secp256k1.PubKey` (33-byte compressed key) and `cosmos.crypto.ed25519.PubKey`.
#[derive(Clone, PartialEq, Message)]
pub struct PubKey {
    #[prost(bytes = "vec", tag = "1")]
    pub key: Vec<u8>,
}

pub const SECP256K1_PUBKEY: &str = "/cosmos.crypto.secp256k1.PubKey";
pub const ED25519_PUBKEY: &str = "/cosmos.crypto.ed25519.PubKey";

/// `cosmos.tx.v1beta1.TxBody`. `unordered` and `timeout_timestamp` exist from SDK v0.53 on; an
/// older node rejects a body that sets them, so builders for older versions leave them default.
#[derive(Clone, PartialEq, Message)]
pub struct TxBody {
    #[prost(message, repeated, tag = "1")]
    pub messages: Vec<Any>,
    #[prost(string, tag = "2")]
    pub memo: String,
    #[prost(uint64, tag = "3")]
    pub timeout_height: u64,
    #[prost(bool, tag = "4")]
    pub unordered: bool,
    #[prost(message, optional, tag = "5")]
    pub timeout_timestamp: Option<Timestamp>,
    #[prost(message, repeated, tag = "1023")]
    pub extension_options: Vec<Any>,
    #[prost(message, repeated, tag = "2047")]
    pub non_critical_extension_options: Vec<Any>,
}

/// Sign modes (`cosmos.tx.signing.v1beta1.SignMode`).
pub mod sign_mode {
    pub const DIRECT: i32 = 1;
    pub const TEXTUAL: i32 = 2;
    pub const DIRECT_AUX: i32 = 3;
    pub const LEGACY_AMINO_JSON: i32 = 127;
}

#[derive(Clone, PartialEq, Message)]
pub struct ModeInfoSingle {
    #[prost(int32, tag = "1")]
    pub mode: i32,
}

#[derive(Clone, PartialEq, Message)]
pub struct ModeInfo {
    #[prost(message, optional, tag = "1")]
    pub single: Option<ModeInfoSingle>,
}

#[derive(Clone, PartialEq, Message)]
pub struct SignerInfo {
    #[prost(message, optional, tag = "1")]
    pub public_key: Option<Any>,
    #[prost(message, optional, tag = "2")]
    pub mode_info: Option<ModeInfo>,
    #[prost(uint64, tag = "3")]
    pub sequence: u64,
}

impl SignerInfo {
    /// A single secp256k1 signer in SIGN_MODE_DIRECT.
    pub fn direct_secp256k1(public_key: &[u8], sequence: u64) -> Self {
        Self {
            public_key: Some(Any::pack(
                SECP256K1_PUBKEY,
                &PubKey {
                    key: public_key.to_vec(),
                },
            )),
            mode_info: Some(ModeInfo {
                single: Some(ModeInfoSingle {
                    mode: sign_mode::DIRECT,
                }),
            }),
            sequence,
        }
    }
}

#[derive(Clone, PartialEq, Message)]
pub struct Fee {
    #[prost(message, repeated, tag = "1")]
    pub amount: Vec<Coin>,
    #[prost(uint64, tag = "2")]
    pub gas_limit: u64,
    #[prost(string, tag = "3")]
    pub payer: String,
    #[prost(string, tag = "4")]
    pub granter: String,
}

#[derive(Clone, PartialEq, Message)]
pub struct AuthInfo {
    #[prost(message, repeated, tag = "1")]
    pub signer_infos: Vec<SignerInfo>,
    #[prost(message, optional, tag = "2")]
    pub fee: Option<Fee>,
}

/// What SIGN_MODE_DIRECT signs (sha256 of these bytes, secp256k1, r || s low-s).
#[derive(Clone, PartialEq, Message)]
pub struct SignDoc {
    #[prost(bytes = "vec", tag = "1")]
    pub body_bytes: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub auth_info_bytes: Vec<u8>,
    #[prost(string, tag = "3")]
    pub chain_id: String,
    #[prost(uint64, tag = "4")]
    pub account_number: u64,
}

/// The broadcast form of a signed transaction.
#[derive(Clone, PartialEq, Message)]
pub struct TxRaw {
    #[prost(bytes = "vec", tag = "1")]
    pub body_bytes: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub auth_info_bytes: Vec<u8>,
    #[prost(bytes = "vec", repeated, tag = "3")]
    pub signatures: Vec<Vec<u8>>,
}
