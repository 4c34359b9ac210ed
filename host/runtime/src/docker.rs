//! [`Runtime`] for nodes as Docker containers, through bollard.
//!
//! - The image is made from the node's chain binary ([`crate::docker_image`]), once per binary.
//! - The devnet's chain directory is bind-mounted at its own path, and the container runs as the
//!   daemon's user: the node's command line is the same as a process node's, its files are the
//!   same files (genesis, exports, backups work unchanged) and stay owned by that user.
//! - Host networking by default: the node listens on the ports it would as a process. A devnet
//!   with its own bridge network ([`network`]) gives each node a fixed address on it and
//!   publishes its ports on 127.0.0.1 under the same numbers.
//! - Every container is labelled with the daemon's home, the devnet and the node: a restarted
//!   daemon adopts exactly its own, and destroy finds every one of them.
//! - Docker restarts nothing (restart policy `no`): the daemon's [`crate::RestartPolicy`] does,
//!   as for processes. The container's output is followed into the node's log file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use bollard::Docker;
use bollard::errors::Error as DockerError;
use bollard::models::{
    ContainerCreateBody, EndpointIpamConfig, EndpointSettings, HostConfig, HostConfigLogConfig, NetworkingConfig,
    PortBinding,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, ListContainersOptionsBuilder, LogsOptionsBuilder, RemoveContainerOptionsBuilder,
    StopContainerOptionsBuilder,
};
use futures_util::StreamExt as _;
use tokio::io::AsyncWriteExt as _;
use tokio::task::JoinHandle;

mod network;
mod remote;

pub use network::DevnetNetwork;
pub use remote::DockerHost;

use crate::docker_image::{ensure_image_of, file_sha256, short_digest};
use crate::runtime::{BoxFuture, Handle, NodeRun, Observed, Runtime};
use crate::{Exit, RuntimeError};

/// The label with the home of the daemon that made the container.
pub const LABEL_HOME: &str = "dev.devnet-builder.home";
/// The label with the devnet's name.
pub const LABEL_DEVNET: &str = "dev.devnet-builder.devnet";
/// The label with the node's full name (`hub/validator-0`).
pub const LABEL_NODE: &str = "dev.devnet-builder.node";
/// On a remote host, the label with the token of the devnet's making its container belongs to.
const LABEL_TOKEN: &str = "dev.devnet-builder.token";

/// A container found by its labels.
struct Found {
    id: String,
    running: bool,
    /// Made but never started.
    created: bool,
    /// Its [`LABEL_TOKEN`], if any.
    token: Option<String>,
}

struct Tracked {
    id: String,
    started: Instant,
    log: PathBuf,
    logs: JoinHandle<()>,
}

/// The digest of a binary, known while its size and modification time stay the same.
struct Digest {
    size: u64,
    modified: Option<SystemTime>,
    sha256: String,
}

/// Nodes as containers of one Docker engine.
pub struct DockerRuntime {
    docker: Docker,
    /// Where the engine is, for messages.
    host: String,
    /// The daemon's home: the value of [`LABEL_HOME`] on its containers.
    home: String,
    /// `uid:gid` the nodes run as: the daemon's own.
    user: String,
    tracked: Mutex<HashMap<String, Tracked>>,
    digests: Mutex<HashMap<PathBuf, Digest>>,
    /// One image build at a time, so nodes of one devnet starting together make it once.
    building: tokio::sync::Mutex<()>,
    /// One devnet network made at a time (see [`network`]).
    networks: tokio::sync::Mutex<()>,
    /// An engine on another machine: its nodes' files in volumes, their ports forwarded.
    remote: Option<remote::Remote>,
}

/// How to reach the engine when nothing else says: `DOCKER_HOST`, else the default socket.
pub fn default_docker_host() -> String {
    std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".to_string())
}

/// How long a question to the engine (a list, an inspect, a ping) may take before the engine
/// counts as not answering: one that hangs must not hold the Node controller's slots.
const ASK_LIMIT: Duration = Duration::from_secs(5);

/// Not found (404), or nothing to do (304: already stopped).
fn is_gone(e: &DockerError) -> bool {
    matches!(
        e,
        DockerError::DockerResponseServerError {
            status_code: 404 | 304,
            ..
        }
    )
}

