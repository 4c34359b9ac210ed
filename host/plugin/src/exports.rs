//! The plugin's exports, one method each, newest API first: a `match` on the API version the
//! component was built against, whose arms convert arguments and results between the host's
//! types and that version's with [`crate::bridge`] (shared types) and [`crate::legacy`] (what
//! 0.4.0 changed). An export a version does not have is refused without a call. The `plan`
//! exports of 0.5.0 are in [`crate::plan`].

use wasmtime::component::ResourceAny;

use crate::bindings::v0_4_0::{
    AccountState, BroadcastResult, Command, DevnetSpec, GenesisStep, HaltInfo, KeyRequest, NodeRole, NodeSlot,
    NodeStatus, PluginInfo, ProposalState, PublicKey, Signature, Signer, TxKind, TxOptions, TxOutcome, TxRequest,
    UnsignedTx, UpgradePlan, VoteChoice,
};
use crate::bridge::Bridge;
use crate::instance::{Bindings, PluginInstance, TxBuilderHandle};
use crate::legacy::{self, chain as frozen_chain, tx as frozen_tx};
use crate::{PluginErrorKind, PluginHostError};

/// `value` as the same-shaped type of another API version.
fn conv<A: Bridge<B> + Clone, B>(value: &A) -> B {
    value.clone().bridge()
}

impl PluginInstance {
    /// Who the plugin is.
    pub async fn info(&mut self) -> Result<PluginInfo, PluginHostError> {
        const CALL: &str = "info";
        let limit = self.begin().await?;
        let s = &mut self.store;
        let out = match &self.bindings {
            Bindings::V0_5(b) => b.devnet_plugin_info().call_info(s).await,
            Bindings::V0_6(b) => b.devnet_plugin_info().call_info(s).await,
            Bindings::V0_7(b) => b.devnet_plugin_info().call_info(s).await,
            Bindings::V0_4(b) => b.devnet_plugin_info().call_info(s).await,
            Bindings::V0_3(b) => b.devnet_plugin_info().call_info(s).await.map(frozen_tx::v0_3_0::info),
            Bindings::V0_2(b) => b.devnet_plugin_info().call_info(s).await.map(frozen_tx::v0_2_0::info),
            Bindings::V0_1(b) => b.devnet_plugin_info().call_info(s).await.map(frozen_tx::v0_1_0::info),
        };
        self.finish(CALL, limit, out)
    }

    /// The keys a devnet needs.
    pub async fn genesis_keys(&mut self, spec: &DevnetSpec) -> Result<Vec<KeyRequest>, PluginHostError> {
        const CALL: &str = "genesis.keys";
        let limit = self.begin().await?;
        let s = &mut self.store;
        let out = match &self.bindings {
            Bindings::V0_5(b) => b.devnet_plugin_genesis().call_keys(s, spec).await,
            Bindings::V0_6(b) => b.devnet_plugin_genesis().call_keys(s, spec).await,
            Bindings::V0_7(b) => b.devnet_plugin_genesis().call_keys(s, spec).await,
            Bindings::V0_4(b) => b.devnet_plugin_genesis().call_keys(s, spec).await,
            Bindings::V0_3(b) => b
                .devnet_plugin_genesis()
                .call_keys(s, &conv(spec))
                .await
                .map(Bridge::bridge),
            Bindings::V0_2(b) => b
                .devnet_plugin_genesis()
                .call_keys(s, &conv(spec))
                .await
                .map(Bridge::bridge),
            Bindings::V0_1(b) => b
                .devnet_plugin_genesis()
                .call_keys(s, &conv(spec))
                .await
                .map(Bridge::bridge),
        };
        let r = self.finish(CALL, limit, out)?;
        self.plugin_result(CALL, r)
    }

    /// One step of building the genesis.
    pub async fn genesis_build(
        &mut self,
        spec: &DevnetSpec,
        nodes: &[NodeSlot],
        keys: &[PublicKey],
        signatures: &[Signature],
    ) -> Result<GenesisStep, PluginHostError> {
        const CALL: &str = "genesis.build";
        let limit = self.begin().await?;
        let s = &mut self.store;
        let (nodes, keys, signatures) = (nodes.to_vec(), keys.to_vec(), signatures.to_vec());
        let out = match &self.bindings {
            Bindings::V0_5(b) => b
                .devnet_plugin_genesis()
                .call_build(s, spec, &nodes, &keys, &signatures)
                .await
                .map(Bridge::bridge),
            Bindings::V0_6(b) => b
                .devnet_plugin_genesis()
                .call_build(s, spec, &nodes, &keys, &signatures)
                .await
                .map(Bridge::bridge),
            Bindings::V0_7(b) => b
                .devnet_plugin_genesis()
                .call_build(s, spec, &nodes, &keys, &signatures)
                .await
                .map(Bridge::bridge),
            Bindings::V0_4(b) => {
                b.devnet_plugin_genesis()
                    .call_build(s, spec, &nodes, &keys, &signatures)
                    .await
            }
            Bindings::V0_3(b) => b
                .devnet_plugin_genesis()
                .call_build(s, &conv(spec), &nodes.bridge(), &keys.bridge(), &signatures.bridge())
                .await
                .map(Bridge::bridge),
            Bindings::V0_2(b) => b
                .devnet_plugin_genesis()
                .call_build(s, &conv(spec), &nodes.bridge(), &keys.bridge(), &signatures.bridge())
                .await
                .map(Bridge::bridge),
            Bindings::V0_1(b) => b
                .devnet_plugin_genesis()
                .call_build(s, &conv(spec), &nodes.bridge(), &keys.bridge(), &signatures.bridge())
                .await
                .map(Bridge::bridge),
        };
        let r = self.finish(CALL, limit, out)?;
        self.plugin_result(CALL, r)
    }

