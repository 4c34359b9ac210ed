//! devnetd's gRPC API.
//!
//! - [`pb`]: the messages and services generated from `proto/devnet/v1/devnet.proto`;
//!   [`FILE_DESCRIPTOR_SET`] for gRPC reflection.
//! - [`convert`]: devnet-core resources to messages and back, so both sides work with one model.
//! - [`DaemonClient`]: the typed client dvb uses, over the daemon's unix socket or over pipes
//!   to services served in the same process (`dvb --standalone`); it maps `tonic::Status` back
//!   to [`ApiError`] kinds and checks the daemon's [`API_VERSION`] on connect.

mod client;
pub mod convert;
mod error;
pub mod remote;
mod version;

pub use client::{Bearer, DaemonClient, LogStream, WatchStream};
pub use error::ApiError;
pub use version::{API_VERSION, check as check_api_version};

/// The generated code (`devnet.v1`).
pub mod pb {
    #![allow(clippy::all, clippy::unwrap_used, missing_docs)]
    tonic::include_proto!("devnet.v1");
}

/// The compiled protos, served by the daemon's reflection service.
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/devnet_descriptor.bin"));

/// Metadata on an `UNAVAILABLE` status that the daemon itself sent, saying what was out of
/// reach: `chain` for a node or chain binary behind a plugin (so a client tells it from a daemon
/// it cannot reach).
pub const ERROR_SOURCE_KEY: &str = "devnet-error-source";
/// [`ERROR_SOURCE_KEY`]'s value for a chain a plugin could not reach.
pub const ERROR_SOURCE_CHAIN: &str = "chain";

/// The socket's file name under the daemon's home.
pub const SOCKET_FILE: &str = "devnetd.sock";
