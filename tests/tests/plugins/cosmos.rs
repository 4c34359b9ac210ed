//! The cosmos plugin, loaded as a component in the real host, reads the real simd's version
//! output, and the version and status of a live simd network through its granted HTTP.

use std::collections::BTreeSet;
use std::process::Command;

use devnet_e2e::chain::binary;
use devnet_e2e::plugins::component;
use devnet_e2e::simd_net::SimdNet;
use devnet_plugin_host::wit::{NamedPort, NodeRole, NodeSlot};
use devnet_plugin_host::{Capability, DevnetGrant, EngineLimits, LoadedPlugin, PluginEngine};

async fn cosmos(cache: &std::path::Path) -> LoadedPlugin {
    let engine = PluginEngine::new(cache, EngineLimits::default()).unwrap();
    engine.load(&component("cosmos")).await.unwrap()
}

#[tokio::test]
async fn cosmos_plugin_should_parse_the_real_simd_version_output() {
    let cache = tempfile::tempdir().unwrap();
    let plugin = cosmos(cache.path()).await;
    assert_eq!(plugin.id, format!("cosmos@{}", env!("CARGO_PKG_VERSION")));
    let mut p = plugin.instantiate(DevnetGrant::none("version")).await.unwrap();
    let args = p.version_args().await.unwrap();
    let output = Command::new(binary("simd", "v0.50")).args(&args).output().unwrap();
    assert!(output.status.success());
    let version = p
        .parse_version_output(&String::from_utf8_lossy(&output.stdout))
        .await
        .unwrap();
    assert!(version.starts_with("v0.50."), "{version}");
    let err = p
        .parse_version_output("simd: command not found")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("cosmos@") && err.contains("version --long -o json"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cosmos_plugin_should_read_version_and_status_from_a_live_network() {
    let mut net = SimdNet::start("v0.50", 2).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let plugin = cosmos(cache.path()).await;
    let p0 = &net.ports[0];
    let node = NodeSlot {
        index: 0,
        role: NodeRole::Validator,
        name: "node0".into(),
        home: "node0".into(),
        ports: vec![
            NamedPort {
                name: "rpc".into(),
                port: p0.rpc,
            },
            NamedPort {
                name: "p2p".into(),
                port: p0.p2p,
            },
            NamedPort {
                name: "grpc".into(),
                port: p0.grpc,
            },
            NamedPort {
                name: "api".into(),
                port: p0.api,
            },
        ],
    };
    let mut grant = DevnetGrant::none("live").with(Capability::Http);
    grant.http_ports = BTreeSet::from([p0.rpc, p0.api]);
    let mut p = plugin.instantiate(grant).await.unwrap();

    let version = devnet_e2e::wait_for("node_info on the REST API", std::time::Duration::from_secs(30), || {
        Ok(futures_lite(p.detect_live(&node)).ok())
    });
    let version = version.unwrap_or_else(|e| panic!("{e}\n{}", net.log_tail(0)));
    assert!(version.starts_with("v0.50."), "{version}");

    let status = p.node_status(&node).await.unwrap();
    assert!(status.height >= 1, "{status:?}");
    assert_eq!(status.peers, 1, "node0 should see the other validator: {status:?}");

    // Without the grant the same call is refused by the host, not answered.
    let mut denied = plugin.instantiate(DevnetGrant::none("live")).await.unwrap();
    let err = denied.node_status(&node).await.unwrap_err().to_string();
    assert!(
        err.contains("denied") && err.contains("the `http` capability is not granted"),
        "{err}"
    );
    net.stop_and_check().unwrap();
}

/// Runs a future to completion from inside a synchronous poll loop on the current runtime.
fn futures_lite<F: std::future::Future>(f: F) -> F::Output {
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(f))
}
