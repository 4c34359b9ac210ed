//! A devnet spread over two Docker hosts (`[[docker.hosts]]`, `dvb deploy --runtime docker
//! --hosts a,b`), each host a network namespace of this machine with its own dockerd on TCP
//! with mutual TLS (devnet_e2e::docker_hosts): the nodes' files reach each host through the
//! Docker API, their peers are the other host's address, and the daemon reaches every node at
//! 127.0.0.1 as for any other. A host that stops makes the devnet Degraded, naming it, and
//! the devnet recovers when it returns; a restarted daemon adopts every container; destroy
//! leaves nothing on either host.

use std::collections::BTreeMap;
use std::time::Duration;

use devnet_e2e::daemon::{Daemon, all_ports, heights, node, nodes, port};
use devnet_e2e::docker_hosts::NsHosts;
use devnet_e2e::ports::is_listening;
use devnet_e2e::wait_for;

/// Each node's Docker host, by node name.
fn placed(status: &serde_json::Value) -> BTreeMap<String, String> {
    nodes(status)
        .iter()
        .map(|n| {
            (
                n["meta"]["name"].as_str().unwrap_or_default().to_string(),
                n["spec"]["docker_host"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect()
}

fn refused(run: &devnet_e2e::daemon::Run, says: &[&str]) {
    assert!(!run.ok, "accepted: {}", run.stdout);
    for s in says {
        assert!(run.stderr.contains(s), "expected {s:?} in: {}", run.stderr);
    }
}

#[test]
fn a_cosmos_devnet_split_over_two_docker_hosts_should_make_blocks_degrade_with_a_host_and_recover() {
    let hosts = NsHosts::start(&["a", "b"]).unwrap_or_else(|e| panic!("{e}"));
    let mut d = Daemon::home_only();
    std::fs::write(d.path().join("devnetd.toml"), hosts.config()).unwrap();
    d.serve();
    let home = d.path().display().to_string();
    let label = format!("label=dev.devnet-builder.home={home}");

    // Refused before anything is stored: a host devnetd.toml does not list, one whose
    // certificate does not verify, a node the devnet does not have.
    let deploy = |extra: &[&str]| {
        let mut args = vec!["deploy", "--name", "hub", "--network", "cosmos", "--version", "v0.53"];
        args.extend_from_slice(&["--runtime", "docker", "--set", "block-time=1s"]);
        args.extend_from_slice(extra);
        d.dvb(&args)
    };
    refused(
        &deploy(&["--hosts", "c"]),
        &["no Docker host named c", "a, b, stranger"],
    );
    refused(
        &deploy(&["--hosts", "stranger"]),
        &["Docker host stranger", "does not answer", "certificate"],
    );
    refused(
        &deploy(&["--hosts", "a,b", "--place", "validator-7=a"]),
        &["validator-7", "validator-0 to validator-0"],
    );
    refused(&deploy(&["--place", "validator-0=a"]), &["give docker.hosts too"]);
    assert_eq!(d.dvb_ok(&["list", "-o", "json"]).json(), serde_json::json!([]));

    // Four validators, two on each host: they agree on blocks only if they reach each other
    // across the hosts; the daemon reads their heights through the forwarded ports.
    let run = deploy(&[
        "--validators",
        "4",
        "--hosts",
        "a,b",
        "--place",
        "validator-0=b",
        "--place",
        "validator-1=a",
    ]);
    assert!(run.ok, "{}", run.stderr);
    let s = d.wait_heights("hub", 4, 3, Duration::from_secs(120));
    let placed = placed(&s);
    let on = |host: &str| placed.values().filter(|h| *h == host).count();
    // Round robin would give validator-0 and -2 to a, -1 and -3 to b; --place swaps 0 and 1.
    let want: BTreeMap<String, String> = [("0", "b"), ("1", "a"), ("2", "a"), ("3", "b")]
        .iter()
        .map(|(i, h)| (format!("hub/validator-{i}"), h.to_string()))
        .collect();
    assert_eq!(placed, want);
    for (host, count) in [("a", on("a")), ("b", on("b"))] {
        let running = hosts.lines(host, &["ps", "-q", "--filter", &label]);
        assert_eq!(running.len(), count, "containers on {host}");
        let volumes = hosts.lines(host, &["volume", "ls", "-q", "--filter", &label]);
        assert_eq!(volumes.len(), count, "volumes on {host}");
    }
    // A node's peers are named by their hosts' addresses.
    let config =
        std::fs::read_to_string(d.path().join("devnets/hub/chain/nodes/validator-1/config/config.toml")).unwrap();
    let peer_on_b = format!(
        "{}:{}",
        hosts.host("b").address,
        port(node(&s, "hub/validator-0"), "p2p")
    );
    assert!(
        config.contains(&peer_on_b),
        "no {peer_on_b} in validator-1's config.toml"
    );
    // Exports and upgrades work on files here: refused, saying why.
    refused(
        &d.dvb(&["export", "create", "hub"]),
        &["Docker hosts a, b", "not built yet"],
    );

    // devnetd killed: the next one adopts every container on both hosts (none doubled, none
    // replaced) and forwards their ports again (the heights it reads come through them).
    let ids = || {
        ["a", "b"].map(|h| {
            let mut ids = hosts.lines(h, &["ps", "-q", "--no-trunc", "--filter", &label]);
            ids.sort();
            ids
        })
    };
    let before = ids();
    let top = heights(&d.status("hub")).into_iter().max().unwrap_or(0);
    d.kill9();
    d.serve();
    wait_for(
        "every node's height read again past the kill",
        Duration::from_secs(60),
        || {
            let h = heights(&d.status("hub"));
            Ok((h.len() == 4 && h.iter().all(|x| *x > top)).then_some(()))
        },
    )
    .unwrap();
    assert_eq!(ids(), before, "the containers after the restart");

    // Host b goes away with two of the four validators: the devnet is Degraded, naming the
    // host, and the chain halts (2 of 4 is not more than 2/3 of the power).
    hosts.stop("b");
    let s = wait_for("the devnet Degraded for host b", Duration::from_secs(60), || {
        let s = d.status("hub");
        let ok = s["devnet"]["status"]["phase"] == "Degraded"
            && ["hub/validator-0", "hub/validator-3"]
                .iter()
                .all(|n| node(&s, n)["status"]["phase"] == "Unknown");
        Ok(ok.then_some(s))
    })
    .unwrap();
    let message = s["devnet"]["status"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("b (tcp://"), "{message}");
    let on_a = |s: &serde_json::Value| node(s, "hub/validator-1")["status"]["height"].as_u64().unwrap_or(0);
    std::thread::sleep(Duration::from_secs(3));
    let height = on_a(&d.status("hub"));
    std::thread::sleep(Duration::from_secs(8));
    let later = on_a(&d.status("hub"));
    assert!(
        later <= height + 1,
        "the chain went on from {height} to {later} with half its power away"
    );

    // b returns: its validator runs again (a new container on its kept volume) and catches up.
    hosts.restart("b").unwrap_or_else(|e| panic!("{e}"));
    wait_for(
        "all 4 running again, validator-3 caught up",
        Duration::from_secs(90),
        || {
            let s = d.status("hub");
            let h = heights(&s);
            let top = h.iter().copied().max().unwrap_or(0);
            let ok = s["devnet"]["status"]["phase"] == "Running"
                && node(&s, "hub/validator-3")["status"]["phase"] == "Running"
                && h.len() == 4
                && h.iter().all(|x| *x + 2 >= top && *x > height + 2);
            Ok(ok.then_some(()))
        },
    )
    .unwrap();

    // Destroy: nothing left on either host, and no forwarded port here.
    let ports = all_ports(&d.status("hub"));
    d.dvb_ok(&["destroy", "hub"]);
    for host in ["a", "b"] {
        assert_eq!(
            hosts.lines(host, &["ps", "-a", "-q", "--filter", &label]),
            Vec::<String>::new()
        );
        assert_eq!(
            hosts.lines(host, &["volume", "ls", "-q", "--filter", &label]),
            Vec::<String>::new()
        );
    }
    for p in &ports {
        assert!(!is_listening(*p), "port {p} still bound after destroy");
    }
}
