//! One key: generation, public key, signing, secret encodings.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use k256::ecdsa::signature::hazmat::PrehashSigner;
use sha2::Digest as _;
use zeroize::Zeroizing;

use crate::KeyringError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Algorithm {
    Secp256k1,
    Ed25519,
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Algorithm::Secp256k1 => "secp256k1",
            Algorithm::Ed25519 => "ed25519",
        })
    }
}

/// What is done to the payload before it is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Digest {
    Sha256,
    Keccak256,
    /// secp256k1: the payload is already a 32-byte digest. ed25519 always signs the message itself.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureFormat {
    /// r || s, 64 bytes, low-s.
    Secp256k1Compact,
    /// r || s || v with v = 0 or 1, 65 bytes, low-s.
    Secp256k1Recoverable,
    Ed25519,
}

pub(crate) struct Key {
    algorithm: Algorithm,
    secret: Zeroizing<[u8; 32]>,
}

pub(crate) fn check_id(id: &str) -> Result<(), KeyringError> {
    let bad = |reason| {
        Err(KeyringError::BadId {
            id: id.to_string(),
            reason,
        })
    };
    if id.is_empty() || id.len() > 128 {
        return bad("an id has 1 to 128 characters");
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return bad("use letters, digits, `-`, `_` and `.` only");
    }
    Ok(())
}

impl Key {
    pub(crate) fn generate(algorithm: Algorithm) -> Result<Self, KeyringError> {
        loop {
            let mut secret = Zeroizing::new([0u8; 32]);
            getrandom::fill(secret.as_mut()).map_err(|e| KeyringError::Random(e.to_string()))?;
            // A secp256k1 scalar must be below the group order; retrying is the standard answer.
            if let Ok(key) = Self::from_secret(algorithm, secret.as_ref()) {
                return Ok(key);
            }
        }
    }

    pub(crate) fn from_secret(algorithm: Algorithm, secret: &[u8]) -> Result<Self, KeyringError> {
        let bytes: [u8; 32] = secret.try_into().map_err(|_| KeyringError::BadSecret {
            algorithm,
            reason: format!("{} bytes, 32 expected", secret.len()),
        })?;
        let secret = Zeroizing::new(bytes);
        if algorithm == Algorithm::Secp256k1 {
            k256::ecdsa::SigningKey::from_bytes(secret.as_ref().into()).map_err(|_| KeyringError::BadSecret {
                algorithm,
                reason: "zero or not below the curve order".into(),
            })?;
        }
        Ok(Self { algorithm, secret })
    }

    pub(crate) fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    pub(crate) fn secret(&self) -> &[u8; 32] {
        &self.secret
    }

    fn secp(&self) -> k256::ecdsa::SigningKey {
        // Checked when the key was made.
        #[allow(clippy::expect_used)]
        k256::ecdsa::SigningKey::from_bytes(self.secret.as_ref().into()).expect("validated secp256k1 scalar")
    }

    fn ed(&self) -> ed25519_dalek::SigningKey {
        ed25519_dalek::SigningKey::from_bytes(&self.secret)
    }

    pub(crate) fn public_key(&self) -> Vec<u8> {
        match self.algorithm {
            Algorithm::Secp256k1 => self.secp().verifying_key().to_encoded_point(true).as_bytes().to_vec(),
            Algorithm::Ed25519 => self.ed().verifying_key().to_bytes().to_vec(),
        }
    }

    pub(crate) fn sign(&self, payload: &[u8], digest: Digest, format: SignatureFormat) -> Result<Vec<u8>, String> {
        match (self.algorithm, format) {
            (Algorithm::Ed25519, SignatureFormat::Ed25519) => {
                if digest != Digest::None {
                    return Err("ed25519 hashes the message itself: ask for digest `none`".into());
                }
                use ed25519_dalek::Signer as _;
                Ok(self.ed().sign(payload).to_bytes().to_vec())
            }
            (Algorithm::Secp256k1, SignatureFormat::Secp256k1Compact | SignatureFormat::Secp256k1Recoverable) => {
                let hash: [u8; 32] = match digest {
                    Digest::Sha256 => sha2::Sha256::digest(payload).into(),
                    Digest::Keccak256 => sha3::Keccak256::digest(payload).into(),
                    Digest::None => payload
                        .try_into()
                        .map_err(|_| format!("digest `none` needs a 32-byte payload, got {} bytes", payload.len()))?,
                };
                let key = self.secp();
                if format == SignatureFormat::Secp256k1Compact {
                    let sig: k256::ecdsa::Signature = key.sign_prehash(&hash).map_err(|e| e.to_string())?;
                    let sig = sig.normalize_s().unwrap_or(sig);
                    Ok(sig.to_bytes().to_vec())
                } else {
                    let (sig, recid) = key.sign_prehash_recoverable(&hash).map_err(|e| e.to_string())?;
                    let mut out = sig.to_bytes().to_vec();
                    out.push(recid.to_byte());
                    Ok(out)
                }
            }
            (algorithm, format) => Err(format!("a {algorithm} key cannot make a {format:?} signature")),
        }
    }

    /// The secret for a node file: `hex`, `base64`, or (ed25519) `base64-keypair`, seed || public key.
    pub(crate) fn encode_secret(&self, encoding: &str) -> Result<String, String> {
        match encoding {
            "hex" => Ok(hex::encode(self.secret.as_ref())),
            "base64" => Ok(B64.encode(self.secret.as_ref())),
            "base64-keypair" if self.algorithm == Algorithm::Ed25519 => {
                let mut pair = Zeroizing::new(Vec::with_capacity(64));
                pair.extend_from_slice(self.secret.as_ref());
                pair.extend_from_slice(&self.public_key());
                Ok(B64.encode(pair.as_slice()))
            }
            "base64-keypair" => Err("base64-keypair is for ed25519 keys".into()),
            other => Err(format!("unknown encoding `{other}`: use hex, base64 or base64-keypair")),
        }
    }
}
