//! Write a devnet-builder chain plugin in safe Rust.
//!
//! A plugin is a WebAssembly component that teaches the host one chain family: its genesis, its
//! node commands, how to detect its software version, and how to build its transactions. Implement
//! [`Plugin`] (only [`Plugin::info`] is required; everything else has a default that answers
//! `unsupported`) and call [`export_plugin!`]:
//!
//! ```no_run
//! use devnet_plugin_sdk::{Plugin, PluginInfo, export_plugin};
//!
//! struct MyChain;
//!
//! impl Plugin for MyChain {
//!     type TxBuilder = devnet_plugin_sdk::NoTxBuilder;
//!
//!     fn info() -> PluginInfo {
//!         PluginInfo {
//!             name: "mychain".into(),
//!             version: env!("CARGO_PKG_VERSION").into(),
//!             family: "mychain".into(),
//!             chain_versions: vec![],
//!             tx_kinds: vec![],
//!             capabilities: vec![],
//!             default_binary: "mychaind".into(),
//!         }
//!     }
//! }
//!
//! export_plugin!(MyChain);
//! ```
//!
//! Build it with `cargo build --target wasm32-wasip2 --release`: the result is a component the
//! host loads. A plugin can reach nothing but what the host grants its devnet, through [`host`].
//!
//! `dvb plugin new <name>` scaffolds such a crate, `dvb plugin test <component>` calls every
//! export in the real host without a daemon, and `docs/plugin-tutorial.md` in the
//! devnet-builder repository walks through a plugin for a new chain up to a running devnet.

extern crate self as devnet_plugin_sdk;

#[doc(hidden)]
pub mod bindings;
pub mod json;
mod plugin;
pub mod tx;
pub mod version_range;

#[cfg(feature = "cosmos")]
pub mod cosmos;
#[cfg(feature = "evm")]
pub mod evm;
#[cfg(feature = "keys")]
pub mod keys;

pub use plugin::{NoTxBuilder, Plugin, TxBuilder};

#[doc(hidden)]
pub use serde_json;
#[doc(hidden)]
pub use wit_bindgen;

/// The WIT API version this SDK builds plugins against. The export macro stamps it into the
/// component's `devnet-plugin-api` custom section, which the host reads before instantiating.
pub const API_VERSION: &str = "0.7.0";

/// The name of the custom section that carries [`API_VERSION`].
pub const API_SECTION: &str = "devnet-plugin-api";

pub use bindings::devnet::plugin::types::{
    AccountSpec, Capability, Coin, Command, DevnetSpec, Digest, File, KeyAlgorithm, KeyRequest, NamedPort, NodeRole,
    NodeSlot, Override, PluginError, PluginInfo, PublicKey, SignRequest, Signature, SignatureFormat, TxKind,
    TxKindsFor, VersionRange,
};

/// Genesis types and helpers.
pub mod genesis {
    pub use crate::bindings::exports::devnet::plugin::genesis::GenesisStep;
    use crate::{PluginError, PublicKey};

    /// The bytes of public key `id` among the keys the host passed to `genesis.build`.
    pub fn public_key<'a>(keys: &'a [PublicKey], id: &str) -> Result<&'a [u8], PluginError> {
        keys.iter()
            .find(|k| k.id == id)
            .map(|k| k.bytes.as_slice())
            .ok_or_else(|| PluginError::InvalidInput(format!("the host passed no public key `{id}`")))
    }
}

/// Node types.
pub mod node {
    pub use crate::bindings::exports::devnet::plugin::node::{HaltInfo, NodeStatus};
}

/// The live chain: accounts, broadcasts and transaction outcomes (API 0.2.0; rejections by kind
/// from 0.4.0).
pub mod chain {
    pub use crate::bindings::exports::devnet::plugin::chain::{
        AccountState, BroadcastResult, Rejection, RejectionKind, TxOutcome,
    };
}

/// Governance: upgrade proposals, votes and proposals, built and read by the plugin (API 0.4.0).
pub mod governance {
    pub use crate::bindings::exports::devnet::plugin::governance::{
        ProposalPhase, ProposalState, UpgradePlan, VoteChoice,
    };
}

/// Choices for a new devnet: what the user left open, and start gates (API 0.5.0).
pub mod plan {
    pub use crate::bindings::exports::devnet::plugin::plan::{DevnetPlan, DevnetRequest, StartGate};

    /// What the host chooses for a plugin that chooses nothing itself: the user's chain id, else
    /// `<name>-1`; the user's binary, else `default_binary`; the user's version (empty: the
    /// newest) and settings.
    pub fn host_default(request: DevnetRequest, default_binary: &str) -> DevnetPlan {
        let or = |given: String, default: String| if given.is_empty() { default } else { given };
        DevnetPlan {
            chain_id: or(request.chain_id, format!("{}-1", request.name)),
            binary: or(request.binary, default_binary.to_string()),
            chain_version: request.chain_version,
            overrides: request.overrides,
        }
    }

