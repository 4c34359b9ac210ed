//! Issue 18 item 2: random and hostile requests to every method of the API on a live daemon on
//! a temp home (tests/src/fuzz_grpc.rs), `DEVNET_FUZZ_CASES` per method (default 2000) from
//! `DEVNET_SEED` (default: the clock, printed, so a failure replays). Each must be answered or
//! refused with a code that names the mistake and a message; the daemon must serve throughout
//! and make or lose no devnet or plugin. The last line: `fuzz: F of N calls ended badly (seed S)`.

use devnet_e2e::daemon::Daemon;
use devnet_e2e::fuzz_grpc::fuzz;

fn main() -> anyhow::Result<()> {
    let seed = std::env::var("DEVNET_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(devnet_core::now_ms);
    let cases = std::env::var("DEVNET_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let d = Daemon::start();
    let state = || {
        (
            d.dvb_ok(&["list", "-o", "json"]).stdout,
            d.dvb_ok(&["plugin", "list", "-o", "json"]).stdout,
        )
    };
    let before = state();
    let started = std::time::Instant::now();
    let report = tokio::runtime::Runtime::new()?.block_on(async {
        let client = devnet_api::DaemonClient::connect(&d.path().join(devnet_api::SOCKET_FILE))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        fuzz(&client.channel(), seed, cases).await
    })?;
    for bad in &report.bad {
        println!("bad: {bad}");
    }
    let changed = state() != before;
    println!(
        "{} calls in {:.0} s: {} answered, refused {:?}; devnets and plugins {}",
        report.calls,
        started.elapsed().as_secs_f64(),
        report.answered,
        report.refused,
        if changed { "CHANGED" } else { "unchanged" }
    );
    let panics = d.daemon_log().matches("panicked").count();
    if panics > 0 {
        println!("bad: devnetd's log has {panics} panics");
    }
    let failed = report.bad.len() + usize::from(changed) + panics;
    println!("fuzz: {failed} of {} calls ended badly (seed {seed})", report.calls);
    anyhow::ensure!(failed == 0, "replay with DEVNET_SEED={seed}");
    Ok(())
}
