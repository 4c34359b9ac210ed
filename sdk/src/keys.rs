//! Key derivation (feature `keys`): BIP-39 mnemonics and BIP-32 derivation paths for secp256k1.
//!
//! Plugins never hold the devnet's private keys: the host keyring does, and signs what a plugin
//! hands it. These helpers are for the public side of well-known development accounts: a chain's
//! dev mode funds the accounts of a published mnemonic, and a plugin that knows which addresses
//! those are can say so in its genesis or its status.
//!
//! ```
//! use devnet_plugin_sdk::keys::{derive_secp256k1, ETHEREUM_PATH};
//! use devnet_plugin_sdk::evm::{address_of, checksum};
//!
//! // The mnemonic anvil, hardhat and Tempo's localnet fund by default.
//! let phrase = "test test test test test test test test test test test junk";
//! let key = derive_secp256k1(phrase, "", &ETHEREUM_PATH.replace("{index}", "0")).unwrap();
//! assert_eq!(checksum(&address_of(&key.public_key).unwrap()), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
//! ```

use bip32::{DerivationPath, XPrv};
use k256::elliptic_curve::sec1::ToEncodedPoint as _;

use crate::PluginError;

/// BIP-44 path of Ethereum account `{index}`.
pub const ETHEREUM_PATH: &str = "m/44'/60'/0'/0/{index}";
/// BIP-44 path of Cosmos account `{index}` (coin type 118).
pub const COSMOS_PATH: &str = "m/44'/118'/0'/0/{index}";

/// A derived secp256k1 key pair. The secret is wiped when dropped.
pub struct DerivedKey {
    /// The 32-byte secret scalar.
    pub secret: zeroize::Zeroizing<[u8; 32]>,
    /// The compressed (33-byte) public key.
    pub public_key: Vec<u8>,
}

impl std::fmt::Debug for DerivedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DerivedKey")
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}

/// Derives the secp256k1 key at `path` (e.g. `m/44'/60'/0'/0/0`) from an English BIP-39
/// `phrase` and its optional `passphrase`.
pub fn derive_secp256k1(phrase: &str, passphrase: &str, path: &str) -> Result<DerivedKey, PluginError> {
    let mnemonic = bip39::Mnemonic::parse_in(bip39::Language::English, phrase.trim()).map_err(|e| {
        PluginError::invalid(format!(
            "not a BIP-39 mnemonic ({e}): use 12 to 24 English words from the BIP-39 list"
        ))
    })?;
    let path: DerivationPath = path
        .parse()
        .map_err(|_| PluginError::invalid(format!("{path:?} is not a BIP-32 path like m/44'/60'/0'/0/0")))?;
    let seed = zeroize::Zeroizing::new(mnemonic.to_seed(passphrase));
    let key = XPrv::derive_from_path(seed.as_slice(), &path)
        .map_err(|e| PluginError::invalid(format!("cannot derive {path}: {e}")))?;
    let signing = key.private_key();
    let public_key = signing
        .verifying_key()
        .as_affine()
        .to_encoded_point(true)
        .as_bytes()
        .to_vec();
    Ok(DerivedKey {
        secret: zeroize::Zeroizing::new(signing.to_bytes().into()),
        public_key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_checksum_or_path_should_be_named() {
        let bad = "test test test test test test test test test test test test";
        let err = derive_secp256k1(bad, "", "m/0").expect_err("bad checksum");
        assert!(err.message().contains("BIP-39"), "{err:?}");
        let good = "test test test test test test test test test test test junk";
        let err = derive_secp256k1(good, "", "44/60").expect_err("bad path");
        assert!(err.message().contains("BIP-32 path"), "{err:?}");
    }

    #[test]
    fn a_passphrase_should_change_the_key() {
        let phrase = "test test test test test test test test test test test junk";
        let plain = derive_secp256k1(phrase, "", "m/44'/60'/0'/0/0").expect("plain");
        let salted = derive_secp256k1(phrase, "salt", "m/44'/60'/0'/0/0").expect("salted");
        assert_ne!(plain.public_key, salted.public_key);
        assert_eq!(plain.public_key.len(), 33);
    }
}
