//! The Devnet controller: provisions a devnet into Nodes, passes `running` on to them, derives
//! the devnet's phase from its nodes (and says what is wrong: a crashed or failed node, a node
//! catching up, a chain that stopped making blocks), and destroys it when asked.

use std::sync::Arc;
use std::time::Duration;

use devnet_controller::{Action, ReconcileError};
use devnet_core::{
    Devnet, DevnetPhase, Event, EventKind, Export, Kind, Node, NodePhase, Transaction, Upgrade, VersionChange, now_ms,
};

use crate::DaemonError;
use crate::context::DaemonContext;
use crate::provision::{provision, short_name};

/// How often a running devnet's phase is derived again (a stuck chain changes nothing to react to).
pub const RECHECK: Duration = Duration::from_secs(1);

/// Writes the devnet's status fields over the devnet as stored now (so a spec change made
/// meanwhile is kept), with an optional event.
fn save_status(
    ctx: &DaemonContext,
    devnet: &Devnet,
    event: Option<(EventKind, &str, String)>,
) -> Result<(), DaemonError> {
    ctx.store.write(|tx| {
        let Some(mut current) = tx.get::<Devnet>(&devnet.meta.name)? else {
            return Ok(());
        };
        current.status = devnet.status.clone();
        if let Some((kind, reason, message)) = event {
            tx.event(Event::new(kind, Kind::Devnet, &devnet.meta.name, reason, message))?;
        }
        tx.update(current)?;
        Ok(())
    })?;
    Ok(())
}

pub async fn reconcile_devnet(name: String, ctx: Arc<DaemonContext>) -> Result<Action, DaemonError> {
    let Some(devnet) = ctx.store.get::<Devnet>(&name)? else {
        ctx.forget_devnet(&name).await;
        return Ok(Action::await_change());
    };
    let nodes = ctx.store.list::<Node>(&format!("{name}/"))?;
    if devnet.meta.deleting {
        return destroy(&ctx, devnet, nodes).await;
    }
    if nodes.is_empty() {
        if devnet.status.phase == DevnetPhase::Failed && devnet.status.observed_generation == devnet.meta.generation {
            return Ok(Action::await_change());
        }
        return provision_devnet(&ctx, devnet).await;
    }

    // Pass `running` on to every node, all in one transaction.
    if nodes.iter().any(|n| n.spec.running != devnet.spec.running) {
        let running = devnet.spec.running;
        ctx.store.write(|tx| {
            for node in &nodes {
                if let Some(mut current) = tx.get::<Node>(&node.meta.name)?
                    && current.spec.running != running
                {
                    current.spec.running = running;
                    tx.update(current)?;
                }
            }
            let reason = if running { "Starting" } else { "Stopping" };
            tx.event(Event::new(EventKind::Normal, Kind::Devnet, &name, reason, ""))?;
            Ok(())
        })?;
        return Ok(Action::requeue(Duration::from_millis(200)));
    }

    refresh_status(&ctx, &devnet, &nodes)?;
    if !devnet.status.live_version_checked && devnet.status.phase == DevnetPhase::Running {
        check_live_version(&ctx, &devnet, &nodes).await?;
    }
    Ok(if devnet.spec.running {
        Action::requeue(RECHECK)
    } else {
        Action::await_change()
    })
}

/// Once the devnet first runs: the version its live chain reports, which can say more than the
/// binary (an EVM node's hardfork), recorded in its history when it differs, in one write that
/// changes nothing if the version moved meanwhile (an upgrade). Best effort: a chain that cannot
/// answer yet is asked again at the next reconcile; a plugin that cannot tell keeps the
/// binary's.
async fn check_live_version(ctx: &DaemonContext, devnet: &Devnet, nodes: &[Node]) -> Result<(), DaemonError> {
    let Some(node) = nodes
        .iter()
        .filter(|n| n.status.phase == devnet_core::NodePhase::Running)
        .max_by_key(|n| n.status.height)
    else {
        return Ok(());
    };
    let instance = ctx.instance_for(devnet, nodes).await?;
    let live = instance
        .lock()
        .await
        .detect_live(&crate::provision::slot_of(node))
        .await;
    let version = match live {
        Ok(version) => Some(version),
        Err(e) if e.is_transient() => return Ok(()),
        Err(e) => {
            tracing::debug!(devnet = %devnet.meta.name, "no live version: {e}");
            None
        }
    };
    let read = devnet.status.detected_version.clone();
    let height = node.status.height;
    ctx.store.write(|tx| {
        let Some(mut current) = tx.get::<Devnet>(&devnet.meta.name)? else {
            return Ok(());
        };
        if current.status.live_version_checked || current.status.detected_version != read {
            return Ok(());
        }
        current.status.live_version_checked = true;
        if let Some(version) = version.filter(|v| *v != read) {
            current.status.detected_version = version.clone();
            current.status.version_history.push(VersionChange {
                version: version.clone(),
                at_height: height,
                unix_ms: now_ms(),
                cause: "detected on the live chain".into(),
            });
            tx.event(Event::new(
                EventKind::Normal,
                Kind::Devnet,
                &devnet.meta.name,
                "VersionDetected",
                format!("the live chain runs {version} (the binary said {read})"),
            ))?;
        }
        tx.update(current)?;
        Ok(())
    })?;
    Ok(())
}

