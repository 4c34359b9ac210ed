//! One daemon, two devnets at once: each makes blocks on its own ports, none shared, and each
//! is its own chain (its own chain id and genesis).
//!
//! The issue asks for a v0.50 and a v0.53 devnet side by side; no v0.53 simapp can be built on
//! this machine (README, "simd v0.53"), so both are v0.50 with different shapes.

use std::collections::HashSet;
use std::time::Duration;

use devnet_e2e::daemon::Daemon;
use devnet_e2e::wait_for;

#[test]
fn two_devnets_in_one_daemon_should_run_at_once_without_a_port_clash() {
    let d = Daemon::start();
    d.dvb_ok(&[
        "deploy",
        "--name",
        "left",
        "--network",
        "cosmos",
        "--version",
        "v0.50",
        "--validators",
        "2",
        "--set",
        "block-time=1s",
        "--no-wait",
    ]);
    d.dvb_ok(&[
        "deploy",
        "--name",
        "right",
        "--network",
        "cosmos",
        "--version",
        "v0.50.15",
        "--validators",
        "1",
        "--full-nodes",
        "1",
        "--set",
        "block-time=1s",
        "--no-wait",
    ]);
    let mut seen = HashSet::new();
    for name in ["left", "right"] {
        let s = wait_for(&format!("{name} at height 3"), Duration::from_secs(90), || {
            let s = d.status(name);
            Ok((s["devnet"]["status"]["height"].as_u64() >= Some(3)).then_some(s))
        })
        .unwrap();
        assert_eq!(s["devnet"]["spec"]["chain_id"], format!("{name}-1"));
        for n in s["nodes"].as_array().unwrap() {
            for p in n["spec"]["ports"].as_array().unwrap() {
                let port = p["port"].as_u64().unwrap();
                assert!(seen.insert(port), "port {port} given twice");
            }
        }
    }
    assert_eq!(seen.len(), 16, "4 nodes x 4 ports");
    // Both keep going at the same time.
    let now: Vec<u64> = ["left", "right"]
        .iter()
        .map(|n| d.status(n)["devnet"]["status"]["height"].as_u64().unwrap())
        .collect();
    wait_for("both devnets to make 2 more blocks", Duration::from_secs(30), || {
        let later: Vec<u64> = ["left", "right"]
            .iter()
            .map(|n| d.status(n)["devnet"]["status"]["height"].as_u64().unwrap())
            .collect();
        Ok((later[0] >= now[0] + 2 && later[1] >= now[1] + 2).then_some(()))
    })
    .unwrap();
    let list = d.dvb_ok(&["list"]).stdout;
    assert!(list.contains("left") && list.contains("right"), "{list}");
}
