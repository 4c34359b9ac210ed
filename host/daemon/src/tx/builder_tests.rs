//! The daemon's tx builders against the real cosmos plugin: kept while the detected version
//! stays, replaced when an upgrade changes it, and the replacement builds the new format.

#![allow(clippy::unwrap_used)]

use crate::tx::builders::{BuilderChange, TxBuilders};
use devnet_plugin_host::wit::{Signer, TxOptions, TxRequest};
use devnet_plugin_host::{DevnetGrant, EngineLimits, PluginEngine};
use devnet_test_fixtures as components;

#[tokio::test]
async fn an_upgrade_should_replace_the_builder_and_the_new_one_should_build_the_new_format() {
    let cache = tempfile::tempdir().unwrap();
    let engine = PluginEngine::new(cache.path(), EngineLimits::default()).unwrap();
    let loaded = engine.load(&components::component("cosmos")).await.unwrap();
    let mut plugin = loaded.instantiate(DevnetGrant::none("hub")).await.unwrap();
    let mut builders = TxBuilders::default();

    let (first, change) = builders
        .for_version(&mut plugin, "hub", "hub-1", "v0.50.15")
        .await
        .unwrap();
    assert_eq!(change, BuilderChange::Made);
    let (again, change) = builders
        .for_version(&mut plugin, "hub", "hub-1", "v0.50.15")
        .await
        .unwrap();
    assert_eq!(change, BuilderChange::Kept);

    let send = TxRequest {
        kind: "bank-send".into(),
        json: r#"{"to":"cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu","amount":[{"denom":"stake","amount":"1"}]}"#
            .into(),
    };
    let signer = Signer {
        address: "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu".into(),
        public_key: vec![2; 33],
        sequence: 0,
        account: r#"{"number":0}"#.into(),
    };
    let unordered = TxOptions {
        ordered: false,
        now_unix_secs: 4_000_000_000,
    };
    let refused = plugin
        .tx_build(&again, &send, &signer, &unordered)
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("v0.53"), "{refused}");

    let (new, change) = builders
        .for_version(&mut plugin, "hub", "hub-1", "v0.53.4")
        .await
        .unwrap();
    assert_eq!(
        change,
        BuilderChange::Replaced {
            from: "v0.50.15".into()
        }
    );
    assert_eq!(builders.version("hub"), Some("v0.53.4"));
    plugin.tx_build(&new, &send, &signer, &unordered).await.unwrap();
    // The old builder went with the replacement.
    assert!(plugin.tx_kinds(&first).await.is_err());

    // Another devnet has its own.
    let (_, change) = builders
        .for_version(&mut plugin, "osmo", "osmo-1", "v0.50.15")
        .await
        .unwrap();
    assert_eq!(change, BuilderChange::Made);
    builders.forget("hub");
    assert_eq!(builders.version("hub"), None);
}
