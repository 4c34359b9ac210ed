//! What every controller of one daemon shares.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use devnet_core::{Devnet, Node};
use devnet_store::Store;

use crate::config::Source;
use crate::controllers::node::NodeContext;
use crate::plugins::{GrantFor, PluginDirs, Plugins, SharedInstance};
use crate::tx::builders::TxBuilders;
use crate::tx::sequences::SequenceBook;
use crate::{Config, DaemonError, Home};

pub struct DaemonContext {
    pub home: Home,
    pub config: Config,
    pub sources: Vec<Source>,
    pub store: Arc<Store>,
    pub plugins: Plugins,
    /// The chain-binary cache (`cargo xtask chains`).
    pub chains_dir: PathBuf,
    pub nodes: Arc<NodeContext>,
    /// The next sequence of each account the Tx controller signs for.
    pub sequences: SequenceBook,
    /// Each devnet's tx builder, for its detected chain version.
    pub tx_builders: tokio::sync::Mutex<TxBuilders>,
    /// The next `tx-<n>` number of each devnet, counted from its stored txs on first use.
    tx_numbers: Mutex<std::collections::HashMap<String, u64>>,
    /// Ports picked for a devnet being provisioned, held until its nodes are stored.
    reserved: Mutex<HashSet<u16>>,
    /// When this context was made (the daemon started), for limits that must not count the
    /// time a daemon was down.
    pub started_unix_ms: u64,
    /// What `/metrics` shows (`metrics_listen`).
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl DaemonContext {
    pub fn new(home: Home, config: Config, sources: Vec<Source>, store: Arc<Store>) -> Result<Self, DaemonError> {
        let plugins = Plugins::new(
            PluginDirs {
                aot: home.aot_dir(),
                installed: home.plugins_dir(),
                trusted_keys: home.trusted_keys_dir(),
                dev: config.plugin_path.clone(),
                builtin: bundled_plugins_dir().into_iter().collect(),
            },
            store.clone(),
        )?;
        let mut nodes = NodeContext::new(store.clone(), config.restart_policy());
        nodes.stop_grace = config.stop_grace();
        nodes.runtimes = crate::runtimes::Runtimes::new(
            &home.root().display().to_string(),
            &config.docker_host(),
            config.stop_grace(),
        )
        .with_hosts(config.docker.hosts.iter().map(|h| h.runtime_host(home.root())));
        nodes.log_limits = (config.log_max_bytes, config.log_keep);
        let metrics = Arc::new(crate::metrics::Metrics::default());
        let m = metrics.clone();
        store.observe_writes(move |took| m.store_written(took));
        let m = metrics.clone();
        plugins.observe_calls(move |plugin, export, took| m.plugin_called(plugin, export, took));
        Ok(Self {
            home,
            config,
            sources,
            store,
            plugins,
            chains_dir: devnet_binaries::cache_dir(),
            nodes: Arc::new(nodes),
            sequences: SequenceBook::default(),
            tx_builders: tokio::sync::Mutex::default(),
            tx_numbers: Mutex::default(),
            reserved: Mutex::default(),
            started_unix_ms: devnet_core::now_ms(),
            metrics,
        })
    }

    /// `count` ports no node of this daemon holds and nothing listens on; they stay reserved
    /// until [`Self::release_ports`].
    pub fn reserve_ports(&self, count: usize) -> Result<Vec<u16>, DaemonError> {
        let mut reserved = self.reserved.lock().unwrap_or_else(PoisonError::into_inner);
        let mut taken: HashSet<u16> = reserved.clone();
        for node in self.store.list::<Node>("")? {
            taken.extend(node.spec.ports.iter().map(|p| p.port));
        }
        let seed = crate::ports::seed_of(self.home.root());
        let ports = crate::ports::pick_ports(self.config.port_range, count, &taken, seed)?;
        reserved.extend(ports.iter().copied());
        Ok(ports)
    }

    /// A number for the devnet's next transaction name, `<devnet>/tx-<n>`: one more than any
    /// handed out, starting past the transactions stored. The store lists them once per devnet,
    /// not at every submit.
    pub fn next_tx_number(&self, devnet: &str) -> Result<u64, devnet_store::StoreError> {
        let mut numbers = self.tx_numbers.lock().unwrap_or_else(PoisonError::into_inner);
        if !numbers.contains_key(devnet) {
            let highest = self
                .store
                .list::<devnet_core::Transaction>(&format!("{devnet}/"))?
                .iter()
                .filter_map(|t| t.meta.name.rsplit_once("/tx-").and_then(|(_, n)| n.parse::<u64>().ok()))
                .max()
                .unwrap_or(0);
            numbers.insert(devnet.to_string(), highest);
        }
        let n = numbers.entry(devnet.to_string()).or_insert(0);
        *n += 1;
        Ok(*n)
    }

    /// The devnet's plugin instance, granted its directory, binary and the ports of `nodes`.
    pub async fn instance_for(&self, devnet: &Devnet, nodes: &[Node]) -> Result<SharedInstance, DaemonError> {
        let binary = nodes
            .first()
            .map(|n| PathBuf::from(&n.spec.command.program))
            .ok_or_else(|| DaemonError::FailedPrecondition(format!("devnet {} has no nodes yet", devnet.meta.name)))?;
        let instance = self
            .plugins
            .instance(
                &devnet.spec.network,
                GrantFor {
                    devnet: devnet.meta.name.clone(),
                    dir: self.home.chain_dir(&devnet.meta.name),
                    binary,
                    ports: nodes.iter().flat_map(|n| n.spec.ports.iter().map(|p| p.port)).collect(),
                    addresses: crate::provision::addresses_of(nodes),
                },
            )
            .await?;
        // A plugin replaced by one of an older API (`dvb plugin upgrade`) would write loopback
        // into the start commands of nodes on a network of their own.
        if nodes
            .iter()
            .any(|n| n.spec.network.is_some() || n.spec.docker_host.is_some())
        {
            let plugin = instance.lock().await;
            if !plugin.api_version().has_placement() {
                return Err(DaemonError::FailedPrecondition(crate::provision::placement_needed(
                    plugin.plugin_id(),
                    plugin.api_version(),
                )));
            }
        }
        Ok(instance)
    }

    /// Forgets everything held in memory for a devnet: its plugin instance, its tx builder, the
    /// sequences handed out for its accounts and its tx numbers. On destroy, and before a devnet
    /// is provisioned (again): a devnet made anew under the same name starts from nothing.
    pub async fn forget_devnet(&self, devnet: &str) {
        self.plugins.forget(devnet);
        self.tx_builders.lock().await.forget(devnet);
        self.sequences.forget_devnet(devnet);
        self.tx_numbers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(devnet);
    }

    pub fn release_ports(&self, ports: &[u16]) {
        let mut reserved = self.reserved.lock().unwrap_or_else(PoisonError::into_inner);
        for p in ports {
            reserved.remove(p);
        }
    }
}

/// The plugins built with this binary: `<dir of the executable>/../plugins`, which is
/// `target/plugins` for a `target/<profile>/devnetd` (`cargo xtask plugins` puts the built-in
/// cosmos, evm and tempo components there).
fn bundled_plugins_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?.parent()?.join("plugins");
    dir.is_dir().then_some(dir)
}
