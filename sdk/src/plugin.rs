//! The traits a plugin implements. Every method but [`Plugin::info`] has a default, so a plugin
//! written today keeps compiling when the contract grows.

use crate::bindings::exports::devnet::plugin::tx::GuestTxBuilder;
use crate::chain::{AccountState, BroadcastResult, TxOutcome};
use crate::genesis::GenesisStep;
use crate::governance::{ProposalState, UpgradePlan, VoteChoice};
use crate::node::{HaltInfo, NodeStatus};
use crate::plan::{DevnetPlan, DevnetRequest, StartGate};
use crate::tx::{Signer, TxOptions, TxRequest, UnsignedTx};
use crate::{
    Command, DevnetSpec, KeyRequest, NodeRole, NodeSlot, PluginError, PluginInfo, PublicKey, Signature, TxKind,
};

/// A chain plugin. Implement it on a unit struct and export it with [`crate::export_plugin!`].
///
/// ```no_run
/// use devnet_plugin_sdk::{Plugin, PluginError, PluginInfo};
///
/// struct MyChain;
///
/// impl Plugin for MyChain {
///     type TxBuilder = devnet_plugin_sdk::NoTxBuilder;
///
///     fn info() -> PluginInfo {
///         PluginInfo {
///             name: "mychain".into(),
///             version: "0.1.0".into(),
///             family: "mychain".into(),
///             chain_versions: vec![],
///             tx_kinds: vec![],
///             capabilities: vec![],
///             default_binary: "mychaind".into(),
///         }
///     }
///
///     // `mychaind version` prints `mychaind 1.2.3`.
///     fn parse_version_output(output: &str) -> Result<String, PluginError> {
///         output
///             .split_whitespace()
///             .nth(1)
///             .map(|v| format!("v{v}"))
///             .ok_or_else(|| PluginError::invalid(format!("no version in {output:?}")))
///     }
/// }
///
/// devnet_plugin_sdk::export_plugin!(MyChain);
/// ```
pub trait Plugin {
    /// The transaction builder; [`NoTxBuilder`] for a plugin that builds none.
    type TxBuilder: TxBuilder;

    /// Who the plugin is and what it supports (example: the trait's).
    fn info() -> PluginInfo;

    /// The keys a devnet needs; the host generates and keeps them.
    ///
    /// ```
    /// # use devnet_plugin_sdk::*;
    /// # struct MyChain;
    /// # impl Plugin for MyChain {
    /// #     type TxBuilder = NoTxBuilder;
    /// #     fn info() -> PluginInfo { unimplemented!() }
    /// // One account key per validator; the host makes them, the plugin sees only public halves.
    /// fn genesis_keys(spec: DevnetSpec) -> Result<Vec<KeyRequest>, PluginError> {
    ///     Ok((0..spec.validators)
    ///         .map(|i| KeyRequest { id: format!("validator-{i}"), algorithm: KeyAlgorithm::Secp256k1 })
    ///         .collect())
    /// }
    /// # }
    /// ```
    fn genesis_keys(spec: DevnetSpec) -> Result<Vec<KeyRequest>, PluginError> {
        let _ = spec;
        Err(PluginError::unsupported("this plugin does not make genesis"))
    }

    /// Builds the genesis and each node's files (see the WIT `genesis.build`).
    ///
    /// ```
    /// # use devnet_plugin_sdk::*;
    /// # struct MyChain;
    /// # impl Plugin for MyChain {
    /// #     type TxBuilder = NoTxBuilder;
    /// #     fn info() -> PluginInfo { unimplemented!() }
    /// // One genesis file for every node, naming each validator's public key.
    /// fn genesis_build(
    ///     spec: DevnetSpec,
    ///     _nodes: Vec<NodeSlot>,
    ///     keys: Vec<PublicKey>,
    ///     _signatures: Vec<Signature>,
    /// ) -> Result<genesis::GenesisStep, PluginError> {
    ///     let validators: Vec<String> = keys.iter().map(|k| format!("{}={:02x?}", k.id, k.bytes)).collect();
    ///     let text = format!("chain-id = {:?}\nvalidators = {:?}\n", spec.chain_id, validators);
    ///     Ok(genesis::GenesisStep::Done(vec![File {
    ///         path: "genesis.toml".into(),
    ///         contents: text.into_bytes(),
    ///         with_secrets: false,
    ///     }]))
    /// }
    /// # }
    /// ```
    fn genesis_build(
        spec: DevnetSpec,
        nodes: Vec<NodeSlot>,
        keys: Vec<PublicKey>,
        signatures: Vec<Signature>,
    ) -> Result<GenesisStep, PluginError> {
        let _ = (spec, nodes, keys, signatures);
        Err(PluginError::unsupported("this plugin does not make genesis"))
    }

