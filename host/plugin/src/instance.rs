//! One plugin instance serving one devnet: calls with deadlines, and a fresh instance after a trap.

use std::time::{Duration, Instant};

use wasmtime::component::{ResourceAny, ResourceTable};
use wasmtime::{Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::bindings::v0_3_0::{
    self as wit, AccountState, BroadcastResult, DevnetSpec, GenesisStep, HaltInfo, KeyRequest, NodeRole, NodeSlot,
    NodeStatus, PluginInfo, ProposalState, PublicKey, Signature, Signer, TxKind, TxOptions, TxOutcome, TxRequest,
    UnsignedTx,
};
use crate::bindings::{v0_1_0, v0_2_0, v0_3_0};
use crate::compat::convert;
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

/// A tx builder made by [`PluginInstance::tx_builder`]. It belongs to one instance generation:
/// after a trap re-instantiates the plugin, the old handle is refused and must be made again.
#[derive(Debug, Clone, Copy)]
pub struct TxBuilderHandle {
    resource: ResourceAny,
    generation: u64,
}

pub struct PluginInstance {
    loaded: LoadedPlugin,
    grant: DevnetGrant,
    store: Store<PluginState>,
    bindings: Bindings,
    /// Set when a call trapped or was cut off; the next call starts a fresh instance.
    poisoned: bool,
    generation: u64,
}

/// An instance's exports, by the API version its component was built against.
enum Bindings {
    V0_1(v0_1_0::Plugin),
    V0_2(v0_2_0::Plugin),
    V0_3(v0_3_0::Plugin),
}

/// Runs one export with the deadline armed and maps the outcome. The call is written for the
/// newest API, then once more for plugins of older versions (an `async` expression whose
/// arguments and result convert through [`convert`]; the generated method names are the same in
/// every version, so one expression serves each): for every older version, `since_0_2` for an
/// export added in 0.2.0, or `new_only` for one added in the newest.
macro_rules! guest_call {
    ($self:ident, $name:expr, |$b:ident, $s:ident| $call:expr, |$ob:ident, $os:ident| $old:expr) => {
        guest_call!(@run $self, $name, |$b, $s| $call,
            Bindings::V0_1($ob) => {
                let $os = &mut $self.store;
                async { $old }.await
            },
            Bindings::V0_2($ob) => {
                let $os = &mut $self.store;
                async { $old }.await
            })
    };
    ($self:ident, $name:expr, |$b:ident, $s:ident| $call:expr, since_0_2 |$ob:ident, $os:ident| $old:expr) => {
        guest_call!(@run $self, $name, |$b, $s| $call,
            Bindings::V0_1(_) => return Err($self.not_in_api($name)),
            Bindings::V0_2($ob) => {
                let $os = &mut $self.store;
                async { $old }.await
            })
    };
    ($self:ident, $name:expr, |$b:ident, $s:ident| $call:expr, new_only) => {
        guest_call!(@run $self, $name, |$b, $s| $call,
            Bindings::V0_1(_) => return Err($self.not_in_api($name)),
            Bindings::V0_2(_) => return Err($self.not_in_api($name)))
    };
    (@run $self:ident, $name:expr, |$b:ident, $s:ident| $call:expr, $p1:pat => $e1:expr, $p2:pat => $e2:expr) => {{
        $self.prepare().await?;
        let limit = $self.loaded.engine.limits().call_timeout;
        $self.arm(limit);
        // Epochs stop runaway guest code; host calls are cut to the same deadline.
        let outcome = match &$self.bindings {
            Bindings::V0_3($b) => {
                let $s = &mut $self.store;
                $call.await
            }
            $p1 => $e1,
            $p2 => $e2,
        };
        $self.finish($name, limit, outcome)
    }};
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
            generation: 0,
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

    /// What this instance may touch.
    pub fn grant(&self) -> &DevnetGrant {
        &self.grant
    }

    /// Whether the last call trapped (the next one re-instantiates first).
    pub fn is_poisoned(&self) -> bool {
        self.poisoned
    }

    async fn prepare(&mut self) -> Result<(), PluginHostError> {
        if self.poisoned {
            let (store, bindings) = Self::fresh(&self.loaded, &self.grant).await?;
            self.store = store;
            self.bindings = bindings;
            self.poisoned = false;
            self.generation += 1;
        }
        self.store.data_mut().output_used = 0;
        Ok(())
    }

    fn arm(&mut self, limit: Duration) {
        self.store.set_epoch_deadline(deadline_ticks(limit));
        self.store.data_mut().call_deadline = Instant::now() + limit;
    }

    fn finish<T>(&mut self, call: &str, limit: Duration, outcome: wasmtime::Result<T>) -> Result<T, PluginHostError> {
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

    fn plugin_result<T>(&self, call: &str, r: Result<T, wit::PluginError>) -> Result<T, PluginHostError> {
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
    fn not_in_api(&self, call: &str) -> PluginHostError {
        PluginHostError::NotInApi {
            plugin: self.loaded.id.clone(),
            call: call.into(),
            api: self.loaded.api_version,
        }
    }

    pub async fn info(&mut self) -> Result<PluginInfo, PluginHostError> {
        guest_call!(
            self,
            "info",
            |b, s| b.devnet_plugin_info().call_info(s),
            |b, s| convert(&b.devnet_plugin_info().call_info(s).await?)
        )
    }

    pub async fn genesis_keys(&mut self, spec: &DevnetSpec) -> Result<Vec<KeyRequest>, PluginHostError> {
        let r = guest_call!(
            self,
            "genesis.keys",
            |b, s| b.devnet_plugin_genesis().call_keys(s, spec),
            |b, s| convert(&b.devnet_plugin_genesis().call_keys(s, &convert(spec)?).await?)
        )?;
        self.plugin_result("genesis.keys", r)
    }

    pub async fn genesis_build(
        &mut self,
        spec: &DevnetSpec,
        nodes: &[NodeSlot],
        keys: &[PublicKey],
        signatures: &[Signature],
    ) -> Result<GenesisStep, PluginHostError> {
        let r = guest_call!(
            self,
            "genesis.build",
            |b, s| b.devnet_plugin_genesis().call_build(s, spec, nodes, keys, signatures),
            |b, s| {
                let (nodes, keys, signatures): (Vec<_>, Vec<_>, Vec<_>) =
                    (convert(nodes)?, convert(keys)?, convert(signatures)?);
                let out = b
                    .devnet_plugin_genesis()
                    .call_build(s, &convert(spec)?, &nodes, &keys, &signatures)
                    .await?;
                convert(&out)
            }
        )?;
        self.plugin_result("genesis.build", r)
    }

    pub async fn node_ports(&mut self, role: NodeRole) -> Result<Vec<String>, PluginHostError> {
        guest_call!(
            self,
            "node.ports",
            |b, s| b.devnet_plugin_node().call_ports(s, role),
            |b, s| b.devnet_plugin_node().call_ports(s, convert(&role)?).await
        )
    }

    pub async fn init_commands(
        &mut self,
        spec: &DevnetSpec,
        node: &NodeSlot,
    ) -> Result<Vec<wit::Command>, PluginHostError> {
        let r = guest_call!(
            self,
            "node.init-commands",
            |b, s| b.devnet_plugin_node().call_init_commands(s, spec, node),
            |b, s| convert(
                &b.devnet_plugin_node()
                    .call_init_commands(s, &convert(spec)?, &convert(node)?)
                    .await?
            )
        )?;
        self.plugin_result("node.init-commands", r)
    }

    pub async fn start_command(&mut self, spec: &DevnetSpec, node: &NodeSlot) -> Result<wit::Command, PluginHostError> {
        let r = guest_call!(
            self,
            "node.start-command",
            |b, s| b.devnet_plugin_node().call_start_command(s, spec, node),
            |b, s| convert(
                &b.devnet_plugin_node()
                    .call_start_command(s, &convert(spec)?, &convert(node)?)
                    .await?
            )
        )?;
        self.plugin_result("node.start-command", r)
    }

    pub async fn node_status(&mut self, node: &NodeSlot) -> Result<NodeStatus, PluginHostError> {
        let r = guest_call!(
            self,
            "node.status",
            |b, s| b.devnet_plugin_node().call_status(s, node),
            |b, s| convert(&b.devnet_plugin_node().call_status(s, &convert(node)?).await?)
        )?;
        self.plugin_result("node.status", r)
    }

    pub async fn upgrade_halt(&mut self, log_line: &str) -> Result<Option<HaltInfo>, PluginHostError> {
        guest_call!(
            self,
            "node.upgrade-halt",
            |b, s| b.devnet_plugin_node().call_upgrade_halt(s, log_line),
            |b, s| convert(&b.devnet_plugin_node().call_upgrade_halt(s, log_line).await?)
        )
    }

    pub async fn version_args(&mut self) -> Result<Vec<String>, PluginHostError> {
        guest_call!(
            self,
            "version.version-args",
            |b, s| b.devnet_plugin_version().call_version_args(s),
            |b, s| b.devnet_plugin_version().call_version_args(s).await
        )
    }

    pub async fn parse_version_output(&mut self, output: &str) -> Result<String, PluginHostError> {
        let r = guest_call!(
            self,
            "version.parse-version-output",
            |b, s| b.devnet_plugin_version().call_parse_version_output(s, output),
            |b, s| convert(&b.devnet_plugin_version().call_parse_version_output(s, output).await?)
        )?;
        self.plugin_result("version.parse-version-output", r)
    }

    pub async fn detect_live(&mut self, node: &NodeSlot) -> Result<String, PluginHostError> {
        let r = guest_call!(
            self,
            "version.detect-live",
            |b, s| b.devnet_plugin_version().call_detect_live(s, node),
            |b, s| convert(&b.devnet_plugin_version().call_detect_live(s, &convert(node)?).await?)
        )?;
        self.plugin_result("version.detect-live", r)
    }

    /// A transaction builder for one chain at one detected version.
    pub async fn tx_builder(
        &mut self,
        chain_id: &str,
        chain_version: &str,
    ) -> Result<TxBuilderHandle, PluginHostError> {
        let r = guest_call!(
            self,
            "tx.tx-builder.create",
            |b, s| b
                .devnet_plugin_tx()
                .tx_builder()
                .call_create(s, chain_id, chain_version),
            |b, s| b
                .devnet_plugin_tx()
                .tx_builder()
                .call_create(s, chain_id, chain_version)
                .await
                .and_then(|r| r.map_err(|e| convert(&e)).map_or_else(|e| e.map(Err), |ok| Ok(Ok(ok))))
        )?;
        let resource = self.plugin_result("tx.tx-builder.create", r)?;
        Ok(TxBuilderHandle {
            resource,
            generation: self.generation,
        })
    }

    fn live(&self, h: &TxBuilderHandle, call: &str) -> Result<ResourceAny, PluginHostError> {
        if h.generation != self.generation || self.poisoned {
            return Err(PluginHostError::StaleBuilder {
                plugin: self.loaded.id.clone(),
                call: call.into(),
            });
        }
        Ok(h.resource)
    }

    pub async fn tx_kinds(&mut self, h: &TxBuilderHandle) -> Result<Vec<TxKind>, PluginHostError> {
        let r = self.live(h, "tx.tx-builder.kinds")?;
        guest_call!(
            self,
            "tx.tx-builder.kinds",
            |b, s| b.devnet_plugin_tx().tx_builder().call_kinds(s, r),
            |b, s| convert(&b.devnet_plugin_tx().tx_builder().call_kinds(s, r).await?)
        )
    }

    pub async fn tx_build(
        &mut self,
        h: &TxBuilderHandle,
        request: &TxRequest,
        signer: &Signer,
        options: &TxOptions,
    ) -> Result<UnsignedTx, PluginHostError> {
        let r = self.live(h, "tx.tx-builder.build")?;
        let out = guest_call!(
            self,
            "tx.tx-builder.build",
            |b, s| b
                .devnet_plugin_tx()
                .tx_builder()
                .call_build(s, r, request, signer, options),
            |b, s| convert(
                &b.devnet_plugin_tx()
                    .tx_builder()
                    .call_build(s, r, &convert(request)?, &convert(signer)?, &convert(options)?)
                    .await?
            )
        )?;
        self.plugin_result("tx.tx-builder.build", out)
    }

    pub async fn tx_assemble(
        &mut self,
        h: &TxBuilderHandle,
        tx: &UnsignedTx,
        signature: &[u8],
    ) -> Result<Vec<u8>, PluginHostError> {
        let r = self.live(h, "tx.tx-builder.assemble")?;
        let out = guest_call!(
            self,
            "tx.tx-builder.assemble",
            |b, s| b.devnet_plugin_tx().tx_builder().call_assemble(s, r, tx, signature),
            |b, s| convert(
                &b.devnet_plugin_tx()
                    .tx_builder()
                    .call_assemble(s, r, &convert(tx)?, signature)
                    .await?
            )
        )?;
        self.plugin_result("tx.tx-builder.assemble", out)
    }

    /// An account's number and next sequence on the live chain; `None` when it has none yet.
    pub async fn account(&mut self, node: &NodeSlot, address: &str) -> Result<Option<AccountState>, PluginHostError> {
        let r = guest_call!(
            self,
            "chain.account",
            |b, s| b.devnet_plugin_chain().call_account(s, node, address),
            since_0_2 | b,
            s | convert(
                &b.devnet_plugin_chain()
                    .call_account(s, &convert(node)?, address)
                    .await?
            )
        )?;
        self.plugin_result("chain.account", r)
    }

    /// The chain address of an account key.
    pub async fn address(&mut self, spec: &DevnetSpec, public_key: &[u8]) -> Result<String, PluginHostError> {
        let r = guest_call!(
            self,
            "chain.address",
            |b, s| b.devnet_plugin_chain().call_address(s, spec, public_key),
            since_0_2 | b,
            s | convert(
                &b.devnet_plugin_chain()
                    .call_address(s, &convert(spec)?, public_key)
                    .await?
            )
        )?;
        self.plugin_result("chain.address", r)
    }

    /// Sends signed transaction bytes to a node.
    pub async fn broadcast(&mut self, node: &NodeSlot, tx: &[u8]) -> Result<BroadcastResult, PluginHostError> {
        let r = guest_call!(
            self,
            "chain.broadcast",
            |b, s| b.devnet_plugin_chain().call_broadcast(s, node, tx),
            since_0_2 | b,
            s | convert(&b.devnet_plugin_chain().call_broadcast(s, &convert(node)?, tx).await?)
        )?;
        self.plugin_result("chain.broadcast", r)
    }

    /// A transaction's outcome once it is in a block.
    pub async fn tx_result(&mut self, node: &NodeSlot, hash: &str) -> Result<Option<TxOutcome>, PluginHostError> {
        let r = guest_call!(
            self,
            "chain.tx-result",
            |b, s| b.devnet_plugin_chain().call_tx_result(s, node, hash),
            since_0_2 | b,
            s | convert(&b.devnet_plugin_chain().call_tx_result(s, &convert(node)?, hash).await?)
        )?;
        self.plugin_result("chain.tx-result", r)
    }

    /// A governance proposal's phase.
    pub async fn proposal(&mut self, node: &NodeSlot, id: u64) -> Result<Option<ProposalState>, PluginHostError> {
        let r = guest_call!(
            self,
            "chain.proposal",
            |b, s| b.devnet_plugin_chain().call_proposal(s, node, id),
            since_0_2 | b,
            s | convert(&b.devnet_plugin_chain().call_proposal(s, &convert(node)?, id).await?)
        )?;
        self.plugin_result("chain.proposal", r)
    }

    /// The start command of a node that stops at `height` by the chain's own setting.
    pub async fn halting_start_command(
        &mut self,
        spec: &DevnetSpec,
        node: &NodeSlot,
        height: u64,
    ) -> Result<wit::Command, PluginHostError> {
        let r = guest_call!(
            self,
            "operate.halting-start-command",
            |b, s| b
                .devnet_plugin_operate()
                .call_halting_start_command(s, spec, node, height),
            new_only
        )?;
        self.plugin_result("operate.halting-start-command", r)
    }

    /// The command that writes the chain's state (at `height`, or the latest) to `output` on a
    /// stopped node.
    pub async fn export_command(
        &mut self,
        spec: &DevnetSpec,
        node: &NodeSlot,
        height: Option<u64>,
        output: &str,
    ) -> Result<wit::Command, PluginHostError> {
        let r = guest_call!(
            self,
            "operate.export-command",
            |b, s| b
                .devnet_plugin_operate()
                .call_export_command(s, spec, node, height, output),
            new_only
        )?;
        self.plugin_result("operate.export-command", r)
    }

    /// Drops a builder (after an upgrade changes the chain version, say).
    pub async fn drop_tx_builder(&mut self, h: TxBuilderHandle) -> Result<(), PluginHostError> {
        if h.generation != self.generation || self.poisoned {
            return Ok(()); // It went with the old instance.
        }
        h.resource
            .resource_drop_async(&mut self.store)
            .await
            .map_err(|e| PluginHostError::Trap {
                plugin: self.loaded.id.clone(),
                call: "tx.tx-builder.drop".into(),
                reason: format!("{e:#}"),
            })
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
