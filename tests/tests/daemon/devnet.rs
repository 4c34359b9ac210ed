//! devnetd and dvb over a real 4-validator + 1 full-node simd v0.50 devnet: it makes blocks with
//! every node at one height; a validator killed with SIGKILL is restarted and catches up; stop,
//! start and destroy leave no process, no bound port, and after destroy no file.

use std::time::Duration;

use devnet_e2e::daemon::{Daemon, all_ports, heights, node};
use devnet_e2e::ports::is_listening;
use devnet_e2e::wait_for;

#[test]
fn a_devnet_should_make_blocks_heal_a_killed_validator_and_leave_nothing_behind() {
    let d = Daemon::start();
    let deploy = d.dvb_ok(&[
        "deploy",
        "--name",
        "hub",
        "--network",
        "cosmos",
        "--version",
        "v0.50",
        "--validators",
        "4",
        "--full-nodes",
        "1",
        "--set",
        "block-time=1s",
    ]);
    assert!(
        deploy.stderr.contains("first block"),
        "no progress shown:\n{}",
        deploy.stderr
    );

    // Every node at one height (within 2 blocks), past the first blocks.
    let s = wait_for(
        "5 nodes at height >= 3 within 2 blocks",
        Duration::from_secs(60),
        || {
            let s = d.status("hub");
            let h = heights(&s);
            let ok =
                h.len() == 5 && h.iter().all(|x| *x >= 3) && h.iter().max().unwrap() - h.iter().min().unwrap() <= 2;
            Ok(ok.then_some(s))
        },
    )
    .unwrap();
    assert_eq!(s["devnet"]["status"]["phase"], "Running", "{s}");
    assert_eq!(
        s["devnet"]["status"]["detected_version"].as_str().unwrap().get(..5),
        Some("v0.50")
    );
    assert_eq!(d.node_processes().len(), 5, "one process group per node");
    let all_ports = all_ports(&s);
    assert_eq!(all_ports.len(), 20);
    let health = d.dvb_ok(&["nodes", "health", "hub", "-o", "json"]).json();
    assert_eq!(health["nodes"].as_array().unwrap().len(), 5);

    // SIGKILL a validator: it is restarted, and catches up with the others.
    let victim = "hub/validator-2";
    let old_pid = node(&s, victim)["status"]["pid"].as_u64().unwrap();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(old_pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let killed_at = heights(&s).into_iter().max().unwrap();
    wait_for(
        "the killed validator restarted and caught up",
        Duration::from_secs(90),
        || {
            let s = d.status("hub");
            let v = node(&s, victim);
            let others = heights(&s).into_iter().max().unwrap_or(0);
            let h = v["status"]["height"].as_u64().unwrap_or(0);
            let ok = v["status"]["pid"].as_u64().is_some_and(|p| p != old_pid)
                && v["status"]["restarts"].as_u64() >= Some(1)
                && h > killed_at + 1
                && others - h <= 1;
            Ok(ok.then_some(()))
        },
    )
    .unwrap();
    let events = d
        .dvb_ok(&["events", "--devnet", "hub/validator-2", "-o", "json"])
        .stdout;
    assert!(
        events.contains("\"Crashed\"") && events.contains("\"Restarted\""),
        "{events}"
    );

    // Stop: no process, no bound port; the files stay.
    d.dvb_ok(&["stop", "hub"]);
    assert!(
        d.node_processes().is_empty(),
        "node processes survived the stop: {:?}",
        d.node_processes()
    );
    for p in &all_ports {
        assert!(!is_listening(*p), "port {p} still bound after stop");
    }
    let s = d.status("hub");
    assert_eq!(s["devnet"]["status"]["phase"], "Stopped");
    let stopped_at = s["devnet"]["status"]["height"].as_u64().unwrap();
    assert!(d.path().join("devnets/hub/chain/genesis.json").exists());

    // Start: the same chain goes on from where it stopped.
    d.dvb_ok(&["start", "hub"]);
    let s = d.status("hub");
    assert_eq!(s["devnet"]["status"]["phase"], "Running", "{s}");
    assert!(s["devnet"]["status"]["height"].as_u64().unwrap() > stopped_at);
    assert_eq!(d.node_processes().len(), 5);

    // Destroy: nothing left.
    d.dvb_ok(&["destroy", "hub"]);
    assert!(d.node_processes().is_empty(), "node processes survived destroy");
    for p in &all_ports {
        assert!(!is_listening(*p), "port {p} still bound after destroy");
    }
    assert!(
        !d.path().join("devnets/hub").exists(),
        "the devnet's files survived destroy"
    );
    assert_eq!(d.dvb_ok(&["list", "-o", "json"]).json(), serde_json::json!([]));
    let gone = d.dvb(&["status", "hub"]);
    assert!(
        !gone.ok && gone.stderr.contains("no devnet named \"hub\""),
        "{}",
        gone.stderr
    );
}
