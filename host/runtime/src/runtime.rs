//! The one interface the Node controller drives, whatever runs the node.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

use crate::{Exit, ProcessId, RuntimeError};

/// A boxed future, so that runtimes can be chosen at run time (`Arc<dyn Runtime>`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The environment variable a node carries to name itself (`<daemon home>#<devnet>/<node>`):
/// a process found by it, or a container labelled with it, is that daemon's node.
pub const NODE_MARKER_ENV: &str = "DEVNETD_NODE";

/// What a node runs and how, the same for every runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRun {
    /// `<devnet>/<node>`.
    pub name: String,
    pub devnet: String,
    /// The chain binary (absolute; in the chain cache).
    pub program: PathBuf,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    /// The devnet's chain directory (absolute): the node's files, and the directory it runs in.
    pub cwd: PathBuf,
    /// stdout and stderr go here, appended.
    pub log: PathBuf,
    /// Its ports (for a runtime that must publish them; host networking needs no publishing).
    pub ports: Vec<u16>,
    /// Limits a container runtime applies (a process runtime has none).
    pub limits: Limits,
    /// The devnet network a container joins at a fixed address, its ports published on
    /// 127.0.0.1 under the same numbers; none: host networking (or a process).
    pub network: Option<Attachment>,
}

/// A node's place on its devnet's own network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The network's name.
    pub network: String,
    /// Its subnet, `a.b.c.d/n`: the network is made again with it if it is gone.
    pub subnet: String,
    /// The node's IPv4 address on it (an address the engine refuses fails the start, saying so).
    pub address: String,
}

impl NodeRun {
    /// The value of its [`NODE_MARKER_ENV`], if it carries one.
    pub fn marker(&self) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == NODE_MARKER_ENV)
            .map(|(_, v)| v.as_str())
    }
}

/// Per-node resource limits (`--set docker.cpus=1.5`, `docker.memory=512m`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Limits {
    /// CPUs in billionths (1.5 CPUs = 1_500_000_000).
    pub nano_cpus: Option<u64>,
    pub memory_bytes: Option<u64>,
}

/// What identifies a running node across a daemon restart, as the store records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handle {
    /// A process group leader: pid and start time (a pid alone can be reused).
    Process(ProcessId),
    /// A container id.
    Container(String),
}

impl Handle {
    /// For events and `dvb nodes`: `pid 123`, `container 0123456789ab`.
    pub fn describe(&self) -> String {
        match self {
            Handle::Process(id) => format!("pid {}", id.pid),
            Handle::Container(id) => format!("container {}", &id[..id.len().min(12)]),
        }
    }
}

/// How a node it tracks is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    Running,
    /// It ended, after running this long (since this daemon started or adopted it).
    Exited {
        exit: Exit,
        ran: Duration,
    },
    /// Not tracked by this runtime.
    Unknown,
    /// Tracked, but the runtime cannot tell how it is (its engine does not answer): why.
    Unreachable(String),
}

/// Runs nodes: local processes ([`crate::LocalRuntime`]) or Docker containers
/// ([`crate::DockerRuntime`]). A runtime tracks what it started or adopted, by node name;
/// everything else the controller needs (restart policy, events, the store) is the same for all.
pub trait Runtime: Send + Sync {
    /// Starts `run` and tracks it; what to record to adopt it later.
    fn start<'a>(&'a self, run: &'a NodeRun) -> BoxFuture<'a, Result<Handle, RuntimeError>>;

    /// Takes over `run` as a previous daemon left it: the `recorded` one if it still runs, else
    /// one found by its marker (started just before that daemon died, never recorded). Of
    /// several found, one is kept and the rest are stopped. A container that exited while no
    /// daemon watched is taken over too, so that its exit is seen (and its last output kept).
    /// `Ok(None)`: nothing of it is there; an error: the runtime cannot tell (its engine does
    /// not answer), so nothing may be started in its place yet.
    fn adopt<'a>(
        &'a self,
        run: &'a NodeRun,
        recorded: Option<&'a Handle>,
    ) -> BoxFuture<'a, Result<Option<Handle>, RuntimeError>>;

    /// How the tracked node `name` is doing; an exited one is forgotten.
    fn observe<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Observed>;

    /// Whether it tracks `name`.
    fn tracks(&self, name: &str) -> bool;

    /// Stops `name` (a polite signal, then a kill after `grace`) and forgets it; waits until it
    /// is gone. Nothing tracked: nothing to do.
    fn stop<'a>(&'a self, name: &'a str, grace: Duration) -> BoxFuture<'a, Result<(), RuntimeError>>;

    /// The names of the nodes it tracks.
    fn tracked_names(&self) -> Vec<String>;

    /// Lets everything it tracks run on without this daemon (adopted by the next one).
    fn detach_all(&self);

    /// Removes what the devnet `devnet` left in this runtime beyond its nodes (a network).
    fn release_devnet<'a>(&'a self, devnet: &'a str) -> BoxFuture<'a, Result<(), RuntimeError>>;
}
