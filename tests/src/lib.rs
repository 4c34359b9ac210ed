//! Helpers for end-to-end tests that drive real chain binaries on loopback.

pub mod addresses;
pub mod alto_net;
pub mod chain;
pub mod clique_net;
pub mod cosmos;
pub mod daemon;
pub mod deploy_bench;
pub mod docker;
pub mod docker_hosts;
pub mod fuzz_grpc;
pub mod plugin_devnet;
pub mod ports;
pub mod process;
pub mod rpc;
pub mod simd_net;
pub mod supervise;

pub use devnet_test_fixtures as plugins;

use std::time::{Duration, Instant};

/// The median of bench timings (the upper one of an even count).
pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Polls `probe` until it returns `Some`, or fails after `limit` with what it last saw.
pub fn wait_for<T>(
    what: &str,
    limit: Duration,
    mut probe: impl FnMut() -> anyhow::Result<Option<T>>,
) -> anyhow::Result<T> {
    let start = Instant::now();
    let mut last = String::from("nothing yet");
    loop {
        match probe() {
            Ok(Some(v)) => return Ok(v),
            Ok(None) => {}
            Err(e) => last = format!("{e:#}"),
        }
        if start.elapsed() > limit {
            anyhow::bail!("timed out after {limit:?} waiting for {what}; last: {last}");
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}