impl DockerRuntime {
    /// Connects to the engine at `host` (`unix:///…` or `tcp://…`) and agrees on an API version;
    /// `home` is the daemon's home, which labels its containers; `grace` the longest stop it
    /// will ask for (requests may take that long).
    pub async fn connect(host: &str, home: &str, grace: Duration) -> Result<Self, RuntimeError> {
        if !["unix://", "tcp://", "http://"].iter().any(|s| host.starts_with(s)) {
            return Err(RuntimeError::DockerHost { host: host.to_string() });
        }
        let unreachable = |message: String| RuntimeError::DockerUnreachable {
            host: host.to_string(),
            message,
        };
        let docker = Docker::connect_with_host(host)
            .map_err(|e| unreachable(e.to_string()))?
            .with_timeout(Duration::from_secs(120).max(grace + Duration::from_secs(60)));
        let docker = tokio::time::timeout(Duration::from_secs(10), docker.negotiate_version())
            .await
            .map_err(|_| unreachable("no answer within 10 s".into()))?
            .map_err(|e| unreachable(e.to_string()))?;
        docker.ping().await.map_err(|e| unreachable(e.to_string()))?;
        Ok(Self::with(docker, host.to_string(), home, None))
    }

    /// Connects to the engine of `host`, another machine's, over mutual TLS: its certificate
    /// must verify against the host's CA (that CA only, not the system's roots), and the engine
    /// must accept the client's.
    pub async fn connect_remote(host: &DockerHost, home: &str, grace: Duration) -> Result<Self, RuntimeError> {
        let down = |message: String| RuntimeError::DockerHostDown {
            name: host.name.clone(),
            url: host.url.clone(),
            message,
        };
        if !host.url.starts_with("tcp://") {
            return Err(down(format!(
                "{:?} is not tcp://host:port (a Docker host of devnetd.toml is reached over TCP with TLS)",
                host.url
            )));
        }
        for (what, path) in [("cert", &host.cert), ("key", &host.key), ("ca", &host.ca)] {
            if !path.is_file() {
                return Err(down(format!("its {what} {} is not a file", path.display())));
            }
        }
        let timeout = Duration::from_secs(120).max(grace + Duration::from_secs(60)).as_secs();
        let docker = remote::connect_tls(host, timeout).map_err(down)?;
        let docker = tokio::time::timeout(Duration::from_secs(10), docker.negotiate_version())
            .await
            .map_err(|_| down("no answer within 10 s".into()))?
            .map_err(|e| down(describe_error(&e)))?;
        docker.ping().await.map_err(|e| down(describe_error(&e)))?;
        let remote = remote::Remote {
            host: host.clone(),
            forwards: Mutex::default(),
        };
        Ok(Self::with(
            docker,
            format!("{} ({})", host.name, host.url),
            home,
            Some(remote),
        ))
    }

    fn with(docker: Docker, host: String, home: &str, remote: Option<remote::Remote>) -> Self {
        let user = format!("{}:{}", nix::unistd::getuid(), nix::unistd::getgid());
        Self {
            docker,
            host,
            home: home.to_string(),
            user,
            tracked: Mutex::default(),
            digests: Mutex::default(),
            building: tokio::sync::Mutex::new(()),
            networks: tokio::sync::Mutex::new(()),
            remote,
        }
    }

    /// The host of devnetd.toml this runtime's engine is on; none: the daemon's own engine.
    pub fn remote_host(&self) -> Option<&DockerHost> {
        self.remote.as_ref().map(|r| &r.host)
    }

    /// The engine's client, for tests and tools.
    pub fn client(&self) -> &Docker {
        &self.docker
    }

    fn tracked(&self) -> MutexGuard<'_, HashMap<String, Tracked>> {
        self.tracked.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn fail(&self, name: &str, what: &str, e: impl std::fmt::Display) -> RuntimeError {
        RuntimeError::Docker {
            name: name.to_string(),
            message: format!("{what} (engine {}): {e}", self.host),
        }
    }

    /// The container name of node `name`: readable, and unique per daemon home and node (the
    /// digest tells `a-b/c` from `a/b-c`).
    fn container_name(&self, name: &str) -> String {
        let readable = name.replace('/', "-");
        format!("dvb-{readable}-{}", short_digest(&format!("{}#{name}", self.home)))
    }

