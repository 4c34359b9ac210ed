//! Transactions, exports and installed plugins.

use serde::{Deserialize, Serialize};

use crate::resource::resource;
use crate::{Meta, TxRequest};

/// A transaction to sign and broadcast: a request of one of the plugin's kinds (see
/// [`TxRequest`]) or raw signed bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxSpec {
    pub devnet: String,
    /// The keyring key that signs it.
    pub from: String,
    pub request: Option<TxRequest>,
    pub raw: Option<Vec<u8>>,
    pub unordered: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum TxPhase {
    /// Recorded, not signed yet.
    #[default]
    Pending,
    /// Signed, its bytes written down before they are first sent: from here on only those
    /// bytes are ever sent (again, after a restart), never a second signing.
    Signed,
    /// A node accepted it; followed until it is in a block.
    Broadcast,
    Confirmed,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TxStatus {
    pub phase: TxPhase,
    pub message: String,
    pub hash: String,
    pub height: Option<u64>,
    /// The chain's own log: of its refusal, or of the transaction's result in its block (cut
    /// at 16 KiB).
    pub chain_log: String,
    pub attempts: u32,
    /// The sequence (nonce) it was signed with; none for an unordered or raw tx.
    #[serde(default)]
    pub sequence: Option<u64>,
    /// The chain-software version whose builder made it.
    #[serde(default)]
    pub builder_version: String,
    /// What the committed tx produced that later steps need, e.g. `proposal_id`.
    #[serde(default)]
    pub attributes: Vec<(String, String)>,
    /// The signed bytes in hex, written before they are first sent (phase `Signed`) and kept.
    #[serde(default)]
    pub signed: String,
    /// The address it was signed for (empty for raw bytes).
    #[serde(default)]
    pub signer: String,
    /// When a node accepted it: how long it may take to reach a block is counted from here.
    #[serde(default)]
    pub sent_unix_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    pub meta: Meta,
    pub spec: TxSpec,
    pub status: TxStatus,
}

resource!(Transaction, TxSpec, Transaction);

/// A state export of a devnet (at a height; the latest when none), written by the plugin's
/// export command on one stopped node, which is started again afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportSpec {
    pub devnet: String,
    pub height: Option<u64>,
    /// The node's short name (`validator-0`); none: the devnet's last node (a full node when it
    /// has one), so the others keep making blocks.
    #[serde(default)]
    pub node: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ExportPhase {
    #[default]
    Pending,
    Running,
    Done,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ExportStatus {
    pub phase: ExportPhase,
    pub message: String,
    /// The exported file.
    pub path: String,
    /// The node it was taken from.
    #[serde(default)]
    pub node: String,
    #[serde(default)]
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Export {
    pub meta: Meta,
    pub spec: ExportSpec,
    pub status: ExportStatus,
}

resource!(Export, ExportSpec, Export);

/// An installed plugin component (`dvb plugin install`), named by the plugin's own name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginSpec {
    /// The installed file, `<home>/plugins/<name>.wasm`.
    pub component: String,
    pub sha256: String,
    /// Where it was installed from (a path or URL).
    #[serde(default)]
    pub source: String,
    /// One of the plugins shipped with devnet-builder, installed on first use (and again when
    /// the shipped one changes).
    #[serde(default)]
    pub builtin: bool,
    /// The trusted key whose signature it carried.
    #[serde(default)]
    pub signed_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PluginStatus {
    pub version: String,
    pub api_version: String,
    /// The chain family the plugin names in its info (`cosmos`, `evm`, …): shown, never decided on.
    #[serde(alias = "platform")]
    pub family: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plugin {
    pub meta: Meta,
    pub spec: PluginSpec,
    pub status: PluginStatus,
}

resource!(Plugin, PluginSpec, Plugin);

/// Who serves a network: a plugin as the host sees it (loaded, with its info and where its
/// component came from). What `dvb plugin list|info` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PluginSummary {
    pub name: String,
    pub version: String,
    pub api_version: String,
    /// The chain family the plugin names (`cosmos`, `evm`, …): shown, never decided on.
    pub family: String,
    pub default_binary: String,
    /// e.g. `>=v0.47`, `v0.50..v0.54`.
    pub chain_versions: Vec<String>,
    pub path: String,
    /// Set for an installed plugin: its sha256, where it came from, whether it is a built-in,
    /// and the trusted key that signed it.
    pub sha256: String,
    pub source: String,
    pub builtin: bool,
    pub signed_by: Option<String>,
    /// `installed`, `built in, installed`, `plugin path`, or `removed`.
    pub origin: String,
    /// What the plugin asks for in its info (log, run-binary, files, http).
    pub capabilities: Vec<String>,
}

/// What an install or upgrade of a plugin did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginInstalled {
    pub plugin: PluginSummary,
    /// The plugin API versions this host supports, e.g. `0.1.0 to 0.5.0`.
    pub supported_api: String,
    /// The version replaced, for an upgrade.
    pub previous_version: Option<String>,
    pub compile_ms: u64,
    /// What the install passed over (registry tags skipped, and why).
    #[serde(default)]
    pub notes: Vec<String>,
}

/// A kind of transaction a devnet's plugin builds (`dvb tx kinds`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxKindInfo {
    pub name: String,
    pub summary: String,
    /// The JSON schema of its fields.
    pub schema: String,
    /// An example of its fields, as JSON.
    pub example: String,
}

/// A governance proposal as the chain reports it through the devnet's plugin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalInfo {
    pub id: u64,
    /// The plugin's phase name: `Deposit`, `Voting`, `Passed`, `Rejected`, `Failed`.
    pub phase: String,
    pub detail: String,
}
