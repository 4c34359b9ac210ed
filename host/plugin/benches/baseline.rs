//! Baselines measured in the same run as the plugin host's rows, so a ratio survives this
//! machine's swings in speed: bare wasmtime (a core module with one function, on an engine
//! configured like the plugin engine) and the chain's own fastest genesis
//! (`simd testnet init-files`).

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use wasmtime::{Config, Engine, InstanceAllocationStrategy, Linker, Module, PoolingAllocationConfig, Store, TypedFunc};

/// `(module (func (export "f") (result i32) i32.const 0))`.
const TRIVIAL_MODULE: &[u8] = &[
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type: () -> i32
    0x03, 0x02, 0x01, 0x00, // function 0 has type 0
    0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, // export "f" = function 0
    0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x00, 0x0b, // body: i32.const 0
];

pub struct Wasmtime {
    engine: Engine,
    module: Module,
    linker: Linker<()>,
}

impl Wasmtime {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        let mut config = Config::new();
        config.epoch_interruption(true);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(PoolingAllocationConfig::default()));
        let engine = Engine::new(&config).unwrap();
        let module = Module::new(&engine, TRIVIAL_MODULE).unwrap();
        Self {
            linker: Linker::new(&engine),
            engine,
            module,
        }
    }

    fn store(&self) -> Store<()> {
        let mut store = Store::new(&self.engine, ());
        store.set_epoch_deadline(u64::MAX / 2);
        store
    }

    /// A store and an instance of the one-function module.
    pub async fn instantiate(&self) -> Duration {
        let t = Instant::now();
        let mut store = self.store();
        self.linker.instantiate_async(&mut store, &self.module).await.unwrap();
        let elapsed = t.elapsed();
        drop(store);
        elapsed
    }

    /// One async call of the function, averaged over `n`.
    pub async fn call(&self, n: u32) -> Duration {
        let mut store = self.store();
        let instance = self.linker.instantiate_async(&mut store, &self.module).await.unwrap();
        let f: TypedFunc<(), i32> = instance.get_typed_func(&mut store, "f").unwrap();
        let t = Instant::now();
        for _ in 0..n {
            assert_eq!(f.call_async(&mut store, ()).await.unwrap(), 0);
        }
        t.elapsed() / n
    }
}

/// `simd testnet init-files` for `validators`: keys, gentxs and every node's files, in one
/// process, as the Cosmos SDK's own tool makes them. The directory is returned, to be removed
/// once the caller is done measuring.
pub fn simd_init_files(simd: &Path, validators: u32) -> (Duration, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let t = Instant::now();
    let out = Command::new(simd)
        .args([
            "testnet",
            "init-files",
            "--v",
            &validators.to_string(),
            "--chain-id",
            "bench-1",
        ])
        .args(["--keyring-backend", "test", "--output-dir"])
        .arg(dir.path())
        .env("HOME", dir.path())
        .output()
        .unwrap();
    let elapsed = t.elapsed();
    assert!(
        out.status.success(),
        "simd testnet init-files: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (elapsed, dir)
}
