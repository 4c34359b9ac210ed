//! The wasmtime engine shared by all plugins, and loading a component into a [`LoadedPlugin`].

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::aot_cache::{self, CacheOutcome};
use crate::api_version::{ApiVersion, read_api_version};
use crate::bindings::{v0_1_0, v0_2_0, v0_3_0, v0_4_0, v0_5_0, v0_6_0, v0_7_0};
use crate::instance::{PluginInstance, PluginState};
use crate::{Capability, DevnetGrant, PluginHostError};

/// How often the epoch advances; deadlines are counted in these ticks.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(2);

/// Limits applied to every plugin instance.
#[derive(Debug, Clone)]
pub struct EngineLimits {
    /// How long one export call may run, host calls included.
    pub call_timeout: Duration,
    /// Linear memory one instance may grow to.
    pub memory_bytes: usize,
    /// Bytes a plugin may hand the host in one call through logs, files and run output.
    pub max_output_bytes: usize,
    /// The longest a plugin may let the chain binary run.
    pub binary_timeout_cap: Duration,
    /// How many plugin instances may live at once (one per plugin per devnet, plus short-lived
    /// probes). Instances come from a pool of this size, reused rather than allocated per
    /// instantiation; past it, instantiation fails with a clear error.
    pub max_instances: u32,
}

impl Default for EngineLimits {
    fn default() -> Self {
        Self {
            call_timeout: Duration::from_secs(10),
            memory_bytes: 256 << 20,
            max_output_bytes: 32 << 20,
            binary_timeout_cap: Duration::from_secs(120),
            max_instances: 256,
        }
    }
}

/// Advances the engine's epoch until dropped, so running guest code meets its deadline.
struct EpochTicker {
    stop: Arc<AtomicBool>,
}

impl EpochTicker {
    fn start(engine: Engine) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("plugin-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })
            .map(|_| ())
            .unwrap_or_else(|e| tracing::error!("no epoch ticker, plugin deadlines will not fire: {e}"));
        Self { stop }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

pub(crate) struct EngineInner {
    pub engine: Engine,
    pub linker: Linker<PluginState>,
    pub cache_dir: PathBuf,
    pub limits: EngineLimits,
    _ticker: EpochTicker,
    /// Told of every export call (for metrics), once set.
    pub observer: std::sync::OnceLock<CallObserver>,
}

/// Told of every export call: the plugin's name, the export (`node.status`) and how long it
/// took, trap or not.
pub type CallObserver = Box<dyn Fn(&str, &str, std::time::Duration) + Send + Sync>;

/// One engine for all plugins: async calls, epoch deadlines, a shared linker with the host's
/// capabilities and a deny-all WASI, and the AOT cache directory.
#[derive(Clone)]
pub struct PluginEngine {
    pub(crate) inner: Arc<EngineInner>,
}

impl PluginEngine {
    pub fn new(cache_dir: impl Into<PathBuf>, limits: EngineLimits) -> Result<Self, PluginHostError> {
        Self::build(cache_dir.into(), limits).map_err(|e| PluginHostError::Engine(format!("{e:#}")))
    }

    fn build(cache_dir: PathBuf, limits: EngineLimits) -> wasmtime::Result<Self> {
        let mut config = Config::new();
        config.epoch_interruption(true);
        config.wasm_component_model(true);
        // Instances from a pool: instantiation reuses reserved memories, tables and stacks
        // instead of mapping new ones, which is most of its cost.
        let mut pool = PoolingAllocationConfig::default();
        let n = limits.max_instances.max(1);
        pool.total_component_instances(n)
            // A wasm32-wasip2 component is a few core instances: the program and its shims.
            .total_core_instances(n.saturating_mul(4))
            .total_memories(n)
            .total_tables(n.saturating_mul(4))
            .total_stacks(n)
            .max_memory_size(limits.memory_bytes);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool.clone()));
        let engine = match Engine::new(&config) {
            Ok(engine) => engine,
            Err(e) => {
                // A machine that cannot reserve the pool's address space (a low `ulimit -v`)
                // still runs plugins, allocating each instance on demand.
                tracing::warn!("no instance pool ({e:#}); allocating plugin instances on demand");
                config.allocation_strategy(InstanceAllocationStrategy::OnDemand);
                Engine::new(&config)?
            }
        };
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        // Every API version's `host` interface, each under its own versioned name.
        v0_7_0::Plugin::add_to_linker::<PluginState, HasSelf<PluginState>>(&mut linker, |s| s)?;
        v0_6_0::Plugin::add_to_linker::<PluginState, HasSelf<PluginState>>(&mut linker, |s| s)?;
        v0_5_0::Plugin::add_to_linker::<PluginState, HasSelf<PluginState>>(&mut linker, |s| s)?;
        v0_4_0::Plugin::add_to_linker::<PluginState, HasSelf<PluginState>>(&mut linker, |s| s)?;
        v0_3_0::Plugin::add_to_linker::<PluginState, HasSelf<PluginState>>(&mut linker, |s| s)?;
        v0_2_0::Plugin::add_to_linker::<PluginState, HasSelf<PluginState>>(&mut linker, |s| s)?;
        v0_1_0::Plugin::add_to_linker::<PluginState, HasSelf<PluginState>>(&mut linker, |s| s)?;
        let ticker = EpochTicker::start(engine.clone());
        Ok(Self {
            inner: Arc::new(EngineInner {
                engine,
                linker,
                cache_dir,
                limits,
                _ticker: ticker,
                observer: std::sync::OnceLock::new(),
            }),
        })
    }

