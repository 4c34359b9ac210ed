//! A small sample of `cargo bench --bench supervise` in the default suite: three anvil devnets,
//! the daemon's and the nodes' CPU and memory measured over a few seconds from `/proc`, the
//! numbers printed. It checks the measurement (every process found, memory read), not a speed.

use std::time::Duration;

use devnet_e2e::daemon::Daemon;
use devnet_e2e::supervise::{deploy_anvils, measure};

#[test]
fn the_supervision_bench_should_measure_the_daemon_beside_its_nodes() {
    let d = Daemon::start();
    deploy_anvils(&d, 3, "s").unwrap();
    assert_eq!(d.node_processes().len(), 3, "one anvil per devnet");
    let (daemon, nodes) = measure(&d, Duration::from_secs(3)).unwrap();
    eprintln!("sample: daemon {daemon:?}, nodes {nodes:?}");
    assert!(daemon.rss_bytes > 1 << 20, "the daemon's memory read: {daemon:?}");
    assert!(nodes.rss_bytes > 3 << 20, "three anvils' memory read: {nodes:?}");
    assert!(daemon.cpu_percent.is_finite() && nodes.cpu_percent.is_finite());
}
