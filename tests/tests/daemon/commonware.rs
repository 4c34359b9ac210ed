//! A Commonware devnet through devnetd: four alto validators (BLS12-381 threshold consensus)
//! from `dvb deploy --network commonware --validators 4`, their network keys and the consensus
//! group dealt by the host's keyring and written into their configs by the host (the plugin
//! declares no file access); every validator finalizes, the height read by the plugin from the
//! node's metrics agrees with the node's own; a SIGKILLed validator: the other three keep
//! finalizing without it, it is restarted and catches up; destroy leaves no process, port or
//! file. Requests alto cannot run are refused before anything is stored.

use std::os::unix::fs::PermissionsExt as _;
use std::time::{Duration, Instant};

use devnet_e2e::daemon::{Daemon, nodes, port};
use devnet_e2e::ports::is_listening;
use devnet_e2e::rpc::alto_finalized_height as finalized;
use devnet_e2e::wait_for;
use serde_json::Value;

#[test]
fn four_alto_validators_should_finalize_heal_a_killed_one_and_leave_nothing_behind() {
    // A killed node stays down 15 s before its restart: long enough to see the other three
    // finalize without it, even on a machine as loaded as the full suite makes it (5 s was not,
    // once: two finalizations of three validators, their dead peer's views timing out, took
    // longer while two Docker hosts and two IBC chains ran beside them).
    let mut d = Daemon::home_only();
    d.serve_with(&[("DEVNET_RESTART_BACKOFF_MS", "15000")]);
    let run = d.dvb(&[
        "deploy",
        "--name",
        "alto",
        "--network",
        "commonware",
        "--validators",
        "4",
    ]);
    assert!(run.ok, "{}\n{}\n{}", run.stdout, run.stderr, d.daemon_log());
    let s = d.status("alto");
    let spec = &s["devnet"]["spec"];
    assert_eq!(spec["binary"].as_str(), Some("alto-validator"), "{spec}");
    // The validator prints no version: the one the chain cache recorded.
    assert_eq!(
        s["devnet"]["status"]["detected_version"].as_str(),
        Some("2026.9.1"),
        "{s}"
    );

    // The keys are the host's: four network keys and one group of four shares, in the keyring.
    let dir = d.path().join("devnets/alto");
    let keyring: Value = serde_json::from_slice(&std::fs::read(dir.join("keyring.json")).unwrap()).unwrap();
    let group = &keyring["groups"][0];
    assert_eq!(
        (group["id"].as_str(), group["members"].as_u64()),
        (Some("consensus"), Some(4)),
        "{group}"
    );
    assert_eq!(group["shares"].as_array().map(Vec::len), Some(4));
    let ids: Vec<&str> = keyring["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "validator-0.p2p",
            "validator-1.p2p",
            "validator-2.p2p",
            "validator-3.p2p"
        ]
    );
    let polynomial = group["polynomial"].as_str().unwrap();
    for i in 0..4 {
        let config_path = dir.join(format!("chain/nodes/validator-{i}/alto.yaml"));
        let config = std::fs::read_to_string(&config_path).unwrap();
        assert_eq!(
            std::fs::metadata(&config_path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(config.contains(&format!("polynomial: \"{polynomial}\"")), "{config}");
        let share = config
            .lines()
            .find_map(|l| l.strip_prefix("share: "))
            .unwrap()
            .trim_matches('"');
        assert!(group["shares"].as_array().unwrap().iter().any(|s| s == share));
    }

    // Every validator finalizes; the height the daemon shows (read by the plugin) is the node's.
    let metrics: Vec<u16> = nodes(&s).iter().map(|n| port(n, "metrics")).collect();
    assert_eq!(metrics.len(), 4);
    wait_for("every validator past height 5", Duration::from_secs(120), || {
        let hs: Vec<u64> = metrics.iter().map(|p| finalized(*p).unwrap_or(0)).collect();
        Ok(hs.iter().all(|h| *h >= 5).then_some(hs))
    })
    .unwrap();
    wait_for("the daemon's heights from the plugin", Duration::from_secs(30), || {
        let s = d.status("alto");
        let ns = nodes(&s);
        let shown: Vec<u64> = ns.iter().map(|n| n["status"]["height"].as_u64().unwrap_or(0)).collect();
        let own: Vec<u64> = metrics.iter().map(|p| finalized(*p).unwrap_or(0)).collect();
        let agree = shown.iter().zip(&own).all(|(a, b)| *a >= 5 && a <= b);
        // Each validator connected to the other three, as its metrics say through the plugin.
        let peered = ns.iter().all(|n| n["status"]["peers"].as_u64() == Some(3));
        let running = ns.iter().all(|n| n["status"]["phase"] == "Running");
        Ok((agree && running && peered).then_some(()))
    })
    .unwrap();

    // SIGKILL validator 1: while it is down, the other three finalize on their own (3 of 4 is a
    // quorum); it comes back under a new pid and catches up.
    let victim = &nodes(&s)[1];
    let old_pid = victim["status"]["pid"].as_u64().unwrap();
    let others = [metrics[0], metrics[2], metrics[3]];
    let at_kill: Vec<u64> = others.iter().map(|p| finalized(*p).unwrap()).collect();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(old_pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let killed_at = Instant::now();
    let mut progressed_while_down = false;
    while killed_at.elapsed() < Duration::from_secs(30) && finalized(metrics[1]).is_err() {
        let now: Vec<u64> = others.iter().map(|p| finalized(*p).unwrap_or(0)).collect();
        if now.iter().zip(&at_kill).all(|(n, k)| *n >= k + 2) {
            progressed_while_down = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        progressed_while_down,
        "the other three did not finalize while validator-1 was down"
    );
    wait_for(
        "the killed validator back and caught up",
        Duration::from_secs(120),
        || {
            let s = d.status("alto");
            let n = &nodes(&s)[1];
            let back = n["status"]["pid"].as_u64().is_some_and(|p| p != old_pid);
            let top = finalized(metrics[0]).unwrap_or(0);
            let mine = finalized(metrics[1]).unwrap_or(0);
            Ok((back && mine > at_kill[0] + 5 && top.abs_diff(mine) <= 20).then_some(()))
        },
    )
    .unwrap();

    d.dvb_ok(&["destroy", "alto"]);
    assert!(d.node_processes().is_empty(), "{:?}", d.node_processes());
    for n in nodes(&s) {
        for p in [port(&n, "p2p"), port(&n, "metrics")] {
            assert!(!is_listening(p), "port {p} still bound after destroy");
        }
    }
    assert!(!dir.exists());
}

#[test]
fn commonware_requests_alto_cannot_run_should_be_refused_storing_nothing() {
    let d = Daemon::start();
    for (args, says) in [
        (
            &["--validators", "3", "--full-nodes", "1"][..],
            "alto has no full nodes",
        ),
        (
            &["--validators", "4", "--account", "alice=5stake"][..],
            "takes no transactions",
        ),
        (
            &["--validators", "4", "--set", "block-time=1s"][..],
            "unknown setting \"block-time\"",
        ),
        (
            &["--validators", "4", "--set", "worker-threads=0"][..],
            "a whole number from 1 to 64",
        ),
    ] {
        let mut all = vec!["deploy", "--name", "bad", "--network", "commonware"];
        all.extend_from_slice(args);
        let run = d.dvb(&all);
        assert!(!run.ok, "{args:?} was accepted");
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
    }
    let list = d.dvb_ok(&["list", "-o", "json"]).stdout;
    assert!(!list.contains("\"bad\""), "{list}");
    assert!(!d.path().join("devnets/bad").exists());
}
