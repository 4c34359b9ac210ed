//! The cosmos plugin's genesis, made in the real host with host-held keys, checked by the real
//! simd: `genesis validate` for 1, 4 and 32 validators, and a 4-validator + 1 full-node network
//! started from it that makes blocks.

use std::os::unix::fs::PermissionsExt as _;
use std::process::Command;
use std::time::Duration;

use devnet_e2e::chain::binary;
use devnet_e2e::plugin_devnet::{PluginDevnet, spec};

/// The devnet's one genesis file, which every node's config.toml points at.
fn genesis_json(net: &PluginDevnet) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(net.dir().join("genesis.json")).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn cosmos_genesis_should_pass_simd_validation_for_1_4_and_32_validators() {
    let simd = binary("simd", "v0.50");
    for n in [1u32, 4, 32] {
        let net = PluginDevnet::genesis("cosmos", &simd, spec("v0.50.15", n, 1, &[("gov.voting-period", "20s")]))
            .await
            .unwrap_or_else(|e| panic!("genesis for {n} validators: {e:#}"));
        assert_eq!(
            net.binary_runs(),
            1,
            "{n} validators: simd must run once, not per validator"
        );
        assert_eq!(
            net.genesis.rounds, 2,
            "one round to ask for gentx signatures, one to finish"
        );
        assert_eq!(net.genesis.signatures, n as usize);

        for i in 0..=n as usize {
            let out = Command::new(&simd)
                .args(["genesis", "validate", "--home"])
                .arg(net.home(i))
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{n} validators, node {i}: simd genesis validate failed:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        // One genesis, not a copy per node: simd's validation above found it through each
        // node's config.toml.
        for i in 0..=n as usize {
            assert!(
                !net.home(i).join("config/genesis.json").exists(),
                "node {i} has its own copy"
            );
        }
        let g = genesis_json(&net);
        assert_eq!(g["chain_id"], "test-1");
        assert_eq!(
            g["app_state"]["genutil"]["gen_txs"].as_array().unwrap().len(),
            n as usize
        );
        assert_eq!(g["app_state"]["gov"]["params"]["voting_period"], "20s");
        assert_eq!(g["app_state"]["bank"]["balances"].as_array().unwrap().len(), n as usize);

        // Secrets: filled by the host, readable by the owner only, and the key the keyring holds.
        for i in 0..n as usize {
            let path = net.home(i).join("config/priv_validator_key.json");
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", path.display());
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(!text.contains("${secret"), "placeholder left in {}", path.display());
            let key: serde_json::Value = serde_json::from_str(&text).unwrap();
            let public = net.keyring.public_key(&format!("validator-{i}.consensus")).unwrap();
            use base64::Engine as _;
            let b64 = base64::engine::general_purpose::STANDARD;
            assert_eq!(key["pub_key"]["value"], b64.encode(&public));
            let pair = b64.decode(key["priv_key"]["value"].as_str().unwrap()).unwrap();
            assert_eq!(&pair[32..], &public[..], "private key file holds seed || public key");
        }
        assert!(
            !net.home(n as usize).join("config/priv_validator_key.json").exists(),
            "a full node has no validator key"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_network_from_the_plugins_genesis_should_make_blocks_with_every_node_in_sync() {
    let simd = binary("simd", "v0.50");
    let mut net = PluginDevnet::genesis("cosmos", &simd, spec("v0.50.15", 4, 1, &[("block-time", "500ms")]))
        .await
        .unwrap();
    net.start().await.unwrap();
    for i in 0..net.nodes.len() {
        let status = net
            .wait_status(i, "height 3, caught up", Duration::from_secs(90), |s| {
                s.height >= 3 && !s.catching_up
            })
            .unwrap();
        assert!(status.peers >= 1, "{}: {status:?}", net.nodes[i].name);
    }
    net.stop_and_check().unwrap();
}
