//! The Upgrade controller: a software upgrade of a devnet, one step per reconcile, with every
//! step's outcome in the Upgrade's status, so a daemon killed at any point carries on.
//!
//! Pending (check, choose the height) → Proposing (the upgrade proposal the plugin builds, as a
//! Transaction from the first validator; its id read by the plugin from the committed tx) →
//! Voting (a yes from every validator, each vote built by the plugin) → Waiting (the
//! proposal passes and the chain halts at the height, which the plugin reads from the logs) →
//! Switching (optional backup of every node's home, then each node restarted on the new binary)
//! → Verifying (blocks past the height, the version re-detected, recorded in the devnet's history,
//! the tx builder replaced) → Completed. A rejected proposal, a vote that outlasts the height or
//! a chain that does not come back fails it with the reason; with a backup, a failed verification
//! stops the nodes (RollingBack) and restores the old binary and data (RolledBack).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use devnet_controller::{Action, ReconcileError};
use devnet_core::{
    Devnet, Event, EventKind, Export, Kind, Node, NodePhase, NodeRole, Transaction, TxPhase, TxSpec, Upgrade,
    UpgradePhase, UpgradeStatus, VersionChange,
};
use devnet_plugin_host::wit::{self, Coin, ProposalPhase, UpgradePlan, VoteChoice};

use crate::DaemonError;
use crate::context::DaemonContext;
use crate::devnet_controller::now_ms;
use crate::export_controller::{record_export, record_finished_export, run_export};
use crate::health_controller::instance_for;
use crate::provision::{binary_for, short_name, slot_of, wit_spec};
use crate::tx_controller::record_txs_with;

/// Blocks between now and the halt when no height is given.
const DEFAULT_HEIGHT_MARGIN: u64 = 100;
/// How long the chain may take to make blocks past the halt on the new binary.
const VERIFY_LIMIT: Duration = Duration::from_secs(90);
/// How far back in a node's log the halt is looked for.
const LOG_TAIL_BYTES: u64 = 64 << 10;
const POLL: Duration = Duration::from_millis(500);

pub async fn reconcile_upgrade(name: String, ctx: Arc<DaemonContext>) -> Result<Action, DaemonError> {
    let Some(up) = ctx.store.get::<Upgrade>(&name)? else {
        return Ok(Action::await_change());
    };
    use UpgradePhase::*;
    if matches!(up.status.phase, Completed | RolledBack | Failed | Cancelled) {
        return Ok(Action::await_change());
    }
    if up.spec.cancelled && matches!(up.status.phase, Pending | Proposing | Voting | Waiting) {
        let message = if up.spec.no_gov {
            // The nodes may be on the halting start command: back to the plain one.
            let (devnet, nodes) = devnet_and_nodes(&ctx, &up.spec.devnet)?;
            set_args(&ctx, &plain_start_args(&ctx, &devnet, &nodes).await?)?;
            "cancelled before the switch; the nodes are back on their plain start command, with no halt"
        } else {
            "cancelled before the switch; the chain keeps its binary (a passed plan still halts it at the height)"
        };
        set(&ctx, &name, |s| {
            s.phase = Cancelled;
            s.message = message.into();
        })?;
        return Ok(Action::await_change());
    }
    match up.status.phase {
        Pending => prepare(&ctx, up).await,
        Proposing => proposing(&ctx, up).await,
        Voting => voting(&ctx, up).await,
        Waiting => waiting(&ctx, up).await,
        Switching => switching(&ctx, up).await,
        Verifying => verifying(&ctx, up).await,
        RollingBack => rolling_back(&ctx, up).await,
        Completed | RolledBack | Failed | Cancelled => Ok(Action::await_change()),
    }
}

