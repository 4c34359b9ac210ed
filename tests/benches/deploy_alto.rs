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

use std::process::Command;
use std::time::{Duration, Instant};

use devnet_e2e::alto_net::AltoNet;
use devnet_e2e::daemon::{Daemon, binary, nodes, port};
use devnet_e2e::{median, rpc, wait_for};

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
            .args(["deploy", "--name", name, "--network", "commonware", "--validators", "4"])
            .args(["-o", "json"])
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "dvb deploy: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let metrics = port(&nodes(&d.status(name))[0], "metrics");
        wait_for("validator 0's first finalized block", Duration::from_secs(60), || {
            Ok(rpc::alto_finalized_height(metrics).ok().filter(|h| *h >= 1))
        })?;
        Ok(start.elapsed())
    };
    // Warm-up: the daemon compiles the plugin once (AOT cache), as on any machine after the
    // first deploy.
    deploy("warm")?;
    d.dvb_ok(&["destroy", "warm"]);

    let (mut base, mut ours) = (Vec::new(), Vec::new());
    for i in 0..runs {
        let start = Instant::now();
        let mut net = AltoNet::start(4)?;
        base.push(start.elapsed());
        net.stop_and_check()?;

        let name = format!("a{i}");
        ours.push(deploy(&name)?);
        d.dvb_ok(&["destroy", &name]);
        eprintln!("run {i}: alto-deploy + start {:?}, dvb deploy {:?}", base[i], ours[i]);
    }
    let (b, o) = (median(base), median(ours));
    println!("deploy to first finalized block, alto 2026.9.1: 4 validators, {runs} runs (medians):");
    println!("  alto-deploy generate + start: {:>8.0} ms", b.as_secs_f64() * 1000.0);
    println!("  dvb deploy (devnetd):         {:>8.0} ms", o.as_secs_f64() * 1000.0);
    println!("  ratio: {:.2}x (goal <= 1.2x)", o.as_secs_f64() / b.as_secs_f64());
    Ok(())
}
