//! The seven controllers of one home running together: a work queue each, fed by the store's
//! change stream through what each controller says wakes it (its `wakes`), and by its `relist`
//! at startup and again whenever the stream lagged and changes were missed.

use std::sync::Arc;
use std::time::Duration;

use devnet_controller::{Controller, WorkQueue};
use devnet_store::{Change, Store};
use tokio::task::JoinHandle;

use crate::context::DaemonContext;

/// One controller's queue and its triggers.
struct Wired {
    queue: WorkQueue<String>,
    /// The keys to reconcile when nothing is known of what changed (startup, a lagged stream).
    relist: fn(&Store) -> Vec<String>,
    /// The keys a change wakes.
    wakes: fn(&Store, &Change) -> Vec<String>,
}

impl Wired {
    fn new(relist: fn(&Store) -> Vec<String>, wakes: fn(&Store, &Change) -> Vec<String>) -> Self {
        Self {
            queue: WorkQueue::new(),
            relist,
            wakes,
        }
    }

    fn relist(&self, store: &Store) {
        for key in (self.relist)(store) {
            self.queue.add(key);
        }
    }
}

/// The running controllers; [`Running::shutdown`] stops them.
pub(crate) struct Running {
    wired: Arc<Vec<Wired>>,
    tasks: Vec<JoinHandle<()>>,
    router: JoinHandle<()>,
}

impl Running {
    /// Starts every controller; every object each one relists is reconciled once at the start
    /// (which adopts running nodes).
    pub(crate) fn start(ctx: &Arc<DaemonContext>) -> Self {
        use super::{devnet, export, health, node, stack, tx, upgrade};
        let (d, n, h) = (
            Wired::new(devnet::relist, devnet::wakes),
            Wired::new(node::relist, node::wakes),
            Wired::new(health::relist, health::wakes),
        );
        let (t, u, e) = (
            Wired::new(tx::relist, tx::wakes),
            Wired::new(upgrade::relist, upgrade::wakes),
            Wired::new(export::relist, export::wakes),
        );
        let st = Wired::new(stack::relist, stack::wakes);
        let tasks = vec![
            tokio::spawn(
                Controller::new(d.queue.clone(), ctx.clone())
                    .concurrency(4)
                    .span(|key: &String| devnet_span(key))
                    .observe(reconciled(ctx, "devnet"))
                    .run(devnet::reconcile_devnet, devnet::devnet_error_policy),
            ),
            tokio::spawn(
                Controller::new(n.queue.clone(), ctx.nodes.clone())
                    .concurrency(8)
                    .span(|key: &String| node_span(key))
                    .observe(reconciled(ctx, "node"))
                    .run(node::reconcile_node, node::node_error_policy),
            ),
            tokio::spawn(
                Controller::new(h.queue.clone(), ctx.clone())
                    .concurrency(4)
                    .span(|key: &String| health_span(key))
                    .observe(reconciled(ctx, "health"))
                    .run(health::reconcile_health, health::health_error_policy),
            ),
            tokio::spawn(
                Controller::new(t.queue.clone(), ctx.clone())
                    .concurrency(8)
                    .span(|key: &String| tx_span(key))
                    .observe(reconciled(ctx, "tx"))
                    .run(tx::reconcile_tx, tx::tx_error_policy),
            ),
            tokio::spawn(
                Controller::new(u.queue.clone(), ctx.clone())
                    .concurrency(4)
                    .span(|key: &String| upgrade_span(key))
                    .observe(reconciled(ctx, "upgrade"))
                    .run(upgrade::reconcile_upgrade, upgrade::upgrade_error_policy),
            ),
            tokio::spawn(
                Controller::new(e.queue.clone(), ctx.clone())
                    .concurrency(2)
                    .span(|key: &String| export_span(key))
                    .observe(reconciled(ctx, "export"))
                    .run(export::reconcile_export, export::export_error_policy),
            ),
            tokio::spawn(
                Controller::new(st.queue.clone(), ctx.clone())
                    .concurrency(2)
                    .span(|key: &String| tracing::info_span!("stack", stack = %key))
                    .observe(reconciled(ctx, "stack"))
                    .run(stack::reconcile_stack, stack::stack_error_policy),
            ),
        ];
        for (controller, w) in [
            ("devnet", &d),
            ("node", &n),
            ("health", &h),
            ("tx", &t),
            ("upgrade", &u),
            ("export", &e),
            ("stack", &st),
        ] {
            ctx.metrics.watch_queue(controller, w.queue.clone());
        }
        let wired = Arc::new(vec![d, n, h, t, u, e, st]);
        // Subscribe before listing, so no change falls between the two.
        let mut changes = ctx.store.subscribe();
        for w in wired.iter() {
            w.relist(&ctx.store);
        }
        let (store, routed) = (ctx.store.clone(), wired.clone());
        let router = tokio::spawn(async move {
            loop {
                match changes.recv().await {
                    Ok(change) => {
                        for w in routed.iter() {
                            for key in (w.wakes)(&store, &change) {
                                w.queue.add(key);
                            }
                        }
                    }
                    // Missed some: what startup does.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        for w in routed.iter() {
                            w.relist(&store);
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                }
            }
        });
        Self { wired, tasks, router }
    }

