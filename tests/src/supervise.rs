//! What a daemon costs while it supervises many nodes: its CPU (from `/proc/<pid>/stat`) and
//! resident memory (`/proc/<pid>/status`) over a window, beside the nodes' own, measured in the
//! same window. Used by `cargo bench --bench supervise` and by a small sample in the default
//! suite.

use std::time::{Duration, Instant};

use devnet_runtime::group_members;

use crate::daemon::Daemon;

/// CPU ticks (user + system) a process has used; none when it is gone.
fn ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line (1-based): indices 11 and 12 of
    // what follows the name (which starts at field 3, the state).
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// Resident memory in bytes; none when it is gone.
fn rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// Clock ticks per second of `/proc/<pid>/stat`: Linux reports them in USER_HZ, which is 100.
fn tick_rate() -> f64 {
    100.0
}

/// One side's use over a window.
#[derive(Debug, Clone, Copy)]
pub struct Use {
    /// Percent of one core, averaged over the window.
    pub cpu_percent: f64,
    /// Resident memory at the end of the window, in bytes (summed over processes).
    pub rss_bytes: u64,
}

/// The daemon's and the nodes' use over `window`, sampled at its start and end.
pub fn measure(d: &Daemon, window: Duration) -> anyhow::Result<(Use, Use)> {
    let daemon = d.daemon_pid().ok_or_else(|| anyhow::anyhow!("no devnetd runs"))?;
    // Every process of every node: the leaders the daemon marked and their groups.
    let nodes = || -> Vec<u32> { d.node_processes().into_iter().flat_map(group_members).collect() };
    // Each process's ticks at the start; at the end, the change of those still there (one that
    // exited meanwhile is left out, and one started meanwhile is not counted).
    let start_ticks: Vec<(u32, u64)> = nodes().into_iter().filter_map(|p| Some((p, ticks(p)?))).collect();
    let d0 = ticks(daemon).unwrap_or(0);
    let start = Instant::now();
    std::thread::sleep(window);
    let elapsed = start.elapsed().as_secs_f64();
    let d1 = ticks(daemon).unwrap_or(d0);
    let still: Vec<(u32, u64)> = start_ticks
        .iter()
        .filter_map(|(p, t0)| Some((*p, ticks(*p)?.saturating_sub(*t0))))
        .collect();
    let percent = |t: u64| t as f64 / tick_rate() / elapsed * 100.0;
    let daemon_use = Use {
        cpu_percent: percent(d1.saturating_sub(d0)),
        rss_bytes: rss(daemon).unwrap_or(0),
    };
    let node_use = Use {
        cpu_percent: percent(still.iter().map(|(_, t)| t).sum()),
        rss_bytes: still.iter().filter_map(|(p, _)| rss(*p)).sum(),
    };
    Ok((daemon_use, node_use))
}

/// `n` one-node anvil devnets (`s0`, `s1`, …) deployed at once (`--no-wait`), then waited for
/// until every one runs; how long that took.
pub fn deploy_anvils(d: &Daemon, n: usize, prefix: &str) -> anyhow::Result<Duration> {
    let start = Instant::now();
    for i in 0..n {
        let name = format!("{prefix}{i}");
        d.dvb_ok(&[
            "deploy",
            "--name",
            &name,
            "--network",
            "evm",
            "--set",
            "client=anvil",
            "--no-wait",
        ]);
    }
    crate::wait_for("every devnet Running", Duration::from_secs(600), || {
        let list = d.dvb_ok(&["list", "-o", "json"]).json();
        let running = list
            .as_array()
            .map(|all| {
                all.iter()
                    .filter(|x| {
                        x["meta"]["name"].as_str().is_some_and(|n| n.starts_with(prefix))
                            && x["status"]["phase"] == "Running"
                    })
                    .count()
            })
            .unwrap_or(0);
        Ok((running == n).then_some(()))
    })?;
    Ok(start.elapsed())
}