    /// Names of the loopback ports a node of `role` needs.
    ///
    /// ```
    /// # use devnet_plugin_sdk::*;
    /// # struct MyChain;
    /// # impl Plugin for MyChain {
    /// #     type TxBuilder = NoTxBuilder;
    /// #     fn info() -> PluginInfo { unimplemented!() }
    /// fn node_ports(role: NodeRole) -> Vec<String> {
    ///     match role {
    ///         NodeRole::Validator => vec!["rpc".into(), "p2p".into()],
    ///         NodeRole::FullNode => vec!["rpc".into()],
    ///     }
    /// }
    /// # }
    /// assert_eq!(MyChain::node_ports(NodeRole::FullNode), ["rpc"]);
    /// ```
    fn node_ports(role: NodeRole) -> Vec<String> {
        let _ = role;
        Vec::new()
    }

    /// Commands to run once before a node's first start.
    ///
    /// ```
    /// # use devnet_plugin_sdk::*;
    /// # struct MyChain;
    /// # impl Plugin for MyChain {
    /// #     type TxBuilder = NoTxBuilder;
    /// #     fn info() -> PluginInfo { unimplemented!() }
    /// // `mychaind init` in the node's home, with the devnet's binary.
    /// fn init_commands(spec: DevnetSpec, node: NodeSlot) -> Result<Vec<Command>, PluginError> {
    ///     let args = ["init", &node.name, "--chain-id", &spec.chain_id, "--home", &node.home];
    ///     Ok(vec![Command { args: args.map(str::to_string).to_vec(), env: vec![] }])
    /// }
    /// # }
    /// ```
    fn init_commands(spec: DevnetSpec, node: NodeSlot) -> Result<Vec<Command>, PluginError> {
        let _ = (spec, node);
        Ok(Vec::new())
    }

    /// The command that runs a node.
    ///
    /// ```
    /// # use devnet_plugin_sdk::*;
    /// # struct MyChain;
    /// # impl Plugin for MyChain {
    /// #     type TxBuilder = NoTxBuilder;
    /// #     fn info() -> PluginInfo { unimplemented!() }
    /// fn start_command(_spec: DevnetSpec, node: NodeSlot) -> Result<Command, PluginError> {
    ///     let rpc = node.port("rpc")?; // a port the host reserved for this node
    ///     // Where to listen: 127.0.0.1, or 0.0.0.0 in a container with a network of its own.
    ///     let listen = format!("{}:{rpc}", node.bind_host());
    ///     let args = ["start", "--home", &node.home, "--rpc", &listen];
    ///     Ok(Command { args: args.map(str::to_string).to_vec(), env: vec![] })
    /// }
    /// # }
    /// ```
    fn start_command(spec: DevnetSpec, node: NodeSlot) -> Result<Command, PluginError> {
        let _ = (spec, node);
        Err(PluginError::unsupported("this plugin does not start nodes"))
    }

    /// A node's height, peers and catching-up state, read from its endpoint.
    ///
    /// ```no_run
    /// # use devnet_plugin_sdk::*;
    /// # struct MyChain;
    /// # impl Plugin for MyChain {
    /// #     type TxBuilder = NoTxBuilder;
    /// #     fn info() -> PluginInfo { unimplemented!() }
    /// // A node that answers `GET /status` with `{"height": 12, "peers": 3, "syncing": false}`.
    /// // (`evm::node_status` does this for Ethereum JSON-RPC, with the SDK's `evm` feature.)
    /// fn node_status(node: NodeSlot) -> Result<node::NodeStatus, PluginError> {
    ///     let answer = json::get(&format!("http://127.0.0.1:{}/status", node.port("rpc")?))?;
    ///     let number = |field: &str| answer.body[field].as_u64().ok_or_else(|| PluginError::chain(format!("no {field} in {}", answer.body)));
    ///     Ok(node::NodeStatus {
    ///         height: number("height")?,
    ///         catching_up: answer.body["syncing"].as_bool().unwrap_or(false),
    ///         peers: number("peers")? as u32,
    ///     })
    /// }
    /// # }
    /// ```
    fn node_status(node: NodeSlot) -> Result<NodeStatus, PluginError> {
        let _ = node;
        Err(PluginError::unsupported("this plugin does not read node status"))
    }

    /// Whether a log line says the node halted for a software upgrade.
    ///
    /// ```
    /// # use devnet_plugin_sdk::*;
    /// # struct MyChain;
    /// # impl Plugin for MyChain {
    /// #     type TxBuilder = NoTxBuilder;
    /// #     fn info() -> PluginInfo { unimplemented!() }
    /// // `UPGRADE "v2" NEEDED at height: 120`
    /// fn upgrade_halt(log_line: &str) -> Option<node::HaltInfo> {
    ///     let rest = log_line.split("UPGRADE \"").nth(1)?;
    ///     let (name, rest) = rest.split_once('"')?;
    ///     let height = rest.rsplit(' ').next()?.parse().ok()?;
    ///     Some(node::HaltInfo { name: name.into(), height })
    /// }
    /// # }
    /// assert_eq!(MyChain::upgrade_halt(r#"UPGRADE "v2" NEEDED at height: 120"#).map(|h| h.height), Some(120));
    /// ```
    fn upgrade_halt(log_line: &str) -> Option<HaltInfo> {
        let _ = log_line;
        None
    }

