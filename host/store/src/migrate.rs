//! Migrations of an older store, run in the same write transaction that raises its schema
//! version: a store is migrated whole or not at all.

use redb::{ReadableTable, WriteTransaction};

use crate::StoreError;
use crate::schema::TRANSACTIONS;

/// Schema 1 kept a transaction's request as the text of the plugin contract's 0.3.0 variant
/// (`"{\"BankSend\":{...}}"`); schema 2 keeps devnet-builder's own request object.
pub(crate) fn transactions_v1_to_v2(txn: &WriteTransaction) -> Result<(), StoreError> {
    let mut table = txn.open_table(TRANSACTIONS).map_err(StoreError::db)?;
    let mut changed = Vec::new();
    for entry in table.iter().map_err(StoreError::db)? {
        let (key, value) = entry.map_err(StoreError::db)?;
        let name = key.value().to_string();
        let corrupt = |reason: String| StoreError::Corrupt {
            kind: "Transaction".into(),
            name: name.clone(),
            reason: format!(
                "while moving it to schema 2: {reason}. The store is unchanged: run the \
                 devnet-builder that wrote it, or move the store aside to start afresh"
            ),
        };
        let mut record: serde_json::Value =
            serde_json::from_slice(value.value()).map_err(|e| corrupt(e.to_string()))?;
        let Some(serde_json::Value::String(text)) = record.pointer("/spec/request") else {
            continue; // Raw bytes, no request.
        };
        let request = devnet_core::TxRequest::parse(text).map_err(corrupt)?;
        record["spec"]["request"] = serde_json::to_value(&request).map_err(|e| corrupt(e.to_string()))?;
        let bytes = serde_json::to_vec(&record).map_err(|e| corrupt(e.to_string()))?;
        changed.push((name, bytes));
    }
    for (name, bytes) in changed {
        table.insert(name.as_str(), bytes.as_slice()).map_err(StoreError::db)?;
    }
    Ok(())
}
