//! The AOT cache: the first load compiles, later ones map the cached file, a damaged entry is
//! replaced, and concurrent loads of one component into one cache all succeed.

#![allow(clippy::unwrap_used)]

use devnet_test_fixtures as components;

use std::path::PathBuf;

use components::component;
use devnet_plugin_host::{CacheOutcome, EngineLimits, PluginEngine};

fn cached_files(dir: &std::path::Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect()
}

#[tokio::test]
async fn the_second_load_should_come_from_the_cache_and_a_damaged_entry_be_replaced() {
    let cache = tempfile::tempdir().unwrap();
    let first = PluginEngine::new(cache.path(), EngineLimits::default()).unwrap();
    let loaded = first.load(&component("cosmos")).await.unwrap();
    assert_eq!(loaded.cache, CacheOutcome::Compiled);
    assert_eq!(loaded.api_version, devnet_plugin_host::ApiVersion::NEWEST);
    let files = cached_files(cache.path());
    assert_eq!(files.len(), 1, "one .cwasm and no temporary files: {files:?}");

    // A new engine (a daemon restart) maps the file instead of compiling.
    let second = PluginEngine::new(cache.path(), EngineLimits::default()).unwrap();
    assert_eq!(
        second.load(&component("cosmos")).await.unwrap().cache,
        CacheOutcome::Hit
    );

    // A damaged entry is dropped and compiled again, not trusted. (Damage it only once nothing
    // maps it: a mapped cache file must never change in place, which is why the host replaces
    // entries by rename only.)
    let id = loaded.id.clone();
    drop((loaded, first, second));
    std::fs::write(&files[0], b"garbage").unwrap();
    let third = PluginEngine::new(cache.path(), EngineLimits::default()).unwrap();
    let again = third.load(&component("cosmos")).await.unwrap();
    assert_eq!(again.cache, CacheOutcome::Compiled);
    assert_eq!(again.id, id);
    assert_eq!(cached_files(cache.path()).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_loads_of_one_component_should_all_succeed() {
    let cache = tempfile::tempdir().unwrap();
    let engine = PluginEngine::new(cache.path(), EngineLimits::default()).unwrap();
    let loads: Vec<_> = (0..6)
        .map(|_| {
            let engine = engine.clone();
            tokio::spawn(async move { engine.load(&component("evm")).await.map(|l| l.id) })
        })
        .collect();
    for load in loads {
        let id = load.await.unwrap().unwrap();
        assert!(id.starts_with("evm@"), "{id}");
    }
    let files = cached_files(cache.path());
    assert_eq!(files.len(), 1, "one .cwasm and no temporary files left: {files:?}");
}
