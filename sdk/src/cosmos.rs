//! Cosmos SDK helpers (feature `cosmos`): account addresses, bech32, and the protobuf messages
//! every Cosmos transaction is made of.
//!
//! ```
//! use devnet_plugin_sdk::cosmos::{account_address, bech32_encode, bech32_decode};
//!
//! // A secp256k1 public key, compressed (33 bytes), as the host hands it to a plugin.
//! let public_key = [2u8; 33];
//! let address = account_address(&public_key);
//! let text = bech32_encode("cosmos", &address).unwrap();
//! assert!(text.starts_with("cosmos1"));
//! assert_eq!(bech32_decode(&text).unwrap(), ("cosmos".to_string(), address.to_vec()));
//! ```

mod address;
// The messages' fields are the cosmos-sdk `.proto` definitions' own, tag for tag; each struct
// names the message it encodes.
#[allow(missing_docs)]
pub mod proto;

pub use address::{account_address, bech32_decode, bech32_encode, consensus_address, module_address, node_id};
/// The protobuf runtime the messages are built on, for plugins that define their own.
pub use prost;

/// The hash a Cosmos node gives a transaction: the SHA-256 of its `TxRaw` bytes, in upper-case
/// hex (what `txhash` says and `/cosmos/tx/v1beta1/txs/{hash}` takes).
///
/// ```
/// use devnet_plugin_sdk::cosmos::tx_hash;
///
/// assert_eq!(
///     tx_hash(b""),
///     "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"
/// );
/// ```
pub fn tx_hash(tx_raw: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(tx_raw)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}
