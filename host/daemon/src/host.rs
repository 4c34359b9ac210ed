//! The host library: the store, the plugins and the seven controllers of one home, and the
//! operations on devnets that devnetd's API serves and that dvb runs in-process when no daemon
//! is running.

use std::sync::Arc;

use devnet_core::{
    Devnet, DevnetSpec, Event, EventKind, Export, ExportSpec, Kind, Meta, Node, PluginInstalled, PluginSummary,
    ProposalInfo, Transaction, TxKindInfo, TxSpec, Upgrade, UpgradeSpec, validate_name,
};
use devnet_store::Store;

use crate::config::Source;
use crate::context::DaemonContext;
use crate::controllers::devnet::refresh_status;
use crate::controllers::export::record_export;
use crate::controllers::health::probe_devnet;
use crate::{Config, DaemonError, Home};

/// At most this many nodes per devnet: a typo of `--validators 400` should not fill the machine.
pub const MAX_NODES: u32 = 64;

pub struct Host {
    pub(crate) ctx: Arc<DaemonContext>,
    /// Stacks whose apply or delete runs now: one at a time per stack.
    applying: std::sync::Mutex<std::collections::HashSet<String>>,
    running: std::sync::Mutex<Option<crate::controllers::wiring::Running>>,
    /// The server of a standalone dvb ([`Host::connect_in_process`]).
    pub(crate) in_process: std::sync::Mutex<Option<crate::serve::InProcess>>,
    /// The remote listener's address and its certificate's fingerprint, once it serves.
    pub(crate) remote: std::sync::Mutex<Option<(String, String)>>,
}

impl Host {
    /// Opens the home's store and plugins without running any controller: enough to read, or
    /// to probe nodes once.
    pub fn open(home: Home, config: Config, sources: Vec<Source>) -> Result<Self, DaemonError> {
        std::fs::create_dir_all(home.root()).map_err(DaemonError::io(format!("creating {}", home.root().display())))?;
        private_dir(home.root())?;
        // A store in use is `DaemonError::Store(InUse)`: dvb waits on it for a devnetd that is
        // starting ([`DaemonError::is_home_in_use`]).
        let store = Arc::new(Store::open(&home.store())?);
        let ctx = Arc::new(DaemonContext::new(home, config, sources, store)?);
        Ok(Self {
            ctx,
            applying: std::sync::Mutex::default(),
            running: std::sync::Mutex::new(None),
            in_process: std::sync::Mutex::new(None),
            remote: std::sync::Mutex::new(None),
        })
    }

    /// [`Self::open`], then runs the controllers, fed by the store's changes; every object is
    /// reconciled once at the start (which adopts running nodes).
    pub fn start(home: Home, config: Config, sources: Vec<Source>) -> Result<Self, DaemonError> {
        let host = Self::open(home, config, sources)?;
        let running = crate::controllers::wiring::Running::start(&host.ctx);
        *host.running.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(running);
        Ok(host)
    }

    /// Stops the controllers, letting the reconciles in flight finish; then either leaves the
    /// nodes running for the next daemon to adopt, or stops them (`stop_nodes`: devnetd passes
    /// its `stop_nodes_on_exit`; dvb standalone always leaves them running).
    pub async fn shutdown(&self, stop_nodes: bool) {
        if let Some(server) = take(&self.in_process) {
            server.stop().await;
        }
        if let Some(running) = take(&self.running) {
            running.shutdown().await;
        }
        if stop_nodes {
            let grace = self.ctx.config.stop_grace();
            self.ctx.nodes.stop_all(grace).await;
        } else {
            self.ctx.nodes.detach_all();
        }
    }

    /// Installs (or refreshes) the plugins shipped with devnet-builder; devnetd and a
    /// standalone dvb do it before serving.
    pub async fn install_builtins(&self) {
        self.ctx.plugins.install_builtins().await;
        crate::test_pause::pause_point("starting").await;
    }

    /// Serves `/metrics` on `listener` (bound by [`crate::bind_metrics`] before the host started)
    /// until the process exits.
    pub fn serve_metrics(&self, listener: tokio::net::TcpListener) {
        let registry = self.ctx.metrics.registry(self.ctx.store.clone());
        crate::metrics_serve::serve(listener, registry);
    }

