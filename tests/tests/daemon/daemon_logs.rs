//! devnetd's own log (`--log-format json|text`, `dvb daemon logs [-f]`): each line logged while
//! working on a devnet names it and the node it concerns; `-f` follows what it writes next.

use std::io::Read as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use devnet_e2e::daemon::{Daemon, binary};
use devnet_e2e::wait_for;

fn deploy_anvil(d: &Daemon) {
    d.dvb_ok(&["deploy", "--name", "eth", "--network", "evm", "--set", "client=anvil"]);
}

#[test]
fn json_logs_should_name_the_devnet_and_node_of_each_line() {
    let mut d = Daemon::home_only();
    d.serve_with(&[("DEVNET_LOG_FORMAT", "json")]);
    deploy_anvil(&d);
    let log = d.dvb_ok(&["daemon", "logs", "-n", "1000"]).stdout;
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect();
    assert!(!lines.is_empty());
    let started = lines
        .iter()
        .find(|l| l["fields"]["reason"] == "Started")
        .unwrap_or_else(|| panic!("no Started line in:\n{log}"));
    assert_eq!(started["span"]["devnet"], "eth", "{started}");
    assert_eq!(started["span"]["node"], "validator-0", "{started}");
    assert!(
        started["fields"]["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("pid "),
        "{started}"
    );
    // The file is the same text dvb printed.
    let file = std::fs::read_to_string(d.path().join("devnetd.log")).unwrap();
    assert!(file.contains(log.lines().next().unwrap()));
}

#[test]
fn text_logs_should_be_followed_by_dvb_daemon_logs() {
    let d = Daemon::start();
    deploy_anvil(&d);
    let log = d.dvb_ok(&["daemon", "logs"]).stdout;
    assert!(
        log.contains("node{devnet=eth node=validator-0}") && log.contains("Started"),
        "{log}"
    );
    assert!(!log.contains('\u{1b}'), "no terminal colours in the file: {log}");

    // -f: what the daemon writes after the command started arrives (once it has printed the
    // last line there was, it follows).
    let mut follow = Command::new(binary("dvb"))
        .args(["--home", &d.path().display().to_string()])
        .args(["daemon", "logs", "-f", "-n", "1"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = follow.stdout.take().unwrap();
    let (lines, got) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 || lines.send(String::from_utf8_lossy(&buf[..n]).into_owned()).is_err() {
                return;
            }
        }
    });
    let mut followed = got.recv_timeout(Duration::from_secs(10)).expect("the last line first");
    d.dvb_ok(&["stop", "eth"]);
    wait_for("the stop, followed", Duration::from_secs(10), || {
        while let Ok(more) = got.try_recv() {
            followed.push_str(&more);
        }
        Ok(followed.contains("reason=Stopped").then_some(()))
    })
    .unwrap();
    follow.kill().unwrap();
    let _ = follow.wait();
    let first = log.lines().next().unwrap();
    assert!(
        !followed.contains(first),
        "the last line, then only what came after: {followed}"
    );
}
