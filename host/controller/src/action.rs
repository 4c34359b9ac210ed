use std::time::Duration;

/// What a reconcile asks for next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a reconcile's Action says when it runs again; return it"]
pub struct Action {
    pub(crate) requeue_after: Option<Duration>,
}

impl Action {
    /// Reconcile again after `after`, even if nothing changes (to poll a node's health, say).
    pub fn requeue(after: Duration) -> Self {
        Self {
            requeue_after: Some(after),
        }
    }

    /// Nothing to do until the object changes.
    pub fn await_change() -> Self {
        Self { requeue_after: None }
    }

    pub fn requeue_after(&self) -> Option<Duration> {
        self.requeue_after
    }
}