    /// Names of the ports a node of `role` needs.
    pub async fn node_ports(&mut self, role: NodeRole) -> Result<Vec<String>, PluginHostError> {
        const CALL: &str = "node.ports";
        let limit = self.begin().await?;
        let s = &mut self.store;
        let out = match &self.bindings {
            Bindings::V0_5(b) => b.devnet_plugin_node().call_ports(s, role).await,
            Bindings::V0_6(b) => b.devnet_plugin_node().call_ports(s, role).await,
            Bindings::V0_7(b) => b.devnet_plugin_node().call_ports(s, role).await,
            Bindings::V0_4(b) => b.devnet_plugin_node().call_ports(s, role).await,
            Bindings::V0_3(b) => b.devnet_plugin_node().call_ports(s, role.bridge()).await,
            Bindings::V0_2(b) => b.devnet_plugin_node().call_ports(s, role.bridge()).await,
            Bindings::V0_1(b) => b.devnet_plugin_node().call_ports(s, role.bridge()).await,
        };
        self.finish(CALL, limit, out)
    }

    /// Commands to run once before a node's first start.
    pub async fn init_commands(&mut self, spec: &DevnetSpec, node: &NodeSlot) -> Result<Vec<Command>, PluginHostError> {
        const CALL: &str = "node.init-commands";
        let limit = self.begin().await?;
        let s = &mut self.store;
        let out = match &self.bindings {
            Bindings::V0_5(b) => b.devnet_plugin_node().call_init_commands(s, spec, node).await,
            Bindings::V0_6(b) => b.devnet_plugin_node().call_init_commands(s, spec, node).await,
            Bindings::V0_7(b) => b.devnet_plugin_node().call_init_commands(s, spec, node).await,
            Bindings::V0_4(b) => b.devnet_plugin_node().call_init_commands(s, spec, node).await,
            Bindings::V0_3(b) => b
                .devnet_plugin_node()
                .call_init_commands(s, &conv(spec), &conv(node))
                .await
                .map(Bridge::bridge),
            Bindings::V0_2(b) => b
                .devnet_plugin_node()
                .call_init_commands(s, &conv(spec), &conv(node))
                .await
                .map(Bridge::bridge),
            Bindings::V0_1(b) => b
                .devnet_plugin_node()
                .call_init_commands(s, &conv(spec), &conv(node))
                .await
                .map(Bridge::bridge),
        };
        let r = self.finish(CALL, limit, out)?;
        self.plugin_result(CALL, r)
    }

    /// The command that runs a node.
    pub async fn start_command(&mut self, spec: &DevnetSpec, node: &NodeSlot) -> Result<Command, PluginHostError> {
        const CALL: &str = "node.start-command";
        let limit = self.begin().await?;
        let s = &mut self.store;
        let out = match &self.bindings {
            Bindings::V0_5(b) => b.devnet_plugin_node().call_start_command(s, spec, node).await,
            Bindings::V0_6(b) => b.devnet_plugin_node().call_start_command(s, spec, node).await,
            Bindings::V0_7(b) => b.devnet_plugin_node().call_start_command(s, spec, node).await,
            Bindings::V0_4(b) => b.devnet_plugin_node().call_start_command(s, spec, node).await,
            Bindings::V0_3(b) => b
                .devnet_plugin_node()
                .call_start_command(s, &conv(spec), &conv(node))
                .await
                .map(Bridge::bridge),
            Bindings::V0_2(b) => b
                .devnet_plugin_node()
                .call_start_command(s, &conv(spec), &conv(node))
                .await
                .map(Bridge::bridge),
            Bindings::V0_1(b) => b
                .devnet_plugin_node()
                .call_start_command(s, &conv(spec), &conv(node))
                .await
                .map(Bridge::bridge),
        };
        let r = self.finish(CALL, limit, out)?;
        self.plugin_result(CALL, r)
    }

    /// A node's height, peers and catching-up state.
    pub async fn node_status(&mut self, node: &NodeSlot) -> Result<NodeStatus, PluginHostError> {
        const CALL: &str = "node.status";
        let limit = self.begin().await?;
        let s = &mut self.store;
        let out = match &self.bindings {
            Bindings::V0_5(b) => b.devnet_plugin_node().call_status(s, node).await.map(Bridge::bridge),
            Bindings::V0_6(b) => b.devnet_plugin_node().call_status(s, node).await.map(Bridge::bridge),
            Bindings::V0_7(b) => b.devnet_plugin_node().call_status(s, node).await.map(Bridge::bridge),
            Bindings::V0_4(b) => b.devnet_plugin_node().call_status(s, node).await,
            Bindings::V0_3(b) => b
                .devnet_plugin_node()
                .call_status(s, &conv(node))
                .await
                .map(Bridge::bridge),
            Bindings::V0_2(b) => b
                .devnet_plugin_node()
                .call_status(s, &conv(node))
                .await
                .map(Bridge::bridge),
            Bindings::V0_1(b) => b
                .devnet_plugin_node()
                .call_status(s, &conv(node))
                .await
                .map(Bridge::bridge),
        };
        let r = self.finish(CALL, limit, out)?;
        self.plugin_result(CALL, r)
    }

