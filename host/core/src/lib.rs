//! The resources devnet-builder manages. Each has a [`Meta`] (name, generation, resource
//! version), a spec (what the user wants) and a status (what the controllers last saw), in the
//! manner of Kubernetes objects. Controllers compare the two and act; the store keeps them.
//!
//! Names are paths: a devnet is `hub`, its node `hub/validator-0`, its upgrade
//! `hub/v050-to-v053`. [`validate_name`] is the one rule for the parts.

mod clock;
mod devnet;
mod event;
mod meta;
mod node;
mod resource;
mod stack;
mod token;
mod tx_request;
mod upgrade;
mod workload;

pub use clock::now_ms;
pub use devnet::{
    Account, Coin, Devnet, DevnetPhase, DevnetSpec, DevnetStatus, KeyAddress, RuntimeKind, VersionChange,
};
pub use event::{Event, EventKind};
pub use meta::{Meta, NameError, validate_name};
pub use node::{
    Node, NodeCommand, NodeHost, NodeLimits, NodeNetwork, NodePhase, NodeRole, NodeSpec, NodeStatus, Port, StartGate,
};
pub use resource::{Kind, Resource};
pub use stack::{
    SentTx, Stack, StackApplied, StackChange, StackDevnet, StackPhase, StackSpec, StackStatus, StackSummary, StackTx,
};
pub use token::{Token, TokenSpec, TokenStatus};
pub use tx_request::TxRequest;
pub use upgrade::{Upgrade, UpgradePhase, UpgradeSpec, UpgradeStatus};
pub use workload::{
    Export, ExportPhase, ExportSpec, ExportStatus, Plugin, PluginInstalled, PluginSpec, PluginStatus, PluginSummary,
    ProposalInfo, Transaction, TxKindInfo, TxPhase, TxSpec, TxStatus,
};
