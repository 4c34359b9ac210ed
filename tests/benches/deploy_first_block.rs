//! Time from `dvb deploy` to the first block of a 4-validator simd v0.50 devnet, against the
//! chain's own fastest way measured in the same run: `simd testnet init-files`, then starting
//! the 4 nodes, until node 0 reports height 1 (tests/src/simd_net.rs). Both at a 500 ms block
//! time. Runs alternate (baseline, ours, baseline, ...) so drift hits both alike; medians and
//! the ratio are printed. `DEVNET_BENCH_RUNS` (default 5).
//!
//! Ours is what a user waits for: the dvb process, its gRPC call to a running devnetd (plugin
//! already compiled), provisioning (genesis through the plugin, the plugin running simd once),
//! starting the nodes, and the daemon seeing height >= 1 through the plugin.

use std::time::Instant;

use devnet_e2e::daemon::Daemon;
use devnet_e2e::deploy_bench::{compare, dvb_deploy};
use devnet_e2e::simd_net::SimdNet;

fn main() -> anyhow::Result<()> {
    let d = Daemon::start();
    let args = [
        "--network",
        "cosmos",
        "--version",
        "v0.50",
        "--validators",
        "4",
        "--set",
        "block-time=500ms",
    ];
    compare(
        &d,
        "deploy to first block, 4 validators, simd v0.50",
        ["simd testnet init-files + start", "dvb deploy (devnetd)"],
        1.2,
        || {
            let start = Instant::now();
            let mut net = SimdNet::start("v0.50", 4)?;
            let took = start.elapsed();
            net.stop_and_check()?;
            Ok(took)
        },
        |name| dvb_deploy(&d, name, &args),
    )
}