    /// Whether a log line says the node halted for an upgrade.
    pub async fn upgrade_halt(&mut self, log_line: &str) -> Result<Option<HaltInfo>, PluginHostError> {
        const CALL: &str = "node.upgrade-halt";
        let limit = self.begin().await?;
        let s = &mut self.store;
        let out = match &self.bindings {
            Bindings::V0_5(b) => b
                .devnet_plugin_node()
                .call_upgrade_halt(s, log_line)
                .await
                .map(Bridge::bridge),
            Bindings::V0_6(b) => b
                .devnet_plugin_node()
                .call_upgrade_halt(s, log_line)
                .await
                .map(Bridge::bridge),
            Bindings::V0_7(b) => b
                .devnet_plugin_node()
                .call_upgrade_halt(s, log_line)
                .await
                .map(Bridge::bridge),
            Bindings::V0_4(b) => b.devnet_plugin_node().call_upgrade_halt(s, log_line).await,
            Bindings::V0_3(b) => b
                .devnet_plugin_node()
                .call_upgrade_halt(s, log_line)
                .await
                .map(Bridge::bridge),
            Bindings::V0_2(b) => b
                .devnet_plugin_node()
                .call_upgrade_halt(s, log_line)
                .await
                .map(Bridge::bridge),
            Bindings::V0_1(b) => b
                .devnet_plugin_node()
                .call_upgrade_halt(s, log_line)
                .await
                .map(Bridge::bridge),
        };
        self.finish(CALL, limit, out)
    }

    /// Arguments that make the binary print its version.
    pub async fn version_args(&mut self) -> Result<Vec<String>, PluginHostError> {
        const CALL: &str = "version.version-args";
        let limit = self.begin().await?;
        let s = &mut self.store;
        let out = match &self.bindings {
            Bindings::V0_5(b) => b.devnet_plugin_version().call_version_args(s).await,
            Bindings::V0_6(b) => b.devnet_plugin_version().call_version_args(s).await,
            Bindings::V0_7(b) => b.devnet_plugin_version().call_version_args(s).await,
            Bindings::V0_4(b) => b.devnet_plugin_version().call_version_args(s).await,
            Bindings::V0_3(b) => b.devnet_plugin_version().call_version_args(s).await,
            Bindings::V0_2(b) => b.devnet_plugin_version().call_version_args(s).await,
            Bindings::V0_1(b) => b.devnet_plugin_version().call_version_args(s).await,
        };
        self.finish(CALL, limit, out)
    }

    /// The chain-software version in the binary's version output.
    pub async fn parse_version_output(&mut self, output: &str) -> Result<String, PluginHostError> {
        const CALL: &str = "version.parse-version-output";
        let limit = self.begin().await?;
        let s = &mut self.store;
        let out = match &self.bindings {
            Bindings::V0_5(b) => b.devnet_plugin_version().call_parse_version_output(s, output).await,
            Bindings::V0_6(b) => b.devnet_plugin_version().call_parse_version_output(s, output).await,
            Bindings::V0_7(b) => b.devnet_plugin_version().call_parse_version_output(s, output).await,
            Bindings::V0_4(b) => b.devnet_plugin_version().call_parse_version_output(s, output).await,
            Bindings::V0_3(b) => b
                .devnet_plugin_version()
                .call_parse_version_output(s, output)
                .await
                .map(Bridge::bridge),
            Bindings::V0_2(b) => b
                .devnet_plugin_version()
                .call_parse_version_output(s, output)
                .await
                .map(Bridge::bridge),
            Bindings::V0_1(b) => b
                .devnet_plugin_version()
                .call_parse_version_output(s, output)
                .await
                .map(Bridge::bridge),
        };
        let r = self.finish(CALL, limit, out)?;
        self.plugin_result(CALL, r)
    }

    /// The chain-software version a live node reports.
    pub async fn detect_live(&mut self, node: &NodeSlot) -> Result<String, PluginHostError> {
        const CALL: &str = "version.detect-live";
        let limit = self.begin().await?;
        let s = &mut self.store;
        let out = match &self.bindings {
            Bindings::V0_5(b) => b.devnet_plugin_version().call_detect_live(s, node).await,
            Bindings::V0_6(b) => b.devnet_plugin_version().call_detect_live(s, node).await,
            Bindings::V0_7(b) => b.devnet_plugin_version().call_detect_live(s, node).await,
            Bindings::V0_4(b) => b.devnet_plugin_version().call_detect_live(s, node).await,
            Bindings::V0_3(b) => b
                .devnet_plugin_version()
                .call_detect_live(s, &conv(node))
                .await
                .map(Bridge::bridge),
            Bindings::V0_2(b) => b
                .devnet_plugin_version()
                .call_detect_live(s, &conv(node))
                .await
                .map(Bridge::bridge),
            Bindings::V0_1(b) => b
                .devnet_plugin_version()
                .call_detect_live(s, &conv(node))
                .await
                .map(Bridge::bridge),
        };
        let r = self.finish(CALL, limit, out)?;
        self.plugin_result(CALL, r)
    }

