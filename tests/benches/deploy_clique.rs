//! Time from `dvb deploy` to the first block of a 3-signer geth v1.13 Clique devnet with one full
//! node, against geth's own way measured in the same run (tests/src/clique_net.rs): a genesis
//! naming the signers, `geth init` and `geth account import` for each node, every node started
//! at once, until node 0 has block 1. Both at a 1 s block period. Runs alternate (baseline,
//! ours, ...) so drift hits both alike; medians and the ratio are printed. `DEVNET_BENCH_RUNS`
//! (default 5).
//!
//! Ours is what a user waits for: `dvb deploy --network evm --validators 3 --full-nodes 1` with
//! nothing else said (the plugin picks Clique, geth v1.13, chain id 1337), against a running
//! devnetd with the plugin compiled, until dvb returns: the first block made and every node
//! started (the signers after the first start once block 1 is sealed).

use std::time::Instant;

use devnet_e2e::clique_net::CliqueNet;
use devnet_e2e::daemon::Daemon;
use devnet_e2e::deploy_bench::{compare, dvb_deploy};

fn main() -> anyhow::Result<()> {
    let d = Daemon::start();
    let args = ["--network", "evm", "--validators", "3", "--full-nodes", "1"];
    compare(
        &d,
        "deploy to first block, Clique: 3 signers + 1 full node, geth v1.13",
        ["geth init + account import + start", "dvb deploy (devnetd)"],
        1.2,
        || {
            let start = Instant::now();
            let mut net = CliqueNet::start(3, 1, 1)?;
            let took = start.elapsed();
            net.stop_and_check()?;
            Ok(took)
        },
        |name| dvb_deploy(&d, name, &args),
    )
}
