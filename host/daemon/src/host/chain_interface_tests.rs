//! A transaction for a devnet whose plugin has no `chain` interface (built against API 0.1.0)
//! is refused when it is submitted, in one call and saying why, and nothing is recorded. The
//! fixture comes from `cargo xtask plugins` and is found on the plugin path.

#![allow(clippy::unwrap_used)]

use crate::{Config, DaemonError, Home, Host};
use devnet_core::{Devnet, DevnetSpec, RuntimeKind, Transaction, TxRequest, TxSpec};
use devnet_test_fixtures as components;

#[tokio::test]
async fn a_tx_for_a_plugin_without_the_chain_interface_should_be_refused_at_once() {
    let home = tempfile::tempdir().unwrap();
    let fixtures = components::component("api-v0-1").parent().unwrap().to_path_buf();
    let config = Config {
        plugin_path: vec![fixtures],
        ..Config::default()
    };
    let host = Host::open(Home::at(home.path()), config, vec![]).unwrap();
    let spec = DevnetSpec {
        network: "api-v0-1".into(),
        version: "v1.0.0".into(),
        binary: String::new(),
        chain_id: "old-1".into(),
        validators: 1,
        full_nodes: 0,
        accounts: vec![],
        overrides: vec![],
        runtime: RuntimeKind::Local,
        running: true,
    };
    host.ctx.store.write(|w| w.create(Devnet::new("old", spec))).unwrap();

    let tx = TxSpec {
        devnet: "old".into(),
        from: "validator-0".into(),
        request: Some(TxRequest::new(
            "bank-send",
            serde_json::json!({"to": "cosmos1x", "amount": []}),
        )),
        raw: None,
        unordered: false,
    };
    let err = host.submit_tx(tx.clone()).await.unwrap_err();
    assert!(matches!(err, DaemonError::FailedPrecondition(_)), "{err:?}");
    let said = err.to_string();
    assert!(
        said.contains("devnet:plugin@0.1.0") && said.contains("no `chain` interface") && said.contains("api-v0-1"),
        "{said}"
    );
    // A batch is refused the same way; nothing of either is in the store.
    let err = host.submit_txs(vec![tx.clone(), tx]).await.unwrap_err();
    assert!(matches!(err, DaemonError::FailedPrecondition(_)), "{err:?}");
    assert!(host.ctx.store.list::<Transaction>("old/").unwrap().is_empty());
}
