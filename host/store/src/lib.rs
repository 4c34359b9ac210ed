//! The daemon's state, in one redb file.
//!
//! - One table per resource kind (`devnets`, `nodes`, `upgrades`, `transactions`, `exports`,
//!   `plugins`), keyed by name, holding the resource as JSON; `events`, keyed by sequence number;
//!   `meta`, with the schema version and the counters.
//! - Every change goes through [`Store::write`]: one redb write transaction, however many
//!   records it touches, committed whole or not at all.
//! - Only after a commit are its changes sent to [`Store::subscribe`]rs, so a watcher never sees
//!   what a failed transaction would have written.

mod error;
mod migrate;
mod schema;
mod write;

use std::path::Path;

use devnet_core::{Event, Kind, Resource};
use redb::{Database, ReadableDatabase};
use tokio::sync::broadcast;

pub use error::StoreError;
pub use schema::SCHEMA_VERSION;
pub use write::WriteTx;

/// One committed change to one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kind: Kind,
    pub name: String,
    /// The object's resource version after the change; `None` when it was deleted.
    pub resource_version: Option<u64>,
}

pub struct Store {
    db: Database,
    changes: broadcast::Sender<Change>,
    /// Told how long each committed write took (for metrics), once set.
    write_observer: std::sync::OnceLock<Box<dyn Fn(std::time::Duration) + Send + Sync>>,
}

impl Store {
    /// Opens the store at `path`, creating it (and its tables) when missing. A store written by a
    /// newer schema is refused, untouched.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        }
        let db = Database::create(path).map_err(|e| match e {
            redb::DatabaseError::DatabaseAlreadyOpen => StoreError::InUse {
                path: path.to_path_buf(),
            },
            source => StoreError::Open {
                path: path.to_path_buf(),
                source,
            },
        })?;
        schema::prepare(&db, path)?;
        let (changes, _) = broadcast::channel(1024);
        Ok(Self {
            db,
            changes,
            write_observer: std::sync::OnceLock::new(),
        })
    }

    /// The object of kind `R` named `name`, if there is one.
    pub fn get<R: Resource>(&self, name: &str) -> Result<Option<R>, StoreError> {
        let txn = self.db.begin_read().map_err(StoreError::db)?;
        let table = txn.open_table(schema::table(R::KIND)).map_err(StoreError::db)?;
        let Some(bytes) = table.get(name).map_err(StoreError::db)? else {
            return Ok(None);
        };
        schema::decode(R::KIND, name, bytes.value()).map(Some)
    }

    /// Every object of kind `R` whose name starts with `prefix` (all with `""`), by name.
    pub fn list<R: Resource>(&self, prefix: &str) -> Result<Vec<R>, StoreError> {
        let txn = self.db.begin_read().map_err(StoreError::db)?;
        let table = txn.open_table(schema::table(R::KIND)).map_err(StoreError::db)?;
        schema::list_in(&table, prefix)
    }

    /// The events with a sequence number above `after`, oldest first, at most `limit`.
    pub fn events(&self, after: u64, limit: usize) -> Result<Vec<Event>, StoreError> {
        let txn = self.db.begin_read().map_err(StoreError::db)?;
        let table = txn.open_table(schema::EVENTS).map_err(StoreError::db)?;
        let mut out = Vec::new();
        for entry in table.range(after.saturating_add(1)..).map_err(StoreError::db)? {
            if out.len() == limit {
                break;
            }
            let (seq, value) = entry.map_err(StoreError::db)?;
            let event = serde_json::from_slice(value.value()).map_err(|e| StoreError::Corrupt {
                kind: "event".into(),
                name: seq.value().to_string(),
                reason: e.to_string(),
            })?;
            out.push(event);
        }
        Ok(out)
    }

    /// Runs `f` in one write transaction. If `f` fails, nothing it did is kept; if it succeeds,
    /// everything is committed at once and then announced to subscribers.
    pub fn write<T>(&self, f: impl FnOnce(&mut WriteTx<'_>) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let started = std::time::Instant::now();
        let txn = self.db.begin_write().map_err(StoreError::db)?;
        let mut tx = WriteTx::new(&txn)?;
        let value = f(&mut tx)?;
        let (changes, events) = tx.finish()?;
        txn.commit().map_err(StoreError::db)?;
        if let Some(observe) = self.write_observer.get() {
            observe(started.elapsed());
        }
        // Every event is also a log line, once it is true (in the caller's span: the devnet and
        // node it concerns), and after the write lock is released.
        for e in &events {
            match e.kind {
                devnet_core::EventKind::Normal => {
                    tracing::info!(object = %e.object, reason = %e.reason, "{}", e.message);
                }
                devnet_core::EventKind::Warning => {
                    tracing::warn!(object = %e.object, reason = %e.reason, "{}", e.message);
                }
            }
        }
        for change in changes {
            // No subscriber is fine: the store is the truth, notifications are a convenience.
            let _ = self.changes.send(change);
        }
        Ok(value)
    }

    /// Tells `observe` how long each committed write took, from its start to its commit (the
    /// first observer set stays).
    pub fn observe_writes(&self, observe: impl Fn(std::time::Duration) + Send + Sync + 'static) {
        let _ = self.write_observer.set(Box::new(observe));
    }

    /// Committed changes from now on. A subscriber that falls more than 1024 changes behind is
    /// told it lagged and should re-list.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.changes.subscribe()
    }
}
