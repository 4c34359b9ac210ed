//! EVM helpers (feature `evm`): addresses from the host's public keys, EIP-55 checksums, and the
//! RLP encoding every EVM transaction is made of.
//!
//! ```
//! use devnet_plugin_sdk::evm::{address_of, checksum, parse_address};
//!
//! // The compressed secp256k1 public key of the well-known first anvil/hardhat dev account.
//! let key = hex_literal(b"038318535b54105d4a7aae60c08fc45f9687181b4fdfc625bd1a753fa7397fed75");
//! let address = address_of(&key).unwrap();
//! assert_eq!(checksum(&address), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
//!
//! // Mixed case must carry a valid checksum; one flipped letter is refused.
//! assert_eq!(parse_address("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266").unwrap(), address);
//! assert!(parse_address("0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266").is_err());
//! # fn hex_literal(s: &[u8]) -> Vec<u8> {
//! #     s.chunks(2).map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap()).collect()
//! # }
//! ```
//!
//! RLP, with [`rlp_list`] to wrap already-encoded items in a list header:
//!
//! ```
//! use devnet_plugin_sdk::evm::{rlp::Encodable, rlp_list};
//!
//! // ["cat", "dog"], the example of the Ethereum yellow paper.
//! let mut items = Vec::new();
//! "cat".encode(&mut items);
//! "dog".encode(&mut items);
//! assert_eq!(rlp_list(&items), b"\xc8\x83cat\x83dog");
//! ```

pub mod chain;
mod rpc;
pub mod transaction;

use k256::elliptic_curve::sec1::ToEncodedPoint as _;

pub use rpc::{RpcError, call, client_version, node_status, rpc};

pub use alloy_primitives::{Address, U256, keccak256};
/// The RLP codec (`alloy-rlp`): `Encodable`, `Decodable`, `Header`.
pub use alloy_rlp as rlp;

use crate::{Digest, PluginError, SignRequest, SignatureFormat};

/// The genesis block's time: the `genesis-time` setting (seconds since the Unix epoch, which a
/// plugin's `plan.choose` sets from the host's clock), else 0, the epoch.
///
/// ```
/// use devnet_plugin_sdk::{DevnetSpec, Override, evm::genesis_time};
///
/// let mut spec = DevnetSpec {
///     name: "eth".into(), chain_id: "1".into(), chain_version: String::new(),
///     validators: 1, full_nodes: 0, accounts: vec![], overrides: vec![],
/// };
/// assert_eq!(genesis_time(&spec).unwrap(), 0);
/// spec.overrides.push(Override { key: "genesis-time".into(), value: "1800000000".into() });
/// assert_eq!(genesis_time(&spec).unwrap(), 1_800_000_000);
/// spec.overrides[0].value = "yesterday".into();
/// assert!(genesis_time(&spec).is_err());
/// ```
pub fn genesis_time(spec: &crate::DevnetSpec) -> Result<u64, PluginError> {
    match spec.overrides.iter().find(|o| o.key == "genesis-time") {
        None => Ok(0),
        Some(o) => o.value.parse().map_err(|_| {
            PluginError::invalid(format!(
                "genesis-time {:?}: seconds since the Unix epoch, e.g. 1800000000",
                o.value
            ))
        }),
    }
}

/// What an EVM-style transaction asks the host to sign: `keccak256(payload)` with the key of
/// `key_id`, returned as a 65-byte recoverable signature (see [`RecoverableSignature`]).
pub fn sign_request(key_id: String, payload: Vec<u8>) -> SignRequest {
    SignRequest {
        id: "tx".into(),
        key_id,
        payload,
        digest: Digest::Keccak256,
        format: SignatureFormat::Secp256k1Recoverable,
    }
}

/// A secp256k1 signature as the host returns it for [`SignatureFormat::Secp256k1Recoverable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecoverableSignature {
    /// The signature's `r`.
    pub r: U256,
    /// The signature's `s` (low-s).
    pub s: U256,
    /// The y parity, 0 or 1.
    pub parity: u8,
}

impl RecoverableSignature {
    /// Splits `r || s || v` (65 bytes, `v` 0 or 1), refusing anything else.
    pub fn from_host(bytes: &[u8]) -> Result<Self, PluginError> {
        match bytes {
            [rs @ .., v] if rs.len() == 64 && *v <= 1 => Ok(Self {
                r: U256::from_be_slice(&rs[..32]),
                s: U256::from_be_slice(&rs[32..]),
                parity: *v,
            }),
            _ => Err(PluginError::invalid(format!(
                "expected a 65-byte r || s || v signature with v 0 or 1, got {} bytes",
                bytes.len()
            ))),
        }
    }

