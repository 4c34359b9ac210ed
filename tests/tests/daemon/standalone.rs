//! dvb with no daemon runs the host in-process; a devnetd started later adopts what it left
//! running. devnetd on SIGTERM exits cleanly, removes its socket and by default leaves the nodes
//! running; with `stop_nodes_on_exit` it stops them. A bad config file stops it from starting,
//! naming the setting.

use std::time::Duration;

use devnet_e2e::daemon::{Daemon, binary};
use devnet_e2e::wait_for;

fn pid_of(d: &Daemon, node: &str) -> u64 {
    let s = d.status("solo");
    s["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["meta"]["name"] == node)
        .and_then(|n| n["status"]["pid"].as_u64())
        .unwrap_or_else(|| panic!("{node} has no pid: {s}"))
}

#[test]
fn dvb_should_work_without_a_daemon_and_a_later_daemon_should_adopt_its_nodes() {
    let mut d = Daemon::home_only();
    let run = d.dvb_ok(&[
        "deploy",
        "--name",
        "solo",
        "--network",
        "cosmos",
        "--version",
        "v0.50",
        "--validators",
        "2",
        "--set",
        "block-time=1s",
    ]);
    assert!(run.stderr.contains("in-process"), "{}", run.stderr);
    assert_eq!(d.dvb_ok(&["daemon", "status", "-o", "json"]).json()["running"], false);
    // Standalone reads see the chain move (they ask the nodes themselves).
    let h1 = d.status("solo")["devnet"]["status"]["height"].as_u64().unwrap();
    wait_for("standalone status to show new blocks", Duration::from_secs(30), || {
        Ok((d.status("solo")["devnet"]["status"]["height"].as_u64().unwrap() > h1).then_some(()))
    })
    .unwrap();
    let pid = pid_of(&d, "solo/validator-0");
    // The log comes through the same StreamLogs call a daemon serves, here served in-process.
    let logs = d.dvb_ok(&["nodes", "logs", "solo/validator-0", "--lines", "20"]).stdout;
    assert!(
        logs.lines().count() >= 5 && logs.contains("height"),
        "a standalone `dvb nodes logs` shows the node's own log:\n{logs}"
    );

    // A daemon on the same home adopts the nodes: same processes, nothing started twice.
    d.serve();
    wait_for("adoption", Duration::from_secs(30), || {
        let events = d.dvb_ok(&["events", "--devnet", "solo/", "-o", "json"]).stdout;
        Ok((events.matches("\"Adopted\"").count() == 2).then_some(()))
    })
    .unwrap();
    assert_eq!(pid_of(&d, "solo/validator-0"), pid);
    assert_eq!(d.node_processes().len(), 2);
    // --standalone while a daemon holds the store is refused, saying why.
    let forced = d.dvb(&["--standalone", "list"]);
    assert!(
        !forced.ok && forced.stderr.contains("in use by another process"),
        "{}",
        forced.stderr
    );

    // SIGTERM: a clean exit, the socket gone, the nodes still running.
    assert!(d.terminate().success(), "{}", d.daemon_log());
    assert!(!d.path().join("devnetd.sock").exists());
    assert_eq!(d.node_processes().len(), 2, "nodes stopped with the daemon by default");
    assert_eq!(pid_of(&d, "solo/validator-0"), pid);

    // With stop_nodes_on_exit the nodes go with the daemon, and the next one starts them again.
    std::fs::write(d.path().join("devnetd.toml"), "stop_nodes_on_exit = true\n").unwrap();
    d.serve();
    let config = d.dvb_ok(&["daemon", "config", "-o", "json"]).json();
    let from = config["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "stop_nodes_on_exit")
        .map(|s| s["from"].as_str().unwrap_or("").to_string());
    assert!(from.as_deref().is_some_and(|f| f.starts_with("file")), "{config}");
    assert!(d.terminate().success());
    assert!(d.node_processes().is_empty(), "stop_nodes_on_exit left nodes running");
    d.serve();
    wait_for("the nodes started again", Duration::from_secs(60), || {
        let s = d.status("solo");
        Ok((s["devnet"]["status"]["phase"] == "Running" && d.node_processes().len() == 2).then_some(()))
    })
    .unwrap();
    d.kill9();

    // A config with a misspelt setting: devnetd refuses to start and names it.
    std::fs::write(d.path().join("devnetd.toml"), "restart_limt = 3\n").unwrap();
    let out = std::process::Command::new(binary("devnetd"))
        .arg("--home")
        .arg(d.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("restart_limt") && err.contains("restart_limit"),
        "{err}"
    );
    std::fs::remove_file(d.path().join("devnetd.toml")).unwrap();
    d.dvb_ok(&["destroy", "solo"]);
    assert!(d.node_processes().is_empty());
}
