//! Time to the first finalized block of a 4-validator Commonware alto network: `dvb deploy
//! --network commonware --validators 4` against alto's own way measured in the same run
//! (tests/src/alto_net.rs: `alto-deploy generate … local` deals the keys and writes the configs,
//! every validator started at once), until validator 0 has finalized a block. Runs alternate
//! (baseline, ours, ...) so drift hits both alike; medians and the ratio are printed.
//! `DEVNET_BENCH_RUNS` (default 5).
//!
//! Ours is what a user waits for: the host deals the network keys and the BLS12-381 threshold
//! group, the plugin writes the configs through placeholders, devnetd starts the validators;
//! until dvb returns and validator 0 has finalized a block.

use std::time::{Duration, Instant};

use devnet_e2e::alto_net::AltoNet;
use devnet_e2e::daemon::{Daemon, nodes, port};
use devnet_e2e::deploy_bench::{compare, dvb_deploy};
use devnet_e2e::{rpc, wait_for};

fn main() -> anyhow::Result<()> {
    let d = Daemon::start();
    compare(
        &d,
        "deploy to first finalized block, alto 2026.9.1: 4 validators",
        ["alto-deploy generate + start", "dvb deploy (devnetd)"],
        1.2,
        || {
            let start = Instant::now();
            let mut net = AltoNet::start(4)?;
            let took = start.elapsed();
            net.stop_and_check()?;
            Ok(took)
        },
        |name| {
            let start = Instant::now();
            dvb_deploy(&d, name, &["--network", "commonware", "--validators", "4"])?;
            let metrics = port(&nodes(&d.status(name))[0], "metrics");
            wait_for("validator 0's first finalized block", Duration::from_secs(60), || {
                Ok(rpc::alto_finalized_height(metrics).ok().filter(|h| *h >= 1))
            })?;
            Ok(start.elapsed())
        },
    )
}
