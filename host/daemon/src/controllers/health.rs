//! The Health controller: asks each running node of a devnet for its height, peers and
//! catching-up state through the devnet's plugin, and records what it sees on the node (and when
//! the height last moved, which is how the Devnet controller tells a stuck chain). A node that
//! does not answer is left as it was: its process is the Node controller's business.

use std::sync::Arc;
use std::time::Duration;

use devnet_controller::{Action, ReconcileError};
use devnet_core::{Devnet, Node, NodePhase};

use crate::DaemonError;
use crate::context::DaemonContext;
use crate::provision::slot_of;
use devnet_core::now_ms;

/// How long one node may take to answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// Probes every running node of `name` once and records what each said.
pub async fn probe_devnet(ctx: &DaemonContext, name: &str) -> Result<bool, DaemonError> {
    let Some(devnet) = ctx.store.get::<Devnet>(name)? else {
        return Ok(false);
    };
    let nodes = ctx.store.list::<Node>(&format!("{name}/"))?;
    if devnet.meta.deleting || !devnet.spec.running || nodes.is_empty() {
        return Ok(false);
    }
    let instance = ctx.instance_for(&devnet, &nodes).await?;
    for node in &nodes {
        if !node.status.is_up()
            || !matches!(
                node.status.phase,
                NodePhase::Starting | NodePhase::Running | NodePhase::CatchingUp
            )
        {
            continue;
        }
        let slot = slot_of(node);
        let seen = {
            let mut plugin = instance.lock().await;
            tokio::time::timeout(PROBE_TIMEOUT, plugin.node_status(&slot)).await
        };
        let Ok(Ok(seen)) = seen else { continue };
        let now = now_ms();
        ctx.store.write(|tx| {
            let Some(mut current) = tx.get::<Node>(&node.meta.name)? else {
                return Ok(());
            };
            let s = &mut current.status;
            let before = s.clone();
            if seen.height > s.height || s.height_changed_unix_ms == 0 {
                s.height_changed_unix_ms = now;
            }
            s.height = seen.height;
            s.peers = seen.peers;
            s.catching_up = seen.catching_up;
            s.phase = match s.phase {
                NodePhase::Running if seen.catching_up => NodePhase::CatchingUp,
                NodePhase::CatchingUp if !seen.catching_up => NodePhase::Running,
                other => other,
            };
            if *s != before {
                tx.update(current)?;
            }
            Ok(())
        })?;
    }
    Ok(true)
}

/// Until the first block, nodes are asked this often: `dvb deploy` returns at the first block,
/// and the usual interval would add up to a second to it.
const FIRST_BLOCK_INTERVAL: Duration = Duration::from_millis(100);

pub async fn reconcile_health(name: String, ctx: Arc<DaemonContext>) -> Result<Action, DaemonError> {
    let watching = probe_devnet(&ctx, &name).await?;
    if !watching {
        return Ok(Action::await_change());
    }
    let interval = Duration::from_millis(ctx.config.health_interval_ms);
    let before_first_block = ctx
        .store
        .list::<Node>(&format!("{name}/"))?
        .iter()
        .all(|n| n.status.height == 0);
    Ok(Action::requeue(if before_first_block {
        interval.min(FIRST_BLOCK_INTERVAL)
    } else {
        interval
    }))
}

pub fn health_error_policy(name: &String, e: ReconcileError<'_, DaemonError>, _ctx: &DaemonContext) -> Action {
    tracing::debug!(devnet = %name, "health probe failed: {}", e.error);
    Action::requeue(e.backoff)
}

/// Every devnet (startup, a lagged change stream); from then on each requeues itself.
pub(crate) fn relist(store: &devnet_store::Store) -> Vec<String> {
    super::wiring::names::<Devnet>(store)
}

/// A devnet's health is looked at again when the devnet changes.
pub(crate) fn wakes(_: &devnet_store::Store, change: &devnet_store::Change) -> Vec<String> {
    match change.kind {
        devnet_core::Kind::Devnet => vec![change.name.clone()],
        _ => Vec::new(),
    }
}
