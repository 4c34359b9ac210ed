//! The Node controller: spec.running against the node's process.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use devnet_controller::{Action, ReconcileError};
use devnet_core::{Event, EventKind, Kind, Node, NodePhase};
use devnet_runtime::{LocalProcess, ProcessId, ProcessSpec, Restart, RestartPolicy, log_tail};
use devnet_store::{Store, StoreError};

/// How often a running node's process is looked at.
pub const POLL: Duration = Duration::from_millis(500);

struct Running {
    process: LocalProcess,
    started: Instant,
}

/// What the Node controller works with.
pub struct NodeContext {
    pub store: Arc<Store>,
    pub policy: RestartPolicy,
    pub stop_grace: Duration,
    processes: Mutex<HashMap<String, Running>>,
}

impl NodeContext {
    pub fn new(store: Arc<Store>, policy: RestartPolicy) -> Self {
        Self {
            store,
            policy,
            stop_grace: Duration::from_secs(10),
            processes: Mutex::default(),
        }
    }

    fn processes(&self) -> std::sync::MutexGuard<'_, HashMap<String, Running>> {
        // Every update is one insert or remove: a poisoned map is still consistent.
        self.processes.lock().unwrap_or_else(PoisonError::into_inner)
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

/// Writes `node`'s new status (and an event) in one transaction. A conflict means someone
/// changed the node meanwhile: the next reconcile sees it.
fn save(ctx: &NodeContext, mut node: Node, event: Option<(EventKind, &str, String)>) -> Result<Node, NodeError> {
    node.status.observed_generation = node.meta.generation;
    Ok(ctx.store.write(|tx| {
        if let Some((kind, reason, message)) = event {
            tx.event(Event::new(kind, Kind::Node, &node.meta.name, reason, message))?;
        }
        tx.update(node)
    })?)
}

fn start(ctx: &NodeContext, mut node: Node) -> Result<Action, NodeError> {
    let process = LocalProcess::spawn(&process_spec(&node))?;
    node.status.phase = NodePhase::Starting;
    node.status.pid = Some(process.id.pid);
    node.status.start_ticks = Some(process.id.start_ticks);
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

/// Makes the node's process match its spec.
pub async fn reconcile_node(name: String, ctx: Arc<NodeContext>) -> Result<Action, NodeError> {
    let Some(mut node) = ctx.store.get::<Node>(&name)? else {
        // Deleted: nothing of it may keep running.
        if let Some(mut running) = ctx.processes().remove(&name) {
            running.process.stop(ctx.stop_grace);
        }
        return Ok(Action::await_change());
    };

    if !node.spec.running || node.meta.deleting {
        let running = ctx.processes().remove(&name);
        if let Some(mut running) = running {
            let grace = ctx.stop_grace;
            tokio::task::spawn_blocking(move || running.process.stop(grace))
                .await
                .map_err(|e| NodeError::Store(StoreError::Invalid(format!("stopping {name}: {e}"))))?;
        }
        if node.status.phase != NodePhase::Stopped {
            node.status.phase = NodePhase::Stopped;
            node.status.pid = None;
            node.status.start_ticks = None;
            save(&ctx, node, Some((EventKind::Normal, "Stopped", String::new())))?;
        }
        return Ok(Action::await_change());
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
        if node.status.phase == NodePhase::Starting {
            node.status.phase = NodePhase::Running;
            save(&ctx, node, None)?;
        }
        return Ok(Action::requeue(POLL));
    }

    // Not ours yet: a process a previous daemon started and recorded, or none.
    let recorded = node
        .status
        .pid
        .zip(node.status.start_ticks)
        .map(|(pid, start_ticks)| ProcessId { pid, start_ticks });
    if let Some(process) = recorded.and_then(|id| LocalProcess::adopt(&name, id)) {
        ctx.processes().insert(
            name.clone(),
            Running {
                process,
                started: Instant::now(),
            },
        );
        let message = format!("pid {}", recorded.map(|r| r.pid).unwrap_or_default());
        save(&ctx, node, Some((EventKind::Normal, "Adopted", message)))?;
        return Ok(Action::requeue(POLL));
    }
    start(&ctx, node)
}

/// Retries a failed reconcile with the key's backoff.
pub fn node_error_policy(_name: &String, e: ReconcileError<'_, NodeError>, _ctx: &NodeContext) -> Action {
    Action::requeue(e.backoff)
}
