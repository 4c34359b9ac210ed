//! API 0.7.0's `placement`: the host tells a plugin where each of its devnet's nodes is, and the
//! plugin writes those addresses into the peers' files; a node the grant does not place is on
//! loopback. The commonware plugin's peer list shows both (it needs no binary).

#![allow(clippy::unwrap_used)]

use devnet_keyring::Keyring;
use devnet_plugin_host::wit::{NodeAddress, NodeSlot};
use devnet_plugin_host::{ApiVersion, Capability, DevnetGrant, EngineLimits, PluginEngine};
use devnet_test_fixtures::component;

#[path = "common/alto.rs"]
mod alto;

use alto::{slot, spec};

#[tokio::test]
async fn a_plugin_should_write_each_peer_where_the_host_placed_it() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let engine = PluginEngine::new(cache.path(), EngineLimits::default()).unwrap();
    let loaded = engine.load(&component("commonware")).await.unwrap();
    assert!(loaded.api_version.has_placement());
    assert_eq!(loaded.api_version, ApiVersion::NEWEST);
    let mut grant = DevnetGrant::none("alto").with(Capability::Log);
    grant.dir = Some(dir.path().to_path_buf());
    // Three validators on the devnet's own network; validator-3 is left unplaced.
    for i in 0..3 {
        grant.addresses.insert(
            format!("validator-{i}"),
            NodeAddress {
                peer_host: format!("10.77.0.{}", i + 2),
                bind_host: "0.0.0.0".into(),
            },
        );
    }
    let mut p = loaded.instantiate(grant).await.unwrap();
    let mut keyring = Keyring::in_memory();
    let nodes: Vec<NodeSlot> = (0..4).map(slot).collect();
    p.run_genesis(&mut keyring, &spec(4), &nodes).await.unwrap();
    let peers = std::fs::read_to_string(dir.path().join("peers.yaml")).unwrap();
    for (i, host) in ["10.77.0.2", "10.77.0.3", "10.77.0.4", "127.0.0.1"].iter().enumerate() {
        let entry = format!(": {host}:{}\n", 41000 + 2 * i);
        assert!(peers.contains(&entry), "validator-{i} should be at {host}: {peers}");
    }
    assert!(!p.is_poisoned());
}
