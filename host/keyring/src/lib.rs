//! A devnet's keys. The host generates them, keeps them in a file only its owner can read, and
//! signs with them on a plugin's behalf: private keys never leave this crate except into the
//! node files that need them (see [`Keyring::fill_secrets`]).

mod bls_sharing;
mod component_signing;
mod error;
mod key;
mod secrets;
mod store;
mod threshold;
mod trusted_keys;

pub use component_signing::{component_keygen, sign_component};
pub use error::KeyringError;
pub use key::{Algorithm, Digest, SignatureFormat};
pub use threshold::{MAX_MEMBERS, ThresholdPublic, ThresholdScheme};
pub use trusted_keys::{TrustError, TrustedKeys, parse_signature, write_private};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use key::Key;
use threshold::Group;

/// One devnet's keys, by id (`validator-0`, `validator-0.consensus`, `faucet`, ...), and its
/// threshold groups (`consensus`, whose member `i` holds share `consensus.<i>`).
pub struct Keyring {
    path: Option<PathBuf>,
    keys: BTreeMap<String, Key>,
    groups: BTreeMap<String, Group>,
}

impl std::fmt::Debug for Keyring {
    // Never prints a secret: only where the keyring lives and which ids it holds.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("path", &self.path)
            .field("ids", &self.keys.keys().collect::<Vec<_>>())
            .field("groups", &self.groups.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Keyring {
    /// A keyring that lives only in memory (tests, benchmarks, dry runs).
    pub fn in_memory() -> Self {
        Self {
            path: None,
            keys: BTreeMap::new(),
            groups: BTreeMap::new(),
        }
    }

    /// Opens the keyring stored at `path`, or an empty one that [`Keyring::save`] will create there.
    pub fn open(path: &Path) -> Result<Self, KeyringError> {
        let (keys, groups) = store::load(path)?;
        Ok(Self {
            path: Some(path.to_path_buf()),
            keys,
            groups,
        })
    }

    /// Where [`Keyring::save`] writes, if anywhere.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Writes the keyring (mode 0600, through a temporary file and a rename). A no-op in memory.
    pub fn save(&self) -> Result<(), KeyringError> {
        match &self.path {
            Some(path) => store::save(path, &self.keys, &self.groups),
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
        self.not_a_group(id)?;
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
        self.not_a_group(id)?;
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

    /// The public side of threshold group `id`, dealing it first (`members` shares) if the
    /// keyring has none by that id. A group that exists with another scheme or size is an error,
    /// never dealt again: its members' shares would no longer match.
    pub fn ensure_threshold(
        &mut self,
        id: &str,
        scheme: ThresholdScheme,
        members: u32,
    ) -> Result<ThresholdPublic, KeyringError> {
        key::check_id(id)?;
        let bad = |reason: String| KeyringError::Threshold {
            id: id.to_string(),
            reason,
        };
        if let Some(existing) = self.groups.get(id) {
            if existing.scheme() != scheme || existing.members() != members {
                return Err(bad(format!(
                    "it was dealt as {} for {} members; {scheme} for {members} was asked for",
                    existing.scheme(),
                    existing.members()
                )));
            }
            return existing.public().map_err(bad);
        }
        if let Some(key) = self
            .keys
            .keys()
            .find(|k| *k == id || threshold::share_id(k).is_some_and(|(g, _)| g == id))
        {
            return Err(bad(format!("key `{key}` already uses that name")));
        }
        // Group `c` and group `c.1` would both answer `${secret:c.1:hex}`.
        if let Some(other) = self.groups.keys().find(|g| {
            threshold::share_id(id).is_some_and(|(parent, _)| parent == g.as_str())
                || threshold::share_id(g).is_some_and(|(parent, _)| parent == id)
        }) {
            return Err(bad(format!("it would share names with group `{other}`'s shares")));
        }
        let group = Group::deal(scheme, members).map_err(bad)?;
        let public = group.public().map_err(bad)?;
        self.groups.insert(id.to_string(), group);
        Ok(public)
    }

    /// The public side of threshold group `id`.
    pub fn threshold_public(&self, id: &str) -> Result<ThresholdPublic, KeyringError> {
        let group = self
            .groups
            .get(id)
            .ok_or_else(|| KeyringError::UnknownKey(id.to_string()))?;
        group.public().map_err(|reason| KeyringError::Threshold {
            id: id.to_string(),
            reason,
        })
    }

    /// Replaces every `${secret:<id>:<encoding>}` in `contents`: a key's secret
    /// (`hex|base64|base64-keypair`), a threshold group's public polynomial (`<group>:hex`) or
    /// member `i`'s share (`<group>.<i>:hex`), both in the scheme's own encoding.
    pub fn fill_secrets(&self, contents: &[u8]) -> Result<Vec<u8>, KeyringError> {
        secrets::fill(contents, |id, encoding| {
            let placeholder = |reason: String| KeyringError::Placeholder {
                placeholder: format!("${{secret:{id}:{encoding}}}"),
                reason,
            };
            if let Some(key) = self.keys.get(id) {
                return key.encode_secret(encoding).map_err(placeholder);
            }
            let bytes = if let Some(group) = self.groups.get(id) {
                group.polynomial()
            } else if let Some((group, i)) = threshold::share_id(id)
                && let Some(group) = self.groups.get(group)
            {
                group
                    .share(i)
                    .ok_or_else(|| placeholder(format!("the group has {} members, numbered from 0", group.members())))?
            } else {
                return Err(KeyringError::UnknownKey(id.to_string()));
            };
            match encoding {
                "hex" => Ok(hex::encode(bytes)),
                other => Err(placeholder(format!(
                    "unknown encoding `{other}` for a threshold group: use hex"
                ))),
            }
        })
    }

    /// A key may not take a threshold group's name or one of its shares'.
    fn not_a_group(&self, id: &str) -> Result<(), KeyringError> {
        let group = match threshold::share_id(id) {
            Some((group, _)) if self.groups.contains_key(group) => Some(group),
            _ if self.groups.contains_key(id) => Some(id),
            _ => None,
        };
        match group {
            Some(group) => Err(KeyringError::BadId {
                id: id.to_string(),
                reason: if group == id {
                    "a threshold group has that name"
                } else {
                    "it names a share of a threshold group"
                },
            }),
            None => Ok(()),
        }
    }

    fn get(&self, id: &str) -> Result<&Key, KeyringError> {
        self.keys
            .get(id)
            .ok_or_else(|| KeyringError::UnknownKey(id.to_string()))
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod threshold_tests;