/// Derives the devnet's status from its nodes and saves it when it changed.
pub fn refresh_status(ctx: &DaemonContext, devnet: &Devnet, nodes: &[Node]) -> Result<(), DaemonError> {
    let mut next = devnet.clone();
    let (phase, message) = derive(devnet, nodes, now_ms(), ctx.config.stuck_after_secs * 1000);
    next.status.phase = phase;
    next.status.message = message;
    next.status.height = nodes.iter().map(|n| n.status.height).max().unwrap_or(0);
    next.status.observed_generation = devnet.meta.generation;
    if next.status != devnet.status {
        let event = (phase != devnet.status.phase).then(|| {
            let kind = if phase == DevnetPhase::Degraded {
                EventKind::Warning
            } else {
                EventKind::Normal
            };
            (kind, phase_reason(phase), next.status.message.clone())
        });
        save_status(ctx, &next, event)?;
    }
    Ok(())
}

fn phase_reason(phase: DevnetPhase) -> &'static str {
    match phase {
        DevnetPhase::Pending => "Pending",
        DevnetPhase::Provisioning => "Provisioning",
        DevnetPhase::Starting => "Starting",
        DevnetPhase::Running => "Running",
        DevnetPhase::Degraded => "Degraded",
        DevnetPhase::Stopping => "Stopping",
        DevnetPhase::Stopped => "Stopped",
        DevnetPhase::Failed => "Failed",
    }
}

/// The devnet's phase and what to say about it, from its nodes at `now_ms`.
pub fn derive(devnet: &Devnet, nodes: &[Node], now_ms: u64, stuck_after_ms: u64) -> (DevnetPhase, String) {
    let down = |n: &Node| !n.status.is_up() && n.status.observed_generation == n.meta.generation;
    if !devnet.spec.running {
        return if nodes.iter().all(down) {
            (DevnetPhase::Stopped, String::new())
        } else {
            let left: Vec<&str> = nodes.iter().filter(|n| !down(n)).map(short_name).collect();
            (
                DevnetPhase::Stopping,
                format!("waiting for {} to stop", left.join(", ")),
            )
        };
    }
    // Nodes an operation keeps stopped are expected down; the message names the operation.
    let held: Vec<String> = nodes
        .iter()
        .filter_map(|n| Some(format!("{} stopped for {}", short_name(n), n.spec.hold.as_ref()?)))
        .collect();
    let nodes: Vec<&Node> = nodes.iter().filter(|n| n.spec.hold.is_none()).collect();
    let mut problems = Vec::new();
    for n in &nodes {
        match n.status.phase {
            NodePhase::Failed => problems.push(format!("{} failed: {}", short_name(n), n.status.message)),
            NodePhase::Crashed => problems.push(format!("{} crashed ({})", short_name(n), n.status.message)),
            NodePhase::Unknown => problems.push(format!("{} unknown: {}", short_name(n), n.status.message)),
            _ => {}
        }
    }
    let height = nodes.iter().map(|n| n.status.height).max().unwrap_or(0);
    let last_move = nodes.iter().map(|n| n.status.height_changed_unix_ms).max().unwrap_or(0);
    let all_up = nodes
        .iter()
        .all(|n| matches!(n.status.phase, NodePhase::Running | NodePhase::CatchingUp));
    if height == 0 {
        return if problems.is_empty() {
            (DevnetPhase::Starting, "waiting for the first block".into())
        } else {
            (DevnetPhase::Degraded, problems.join("; "))
        };
    }
    if last_move > 0 && now_ms.saturating_sub(last_move) > stuck_after_ms {
        problems.push(format!(
            "chain stuck: no new block for {} s (height {height})",
            now_ms.saturating_sub(last_move) / 1000
        ));
    }
    if !all_up && problems.is_empty() {
        let down: Vec<&&Node> = nodes
            .iter()
            .filter(|n| !matches!(n.status.phase, NodePhase::Running | NodePhase::CatchingUp))
            .collect();
        let names: Vec<&str> = down.iter().map(|n| short_name(n)).collect();
        // Nodes waiting at their start gate, or just started after it, are a devnet still
        // coming up, not a degraded one.
        let coming_up = down.iter().all(|n| {
            n.status.phase == NodePhase::Starting
                || (n.status.phase == NodePhase::Pending && n.spec.start_after.is_some() && held.is_empty())
        });
        if coming_up {
            return (DevnetPhase::Starting, format!("{} starting", names.join(", ")));
        }
        problems.push(format!("{} not running yet", names.join(", ")));
    }
    problems.extend(held);
    if !problems.is_empty() {
        return (DevnetPhase::Degraded, problems.join("; "));
    }
    let behind: Vec<&str> = nodes
        .iter()
        .filter(|n| n.status.catching_up)
        .map(|n| short_name(n))
        .collect();
    let message = if behind.is_empty() {
        String::new()
    } else {
        format!("{} catching up", behind.join(", "))
    };
    (DevnetPhase::Running, message)
}

