//! The evm plugin's Clique genesis in the real host, run by the real geth v1.13: three signers
//! and a full node, started from the plugin's init and start commands, seal blocks together.

use std::process::Command;
use std::time::Duration;

use alloy_primitives::Address;
use devnet_e2e::chain::binary;
use devnet_e2e::plugin_devnet::{PluginDevnet, spec};
use devnet_e2e::rpc;

#[tokio::test(flavor = "multi_thread")]
async fn a_clique_network_from_the_plugins_genesis_should_seal_blocks_with_every_signer() {
    let geth = binary("geth", "v1.13");
    let mut s = spec("v1.13.15", 3, 1, &[("client", "clique"), ("block-time", "1s")]);
    s.chain_id = "1337".into();
    let mut net = PluginDevnet::genesis("evm", &geth, s).await.unwrap();
    assert_eq!(net.binary_runs(), 0, "Clique genesis needs no binary run");

    for i in 0..net.nodes.len() {
        let slot = net.nodes[i].clone();
        for cmd in net.plugin.init_commands(&net.spec, &slot).await.unwrap() {
            let out = Command::new(&geth)
                .args(&cmd.args)
                .current_dir(net.dir())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}: geth {:?} failed:\n{}",
                slot.name,
                cmd.args,
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    // Signers that all seal block 1 before they have peered can fork and stall Clique ("signed
    // recently" on both branches). The first signer seals block 1 alone; the rest join after.
    net.start_node(0).await.unwrap();
    net.wait_status(0, "block 1", Duration::from_secs(60), |s| s.height >= 1)
        .unwrap();
    for i in 1..net.nodes.len() {
        net.start_node(i).await.unwrap();
    }
    for i in 0..net.nodes.len() {
        let status = net
            .wait_status(i, "height 4", Duration::from_secs(90), |s| s.height >= 4)
            .unwrap();
        assert!(status.peers >= 1, "{}: {status:?}", net.nodes[i].name);
    }

    // The signers geth reports are the keyring's keys, in the order the genesis named them.
    let mut expected: Vec<Address> = (0..3)
        .map(|i| {
            let public = net.keyring.public_key(&format!("validator-{i}")).unwrap();
            let point = k256::PublicKey::from_sec1_bytes(&public).unwrap();
            use k256::elliptic_curve::sec1::ToEncodedPoint as _;
            Address::from_raw_public_key(&point.to_encoded_point(false).as_bytes()[1..])
        })
        .collect();
    expected.sort();
    let signers = rpc::eth_call(net.port(3, "http"), "clique_getSigners", serde_json::json!([])).unwrap();
    let mut got: Vec<Address> = signers
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().parse().unwrap())
        .collect();
    got.sort();
    assert_eq!(got, expected);

    // Blocks are sealed by more than one signer.
    let mut sealers = std::collections::BTreeSet::new();
    for n in 1..=4u64 {
        let block = rpc::eth_call(
            net.port(0, "http"),
            "clique_getSigner",
            serde_json::json!([format!("0x{n:x}")]),
        )
        .unwrap();
        sealers.insert(block.as_str().unwrap().to_lowercase());
    }
    assert!(sealers.len() >= 2, "blocks 1-4 were all sealed by {sealers:?}");
    net.stop_and_check().unwrap();
}