    /// The configuration this host runs with.
    pub fn config(&self) -> &Config {
        &self.ctx.config
    }

    // --- operations ---

    /// Declares a devnet after checking everything that can be checked up front: its name, its
    /// network (a plugin must exist), node counts, and the chain binary for its version. On any
    /// error nothing is stored.
    pub async fn deploy(&self, name: &str, spec: DevnetSpec) -> Result<Devnet, DaemonError> {
        let spec = self.check_deploy(name, spec, false).await?;
        self.create_devnet(name, spec, |_| Ok(()))
    }

    /// What [`Self::deploy`] checks, with the spec the plugin filled in; `replacing`: a devnet of
    /// that name may exist still (it is about to be destroyed and made again).
    pub(crate) async fn check_deploy(
        &self,
        name: &str,
        mut spec: DevnetSpec,
        replacing: bool,
    ) -> Result<DevnetSpec, DaemonError> {
        let bad = DaemonError::InvalidArgument;
        if name.contains('/') {
            return Err(bad(format!("devnet name {name:?}: no '/' (e.g. `hub`)")));
        }
        validate_name(name).map_err(|e| bad(format!("devnet name: {e}")))?;
        if !replacing && self.ctx.store.get::<Devnet>(name)?.is_some() {
            return Err(DaemonError::AlreadyExists(format!(
                "a devnet named {name:?} already exists; pick another --name, or `dvb destroy {name}` first"
            )));
        }
        if spec.validators == 0 {
            return Err(bad(
                "0 validators: a devnet needs at least one; use --validators 1 or more".into(),
            ));
        }
        if spec.validators + spec.full_nodes > MAX_NODES {
            return Err(bad(format!(
                "{} nodes asked for; a devnet has at most {MAX_NODES}",
                spec.validators + spec.full_nodes
            )));
        }
        if spec.network.is_empty() {
            return Err(bad(
                "no network given: use --network cosmos (or evm, tempo, an installed plugin)".into(),
            ));
        }
        let docker = crate::docker_settings::parse(&spec.overrides, spec.runtime).map_err(bad)?;
        // A Docker devnet needs an engine that answers (each of its hosts', when it is spread
        // over hosts): said now, not by nodes that never start.
        let runtimes = &self.ctx.nodes.runtimes;
        if docker.hosts.is_empty() {
            runtimes
                .get(spec.runtime)
                .await
                .map_err(|e| DaemonError::FailedPrecondition(e.to_string()))?;
        }
        for host in &docker.hosts {
            if runtimes.host(host).is_none() {
                let known = runtimes.host_names();
                return Err(bad(format!(
                    "no Docker host named {host}: devnetd.toml lists {}; add it under [[docker.hosts]] (name, url, \
                     cert, key, ca) and restart devnetd",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )));
            }
            let docker = runtimes
                .remote(host)
                .await
                .map_err(|e| DaemonError::FailedPrecondition(e.to_string()))?;
            // Connected once is not answering now.
            let asked = tokio::time::timeout(std::time::Duration::from_secs(5), docker.client().ping()).await;
            if !matches!(asked, Ok(Ok(_))) {
                return Err(DaemonError::FailedPrecondition(format!(
                    "Docker host {host} does not answer now; check that its dockerd runs, or leave it out of --hosts"
                )));
            }
            // Its nodes would bind the ports this daemon forwards from here.
            if let Some(at) = runtimes.host(host)
                && let Ok(ip) = at.address.parse::<std::net::IpAddr>()
                && std::net::TcpListener::bind((ip, 0)).is_ok()
            {
                return Err(bad(format!(
                    "Docker host {host} is at {}, an address of this machine: its nodes would listen on the ports \
                     devnetd forwards from 127.0.0.1 here; run nodes on this machine's engine without --hosts, or \
                     list only other machines",
                    at.address
                )));
            }
        }
        for node in docker.place.keys() {
            let known = (0..spec.validators).any(|i| *node == format!("validator-{i}"))
                || (0..spec.full_nodes).any(|i| *node == format!("full-{i}"));
            if !known {
                return Err(bad(format!(
                    "docker.place names {node}, which this devnet does not have: its nodes are validator-0 to \
                     validator-{} and {}",
                    spec.validators.saturating_sub(1),
                    if spec.full_nodes == 0 {
                        "no full nodes".to_string()
                    } else {
                        format!("full-0 to full-{}", spec.full_nodes - 1)
                    }
                )));
            }
        }
        // Loads the plugin (an unknown network fails here), lets it fill in what the user left
        // open, and finds the binary.
        crate::provision::plan(&self.ctx, name, &mut spec).await?;
        if docker.bridge || !docker.hosts.is_empty() {
            let probe = self.ctx.plugins.probe(&spec.network).await?;
            if !probe.api_version().has_placement() {
                return Err(DaemonError::FailedPrecondition(crate::provision::placement_needed(
                    probe.plugin_id(),
                    probe.api_version(),
                )));
            }
        }
        crate::provision::binary_for(&self.ctx, &spec, &spec.version).await?;
        Ok(spec)
    }

