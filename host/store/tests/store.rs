//! The store on a real redb file: what one transaction writes is kept whole or not at all, names
//! and versions are checked, events survive a reopen, and a newer schema is refused untouched.

#![allow(clippy::unwrap_used)]

use devnet_core::{Devnet, DevnetSpec, Event, EventKind, Kind, Node, NodeRole, NodeSpec, RuntimeKind};
use devnet_store::{Change, SCHEMA_VERSION, Store, StoreError};

fn spec() -> DevnetSpec {
    DevnetSpec {
        network: "cosmos".into(),
        version: "v0.50".into(),
        binary: String::new(),
        chain_id: "hub-1".into(),
        validators: 2,
        full_nodes: 0,
        accounts: vec![],
        overrides: vec![("gov.voting-period".into(), "20s".into())],
        runtime: RuntimeKind::Local,
        running: true,
    }
}

fn node(devnet: &str, i: u32) -> Node {
    Node::new(
        NodeSpec {
            devnet: devnet.into(),
            index: i,
            role: NodeRole::Validator,
            home: format!("nodes/validator-{i}"),
            ports: vec![],
            running: true,
            command: Default::default(),
            restart: 0,
            hold: None,
            start_after: None,
            runtime: Default::default(),
            limits: Default::default(),
            network: None,
            docker_host: None,
        },
        &format!("validator-{i}"),
    )
}

#[test]
fn a_devnet_and_its_nodes_should_be_written_in_one_transaction_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("state.redb")).unwrap();
    let mut changes = store.subscribe();

    // The second node fails (a duplicate name) after the devnet and the first node were written
    // in the same transaction: nothing of it may remain, and nobody hears of it.
    let err = store
        .write(|tx| {
            tx.create(Devnet::new("hub", spec()))?;
            tx.create(node("hub", 0))?;
            tx.create(node("hub", 0))?;
            Ok(())
        })
        .unwrap_err();
    assert!(
        matches!(err, StoreError::AlreadyExists { ref name, .. } if name == "hub/validator-0"),
        "{err}"
    );
    assert!(store.get::<Devnet>("hub").unwrap().is_none());
    assert!(store.list::<Node>("hub/").unwrap().is_empty());
    assert!(changes.try_recv().is_err(), "a failed transaction announced a change");

    store
        .write(|tx| {
            tx.create(Devnet::new("hub", spec()))?;
            tx.create(node("hub", 0))?;
            tx.create(node("hub", 1))?;
            tx.event(Event::new(
                EventKind::Normal,
                Kind::Devnet,
                "hub",
                "Created",
                "2 validators",
            ))?;
            Ok(())
        })
        .unwrap();
    let hub: Devnet = store.get("hub").unwrap().unwrap();
    assert_eq!(hub.meta.generation, 1);
    assert!(hub.meta.created_unix_ms > 0);
    let names: Vec<String> = store
        .list::<Node>("hub/")
        .unwrap()
        .into_iter()
        .map(|n| n.meta.name)
        .collect();
    assert_eq!(names, ["hub/validator-0", "hub/validator-1"]);
    let announced: Vec<Change> = (0..3).map(|_| changes.try_recv().unwrap()).collect();
    assert_eq!(announced[0].kind, Kind::Devnet);
    assert_eq!(announced[2].name, "hub/validator-1");
}

#[test]
fn a_spec_change_should_bump_the_generation_and_a_stale_write_should_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("state.redb")).unwrap();
    let created = store.write(|tx| tx.create(Devnet::new("hub", spec()))).unwrap();

    // A status-only write keeps the generation.
    let mut status_only = created.clone();
    status_only.status.message = "provisioning".into();
    let after_status = store.write(|tx| tx.update(status_only)).unwrap();
    assert_eq!(after_status.meta.generation, 1);
    assert!(after_status.meta.resource_version > created.meta.resource_version);

    let mut stopped = after_status.clone();
    stopped.spec.running = false;
    let after_spec = store.write(|tx| tx.update(stopped)).unwrap();
    assert_eq!(after_spec.meta.generation, 2);

    // Written from a copy read before the last write: refused, and the stored object unchanged.
    let mut stale = after_status;
    stale.spec.validators = 9;
    let err = store.write(|tx| tx.update(stale)).unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    assert!(err.to_string().contains("read it again"), "{err}");
    assert_eq!(store.get::<Devnet>("hub").unwrap().unwrap().spec.validators, 2);
}