    /// Stops handing out keys and waits (up to a minute each) for the reconciles in flight: a
    /// node start in flight is recorded, not lost.
    pub(crate) async fn shutdown(self) {
        for w in self.wired.iter() {
            w.queue.close();
        }
        self.router.abort();
        for task in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(60), task).await;
        }
    }
}

/// Counts `controller`'s reconciles in the daemon's metrics.
fn reconciled(
    ctx: &Arc<DaemonContext>,
    controller: &'static str,
) -> impl Fn(Duration, devnet_controller::Outcome) + Send + Sync + 'static {
    let metrics = ctx.metrics.clone();
    move |took, outcome| metrics.reconciled(controller, took, outcome)
}

/// The names of every `R` in the store.
pub(crate) fn names<R: devnet_core::Resource>(store: &Store) -> Vec<String> {
    match store.list::<R>("") {
        Ok(all) => all.into_iter().map(|r| r.meta().name.clone()).collect(),
        Err(e) => {
            tracing::error!("listing every {}: {e}", R::KIND);
            Vec::new()
        }
    }
}

/// The devnet a node's name (`<devnet>/<node>`) belongs to.
pub(crate) fn devnet_of(node: &str) -> String {
    node.split('/').next().unwrap_or_default().to_string()
}

/// `hub/validator-0` as (`hub`, `validator-0`); a devnet's own key as (`hub`, ``).
fn split(key: &str) -> (&str, &str) {
    key.split_once('/').unwrap_or((key, ""))
}

// The span each controller's reconciles run in: every line they log names the devnet, and the
// node (or transaction, upgrade, export) it concerns. At error level, so that no filter that
// lets a line through drops its span.
fn devnet_span(key: &str) -> tracing::Span {
    tracing::error_span!("devnet", devnet = %key)
}

fn health_span(key: &str) -> tracing::Span {
    tracing::error_span!("health", devnet = %key)
}

fn node_span(key: &str) -> tracing::Span {
    let (devnet, node) = split(key);
    tracing::error_span!("node", devnet = %devnet, node = %node)
}

fn tx_span(key: &str) -> tracing::Span {
    let (devnet, tx) = split(key);
    tracing::error_span!("tx", devnet = %devnet, tx = %tx)
}

fn upgrade_span(key: &str) -> tracing::Span {
    let (devnet, upgrade) = split(key);
    tracing::error_span!("upgrade", devnet = %devnet, upgrade = %upgrade)
}

fn export_span(key: &str) -> tracing::Span {
    let (devnet, export) = split(key);
    tracing::error_span!("export", devnet = %devnet, export = %export)
}