    /// A transaction builder for one chain at one detected version.
    pub async fn tx_builder(
        &mut self,
        chain_id: &str,
        chain_version: &str,
    ) -> Result<TxBuilderHandle, PluginHostError> {
        const CALL: &str = "tx.tx-builder.create";
        let limit = self.begin().await?;
        let s = &mut self.store;
        let out: wasmtime::Result<Result<ResourceAny, crate::wit::PluginError>> = match &self.bindings {
            Bindings::V0_5(b) => {
                b.devnet_plugin_tx()
                    .tx_builder()
                    .call_create(s, chain_id, chain_version)
                    .await
            }
            Bindings::V0_6(b) => {
                b.devnet_plugin_tx()
                    .tx_builder()
                    .call_create(s, chain_id, chain_version)
                    .await
            }
            Bindings::V0_7(b) => {
                b.devnet_plugin_tx()
                    .tx_builder()
                    .call_create(s, chain_id, chain_version)
                    .await
            }
            Bindings::V0_4(b) => {
                b.devnet_plugin_tx()
                    .tx_builder()
                    .call_create(s, chain_id, chain_version)
                    .await
            }
            Bindings::V0_3(b) => b
                .devnet_plugin_tx()
                .tx_builder()
                .call_create(s, chain_id, chain_version)
                .await
                .map(Bridge::bridge),
            Bindings::V0_2(b) => b
                .devnet_plugin_tx()
                .tx_builder()
                .call_create(s, chain_id, chain_version)
                .await
                .map(Bridge::bridge),
            Bindings::V0_1(b) => b
                .devnet_plugin_tx()
                .tx_builder()
                .call_create(s, chain_id, chain_version)
                .await
                .map(Bridge::bridge),
        };
        let r = self.finish(CALL, limit, out)?;
        let resource = self.plugin_result(CALL, r)?;
        Ok(TxBuilderHandle {
            resource,
            generation: self.generation,
        })
    }

    /// Whether `h` was made by this instance as it is now (not before a restart, not by
    /// another instance): only then can it be used.
    pub fn owns(&self, h: &TxBuilderHandle) -> bool {
        h.generation == self.generation && !self.poisoned
    }

    fn live(&self, h: &TxBuilderHandle, call: &str) -> Result<ResourceAny, PluginHostError> {
        if !self.owns(h) {
            return Err(PluginHostError::StaleBuilder {
                plugin: self.loaded.id.clone(),
                call: call.into(),
            });
        }
        Ok(h.resource)
    }

    /// The transaction kinds a builder accepts, with their schemas or examples.
    pub async fn tx_kinds(&mut self, h: &TxBuilderHandle) -> Result<Vec<TxKind>, PluginHostError> {
        const CALL: &str = "tx.tx-builder.kinds";
        let r = self.live(h, CALL)?;
        let limit = self.begin().await?;
        let s = &mut self.store;
        let out = match &self.bindings {
            Bindings::V0_5(b) => b.devnet_plugin_tx().tx_builder().call_kinds(s, r).await,
            Bindings::V0_6(b) => b.devnet_plugin_tx().tx_builder().call_kinds(s, r).await,
            Bindings::V0_7(b) => b.devnet_plugin_tx().tx_builder().call_kinds(s, r).await,
            Bindings::V0_4(b) => b.devnet_plugin_tx().tx_builder().call_kinds(s, r).await,
            Bindings::V0_3(b) => b
                .devnet_plugin_tx()
                .tx_builder()
                .call_kinds(s, r)
                .await
                .map(frozen_tx::v0_3_0::kinds),
            Bindings::V0_2(b) => b
                .devnet_plugin_tx()
                .tx_builder()
                .call_kinds(s, r)
                .await
                .map(frozen_tx::v0_2_0::kinds),
            Bindings::V0_1(b) => b
                .devnet_plugin_tx()
                .tx_builder()
                .call_kinds(s, r)
                .await
                .map(frozen_tx::v0_1_0::kinds),
        };
        self.finish(CALL, limit, out)
    }

