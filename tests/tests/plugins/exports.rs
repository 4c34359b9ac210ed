//! Every plugin, loaded as a component in the real host, answers every export of
//! `devnet:plugin@0.1.0` with a result that fits its chain: genesis through the host's keyring,
//! node commands that start a real node (simd for cosmos, anvil for evm), that node's status
//! and live version, the upgrade-halt reader, version parsing, and a transaction built, signed
//! by the host and assembled. Each test checks at the end that it called every export.

use devnet_e2e::addresses::{cosmos_address, evm_address};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use devnet_e2e::chain::binary;
use devnet_e2e::plugin_devnet::{PluginDevnet, spec};
use devnet_e2e::process::GroupProcess;
use devnet_keyring::Algorithm;
use devnet_plugin_host::wit::{AccountSpec, Coin, NodeRole, Signer, TxOptions, TxRequest};
use devnet_plugin_host::{PluginInstance, sign_request};
use serde_json::json;

/// Every function a `devnet:plugin@0.1.0` component exports.
const EXPORTS: [&str; 15] = [
    "info",
    "genesis.keys",
    "genesis.build",
    "node.ports",
    "node.init-commands",
    "node.start-command",
    "node.status",
    "node.upgrade-halt",
    "version.version-args",
    "version.parse-version-output",
    "version.detect-live",
    "tx-builder.create",
    "tx-builder.kinds",
    "tx-builder.build",
    "tx-builder.assemble",
];

#[derive(Default)]
struct Called(BTreeSet<&'static str>);

impl Called {
    fn add(&mut self, export: &'static str) {
        assert!(EXPORTS.contains(&export), "{export} is not an export");
        self.0.insert(export);
    }

    fn assert_all(&self, plugin: &str) {
        let missing: Vec<&str> = EXPORTS.iter().filter(|e| !self.0.contains(*e)).copied().collect();
        assert!(missing.is_empty(), "{plugin}: exports not called: {missing:?}");
    }
}

fn options() -> TxOptions {
    TxOptions {
        ordered: true,
        now_unix_secs: 1_900_000_000,
    }
}

/// One transaction to build for the keyring's `key`.
struct TxCase {
    chain_id: &'static str,
    version: &'static str,
    key: &'static str,
    address: String,
    request: TxRequest,
    /// What the plugin's `chain.account` would have said beside the sequence.
    account: &'static str,
}

/// Builds the case's request, has the host sign it, and assembles it.
async fn build_sign_assemble(called: &mut Called, net: &mut PluginDevnet, case: TxCase) -> Vec<u8> {
    let public_key = net.keyring.ensure(case.key, Algorithm::Secp256k1).unwrap();
    let p = &mut net.plugin;
    let h = p.tx_builder(case.chain_id, case.version).await.unwrap();
    called.add("tx-builder.create");
    let kinds = p.tx_kinds(&h).await.unwrap();
    called.add("tx-builder.kinds");
    let kind = kinds
        .iter()
        .find(|k| k.name == case.request.kind)
        .unwrap_or_else(|| panic!("{} is not among {kinds:?}", case.request.kind));
    assert!(!kind.summary.is_empty() && !kind.example.is_empty(), "{kind:?}");
    let signer = Signer {
        address: case.address,
        public_key,
        sequence: 0,
        account: case.account.into(),
    };
    let unsigned = p.tx_build(&h, &case.request, &signer, &options()).await.unwrap();
    called.add("tx-builder.build");
    let mut to_sign = unsigned.sign.clone();
    to_sign.key_id = case.key.into();
    let signature = sign_request(&net.keyring, &to_sign).unwrap();
    let bytes = p.tx_assemble(&h, &unsigned, &signature).await.unwrap();
    called.add("tx-builder.assemble");
    p.drop_tx_builder(h).await.unwrap();
    assert!(bytes.len() > unsigned.body.len(), "the signed tx carries the signature");
    bytes
}

/// `info`, `node.ports`, `version.*` and `node.upgrade-halt` on one plugin.
async fn describe(called: &mut Called, p: &mut PluginInstance, family: &str, binary_output: &str, want_version: &str) {
    let info = p.info().await.unwrap();
    called.add("info");
    assert_eq!(info.family, family);
    assert!(!info.chain_versions.is_empty() && !info.tx_kinds.is_empty());
    for role in [NodeRole::Validator, NodeRole::FullNode] {
        let ports = p.node_ports(role).await.unwrap();
        called.add("node.ports");
        assert!(!ports.is_empty(), "{role:?}");
    }
    let args = p.version_args().await.unwrap();
    called.add("version.version-args");
    assert!(!args.is_empty());
    let version = p.parse_version_output(binary_output).await.unwrap();
    called.add("version.parse-version-output");
    assert!(version.starts_with(want_version), "{version}");
    let err = p
        .parse_version_output("command not found")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.starts_with(&format!("{}@", info.name)), "{err}");
}

