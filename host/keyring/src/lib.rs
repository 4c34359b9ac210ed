//! A devnet's keys. The host generates them, keeps them in a file only its owner can read, and
//! signs with them on a plugin's behalf: private keys never leave this crate except into the
//! node files that need them (see [`Keyring::fill_secrets`]).

mod component_signing;
mod error;
mod key;
mod secrets;
mod store;
mod trusted_keys;

pub use component_signing::{component_keygen, sign_component};
pub use error::KeyringError;
pub use key::{Algorithm, Digest, SignatureFormat};
pub use trusted_keys::{TrustError, TrustedKeys, parse_signature, write_private};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use key::Key;

/// One devnet's keys, by id (`validator-0`, `validator-0.consensus`, `faucet`, ...).
pub struct Keyring {
    path: Option<PathBuf>,
    keys: BTreeMap<String, Key>,
}

impl std::fmt::Debug for Keyring {
    // Never prints a secret: only where the keyring lives and which ids it holds.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("path", &self.path)
            .field("ids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Keyring {
    /// A keyring that lives only in memory (tests, benchmarks, dry runs).
    pub fn in_memory() -> Self {
        Self {
            path: None,
            keys: BTreeMap::new(),
        }
    }

    /// Opens the keyring stored at `path`, or an empty one that [`Keyring::save`] will create there.
    pub fn open(path: &Path) -> Result<Self, KeyringError> {
        let keys = store::load(path)?;
        Ok(Self {
            path: Some(path.to_path_buf()),
            keys,
        })
    }

    /// Where [`Keyring::save`] writes, if anywhere.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Writes the keyring (mode 0600, through a temporary file and a rename). A no-op in memory.
    pub fn save(&self) -> Result<(), KeyringError> {
        match &self.path {
            Some(path) => store::save(path, &self.keys),
            None => Ok(()),
        }
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }

    pub fn contains(&self, id: &str) -> bool {
        self.keys.contains_key(id)
    }

    /// The public key of `id`, generating the key first if the keyring has none by that id.
    /// A key that exists with another algorithm is an error, never replaced.
    pub fn ensure(&mut self, id: &str, algorithm: Algorithm) -> Result<Vec<u8>, KeyringError> {
        key::check_id(id)?;
        if let Some(existing) = self.keys.get(id) {
            if existing.algorithm() != algorithm {
                return Err(KeyringError::AlgorithmMismatch {
                    id: id.to_string(),
                    has: existing.algorithm(),
                    asked: algorithm,
                });
            }
            return Ok(existing.public_key());
        }
        let key = Key::generate(algorithm)?;
        let public = key.public_key();
        self.keys.insert(id.to_string(), key);
        Ok(public)
    }

    /// Adds a key from its 32 secret bytes (an ed25519 seed or a secp256k1 scalar).
    pub fn import(&mut self, id: &str, algorithm: Algorithm, secret: &[u8]) -> Result<Vec<u8>, KeyringError> {
        key::check_id(id)?;
        if self.keys.contains_key(id) {
            return Err(KeyringError::Exists(id.to_string()));
        }
        let key = Key::from_secret(algorithm, secret)?;
        let public = key.public_key();
        self.keys.insert(id.to_string(), key);
        Ok(public)
    }

    pub fn algorithm(&self, id: &str) -> Result<Algorithm, KeyringError> {
        Ok(self.get(id)?.algorithm())
    }

    /// secp256k1: the 33-byte compressed point; ed25519: the 32-byte key.
    pub fn public_key(&self, id: &str) -> Result<Vec<u8>, KeyringError> {
        Ok(self.get(id)?.public_key())
    }

    /// Signs `payload` with key `id`, after applying `digest`.
    pub fn sign(
        &self,
        id: &str,
        payload: &[u8],
        digest: Digest,
        format: SignatureFormat,
    ) -> Result<Vec<u8>, KeyringError> {
        self.get(id)?
            .sign(payload, digest, format)
            .map_err(|reason| KeyringError::Sign {
                id: id.to_string(),
                reason,
            })
    }

    /// Replaces every `${secret:<key-id>:<hex|base64|base64-keypair>}` in `contents`.
    pub fn fill_secrets(&self, contents: &[u8]) -> Result<Vec<u8>, KeyringError> {
        secrets::fill(contents, |id, encoding| {
            let key = self.get(id)?;
            key.encode_secret(encoding).map_err(|reason| KeyringError::Placeholder {
                placeholder: format!("${{secret:{id}:{encoding}}}"),
                reason,
            })
        })
    }

    fn get(&self, id: &str) -> Result<&Key, KeyringError> {
        self.keys
            .get(id)
            .ok_or_else(|| KeyringError::UnknownKey(id.to_string()))
    }
}

#[cfg(test)]
mod tests;
