//! A store written before schema 2 (transactions whose request is the text of the plugin
//! contract's 0.3.0 variant) opens in this build, migrated whole: its transactions read as
//! devnet-builder's own requests, raw ones untouched. A record the migration cannot read fails
//! the open, naming it, and leaves the file as it was.
//!
//! `tests/data/schema-1.redb` was written by devnet-builder itself at commit 1e13b11 (schema 1,
//! the last before this format): `devnet-store` and `devnet-core` of that commit opened a store
//! and created a devnet `hub`, the built-in cosmos plugin's record (with its old `platform`
//! field) and four transactions: a software-upgrade proposal (Confirmed, `proposal_id` 1), a vote
//! (Pending), a bank send (Failed) and raw bytes (Broadcast). The other tests make files with redb
//! itself, in that version's tables and record format.

#![allow(clippy::unwrap_used)]

use devnet_core::{Devnet, Plugin, Transaction, TxPhase, TxRequest};
use devnet_store::{SCHEMA_VERSION, Store, StoreError};
use redb::{Database, ReadableDatabase, TableDefinition};

const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const TRANSACTIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("transactions");

/// A transaction as schema 1 stored it.
fn v1_record(name: &str, request: Option<&str>) -> String {
    serde_json::json!({
        "meta": {"name": name, "generation": 1, "resource_version": 3, "created_unix_ms": 1_700_000_000_000u64, "deleting": false},
        "spec": {"devnet": "hub", "from": "validator-0", "request": request, "raw": request.is_none().then_some(vec![1, 2, 3]), "unordered": false},
        "status": {"phase": "Confirmed", "message": "", "hash": "AB12", "height": 9, "chain_log": "", "attempts": 0,
                   "sequence": 4, "builder_version": "v0.50.15", "attributes": [["proposal_id", "1"]]}
    })
    .to_string()
}

fn write_v1(path: &std::path::Path, records: &[(&str, String)]) {
    let db = Database::create(path).unwrap();
    let txn = db.begin_write().unwrap();
    {
        let mut meta = txn.open_table(META).unwrap();
        meta.insert("schema_version", 1).unwrap();
        meta.insert("resource_version", 3).unwrap();
        let mut t = txn.open_table(TRANSACTIONS).unwrap();
        for (name, json) in records {
            t.insert(*name, json.as_bytes()).unwrap();
        }
    }
    txn.commit().unwrap();
}

fn schema_of(path: &std::path::Path) -> u64 {
    let db = Database::open(path).unwrap();
    let txn = db.begin_read().unwrap();
    txn.open_table(META)
        .unwrap()
        .get("schema_version")
        .unwrap()
        .unwrap()
        .value()
}

#[test]
fn a_schema_1_store_should_open_with_its_transactions_readable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.redb");
    let send = r#"{"BankSend":{"to":"cosmos1xyz","amount":[{"denom":"stake","amount":"5"}]}}"#;
    let vote = r#"{"GovVote":{"proposal_id":1,"choice":"Yes"}}"#;
    write_v1(
        &path,
        &[
            ("hub/tx-1", v1_record("hub/tx-1", Some(send))),
            ("hub/tx-2", v1_record("hub/tx-2", Some(vote))),
            ("hub/tx-3", v1_record("hub/tx-3", None)),
        ],
    );
    {
        let store = Store::open(&path).unwrap();
        let txs = store.list::<Transaction>("hub/").unwrap();
        assert_eq!(txs.len(), 3);
        let send = txs[0].spec.request.clone().unwrap();
        assert_eq!(
            send,
            TxRequest::new(
                "bank-send",
                serde_json::json!({"to": "cosmos1xyz", "amount": [{"denom": "stake", "amount": "5"}]})
            )
        );
        assert_eq!(txs[1].spec.request.as_ref().unwrap().kind, "gov-vote");
        assert_eq!(txs[2].spec.request, None);
        assert_eq!(txs[2].spec.raw.as_deref(), Some(&[1u8, 2, 3][..]));
        // The status is as it was.
        assert_eq!(txs[0].status.hash, "AB12");
        assert_eq!(txs[0].status.attributes, [("proposal_id".to_string(), "1".to_string())]);
    }
    assert_eq!(schema_of(&path), u64::from(SCHEMA_VERSION));
    // Opened again, nothing moves twice.
    let store = Store::open(&path).unwrap();
    assert_eq!(
        store
            .get::<Transaction>("hub/tx-2")
            .unwrap()
            .unwrap()
            .spec
            .request
            .unwrap()
            .kind,
        "gov-vote"
    );
}

