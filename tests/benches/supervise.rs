//! One daemon supervising many nodes: `DEVNET_NODES` one-node anvil devnets (default 50) for
//! `DEVNET_SECONDS` (default 300), measured after a 10 s settle. Prints the daemon's CPU (% of
//! one core) and RSS beside the nodes' own in the same window, and, first, the time to deploy ten
//! devnets at once against one alone. Last line: `daemon: X% of a core, Y MB RSS for N nodes`.
//! Goal: under 2% of a core and under 100 MB.

use std::time::Duration;

use devnet_e2e::daemon::Daemon;
use devnet_e2e::supervise::{deploy_anvils, measure};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() -> anyhow::Result<()> {
    let nodes = env("DEVNET_NODES", 50).max(10);
    let seconds = env("DEVNET_SECONDS", 300);
    let d = Daemon::start();
    // A warm-up (the plugin compiled once), then one alone against ten at once.
    deploy_anvils(&d, 1, "warm")?;
    d.dvb_ok(&["destroy", "warm0"]);
    let one = deploy_anvils(&d, 1, "alone")?;
    d.dvb_ok(&["destroy", "alone0"]);
    let ten = deploy_anvils(&d, 10, "ten")?;
    println!(
        "deploy to Running: ten devnets at once {:.2} s, one alone {:.2} s ({:.1}x)",
        ten.as_secs_f64(),
        one.as_secs_f64(),
        ten.as_secs_f64() / one.as_secs_f64()
    );
    if nodes > 10 {
        deploy_anvils(&d, nodes - 10, "s")?;
    }
    std::thread::sleep(Duration::from_secs(10));
    let (daemon, all) = measure(&d, Duration::from_secs(seconds as u64))?;
    let mb = |b: u64| b as f64 / (1 << 20) as f64;
    println!(
        "nodes ({nodes} anvil processes), {seconds} s: {:.1}% of a core, {:.0} MB RSS",
        all.cpu_percent,
        mb(all.rss_bytes)
    );
    println!(
        "daemon: {:.2}% of a core, {:.0} MB RSS for {nodes} nodes",
        daemon.cpu_percent,
        mb(daemon.rss_bytes)
    );
    Ok(())
}