fn output_of(binary: &Path, args: &[String]) -> String {
    let out = Command::new(binary).args(args).output().unwrap();
    assert!(out.status.success(), "{} {args:?}", binary.display());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cosmos_plugin_should_answer_every_export() {
    let mut called = Called::default();
    let simd = binary("simd", "v0.50");
    let mut s = spec("v0.50.15", 1, 0, &[("block-time", "1s")]);
    s.accounts = vec![AccountSpec {
        name: "alice".into(),
        balances: vec![Coin {
            denom: "stake".into(),
            amount: "1000000".into(),
        }],
    }];
    let keys = {
        let mut net = PluginDevnet::genesis("cosmos", &simd, s.clone()).await.unwrap();
        let version_output = output_of(&simd, &net.plugin.version_args().await.unwrap());
        describe(&mut called, &mut net.plugin, "cosmos", &version_output, "v0.50.").await;
        net
    };
    let mut net = keys;
    let requested = net.plugin.genesis_keys(&s).await.unwrap();
    called.add("genesis.keys");
    assert!(requested.iter().any(|k| k.id == "alice"), "{requested:?}");
    assert!(
        net.genesis.files.iter().any(|f| f.ends_with("genesis.json")),
        "{:?}",
        net.genesis.files
    );
    called.add("genesis.build");

    // Genesis wrote every file a cosmos node needs: nothing to run before its first start.
    assert!(net.plugin.init_commands(&s, &net.nodes[0]).await.unwrap().is_empty());
    called.add("node.init-commands");
    net.start().await.unwrap();
    called.add("node.start-command");
    let status = net
        .wait_status(0, "block 2", Duration::from_secs(60), |st| st.height >= 2)
        .unwrap();
    called.add("node.status");
    assert!(!status.catching_up);
    let node = net.nodes[0].clone();
    let live = net.plugin.detect_live(&node).await.unwrap();
    called.add("version.detect-live");
    assert!(live.starts_with("v0.50."), "{live}");

    let halt = net
        .plugin
        .upgrade_halt(r#"ERR UPGRADE "v2" NEEDED at height: 42: {}"#)
        .await
        .unwrap()
        .expect("a halt line");
    called.add("node.upgrade-halt");
    assert_eq!((halt.name.as_str(), halt.height), ("v2", 42));
    assert!(net.plugin.upgrade_halt("INF committed state").await.unwrap().is_none());

    let to = net.keyring.ensure("bob", Algorithm::Secp256k1).unwrap();
    let alice_key = net.keyring.public_key("alice").unwrap();
    let address = |key: &[u8]| cosmos_address("cosmos", key);
    let request = TxRequest {
        kind: "bank-send".into(),
        json: json!({"to": address(&to), "amount": [{"denom": "stake", "amount": "5"}], "gas_limit": 200_000})
            .to_string(),
    };
    build_sign_assemble(
        &mut called,
        &mut net,
        TxCase {
            chain_id: "test-1",
            version: "v0.50.15",
            key: "alice",
            address: address(&alice_key),
            request,
            account: r#"{"number":0}"#,
        },
    )
    .await;
    net.stop_and_check().unwrap();
    called.assert_all("cosmos");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_evm_plugin_should_answer_every_export() {
    let mut called = Called::default();
    let anvil = binary("anvil", "");
    let s = {
        // The version as the plugin detects it on the anvil binary.
        let mut s = spec("v1.7.1+anvil", 1, 0, &[("client", "anvil"), ("block-time", "1")]);
        s.chain_id = "31337".into();
        s
    };
    let mut net = PluginDevnet::genesis("evm", &anvil, s.clone()).await.unwrap();
    called.add("genesis.build");
    // anvil starts from a genesis that funds the validator's key.
    let keys = net.plugin.genesis_keys(&s).await.unwrap();
    assert_eq!(keys.iter().map(|k| k.id.as_str()).collect::<Vec<_>>(), ["validator-0"]);
    assert!(net.dir().join("anvil-state.json").exists());
    called.add("genesis.keys");
    let version_output = output_of(&anvil, &net.plugin.version_args().await.unwrap());
    describe(&mut called, &mut net.plugin, "evm", &version_output, "v1.7.").await;

    assert!(net.plugin.init_commands(&s, &net.nodes[0]).await.unwrap().is_empty());
    called.add("node.init-commands");
    net.start().await.unwrap();
    called.add("node.start-command");
    net.wait_status(0, "block 2", Duration::from_secs(30), |st| st.height >= 2)
        .unwrap();
    called.add("node.status");
    let node = net.nodes[0].clone();
    assert!(net.plugin.detect_live(&node).await.unwrap().starts_with("v1.7."));
    called.add("version.detect-live");
    // EVM clients stop for no upgrade: no log line is a halt.
    assert!(
        net.plugin
            .upgrade_halt(r#"UPGRADE "v2" NEEDED at height: 42"#)
            .await
            .unwrap()
            .is_none()
    );
    called.add("node.upgrade-halt");

    let alice = net.keyring.ensure("alice", Algorithm::Secp256k1).unwrap();
    let request = TxRequest {
        kind: "evm-transfer".into(),
        json: json!({"to": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "value": "1"}).to_string(),
    };
    let bytes = build_sign_assemble(
        &mut called,
        &mut net,
        TxCase {
            chain_id: "31337",
            version: "v1.7.1",
            key: "alice",
            address: evm_address(&alice).to_checksum(None),
            request,
            account: "",
        },
    )
    .await;
    assert_eq!(bytes[0], 2, "an EIP-1559 transaction");
    net.stop_and_check().unwrap();
    called.assert_all("evm");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_tempo_plugin_should_answer_every_export() {
    let mut called = Called::default();
    let template = binary("tempo-genesis", "1.11.0");
    let mut s = spec("v1.11.0", 1, 1, &[]);
    s.chain_id = "1337".into();
    s.accounts = vec![AccountSpec {
        name: "alice".into(),
        balances: vec![Coin {
            denom: "pathUSD".into(),
            amount: "1000".into(),
        }],
    }];
    let place = |dir: &Path| -> anyhow::Result<()> {
        std::fs::copy(&template, dir.join("tempo-genesis-template.json"))?;
        Ok(())
    };
    let mut net = PluginDevnet::genesis_with("tempo", Path::new("/bin/false"), s.clone(), place)
        .await
        .unwrap();
    called.add("genesis.build");
    let keys = net.plugin.genesis_keys(&s).await.unwrap();
    called.add("genesis.keys");
    assert!(
        keys.iter().any(|k| k.id == "alice") && keys.iter().any(|k| k.id == "node-1.p2p"),
        "{keys:?}"
    );
    // The tempo binary cannot be built here (CHAINS.md): its version output is Tempo's format.
    describe(
        &mut called,
        &mut net.plugin,
        "tempo",
        "tempo Version: 1.11.0\nCommit SHA: 0\n",
        "v1.11.0",
    )
    .await;

    let init = net.plugin.init_commands(&s, &net.nodes[0]).await.unwrap();
    called.add("node.init-commands");
    assert_eq!(init[0].args[0], "init");
    let start = net.plugin.start_command(&s, &net.nodes[1]).await.unwrap();
    called.add("node.start-command");
    assert!(start.args.contains(&"--follow".to_string()), "{:?}", start.args);

    // The status and version readers speak Ethereum JSON-RPC; with no tempo binary, anvil answers
    // on the producer's HTTP port (a stand-in JSON-RPC server, not a Tempo node).
    let http = net.port(0, "http");
    let mut cmd = Command::new(binary("anvil", ""));
    cmd.args(["--host", "127.0.0.1", "--port", &http.to_string(), "--block-time", "1"]);
    let log = net.dir().join("anvil.log");
    let mut anvil = GroupProcess::spawn("anvil", &mut cmd, &log).unwrap();
    net.wait_status(0, "block 1", Duration::from_secs(30), |st| st.height >= 1)
        .unwrap();
    called.add("node.status");
    let node = net.nodes[0].clone();
    let err = net.plugin.detect_live(&node).await.unwrap_err().to_string();
    called.add("version.detect-live");
    assert!(err.contains("not a Tempo node"), "{err}");
    anvil.stop(Duration::from_secs(10)).unwrap();
    assert!(net.plugin.upgrade_halt("anything").await.unwrap().is_none());
    called.add("node.upgrade-halt");

    let alice = net.keyring.public_key("alice").unwrap();
    let request = TxRequest {
        kind: "tempo-transfer".into(),
        json: json!({"to": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "amount": "10"}).to_string(),
    };
    let bytes = build_sign_assemble(
        &mut called,
        &mut net,
        TxCase {
            chain_id: "1337",
            version: "v1.11.0",
            key: "alice",
            address: evm_address(&alice).to_checksum(None),
            request,
            account: "",
        },
    )
    .await;
    assert_eq!(bytes[0], 0x76);
    called.assert_all("tempo");
}