async fn provision_devnet(ctx: &DaemonContext, mut devnet: Devnet) -> Result<Action, DaemonError> {
    let name = devnet.meta.name.clone();
    devnet.status.phase = DevnetPhase::Provisioning;
    devnet.status.message = "writing genesis and node files".into();
    save_status(ctx, &devnet, Some((EventKind::Normal, "Provisioning", String::new())))?;

    match provision(ctx, &devnet).await {
        Ok(made) => {
            let count = made.nodes.len();
            let nodes = made.nodes;
            devnet.status.phase = DevnetPhase::Starting;
            devnet.status.message = "waiting for the first block".into();
            devnet.status.detected_version = made.version.clone();
            devnet.status.addresses = made.addresses;
            devnet.status.observed_generation = devnet.meta.generation;
            devnet.status.version_history = vec![VersionChange {
                version: made.version.clone(),
                at_height: 0,
                unix_ms: now_ms(),
                cause: "genesis".into(),
            }];
            // The nodes and the devnet's new status together, or neither (a daemon killed
            // before this commit provisions again from scratch).
            let written = ctx.store.write(|tx| {
                let Some(mut current) = tx.get::<Devnet>(&name)? else {
                    return Ok(());
                };
                for node in nodes {
                    tx.create(node)?;
                }
                current.status = devnet.status.clone();
                tx.event(Event::new(
                    EventKind::Normal,
                    Kind::Devnet,
                    &name,
                    "Provisioned",
                    format!("{count} nodes, {} {}", devnet.spec.network, made.version),
                ))?;
                tx.update(current)?;
                Ok(())
            });
            ctx.release_ports(&made.ports);
            written?;
            Ok(Action::requeue(RECHECK))
        }
        Err(e) => {
            ctx.forget_devnet(&name).await;
            devnet.status.phase = DevnetPhase::Failed;
            devnet.status.message = e.to_string();
            devnet.status.observed_generation = devnet.meta.generation;
            save_status(
                ctx,
                &devnet,
                Some((EventKind::Warning, "ProvisionFailed", e.to_string())),
            )?;
            Ok(Action::await_change())
        }
    }
}

