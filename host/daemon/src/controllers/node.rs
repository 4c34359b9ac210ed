//! The Node controller: spec.running against the node's process.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use devnet_controller::{Action, ReconcileError};
use devnet_core::{Event, EventKind, Kind, Node, NodePhase};
use devnet_runtime::{
    LocalProcess, ProcessId, ProcessSpec, Restart, RestartPolicy, log_tail, marked_leaders, rotate_log,
};
use devnet_store::{Store, StoreError};

/// How often a running node's process is looked at.
pub const POLL: Duration = Duration::from_millis(500);
/// How often a node waiting for its first start looks at the node it waits for: a store read,
/// only until it starts, and the deploy waits on it.
const GATE_POLL: Duration = Duration::from_millis(100);

struct Running {
    process: LocalProcess,
    started: Instant,
}

/// What the Node controller works with.
pub struct NodeContext {
    pub store: Arc<Store>,
    pub policy: RestartPolicy,
    pub stop_grace: Duration,
    /// The daemon's home: node processes carry it (see [`crate::provision::node_marker`]), so
    /// one started just before a crash of the daemon is found rather than started twice.
    /// Empty: no marker search.
    pub marker: String,
    /// A node log is rotated past `.0` bytes, keeping `.1` old files.
    pub log_limits: (u64, u32),
    processes: Mutex<HashMap<String, Running>>,
}

impl NodeContext {
    pub fn new(store: Arc<Store>, policy: RestartPolicy) -> Self {
        Self {
            store,
            policy,
            stop_grace: Duration::from_secs(10),
            marker: String::new(),
            log_limits: (64 << 20, 3),
            processes: Mutex::default(),
        }
    }