    /// The sha256 of `program`, hashed again only when its size or time changed.
    async fn digest(&self, program: &Path) -> Result<String, RuntimeError> {
        let fail = |message: String| RuntimeError::Image {
            program: program.display().to_string(),
            message,
        };
        let meta = std::fs::metadata(program).map_err(|e| fail(format!("reading it: {e}")))?;
        let (size, modified) = (meta.len(), meta.modified().ok());
        {
            let digests = self.digests.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(d) = digests.get(program)
                && d.size == size
                && d.modified == modified
            {
                return Ok(d.sha256.clone());
            }
        }
        let path = program.to_path_buf();
        let sha256 = tokio::task::spawn_blocking(move || file_sha256(&path))
            .await
            .map_err(|e| fail(e.to_string()))?
            .map_err(|e| fail(format!("reading it: {e}")))?;
        self.digests.lock().unwrap_or_else(PoisonError::into_inner).insert(
            program.to_path_buf(),
            Digest {
                size,
                modified,
                sha256: sha256.clone(),
            },
        );
        Ok(sha256)
    }

    /// `err` as the engine's unreachability when the engine does not answer a ping now (so the
    /// node is Unknown, not Failed), else as it is.
    async fn classified(&self, err: RuntimeError) -> RuntimeError {
        if !matches!(err, RuntimeError::Docker { .. }) {
            return err;
        }
        match tokio::time::timeout(ASK_LIMIT, self.docker.ping()).await {
            Ok(Ok(_)) => err,
            Ok(Err(e)) => self.unreachable(describe_error(&e)),
            Err(_) => self.unreachable(format!("no answer within {ASK_LIMIT:?}")),
        }
    }

    /// That the engine does not answer, saying why.
    fn unreachable(&self, message: String) -> RuntimeError {
        match &self.remote {
            None => RuntimeError::DockerUnreachable {
                host: self.host.clone(),
                message,
            },
            Some(r) => RuntimeError::DockerHostDown {
                name: r.host.name.clone(),
                url: r.host.url.clone(),
                message,
            },
        }
    }

    /// The containers (running or not) with these label values, of this daemon.
    async fn labelled(&self, label: &str, value: &str) -> Result<Vec<Found>, DockerError> {
        let filters = HashMap::from([(
            "label".to_string(),
            vec![format!("{LABEL_HOME}={}", self.home), format!("{label}={value}")],
        )]);
        let options = ListContainersOptionsBuilder::new().all(true).filters(&filters).build();
        let list = tokio::time::timeout(ASK_LIMIT, self.docker.list_containers(Some(options)))
            .await
            .map_err(|_| DockerError::RequestTimeoutError)??;
        Ok(list
            .into_iter()
            .filter_map(|c| {
                let running = matches!(c.state, Some(bollard::models::ContainerSummaryStateEnum::RUNNING));
                let created = matches!(c.state, Some(bollard::models::ContainerSummaryStateEnum::CREATED));
                let token = c.labels.as_ref().and_then(|l| l.get(LABEL_TOKEN)).cloned();
                c.id.map(|id| Found {
                    id,
                    running,
                    created,
                    token,
                })
            })
            .collect())
    }

    async fn remove(&self, id: &str) -> Result<(), DockerError> {
        let options = RemoveContainerOptionsBuilder::new().force(true).v(true).build();
        match self.docker.remove_container(id, Some(options)).await {
            Err(e) if !is_gone(&e) => Err(e),
            _ => Ok(()),
        }
    }

    /// Removes every container labelled `label=value` (running ones are killed).
    async fn remove_labelled(&self, label: &str, value: &str) -> Result<(), RuntimeError> {
        let found = self
            .labelled(label, value)
            .await
            .map_err(|e| self.fail(value, "listing its containers", e))?;
        for Found { id, .. } in found {
            self.remove(&id)
                .await
                .map_err(|e| self.fail(value, "removing a container", e))?;
        }
        Ok(())
    }

    fn track(&self, name: &str, id: String, log: &Path, since: i32) -> Handle {
        let logs = tokio::spawn(follow_logs(self.docker.clone(), id.clone(), log.to_path_buf(), since));
        let old = self.tracked().insert(
            name.to_string(),
            Tracked {
                id: id.clone(),
                started: Instant::now(),
                log: log.to_path_buf(),
                logs,
            },
        );
        if let Some(old) = old {
            old.logs.abort();
        }
        Handle::Container(id)
    }

