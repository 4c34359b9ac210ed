//! What `dvb` waits for, and when it stops waiting: a deploy whose node has Failed (restarted up
//! to the limit) ends at once with the node's reason, not at the end of its timeout; a dvb run
//! while devnetd is still starting (store held, socket not served yet) waits for that daemon
//! instead of falling back to standalone and failing on the store.

use std::time::{Duration, Instant};

use devnet_e2e::daemon::Daemon;
use devnet_e2e::wait_for;

#[test]
fn a_deploy_should_end_as_soon_as_a_node_has_failed_and_say_why() {
    let mut d = Daemon::home_only();
    d.serve_with(&[("DEVNET_RESTART_LIMIT", "1"), ("DEVNET_RESTART_BACKOFF_MS", "200")]);
    // A genesis simd cannot read: the node exits at every start, then is given up on.
    let started = Instant::now();
    let run = d.dvb(&[
        "deploy",
        "--name",
        "broken",
        "--network",
        "cosmos",
        "--version",
        "v0.50",
        "--set",
        "genesis.initial_height=\"not a number\"",
        "--timeout",
        "600",
    ]);
    let waited = started.elapsed();
    assert!(!run.ok, "the deploy succeeded:\n{}", run.stdout);
    assert!(
        run.stderr.contains("node validator-0 failed") && run.stderr.contains("dvb nodes logs broken/validator-0"),
        "{}",
        run.stderr
    );
    let node = d.dvb_ok(&["nodes", "list", "broken", "-o", "json"]).json();
    assert_eq!(node[0]["status"]["phase"], "Failed", "{node}");
    // The reason shown is the node's own.
    let reason = node[0]["status"]["message"].as_str().unwrap_or_default();
    assert!(
        !reason.is_empty() && run.stderr.contains(reason),
        "{reason:?} not in:\n{}",
        run.stderr
    );
    assert!(
        waited < Duration::from_secs(300),
        "the deploy waited {waited:?}, most of its 600 s timeout, after the node failed"
    );
}

#[test]
fn dvb_should_wait_for_a_devnetd_that_is_still_starting() {
    let mut d = Daemon::home_only();
    // devnetd holds its store for 30 s after installing its plugins before it serves.
    d.spawn_with(&[
        ("DEVNETD_TEST_PAUSE_AT", "starting"),
        ("DEVNETD_TEST_PAUSE_FOR_MS", "30000"),
    ]);
    wait_for("devnetd to reach its start pause", Duration::from_secs(120), || {
        Ok(d.daemon_log()
            .contains("test pause point starting reached")
            .then_some(()))
    })
    .unwrap();
    assert!(!d.path().join("devnetd.sock").exists(), "served before the pause ended");

    let run = d.dvb(&["list", "-o", "json"]);
    assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.json(), serde_json::json!([]));
    assert!(
        run.stderr.contains("waiting for the devnetd starting"),
        "{}",
        run.stderr
    );
    // The daemon serves now, the one that was starting.
    let status = d.dvb_ok(&["daemon", "status", "-o", "json"]).json();
    assert_eq!(status["running"], true, "{status}");
}

#[test]
fn a_deploy_should_show_a_progress_line_on_a_terminal_and_plain_lines_elsewhere() {
    let d = Daemon::start();
    // On a terminal (util-linux `script` gives dvb one): the spinner's line with the elapsed
    // time and the nodes running, redrawn in place, the changes printed above it.
    let command = format!(
        "{} --home {} deploy --name tty --network evm --set client=anvil",
        devnet_e2e::daemon::binary("dvb").display(),
        d.path().display()
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("DVB_NO_PROGRESS")
        .output()
        .expect("script (util-linux) runs");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{shown}");
    assert!(
        shown.contains("[00:00:0") && shown.contains("nodes running") && shown.contains("\x1b[2K"),
        "no progress line on a terminal: {shown}"
    );
    assert!(shown.contains("first block: height"), "{shown}");
    // Not a terminal: plain lines, nothing redrawn.
    let plain = d.dvb_ok(&["deploy", "--name", "piped", "--network", "evm", "--set", "client=anvil"]);
    assert!(
        plain.stderr.contains("] first block: height") && !plain.stderr.contains('\x1b'),
        "{}",
        plain.stderr
    );
    d.dvb_ok(&["destroy", "tty"]);
    d.dvb_ok(&["destroy", "piped"]);
}
