//! Tables, the schema version, and how records are encoded.

use std::path::Path;

use devnet_core::{Kind, Resource};
use redb::{Database, ReadableTable, TableDefinition};

use crate::StoreError;

/// The layout this build reads and writes. Bump it with a migration when a table or a record's
/// meaning changes; a store with a higher number is refused rather than misread.
///
/// - 1: the first.
/// - 2: a transaction's `spec.request` is devnet-builder's own [`devnet_core::TxRequest`]
///   (`{"kind": ..., "fields": ...}`), no longer the text of the plugin contract's 0.3.0 variant.
pub const SCHEMA_VERSION: u32 = 2;

pub(crate) const DEVNETS: TableDefinition<&str, &[u8]> = TableDefinition::new("devnets");
pub(crate) const NODES: TableDefinition<&str, &[u8]> = TableDefinition::new("nodes");
pub(crate) const UPGRADES: TableDefinition<&str, &[u8]> = TableDefinition::new("upgrades");
pub(crate) const TRANSACTIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("transactions");
pub(crate) const EXPORTS: TableDefinition<&str, &[u8]> = TableDefinition::new("exports");
pub(crate) const PLUGINS: TableDefinition<&str, &[u8]> = TableDefinition::new("plugins");
pub(crate) const STACKS: TableDefinition<&str, &[u8]> = TableDefinition::new("stacks");
pub(crate) const TOKENS: TableDefinition<&str, &[u8]> = TableDefinition::new("tokens");
pub(crate) const EVENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("events");
pub(crate) const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

pub(crate) const SCHEMA_KEY: &str = "schema_version";
pub(crate) const RESOURCE_VERSION_KEY: &str = "resource_version";
pub(crate) const EVENT_SEQ_KEY: &str = "event_seq";

pub(crate) fn table(kind: Kind) -> TableDefinition<'static, &'static str, &'static [u8]> {
    match kind {
        Kind::Devnet => DEVNETS,
        Kind::Node => NODES,
        Kind::Upgrade => UPGRADES,
        Kind::Transaction => TRANSACTIONS,
        Kind::Export => EXPORTS,
        Kind::Plugin => PLUGINS,
        Kind::Stack => STACKS,
        Kind::Token => TOKENS,
    }
}

/// Creates the tables of a new store and checks the schema version of an existing one.
pub(crate) fn prepare(db: &Database, path: &Path) -> Result<(), StoreError> {
    let txn = db.begin_write().map_err(StoreError::db)?;
    {
        let mut meta = txn.open_table(META).map_err(StoreError::db)?;
        let found = meta.get(SCHEMA_KEY).map_err(StoreError::db)?.map(|v| v.value());
        match found {
            Some(v) if v > u64::from(SCHEMA_VERSION) => {
                return Err(StoreError::NewerSchema {
                    path: path.to_path_buf(),
                    found: u32::try_from(v).unwrap_or(u32::MAX),
                    supported: SCHEMA_VERSION,
                });
            }
            Some(v) => {
                if v < 2 {
                    crate::migrate::transactions_v1_to_v2(&txn)?;
                }
                if v < u64::from(SCHEMA_VERSION) {
                    meta.insert(SCHEMA_KEY, u64::from(SCHEMA_VERSION))
                        .map_err(StoreError::db)?;
                }
            }
            None => {
                meta.insert(SCHEMA_KEY, u64::from(SCHEMA_VERSION))
                    .map_err(StoreError::db)?;
            }
        }
        for kind in Kind::ALL {
            txn.open_table(table(kind)).map_err(StoreError::db)?;
        }
        txn.open_table(EVENTS).map_err(StoreError::db)?;
    }
    // An abort on the refusal path above leaves the file as it was.
    txn.commit().map_err(StoreError::db)
}

/// Every object in `table` whose name starts with `prefix`, by name.
pub(crate) fn list_in<R: Resource>(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    prefix: &str,
) -> Result<Vec<R>, StoreError> {
    let mut out = Vec::new();
    for entry in table.range(prefix..).map_err(StoreError::db)? {
        let (key, value) = entry.map_err(StoreError::db)?;
        if !key.value().starts_with(prefix) {
            break;
        }
        out.push(decode(R::KIND, key.value(), value.value())?);
    }
    Ok(out)
}

pub(crate) fn decode<R: Resource>(kind: Kind, name: &str, bytes: &[u8]) -> Result<R, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        kind: kind.to_string(),
        name: name.to_string(),
        reason: e.to_string(),
    })
}

pub(crate) fn encode<R: Resource>(object: &R) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(object)
        .map_err(|e| StoreError::Invalid(format!("encoding {} {}: {e}", R::KIND, object.meta().name)))
}