    /// The unsigned transaction for `request`.
    pub async fn tx_build(
        &mut self,
        h: &TxBuilderHandle,
        request: &TxRequest,
        signer: &Signer,
        options: &TxOptions,
    ) -> Result<UnsignedTx, PluginHostError> {
        const CALL: &str = "tx.tx-builder.build";
        let r = self.live(h, CALL)?;
        // A request an older version cannot carry is refused before anything runs.
        let frozen = match &self.bindings {
            Bindings::V0_7(_) | Bindings::V0_6(_) | Bindings::V0_5(_) | Bindings::V0_4(_) => Ok(None),
            Bindings::V0_3(_) => frozen_tx::v0_3_0::request(request).map(|(r, e)| Some(Frozen::V0_3(r, e))),
            Bindings::V0_2(_) => frozen_tx::v0_2_0::request(request).map(|(r, e)| Some(Frozen::V0_2(r, e))),
            Bindings::V0_1(_) => frozen_tx::v0_1_0::request(request).map(|(r, e)| Some(Frozen::V0_1(r, e))),
        }
        .map_err(|m| self.host_refusal(CALL, m))?;
        let limit = self.begin().await?;
        let s = &mut self.store;
        let out = match (&self.bindings, frozen) {
            (Bindings::V0_5(b), _) => b
                .devnet_plugin_tx()
                .tx_builder()
                .call_build(s, r, &conv(request), &conv(signer), options.bridge())
                .await
                .map(Bridge::bridge),
            (Bindings::V0_6(b), _) => b
                .devnet_plugin_tx()
                .tx_builder()
                .call_build(s, r, &conv(request), &conv(signer), options.bridge())
                .await
                .map(Bridge::bridge),
            (Bindings::V0_7(b), _) => b
                .devnet_plugin_tx()
                .tx_builder()
                .call_build(s, r, &conv(request), &conv(signer), options.bridge())
                .await
                .map(Bridge::bridge),
            (Bindings::V0_4(b), _) => {
                b.devnet_plugin_tx()
                    .tx_builder()
                    .call_build(s, r, request, signer, *options)
                    .await
            }
            (Bindings::V0_3(b), Some(Frozen::V0_3(req, extras))) => b
                .devnet_plugin_tx()
                .tx_builder()
                .call_build(
                    s,
                    r,
                    &req,
                    &frozen_tx::v0_3_0::signer(signer),
                    &frozen_tx::v0_3_0::options(options, &extras),
                )
                .await
                .map(Bridge::bridge),
            (Bindings::V0_2(b), Some(Frozen::V0_2(req, extras))) => b
                .devnet_plugin_tx()
                .tx_builder()
                .call_build(
                    s,
                    r,
                    &req,
                    &frozen_tx::v0_2_0::signer(signer),
                    &frozen_tx::v0_2_0::options(options, &extras),
                )
                .await
                .map(Bridge::bridge),
            (Bindings::V0_1(b), Some(Frozen::V0_1(req, extras))) => b
                .devnet_plugin_tx()
                .tx_builder()
                .call_build(
                    s,
                    r,
                    &req,
                    &frozen_tx::v0_1_0::signer(signer),
                    &frozen_tx::v0_1_0::options(options, &extras),
                )
                .await
                .map(Bridge::bridge),
            _ => Err(wasmtime::format_err!("a request converted for another API version")),
        };
        let r = self.finish(CALL, limit, out)?;
        self.plugin_result(CALL, r)
    }

    /// The signed transaction bytes.
    pub async fn tx_assemble(
        &mut self,
        h: &TxBuilderHandle,
        tx: &UnsignedTx,
        signature: &[u8],
    ) -> Result<Vec<u8>, PluginHostError> {
        const CALL: &str = "tx.tx-builder.assemble";
        let r = self.live(h, CALL)?;
        let limit = self.begin().await?;
        let s = &mut self.store;
        let out = match &self.bindings {
            Bindings::V0_5(b) => {
                b.devnet_plugin_tx()
                    .tx_builder()
                    .call_assemble(s, r, &conv(tx), signature)
                    .await
            }
            Bindings::V0_6(b) => {
                b.devnet_plugin_tx()
                    .tx_builder()
                    .call_assemble(s, r, &conv(tx), signature)
                    .await
            }
            Bindings::V0_7(b) => {
                b.devnet_plugin_tx()
                    .tx_builder()
                    .call_assemble(s, r, &conv(tx), signature)
                    .await
            }
            Bindings::V0_4(b) => {
                b.devnet_plugin_tx()
                    .tx_builder()
                    .call_assemble(s, r, tx, signature)
                    .await
            }
            Bindings::V0_3(b) => b
                .devnet_plugin_tx()
                .tx_builder()
                .call_assemble(s, r, &conv(tx), signature)
                .await
                .map(Bridge::bridge),
            Bindings::V0_2(b) => b
                .devnet_plugin_tx()
                .tx_builder()
                .call_assemble(s, r, &conv(tx), signature)
                .await
                .map(Bridge::bridge),
            Bindings::V0_1(b) => b
                .devnet_plugin_tx()
                .tx_builder()
                .call_assemble(s, r, &conv(tx), signature)
                .await
                .map(Bridge::bridge),
        };
        let r = self.finish(CALL, limit, out)?;
        self.plugin_result(CALL, r)
    }

