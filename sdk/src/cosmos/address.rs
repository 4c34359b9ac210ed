//! Addresses: accounts (`ripemd160(sha256(secp256k1 key))`), consensus keys and node ids
//! (`sha256(ed25519 key)[..20]`), and their bech32 text.

use ripemd::Ripemd160;
use sha2::{Digest as _, Sha256};

use crate::PluginError;

/// The 20-byte account address of a compressed secp256k1 public key.
pub fn account_address(secp256k1_compressed: &[u8]) -> [u8; 20] {
    Ripemd160::digest(Sha256::digest(secp256k1_compressed)).into()
}

/// The 20-byte address of an ed25519 key: a validator's consensus address.
pub fn consensus_address(ed25519: &[u8]) -> [u8; 20] {
    let hash = Sha256::digest(ed25519);
    let mut out = [0u8; 20];
    out.copy_from_slice(&hash[..20]);
    out
}

/// The account address of an SDK module, e.g. `gov`, the authority of governance messages.
///
/// ```
/// use devnet_plugin_sdk::cosmos::{bech32_encode, module_address};
/// let gov = bech32_encode("cosmos", &module_address("gov")).unwrap();
/// assert_eq!(gov, "cosmos10d07y265gmmuvt4z0w9aw880jnsr700j6zn9kn");
/// ```
pub fn module_address(name: &str) -> [u8; 20] {
    consensus_address(name.as_bytes())
}

/// A CometBFT node id: the lowercase hex of the node key's [`consensus_address`].
///
/// ```
/// let id = devnet_plugin_sdk::cosmos::node_id(&[0u8; 32]);
/// assert_eq!(id.len(), 40);
/// ```
pub fn node_id(ed25519: &[u8]) -> String {
    consensus_address(ed25519).iter().map(|b| format!("{b:02x}")).collect()
}

/// `hrp1...` text of `data` (bech32, not bech32m, as Cosmos uses).
pub fn bech32_encode(hrp: &str, data: &[u8]) -> Result<String, PluginError> {
    let hrp = bech32::Hrp::parse(hrp).map_err(|e| PluginError::InvalidInput(format!("bech32 prefix {hrp:?}: {e}")))?;
    bech32::encode::<bech32::Bech32>(hrp, data).map_err(|e| PluginError::Internal(format!("bech32: {e}")))
}

/// The prefix and bytes of a bech32 address.
pub fn bech32_decode(text: &str) -> Result<(String, Vec<u8>), PluginError> {
    let (hrp, data) = bech32::decode(text)
        .map_err(|e| PluginError::InvalidInput(format!("{text:?} is not a bech32 address: {e}")))?;
    Ok((hrp.to_string(), data))
}