    /// The value of setting `key` among `overrides`, if given.
    pub fn setting<'a>(overrides: &'a [crate::Override], key: &str) -> Option<&'a str> {
        overrides.iter().find(|o| o.key == key).map(|o| o.value.as_str())
    }
}

/// Threshold key groups the host deals (API 0.6.0). The plugin never sees a share: it writes
/// [`threshold::share`] and [`threshold::polynomial`] placeholders into a file with
/// `with-secrets` set, and the host fills them in as it writes the file.
pub mod threshold {
    pub use crate::bindings::exports::devnet::plugin::threshold::{GroupRequest, ThresholdScheme};

    /// The placeholder for member `index`'s share of group `id`.
    pub fn share(id: &str, index: u32) -> String {
        format!("${{secret:{id}.{index}:hex}}")
    }

    /// The placeholder for group `id`'s public polynomial.
    pub fn polynomial(id: &str) -> String {
        format!("${{secret:{id}:hex}}")
    }
}

/// Where the devnet's nodes are (API 0.7.0): the address the other nodes reach a node at and the
/// address its servers bind. Write these wherever a plugin wrote `127.0.0.1` before (peer lists,
/// external addresses, listen addresses); [`NodeSlot::peer_host`] and [`NodeSlot::bind_host`] ask
/// for one node. The host and the plugin's own [`host::http_get`] calls still reach every node's
/// ports on `127.0.0.1`.
pub mod placement {
    pub use crate::bindings::devnet::plugin::placement::{NodeAddress, address_of};

    /// Loopback for both: a local process, or a container with host networking.
    pub fn loopback() -> NodeAddress {
        NodeAddress {
            peer_host: "127.0.0.1".into(),
            bind_host: "127.0.0.1".into(),
        }
    }
}

/// The capabilities the host grants a plugin for its devnet: only those the plugin declares in
/// [`PluginInfo::capabilities`], and only those the devnet allows. Any other call is refused with
/// [`PluginError::Denied`], naming the capability. The guest's clocks are stopped (the wall clock
/// at the Unix epoch) and its randomness is a fixed sequence: take the time from the host's
/// arguments, never from `std::time`.
pub mod host {
    pub use crate::bindings::devnet::plugin::host::{
        HttpResponse, LogLevel, RunOutput, http_get, http_post, log, read_file, run_binary, write_file,
    };
}

/// One constructor per kind, so a plugin says which kind it means: the host retries `chain`,
/// fails the others at once, and answers each with its own status.
///
/// ```
/// use devnet_plugin_sdk::PluginError;
///
/// let e = PluginError::invalid("amount must be a decimal integer, e.g. `5`");
/// assert!(matches!(e, PluginError::InvalidInput(_)));
/// assert_eq!(PluginError::chain("node answered HTTP 503").message(), "node answered HTTP 503");
/// ```
impl PluginError {
    /// `invalid-input`: the request is malformed or out of range; say what and how to fix it.
    pub fn invalid(what: impl Into<String>) -> Self {
        PluginError::InvalidInput(what.into())
    }

    /// `unsupported`: valid, but this plugin or this chain version cannot do it.
    pub fn unsupported(what: impl Into<String>) -> Self {
        PluginError::Unsupported(what.into())
    }

    /// `denied`: a capability call was refused (the host's refusal passed on).
    pub fn denied(what: impl Into<String>) -> Self {
        PluginError::Denied(what.into())
    }

    /// `chain`: the chain binary or a node answered with an error, or could not be reached.
    pub fn chain(what: impl Into<String>) -> Self {
        PluginError::Chain(what.into())
    }

    /// `internal`: a bug in the plugin.
    pub fn internal(what: impl Into<String>) -> Self {
        PluginError::Internal(what.into())
    }

    /// The message, whichever the kind.
    pub fn message(&self) -> &str {
        match self {
            PluginError::InvalidInput(m)
            | PluginError::Unsupported(m)
            | PluginError::Denied(m)
            | PluginError::Chain(m)
            | PluginError::Internal(m) => m,
        }
    }
}

