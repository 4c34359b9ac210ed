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
use crate::controllers::export::{record_export, record_finished_export, run_export};
use crate::controllers::tx::record_txs_with;
use crate::provision::{binary_for, short_name, slot_of, wit_spec};
use devnet_core::now_ms;

/// Blocks between now and the halt when no height is given.
const DEFAULT_HEIGHT_MARGIN: u64 = 100;
/// How long the chain may take to make blocks past the halt on the new binary.
const VERIFY_LIMIT: Duration = Duration::from_secs(90);
/// How far back in a node's log the halt is looked for.
const LOG_TAIL_BYTES: u64 = 64 << 10;
const POLL: Duration = Duration::from_millis(500);
/// How long the nodes have to stop for a roll back beyond their stop grace (the Node controller
/// stops each with SIGTERM, then SIGKILL after the grace); past it the upgrade fails and lets go
/// of them. Counted from when this daemon saw the roll back begin, or from its own start.
const ROLLBACK_STOP_MARGIN: Duration = Duration::from_secs(120);

mod switch;
use switch::{rolling_back, switching, verifying};

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
        // The nodes it holds stopped (to switch or roll back) are released in the same write:
        // a failed upgrade must not leave the devnet down.
        let _ = ctx.store.write(|w| {
            let released = release_holds(w, name)?;
            set_in(w, name, |s| {
                s.phase = UpgradePhase::Failed;
                s.message = if released > 0 {
                    format!("{reason}; {released} node(s) it had stopped were started again")
                } else {
                    reason
                };
            })
            .map(drop)
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
    super::update_status_in::<Upgrade>(w, name, change)
}

/// Lets go of the nodes the upgrade `name` holds stopped (`upgrade <name>`, and `upgrade <name>
/// (roll back)`); how many it held.
fn release_holds(w: &mut devnet_store::WriteTx<'_>, name: &str) -> Result<usize, devnet_store::StoreError> {
    let ours = format!("upgrade {name}");
    let devnet = name.split('/').next().unwrap_or_default();
    let mut released = 0;
    for mut node in w.list::<Node>(&format!("{devnet}/"))? {
        if node
            .spec
            .hold
            .as_deref()
            .is_some_and(|h| h == ours || h.starts_with(&format!("{ours} (")))
        {
            node.spec.hold = None;
            w.update(node)?;
            released += 1;
        }
    }
    Ok(released)
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
    let old_binary = nodes
        .first()
        .map(|n| n.spec.command.program.clone())
        .ok_or_else(|| DaemonError::FailedPrecondition(format!("devnet {} has no nodes yet", devnet.meta.name)))?;
    // An upgrade of settings alone keeps the binary.
    let new_binary = if up.spec.to_version.is_empty() {
        PathBuf::from(&old_binary)
    } else {
        binary_for(ctx, &devnet.spec, &up.spec.to_version).await?
    };
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
    if !up.spec.settings.is_empty() {
        check_settings(ctx, &devnet, &nodes, &up.spec.settings).await?;
    }
    if up.spec.no_gov && up.status.halt_height.is_none() && !has_halt_height(ctx, &devnet, &nodes, halt).await? {
        // No halt height (anvil): the nodes stop now, at the chain's height, and the switch
        // starts them on the new settings with their state.
        if up.spec.height.is_some() {
            return Err(DaemonError::InvalidArgument(format!(
                "the {} plugin's nodes cannot stop at a height: they stop at once for the switch; leave out --height",
                devnet.spec.network
            )));
        }
        set(ctx, &name, |s| {
            s.phase = UpgradePhase::Switching;
            s.halt_height = Some(now);
            s.from_version = devnet.status.detected_version.clone();
            s.old_binary = old_binary;
            s.new_binary = new_binary.display().to_string();
            s.observed_generation = up.meta.generation;
            s.message = format!("no halt height: stopping the nodes at {now}, their state kept");
        })?;
        return Ok(Action::requeue(Duration::ZERO));
    }
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

/// Whether the devnet's plugin stops its nodes at `halt` (`operate.halting-start-command`
/// answers, for the first node). From plugin API 0.6.0, `unsupported` says the chain has no
/// halt height and that a node restarted on a new start command keeps its chain: the nodes are
/// then stopped at once. Any other refusal, or `unsupported` from an older plugin (which meant
/// "no upgrade without governance"), fails the upgrade with the plugin's reason.
async fn has_halt_height(ctx: &DaemonContext, devnet: &Devnet, nodes: &[Node], halt: u64) -> Result<bool, DaemonError> {
    let Some(node) = nodes.first() else {
        return Ok(false);
    };
    let instance = ctx.instance_for(devnet, nodes).await?;
    let mut plugin = instance.lock().await;
    let spec = wit_spec(devnet, &devnet.status.detected_version);
    let stops_now = plugin.api_version().has_threshold();
    match plugin.halting_start_command(&spec, &slot_of(node), halt).await {
        Ok(_) => Ok(true),
        Err(e) if stops_now && e.plugin_kind() == Some(devnet_plugin_host::PluginErrorKind::Unsupported) => Ok(false),
        Err(e) => Err(DaemonError::InvalidArgument(format!(
            "the {} plugin cannot stop the chain for a switch, so there is no upgrade without governance for it \
             (drop --no-gov): {e}",
            devnet.spec.network
        ))),
    }
}

/// The settings an upgrade changes, checked before anything stops: the plugin must give every
/// node a start command for them (a bad value is refused here, with its reason), and at least
/// one node's must differ (a setting the nodes do not run on is refused, not recorded).
async fn check_settings(
    ctx: &DaemonContext,
    devnet: &Devnet,
    nodes: &[Node],
    settings: &[(String, String)],
) -> Result<(), DaemonError> {
    let before = plain_start_args(ctx, devnet, nodes).await?;
    let after = plain_start_args(ctx, &with_settings(devnet, settings), nodes)
        .await
        .map_err(|e| DaemonError::InvalidArgument(format!("the new settings: {e}")))?;
    if before == after {
        let set: Vec<String> = settings.iter().map(|(k, v)| format!("{k}={v}")).collect();
        return Err(DaemonError::InvalidArgument(format!(
            "{} changes nothing the {} plugin runs the nodes with: not an upgrade of this devnet",
            set.join(" "),
            devnet.spec.network
        )));
    }
    Ok(())
}

/// `devnet` with `settings` over its own.
pub(super) fn with_settings(devnet: &Devnet, settings: &[(String, String)]) -> Devnet {
    let mut upgraded = devnet.clone();
    for (key, value) in settings {
        match upgraded.spec.overrides.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value.clone(),
            None => upgraded.spec.overrides.push((key.clone(), value.clone())),
        }
    }
    upgraded
}

/// Every node restarted on the plugin's halting start command, in one write: the chain stops
/// by itself at `halt` (an upgrade without governance).
async fn halt_nodes_at(ctx: &DaemonContext, devnet: &Devnet, nodes: &[Node], halt: u64) -> Result<(), DaemonError> {
    let instance = ctx.instance_for(devnet, nodes).await?;
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
    let instance = ctx.instance_for(devnet, nodes).await?;
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
        let instance = ctx.instance_for(&devnet, &nodes).await?;
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
            let instance = ctx.instance_for(&devnet, &nodes).await?;
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
            let instance = ctx.instance_for(&devnet, &nodes).await?;
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

async fn waiting(ctx: &DaemonContext, up: Upgrade) -> Result<Action, DaemonError> {
    let name = up.meta.name.clone();
    let halt = up.status.halt_height.unwrap_or(0);
    let (devnet, nodes) = devnet_and_nodes(ctx, &up.spec.devnet)?;
    let instance = ctx.instance_for(&devnet, &nodes).await?;
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
        let text = devnet_runtime::log_tail(Path::new(&v.spec.command.log), LOG_TAIL_BYTES);
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

/// Every upgrade (startup, a lagged change stream); finished ones return at once.
pub(crate) fn relist(store: &devnet_store::Store) -> Vec<String> {
    super::wiring::names::<Upgrade>(store)
}

/// A new upgrade, or a change to one's spec (a cancel); not this controller's own status writes.
pub(crate) fn wakes(store: &devnet_store::Store, change: &devnet_store::Change) -> Vec<String> {
    if change.kind != Kind::Upgrade {
        return Vec::new();
    }
    match store.get::<Upgrade>(&change.name) {
        Ok(Some(u)) if u.status.phase == UpgradePhase::Pending || u.meta.generation != u.status.observed_generation => {
            vec![change.name.clone()]
        }
        _ => Vec::new(),
    }
}
