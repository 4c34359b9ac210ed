//! The ed25519 keys that sign plugin components (`dvb plugin keygen`, `dvb plugin sign`): a key
//! pair as hex, and the signature of a component's bytes by a secret key kept in a file. The
//! daemon checks these signatures against the keys a home trusts.

use std::path::Path;

use ed25519_dalek::{Signer as _, SigningKey};

use crate::{Algorithm, KeyringError};

/// A new key pair: (secret, public), each hex.
pub fn component_keygen() -> Result<(String, String), KeyringError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| KeyringError::Random(e.to_string()))?;
    let key = SigningKey::from_bytes(&seed);
    Ok((hex::encode(seed), hex::encode(key.verifying_key().as_bytes())))
}

/// The signature (hex) of `bytes` by the secret key in `secret_file` (hex, as
/// [`component_keygen`] made it).
pub fn sign_component(bytes: &[u8], secret_file: &Path) -> Result<String, KeyringError> {
    let text = std::fs::read_to_string(secret_file).map_err(|source| KeyringError::Io {
        path: secret_file.to_path_buf(),
        source,
    })?;
    let seed: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| KeyringError::BadSecret {
            algorithm: Algorithm::Ed25519,
            reason: format!(
                "{} is not a secret key (64 hex digits, as `dvb plugin keygen` writes)",
                secret_file.display()
            ),
        })?;
    Ok(hex::encode(SigningKey::from_bytes(&seed).sign(bytes).to_bytes()))
}