#[test]
fn bad_names_and_missing_objects_should_be_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("state.redb")).unwrap();
    let err = store.write(|tx| tx.create(Devnet::new("Hub!", spec()))).unwrap_err();
    assert!(
        err.to_string().contains("\"Hub!\"") && err.to_string().contains("lowercase"),
        "{err}"
    );
    let err = store.write(|tx| tx.update(Devnet::new("nope", spec()))).unwrap_err();
    assert_eq!(err.to_string(), "devnet \"nope\" does not exist");
    assert!(!store.write(|tx| tx.delete::<Devnet>("nope")).unwrap());
}

#[test]
fn events_and_objects_should_survive_a_reopen_with_increasing_sequence_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.redb");
    {
        let store = Store::open(&path).unwrap();
        store
            .write(|tx| {
                tx.create(Devnet::new("hub", spec()))?;
                tx.event(Event::new(EventKind::Normal, Kind::Devnet, "hub", "Created", "one"))?;
                tx.event(Event::new(
                    EventKind::Warning,
                    Kind::Node,
                    "hub/validator-0",
                    "Crashed",
                    "two",
                ))
            })
            .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let seq = store
        .write(|tx| {
            tx.event(Event::new(
                EventKind::Normal,
                Kind::Node,
                "hub/validator-0",
                "Restarted",
                "three",
            ))
        })
        .unwrap();
    assert_eq!(seq, 3);
    let events = store.events(0, 100).unwrap();
    let messages: Vec<&str> = events.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages, ["one", "two", "three"]);
    assert_eq!(store.events(1, 1).unwrap()[0].seq, 2);
    assert!(store.get::<Devnet>("hub").unwrap().is_some());
    // A new resource version is above every one handed out before the reopen.
    let again = store.write(|tx| tx.create(Devnet::new("other", spec()))).unwrap();
    assert!(again.meta.resource_version > store.get::<Devnet>("hub").unwrap().unwrap().meta.resource_version);
}

#[test]
fn a_store_from_a_newer_schema_should_be_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.redb");
    {
        // What a future devnetd would leave behind: the same tables, a higher schema number.
        let db = redb::Database::create(&path).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut meta = txn.open_table(redb::TableDefinition::<&str, u64>::new("meta")).unwrap();
            meta.insert("schema_version", u64::from(SCHEMA_VERSION) + 1).unwrap();
        }
        txn.commit().unwrap();
    }
    let err = Store::open(&path).err().unwrap();
    assert!(
        matches!(err, StoreError::NewerSchema { found, .. } if found == SCHEMA_VERSION + 1),
        "{err}"
    );
    assert!(err.to_string().contains("newer devnet-builder"), "{err}");
    // Nothing of this build's layout was written into it: its schema number and its tables are
    // as the newer build left them.
    let db = redb::Database::create(&path).unwrap();
    let txn = redb::ReadableDatabase::begin_read(&db).unwrap();
    let meta = txn.open_table(redb::TableDefinition::<&str, u64>::new("meta")).unwrap();
    assert_eq!(
        meta.get("schema_version").unwrap().unwrap().value(),
        u64::from(SCHEMA_VERSION) + 1
    );
    let tables: Vec<String> = txn
        .list_tables()
        .unwrap()
        .map(|t| redb::TableHandle::name(&t).to_string())
        .collect();
    assert_eq!(tables, ["meta"]);
}

#[test]
fn a_record_that_does_not_decode_should_be_reported_with_its_kind_and_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.redb");
    drop(Store::open(&path).unwrap());
    {
        let db = redb::Database::create(&path).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut devnets = txn
                .open_table(redb::TableDefinition::<&str, &[u8]>::new("devnets"))
                .unwrap();
            devnets.insert("hub", b"{not json".as_slice()).unwrap();
        }
        txn.commit().unwrap();
    }
    let store = Store::open(&path).unwrap();
    let err = store.get::<Devnet>("hub").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("devnet \"hub\" in the store does not decode"),
        "{err}"
    );
}

#[test]
fn a_store_held_open_elsewhere_should_be_refused_as_in_use_keeping_redbs_error_as_source() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.redb");
    let first = Store::open(&path).unwrap();
    let err = Store::open(&path).err().unwrap();
    assert!(matches!(&err, StoreError::InUse { path: p } if p == &path), "{err:?}");
    assert!(err.to_string().contains("in use by another process"), "{err}");
    drop(first);
    Store::open(&path).unwrap();
    // A file that is not a store: redb's own error is kept as the source, not flattened.
    let junk = dir.path().join("junk.redb");
    std::fs::write(&junk, vec![7u8; 8192]).unwrap();
    let err = Store::open(&junk).err().unwrap();
    assert!(matches!(&err, StoreError::Open { .. }), "{err:?}");
    assert!(std::error::Error::source(&err).is_some(), "{err:?}");
}
