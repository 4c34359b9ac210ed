//! What one write transaction can do.

use devnet_core::{Event, Resource, now_ms, validate_name};
use redb::{ReadableTable, WriteTransaction};

use crate::schema::{self, EVENT_SEQ_KEY, EVENTS, META, RESOURCE_VERSION_KEY};
use crate::{Change, StoreError};

/// The changes of one [`crate::Store::write`], applied together at its commit.
pub struct WriteTx<'a> {
    txn: &'a WriteTransaction,
    resource_version: u64,
    event_seq: u64,
    changes: Vec<Change>,
    events: Vec<Event>,
}

impl<'a> WriteTx<'a> {
    pub(crate) fn new(txn: &'a WriteTransaction) -> Result<Self, StoreError> {
        let meta = txn.open_table(META).map_err(StoreError::db)?;
        let counter = |key: &str| -> Result<u64, StoreError> {
            Ok(meta.get(key).map_err(StoreError::db)?.map(|v| v.value()).unwrap_or(0))
        };
        let (resource_version, event_seq) = (counter(RESOURCE_VERSION_KEY)?, counter(EVENT_SEQ_KEY)?);
        drop(meta);
        Ok(Self {
            txn,
            resource_version,
            event_seq,
            changes: Vec::new(),
            events: Vec::new(),
        })
    }

    /// The object as this transaction sees it, its own writes included.
    pub fn get<R: Resource>(&self, name: &str) -> Result<Option<R>, StoreError> {
        let table = self.txn.open_table(schema::table(R::KIND)).map_err(StoreError::db)?;
        let found = table.get(name).map_err(StoreError::db)?;
        found
            .map(|bytes| schema::decode(R::KIND, name, bytes.value()))
            .transpose()
    }

    /// Every object of kind `R` whose name starts with `prefix`, by name, as this transaction
    /// sees them.
    pub fn list<R: Resource>(&self, prefix: &str) -> Result<Vec<R>, StoreError> {
        let table = self.txn.open_table(schema::table(R::KIND)).map_err(StoreError::db)?;
        schema::list_in(&table, prefix)
    }

    /// [`Self::get`], with a missing object an error naming its kind and name.
    pub fn require<R: Resource>(&self, name: &str) -> Result<R, StoreError> {
        self.get(name)?.ok_or_else(|| StoreError::NotFound {
            kind: R::KIND.to_string(),
            name: name.to_string(),
        })
    }

    fn store<R: Resource>(&mut self, mut object: R) -> Result<R, StoreError> {
        self.resource_version += 1;
        object.meta_mut().resource_version = self.resource_version;
        let bytes = schema::encode(&object)?;
        let name = object.meta().name.clone();
        let mut table = self.txn.open_table(schema::table(R::KIND)).map_err(StoreError::db)?;
        table.insert(name.as_str(), bytes.as_slice()).map_err(StoreError::db)?;
        self.changes.push(Change {
            kind: R::KIND,
            name,
            resource_version: Some(self.resource_version),
        });
        Ok(object)
    }

    /// Adds a new object; its name must be free. Returns it as stored (generation 1, its
    /// resource version and creation time set).
    pub fn create<R: Resource>(&mut self, mut object: R) -> Result<R, StoreError> {
        let name = object.meta().name.clone();
        for part in name.split('/') {
            validate_name(part).map_err(|e| StoreError::Invalid(format!("{} name: {e}", R::KIND)))?;
        }
        if self.get::<R>(&name)?.is_some() {
            return Err(StoreError::AlreadyExists {
                kind: R::KIND.to_string(),
                name,
            });
        }
        let meta = object.meta_mut();
        meta.generation = 1;
        meta.created_unix_ms = now_ms();
        meta.deleting = false;
        self.store(object)
    }

    /// Replaces an existing object with `object`, which must carry the resource version it was
    /// read at (so two writers cannot silently overwrite each other). A changed spec bumps the
    /// generation; the name and creation time are kept.
    pub fn update<R: Resource>(&mut self, mut object: R) -> Result<R, StoreError> {
        let name = object.meta().name.clone();
        let current = self.get::<R>(&name)?.ok_or_else(|| StoreError::NotFound {
            kind: R::KIND.to_string(),
            name: name.clone(),
        })?;
        let (expected, found) = (object.meta().resource_version, current.meta().resource_version);
        if expected != found {
            return Err(StoreError::Conflict {
                kind: R::KIND.to_string(),
                name,
                expected,
                found,
            });
        }
        let spec_changed = object.spec() != current.spec();
        let meta = object.meta_mut();
        meta.created_unix_ms = current.meta().created_unix_ms;
        meta.generation = current.meta().generation + u64::from(spec_changed);
        self.store(object)
    }

    /// Removes an object; whether it was there.
    pub fn delete<R: Resource>(&mut self, name: &str) -> Result<bool, StoreError> {
        let mut table = self.txn.open_table(schema::table(R::KIND)).map_err(StoreError::db)?;
        let removed = table.remove(name).map_err(StoreError::db)?.is_some();
        if removed {
            self.changes.push(Change {
                kind: R::KIND,
                name: name.to_string(),
                resource_version: None,
            });
        }
        Ok(removed)
    }

    /// Appends `event` to the log; returns its sequence number.
    pub fn event(&mut self, mut event: Event) -> Result<u64, StoreError> {
        self.event_seq += 1;
        event.seq = self.event_seq;
        event.unix_ms = now_ms();
        let bytes = serde_json::to_vec(&event).map_err(|e| StoreError::Invalid(format!("encoding an event: {e}")))?;
        let mut table = self.txn.open_table(EVENTS).map_err(StoreError::db)?;
        table.insert(event.seq, bytes.as_slice()).map_err(StoreError::db)?;
        let seq = event.seq;
        self.events.push(event);
        Ok(seq)
    }

    /// The changes to announce and the events to log, once committed.
    pub(crate) fn finish(self) -> Result<(Vec<Change>, Vec<Event>), StoreError> {
        let mut meta = self.txn.open_table(META).map_err(StoreError::db)?;
        meta.insert(RESOURCE_VERSION_KEY, self.resource_version)
            .map_err(StoreError::db)?;
        meta.insert(EVENT_SEQ_KEY, self.event_seq).map_err(StoreError::db)?;
        Ok((self.changes, self.events))
    }
}
