//! One daemon, two devnets at once, of two SDK lines (v0.50 and v0.53): each makes blocks on its
//! own ports, none shared, each is its own chain (its own chain id and genesis), and each reports
//! the SDK version the plugin detected from its own binary.

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
        "v0.53",
        "--validators",
        "1",
        "--full-nodes",
        "1",
        "--set",
        "block-time=1s",
        "--no-wait",
    ]);
    let mut seen = HashSet::new();
    for (name, line) in [("left", "v0.50."), ("right", "v0.53.")] {
        let s = wait_for(&format!("{name} at height 3"), Duration::from_secs(90), || {
            let s = d.status(name);
            Ok((s["devnet"]["status"]["height"].as_u64() >= Some(3)).then_some(s))
        })
        .unwrap();
        assert_eq!(s["devnet"]["spec"]["chain_id"], format!("{name}-1"));
        let detected = s["devnet"]["status"]["detected_version"].as_str().unwrap_or_default();
        assert!(detected.starts_with(line), "{name} detected {detected:?}, not {line}x");
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