pub fn upgrade_error_policy(name: &String, e: ReconcileError<'_, DaemonError>, ctx: &DaemonContext) -> Action {
    tracing::warn!(upgrade = %name, "upgrade step failed: {}", e.error);
    // A refusal for good (bad input, a plugin without governance, a devnet gone) fails the
    // upgrade with the reason; what may pass (a node out of reach, a trap) is tried again.
    if e.error.is_permanent() {
        let reason = e.error.to_string();
        let _ = set(ctx, name, |s| {
            s.phase = UpgradePhase::Failed;
            s.message = reason;
        });
        return Action::await_change();
    }
    let _ = set(ctx, name, |s| s.message = format!("retrying: {}", e.error));
    Action::requeue(e.backoff)
}

/// Applies `change` to the upgrade's status in one write, with an event when the phase moves.
fn set(ctx: &DaemonContext, name: &str, change: impl FnOnce(&mut UpgradeStatus)) -> Result<UpgradeStatus, DaemonError> {
    Ok(ctx.store.write(|w| set_in(w, name, change))?)
}

/// [`set`] inside a store write that also writes something else.
fn set_in(
    w: &mut devnet_store::WriteTx<'_>,
    name: &str,
    change: impl FnOnce(&mut UpgradeStatus),
) -> Result<UpgradeStatus, devnet_store::StoreError> {
    {
        let mut up = w.require::<Upgrade>(name)?;
        let before = up.status.phase;
        change(&mut up.status);
        let status = up.status.clone();
        if status.phase != before {
            let kind = if matches!(status.phase, UpgradePhase::Failed | UpgradePhase::RolledBack) {
                EventKind::Warning
            } else {
                EventKind::Normal
            };
            w.event(Event::new(
                kind,
                Kind::Upgrade,
                name,
                &format!("{:?}", status.phase),
                status.message.clone(),
            ))?;
        }
        w.update(up)?;
        Ok(status)
    }
}

fn devnet_and_nodes(ctx: &DaemonContext, devnet: &str) -> Result<(Devnet, Vec<Node>), DaemonError> {
    let d = ctx
        .store
        .get::<Devnet>(devnet)?
        .ok_or_else(|| DaemonError::NotFound(format!("devnet {devnet} is gone")))?;
    let nodes = ctx.store.list::<Node>(&format!("{devnet}/"))?;
    Ok((d, nodes))
}

fn height(nodes: &[Node]) -> u64 {
    nodes.iter().map(|n| n.status.height).max().unwrap_or(0)
}

fn validators(nodes: &[Node]) -> Vec<&Node> {
    nodes.iter().filter(|n| n.spec.role == NodeRole::Validator).collect()
}

/// The keyring key of a validator node's account: its short name, `validator-<i>`.
fn account_key(node: &Node) -> String {
    node.meta.name.rsplit('/').next().unwrap_or_default().to_string()
}

/// `10000000stake` as the contract's coins; empty: the plugin's own choice.
fn parse_coins(text: &str) -> Result<Vec<Coin>, DaemonError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    Ok(devnet_core::Coin::parse_list(text)
        .map_err(|e| DaemonError::InvalidArgument(format!("deposit: {e}")))?
        .into_iter()
        .map(|c| Coin {
            denom: c.denom,
            amount: c.amount,
        })
        .collect())
}

async fn prepare(ctx: &DaemonContext, up: Upgrade) -> Result<Action, DaemonError> {
    let name = up.meta.name.clone();
    let (devnet, nodes) = devnet_and_nodes(ctx, &up.spec.devnet)?;
    let new_binary = binary_for(ctx, &devnet.spec.network, &up.spec.to_version).await?;
    let old_binary = nodes
        .first()
        .map(|n| n.spec.command.program.clone())
        .ok_or_else(|| DaemonError::FailedPrecondition(format!("devnet {} has no nodes yet", devnet.meta.name)))?;
    let now = height(&nodes);
    if now == 0 {
        set(ctx, &name, |s| {
            s.message = "waiting for the devnet's first block".into()
        })?;
        return Ok(Action::requeue(Duration::from_secs(1)));
    }
    let halt = up
        .status
        .halt_height
        .or(up.spec.height)
        .unwrap_or(now + DEFAULT_HEIGHT_MARGIN);
    if up.status.halt_height.is_none() && halt <= now + 2 {
        return Err(DaemonError::InvalidArgument(format!(
            "height {halt} is not ahead of the chain (at {now}): choose one at least a few blocks later"
        )));
    }
    parse_coins(&up.spec.deposit)?;
    if up.spec.no_gov {
        // The height first: a daemon killed before the nodes are on it chooses the same again.
        set(ctx, &name, |s| s.halt_height = Some(halt))?;
        halt_nodes_at(ctx, &devnet, &nodes, halt).await?;
    }
    set(ctx, &name, |s| {
        s.phase = if up.spec.no_gov {
            UpgradePhase::Waiting
        } else {
            UpgradePhase::Proposing
        };
        s.halt_height = Some(halt);
        s.from_version = devnet.status.detected_version.clone();
        s.old_binary = old_binary;
        s.new_binary = new_binary.display().to_string();
        s.observed_generation = up.meta.generation;
        s.message = format!("halt at height {halt} (chain at {now})");
    })?;
    Ok(Action::requeue(Duration::ZERO))
}

