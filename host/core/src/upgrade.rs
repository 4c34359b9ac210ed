//! A software upgrade of a devnet, driven through its phases by the upgrade controller.

use serde::{Deserialize, Serialize};

use crate::Meta;
use crate::resource::resource;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpgradeSpec {
    pub devnet: String,
    /// The upgrade plan's name, e.g. `v050-to-v053`.
    pub plan: String,
    /// The version to switch the binary to; empty: the binary stays (an upgrade of settings,
    /// e.g. an EVM hardfork).
    pub to_version: String,
    /// Devnet settings changed at the switch (`--set hardfork=prague`): the nodes restart with
    /// the plugin's start command for them, and the devnet keeps them.
    #[serde(default)]
    pub settings: Vec<(String, String)>,
    /// The halt height; chosen by the controller when not given.
    pub height: Option<u64>,
    /// Switch at the height without a governance proposal.
    pub no_gov: bool,
    /// Back up every node's data before switching, to roll back if verification fails.
    pub backup: bool,
    /// Export the chain's state on the halted chain, with the old binary, before the switch.
    pub export_before: bool,
    /// Export it once the new binary makes blocks (from one node, stopped for it).
    pub export_after: bool,
    /// Set by `dvb upgrade cancel`.
    pub cancelled: bool,
    /// The proposal's deposit, e.g. `10000000stake`; empty: the plugin's own choice.
    #[serde(default)]
    pub deposit: String,
    /// How many validators vote yes (the first ones); none: all of them. Fewer rehearse a vote
    /// that fails.
    #[serde(default)]
    pub voters: Option<u32>,
    /// How long the chain may take to make blocks past the height on the new binary before the
    /// upgrade fails (or rolls back); none: 90 s.
    #[serde(default)]
    pub verify_secs: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum UpgradePhase {
    #[default]
    Pending,
    Proposing,
    Voting,
    Waiting,
    Switching,
    Verifying,
    Completed,
    /// Verification failed: the nodes are stopped, and the data from before the switch is put
    /// back under the old binary.
    RollingBack,
    /// Verification failed and the old binary and data are back.
    RolledBack,
    Failed,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct UpgradeStatus {
    pub phase: UpgradePhase,
    pub message: String,
    pub observed_generation: u64,
    pub proposal_id: Option<u64>,
    pub halt_height: Option<u64>,
    pub from_version: String,
    pub detected_version: String,
    /// The transaction that submitted the proposal, and those that voted (`<devnet>/tx-<n>`).
    #[serde(default)]
    pub proposal_tx: String,
    #[serde(default)]
    pub vote_txs: Vec<String>,
    /// The binaries switched from and to.
    #[serde(default)]
    pub old_binary: String,
    #[serde(default)]
    pub new_binary: String,
    /// Where the nodes' homes were copied before the switch, when a backup was asked for.
    #[serde(default)]
    pub backup_dir: String,
    /// When the nodes were restarted on the new binary.
    #[serde(default)]
    pub switched_unix_ms: u64,
    /// The Export resources taken before and after the switch (`<devnet>/<plan>-before`, …).
    #[serde(default)]
    pub exports: Vec<String>,
    /// Why it is being rolled back (RollingBack, RolledBack).
    #[serde(default)]
    pub rollback_reason: String,
    /// When the roll back began (the nodes were told to stop), for its limit.
    #[serde(default)]
    pub rollback_started_unix_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upgrade {
    pub meta: Meta,
    pub spec: UpgradeSpec,
    pub status: UpgradeStatus,
}

resource!(Upgrade, UpgradeSpec, Upgrade);
