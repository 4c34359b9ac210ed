//! devnetd SIGKILLed at the two moments of a transfer where a crash could send it twice: after
//! its signed bytes are written down and before they go out (`tx-signed`), and after a node has
//! them but before the store knows (`tx-sent`), each a test-only pause point
//! (`DEVNETD_TEST_PAUSE_AT`). After both kills the transfer is Confirmed and the recipient holds
//! its amount exactly once. Then destroy and deploy again under the same name: the next transfer
//! goes through on its first attempt (no builder or sequence of the old devnet is used).

use std::time::Duration;

use sha2::Digest as _;

use devnet_e2e::addresses::cosmos_address;
use devnet_e2e::daemon::{Daemon, tail};
use devnet_e2e::wait_for;

const PAUSE_AT: &str = "DEVNETD_TEST_PAUSE_AT";

/// Starts devnetd to stop at `point`, waits until it is there, and kills it.
fn serve_until(d: &mut Daemon, point: &str) {
    d.serve_with(&[(PAUSE_AT, point)]);
    let reached = format!("test pause point {point} reached");
    wait_for(&reached, Duration::from_secs(60), || {
        Ok(d.daemon_log().contains(&reached).then_some(()))
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", tail(&d.daemon_log(), 30)));
    d.kill9();
}

fn api_port(d: &Daemon, devnet: &str) -> u16 {
    let s = d.status(devnet);
    let ports = s["nodes"][0]["spec"]["ports"].as_array().expect("node ports").clone();
    let api = ports.iter().find(|p| p["name"] == "api").expect("an api port");
    u16::try_from(api["port"].as_u64().expect("a port number")).expect("a port")
}

fn balance(api: u16, address: &str) -> u64 {
    let json = devnet_e2e::cosmos::rest(
        api,
        &format!("/cosmos/bank/v1beta1/balances/{address}/by_denom?denom=stake"),
    );
    json["balance"]["amount"]
        .as_str()
        .unwrap_or("0")
        .parse()
        .expect("an amount")
}

fn transfer(d: &Daemon, devnet: &str, to: &str, amount: &str, wait: bool) -> serde_json::Value {
    let run = d.transfer(devnet, to, amount, if wait { &[] } else { &["--no-wait"] });
    assert!(run.ok, "dvb tx submit failed:\n{}\n{}", run.stdout, run.stderr);
    run.json()
}

fn settled(d: &Daemon, name: &str) -> serde_json::Value {
    wait_for(&format!("{name} to settle"), Duration::from_secs(90), || {
        let tx = d.dvb_ok(&["tx", "status", name, "-o", "json"]).json();
        let phase = tx["status"]["phase"].as_str().unwrap_or_default().to_string();
        Ok(matches!(phase.as_str(), "Confirmed" | "Failed").then_some(tx))
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", tail(&d.daemon_log(), 30)))
}

#[test]
fn a_transfer_should_land_once_when_devnetd_dies_around_its_broadcast() {
    let mut d = Daemon::home_only();
    d.serve();
    d.deploy_cosmos("hub", "v0.53", 1, &[]);
    let bob = cosmos_address("cosmos", &[7u8; 33]);
    let api = api_port(&d, "hub");
    d.kill9();

    // Killed with the signed bytes written down, nothing sent.
    d.serve_with(&[(PAUSE_AT, "tx-signed")]);
    let submitted = transfer(&d, "hub", &bob, "1111stake", false);
    let name = submitted["meta"]["name"].as_str().expect("a tx name").to_string();
    let reached = "test pause point tx-signed reached";
    wait_for(reached, Duration::from_secs(60), || {
        Ok(d.daemon_log().contains(reached).then_some(()))
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", tail(&d.daemon_log(), 30)));
    d.kill9();
    let signed = d.dvb_ok(&["tx", "status", &name, "-o", "json"]).json();
    assert_eq!(signed["status"]["phase"], "Signed", "{signed}");
    let bytes = signed["status"]["signed"].as_str().expect("signed bytes").to_string();
    assert!(!bytes.is_empty(), "{signed}");

    // Killed again after the same bytes reached the node, before the store knew.
    serve_until(&mut d, "tx-sent");
    let again = d.dvb_ok(&["tx", "status", &name, "-o", "json"]).json();
    assert_eq!(again["status"]["phase"], "Signed", "{again}");
    assert_eq!(
        again["status"]["signed"],
        bytes.as_str(),
        "the same bytes, never signed anew: {again}"
    );
    // The node has them (the pause point is reached only when a node accepted them).
    let hash: String = sha2::Sha256::digest(hex::decode(&bytes).expect("hex"))
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    devnet_e2e::cosmos::rest_eventually(api, "the tx in a block", &format!("/cosmos/tx/v1beta1/txs/{hash}"));

    // A daemon with no pause point sends them a third time: the chain has them once.
    d.serve();
    let tx = settled(&d, &name);
    assert_eq!(
        tx["status"]["phase"],
        "Confirmed",
        "{tx}\n{}",
        tail(&d.daemon_log(), 30)
    );
    assert_eq!(tx["status"]["signed"], bytes.as_str(), "{tx}");
    assert_eq!(
        tx["status"]["hash"],
        hash.as_str(),
        "the hash of the bytes recorded: {tx}"
    );
    assert_eq!(balance(api, &bob), 1111, "the transfer landed exactly once");

    // One more transfer in this daemon (it makes a tx builder), then the devnet destroyed and
    // made again under its name: its first transfer needs no second attempt.
    let second = transfer(&d, "hub", &bob, "1stake", true);
    assert_eq!(second["status"]["phase"], "Confirmed", "{second}");
    d.dvb_ok(&["destroy", "hub"]);
    let gone = d.dvb_ok(&["tx", "list", "hub", "-o", "json"]).json();
    assert_eq!(
        gone.as_array().map(Vec::len),
        Some(0),
        "the old devnet's txs went with it: {gone}"
    );
    d.deploy_cosmos("hub", "v0.53", 1, &[]);
    let api = api_port(&d, "hub");
    let fresh = transfer(&d, "hub", &bob, "5stake", true);
    assert_eq!(fresh["status"]["phase"], "Confirmed", "{fresh}");
    assert_eq!(
        fresh["status"]["attempts"],
        0,
        "no retry: {fresh}\n{}",
        tail(&d.daemon_log(), 30)
    );
    assert_eq!(balance(api, &bob), 5, "a new chain");
}
