//! Plugins of every supported API version run in this host. The fixtures `api-v0-1` and
//! `api-v0-2` are built from the frozen `wit/v0.1.0` and `wit/v0.2.0` folders with wit-bindgen
//! alone; the built-in plugins are on the SDK's current API. Values cross the version boundary whole, and an export newer than a plugin's API
//! is refused with a message that says so.

#![allow(clippy::unwrap_used)]

#[path = "../../../tests/src/plugins.rs"]
mod components;

use components::component;
use devnet_plugin_host::wit::{
    BankSend, Coin, DevnetSpec, NamedPort, NodeRole, NodeSlot, Platform, Signer, TxKind, TxOptions, TxRequest,
};
use devnet_plugin_host::{ApiVersion, Capability, DevnetGrant, EngineLimits, PluginEngine, PluginHostError};

fn spec() -> DevnetSpec {
    DevnetSpec {
        name: "old".into(),
        chain_id: "old-7".into(),
        chain_version: "v1.2.3".into(),
        validators: 1,
        full_nodes: 0,
        accounts: vec![],
        overrides: vec![],
    }
}

fn node() -> NodeSlot {
    NodeSlot {
        index: 0,
        role: NodeRole::Validator,
        name: "validator-0".into(),
        home: "nodes/validator-0".into(),
        ports: vec![NamedPort {
            name: "rpc".into(),
            port: 40123,
        }],
    }
}

#[tokio::test]
async fn a_plugin_built_against_api_0_1_0_should_work_in_this_host() {
    assert_eq!(ApiVersion::ALL.map(ApiVersion::as_str), ["0.1.0", "0.2.0", "0.3.0"]);
    let cache = tempfile::tempdir().unwrap();
    let engine = PluginEngine::new(cache.path(), EngineLimits::default()).unwrap();
    let old = engine.load(&component("api-v0-1")).await.unwrap();
    assert_eq!(old.api_version, "0.1.0");
    assert_eq!(old.id, "api-v0-1@0.1.0");
    let current = engine.load(&component("cosmos")).await.unwrap();
    assert_eq!(current.api_version, "0.3.0");

    let mut p = old
        .instantiate(DevnetGrant::none("old").with(Capability::Log))
        .await
        .unwrap();
    let info = p.info().await.unwrap();
    assert_eq!(info.platform, Platform::Other);
    assert_eq!(info.chain_versions[0].until.as_deref(), Some("v2.0.0"));
    assert_eq!(info.tx_kinds[0].kinds, vec![TxKind::BankSend]);

    // Arguments in, results out, through the 0.1.0 types (and its `host.log` import).
    assert_eq!(p.node_ports(NodeRole::FullNode).await.unwrap(), vec!["rpc"]);
    let start = p.start_command(&spec(), &node()).await.unwrap();
    assert_eq!(start.args, ["start", "--chain-id", "old-7", "--rpc", "40123"]);
    assert_eq!(start.env, [("NODE_HOME".to_string(), "nodes/validator-0".to_string())]);
    let halt = p.upgrade_halt("HALT 77").await.unwrap().unwrap();
    assert_eq!((halt.name.as_str(), halt.height), ("fixture-upgrade", 77));
    assert_eq!(p.parse_version_output("fixture 1.4.2").await.unwrap(), "v1.4.2");
    let err = p.parse_version_output("nonsense").await.unwrap_err().to_string();
    assert!(err.contains("invalid input: not a fixture version"), "{err}");

    // A tx builder resource made, used and dropped across the boundary.
    let h = p.tx_builder("old-7", "v1.2.3").await.unwrap();
    assert_eq!(p.tx_kinds(&h).await.unwrap(), vec![TxKind::BankSend]);
    let request = TxRequest::BankSend(BankSend {
        to: "bob".into(),
        amount: vec![Coin {
            denom: "tok".into(),
            amount: "5".into(),
        }],
    });
    let signer = Signer {
        address: "alice".into(),
        public_key: vec![2; 33],
        account_number: 3,
        sequence: 9,
    };
    let options = TxOptions {
        gas_limit: None,
        fee: vec![],
        memo: "hi".into(),
        unordered: false,
        timeout_unix_secs: None,
    };
    let tx = p.tx_build(&h, &request, &signer, &options).await.unwrap();
    assert_eq!(
        String::from_utf8(tx.body.clone()).unwrap(),
        "v1.2.3 send 5tok to bob from alice seq 9 memo hi"
    );
    let signed = p.tx_assemble(&h, &tx, b"SIG").await.unwrap();
    assert!(signed.ends_with(b"SIG"));
    p.drop_tx_builder(h).await.unwrap();
    let refused = p.tx_builder("old-7", "v3.0.0").await.unwrap_err().to_string();
    assert!(refused.contains("unsupported: no builder for v3.0.0"), "{refused}");

    // What 0.2.0 added is refused by name, without a call into the plugin (the instance is not
    // restarted), and the instance keeps serving afterwards.
    let refused = p.account(&node(), "alice").await.unwrap_err();
    assert!(matches!(refused, PluginHostError::NotInApi { .. }), "{refused:?}");
    assert!(!refused.is_transient() && !p.is_poisoned());
    let err = refused.to_string();
    assert!(err.contains("chain.account"), "{err}");
    assert!(err.contains("devnet:plugin@0.1.0"), "{err}");
    let err = p
        .export_command(&spec(), &node(), None, "x.json")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("operate.export-command") && err.contains("devnet:plugin@0.1.0"),
        "{err}"
    );
    assert_eq!(p.node_ports(NodeRole::Validator).await.unwrap(), vec!["rpc", "p2p"]);
}

