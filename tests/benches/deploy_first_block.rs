//! Time from `dvb deploy` to the first block of a 4-validator simd v0.50 devnet, against the
//! chain's own fastest way measured in the same run: `simd testnet init-files`, then starting
//! the 4 nodes, until node 0 reports height 1 (tests/src/simd_net.rs). Both at a 500 ms block
//! time. Runs alternate (baseline, ours, baseline, ...) so drift hits both alike; medians and
//! the ratio are printed. `DEVNET_BENCH_RUNS` (default 5).
//!
//! Ours is what a user waits for: the dvb process, its gRPC call to a running devnetd (plugin
//! already compiled), provisioning (genesis through the plugin, the plugin running simd once),
//! starting the nodes, and the daemon seeing height >= 1 through the plugin.

use std::process::Command;
use std::time::{Duration, Instant};

use devnet_e2e::daemon::{Daemon, binary};
use devnet_e2e::median;
use devnet_e2e::simd_net::SimdNet;

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
                "cosmos",
                "--version",
                "v0.50",
                "--validators",
                "4",
            ])
            .args(["--set", "block-time=500ms", "-o", "json"])
            .output()?;
        let took = start.elapsed();
        anyhow::ensure!(
            out.status.success(),
            "dvb deploy: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(took)
    };
    // Warm-up: the daemon compiles the plugin once (AOT cache), as on any machine after the first deploy.
    deploy("warm")?;
    d.dvb_ok(&["destroy", "warm"]);

    let (mut base, mut ours) = (Vec::new(), Vec::new());
    for i in 0..runs {
        let start = Instant::now();
        let mut net = SimdNet::start("v0.50", 4)?;
        base.push(start.elapsed());
        net.stop_and_check()?;

        let name = format!("b{i}");
        ours.push(deploy(&name)?);
        d.dvb_ok(&["destroy", &name]);
        eprintln!("run {i}: init-files+start {:?}, dvb deploy {:?}", base[i], ours[i]);
    }
    let (b, o) = (median(base), median(ours));
    println!("deploy to first block, 4 validators, simd v0.50, {runs} runs (medians):");
    println!(
        "  simd testnet init-files + start: {:>8.0} ms",
        b.as_secs_f64() * 1000.0
    );
    println!(
        "  dvb deploy (devnetd):            {:>8.0} ms",
        o.as_secs_f64() * 1000.0
    );
    println!("  ratio: {:.2}x (goal <= 1.2x)", o.as_secs_f64() / b.as_secs_f64());
    Ok(())
}