    fn processes(&self) -> std::sync::MutexGuard<'_, HashMap<String, Running>> {
        // Every update is one insert or remove: a poisoned map is still consistent.
        self.processes.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stops every node process this daemon tracks and records them Stopped (the next daemon
    /// starts them again if their devnet should run).
    pub fn stop_all(&self, grace: Duration) {
        let all: Vec<(String, Running)> = self.processes().drain().collect();
        for (name, mut running) in all {
            running.process.stop(grace);
            let _ = self.store.write(|tx| {
                if let Some(mut node) = tx.get::<Node>(&name)? {
                    node.status.phase = NodePhase::Stopped;
                    node.status.pid = None;
                    node.status.start_ticks = None;
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

    /// Lets every node process run on without this daemon (they are adopted on the next start).
    pub fn detach_all(&self) {
        for (_, running) in self.processes().drain() {
            running.process.detach();
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

fn process_spec(node: &Node) -> ProcessSpec {
    let c = &node.spec.command;
    ProcessSpec {
        name: node.meta.name.clone(),
        program: PathBuf::from(&c.program),
        args: c.args.clone(),
        env: c.env.clone(),
        cwd: PathBuf::from(&c.cwd),
        log: PathBuf::from(&c.log),
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
        theirs.restarts = mine.restarts;
        theirs.restart_seen = mine.restart_seen;
        theirs.started = mine.started;
        theirs.observed_generation = node.meta.generation;
        if let Some((kind, reason, message)) = event {
            tx.event(Event::new(kind, Kind::Node, &node.meta.name, reason, message))?;
        }
        tx.update(current)
    })?)
}

fn marker_of(ctx: &NodeContext, name: &str) -> Option<String> {
    (!ctx.marker.is_empty()).then(|| crate::provision::node_marker(std::path::Path::new(&ctx.marker), name))
}

fn start(ctx: &NodeContext, mut node: Node) -> Result<Action, NodeError> {
    let process = LocalProcess::spawn(&process_spec(&node))?;
    node.status.phase = NodePhase::Starting;
    node.status.pid = Some(process.id.pid);
    node.status.start_ticks = Some(process.id.start_ticks);
    node.status.started = true;
    node.status.message.clear();
    let name = node.meta.name.clone();
    let restarts = node.status.restarts;
    let reason = if restarts == 0 { "Started" } else { "Restarted" };
    let message = format!("pid {}", process.id.pid);
    ctx.processes().insert(
        name,
        Running {
            process,
            started: Instant::now(),
        },
    );
    save(ctx, node, Some((EventKind::Normal, reason, message)))?;
    Ok(Action::requeue(POLL))
}

/// Stops a node's process off the async executor (the grace period and the kill wait block).
async fn stop_process(mut process: LocalProcess, grace: Duration, name: &str) -> Result<(), NodeError> {
    tokio::task::spawn_blocking(move || process.stop(grace))
        .await
        .map(drop)
        .map_err(|e| NodeError::Store(StoreError::Invalid(format!("stopping {name}: {e}"))))
}

/// Makes the node's process match its spec.
pub async fn reconcile_node(name: String, ctx: Arc<NodeContext>) -> Result<Action, NodeError> {
    let Some(mut node) = ctx.store.get::<Node>(&name)? else {
        // Deleted: nothing of it may keep running.
        let running = ctx.processes().remove(&name);
        if let Some(running) = running {
            stop_process(running.process, ctx.stop_grace, &name).await?;
        }
        return Ok(Action::await_change());
    };

    if !node.spec.running || node.spec.hold.is_some() || node.meta.deleting {
        // Ours, or one a previous daemon left running (recorded, or found by its marker).
        let process = ctx
            .processes()
            .remove(&name)
            .map(|r| r.process)
            .or_else(|| find_unrecorded(&ctx, &node));
        if let Some(process) = process {
            stop_process(process, ctx.stop_grace, &name).await?;
        }
        if node.status.phase != NodePhase::Stopped {
            node.status.phase = NodePhase::Stopped;
            node.status.pid = None;
            node.status.start_ticks = None;
            save(&ctx, node, Some((EventKind::Normal, "Stopped", String::new())))?;
        }
        return Ok(Action::await_change());
    }

    if node.spec.restart != node.status.restart_seen {
        // `dvb nodes restart`: once per request, whatever state the node is in.
        let running = ctx.processes().remove(&name);
        if let Some(running) = running {
            stop_process(running.process, ctx.stop_grace, &name).await?;
        } else if let Some(process) = find_unrecorded(&ctx, &node) {
            stop_process(process, ctx.stop_grace, &name).await?;
        }
        node.status.restart_seen = node.spec.restart;
        node.status.restarts = 0;
        node.status.pid = None;
        node.status.start_ticks = None;
        return start(&ctx, node);
    }

    if node.status.phase == NodePhase::Failed && node.status.observed_generation == node.meta.generation {
        // Given up on; a change of the spec (e.g. `dvb nodes restart`) tries again.
        return Ok(Action::await_change());
    }

    let exited = {
        let mut processes = ctx.processes();
        match processes.get_mut(&name) {
            Some(running) => running.process.exited().map(|exit| (exit, running.started.elapsed())),
            None => None,
        }
    };
    if let Some((exit, ran)) = exited {
        ctx.processes().remove(&name);
        let tail = log_tail(std::path::Path::new(&node.spec.command.log), 4096);
        return match ctx.policy.decide(exit, ran, node.status.restarts, &tail) {
            Restart::After { delay, attempt } => {
                node.status.phase = NodePhase::Crashed;
                node.status.restarts = attempt;
                node.status.pid = None;
                node.status.message = format!("exited ({exit:?}); restart {attempt} in {delay:?}");
                let message = node.status.message.clone();
                save(&ctx, node, Some((EventKind::Warning, "Crashed", message)))?;
                Ok(Action::requeue(delay))
            }
            Restart::GiveUp { reason } => {
                node.status.phase = NodePhase::Failed;
                node.status.pid = None;
                node.status.message = reason.clone();
                save(&ctx, node, Some((EventKind::Warning, "Failed", reason)))?;
                Ok(Action::await_change())
            }
        };
    }

    let tracked = ctx.processes().contains_key(&name);
    if tracked {
        let (max, keep) = ctx.log_limits;
        // A failed rotation only means a longer log; the node is not disturbed for it.
        let _ = rotate_log(std::path::Path::new(&node.spec.command.log), max, keep);
        if node.status.phase == NodePhase::Starting {
            node.status.phase = NodePhase::Running;
            save(&ctx, node, None)?;
        }
        return Ok(Action::requeue(POLL));
    }

    // Not ours yet: a process a previous daemon started and recorded, or one it started and
    // died before recording (found by its marker), or none.
    let found = find_unrecorded(&ctx, &node);
    if let Some(process) = found {
        let message = format!("pid {}", process.id.pid);
        node.status.pid = Some(process.id.pid);
        node.status.start_ticks = Some(process.id.start_ticks);
        node.status.started = true;
        if matches!(
            node.status.phase,
            NodePhase::Pending | NodePhase::Crashed | NodePhase::Stopped
        ) {
            node.status.phase = NodePhase::Starting;
        }
        ctx.processes().insert(
            name.clone(),
            Running {
                process,
                started: Instant::now(),
            },
        );
        save(&ctx, node, Some((EventKind::Normal, "Adopted", message)))?;
        return Ok(Action::requeue(POLL));
    }
    if !node.status.started
        && let Some(wait) = gate_unmet(&ctx, &node)?
    {
        // Never started (a `dvb stop` before then included): it waits for the node its plugin
        // named (one write, then polls).
        if node.status.message != wait {
            node.status.message = wait.clone();
            save(&ctx, node, Some((EventKind::Normal, "Waiting", wait)))?;
        }
        return Ok(Action::requeue(GATE_POLL));
    }
    start(&ctx, node)
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

/// The node's process that this daemon does not track: the one recorded in its status, else one
/// carrying its marker. Of several marked ones (which cannot all be right) the first is kept and
/// the rest stopped.
fn find_unrecorded(ctx: &NodeContext, node: &Node) -> Option<LocalProcess> {
    let name = node.meta.name.as_str();
    recorded(node).and_then(|id| LocalProcess::adopt(name, id)).or_else(|| {
        let marker = marker_of(ctx, name)?;
        let mut leaders = marked_leaders(crate::provision::NODE_NAME_MARKER, &marker).into_iter();
        let first = leaders.next()?;
        for extra in leaders {
            if let Some(mut p) = LocalProcess::adopt(name, extra) {
                // A duplicate: stopped off the executor, not waited for.
                let grace = ctx.stop_grace;
                tokio::task::spawn_blocking(move || p.stop(grace));
            }
        }
        LocalProcess::adopt(name, first)
    })
}

fn recorded(node: &Node) -> Option<ProcessId> {
    node.status
        .pid
        .zip(node.status.start_ticks)
        .map(|(pid, start_ticks)| ProcessId { pid, start_ticks })
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
