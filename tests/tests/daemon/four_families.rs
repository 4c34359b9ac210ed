//! Every family in one daemon at once: a Cosmos devnet, an EVM Clique network, a Tempo devnet
//! (anvil's Tempo mode) and a Commonware network (four alto validators), deployed side by side;
//! all Running, a transaction confirmed on each of the first three, `dvb list` showing each with
//! its detected version; destroying them all leaves no process, port or file.

use std::time::Duration;

use devnet_e2e::daemon::{Daemon, nodes, port};
use devnet_e2e::ports::is_listening;
use devnet_e2e::wait_for;
use serde_json::Value;

const EVM_BOB: &str = "0x00000000000000000000000000000000000b0b01";

#[test]
fn four_families_should_run_and_transact_side_by_side_in_one_daemon() {
    let d = Daemon::start();
    let deploys: [(&str, &[&str]); 4] = [
        ("hub", &["--network", "cosmos", "--set", "block-time=300ms"]),
        ("eth", &["--network", "evm", "--validators", "3"]),
        ("tp", &["--network", "tempo"]),
        ("alto", &["--network", "commonware", "--validators", "4"]),
    ];
    let runs: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = deploys
            .iter()
            .map(|(name, args)| {
                let d = &d;
                s.spawn(move || {
                    let mut all = vec!["deploy", "--name", name];
                    all.extend_from_slice(args);
                    d.dvb(&all)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for ((name, _), run) in deploys.iter().zip(&runs) {
        assert!(run.ok, "{name}: {}\n{}\n{}", run.stdout, run.stderr, d.daemon_log());
    }

    // Every devnet Running, each with the version its plugin detected.
    let list = wait_for("all four devnets Running", Duration::from_secs(120), || {
        let list: Value = d.dvb_ok(&["list", "-o", "json"]).json();
        let all = list.as_array().cloned().unwrap_or_default();
        let running = all.len() == 4 && all.iter().all(|x| x["status"]["phase"] == "Running");
        Ok(running.then_some(list))
    })
    .unwrap();
    let version = |name: &str| -> String {
        list.as_array()
            .unwrap()
            .iter()
            .find(|x| x["meta"]["name"] == name)
            .unwrap()["status"]["detected_version"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert!(version("hub").starts_with("v0.53."), "{list}");
    assert!(version("eth").starts_with("v1.13."), "{list}");
    assert!(version("tp").contains("+anvil"), "{list}");
    assert_eq!(version("alto"), "2026.9.1", "{list}");
    let table = d.dvb_ok(&["list"]).stdout;
    for name in ["hub", "eth", "tp", "alto"] {
        let row = table
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{table}"));
        assert!(row.contains(&version(name)) && row.contains("Running"), "{row}");
    }

    // One transaction on each chain that takes them, signed by the host's keys.
    let bob = devnet_e2e::addresses::cosmos_address("cosmos", &[2u8; 33]);
    let submits: [(&str, Vec<&str>); 3] = [
        ("hub", vec!["--to", &bob, "--amount", "5stake"]),
        (
            "eth",
            vec!["--type", "evm-transfer", "--to", EVM_BOB, "--amount", "1ether"],
        ),
        (
            "tp",
            vec![
                "--type",
                "tempo-transfer",
                "--to",
                EVM_BOB,
                "--amount",
                "1.5",
                "--token",
                "pathUSD",
            ],
        ),
    ];
    for (name, args) in &submits {
        let mut all = vec!["tx", "submit", name, "--from", "validator-0", "-o", "json"];
        all.extend_from_slice(args);
        let run = d.dvb(&all);
        assert!(run.ok, "{name}: {}\n{}", run.stdout, run.stderr);
        assert_eq!(run.json()["status"]["phase"], "Confirmed", "{name}: {}", run.stdout);
    }
    // The Commonware network kept finalizing beside the others.
    wait_for("every alto validator past height 0", Duration::from_secs(60), || {
        let s = d.status("alto");
        Ok(nodes(&s)
            .iter()
            .all(|n| n["status"]["height"].as_u64() > Some(0))
            .then_some(()))
    })
    .unwrap();

    let mut ports = Vec::new();
    for (name, _) in &deploys {
        for n in nodes(&d.status(name)) {
            ports.extend(n["spec"]["ports"].as_array().unwrap().iter().map(|p| {
                let name = p["name"].as_str().unwrap().to_string();
                port(&n, &name)
            }));
        }
    }
    for (name, _) in &deploys {
        d.dvb_ok(&["destroy", name]);
    }
    assert!(d.node_processes().is_empty(), "{:?}", d.node_processes());
    for p in ports {
        assert!(!is_listening(p), "port {p} still bound after destroy");
    }
    assert_eq!(
        std::fs::read_dir(d.path().join("devnets"))
            .map(|r| r.count())
            .unwrap_or(0),
        0
    );
}
