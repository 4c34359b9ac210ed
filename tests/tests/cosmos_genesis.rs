//! The cosmos plugin's genesis, made in the real host with host-held keys, checked by the real
//! simd: `genesis validate` for 1, 4 and 32 validators, and a 4-validator + 1 full-node network
//! started from it that makes blocks.

use std::os::unix::fs::PermissionsExt as _;
use std::process::Command;
use std::time::Duration;

use devnet_e2e::chain::binary;
use devnet_e2e::plugin_devnet::{PluginDevnet, spec};
use devnet_e2e::process::{GroupProcess, group_members};
use devnet_e2e::{ports::is_listening, wait_for};

fn genesis_json(net: &PluginDevnet, i: usize) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(net.home(i).join("config/genesis.json")).unwrap()).unwrap()
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
        let g = genesis_json(&net, 0);
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
    let mut nodes = Vec::new();
    for i in 0..net.nodes.len() {
        let slot = net.nodes[i].clone();
        let start = net.plugin.start_command(&net.spec, &slot).await.unwrap();
        let mut cmd = Command::new(&simd);
        cmd.args(&start.args).current_dir(net.dir());
        nodes.push(
            GroupProcess::spawn(
                &slot.name,
                &mut cmd,
                &net.root.path().join(format!("{}.log", slot.name)),
            )
            .unwrap(),
        );
    }
    let log_tail = |name: &str| {
        let text = std::fs::read_to_string(net.root.path().join(format!("{name}.log"))).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    };
    for i in 0..net.nodes.len() {
        let slot = net.nodes[i].clone();
        let status = wait_for(&format!("{} at height 3", slot.name), Duration::from_secs(90), || {
            for n in nodes.iter_mut() {
                n.assert_running()?;
            }
            let s = tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(net.plugin.node_status(&slot))
            })?;
            Ok((s.height >= 3 && !s.catching_up).then_some(s))
        })
        .unwrap_or_else(|e| panic!("{e}\n{}", log_tail(&slot.name)));
        assert!(status.peers >= 1, "{}: {status:?}", slot.name);
    }

    let pgids: Vec<i32> = nodes.iter().map(GroupProcess::pgid).collect();
    for n in nodes.iter_mut() {
        n.stop(Duration::from_secs(10)).unwrap();
    }
    for pgid in pgids {
        assert!(group_members(pgid).is_empty(), "group {pgid} survived");
    }
    for slot in &net.nodes {
        for p in &slot.ports {
            assert!(!is_listening(p.port), "{} port {} still bound", slot.name, p.name);
        }
    }
}
