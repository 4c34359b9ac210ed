//! The Node controller: spec.running against the node's process or container. It drives every
//! runtime through one interface ([`Runtime`]): which one a node is in is a lookup, not a branch.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use devnet_controller::{Action, ReconcileError};
use devnet_core::{Event, EventKind, Kind, Node, NodePhase, NodeStatus};
use devnet_runtime::{
    Attachment, Exit, Handle, Limits, NodeRun, Observed, ProcessId, Restart, RestartPolicy, Runtime, log_tail,
    rotate_log,
};
use devnet_store::{Store, StoreError};

use crate::runtimes::Runtimes;

/// How often a running node's process is looked at.
pub const POLL: Duration = Duration::from_millis(500);
/// How often a node whose runtime does not answer is looked at again.
const UNREACHABLE_POLL: Duration = Duration::from_secs(2);
/// How often a node waiting for its first start looks at the node it waits for: a store read,
/// only until it starts, and the deploy waits on it.
const GATE_POLL: Duration = Duration::from_millis(100);

/// What the Node controller works with.
pub struct NodeContext {
    pub store: Arc<Store>,
    pub policy: RestartPolicy,
    pub stop_grace: Duration,
    /// A node log is rotated past `.0` bytes, keeping `.1` old files.
    pub log_limits: (u64, u32),
    /// Where nodes run.
    pub runtimes: Runtimes,
}

impl NodeContext {
    pub fn new(store: Arc<Store>, policy: RestartPolicy) -> Self {
        Self {
            store,
            policy,
            stop_grace: Duration::from_secs(10),
            log_limits: (64 << 20, 3),
            runtimes: Runtimes::new("", &devnet_runtime::default_docker_host(), Duration::from_secs(10)),
        }
    }

    /// Stops every node this daemon tracks, in every runtime, and records each Stopped once it is
    /// (the next daemon starts them again if their devnet should run). One that would not stop
    /// keeps its record, and the next daemon adopts it.
    pub async fn stop_all(&self, grace: Duration) {
        for runtime in self.runtimes.in_use() {
            for name in runtime.tracked_names() {
                if runtime.stop(&name, grace).await.is_err() {
                    continue;
                }
                let _ = self.store.write(|tx| {
                    if let Some(mut node) = tx.get::<Node>(&name)? {
                        node.status.phase = NodePhase::Stopped;
                        node.status.clear_runtime();
                        tx.event(Event::new(
                            EventKind::Normal,
                            Kind::Node,
                            &name,
                            "Stopped",
                            "the daemon exited",
                        ))?;
                        tx.update(node)?;
                    }
                    Ok(())
                });
            }
        }
    }

