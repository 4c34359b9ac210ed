use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("opening the store {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: redb::DatabaseError,
    },
    /// Another process holds the store open (redb's file lock).
    #[error("the store {path} is in use by another process (a devnetd on this home?)")]
    InUse { path: PathBuf },
    #[error("preparing the store's directory for {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the store {path} has schema version {found}, written by a newer devnet-builder; this one reads up to {supported}. Use the newer devnetd, or move the store aside to start afresh"
    )]
    NewerSchema { path: PathBuf, found: u32, supported: u32 },
    #[error("{kind} {name:?} already exists")]
    AlreadyExists { kind: String, name: String },
    #[error("{kind} {name:?} does not exist")]
    NotFound { kind: String, name: String },
    #[error("{kind} {name:?} changed since it was read (resource version {expected}, now {found}); read it again")]
    Conflict {
        kind: String,
        name: String,
        expected: u64,
        found: u64,
    },
    #[error("{kind} {name:?} in the store does not decode: {reason}")]
    Corrupt { kind: String, name: String, reason: String },
    #[error("store: {0}")]
    Db(#[source] redb::Error),
    #[error("{0}")]
    Invalid(String),
}

impl StoreError {
    pub(crate) fn db(e: impl Into<redb::Error>) -> Self {
        StoreError::Db(e.into())
    }
}
