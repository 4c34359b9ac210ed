//! Upgrade downtime through devnetd: a 1-validator simd v0.50 devnet (300 ms blocks, 4 s voting)
//! is upgraded to v0.53 through governance (`v050-to-v053`), and the downtime is the time from the
//! last block before the halt to the first block after it, from the blocks' own header times.
//! A header's time is when the previous block was committed (BFT time), so the halt and the
//! switch show up as the one long interval among the blocks around the plan's height H; that
//! interval is the downtime. The baseline, from the same chain in the same run, is its mean block
//! interval over the ten blocks before H. `DEVNET_BENCH_RUNS`
//! (default 3) devnets, one after another; medians and the ratio are printed.

use devnet_e2e::daemon::Daemon;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Seconds since midnight (UTC) of a CometBFT header time, `2026-12-01T22:18:44.123456789Z`.
fn day_seconds(time: &str) -> anyhow::Result<f64> {
    let clock = time
        .split('T')
        .nth(1)
        .and_then(|t| t.strip_suffix('Z'))
        .ok_or_else(|| anyhow::anyhow!("not an RFC 3339 UTC time: {time}"))?;
    let mut parts = clock.split(':');
    let mut next = || -> anyhow::Result<f64> {
        Ok(parts
            .next()
            .ok_or_else(|| anyhow::anyhow!("short time {time}"))?
            .parse()?)
    };
    Ok(next()? * 3600.0 + next()? * 60.0 + next()?)
}

fn block_time(rpc: u64, height: u64) -> anyhow::Result<f64> {
    let body: serde_json::Value = ureq::get(&format!("http://127.0.0.1:{rpc}/block?height={height}"))
        .call()?
        .into_json()?;
    let time = body["result"]["block"]["header"]["time"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("block {height} has no header time: {body}"))?;
    day_seconds(time)
}

/// `b - a` across midnight.
fn between(a: f64, b: f64) -> f64 {
    if b >= a { b - a } else { b + 86_400.0 - a }
}

fn main() -> anyhow::Result<()> {
    let runs = env_or("DEVNET_BENCH_RUNS", 3);
    let d = Daemon::start();
    let (mut downtime, mut interval) = (Vec::new(), Vec::new());
    for i in 0..runs {
        let name = format!("up{i}");
        d.deploy_cosmos(&name, "v0.50", 1, &["gov.voting-period=4s"]);
        let status = d.status(&name);
        let height = status["devnet"]["status"]["height"].as_u64().unwrap_or(0);
        let halt = height + 30;
        let run = d.upgrade_to_v053(&name, halt, &["-o", "json"]);
        anyhow::ensure!(run.ok, "upgrade of {name}: {}", run.stderr);
        let rpc = status["nodes"][0]["spec"]["ports"]
            .as_array()
            .and_then(|ports| ports.iter().find(|p| p["name"] == "rpc"))
            .and_then(|p| p["port"].as_u64())
            .ok_or_else(|| anyhow::anyhow!("no rpc port in {status}"))?;
        // The chain must have gone on a little past H for the intervals to exist.
        devnet_e2e::wait_for("blocks past the halt", std::time::Duration::from_secs(60), || {
            Ok(block_time(rpc, halt + 4).ok())
        })?;
        let times: Vec<f64> = (halt - 11..=halt + 4)
            .map(|h| block_time(rpc, h))
            .collect::<anyhow::Result<_>>()?;
        let gaps: Vec<f64> = times.windows(2).map(|w| between(w[0], w[1])).collect();
        let usual = gaps[..10].iter().sum::<f64>() / 10.0;
        let down = gaps[10..].iter().copied().fold(0.0, f64::max);
        println!("run {i}: downtime {:.2} s, usual block interval {:.3} s", down, usual);
        downtime.push(down);
        interval.push(usual);
        d.dvb_ok(&["destroy", &name]);
    }
    let (down, usual) = (median(downtime), median(interval));
    println!(
        "median over {runs} upgrades: downtime {down:.2} s, block interval {usual:.3} s, ratio {:.1}",
        down / usual
    );
    Ok(())
}
