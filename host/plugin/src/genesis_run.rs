//! Runs a plugin's genesis: makes the keys it asks for, deals the threshold groups it needs,
//! signs what it hands back, fills the secret placeholders of its files and writes them into the
//! devnet's directory.

use std::path::PathBuf;

use devnet_keyring::{Algorithm, Digest, Keyring, SignatureFormat, ThresholdScheme};

use crate::bindings::v0_4_0::devnet::plugin::types as t;
use crate::bindings::v0_4_0::{DevnetSpec, GenesisStep, NodeSlot, PublicKey, Signature};
use crate::{PluginHostError, PluginInstance};

/// A plugin gets this many `sign` answers before the host gives up on it.
const MAX_SIGN_ROUNDS: usize = 4;

/// What a genesis run wrote.
#[derive(Debug)]
pub struct GenesisOutput {
    /// Every file, in the order the plugin listed them.
    pub files: Vec<PathBuf>,
    /// How many times `genesis.build` was called.
    pub rounds: usize,
    /// How many signatures the host made.
    pub signatures: usize,
}

fn algorithm(a: t::KeyAlgorithm) -> Algorithm {
    match a {
        t::KeyAlgorithm::Secp256k1 => Algorithm::Secp256k1,
        t::KeyAlgorithm::Ed25519 => Algorithm::Ed25519,
    }
}

fn digest(d: t::Digest) -> Digest {
    match d {
        t::Digest::Sha256 => Digest::Sha256,
        t::Digest::Keccak256 => Digest::Keccak256,
        t::Digest::None => Digest::None,
    }
}

fn threshold_scheme(s: crate::wit::ThresholdScheme) -> ThresholdScheme {
    match s {
        crate::wit::ThresholdScheme::Bls12381MinSig => ThresholdScheme::Bls12381MinSig,
    }
}

pub(crate) fn signature_format(f: t::SignatureFormat) -> SignatureFormat {
    match f {
        t::SignatureFormat::Secp256k1Compact => SignatureFormat::Secp256k1Compact,
        t::SignatureFormat::Secp256k1Recoverable => SignatureFormat::Secp256k1Recoverable,
        t::SignatureFormat::Ed25519 => SignatureFormat::Ed25519,
    }
}

/// Signs one request of the plugin's with the keyring.
pub fn sign_request(keyring: &Keyring, request: &t::SignRequest) -> Result<Vec<u8>, devnet_keyring::KeyringError> {
    keyring.sign(
        &request.key_id,
        &request.payload,
        digest(request.digest),
        signature_format(request.format),
    )
}

impl PluginInstance {
    /// Runs genesis for `spec` and `nodes`: keys from `keyring` (made when missing, and saved),
    /// files written inside the granted directory, those with secrets at mode 0600.
    pub async fn run_genesis(
        &mut self,
        keyring: &mut Keyring,
        spec: &DevnetSpec,
        nodes: &[NodeSlot],
    ) -> Result<GenesisOutput, PluginHostError> {
        let plugin = self.plugin_id().to_string();
        // Keys, signatures and files the plugin named: what it asked for cannot be done.
        let fail = |message: String| PluginHostError::Plugin {
            plugin: plugin.clone(),
            call: "genesis".into(),
            kind: crate::PluginErrorKind::InvalidInput,
            message,
        };
        let mut keys = Vec::new();
        for request in self.genesis_keys(spec).await? {
            let bytes = keyring
                .ensure(&request.id, algorithm(request.algorithm))
                .map_err(|e| fail(e.to_string()))?;
            keys.push(PublicKey {
                id: request.id,
                algorithm: request.algorithm,
                bytes,
            });
        }
        for group in self.threshold_groups(spec).await? {
            if keys.iter().any(|k| k.id == group.id) {
                return Err(fail(format!(
                    "threshold group `{}` has the id of a key genesis.keys asked for",
                    group.id
                )));
            }
            keyring
                .ensure_threshold(&group.id, threshold_scheme(group.scheme), group.members)
                .map_err(|e| fail(e.to_string()))?;
        }
        keyring.save().map_err(|e| fail(e.to_string()))?;

        let mut signatures: Vec<Signature> = Vec::new();
        for round in 1..=MAX_SIGN_ROUNDS + 1 {
            match self.genesis_build(spec, nodes, &keys, &signatures).await? {
                GenesisStep::Done(files) => {
                    let written = self.write_files(keyring, files).map_err(fail)?;
                    return Ok(GenesisOutput {
                        files: written,
                        rounds: round,
                        signatures: signatures.len(),
                    });
                }
                GenesisStep::Sign(requests) => {
                    if round > MAX_SIGN_ROUNDS {
                        break;
                    }
                    for request in requests {
                        if !keys.iter().any(|k| k.id == request.key_id) {
                            return Err(fail(format!(
                                "asked to sign with `{}`, which is not one of the keys genesis.keys asked for",
                                request.key_id
                            )));
                        }
                        let bytes = sign_request(keyring, &request).map_err(|e| fail(e.to_string()))?;
                        signatures.retain(|s| s.id != request.id);
                        signatures.push(Signature { id: request.id, bytes });
                    }
                }
            }
        }
        Err(fail(format!(
            "still asking for signatures after {MAX_SIGN_ROUNDS} rounds; a plugin must finish once it has them"
        )))
    }

    fn write_files(&self, keyring: &Keyring, files: Vec<t::File>) -> Result<Vec<PathBuf>, String> {
        let mut written = Vec::with_capacity(files.len());
        for file in files {
            let full = self.grant().resolve(&file.path)?;
            let contents = if file.with_secrets {
                keyring
                    .fill_secrets(&file.contents)
                    .map_err(|e| format!("{}: {e}", file.path))?
            } else {
                file.contents
            };
            let mode = if file.with_secrets { 0o600 } else { 0o644 };
            crate::atomic_write::write_atomic(&full, &contents, mode)
                .map_err(|e| format!("writing {}: {e}", full.display()))?;
            written.push(full);
        }
        Ok(written)
    }
}