    /// Arguments that make the chain binary print its version.
    ///
    /// ```
    /// # use devnet_plugin_sdk::*;
    /// # struct MyChain;
    /// # impl Plugin for MyChain {
    /// #     type TxBuilder = NoTxBuilder;
    /// #     fn info() -> PluginInfo { unimplemented!() }
    /// fn version_args() -> Vec<String> {
    ///     vec!["--version".into()]
    /// }
    /// # }
    /// assert_eq!(MyChain::version_args(), ["--version"]);
    /// ```
    fn version_args() -> Vec<String> {
        vec!["version".to_string()]
    }

    /// The chain-software version in the binary's version output.
    ///
    /// ```
    /// # use devnet_plugin_sdk::*;
    /// # struct MyChain;
    /// # impl Plugin for MyChain {
    /// #     type TxBuilder = NoTxBuilder;
    /// #     fn info() -> PluginInfo { unimplemented!() }
    /// // `mychaind 1.2.3 (commit abc)` → `v1.2.3`.
    /// fn parse_version_output(output: &str) -> Result<String, PluginError> {
    ///     version_range::first_version(output)
    ///         .ok_or_else(|| PluginError::invalid(format!("no version in {output:?}")))
    /// }
    /// # }
    /// assert_eq!(MyChain::parse_version_output("mychaind 1.2.3 (commit abc)").unwrap(), "v1.2.3");
    /// ```
    fn parse_version_output(output: &str) -> Result<String, PluginError> {
        let _ = output;
        Err(PluginError::unsupported("this plugin does not detect versions"))
    }

    /// The chain-software version a live node reports.
    ///
    /// ```no_run
    /// # use devnet_plugin_sdk::*;
    /// # struct MyChain;
    /// # impl Plugin for MyChain {
    /// #     type TxBuilder = NoTxBuilder;
    /// #     fn info() -> PluginInfo { unimplemented!() }
    /// // `GET /version` answers `{"version": "1.2.3"}`.
    /// fn detect_live(node: NodeSlot) -> Result<String, PluginError> {
    ///     let answer = json::get(&format!("http://127.0.0.1:{}/version", node.port("rpc")?))?;
    ///     let text = answer.body["version"].as_str().unwrap_or_default();
    ///     version_range::first_version(text)
    ///         .ok_or_else(|| PluginError::chain(format!("no version in {}", answer.body)))
    /// }
    /// # }
    /// ```
    fn detect_live(node: NodeSlot) -> Result<String, PluginError> {
        let _ = node;
        Err(PluginError::unsupported("this plugin does not detect live versions"))
    }

    /// An account's next sequence (nonce) and whatever else the builder needs to sign for it
    /// (`data`, passed back as `Signer::account`), read from `node`; `None` when the chain has no
    /// such account yet.
    ///
    /// ```no_run
    /// # use devnet_plugin_sdk::*;
    /// # struct MyChain;
    /// # impl Plugin for MyChain {
    /// #     type TxBuilder = NoTxBuilder;
    /// #     fn info() -> PluginInfo { unimplemented!() }
    /// // `GET /accounts/{address}`: `{"sequence": 4, "number": 12}`, or 404 for an account the
    /// // chain has not seen. The builder gets `data` back as `Signer::account`.
    /// fn account(node: NodeSlot, address: &str) -> Result<Option<chain::AccountState>, PluginError> {
    ///     let answer = json::get(&format!("http://127.0.0.1:{}/accounts/{address}", node.port("rpc")?))?;
    ///     if answer.status == 404 {
    ///         return Ok(None);
    ///     }
    ///     let sequence = answer.body["sequence"].as_u64().ok_or_else(|| PluginError::chain(format!("no sequence in {}", answer.body)))?;
    ///     let data = serde_json::json!({ "number": answer.body["number"] }).to_string();
    ///     Ok(Some(chain::AccountState { sequence, data }))
    /// }
    /// # }
    /// ```
    fn account(node: NodeSlot, address: &str) -> Result<Option<AccountState>, PluginError> {
        let _ = (node, address);
        Err(PluginError::unsupported("this plugin does not read accounts"))
    }