#[test]
fn a_record_the_migration_cannot_read_should_fail_the_open_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.redb");
    let good = r#"{"BankSend":{"to":"cosmos1xyz","amount":[]}}"#;
    write_v1(
        &path,
        &[
            ("hub/tx-1", v1_record("hub/tx-1", Some(good))),
            ("hub/tx-2", v1_record("hub/tx-2", Some("not json"))),
        ],
    );
    let err = Store::open(&path).err().unwrap();
    assert!(
        matches!(&err, StoreError::Corrupt { name, .. } if name == "hub/tx-2"),
        "{err}"
    );
    assert!(
        err.to_string().contains("schema 2") && err.to_string().contains("move the store aside"),
        "{err}"
    );
    assert_eq!(schema_of(&path), 1);
    let db = Database::open(&path).unwrap();
    let txn = db.begin_read().unwrap();
    let t = txn.open_table(TRANSACTIONS).unwrap();
    assert!(
        std::str::from_utf8(t.get("hub/tx-1").unwrap().unwrap().value())
            .unwrap()
            .contains("BankSend")
    );
    drop((t, txn, db));
}

#[test]
fn a_store_written_by_the_previous_version_should_open_with_everything_readable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.redb");
    std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/schema-1.redb"), &path).unwrap();
    assert_eq!(schema_of(&path), 1);
    {
        let store = Store::open(&path).unwrap();
        assert_eq!(store.get::<Devnet>("hub").unwrap().unwrap().spec.chain_id, "hub-1");
        let plugin = store.get::<Plugin>("cosmos").unwrap().unwrap();
        assert_eq!(
            (plugin.status.family.as_str(), plugin.status.api_version.as_str()),
            ("cosmos", "0.3.0")
        );
        let mut txs = store.list::<Transaction>("hub/").unwrap();
        txs.sort_by(|a, b| a.meta.name.cmp(&b.meta.name));
        let kinds: Vec<Option<&str>> = txs
            .iter()
            .map(|t| t.spec.request.as_ref().map(|r| r.kind.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [Some("gov-submit-proposal"), Some("gov-vote"), Some("bank-send"), None]
        );
        let proposal = txs[0].spec.request.as_ref().unwrap();
        assert_eq!(proposal.fields["content"]["SoftwareUpgrade"]["height"], 40);
        assert_eq!(txs[0].status.attributes, [("proposal_id".to_string(), "1".to_string())]);
        assert_eq!(
            (txs[0].status.phase, txs[0].status.hash.as_str()),
            (TxPhase::Confirmed, "C0FFEE")
        );
        assert_eq!(txs[1].spec.request.as_ref().unwrap().fields["choice"], "Yes");
        assert_eq!(txs[2].spec.request.as_ref().unwrap().fields["amount"][0]["amount"], "5");
        assert_eq!(txs[2].status.phase, TxPhase::Failed);
        assert_eq!(txs[3].spec.raw.as_deref(), Some(&[1u8, 2, 3][..]));
        assert_eq!(txs[3].status.sequence, Some(3));
    }
    assert_eq!(schema_of(&path), u64::from(SCHEMA_VERSION));
    // Opened again, nothing moves: the migration ran once, and its records read as they did.
    let store = Store::open(&path).unwrap();
    let again = store.list::<Transaction>("hub/").unwrap();
    assert_eq!(again.len(), 4);
    let vote = again.iter().find(|t| t.meta.name == "hub/tx-2").unwrap();
    assert_eq!(
        vote.spec.request,
        Some(TxRequest::new(
            "gov-vote",
            serde_json::json!({"proposal_id": 1, "choice": "Yes"})
        ))
    );
}