    /// Drops the AOT cache entry of `bytes` (a component refused after it was compiled), so a
    /// refused install leaves nothing behind.
    pub fn forget_compiled(&self, bytes: &[u8]) {
        let _ = std::fs::remove_file(aot_cache::cache_path(&self.inner.engine, &self.inner.cache_dir, bytes));
    }

    /// Tells `observe` of every export call of every plugin of this engine (the first observer
    /// set stays).
    pub fn observe_calls(&self, observe: impl Fn(&str, &str, std::time::Duration) + Send + Sync + 'static) {
        let _ = self.inner.observer.set(Box::new(observe));
    }

    pub fn limits(&self) -> &EngineLimits {
        &self.inner.limits
    }

    /// Loads a component: checks its API version, compiles it (or maps it from the AOT cache),
    /// links it, and asks it who it is.
    pub async fn load(&self, path: &Path) -> Result<LoadedPlugin, PluginHostError> {
        let bytes = std::fs::read(path).map_err(|source| PluginHostError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        self.load_bytes(path, &bytes).await
    }

    /// [`Self::load`] from bytes already read; `path` names them in errors.
    pub async fn load_bytes(&self, path: &Path, bytes: &[u8]) -> Result<LoadedPlugin, PluginHostError> {
        let api_version = read_api_version(path, bytes)?;
        let started = Instant::now();
        let (component, cache) = aot_cache::load_or_compile(&self.inner.engine, &self.inner.cache_dir, path, bytes)?;
        let compile_time = started.elapsed();
        let wrong_world = |e: wasmtime::Error| PluginHostError::WrongWorld {
            path: path.to_path_buf(),
            api: api_version,
            reason: format!("{e:#}"),
        };
        let instance_pre = self.inner.linker.instantiate_pre(&component).map_err(wrong_world)?;
        let pre = match api_version {
            ApiVersion::V0_1_0 => Pre::V0_1(v0_1_0::PluginPre::new(instance_pre).map_err(wrong_world)?),
            ApiVersion::V0_2_0 => Pre::V0_2(v0_2_0::PluginPre::new(instance_pre).map_err(wrong_world)?),
            ApiVersion::V0_3_0 => Pre::V0_3(v0_3_0::PluginPre::new(instance_pre).map_err(wrong_world)?),
            ApiVersion::V0_4_0 => Pre::V0_4(v0_4_0::PluginPre::new(instance_pre).map_err(wrong_world)?),
            ApiVersion::V0_5_0 => Pre::V0_5(v0_5_0::PluginPre::new(instance_pre).map_err(wrong_world)?),
            ApiVersion::V0_6_0 => Pre::V0_6(v0_6_0::PluginPre::new(instance_pre).map_err(wrong_world)?),
            ApiVersion::V0_7_0 => Pre::V0_7(v0_7_0::PluginPre::new(instance_pre).map_err(wrong_world)?),
        };
        let mut loaded = LoadedPlugin {
            engine: self.clone(),
            pre,
            path: path.to_path_buf(),
            api_version,
            id: path.display().to_string(),
            name: String::new(),
            version: String::new(),
            info: crate::wit::PluginInfo {
                name: String::new(),
                version: String::new(),
                family: String::new(),
                chain_versions: vec![],
                tx_kinds: vec![],
                capabilities: vec![],
                default_binary: String::new(),
            },
            cache,
            compile_time,
        };
        let info = loaded.instantiate(DevnetGrant::none("(load)")).await?.info().await?;
        loaded.id = format!("{}@{}", info.name, info.version);
        loaded.name = info.name.clone();
        loaded.version = info.version.clone();
        loaded.info = info;
        Ok(loaded)
    }
}

/// A linked component, by the API version it was built against.
#[derive(Clone)]
pub(crate) enum Pre {
    V0_1(v0_1_0::PluginPre<PluginState>),
    V0_2(v0_2_0::PluginPre<PluginState>),
    V0_3(v0_3_0::PluginPre<PluginState>),
    V0_4(v0_4_0::PluginPre<PluginState>),
    V0_5(v0_5_0::PluginPre<PluginState>),
    V0_6(v0_6_0::PluginPre<PluginState>),
    V0_7(v0_7_0::PluginPre<PluginState>),
}

/// A compiled, linked plugin; each devnet gets its own [`PluginInstance`] from it.
#[derive(Clone)]
pub struct LoadedPlugin {
    pub(crate) engine: PluginEngine,
    pub(crate) pre: Pre,
    pub path: PathBuf,
    /// The WIT API version from the component's custom section.
    pub api_version: ApiVersion,
    /// `name@version`, as the plugin's `info` says; every error about it starts with this.
    pub id: String,
    pub name: String,
    pub version: String,
    /// What its `info` said when it was loaded.
    pub info: crate::wit::PluginInfo,
    /// Whether the load compiled or came from the AOT cache.
    pub cache: CacheOutcome,
    pub compile_time: Duration,
}

impl LoadedPlugin {
    /// The chain family the plugin says it serves: `cosmos`, `evm`, `tempo` or its own.
    pub fn family(&self) -> &str {
        &self.info.family
    }

    /// The capabilities the plugin asks for in its `info`.
    pub fn declared_capabilities(&self) -> Vec<Capability> {
        self.info.capabilities.iter().map(|c| Capability::from(*c)).collect()
    }

    /// A fresh instance with the grants of one devnet, cut to what the plugin declared: a
    /// capability it did not ask for is refused whatever `grant` offers.
    pub async fn instantiate(&self, grant: DevnetGrant) -> Result<PluginInstance, PluginHostError> {
        let grant = grant.declared_by(self.declared_capabilities());
        PluginInstance::new(self.clone(), grant).await
    }
}
