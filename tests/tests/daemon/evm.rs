//! An EVM devnet through devnetd, as a user runs one: anvil (`--set client=anvil`: the client
//! brings its own binary and chain id, chosen by the evm plugin) from a genesis that funds the
//! validator's key and an `--account` and starts the chain's clock at the deploy,
//! each key's address in `dvb status`; `dvb tx submit` of transfers signed by the host's keys
//! (`--to/--amount` in ether; concurrent ones from one key each get their own nonce), checked
//! against the chain's own balances; a contract deployed and called, with the receipt's fields
//! in the tx's status; a transfer beyond the balance Failed with the node's refusal; a malformed
//! address refused by the builder with nothing broadcast; a SIGKILLed node restarted with its
//! chain (anvil's state file); destroy
//! leaving no process, port or file. A Clique network from nothing but a node count: the plugin
//! picks geth v1.13 and chain id 1337, and its signers after the first start once block 1 is
//! sealed, so every signer seals in turn and all nodes keep one height; transfers on it, a
//! SIGKILLed signer healed. And requests that cannot work refused before anything is stored.

use std::time::Duration;

use devnet_e2e::daemon::{Daemon, nodes, port, tx_attribute};
use devnet_e2e::ports::is_listening;
use devnet_e2e::rpc;
use devnet_e2e::wait_for;
use serde_json::{Value, json};

const BOB: &str = "0x00000000000000000000000000000000000b0b01";

fn balance(http: u16, address: &str) -> u128 {
    let hex = rpc::eth_call_str(http, "eth_getBalance", json!([address, "latest"])).unwrap();
    u128::from_str_radix(hex.trim_start_matches("0x"), 16).unwrap()
}

fn send(d: &Daemon, devnet: &str, from: &str, value: u64) -> devnet_e2e::daemon::Run {
    let fields = json!({"to": BOB, "value": value.to_string()}).to_string();
    d.dvb(&[
        "tx",
        "submit",
        devnet,
        "--type",
        "evm-transfer",
        "--fields",
        &fields,
        "--from",
        from,
        "-o",
        "json",
    ])
}

