//! Plugin host costs, as medians: cold load (compile), load from the AOT cache, instantiation,
//! a trivial export call, a tx-builder build plus assemble, and the cosmos genesis for 4 and 100
//! validators with the real simd. Rows with a baseline measured in the same run print the ratio
//! to it, which holds across this machine's swings in speed. `DEVNET_BENCH_ONLY=genesis` runs the
//! genesis rows alone; `DEVNET_BENCH_ONLY=call` makes 2 million trivial calls in a row, for
//! `perf record`. Needs `cargo xtask plugins` and `cargo xtask chains --only simd`;
//! run `cargo bench -p devnet-plugin-host`.

#![allow(clippy::unwrap_used)]

mod baseline;
use devnet_test_fixtures as components;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use devnet_keyring::{Algorithm, Keyring};
use devnet_plugin_host::wit::{DevnetSpec, NamedPort, NodeRole, NodeSlot, Signer, TxOptions, TxRequest};
use devnet_plugin_host::{
    CacheOutcome, Capability, DevnetGrant, EngineLimits, LoadedPlugin, PluginEngine, sign_request,
};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn show(name: &str, d: Duration, target: Option<Duration>) {
    let verdict = match target {
        Some(t) => format!("target {t:?}: {}", if d <= t { "met" } else { "MISSED" }),
        None => String::new(),
    };
    println!("{name:<48} median {:>12?}  {verdict}", d);
}

/// A baseline row, and the ratio of the row above it to this baseline.
fn show_baseline(name: &str, baseline: Duration, ours: Duration) {
    println!(
        "  baseline: {name:<38} median {baseline:>12?}  ratio {:.2}x",
        ours.as_secs_f64() / baseline.as_secs_f64()
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let component = components::component("cosmos");
    let size = std::fs::metadata(&component).unwrap().len();
    println!("component: {} ({} KiB)", component.display(), size / 1024);
    if std::env::var("DEVNET_BENCH_ONLY").as_deref() == Ok("call") {
        // For profiling the call path: many trivial calls and nothing else.
        let cache = tempfile::tempdir().unwrap();
        let engine = PluginEngine::new(cache.path(), EngineLimits::default()).unwrap();
        let mut instance = engine
            .load(&component)
            .await
            .unwrap()
            .instantiate(DevnetGrant::none("bench"))
            .await
            .unwrap();
        let t = Instant::now();
        for _ in 0..2_000_000 {
            instance.upgrade_halt("x").await.unwrap();
        }
        show(
            "trivial call (node.upgrade-halt), 2M in a row",
            t.elapsed() / 2_000_000,
            Some(Duration::from_micros(1)),
        );
        return;
    }
    if std::env::var("DEVNET_BENCH_ONLY").as_deref() == Ok("genesis") {
        let cache = tempfile::tempdir().unwrap();
        let engine = PluginEngine::new(cache.path(), EngineLimits::default()).unwrap();
        genesis(&engine.load(&component).await.unwrap()).await;
        return;
    }

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
    let cold = median(cold);
    show("load, cold (compile + link + info call)", cold, None);
    let bytes = std::fs::read(&component).unwrap();
    let plain = wasmtime::Engine::default();
    let mut compile = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        wasmtime::component::Component::new(&plain, &bytes).unwrap();
        compile.push(t.elapsed());
    }
    show_baseline("wasmtime Component::new alone", median(compile), cold);
    let bare = baseline::Wasmtime::new();

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
    let inst = median(inst);
    show(
        "instantiate (fresh store + InstancePre)",
        inst,
        Some(Duration::from_micros(50)),
    );
    let mut bare_inst = Vec::new();
    for _ in 0..1000 {
        bare_inst.push(bare.instantiate().await);
    }
    show_baseline("bare wasmtime: 1-function core module", median(bare_inst), inst);

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
    let calls = median(calls);
    show(
        "trivial call (node.upgrade-halt)",
        calls,
        Some(Duration::from_micros(1)),
    );
    let mut bare_calls = Vec::new();
    for _ in 0..200 {
        bare_calls.push(bare.call(100).await);
    }
    show_baseline("bare wasmtime: async call, () -> i32", median(bare_calls), calls);

    tx_build_and_assemble(&mut instance).await;
    genesis(&loaded).await;
}

