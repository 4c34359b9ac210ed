//! `dvb endpoints` and `dvb env`: every URL they give answers on a real chain (simd and anvil
//! in one daemon), the accounts are the devnet's, and the `export` lines read back in a shell.

use devnet_e2e::daemon::Daemon;
use devnet_e2e::rpc;
use serde_json::{Value, json};

/// The port of a URL of the form `…127.0.0.1:<port>`.
fn port_of(url: &str) -> u16 {
    url.rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {url}"))
}

/// `script` run by sh; its stdout.
fn sh(script: &str) -> String {
    let out = std::process::Command::new("sh").arg("-c").arg(script).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn endpoints_and_env_should_give_urls_that_answer_and_the_devnets_accounts() {
    let d = Daemon::start();
    d.deploy_cosmos("hub", "v0.50", 2, &[]);
    d.dvb_ok(&["deploy", "--name", "eth", "--network", "evm", "--set", "client=anvil"]);

    let hub: Value = d.dvb_ok(&["endpoints", "hub", "-o", "json"]).json();
    assert_eq!(hub["chain_id"], d.status("hub")["devnet"]["spec"]["chain_id"], "{hub}");
    let nodes = hub["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 2, "{hub}");
    for node in nodes {
        let urls = &node["urls"];
        // CometBFT RPC and the REST API answer where the endpoints say; gRPC is host:port.
        assert!(
            rpc::comet_height(port_of(urls["rpc"].as_str().unwrap())).is_ok(),
            "{node}"
        );
        let api = format!(
            "{}/cosmos/base/tendermint/v1beta1/node_info",
            urls["api"].as_str().unwrap()
        );
        assert!(ureq::get(&api).call().is_ok(), "{api}");
        assert!(urls["grpc"].as_str().unwrap().starts_with("127.0.0.1:"), "{node}");
        assert!(urls["p2p"].as_str().unwrap().starts_with("tcp://127.0.0.1:"), "{node}");
    }
    let accounts: Vec<&str> = hub["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert!(accounts.contains(&"validator-0"), "{hub}");

    // The export lines, read back by a shell: the first node's URLs under the devnet's prefix,
    // each node's under its own, each account's address.
    let env = d.dvb_ok(&["env", "hub"]).stdout;
    let read = sh(&format!(
        "{env}\nprintf '%s %s %s' \"$HUB_RPC\" \"$HUB_VALIDATOR_1_API\" \"$HUB_ADDRESS_VALIDATOR_0\""
    ));
    let fields: Vec<&str> = read.split(' ').collect();
    assert_eq!(fields[0], nodes[0]["urls"]["rpc"], "{env}");
    assert_eq!(fields[1], nodes[1]["urls"]["api"], "{env}");
    let v0 = hub["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "validator-0")
        .unwrap();
    assert_eq!(fields[2], v0["address"], "{env}");

    // anvil's JSON-RPC answers at its `http` URL.
    let eth: Value = d.dvb_ok(&["endpoints", "eth", "-o", "json"]).json();
    let http = eth["nodes"][0]["urls"]["http"].as_str().unwrap();
    assert_eq!(
        rpc::eth_call_str(port_of(http), "eth_chainId", json!([])).unwrap(),
        "0x7a69"
    );

    // With --with-keys, each account's private key: the one its address comes from.
    assert!(
        hub["accounts"][0].get("private_key").is_none(),
        "keys only when asked: {hub}"
    );
    let keyed: Value = d.dvb_ok(&["endpoints", "hub", "--with-keys", "-o", "json"]).json();
    for account in keyed["accounts"].as_array().unwrap() {
        assert_eq!(account["algorithm"], "secp256k1", "{account}");
        let secret = hex::decode(account["private_key"].as_str().unwrap()).unwrap();
        let key = k256::ecdsa::SigningKey::from_slice(&secret).unwrap();
        let public = key.verifying_key().to_encoded_point(true);
        use ripemd::Digest as _;
        let hash = ripemd::Ripemd160::digest(sha2::Sha256::digest(public.as_bytes()));
        let address = bech32::encode::<bech32::Bech32>(bech32::Hrp::parse("cosmos").unwrap(), &hash).unwrap();
        assert_eq!(account["address"], address.as_str(), "{account}");
    }
    let keyed: Value = d.dvb_ok(&["endpoints", "eth", "--with-keys", "-o", "json"]).json();
    let accounts = keyed["accounts"].as_array().unwrap();
    assert!(!accounts.is_empty(), "{keyed}");
    for account in accounts {
        let secret = hex::decode(account["private_key"].as_str().unwrap()).unwrap();
        let key = k256::ecdsa::SigningKey::from_slice(&secret).unwrap();
        let address = alloy_primitives::Address::from_private_key(&key);
        assert_eq!(
            account["address"].as_str().unwrap().to_lowercase(),
            format!("{address:#x}"),
            "{account}"
        );
    }
    let env = d.dvb_ok(&["env", "eth", "--with-keys"]).stdout;
    let read = sh(&format!("{env}\nprintf %s \"$ETH_PRIVATE_KEY_VALIDATOR_0\""));
    assert_eq!(read, accounts[0]["private_key"].as_str().unwrap(), "{env}");

    // Refused: an unknown devnet (named), and `env` in another form than shell lines.
    let run = d.dvb(&["endpoints", "nope"]);
    assert!(!run.ok && run.stderr.contains("nope"), "{}", run.stderr);
    let run = d.dvb(&["env", "hub", "-o", "json"]);
    assert!(!run.ok && run.stderr.contains("-o json"), "{}", run.stderr);
}