/// Exports a [`Plugin`] implementation as the component's `devnet:plugin` world.
///
/// ```no_run
/// struct MyChain;
/// impl devnet_plugin_sdk::Plugin for MyChain {
///     type TxBuilder = devnet_plugin_sdk::NoTxBuilder;
///     fn info() -> devnet_plugin_sdk::PluginInfo {
///         devnet_plugin_sdk::PluginInfo {
///             name: "mychain".into(),
///             version: "0.1.0".into(),
///             family: "mychain".into(),
///             chain_versions: vec![],
///             tx_kinds: vec![],
///             capabilities: vec![],
///             default_binary: "mychaind".into(),
///         }
///     }
/// }
/// devnet_plugin_sdk::export_plugin!(MyChain);
/// ```
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty) => {
        #[doc(hidden)]
        struct __DevnetPluginExports;

        impl $crate::bindings::exports::devnet::plugin::info::Guest for __DevnetPluginExports {
            fn info() -> $crate::PluginInfo {
                <$plugin as $crate::Plugin>::info()
            }
        }

        impl $crate::bindings::exports::devnet::plugin::genesis::Guest for __DevnetPluginExports {
            fn keys(spec: $crate::DevnetSpec) -> Result<Vec<$crate::KeyRequest>, $crate::PluginError> {
                <$plugin as $crate::Plugin>::genesis_keys(spec)
            }
            fn build(
                spec: $crate::DevnetSpec,
                nodes: Vec<$crate::NodeSlot>,
                keys: Vec<$crate::PublicKey>,
                signatures: Vec<$crate::Signature>,
            ) -> Result<$crate::genesis::GenesisStep, $crate::PluginError> {
                <$plugin as $crate::Plugin>::genesis_build(spec, nodes, keys, signatures)
            }
        }

        impl $crate::bindings::exports::devnet::plugin::node::Guest for __DevnetPluginExports {
            fn ports(role: $crate::NodeRole) -> Vec<String> {
                <$plugin as $crate::Plugin>::node_ports(role)
            }
            fn init_commands(
                spec: $crate::DevnetSpec,
                node: $crate::NodeSlot,
            ) -> Result<Vec<$crate::Command>, $crate::PluginError> {
                <$plugin as $crate::Plugin>::init_commands(spec, node)
            }
            fn start_command(spec: $crate::DevnetSpec, node: $crate::NodeSlot) -> Result<$crate::Command, $crate::PluginError> {
                <$plugin as $crate::Plugin>::start_command(spec, node)
            }
            fn status(node: $crate::NodeSlot) -> Result<$crate::node::NodeStatus, $crate::PluginError> {
                <$plugin as $crate::Plugin>::node_status(node)
            }
            fn upgrade_halt(log_line: String) -> Option<$crate::node::HaltInfo> {
                <$plugin as $crate::Plugin>::upgrade_halt(&log_line)
            }
        }

        impl $crate::bindings::exports::devnet::plugin::version::Guest for __DevnetPluginExports {
            fn version_args() -> Vec<String> {
                <$plugin as $crate::Plugin>::version_args()
            }
            fn parse_version_output(output: String) -> Result<String, $crate::PluginError> {
                <$plugin as $crate::Plugin>::parse_version_output(&output)
            }
            fn detect_live(node: $crate::NodeSlot) -> Result<String, $crate::PluginError> {
                <$plugin as $crate::Plugin>::detect_live(node)
            }
        }

        impl $crate::bindings::exports::devnet::plugin::chain::Guest for __DevnetPluginExports {
            fn account(
                node: $crate::NodeSlot,
                address: String,
            ) -> Result<Option<$crate::chain::AccountState>, $crate::PluginError> {
                <$plugin as $crate::Plugin>::account(node, &address)
            }
            fn address(spec: $crate::DevnetSpec, public_key: Vec<u8>) -> Result<String, $crate::PluginError> {
                <$plugin as $crate::Plugin>::address(spec, &public_key)
            }
            fn broadcast(node: $crate::NodeSlot, tx: Vec<u8>) -> Result<$crate::chain::BroadcastResult, $crate::PluginError> {
                <$plugin as $crate::Plugin>::broadcast(node, &tx)
            }
            fn tx_result(
                node: $crate::NodeSlot,
                hash: String,
            ) -> Result<Option<$crate::chain::TxOutcome>, $crate::PluginError> {
                <$plugin as $crate::Plugin>::tx_result(node, &hash)
            }
        }

        impl $crate::bindings::exports::devnet::plugin::governance::Guest for __DevnetPluginExports {
            fn upgrade_proposal(
                spec: $crate::DevnetSpec,
                plan: $crate::governance::UpgradePlan,
                height: u64,
            ) -> Result<$crate::tx::TxRequest, $crate::PluginError> {
                <$plugin as $crate::Plugin>::upgrade_proposal(spec, plan, height)
            }
            fn vote(
                spec: $crate::DevnetSpec,
                id: u64,
                choice: $crate::governance::VoteChoice,
            ) -> Result<$crate::tx::TxRequest, $crate::PluginError> {
                <$plugin as $crate::Plugin>::vote(spec, id, choice)
            }
            fn proposal_id(outcome: $crate::chain::TxOutcome) -> Result<u64, $crate::PluginError> {
                <$plugin as $crate::Plugin>::proposal_id(outcome)
            }
            fn proposal(
                node: $crate::NodeSlot,
                id: u64,
            ) -> Result<Option<$crate::governance::ProposalState>, $crate::PluginError> {
                <$plugin as $crate::Plugin>::proposal(node, id)
            }
        }

        impl $crate::bindings::exports::devnet::plugin::operate::Guest for __DevnetPluginExports {
            fn halting_start_command(
                spec: $crate::DevnetSpec,
                node: $crate::NodeSlot,
                height: u64,
            ) -> Result<$crate::Command, $crate::PluginError> {
                <$plugin as $crate::Plugin>::halting_start_command(spec, node, height)
            }
            fn export_command(
                spec: $crate::DevnetSpec,
                node: $crate::NodeSlot,
                height: Option<u64>,
                output: String,
            ) -> Result<$crate::Command, $crate::PluginError> {
                <$plugin as $crate::Plugin>::export_command(spec, node, height, &output)
            }
        }

        impl $crate::bindings::exports::devnet::plugin::plan::Guest for __DevnetPluginExports {
            fn choose(
                request: $crate::plan::DevnetRequest,
            ) -> Result<$crate::plan::DevnetPlan, $crate::PluginError> {
                <$plugin as $crate::Plugin>::choose(request)
            }
            fn start_after(
                spec: $crate::DevnetSpec,
                node: $crate::NodeSlot,
            ) -> Result<Option<$crate::plan::StartGate>, $crate::PluginError> {
                <$plugin as $crate::Plugin>::start_after(spec, node)
            }
        }

        impl $crate::bindings::exports::devnet::plugin::threshold::Guest for __DevnetPluginExports {
            fn groups(
                spec: $crate::DevnetSpec,
            ) -> Result<Vec<$crate::threshold::GroupRequest>, $crate::PluginError> {
                <$plugin as $crate::Plugin>::threshold_groups(spec)
            }
        }

        impl $crate::bindings::exports::devnet::plugin::tx::Guest for __DevnetPluginExports {
            type TxBuilder = $crate::__TxBuilderExport<<$plugin as $crate::Plugin>::TxBuilder>;
        }

        $crate::bindings::__export_plugin_world!(__DevnetPluginExports with_types_in $crate::bindings);

        // Read by the host before it instantiates anything.
        #[unsafe(link_section = "devnet-plugin-api")]
        #[used]
        static __DEVNET_PLUGIN_API: [u8; $crate::API_VERSION.len()] = {
            let src = $crate::API_VERSION.as_bytes();
            let mut out = [0u8; $crate::API_VERSION.len()];
            let mut i = 0;
            while i < src.len() {
                out[i] = src[i];
                i += 1;
            }
            out
        };
    };
}

