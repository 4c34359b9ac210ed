//! The daemon's Prometheus metrics (`metrics_listen` in devnetd.toml; served by
//! [`crate::metrics_serve`]). Counters and histograms are counted as things happen (reconciles,
//! plugin calls, transactions, store writes); what a node is (height, peers, phase, restarts,
//! last block age) and how deep each controller's queue is are read at each scrape, from the
//! store and the queues, so a scrape never shows a node the store no longer has.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use devnet_controller::{Outcome, WorkQueue};
use devnet_core::{Node, NodePhase, now_ms};
use devnet_store::Store;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ControllerLabel {
    controller: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabel {
    plugin: String,
    export: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DevnetLabel {
    devnet: String,
}

/// 1 ms to about 65 s, doubling.
fn seconds() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 17))
}

type Seconds<L> = Family<L, Histogram, fn() -> Histogram>;

/// Every metric of one daemon.
pub struct Metrics {
    reconciles: Family<ControllerLabel, Counter>,
    reconcile_errors: Family<ControllerLabel, Counter>,
    reconcile_seconds: Seconds<ControllerLabel>,
    plugin_calls: Family<CallLabel, Counter>,
    plugin_call_seconds: Seconds<CallLabel>,
    tx_submitted: Family<DevnetLabel, Counter>,
    tx_confirmed: Family<DevnetLabel, Counter>,
    tx_failed: Family<DevnetLabel, Counter>,
    tx_confirmation_seconds: Seconds<DevnetLabel>,
    store_write_seconds: Histogram,
    queues: Mutex<Vec<(&'static str, WorkQueue<String>)>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            reconciles: Family::default(),
            reconcile_errors: Family::default(),
            reconcile_seconds: Family::new_with_constructor(seconds),
            plugin_calls: Family::default(),
            plugin_call_seconds: Family::new_with_constructor(seconds),
            tx_submitted: Family::default(),
            tx_confirmed: Family::default(),
            tx_failed: Family::default(),
            tx_confirmation_seconds: Family::new_with_constructor(seconds),
            store_write_seconds: seconds(),
            queues: Mutex::default(),
        }
    }
}

impl Metrics {
    /// Counts one reconcile of `controller`.
    pub fn reconciled(&self, controller: &str, took: Duration, outcome: Outcome) {
        let label = ControllerLabel {
            controller: controller.to_string(),
        };
        self.reconciles.get_or_create(&label).inc();
        if outcome != Outcome::Ok {
            self.reconcile_errors.get_or_create(&label).inc();
        }
        self.reconcile_seconds.get_or_create(&label).observe(took.as_secs_f64());
    }

    /// Shows `queue`'s depth as `controller`'s.
    pub fn watch_queue(&self, controller: &'static str, queue: WorkQueue<String>) {
        let mut queues = self.queues.lock().unwrap_or_else(PoisonError::into_inner);
        queues.retain(|(c, _)| *c != controller);
        queues.push((controller, queue));
    }

    /// Counts one call of `plugin`'s `export`.
    pub fn plugin_called(&self, plugin: &str, export: &str, took: Duration) {
        let label = CallLabel {
            plugin: plugin.to_string(),
            export: export.to_string(),
        };
        self.plugin_calls.get_or_create(&label).inc();
        self.plugin_call_seconds
            .get_or_create(&label)
            .observe(took.as_secs_f64());
    }

    /// Counts a transaction recorded for `devnet`.
    pub fn tx_submitted(&self, devnet: &str) {
        self.tx_submitted.get_or_create(&devnet_label(devnet)).inc();
    }

    /// Counts a transaction of `devnet` that ended: confirmed (with the time from its record to
    /// its confirmation), or failed.
    pub fn tx_ended(&self, devnet: &str, confirmed: bool, since_recorded: Duration) {
        let label = devnet_label(devnet);
        if confirmed {
            self.tx_confirmed.get_or_create(&label).inc();
            self.tx_confirmation_seconds
                .get_or_create(&label)
                .observe(since_recorded.as_secs_f64());
        } else {
            self.tx_failed.get_or_create(&label).inc();
        }
    }

    /// Times one store write.
    pub fn store_written(&self, took: Duration) {
        self.store_write_seconds.observe(took.as_secs_f64());
    }

