//! `kill -9` of devnetd in the middle of a deploy, then a new devnetd on the same home: the
//! devnet converges with every node running exactly once and no orphan process. Two devnets, two
//! kills: one as soon as the deploy is under way (during provisioning when the poll catches it),
//! one right after the first node was started (when the rest may not be yet); then a node whose
//! start was never recorded, which must be found by its marker and adopted.

use std::time::Duration;

use devnet_e2e::daemon::Daemon;
use devnet_e2e::wait_for;
use devnet_runtime::marked_leaders;

fn deploy_args(name: &str) -> Vec<&str> {
    vec![
        "deploy",
        "--name",
        name,
        "--network",
        "cosmos",
        "--version",
        "v0.50",
        "--validators",
        "3",
        "--set",
        "block-time=1s",
        "--no-wait",
    ]
}

/// Every node of `devnet` runs exactly once, as its status records, and the home has no other
/// node process.
fn assert_converged(d: &Daemon, devnets: &[&str]) {
    let mut expected = Vec::new();
    for devnet in devnets {
        let s = wait_for(
            &format!("{devnet} Running past height 2"),
            Duration::from_secs(90),
            || {
                let s = d.status(devnet);
                let ok =
                    s["devnet"]["status"]["phase"] == "Running" && s["devnet"]["status"]["height"].as_u64() >= Some(2);
                Ok(ok.then_some(s))
            },
        )
        .unwrap_or_else(|e| panic!("{e}\n{}", devnet_e2e::daemon::tail(&d.daemon_log(), 30)));
        let nodes = s["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 3, "duplicate or missing node objects: {s}");
        for n in nodes {
            let name = n["meta"]["name"].as_str().unwrap();
            let marker = format!("{}#{name}", d.path().display());
            let running: Vec<u32> = marked_leaders("DEVNETD_NODE", &marker)
                .into_iter()
                .map(|p| p.pid)
                .collect();
            assert_eq!(running.len(), 1, "{name} runs {} times: {running:?}", running.len());
            assert_eq!(
                n["status"]["pid"].as_u64(),
                Some(u64::from(running[0])),
                "{name}'s recorded pid"
            );
            expected.push(running[0]);
        }
    }
    let mut all = d.node_processes();
    all.sort();
    expected.sort();
    assert_eq!(all, expected, "node processes the devnets do not account for");
}

#[test]
fn a_daemon_killed_mid_deploy_should_converge_after_a_restart_with_no_orphan_or_duplicate() {
    let mut d = Daemon::start();

    // Kill as soon as the deploy is under way.
    d.dvb_ok(&deploy_args("one"));
    let phase = wait_for("one to leave Pending", Duration::from_secs(30), || {
        let phase = d.status("one")["devnet"]["status"]["phase"]
            .as_str()
            .unwrap_or("")
            .to_string();
        Ok((phase != "Pending").then_some(phase))
    })
    .unwrap();
    d.kill9();
    eprintln!("first kill: devnet `one` was {phase}");
    d.serve();
    assert_converged(&d, &["one"]);

    // Kill right after the first node of a second devnet started.
    d.dvb_ok(&deploy_args("two"));
    wait_for("a node of two started", Duration::from_secs(30), || {
        let events = d.dvb_ok(&["events", "--devnet", "two/", "-o", "json"]).stdout;
        Ok(events.contains("\"Started\"").then_some(()))
    })
    .unwrap();
    d.kill9();
    let started_before_kill = d.node_processes().len();
    eprintln!("second kill: {started_before_kill} node processes of the home were running");
    d.serve();
    assert_converged(&d, &["one", "two"]);

    // The narrowest window: a node started but its pid never recorded (the daemon died between
    // the two). Made exactly by erasing the record while no daemon runs; the next daemon must
    // find the process by its marker and adopt it, not start a second one.
    d.kill9();
    let victim = "two/validator-1";
    let pid = {
        let store = devnet_store::Store::open(&d.path().join("state.redb")).unwrap();
        let mut node = store.get::<devnet_core::Node>(victim).unwrap().unwrap();
        let pid = node.status.pid.take().unwrap();
        node.status.start_ticks = None;
        node.status.phase = devnet_core::NodePhase::Pending;
        store.write(|tx| tx.update(node)).unwrap();
        pid
    };
    d.serve();
    assert_converged(&d, &["one", "two"]);
    assert_eq!(
        d.status("two")["nodes"][1]["status"]["pid"].as_u64(),
        Some(u64::from(pid)),
        "not adopted"
    );
    let events = d.dvb_ok(&["events", "--devnet", victim, "-o", "json"]).stdout;
    assert!(events.lines().last().unwrap_or("").contains("\"Adopted\""), "{events}");

    d.dvb_ok(&["destroy", "one"]);
    d.dvb_ok(&["destroy", "two"]);
    assert!(d.node_processes().is_empty());
}
