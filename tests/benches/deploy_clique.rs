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

use std::process::Command;
use std::time::{Duration, Instant};

use devnet_e2e::clique_net::CliqueNet;
use devnet_e2e::daemon::{Daemon, binary};
use devnet_e2e::median;

fn main() -> anyhow::Result<()> {
    let runs: usize = std::env::var("DEVNET_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let d = Daemon::start();
    let dvb = binary("dvb");
    let deploy = |name: &str| -> anyhow::Result<Duration> {
        let start = Instant::now();
        let out = Command::new(&dvb)
            .arg("--home")
            .arg(d.path())
            .args([
                "deploy",
                "--name",
                name,
                "--network",
                "evm",
                "--validators",
                "3",
                "--full-nodes",
                "1",
            ])
            .args(["-o", "json"])
            .output()?;
        let took = start.elapsed();
        anyhow::ensure!(
            out.status.success(),
            "dvb deploy: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(took)
    };
    // Warm-up: the daemon compiles the plugin once (AOT cache), as on any machine after the
    // first deploy.
    deploy("warm")?;
    d.dvb_ok(&["destroy", "warm"]);

    let (mut base, mut ours) = (Vec::new(), Vec::new());
    for i in 0..runs {
        let start = Instant::now();
        let mut net = CliqueNet::start(3, 1, 1)?;
        base.push(start.elapsed());
        net.stop_and_check()?;

        let name = format!("c{i}");
        ours.push(deploy(&name)?);
        d.dvb_ok(&["destroy", &name]);
        eprintln!("run {i}: geth init + start {:?}, dvb deploy {:?}", base[i], ours[i]);
    }
    let (b, o) = (median(base), median(ours));
    println!("deploy to first block, Clique: 3 signers + 1 full node, geth v1.13, {runs} runs (medians):");
    println!(
        "  geth init + account import + start: {:>8.0} ms",
        b.as_secs_f64() * 1000.0
    );
    println!(
        "  dvb deploy (devnetd):               {:>8.0} ms",
        o.as_secs_f64() * 1000.0
    );
    println!("  ratio: {:.2}x (goal <= 1.2x)", o.as_secs_f64() / b.as_secs_f64());
    Ok(())
}
