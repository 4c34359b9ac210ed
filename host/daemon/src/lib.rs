//! devnetd's reconcilers. [`node_controller`] keeps each Node's process as its spec says:
//! running (started, or adopted after a daemon restart, and restarted with backoff when it
//! exits, up to the policy's limit, after which the node is Failed with the reason) or stopped.

pub mod node_controller;
