//! Where dvb's commands go: the devnetd serving the home, or, when none is (or with
//! `--standalone`), the same host library run in this process and serving the same gRPC
//! services over in-memory pipes. Either way the commands hold one [`DaemonClient`].

use std::ops::Deref;
use std::sync::Arc;
use std::time::{Duration, Instant};

use devnet_api::{ApiError, DaemonClient};
use devnet_core::Devnet;
use devnet_daemon::{Config, DaemonError, Home, Host};

/// How long dvb waits for a devnetd that holds its home's store but does not serve yet.
const STARTING_WAIT: Duration = Duration::from_secs(60);

/// Why the in-process host could not be had.
enum InProcessError {
    /// Opening the home (config, store, plugins).
    Daemon(DaemonError),
    /// Serving the API over in-memory pipes.
    Serve(anyhow::Error),
}

impl InProcessError {
    fn is_home_in_use(&self) -> bool {
        matches!(self, InProcessError::Daemon(e) if e.is_home_in_use())
    }
}

impl std::fmt::Display for InProcessError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InProcessError::Daemon(e) => write!(f, "{e}"),
            InProcessError::Serve(e) => write!(f, "serving the API in-process: {e}"),
        }
    }
}

fn in_process_error(home: &Home, e: InProcessError) -> anyhow::Error {
    anyhow::anyhow!("{e}").context(format!("running standalone on {}", home.root().display()))
}

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
        if standalone {
            return Self::in_process(home, needs)
                .await
                .map_err(|e| in_process_error(home, e));
        }
        if let Some(backend) = Self::daemon(home).await? {
            return Ok(backend);
        }
        // No socket. The store may still be held: a devnetd starting (it installs the built-in
        // plugins before it serves) or another dvb running standalone. Wait for either to let go.
        let started = Instant::now();
        let mut said = false;
        loop {
            match Self::in_process(home, needs).await {
                Err(e) if e.is_home_in_use() && started.elapsed() < STARTING_WAIT => {
                    if !said {
                        eprintln!(
                            "waiting for the devnetd starting on {} (its store is in use, its socket not served yet)",
                            home.root().display()
                        );
                        said = true;
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    if let Some(backend) = Self::daemon(home).await? {
                        return Ok(backend);
                    }
                }
                Err(e) if e.is_home_in_use() => anyhow::bail!(
                    "{e}; no devnetd answered on {} within {} s: another dvb may be running standalone on this home (wait for it), or a devnetd that does not serve (see its log)",
                    home.socket().display(),
                    STARTING_WAIT.as_secs()
                ),
                other => return other.map_err(|e| in_process_error(home, e)),
            }
        }
    }

    /// A devnetd's remote listener: never a fallback to in-process, since the home is not here.
    pub async fn remote(remote: &devnet_api::remote::Remote) -> anyhow::Result<Self> {
        let client = DaemonClient::connect_remote(remote).await?;
        Ok(Self { client, local: None })
    }

    /// The devnetd serving `home`, or `None` when nothing answers on its socket.
    async fn daemon(home: &Home) -> anyhow::Result<Option<Self>> {
        match DaemonClient::connect(&home.socket()).await {
            Ok(client) => Ok(Some(Self { client, local: None })),
            Err(ApiError::Unavailable { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The host library on `home` in this process, serving the API over in-memory pipes.
    async fn in_process(home: &Home, needs: Needs) -> Result<Self, InProcessError> {
        let (config, sources) = Config::load(home).map_err(InProcessError::Daemon)?;
        let host = match needs {
            Needs::Read => Host::open(home.clone(), config, sources),
            Needs::Controllers => Host::start(home.clone(), config, sources),
        }
        .map_err(InProcessError::Daemon)?;
        let host = Arc::new(host);
        host.install_builtins().await;
        if needs == Needs::Read {
            host.probe_all().await;
        }
        let client = match host.connect_in_process().await {
            Ok(client) => client,
            Err(e) => {
                host.shutdown(false).await;
                return Err(InProcessError::Serve(anyhow::anyhow!("{e}")));
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