    /// The 65 bytes `r || s || v` with `v` 27 or 28, as Ethereum's `personal_sign` and Tempo
    /// transactions carry it.
    pub fn to_rsv27(&self) -> [u8; 65] {
        let mut out = [0u8; 65];
        out[..32].copy_from_slice(&self.r.to_be_bytes::<32>());
        out[32..64].copy_from_slice(&self.s.to_be_bytes::<32>());
        out[64] = 27 + self.parity;
        out
    }
}

/// The 64-byte point (x || y) of a secp256k1 public key, 33-byte compressed or 65-byte
/// uncompressed.
pub fn point_of(public_key: &[u8]) -> Result<[u8; 64], PluginError> {
    let point = k256::PublicKey::from_sec1_bytes(public_key)
        .map_err(|_| {
            PluginError::invalid(format!(
                "a {}-byte value is not a secp256k1 public key (33 bytes compressed or 65 uncompressed)",
                public_key.len()
            ))
        })?
        .to_encoded_point(false);
    let mut out = [0u8; 64];
    out.copy_from_slice(&point.as_bytes()[1..]);
    Ok(out)
}

/// The address of a secp256k1 public key: the last 20 bytes of keccak256 of its 64-byte point.
pub fn address_of(public_key: &[u8]) -> Result<Address, PluginError> {
    Ok(Address::from_slice(&keccak256(point_of(public_key)?)[12..]))
}

/// The devp2p node id of a secp256k1 public key (its 64-byte point in hex), as in
/// `enode://<id>@host:port`.
pub fn node_id(public_key: &[u8]) -> Result<String, PluginError> {
    Ok(point_of(public_key)?.iter().map(|b| format!("{b:02x}")).collect())
}

/// The EIP-55 mixed-case form of `address`.
pub fn checksum(address: &Address) -> String {
    address.to_checksum(None)
}

/// Parses `0x` + 40 hex digits. All-lower and all-upper are accepted as they are; mixed case must
/// carry a valid EIP-55 checksum, so a mistyped letter is caught rather than sending to a wrong
/// address.
pub fn parse_address(text: &str) -> Result<Address, PluginError> {
    let hex = text.strip_prefix("0x").unwrap_or(text);
    let mixed = hex.chars().any(|c| c.is_ascii_lowercase()) && hex.chars().any(|c| c.is_ascii_uppercase());
    let parsed = if mixed {
        Address::parse_checksummed(text, None).ok()
    } else {
        text.parse().ok()
    };
    parsed.ok_or_else(|| {
        PluginError::invalid(format!(
            "{text:?} is not an EVM address (0x and 40 hex digits, EIP-55 if mixed case)"
        ))
    })
}

/// `payload` (RLP items already encoded one after another) wrapped in an RLP list header.
pub fn rlp_list(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 9);
    rlp::Header {
        list: true,
        payload_length: payload.len(),
    }
    .encode(&mut out);
    out.extend_from_slice(payload);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_and_uncompressed_keys_should_give_one_address() {
        let secret = k256::SecretKey::from_slice(&[7u8; 32]).expect("a valid scalar");
        let public = secret.public_key();
        let compressed = public.to_encoded_point(true);
        let uncompressed = public.to_encoded_point(false);
        assert_eq!(
            address_of(compressed.as_bytes()).expect("compressed"),
            address_of(uncompressed.as_bytes()).expect("uncompressed")
        );
        let err = address_of(&[1, 2, 3]).expect_err("3 bytes is no key");
        assert!(err.message().contains("3-byte"), "{err:?}");
    }

    #[test]
    fn lower_and_upper_case_should_parse_without_a_checksum() {
        let lower = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
        let upper = "0x70997970C51812DC3A010C7D01B50E0D17DC79C8";
        assert_eq!(
            parse_address(lower).expect("lower"),
            parse_address(upper).expect("upper")
        );
        assert!(parse_address("0x1234").is_err());
    }

    #[test]
    fn host_signatures_should_split_and_refuse_a_bad_v() {
        let mut bytes = [0u8; 65];
        bytes[31] = 1;
        bytes[63] = 2;
        bytes[64] = 1;
        let sig = RecoverableSignature::from_host(&bytes).expect("valid");
        assert_eq!((sig.r, sig.s, sig.parity), (U256::from(1), U256::from(2), 1));
        assert_eq!(sig.to_rsv27()[64], 28);
        bytes[64] = 27;
        assert!(RecoverableSignature::from_host(&bytes).is_err());
        assert!(RecoverableSignature::from_host(&bytes[..64]).is_err());
    }

    #[test]
    fn long_lists_should_get_a_long_header() {
        let payload = vec![0x01; 60];
        let list = rlp_list(&payload);
        assert_eq!(&list[..2], &[0xf8, 60]);
        assert_eq!(list.len(), 62);
    }
}
