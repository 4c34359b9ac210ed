//! Addresses derived independently of the plugins, to check what they derive.

use alloy_primitives::{Address, keccak256};
use k256::elliptic_curve::sec1::ToEncodedPoint as _;
use sha2::Digest as _;

/// The bech32 account address of a compressed secp256k1 key: ripemd160(sha256(key)).
pub fn cosmos_address(prefix: &str, public_key: &[u8]) -> String {
    let hash = ripemd::Ripemd160::digest(sha2::Sha256::digest(public_key));
    bech32::encode::<bech32::Bech32>(bech32::Hrp::parse(prefix).unwrap(), &hash).unwrap()
}

/// The EVM address of a secp256k1 key (compressed or not).
pub fn evm_address(public_key: &[u8]) -> Address {
    let point = k256::PublicKey::from_sec1_bytes(public_key)
        .unwrap()
        .to_encoded_point(false);
    Address::from_slice(&keccak256(&point.as_bytes()[1..])[12..])
}