    /// Drops a builder (after an upgrade changes the chain version, say).
    pub async fn drop_tx_builder(&mut self, h: TxBuilderHandle) -> Result<(), PluginHostError> {
        if !self.owns(&h) {
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

    /// An account's sequence and builder data on the live chain; `None` when it has none yet.
    pub async fn account(&mut self, node: &NodeSlot, address: &str) -> Result<Option<AccountState>, PluginHostError> {
        const CALL: &str = "chain.account";
        let limit = self.begin().await?;
        let s = &mut self.store;
        let out = match &self.bindings {
            Bindings::V0_5(b) => b
                .devnet_plugin_chain()
                .call_account(s, node, address)
                .await
                .map(Bridge::bridge),
            Bindings::V0_6(b) => b
                .devnet_plugin_chain()
                .call_account(s, node, address)
                .await
                .map(Bridge::bridge),
            Bindings::V0_7(b) => b
                .devnet_plugin_chain()
                .call_account(s, node, address)
                .await
                .map(Bridge::bridge),
            Bindings::V0_4(b) => b.devnet_plugin_chain().call_account(s, node, address).await,
            Bindings::V0_3(b) => b
                .devnet_plugin_chain()
                .call_account(s, &conv(node), address)
                .await
                .map(|r| r.map(|a| a.map(frozen_chain::v0_3_0::account)).map_err(Bridge::bridge)),
            Bindings::V0_2(b) => b
                .devnet_plugin_chain()
                .call_account(s, &conv(node), address)
                .await
                .map(|r| r.map(|a| a.map(frozen_chain::v0_2_0::account)).map_err(Bridge::bridge)),
            Bindings::V0_1(_) => return Err(self.not_in_api(CALL)),
        };
        let r = self.finish(CALL, limit, out)?;
        self.plugin_result(CALL, r)
    }

    /// The chain address of an account key.
    pub async fn address(&mut self, spec: &DevnetSpec, public_key: &[u8]) -> Result<String, PluginHostError> {
        const CALL: &str = "chain.address";
        let limit = self.begin().await?;
        let s = &mut self.store;
        let out = match &self.bindings {
            Bindings::V0_5(b) => b.devnet_plugin_chain().call_address(s, spec, public_key).await,
            Bindings::V0_6(b) => b.devnet_plugin_chain().call_address(s, spec, public_key).await,
            Bindings::V0_7(b) => b.devnet_plugin_chain().call_address(s, spec, public_key).await,
            Bindings::V0_4(b) => b.devnet_plugin_chain().call_address(s, spec, public_key).await,
            Bindings::V0_3(b) => b
                .devnet_plugin_chain()
                .call_address(s, &conv(spec), public_key)
                .await
                .map(Bridge::bridge),
            Bindings::V0_2(b) => b
                .devnet_plugin_chain()
                .call_address(s, &conv(spec), public_key)
                .await
                .map(Bridge::bridge),
            Bindings::V0_1(_) => return Err(self.not_in_api(CALL)),
        };
        let r = self.finish(CALL, limit, out)?;
        self.plugin_result(CALL, r)
    }

    /// Sends signed transaction bytes to a node.
    pub async fn broadcast(&mut self, node: &NodeSlot, tx: &[u8]) -> Result<BroadcastResult, PluginHostError> {
        const CALL: &str = "chain.broadcast";
        let family = self.loaded.info.family.clone();
        let limit = self.begin().await?;
        let s = &mut self.store;
        let out = match &self.bindings {
            Bindings::V0_5(b) => b
                .devnet_plugin_chain()
                .call_broadcast(s, node, tx)
                .await
                .map(Bridge::bridge),
            Bindings::V0_6(b) => b
                .devnet_plugin_chain()
                .call_broadcast(s, node, tx)
                .await
                .map(Bridge::bridge),
            Bindings::V0_7(b) => b
                .devnet_plugin_chain()
                .call_broadcast(s, node, tx)
                .await
                .map(Bridge::bridge),
            Bindings::V0_4(b) => b.devnet_plugin_chain().call_broadcast(s, node, tx).await,
            Bindings::V0_3(b) => b
                .devnet_plugin_chain()
                .call_broadcast(s, &conv(node), tx)
                .await
                .map(|r| {
                    r.map(|b| frozen_chain::v0_3_0::broadcast(b, &family))
                        .map_err(Bridge::bridge)
                }),
            Bindings::V0_2(b) => b
                .devnet_plugin_chain()
                .call_broadcast(s, &conv(node), tx)
                .await
                .map(|r| {
                    r.map(|b| frozen_chain::v0_2_0::broadcast(b, &family))
                        .map_err(Bridge::bridge)
                }),
            Bindings::V0_1(_) => return Err(self.not_in_api(CALL)),
        };
        let r = self.finish(CALL, limit, out)?;
        self.plugin_result(CALL, r)
    }

    /// A transaction's outcome once it is in a block.
    pub async fn tx_result(&mut self, node: &NodeSlot, hash: &str) -> Result<Option<TxOutcome>, PluginHostError> {
        const CALL: &str = "chain.tx-result";
        let limit = self.begin().await?;
        let s = &mut self.store;
        let out = match &self.bindings {
            Bindings::V0_5(b) => b
                .devnet_plugin_chain()
                .call_tx_result(s, node, hash)
                .await
                .map(Bridge::bridge),
            Bindings::V0_6(b) => b
                .devnet_plugin_chain()
                .call_tx_result(s, node, hash)
                .await
                .map(Bridge::bridge),
            Bindings::V0_7(b) => b
                .devnet_plugin_chain()
                .call_tx_result(s, node, hash)
                .await
                .map(Bridge::bridge),
            Bindings::V0_4(b) => b.devnet_plugin_chain().call_tx_result(s, node, hash).await,
            Bindings::V0_3(b) => b
                .devnet_plugin_chain()
                .call_tx_result(s, &conv(node), hash)
                .await
                .map(Bridge::bridge),
            Bindings::V0_2(b) => b
                .devnet_plugin_chain()
                .call_tx_result(s, &conv(node), hash)
                .await
                .map(Bridge::bridge),
            Bindings::V0_1(_) => return Err(self.not_in_api(CALL)),
        };
        let r = self.finish(CALL, limit, out)?;
        self.plugin_result(CALL, r)
    }

    /// The transaction that proposes a software upgrade halting the chain at `height`.
    pub async fn upgrade_proposal(
        &mut self,
        spec: &DevnetSpec,
        plan: &UpgradePlan,
        height: u64,
    ) -> Result<TxRequest, PluginHostError> {
        const CALL: &str = "governance.upgrade-proposal";
        match &self.bindings {
            Bindings::V0_7(_) | Bindings::V0_6(_) | Bindings::V0_5(_) | Bindings::V0_4(_) => {}
            Bindings::V0_3(_) | Bindings::V0_2(_) => return Ok(legacy::governance::upgrade_proposal(plan, height)),
            Bindings::V0_1(_) => return Err(self.not_in_api(CALL)),
        }
        let limit = self.begin().await?;
        let s = &mut self.store;
        let out = match &self.bindings {
            Bindings::V0_5(b) => b
                .devnet_plugin_governance()
                .call_upgrade_proposal(s, spec, &conv(plan), height)
                .await
                .map(Bridge::bridge),
            Bindings::V0_6(b) => b
                .devnet_plugin_governance()
                .call_upgrade_proposal(s, spec, &conv(plan), height)
                .await
                .map(Bridge::bridge),
            Bindings::V0_7(b) => b
                .devnet_plugin_governance()
                .call_upgrade_proposal(s, spec, &conv(plan), height)
                .await
                .map(Bridge::bridge),
            Bindings::V0_4(b) => {
                b.devnet_plugin_governance()
                    .call_upgrade_proposal(s, spec, plan, height)
                    .await
            }
            _ => return Err(self.not_in_api(CALL)),
        };
        let r = self.finish(CALL, limit, out)?;
        self.plugin_result(CALL, r)
    }

    /// The transaction that votes `choice` on proposal `id`.
    pub async fn vote(&mut self, spec: &DevnetSpec, id: u64, choice: VoteChoice) -> Result<TxRequest, PluginHostError> {
        const CALL: &str = "governance.vote";
        match &self.bindings {
            Bindings::V0_7(_) | Bindings::V0_6(_) | Bindings::V0_5(_) | Bindings::V0_4(_) => {}
            Bindings::V0_3(_) | Bindings::V0_2(_) => return Ok(legacy::governance::vote(id, choice)),
            Bindings::V0_1(_) => return Err(self.not_in_api(CALL)),
        }
        let limit = self.begin().await?;
        let s = &mut self.store;
        let out = match &self.bindings {
            Bindings::V0_5(b) => b
                .devnet_plugin_governance()
                .call_vote(s, spec, id, choice.bridge())
                .await
                .map(Bridge::bridge),
            Bindings::V0_6(b) => b
                .devnet_plugin_governance()
                .call_vote(s, spec, id, choice.bridge())
                .await
                .map(Bridge::bridge),
            Bindings::V0_7(b) => b
                .devnet_plugin_governance()
                .call_vote(s, spec, id, choice.bridge())
                .await
                .map(Bridge::bridge),
            Bindings::V0_4(b) => b.devnet_plugin_governance().call_vote(s, spec, id, choice).await,
            _ => return Err(self.not_in_api(CALL)),
        };
        let r = self.finish(CALL, limit, out)?;
        self.plugin_result(CALL, r)
    }

    /// The id of the proposal a committed upgrade-proposal transaction made.
    pub async fn proposal_id(&mut self, outcome: &TxOutcome) -> Result<u64, PluginHostError> {
        const CALL: &str = "governance.proposal-id";
        match &self.bindings {
            Bindings::V0_7(_) | Bindings::V0_6(_) | Bindings::V0_5(_) | Bindings::V0_4(_) => {}
            Bindings::V0_3(_) | Bindings::V0_2(_) => {
                // The outcome is recorded: reading it again gives the same answer.
                return legacy::governance::proposal_id(outcome).map_err(|message| PluginHostError::Plugin {
                    plugin: self.loaded.id.clone(),
                    call: CALL.into(),
                    kind: PluginErrorKind::InvalidInput,
                    message,
                });
            }
            Bindings::V0_1(_) => return Err(self.not_in_api(CALL)),
        }
        let limit = self.begin().await?;
        let s = &mut self.store;
        let out = match &self.bindings {
            Bindings::V0_5(b) => b.devnet_plugin_governance().call_proposal_id(s, &conv(outcome)).await,
            Bindings::V0_6(b) => b.devnet_plugin_governance().call_proposal_id(s, &conv(outcome)).await,
            Bindings::V0_7(b) => b.devnet_plugin_governance().call_proposal_id(s, &conv(outcome)).await,
            Bindings::V0_4(b) => b.devnet_plugin_governance().call_proposal_id(s, outcome).await,
            _ => return Err(self.not_in_api(CALL)),
        };
        let r = self.finish(CALL, limit, out)?;
        self.plugin_result(CALL, r)
    }

    /// A governance proposal's phase; `None` when there is no such proposal.
    pub async fn proposal(&mut self, node: &NodeSlot, id: u64) -> Result<Option<ProposalState>, PluginHostError> {
        const CALL: &str = "governance.proposal";
        let limit = self.begin().await?;
        let s = &mut self.store;
        let out = match &self.bindings {
            Bindings::V0_5(b) => b
                .devnet_plugin_governance()
                .call_proposal(s, node, id)
                .await
                .map(Bridge::bridge),
            Bindings::V0_6(b) => b
                .devnet_plugin_governance()
                .call_proposal(s, node, id)
                .await
                .map(Bridge::bridge),
            Bindings::V0_7(b) => b
                .devnet_plugin_governance()
                .call_proposal(s, node, id)
                .await
                .map(Bridge::bridge),
            Bindings::V0_4(b) => b.devnet_plugin_governance().call_proposal(s, node, id).await,
            Bindings::V0_3(b) => b
                .devnet_plugin_chain()
                .call_proposal(s, &conv(node), id)
                .await
                .map(|r| r.map(|p| p.map(frozen_chain::v0_3_0::proposal)).map_err(Bridge::bridge)),
            Bindings::V0_2(b) => b
                .devnet_plugin_chain()
                .call_proposal(s, &conv(node), id)
                .await
                .map(|r| r.map(|p| p.map(frozen_chain::v0_2_0::proposal)).map_err(Bridge::bridge)),
            Bindings::V0_1(_) => return Err(self.not_in_api(CALL)),
        };
        let r = self.finish(CALL, limit, out)?;
        self.plugin_result(CALL, r)
    }

    /// The start command of a node that stops at `height` by the chain's own setting.
    pub async fn halting_start_command(
        &mut self,
        spec: &DevnetSpec,
        node: &NodeSlot,
        height: u64,
    ) -> Result<Command, PluginHostError> {
        const CALL: &str = "operate.halting-start-command";
        let limit = self.begin().await?;
        let s = &mut self.store;
        let out = match &self.bindings {
            Bindings::V0_5(b) => {
                b.devnet_plugin_operate()
                    .call_halting_start_command(s, spec, node, height)
                    .await
            }
            Bindings::V0_6(b) => {
                b.devnet_plugin_operate()
                    .call_halting_start_command(s, spec, node, height)
                    .await
            }
            Bindings::V0_7(b) => {
                b.devnet_plugin_operate()
                    .call_halting_start_command(s, spec, node, height)
                    .await
            }
            Bindings::V0_4(b) => {
                b.devnet_plugin_operate()
                    .call_halting_start_command(s, spec, node, height)
                    .await
            }
            Bindings::V0_3(b) => b
                .devnet_plugin_operate()
                .call_halting_start_command(s, &conv(spec), &conv(node), height)
                .await
                .map(Bridge::bridge),
            Bindings::V0_2(_) | Bindings::V0_1(_) => return Err(self.not_in_api(CALL)),
        };
        let r = self.finish(CALL, limit, out)?;
        self.plugin_result(CALL, r)
    }

    /// The command that writes the chain's state (at `height`, or the latest) to `output` on a
    /// stopped node.
    pub async fn export_command(
        &mut self,
        spec: &DevnetSpec,
        node: &NodeSlot,
        height: Option<u64>,
        output: &str,
    ) -> Result<Command, PluginHostError> {
        const CALL: &str = "operate.export-command";
        let limit = self.begin().await?;
        let s = &mut self.store;
        let out = match &self.bindings {
            Bindings::V0_5(b) => {
                b.devnet_plugin_operate()
                    .call_export_command(s, spec, node, height, output)
                    .await
            }
            Bindings::V0_6(b) => {
                b.devnet_plugin_operate()
                    .call_export_command(s, spec, node, height, output)
                    .await
            }
            Bindings::V0_7(b) => {
                b.devnet_plugin_operate()
                    .call_export_command(s, spec, node, height, output)
                    .await
            }
            Bindings::V0_4(b) => {
                b.devnet_plugin_operate()
                    .call_export_command(s, spec, node, height, output)
                    .await
            }
            Bindings::V0_3(b) => b
                .devnet_plugin_operate()
                .call_export_command(s, &conv(spec), &conv(node), height, output)
                .await
                .map(Bridge::bridge),
            Bindings::V0_2(_) | Bindings::V0_1(_) => return Err(self.not_in_api(CALL)),
        };
        let r = self.finish(CALL, limit, out)?;
        self.plugin_result(CALL, r)
    }
}

/// A transaction request in the types of the older version it goes to.
enum Frozen {
    V0_1(
        crate::bindings::v0_1_0::exports::devnet::plugin::tx::TxRequest,
        legacy::Extras,
    ),
    V0_2(
        crate::bindings::v0_2_0::exports::devnet::plugin::tx::TxRequest,
        legacy::Extras,
    ),
    V0_3(
        crate::bindings::v0_3_0::exports::devnet::plugin::tx::TxRequest,
        legacy::Extras,
    ),
}
