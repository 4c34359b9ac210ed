//! A real software upgrade through governance, at the plugin level: a v0.50 chain votes for the
//! `v050-to-v053` plan, halts at its height (the plugin reads the halt from the node's log), is
//! switched to the v0.53 binary, and goes on from its own state; the plugin then detects v0.53
//! on the live node, and a builder made for that version makes an unordered tx the chain accepts,
//! which the v0.50 builder refused.

use std::time::Duration;

use devnet_e2e::addresses::cosmos_address;
use devnet_e2e::chain::binary;
use devnet_e2e::cosmos::{TxBuilders, account_of, broadcast, committed, options, request, rest, signer as signer_of};
use devnet_e2e::plugin_devnet::{PluginDevnet, spec};
use devnet_e2e::wait_for;
use devnet_keyring::Algorithm;
use devnet_plugin_host::wit::{BroadcastResult, ProposalPhase};
use serde_json::json;

fn stake(amount: &str) -> serde_json::Value {
    json!([{"denom": "stake", "amount": amount}])
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_v050_chain_should_upgrade_to_v053_through_governance_and_take_unordered_txs() {
    let old = binary("simd", "v0.50");
    let new = binary("simd", "v0.53");
    let settings = [("block-time", "300ms"), ("gov.voting-period", "5s")];
    let mut net = PluginDevnet::genesis("cosmos", &old, spec("v0.50.15", 1, 0, &settings))
        .await
        .unwrap();
    net.start().await.unwrap();
    let status = net
        .wait_status(0, "height 2", Duration::from_secs(60), |s| s.height >= 2)
        .unwrap();
    let api = net.port(0, "api");
    let public_key = net.keyring.public_key("validator-0").unwrap();
    let address = cosmos_address("cosmos", &public_key);
    let bob = cosmos_address("cosmos", &net.keyring.ensure("bob", Algorithm::Secp256k1).unwrap());
    let (number, first) = account_of(api, &address);
    let signer = |sequence: u64| signer_of(&address, &public_key, number, sequence);

    // Proposal, vote and a transfer made before the upgrade, all on v0.50.
    let halt_height = status.height + 40;
    let mut b = TxBuilders::new().await;
    let requests = [
        request(
            "gov-submit-proposal",
            json!({
                "title": "v0.53",
                "summary": "upgrade to SDK v0.53",
                "deposit": stake("10000000"),
                "content": {"SoftwareUpgrade": {"name": "v050-to-v053", "height": halt_height}},
            }),
        ),
        request("gov-vote", json!({"proposal_id": 1, "choice": "Yes"})),
        request("bank-send", json!({"to": bob.clone(), "amount": stake("1000")})),
    ];
    let node = net.nodes[0].clone();
    for (i, request) in requests.iter().enumerate() {
        let tx = b
            .build("v0.50.15", request, &signer(first + i as u64), &options(false, None))
            .await
            .unwrap();
        let bytes = b.signed("v0.50.15", &net.keyring, "validator-0", &tx).await;
        // Sent and followed through the plugin's `chain` interface.
        let hash = match net.plugin.broadcast(&node, &bytes).await.unwrap() {
            BroadcastResult::Accepted(hash) => hash,
            BroadcastResult::Rejected(r) => panic!("tx {i} refused: {r:?}"),
        };
        let plugin = &mut net.plugin;
        let outcome = wait_for("the tx in a block", Duration::from_secs(20), || {
            Ok(tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(plugin.tx_result(&node, &hash))
            })?)
        })
        .unwrap();
        assert_eq!(outcome.code, 0, "tx {i}: {}", outcome.log);
        if i == 0 {
            assert_eq!(outcome.attributes, [("proposal_id".to_string(), "1".to_string())]);
        }
    }
    let voting = net.plugin.proposal(&node, 1).await.unwrap().unwrap();
    assert_eq!(voting.phase, ProposalPhase::Voting, "{}", voting.detail);
    assert!(net.plugin.proposal(&node, 99).await.unwrap().is_none());
    let unordered = request("bank-send", json!({"to": bob.clone(), "amount": stake("1")}));
    let refused = b
        .build(
            "v0.50.15",
            &unordered,
            &signer(0),
            &options(true, Some(unix_now() + 60)),
        )
        .await
        .unwrap_err();
    assert!(refused.contains("v0.53"), "{refused}");

    // The chain halts at the plan's height, and says so in the log the plugin reads.
    let log = net.root.path().join("validator-0.log");
    let plugin = &mut net.plugin;
    let halt = wait_for("the upgrade halt in the log", Duration::from_secs(90), || {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        for line in text.lines() {
            let found =
                tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(plugin.upgrade_halt(line)))?;
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    });
    let halt = halt.unwrap_or_else(|e| panic!("{e}\n{}", net.log_tail("validator-0")));
    assert_eq!((halt.name.as_str(), halt.height), ("v050-to-v053", halt_height));
    let proposal = rest(api, "/cosmos/gov/v1/proposals/1");
    assert_eq!(proposal["proposal"]["status"], "PROPOSAL_STATUS_PASSED", "{proposal}");
    let passed = net.plugin.proposal(&node, 1).await.unwrap().unwrap();
    assert_eq!(passed.phase, ProposalPhase::Passed, "{}", passed.detail);

    // Switch the binary and go on from the same home.
    for p in net.processes.iter_mut() {
        p.stop(Duration::from_secs(10)).unwrap();
    }
    net.processes.clear();
    net.binary = new;
    net.start().await.unwrap();
    net.wait_status(0, "blocks after the upgrade", Duration::from_secs(90), |s| {
        s.height >= halt_height + 2
    })
    .unwrap();
    // The REST API answers 503 for a moment after a restart.
    let (plugin, node) = (&mut net.plugin, net.nodes[0].clone());
    let detected = wait_for("the version of the live node", Duration::from_secs(30), || {
        Ok(tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(plugin.detect_live(&node))).ok())
    })
    .unwrap();
    assert!(detected.starts_with("v0.53."), "detected {detected}");

    // State from before the upgrade is there; the stores the upgrade added answer.
    let balance = rest(
        api,
        &format!("/cosmos/bank/v1beta1/balances/{bob}/by_denom?denom=stake"),
    );
    assert_eq!(balance["balance"]["amount"], "1000", "{balance}");
    let transfer = rest(api, "/ibc/apps/transfer/v1/params");
    assert!(transfer["params"].is_object(), "{transfer}");

    // A builder for the detected version makes what v0.50's refused, and the chain takes it.
    let (_, sequence) = account_of(api, &address);
    let tx = b
        .build(
            &detected,
            &unordered,
            &signer(sequence),
            &options(true, Some(unix_now() + 60)),
        )
        .await
        .unwrap();
    let bytes = b.signed(&detected, &net.keyring, "validator-0", &tx).await;
    let response = broadcast(api, &bytes);
    assert_eq!(response["code"], 0, "unordered tx refused: {response}");
    let result = committed(api, &response);
    assert_eq!(result["tx_response"]["code"], 0, "{}", result["tx_response"]["raw_log"]);
    net.stop_and_check().unwrap();
}