async fn destroy(ctx: &DaemonContext, devnet: Devnet, nodes: Vec<Node>) -> Result<Action, DaemonError> {
    let name = devnet.meta.name.clone();
    let live: Vec<&Node> = nodes
        .iter()
        .filter(|n| n.spec.running || n.status.is_up() || n.status.observed_generation != n.meta.generation)
        .collect();
    if !live.is_empty() {
        ctx.store.write(|tx| {
            for node in &live {
                if let Some(mut current) = tx.get::<Node>(&node.meta.name)?
                    && current.spec.running
                {
                    current.spec.running = false;
                    tx.update(current)?;
                }
            }
            Ok(())
        })?;
        return Ok(Action::requeue(Duration::from_millis(200)));
    }
    // What the runtimes hold beyond the nodes (containers a crash left unrecorded, a network,
    // the volumes of nodes on other Docker hosts): this machine's, and each host's it used.
    let spread = crate::docker_settings::parse(&devnet.spec.overrides, devnet.spec.runtime)
        .map(|s| s.hosts)
        .unwrap_or_default();
    if spread.is_empty() {
        let runtime = ctx.nodes.runtimes.get(devnet.spec.runtime).await?;
        runtime.release_devnet(&name).await?;
    }
    let hosts: std::collections::BTreeSet<&str> = nodes
        .iter()
        .filter_map(|n| n.spec.docker_host.as_ref().map(|h| h.name.as_str()))
        .chain(spread.iter().map(String::as_str))
        .collect();
    for host in hosts {
        if ctx.nodes.runtimes.host(host).is_none() {
            // Gone from devnetd.toml: nothing there can be reached to remove.
            tracing::warn!(devnet = %name, host, "Docker host no longer in devnetd.toml; what the devnet left there stays");
            continue;
        }
        devnet_runtime::Runtime::release_devnet(ctx.nodes.runtimes.remote(host).await?.as_ref(), &name).await?;
    }
    // Files first: if the daemon dies between the two, the records (still `deleting`) bring it
    // back here, and removing a removed directory is a no-op.
    let dir = ctx.home.devnet_dir(&name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(DaemonError::io(format!("removing {}", dir.display())))?;
    }
    ctx.forget_devnet(&name).await;
    ctx.store.write(|tx| {
        for node in &nodes {
            tx.delete::<Node>(&node.meta.name)?;
        }
        // What belonged to the devnet goes with it: a devnet made again under its name must not
        // inherit a pending transaction, upgrade or export of this one.
        let owned = format!("{name}/");
        for t in tx.list::<Transaction>(&owned)? {
            tx.delete::<Transaction>(&t.meta.name)?;
        }
        for u in tx.list::<Upgrade>(&owned)? {
            tx.delete::<Upgrade>(&u.meta.name)?;
        }
        for e in tx.list::<Export>(&owned)? {
            tx.delete::<Export>(&e.meta.name)?;
        }
        tx.delete::<Devnet>(&name)?;
        tx.event(Event::new(
            EventKind::Normal,
            Kind::Devnet,
            &name,
            "Destroyed",
            format!("{} nodes stopped, {} removed", nodes.len(), dir.display()),
        ))?;
        Ok(())
    })?;
    Ok(Action::await_change())
}

/// Retries a failed reconcile with the key's backoff.
pub fn devnet_error_policy(name: &String, e: ReconcileError<'_, DaemonError>, _ctx: &DaemonContext) -> Action {
    tracing::warn!(devnet = %name, "reconcile failed: {}", e.error);
    Action::requeue(e.backoff)
}

/// Every devnet (startup, a lagged change stream).
pub(crate) fn relist(store: &devnet_store::Store) -> Vec<String> {
    super::wiring::names::<Devnet>(store)
}

