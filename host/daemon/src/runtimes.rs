//! The runtimes a daemon runs nodes in: local processes always; its own Docker engine, and
//! each Docker host of devnetd.toml (`[[docker.hosts]]`), once a node or a deploy asks for it
//! (connected then, so a daemon with no Docker engine runs process devnets, and one whose hosts
//! are down runs everything else).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use devnet_core::{NodeSpec, RuntimeKind};
use devnet_runtime::{DockerHost, DockerRuntime, LocalRuntime, Runtime, RuntimeError};

type Connection = Arc<tokio::sync::OnceCell<Arc<DockerRuntime>>>;

/// How long a failed connection to a Docker host is answered from memory: a host that drops
/// packets costs each caller seconds, and the Node controller's slots are few.
const RETRY_AFTER: Duration = Duration::from_secs(15);

pub struct Runtimes {
    local: Arc<LocalRuntime>,
    docker: tokio::sync::OnceCell<Arc<DockerRuntime>>,
    /// Where the Docker engine is (`unix:///…`, `tcp://…`).
    docker_host: String,
    /// The Docker hosts of devnetd.toml, by name.
    hosts: BTreeMap<String, DockerHost>,
    /// Their runtimes, each connected on first use.
    remote: Mutex<BTreeMap<String, Connection>>,
    /// The last failed connection to each, and when.
    failed: Mutex<BTreeMap<String, (std::time::Instant, String)>>,
    /// The daemon's home, which labels its containers.
    home: String,
    /// The longest stop asked for.
    grace: Duration,
}

impl Runtimes {
    pub fn new(home: &str, docker_host: &str, grace: Duration) -> Self {
        Self {
            local: Arc::new(LocalRuntime::new(grace)),
            docker: tokio::sync::OnceCell::new(),
            docker_host: docker_host.to_string(),
            hosts: BTreeMap::new(),
            remote: Mutex::default(),
            failed: Mutex::default(),
            home: home.to_string(),
            grace,
        }
    }

    /// With the Docker hosts of devnetd.toml.
    pub fn with_hosts(mut self, hosts: impl IntoIterator<Item = DockerHost>) -> Self {
        self.hosts = hosts.into_iter().map(|h| (h.name.clone(), h)).collect();
        self
    }

    /// The runtime of `kind` on this machine, connecting to it on first use (a failed
    /// connection is tried again on the next call).
    pub async fn get(&self, kind: RuntimeKind) -> Result<Arc<dyn Runtime>, RuntimeError> {
        Ok(match kind {
            RuntimeKind::Local => self.local.clone(),
            RuntimeKind::Docker => self.docker().await?,
        })
    }

    /// The runtime a node runs in: its Docker host's, or the one of its kind here.
    pub async fn for_node(&self, spec: &NodeSpec) -> Result<Arc<dyn Runtime>, RuntimeError> {
        match &spec.docker_host {
            Some(host) => Ok(self.remote(&host.name).await?),
            None => self.get(spec.runtime).await,
        }
    }

    /// The Docker runtime, connected.
    pub async fn docker(&self) -> Result<Arc<DockerRuntime>, RuntimeError> {
        self.docker
            .get_or_try_init(|| async {
                DockerRuntime::connect(&self.docker_host, &self.home, self.grace)
                    .await
                    .map(Arc::new)
            })
            .await
            .cloned()
    }

    /// The Docker host of devnetd.toml named `name`, if there is one.
    pub fn host(&self, name: &str) -> Option<&DockerHost> {
        self.hosts.get(name)
    }

    /// The names of the Docker hosts of devnetd.toml.
    pub fn host_names(&self) -> Vec<String> {
        self.hosts.keys().cloned().collect()
    }

    /// The runtime of Docker host `name`, connected (over mutual TLS).
    pub async fn remote(&self, name: &str) -> Result<Arc<DockerRuntime>, RuntimeError> {
        let Some(host) = self.hosts.get(name) else {
            return Err(RuntimeError::DockerHostUnknown {
                name: name.to_string(),
                known: if self.hosts.is_empty() {
                    "none".to_string()
                } else {
                    self.host_names().join(", ")
                },
            });
        };
        if let Some((at, why)) = self.failed.lock().unwrap_or_else(PoisonError::into_inner).get(name)
            && at.elapsed() < RETRY_AFTER
        {
            return Err(RuntimeError::DockerHostDown {
                name: name.to_string(),
                url: host.url.clone(),
                // The message of the failure itself: a node's reason (and its events) stay put.
                message: why.clone(),
            });
        }
        let cell = self
            .remote
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(name.to_string())
            .or_default()
            .clone();
        let connected = cell
            .get_or_try_init(|| async {
                DockerRuntime::connect_remote(host, &self.home, self.grace)
                    .await
                    .map(Arc::new)
            })
            .await
            .cloned();
        let mut failed = self.failed.lock().unwrap_or_else(PoisonError::into_inner);
        match &connected {
            Ok(_) => failed.remove(name),
            Err(RuntimeError::DockerHostDown { message, .. }) => {
                failed.insert(name.to_string(), (std::time::Instant::now(), message.clone()))
            }
            Err(_) => None,
        };
        connected
    }

    /// Every runtime in use: a node whose spec is gone may be in any of them.
    pub fn in_use(&self) -> Vec<Arc<dyn Runtime>> {
        let mut all: Vec<Arc<dyn Runtime>> = vec![self.local.clone()];
        if let Some(docker) = self.docker.get() {
            all.push(docker.clone());
        }
        for cell in self.remote.lock().unwrap_or_else(PoisonError::into_inner).values() {
            if let Some(docker) = cell.get() {
                all.push(docker.clone());
            }
        }
        all
    }
}