/// Every node restarted on the plugin's halting start command, in one write: the chain stops
/// by itself at `halt` (an upgrade without governance).
async fn halt_nodes_at(ctx: &DaemonContext, devnet: &Devnet, nodes: &[Node], halt: u64) -> Result<(), DaemonError> {
    let instance = instance_for(ctx, devnet, nodes).await?;
    let mut plugin = instance.lock().await;
    let spec = wit_spec(devnet, &devnet.status.detected_version);
    let mut args = Vec::with_capacity(nodes.len());
    for node in nodes {
        let command = plugin
            .halting_start_command(&spec, &slot_of(node), halt)
            .await
            .map_err(|e| {
                DaemonError::InvalidArgument(format!(
                    "the {} plugin cannot stop the chain at a height, so there is no upgrade without governance \
                     for it (drop --no-gov): {e}",
                    devnet.spec.network
                ))
            })?;
        args.push((node.meta.name.clone(), command.args));
    }
    drop(plugin);
    set_args(ctx, &args)
}

/// Every node's plain start arguments, as the plugin gives them.
async fn plain_start_args(
    ctx: &DaemonContext,
    devnet: &Devnet,
    nodes: &[Node],
) -> Result<Vec<(String, Vec<String>)>, DaemonError> {
    let instance = instance_for(ctx, devnet, nodes).await?;
    let mut plugin = instance.lock().await;
    let spec = wit_spec(devnet, &devnet.status.detected_version);
    let mut args = Vec::with_capacity(nodes.len());
    for node in nodes {
        args.push((
            node.meta.name.clone(),
            plugin.start_command(&spec, &slot_of(node)).await?.args,
        ));
    }
    Ok(args)
}

/// Each named node's start arguments replaced and the node restarted on them, in one write.
fn set_args(ctx: &DaemonContext, args: &[(String, Vec<String>)]) -> Result<(), DaemonError> {
    ctx.store.write(|w| {
        for (name, args) in args {
            let mut node = w.require::<Node>(name)?;
            node.spec.command.args = args.clone();
            node.spec.restart += 1;
            w.update(node)?;
        }
        Ok(())
    })?;
    Ok(())
}

