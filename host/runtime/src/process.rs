//! One node as a local process.

use std::os::unix::process::{CommandExt as _, ExitStatusExt as _};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use crate::proc_stat::{ProcessId, group_members};

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("starting {name} ({program}): {source}")]
    Spawn {
        name: String,
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("opening the log {path}")]
    Log {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{name}: the process started but /proc has no record of it")]
    Vanished { name: String },
    #[error("stopping {name}: {message}")]
    Stop { name: String, message: String },
    #[error(
        "no Docker engine answers at {host} ({message}): start one (`dockerd`; in a checkout, \
         `scripts/dockerd start` runs a private one at unix:///tmp/devnet-dockerd/docker.sock), or point \
         devnetd at yours with `docker_host = \"unix:///…\"` in devnetd.toml, DEVNET_DOCKER_HOST or DOCKER_HOST"
    )]
    DockerUnreachable { host: String, message: String },
    #[error(
        "Docker engine address {host:?}: use unix:///path/to/docker.sock or tcp://host:port (an engine on \
         another machine, over mutual TLS: list it under [[docker.hosts]] in devnetd.toml and deploy with --hosts)"
    )]
    DockerHost { host: String },
    #[error(
        "Docker host {name} ({url}) does not answer: {message}; check that its dockerd runs and listens \
         there with TLS, and the host's cert, key and ca in devnetd.toml ([[docker.hosts]])"
    )]
    DockerHostDown { name: String, url: String, message: String },
    #[error(
        "no Docker host named {name} in devnetd.toml (it lists: {known}); add it back under [[docker.hosts]] \
         and restart devnetd, or destroy the devnet (what ran there is left there)"
    )]
    DockerHostUnknown { name: String, known: String },
    #[error("{name}: {message}")]
    Docker { name: String, message: String },
    #[error("making the node image of {program}: {message}")]
    Image { program: String, message: String },
}

/// What to run.
#[derive(Debug, Clone)]
pub struct ProcessSpec {
    pub name: String,
    pub program: PathBuf,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub cwd: PathBuf,
    /// stdout and stderr go here, appended.
    pub log: PathBuf,
}

/// How a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
    /// Adopted after a daemon restart, so its exit status went to its new parent.
    Unknown,
}

/// A node process: started here, or adopted from a previous daemon.
pub struct LocalProcess {
    pub name: String,
    pub id: ProcessId,
    /// Present when this daemon started it: it must reap it.
    child: Option<Child>,
}

impl LocalProcess {
    /// Starts `spec` as the leader of a new process group, its output appended to its log.
    pub fn spawn(spec: &ProcessSpec) -> Result<Self, RuntimeError> {
        let log_err = |source| RuntimeError::Log {
            path: spec.log.clone(),
            source,
        };
        if let Some(dir) = spec.log.parent() {
            std::fs::create_dir_all(dir).map_err(log_err)?;
        }
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&spec.log)
            .map_err(log_err)?;
        let mut cmd = Command::new(&spec.program);
        cmd.args(&spec.args)
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .current_dir(&spec.cwd)
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(log_err)?)
            .stderr(log);
        let child = cmd.spawn().map_err(|source| RuntimeError::Spawn {
            name: spec.name.clone(),
            program: spec.program.display().to_string(),
            source,
        })?;
        let id = ProcessId::of_child(child.id()).ok_or_else(|| RuntimeError::Vanished {
            name: spec.name.clone(),
        })?;
        Ok(Self {
            name: spec.name.clone(),
            id,
            child: Some(child),
        })
    }

    /// The process a previous daemon recorded, if that very process still runs.
    pub fn adopt(name: &str, id: ProcessId) -> Option<Self> {
        id.is_alive().then(|| Self {
            name: name.to_string(),
            id,
            child: None,
        })
    }

    /// Lets the process run on without this handle (as when the daemon exits and nodes stay
    /// up); it returns what to record for [`LocalProcess::adopt`].
    pub fn detach(mut self) -> ProcessId {
        self.child = None;
        self.id
    }

    /// `None` while it runs; how it ended once it has (reaping it if this daemon started it).
    pub fn exited(&mut self) -> Option<Exit> {
        match &mut self.child {
            Some(child) => match child.try_wait() {
                Ok(Some(status)) => Some(match (status.code(), status.signal()) {
                    (Some(code), _) => Exit::Code(code),
                    (None, Some(signal)) => Exit::Signal(signal),
                    (None, None) => Exit::Unknown,
                }),
                Ok(None) => None,
                Err(_) => Some(Exit::Unknown),
            },
            None => (!self.id.is_alive()).then_some(Exit::Unknown),
        }
    }

    fn group_gone(&mut self) -> bool {
        self.exited().is_some() && group_members(self.id.pid).is_empty()
    }

    /// SIGTERM to the whole group; SIGKILL to what is left after `grace`. Returns once no process
    /// of the group is left and the leader is reaped.
    pub fn stop(&mut self, grace: Duration) -> Exit {
        let group = Pid::from_raw(i32::try_from(self.id.pid).unwrap_or(i32::MAX));
        if !self.group_gone() {
            let _ = killpg(group, Signal::SIGTERM);
            let start = Instant::now();
            while start.elapsed() < grace && !self.group_gone() {
                std::thread::sleep(Duration::from_millis(50));
            }
            if !self.group_gone() {
                let _ = killpg(group, Signal::SIGKILL);
                // SIGKILL cannot be refused, but a process stuck in the kernel (state D) dies
                // only when it leaves it: give up waiting rather than hang the daemon.
                let killed = Instant::now();
                while !self.group_gone() && killed.elapsed() < Duration::from_secs(10) {
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        }
        self.exited().unwrap_or(Exit::Unknown)
    }
}

impl Drop for LocalProcess {
    /// A handle dropped without [`LocalProcess::detach`] or a stop takes its group down, so
    /// nothing a failed daemon path started is left behind.
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let group = Pid::from_raw(i32::try_from(self.id.pid).unwrap_or(i32::MAX));
            let _ = killpg(group, Signal::SIGKILL);
            let _ = child.wait();
        }
    }
}

impl RuntimeError {
    /// Whether the runtime itself cannot be reached (its engine down, or misnamed): the node's
    /// fate is unknown, not its fault.
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            RuntimeError::DockerUnreachable { .. }
                | RuntimeError::DockerHost { .. }
                | RuntimeError::DockerHostDown { .. }
                | RuntimeError::DockerHostUnknown { .. }
        )
    }
}
