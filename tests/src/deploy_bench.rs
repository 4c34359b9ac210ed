//! What the deploy benchmarks share: timing `dvb deploy` against a running devnetd, and the
//! alternating runs of a baseline and ours with their medians and ratio printed.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::daemon::{Daemon, binary};
use crate::median;

/// `DEVNET_BENCH_RUNS`, default 5.
pub fn runs() -> usize {
    runs_or(5)
}

/// `DEVNET_BENCH_RUNS`, default `default`.
pub fn runs_or(default: usize) -> usize {
    std::env::var("DEVNET_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// How long `dvb deploy --name <name> <args> -o json` against `d` takes to return (it returns
/// once the devnet has its first block).
pub fn dvb_deploy(d: &Daemon, name: &str, args: &[&str]) -> anyhow::Result<Duration> {
    let start = Instant::now();
    let out = Command::new(binary("dvb"))
        .arg("--home")
        .arg(d.path())
        .args(["deploy", "--name", name])
        .args(args)
        .args(["-o", "json"])
        .output()?;
    let took = start.elapsed();
    anyhow::ensure!(
        out.status.success(),
        "dvb deploy: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(took)
}

/// A warm-up deploy (the daemon compiles the plugin once, as on any machine after its first
/// deploy), then `runs` alternating runs of `baseline` and `ours` (given the run's devnet name;
/// each destroyed after), so that drift hits both alike; prints each run, the medians under
/// `title` and the ratio against `goal`.
pub fn compare(
    d: &Daemon,
    title: &str,
    labels: [&str; 2],
    goal: f64,
    baseline: impl FnMut() -> anyhow::Result<Duration>,
    ours: impl FnMut(&str) -> anyhow::Result<Duration>,
) -> anyhow::Result<()> {
    compare_runs(d, runs(), title, labels, goal, baseline, ours)
}

/// [`compare`] with `runs` runs.
pub fn compare_runs(
    d: &Daemon,
    runs: usize,
    title: &str,
    labels: [&str; 2],
    goal: f64,
    mut baseline: impl FnMut() -> anyhow::Result<Duration>,
    mut ours: impl FnMut(&str) -> anyhow::Result<Duration>,
) -> anyhow::Result<()> {
    ours("warm")?;
    d.dvb_ok(&["destroy", "warm"]);
    let (mut base, mut mine) = (Vec::new(), Vec::new());
    for i in 0..runs {
        base.push(baseline()?);
        let name = format!("r{i}");
        mine.push(ours(&name)?);
        d.dvb_ok(&["destroy", &name]);
        eprintln!("run {i}: {} {:?}, {} {:?}", labels[0], base[i], labels[1], mine[i]);
    }
    let (b, o) = (median(base), median(mine));
    let width = labels[0].len().max(labels[1].len()) + 1;
    println!("{title}, {runs} runs (medians):");
    println!(
        "  {:<width$} {:>8.0} ms",
        format!("{}:", labels[0]),
        b.as_secs_f64() * 1000.0
    );
    println!(
        "  {:<width$} {:>8.0} ms",
        format!("{}:", labels[1]),
        o.as_secs_f64() * 1000.0
    );
    println!("  ratio: {:.2}x (goal <= {goal}x)", o.as_secs_f64() / b.as_secs_f64());
    Ok(())
}
