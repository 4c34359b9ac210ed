//! The runtimes a daemon runs nodes in: local processes always; Docker once a node or a deploy
//! asks for it (connected then, so a daemon with no Docker engine runs process devnets).

use std::sync::Arc;
use std::time::Duration;

use devnet_core::RuntimeKind;
use devnet_runtime::{DockerRuntime, LocalRuntime, Runtime, RuntimeError};

pub struct Runtimes {
    local: Arc<LocalRuntime>,
    docker: tokio::sync::OnceCell<Arc<DockerRuntime>>,
    /// Where the Docker engine is (`unix:///…`, `tcp://…`).
    docker_host: String,
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
            home: home.to_string(),
            grace,
        }
    }

    /// The runtime of `kind`, connecting to it on first use (a failed connection is tried again
    /// on the next call).
    pub async fn get(&self, kind: RuntimeKind) -> Result<Arc<dyn Runtime>, RuntimeError> {
        Ok(match kind {
            RuntimeKind::Local => self.local.clone(),
            RuntimeKind::Docker => self.docker().await?,
        })
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

    /// Every runtime in use: a node whose spec is gone may be in any of them.
    pub fn in_use(&self) -> Vec<Arc<dyn Runtime>> {
        let mut all: Vec<Arc<dyn Runtime>> = vec![self.local.clone()];
        if let Some(docker) = self.docker.get() {
            all.push(docker.clone());
        }
        all
    }
}
