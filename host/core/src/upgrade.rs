//! A software upgrade of a devnet, driven through its phases by the upgrade controller.

use serde::{Deserialize, Serialize};

use crate::Meta;
use crate::resource::resource;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpgradeSpec {
    pub devnet: String,
    /// The upgrade plan's name, e.g. `v050-to-v053`.
    pub plan: String,
    /// The version to switch the binary to.
    pub to_version: String,
    /// The halt height; chosen by the controller when not given.
    pub height: Option<u64>,
    /// Switch at the height without a governance proposal.
    pub no_gov: bool,
    /// Back up every node's data before switching, to roll back if verification fails.
    pub backup: bool,
    pub export_before: bool,
    pub export_after: bool,
    /// Set by `dvb upgrade cancel`.
    pub cancelled: bool,
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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upgrade {
    pub meta: Meta,
    pub spec: UpgradeSpec,
    pub status: UpgradeStatus,
}

resource!(Upgrade, UpgradeSpec, Upgrade);