#[tokio::test]
async fn a_plugin_built_against_api_0_2_0_should_answer_chain_calls_in_this_host() {
    let cache = tempfile::tempdir().unwrap();
    let engine = PluginEngine::new(cache.path(), EngineLimits::default()).unwrap();
    let loaded = engine.load(&component("api-v0-2")).await.unwrap();
    assert_eq!(
        (loaded.api_version.as_str(), loaded.id.as_str()),
        ("0.2.0", "api-v0-2@0.2.0")
    );
    let mut p = loaded.instantiate(DevnetGrant::none("v2")).await.unwrap();
    // The exports 0.1.0 had, through the 0.2.0 types.
    let start = p.start_command(&spec(), &node()).await.unwrap();
    assert_eq!(start.args, ["start", "--chain-id", "old-7", "--rpc", "40123"]);
    let h = p.tx_builder("old-7", "v1.9.0").await.unwrap();
    assert_eq!(p.tx_kinds(&h).await.unwrap(), vec![TxKind::BankSend]);

    // What 0.2.0 added: arguments in and results out, converted on the way.
    let account = p.account(&node(), "alice").await.unwrap().unwrap();
    assert_eq!((account.number, account.sequence), (5, 7));
    assert!(p.account(&node(), "").await.unwrap().is_none());
    assert_eq!(p.address(&spec(), &[1, 2, 3]).await.unwrap(), "old-7:3");
    match p.broadcast(&node(), b"").await.unwrap() {
        devnet_plugin_host::wit::BroadcastResult::Rejected(r) => assert_eq!((r.code, r.log.as_str()), (2, "empty tx")),
        other => panic!("{other:?}"),
    }
    let outcome = p.tx_result(&node(), "ABC").await.unwrap().unwrap();
    assert_eq!(outcome.attributes, [("hash".to_string(), "ABC".to_string())]);
    let proposal = p.proposal(&node(), 4).await.unwrap().unwrap();
    assert_eq!(proposal.phase, devnet_plugin_host::wit::ProposalPhase::Passed);

    // What 0.3.0 added is refused by name.
    let err = p
        .halting_start_command(&spec(), &node(), 9)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("operate.halting-start-command"), "{err}");
    assert!(err.contains("devnet:plugin@0.2.0"), "{err}");
    assert_eq!(p.node_ports(NodeRole::FullNode).await.unwrap(), vec!["rpc"]);
}

#[tokio::test]
async fn the_current_api_should_derive_addresses_through_the_plugin() {
    let cache = tempfile::tempdir().unwrap();
    let engine = PluginEngine::new(cache.path(), EngineLimits::default()).unwrap();
    let mut cosmos = engine
        .load(&component("cosmos"))
        .await
        .unwrap()
        .instantiate(DevnetGrant::none("a"))
        .await
        .unwrap();
    let key = [2u8; 33];
    let default = cosmos.address(&spec(), &key).await.unwrap();
    assert!(default.starts_with("cosmos1"), "{default}");
    let mut custom = spec();
    custom.overrides.push(devnet_plugin_host::wit::Override {
        key: "bech32-prefix".into(),
        value: "osmo".into(),
    });
    let osmo = cosmos.address(&custom, &key).await.unwrap();
    assert!(osmo.starts_with("osmo1"), "{osmo}");
    // The same 20 bytes under both prefixes: only the human-readable part differs.
    assert_eq!(default.len() - "cosmos".len(), osmo.len() - "osmo".len());
}