    /// The chain address of an account key the host holds, on the devnet `spec` describes.
    ///
    /// ```no_run
    /// # use devnet_plugin_sdk::*;
    /// # struct MyChain;
    /// # impl Plugin for MyChain {
    /// #     type TxBuilder = NoTxBuilder;
    /// #     fn info() -> PluginInfo { unimplemented!() }
    /// // mychain's addresses are `my` and the key in hex. (`evm::chain::address` and
    /// // `cosmos::account_address` do Ethereum's and Cosmos' with the SDK's features.)
    /// fn address(_spec: DevnetSpec, public_key: &[u8]) -> Result<String, PluginError> {
    ///     if public_key.len() != 33 {
    ///         return Err(PluginError::invalid(format!("a compressed secp256k1 key has 33 bytes, not {}", public_key.len())));
    ///     }
    ///     Ok(format!("my{}", public_key.iter().map(|b| format!("{b:02x}")).collect::<String>()))
    /// }
    /// # }
    /// # let spec = DevnetSpec { name: "d".into(), chain_id: "c".into(), chain_version: "v1.0.0".into(), validators: 1, full_nodes: 0, accounts: vec![], overrides: vec![] };
    /// assert!(MyChain::address(spec, &[2; 33]).unwrap().starts_with("my0202"));
    /// ```
    fn address(spec: DevnetSpec, public_key: &[u8]) -> Result<String, PluginError> {
        let _ = (spec, public_key);
        Err(PluginError::unsupported("this plugin does not derive addresses"))
    }

    /// Sends signed transaction bytes to `node`: its hash, or the node's refusal.
    ///
    /// The host writes the signed bytes down before it sends them, and after a restart sends the
    /// same bytes again: it cannot know whether they went out. Answer bytes the node already has
    /// (in its pool or in a block) with `accepted` and their hash, not with a refusal for a known
    /// transaction or a spent sequence; otherwise the host reports a transaction that landed as
    /// failed. `evm::chain::broadcast` does this; `cosmos::tx_hash` gives a Cosmos hash.
    ///
    /// ```no_run
    /// # use devnet_plugin_sdk::*;
    /// # struct MyChain;
    /// # impl Plugin for MyChain {
    /// #     type TxBuilder = NoTxBuilder;
    /// #     fn info() -> PluginInfo { unimplemented!() }
    /// // `POST /txs` with the bytes in hex: `{"hash": "…"}`, or `{"code": 3, "log": "…"}`. A refusal
    /// // carries its kind: the host re-reads the account and retries a `wrong-sequence`.
    /// fn broadcast(node: NodeSlot, tx: &[u8]) -> Result<chain::BroadcastResult, PluginError> {
    ///     let hex: String = tx.iter().map(|b| format!("{b:02x}")).collect();
    ///     let url = format!("http://127.0.0.1:{}/txs", node.port("rpc")?);
    ///     let answer = json::post(&url, &serde_json::json!({ "tx": hex }))?;
    ///     if let Some(hash) = answer.body["hash"].as_str() {
    ///         return Ok(chain::BroadcastResult::Accepted(hash.into()));
    ///     }
    ///     let code = answer.body["code"].as_u64().unwrap_or(1) as u32;
    ///     let kind = match code {
    ///         3 => chain::RejectionKind::WrongSequence,
    ///         4 => chain::RejectionKind::InsufficientFunds,
    ///         _ => chain::RejectionKind::Other,
    ///     };
    ///     let log = answer.body["log"].as_str().unwrap_or_default().to_string();
    ///     Ok(chain::BroadcastResult::Rejected(chain::Rejection { kind, code, log }))
    /// }
    /// # }
    /// ```
    fn broadcast(node: NodeSlot, tx: &[u8]) -> Result<BroadcastResult, PluginError> {
        let _ = (node, tx);
        Err(PluginError::unsupported("this plugin does not broadcast transactions"))
    }

    /// A transaction's outcome once it is in a block; `None` before.
    ///
    /// ```no_run
    /// # use devnet_plugin_sdk::*;
    /// # struct MyChain;
    /// # impl Plugin for MyChain {
    /// #     type TxBuilder = NoTxBuilder;
    /// #     fn info() -> PluginInfo { unimplemented!() }
    /// // `GET /txs/{hash}`: `{"height": 7, "code": 0, "log": ""}`, or 404 while it is in no block.
    /// fn tx_result(node: NodeSlot, hash: &str) -> Result<Option<chain::TxOutcome>, PluginError> {
    ///     let answer = json::get(&format!("http://127.0.0.1:{}/txs/{hash}", node.port("rpc")?))?;
    ///     if answer.status == 404 {
    ///         return Ok(None);
    ///     }
    ///     Ok(Some(chain::TxOutcome {
    ///         height: answer.body["height"].as_u64().unwrap_or(0),
    ///         code: answer.body["code"].as_u64().unwrap_or(0) as u32,
    ///         log: answer.body["log"].as_str().unwrap_or_default().to_string(),
    ///         attributes: vec![],
    ///     }))
    /// }
    /// # }
    /// ```
    fn tx_result(node: NodeSlot, hash: &str) -> Result<Option<TxOutcome>, PluginError> {
        let _ = (node, hash);
        Err(PluginError::unsupported(
            "this plugin does not read transaction results",
        ))
    }

