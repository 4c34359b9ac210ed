//! Running nodes, behind one interface ([`Runtime`]) with two implementations: [`LocalRuntime`]
//! (local processes) and [`DockerRuntime`] (Docker containers, through bollard).
//!
//! [`LocalProcess`] runs one node as a local process:
//!
//! - in its own process group, so a stop reaches everything the node started;
//! - writing straight to its log file (opened for append), so it keeps running, and logging,
//!   while the daemon is down; [`rotate_log`] rotates that file in place (copy, then truncate);
//! - stopped with SIGTERM to the group, then SIGKILL after a grace period, and reaped;
//! - identified by pid *and* start time ([`ProcessId`]), so a daemon that restarts adopts exactly
//!   the processes it started and never a stranger that reused a pid;
//! - restarted after an unexpected exit with backoff, up to a limit, after which
//!   [`RestartPolicy`] gives the reason to mark it Failed with (its last log line included).

mod docker;
pub mod docker_image;
mod local;
mod log_follow;
mod log_rotation;
mod proc_stat;
mod process;
mod restart_policy;
mod runtime;

pub use docker::{DevnetNetwork, DockerHost, DockerRuntime, LABEL_DEVNET, LABEL_HOME, LABEL_NODE, default_docker_host};
pub use local::LocalRuntime;
pub use log_follow::{read_from, tail_start};
pub use log_rotation::rotate_log;
pub use proc_stat::{ProcessId, group_members, marked_leaders};
pub use process::{Exit, LocalProcess, ProcessSpec, RuntimeError};
pub use restart_policy::{Restart, RestartPolicy, log_tail};
pub use runtime::{Attachment, BoxFuture, Handle, Limits, NODE_MARKER_ENV, NodeRun, Observed, Runtime};