/// A devnet is reconciled when it changes and when one of its nodes does.
pub(crate) fn wakes(_: &devnet_store::Store, change: &devnet_store::Change) -> Vec<String> {
    match change.kind {
        Kind::Devnet => vec![change.name.clone()],
        Kind::Node => vec![super::wiring::devnet_of(&change.name)],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use devnet_core::{DevnetSpec, NodeCommand, NodeRole, NodeSpec, RuntimeKind};

    fn devnet(running: bool) -> Devnet {
        Devnet::new(
            "hub",
            DevnetSpec {
                network: "cosmos".into(),
                version: "v0.50".into(),
                binary: String::new(),
                chain_id: "hub-1".into(),
                validators: 2,
                full_nodes: 0,
                accounts: vec![],
                overrides: vec![],
                runtime: RuntimeKind::Local,
                running,
            },
        )
    }

    fn node(i: u32, phase: NodePhase, height: u64, moved_ms: u64) -> Node {
        let mut n = Node::new(
            NodeSpec {
                devnet: "hub".into(),
                index: i,
                role: NodeRole::Validator,
                home: String::new(),
                ports: vec![],
                running: true,
                command: NodeCommand::default(),
                restart: 0,
                hold: None,
                start_after: None,
                runtime: Default::default(),
                limits: Default::default(),
                network: None,
                docker_host: None,
            },
            &format!("validator-{i}"),
        );
        n.meta.generation = 1;
        n.status.observed_generation = 1;
        n.status.phase = phase;
        n.status.pid = Some(100 + i);
        n.status.height = height;
        n.status.height_changed_unix_ms = moved_ms;
        n
    }

    #[test]
    fn the_phase_should_say_what_is_wrong() {
        let now = 100_000;
        let up = |i| node(i, NodePhase::Running, 10, now - 500);
        assert_eq!(
            derive(&devnet(true), &[up(0), up(1)], now, 5000),
            (DevnetPhase::Running, String::new())
        );

        let (phase, msg) = derive(
            &devnet(true),
            &[up(0), node(1, NodePhase::Running, 10, now - 9000)],
            now,
            5000,
        );
        assert_eq!(phase, DevnetPhase::Running, "one node moved recently: {msg}");
        let old = |i| node(i, NodePhase::Running, 10, now - 9000);
        let (phase, msg) = derive(&devnet(true), &[old(0), old(1)], now, 5000);
        assert_eq!(phase, DevnetPhase::Degraded);
        assert!(
            msg.contains("chain stuck") && msg.contains("9 s") && msg.contains("height 10"),
            "{msg}"
        );

        let mut crashed = node(1, NodePhase::Crashed, 10, now - 500);
        crashed.status.message = "exited (Signal(9)); restart 1 in 1s".into();
        let (phase, msg) = derive(&devnet(true), &[up(0), crashed], now, 5000);
        assert_eq!(phase, DevnetPhase::Degraded);
        assert!(msg.contains("validator-1 crashed"), "{msg}");

        let mut behind = node(1, NodePhase::CatchingUp, 4, now - 500);
        behind.status.catching_up = true;
        let (phase, msg) = derive(&devnet(true), &[up(0), behind], now, 5000);
        assert_eq!(phase, DevnetPhase::Running);
        assert_eq!(msg, "validator-1 catching up");

        let fresh = |i| node(i, NodePhase::Running, 0, 0);
        assert_eq!(
            derive(&devnet(true), &[fresh(0), fresh(1)], now, 5000).0,
            DevnetPhase::Starting
        );

        // A signer waiting at its start gate after the first block: still starting, not degraded;
        // a node down without a gate is.
        let mut gated = node(1, NodePhase::Pending, 0, 0);
        gated.spec.start_after = Some(devnet_core::StartGate {
            node: "hub/validator-0".into(),
            height: 1,
        });
        let (phase, msg) = derive(&devnet(true), &[up(0), gated], now, 5000);
        assert_eq!((phase, msg.as_str()), (DevnetPhase::Starting, "validator-1 starting"));
        let (phase, msg) = derive(&devnet(true), &[up(0), node(1, NodePhase::Pending, 0, 0)], now, 5000);
        assert_eq!(phase, DevnetPhase::Degraded, "{msg}");

        // A node whose runtime does not answer: Degraded, with the runtime's words.
        let mut unknown = node(1, NodePhase::Unknown, 10, now);
        unknown.status.message = "the Docker engine at unix:///x does not answer".into();
        let (phase, msg) = derive(&devnet(true), &[up(0), unknown], now, 5000);
        assert_eq!(phase, DevnetPhase::Degraded);
        assert!(
            msg.contains("validator-1 unknown: the Docker engine at unix:///x"),
            "{msg}"
        );
    }

    #[test]
    fn a_stop_should_be_done_only_when_every_node_is_down() {
        let mut down = node(0, NodePhase::Stopped, 10, 0);
        down.status.pid = None;
        let up = node(1, NodePhase::Running, 10, 0);
        let (phase, msg) = derive(&devnet(false), &[down.clone(), up], 0, 5000);
        assert_eq!(phase, DevnetPhase::Stopping);
        assert!(msg.contains("validator-1"), "{msg}");
        let mut down1 = node(1, NodePhase::Stopped, 10, 0);
        down1.status.pid = None;
        assert_eq!(derive(&devnet(false), &[down, down1], 0, 5000).0, DevnetPhase::Stopped);
    }
}
