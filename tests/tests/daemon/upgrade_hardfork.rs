//! An anvil devnet moved from one hardfork to the next through devnetd: its version is the
//! client's plus the hardfork the live chain reports (`v1.7.1+anvil.cancun`), in its history; an
//! EIP-7702 set-code transaction (type 4) is refused by the Cancun builder before anything is
//! broadcast; `dvb upgrade create … --no-gov --set hardfork=prague` stops the node at once (anvil
//! has no halt height), restarts it on Prague with its state, re-detects the version and
//! replaces the builder; the same transaction then lands and the authority's account carries the
//! delegation. A SIGKILLed anvil comes back with its chain (the state file), not from genesis.
//! The authorization is signed here, by a key the host never held, with its own RLP.

use std::time::Duration;

use devnet_e2e::daemon::{Daemon, nodes, port};
use devnet_e2e::{rpc, wait_for};
use k256::ecdsa::SigningKey;
use serde_json::{Value, json};

const BOB: &str = "0x00000000000000000000000000000000000b0b01";
/// What the authority's account is to run (no code needed for the delegation to be set).
const DELEGATE: &str = "00000000000000000000000000000000000c0de1";
const CHAIN_ID: u64 = 31337;

/// An EIP-7702 authorization for (CHAIN_ID, DELEGATE, nonce 0), signed by `key`: the fields a
/// `evm-set-code` request takes, and the authority's address.
fn authorization(key: &SigningKey) -> (Value, String) {
    // rlp([31337, DELEGATE, 0]) = list(0x827a69, 0x94 || 20 bytes, 0x80): 25 bytes.
    let mut msg = vec![0x05, 0xc0 + 25, 0x82, 0x7a, 0x69, 0x94];
    msg.extend(hex::decode(DELEGATE).unwrap());
    msg.push(0x80);
    let hash = alloy_primitives::keccak256(&msg);
    let (sig, recovery) = key.sign_prehash_recoverable(hash.as_slice()).unwrap();
    let bytes = sig.to_bytes();
    let fields = json!({
        "chain_id": CHAIN_ID,
        "address": format!("0x{DELEGATE}"),
        "nonce": 0,
        "y_parity": recovery.to_byte(),
        "r": format!("0x{}", hex::encode(&bytes[..32])),
        "s": format!("0x{}", hex::encode(&bytes[32..])),
    });
    let point = key.verifying_key().to_encoded_point(false);
    let authority = alloy_primitives::Address::from_raw_public_key(&point.as_bytes()[1..]);
    (fields, format!("{authority:#x}"))
}

fn set_code(d: &Daemon, authority: &str, auth: &Value) -> devnet_e2e::daemon::Run {
    let fields = json!({"to": authority, "authorizations": [auth]}).to_string();
    d.dvb(&[
        "tx",
        "submit",
        "an",
        "--type",
        "evm-set-code",
        "--fields",
        &fields,
        "--from",
        "alice",
        "-o",
        "json",
    ])
}

fn code(http: u16, address: &str) -> String {
    rpc::eth_call_str(http, "eth_getCode", json!([address, "latest"])).unwrap()
}

fn balance(http: u16, address: &str) -> u128 {
    let hex = rpc::eth_call_str(http, "eth_getBalance", json!([address, "latest"])).unwrap();
    u128::from_str_radix(hex.trim_start_matches("0x"), 16).unwrap()
}

