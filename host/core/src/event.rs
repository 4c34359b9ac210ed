//! The event log: what happened to which object, kept by the store and shown by `dvb events`.

use serde::{Deserialize, Serialize};

use crate::Kind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    Normal,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Assigned by the store: increasing, never reused.
    pub seq: u64,
    pub unix_ms: u64,
    pub kind: EventKind,
    pub object_kind: Kind,
    pub object: String,
    /// A short CamelCase reason, e.g. `NodeRestarted`.
    pub reason: String,
    pub message: String,
}

impl Event {
    /// An event to record; the store sets `seq`.
    pub fn new(kind: EventKind, object_kind: Kind, object: &str, reason: &str, message: impl Into<String>) -> Self {
        Self {
            seq: 0,
            unix_ms: 0,
            kind,
            object_kind,
            object: object.to_string(),
            reason: reason.to_string(),
            message: message.into(),
        }
    }
}
