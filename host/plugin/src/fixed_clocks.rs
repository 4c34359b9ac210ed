//! The time and the randomness a plugin sees: none of the host's. A plugin's answers depend only
//! on what the host passes it, so the same request gives the same genesis, the same command,
//! the same transaction bytes, on any machine and at any time.
//!
//! - `wasi:clocks/wall-clock` reads the Unix epoch (0 s) and never moves; a plugin that needs the
//!   time is given it in its arguments (an expiring transaction's `timeout-unix-secs`, say).
//! - `wasi:clocks/monotonic-clock` reads 0 and never moves (sleeping still waits the duration
//!   asked, up to the call's deadline).
//! - `wasi:random` returns a fixed sequence derived from the plugin's `name@version`: enough for
//!   hash-map seeds, never a secret. Keys are made and kept by the host.

use std::time::Duration;

use wasmtime_wasi::{Deterministic, HostMonotonicClock, HostWallClock};

/// A wall clock stopped at the Unix epoch.
pub(crate) struct EpochWallClock;

impl HostWallClock for EpochWallClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }

    fn now(&self) -> Duration {
        Duration::ZERO
    }
}

/// A monotonic clock that reads 0.
pub(crate) struct StoppedMonotonicClock;

impl HostMonotonicClock for StoppedMonotonicClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }

    fn now(&self) -> u64 {
        0
    }
}

/// The bytes `wasi:random` cycles through for the plugin `id`.
pub(crate) fn fixed_random(id: &str) -> Deterministic {
    let seed = blake3::hash(format!("devnet-plugin random for {id}").as_bytes());
    Deterministic::new(seed.as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use wasmtime_wasi::Rng as _;

    use super::*;

    #[test]
    fn the_same_plugin_should_draw_the_same_bytes_and_another_plugin_others() {
        let draw = |id: &str| {
            let mut r = fixed_random(id);
            let mut buf = [0u8; 16];
            r.fill_bytes(&mut buf);
            buf
        };
        assert_eq!(draw("a@1"), draw("a@1"));
        assert_ne!(draw("a@1"), draw("b@1"));
        assert_eq!(EpochWallClock.now(), Duration::ZERO);
        assert_eq!(StoppedMonotonicClock.now(), 0);
    }
}