async fn proposing(ctx: &DaemonContext, up: Upgrade) -> Result<Action, DaemonError> {
    let name = up.meta.name.clone();
    let halt = up.status.halt_height.unwrap_or(0);
    if up.status.proposal_tx.is_empty() {
        let (devnet, nodes) = devnet_and_nodes(ctx, &up.spec.devnet)?;
        let from = validators(&nodes)
            .first()
            .map(|n| account_key(n))
            .ok_or_else(|| DaemonError::FailedPrecondition("the devnet has no validator".into()))?;
        let plan = UpgradePlan {
            name: up.spec.plan.clone(),
            to_version: up.spec.to_version.clone(),
            deposit: parse_coins(&up.spec.deposit)?,
        };
        let instance = instance_for(ctx, &devnet, &nodes).await?;
        let request = instance
            .lock()
            .await
            .upgrade_proposal(&wit_spec(&devnet, &devnet.status.detected_version), &plan, halt)
            .await?;
        // The proposal and the field that refers to it in one write: a restart finds both or
        // neither, so it never proposes twice.
        submit(ctx, &up.spec.devnet, vec![(from, request)], |w, txs| {
            set_in(w, &name, |s| {
                s.proposal_tx = txs[0].meta.name.clone();
                s.message = format!("proposal sent as {}", txs[0].meta.name);
            })
            .map(drop)
        })?;
        crate::test_pause::pause_point("upgrade-proposed").await;
        return Ok(Action::requeue(POLL));
    }
    let tx = ctx.store.get::<Transaction>(&up.status.proposal_tx)?.ok_or_else(|| {
        DaemonError::NotFound(format!("the proposal's transaction {} is gone", up.status.proposal_tx))
    })?;
    match tx.status.phase {
        TxPhase::Pending | TxPhase::Signed | TxPhase::Broadcast => Ok(Action::requeue(POLL)),
        TxPhase::Failed => {
            set(ctx, &name, |s| {
                s.phase = UpgradePhase::Failed;
                s.message = format!("the proposal was not accepted: {}", tx.status.message);
            })?;
            Ok(Action::await_change())
        }
        TxPhase::Confirmed => {
            let (devnet, nodes) = devnet_and_nodes(ctx, &up.spec.devnet)?;
            let outcome = wit::TxOutcome {
                height: tx.status.height.unwrap_or(0),
                code: 0,
                log: tx.status.chain_log.clone(),
                attributes: tx.status.attributes.clone(),
            };
            let instance = instance_for(ctx, &devnet, &nodes).await?;
            let id = instance.lock().await.proposal_id(&outcome).await?;
            set(ctx, &name, |s| {
                s.phase = UpgradePhase::Voting;
                s.proposal_id = Some(id);
                s.message = format!("proposal {id} in block {}", tx.status.height.unwrap_or(0));
            })?;
            Ok(Action::requeue(Duration::ZERO))
        }
    }
}