    /// The transaction that proposes `plan`, halting the chain at `height` (API 0.4.0); the host
    /// signs it with the first validator's account key and follows it into a block.
    ///
    /// ```
    /// # use devnet_plugin_sdk::*;
    /// # struct MyChain;
    /// # impl Plugin for MyChain {
    /// #     type TxBuilder = NoTxBuilder;
    /// #     fn info() -> PluginInfo { unimplemented!() }
    /// // One of the plugin's own kinds, with the fields its builder reads.
    /// fn upgrade_proposal(
    ///     _spec: DevnetSpec,
    ///     plan: governance::UpgradePlan,
    ///     height: u64,
    /// ) -> Result<tx::TxRequest, PluginError> {
    ///     let fields = serde_json::json!({ "name": plan.name, "height": height, "deposit": plan.deposit.len() });
    ///     Ok(tx::TxRequest::of("propose-upgrade", &fields))
    /// }
    /// # }
    /// let plan = governance::UpgradePlan { name: "v2".into(), to_version: "v2.0.0".into(), deposit: vec![] };
    /// let spec = DevnetSpec { name: "d".into(), chain_id: "c".into(), chain_version: "v1.0.0".into(), validators: 1, full_nodes: 0, accounts: vec![], overrides: vec![] };
    /// assert_eq!(MyChain::upgrade_proposal(spec, plan, 50).unwrap().kind, "propose-upgrade");
    /// ```
    fn upgrade_proposal(spec: DevnetSpec, plan: UpgradePlan, height: u64) -> Result<TxRequest, PluginError> {
        let _ = (spec, plan, height);
        Err(PluginError::unsupported(
            "this plugin's chain has no governance (upgrade without it: `dvb upgrade create --no-gov`)",
        ))
    }

    /// The transaction that votes `choice` on proposal `id` (API 0.4.0).
    ///
    /// ```
    /// # use devnet_plugin_sdk::*;
    /// # struct MyChain;
    /// # impl Plugin for MyChain {
    /// #     type TxBuilder = NoTxBuilder;
    /// #     fn info() -> PluginInfo { unimplemented!() }
    /// fn vote(_spec: DevnetSpec, id: u64, choice: governance::VoteChoice) -> Result<tx::TxRequest, PluginError> {
    ///     let choice = match choice {
    ///         governance::VoteChoice::Yes => "yes",
    ///         governance::VoteChoice::No => "no",
    ///         governance::VoteChoice::Abstain => "abstain",
    ///         governance::VoteChoice::Veto => "veto",
    ///     };
    ///     Ok(tx::TxRequest::of("vote", &serde_json::json!({ "proposal": id, "choice": choice })))
    /// }
    /// # }
    /// ```
    fn vote(spec: DevnetSpec, id: u64, choice: VoteChoice) -> Result<TxRequest, PluginError> {
        let _ = (spec, id, choice);
        Err(PluginError::unsupported("this plugin's chain has no governance"))
    }

    /// The id of the proposal that a committed [`Plugin::upgrade_proposal`] transaction made,
    /// read from its outcome (API 0.4.0).
    ///
    /// ```
    /// # use devnet_plugin_sdk::*;
    /// # struct MyChain;
    /// # impl Plugin for MyChain {
    /// #     type TxBuilder = NoTxBuilder;
    /// #     fn info() -> PluginInfo { unimplemented!() }
    /// // The chain reports the new proposal's id as the transaction's `proposal_id` attribute.
    /// fn proposal_id(outcome: chain::TxOutcome) -> Result<u64, PluginError> {
    ///     outcome
    ///         .attributes
    ///         .iter()
    ///         .find(|(key, _)| key == "proposal_id")
    ///         .and_then(|(_, value)| value.parse().ok())
    ///         .ok_or_else(|| PluginError::chain(format!("no proposal id in the transaction's result: {}", outcome.log)))
    /// }
    /// # }
    /// let outcome = chain::TxOutcome { height: 9, code: 0, log: String::new(), attributes: vec![("proposal_id".into(), "4".into())] };
    /// assert_eq!(MyChain::proposal_id(outcome).unwrap(), 4);
    /// ```
    fn proposal_id(outcome: TxOutcome) -> Result<u64, PluginError> {
        let _ = outcome;
        Err(PluginError::unsupported("this plugin's chain has no governance"))
    }

