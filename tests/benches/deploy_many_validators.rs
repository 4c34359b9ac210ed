//! Issue 18 item 5: a Cosmos devnet of many validators (`DEVNET_VALIDATORS`, default 32) from
//! `dvb deploy` to its first block, against the chain's own fastest way in the same run: `simd
//! testnet init-files --v N`, then starting the N nodes, until node 0 reports height 1
//! (tests/src/simd_net.rs). Both simd v0.50 at a 500 ms block time; runs alternate (baseline,
//! ours, …) so drift hits both alike; medians and the ratio are printed.
//! `DEVNET_BENCH_RUNS` (default 3 here: each run starts 2N nodes on this machine).

use std::time::Instant;

use devnet_e2e::daemon::Daemon;
use devnet_e2e::deploy_bench::{compare_runs, dvb_deploy, runs_or};
use devnet_e2e::simd_net::SimdNet;

fn main() -> anyhow::Result<()> {
    let validators: usize = std::env::var("DEVNET_VALIDATORS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32);
    let d = Daemon::start();
    let count = validators.to_string();
    let timeout = (120 + 10 * validators).to_string();
    let args = [
        "--network",
        "cosmos",
        "--version",
        "v0.50",
        "--validators",
        &count,
        "--set",
        "block-time=500ms",
        "--timeout",
        &timeout,
    ];
    compare_runs(
        &d,
        runs_or(3),
        &format!("deploy to first block, {validators} validators, simd v0.50"),
        ["simd testnet init-files + start", "dvb deploy (devnetd)"],
        1.2,
        || {
            let start = Instant::now();
            let mut net = SimdNet::start("v0.50", validators)?;
            let took = start.elapsed();
            net.stop_and_check()?;
            Ok(took)
        },
        |name| dvb_deploy(&d, name, &args),
    )
}