/// Records transactions the plugin built (signer, request), in devnet-builder's own request
/// form, and `also` in the same store write.
fn submit(
    ctx: &DaemonContext,
    devnet: &str,
    sends: Vec<(String, wit::TxRequest)>,
    also: impl FnOnce(&mut devnet_store::WriteTx<'_>, &[Transaction]) -> Result<(), devnet_store::StoreError>,
) -> Result<Vec<Transaction>, DaemonError> {
    let mut specs = Vec::with_capacity(sends.len());
    for (from, request) in sends {
        let fields = serde_json::from_str(&request.json).map_err(|e| {
            DaemonError::Internal(format!(
                "the {devnet} plugin built a `{}` request whose fields are not JSON: {e}",
                request.kind
            ))
        })?;
        specs.push(TxSpec {
            devnet: devnet.to_string(),
            from,
            request: Some(devnet_core::TxRequest::new(&request.kind, fields)),
            raw: None,
            unordered: false,
        });
    }
    record_txs_with(ctx, specs, also)
}

async fn voting(ctx: &DaemonContext, up: Upgrade) -> Result<Action, DaemonError> {
    let name = up.meta.name.clone();
    let id = up.status.proposal_id.unwrap_or(0);
    if up.status.vote_txs.is_empty() && up.spec.voters != Some(0) {
        let (devnet, nodes) = devnet_and_nodes(ctx, &up.spec.devnet)?;
        let request = {
            let instance = instance_for(ctx, &devnet, &nodes).await?;
            let mut plugin = instance.lock().await;
            plugin
                .vote(&wit_spec(&devnet, &devnet.status.detected_version), id, VoteChoice::Yes)
                .await?
        };
        let mut vals = validators(&nodes);
        vals.sort_by_key(|n| n.spec.index);
        let voters = up.spec.voters.map_or(vals.len(), |n| n as usize);
        let sends = vals
            .into_iter()
            .take(voters)
            .map(|v| (account_key(v), request.clone()))
            .collect::<Vec<_>>();
        if sends.is_empty() {
            return Err(DaemonError::FailedPrecondition(format!(
                "devnet {} has no validator to vote with",
                up.spec.devnet
            )));
        }
        // Every vote and the list that refers to them in one write: one vote per validator.
        submit(ctx, &up.spec.devnet, sends, |w, txs| {
            set_in(w, &name, |s| {
                s.message = format!("{} votes sent", txs.len());
                s.vote_txs = txs.iter().map(|t| t.meta.name.clone()).collect();
            })
            .map(drop)
        })?;
        crate::test_pause::pause_point("upgrade-voted").await;
        return Ok(Action::requeue(POLL));
    }
    let mut confirmed = 0;
    let mut failed = Vec::new();
    for t in &up.status.vote_txs {
        match ctx
            .store
            .get::<Transaction>(t)?
            .map(|t| (t.status.phase, t.status.message))
        {
            Some((TxPhase::Confirmed, _)) => confirmed += 1,
            Some((TxPhase::Failed, why)) => failed.push(format!("{t}: {why}")),
            _ => {}
        }
    }
    if confirmed + failed.len() < up.status.vote_txs.len() {
        return Ok(Action::requeue(POLL));
    }
    set(ctx, &name, |s| {
        s.phase = UpgradePhase::Waiting;
        s.message = if failed.is_empty() {
            format!("{confirmed} yes votes on proposal {id}")
        } else {
            format!(
                "{confirmed} yes votes on proposal {id}; not counted: {}",
                failed.join("; ")
            )
        };
    })?;
    Ok(Action::requeue(Duration::ZERO))
}

/// The last `LOG_TAIL_BYTES` of a node's log.
fn log_tail(path: &Path) -> String {
    use std::io::{Read as _, Seek as _, SeekFrom};
    let Ok(mut file) = std::fs::File::open(path) else {
        return String::new();
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = file.seek(SeekFrom::Start(len.saturating_sub(LOG_TAIL_BYTES)));
    let mut bytes = Vec::new();
    let _ = file.read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}

async fn waiting(ctx: &DaemonContext, up: Upgrade) -> Result<Action, DaemonError> {
    let name = up.meta.name.clone();
    let halt = up.status.halt_height.unwrap_or(0);
    let (devnet, nodes) = devnet_and_nodes(ctx, &up.spec.devnet)?;
    let instance = instance_for(ctx, &devnet, &nodes).await?;
    let mut plugin = instance.lock().await;
    if let Some(id) = up.status.proposal_id {
        let live = nodes.iter().find(|n| n.status.phase == NodePhase::Running);
        if let Some(node) = live
            && let Ok(Some(p)) = plugin.proposal(&slot_of(node), id).await
        {
            match p.phase {
                ProposalPhase::Rejected | ProposalPhase::Failed => {
                    drop(plugin);
                    set(ctx, &name, |s| {
                        s.phase = UpgradePhase::Failed;
                        s.message = format!("proposal {id} did not pass: {}", p.detail);
                    })?;
                    return Ok(Action::await_change());
                }
                ProposalPhase::Voting | ProposalPhase::Deposit if height(&nodes) >= halt => {
                    drop(plugin);
                    set(ctx, &name, |s| {
                        s.phase = UpgradePhase::Failed;
                        s.message = format!(
                            "the chain reached height {halt} while proposal {id} was still being voted on: \
                             choose a later --height, or a shorter voting period in the devnet's settings (see its plugin)"
                        );
                    })?;
                    return Ok(Action::await_change());
                }
                _ => {}
            }
        }
    }
    // Halted: every validator's log says so, for this plan at this height.
    let mut halted = 0;
    let vals = validators(&nodes);
    for v in &vals {
        let text = log_tail(Path::new(&v.spec.command.log));
        for line in text.lines().rev() {
            // A plan's halt names the plan; a halt-height stop has no name.
            if let Some(h) = plugin.upgrade_halt(line).await?
                && (h.name == up.spec.plan || (up.spec.no_gov && h.name.is_empty()))
                && h.height == halt
            {
                halted += 1;
                break;
            }
        }
    }
    drop(plugin);
    if halted < vals.len() {
        set(ctx, &name, |s| {
            s.message = format!(
                "chain at {} of {halt}; {halted}/{} validators halted",
                height(&nodes),
                vals.len()
            )
        })?;
        return Ok(Action::requeue(POLL));
    }
    set(ctx, &name, |s| {
        s.phase = UpgradePhase::Switching;
        s.message = format!("halted at {halt}");
    })?;
    Ok(Action::requeue(Duration::ZERO))
}

async fn switching(ctx: &DaemonContext, up: Upgrade) -> Result<Action, DaemonError> {
    let name = up.meta.name.clone();
    // Every node stopped first: the backup and the export read data no process is writing.
    let (devnet, nodes) = devnet_and_nodes(ctx, &up.spec.devnet)?;
    let hold = format!("upgrade {name}");
    if nodes.iter().any(|n| n.spec.hold.as_ref() != Some(&hold)) {
        update_nodes(ctx, &up.spec.devnet, |_, spec| spec.hold = Some(hold.clone()))?;
        set(ctx, &name, |s| {
            s.message = format!("halted at {}; stopping the nodes", s.halt_height.unwrap_or(0))
        })?;
        return Ok(Action::requeue(POLL));
    }
    if nodes.iter().any(|n| n.status.pid.is_some()) {
        return Ok(Action::requeue(POLL));
    }
    let backup_dir = if up.spec.backup {
        let dir = ctx.home.devnet_dir(&up.spec.devnet).join("backups").join(&up.spec.plan);
        back_up(ctx, &up.spec.devnet, &dir).await?;
        dir.display().to_string()
    } else {
        String::new()
    };
    let mut exports = up.status.exports.clone();
    if up.spec.export_before {
        let node = validators(&nodes)
            .into_iter()
            .min_by_key(|n| n.spec.index)
            .ok_or_else(|| DaemonError::FailedPrecondition("the devnet has no validator".into()))?;
        let file = format!("{}-before", up.spec.plan);
        let old = Path::new(&up.status.old_binary);
        let (path, bytes) = run_export(ctx, &devnet, node, old, None, &file).await?;
        let export = record_finished_export(ctx, &devnet.meta.name, &file, short_name(node), &path, bytes)?;
        if !exports.contains(&export) {
            exports.push(export);
        }
    }
    // Without governance, back on the plain start command too: the new binary must run past
    // the height.
    let plain = if up.spec.no_gov {
        plain_start_args(ctx, &devnet, &nodes).await?
    } else {
        Vec::new()
    };
    let program = up.status.new_binary.clone();
    switch_nodes(ctx, &up.spec.devnet, &program, &plain)?;
    set(ctx, &name, |s| {
        s.phase = UpgradePhase::Verifying;
        s.exports = exports;
        s.backup_dir = backup_dir;
        s.switched_unix_ms = now_ms();
        s.message = format!("nodes restarted on {program}");
    })?;
    Ok(Action::requeue(POLL))
}

/// Every node started on `program` (with the arguments in `args` for the nodes it names), in
/// one write.
fn switch_nodes(
    ctx: &DaemonContext,
    devnet: &str,
    program: &str,
    args: &[(String, Vec<String>)],
) -> Result<(), DaemonError> {
    update_nodes(ctx, devnet, |name, spec| {
        spec.command.program = program.to_string();
        if let Some((_, a)) = args.iter().find(|(n, _)| n == name) {
            spec.command.args = a.clone();
        }
        spec.restart += 1;
        spec.hold = None;
    })
}

/// `change` applied to the spec of every node of `devnet`, in one write.
fn update_nodes(
    ctx: &DaemonContext,
    devnet: &str,
    change: impl Fn(&str, &mut devnet_core::NodeSpec),
) -> Result<(), DaemonError> {
    ctx.store.write(|w| {
        for node in ctx.store.list::<Node>(&format!("{devnet}/"))? {
            let mut node = w.require::<Node>(&node.meta.name)?;
            change(&node.meta.name, &mut node.spec);
            w.update(node)?;
        }
        Ok(())
    })?;
    Ok(())
}

/// Copies every node's home (the chain's data and config) into `dir/<node>`, off the executor.
async fn back_up(ctx: &DaemonContext, devnet: &str, dir: &Path) -> Result<(), DaemonError> {
    let chain_dir = ctx.home.chain_dir(devnet);
    let copies: Vec<(PathBuf, PathBuf)> = ctx
        .store
        .list::<Node>(&format!("{devnet}/"))?
        .iter()
        .map(|node| (chain_dir.join(&node.spec.home), dir.join(account_key(node))))
        .collect();
    blocking(move || {
        for (home, saved) in &copies {
            replace_dir(home, saved)?;
        }
        Ok(())
    })
    .await
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), DaemonError> {
    std::fs::create_dir_all(to).map_err(DaemonError::io(format!("creating {}", to.display())))?;
    let entries = std::fs::read_dir(from).map_err(DaemonError::io(format!("reading {}", from.display())))?;
    for entry in entries {
        let entry = entry.map_err(DaemonError::io(format!("reading {}", from.display())))?;
        let (src, dst): (PathBuf, PathBuf) = (entry.path(), to.join(entry.file_name()));
        let kind = entry
            .file_type()
            .map_err(DaemonError::io(format!("reading {}", src.display())))?;
        if kind.is_dir() {
            copy_dir(&src, &dst)?;
        } else if kind.is_file() {
            std::fs::copy(&src, &dst).map_err(DaemonError::io(format!("copying {}", src.display())))?;
        }
    }
    Ok(())
}

async fn verifying(ctx: &DaemonContext, up: Upgrade) -> Result<Action, DaemonError> {
    let name = up.meta.name.clone();
    let halt = up.status.halt_height.unwrap_or(0);
    let (devnet, nodes) = devnet_and_nodes(ctx, &up.spec.devnet)?;
    let past = nodes.iter().filter(|n| n.status.height > halt + 1).count();
    if past < validators(&nodes).len() {
        let waited = now_ms().saturating_sub(up.status.switched_unix_ms);
        let limit = up.spec.verify_secs.unwrap_or(VERIFY_LIMIT.as_secs());
        if waited > limit.saturating_mul(1000) {
            let why = format!("no blocks past {halt} within {limit} s of the switch");
            return roll_back_or_fail(ctx, up, &why).await;
        }
        return Ok(Action::requeue(POLL));
    }
    let instance = instance_for(ctx, &devnet, &nodes).await?;
    let node = nodes
        .iter()
        .max_by_key(|n| n.status.height)
        .ok_or_else(|| DaemonError::FailedPrecondition("no node".into()))?;
    let detected = {
        let mut plugin = instance.lock().await;
        let detected = plugin.detect_live(&slot_of(node)).await?;
        let mut builders = ctx.tx_builders.lock().await;
        builders
            .for_version(&mut plugin, &devnet.meta.name, &devnet.spec.chain_id, &detected)
            .await?;
        detected
    };
    ctx.store.write(|w| {
        let mut d = w.require::<Devnet>(&devnet.meta.name)?;
        if d.status.detected_version != detected {
            let from = d.status.detected_version.clone();
            d.status.detected_version = detected.clone();
            d.status.version_history.push(VersionChange {
                version: detected.clone(),
                at_height: halt,
                unix_ms: now_ms(),
                cause: format!("upgrade {}", up.spec.plan),
            });
            w.event(Event::new(
                EventKind::Normal,
                Kind::Devnet,
                &d.meta.name.clone(),
                "TxBuilderReplaced",
                format!("the chain version went from {from} to {detected}: new transactions use its format"),
            ))?;
            w.update(d)?;
        }
        Ok(())
    })?;
    let mut exports = up.status.exports.clone();
    if up.spec.export_after {
        let file = format!("{}-after", up.spec.plan);
        let full = format!("{}/{file}", up.spec.devnet);
        if ctx.store.get::<Export>(&full)?.is_none() {
            record_export(ctx, &up.spec.devnet, &file, None, None)?;
        }
        if !exports.contains(&full) {
            exports.push(full);
        }
    }
    set(ctx, &name, |s| {
        s.phase = UpgradePhase::Completed;
        s.exports = exports;
        s.detected_version = detected.clone();
        s.message = format!("{} → {detected}, blocks past {halt}", up.status.from_version);
    })?;
    Ok(Action::await_change())
}

/// A failed verification: with a backup, the nodes held (stopped) and the upgrade RollingBack in
/// one write; without, Failed.
async fn roll_back_or_fail(ctx: &DaemonContext, up: Upgrade, why: &str) -> Result<Action, DaemonError> {
    let name = up.meta.name.clone();
    if up.status.backup_dir.is_empty() {
        set(ctx, &name, |s| {
            s.phase = UpgradePhase::Failed;
            s.message = format!("{why}; no backup to roll back to (create the upgrade with --backup)");
        })?;
        return Ok(Action::await_change());
    }
    let hold = format!("upgrade {name} (roll back)");
    ctx.store.write(|w| {
        for node in w.list::<Node>(&format!("{}/", up.spec.devnet))? {
            let mut node = node;
            node.spec.hold = Some(hold.clone());
            w.update(node)?;
        }
        set_in(w, &name, |s| {
            s.phase = UpgradePhase::RollingBack;
            s.rollback_reason = why.to_string();
            s.message = format!("{why}; stopping the nodes to roll back");
        })
        .map(drop)
    })?;
    Ok(Action::requeue(POLL))
}

/// Once every node has stopped, their homes are put back from the backup (again, after a
/// restart: the copy starts over) and the old binary started, with RolledBack, in one write.
async fn rolling_back(ctx: &DaemonContext, up: Upgrade) -> Result<Action, DaemonError> {
    let name = up.meta.name.clone();
    let nodes = ctx.store.list::<Node>(&format!("{}/", up.spec.devnet))?;
    let running = nodes.iter().filter(|n| n.status.pid.is_some()).count();
    if running > 0 {
        set(ctx, &name, |s| {
            s.message = format!(
                "{}; waiting for {running} node(s) to stop to roll back",
                s.rollback_reason
            )
        })?;
        return Ok(Action::requeue(POLL));
    }
    let chain_dir = ctx.home.chain_dir(&up.spec.devnet);
    let copies: Vec<(PathBuf, PathBuf)> = nodes
        .iter()
        .map(|node| {
            let saved = Path::new(&up.status.backup_dir).join(account_key(node));
            (saved, chain_dir.join(&node.spec.home))
        })
        .collect();
    crate::test_pause::pause_point("upgrade-rolling-back").await;
    blocking(move || {
        for (saved, home) in &copies {
            replace_dir(saved, home)?;
        }
        Ok(())
    })
    .await?;
    let note = if up.spec.no_gov {
        ""
    } else {
        " (the plan still halts the chain at its height: start the old binary with --unsafe-skip-upgrades to go \
         past it)"
    };
    // The old binary, started again, and RolledBack, in one write.
    ctx.store.write(|w| {
        for node in &nodes {
            let mut node = w.require::<Node>(&node.meta.name)?;
            node.spec.command.program = up.status.old_binary.clone();
            node.spec.restart += 1;
            node.spec.hold = None;
            w.update(node)?;
        }
        set_in(w, &name, |s| {
            s.phase = UpgradePhase::RolledBack;
            s.message = format!(
                "{}; rolled back to {} and the data from before the switch{note}",
                s.rollback_reason, up.status.old_binary
            );
        })
        .map(drop)
    })?;
    Ok(Action::await_change())
}

/// `to` replaced by a copy of `from`.
fn replace_dir(from: &Path, to: &Path) -> Result<(), DaemonError> {
    if to.exists() {
        std::fs::remove_dir_all(to).map_err(DaemonError::io(format!("clearing {}", to.display())))?;
    }
    copy_dir(from, to)
}

/// File work off the async executor.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, DaemonError> + Send + 'static,
) -> Result<T, DaemonError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| DaemonError::Internal(format!("file work stopped: {e}")))?
}