    async fn create_and_start(&self, run: &NodeRun) -> Result<String, RuntimeError> {
        let name = run.name.as_str();
        let digest = self.digest(&run.program).await?;
        let image = {
            let _one_at_a_time = self.building.lock().await;
            ensure_image_of(&self.docker, &run.program, &digest).await?
        };
        // What is left of this node (an exited container, one a crash left unrecorded) goes first.
        self.remove_labelled(LABEL_NODE, name).await?;
        if let Some(at) = &run.network {
            self.restore_network(&run.devnet, &at.network, &at.subnet).await?;
        }
        let cwd = run.cwd.display().to_string();
        let token = self.making_token(run)?;
        // The chain directory itself here; on another machine, the node's volume there.
        let home_mount = match &token {
            None => format!("{cwd}:{cwd}"),
            Some(token) => self.home_volume(run, token).await?,
        };
        let (network_mode, networking_config, exposed_ports, port_bindings) = match &run.network {
            None => (Some("host".to_string()), None, None, None),
            Some(at) => {
                let endpoint = EndpointSettings {
                    ipam_config: Some(EndpointIpamConfig {
                        ipv4_address: Some(at.address.clone()),
                        ..EndpointIpamConfig::default()
                    }),
                    ..EndpointSettings::default()
                };
                let ports: Vec<String> = run.ports.iter().map(|p| format!("{p}/tcp")).collect();
                let bindings = ports
                    .iter()
                    .zip(&run.ports)
                    .map(|(key, port)| {
                        let binding = PortBinding {
                            host_ip: Some("127.0.0.1".into()),
                            host_port: Some(port.to_string()),
                        };
                        (key.clone(), Some(vec![binding]))
                    })
                    .collect();
                (
                    Some(at.network.clone()),
                    Some(NetworkingConfig {
                        endpoints_config: Some(HashMap::from([(at.network.clone(), endpoint)])),
                    }),
                    Some(ports),
                    Some(bindings),
                )
            }
        };
        let body = ContainerCreateBody {
            image: Some(image),
            entrypoint: Some(vec![run.program.display().to_string()]),
            cmd: Some(run.args.clone()),
            env: Some(run.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
            working_dir: Some(cwd.clone()),
            user: Some(self.user.clone()),
            labels: Some(
                HashMap::from([
                    (LABEL_HOME.to_string(), self.home.clone()),
                    (LABEL_DEVNET.to_string(), run.devnet.clone()),
                    (LABEL_NODE.to_string(), name.to_string()),
                ])
                .into_iter()
                .chain(token.map(|t| (LABEL_TOKEN.to_string(), t)))
                .collect(),
            ),
            exposed_ports,
            networking_config,
            host_config: Some(HostConfig {
                network_mode,
                port_bindings,
                binds: Some(vec![home_mount]),
                // An init as PID 1 passes SIGTERM on and reaps, as for a process node.
                init: Some(true),
                // The engine's own copy of the output (the node's log file is the daemon's) stays small.
                log_config: Some(HostConfigLogConfig {
                    typ: Some("json-file".into()),
                    config: Some(HashMap::from([
                        ("max-size".to_string(), "10m".to_string()),
                        ("max-file".to_string(), "2".to_string()),
                    ])),
                }),
                nano_cpus: run.limits.nano_cpus.map(|n| i64::try_from(n).unwrap_or(i64::MAX)),
                memory: run.limits.memory_bytes.map(|n| i64::try_from(n).unwrap_or(i64::MAX)),
                // The limit is the limit: no swap on top of it.
                memory_swap: run.limits.memory_bytes.map(|n| i64::try_from(n).unwrap_or(i64::MAX)),
                ..HostConfig::default()
            }),
            ..ContainerCreateBody::default()
        };
        let options = CreateContainerOptionsBuilder::new()
            .name(&self.container_name(name))
            .build();
        let created = self
            .docker
            .create_container(Some(options), body)
            .await
            .map_err(|e| self.fail(name, "creating its container", e))?;
        if self.remote.is_some()
            && let Err(e) = self.fill_home(&created.id, run).await
        {
            let _ = self.remove(&created.id).await;
            return Err(e);
        }
        if let Err(e) = self.docker.start_container(&created.id, None).await {
            let _ = self.remove(&created.id).await;
            return Err(self.fail(name, "starting its container", e));
        }
        Ok(created.id)
    }
}

/// An engine's error with its causes (a TLS refusal is a cause of a connection error).
fn describe_error(e: &DockerError) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        source = cause.source();
    }
    text
}