    /// A governance proposal's phase; `None` when there is no such proposal.
    ///
    /// ```no_run
    /// # use devnet_plugin_sdk::*;
    /// # struct MyChain;
    /// # impl Plugin for MyChain {
    /// #     type TxBuilder = NoTxBuilder;
    /// #     fn info() -> PluginInfo { unimplemented!() }
    /// // `GET /gov/proposals/{id}` on the node's API: `{"status": "voting"}`, or 404.
    /// fn proposal(node: NodeSlot, id: u64) -> Result<Option<governance::ProposalState>, PluginError> {
    ///     let url = format!("http://127.0.0.1:{}/gov/proposals/{id}", node.port("api")?);
    ///     let answer = json::get(&url)?;
    ///     if answer.status == 404 {
    ///         return Ok(None);
    ///     }
    ///     let phase = match answer.body["status"].as_str() {
    ///         Some("voting") => governance::ProposalPhase::Voting,
    ///         Some("passed") => governance::ProposalPhase::Passed,
    ///         Some("rejected") => governance::ProposalPhase::Rejected,
    ///         Some("deposit") => governance::ProposalPhase::Deposit,
    ///         _ => governance::ProposalPhase::Failed,
    ///     };
    ///     Ok(Some(governance::ProposalState { id, phase, detail: answer.body.to_string() }))
    /// }
    /// # }
    /// ```
    fn proposal(node: NodeSlot, id: u64) -> Result<Option<ProposalState>, PluginError> {
        let _ = (node, id);
        Err(PluginError::unsupported("this plugin does not read proposals"))
    }

    /// The start command of a node that stops making blocks at `height` by the chain's own
    /// setting, for a software upgrade without governance (API 0.3.0). `upgrade_halt` should
    /// then read that stop from the log, with an empty name. A chain with no halt height whose
    /// nodes keep their chain across a restart answers `PluginError::unsupported` (API 0.6.0):
    /// the host then stops its nodes at once for the switch. The default refuses.
    ///
    /// ```
    /// # use devnet_plugin_sdk::*;
    /// # struct MyChain;
    /// # impl Plugin for MyChain {
    /// #     type TxBuilder = NoTxBuilder;
    /// #     fn info() -> PluginInfo { unimplemented!() }
    /// fn halting_start_command(_spec: DevnetSpec, node: NodeSlot, height: u64) -> Result<Command, PluginError> {
    ///     let args = ["start", "--home", &node.home, "--halt-height", &height.to_string()];
    ///     Ok(Command { args: args.map(str::to_string).to_vec(), env: vec![] })
    /// }
    /// # }
    /// ```
    fn halting_start_command(spec: DevnetSpec, node: NodeSlot, height: u64) -> Result<Command, PluginError> {
        let _ = (spec, node, height);
        // Not `unsupported`: from API 0.6.0 that asks the host to stop the nodes at once for a
        // switch, which only a plugin whose nodes keep their chain across a restart may ask.
        Err(PluginError::invalid(
            "this plugin neither stops a node at a chosen height nor says its nodes keep their chain across a \
             restart: no upgrade without governance",
        ))
    }

    /// The command that writes the chain's state (at `height`, the latest when none) to
    /// `output`, relative to the devnet's directory; the host runs it on the stopped node with
    /// the devnet's binary (API 0.3.0).
    ///
    /// ```
    /// # use devnet_plugin_sdk::*;
    /// # struct MyChain;
    /// # impl Plugin for MyChain {
    /// #     type TxBuilder = NoTxBuilder;
    /// #     fn info() -> PluginInfo { unimplemented!() }
    /// fn export_command(
    ///     _spec: DevnetSpec,
    ///     node: NodeSlot,
    ///     height: Option<u64>,
    ///     output: &str,
    /// ) -> Result<Command, PluginError> {
    ///     let mut args = vec!["export".to_string(), "--home".into(), node.home, "--output".into(), output.into()];
    ///     if let Some(h) = height {
    ///         args.extend(["--height".to_string(), h.to_string()]);
    ///     }
    ///     Ok(Command { args, env: vec![] })
    /// }
    /// # }
    /// ```
    fn export_command(
        spec: DevnetSpec,
        node: NodeSlot,
        height: Option<u64>,
        output: &str,
    ) -> Result<Command, PluginError> {
        let _ = (spec, node, height, output);
        Err(PluginError::unsupported("this plugin cannot export the chain's state"))
    }

