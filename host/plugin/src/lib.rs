//! The sandboxed plugin host: loads `devnet:plugin` components with wasmtime and calls them with
//! nothing but the capabilities granted to one devnet.
//!
//! - [`PluginEngine`] owns the wasmtime engine (async, epoch interruption), the linker, and the
//!   on-disk ahead-of-time cache.
//! - [`LoadedPlugin`] is one compiled component, checked for its API version, with its
//!   `InstancePre` ready; it makes a fresh [`PluginInstance`] per devnet grant.
//! - [`PluginInstance`] calls exports with a deadline and a memory cap; after a trap it
//!   re-instantiates before the next call.

mod aot_cache;
mod api_version;
mod atomic_write;
mod bindings;
mod bridge;
mod capabilities;
mod engine;
mod error;
mod exports;
mod fixed_clocks;
mod genesis_run;
mod host_calls;
mod http;
mod instance;
mod legacy;
mod placement;
mod plan;
mod threshold;

pub use aot_cache::CacheOutcome;
pub use api_version::{ApiVersion, component_interfaces, read_api_version, supported_list, supported_range};
pub use bindings::wit;
pub use capabilities::{Capability, DevnetGrant, capability_list};
pub use engine::{CallObserver, EngineLimits, LoadedPlugin, PluginEngine};
pub use error::{PluginErrorKind, PluginHostError};
pub use genesis_run::{GenesisOutput, sign_request};
pub use instance::{PluginInstance, TxBuilderHandle};
pub use placement::loopback;
