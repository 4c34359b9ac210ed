//! Controllers in the manner of kube-runtime: an object's key goes into a [`WorkQueue`]; a
//! [`Controller`] takes keys when they are due and calls `reconcile(key, ctx)`, which returns an
//! [`Action`] (look again after a while, or wait for a change); when it fails, `error_policy`
//! decides, typically with the key's [`Backoff`], which resets after a success.
//!
//! The queue keeps one slot per key, so ten changes to one node before it is looked at make one
//! reconcile; and a key is never reconciled twice at once: a change that arrives during a
//! reconcile makes it run again once the first one is done.

mod action;
mod backoff;
mod controller;
mod queue;

pub use action::Action;
pub use backoff::Backoff;
pub use controller::{Controller, Observe, Outcome, ReconcileError, SpanFor};
pub use queue::WorkQueue;