    /// Fills in what the user left open for a new devnet: its chain id, binary, version and any
    /// setting the plugin fixes (API 0.5.0). A chain id, binary or version the user gave is
    /// kept by the host whatever comes back. The default chooses what the host chose for older
    /// plugins: chain id `<name>-1`, [`PluginInfo::default_binary`], the newest version, the
    /// user's settings.
    ///
    /// ```
    /// # use devnet_plugin_sdk::*;
    /// # use devnet_plugin_sdk::plan::{DevnetPlan, DevnetRequest};
    /// # struct MyChain;
    /// # impl Plugin for MyChain {
    /// #     type TxBuilder = NoTxBuilder;
    /// #     fn info() -> PluginInfo { unimplemented!() }
    /// // A numeric chain id, and the light client for a single node.
    /// fn choose(request: DevnetRequest) -> Result<DevnetPlan, PluginError> {
    ///     let single = request.validators + request.full_nodes == 1;
    ///     let mut overrides = request.overrides.clone();
    ///     if !overrides.iter().any(|o| o.key == "mode") {
    ///         let mode = if single { "light" } else { "full" };
    ///         overrides.push(Override { key: "mode".into(), value: mode.into() });
    ///     }
    ///     Ok(DevnetPlan {
    ///         chain_id: "4242".into(),
    ///         binary: "mychaind".into(),
    ///         chain_version: String::new(),
    ///         overrides,
    ///     })
    /// }
    /// # }
    /// ```
    fn choose(request: DevnetRequest) -> Result<DevnetPlan, PluginError> {
        Ok(crate::plan::host_default(request, &Self::info().default_binary))
    }

    /// The node `node` waits for (and the height it must report) before its first start; none
    /// to start at once, the default (API 0.5.0). The gate names a node placed before `node`.
    ///
    /// ```
    /// # use devnet_plugin_sdk::*;
    /// # use devnet_plugin_sdk::plan::StartGate;
    /// # struct MyChain;
    /// # impl Plugin for MyChain {
    /// #     type TxBuilder = NoTxBuilder;
    /// #     fn info() -> PluginInfo { unimplemented!() }
    /// // Every validator but the first joins once the first has made block 1.
    /// fn start_after(_spec: DevnetSpec, node: NodeSlot) -> Result<Option<StartGate>, PluginError> {
    ///     Ok((node.role == NodeRole::Validator && node.index > 0).then_some(StartGate { after: 0, height: 1 }))
    /// }
    /// # }
    /// ```
    fn start_after(spec: DevnetSpec, node: NodeSlot) -> Result<Option<StartGate>, PluginError> {
        let _ = (spec, node);
        Ok(None)
    }

    /// The threshold key groups `spec` needs, which the host deals once per devnet before
    /// `genesis.build`; none by default (API 0.6.0). Files get a member's share through
    /// [`crate::threshold::share`], never the share itself.
    ///
    /// ```
    /// # use devnet_plugin_sdk::*;
    /// # use devnet_plugin_sdk::threshold::{GroupRequest, ThresholdScheme};
    /// # struct MyChain;
    /// # impl Plugin for MyChain {
    /// #     type TxBuilder = NoTxBuilder;
    /// #     fn info() -> PluginInfo { unimplemented!() }
    /// // One BLS12-381 share per validator.
    /// fn threshold_groups(spec: DevnetSpec) -> Result<Vec<GroupRequest>, PluginError> {
    ///     Ok(vec![GroupRequest {
    ///         id: "consensus".into(),
    ///         scheme: ThresholdScheme::Bls12381MinSig,
    ///         members: spec.validators,
    ///     }])
    /// }
    /// # }
    /// ```
    fn threshold_groups(spec: DevnetSpec) -> Result<Vec<crate::threshold::GroupRequest>, PluginError> {
        let _ = spec;
        Ok(Vec::new())
    }
}

