//! Local processes for real: a process group stopped whole without zombies, a process that
//! ignores SIGTERM killed after the grace period, adoption by pid and start time, exit codes,
//! and log rotation while the writer keeps writing.
//!
//! The processes are `sh` scripts standing in for nodes: what is tested is the supervision, not
//! a chain. The one that ignores SIGTERM is fault injection a real node does not offer on cue.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use devnet_runtime::{Exit, LocalProcess, ProcessId, ProcessSpec, group_members, marked_leaders, rotate_log};

fn sh(dir: &Path, name: &str, script: &str) -> ProcessSpec {
    ProcessSpec {
        name: name.into(),
        program: "/bin/sh".into(),
        args: vec!["-c".into(), script.into()],
        env: vec![("NODE".into(), name.into())],
        cwd: dir.to_path_buf(),
        log: dir.join(format!("logs/{name}.log")),
    }
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_stop_should_end_the_whole_group_and_leave_no_zombie() {
    let dir = tempfile::tempdir().unwrap();
    // A node that starts a helper of its own: the stop must reach it too.
    let mut p = LocalProcess::spawn(&sh(dir.path(), "node0", "sleep 300 & echo started $NODE; wait")).unwrap();
    let log = dir.path().join("logs/node0.log");
    wait_until("the log line", || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("started node0")
    });
    assert_eq!(group_members(p.id.pid).len(), 2, "sh and its sleep");
    assert_eq!(p.exited(), None);
    let exit = p.stop(Duration::from_secs(5));
    assert_eq!(exit, Exit::Signal(15));
    assert!(group_members(p.id.pid).is_empty());
    assert!(ProcessId::of(p.id.pid).is_none(), "the leader is gone, not a zombie");
}

#[test]
fn a_process_that_ignores_sigterm_should_be_killed_after_the_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let script = "trap '' TERM; echo ready; while :; do sleep 1; done";
    let mut p = LocalProcess::spawn(&sh(dir.path(), "stubborn", script)).unwrap();
    let log = dir.path().join("logs/stubborn.log");
    wait_until("the trap", || {
        std::fs::read_to_string(&log).unwrap_or_default().contains("ready")
    });
    let start = Instant::now();
    let exit = p.stop(Duration::from_millis(800));
    assert!(
        start.elapsed() >= Duration::from_millis(800),
        "killed before the grace period ended"
    );
    assert_eq!(exit, Exit::Signal(9));
    assert!(group_members(p.id.pid).is_empty());
}

#[test]
fn a_restarted_daemon_should_adopt_its_process_and_never_a_pid_reuser() {
    let dir = tempfile::tempdir().unwrap();
    let p = LocalProcess::spawn(&sh(dir.path(), "node1", "exec sleep 300")).unwrap();
    // The daemon goes away and leaves the node running; what it recorded is the pid and start.
    let recorded = p.detach();
    assert!(recorded.is_alive());
    let mut adopted = LocalProcess::adopt("node1", recorded).expect("the same process");
    assert_eq!(adopted.exited(), None);
    // Another process that happened to get this pid would have another start time.
    let impostor = ProcessId {
        pid: recorded.pid,
        start_ticks: recorded.start_ticks + 1,
    };
    assert!(LocalProcess::adopt("node1", impostor).is_none());
    adopted.stop(Duration::from_secs(5));
    wait_until("the adopted process to be gone", || !recorded.is_alive());
    assert!(LocalProcess::adopt("node1", recorded).is_none());
}

#[test]
fn an_exit_code_should_be_reported_and_a_missing_program_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = LocalProcess::spawn(&sh(dir.path(), "crash", "echo boom >&2; exit 3")).unwrap();
    wait_until("the exit", || p.exited().is_some());
    assert_eq!(p.exited(), Some(Exit::Code(3)));
    assert!(
        std::fs::read_to_string(dir.path().join("logs/crash.log"))
            .unwrap()
            .contains("boom")
    );

    let mut missing = sh(dir.path(), "ghost", "");
    missing.program = dir.path().join("no-such-binary");
    let err = LocalProcess::spawn(&missing).err().unwrap().to_string();
    // One that is gone before the runtime looks at /proc is still a process it started.
    for _ in 0..20 {
        let mut quick = LocalProcess::spawn(&sh(dir.path(), "quick", "exit 0")).unwrap();
        wait_until("the quick exit", || quick.exited().is_some());
    }
    assert!(err.contains("ghost") && err.contains("no-such-binary"), "{err}");
}

#[test]
fn a_log_should_rotate_while_its_node_keeps_writing() {
    let dir = tempfile::tempdir().unwrap();
    let script = "i=0; while :; do i=$((i+1)); echo line $i; sleep 0.01; done";
    let mut p = LocalProcess::spawn(&sh(dir.path(), "chatty", script)).unwrap();
    let log = dir.path().join("logs/chatty.log");
    let size = || std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
    let numbered = |n: u32| dir.path().join(format!("logs/chatty.log.{n}"));
    for round in 1..=3 {
        wait_until("the log to grow", || size() > 200);
        assert!(rotate_log(&log, 200, 2).unwrap(), "round {round}");
        assert!(numbered(1).exists());
    }
    assert!(numbered(2).exists());
    assert!(!numbered(3).exists(), "keeps 2");
    // The node went on writing into the truncated file, from its start (append mode: no hole).
    wait_until("new lines", || size() > 0);
    let text = std::fs::read(&log).unwrap();
    assert_ne!(text[0], 0, "a hole of zeros: the writer kept its old offset");
    assert!(!rotate_log(&log, u64::MAX, 2).unwrap());
    p.stop(Duration::from_secs(5));
}

#[test]
fn a_marked_leader_should_be_found_by_its_marker_and_no_other() {
    let dir = tempfile::tempdir().unwrap();
    let marker = format!("{}/hub/validator-0", dir.path().display());
    let mut spec = sh(dir.path(), "marked", "sleep 300 & wait");
    spec.env.push(("DEVNETD_NODE".into(), marker.clone()));
    let mut marked = LocalProcess::spawn(&spec).unwrap();
    let mut other = sh(dir.path(), "other", "sleep 300 & wait");
    other.env.push(("DEVNETD_NODE".into(), format!("{marker}-not")));
    let mut unmarked = LocalProcess::spawn(&other).unwrap();
    wait_until("both groups", || {
        group_members(marked.id.pid).len() == 2 && group_members(unmarked.id.pid).len() == 2
    });
    // The leader alone (its sleep inherits the marker but leads no group), and not the other.
    assert_eq!(marked_leaders("DEVNETD_NODE", &marker), vec![marked.id]);
    marked.stop(Duration::from_secs(5));
    unmarked.stop(Duration::from_secs(5));
    assert!(marked_leaders("DEVNETD_NODE", &marker).is_empty());
}