#[doc(hidden)]
pub use plugin::TxBuilderExport as __TxBuilderExport;

impl NodeSlot {
    /// The loopback port the host reserved under `name` (a name from `node-ports`).
    ///
    /// ```
    /// # use devnet_plugin_sdk::{NamedPort, NodeRole, NodeSlot};
    /// let node = NodeSlot {
    ///     index: 0,
    ///     role: NodeRole::Validator,
    ///     name: "validator-0".into(),
    ///     home: "node0".into(),
    ///     ports: vec![NamedPort { name: "rpc".into(), port: 26657 }],
    /// };
    /// assert_eq!(node.port("rpc").unwrap(), 26657);
    /// assert!(node.port("grpc").is_err());
    /// ```
    pub fn port(&self, name: &str) -> Result<u16, PluginError> {
        self.ports
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.port)
            .ok_or_else(|| PluginError::invalid(format!("node {} has no `{name}` port", self.name)))
    }

    /// Where this node is, as the host placed it ([`placement`]); loopback when the host knows
    /// no devnet for the call (`dvb plugin test` without one).
    pub fn address(&self) -> placement::NodeAddress {
        placement::address_of(&self.name).unwrap_or_else(placement::loopback)
    }

    /// The host or IPv4 address the devnet's other nodes reach this node at: `127.0.0.1` for a
    /// local process, its address on the devnet's network for a container on one.
    ///
    /// ```no_run
    /// # fn f(node: &devnet_plugin_sdk::NodeSlot) -> Result<String, devnet_plugin_sdk::PluginError> {
    /// // A CometBFT peer entry: `<node id>@<host>:<p2p port>`.
    /// let peer = format!("{}@{}:{}", "nodeid", node.peer_host(), node.port("p2p")?);
    /// # Ok(peer) }
    /// ```
    pub fn peer_host(&self) -> String {
        self.address().peer_host
    }

    /// The address this node's servers bind: `127.0.0.1`, or `0.0.0.0` in a container with a
    /// network of its own.
    pub fn bind_host(&self) -> String {
        self.address().bind_host
    }
}
