//! Where dvb's commands go: the devnetd serving the home, or, when none is (or with
//! `--standalone`), the same host library run in this process and serving the same gRPC
//! services over in-memory pipes. Either way the commands hold one [`DaemonClient`].

use std::ops::Deref;
use std::sync::Arc;

use anyhow::Context as _;
use devnet_api::{ApiError, DaemonClient};
use devnet_core::Devnet;
use devnet_daemon::{Config, Home, Host};

pub struct Backend {
    client: DaemonClient,
    /// The in-process host behind `client` when no daemon serves the home. Controllers run
    /// only for commands that change something; they stop when the command ends, leaving the
    /// nodes running.
    local: Option<Arc<Host>>,
}

/// Whether the command needs the controllers running (in-process) to get its work done.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    Read,
    Controllers,
}

impl Deref for Backend {
    type Target = DaemonClient;

    fn deref(&self) -> &DaemonClient {
        &self.client
    }
}

impl Backend {
    pub async fn connect(home: &Home, standalone: bool, needs: Needs) -> anyhow::Result<Self> {
        if !standalone {
            match DaemonClient::connect(&home.socket()).await {
                Ok(client) => return Ok(Self { client, local: None }),
                Err(ApiError::Unavailable { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let (config, sources) = Config::load(home).map_err(|e| anyhow::anyhow!("{e}"))?;
        let host = match needs {
            Needs::Read => Host::open(home.clone(), config, sources),
            Needs::Controllers => Host::start(home.clone(), config, sources),
        }
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("running standalone on {}", home.root().display()))?;
        let host = Arc::new(host);
        host.install_builtins().await;
        if needs == Needs::Read {
            host.probe_all().await;
        }
        let client = match host.connect_in_process().await {
            Ok(client) => client,
            Err(e) => {
                host.shutdown(false).await;
                return Err(anyhow::anyhow!("{e}")).context("serving the API in-process");
            }
        };
        Ok(Self {
            client,
            local: Some(host),
        })
    }

    /// Ends the command: an in-process server and its controllers stop; nodes keep running.
    pub async fn close(self) {
        let Self { client, local } = self;
        drop(client);
        if let Some(host) = local {
            host.shutdown(false).await;
        }
    }

    pub fn is_daemon(&self) -> bool {
        self.local.is_none()
    }

    /// The devnet, or `None` when there is none of that name.
    pub async fn find(&self, name: &str) -> anyhow::Result<Option<Devnet>> {
        match self.client.get(name).await {
            Ok(d) => Ok(Some(d)),
            Err(ApiError::NotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}