    /// A registry of every metric, with the nodes read from `store` at each scrape.
    pub fn registry(self: &Arc<Self>, store: Arc<Store>) -> Registry {
        let mut r = Registry::with_prefix("devnet");
        r.register(
            "controller_reconciles",
            "Reconciles run, by controller",
            self.reconciles.clone(),
        );
        r.register(
            "controller_reconcile_errors",
            "Reconciles that returned an error or panicked, by controller",
            self.reconcile_errors.clone(),
        );
        r.register(
            "controller_reconcile_duration_seconds",
            "How long each reconcile took, by controller",
            self.reconcile_seconds.clone(),
        );
        r.register("plugin_calls", "Calls of each plugin export", self.plugin_calls.clone());
        r.register(
            "plugin_call_duration_seconds",
            "How long each plugin export call took",
            self.plugin_call_seconds.clone(),
        );
        r.register(
            "tx_submitted",
            "Transactions recorded for sending, by devnet",
            self.tx_submitted.clone(),
        );
        r.register(
            "tx_confirmed",
            "Transactions confirmed in a block, by devnet",
            self.tx_confirmed.clone(),
        );
        r.register(
            "tx_failed",
            "Transactions that ended Failed, by devnet",
            self.tx_failed.clone(),
        );
        r.register(
            "tx_confirmation_duration_seconds",
            "From a transaction's record to its confirmation, by devnet",
            self.tx_confirmation_seconds.clone(),
        );
        r.register(
            "store_write_duration_seconds",
            "How long each store write took, to its commit",
            self.store_write_seconds.clone(),
        );
        r.register_collector(Box::new(Scraped {
            metrics: self.clone(),
            store,
        }));
        r
    }
}

fn devnet_label(devnet: &str) -> DevnetLabel {
    DevnetLabel {
        devnet: devnet.to_string(),
    }
}

/// What is read at each scrape: the nodes (from the store) and the queues.
struct Scraped {
    metrics: Arc<Metrics>,
    store: Arc<Store>,
}

impl std::fmt::Debug for Scraped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Scraped")
    }
}

const PHASES: [NodePhase; 8] = [
    NodePhase::Pending,
    NodePhase::Starting,
    NodePhase::Running,
    NodePhase::CatchingUp,
    NodePhase::Crashed,
    NodePhase::Stopped,
    NodePhase::Failed,
    NodePhase::Unknown,
];

/// One gauge family: its name, help, and a value per label set.
fn gauges(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    values: &[(Vec<(&'static str, String)>, i64)],
) -> Result<(), std::fmt::Error> {
    let mut family = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
    for (labels, value) in values {
        ConstGauge::new(*value).encode(family.encode_family(labels)?)?;
    }
    Ok(())
}

impl Collector for Scraped {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        // A store that cannot be read shows no nodes (the scrape still answers).
        let nodes = self.store.list::<Node>("").unwrap_or_default();
        let now = now_ms();
        let of = |n: &Node| vec![("devnet", n.spec.devnet.clone()), ("node", n.meta.name.clone())];
        let each = |value: &dyn Fn(&Node) -> i64| -> Vec<(Vec<(&'static str, String)>, i64)> {
            nodes.iter().map(|n| (of(n), value(n))).collect()
        };
        let clamp = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        gauges(
            &mut encoder,
            "node_height",
            "The node's block height, as its plugin last read it",
            &each(&|n| clamp(n.status.height)),
        )?;
        gauges(
            &mut encoder,
            "node_peers",
            "The node's peers, as its plugin last read them",
            &each(&|n| i64::from(n.status.peers)),
        )?;
        gauges(
            &mut encoder,
            "node_restarts",
            "Restarts of the node after it exited (counted since its last start that lasted)",
            &each(&|n| i64::from(n.status.restarts)),
        )?;
        // Seconds since the height last went up; none yet for a node that never made a block.
        let ages: Vec<_> = nodes
            .iter()
            .filter(|n| n.status.height_changed_unix_ms > 0)
            .map(|n| (of(n), clamp(now.saturating_sub(n.status.height_changed_unix_ms) / 1000)))
            .collect();
        gauges(
            &mut encoder,
            "node_last_block_age_seconds",
            "Seconds since the node's height last went up",
            &ages,
        )?;
        let phases: Vec<_> = nodes
            .iter()
            .flat_map(|n| {
                PHASES.iter().map(move |p| {
                    let mut labels = of(n);
                    labels.push(("phase", format!("{p:?}")));
                    (labels, i64::from(n.status.phase == *p))
                })
            })
            .collect();
        gauges(
            &mut encoder,
            "node_phase",
            "1 for the node's phase, 0 for the others",
            &phases,
        )?;
        let depths: Vec<_> = self
            .metrics
            .queues
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(c, q)| {
                (
                    vec![("controller", (*c).to_string())],
                    i64::try_from(q.len()).unwrap_or(i64::MAX),
                )
            })
            .collect();
        gauges(
            &mut encoder,
            "controller_queue_depth",
            "Keys waiting in the controller's work queue",
            &depths,
        )?;
        Ok(())
    }
}
