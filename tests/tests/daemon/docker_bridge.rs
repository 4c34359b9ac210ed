//! Docker devnets on a network of their own (`--set docker.network=bridge`), on real chains in
//! the tests' private engine: each node at a fixed address on the devnet's bridge, its peers'
//! files naming that address (plugin API 0.7.0's `placement`), its ports published on
//! 127.0.0.1 under the same numbers so the daemon reaches it as it reaches a process; a killed
//! container comes back at the same address; destroy removes the network with the containers;
//! a plugin of an older API is refused.

use std::collections::BTreeSet;
use std::time::Duration;

use devnet_e2e::daemon::{Daemon, heights, node, nodes, port};
use devnet_e2e::docker;
use devnet_e2e::wait_for;
use devnet_test_fixtures::component;
use serde_json::{Value, json};

/// Every node's `(network, address)`, by node name.
fn places(status: &Value) -> Vec<(String, String, String)> {
    nodes(status)
        .iter()
        .map(|n| {
            let net = &n["spec"]["network"];
            (
                n["meta"]["name"].as_str().unwrap_or_default().to_string(),
                net["name"].as_str().unwrap_or_default().to_string(),
                net["address"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_cosmos_devnet_on_its_own_network_should_peer_by_address_heal_in_place_and_leave_no_network() {
    let d = Daemon::start_with_docker();
    let host = d.docker_host().to_string();
    d.dvb_ok(&[
        "deploy",
        "--name",
        "hub",
        "--network",
        "cosmos",
        "--version",
        "v0.50",
        "--validators",
        "4",
        "--runtime",
        "docker",
        "--set",
        "docker.network=bridge",
        "--set",
        "block-time=1s",
    ]);
    // Four validators agree on blocks only if they reach each other over the bridge; the daemon
    // reads their heights through the published ports.
    let s = d.wait_heights("hub", 4, 3, Duration::from_secs(90));

    // One network for the devnet, a distinct address on it per node.
    let places = places(&s);
    let networks: BTreeSet<&str> = places.iter().map(|(_, n, _)| n.as_str()).collect();
    assert_eq!(networks.len(), 1, "{places:?}");
    let network = places[0].1.clone();
    assert_eq!(d.networks().len(), 1);
    let addresses: BTreeSet<&str> = places.iter().map(|(_, _, a)| a.as_str()).collect();
    assert_eq!(addresses.len(), 4, "{places:?}");
    assert!(
        !addresses.contains("127.0.0.1") && !addresses.contains(""),
        "{places:?}"
    );

    // Each node's files name its peers by their addresses, and it binds its own namespace.
    let config =
        std::fs::read_to_string(d.path().join("devnets/hub/chain/nodes/validator-0/config/config.toml")).unwrap();
    for (name, _, address) in places.iter().filter(|(n, _, _)| n != "hub/validator-0") {
        let p2p = port(node(&s, name), "p2p");
        assert!(
            config.contains(&format!("@{address}:{p2p}")),
            "{name} at {address}: {config}"
        );
    }
    let line = |key: &str| {
        config
            .lines()
            .find(|l| l.starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("no {key} in {config}"))
            .to_string()
    };
    assert!(
        !line("persistent_peers").contains("127.0.0.1"),
        "no loopback peer: {config}"
    );
    let (v0, _, v0_address) = places.iter().find(|(n, _, _)| n == "hub/validator-0").unwrap();
    assert_eq!(
        line("external_address"),
        format!("external_address = \"{v0_address}:{}\"", port(node(&s, v0), "p2p"))
    );
    assert!(config.contains("laddr = \"tcp://0.0.0.0:"), "{config}");

    // The container is on the devnet's network at the node's address.
    let v1 = node(&s, "hub/validator-1");
    let v1_address = places
        .iter()
        .find(|(n, _, _)| n == "hub/validator-1")
        .unwrap()
        .2
        .clone();
    let id = v1["status"]["container"].as_str().unwrap().to_string();
    let format = format!("{{{{(index .NetworkSettings.Networks \"{network}\").IPAddress}}}}");
    assert_eq!(
        docker::cli_ok(&host, &["inspect", "--format", &format, &id]).trim(),
        v1_address
    );

    // Killed behind the daemon's back: a new container at the same address, caught up.
    docker::cli_ok(&host, &["kill", &id]);
    let healed = wait_for(
        "validator-1 in a new container, caught up",
        Duration::from_secs(90),
        || {
            let s = d.status("hub");
            let n = node(&s, "hub/validator-1");
            let new = n["status"]["container"].as_str().is_some_and(|c| c != id);
            let h = heights(&s);
            let caught_up = h.iter().max().unwrap() - h.iter().min().unwrap() <= 2 && h.iter().all(|x| *x >= 5);
            Ok((new && caught_up && n["status"]["phase"] == "Running").then_some(s))
        },
    )
    .unwrap();
    let again = node(&healed, "hub/validator-1")["status"]["container"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        docker::cli_ok(&host, &["inspect", "--format", &format, &again]).trim(),
        v1_address
    );
    // It found its three peers again (their count as the node reports it).
    wait_for("validator-1 with 3 peers", Duration::from_secs(30), || {
        let s = d.status("hub");
        Ok((node(&s, "hub/validator-1")["status"]["peers"] == 3).then_some(()))
    })
    .unwrap();

    // Destroy: no container and no network of this home left.
    d.dvb_ok(&["destroy", "hub"]);
    assert_eq!(d.containers(), Vec::<String>::new());
    assert_eq!(d.networks(), Vec::<String>::new());
}

#[test]
fn an_evm_clique_devnet_on_its_own_network_should_seal_in_turn() {
    let d = Daemon::start_with_docker();
    d.dvb_ok(&[
        "deploy",
        "--name",
        "eth",
        "--network",
        "evm",
        "--validators",
        "3",
        "--runtime",
        "docker",
        "--set",
        "docker.network=bridge",
    ]);
    // Clique signers seal in turn only while they reach each other (enode URLs at their
    // addresses on the devnet's network).
    let s = wait_for("3 signers at block >= 4", Duration::from_secs(90), || {
        let s = d.status("eth");
        let h = heights(&s);
        Ok((h.len() == 3 && h.iter().all(|x| *x >= 4)).then_some(s))
    })
    .unwrap();
    let http = port(&nodes(&s)[0], "http");
    let miners: BTreeSet<String> = (1..=4u64)
        .map(|b| {
            let block = devnet_e2e::rpc::eth_call(http, "clique_getSigner", json!([format!("{b:#x}")])).unwrap();
            block.as_str().unwrap_or_default().to_string()
        })
        .collect();
    assert!(miners.len() >= 2, "blocks sealed by several signers: {miners:?}");
    d.dvb_ok(&["destroy", "eth"]);
    assert_eq!(d.networks(), Vec::<String>::new());
}

#[test]
fn alto_validators_on_their_own_network_should_finalize() {
    let d = Daemon::start_with_docker();
    d.dvb_ok(&[
        "deploy",
        "--name",
        "alto",
        "--network",
        "commonware",
        "--validators",
        "4",
        "--runtime",
        "docker",
        "--set",
        "docker.network=bridge",
    ]);
    // Finalization needs 3 of the 4 to reach each other at the addresses in peers.yaml; the
    // daemon reads each one's height from its metrics port, published on 127.0.0.1.
    let s = wait_for("4 validators finalized past view 5", Duration::from_secs(120), || {
        let s = d.status("alto");
        let h = heights(&s);
        Ok((h.len() == 4 && h.iter().all(|x| *x >= 5)).then_some(s))
    })
    .unwrap();
    let peers = std::fs::read_to_string(d.path().join("devnets/alto/chain/peers.yaml")).unwrap();
    for (name, _, address) in places(&s) {
        let p2p = port(node(&s, &name), "p2p");
        assert!(peers.contains(&format!(": {address}:{p2p}\n")), "{name}: {peers}");
    }
    d.dvb_ok(&["destroy", "alto"]);
    assert_eq!(d.networks(), Vec::<String>::new());
}

#[test]
fn a_network_of_its_own_should_be_refused_for_an_older_plugin_and_a_bad_value() {
    let d = Daemon::start_with_docker();
    // A plugin of API 0.6.0 writes loopback for its peers: it cannot have a network of its own.
    let work = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(component("api-v0-6")).unwrap();
    let path = work.path().join("api-v0-6.wasm");
    std::fs::write(&path, &bytes).unwrap();
    let sha = {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(&bytes))
    };
    d.dvb_ok(&["plugin", "install", path.to_str().unwrap(), "--sha256", &sha]);
    let run = d.dvb(&[
        "deploy",
        "--name",
        "old",
        "--network",
        "api-v0-6",
        "--runtime",
        "docker",
        "--set",
        "docker.network=bridge",
    ]);
    assert!(!run.ok, "{}", run.stdout);
    assert!(
        run.stderr.contains("API 0.7.0") && run.stderr.contains("api-v0-6@0.6.0"),
        "{}",
        run.stderr
    );
    let run = d.dvb(&[
        "deploy",
        "--name",
        "eth",
        "--network",
        "evm",
        "--set",
        "client=anvil",
        "--runtime",
        "docker",
        "--set",
        "docker.network=overlay",
    ]);
    assert!(!run.ok && run.stderr.contains("bridge"), "{}", run.stderr);
    assert_eq!(d.dvb_ok(&["list", "-o", "json"]).json(), json!([]));
    assert!(d.networks().is_empty());
}
