//! One node of a devnet: a process (or container) the runtime supervises.

use serde::{Deserialize, Serialize};

use crate::resource::resource;
use crate::{Meta, RuntimeKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodeRole {
    Validator,
    FullNode,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Port {
    pub name: String,
    pub port: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeSpec {
    pub devnet: String,
    pub index: u32,
    pub role: NodeRole,
    /// Relative to the devnet's directory.
    pub home: String,
    /// Loopback ports reserved for the names the plugin asked for.
    pub ports: Vec<Port>,
    /// Whether it should run.
    pub running: bool,
    /// How to run it, as the plugin said when the devnet was provisioned.
    pub command: NodeCommand,
    /// Raised to ask for a restart (`dvb nodes restart`); the Node controller restarts the
    /// process once for each new value.
    #[serde(default)]
    pub restart: u64,
    /// Kept stopped by an operation on its data (an export, an upgrade's switch), whatever
    /// `running` says; the operation names itself here and clears it when done.
    #[serde(default)]
    pub hold: Option<String>,
    /// The node this one waits for before its first start, as the plugin said when the devnet
    /// was provisioned (e.g. Clique signers after the first one's block 1).
    #[serde(default)]
    pub start_after: Option<StartGate>,
    /// What runs it: a local process or a Docker container.
    #[serde(default)]
    pub runtime: RuntimeKind,
    /// Resource limits a container runtime applies (`--set docker.cpus=…`, `docker.memory=…`).
    #[serde(default)]
    pub limits: NodeLimits,
    /// Its place on its devnet's own network (a Docker devnet with `docker.network=bridge`);
    /// none: loopback (a process, or a container with host networking).
    #[serde(default)]
    pub network: Option<NodeNetwork>,
    /// The Docker host (of devnetd.toml's `[[docker.hosts]]`) it runs on; none: the daemon's
    /// own engine (or a process).
    #[serde(default)]
    pub docker_host: Option<NodeHost>,
}

/// A node's Docker host on another machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeHost {
    /// The host's name in devnetd.toml.
    pub name: String,
    /// Where its peers reach it (the host's address when the node was made).
    pub address: String,
}

/// A node's place on its devnet's own network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeNetwork {
    /// The Docker network's name.
    pub name: String,
    /// Its subnet, `a.b.c.d/n`, kept so that a network removed behind the daemon's back is made
    /// again with the nodes' addresses in it.
    #[serde(default)]
    pub subnet: String,
    /// The node's IPv4 address on it: its peers reach it there.
    pub address: String,
}

/// Per-node resource limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct NodeLimits {
    /// CPUs in billionths (1.5 CPUs = 1_500_000_000).
    pub nano_cpus: Option<u64>,
    pub memory_bytes: Option<u64>,
}

/// A node that must report a height before another starts for the first time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartGate {
    /// Its full name, e.g. `eth/validator-0`.
    pub node: String,
    pub height: u64,
}

/// The process that is the node: the devnet's chain binary, its arguments and environment, run
/// in the devnet's directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct NodeCommand {
    pub program: String,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    /// The devnet's directory (absolute).
    pub cwd: String,
    /// The node's log file (absolute).
    pub log: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum NodePhase {
    #[default]
    Pending,
    Starting,
    Running,
    /// Running but behind its peers.
    CatchingUp,
    /// Exited without being asked to; the runtime restarts it with backoff.
    Crashed,
    Stopped,
    /// Restarted too often; the message says why it keeps exiting.
    Failed,
    /// Its runtime does not answer (a Docker engine that is down): whether it runs is not
    /// known; the message says which runtime and why.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct NodeStatus {
    pub phase: NodePhase,
    pub message: String,
    pub observed_generation: u64,
    /// The process (group leader) while running, with its start time in clock ticks since boot,
    /// which together identify it across a daemon restart (a pid alone can be reused).
    pub pid: Option<u32>,
    pub start_ticks: Option<u64>,
    /// The container while running, for a node in Docker.
    #[serde(default)]
    pub container: Option<String>,
    pub restarts: u32,
    pub height: u64,
    pub peers: u32,
    pub catching_up: bool,
    /// When the height last went up (ms since the Unix epoch): a stuck chain stops moving it.
    pub height_changed_unix_ms: u64,
    /// The `spec.restart` last acted on.
    #[serde(default)]
    pub restart_seen: u64,
    /// Whether its process was ever started (or adopted): a start gate holds only the first.
    #[serde(default)]
    pub started: bool,
    /// A Crashed node is not started again before this (ms since the Unix epoch): the restart
    /// policy's backoff, kept however often the node is looked at meanwhile.
    #[serde(default)]
    pub restart_after_unix_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    pub meta: Meta,
    pub spec: NodeSpec,
    pub status: NodeStatus,
}

resource!(Node, NodeSpec, Node);

impl NodeStatus {
    /// Whether a process or container of the node runs, as last recorded.
    pub fn is_up(&self) -> bool {
        self.pid.is_some() || self.container.is_some()
    }

    /// Records that nothing of the node runs.
    pub fn clear_runtime(&mut self) {
        self.pid = None;
        self.start_ticks = None;
        self.container = None;
    }
}

impl Node {
    pub fn new(spec: NodeSpec, name: &str) -> Self {
        Self {
            meta: Meta::named(format!("{}/{name}", spec.devnet)),
            spec,
            status: NodeStatus::default(),
        }
    }
}
