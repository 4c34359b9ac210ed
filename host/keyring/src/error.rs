use std::path::PathBuf;

use crate::Algorithm;

#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    #[error("no key `{0}` in this devnet's keyring")]
    UnknownKey(String),
    #[error("key `{0}` already exists; remove it first or pick another id")]
    Exists(String),
    #[error("key `{id}` is {has}, but {asked} was asked for")]
    AlgorithmMismatch {
        id: String,
        has: Algorithm,
        asked: Algorithm,
    },
    #[error("bad key id `{id}`: {reason}")]
    BadId { id: String, reason: &'static str },
    #[error("bad {algorithm} secret: {reason}")]
    BadSecret { algorithm: Algorithm, reason: String },
    #[error("cannot sign with `{id}`: {reason}")]
    Sign { id: String, reason: String },
    #[error("cannot fill `{placeholder}`: {reason}")]
    Placeholder { placeholder: String, reason: String },
    #[error("threshold group `{id}`: {reason}")]
    Threshold { id: String, reason: String },
    #[error("the system's random source failed: {0}")]
    Random(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a keyring this version can read ({reason}); it was left untouched")]
    Corrupt { path: PathBuf, reason: String },
}