/// Appends the container's output to the node's log file from `since` (Unix seconds; 0: all)
/// until the container stops (at once, for one that has).
async fn follow_logs(docker: Docker, id: String, log: PathBuf, since: i32) {
    if let Some(dir) = log.parent() {
        let _ = tokio::fs::create_dir_all(dir).await;
    }
    let Ok(mut file) = tokio::fs::OpenOptions::new().create(true).append(true).open(&log).await else {
        return;
    };
    let options = LogsOptionsBuilder::new()
        .follow(true)
        .stdout(true)
        .stderr(true)
        .since(since)
        .build();
    let mut stream = docker.logs(&id, Some(options));
    while let Some(Ok(chunk)) = stream.next().await {
        if file.write_all(&chunk.into_bytes()).await.is_err() {
            return;
        }
    }
    let _ = file.flush().await;
}

/// When the log file was last written (Unix seconds), to follow a container from there: a line
/// of that second may be written twice, none is lost.
fn log_mtime(log: &Path) -> i32 {
    std::fs::metadata(log)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| i32::try_from(d.as_secs()).unwrap_or(0))
}

/// Says in the node's log why the engine ended it, where its own output cannot.
fn note_in_log(log: &Path, line: &str) {
    use std::io::Write as _;
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(log) {
        let _ = writeln!(f, "{line}");
    }
}

impl Runtime for DockerRuntime {
    fn start<'a>(&'a self, run: &'a NodeRun) -> BoxFuture<'a, Result<Handle, RuntimeError>> {
        Box::pin(async move {
            // A port that cannot be forwarded here fails the start before anything runs.
            self.forward_ports(run).await?;
            match self.create_and_start(run).await {
                Ok(id) => Ok(self.track(&run.name, id, &run.log, 0)),
                // Whether the node could not start, or the engine is gone: only the second is
                // nobody's fault and worth waiting out.
                Err(e) => match tokio::time::timeout(ASK_LIMIT, self.docker.ping()).await {
                    Ok(Ok(_)) => Err(e),
                    Ok(Err(down)) => Err(self.unreachable(describe_error(&down))),
                    Err(_) => Err(self.unreachable(format!("no answer within {ASK_LIMIT:?}"))),
                },
            }
        })
    }

