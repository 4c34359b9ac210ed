//! Where dvb's commands go: the devnetd serving the home, or, when none is (or with
//! `--standalone`), the same host library run in this process.

use anyhow::Context as _;
use devnet_api::{ApiError, DaemonClient};
use devnet_core::{Devnet, DevnetSpec, Event, Export, ExportSpec, Node, Transaction, TxSpec, Upgrade, UpgradeSpec};
use devnet_daemon::{Config, DaemonError, Home, Host};
use std::path::Path;

pub enum Backend {
    Daemon(DaemonClient),
    /// In-process. Controllers run only for commands that change something; they stop when
    /// the command ends, leaving the nodes running.
    Local(Host),
}

/// Whether the command needs the controllers running (in-process) to get its work done.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    Read,
    Controllers,
}

fn api(e: ApiError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

fn local(e: DaemonError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

impl Backend {
    pub async fn connect(home: &Home, standalone: bool, needs: Needs) -> anyhow::Result<Self> {
        if !standalone {
            match DaemonClient::connect(&home.socket()).await {
                Ok(c) => return Ok(Backend::Daemon(c)),
                Err(ApiError::Unavailable { .. }) => {}
                Err(e) => return Err(api(e)),
            }
        }
        let (config, sources) = Config::load(home).map_err(local)?;
        let host = match needs {
            Needs::Read => Host::open(home.clone(), config, sources),
            Needs::Controllers => Host::start(home.clone(), config, sources),
        }
        .map_err(local)
        .with_context(|| format!("running standalone on {}", home.root().display()))?;
        host.ctx.plugins.install_builtins().await;
        if needs == Needs::Read {
            host.probe_all().await;
        }
        Ok(Backend::Local(host))
    }

    /// Ends the command: in-process controllers stop; nodes keep running.
    pub async fn close(self) {
        if let Backend::Local(host) = self {
            host.shutdown(false).await;
        }
    }

    pub fn is_daemon(&self) -> bool {
        matches!(self, Backend::Daemon(_))
    }

    pub async fn deploy(&self, name: &str, spec: &DevnetSpec) -> anyhow::Result<Devnet> {
        match self {
            Backend::Daemon(c) => c.create(name, spec).await.map_err(api),
            Backend::Local(h) => h.deploy(name, spec.clone()).await.map_err(local),
        }
    }

    /// The devnet, or `None` when there is none of that name.
    pub async fn find(&self, name: &str) -> anyhow::Result<Option<Devnet>> {
        match self {
            Backend::Daemon(c) => match c.get(name).await {
                Ok(d) => Ok(Some(d)),
                Err(ApiError::NotFound(_)) => Ok(None),
                Err(e) => Err(api(e)),
            },
            Backend::Local(h) => match h.get(name) {
                Ok(d) => Ok(Some(d)),
                Err(DaemonError::NotFound(_)) => Ok(None),
                Err(e) => Err(local(e)),
            },
        }
    }

    pub async fn get(&self, name: &str) -> anyhow::Result<Devnet> {
        match self {
            Backend::Daemon(c) => c.get(name).await.map_err(api),
            Backend::Local(h) => h.get(name).map_err(local),
        }
    }

    pub async fn list(&self) -> anyhow::Result<Vec<Devnet>> {
        match self {
            Backend::Daemon(c) => c.list().await.map_err(api),
            Backend::Local(h) => h.list().map_err(local),
        }
    }

    pub async fn nodes(&self, devnet: &str) -> anyhow::Result<Vec<Node>> {
        match self {
            Backend::Daemon(c) => c.nodes(devnet).await.map_err(api),
            Backend::Local(h) => h.nodes(devnet).map_err(local),
        }
    }

    pub async fn node(&self, name: &str) -> anyhow::Result<Node> {
        match self {
            Backend::Daemon(c) => c.node(name).await.map_err(api),
            Backend::Local(h) => h.node(name).map_err(local),
        }
    }

    pub async fn set_running(&self, name: &str, running: bool) -> anyhow::Result<Devnet> {
        match self {
            Backend::Daemon(c) => c.set_running(name, running).await.map_err(api),
            Backend::Local(h) => h.set_running(name, running).map_err(local),
        }
    }

    pub async fn destroy(&self, name: &str) -> anyhow::Result<Devnet> {
        match self {
            Backend::Daemon(c) => c.delete(name).await.map_err(api),
            Backend::Local(h) => h.destroy(name).map_err(local),
        }
    }

    pub async fn restart_node(&self, name: &str) -> anyhow::Result<Node> {
        match self {
            Backend::Daemon(c) => c.restart_node(name).await.map_err(api),
            Backend::Local(h) => h.restart_node(name).map_err(local),
        }
    }

    pub async fn submit_tx(&self, spec: &TxSpec) -> anyhow::Result<Transaction> {
        match self {
            Backend::Daemon(c) => c.submit_tx(spec).await.map_err(api),
            Backend::Local(h) => h.submit_tx(spec.clone()).await.map_err(local),
        }
    }

    pub async fn submit_txs(&self, specs: &[TxSpec]) -> anyhow::Result<Vec<Transaction>> {
        match self {
            Backend::Daemon(c) => c.submit_txs(specs).await.map_err(api),
            Backend::Local(h) => h.submit_txs(specs.to_vec()).await.map_err(local),
        }
    }

    pub async fn tx(&self, name: &str) -> anyhow::Result<Transaction> {
        match self {
            Backend::Daemon(c) => c.tx(name).await.map_err(api),
            Backend::Local(h) => h.tx(name).map_err(local),
        }
    }

    pub async fn proposals(&self, devnet: &str) -> anyhow::Result<Vec<devnet_api::pb::Proposal>> {
        match self {
            Backend::Daemon(c) => c.proposals(devnet).await.map_err(api),
            Backend::Local(h) => Ok(h
                .proposals(devnet)
                .await
                .map_err(local)?
                .into_iter()
                .map(devnet_daemon::proposal_to)
                .collect()),
        }
    }

    pub async fn tx_kinds(&self, devnet: &str) -> anyhow::Result<devnet_api::pb::ListTxKindsResponse> {
        match self {
            Backend::Daemon(c) => c.tx_kinds(devnet).await.map_err(api),
            Backend::Local(h) => {
                let (version, kinds) = h.tx_kinds(devnet).await.map_err(local)?;
                Ok(devnet_daemon::tx_kinds_to(version, kinds))
            }
        }
    }

    pub async fn txs(&self, devnet: &str) -> anyhow::Result<Vec<Transaction>> {
        match self {
            Backend::Daemon(c) => c.txs(devnet).await.map_err(api),
            Backend::Local(h) => h.txs(devnet).map_err(local),
        }
    }

    pub async fn create_upgrade(&self, spec: &UpgradeSpec) -> anyhow::Result<Upgrade> {
        match self {
            Backend::Daemon(c) => c.create_upgrade(spec).await.map_err(api),
            Backend::Local(h) => h.create_upgrade(spec.clone()).await.map_err(local),
        }
    }

    pub async fn upgrade(&self, name: &str) -> anyhow::Result<Upgrade> {
        match self {
            Backend::Daemon(c) => c.upgrade(name).await.map_err(api),
            Backend::Local(h) => h.upgrade(name).map_err(local),
        }
    }

    pub async fn upgrades(&self, devnet: &str) -> anyhow::Result<Vec<Upgrade>> {
        match self {
            Backend::Daemon(c) => c.upgrades(devnet).await.map_err(api),
            Backend::Local(h) => h.upgrades(devnet).map_err(local),
        }
    }

    pub async fn cancel_upgrade(&self, name: &str) -> anyhow::Result<Upgrade> {
        match self {
            Backend::Daemon(c) => c.cancel_upgrade(name).await.map_err(api),
            Backend::Local(h) => h.cancel_upgrade(name).map_err(local),
        }
    }

    pub async fn install_plugin(
        &self,
        req: devnet_api::pb::InstallPluginRequest,
    ) -> anyhow::Result<devnet_api::pb::InstallPluginResponse> {
        match self {
            Backend::Daemon(c) => c.install_plugin(req).await.map_err(api),
            Backend::Local(h) => h
                .install_plugin(devnet_daemon::plugins::install::InstallRequest {
                    source: req.source,
                    sha256: (!req.sha256.is_empty()).then_some(req.sha256),
                    signature: (!req.signature.is_empty()).then_some(req.signature),
                    upgrade: req.upgrade,
                    builtin: false,
                })
                .await
                .map_err(local),
        }
    }

    pub async fn remove_plugin(&self, name: &str) -> anyhow::Result<devnet_api::pb::PluginInfo> {
        match self {
            Backend::Daemon(c) => c.remove_plugin(name).await.map_err(api),
            Backend::Local(h) => h.remove_plugin(name).await.map_err(local),
        }
    }

    pub async fn create_export(&self, spec: &ExportSpec) -> anyhow::Result<Export> {
        match self {
            Backend::Daemon(c) => c.create_export(spec).await.map_err(api),
            Backend::Local(h) => h.create_export(spec.clone()).map_err(local),
        }
    }

    pub async fn export(&self, name: &str) -> anyhow::Result<Export> {
        match self {
            Backend::Daemon(c) => c.export(name).await.map_err(api),
            Backend::Local(h) => h.export(name).map_err(local),
        }
    }

    pub async fn exports(&self, devnet: &str) -> anyhow::Result<Vec<Export>> {
        match self {
            Backend::Daemon(c) => c.exports(devnet).await.map_err(api),
            Backend::Local(h) => h.exports(devnet).map_err(local),
        }
    }

    pub async fn events(&self, after: u64, limit: u32, prefix: &str) -> anyhow::Result<Vec<Event>> {
        match self {
            Backend::Daemon(c) => c.events(after, limit, prefix).await.map_err(api),
            Backend::Local(h) => h.events(after, limit as usize, prefix).map_err(local),
        }
    }
}

/// The node log path, for reading it without a daemon.
pub fn log_path(node: &Node) -> &Path {
    Path::new(&node.spec.command.log)
}