#[test]
fn an_anvil_devnet_should_move_from_cancun_to_prague_with_its_state_and_a_new_builder() {
    let d = Daemon::start();
    d.dvb_ok(&[
        "deploy",
        "--name",
        "an",
        "--network",
        "evm",
        "--set",
        "client=anvil",
        "--set",
        "hardfork=cancun",
        "--account",
        "alice=10ether",
    ]);
    let http = port(&nodes(&d.status("an"))[0], "http");
    // The version is the client's and the hardfork the live chain reports, in its history.
    let s = wait_for("the live version", Duration::from_secs(30), || {
        let s = d.status("an");
        Ok((s["devnet"]["status"]["detected_version"] == "v1.7.1+anvil.cancun").then_some(s))
    })
    .unwrap();
    let history = s["devnet"]["status"]["version_history"].as_array().unwrap().clone();
    let causes: Vec<(&str, &str)> = history
        .iter()
        .map(|h| (h["version"].as_str().unwrap(), h["cause"].as_str().unwrap()))
        .collect();
    assert_eq!(
        causes,
        [
            ("v1.7.1+anvil", "genesis"),
            ("v1.7.1+anvil.cancun", "detected on the live chain")
        ],
        "{s}"
    );

    // A transfer on Cancun, kept through everything below.
    let run = d.dvb(&[
        "tx",
        "submit",
        "an",
        "--type",
        "evm-transfer",
        "--from",
        "alice",
        "--to",
        BOB,
        "--amount",
        "1ether",
        "-o",
        "json",
    ]);
    assert_eq!(
        run.json()["status"]["phase"],
        "Confirmed",
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    let one = 10u128.pow(18);
    assert_eq!(balance(http, BOB), one);

    // Type 4 on Cancun: refused by the builder, nothing broadcast.
    let key = SigningKey::from_slice(&[7u8; 32]).unwrap();
    let (auth, authority) = authorization(&key);
    let refused = set_code(&d, &authority, &auth);
    assert!(!refused.ok, "{}", refused.stdout);
    assert!(
        refused
            .stderr
            .contains("needs the prague hardfork; this devnet runs cancun"),
        "{}",
        refused.stderr
    );
    let list = d.dvb_ok(&["tx", "list", "an", "-o", "json"]).json();
    let last = list.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["status"]["phase"].as_str(), last["status"]["hash"].as_str()),
        (Some("Failed"), Some(""))
    );
    assert_eq!(code(http, &authority), "0x");

    // SIGKILL anvil: it comes back with its chain, not from genesis.
    let before = rpc::eth_block_number(http).unwrap();
    let pid = nodes(&d.status("an"))[0]["status"]["pid"].as_u64().unwrap();
    devnet_e2e::daemon::wait_for_anvil_dump(&d.path().join("devnets/an/chain/anvil-state.json"));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    wait_for("anvil back with its chain", Duration::from_secs(60), || {
        let n = &nodes(&d.status("an"))[0];
        let back = n["status"]["pid"].as_u64().is_some_and(|p| p != pid);
        Ok((back && rpc::eth_block_number(http).is_ok_and(|h| h > before)).then_some(()))
    })
    .unwrap();
    assert_eq!(balance(http, BOB), one, "bob's ether survived the restart");

    // Upgrades that cannot work are refused before anything stops, saying why.
    for (i, (args, says)) in [
        (&["--set", "hardfork=prague"][..], "give --to-version, or use --no-gov"),
        (
            &["--no-gov", "--set", "hardfork=homestead2"][..],
            "is not one anvil runs here",
        ),
        (
            &["--no-gov", "--set", "colour=blue"][..],
            "changes nothing the evm plugin runs the nodes with",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let name = format!("bad-{i}");
        let mut all = vec!["upgrade", "create", "an", "--name", &name];
        all.extend_from_slice(args);
        let run = d.dvb(&all);
        assert!(
            !run.ok && run.stderr.contains(says),
            "{args:?}: {}\n{}",
            run.stdout,
            run.stderr
        );
    }
    let pid_now = nodes(&d.status("an"))[0]["status"]["pid"].as_u64();
    assert!(pid_now.is_some(), "the node kept running");

    // The upgrade: no halt height, so the node stops at once and restarts on Prague.
    let height = rpc::eth_block_number(http).unwrap();
    let run = d.dvb(&[
        "upgrade",
        "create",
        "an",
        "--name",
        "to-prague",
        "--no-gov",
        "--set",
        "hardfork=prague",
        "-o",
        "json",
    ]);
    assert!(run.ok, "{}\n{}\n{}", run.stdout, run.stderr, d.daemon_log());
    let up = run.json();
    assert_eq!(up["status"]["phase"], "Completed", "{up}");
    assert_eq!(up["status"]["detected_version"], "v1.7.1+anvil.prague", "{up}");
    let s = d.status("an");
    assert_eq!(s["devnet"]["status"]["detected_version"], "v1.7.1+anvil.prague");
    let last = s["devnet"]["status"]["version_history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (last["version"].as_str(), last["cause"].as_str()),
        (Some("v1.7.1+anvil.prague"), Some("upgrade to-prague"))
    );
    let settings = s["devnet"]["spec"]["overrides"].to_string();
    assert!(
        settings.contains("prague") && !settings.contains("cancun"),
        "{settings}"
    );
    assert!(
        rpc::eth_block_number(http).unwrap() > height,
        "the chain went on from where it was"
    );
    assert_eq!(balance(http, BOB), one, "its state came along");

    // The new builder takes type 4, and the chain runs it: the authority now delegates.
    let run = set_code(&d, &authority, &auth);
    assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
    let tx = run.json();
    assert_eq!(tx["status"]["phase"], "Confirmed", "{tx}");
    assert_eq!(devnet_e2e::daemon::tx_attribute(&tx, "type"), "0x4", "{tx}");
    assert_eq!(code(http, &authority), format!("0xef0100{DELEGATE}"));
    d.dvb_ok(&["destroy", "an"]);
}
