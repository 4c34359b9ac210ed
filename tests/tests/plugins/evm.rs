//! The evm plugin, loaded as a component in the real host, reads the real geth and anvil version
//! output, and starts real nodes with its own command, then reads their status and live version.

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

use devnet_e2e::chain::binary;
use devnet_e2e::ports::{free_ports, is_listening};
use devnet_e2e::process::{GroupProcess, group_members};
use devnet_plugin_host::wit::{DevnetSpec, NamedPort, NodeRole, NodeSlot, Override};
use devnet_plugin_host::{Capability, DevnetGrant, EngineLimits, LoadedPlugin, PluginEngine, PluginInstance};

async fn evm(cache: &std::path::Path) -> LoadedPlugin {
    let path = devnet_e2e::plugins::component("evm");
    PluginEngine::new(cache, EngineLimits::default())
        .unwrap()
        .load(&path)
        .await
        .unwrap()
}

fn spec(client: &str) -> DevnetSpec {
    DevnetSpec {
        name: "evm".into(),
        chain_id: "1337".into(),
        chain_version: String::new(),
        validators: 1,
        full_nodes: 0,
        accounts: vec![],
        overrides: vec![
            Override {
                key: "client".into(),
                value: client.into(),
            },
            Override {
                key: "block-time".into(),
                value: "1s".into(),
            },
        ],
    }
}

#[tokio::test]
async fn evm_plugin_should_parse_the_real_geth_and_anvil_version_output() {
    let cache = tempfile::tempdir().unwrap();
    let mut p = evm(cache.path())
        .await
        .instantiate(DevnetGrant::none("version"))
        .await
        .unwrap();
    let args = p.version_args().await.unwrap();
    for (name, line, want) in [
        ("geth", "v1.13", "v1.13."),
        ("geth", "v1.17", "v1.17."),
        ("anvil", "", "v1."),
    ] {
        let out = Command::new(binary(name, line)).args(&args).output().unwrap();
        assert!(out.status.success(), "{name} {args:?}");
        let v = p
            .parse_version_output(&String::from_utf8_lossy(&out.stdout))
            .await
            .unwrap();
        assert!(v.starts_with(want), "{name} {line}: {v}");
    }
}

async fn run_node_through_the_plugin(client: &str, name: &str, line: &str, want: &str) {
    let cache = tempfile::tempdir().unwrap();
    let plugin = evm(cache.path()).await;
    let devnet_dir = tempfile::tempdir().unwrap();
    let mut ports_p = plugin.instantiate(DevnetGrant::none("ports")).await.unwrap();
    let names = ports_p.node_ports(NodeRole::Validator).await.unwrap();
    let node = NodeSlot {
        index: 0,
        role: NodeRole::Validator,
        name: "node0".into(),
        home: "node0".into(),
        ports: names
            .into_iter()
            .zip(free_ports(3))
            .map(|(name, port)| NamedPort { name, port })
            .collect(),
    };
    let http = node.ports.iter().find(|p| p.name == "http").unwrap().port;
    let command = ports_p.start_command(&spec(client), &node).await.unwrap();

    // anvil starts from the genesis the plugin's genesis writes (a bare one here: this test
    // is about the node, not the accounts).
    std::fs::write(
        devnet_dir.path().join("anvil-genesis.json"),
        r#"{"config":{"chainId":1337}}"#,
    )
    .unwrap();
    let mut cmd = Command::new(binary(name, line));
    cmd.args(&command.args).current_dir(devnet_dir.path());
    let log = devnet_dir.path().join("node.log");
    let mut proc = GroupProcess::spawn(name, &mut cmd, &log).unwrap();

    let mut grant = DevnetGrant::none("evm").with(Capability::Http);
    grant.http_ports = BTreeSet::from([http]);
    let mut p: PluginInstance = plugin.instantiate(grant).await.unwrap();
    let mut first = None;
    for _ in 0..120 {
        proc.assert_running()
            .unwrap_or_else(|e| panic!("{e}\n{}", std::fs::read_to_string(&log).unwrap_or_default()));
        if let Ok(s) = p.node_status(&node).await {
            match first {
                None if s.height >= 1 => first = Some(s.height),
                Some(h) if s.height > h => break,
                _ => {}
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let status = p.node_status(&node).await.unwrap();
    assert!(
        first.is_some_and(|h| status.height > h),
        "{client}: no new block after {first:?}: {status:?}"
    );
    assert!(!status.catching_up);
    let version = p.detect_live(&node).await.unwrap();
    assert!(version.starts_with(want), "{client}: {version}");

    let pgid = proc.pgid();
    proc.stop(Duration::from_secs(10)).unwrap();
    assert!(group_members(pgid).is_empty(), "{client} left processes behind");
    assert!(
        node.ports.iter().all(|p| !is_listening(p.port)),
        "{client} left a port bound"
    );
}

#[tokio::test]
async fn evm_plugin_should_run_geth_dev_and_read_its_status_and_version() {
    run_node_through_the_plugin("geth", "geth", "v1.17", "v1.17.").await;
}

#[tokio::test]
async fn evm_plugin_should_run_anvil_and_read_its_status_and_version() {
    run_node_through_the_plugin("anvil", "anvil", "", "v1.").await;
}

#[tokio::test]
async fn evm_plugin_should_refuse_a_multi_node_geth_dev_devnet_and_an_unknown_client_and_pick_clique_for_many_nodes() {
    let cache = tempfile::tempdir().unwrap();
    let mut p = evm(cache.path())
        .await
        .instantiate(DevnetGrant::none("bad"))
        .await
        .unwrap();
    let node = NodeSlot {
        index: 0,
        role: NodeRole::Validator,
        name: "n".into(),
        home: "n".into(),
        ports: vec![],
    };
    let mut two = spec("geth");
    two.validators = 2;
    let err = p.start_command(&two, &node).await.unwrap_err().to_string();
    assert!(err.contains("single node") && err.contains("client `clique`"), "{err}");
    let err = p.start_command(&spec("besu"), &node).await.unwrap_err().to_string();
    assert!(err.contains("`geth-dev` (geth dev mode, one node)"), "{err}");
    // Refused at the first genesis call too, before anything is written.
    let err = p.genesis_keys(&spec("besu")).await.unwrap_err().to_string();
    assert!(err.contains("client \"besu\""), "{err}");

    // No client asked for: several nodes get Clique, which needs geth v1.13.
    let mut many = spec("geth");
    many.overrides.retain(|o| o.key != "client");
    many.validators = 3;
    many.chain_version = "v1.17.2".into();
    let err = p.genesis_keys(&many).await.unwrap_err().to_string();
    assert!(err.contains("Clique") && err.contains("--version v1.13"), "{err}");
    many.chain_version = "v1.13.15".into();
    let keys = p.genesis_keys(&many).await.unwrap();
    assert!(keys.iter().any(|k| k.id == "validator-2"), "{keys:?}");
}