/// Builds transactions for one chain at one chain-software version. The host makes one per
/// devnet and chain version, and a new one when an upgrade changes the version.
///
/// Every method, on a chain whose transactions are `<to>:<amount>:<sequence>` signed with
/// secp256k1 over the SHA-256 of those bytes:
///
/// ```
/// use devnet_plugin_sdk::tx::{Signer, TxOptions, TxRequest, UnsignedTx, kind_of};
/// use devnet_plugin_sdk::{Digest, PluginError, SignRequest, SignatureFormat, TxBuilder, TxKind};
///
/// struct MyTx;
///
/// #[derive(serde::Deserialize)]
/// struct Pay { to: String, amount: u64 }
///
/// impl TxBuilder for MyTx {
///     // Refuse a version this builder cannot build for: the host reports it as the plugin's.
///     fn create(_chain_id: String, chain_version: String) -> Result<Self, PluginError> {
///         if chain_version.starts_with("v1.") {
///             Ok(MyTx)
///         } else {
///             Err(PluginError::unsupported(format!("mychain {chain_version} is not served; v1.x is")))
///         }
///     }
///
///     // What `dvb tx kinds <devnet>` lists, and `--fields` must fit.
///     fn kinds(&self) -> Vec<TxKind> {
///         vec![TxKind::example("pay", "pay an amount", r#"{"to":"my02ab","amount":5}"#)]
///     }
///
///     // The bytes for the host to sign, and the body `assemble` gets back.
///     fn build(&self, request: TxRequest, signer: Signer, options: TxOptions) -> Result<UnsignedTx, PluginError> {
///         if !options.ordered {
///             return Err(PluginError::unsupported("mychain orders every transaction by sequence"));
///         }
///         let kinds = self.kinds();
///         let pay: Pay = request.fields(kind_of(&kinds, &request)?)?;
///         let body = format!("{}:{}:{}", pay.to, pay.amount, signer.sequence).into_bytes();
///         Ok(UnsignedTx {
///             sign: SignRequest {
///                 id: "tx".into(),
///                 key_id: String::new(), // the host fills in the signing key
///                 payload: body.clone(),
///                 digest: Digest::Sha256,
///                 format: SignatureFormat::Secp256k1Compact,
///             },
///             body,
///         })
///     }
///
///     // The signed transaction, as the chain's broadcast takes it.
///     fn assemble(&self, tx: UnsignedTx, signature: Vec<u8>) -> Result<Vec<u8>, PluginError> {
///         if signature.len() != 64 {
///             return Err(PluginError::invalid(format!("a compact signature has 64 bytes, not {}", signature.len())));
///         }
///         Ok([tx.body, signature].concat())
///     }
/// }
///
/// assert!(MyTx::create("c".into(), "v2.0.0".into()).is_err());
/// let b = MyTx::create("c".into(), "v1.4.0".into()).unwrap();
/// let signer = Signer { address: "my02".into(), public_key: vec![2; 33], sequence: 7, account: String::new() };
/// let options = TxOptions { ordered: true, now_unix_secs: 0 };
/// let tx = b.build(TxRequest::of("pay", &serde_json::json!({"to": "my02ab", "amount": 5})), signer.clone(), options.clone()).unwrap();
/// assert_eq!(tx.body, b"my02ab:5:7");
/// assert_eq!(b.assemble(tx, vec![0; 64]).unwrap().len(), 10 + 64);
/// let typo = TxRequest::of("pya", &serde_json::json!({}));
/// assert!(b.build(typo, signer, options).unwrap_err().message().contains("pay"));
/// ```
pub trait TxBuilder: Sized + 'static {
    /// A builder for `chain_version`, or `unsupported` when this plugin cannot build for it
    /// (example: the trait's).
    fn create(chain_id: String, chain_version: String) -> Result<Self, PluginError>;

    /// The transaction kinds this builder accepts, each with an example (or a schema) of its
    /// JSON: see [`TxKind::example`] (example: the trait's).
    fn kinds(&self) -> Vec<TxKind>;

    /// What the host must sign for `request`, and the body `assemble` needs (example: the
    /// trait's).
    fn build(&self, request: TxRequest, signer: Signer, options: TxOptions) -> Result<UnsignedTx, PluginError>;

    /// The signed transaction, ready to broadcast (example: the trait's).
    fn assemble(&self, tx: UnsignedTx, signature: Vec<u8>) -> Result<Vec<u8>, PluginError>;
}

/// The builder of a plugin that builds no transactions: `create` always answers `unsupported`.
pub struct NoTxBuilder;

impl TxBuilder for NoTxBuilder {
    fn create(_chain_id: String, chain_version: String) -> Result<Self, PluginError> {
        Err(PluginError::unsupported(format!(
            "this plugin builds no transactions (asked for {chain_version})"
        )))
    }
    fn kinds(&self) -> Vec<TxKind> {
        Vec::new()
    }
    fn build(&self, _: TxRequest, _: Signer, _: TxOptions) -> Result<UnsignedTx, PluginError> {
        Err(PluginError::unsupported("this plugin builds no transactions"))
    }
    fn assemble(&self, _: UnsignedTx, _: Vec<u8>) -> Result<Vec<u8>, PluginError> {
        Err(PluginError::unsupported("this plugin builds no transactions"))
    }
}

/// Adapts a [`TxBuilder`] to the generated resource trait.
#[doc(hidden)]
pub struct TxBuilderExport<B>(B);

impl<B: TxBuilder> GuestTxBuilder for TxBuilderExport<B> {
    fn create(
        chain_id: String,
        chain_version: String,
    ) -> Result<crate::bindings::exports::devnet::plugin::tx::TxBuilder, PluginError> {
        B::create(chain_id, chain_version)
            .map(|b| crate::bindings::exports::devnet::plugin::tx::TxBuilder::new(TxBuilderExport(b)))
    }
    fn kinds(&self) -> Vec<TxKind> {
        self.0.kinds()
    }
    fn build(&self, request: TxRequest, signer: Signer, options: TxOptions) -> Result<UnsignedTx, PluginError> {
        self.0.build(request, signer, options)
    }
    fn assemble(&self, tx: UnsignedTx, signature: Vec<u8>) -> Result<Vec<u8>, PluginError> {
        self.0.assemble(tx, signature)
    }
}
