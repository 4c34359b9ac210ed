//! One plugin instance serving one devnet: calls with deadlines, and a fresh instance after a trap.

use std::time::{Duration, Instant};

use wasmtime::component::{ResourceAny, ResourceTable};
use wasmtime::{Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::bindings::{v0_1_0, v0_2_0, v0_3_0, v0_4_0, v0_5_0, v0_6_0, v0_7_0, wit};
use crate::engine::{EPOCH_TICK, Pre};
use crate::fixed_clocks::{EpochWallClock, StoppedMonotonicClock, fixed_random};
use crate::{DevnetGrant, LoadedPlugin, PluginErrorKind, PluginHostError};

/// What a store holds: a WASI context that grants nothing, the devnet's grants, and the limits.
pub struct PluginState {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: StoreLimits,
    pub(crate) grant: DevnetGrant,
    pub(crate) plugin_id: String,
    /// Bytes handed to the host in the current call, against `max_output`.
    pub(crate) output_used: usize,
    pub(crate) max_output: usize,
    pub(crate) binary_timeout_cap: Duration,
    /// When the current export call must be over; host calls wait no longer than this.
    pub(crate) call_deadline: Instant,
}

impl PluginState {
    /// `wanted`, cut to what is left of the current call.
    pub(crate) fn within_call(&self, wanted: Duration) -> Duration {
        wanted.min(self.call_deadline.saturating_duration_since(Instant::now()))
    }
}

impl WasiView for PluginState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl PluginState {
    /// Counts `n` more bytes of output; past the limit the call traps.
    pub(crate) fn charge_output(&mut self, n: usize, what: &str) -> wasmtime::Result<()> {
        self.output_used = self.output_used.saturating_add(n);
        if self.output_used > self.max_output {
            wasmtime::bail!(
                "output limit exceeded: {what} brings this call to {} bytes, over the {}-byte limit",
                self.output_used,
                self.max_output
            );
        }
        Ok(())
    }
}

/// A tx builder made by [`PluginInstance::tx_builder`]. It belongs to one generation of one
/// instance, a number no other instance of this process ever has: after a trap re-instantiates
/// the plugin, or when the handle meets another instance (its devnet was destroyed and made
/// again), it is refused and must be made again ([`PluginInstance::owns`] tells).
#[derive(Debug, Clone, Copy)]
pub struct TxBuilderHandle {
    pub(crate) resource: ResourceAny,
    pub(crate) generation: u64,
}

pub struct PluginInstance {
    pub(crate) loaded: LoadedPlugin,
    grant: DevnetGrant,
    pub(crate) store: Store<PluginState>,
    pub(crate) bindings: Bindings,
    /// Set when a call trapped or was cut off; the next call starts a fresh instance.
    pub(crate) poisoned: bool,
    /// Unique in this process: see [`TxBuilderHandle`].
    pub(crate) generation: u64,
    /// When the current export call began.
    call_started: Instant,
}

/// A generation number no instance of this process had before.
fn next_generation() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// An instance's exports, by the API version its component was built against.
pub(crate) enum Bindings {
    V0_1(v0_1_0::Plugin),
    V0_2(v0_2_0::Plugin),
    V0_3(v0_3_0::Plugin),
    V0_4(v0_4_0::Plugin),
    V0_5(v0_5_0::Plugin),
    V0_6(v0_6_0::Plugin),
    V0_7(v0_7_0::Plugin),
}

impl PluginInstance {
    pub(crate) async fn new(loaded: LoadedPlugin, grant: DevnetGrant) -> Result<Self, PluginHostError> {
        let (store, bindings) = Self::fresh(&loaded, &grant).await?;
        Ok(Self {
            loaded,
            grant,
            store,
            bindings,
            poisoned: false,
            generation: next_generation(),
            call_started: Instant::now(),
        })
    }

    async fn fresh(
        loaded: &LoadedPlugin,
        grant: &DevnetGrant,
    ) -> Result<(Store<PluginState>, Bindings), PluginHostError> {
        let limits = loaded.engine.limits().clone();
        // Deny by default: no preopens, no environment, no arguments, no sockets, and none of
        // the host's time or entropy.
        let wasi = WasiCtx::builder()
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .wall_clock(EpochWallClock)
            .monotonic_clock(StoppedMonotonicClock)
            .secure_random(fixed_random(&loaded.id))
            .insecure_random(fixed_random(&loaded.id))
            .insecure_random_seed(0)
            .build();
        let state = PluginState {
            wasi,
            table: ResourceTable::new(),
            limits: StoreLimitsBuilder::new()
                .memory_size(limits.memory_bytes)
                .trap_on_grow_failure(true)
                .instances(16)
                .build(),
            grant: grant.clone(),
            plugin_id: loaded.id.clone(),
            output_used: 0,
            max_output: limits.max_output_bytes,
            binary_timeout_cap: limits.binary_timeout_cap,
            call_deadline: Instant::now() + limits.call_timeout,
        };
        let mut store = Store::new(&loaded.engine.inner.engine, state);
        store.limiter(|s| &mut s.limits);
        store.epoch_deadline_trap();
        store.set_epoch_deadline(deadline_ticks(limits.call_timeout));
        let bindings = match &loaded.pre {
            Pre::V0_1(pre) => pre.instantiate_async(&mut store).await.map(Bindings::V0_1),
            Pre::V0_2(pre) => pre.instantiate_async(&mut store).await.map(Bindings::V0_2),
            Pre::V0_3(pre) => pre.instantiate_async(&mut store).await.map(Bindings::V0_3),
            Pre::V0_4(pre) => pre.instantiate_async(&mut store).await.map(Bindings::V0_4),
            Pre::V0_5(pre) => pre.instantiate_async(&mut store).await.map(Bindings::V0_5),
            Pre::V0_6(pre) => pre.instantiate_async(&mut store).await.map(Bindings::V0_6),
            Pre::V0_7(pre) => pre.instantiate_async(&mut store).await.map(Bindings::V0_7),
        };
        let bindings = bindings.map_err(|e| PluginHostError::Trap {
            plugin: loaded.id.clone(),
            call: "instantiate".into(),
            reason: format!("{e:#}"),
        })?;
        Ok((store, bindings))
    }

    /// `name@version` of the plugin.
    pub fn plugin_id(&self) -> &str {
        &self.loaded.id
    }

    /// The plugin API version its component was built against.
    pub fn api_version(&self) -> crate::ApiVersion {
        self.loaded.api_version
    }

    /// What this instance may touch.
    pub fn grant(&self) -> &DevnetGrant {
        &self.grant
    }

    /// Whether the last call trapped (the next one re-instantiates first).
    pub fn is_poisoned(&self) -> bool {
        self.poisoned
    }

    /// Readies the instance for one export call (a fresh one after a trap) and arms the
    /// deadline; the call's outcome then goes through [`Self::finish`].
    pub(crate) async fn begin(&mut self) -> Result<Duration, PluginHostError> {
        self.prepare().await?;
        let limit = self.loaded.engine.limits().call_timeout;
        self.arm(limit);
        self.call_started = Instant::now();
        Ok(limit)
    }

    async fn prepare(&mut self) -> Result<(), PluginHostError> {
        if self.poisoned {
            let (store, bindings) = Self::fresh(&self.loaded, &self.grant).await?;
            self.store = store;
            self.bindings = bindings;
            self.poisoned = false;
            self.generation = next_generation();
        }
        self.store.data_mut().output_used = 0;
        Ok(())
    }

    fn arm(&mut self, limit: Duration) {
        self.store.set_epoch_deadline(deadline_ticks(limit));
        self.store.data_mut().call_deadline = Instant::now() + limit;
    }

    pub(crate) fn finish<T>(
        &mut self,
        call: &str,
        limit: Duration,
        outcome: wasmtime::Result<T>,
    ) -> Result<T, PluginHostError> {
        if let Some(observe) = self.loaded.engine.inner.observer.get() {
            // While it loads (its first `info`) a plugin has no name yet; its file's would be
            // whatever a user called it.
            let name = if self.loaded.name.is_empty() {
                "(loading)"
            } else {
                self.loaded.name.as_str()
            };
            observe(name, call, self.call_started.elapsed());
        }
        let plugin = self.loaded.id.clone();
        match outcome {
            Ok(value) => Ok(value),
            Err(e) => {
                self.poisoned = true;
                if matches!(e.downcast_ref::<wasmtime::Trap>(), Some(wasmtime::Trap::Interrupt)) {
                    return Err(PluginHostError::Deadline {
                        plugin,
                        call: call.into(),
                        limit_ms: millis(limit),
                    });
                }
                Err(PluginHostError::Trap {
                    plugin,
                    call: call.into(),
                    reason: format!("{e:#}"),
                })
            }
        }
    }

    pub(crate) fn plugin_result<T>(&self, call: &str, r: Result<T, wit::PluginError>) -> Result<T, PluginHostError> {
        r.map_err(|e| {
            let (kind, message) = kind_of(e);
            PluginHostError::Plugin {
                plugin: self.loaded.id.clone(),
                call: call.into(),
                kind,
                message,
            }
        })
    }

    /// The refusal of an export the plugin's API version does not have: nothing was called, so
    /// the instance stays as it is.
    pub(crate) fn not_in_api(&self, call: &str) -> PluginHostError {
        PluginHostError::NotInApi {
            plugin: self.loaded.id.clone(),
            call: call.into(),
            api: self.loaded.api_version,
        }
    }

    /// A refusal by the host, on the plugin's behalf, of a request the plugin's API version
    /// cannot carry (a transaction kind it does not have, say).
    pub(crate) fn host_refusal(&self, call: &str, message: String) -> PluginHostError {
        PluginHostError::Plugin {
            plugin: self.loaded.id.clone(),
            call: call.into(),
            kind: PluginErrorKind::InvalidInput,
            message,
        }
    }
}

/// The kind and the message of a plugin's error.
fn kind_of(e: wit::PluginError) -> (PluginErrorKind, String) {
    match e {
        wit::PluginError::InvalidInput(m) => (PluginErrorKind::InvalidInput, m),
        wit::PluginError::Unsupported(m) => (PluginErrorKind::Unsupported, m),
        wit::PluginError::Denied(m) => (PluginErrorKind::Denied, m),
        wit::PluginError::Chain(m) => (PluginErrorKind::Chain, m),
        wit::PluginError::Internal(m) => (PluginErrorKind::Internal, m),
    }
}

fn deadline_ticks(limit: Duration) -> u64 {
    u64::try_from(limit.as_nanos() / EPOCH_TICK.as_nanos())
        .unwrap_or(u64::MAX)
        .max(1)
        + 1
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
