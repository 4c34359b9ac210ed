//! The controllers, in the kube-runtime manner: each a `reconcile` of one object and an
//! `error_policy`, run over a work queue fed by the store's changes through what each one says
//! wakes it (its `wakes` and `relist`, wired in [`wiring`]).
//!
//! - [`devnet`]: provisions a devnet into Nodes, passes `running` on, derives its phase,
//!   destroys it;
//! - [`node`]: node processes: start, adopt, restart with backoff, stop;
//! - [`health`]: heights, peers, catching up, through the plugin;
//! - [`tx`]: Transactions: sign, record, broadcast, follow;
//! - [`upgrade`]: software upgrades, one step per reconcile;
//! - [`export`]: state exports from a stopped node;
//! - [`stack`]: a stack's transactions, sent once its devnets run.
//!
//! One controller step is one store write, and anything sent outside (a transaction, a
//! proposal) is recorded before it is sent.

use devnet_core::{
    Event, EventKind, Export, ExportPhase, ExportStatus, Resource, Transaction, TxPhase, TxStatus, Upgrade,
    UpgradePhase, UpgradeStatus,
};
use devnet_store::{StoreError, WriteTx};

pub mod devnet;
pub mod export;
pub mod health;
pub mod node;
pub mod stack;
pub mod tx;
pub mod upgrade;
pub(crate) mod wiring;

/// A resource whose status has a phase, reported by an event each time it moves.
pub(crate) trait Phased: Resource {
    type Status: Clone;
    type Phase: Copy + PartialEq + std::fmt::Debug;
    fn status_mut(&mut self) -> &mut Self::Status;
    fn phase(status: &Self::Status) -> Self::Phase;
    /// Whether entering `phase` is a failure (a Warning event).
    fn is_failure(phase: Self::Phase) -> bool;
    /// What the event says of the phase just entered.
    fn detail(status: &Self::Status) -> String;
}

/// Applies `change` to the status of the `R` named `name` inside `w`, with an event when its
/// phase moves; the status as written.
pub(crate) fn update_status_in<R: Phased>(
    w: &mut WriteTx<'_>,
    name: &str,
    change: impl FnOnce(&mut R::Status),
) -> Result<R::Status, StoreError> {
    let mut object = w.require::<R>(name)?;
    let before = R::phase(object.status_mut());
    change(object.status_mut());
    let status = object.status_mut().clone();
    let phase = R::phase(&status);
    if phase != before {
        let kind = if R::is_failure(phase) {
            EventKind::Warning
        } else {
            EventKind::Normal
        };
        w.event(Event::new(
            kind,
            R::KIND,
            name,
            &format!("{phase:?}"),
            R::detail(&status),
        ))?;
    }
    w.update(object)?;
    Ok(status)
}

impl Phased for Transaction {
    type Status = TxStatus;
    type Phase = TxPhase;
    fn status_mut(&mut self) -> &mut TxStatus {
        &mut self.status
    }
    fn phase(status: &TxStatus) -> TxPhase {
        status.phase
    }
    fn is_failure(phase: TxPhase) -> bool {
        phase == TxPhase::Failed
    }
    fn detail(status: &TxStatus) -> String {
        match status.phase {
            TxPhase::Failed => status.message.clone(),
            TxPhase::Confirmed => format!("in block {}", status.height.unwrap_or(0)),
            _ => status.hash.clone(),
        }
    }
}

impl Phased for Upgrade {
    type Status = UpgradeStatus;
    type Phase = UpgradePhase;
    fn status_mut(&mut self) -> &mut UpgradeStatus {
        &mut self.status
    }
    fn phase(status: &UpgradeStatus) -> UpgradePhase {
        status.phase
    }
    fn is_failure(phase: UpgradePhase) -> bool {
        matches!(
            phase,
            UpgradePhase::Failed | UpgradePhase::RollingBack | UpgradePhase::RolledBack
        )
    }
    fn detail(status: &UpgradeStatus) -> String {
        status.message.clone()
    }
}

impl Phased for Export {
    type Status = ExportStatus;
    type Phase = ExportPhase;
    fn status_mut(&mut self) -> &mut ExportStatus {
        &mut self.status
    }
    fn phase(status: &ExportStatus) -> ExportPhase {
        status.phase
    }
    fn is_failure(phase: ExportPhase) -> bool {
        phase == ExportPhase::Failed
    }
    fn detail(status: &ExportStatus) -> String {
        status.message.clone()
    }
}
