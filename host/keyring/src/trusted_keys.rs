//! Plugin signatures: ed25519 over a component's bytes, checked against the public keys the user
//! trusts (`<home>/trusted-keys/<name>.pub`, hex). The key pair and the signing a chain team uses
//! to ship a signed component (`dvb plugin keygen`, `dvb plugin sign`) are in
//! [`crate::component_keygen`] and [`crate::sign_component`]. dvb manages the keys; the daemon
//! checks an installed component against them.

use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Verifier as _, VerifyingKey};

/// What went wrong with a trusted key or a signature, by kind (the daemon maps each to a
/// status code); the message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// The key, name or signature is malformed, or no trusted key made the signature.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    AlreadyExists(String),
    /// Signed, but nothing is trusted yet.
    #[error("{0}")]
    NothingTrusted(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

fn io(what: String) -> impl FnOnce(std::io::Error) -> TrustError {
    move |source| TrustError::Io { what, source }
}

/// The keys a home trusts, one file per key.
pub struct TrustedKeys {
    dir: PathBuf,
}

impl TrustedKeys {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// Every trusted key, by name, sorted; a file that is not a key is an error that names it.
    pub fn list(&self) -> Result<Vec<(String, VerifyingKey)>, TrustError> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Ok(Vec::new());
        };
        let mut keys = Vec::new();
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            let (Some(name), Some("pub")) = (
                path.file_stem().and_then(|s| s.to_str()),
                path.extension().and_then(|s| s.to_str()),
            ) else {
                continue;
            };
            let text = std::fs::read_to_string(&path).map_err(io(format!("reading {}", path.display())))?;
            let key =
                parse_public_key(text.trim()).map_err(|e| TrustError::Invalid(format!("{}: {e}", path.display())))?;
            keys.push((name.to_string(), key));
        }
        keys.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(keys)
    }

    /// Trusts `public_key_hex` under `name` (written whole, mode 0600, or not at all).
    pub fn add(&self, name: &str, public_key_hex: &str) -> Result<PathBuf, TrustError> {
        devnet_core::validate_name(name).map_err(|e| TrustError::Invalid(format!("key name: {e}")))?;
        let key = parse_public_key(public_key_hex.trim()).map_err(TrustError::Invalid)?;
        if let Some((other, _)) = self.list()?.into_iter().find(|(_, k)| *k == key) {
            return Err(TrustError::AlreadyExists(format!(
                "that key is already trusted as {other:?}"
            )));
        }
        std::fs::create_dir_all(&self.dir).map_err(io(format!("creating {}", self.dir.display())))?;
        let path = self.dir.join(format!("{name}.pub"));
        if path.exists() {
            return Err(TrustError::AlreadyExists(format!(
                "a key named {name:?} is trusted already ({}); remove it first or pick another name",
                path.display()
            )));
        }
        write_private(&path, format!("{}\n", hex::encode(key.as_bytes())).as_bytes())?;
        Ok(path)
    }

    /// Stops trusting the key `name`.
    pub fn remove(&self, name: &str) -> Result<(), TrustError> {
        let path = self.dir.join(format!("{name}.pub"));
        std::fs::remove_file(&path)
            .map_err(|_| TrustError::NotFound(format!("no trusted key {name:?}; `dvb plugin keys` lists them")))
    }

    /// The name of the trusted key that made `signature` over `bytes`.
    pub fn verify(&self, bytes: &[u8], signature: &[u8]) -> Result<String, TrustError> {
        let signature = parse_signature(signature).map_err(TrustError::Invalid)?;
        let keys = self.list()?;
        if keys.is_empty() {
            return Err(TrustError::NothingTrusted(format!(
                "the component is signed, but no key is trusted: `dvb plugin trust <name> <public-key>` trusts \
                 its publisher's key (kept in {})",
                self.dir.display()
            )));
        }
        keys.iter()
            .find(|(_, key)| key.verify(bytes, &signature).is_ok())
            .map(|(name, _)| name.clone())
            .ok_or_else(|| {
                let names: Vec<&str> = keys.iter().map(|(n, _)| n.as_str()).collect();
                TrustError::Invalid(format!(
                    "bad signature: no trusted key ({}) signed these bytes; the component was changed after \
                     signing, or signed by a key you do not trust",
                    names.join(", ")
                ))
            })
    }
}

fn parse_public_key(text: &str) -> Result<VerifyingKey, String> {
    let bytes = hex::decode(text).map_err(|e| format!("a public key is 64 hex digits: {e}"))?;
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("a public key is 32 bytes, not {}", b.len()))?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| format!("not an ed25519 public key: {e}"))
}

/// A signature file: 128 hex digits (a trailing newline allowed), or the raw 64 bytes.
pub fn parse_signature(raw: &[u8]) -> Result<Signature, String> {
    let bytes = match std::str::from_utf8(raw).ok().map(str::trim) {
        Some(text) if text.len() == 128 => hex::decode(text).map_err(|e| format!("signature: {e}"))?,
        _ => raw.to_vec(),
    };
    let bytes: [u8; 64] = bytes.try_into().map_err(|b: Vec<u8>| {
        format!(
            "a signature is 64 bytes (128 hex digits), not {} bytes; make one with `dvb plugin sign`",
            b.len()
        )
    })?;
    Ok(Signature::from_bytes(&bytes))
}

/// `bytes` written to `path` through a temporary file and a rename, mode 0600.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), TrustError> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(io(format!("writing {}", tmp.display())))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(io(format!("writing {}", tmp.display())))?;
    std::fs::rename(&tmp, path).map_err(io(format!("renaming to {}", path.display())))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::{component_keygen as keygen, sign_component as sign};

    use super::*;

    #[test]
    fn a_signature_should_verify_only_under_the_key_that_made_it_and_only_for_those_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let trusted = TrustedKeys::new(dir.path().join("trusted-keys"));
        let (secret, public) = keygen().unwrap();
        let secret_file = dir.path().join("team.secret");
        std::fs::write(&secret_file, &secret).unwrap();
        let sig = sign(b"component bytes", &secret_file).unwrap();

        // Nothing trusted yet: a clear refusal, not a pass.
        let err = trusted
            .verify(b"component bytes", sig.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.contains("no key is trusted"), "{err}");

        let (_, other) = keygen().unwrap();
        trusted.add("other", &other).unwrap();
        let err = trusted
            .verify(b"component bytes", sig.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.contains("bad signature") && err.contains("other"), "{err}");

        trusted.add("team", &public).unwrap();
        assert_eq!(trusted.verify(b"component bytes", sig.as_bytes()).unwrap(), "team");
        let err = trusted
            .verify(b"component bytes!", sig.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.contains("bad signature"), "{err}");
        // Raw bytes work as well as hex.
        let raw = hex::decode(&sig).unwrap();
        assert_eq!(trusted.verify(b"component bytes", &raw).unwrap(), "team");

        let err = trusted.add("again", &public).unwrap_err().to_string();
        assert!(err.contains("already trusted as \"team\""), "{err}");
        let err = trusted.add("bad", "abcd").unwrap_err().to_string();
        assert!(err.contains("32 bytes"), "{err}");
        let err = parse_signature(b"short").unwrap_err();
        assert!(err.contains("64 bytes"), "{err}");
        trusted.remove("team").unwrap();
        assert!(trusted.verify(b"component bytes", sig.as_bytes()).is_err());
    }
}
