//! Plugin host costs, as medians: cold load (compile), load from the AOT cache, instantiation,
//! and a trivial export call. Needs `cargo xtask plugins`; run `cargo bench -p devnet-plugin-host`.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use devnet_plugin_host::{CacheOutcome, DevnetGrant, EngineLimits, PluginEngine};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn show(name: &str, d: Duration, target: Option<Duration>) {
    let verdict = match target {
        Some(t) => format!("target {t:?}: {}", if d <= t { "met" } else { "MISSED" }),
        None => String::new(),
    };
    println!("{name:<44} median {:>12?}  {verdict}", d);
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let component = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/plugins/cosmos.wasm");
    assert!(
        component.exists(),
        "{} is missing; run `cargo xtask plugins`",
        component.display()
    );
    let size = std::fs::metadata(&component).unwrap().len();
    println!("component: {} ({} KiB)", component.display(), size / 1024);

    // Cold: a new cache directory each time, so every load compiles.
    let mut cold = Vec::new();
    for _ in 0..5 {
        let cache = tempfile::tempdir().unwrap();
        let engine = PluginEngine::new(cache.path(), EngineLimits::default()).unwrap();
        let t = Instant::now();
        let loaded = engine.load(&component).await.unwrap();
        cold.push(t.elapsed());
        assert_eq!(loaded.cache, CacheOutcome::Compiled);
    }
    show("load, cold (compile + link + info call)", median(cold), None);

    let cache = tempfile::tempdir().unwrap();
    let engine = PluginEngine::new(cache.path(), EngineLimits::default()).unwrap();
    let loaded = engine.load(&component).await.unwrap();
    let mut warm = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        let again = engine.load(&component).await.unwrap();
        warm.push(t.elapsed());
        assert_eq!(again.cache, CacheOutcome::Hit);
    }
    show(
        "load from AOT cache (mmap + link + info call)",
        median(warm),
        Some(Duration::from_millis(1)),
    );

    let mut inst = Vec::new();
    for _ in 0..1000 {
        let t = Instant::now();
        let i = loaded.instantiate(DevnetGrant::none("bench")).await.unwrap();
        inst.push(t.elapsed());
        drop(i);
    }
    show(
        "instantiate (fresh store + InstancePre)",
        median(inst),
        Some(Duration::from_micros(50)),
    );

    let mut instance = loaded.instantiate(DevnetGrant::none("bench")).await.unwrap();
    let mut calls = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        for _ in 0..100 {
            let r = instance.upgrade_halt("x").await.unwrap();
            assert!(r.is_none());
        }
        calls.push(t.elapsed() / 100);
    }
    show(
        "trivial call (node.upgrade-halt)",
        median(calls),
        Some(Duration::from_micros(1)),
    );
}