async fn tx_build_and_assemble(instance: &mut devnet_plugin_host::PluginInstance) {
    let mut keyring = Keyring::in_memory();
    let public_key = keyring.ensure("alice", Algorithm::Secp256k1).unwrap();
    let signer = Signer {
        // Any valid bech32 account address: the builder checks the recipient's prefix against it.
        address: "cosmos10d07y265gmmuvt4z0w9aw880jnsr700j6zn9kn".into(),
        public_key,
        sequence: 0,
        account: r#"{"number":1}"#.into(),
    };
    let request = TxRequest {
        kind: "bank-send".into(),
        json: r#"{"to":"cosmos10d07y265gmmuvt4z0w9aw880jnsr700j6zn9kn","amount":[{"denom":"stake","amount":"1"}]}"#
            .into(),
    };
    let options = TxOptions {
        ordered: true,
        now_unix_secs: 0,
    };
    let builder = instance.tx_builder("bench-1", "v0.50.15").await.unwrap();
    let unsigned = instance.tx_build(&builder, &request, &signer, &options).await.unwrap();
    let mut sign = unsigned.sign.clone();
    sign.key_id = "alice".into();
    let signature = sign_request(&keyring, &sign).unwrap();
    let mut samples = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        for _ in 0..10 {
            let unsigned = instance.tx_build(&builder, &request, &signer, &options).await.unwrap();
            let tx = instance.tx_assemble(&builder, &unsigned, &signature).await.unwrap();
            assert!(!tx.is_empty());
        }
        samples.push(t.elapsed() / 10);
    }
    show("cosmos tx build + assemble (bank send)", median(samples), None);
    let mut samples = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        sign_request(&keyring, &sign).unwrap();
        samples.push(t.elapsed());
    }
    show("host signature (secp256k1, sha256)", median(samples), None);
}

fn simd() -> Option<PathBuf> {
    let cache = devnet_binaries::cache_dir();
    let manifest = devnet_binaries::Manifest::load(&cache).ok()?;
    Some(manifest.find("simd", "v0.50", &cache).ok()?.path.clone())
}

fn slots(validators: u32) -> Vec<NodeSlot> {
    (0..validators)
        .map(|i| NodeSlot {
            index: i,
            role: NodeRole::Validator,
            name: format!("validator-{i}"),
            home: format!("nodes/validator-{i}"),
            ports: ["rpc", "p2p", "grpc", "api"]
                .iter()
                .enumerate()
                .map(|(k, name)| NamedPort {
                    name: name.to_string(),
                    // Never bound: genesis only writes them into configs.
                    port: 20_000 + (i * 4 + k as u32) as u16,
                })
                .collect(),
        })
        .collect()
}

async fn genesis(loaded: &LoadedPlugin) {
    let Some(simd) = simd() else {
        println!("genesis rows skipped: no simd v0.50 in the chain cache; run `cargo xtask chains --only simd`");
        return;
    };
    for (validators, runs) in [(4u32, 7), (100, 5)] {
        let spec = DevnetSpec {
            name: "bench".into(),
            chain_id: "bench-1".into(),
            chain_version: "v0.50.15".into(),
            validators,
            full_nodes: 0,
            accounts: vec![],
            overrides: vec![],
        };
        let nodes = slots(validators);
        let mut samples = Vec::new();
        // Every run's directory is kept until the rows are done: deleting a 100-node tree right
        // before the next run makes ext4 slow to allocate inodes (its `recently_deleted` scan),
        // which would measure this bench's cleanup rather than genesis.
        let mut dirs = Vec::new();
        for _ in 0..runs {
            let dir = tempfile::tempdir().unwrap();
            let mut grant = DevnetGrant::none("bench")
                .with(Capability::RunBinary)
                .with(Capability::Files);
            grant.dir = Some(dir.path().to_path_buf());
            grant.binary = Some(simd.clone());
            let mut instance = loaded.instantiate(grant).await.unwrap();
            let mut keyring = Keyring::in_memory();
            let t = Instant::now();
            let out = instance.run_genesis(&mut keyring, &spec, &nodes).await.unwrap();
            samples.push(t.elapsed());
            assert_eq!(out.signatures, validators as usize);
            dirs.push(dir);
        }
        let ours = median(samples);
        show(
            &format!("cosmos genesis, {validators} validators (keys, simd init, files)"),
            ours,
            (validators == 100).then_some(Duration::from_secs(1)),
        );
        let theirs: Vec<Duration> = (0..runs.min(3))
            .map(|_| {
                let (elapsed, dir) = baseline::simd_init_files(&simd, validators);
                dirs.push(dir);
                elapsed
            })
            .collect();
        show_baseline("simd testnet init-files (keyring-backend test)", median(theirs), ours);
        drop(dirs);
    }
}
