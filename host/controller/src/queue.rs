//! The work queue: one slot per key, the earliest due time wins, and a key in flight is held
//! back until it is done.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Notify;
use tokio::time::{Duration, Instant};

struct State<K> {
    /// Keys waiting, with when they are due.
    pending: HashMap<K, Instant>,
    /// Keys being reconciled now.
    in_flight: HashSet<K>,
    closed: bool,
}

/// A deduplicating, delaying work queue. Cheap to clone: clones share the queue.
pub struct WorkQueue<K> {
    state: Arc<Mutex<State<K>>>,
    changed: Arc<Notify>,
}

impl<K> Clone for WorkQueue<K> {
    fn clone(&self) -> Self {
        Self {
            state: self.state.clone(),
            changed: self.changed.clone(),
        }
    }
}

impl<K: Clone + Eq + Hash> Default for WorkQueue<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Clone + Eq + Hash> WorkQueue<K> {
    pub fn new() -> Self {
        Self {
            state: Arc::new(Mutex::new(State {
                pending: HashMap::new(),
                in_flight: HashSet::new(),
                closed: false,
            })),
            changed: Arc::new(Notify::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State<K>> {
        // A panic while holding the lock leaves maps that are still consistent (every update is
        // a single insert or remove), so a poisoned lock is used as it is.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reconcile `key` now (or at its earlier due time, if it already waits).
    pub fn add(&self, key: K) {
        self.add_after(key, Duration::ZERO);
    }

    /// Reconcile `key` after `delay`, unless it is already due sooner.
    pub fn add_after(&self, key: K, delay: Duration) {
        let due = Instant::now() + delay;
        {
            let mut s = self.lock();
            let slot = s.pending.entry(key).or_insert(due);
            if due < *slot {
                *slot = due;
            }
        }
        self.changed.notify_one();
    }

    /// How many keys wait (not counting those in flight).
    pub fn len(&self) -> usize {
        self.lock().pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether [`Self::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Stops handing out keys: [`WorkQueue::next`] returns `None` from now on.
    pub fn close(&self) {
        self.lock().closed = true;
        self.changed.notify_waiters();
        self.changed.notify_one();
    }

    /// The next due key that is not in flight, marked in flight; `None` once closed.
    pub async fn next(&self) -> Option<K> {
        loop {
            let wait_until = {
                let mut s = self.lock();
                if s.closed {
                    return None;
                }
                let now = Instant::now();
                let ready = s
                    .pending
                    .iter()
                    .filter(|(k, _)| !s.in_flight.contains(*k))
                    .min_by_key(|(_, due)| **due)
                    .map(|(k, due)| (k.clone(), *due));
                match ready {
                    Some((key, due)) if due <= now => {
                        s.pending.remove(&key);
                        s.in_flight.insert(key.clone());
                        return Some(key);
                    }
                    Some((_, due)) => Some(due),
                    None => None,
                }
            };
            match wait_until {
                Some(due) => {
                    tokio::select! {
                        _ = tokio::time::sleep_until(due) => {}
                        _ = self.changed.notified() => {}
                    }
                }
                None => self.changed.notified().await,
            }
        }
    }

    /// Marks `key` done; a change that came in meanwhile is now free to run.
    pub fn done(&self, key: &K) {
        self.lock().in_flight.remove(key);
        self.changed.notify_one();
    }
}