    /// Stores devnet `name` of a checked `spec`, and `also` in the same write.
    pub(crate) fn create_devnet(
        &self,
        name: &str,
        spec: DevnetSpec,
        also: impl FnOnce(&mut devnet_store::WriteTx<'_>) -> Result<(), devnet_store::StoreError>,
    ) -> Result<Devnet, DaemonError> {
        let devnet = Devnet::new(name, spec);
        let stored = self.ctx.store.write(|tx| {
            let d = tx.create(devnet)?;
            also(tx)?;
            tx.event(Event::new(
                EventKind::Normal,
                Kind::Devnet,
                name,
                "Created",
                format!(
                    "{} ({} {}, chain id {}) with {} validators and {} full nodes",
                    d.spec.network,
                    d.spec.binary,
                    if d.spec.version.is_empty() {
                        "newest"
                    } else {
                        &d.spec.version
                    },
                    d.spec.chain_id,
                    d.spec.validators,
                    d.spec.full_nodes
                ),
            ))?;
            Ok(d)
        })?;
        Ok(stored)
    }

    /// The private keys of devnet `name`'s validators and funded accounts, with their
    /// addresses: (name, algorithm, address, private key hex). None before it is provisioned.
    pub fn devnet_keys(&self, name: &str) -> Result<Vec<(String, String, String, String)>, DaemonError> {
        let devnet = self.get(name)?;
        if devnet.status.addresses.is_empty() {
            return Ok(Vec::new());
        }
        let keyring = devnet_keyring::Keyring::open(&self.ctx.home.keyring(name))
            .map_err(|e| DaemonError::Internal(format!("devnet {name}'s keyring: {e}")))?;
        devnet
            .status
            .addresses
            .iter()
            .map(|a| {
                let algorithm = keyring
                    .algorithm(&a.name)
                    .map_err(|e| DaemonError::Internal(format!("key {}: {e}", a.name)))?;
                let secret = keyring
                    .fill_secrets(format!("${{secret:{}:hex}}", a.name).as_bytes())
                    .map_err(|e| DaemonError::Internal(format!("key {}: {e}", a.name)))?;
                Ok((
                    a.name.clone(),
                    algorithm.to_string(),
                    a.address.clone(),
                    String::from_utf8_lossy(&secret).into_owned(),
                ))
            })
            .collect()
    }

    pub fn get(&self, name: &str) -> Result<Devnet, DaemonError> {
        self.ctx
            .store
            .get::<Devnet>(name)?
            .ok_or_else(|| DaemonError::NotFound(format!("no devnet named {name:?}; `dvb list` shows them")))
    }

    pub fn list(&self) -> Result<Vec<Devnet>, DaemonError> {
        Ok(self.ctx.store.list::<Devnet>("")?)
    }

    pub fn nodes(&self, devnet: &str) -> Result<Vec<Node>, DaemonError> {
        self.get(devnet)?;
        let mut nodes = self.ctx.store.list::<Node>(&format!("{devnet}/"))?;
        nodes.sort_by_key(|n| n.spec.index);
        Ok(nodes)
    }

    pub fn node(&self, name: &str) -> Result<Node, DaemonError> {
        self.ctx.store.get::<Node>(name)?.ok_or_else(|| {
            DaemonError::NotFound(format!(
                "no node named {name:?}; names are `devnet/node`, e.g. `hub/validator-0` (`dvb nodes list <devnet>`)"
            ))
        })
    }

    /// `dvb start` / `dvb stop`.
    pub fn set_running(&self, name: &str, running: bool) -> Result<Devnet, DaemonError> {
        self.get(name)?;
        Ok(self.ctx.store.write(|tx| {
            let mut d = tx.require::<Devnet>(name)?;
            if d.meta.deleting {
                return Err(devnet_store::StoreError::Invalid(format!(
                    "devnet {name:?} is being destroyed"
                )));
            }
            if d.spec.running == running {
                return Ok(d);
            }
            d.spec.running = running;
            tx.update(d)
        })?)
    }

    /// `dvb destroy`: marks it; the Devnet controller stops every node, removes the files and
    /// then the records.
    pub fn destroy(&self, name: &str) -> Result<Devnet, DaemonError> {
        self.get(name)?;
        Ok(self.ctx.store.write(|tx| {
            let mut d = tx.require::<Devnet>(name)?;
            if !d.meta.deleting {
                d.meta.deleting = true;
                tx.event(Event::new(EventKind::Normal, Kind::Devnet, name, "Destroying", ""))?;
                d = tx.update(d)?;
            }
            Ok(d)
        })?)
    }

    /// `dvb nodes restart`.
    pub fn restart_node(&self, name: &str) -> Result<Node, DaemonError> {
        self.node(name)?;
        Ok(self.ctx.store.write(|tx| {
            let mut n = tx.require::<Node>(name)?;
            n.spec.restart += 1;
            tx.event(Event::new(EventKind::Normal, Kind::Node, name, "RestartRequested", ""))?;
            tx.update(n)
        })?)
    }

    pub fn events(&self, after: u64, limit: usize, prefix: &str) -> Result<Vec<Event>, DaemonError> {
        self.events_where(after, limit, prefix, |_| true)
    }

    /// [`Self::events`] of those `keep` takes, filtered before the limit.
    pub(crate) fn events_where(
        &self,
        after: u64,
        limit: usize,
        prefix: &str,
        keep: impl Fn(&Event) -> bool,
    ) -> Result<Vec<Event>, DaemonError> {
        let mut out = Vec::new();
        let mut cursor = after;
        // Filtered after reading: page through until `limit` matches or the log ends.
        loop {
            let page = self.ctx.store.events(cursor, 1000)?;
            let Some(last) = page.last().map(|e| e.seq) else { break };
            cursor = last;
            out.extend(page.into_iter().filter(|e| e.object.starts_with(prefix) && keep(e)));
            if out.len() >= limit {
                out.truncate(limit);
                break;
            }
        }
        Ok(out)
    }

    /// Records a transaction for the Tx controller to sign and send, named `<devnet>/tx-<n>`.
    /// The request is checked now (the devnet, the signing key, the request's shape); what only
    /// the chain can say comes later, in the transaction's status.
    pub async fn submit_tx(&self, spec: TxSpec) -> Result<Transaction, DaemonError> {
        crate::controllers::tx::check_chain_interface(&self.ctx, &spec.devnet).await?;
        crate::controllers::tx::record_tx(&self.ctx, spec)
    }

    /// [`Self::submit_tx`] for several: every one checked first, then all recorded, or none.
    pub async fn submit_txs(&self, specs: Vec<TxSpec>) -> Result<Vec<Transaction>, DaemonError> {
        let mut devnets: Vec<&str> = specs.iter().map(|s| s.devnet.as_str()).collect();
        devnets.sort_unstable();
        devnets.dedup();
        for devnet in devnets {
            crate::controllers::tx::check_chain_interface(&self.ctx, devnet).await?;
        }
        crate::controllers::tx::record_txs(&self.ctx, specs)
    }

    /// Declares an upgrade of a devnet, named `<devnet>/<plan>`; the Upgrade controller carries
    /// it out. Checked now: the devnet, the plan's name, a binary for the target version.
    pub async fn create_upgrade(&self, spec: UpgradeSpec) -> Result<Upgrade, DaemonError> {
        let devnet = self.get(&spec.devnet)?;
        self.files_here(&devnet, "an upgrade")?;
        validate_name(&spec.plan).map_err(|e| DaemonError::InvalidArgument(format!("upgrade plan: {e}")))?;
        if spec.to_version.is_empty() && spec.settings.is_empty() {
            return Err(DaemonError::InvalidArgument(
                "an upgrade changes the binary (--to-version), settings (--set key=value), or both".into(),
            ));
        }
        if spec.to_version.is_empty() && !spec.no_gov {
            return Err(DaemonError::InvalidArgument(
                "a governance upgrade switches to a new binary at the plan's height: give --to-version, or use --no-gov to change only settings".into(),
            ));
        }
        if let Some((key, _)) = spec
            .settings
            .iter()
            .find(|(k, _)| crate::docker_settings::is_runtime_setting(k))
        {
            return Err(DaemonError::InvalidArgument(format!(
                "--set {key}: the docker.* settings are the runtime's, fixed at deploy; an upgrade changes the chain's settings"
            )));
        }
        if !spec.settings.is_empty() && spec.backup {
            return Err(DaemonError::InvalidArgument(
                "--backup restores a binary and data, not settings: leave out --backup for an upgrade with --set"
                    .into(),
            ));
        }
        if !spec.to_version.is_empty() {
            crate::provision::binary_for(&self.ctx, &devnet.spec, &spec.to_version).await?;
        }
        let name = format!("{}/{}", spec.devnet, spec.plan);
        Ok(self.ctx.store.write(|w| {
            let up = w.create(Upgrade {
                meta: Meta::named(&name),
                spec: spec.clone(),
                status: Default::default(),
            })?;
            w.event(Event::new(
                EventKind::Normal,
                Kind::Upgrade,
                &name,
                "Created",
                if spec.to_version.is_empty() {
                    let set: Vec<String> = spec.settings.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    format!("to {}", set.join(" "))
                } else {
                    format!("to {}", spec.to_version)
                },
            ))?;
            Ok(up)
        })?)
    }

    /// Records an export of the devnet's state from one of its nodes (stopped for it, then
    /// started again) for the Export controller.
    /// Refuses `what` (an export, an upgrade: steps that run the chain's binary on its nodes'
    /// files here) for a devnet whose nodes' files are on other Docker hosts.
    fn files_here(&self, devnet: &Devnet, what: &str) -> Result<(), DaemonError> {
        let settings = crate::docker_settings::parse(&devnet.spec.overrides, devnet.spec.runtime)
            .map_err(DaemonError::InvalidArgument)?;
        if settings.hosts.is_empty() {
            return Ok(());
        }
        Err(DaemonError::FailedPrecondition(format!(
            "devnet {} runs on the Docker hosts {}, where its nodes' files are; {what} reads and writes them \
             here, which is not built yet for a devnet spread over hosts: deploy it on one engine (without \
             --hosts) for {what}",
            devnet.meta.name,
            settings.hosts.join(", ")
        )))
    }

    pub fn create_export(&self, spec: ExportSpec) -> Result<Export, DaemonError> {
        let devnet = self.get(&spec.devnet)?;
        self.files_here(&devnet, "an export")?;
        if devnet.status.detected_version.is_empty() {
            return Err(DaemonError::FailedPrecondition(format!(
                "devnet {} is not up yet; export once `dvb status {}` shows it running",
                spec.devnet, spec.devnet
            )));
        }
        if let Some(want) = &spec.node {
            let nodes = self.ctx.store.list::<Node>(&format!("{}/", spec.devnet))?;
            if !nodes.iter().any(|n| crate::provision::short_name(n) == want) {
                let have: Vec<&str> = nodes.iter().map(crate::provision::short_name).collect();
                return Err(DaemonError::InvalidArgument(format!(
                    "devnet {} has no node {want:?}; it has {}",
                    spec.devnet,
                    have.join(", ")
                )));
            }
        }
        let taken = self.exports(&spec.devnet)?.len();
        record_export(
            &self.ctx,
            &spec.devnet,
            &format!("export-{}", taken + 1),
            spec.height,
            spec.node,
        )
    }

    pub fn export(&self, name: &str) -> Result<Export, DaemonError> {
        self.ctx
            .store
            .get::<Export>(name)?
            .ok_or_else(|| DaemonError::NotFound(format!("no export {name:?}; `dvb export list <devnet>` shows them")))
    }

    pub fn exports(&self, devnet: &str) -> Result<Vec<Export>, DaemonError> {
        Ok(self.ctx.store.list::<Export>(&format!("{devnet}/"))?)
    }

    /// Every plugin the host can serve a network with: installed, built in, or on the
    /// plugin path.
    pub async fn plugins(&self) -> Result<Vec<PluginSummary>, DaemonError> {
        let mut out = Vec::new();
        for (name, _) in self.ctx.plugins.available() {
            out.push(self.plugin(&name).await?);
        }
        Ok(out)
    }

    /// The plugin serving `network`, loaded to read its info.
    pub async fn plugin(&self, network: &str) -> Result<PluginSummary, DaemonError> {
        self.ctx.plugins.summary(network).await.map_err(|e| match e {
            DaemonError::InvalidArgument(m) => DaemonError::NotFound(m),
            other => other,
        })
    }

    /// Installs (or, with `upgrade`, replaces) a plugin component from a path, a URL or the
    /// bytes a client sent (`upload`) after every check: its sha256 (given, or the checksum file
    /// beside it), its signature (given, or `<source>.sig` when there is one), its API version
    /// and its info.
    pub async fn install_plugin(
        &self,
        source: String,
        sha256: Option<String>,
        signature: Option<String>,
        upgrade: bool,
        allow_unsigned: bool,
        upload: Option<crate::plugins::install::Upload>,
    ) -> Result<PluginInstalled, DaemonError> {
        let installed = self
            .ctx
            .plugins
            .install(crate::plugins::install::InstallRequest {
                source,
                sha256,
                signature,
                upgrade,
                builtin: false,
                allow_unsigned,
                upload,
            })
            .await?;
        let name = installed.plugin.meta.name.clone();
        Ok(PluginInstalled {
            plugin: self.ctx.plugins.summary(&name).await?,
            supported_api: installed.supported,
            previous_version: installed.previous,
            compile_ms: installed.compile_ms,
            notes: installed.notes,
        })
    }

    /// Uninstalls a plugin no devnet uses.
    pub async fn remove_plugin(&self, name: &str) -> Result<PluginSummary, DaemonError> {
        let in_use: Vec<String> = self
            .ctx
            .store
            .list::<Devnet>("")?
            .into_iter()
            .filter(|d| d.spec.network == name)
            .map(|d| d.meta.name)
            .collect();
        let removed = self.ctx.plugins.remove(name, &in_use).await?;
        Ok(PluginSummary {
            name: removed.meta.name,
            version: removed.status.version,
            api_version: removed.status.api_version,
            family: removed.status.family,
            path: removed.spec.component,
            sha256: removed.spec.sha256,
            source: removed.spec.source,
            builtin: removed.spec.builtin,
            signed_by: removed.spec.signed_by,
            origin: "removed".into(),
            ..Default::default()
        })
    }

    pub fn upgrade(&self, name: &str) -> Result<Upgrade, DaemonError> {
        self.ctx.store.get::<Upgrade>(name)?.ok_or_else(|| {
            DaemonError::NotFound(format!("no upgrade {name:?}; `dvb upgrade list <devnet>` shows them"))
        })
    }

    pub fn upgrades(&self, devnet: &str) -> Result<Vec<Upgrade>, DaemonError> {
        Ok(self.ctx.store.list::<Upgrade>(&format!("{devnet}/"))?)
    }

    /// Asks the controller to stop an upgrade that has not switched binaries yet.
    pub fn cancel_upgrade(&self, name: &str) -> Result<Upgrade, DaemonError> {
        self.upgrade(name)?;
        Ok(self.ctx.store.write(|w| {
            let mut up = w.require::<Upgrade>(name)?;
            up.spec.cancelled = true;
            w.update(up)
        })?)
    }

    /// The devnet's governance proposals, from the chain through its plugin (ids 1, 2, … until
    /// one is missing).
    pub async fn proposals(&self, devnet: &str) -> Result<Vec<ProposalInfo>, DaemonError> {
        let d = self.get(devnet)?;
        let nodes = self.nodes(devnet)?;
        let node = nodes
            .iter()
            .filter(|n| n.status.is_up() && n.status.height > 0)
            .max_by_key(|n| n.status.height)
            .ok_or_else(|| DaemonError::FailedPrecondition(format!("devnet {devnet} has no running node")))?;
        let instance = self.ctx.instance_for(&d, &nodes).await?;
        let mut plugin = instance.lock().await;
        let slot = crate::provision::slot_of(node);
        let mut out = Vec::new();
        for id in 1..=1000 {
            match plugin.proposal(&slot, id).await? {
                Some(p) => out.push(ProposalInfo {
                    id: p.id,
                    // The variant's name, `Voting`: its serde form.
                    phase: serde_json::to_value(p.phase)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    detail: p.detail,
                }),
                None => break,
            }
        }
        Ok(out)
    }

    /// The transaction kinds the devnet's plugin builds for its detected chain version, and that
    /// version. Uses (or makes) the devnet's tx builder, as a submit would.
    pub async fn tx_kinds(&self, devnet: &str) -> Result<(String, Vec<TxKindInfo>), DaemonError> {
        let d = self.get(devnet)?;
        let version = d.status.detected_version.clone();
        if version.is_empty() {
            return Err(DaemonError::FailedPrecondition(format!(
                "devnet {devnet} has no detected chain version yet: wait until `dvb status {devnet}` shows one"
            )));
        }
        let nodes = self.nodes(devnet)?;
        let instance = self.ctx.instance_for(&d, &nodes).await?;
        let mut plugin = instance.lock().await;
        let mut builders = self.ctx.tx_builders.lock().await;
        let (handle, change) = builders
            .for_version(&mut plugin, devnet, &d.spec.chain_id, &version)
            .await?;
        if let crate::tx::builders::BuilderChange::Replaced { from } = &change {
            crate::controllers::tx::builder_replaced(&self.ctx, devnet, from, &version)?;
        }
        let kinds = plugin.tx_kinds(&handle).await;
        if plugin.is_poisoned() {
            builders.forget(devnet);
        }
        let kinds = kinds?
            .into_iter()
            .map(|k| TxKindInfo {
                name: k.name,
                summary: k.summary,
                schema: k.schema,
                example: k.example,
            })
            .collect();
        Ok((version, kinds))
    }

    pub fn tx(&self, name: &str) -> Result<Transaction, DaemonError> {
        self.ctx
            .store
            .get::<Transaction>(name)?
            .ok_or_else(|| DaemonError::NotFound(format!("no transaction {name:?}; `dvb tx list <devnet>` shows them")))
    }

    /// A devnet's transactions, oldest first.
    pub fn txs(&self, devnet: &str) -> Result<Vec<Transaction>, DaemonError> {
        let mut all = self.ctx.store.list::<Transaction>(&format!("{devnet}/"))?;
        all.sort_by_key(|t| t.meta.created_unix_ms);
        Ok(all)
    }

    /// Asks every node of every running devnet for its status once (what the Health
    /// controller does on its own in a daemon): a standalone `dvb status` shows fresh heights.
    pub async fn probe_all(&self) {
        for d in self.list().unwrap_or_default() {
            let name = d.meta.name.clone();
            if probe_devnet(&self.ctx, &name).await.unwrap_or(false)
                && let (Ok(Some(d)), Ok(nodes)) = (
                    self.ctx.store.get::<Devnet>(&name),
                    self.ctx.store.list::<Node>(&format!("{name}/")),
                )
            {
                let _ = refresh_status(&self.ctx, &d, &nodes);
            }
        }
    }
}

/// What `slot` holds, leaving it empty (a poisoned lock still holds a whole value).
fn take<T>(slot: &std::sync::Mutex<Option<T>>) -> Option<T> {
    slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()
}

/// The home holds keys and the socket: only its owner may enter it.
fn private_dir(dir: &std::path::Path) -> Result<(), DaemonError> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .map_err(DaemonError::io(format!("making {} private", dir.display())))
}

#[cfg(test)]
mod chain_interface_tests;
mod stack;
mod tokens;

pub use stack::ApplyOptions;