#[test]
fn an_anvil_devnet_should_fund_transact_heal_and_leave_nothing_behind() {
    let d = Daemon::start();
    // The client brings its binary and chain id: anvil, from a genesis that funds the host's keys.
    d.dvb_ok(&[
        "deploy",
        "--name",
        "eth",
        "--network",
        "evm",
        "--set",
        "client=anvil",
        "--account",
        "alice=5ether",
    ]);
    let s = d.status("eth");
    let spec = &s["devnet"]["spec"];
    assert_eq!(
        (spec["binary"].as_str(), spec["chain_id"].as_str()),
        (Some("anvil"), Some("31337")),
        "{spec}"
    );
    assert_eq!(s["devnet"]["status"]["phase"], "Running", "{s}");
    let version = s["devnet"]["status"]["detected_version"].as_str().unwrap_or_default();
    // The binary's version, then (once the chain runs) the hardfork the live chain reports.
    assert!(
        version.starts_with("v1.7.") && version.contains("+anvil"),
        "{version:?}"
    );
    let http = port(&nodes(&s)[0], "http");
    assert_eq!(rpc::eth_call_str(http, "eth_chainId", json!([])).unwrap(), "0x7a69");
    // The chain's clock starts at the deploy, not at the Unix epoch.
    let block = rpc::eth_call(http, "eth_getBlockByNumber", json!(["latest", false])).unwrap();
    let stamp = u64::from_str_radix(block["timestamp"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
    let now = devnet_core::now_ms() / 1000;
    assert!(now.abs_diff(stamp) < 300, "block time {stamp}, now {now}");

    // `dvb status` names each key's address; alice's was funded at genesis with exactly 5 ether.
    let addresses = &s["devnet"]["status"]["addresses"];
    let address_of = |name: &str| {
        addresses
            .as_array()
            .and_then(|ks| ks.iter().find(|k| k["name"] == name))
            .and_then(|k| k["address"].as_str())
            .unwrap_or_else(|| panic!("no address for {name} in {addresses}"))
            .to_string()
    };
    let alice = address_of("alice");
    assert_eq!(balance(http, &alice), 5 * 10u128.pow(18));
    let table = d.dvb_ok(&["status", "eth"]).stdout;
    assert!(
        table.contains(&alice) && table.contains(&address_of("validator-0")),
        "{table}"
    );

    // A transfer from alice with --to and --amount in ether: Confirmed, with the receipt's
    // block and hash, and exactly that much at bob.
    let run = d.dvb(&[
        "tx",
        "submit",
        "eth",
        "--type",
        "evm-transfer",
        "--from",
        "alice",
        "--to",
        BOB,
        "--amount",
        "0.5ether",
        "-o",
        "json",
    ]);
    assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
    let tx = run.json();
    assert_eq!(tx["status"]["phase"], "Confirmed", "{tx}");
    assert!(tx["status"]["height"].as_u64() > Some(0), "{tx}");
    assert_eq!(tx["status"]["hash"].as_str().map(str::len), Some(66), "{tx}");
    assert_eq!(tx["status"]["sequence"], 0, "alice's first nonce: {tx}");
    let half = 10u128.pow(18) / 2;
    assert_eq!(balance(http, BOB), half);

    // Three at once from one key: each its own nonce, all land.
    let runs: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (1..=3u64)
            .map(|i| {
                let d = &d;
                s.spawn(move || send(d, "eth", "validator-0", i))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut nonces = Vec::new();
    for run in &runs {
        assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
        let tx = run.json();
        assert_eq!(tx["status"]["phase"], "Confirmed", "{tx}");
        nonces.push(tx["status"]["sequence"].as_u64().unwrap());
    }
    nonces.sort_unstable();
    assert_eq!(nonces, vec![0, 1, 2], "validator-0's nonces");
    assert_eq!(balance(http, BOB), half + 1 + 2 + 3);

    // A contract deployed from its init code (the receipt names its address and the gas used),
    // then called: its runtime code stores the call's first word at slot 0.
    let init = "0x6007600c60003960076000f3"; // copies the 7 bytes after it and returns them
    let runtime = "60003560005500"; // SSTORE(0, CALLDATALOAD(0)); STOP
    let code = json!({"code": format!("{init}{runtime}")}).to_string();
    let run = d.dvb(&[
        "tx",
        "submit",
        "eth",
        "--type",
        "evm-deploy",
        "--fields",
        &code,
        "--from",
        "alice",
        "-o",
        "json",
    ]);
    assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
    let tx = run.json();
    assert_eq!(tx["status"]["phase"], "Confirmed", "{tx}");
    let contract = tx_attribute(&tx, "contract_address");
    let gas_used = u64::from_str_radix(tx_attribute(&tx, "gasUsed").trim_start_matches("0x"), 16).unwrap();
    assert!(gas_used > 21_000, "a deploy costs more than a transfer: {gas_used}");
    assert_eq!(tx_attribute(&tx, "type"), "0x2", "an EIP-1559 transaction");
    assert_eq!(
        rpc::eth_call_str(http, "eth_getCode", json!([contract, "latest"])).unwrap(),
        format!("0x{runtime}")
    );
    let call = json!({"to": contract, "data": format!("0x{:064x}", 42)}).to_string();
    let run = d.dvb(&[
        "tx", "submit", "eth", "--type", "evm-call", "--fields", &call, "--from", "alice", "-o", "json",
    ]);
    assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.json()["status"]["phase"], "Confirmed", "{}", run.stdout);
    let slot = rpc::eth_call_str(http, "eth_getStorageAt", json!([contract, "0x0", "latest"])).unwrap();
    assert_eq!(slot, format!("0x{:064x}", 42));

    // More than alice holds: the node refuses it, and the tx ends Failed with the node's words.
    let run = d.dvb(&[
        "tx",
        "submit",
        "eth",
        "--type",
        "evm-transfer",
        "--from",
        "alice",
        "--to",
        BOB,
        "--amount",
        "100ether",
    ]);
    assert!(!run.ok, "{}", run.stdout);
    assert!(run.stderr.contains("insufficient funds"), "{}", run.stderr);
    assert_eq!(balance(http, BOB), half + 1 + 2 + 3);

    // A transfer to a malformed address: the builder refuses it, saying why; it ends Failed
    // with nothing broadcast.
    let bad = d.dvb(&[
        "tx",
        "submit",
        "eth",
        "--type",
        "evm-transfer",
        "--fields",
        r#"{"to":"0x1234","value":"1"}"#,
        "--from",
        "alice",
        "-o",
        "json",
    ]);
    assert!(!bad.ok && bad.stderr.contains("not an EVM address"), "{}", bad.stderr);
    let list = d.dvb_ok(&["tx", "list", "eth", "-o", "json"]).json();
    let last = list
        .as_array()
        .and_then(|l| l.iter().find(|t| t["spec"]["request"]["fields"]["to"] == "0x1234"))
        .cloned()
        .unwrap_or_else(|| panic!("the refused tx is not listed: {list}"));
    assert_eq!(last["status"]["phase"], "Failed", "{last}");
    assert_eq!(last["status"]["hash"], "", "nothing was broadcast: {last}");

    // SIGKILL the node: it is restarted with its chain (anvil dumps it to the devnet's state
    // file every second) and makes blocks again.
    devnet_e2e::daemon::wait_for_anvil_dump(&d.path().join("devnets/eth/chain/anvil-state.json"));
    let (alice_before, bob_before) = (balance(http, &alice), balance(http, BOB));
    let height_before = rpc::eth_block_number(http).unwrap();
    let s = d.status("eth");
    let old_pid = nodes(&s)[0]["status"]["pid"].as_u64().unwrap();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(old_pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    wait_for(
        "the killed node restarted and making blocks",
        Duration::from_secs(90),
        || {
            let s = d.status("eth");
            let n = &nodes(&s)[0];
            let restarted = n["status"]["pid"].as_u64().is_some_and(|p| p != old_pid)
                && n["status"]["restarts"].as_u64() >= Some(1);
            Ok((restarted && rpc::eth_block_number(http).is_ok_and(|h| h > height_before)).then_some(()))
        },
    )
    .unwrap();
    assert_eq!(
        (balance(http, &alice), balance(http, BOB)),
        (alice_before, bob_before),
        "the balances from before the kill, not the genesis's"
    );

    // Destroy: no process, no bound port, no file.
    let all_ports: Vec<u16> = nodes(&s)
        .iter()
        .flat_map(|n| n["spec"]["ports"].as_array().cloned().unwrap_or_default())
        .filter_map(|p| p["port"].as_u64().map(|p| p as u16))
        .collect();
    assert_eq!(all_ports.len(), 3, "http, authrpc and p2p");
    d.dvb_ok(&["destroy", "eth"]);
    assert!(d.node_processes().is_empty(), "{:?}", d.node_processes());
    for p in &all_ports {
        assert!(!is_listening(*p), "port {p} still bound after destroy");
    }
    assert!(!d.path().join("devnets/eth").exists());
}

#[test]
fn evm_requests_that_cannot_work_should_be_refused_with_what_to_do_storing_nothing() {
    let d = Daemon::start();
    let refused = |args: &[&str], says: &str| {
        let mut all = vec!["deploy", "--name", "a", "--network", "evm"];
        all.extend_from_slice(args);
        let run = d.dvb(&all);
        assert!(!run.ok, "{args:?}: {}", run.stdout);
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
    };
    refused(
        &["--set", "client=anvil", "--binary", "geth"],
        "runs the anvil binary, not geth",
    );
    refused(&["--set", "client=besu"], "client \"besu\"");
    refused(&["--validators", "3", "--set", "client=geth-dev"], "single node, not 3");
    refused(&["--validators", "2", "--version", "v1.17"], "--version v1.13");
    refused(&["--chain-id", "eth-1"], "an EVM chain id is a number");
    refused(&["--chain-id", "5"], "1337 only");
    refused(&["--validators", "2", "--account", "alice=5stake"], "--account alice");
    // Nothing was stored or started for any of them.
    assert!(
        d.dvb_ok(&["list", "-o", "json"])
            .json()
            .as_array()
            .is_some_and(Vec::is_empty)
    );
    assert!(d.node_processes().is_empty());
}

#[test]
fn a_clique_network_from_a_node_count_should_seal_in_turn_transact_and_heal() {
    let d = Daemon::start();
    let run = d.dvb(&[
        "deploy",
        "--name",
        "eth",
        "--network",
        "evm",
        "--validators",
        "3",
        "--full-nodes",
        "1",
    ]);
    assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
    // What the plugin chose, and what the deploy said of it.
    assert!(run.stderr.contains("evm: geth v1.13, chain id 1337"), "{}", run.stderr);
    let s = d.status("eth");
    let spec = &s["devnet"]["spec"];
    assert_eq!(
        (
            spec["binary"].as_str(),
            spec["version"].as_str(),
            spec["chain_id"].as_str()
        ),
        (Some("geth"), Some("v1.13"), Some("1337")),
        "{spec}"
    );
    assert!(
        s["devnet"]["status"]["detected_version"]
            .as_str()
            .is_some_and(|v| v.starts_with("v1.13.")),
        "{s}"
    );
    // The signers after the first waited for its block 1.
    let events = d
        .dvb_ok(&["events", "--devnet", "eth", "-n", "1000", "-o", "json"])
        .stdout;
    let waited: Vec<String> = events
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["reason"] == "Waiting")
        .filter_map(|e| e["object"].as_str().map(str::to_string))
        .collect();
    let waited: Vec<&str> = waited.iter().map(String::as_str).collect();
    assert!(
        waited.contains(&"eth/validator-1") && waited.contains(&"eth/validator-2") && !waited.contains(&"eth/full-0"),
        "{events}"
    );

    // Every node on one chain, blocks sealed by every signer in turn.
    let http: Vec<u16> = nodes(&s).iter().map(|n| port(n, "http")).collect();
    let heights = wait_for("all four nodes past block 12", Duration::from_secs(120), || {
        let hs: Vec<u64> = http.iter().map(|p| rpc::eth_block_number(*p).unwrap_or(0)).collect();
        Ok(hs.iter().all(|h| *h >= 12).then_some(hs))
    })
    .unwrap();
    let (low, high) = (heights.iter().min().unwrap(), heights.iter().max().unwrap());
    assert!(high - low <= 2, "nodes apart: {heights:?}");
    let hash_at = |p: u16, n: u64| {
        rpc::eth_call(p, "eth_getBlockByNumber", json!([format!("{n:#x}"), false])).unwrap()["hash"].clone()
    };
    for p in &http[1..] {
        assert_eq!(hash_at(*p, 11), hash_at(http[0], 11), "block 11 differs between nodes");
    }
    // Block 1 is the first signer's alone; once all have joined, any six blocks in a row have
    // all three. When the gated signers join depends on the machine's load (geth's start and
    // peering), so the six are the latest ones, looked at until all three have sealed.
    let sealers = wait_for(
        "the latest six blocks sealed by all three signers",
        Duration::from_secs(90),
        || {
            let head = rpc::eth_block_number(http[3])?;
            let sealers: std::collections::BTreeSet<String> = (head.saturating_sub(5)..=head)
                .map(|n| {
                    rpc::eth_call_str(http[3], "clique_getSigner", json!([format!("{n:#x}")])).map(|s| s.to_lowercase())
                })
                .collect::<anyhow::Result<_>>()?;
            Ok((sealers.len() == 3).then_some(sealers))
        },
    )
    .unwrap();
    assert_eq!(sealers.len(), 3, "{sealers:?}");

    // A transfer signed by the host with a signer's account key, confirmed on every node.
    let run = d.dvb(&[
        "tx",
        "submit",
        "eth",
        "--type",
        "evm-transfer",
        "--from",
        "validator-1",
        "--to",
        BOB,
        "--amount",
        "2ether",
        "-o",
        "json",
    ]);
    assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.json()["status"]["phase"], "Confirmed", "{}", run.stdout);
    wait_for("bob's 2 ether on every node", Duration::from_secs(30), || {
        Ok(http
            .iter()
            .all(|p| balance(*p, BOB) == 2 * 10u128.pow(18))
            .then_some(()))
    })
    .unwrap();

    // SIGKILL a signer: restarted at once (no gate for a restart), it catches up and the chain
    // keeps going.
    let s = d.status("eth");
    let signer = &nodes(&s)[2];
    let old_pid = signer["status"]["pid"].as_u64().unwrap();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(old_pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let before = rpc::eth_block_number(http[0]).unwrap();
    wait_for(
        "the killed signer back at the chain's height",
        Duration::from_secs(120),
        || {
            let s = d.status("eth");
            let n = &nodes(&s)[2];
            let back = n["status"]["pid"].as_u64().is_some_and(|p| p != old_pid);
            let top = rpc::eth_block_number(http[0]).unwrap_or(0);
            let mine = rpc::eth_block_number(http[2]).unwrap_or(0);
            Ok((back && top >= before + 3 && top.abs_diff(mine) <= 2).then_some(()))
        },
    )
    .unwrap();

    d.dvb_ok(&["destroy", "eth"]);
    assert!(d.node_processes().is_empty(), "{:?}", d.node_processes());
    for p in &http {
        assert!(!is_listening(*p), "port {p} still bound after destroy");
    }
    assert!(!d.path().join("devnets/eth").exists());
}

/// geth dev mode (one node, `--set client=geth-dev`) from geth's own dev genesis with an
/// `--account` funded in it, on geth 1.17 (its forks and their system contracts kept: EIP-4788's
/// beacon-roots contract has code) and on v1.13: alice's balance on the chain, her address in
/// `dvb status`, a transfer from her confirmed.
#[test]
fn geth_dev_mode_should_fund_accounts_from_its_genesis() {
    const BEACON_ROOTS: &str = "0x000F3df6D732807Ef1319fB7B8bB8522d0Beac02";
    let d = Daemon::start();
    for (name, version) in [("dev17", "v1.17"), ("dev13", "v1.13")] {
        d.dvb_ok(&[
            "deploy",
            "--name",
            name,
            "--network",
            "evm",
            "--version",
            version,
            "--set",
            "client=geth-dev",
            "--account",
            "alice=3ether",
        ]);
        let s = d.status(name);
        assert_eq!(s["devnet"]["spec"]["chain_id"], "1337", "{s}");
        let alice = s["devnet"]["status"]["addresses"]
            .as_array()
            .and_then(|ks| ks.iter().find(|k| k["name"] == "alice"))
            .and_then(|k| k["address"].as_str())
            .unwrap()
            .to_string();
        let http = port(&nodes(&s)[0], "http");
        assert_eq!(balance(http, &alice), 3 * 10u128.pow(18), "{name}");
        let run = d.dvb(&[
            "tx",
            "submit",
            name,
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
        assert!(run.ok, "{name}: {}\n{}", run.stdout, run.stderr);
        assert_eq!(run.json()["status"]["phase"], "Confirmed", "{}", run.stdout);
        assert_eq!(balance(http, BOB), 10u128.pow(18), "{name}");
        if version == "v1.17" {
            let code = rpc::eth_call_str(http, "eth_getCode", json!([BEACON_ROOTS, "latest"])).unwrap();
            assert!(code.len() > 2, "geth's own system contracts kept: {code}");
        }
        d.dvb_ok(&["destroy", name]);
    }
}