    fn adopt<'a>(
        &'a self,
        run: &'a NodeRun,
        recorded: Option<&'a Handle>,
    ) -> BoxFuture<'a, Result<Option<Handle>, RuntimeError>> {
        Box::pin(async move {
            let found = match self.labelled(LABEL_NODE, &run.name).await {
                Ok(f) => f,
                Err(e) => return Err(self.classified(self.fail(&run.name, "listing its containers", e)).await),
            };
            // A running one if there is one; else one that exited while no daemon watched (its
            // exit is then seen, and its last output read, before it is replaced).
            // One made but never started (the daemon died between the two, filling a remote
            // node's volume, say) is not an exit: it goes, and the node starts anew.
            // On a remote host, one of an earlier making of the devnet (left there by a destroy
            // that could not reach the host) is not this node's: it goes too.
            let token = self.making_token(run)?;
            let (stale, found): (Vec<Found>, Vec<Found>) = found
                .into_iter()
                .partition(|f| f.created || (token.is_some() && f.token != token));
            for f in &stale {
                self.remove(&f.id).await.map_err(|e| {
                    self.fail(
                        &run.name,
                        "removing a container never started or of an earlier devnet",
                        e,
                    )
                })?;
            }
            let (running, exited): (Vec<_>, Vec<_>) =
                found.into_iter().map(|f| (f.id, f.running)).partition(|(_, r)| *r);
            let pool: Vec<String> = if running.is_empty() { exited } else { running }
                .into_iter()
                .map(|(id, _)| id)
                .collect();
            let keep = match recorded {
                Some(Handle::Container(id)) if pool.contains(id) => id.clone(),
                _ => match pool.first() {
                    Some(id) => id.clone(),
                    None => return Ok(None),
                },
            };
            for extra in pool.iter().filter(|id| **id != keep) {
                // A duplicate (which cannot also be right).
                self.remove(extra)
                    .await
                    .map_err(|e| self.fail(&run.name, "removing a duplicate container", e))?;
            }
            // A port taken here meanwhile must not keep the node from being tracked (and
            // stopped): its health then says it cannot be reached, and the next start says why.
            if let Err(e) = self.forward_ports(run).await {
                note_in_log(&run.log, &format!("devnetd: {e}"));
            }
            Ok(Some(self.track(&run.name, keep, &run.log, log_mtime(&run.log))))
        })
    }

    fn observe<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Observed> {
        Box::pin(async move {
            let found = self
                .tracked()
                .get(name)
                .map(|t| (t.id.clone(), t.started, t.log.clone()));
            let Some((id, started, log)) = found else {
                return Observed::Unknown;
            };
            let asked = tokio::time::timeout(ASK_LIMIT, self.docker.inspect_container(&id, None)).await;
            let Ok(asked) = asked else {
                return Observed::Unreachable(format!(
                    "the Docker engine at {} does not answer within {ASK_LIMIT:?}",
                    self.host
                ));
            };
            let exit = match asked {
                Ok(c) => {
                    let state = c.state.unwrap_or_default();
                    if state.running == Some(true) {
                        // A follower that lost its stream (the engine restarted, say) goes on
                        // from the file's last write.
                        let mut tracked = self.tracked();
                        if let Some(t) = tracked.get_mut(name)
                            && t.logs.is_finished()
                        {
                            let since = log_mtime(&t.log);
                            t.logs = tokio::spawn(follow_logs(self.docker.clone(), id, t.log.clone(), since));
                        }
                        return Observed::Running;
                    }
                    if state.oom_killed == Some(true) {
                        note_in_log(
                            &log,
                            "error: the container was killed for running out of memory: raise --set docker.memory",
                        );
                    }
                    state
                        .exit_code
                        .map_or(Exit::Unknown, |c| Exit::Code(i32::try_from(c).unwrap_or(-1)))
                }
                Err(e) if is_gone(&e) => Exit::Unknown,
                // The engine does not answer: nothing is known of the node (still tracked; its
                // container is looked at again when the engine is back).
                Err(e) => {
                    return Observed::Unreachable(format!("the Docker engine at {} does not answer: {e}", self.host));
                }
            };
            let tracked = self.tracked().remove(name);
            if let Some(t) = tracked {
                // The stream ends with the container; what it had is written.
                let _ = tokio::time::timeout(Duration::from_secs(2), t.logs).await;
            }
            // Seen and told: the exited container goes (a restart makes a new one; a leftover
            // would be taken for an exit not yet seen).
            let _ = self.remove(&id).await;
            Observed::Exited {
                exit,
                ran: started.elapsed(),
            }
        })
    }

    fn tracks(&self, name: &str) -> bool {
        self.tracked().contains_key(name)
    }

    fn stop<'a>(&'a self, name: &'a str, grace: Duration) -> BoxFuture<'a, Result<(), RuntimeError>> {
        Box::pin(async move {
            let tracked = self.tracked().remove(name);
            if let Some(t) = tracked {
                let secs = i32::try_from(grace.as_secs().max(1)).unwrap_or(i32::MAX);
                let options = StopContainerOptionsBuilder::new().t(secs).build();
                if let Err(e) = self.docker.stop_container(&t.id, Some(options)).await
                    && !is_gone(&e)
                {
                    // Still ours: tracked again, so the next try stops it.
                    self.tracked().insert(name.to_string(), t);
                    return Err(self.classified(self.fail(name, "stopping its container", e)).await);
                }
                let _ = tokio::time::timeout(Duration::from_secs(2), t.logs).await;
            }
            self.end_forwards(|n| n == name);
            // Every container of the node goes: the one stopped, and any a crash left behind.
            match self.remove_labelled(LABEL_NODE, name).await {
                Ok(()) => Ok(()),
                Err(e) => Err(self.classified(e).await),
            }
        })
    }

    fn tracked_names(&self) -> Vec<String> {
        self.tracked().keys().cloned().collect()
    }

    fn detach_all(&self) {
        for (_, t) in self.tracked().drain() {
            t.logs.abort();
        }
        self.end_forwards(|_| true);
    }

    fn release_devnet<'a>(&'a self, devnet: &'a str) -> BoxFuture<'a, Result<(), RuntimeError>> {
        Box::pin(async move {
            self.remove_labelled(LABEL_DEVNET, devnet).await?;
            let prefix = format!("{devnet}/");
            self.end_forwards(|n| n.starts_with(&prefix));
            self.remove_volumes_of(devnet).await?;
            self.remove_networks_of(devnet).await
        })
    }
}
