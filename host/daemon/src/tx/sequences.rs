//! Sequence (nonce) management for transactions the daemon signs: concurrent transactions from
//! one account each get their own sequence, without waiting for the previous one to be in a
//! block, and a refusal for a wrong sequence puts the book back in step with the chain.

use std::collections::HashMap;
use std::sync::Mutex;

/// The next sequence of each (devnet, account) the daemon has signed for.
#[derive(Default)]
pub struct SequenceBook {
    next: Mutex<HashMap<(String, String), u64>>,
}

impl SequenceBook {
    /// The sequence for the next transaction of `account`: the chain's (`on_chain`, the account's
    /// sequence as a node reports it, which lags while transactions wait in the mempool) or the
    /// one after the last this book handed out, whichever is later.
    pub fn take(&self, devnet: &str, account: &str, on_chain: u64) -> u64 {
        let mut next = self.lock();
        let slot = next
            .entry((devnet.to_string(), account.to_string()))
            .or_insert(on_chain);
        let sequence = (*slot).max(on_chain);
        *slot = sequence + 1;
        sequence
    }

    /// Whether this book has handed out a sequence for `account` (since it last resynced).
    pub fn knows(&self, devnet: &str, account: &str) -> bool {
        self.lock().contains_key(&(devnet.to_string(), account.to_string()))
    }

    /// A transaction with `sequence` never reached the mempool (refused, or never sent): hand it
    /// out again if it was the last one taken.
    pub fn give_back(&self, devnet: &str, account: &str, sequence: u64) {
        let mut next = self.lock();
        if let Some(slot) = next.get_mut(&(devnet.to_string(), account.to_string()))
            && *slot == sequence + 1
        {
            *slot = sequence;
        }
    }

    /// The chain said the sequence was wrong: forget what this book believed, so the next
    /// [`Self::take`] starts from the chain again.
    pub fn resync(&self, devnet: &str, account: &str) {
        self.lock().remove(&(devnet.to_string(), account.to_string()));
    }

    /// Forgets a devnet (destroyed, or its chain replaced).
    pub fn forget_devnet(&self, devnet: &str) {
        self.lock().retain(|(d, _), _| d != devnet);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), u64>> {
        // Every update is one insert or remove: a poisoned map is still consistent.
        self.next.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrent_takes_should_get_distinct_consecutive_sequences() {
        let book = std::sync::Arc::new(SequenceBook::default());
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let book = book.clone();
                std::thread::spawn(move || (0..25).map(|_| book.take("hub", "alice", 5)).collect::<Vec<_>>())
            })
            .collect();
        let mut all: Vec<u64> = handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect();
        all.sort_unstable();
        assert_eq!(all, (5..205).collect::<Vec<_>>());
    }

    #[test]
    fn the_chain_ahead_of_the_book_should_win() {
        let book = SequenceBook::default();
        assert_eq!(book.take("hub", "alice", 3), 3);
        assert_eq!(book.take("hub", "alice", 3), 4);
        // Someone else (a CLI outside the daemon) sent from the same account.
        assert_eq!(book.take("hub", "alice", 9), 9);
        assert_eq!(book.take("hub", "alice", 9), 10);
    }

    #[test]
    fn accounts_and_devnets_should_be_apart() {
        let book = SequenceBook::default();
        assert_eq!(book.take("hub", "alice", 0), 0);
        assert_eq!(book.take("hub", "bob", 0), 0);
        assert_eq!(book.take("osmo", "alice", 0), 0);
        assert_eq!(book.take("hub", "alice", 0), 1);
        book.forget_devnet("hub");
        assert_eq!(book.take("hub", "alice", 0), 0);
        assert_eq!(book.take("osmo", "alice", 0), 1);
    }

    #[test]
    fn a_refused_last_sequence_should_be_reused_and_a_resync_should_follow_the_chain() {
        let book = SequenceBook::default();
        assert_eq!(book.take("hub", "alice", 2), 2);
        assert_eq!(book.take("hub", "alice", 2), 3);
        book.give_back("hub", "alice", 3);
        assert_eq!(book.take("hub", "alice", 2), 3);
        // Not the last one: giving it back would hand 2 out twice.
        book.give_back("hub", "alice", 2);
        assert_eq!(book.take("hub", "alice", 2), 4);
        // The chain says 3 went nowhere after all.
        book.resync("hub", "alice");
        assert_eq!(book.take("hub", "alice", 3), 3);
    }
}