    /// Lets every node run on without this daemon (they are adopted on the next start).
    pub fn detach_all(&self) {
        for runtime in self.runtimes.in_use() {
            runtime.detach_all();
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Runtime(#[from] devnet_runtime::RuntimeError),
}

/// What the node runs, for its runtime.
fn node_run(node: &Node) -> NodeRun {
    let c = &node.spec.command;
    NodeRun {
        name: node.meta.name.clone(),
        devnet: node.spec.devnet.clone(),
        program: PathBuf::from(&c.program),
        args: c.args.clone(),
        env: c.env.clone(),
        cwd: PathBuf::from(&c.cwd),
        log: PathBuf::from(&c.log),
        ports: node.spec.ports.iter().map(|p| p.port).collect(),
        limits: Limits {
            nano_cpus: node.spec.limits.nano_cpus,
            memory_bytes: node.spec.limits.memory_bytes,
        },
        network: node.spec.network.as_ref().map(|n| Attachment {
            network: n.name.clone(),
            subnet: n.subnet.clone(),
            address: n.address.clone(),
        }),
    }
}

/// What identifies the node's process or container, as recorded.
fn recorded(node: &Node) -> Option<Handle> {
    if let Some(id) = &node.status.container {
        return Some(Handle::Container(id.clone()));
    }
    node.status
        .pid
        .zip(node.status.start_ticks)
        .map(|(pid, start_ticks)| Handle::Process(ProcessId { pid, start_ticks }))
}

fn record(status: &mut NodeStatus, handle: &Handle) {
    status.clear_runtime();
    match handle {
        Handle::Process(id) => {
            status.pid = Some(id.pid);
            status.start_ticks = Some(id.start_ticks);
        }
        Handle::Container(id) => status.container = Some(id.clone()),
    }
}

/// Writes the fields of `node`'s status this controller owns (phase, message, process,
/// restarts), and an event, in one transaction over the node as stored now: the Health
/// controller's observations written meanwhile are kept, and nothing conflicts.
fn save(ctx: &NodeContext, node: Node, event: Option<(EventKind, &str, String)>) -> Result<Node, NodeError> {
    Ok(ctx.store.write(|tx| {
        let Some(mut current) = tx.get::<Node>(&node.meta.name)? else {
            return Ok(node);
        };
        let (mine, theirs) = (&node.status, &mut current.status);
        theirs.phase = mine.phase;
        theirs.message = mine.message.clone();
        theirs.pid = mine.pid;
        theirs.start_ticks = mine.start_ticks;
        theirs.container = mine.container.clone();
        theirs.restarts = mine.restarts;
        theirs.restart_seen = mine.restart_seen;
        theirs.started = mine.started;
        theirs.restart_after_unix_ms = mine.restart_after_unix_ms;
        theirs.observed_generation = node.meta.generation;
        if let Some((kind, reason, message)) = event {
            tx.event(Event::new(kind, Kind::Node, &node.meta.name, reason, message))?;
        }
        tx.update(current)
    })?)
}

async fn start(ctx: &NodeContext, runtime: &dyn Runtime, mut node: Node) -> Result<Action, NodeError> {
    let handle = match runtime.start(&node_run(&node)).await {
        Ok(h) => h,
        // Not the node's fault: said, and tried again when the runtime may answer.
        Err(e) if e.is_unreachable() => return Err(e.into()),
        // It did not start (a binary its image cannot run, a limit the engine refuses): counted
        // as an exit at once, so the node says why and ends Failed after the restart limit.
        Err(e) => return exited(ctx, node, Exit::Unknown, Duration::ZERO, &e.to_string()),
    };
    crate::test_pause::pause_point("node-started").await;
    node.status.phase = NodePhase::Starting;
    record(&mut node.status, &handle);
    node.status.started = true;
    node.status.message.clear();
    let reason = if node.status.restarts == 0 {
        "Started"
    } else {
        "Restarted"
    };
    save(ctx, node, Some((EventKind::Normal, reason, handle.describe())))?;
    Ok(Action::requeue(POLL))
}

/// Stops the node in `runtime`: the one tracked, else one a previous daemon left running
/// (recorded, or found by its marker).
async fn stop_in(ctx: &NodeContext, runtime: &dyn Runtime, node: &Node) -> Result<(), NodeError> {
    let name = node.meta.name.as_str();
    if !runtime.tracks(name) {
        runtime.adopt(&node_run(node), recorded(node).as_ref()).await?;
    }
    Ok(runtime.stop(name, ctx.stop_grace).await?)
}

/// The node ended (or never started) without being asked to: the restart policy says when to
/// try again, or that it is Failed and why. `why` is what its log (or the runtime) said.
fn exited(ctx: &NodeContext, mut node: Node, exit: Exit, ran: Duration, why: &str) -> Result<Action, NodeError> {
    node.status.clear_runtime();
    match ctx.policy.decide(exit, ran, node.status.restarts, why) {
        Restart::After { delay, attempt } => {
            node.status.phase = NodePhase::Crashed;
            node.status.restarts = attempt;
            node.status.restart_after_unix_ms = devnet_core::now_ms() + delay.as_millis() as u64;
            node.status.message = if exit == Exit::Unknown && ran.is_zero() {
                format!("did not start ({why}); try {attempt} in {delay:?}")
            } else {
                format!("exited ({exit:?}); restart {attempt} in {delay:?}")
            };
            let message = node.status.message.clone();
            save(ctx, node, Some((EventKind::Warning, "Crashed", message)))?;
            Ok(Action::requeue(delay))
        }
        Restart::GiveUp { reason } => {
            node.status.phase = NodePhase::Failed;
            node.status.message = reason.clone();
            save(ctx, node, Some((EventKind::Warning, "Failed", reason)))?;
            Ok(Action::await_change())
        }
    }
}

/// Makes the node's process match its spec. A runtime that does not answer (its engine down or
/// misnamed) leaves the node Unknown, saying why, and it is looked at again shortly.
pub async fn reconcile_node(name: String, ctx: Arc<NodeContext>) -> Result<Action, NodeError> {
    match reconcile_in_runtime(&name, &ctx).await {
        Err(NodeError::Runtime(e)) if e.is_unreachable() => unknown(&ctx, &name, &e.to_string()),
        other => other,
    }
}

/// Records that nothing can tell how `name` is: Unknown if it was recorded running, and the
/// reason (with an Unreachable event when the reason is new).
fn unknown(ctx: &NodeContext, name: &str, why: &str) -> Result<Action, NodeError> {
    ctx.store.write(|tx| {
        let Some(mut node) = tx.get::<Node>(name)? else {
            return Ok(());
        };
        if node.status.message == why && node.status.phase == NodePhase::Unknown {
            return Ok(());
        }
        if node.status.is_up() || matches!(node.status.phase, NodePhase::Running | NodePhase::CatchingUp) {
            node.status.phase = NodePhase::Unknown;
        }
        if node.status.message != why {
            node.status.message = why.to_string();
            tx.event(Event::new(EventKind::Warning, Kind::Node, name, "Unreachable", why))?;
        }
        tx.update(node).map(drop)
    })?;
    Ok(Action::requeue(UNREACHABLE_POLL))
}

async fn reconcile_in_runtime(name: &str, ctx: &Arc<NodeContext>) -> Result<Action, NodeError> {
    let name = name.to_string();
    let Some(mut node) = ctx.store.get::<Node>(&name)? else {
        // Deleted: nothing of it may keep running, whichever runtime had it (what a runtime holds
        // untracked goes with its devnet: `release_devnet`).
        for runtime in ctx.runtimes.in_use() {
            if runtime.tracks(&name) {
                runtime.stop(&name, ctx.stop_grace).await?;
            }
        }
        return Ok(Action::await_change());
    };
    if let Some(host) = &node.spec.docker_host
        && ctx.runtimes.host(&host.name).is_none()
        && (!node.spec.running || node.meta.deleting)
    {
        // Its host is gone from devnetd.toml: nothing there can be reached, and nothing may
        // keep a stop or a destroy waiting on it.
        // Saved also when only the generation moved: stop and destroy wait for it.
        if node.status.phase != NodePhase::Stopped || node.status.observed_generation != node.meta.generation {
            node.status.phase = NodePhase::Stopped;
            node.status.clear_runtime();
            let why = format!(
                "its Docker host {} is no longer in devnetd.toml; what ran there is left there",
                host.name
            );
            node.status.message = why.clone();
            save(ctx, node, Some((EventKind::Warning, "Stopped", why)))?;
        }
        return Ok(Action::await_change());
    }
    let runtime = ctx.runtimes.for_node(&node.spec).await?;
    let runtime = runtime.as_ref();

    if !node.spec.running || node.spec.hold.is_some() || node.meta.deleting {
        stop_in(ctx, runtime, &node).await?;
        if node.status.phase != NodePhase::Stopped {
            node.status.phase = NodePhase::Stopped;
            node.status.clear_runtime();
            save(ctx, node, Some((EventKind::Normal, "Stopped", String::new())))?;
        }
        return Ok(Action::await_change());
    }

    if node.spec.restart != node.status.restart_seen {
        // `dvb nodes restart`: once per request, whatever state the node is in.
        stop_in(ctx, runtime, &node).await?;
        node.status.restart_seen = node.spec.restart;
        node.status.restarts = 0;
        node.status.clear_runtime();
        return start(ctx, runtime, node).await;
    }

    if node.status.phase == NodePhase::Failed && node.status.observed_generation == node.meta.generation {
        // Given up on; a change of the spec (e.g. `dvb nodes restart`) tries again.
        return Ok(Action::await_change());
    }

    match runtime.observe(&name).await {
        Observed::Exited { exit, ran } => {
            let tail = log_tail(std::path::Path::new(&node.spec.command.log), 4096);
            return exited(ctx, node, exit, ran, &tail);
        }
        Observed::Running => {
            let (max, keep) = ctx.log_limits;
            // A failed rotation only means a longer log; the node is not disturbed for it.
            let _ = rotate_log(std::path::Path::new(&node.spec.command.log), max, keep);
            if node.status.phase == NodePhase::Unknown {
                // Its runtime answers again, and it ran on.
                node.status.phase = NodePhase::Running;
                node.status.message.clear();
                save(ctx, node, Some((EventKind::Normal, "Reachable", "running".into())))?;
            } else if node.status.phase == NodePhase::Starting {
                node.status.phase = NodePhase::Running;
                save(ctx, node, None)?;
            }
            return Ok(Action::requeue(POLL));
        }
        Observed::Unreachable(why) => {
            if node.status.phase != NodePhase::Unknown || node.status.message != why {
                node.status.phase = NodePhase::Unknown;
                node.status.message = why.clone();
                save(ctx, node, Some((EventKind::Warning, "Unreachable", why)))?;
            }
            return Ok(Action::requeue(UNREACHABLE_POLL));
        }
        Observed::Unknown => {}
    }

    // Not ours yet: one a previous daemon started and recorded, or one it started and died
    // before recording (found by its marker), or none.
    if let Some(handle) = runtime.adopt(&node_run(&node), recorded(&node).as_ref()).await? {
        record(&mut node.status, &handle);
        node.status.started = true;
        node.status.message.clear();
        if matches!(
            node.status.phase,
            NodePhase::Pending | NodePhase::Crashed | NodePhase::Stopped
        ) {
            node.status.phase = NodePhase::Starting;
        }
        save(ctx, node, Some((EventKind::Normal, "Adopted", handle.describe())))?;
        return Ok(Action::requeue(POLL));
    }
    if !node.status.started
        && let Some(wait) = gate_unmet(ctx, &node)?
    {
        // Never started (a `dvb stop` before then included): it waits for the node its plugin
        // named (one write, then polls).
        if node.status.message != wait {
            node.status.message = wait.clone();
            save(ctx, node, Some((EventKind::Normal, "Waiting", wait)))?;
        }
        return Ok(Action::requeue(GATE_POLL));
    }
    if node.status.phase == NodePhase::Crashed {
        // Its backoff holds, whatever woke this reconcile early (a health write, say).
        let left = node.status.restart_after_unix_ms.saturating_sub(devnet_core::now_ms());
        if left > 0 {
            return Ok(Action::requeue(Duration::from_millis(left)));
        }
    }
    start(ctx, runtime, node).await
}

/// Why `node` may not start for the first time yet: the node its plugin said it waits for has
/// not reported the height. None: it may start (no gate, or that node is gone).
fn gate_unmet(ctx: &NodeContext, node: &Node) -> Result<Option<String>, NodeError> {
    let Some(gate) = &node.spec.start_after else {
        return Ok(None);
    };
    let Some(first) = ctx.store.get::<Node>(&gate.node)? else {
        return Ok(None);
    };
    let live = matches!(first.status.phase, NodePhase::Running | NodePhase::CatchingUp);
    if live && first.status.height >= gate.height {
        return Ok(None);
    }
    let name = gate.node.split_once('/').map_or(gate.node.as_str(), |(_, n)| n);
    Ok(Some(format!("waiting for {name} to reach height {}", gate.height)))
}

/// Retries a failed reconcile with the key's backoff.
pub fn node_error_policy(_name: &String, e: ReconcileError<'_, NodeError>, _ctx: &NodeContext) -> Action {
    Action::requeue(e.backoff)
}

/// Every node (startup, a lagged change stream): a restarted daemon adopts what runs.
pub(crate) fn relist(store: &devnet_store::Store) -> Vec<String> {
    super::wiring::names::<Node>(store)
}

/// A node is reconciled when it changes.
pub(crate) fn wakes(_: &devnet_store::Store, change: &devnet_store::Change) -> Vec<String> {
    match change.kind {
        Kind::Node => vec![change.name.clone()],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod gate_tests;
