//! The daemon's grant to a devnet's plugin: what a devnet allows, cut to what the plugin
//! declares. The fixtures come from `cargo xtask plugins` and are found on the plugin path.

#![allow(clippy::unwrap_used)]

use devnet_test_fixtures as components;
use std::sync::Arc;

use crate::plugins::{GrantFor, PluginDirs, Plugins};
use devnet_plugin_host::Capability;
use devnet_store::Store;

fn plugins(home: &std::path::Path) -> Plugins {
    let fixtures = components::component("hostile-http").parent().unwrap().to_path_buf();
    let store = Arc::new(Store::open(&home.join("store.redb")).unwrap());
    Plugins::new(
        PluginDirs {
            aot: home.join("aot"),
            installed: home.join("plugins"),
            trusted_keys: home.join("trusted-keys"),
            dev: vec![fixtures],
            builtin: vec![],
        },
        store,
    )
    .unwrap()
}

fn grant(devnet: &str, dir: &std::path::Path) -> GrantFor {
    GrantFor {
        devnet: devnet.into(),
        dir: dir.to_path_buf(),
        binary: "/bin/true".into(),
        ports: vec![1],
        addresses: Default::default(),
    }
}

#[tokio::test]
async fn a_plugin_declaring_only_http_should_be_denied_run_binary_and_write_file_by_the_daemon() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let plugins = plugins(home.path());

    let summary = plugins.summary("hostile-http").await.unwrap();
    assert_eq!(summary.capabilities, ["http"]);
    let instance = plugins
        .instance("hostile-http", grant("narrow", dir.path()))
        .await
        .unwrap();
    let mut p = instance.lock().await;
    assert_eq!(
        p.grant().capabilities.iter().copied().collect::<Vec<_>>(),
        [Capability::Http]
    );
    for (attack, call, capability) in [
        ("run-binary-host", "run-binary", "run-binary"),
        ("write-inside-host", "write-file", "files"),
    ] {
        let err = p.parse_version_output(attack).await.unwrap_err().to_string();
        assert!(
            err.contains(&format!(
                "{call}: hostile-http@6.6.6 did not declare the `{capability}` capability, so devnet narrow does not grant it"
            )),
            "{attack}: {err}"
        );
    }
    assert!(!dir.path().join("hostile-was-here").exists());
}

#[tokio::test]
async fn a_plugin_declaring_every_capability_should_get_the_devnets_whole_grant() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let plugins = plugins(home.path());

    let summary = plugins.summary("hostile").await.unwrap();
    assert_eq!(summary.capabilities, ["log", "run-binary", "files", "http"]);
    let instance = plugins.instance("hostile", grant("wide", dir.path())).await.unwrap();
    let mut p = instance.lock().await;
    assert_eq!(
        p.parse_version_output("write-inside-host").await.unwrap(),
        "WROTE hostile-was-here"
    );
    assert!(dir.path().join("hostile-was-here").exists());
    // Run-binary runs the devnet's own binary (/bin/true prints nothing), never `sh -c id`.
    assert_eq!(p.parse_version_output("run-binary-host").await.unwrap(), "ESCAPED: ");
}
